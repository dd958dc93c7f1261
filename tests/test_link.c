/* Peer links over real ZeroMQ sockets on loopback: handshake, heartbeats, and what a link does
 * with a peer that sends garbage. The "peer" is a raw DEALER socket driven by the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
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
    int ups, downs, messages;
    uint8_t key[WIRE_KEY_LEN];
};

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
    struct links_config cfg = {"127.0.0.1:0", NULL, "node under test", test_entries, 0};
    struct links_callbacks cb = {on_up, on_down, on_message, NULL};
    char err[256], endpoint[64];
    int linger = 0, timeout = 2000;

    log_init("test_link", LOG_LEVEL_WARN);
    memset(f->key, 0x42, sizeof(f->key));
    cfg.key = f->key;
    f->loop = loop_new();
    f->links = links_new(f->loop, &cfg, &cb, f, err, sizeof(err));
    if (f->links == NULL || links_port(f->links) == 0)
        return -1;
    f->zctx = zmq_ctx_new();
    f->peer = zmq_socket(f->zctx, ZMQ_DEALER);
    zmq_setsockopt(f->peer, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(f->peer, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
    snprintf(endpoint, sizeof(endpoint), "tcp://127.0.0.1:%u", links_port(f->links));
    if (zmq_connect(f->peer, endpoint) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

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

static void handshake(struct fixture *f)
{
    struct buf b;
    uint8_t key[WIRE_KEY_LEN], frame[4096];
    struct wire_msg m;

    memset(key, 0x17, sizeof(key));
    buf_init(&b, 4096);
    assert_int_equal(wire_hello(&b, key, 1234, 0, 9999, 3, "raw peer"), 0);
    peer_send(f, &b);
    assert_int_equal(peer_expect(f, WIRE_HELLO, &m, frame, sizeof(frame)), 0);
    assert_true(m.u.hello.is_reply);
    assert_memory_equal(m.u.hello.key, f->key, WIRE_KEY_LEN);
    assert_int_equal(m.u.hello.entries, 7);
    assert_int_equal(f->ups, 1);
    buf_free(&b);
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
        cmocka_unit_test_setup_teardown(test_handshake_and_ping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_peer_goes_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_gets_shunned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_valid_messages_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_dial_refused, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
