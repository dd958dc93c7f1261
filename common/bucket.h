/*
 * bucket: a token bucket, the rate limits' one mechanism (a link's messages, an author's pushes,
 * our pushes to a peer). Zero-initialised, a bucket is full at its first use.
 */
#ifndef LORE_BUCKET_H
#define LORE_BUCKET_H

#include <stdint.h>

struct bucket {
    double tokens;
    uint64_t at_ms; /* when it was last refilled (0: never used) */
};

/* Refill b for the time since its last use (rate tokens a second, at most burst), then take one
 * token: 1 if there was one, 0 if not. now_ms comes from a monotonic clock (loop_now_ms). */
int bucket_take(struct bucket *b, uint64_t now_ms, double rate, double burst);

#endif
