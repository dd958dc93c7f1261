/*
 * Tests for node/api.c over real Unix sockets. Server and clients share one loop in this process:
 * each client is a non-blocking socket with its own watch, and run_until() runs the loop until a
 * condition holds (checked by a 1 ms timer), failing after GUARD_MS instead of hanging.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "buf.h"
#include "loop.h"
#include "xmalloc.h"

#define GUARD_MS 5000

struct fixture {
    char dir[64];
    char path[128];
    struct loop *loop;
    struct api *api;
    int calls; /* handler calls */
    size_t flood_size;
    int flood_count;
};

/* --- a test client ---------------------------------------------------------------------------- */

struct tclient {
    struct loop *loop;
    int fd;
    int watched;
    int reading;
    int eof;
    int write_failed;
    struct buf in;
    struct buf out;
};

static void tc_update(struct tclient *tc);

static void tc_io(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct tclient *tc = arg;
    char chunk[65536];
    ssize_t n;

    (void)loop;
    (void)zsock;
    if ((events & LOOP_WRITE) && tc->out.len > 0) {
        n = send(fd, tc->out.data, tc->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            buf_consume(&tc->out, (size_t)n);
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            tc->write_failed = 1;
            buf_reset(&tc->out);
        }
    }
    if ((events & (LOOP_READ | LOOP_ERROR)) && tc->reading) {
        for (;;) {
            n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
            if (n > 0) {
                assert_int_equal(buf_append(&tc->in, chunk, (size_t)n), 0);
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                break;
            tc->eof = 1; /* 0, or ECONNRESET once the server closed with our data unread */
            tc->reading = 0;
            break;
        }
    }
    tc_update(tc);
}

/* Watch for what the client needs now; no watch at all if it neither reads nor writes. */
static void tc_update(struct tclient *tc)
{
    unsigned events = (tc->reading ? LOOP_READ : 0) | (tc->out.len > 0 ? LOOP_WRITE : 0);

    if (events == 0) {
        if (tc->watched)
            loop_remove(tc->loop, tc->fd, NULL);
        tc->watched = 0;
        return;
    }
    if (!tc->watched) {
        assert_int_equal(loop_add_fd(tc->loop, tc->fd, events, tc_io, tc), 0);
        tc->watched = 1;
        return;
    }
    loop_set_events(tc->loop, tc->fd, NULL, events);
}

static struct tclient *tc_connect(struct fixture *f)
{
    struct tclient *tc = xcalloc(1, sizeof(*tc));
    struct sockaddr_un sun;

    assert_non_null(tc);
    tc->loop = f->loop;
    buf_init(&tc->in, 64u * 1024 * 1024);
    buf_init(&tc->out, 64u * 1024 * 1024);
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, f->path, strlen(f->path) + 1);
    tc->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(tc->fd >= 0);
    assert_int_equal(connect(tc->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    tc->reading = 1;
    tc_update(tc);
    return tc;
}

static void tc_close(struct tclient **tcp)
{
    struct tclient *tc = *tcp;

    if (tc->watched)
        loop_remove(tc->loop, tc->fd, NULL);
    close(tc->fd);
    buf_free(&tc->in);
    buf_free(&tc->out);
    free(tc);
    *tcp = NULL;
}

static void tc_send(struct tclient *tc, const void *data, size_t len)
{
    assert_int_equal(buf_append(&tc->out, data, len), 0);
    tc_update(tc);
}

static void tc_sends(struct tclient *tc, const char *s)
{
    tc_send(tc, s, strlen(s));
}

static void tc_set_reading(struct tclient *tc, int reading)
{
    tc->reading = reading;
    tc_update(tc);
}

static size_t tc_nlines(const struct tclient *tc)
{
    size_t i, n = 0;

    for (i = 0; i < tc->in.len; i++)
        n += tc->in.data[i] == '\n';
    return n;
}

/* The i-th line received, parsed. Caller releases it. */
static json_t *tc_line(const struct tclient *tc, size_t i)
{
    const char *p = (const char *)tc->in.data, *end = p + tc->in.len, *nl;
    json_error_t jerr;
    json_t *j;

    for (;;) {
        nl = memchr(p, '\n', (size_t)(end - p));
        assert_non_null(nl);
        if (i-- == 0)
            break;
        p = nl + 1;
    }
    j = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL)
        fail_msg("line is not JSON: %s", jerr.text);
    return j;
}

/* --- running the loop until something holds ------------------------------------------------- */

typedef int (*pred_fn)(void *arg);

struct waiter {
    pred_fn pred;
    void *arg;
    int timed_out;
};

static void waiter_check(struct loop *loop, uint64_t id, void *arg)
{
    struct waiter *w = arg;

    (void)id;
    if (w->pred(w->arg))
        loop_stop(loop);
}

static void waiter_guard(struct loop *loop, uint64_t id, void *arg)
{
    struct waiter *w = arg;

    (void)id;
    w->timed_out = 1;
    loop_stop(loop);
}

static void run_until(struct fixture *f, pred_fn pred, void *arg)
{
    struct waiter w = {pred, arg, 0};
    uint64_t check, guard;

    if (pred(arg))
        return;
    check = loop_add_timer(f->loop, 1, 1, waiter_check, &w);
    guard = loop_add_timer(f->loop, GUARD_MS, 0, waiter_guard, &w);
    assert_int_equal(loop_run(f->loop), 0);
    loop_cancel_timer(f->loop, check);
    loop_cancel_timer(f->loop, guard);
    if (w.timed_out)
        fail_msg("timed out waiting");
}

struct want_lines {
    struct tclient *tc;
    size_t n;
};

static int pred_lines(void *arg)
{
    struct want_lines *w = arg;

    return tc_nlines(w->tc) >= w->n;
}

static void run_until_lines(struct fixture *f, struct tclient *tc, size_t n)
{
    struct want_lines w = {tc, n};

    run_until(f, pred_lines, &w);
}

static int pred_eof(void *arg)
{
    return ((struct tclient *)arg)->eof;
}

static int pred_false(void *arg)
{
    (void)arg;
    return 0;
}

/* Run the loop for ms milliseconds. */
static void run_for(struct fixture *f, uint64_t ms)
{
    struct waiter w = {pred_false, NULL, 0};
    uint64_t guard = loop_add_timer(f->loop, ms, 0, waiter_guard, &w);

    assert_int_equal(loop_run(f->loop), 0);
    loop_cancel_timer(f->loop, guard);
}

struct want_count {
    struct fixture *f;
    size_t clients;
};

static int pred_client_count(void *arg)
{
    struct want_count *w = arg;

    return api_client_count(w->f->api) == w->clients;
}

static void run_until_clients(struct fixture *f, size_t n)
{
    struct want_count w = {f, n};

    run_until(f, pred_client_count, &w);
}

/* --- the handler ---------------------------------------------------------------------------- */

static json_t *test_handler(void *ctx, struct api_client *client, json_t *req)
{
    struct fixture *f = ctx;
    const char *op = json_string_value(json_object_get(req, "op"));
    json_t *event;
    char *filler;
    int i;

    f->calls++;
    assert_non_null(op);
    if (strcmp(op, "subscribe") == 0) {
        api_client_subscribe(client);
        return json_pack("{s:b, s:b}", "ok", 1, "subscribed", 1);
    }
    if (strcmp(op, "null") == 0)
        return NULL;
    if (strcmp(op, "flood") == 0) {
        /* Broadcast from inside a handler, possibly overflowing (and dropping) this client. */
        filler = xmalloc(f->flood_size + 1);
        assert_non_null(filler);
        memset(filler, 'x', f->flood_size);
        filler[f->flood_size] = '\0';
        event = json_pack("{s:s, s:s}", "event", "flood", "filler", filler);
        free(filler);
        for (i = 0; i < f->flood_count; i++)
            api_broadcast(f->api, event);
        json_decref(event);
        return json_pack("{s:b, s:b}", "ok", 1, "flooded", 1);
    }
    return json_pack("{s:b, s:O}", "ok", 1, "echo", req);
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));
    char err[256];

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/lore-test-api-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/lored.sock", f->dir);
    f->loop = loop_new();
    f->api = api_new(f->loop, f->path, test_handler, f, err, sizeof(err));
    if (f->api == NULL)
        fail_msg("api_new: %s", err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    struct stat st;

    api_destroy(&f->api);
    assert_null(f->api);
    api_destroy(&f->api);                      /* NULL is fine */
    assert_int_equal(lstat(f->path, &st), -1); /* the socket file is gone */
    loop_destroy(&f->loop);
    assert_int_equal(rmdir(f->dir), 0);
    free(f);
    return 0;
}

