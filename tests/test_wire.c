/* Peer messages: round trips of every type, and strict rejection of malformed frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"
#include "xmalloc.h"

static uint8_t key[WIRE_KEY_LEN];

static int hello(struct buf *b, const uint8_t *k, uint64_t nonce, int reply, uint16_t port,
                 uint64_t entries, const char *name);

static void save_seed(const char *name, const struct buf *b)
{
    char path[512];
    FILE *f;

    /* Valid frames double as the fuzzer's seed corpus (written only when asked). */
    if (getenv("LORE_WRITE_SEEDS") == NULL)
        return;
    snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/fuzz_wire/%s", LORE_SOURCE_DIR, name);
    f = fopen(path, "wb");
    if (f != NULL) {
        fwrite(b->data, 1, b->len, f);
        fclose(f);
    }
}

static void test_round_trips(void **state)
{
    struct buf b;
    struct wire_msg m;
    char err[160];
    uint8_t ids[3 * WIRE_ID_LEN];
    const uint8_t *bytes;
    size_t pos = 0, len;

    (void)state;
    memset(key, 0xab, sizeof(key));
    for (size_t i = 0; i < sizeof(ids); i++)
        ids[i] = (uint8_t)i;
    buf_init(&b, WIRE_MAX_FRAME);

    assert_int_equal(hello(&b, key, 42, 1, 5673, 1000, "Ada"), 0);
    save_seed("hello", &b);
    assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);
    assert_int_equal(m.type, WIRE_HELLO);
    assert_memory_equal(m.u.hello.key, key, WIRE_KEY_LEN);
    assert_int_equal(m.u.hello.nonce, 42);
    assert_int_equal(m.u.hello.is_reply, 1);
    assert_int_equal(m.u.hello.listen_port, 5673);
    assert_int_equal(m.u.hello.entries, 1000);
    assert_int_equal(m.u.hello.clock_ms, 1795000000123ull); /* wire 3: the sender's clock */
    assert_int_equal(m.u.hello.name_len, 3);
    assert_memory_equal(m.u.hello.name, "Ada", 3);

    buf_reset(&b);
    assert_int_equal(wire_ids(&b, WIRE_WANT, ids, 3), 0);
    save_seed("want", &b);
    assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);
    assert_int_equal(m.type, WIRE_WANT);
    assert_int_equal(m.u.ids.n, 3);
    assert_memory_equal(m.u.ids.ids, ids, sizeof(ids));

    buf_reset(&b);
    assert_int_equal(wire_batch_begin(&b, 0, 0), 0);
    assert_int_equal(wire_batch_add(&b, (const uint8_t *)"first", 5), 0);
    assert_int_equal(wire_batch_add(&b, (const uint8_t *)"second!", 7), 0);
    wire_batch_finish(&b, 77, 7777);
    save_seed("batch", &b);
    assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);
    assert_int_equal(m.type, WIRE_BATCH);
    assert_int_equal(m.u.batch.n, 2);
    assert_int_equal(m.u.batch.remaining_entries, 77);
    assert_int_equal(m.u.batch.remaining_bytes, 7777);
    assert_true(wire_batch_next(&m, &pos, &bytes, &len));
    assert_int_equal(len, 5);
    assert_memory_equal(bytes, "first", 5);
    assert_true(wire_batch_next(&m, &pos, &bytes, &len));
    assert_int_equal(len, 7);
    assert_false(wire_batch_next(&m, &pos, &bytes, &len));

    buf_reset(&b);
    assert_int_equal(wire_stream(&b, 123456789, key, 500), 0);
    save_seed("stream", &b);
    assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);
    assert_int_equal(m.u.stream.after_ts, 123456789);
    assert_int_equal(m.u.stream.max_entries, 500);

    buf_reset(&b);
    assert_int_equal(wire_recon(&b, 9, (const uint8_t *)"xyz", 3), 0);
    assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);
    assert_int_equal(m.u.recon.session, 9);
    assert_int_equal(m.u.recon.len, 3);

    buf_reset(&b);
    assert_int_equal(wire_ping(&b, WIRE_PING, 99), 0);
    save_seed("ping", &b);
    assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);
    assert_int_equal(m.u.ping, 99);

    buf_reset(&b);
    assert_int_equal(wire_peers_begin(&b), 0);
    assert_int_equal(wire_peers_add(&b, key, "10.0.0.7:5673"), 0);
    assert_int_equal(wire_peers_add(&b, ids, "[fe80::1]:6000"), 0);
    assert_int_equal(wire_peers_add(&b, key, "no port"), -1);
    assert_int_equal(wire_peers_add(&b, key, "host:port"), -1);
    save_seed("peers", &b);
    assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);
    assert_int_equal(m.type, WIRE_PEERS);
    assert_int_equal(m.u.peers.n, 2);
    {
        char addr[WIRE_MAX_ADDR + 1];
        const uint8_t *k;
        size_t ppos = 0;
        assert_true(wire_peers_next(&m, &ppos, &k, addr));
        assert_memory_equal(k, key, WIRE_KEY_LEN);
        assert_string_equal(addr, "10.0.0.7:5673");
        assert_true(wire_peers_next(&m, &ppos, &k, addr));
        assert_string_equal(addr, "[fe80::1]:6000");
        assert_false(wire_peers_next(&m, &ppos, &k, addr));
    }
    /* An address with a control character is refused by the decoder. */
    b.data[b.len - 3] = 0x07;
    assert_int_not_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);

    buf_reset(&b);
    assert_int_equal(wire_bye(&b, "shutting down"), 0);
    assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);
    assert_int_equal(m.type, WIRE_BYE);
    buf_free(&b);
}

