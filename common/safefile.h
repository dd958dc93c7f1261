#ifndef LORE_SAFEFILE_H
#define LORE_SAFEFILE_H

#include <stddef.h>

/*
 * safefile: small private files (a secret key, a login token) created so that no crash, power
 * cut or second process ever leaves one half written or replaces one that exists.
 */

/* Read exactly n bytes. Returns 0, or -1 (errno set; 0 at a premature end of file). */
int safefile_read_full(int fd, void *buf, size_t n);

/* Write all n bytes. Returns 0, or -1 with errno set. */
int safefile_write_full(int fd, const void *buf, size_t n);

/* Make a rename or link in dir durable. Returns 0, or -1 with errno set. */
int safefile_fsync_dir(const char *dir);

/* Create path (a file in dir) holding the n bytes at data, mode 0600: written to a temporary file
 * in dir and fsynced, then linked into place, so path is either absent or complete. Never
 * replaces path: returns 1 if created, 0 if path already exists, -1 with err on error. */
int safefile_create(const char *dir, const char *path, const void *data, size_t n, char *err,
                    size_t errlen);

#endif
