/* Tests for node/loop.c: timers, fd and ZeroMQ watches, changes from inside callbacks, loop_stop.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include <cmocka.h>

#include "loop.h"

/* Every test arms this so that a broken loop fails instead of hanging. */
#define GUARD_MS 3000

static int guard_fired;

static void guard_cb(struct loop *loop, uint64_t id, void *arg)
{
    (void)id;
    (void)arg;
    guard_fired = 1;
    loop_stop(loop);
}

static void stop_cb(struct loop *loop, uint64_t id, void *arg)
{
    (void)id;
    (void)arg;
    loop_stop(loop);
}

static struct loop *new_guarded_loop(void)
{
    struct loop *loop = loop_new();

    assert_non_null(loop);
    guard_fired = 0;
    assert_int_not_equal(loop_add_timer(loop, GUARD_MS, 0, guard_cb, NULL), 0);
    return loop;
}

struct order {
    int seen[16];
    int n;
};

static void record_cb(struct loop *loop, uint64_t id, void *arg)
{
    struct order *o = arg;

    (void)loop;
    assert_true(o->n < 16);
    o->seen[o->n++] = (int)id;
}

static void test_timers_fire_in_order(void **state)
{
    struct loop *loop = new_guarded_loop();
    struct order o = {{0}, 0};
    uint64_t t30, t10, t20, t10b;
    uint64_t start = loop_now_ms();

    (void)state;
    t30 = loop_add_timer(loop, 30, 0, record_cb, &o);
    t10 = loop_add_timer(loop, 10, 0, record_cb, &o);
    t20 = loop_add_timer(loop, 20, 0, record_cb, &o);
    t10b = loop_add_timer(loop, 10, 0, record_cb, &o);
    assert_true(t30 != 0 && t10 != 0 && t20 != 0 && t10b != 0);
    assert_int_not_equal(loop_add_timer(loop, 60, 0, stop_cb, NULL), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_false(guard_fired);
    assert_int_equal(o.n, 4);
    /* t10 and t10b may share an iteration: then creation order decides. */
    assert_int_equal(o.seen[0], (int)t10);
    assert_int_equal(o.seen[1], (int)t10b);
    assert_int_equal(o.seen[2], (int)t20);
    assert_int_equal(o.seen[3], (int)t30);
    assert_true(loop_now_ms() - start >= 60);
    loop_destroy(&loop);
    assert_null(loop);
}

struct repeat {
    int count;
    uint64_t id;
    uint64_t start_ms, last_ms;
};

static void repeat_cb(struct loop *loop, uint64_t id, void *arg)
{
    struct repeat *r = arg;

    assert_int_equal(id, r->id);
    r->last_ms = loop_now_ms();
    if (++r->count == 5) {
        loop_cancel_timer(loop, id); /* cancel itself from its own callback */
        assert_int_not_equal(loop_add_timer(loop, 50, 0, stop_cb, NULL), 0);
    }
}

static void test_repeating_timer(void **state)
{
    struct loop *loop = new_guarded_loop();
    struct repeat r = {0, 0, 0, 0};

    (void)state;
    r.start_ms = loop_now_ms();
    r.id = loop_add_timer(loop, 10, 1, repeat_cb, &r);
    assert_int_equal(loop_run(loop), 0);
    assert_false(guard_fired);
    /* The 50 ms after the cancel would have given ~5 more firings. */
    assert_int_equal(r.count, 5);
    /* Fixed rate from creation: the 5th firing is due 50 ms after it, however late the 1st. */
    assert_true(r.last_ms - r.start_ms >= 50);
    loop_destroy(&loop);
}

struct cancel {
    uint64_t victim;
    int victim_fired;
};

static void victim_cb(struct loop *loop, uint64_t id, void *arg)
{
    struct cancel *c = arg;

    (void)loop;
    (void)id;
    c->victim_fired++;
}

static void canceller_cb(struct loop *loop, uint64_t id, void *arg)
{
    struct cancel *c = arg;

    (void)id;
    loop_cancel_timer(loop, c->victim);
}

static void test_cancel_timer(void **state)
{
    struct loop *loop = new_guarded_loop();
    struct cancel c = {0, 0};
    uint64_t early;

    (void)state;
    /* Cancelled before the loop runs. */
    early = loop_add_timer(loop, 5, 0, victim_cb, &c);
    loop_cancel_timer(loop, early);
    loop_cancel_timer(loop, early);  /* twice is harmless */
    loop_cancel_timer(loop, 999999); /* unknown is ignored */
    /* Cancelled by another timer's callback. */
    c.victim = loop_add_timer(loop, 30, 0, victim_cb, &c);
    assert_int_not_equal(loop_add_timer(loop, 10, 0, canceller_cb, &c), 0);
    assert_int_not_equal(loop_add_timer(loop, 60, 0, stop_cb, NULL), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_false(guard_fired);
    assert_int_equal(c.victim_fired, 0);
    loop_destroy(&loop);
}

/* A callback that re-arms a 0 ms timer must not starve the rest of the loop. */
static int zero_count;

static void zero_cb(struct loop *loop, uint64_t id, void *arg)
{
    (void)id;
    (void)arg;
    if (++zero_count < 100000)
        assert_int_not_equal(loop_add_timer(loop, 0, 0, zero_cb, NULL), 0);
}

static void test_zero_timer_rearm_does_not_starve(void **state)
{
    struct loop *loop = new_guarded_loop();

    (void)state;
    zero_count = 0;
    assert_int_not_equal(loop_add_timer(loop, 0, 0, zero_cb, NULL), 0);
    assert_int_not_equal(loop_add_timer(loop, 20, 0, stop_cb, NULL), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_false(guard_fired);
    assert_true(zero_count > 1);
    loop_destroy(&loop);
}

struct pipe_ctx {
    int fds[2];
    int reads;
    int writes;
    unsigned last_events;
    int last_fd;
    char got[16];
};

static void pipe_read_cb(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct pipe_ctx *p = arg;
    ssize_t n;

    assert_null(zsock);
    p->last_fd = fd;
    p->last_events = events;
    n = read(fd, p->got, sizeof(p->got) - 1);
    assert_true(n > 0);
    p->got[n] = '\0';
    p->reads++;
    loop_stop(loop);
}

static void pipe_write_cb(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct pipe_ctx *p = arg;

    (void)zsock;
    assert_true(events & LOOP_WRITE);
    assert_int_equal(write(fd, "ping", 4), 4);
    p->writes++;
    /* Writable stays true: stop asking, and start reading the other end. */
    loop_set_events(loop, fd, NULL, 0);
    assert_int_equal(loop_add_fd(loop, p->fds[0], LOOP_READ, pipe_read_cb, p), 0);
}

static void test_fd_readiness_with_pipe(void **state)
{
    struct loop *loop = new_guarded_loop();
    struct pipe_ctx p;

    (void)state;
    memset(&p, 0, sizeof(p));
    assert_int_equal(pipe2(p.fds, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(loop_add_fd(loop, p.fds[1], LOOP_WRITE, pipe_write_cb, &p), 0);
    /* One watch per fd. */
    assert_int_equal(loop_add_fd(loop, p.fds[1], LOOP_READ, pipe_write_cb, &p), -1);
    assert_int_equal(loop_run(loop), 0);
    assert_false(guard_fired);
    assert_int_equal(p.writes, 1);
    assert_int_equal(p.reads, 1);
    assert_int_equal(p.last_fd, p.fds[0]);
    assert_int_equal(p.last_events, LOOP_READ);
    assert_string_equal(p.got, "ping");

    loop_remove(loop, p.fds[0], NULL);
    loop_remove(loop, p.fds[1], NULL);
    close(p.fds[0]);
    close(p.fds[1]);
    loop_destroy(&loop);
}

static void eof_cb(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct pipe_ctx *p = arg;
    char c;

    (void)zsock;
    p->last_events = events;
    assert_true(events & (LOOP_READ | LOOP_ERROR));
    assert_int_equal(read(fd, &c, 1), 0);
    p->reads++;
    loop_remove(loop, fd, NULL);
}

static void test_fd_hangup(void **state)
{
    struct loop *loop = new_guarded_loop();
    struct pipe_ctx p;

    (void)state;
    memset(&p, 0, sizeof(p));
    assert_int_equal(pipe2(p.fds, O_NONBLOCK | O_CLOEXEC), 0);
    close(p.fds[1]);
    assert_int_equal(loop_add_fd(loop, p.fds[0], LOOP_READ, eof_cb, &p), 0);
    assert_int_not_equal(loop_add_timer(loop, 50, 0, stop_cb, NULL), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_false(guard_fired);
    assert_int_equal(p.reads, 1); /* removed itself, so called once although still readable */
    close(p.fds[0]);
    loop_destroy(&loop);
}

struct selfremove {
    int a[2], b[2];
    int a_calls, b_calls, readd_calls;
    int readd;
};

static void readd_cb(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct selfremove *s = arg;

    (void)zsock;
    (void)events;
    s->readd_calls++;
    loop_remove(loop, fd, NULL);
}

static void a_cb(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct selfremove *s = arg;

    (void)zsock;
    (void)events;
    s->a_calls++;
    /* Remove itself and b, both ready in this same iteration; never drain either pipe. */
    loop_remove(loop, fd, NULL);
    loop_remove(loop, s->b[0], NULL);
    loop_remove(loop, fd, NULL); /* already gone: ignored */
    if (s->readd) {
        /* Re-adding the same fd from inside the callback gives a fresh watch. */
        assert_int_equal(loop_add_fd(loop, fd, LOOP_READ, readd_cb, s), 0);
    }
}

static void b_cb(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct selfremove *s = arg;

    (void)loop;
    (void)fd;
    (void)zsock;
    (void)events;
    s->b_calls++;
}

static void run_selfremove(int readd)
{
    struct loop *loop = new_guarded_loop();
    struct selfremove s;

    memset(&s, 0, sizeof(s));
    s.readd = readd;
    assert_int_equal(pipe2(s.a, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(pipe2(s.b, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(write(s.a[1], "x", 1), 1);
    assert_int_equal(write(s.b[1], "x", 1), 1);
    /* Watches are dispatched in the order they were added. */
    assert_int_equal(loop_add_fd(loop, s.a[0], LOOP_READ, a_cb, &s), 0);
    assert_int_equal(loop_add_fd(loop, s.b[0], LOOP_READ, b_cb, &s), 0);
    assert_int_not_equal(loop_add_timer(loop, 50, 0, stop_cb, NULL), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_false(guard_fired);
    assert_int_equal(s.a_calls, 1);
    assert_int_equal(s.b_calls, 0);
    assert_int_equal(s.readd_calls, readd ? 1 : 0);
    close(s.a[0]);
    close(s.a[1]);
    close(s.b[0]);
    close(s.b[1]);
    loop_destroy(&loop);
}

static void test_remove_watch_inside_callback(void **state)
{
    (void)state;
    run_selfremove(0);
    run_selfremove(1);
}

struct zctx {
    void *a, *b;
    int calls;
    int fd_seen;
    void *zsock_seen;
    char got[16];
};

/* A connected pair of PAIR sockets in z: a sends, b (bound at ep) receives. */
static void zpair_open(void *ctx, struct zctx *z, const char *ep)
{
    int linger = 0;

    memset(z, 0, sizeof(*z));
    assert_non_null(ctx);
    z->a = zmq_socket(ctx, ZMQ_PAIR);
    z->b = zmq_socket(ctx, ZMQ_PAIR);
    assert_non_null(z->a);
    assert_non_null(z->b);
    assert_int_equal(zmq_setsockopt(z->a, ZMQ_LINGER, &linger, sizeof(linger)), 0);
    assert_int_equal(zmq_setsockopt(z->b, ZMQ_LINGER, &linger, sizeof(linger)), 0);
    assert_int_equal(zmq_bind(z->b, ep), 0);
    assert_int_equal(zmq_connect(z->a, ep), 0);
}

static void zsock_cb(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct zctx *z = arg;
    int n;

    assert_true(events & LOOP_READ);
    z->fd_seen = fd;
    z->zsock_seen = zsock;
    n = zmq_recv(zsock, z->got, sizeof(z->got) - 1, ZMQ_DONTWAIT);
    assert_int_equal(n, 5);
    z->got[n] = '\0';
    z->calls++;
    loop_stop(loop);
}

static void zsend_cb(struct loop *loop, uint64_t id, void *arg)
{
    struct zctx *z = arg;

    (void)loop;
    (void)id;
    assert_int_equal(zmq_send(z->a, "hello", 5, 0), 5);
}

static void test_zmq_pair_inproc(void **state)
{
    struct loop *loop = new_guarded_loop();
    void *ctx = zmq_ctx_new();
    struct zctx z;

    (void)state;
    zpair_open(ctx, &z, "inproc://test-loop");
    assert_int_equal(loop_add_zsock(loop, z.b, LOOP_READ, zsock_cb, &z), 0);
    assert_int_equal(loop_add_zsock(loop, z.b, LOOP_READ, zsock_cb, &z), -1);
    /* Nothing to read yet: the message is sent while the loop already waits. */
    assert_int_not_equal(loop_add_timer(loop, 20, 0, zsend_cb, &z), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_false(guard_fired);
    assert_int_equal(z.calls, 1);
    assert_int_equal(z.fd_seen, -1);
    assert_ptr_equal(z.zsock_seen, z.b);
    assert_string_equal(z.got, "hello");
    loop_remove(loop, -1, z.b);
    assert_int_equal(zmq_close(z.a), 0);
    assert_int_equal(zmq_close(z.b), 0);
    assert_int_equal(zmq_ctx_term(ctx), 0);
    loop_destroy(&loop);
}

struct stopper {
    int first, second, later;
};

static void stop_first_cb(struct loop *loop, uint64_t id, void *arg)
{
    struct stopper *s = arg;

    (void)id;
    s->first++;
    loop_stop(loop);
}

static void second_cb(struct loop *loop, uint64_t id, void *arg)
{
    struct stopper *s = arg;

    (void)loop;
    (void)id;
    s->second++;
}

static void later_cb(struct loop *loop, uint64_t id, void *arg)
{
    struct stopper *s = arg;

    (void)loop;
    (void)id;
    s->later++;
}

/* A callback that reads one message a call. */
static void zsock_one_cb(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct zctx *z = arg;

    (void)fd;
    (void)events;
    if (zmq_recv(zsock, z->got, sizeof(z->got) - 1, ZMQ_DONTWAIT) >= 0)
        z->calls++;
    if (z->calls == 4)
        loop_stop(loop);
}

/* Three messages at once, then a send on the receiving socket itself (which takes in the
 * socket's commands, the signal of a fourth message among them). */
static void zsend_burst_cb(struct loop *loop, uint64_t id, void *arg)
{
    struct zctx *z = arg;
    int i;

    (void)loop;
    (void)id;
    for (i = 0; i < 3; i++)
        assert_int_equal(zmq_send(z->a, "hello", 5, 0), 5);
}

static void zsend_then_touch_cb(struct loop *loop, uint64_t id, void *arg)
{
    struct zctx *z = arg;

    (void)loop;
    (void)id;
    assert_int_equal(zmq_send(z->a, "fourth", 6, 0), 6);
    assert_int_equal(zmq_send(z->b, "x", 1, ZMQ_DONTWAIT), 1);
}

/* ZeroMQ signals a socket's readiness once (edge-triggered): messages left behind by a callback
 * that reads one at a time, and one whose signal a send on the same socket took in, are still
 * dispatched, with no new signal. */
static void test_zmq_edge_triggered(void **state)
{
    struct loop *loop = new_guarded_loop();
    void *ctx = zmq_ctx_new();
    struct zctx z;

    (void)state;
    zpair_open(ctx, &z, "inproc://test-loop-edge");
    assert_int_equal(loop_add_zsock(loop, z.b, LOOP_READ, zsock_one_cb, &z), 0);
    assert_int_not_equal(loop_add_timer(loop, 20, 0, zsend_burst_cb, &z), 0);
    assert_int_not_equal(loop_add_timer(loop, 60, 0, zsend_then_touch_cb, &z), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_false(guard_fired);
    assert_int_equal(z.calls, 4);
    loop_remove(loop, -1, z.b);
    assert_int_equal(zmq_close(z.a), 0);
    assert_int_equal(zmq_close(z.b), 0);
    assert_int_equal(zmq_ctx_term(ctx), 0);
    loop_destroy(&loop);
}

static void test_loop_stop(void **state)
{
    struct loop *loop = new_guarded_loop();
    struct stopper s = {0, 0, 0};
    uint64_t start;

    (void)state;
    /* Both due in the same iteration: the stop ends the loop after it, so the second one runs.
     * Both are overdue when the loop starts (the sleep): added in different milliseconds, as
     * happened under ASan on a busy machine, they would otherwise be due in two iterations. */
    assert_int_not_equal(loop_add_timer(loop, 10, 0, stop_first_cb, &s), 0);
    assert_int_not_equal(loop_add_timer(loop, 10, 0, second_cb, &s), 0);
    assert_int_not_equal(loop_add_timer(loop, 500, 0, later_cb, &s), 0);
    usleep(30 * 1000);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(s.first, 1);
    assert_int_equal(s.second, 1);
    assert_int_equal(s.later, 0);

    /* The loop can run again; pending timers are kept. */
    assert_int_not_equal(loop_add_timer(loop, 550, 0, stop_cb, NULL), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_false(guard_fired);
    assert_int_equal(s.later, 1);

    /* Stopped before it runs: returns at once. */
    loop_stop(loop);
    start = loop_now_ms();
    assert_int_equal(loop_run(loop), 0);
    assert_true(loop_now_ms() - start < 100);
    loop_destroy(&loop);
}

static void test_nothing_to_wait_for(void **state)
{
    struct loop *loop = loop_new();

    (void)state;
    assert_int_equal(loop_run(loop), 0);
    loop_destroy(&loop);
    loop_destroy(&loop); /* NULL is fine */
    loop_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_fire_in_order),
        cmocka_unit_test(test_repeating_timer),
        cmocka_unit_test(test_cancel_timer),
        cmocka_unit_test(test_zero_timer_rearm_does_not_starve),
        cmocka_unit_test(test_fd_readiness_with_pipe),
        cmocka_unit_test(test_fd_hangup),
        cmocka_unit_test(test_remove_watch_inside_callback),
        cmocka_unit_test(test_zmq_pair_inproc),
        cmocka_unit_test(test_zmq_edge_triggered),
        cmocka_unit_test(test_loop_stop),
        cmocka_unit_test(test_nothing_to_wait_for),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
