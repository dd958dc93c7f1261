/* Peer links over real ZeroMQ sockets on loopback: CurveZMQ and the ZAP handler, the HELLO
 * proofs, heartbeats, and what a link does with a peer that sends garbage. The "peer" is a raw
 * DEALER (or ROUTER) socket driven by the test, with keys the test chooses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <zmq.h>

#include "link.h"
#include "log.h"
#include "loop.h"
#include "wire.h"
#include "xmalloc.h"

struct fixture {
    struct loop *loop;
    struct links *links;
    void *zctx, *peer; /* the test's raw DEALER */
    int ups, downs, messages, zaps, vets, joined_vets;
    uint8_t key[WIRE_KEY_LEN], sk[64]; /* the node's ed25519 identity */
    uint8_t team[WIRE_TEAM_LEN];
    uint8_t server_pk[32], server_sk[32];        /* the team's CURVE server pair */
    uint8_t node_pk[32], node_sk[32];            /* the node's own CURVE pair */
    uint8_t member_pk[32], member_sk[32];        /* the raw peer's CURVE pair, a member's */
    uint8_t join_pk[32], join_sk[32];            /* the team's join pair */
    uint8_t peer_key[WIRE_KEY_LEN], peer_sk[64]; /* the raw peer's ed25519 identity */
    uint64_t peer_nonce;                         /* its session; 0: 1234 */
};

static int node_sign(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[WIRE_PROOF_LEN])
{
    return crypto_sign_detached(sig, NULL, msg, len, ((struct fixture *)ctx)->sk);
}

/* The ZAP policy under test: the member's CURVE key is the raw peer; the join key a newcomer. */
static enum link_zap on_zap(void *ctx, const uint8_t curve[LINK_CURVE_LEN],
                            uint8_t member[WIRE_KEY_LEN])
{
    struct fixture *f = ctx;

    f->zaps++;
    if (memcmp(curve, f->member_pk, 32) == 0) {
        memcpy(member, f->peer_key, WIRE_KEY_LEN);
        return LINK_ZAP_MEMBER;
    }
    if (memcmp(curve, f->join_pk, 32) == 0)
        return LINK_ZAP_JOIN;
    return LINK_ZAP_NO;
}

/* Only the raw peer's key is a member; a newcomer must show one credential. */
static int on_vet(void *ctx, struct link *l, const uint8_t key[WIRE_KEY_LEN],
                  const struct wire_msg *hello, int joined, char *why, size_t whylen)
{
    struct fixture *f = ctx;

    (void)l;
    f->vets++;
    f->joined_vets += joined;
    if (memcmp(key, f->peer_key, WIRE_KEY_LEN) != 0 || (joined && hello->u.hello.ncreds != 1)) {
        snprintf(why, whylen, "not a member");
        return -1;
    }
    return 0;
}

static int on_creds(void *ctx, struct buf *out)
{
    (void)ctx;
    return buf_append_u32be(out, 3) == 0 && buf_append(out, "abc", 3) == 0 ? 1 : -1;
}

static uint64_t test_entries(void *ctx)
{
    (void)ctx;
    return 7;
}

static void on_up(void *ctx, struct link *l)
{
    (void)l;
    ((struct fixture *)ctx)->ups++;
}

static void on_down(void *ctx, struct link *l)
{
    (void)l;
    ((struct fixture *)ctx)->downs++;
}

static void on_message(void *ctx, struct link *l, const struct wire_msg *m)
{
    (void)l;
    (void)m;
    ((struct fixture *)ctx)->messages++;
}

static void stop_timer(struct loop *loop, uint64_t id, void *arg)
{
    (void)id;
    (void)arg;
    loop_stop(loop);
}