static void assert_error_code(json_t *resp, const char *code)
{
    assert_non_null(resp);
    assert_true(json_is_false(json_object_get(resp, "ok")));
    assert_string_equal(json_string_value(json_object_get(resp, "code")), code);
    assert_true(json_is_string(json_object_get(resp, "error")));
}

/* --- tests ---------------------------------------------------------------------------------- */

static void test_request_response(void **state)
{
    struct fixture *f = *state;
    struct tclient *tc;
    struct stat st;
    json_t *resp;

    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 077, 0); /* created under umask 077 */

    tc = tc_connect(f);
    tc_sends(tc, "{\"op\":\"ping\",\"n\":1}\n");
    run_until_lines(f, tc, 1);
    resp = tc_line(tc, 0);
    assert_true(json_is_true(json_object_get(resp, "ok")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(resp, "echo"), "op")),
                        "ping");
    json_decref(resp);
    assert_int_equal(api_client_count(f->api), 1);
    assert_int_equal(api_subscriber_count(f->api), 0);

    tc_close(&tc);
    run_until_clients(f, 0);
}

static void test_pipelined_in_order(void **state)
{
    struct fixture *f = *state;
    struct tclient *tc = tc_connect(f);
    json_t *resp;
    size_t i;

    /* One write: three requests, blank lines between (each answered bad_request, in its place),
     * one with CRLF, the last split in two. */
    tc_sends(tc, "{\"op\":\"a\",\"n\":1}\n\n   \n{\"op\":\"b\",\"n\":2}\r\n{\"op\":\"c\",");
    run_until_lines(f, tc, 4);
    run_for(f, 20);
    assert_int_equal(tc_nlines(tc), 4);
    tc_sends(tc, "\"n\":3}\n");
    run_until_lines(f, tc, 5);
    for (i = 0; i < 5; i++) {
        resp = tc_line(tc, i);
        if (i == 1 || i == 2)
            assert_error_code(resp, "bad_request");
        else
            assert_int_equal(
                json_integer_value(json_object_get(json_object_get(resp, "echo"), "n")),
                (json_int_t)(i == 0 ? 1 : i - 1));
        json_decref(resp);
    }
    assert_int_equal(f->calls, 3);
    tc_close(&tc);
}

