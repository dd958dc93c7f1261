/*
 * replica: this node's full copy of the team's entries, in one SQLite file (WAL mode).
 *
 * Each entry is kept as its exact signed bytes (so it can be re-sent byte for byte) plus decoded
 * columns for queries, and indexed for full-text search (FTS5 over title, body and tags; bm25).
 * Merging verifies the encoding, id and signature, then inserts if absent: idempotent and
 * independent of arrival order. Everything served is decoded from the stored bytes and verified
 * again, so a row tampered with in the file is reported, never served as valid.
 * The schema is versioned with PRAGMA user_version and migrated forward on open.
 */
#ifndef LORE_REPLICA_H
#define LORE_REPLICA_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"

#define REPLICA_SCHEMA_VERSION 1

struct replica;

/* Open (creating if needed) the replica at path. cache_mb sizes SQLite's page cache (0 = default).
 * Returns NULL with a message in err, e.g. for a file from a newer lore. */
struct replica *replica_open(const char *path, int cache_mb, char *err, size_t errlen);
void replica_close(struct replica **rp);

enum replica_merge_result {
    REPLICA_ERROR = -1, /* invalid entry or storage failure; message in err */
    REPLICA_EXISTS = 0, /* already had it */
    REPLICA_ADDED = 1,
};

/* Verify and store one encoded entry. On success id_out (may be NULL) receives its id. */
enum replica_merge_result replica_merge(struct replica *r, const uint8_t *bytes, size_t len,
                                        uint8_t id_out[ENTRY_ID_LEN], char *err, size_t errlen);

/* Store an entry already created and verified locally (entry_create). */
enum replica_merge_result replica_add(struct replica *r, const struct entry *e, char *err,
                                      size_t errlen);

enum replica_lookup {
    REPLICA_FOUND = 0,
    REPLICA_NOT_FOUND = 1,
    REPLICA_AMBIGUOUS = 2,
    REPLICA_CORRUPT = 3, /* stored bytes fail decoding, id or signature check */
    REPLICA_FAILED = -1, /* storage error */
};

#define REPLICA_MIN_PREFIX 4

/* Find the one id starting with the hex prefix (4 to 64 digits). On REPLICA_AMBIGUOUS, up to
 * max_candidates matching ids go to candidates (may be NULL) and their number to *ncandidates. */
enum replica_lookup replica_resolve(struct replica *r, const char *hex_prefix,
                                    uint8_t id[ENTRY_ID_LEN], uint8_t (*candidates)[ENTRY_ID_LEN],
                                    size_t max_candidates, size_t *ncandidates);

/* Load and verify one entry. On REPLICA_FOUND *out is a new entry the caller destroys. */
enum replica_lookup replica_get(struct replica *r, const uint8_t id[ENTRY_ID_LEN],
                                struct entry **out, char *err, size_t errlen);

/* Filters for list and search; zero values mean "any". kind 0 means the content kinds
 * (question, answer, note, comment). */
struct replica_query {
    uint16_t kind;
    const char *tag;
    const uint8_t *author; /* ENTRY_KEY_LEN bytes */
    const uint8_t *ref;    /* entries referencing this id */
    int open_only;         /* questions with no answer yet */
    uint64_t since_ms;     /* created at or after */
    size_t limit;          /* 0 = 50 */
    size_t offset;
    int oldest_first; /* list order; default newest first */
};

/* One result. e and snippet are borrowed for the call. snippet is NULL for list. rank: lower is
 * better (bm25), 0 for list. Return non-zero to stop. */
typedef int (*replica_row_fn)(void *ctx, const struct entry *e, const char *snippet, double rank);

/* Newest first. Rows whose stored bytes fail verification are skipped, logged and counted in
 * *corrupt (may be NULL). Returns 0, or -1 on storage error. */
int replica_list(struct replica *r, const struct replica_query *q, replica_row_fn fn, void *ctx,
                 size_t *corrupt) __attribute__((warn_unused_result));

/* Full-text search, best first. The query is words (each must match; the last one also as a
 * prefix); FTS5 syntax is not needed and not interpreted. hl_open/hl_close wrap matches in the
 * snippet (NULL = "**"). Returns 0, or -1 with a message in err. */
int replica_search(struct replica *r, const char *query, const struct replica_query *q,
                   const char *hl_open, const char *hl_close, replica_row_fn fn, void *ctx,
                   size_t *corrupt, char *err, size_t errlen) __attribute__((warn_unused_result));

/* Number of entries that reference id with the given kind (0 = any). -1 on error. */
long long replica_count_refs(struct replica *r, const uint8_t id[ENTRY_ID_LEN], uint16_t kind);

/* Total entries stored, -1 on error. */
long long replica_count(struct replica *r);

/* The newest profile entry's title for author, copied into name (NUL-terminated), or -1 if none. */
int replica_author_name(struct replica *r, const uint8_t author[ENTRY_KEY_LEN], char *name,
                        size_t namelen) __attribute__((warn_unused_result));

struct replica_check {
    uint64_t entries;    /* rows examined */
    uint64_t bad;        /* rows failing any check */
    uint64_t bad_decode; /* stored bytes are not a valid encoding */
    uint64_t bad_id;     /* stored id is not the hash of the bytes */
    uint64_t bad_signature;
    uint64_t bad_columns; /* decoded columns disagree with the bytes */
    int integrity_ok;     /* PRAGMA integrity_check said ok */
};

/* Called for each bad row with its stored id (32 bytes, or fewer if that is damaged too). */
typedef void (*replica_bad_fn)(void *ctx, const uint8_t *id, size_t idlen, const char *why);

/* Verify every stored entry and SQLite's own integrity. Returns 0 when the check ran (look at
 * the report), -1 on storage error. */
int replica_check(struct replica *r, struct replica_check *report, replica_bad_fn fn, void *ctx)
    __attribute__((warn_unused_result));

#endif