/* Run the node's loop for ms milliseconds. */
static void run_for(struct fixture *f, uint64_t ms)
{
    (void)loop_add_timer(f->loop, ms, 0, stop_timer, NULL);
    assert_int_equal(loop_run(f->loop), 0);
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));
    struct links_config cfg = {0};
    struct links_callbacks cb = {on_up, on_down, on_message, NULL, on_zap, on_vet, on_creds, NULL};
    char err[256];

    log_init("test_link", LOG_LEVEL_WARN);
    if (sodium_init() < 0)
        return -1;
    crypto_sign_keypair(f->key, f->sk);
    crypto_sign_keypair(f->peer_key, f->peer_sk);
    randombytes_buf(f->team, sizeof(f->team));
    crypto_box_keypair(f->server_pk, f->server_sk);
    crypto_box_keypair(f->node_pk, f->node_sk);
    crypto_box_keypair(f->member_pk, f->member_sk);
    crypto_box_keypair(f->join_pk, f->join_sk);
    cfg.listen = "127.0.0.1:0";
    cfg.name = "node under test";
    cfg.entries = test_entries;
    cfg.key = f->key;
    cfg.team = f->team;
    cfg.server_public = f->server_pk;
    cfg.server_secret = f->server_sk;
    cfg.node_public = f->node_pk;
    cfg.node_secret = f->node_sk;
    cfg.sign = node_sign;
    cfg.sign_ctx = f;
    cfg.features = WIRE_FEATURES_OURS;
    f->loop = loop_new();
    f->links = links_new(f->loop, &cfg, &cb, f, err, sizeof(err));
    if (f->links == NULL || links_port(f->links) == 0)
        return -1;
    f->zctx = zmq_ctx_new();
    *state = f;
    return 0;
}

/* A raw DEALER to the node, as a CURVE client with (pk, sk); NULL keys: no CURVE at all. */
static void *raw_dial(struct fixture *f, const uint8_t *pk, const uint8_t *sk)
{
    void *s = zmq_socket(f->zctx, ZMQ_DEALER);
    char endpoint[64];
    int linger = 0, timeout = 2000;

    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
    if (pk != NULL) {
        zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, f->server_pk, 32);
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pk, 32);
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sk, 32);
    }
    snprintf(endpoint, sizeof(endpoint), "tcp://127.0.0.1:%u", links_port(f->links));
    assert_int_equal(zmq_connect(s, endpoint), 0);
    return s;
}

static int setup_member(void **state)
{
    struct fixture *f;

    if (setup(state) != 0)
        return -1;
    f = *state;
    f->peer = raw_dial(f, f->member_pk, f->member_sk);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (f->peer != NULL)
        zmq_close(f->peer);
    zmq_ctx_term(f->zctx);
    links_destroy(&f->links);
    loop_destroy(&f->loop);
    free(f);
    return 0;
}

static void peer_send(struct fixture *f, const struct buf *b)
{
    assert_int_equal(zmq_send(f->peer, b->data, b->len, 0), (int)b->len);
}

/* Receive frames until one of the wanted type (while the node's loop runs). */
static int peer_expect(struct fixture *f, enum wire_type type, struct wire_msg *m, uint8_t *frame,
                       size_t cap)
{
    int i, n;

    for (i = 0; i < 160; i++) { /* up to 4 s: heartbeats come on a 250 ms tick */
        run_for(f, 25);
        while ((n = zmq_recv(f->peer, frame, cap, ZMQ_DONTWAIT)) >= 0) {
            if (wire_decode(frame, (size_t)n, m, NULL, 0) == 0 && m->type == type)
                return 0;
        }
    }
    return -1;
}

/* The raw peer's HELLO: its key (or key), a challenge, a proof over the node's challenge when
 * given one (as a dialler whose connection's client key is curve). */
static void peer_hello_as(struct fixture *f, const uint8_t *key, const uint8_t challenge[16],
                          const uint8_t *node_challenge, int is_reply, const uint8_t *curve)
{
    struct wire_hello_fields h = {0};
    uint8_t msg[WIRE_PROOF_MSG_LEN], sig[WIRE_PROOF_LEN], rec[7] = {0, 0, 0, 3, 'x', 'y', 'z'};
    struct buf b;

    h.key = key != NULL ? key : f->peer_key;
    h.nonce = f->peer_nonce != 0 ? f->peer_nonce : 1234;
    h.is_reply = is_reply;
    h.listen_port = 9999;
    h.entries = 3;
    h.name = "raw peer";
    h.challenge = challenge;
    if (node_challenge != NULL) {
        wire_proof_message(f->team, node_challenge, WIRE_DIALLER, f->peer_key, f->key, curve, msg);
        crypto_sign_detached(sig, NULL, msg, sizeof(msg), f->peer_sk);
        h.proof = sig;
    }
    h.creds = rec;
    h.creds_len = sizeof(rec);
    h.ncreds = 1;
    buf_init(&b, 4096);
    assert_int_equal(wire_hello(&b, &h), 0);
    peer_send(f, &b);
    buf_free(&b);
}