static void test_malformed_json_keeps_connection(void **state)
{
    struct fixture *f = *state;
    struct tclient *tc = tc_connect(f);
    json_t *resp;

    tc_sends(tc, "{bad\n");
    tc_sends(tc, "{\"op\":\"a\",\"op\":\"b\"}\n");          /* duplicate key */
    tc_sends(tc, "{\"op\":\"ping\",\"s\":\"\xff\xfe\"}\n"); /* invalid UTF-8 */
    tc_sends(tc, "{\"op\":\"ping\"} trailing\n");
    tc_sends(tc, "{\"op\":\"ping\"}\n");
    run_until_lines(f, tc, 5);
    for (size_t i = 0; i < 4; i++) {
        resp = tc_line(tc, i); /* also checks the error text came out as valid JSON */
        assert_error_code(resp, "bad_request");
        json_decref(resp);
    }
    resp = tc_line(tc, 4);
    assert_true(json_is_true(json_object_get(resp, "ok")));
    json_decref(resp);
    assert_int_equal(f->calls, 1);
    assert_int_equal(api_client_count(f->api), 1);
    tc_close(&tc);
}

static void test_not_object_or_no_op(void **state)
{
    struct fixture *f = *state;
    struct tclient *tc = tc_connect(f);
    const char *bad[] = {"[1,2]",
                         "\"op\"",
                         "42",
                         "null",
                         "{}",
                         "{\"x\":1}",
                         "{\"op\":5}",
                         "{\"op\":null}",
                         "{\"op\":\"\"}",
                         "{\"op\":[\"a\"]}"};
    size_t i, n = sizeof(bad) / sizeof(bad[0]);
    json_t *resp;

    for (i = 0; i < n; i++) {
        tc_sends(tc, bad[i]);
        tc_sends(tc, "\n");
    }
    tc_sends(tc, "{\"op\":\"null\"}\n"); /* the handler returns NULL */
    tc_sends(tc, "{\"op\":\"ok\"}\n");
    run_until_lines(f, tc, n + 2);
    for (i = 0; i < n; i++) {
        resp = tc_line(tc, i);
        assert_error_code(resp, "bad_request");
        json_decref(resp);
    }
    resp = tc_line(tc, n);
    assert_error_code(resp, "internal");
    json_decref(resp);
    resp = tc_line(tc, n + 1);
    assert_true(json_is_true(json_object_get(resp, "ok")));
    json_decref(resp);
    tc_close(&tc);
}

