/*
 * xmalloc: the one allocation family. On out-of-memory it logs and aborts, so callers never
 * check for NULL. No bare malloc elsewhere in the tree.
 */
#ifndef LORE_XMALLOC_H
#define LORE_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size) __attribute__((malloc, returns_nonnull));
void *xcalloc(size_t nmemb, size_t size) __attribute__((malloc, returns_nonnull));
/* Overflow-checked nmemb*size; aborts on overflow. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size) __attribute__((returns_nonnull));
char *xstrdup(const char *s) __attribute__((malloc, returns_nonnull));
char *xstrndup(const char *s, size_t n) __attribute__((malloc, returns_nonnull));
/* Formats into a new string the caller frees. */
char *xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), malloc, returns_nonnull));
/* Zero the whole block (as much as malloc gave, not only what was asked), then free it; NULL is
 * fine. The JSON library frees through it (json_set_alloc_funcs), so requests and replies that
 * carried a join code leave no copy in freed memory. */
void xfree_wiped(void *p);

#endif
