/*
 * buf: a growable byte buffer with a hard maximum, for anything read from outside or encoded for
 * the wire (curl's dynbuf). The struct is public so it can be embedded; touch the fields only
 * through these functions, except for reading data/len.
 */
#ifndef LORE_BUF_H
#define LORE_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *data; /* NULL until the first append; always NUL-terminated after an append */
    size_t len;
    size_t cap;
    size_t max; /* appends that would make len exceed max fail */
};

/* Initialise an empty buffer that may hold at most max bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t max);
/* Free the storage and leave an empty buffer with the same max. */
void buf_free(struct buf *b);
/* Empty the buffer, keeping its storage. */
void buf_reset(struct buf *b);

/* Append bytes. Return 0, or -1 (buffer unchanged) if len would exceed max. */
int buf_append(struct buf *b, const void *p, size_t n) __attribute__((warn_unused_result));
int buf_append_str(struct buf *b, const char *s) __attribute__((warn_unused_result));
int buf_append_u8(struct buf *b, uint8_t v) __attribute__((warn_unused_result));
int buf_append_u16be(struct buf *b, uint16_t v) __attribute__((warn_unused_result));
int buf_append_u32be(struct buf *b, uint32_t v) __attribute__((warn_unused_result));
int buf_append_u64be(struct buf *b, uint64_t v) __attribute__((warn_unused_result));
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)))
__attribute__((warn_unused_result));

/* Drop the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
/* As buf_consume, and zero the storage the dropped bytes leave behind, so no copy of them stays in
 * the buffer (for bytes that may hold secrets). */
void buf_consume_wiped(struct buf *b, size_t n);
/* Zero all the storage and empty the buffer (storage kept). Safe on a buffer with no storage. */
void buf_wipe(struct buf *b);

/* Hand the storage to the caller (who frees it) and leave the buffer empty. May return NULL. */
uint8_t *buf_steal(struct buf *b, size_t *len);

#endif