static void test_overlong_line_closes(void **state)
{
    struct fixture *f = *state;
    struct tclient *tc = tc_connect(f);
    size_t len = (size_t)API_MAX_REQUEST + 10;
    char *big = xmalloc(len + 1);
    json_t *resp;

    assert_non_null(big);
    memset(big, ' ', len); /* whitespace: valid JSON padding, were it allowed */
    big[len] = '\n';
    tc_sends(tc, "{\"op\":\"first\"}\n");
    tc_send(tc, big, len + 1);
    free(big);
    run_until(f, pred_eof, tc);
    assert_int_equal(tc_nlines(tc), 2);
    resp = tc_line(tc, 0);
    assert_true(json_is_true(json_object_get(resp, "ok")));
    json_decref(resp);
    resp = tc_line(tc, 1);
    assert_error_code(resp, "bad_request");
    json_decref(resp);
    run_until_clients(f, 0);
    assert_int_equal(f->calls, 1);
    tc_close(&tc);
}

static void test_max_size_line_accepted(void **state)
{
    struct fixture *f = *state;
    struct tclient *tc = tc_connect(f);
    const char *req = "{\"op\":\"big\"}";
    size_t len = API_MAX_REQUEST;
    char *big = xmalloc(len + 1);
    json_t *resp;

    assert_non_null(big);
    memset(big, ' ', len);
    memcpy(big, req, strlen(req));
    big[len] = '\n';
    tc_send(tc, big, len + 1);
    free(big);
    run_until_lines(f, tc, 1);
    resp = tc_line(tc, 0);
    assert_true(json_is_true(json_object_get(resp, "ok")));
    json_decref(resp);
    tc_close(&tc);
}

static void test_half_close_gets_reply(void **state)
{
    struct fixture *f = *state;
    struct tclient *tc = tc_connect(f);
    json_t *resp;

    /* Like `printf '{"op":"status"}' | socat - UNIX-CONNECT:...`: no newline, then EOF. */
    assert_int_equal(send(tc->fd, "{\"op\":\"status\"}", 15, MSG_NOSIGNAL), 15);
    assert_int_equal(shutdown(tc->fd, SHUT_WR), 0);
    run_until(f, pred_eof, tc);
    assert_int_equal(tc_nlines(tc), 1);
    resp = tc_line(tc, 0);
    assert_true(json_is_true(json_object_get(resp, "ok")));
    json_decref(resp);
    run_until_clients(f, 0);
    tc_close(&tc);
}