static void peer_hello(struct fixture *f, const uint8_t *key, const uint8_t challenge[16],
                       const uint8_t *node_challenge, int is_reply)
{
    peer_hello_as(f, key, challenge, node_challenge, is_reply, f->join_pk);
}

/* The node's HELLO must prove it holds its key, over our challenge, as the listener of this
 * connection (whose client key is curve). */
static void assert_proof(struct fixture *f, const struct wire_msg *m, const uint8_t challenge[16],
                         const uint8_t *curve)
{
    uint8_t msg[WIRE_PROOF_MSG_LEN];

    assert_non_null(m->u.hello.proof);
    wire_proof_message(f->team, challenge, WIRE_LISTENER, f->key, f->peer_key, curve, msg);
    assert_int_equal(crypto_sign_verify_detached(m->u.hello.proof, msg, sizeof(msg), f->key), 0);
}

static void handshake(struct fixture *f)
{
    uint8_t frame[4096], challenge[16];
    struct wire_msg m;

    randombytes_buf(challenge, sizeof(challenge));
    peer_hello(f, NULL, challenge, NULL, 0);
    assert_int_equal(peer_expect(f, WIRE_HELLO, &m, frame, sizeof(frame)), 0);
    assert_true(m.u.hello.is_reply);
    assert_memory_equal(m.u.hello.key, f->key, WIRE_KEY_LEN);
    assert_int_equal(m.u.hello.entries, 7);
    assert_proof(f, &m, challenge, f->member_pk);
    assert_int_equal(m.u.hello.ncreds, 1); /* the listening side always shows credentials */
    assert_int_equal(f->ups, 1);
    assert_int_equal(f->joined_vets, 0);
}

/* ZAP does not fail open: a client with a CURVE key nobody knows, or no CURVE at all, gets
 * nothing, and the handler was asked and said no. */
static void test_unknown_curve_key_refused(void **state)
{
    struct fixture *f = *state;
    uint8_t pk[32], sk[32], frame[4096], challenge[16] = {0};
    struct wire_msg m;
    void *plain;

    crypto_box_keypair(pk, sk);
    f->peer = raw_dial(f, pk, sk);
    peer_hello(f, NULL, challenge, NULL, 0);
    assert_int_equal(peer_expect(f, WIRE_HELLO, &m, frame, sizeof(frame)), -1);
    assert_true(f->zaps >= 1);
    assert_true(links_refused(f->links) >= 1);
    assert_int_equal(f->ups, 0);
    assert_int_equal(f->vets, 0);
    assert_null(links_first(f->links)); /* not even a link was made */
    zmq_close(f->peer);
    /* A plain (NULL mechanism) client never gets past the CURVE handshake. */
    uint64_t refused = links_refused(f->links);
    plain = raw_dial(f, NULL, NULL);
    f->peer = plain;
    peer_hello(f, NULL, challenge, NULL, 0);
    assert_int_equal(peer_expect(f, WIRE_HELLO, &m, frame, sizeof(frame)), -1);
    assert_int_equal(f->ups, 0);
    assert_true(links_refused(f->links) > refused); /* the failed handshake is counted */
}

/* A member's CURVE key with a HELLO that claims another node key is refused. */
static void test_hello_must_match_curve_key(void **state)
{
    struct fixture *f = *state;
    uint8_t other[WIRE_KEY_LEN], frame[4096], challenge[16] = {0};
    struct wire_msg m;

    memset(other, 0x17, sizeof(other));
    peer_hello(f, other, challenge, NULL, 0);
    assert_int_equal(peer_expect(f, WIRE_BYE, &m, frame, sizeof(frame)), 0);
    assert_int_equal(f->ups, 0);
    assert_int_equal(link_state(links_first(f->links)), LINK_SHUNNED);
}

