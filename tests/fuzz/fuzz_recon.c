/* libFuzzer harness for the reconciliation decoder and state machine: arbitrary bytes go to a
 * responder (as a first message) and to an initiator (as the answer to its first message), over
 * small fixed sets. Anything must be answered or rejected, never crash; an answer must respect
 * max_msg; a rejection must leave the output empty. The responder's answers to accepted input are
 * then played against the initiator until the session ends, which must happen. A third, small
 * initiator set (one HASHLIST for a first message) takes the bytes as its answer too, so that
 * DIFFs reach the initiator's settling. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "recon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct recon_set *set_a, *set_b, *set_c;

/* Two sets of 48 items on few timestamps (so that fuzzed bounds land among them), differing in a
 * handful of items. */
static void make_sets(void)
{
    uint8_t id[RECON_ID_LEN];

    set_a = recon_set_new();
    set_b = recon_set_new();
    set_c = recon_set_new();
    for (unsigned i = 0; i < 48; i++) {
        memset(id, (int)(i * 37 + 1), sizeof(id));
        id[31] = (uint8_t)i;
        uint64_t ts = 1795000000000ull + (i / 3) * 1000;
        if (i % 11 != 3 && recon_set_add(set_a, ts, id) != 0)
            abort();
        if (i % 13 != 5 && recon_set_add(set_b, ts, id) != 0)
            abort();
        if (i < 24 && i % 7 != 2 && recon_set_add(set_c, ts, id) != 0)
            abort();
    }
}

static void ignore(void *ctx, uint64_t ts, const uint8_t id[RECON_ID_LEN])
{
    (void)ctx;
    (void)ts;
    (void)id;
}

static void check(int rc, const struct buf *out)
{
    if (out->len > RECON_MIN_MSG || (rc != 0 && out->len != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct recon *resp, *init;
    struct buf out, a2b, b2a;
    char err[256];
    int rc, rounds = 0;

    if (set_a == NULL)
        make_sets();
    buf_init(&out, RECON_MAX_MSG);
    buf_init(&a2b, RECON_MAX_MSG);
    buf_init(&b2a, RECON_MAX_MSG);

    /* As a responder's first message. */
    resp = recon_new(set_b, 0, RECON_MIN_MSG);
    rc = recon_reply(resp, data, size, &out, err, sizeof(err));
    check(rc, &out);
    recon_destroy(&resp);

    /* As the answer to an initiator's first message; if accepted, finish the session against a
     * real responder (which has not seen the first message: it may reject, that is fine). */
    init = recon_new(set_a, 1, RECON_MIN_MSG);
    resp = recon_new(set_b, 0, RECON_MIN_MSG);
    recon_set_callbacks(init, ignore, ignore, NULL);
    if (recon_initiate(init, &a2b, err, sizeof(err)) != 0)
        abort();
    rc = recon_reply(init, data, size, &a2b, err, sizeof(err));
    check(rc, &a2b);
    while (rc == 0 && a2b.len > 0 && rounds++ < 64) {
        rc = recon_reply(resp, a2b.data, a2b.len, &b2a, err, sizeof(err));
        check(rc, &b2a);
        if (rc == 0) {
            rc = recon_reply(init, b2a.data, b2a.len, &a2b, err, sizeof(err));
            check(rc, &a2b);
        }
    }
    recon_destroy(&init);
    recon_destroy(&resp);

    /* As the answer to a small initiator's HASHLIST. */
    init = recon_new(set_c, 1, RECON_MIN_MSG);
    recon_set_callbacks(init, ignore, ignore, NULL);
    if (recon_initiate(init, &a2b, err, sizeof(err)) != 0)
        abort();
    rc = recon_reply(init, data, size, &a2b, err, sizeof(err));
    check(rc, &a2b);
    recon_destroy(&init);
    buf_free(&out);
    buf_free(&a2b);
    buf_free(&b2a);
    return 0;
}