static void test_second_instance_refused(void **state)
{
    struct fixture *f = *state;
    char err[256], path[200], sub[100];
    struct api *other;
    FILE *fp;

    err[0] = '\0';
    other = api_new(f->loop, f->path, test_handler, f, err, sizeof(err));
    assert_null(other);
    assert_non_null(strstr(err, "already listening"));

    /* A file that is not a socket is left alone. */
    snprintf(path, sizeof(path), "%s/plain", f->dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    other = api_new(f->loop, path, test_handler, f, err, sizeof(err));
    assert_null(other);
    assert_non_null(strstr(err, "not a socket"));
    assert_int_equal(unlink(path), 0);

    /* A directory others may enter is refused. */
    snprintf(sub, sizeof(sub), "%s/open", f->dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(chmod(sub, 0755), 0);
    snprintf(path, sizeof(path), "%s/lored.sock", sub);
    other = api_new(f->loop, path, test_handler, f, err, sizeof(err));
    assert_null(other);
    assert_non_null(strstr(err, "0700"));
    assert_int_equal(rmdir(sub), 0);

    /* The first one still works. */
    test_request_response(state);
}

static void test_stale_socket_replaced(void **state)
{
    struct fixture *f = *state;
    struct sockaddr_un sun;
    struct tclient *tc;
    char err[256];
    struct stat st;
    json_t *resp;
    int fd;

    /* Take the fixture's api down, then leave a dead socket file at its path. */
    api_destroy(&f->api);
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, f->path, strlen(f->path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    assert_int_equal(listen(fd, 1), 0);
    close(fd);
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));

    f->api = api_new(f->loop, f->path, test_handler, f, err, sizeof(err));
    if (f->api == NULL)
        fail_msg("api_new over a stale socket: %s", err);
    tc = tc_connect(f);
    tc_sends(tc, "{\"op\":\"ping\"}\n");
    run_until_lines(f, tc, 1);
    resp = tc_line(tc, 0);
    assert_true(json_is_true(json_object_get(resp, "ok")));
    json_decref(resp);
    tc_close(&tc);
}

static void test_broadcast_reaches_subscribers_only(void **state)
{
    struct fixture *f = *state;
    struct tclient *sub = tc_connect(f), *other = tc_connect(f);
    json_t *event, *got;

    tc_sends(sub, "{\"op\":\"subscribe\"}\n");
    tc_sends(other, "{\"op\":\"ping\"}\n");
    run_until_lines(f, sub, 1);
    run_until_lines(f, other, 1);
    assert_int_equal(api_client_count(f->api), 2);
    assert_int_equal(api_subscriber_count(f->api), 1);

    event = json_pack("{s:s, s:i}", "event", "entry", "n", 7);
    api_broadcast(f->api, event);
    api_broadcast(f->api, event);
    json_decref(event);
    run_until_lines(f, sub, 3);
    got = tc_line(sub, 1);
    assert_string_equal(json_string_value(json_object_get(got, "event")), "entry");
    assert_int_equal(json_integer_value(json_object_get(got, "n")), 7);
    json_decref(got);
    run_for(f, 30);
    assert_int_equal(tc_nlines(other), 1);
    assert_int_equal(tc_nlines(sub), 3);

    tc_close(&sub);
    run_until_clients(f, 1);
    assert_int_equal(api_subscriber_count(f->api), 0);
    tc_close(&other);
}

static void test_slow_subscriber_dropped(void **state)
{
    struct fixture *f = *state;
    struct tclient *slow = tc_connect(f), *fast = tc_connect(f);
    char *filler = xmalloc(8193);
    json_t *event;
    int i;

    assert_non_null(filler);
    memset(filler, 'x', 8192);
    filler[8192] = '\0';
    event = json_pack("{s:s, s:s}", "event", "entry", "filler", filler);
    free(filler);

    api_set_max_pending(f->api, 64u * 1024);
    tc_sends(slow, "{\"op\":\"subscribe\"}\n");
    tc_sends(fast, "{\"op\":\"subscribe\"}\n");
    run_until_lines(f, slow, 1);
    run_until_lines(f, fast, 1);
    assert_int_equal(api_subscriber_count(f->api), 2);
    tc_set_reading(slow, 0); /* never reads again */

    /* The kernel buffer fills first, then the queue; past 64 KiB the client is dropped. The
     * fast one reads between broadcasts and stays. */
    for (i = 0; i < 2000 && api_subscriber_count(f->api) == 2; i++) {
        api_broadcast(f->api, event);
        run_until_lines(f, fast, (size_t)i + 2);
    }
    json_decref(event);
    assert_int_equal(api_subscriber_count(f->api), 1);
    assert_int_equal(api_client_count(f->api), 1);

    /* What was sent arrives, then EOF. */
    tc_set_reading(slow, 1);
    run_until(f, pred_eof, slow);
    assert_true(tc_nlines(slow) >= 2);
    tc_close(&slow);
    tc_close(&fast);
}

static void test_drop_inside_handler(void **state)
{
    struct fixture *f = *state;
    struct tclient *a = tc_connect(f), *b = tc_connect(f);
    json_t *resp;

    api_set_max_pending(f->api, 64u * 1024);
    f->flood_size = 16u * 1024;
    f->flood_count = 64; /* 1 MiB: far more than the kernel buffer plus the cap */

    /* b's flood overflows subscriber a from inside b's handler; b gets its answer. */
    tc_sends(a, "{\"op\":\"subscribe\"}\n");
    run_until_lines(f, a, 1);
    tc_set_reading(a, 0);
    tc_sends(b, "{\"op\":\"flood\"}\n");
    run_until_lines(f, b, 1);
    resp = tc_line(b, 0);
    assert_true(json_is_true(json_object_get(resp, "flooded")));
    json_decref(resp);
    assert_int_equal(api_client_count(f->api), 1);
    assert_int_equal(api_subscriber_count(f->api), 0);
    tc_close(&a);

    /* Now the subscriber floods itself: it is dropped inside its own handler, and the request
     * pipelined after the flood is never handled. */
    a = tc_connect(f);
    tc_sends(a, "{\"op\":\"subscribe\"}\n");
    run_until_lines(f, a, 1);
    tc_set_reading(a, 0);
    f->calls = 0;
    tc_sends(a, "{\"op\":\"flood\"}\n{\"op\":\"after\"}\n");
    run_until_clients(f, 1);
    assert_int_equal(f->calls, 1);
    tc_set_reading(a, 1);
    run_until(f, pred_eof, a);
    tc_close(&a);

    /* b is unaffected. */
    tc_sends(b, "{\"op\":\"ping\"}\n");
    run_until_lines(f, b, 2);
    tc_close(&b);
}

static void test_parse_request_and_error(void **state)
{
    char err[256];
    json_t *j;

    (void)state;
    j = api_parse_request("{\"op\":\"x\"}", 10, err, sizeof(err));
    assert_non_null(j);
    json_decref(j);
    assert_null(api_parse_request("{\"op\":\"x\"}", 9, err, sizeof(err)));
    assert_null(api_parse_request("", 0, err, sizeof(err)));
    assert_null(api_parse_request("{\"op\":\"x\"}", 10 + 1, NULL, 0)); /* includes the NUL */

    j = api_error("not_found", "no entry %s", "abcd");
    assert_error_code(j, "not_found");
    assert_string_equal(json_string_value(json_object_get(j, "error")), "no entry abcd");
    json_decref(j);
    j = api_error("bad_request", "raw %s", "\xff\xfe");
    assert_error_code(j, "bad_request");
    json_decref(j);
}

/* A blank line is a request too: a client that sends one and waits gets an answer. */
static void test_blank_line_answered(void **state)
{
    struct fixture *f = *state;
    struct tclient *tc = tc_connect(f);
    json_t *resp;

    tc_sends(tc, "\n");
    run_until_lines(f, tc, 1);
    tc_sends(tc, " \t\r\n");
    run_until_lines(f, tc, 2);
    tc_sends(tc, "{\"op\":\"ping\"}\n");
    run_until_lines(f, tc, 3);
    resp = tc_line(tc, 0);
    assert_error_code(resp, "bad_request");
    assert_non_null(strstr(json_string_value(json_object_get(resp, "error")), "empty request"));
    json_decref(resp);
    resp = tc_line(tc, 1);
    assert_error_code(resp, "bad_request");
    json_decref(resp);
    resp = tc_line(tc, 2);
    assert_true(json_is_true(json_object_get(resp, "ok")));
    json_decref(resp);
    assert_int_equal(f->calls, 1);
    assert_int_equal(api_client_count(f->api), 1);
    tc_close(&tc);
}

#define HOLDERS 24

struct holders {
    struct fixture *f;
    struct tclient *tc[HOLDERS];
    size_t each;
    size_t max_seen; /* the most api_buffered_bytes ever was while we watched */
};

/* Every holder has either sent all its bytes or been closed. */
static int pred_holders_settled(void *arg)
{
    struct holders *h = arg;
    size_t i;

    if (api_buffered_bytes(h->f->api) > h->max_seen)
        h->max_seen = api_buffered_bytes(h->f->api);
    for (i = 0; i < HOLDERS; i++) {
        if (!h->tc[i]->eof && h->tc[i]->out.len > 0)
            return 0;
    }
    return 1;
}

/* Some holder has been told "busy" and closed (its bytes may all have left before the node
 * refused it, so being settled does not mean its answer has arrived). */
static int pred_some_holder_closed(void *arg)
{
    struct holders *h = arg;
    size_t i;

    pred_holders_settled(h); /* keeps max_seen */
    for (i = 0; i < HOLDERS; i++)
        if (h->tc[i]->eof)
            return 1;
    return 0;
}

/* Many clients each holding part of a big request: what the node buffers for them all stays under
 * its budget (those over it are told "busy" and closed), and another client is still answered. */
static void test_partial_requests_bounded(void **state)
{
    struct fixture *f = *state;
    struct holders h = {f, {NULL}, 200u * 1024, 0};
    struct api_limits limits;
    struct tclient *late;
    char *part = xmalloc(h.each);
    size_t i, busy = 0, holding = 0;
    json_t *resp;

    api_default_limits(&limits);
    limits.max_buffered = 1024u * 1024;
    api_set_limits(f->api, &limits);
    memset(part, ' ', h.each);
    part[0] = '{';
    for (i = 0; i < HOLDERS; i++) {
        h.tc[i] = tc_connect(f);
        tc_send(h.tc[i], part, h.each); /* no newline: a request that never ends */
    }
    free(part);
    run_until(f, pred_holders_settled, &h);
    run_until(f, pred_some_holder_closed, &h); /* 24 x 200 KiB cannot all fit in 1 MiB */
    run_for(f, 50);
    pred_holders_settled(&h);
    for (i = 0; i < HOLDERS; i++) {
        if (h.tc[i]->eof) {
            busy++;
            resp = tc_line(h.tc[i], 0);
            assert_error_code(resp, "busy");
            json_decref(resp);
        } else {
            holding++;
        }
    }
    printf("# %zu clients held %zu KiB each: %zu kept, %zu told busy; at most %zu KiB buffered\n",
           (size_t)HOLDERS, h.each / 1024, holding, busy, h.max_seen / 1024);
    assert_true(h.max_seen <= limits.max_buffered);
    assert_true(busy > 0);
    assert_true(holding > 0);

    /* A small request needs none of the shared budget: it is answered now. */
    late = tc_connect(f);
    tc_sends(late, "{\"op\":\"ping\"}\n");
    run_until_lines(f, late, 1);
    resp = tc_line(late, 0);
    assert_true(json_is_true(json_object_get(resp, "ok")));
    json_decref(resp);
    tc_close(&late);
    for (i = 0; i < HOLDERS; i++)
        tc_close(&h.tc[i]);
    run_until_clients(f, 0);
    assert_int_equal(api_buffered_bytes(f->api), 0);
}

/* A request that does not end in time closes its client, with a reply saying why. */
static void test_partial_request_times_out(void **state)
{
    struct fixture *f = *state;
    struct api_limits limits;
    struct tclient *tc, *idle;
    json_t *resp;

    api_default_limits(&limits);
    assert_int_equal(limits.partial_timeout_ms, 10000);
    limits.partial_timeout_ms = 300;
    api_set_limits(f->api, &limits);
    idle = tc_connect(f); /* connected, sends nothing: e.g. waiting for events */
    tc = tc_connect(f);
    tc_sends(tc, "{\"op\":\"ping\"}\n{\"op\":");
    run_until(f, pred_eof, tc);
    assert_int_equal(tc_nlines(tc), 2);
    resp = tc_line(tc, 0);
    assert_true(json_is_true(json_object_get(resp, "ok")));
    json_decref(resp);
    resp = tc_line(tc, 1);
    assert_error_code(resp, "bad_request");
    assert_non_null(strstr(json_string_value(json_object_get(resp, "error")), "incomplete"));
    json_decref(resp);
    run_until_clients(f, 1);
    assert_false(idle->eof);
    tc_close(&tc);

    /* Each complete line restarts the clock: a slow but steady client is not cut off. */
    tc = tc_connect(f);
    for (int i = 0; i < 4; i++) {
        tc_sends(tc, "{\"op\":\"a\"");
        run_for(f, 200);
        tc_sends(tc, "}\n");
        run_until_lines(f, tc, (size_t)i + 1);
    }
    assert_false(tc->eof);
    tc_close(&tc);
    tc_close(&idle);
    run_until_clients(f, 0);
}

struct want_eofs {
    struct tclient **tc;
    size_t n;
};

static int pred_all_eof(void *arg)
{
    struct want_eofs *w = arg;
    size_t i;

    for (i = 0; i < w->n; i++)
        if (!w->tc[i]->eof)
            return 0;
    return 1;
}

/* Past the client limit, a new client gets a "busy" line and a close, not silence. */
static void test_too_many_clients_refused_politely(void **state)
{
    struct fixture *f = *state;
    struct api_limits limits;
    struct tclient *tc[5];
    struct want_eofs w = {tc + 3, 2};
    json_t *resp;
    size_t i;

    api_default_limits(&limits);
    limits.max_clients = 3;
    api_set_limits(f->api, &limits);
    for (i = 0; i < 3; i++)
        tc[i] = tc_connect(f);
    run_until_clients(f, 3);
    for (i = 3; i < 5; i++)
        tc[i] = tc_connect(f);
    run_until(f, pred_all_eof, &w);
    for (i = 3; i < 5; i++) {
        resp = tc_line(tc[i], 0);
        assert_error_code(resp, "busy");
        assert_non_null(strstr(json_string_value(json_object_get(resp, "error")), "too many"));
        json_decref(resp);
        tc_close(&tc[i]);
    }
    tc_close(&tc[0]);
    run_until_clients(f, 2);
    tc[0] = tc_connect(f);
    tc_sends(tc[0], "{\"op\":\"ping\"}\n");
    run_until_lines(f, tc[0], 1);
    resp = tc_line(tc[0], 0);
    assert_true(json_is_true(json_object_get(resp, "ok")));
    json_decref(resp);
    for (i = 0; i < 3; i++)
        tc_close(&tc[i]);
}

/* Out of descriptors: the node still accepts, answers "busy" and closes, instead of leaving
 * clients in the backlog and retrying accept in a loop. */
static void test_out_of_fds_refused_politely(void **state)
{
    struct fixture *f = *state;
    struct tclient *tc[3];
    struct want_eofs w = {tc, 3};
    struct rlimit old, low;
    json_t *resp;
    int probe;
    size_t i;

    for (i = 0; i < 3; i++)
        tc[i] = tc_connect(f); /* connected, not yet accepted: the loop has not run */
    /* No new descriptor can be made now: the lowest free one is at the limit. */
    probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(probe >= 0);
    close(probe);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)probe;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    assert_int_equal(open("/dev/null", O_RDONLY), -1);
    assert_int_equal(errno, EMFILE);
    run_until(f, pred_all_eof, &w);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    for (i = 0; i < 3; i++) {
        resp = tc_line(tc[i], 0);
        assert_error_code(resp, "busy");
        json_decref(resp);
        tc_close(&tc[i]);
    }
    assert_int_equal(api_client_count(f->api), 0);
    /* With descriptors back, clients are served again. */
    tc[0] = tc_connect(f);
    tc_sends(tc[0], "{\"op\":\"ping\"}\n");
    run_until_lines(f, tc[0], 1);
    resp = tc_line(tc[0], 0);
    assert_true(json_is_true(json_object_get(resp, "ok")));
    json_decref(resp);
    tc_close(&tc[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_request_and_error),
        cmocka_unit_test_setup_teardown(test_request_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_json_keeps_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_object_or_no_op, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlong_line_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_size_line_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_half_close_gets_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blank_line_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_requests_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_request_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_clients_refused_politely, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_fds_refused_politely, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_instance_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_socket_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broadcast_reaches_subscribers_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_subscriber_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_inside_handler, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