/* A newcomer with the join key must answer the node's challenge before the link goes up. */
static void test_joiner_must_prove_its_key(void **state)
{
    struct fixture *f = *state;
    uint8_t frame[4096], challenge[16], node_challenge[16];
    struct wire_msg m;

    f->peer = raw_dial(f, f->join_pk, f->join_sk);
    randombytes_buf(challenge, sizeof(challenge));
    peer_hello(f, NULL, challenge, NULL, 0);
    /* No proof yet: the node asks with a HELLO of its own, and is not up. */
    assert_int_equal(peer_expect(f, WIRE_HELLO, &m, frame, sizeof(frame)), 0);
    assert_false(m.u.hello.is_reply);
    assert_proof(f, &m, challenge, f->join_pk);
    assert_int_equal(f->ups, 0);
    memcpy(node_challenge, m.u.hello.challenge, 16);
    peer_hello(f, NULL, challenge, node_challenge, 1);
    run_for(f, 100);
    assert_int_equal(f->ups, 1);
    assert_int_equal(f->joined_vets, 1);
    assert_true(link_joined(links_first(f->links)));
}

/* A newcomer whose proof does not verify (an honest one signs a challenge of ours it kept from
 * before we restarted) is not taken, and not shunned either: it is asked again, with our
 * challenge, and comes up once it signs that. */
static void test_joiner_with_stale_proof_asked_again(void **state)
{
    struct fixture *f = *state;
    uint8_t frame[4096], challenge[16], stale[16];
    struct wire_msg m;

    f->peer = raw_dial(f, f->join_pk, f->join_sk);
    randombytes_buf(challenge, sizeof(challenge));
    randombytes_buf(stale, sizeof(stale)); /* signs something else than the node's challenge */
    peer_hello(f, NULL, challenge, stale, 0);
    assert_int_equal(peer_expect(f, WIRE_HELLO, &m, frame, sizeof(frame)), 0);
    assert_false(m.u.hello.is_reply);
    assert_int_equal(f->ups, 0);
    assert_int_equal(link_state(links_first(f->links)), LINK_CONNECTING);
    peer_hello(f, NULL, challenge, m.u.hello.challenge, 1);
    run_for(f, 100);
    assert_int_equal(f->ups, 1);
    assert_int_equal(f->joined_vets, 1);
}

/* One that keeps sending proofs that do not verify is told BYE and shunned. */
static void test_joiner_with_bad_proofs_shunned(void **state)
{
    struct fixture *f = *state;
    uint8_t frame[4096], challenge[16], wrong[16];
    struct wire_msg m;
    int i, bye = 0, n;

    f->peer = raw_dial(f, f->join_pk, f->join_sk);
    randombytes_buf(challenge, sizeof(challenge));
    for (i = 0; i < 30 && !bye; i++) { /* link.c shuns after 20 within a minute */
        randombytes_buf(wrong, sizeof(wrong));
        peer_hello(f, NULL, challenge, wrong, 0);
        run_for(f, 10);
        while ((n = zmq_recv(f->peer, frame, sizeof(frame), ZMQ_DONTWAIT)) >= 0)
            if (wire_decode(frame, (size_t)n, &m, NULL, 0) == 0 && m.type == WIRE_BYE)
                bye = 1;
    }
    assert_true(bye);
    assert_int_equal(f->ups, 0);
    assert_int_equal(link_state(links_first(f->links)), LINK_SHUNNED);
}

/* We dial a listener that has the team's server key (anyone who saw a join code does) but cannot
 * sign for the node key it claims: the link never comes up (the failure counts as a penalty; an
 * honest listener's proof fails only once, when it is over a challenge we no longer hold). */
