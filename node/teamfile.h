/*
 * teamfile: which team this node is in, and the join secret it holds, on disk.
 *
 * Stored as DIR/team (DIR is the identity directory, mode 0700), mode 0600, as text:
 *   lore-team 1
 *   id <32 hex>
 *   secret <32 hex>
 * Loading refuses a file with looser permissions, another owner, or any other content. The
 * secret is read into memory the caller provides (sodium memory) and stack copies are wiped.
 */
#ifndef LORE_TEAMFILE_H
#define LORE_TEAMFILE_H

#include <stddef.h>
#include <stdint.h>

#define TEAMFILE_ID_LEN 16
#define TEAMFILE_SECRET_LEN 16

/* Load DIR/team. Returns 1 with id and secret filled, 0 if there is no such file, or -1 with a
 * message in err. */
int teamfile_load(const char *dir, uint8_t id[TEAMFILE_ID_LEN], uint8_t secret[TEAMFILE_SECRET_LEN],
                  char *err, size_t errlen) __attribute__((warn_unused_result));

/* Write DIR/team atomically (a 0600 temporary file renamed over it). Returns 0, or -1 with a
 * message in err. */
int teamfile_save(const char *dir, const uint8_t id[TEAMFILE_ID_LEN],
                  const uint8_t secret[TEAMFILE_SECRET_LEN], char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Remove DIR/team (a node in no team has none). Returns 0 (also if there was none), or -1 with a
 * message in err. */
int teamfile_remove(const char *dir, char *err, size_t errlen) __attribute__((warn_unused_result));
#endif