static void expect_reject(const uint8_t *frame, size_t len, const char *what)
{
    struct wire_msg m;
    char err[160] = "";

    if (wire_decode(frame, len, &m, err, sizeof(err)) == 0)
        fail_msg("accepted: %s", what);
    assert_true(err[0] != '\0');
}

/* A HELLO with the given fields, a fixed challenge, and optionally a proof and one credential. */
static int hello(struct buf *b, const uint8_t *k, uint64_t nonce, int reply, uint16_t port,
                 uint64_t entries, const char *name)
{
    static const uint8_t challenge[WIRE_CHALLENGE_LEN] = {1, 2, 3};
    struct wire_hello_fields h = {0};

    h.key = k;
    h.nonce = nonce;
    h.is_reply = reply;
    h.listen_port = port;
    h.entries = entries;
    h.clock_ms = 1795000000123ull;
    h.name = name;
    h.challenge = challenge;
    return wire_hello(b, &h);
}

static void test_hello_auth(void **state)
{
    static const uint8_t creds[] = {0, 0, 0, 2, 'h', 'i', 0, 0, 0, 1, '!'};
    uint8_t challenge[WIRE_CHALLENGE_LEN], proof[WIRE_PROOF_LEN], msg[WIRE_PROOF_MSG_LEN];
    struct wire_hello_fields h = {0};
    struct wire_msg m;
    const uint8_t *bytes;
    size_t pos = 0, len, i;
    struct buf b;
    char err[160];

    (void)state;
    memset(challenge, 7, sizeof(challenge));
    memset(proof, 9, sizeof(proof));
    buf_init(&b, WIRE_MAX_FRAME);
    h.key = key;
    h.nonce = 5;
    h.challenge = challenge;
    h.proof = proof;
    h.creds = creds;
    h.creds_len = sizeof(creds);
    h.ncreds = 2;
    assert_int_equal(wire_hello(&b, &h), 0);
    save_seed("hello-auth", &b);
    assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);
    assert_memory_equal(m.u.hello.challenge, challenge, sizeof(challenge));
    assert_non_null(m.u.hello.proof);
    assert_memory_equal(m.u.hello.proof, proof, sizeof(proof));
    assert_int_equal(m.u.hello.ncreds, 2);
    assert_int_equal(wire_creds_next(&m, &pos, &bytes, &len), 1);
    assert_int_equal(len, 2);
    assert_memory_equal(bytes, "hi", 2);
    assert_int_equal(wire_creds_next(&m, &pos, &bytes, &len), 1);
    assert_int_equal(len, 1);
    assert_int_equal(wire_creds_next(&m, &pos, &bytes, &len), 0);
    /* Every truncation fails; so does a proof flag other than 0 or 1. */
    for (i = 0; i < b.len; i++)
        assert_int_not_equal(wire_decode(b.data, i, &m, NULL, 0), 0);
    b.data[2 + WIRE_KEY_LEN + 8 + 1 + 2 + 8 + 8 + 1 + WIRE_CHALLENGE_LEN] = 2;
    assert_int_not_equal(wire_decode(b.data, b.len, &m, NULL, 0), 0);
    /* No proof: NULL. */
    h.proof = NULL;
    h.ncreds = 0;
    h.creds_len = 0;
    buf_reset(&b);
    assert_int_equal(wire_hello(&b, &h), 0);
    assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);
    assert_null(m.u.hello.proof);
    assert_int_equal(m.u.hello.ncreds, 0);
    /* The proof message binds the team, the challenge and both keys, in that order. */
    wire_proof_message(challenge, challenge, WIRE_LISTENER, key, key, key, msg);
    assert_memory_equal(msg, "lore-hello-v2", 13);
    assert_int_equal(msg[13 + 16 + 16], 'L');
    assert_int_equal(sizeof(msg), 13 + 16 + 16 + 1 + 96);
    buf_free(&b);
}

