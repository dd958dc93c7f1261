#include "bucket.h"

int bucket_take(struct bucket *b, uint64_t now_ms, double rate, double burst)
{
    if (b->at_ms == 0) {
        b->tokens = burst;
        b->at_ms = now_ms;
    }
    if (now_ms > b->at_ms) { /* a clock that went back refills nothing */
        b->tokens += (double)(now_ms - b->at_ms) * rate / 1000.0;
        b->at_ms = now_ms;
    }
    if (b->tokens > burst)
        b->tokens = burst;
    if (b->tokens < 1)
        return 0;
    b->tokens -= 1;
    return 1;
}