static void test_fake_server_refused(void **state)
{
    struct fixture *f = *state;
    void *fake = zmq_socket(f->zctx, ZMQ_ROUTER);
    uint8_t frame[4096], rid[256], ekey[32], esk[64], msg[WIRE_PROOF_MSG_LEN], sig[WIRE_PROOF_LEN];
    char addr[64], err[128], last[64];
    size_t lastlen = sizeof(last);
    struct wire_msg m;
    struct buf b;
    int one = 1, timeout = 100, n, i, got_hello = 0;

    zmq_setsockopt(fake, ZMQ_CURVE_SERVER, &one, sizeof(one));
    zmq_setsockopt(fake, ZMQ_CURVE_SECRETKEY, f->server_sk, 32);
    zmq_setsockopt(fake, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
    assert_int_equal(zmq_bind(fake, "tcp://127.0.0.1:*"), 0);
    zmq_getsockopt(fake, ZMQ_LAST_ENDPOINT, last, &lastlen);
    snprintf(addr, sizeof(addr), "%s", strrchr(last, '/') + 1);
    assert_non_null(links_dial(f->links, addr, LINK_STATIC, err, sizeof(err)));
    crypto_sign_keypair(ekey, esk);
    buf_init(&b, 4096);
    for (i = 0; i < 40 && !got_hello; i++) {
        run_for(f, 25);
        n = zmq_recv(fake, rid, sizeof(rid), ZMQ_DONTWAIT);
        if (n < 0)
            continue;
        int len = zmq_recv(fake, frame, sizeof(frame), 0);
        if (len < 0 || wire_decode(frame, (size_t)len, &m, NULL, 0) != 0 || m.type != WIRE_HELLO)
            continue;
        got_hello = 1;
        uint8_t its_challenge[WIRE_CHALLENGE_LEN];
        memcpy(its_challenge, m.u.hello.challenge, WIRE_CHALLENGE_LEN);
        /* First, try the dialler as a signing oracle: a HELLO with no proof, naming the member's
         * key, with a challenge of our choice. It must answer without signing anything (a
         * dialler with its own key proves nothing to a listener). */
        struct wire_hello_fields q = {0};
        uint8_t mine[16] = {7};
        q.key = f->peer_key;
        q.nonce = 98;
        q.challenge = mine;
        buf_reset(&b);
        assert_int_equal(wire_hello(&b, &q), 0);
        zmq_send(fake, rid, (size_t)n, ZMQ_SNDMORE);
        zmq_send(fake, b.data, b.len, 0);
        for (int k = 0; k < 8; k++) {
            uint8_t r2[256];
            run_for(f, 25);
            if (zmq_recv(fake, r2, sizeof(r2), ZMQ_DONTWAIT) < 0)
                continue;
            int len2 = zmq_recv(fake, frame, sizeof(frame), 0);
            struct wire_msg m2;
            if (len2 > 0 && wire_decode(frame, (size_t)len2, &m2, NULL, 0) == 0 &&
                m2.type == WIRE_HELLO)
                assert_null(m2.u.hello.proof);
        }
        /* Answer as "the member", signed with another key. */
        struct wire_hello_fields h = {0};
        h.key = f->peer_key;
        h.nonce = 99;
        h.is_reply = 1;
        h.challenge = frame; /* any 16 bytes */
        wire_proof_message(f->team, its_challenge, WIRE_LISTENER, f->peer_key, f->key, f->node_pk,
                           msg);
        crypto_sign_detached(sig, NULL, msg, sizeof(msg), esk);
        h.proof = sig;
        buf_reset(&b);
        assert_int_equal(wire_hello(&b, &h), 0);
        zmq_send(fake, rid, (size_t)n, ZMQ_SNDMORE);
        zmq_send(fake, b.data, b.len, 0);
    }
    assert_true(got_hello);
    run_for(f, 200);
    assert_int_equal(f->ups, 0);
    /* Not up, and counted against it: one that keeps trying ends up shunned. */
    assert_int_not_equal(link_state(links_first(f->links)), LINK_UP);
    assert_true(link_stats(links_first(f->links))->invalid >= 1);
    buf_free(&b);
    zmq_close(fake);
}

static void test_handshake_and_ping(void **state)
{
    struct fixture *f = *state;
    struct link *l;
    struct wire_msg m;
    uint8_t frame[4096];

    handshake(f);
    l = links_first(f->links);
    assert_non_null(l);
    assert_int_equal(link_state(l), LINK_UP);
    assert_int_equal(link_origin(l), LINK_INBOUND);
    assert_string_equal(link_name(l), "raw peer");
    assert_string_equal(link_addr(l), "127.0.0.1:9999"); /* its address, its listening port */
    /* Silence from us: the node pings within a second or so. */
    assert_int_equal(peer_expect(f, WIRE_PING, &m, frame, sizeof(frame)), 0);
}

static void test_silent_peer_goes_down(void **state)
{
    struct fixture *f = *state;
    struct link *l;
    uint64_t t0;

    handshake(f);
    l = links_first(f->links);
    t0 = loop_now_ms();
    while (link_state(l) == LINK_UP && loop_now_ms() - t0 < 6000)
        run_for(f, 100);
    assert_int_equal(link_state(l), LINK_DOWN);
    assert_true(loop_now_ms() - t0 <= LINK_DEAD_MS + 600);
    assert_int_equal(f->downs, 1);
}

static void test_garbage_gets_shunned(void **state)
{
    struct fixture *f = *state;
    struct link *l;
    struct wire_msg m;
    uint8_t frame[4096];
    const uint8_t junk[][4] = {{1, 99, 0, 0}, {2, 1, 0, 0}, {1, WIRE_WANT, 0, 0}};
    int i;

    handshake(f);
    l = links_first(f->links);
    for (i = 0; i < 30; i++)
        assert_int_equal(zmq_send(f->peer, junk[i % 3], sizeof(junk[0]), 0), 4);
    assert_int_equal(peer_expect(f, WIRE_BYE, &m, frame, sizeof(frame)), 0);
    assert_int_equal(link_state(l), LINK_SHUNNED);
    assert_true(link_stats(l)->invalid >= 20);
    assert_int_equal(f->messages, 0); /* nothing invalid reached the protocol above */
    /* While shunned, even valid messages are ignored. */
    struct buf b;
    buf_init(&b, 4096);
    assert_int_equal(wire_ids(&b, WIRE_IHAVE, frame, 1), 0);
    peer_send(f, &b);
    run_for(f, 100);
    assert_int_equal(f->messages, 0);
    buf_free(&b);
}

static void test_valid_messages_pass(void **state)
{
    struct fixture *f = *state;
    struct buf b;
    uint8_t ids[2 * WIRE_ID_LEN] = {0};

    handshake(f);
    buf_init(&b, 4096);
    assert_int_equal(wire_ids(&b, WIRE_IHAVE, ids, 2), 0);
    peer_send(f, &b);
    run_for(f, 100);
    assert_int_equal(f->messages, 1);
    buf_free(&b);
}

/* FEATURES: the node sends its bits after the HELLO it accepts; it takes the peer's (unknown
 * bits too) and passes the message up; a new session of the peer starts from none again. */
static void test_features(void **state)
{
    struct fixture *f = *state;
    struct link *l;
    struct wire_msg m;
    uint8_t frame[4096], challenge[16] = {0};
    struct buf b;

    handshake(f);
    assert_int_equal(peer_expect(f, WIRE_FEATURES, &m, frame, sizeof(frame)), 0);
    assert_true(m.u.features == WIRE_FEATURES_OURS);
    l = links_first(f->links);
    assert_true(link_peer_features(l) == 0); /* none until it says */
    buf_init(&b, 4096);
    assert_int_equal(wire_features(&b, WIRE_FEATURE_UNICODE_TAGS | 1ull << 40), 0);
    peer_send(f, &b);
    run_for(f, 100);
    assert_true(link_peer_features(l) == (WIRE_FEATURE_UNICODE_TAGS | 1ull << 40));
    assert_int_equal(f->messages, 1);
    /* It restarted (a new nonce): the link goes down and up, and its bits are forgotten. */
    f->peer_nonce = 5678;
    peer_hello(f, NULL, challenge, NULL, 0);
    assert_int_equal(peer_expect(f, WIRE_FEATURES, &m, frame, sizeof(frame)), 0);
    assert_int_equal(link_state(l), LINK_UP);
    assert_int_equal(f->downs, 1);
    assert_true(link_peer_features(l) == 0);
    assert_true(link_stats(l)->invalid == 0);
    buf_free(&b);
}

static void test_self_dial_refused(void **state)
{
    struct fixture *f = *state;
    char addr[64], err[128];
    struct link *l;

    snprintf(addr, sizeof(addr), "127.0.0.1:%u", links_port(f->links));
    l = links_dial(f->links, addr, LINK_STATIC, err, sizeof(err));
    assert_non_null(l);
    run_for(f, 800);
    assert_int_equal(f->ups, 0); /* dialling ourselves never makes a link */
    assert_null(links_dial(f->links, "no-port", LINK_STATIC, err, sizeof(err)));
    assert_null(links_dial(f->links, "host:70000", LINK_STATIC, err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handshake_and_ping, setup_member, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_curve_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hello_must_match_curve_key, setup_member, teardown),
        cmocka_unit_test_setup_teardown(test_joiner_must_prove_its_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joiner_with_stale_proof_asked_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joiner_with_bad_proofs_shunned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fake_server_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_peer_goes_down, setup_member, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_gets_shunned, setup_member, teardown),
        cmocka_unit_test_setup_teardown(test_valid_messages_pass, setup_member, teardown),
        cmocka_unit_test_setup_teardown(test_features, setup_member, teardown),
        cmocka_unit_test_setup_teardown(test_self_dial_refused, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
