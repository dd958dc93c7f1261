#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_free(struct buf *b)
{
    free(b->data);
    buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

/* Make room for n more bytes plus a NUL. */
static int buf_reserve(struct buf *b, size_t n)
{
    uint8_t *grown;
    size_t want, cap;

    if (n > b->max || b->len > b->max - n)
        return -1;
    want = b->len + n + 1;
    if (want <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    /* Not realloc: a block it moves away from keeps its bytes, and a buffer may hold a secret
     * (a join code in a request or a reply). Move by hand and wipe the old block. */
    grown = xmalloc(cap);
    if (b->data != NULL) {
        memcpy(grown, b->data, b->len + 1);
        explicit_bzero(b->data, b->cap);
        free(b->data);
    }
    b->data = grown;
    b->cap = cap;
    return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return -1;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_append_str(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_append_u8(struct buf *b, uint8_t v)
{
    return buf_append(b, &v, 1);
}

int buf_append_u16be(struct buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};

    return buf_append(b, x, sizeof(x));
}

int buf_append_u32be(struct buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    return buf_append(b, x, sizeof(x));
}

int buf_append_u64be(struct buf *b, uint64_t v)
{
    if (buf_append_u32be(b, (uint32_t)(v >> 32)) != 0)
        return -1;
    if (buf_append_u32be(b, (uint32_t)v) != 0) {
        b->len -= 4;
        return -1;
    }
    return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

uint8_t *buf_steal(struct buf *b, size_t *len)
{
    uint8_t *p = b->data;

    if (len != NULL)
        *len = b->len;
    buf_init(b, b->max);
    return p;
}

void buf_consume_wiped(struct buf *b, size_t n)
{
    size_t old = b->len;

    if (b->data == NULL)
        return;
    buf_consume(b, n);
    /* What moved down left its old copy above len (the NUL at len stays). */
    explicit_bzero(b->data + b->len + 1, old - b->len);
}

void buf_wipe(struct buf *b)
{
    if (b->data != NULL) {
        explicit_bzero(b->data, b->cap);
        b->len = 0;
    }
}