/* PRESENCE: a round trip, every truncation, a trailing byte and ttls out of range. */
static void test_presence(void **state)
{
    uint8_t sig[WIRE_SIG_LEN], msg[WIRE_PRESENCE_MSG_LEN], team[WIRE_TEAM_LEN] = {1};
    struct wire_presence_fields f = {key, 1795000000000ull, 9000, 7, sig};
    struct wire_msg m;
    struct buf b;
    char err[160];
    size_t i;

    (void)state;
    memset(key, 0xab, sizeof(key));
    memset(sig, 0x5a, sizeof(sig));
    buf_init(&b, WIRE_MAX_FRAME);
    assert_int_equal(wire_presence(&b, &f), 0);
    save_seed("presence", &b);
    assert_int_equal(b.len, 114);
    assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);
    assert_int_equal(m.type, WIRE_PRESENCE);
    assert_string_equal(wire_type_name(m.type), "PRESENCE");
    assert_memory_equal(m.u.presence.key, key, WIRE_KEY_LEN);
    assert_int_equal(m.u.presence.time_ms, 1795000000000ull);
    assert_int_equal(m.u.presence.ttl_ms, 9000);
    assert_int_equal(m.u.presence.seq, 7);
    assert_memory_equal(m.u.presence.sig, sig, WIRE_SIG_LEN);
    /* The signed message: the domain, the team, then the fields as in the frame. */
    wire_presence_message(team, &m.u.presence, msg);
    assert_memory_equal(msg, "lore-presence-v1", 16);
    assert_memory_equal(msg + 16, team, WIRE_TEAM_LEN);
    assert_memory_equal(msg + 32, b.data + 2, WIRE_PRESENCE_MSG_LEN - 32);

    for (i = 0; i < b.len; i++)
        expect_reject(b.data, i, "truncated PRESENCE");
    assert_int_equal(buf_append_u8(&b, 0), 0);
    expect_reject(b.data, b.len, "PRESENCE with a trailing byte");
    b.len--;
    b.data[2 + 32 + 8 + 0] = 0; /* ttl 0 */
    b.data[2 + 32 + 8 + 1] = 0;
    b.data[2 + 32 + 8 + 2] = 0;
    b.data[2 + 32 + 8 + 3] = 0;
    expect_reject(b.data, b.len, "PRESENCE with ttl 0");
    b.data[2 + 32 + 8 + 2] = 0xea; /* 60,001 ms */
    b.data[2 + 32 + 8 + 3] = 0x61;
    expect_reject(b.data, b.len, "PRESENCE with ttl over a minute");
    b.data[2 + 32 + 8 + 3] = 0x60; /* 60,000 ms: the limit */
    assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);

    /* The encoder refuses what the decoder would. */
    buf_reset(&b);
    f.ttl_ms = 0;
    assert_int_equal(wire_presence(&b, &f), -1);
    f.ttl_ms = WIRE_MAX_PRESENCE_TTL_MS + 1;
    assert_int_equal(wire_presence(&b, &f), -1);
    buf_free(&b);
}

