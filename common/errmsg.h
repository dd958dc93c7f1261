/* errmsg: the "char *err, size_t errlen" convention for messages to people. */
#ifndef LORE_ERRMSG_H
#define LORE_ERRMSG_H

#include <stddef.h>

/* The size of a buffer for one such message: every err[] a caller passes down. */
#define ERRMSG_MAX 512

/* Format a message into err (truncated to errlen, always NUL-terminated). err may be NULL or
 * errlen 0: then nothing is written. Keeps errno. */
void errmsg_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