static void test_rejects(void **state)
{
    struct buf b;
    size_t i;

    (void)state;
    buf_init(&b, WIRE_MAX_FRAME + 10);
    assert_int_equal(hello(&b, key, 1, 0, 1, 2, "name"), 0);
    /* Every truncation of a valid HELLO, and one trailing byte, are rejected. */
    for (i = 0; i < b.len; i++)
        expect_reject(b.data, i, "truncated HELLO");
    assert_int_equal(buf_append_u8(&b, 0), 0);
    expect_reject(b.data, b.len, "HELLO with a trailing byte");

    const uint8_t bad_version[] = {WIRE_VERSION + 1, WIRE_PING, 0, 0, 0, 0, 0, 0, 0, 0};
    expect_reject(bad_version, sizeof(bad_version), "unknown version");
    const uint8_t bad_type[] = {WIRE_VERSION, 0};
    expect_reject(bad_type, sizeof(bad_type), "unknown type");
    /* Types after FEATURES are a later node's: they decode to WIRE_LATER, whatever they hold. */
    const uint8_t later[] = {WIRE_VERSION, WIRE_FEATURES + 1, 1, 2, 3};
    const uint8_t later_empty[] = {WIRE_VERSION, 255};
    struct wire_msg lm;
    assert_int_equal(wire_decode(later, sizeof(later), &lm, NULL, 0), 0);
    assert_int_equal(lm.type, WIRE_LATER);
    assert_int_equal(wire_decode(later_empty, sizeof(later_empty), &lm, NULL, 0), 0);
    assert_int_equal(lm.type, WIRE_LATER);
    const uint8_t zero_ids[] = {WIRE_VERSION, WIRE_WANT, 0, 0};
    expect_reject(zero_ids, sizeof(zero_ids), "empty WANT");
    const uint8_t short_ids[] = {WIRE_VERSION, WIRE_WANT, 0, 2, 1, 2, 3};
    expect_reject(short_ids, sizeof(short_ids), "WANT shorter than its count");
    const uint8_t empty_entry[] = {WIRE_VERSION, WIRE_ENTRY};
    expect_reject(empty_entry, sizeof(empty_entry), "empty ENTRY");
    const uint8_t zero_stream[44] = {WIRE_VERSION, WIRE_STREAM};
    expect_reject(zero_stream, sizeof(zero_stream), "STREAM asking for nothing");
    uint8_t bad_name[] = {WIRE_VERSION, WIRE_HELLO};
    expect_reject(bad_name, sizeof(bad_name), "HELLO without fields");

    /* A name with a control character. */
    buf_reset(&b);
    assert_int_equal(hello(&b, key, 1, 0, 1, 2, "a\x1b[2Jb"), 0);
    expect_reject(b.data, b.len, "escape sequence in a name");

    /* A batch entry claiming more bytes than the frame has. */
    buf_reset(&b);
    assert_int_equal(wire_batch_begin(&b, 0, 0), 0);
    assert_int_equal(wire_batch_add(&b, (const uint8_t *)"abc", 3), 0);
    wire_batch_finish(&b, 0, 0);
    b.data[b.len - 4] = 9; /* low byte of the entry length */
    expect_reject(b.data, b.len, "batch entry overrunning the frame");

    /* Oversize frames are refused before anything else. */
    uint8_t *big = xcalloc(1, WIRE_MAX_FRAME + 1);
    big[0] = WIRE_VERSION;
    big[1] = WIRE_ENTRY;
    expect_reject(big, WIRE_MAX_FRAME + 1, "oversize frame");
    free(big);

    /* The batch encoder refuses to pass its byte limit. */
    buf_reset(&b);
    assert_int_equal(wire_batch_begin(&b, 0, 0), 0);
    uint8_t *chunk = xcalloc(1, 300000);
    assert_int_equal(wire_batch_add(&b, chunk, 300000), 0);
    assert_int_equal(wire_batch_add(&b, chunk, 300000), 0);
    assert_int_equal(wire_batch_add(&b, chunk, 300000), 0);
    assert_int_equal(wire_batch_add(&b, chunk, 300000), -1);
    free(chunk);
    buf_free(&b);
}

/* FEATURES: round trips (unknown bits kept for the caller to ignore), every truncation and a
 * trailing byte rejected; to a node of before FEATURES, the same frame is a later type. */
static void test_features(void **state)
{
    struct buf b;
    struct wire_msg m;
    char err[160];
    const uint64_t bits[] = {0, WIRE_FEATURE_UNICODE_TAGS, WIRE_FEATURES_OURS, UINT64_MAX,
                             1ull << 63 | 2};
    size_t i, k;

    (void)state;
    buf_init(&b, WIRE_MAX_FRAME);
    for (k = 0; k < sizeof(bits) / sizeof(bits[0]); k++) {
        buf_reset(&b);
        assert_int_equal(wire_features(&b, bits[k]), 0);
        assert_int_equal(b.len, 2 + 8);
        assert_int_equal(b.data[1], 15); /* the type number is part of the protocol */
        assert_int_equal(wire_decode(b.data, b.len, &m, err, sizeof(err)), 0);
        assert_int_equal(m.type, WIRE_FEATURES);
        assert_true(m.u.features == bits[k]);
        assert_string_equal(wire_type_name(m.type), "FEATURES");
    }
    assert_int_equal(WIRE_FEATURE_UNICODE_TAGS, 1);
    buf_reset(&b);
    assert_int_equal(wire_features(&b, WIRE_FEATURES_OURS), 0);
    save_seed("features", &b);
    for (i = 0; i < b.len; i++)
        expect_reject(b.data, i, "truncated FEATURES");
    assert_int_equal(buf_append_u8(&b, 0), 0);
    expect_reject(b.data, b.len, "FEATURES with a trailing byte");
    buf_reset(&b);
    assert_int_equal(wire_features(&b, UINT64_MAX), 0);
    save_seed("features-unknown-bits", &b);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips), cmocka_unit_test(test_hello_auth),
        cmocka_unit_test(test_rejects),     cmocka_unit_test(test_presence),
        cmocka_unit_test(test_features),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
