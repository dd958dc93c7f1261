/* Tests for discovery/mdns.c and discovery/mdns_poll.c: TXT validation, instance names, the
 * found() suppression window, Avahi's poll API on our loop, and life without avahi-daemon (no
 * system D-Bus: the object is made, says why, and retries with backoff). Talking to a real
 * avahi-daemon is tests/e2e/mdns_hosts.sh's job. */
#define _GNU_SOURCE /* pipe2 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <avahi-common/timeval.h>

#include "log.h"
#include "loop.h"
#include "mdns.h"
#include "mdns_poll.h"

#define GUARD_MS 5000
#define NO_BUS "unix:path=/nonexistent/lore-test/system_bus_socket"

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

    guard_fired = 0;
    assert_int_not_equal(loop_add_timer(loop, GUARD_MS, 0, guard_cb, NULL), 0);
    return loop;
}

/*
 * TXT validation.
 */

#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* Parse NULL-terminated C strings as TXT strings. */
static int parse(const char *team, uint8_t key[MDNS_KEY_LEN], const char **why, ...)
{
    struct mdns_txt_string strs[80];
    const char *s;
    size_t n = 0;
    va_list ap;

    va_start(ap, why);
    while ((s = va_arg(ap, const char *)) != NULL && n < 80) {
        strs[n].data = (const uint8_t *)s;
        strs[n].len = strlen(s);
        n++;
    }
    va_end(ap);
    return mdns_parse_txt(strs, n, team, key, why);
}

static void test_parse_txt_ok(void **state)
{
    uint8_t key[MDNS_KEY_LEN], want[MDNS_KEY_LEN];
    const char *why = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < MDNS_KEY_LEN; i++)
        want[i] = (uint8_t)i;
    assert_int_equal(
        parse("eng", key, &why, "v=1", "key=" KEY_HEX, "team=eng", "name=Ada", (char *)NULL), 0);
    assert_string_equal(why, "ok");
    assert_memory_equal(key, want, MDNS_KEY_LEN);

    /* Any order; keys case-insensitive; upper-case hex; empty, keyless and unknown strings are
     * ignored (later versions may add keys). */
    memset(key, 0, sizeof(key));
    assert_int_equal(parse("eng", key, NULL, "", "TEAM=eng", "Key=" KEY_HEX, "V=1", "future=x",
                           "flag", "=odd", (char *)NULL),
                     0);
    assert_memory_equal(key, want, MDNS_KEY_LEN);
    assert_int_equal(parse("eng", key, NULL, "v=1", "team=eng",
                           "key=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
                           (char *)NULL),
                     0);
    assert_memory_equal(key, want, MDNS_KEY_LEN);

    /* No team: an empty tag, which must still be present. */
    assert_int_equal(parse(NULL, key, NULL, "v=1", "key=" KEY_HEX, "team=", (char *)NULL), 0);
    assert_int_equal(parse("", key, NULL, "v=1", "key=" KEY_HEX, "team=", (char *)NULL), 0);
}

static void test_parse_txt_rejects(void **state)
{
    uint8_t key[MDNS_KEY_LEN];
    const char *why = NULL;
    struct mdns_txt_string strs[MDNS_TXT_MAX], one;
    static const uint8_t nul_team[] = "team=eng\0x";
    static uint8_t long_str[MDNS_TXT_MAX + 1];
    size_t i;

    (void)state;
#define REJECT(want_why, ...)                                                                      \
    do {                                                                                           \
        why = NULL;                                                                                \
        assert_int_equal(parse("eng", key, &why, __VA_ARGS__, (char *)NULL), -1);                  \
        assert_non_null(why);                                                                      \
        assert_string_equal(why, want_why);                                                        \
    } while (0)
    REJECT("no protocol version", "key=" KEY_HEX, "team=eng");
    REJECT("unsupported protocol version", "v=2", "key=" KEY_HEX, "team=eng");
    REJECT("unsupported protocol version", "v=10", "key=" KEY_HEX, "team=eng");
    REJECT("unsupported protocol version", "v=", "key=" KEY_HEX, "team=eng");
    REJECT("unsupported protocol version", "v", "key=" KEY_HEX, "team=eng");
    REJECT("duplicate v", "v=1", "v=1", "key=" KEY_HEX, "team=eng");
    REJECT("no key", "v=1", "team=eng");
    REJECT("key is not 64 hex digits", "v=1", "key=" KEY_HEX "0", "team=eng");
    REJECT("key is not 64 hex digits", "v=1",
           "key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", "team=eng");
    REJECT("key is not 64 hex digits", "v=1",
           "key=g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "team=eng");
    REJECT("key is not 64 hex digits", "v=1", "key", "team=eng");
    REJECT("duplicate key", "v=1", "key=" KEY_HEX, "key=" KEY_HEX, "team=eng");
    REJECT("no team tag", "v=1", "key=" KEY_HEX);
    REJECT("another team", "v=1", "key=" KEY_HEX, "team=ops");
    REJECT("another team", "v=1", "key=" KEY_HEX, "team=en");
    REJECT("another team", "v=1", "key=" KEY_HEX, "team=engx");
    REJECT("another team", "v=1", "key=" KEY_HEX, "team=ENG");
    REJECT("another team", "v=1", "key=" KEY_HEX, "team");
    REJECT("duplicate team", "v=1", "key=" KEY_HEX, "team=eng", "team=eng");
#undef REJECT

    /* Our team is empty: a node with a tag is another team. */
    assert_int_equal(parse(NULL, key, NULL, "v=1", "key=" KEY_HEX, "team=eng", (char *)NULL), -1);

    /* A NUL inside a value does not pass for the shorter tag. */
    strs[0] = (struct mdns_txt_string){(const uint8_t *)"v=1", 3};
    strs[1] = (struct mdns_txt_string){(const uint8_t *)"key=" KEY_HEX, 68};
    strs[2] = (struct mdns_txt_string){nul_team, sizeof(nul_team) - 1};
    assert_int_equal(mdns_parse_txt(strs, 3, "eng", key, &why), -1);
    assert_string_equal(why, "another team");
    strs[2] = (struct mdns_txt_string){(const uint8_t *)"team=eng", 8};
    assert_int_equal(mdns_parse_txt(strs, 3, "eng", key, &why), 0);

    /* Longer than a TXT string can be, or too many strings. */
    memset(long_str, 'x', sizeof(long_str));
    strs[3] = (struct mdns_txt_string){long_str, sizeof(long_str)};
    assert_int_equal(mdns_parse_txt(strs, 4, "eng", key, &why), -1);
    for (i = 3; i < 70; i++)
        strs[i] = (struct mdns_txt_string){(const uint8_t *)"a=b", 3};
    assert_int_equal(mdns_parse_txt(strs, 70, "eng", key, &why), -1);
    assert_string_equal(why, "too many TXT strings");
    one = (struct mdns_txt_string){NULL, 3};
    assert_int_equal(mdns_parse_txt(&one, 1, "eng", key, &why), -1);
    assert_int_equal(mdns_parse_txt(NULL, 0, "eng", key, &why), -1);
    assert_string_equal(why, "no protocol version");
}

/*
 * Instance names.
 */

/* Whether s is well-formed UTF-8. */
static int utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int more;

    while (*p != '\0') {
        more = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : 3;
        if (*p >= 0x80 && (*p & 0xc0) == 0x80)
            return 0;
        p++;
        for (; more > 0; more--, p++) {
            if ((*p & 0xc0) != 0x80)
                return 0;
        }
    }
    return 1;
}

static void test_instance_name(void **state)
{
    uint8_t key[MDNS_KEY_LEN];
    char out[MDNS_INSTANCE_MAX + 1], name[200];
    size_t i;

    (void)state;
    for (i = 0; i < MDNS_KEY_LEN; i++)
        key[i] = (uint8_t)(0xa0 + i);
    mdns_instance_name("Ada", key, "host1", out);
    assert_string_equal(out, "Ada on host1");
    mdns_instance_name(NULL, key, "host1", out);
    assert_string_equal(out, "a0a1a2a3 on host1");
    mdns_instance_name("", key, NULL, out);
    assert_string_equal(out, "a0a1a2a3");
    mdns_instance_name("Ada", key, "", out);
    assert_string_equal(out, "Ada");
    mdns_instance_name("Ada\n\tLovelace\x7f", key, "h", out);
    assert_string_equal(out, "Ada  Lovelace  on h");

    /* Truncated to 63 bytes. */
    memset(name, 'n', 100);
    name[100] = '\0';
    mdns_instance_name(name, key, "host1", out);
    assert_int_equal(strlen(out), MDNS_INSTANCE_MAX);
    mdns_instance_name("Ada", key, name, out);
    assert_int_equal(strlen(out), MDNS_INSTANCE_MAX);
    assert_memory_equal(out, "Ada on nnn", 10);

    /* ... never inside a UTF-8 character, whatever the offset. */
    for (i = 0; i < 4; i++) {
        memset(name, 'a', i);
        name[i] = '\0';
        while (strlen(name) + 3 < 90)
            memcpy(name + strlen(name), "\xe2\x82\xac", 4); /* U+20AC and a NUL */
        mdns_instance_name(name, key, "host1", out);
        assert_true(strlen(out) <= MDNS_INSTANCE_MAX);
        assert_true(strlen(out) >= MDNS_INSTANCE_MAX - 2);
        assert_true(utf8_ok(out));
    }
    /* A cut right after a space leaves no trailing space. */
    memset(name, 'a', 62);
    name[62] = ' ';
    name[63] = 'b';
    name[64] = '\0';
    mdns_instance_name(name, key, NULL, out);
    assert_int_equal(strlen(out), 62);
}

/*
 * Without avahi-daemon: no system D-Bus at all (DBUS_SYSTEM_BUS_ADDRESS, set in main before
 * libdbus reads it, points at nothing).
 */

static const uint8_t our_key[MDNS_KEY_LEN] = {1, 2, 3};

static struct mdns *new_mdns(struct loop *loop, const char *interfaces)
{
    struct mdns_config cfg = {
        .loop = loop,
        .port = 5673,
        .key = our_key,
        .name = "Ada",
        .team_tag = "eng",
        .interfaces = interfaces,
    };

    return mdns_new(&cfg, NULL, NULL);
}

static void test_no_daemon_retries(void **state)
{
    struct loop *loop = new_guarded_loop();
    struct mdns *m;
    uint64_t start;

    (void)state;
    m = new_mdns(loop, NULL);
    assert_non_null(m);
    assert_int_equal(mdns_working(m), 0);
    assert_int_equal(mdns_attempts(m), 1);
    assert_non_null(strstr(mdns_state(m), "unavailable: no system D-Bus at " NO_BUS));
    assert_non_null(strstr(mdns_state(m), "Daemon not running"));
    assert_non_null(strstr(mdns_state(m), "retrying in 1 s"));

    /* The first retry comes after 1 s, and the next is announced after 2 s. */
    start = loop_now_ms();
    assert_int_not_equal(loop_add_timer(loop, 1500, 0, stop_cb, NULL), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_false(guard_fired);
    assert_true(loop_now_ms() - start >= 1500);
    assert_int_equal(mdns_attempts(m), 2);
    assert_int_equal(mdns_working(m), 0);
    assert_non_null(strstr(mdns_state(m), "retrying in 2 s"));

    /* mdns_destroy leaves nothing armed on the loop (only the guard is left). */
    mdns_destroy(&m);
    assert_null(m);
    mdns_destroy(&m);
    mdns_destroy(NULL);
    loop_destroy(&loop);
}

static void test_new_rejects_bad_config(void **state)
{
    struct loop *loop = loop_new();
    struct mdns_config cfg = {.loop = loop, .port = 5673, .key = our_key, .team_tag = "eng"};
    struct mdns *m;

    (void)state;
    assert_null(mdns_new(NULL, NULL, NULL));
    cfg.port = 0;
    assert_null(mdns_new(&cfg, NULL, NULL));
    cfg.port = 5673;
    cfg.key = NULL;
    assert_null(mdns_new(&cfg, NULL, NULL));
    cfg.key = our_key;
    cfg.team_tag = "123456789012345678901234567890123"; /* 33 bytes */
    assert_null(mdns_new(&cfg, NULL, NULL));
    cfg.team_tag = "a\tb";
    assert_null(mdns_new(&cfg, NULL, NULL));
    cfg.team_tag = NULL;
    cfg.interfaces = "eth0,averyveryverylongname0";
    assert_null(mdns_new(&cfg, NULL, NULL));
    cfg.interfaces = "eth0,../x";
    assert_null(mdns_new(&cfg, NULL, NULL));
    cfg.interfaces = "eth0,a b";
    assert_null(mdns_new(&cfg, NULL, NULL));

    /* Good ones: spaces around names and empty items are fine; NULL name and team are fine. */
    cfg.interfaces = " eth0 , wlan0,, ";
    m = mdns_new(&cfg, NULL, NULL);
    assert_non_null(m);
    mdns_destroy(&m);
    cfg.interfaces = "";
    cfg.name = NULL;
    m = mdns_new(&cfg, NULL, NULL);
    assert_non_null(m);
    mdns_destroy(&m);
    loop_destroy(&loop);
}

static void test_should_report(void **state)
{
    struct loop *loop = loop_new();
    struct mdns *m = new_mdns(loop, NULL);
    uint8_t k1[MDNS_KEY_LEN] = {7}, k2[MDNS_KEY_LEN] = {8};
    char addr[MDNS_ADDR_MAX];
    int i;

    (void)state;
    assert_non_null(m);
    assert_int_equal(mdns_should_report(m, "10.0.0.2:5673", k1, 1000), 1);
    assert_int_equal(mdns_should_report(m, "10.0.0.2:5673", k1, 1000), 0);
    assert_int_equal(mdns_should_report(m, "10.0.0.2:5673", k1, 1000 + MDNS_SUPPRESS_MS - 1), 0);
    assert_int_equal(mdns_should_report(m, "10.0.0.2:5673", k2, 2000), 1); /* another key */
    assert_int_equal(mdns_should_report(m, "10.0.0.3:5673", k1, 2000), 1); /* another addr */
    assert_int_equal(mdns_should_report(m, "10.0.0.2:5674", k1, 2000), 1);
    assert_int_equal(mdns_should_report(m, "10.0.0.2:5673", k1, 1000 + MDNS_SUPPRESS_MS), 1);
    assert_int_equal(mdns_should_report(m, "10.0.0.2:5673", k1, 1000 + MDNS_SUPPRESS_MS), 0);

    /* A flood of distinct peers is remembered in a bounded table: the oldest is forgotten. */
    for (i = 0; i < 1000; i++) {
        snprintf(addr, sizeof(addr), "10.1.%d.%d:5673", i / 250, i % 250 + 1);
        assert_int_equal(mdns_should_report(m, addr, k1, 20000 + (uint64_t)i), 1);
    }
    assert_int_equal(mdns_should_report(m, "10.1.3.250:5673", k1, 21000), 0); /* the latest */
    assert_int_equal(mdns_should_report(m, "10.1.0.1:5673", k1, 21000), 1);   /* forgotten */
    mdns_destroy(&m);
    loop_destroy(&loop);
}

/*
 * Avahi's poll API on our loop.
 */

struct io {
    const AvahiPoll *api;
    AvahiWatch *w1, *w2;
    int fd;
    int calls1, calls2;
    AvahiWatchEvent ev1, ev2, got1;
    int free_both; /* w2's callback frees w1 and itself */
};

static void io_cb1(AvahiWatch *w, int fd, AvahiWatchEvent ev, void *userdata)
{
    struct io *io = userdata;
    char c;

    assert_ptr_equal(w, io->w1);
    assert_int_equal(fd, io->fd);
    io->calls1++;
    io->ev1 = ev;
    io->got1 = io->api->watch_get_events(w);
    if (ev & AVAHI_WATCH_IN)
        (void)!read(fd, &c, 1);
    if (ev & (AVAHI_WATCH_ERR | AVAHI_WATCH_HUP)) {
        io->api->watch_free(w);
        io->w1 = NULL;
    }
}

static void io_cb2(AvahiWatch *w, int fd, AvahiWatchEvent ev, void *userdata)
{
    struct io *io = userdata;

    assert_ptr_equal(w, io->w2);
    assert_int_equal(fd, io->fd);
    io->calls2++;
    io->ev2 = ev;
    if (io->free_both) {
        io->api->watch_free(w);
        io->w2 = NULL;
        if (io->w1 != NULL) {
            io->api->watch_free(io->w1);
            io->w1 = NULL;
        }
    } else {
        io->api->watch_update(w, 0); /* writable forever otherwise */
    }
}

static void run_for(struct loop *loop, uint64_t ms)
{
    assert_int_not_equal(loop_add_timer(loop, ms, 0, stop_cb, NULL), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_false(guard_fired);
}

static void test_poll_watches(void **state)
{
    struct loop *loop = new_guarded_loop();
    struct mdns_poll *p = mdns_poll_new(loop);
    struct io io = {0};
    int sv[2];

    (void)state;
    io.api = mdns_poll_api(p);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    io.fd = sv[0];

    /* Two watches on one fd (as libdbus makes them): each sees only its own events. */
    io.w1 = io.api->watch_new(io.api, sv[0], AVAHI_WATCH_IN, io_cb1, &io);
    io.w2 = io.api->watch_new(io.api, sv[0], AVAHI_WATCH_OUT, io_cb2, &io);
    assert_non_null(io.w1);
    assert_non_null(io.w2);
    assert_int_equal(mdns_poll_count(p), 2);
    run_for(loop, 30);
    assert_int_equal(io.calls1, 0);
    assert_int_equal(io.calls2, 1); /* then it asked for nothing */
    assert_int_equal(io.ev2, AVAHI_WATCH_OUT);

    assert_int_equal(write(sv[1], "x", 1), 1);
    run_for(loop, 30);
    assert_int_equal(io.calls1, 1);
    assert_int_equal(io.ev1, AVAHI_WATCH_IN);
    assert_int_equal(io.got1, AVAHI_WATCH_IN);
    assert_int_equal(io.api->watch_get_events(io.w1), 0); /* only during the callback */
    assert_int_equal(io.calls2, 1);

    /* A callback frees itself and the other watch on its fd, whose events are also ready. */
    io.free_both = 1;
    io.api->watch_update(io.w2, AVAHI_WATCH_OUT);
    assert_int_equal(write(sv[1], "y", 1), 1);
    run_for(loop, 30);
    assert_int_equal(io.calls2, 2);
    assert_null(io.w1);
    assert_null(io.w2);
    assert_true(io.calls1 <= 2); /* w1 came first in the walk, or was freed before its turn */
    assert_int_equal(mdns_poll_count(p), 0);

    /* Hang-up reaches the watch as ERR/HUP even though it asked for IN only. */
    io.calls1 = 0;
    io.w1 = io.api->watch_new(io.api, sv[0], AVAHI_WATCH_IN, io_cb1, &io);
    assert_non_null(io.w1);
    close(sv[1]);
    run_for(loop, 30);
    assert_true(io.calls1 >= 1);
    assert_true(io.ev1 & (AVAHI_WATCH_ERR | AVAHI_WATCH_HUP | AVAHI_WATCH_IN));
    if (io.w1 != NULL) { /* read EOF first: the next round reports the hang-up */
        run_for(loop, 30);
        assert_null(io.w1);
    }
    assert_int_equal(mdns_poll_count(p), 0);
    close(sv[0]);

    /* Leftovers are freed with the adapter. */
    assert_int_equal(pipe2(sv, O_NONBLOCK), 0);
    assert_non_null(io.api->watch_new(io.api, sv[0], AVAHI_WATCH_IN, io_cb1, &io));
    mdns_poll_destroy(&p);
    assert_null(p);
    mdns_poll_destroy(&p);
    close(sv[0]);
    close(sv[1]);
    loop_destroy(&loop);
}

struct tmo {
    const AvahiPoll *api;
    AvahiTimeout *t;
    int calls;
    int rearm; /* re-arm this many times from the callback */
    int free_self;
    uint64_t fired_ms;
};

static void tmo_cb(AvahiTimeout *t, void *userdata)
{
    struct tmo *x = userdata;
    struct timeval tv;

    assert_ptr_equal(t, x->t);
    x->calls++;
    x->fired_ms = loop_now_ms();
    if (x->rearm > 0) {
        x->rearm--;
        x->api->timeout_update(t, avahi_elapse_time(&tv, 10, 0));
    } else if (x->free_self) {
        x->api->timeout_free(t);
        x->t = NULL;
    }
}

static void test_poll_timeouts(void **state)
{
    struct loop *loop = new_guarded_loop();
    struct mdns_poll *p = mdns_poll_new(loop);
    const AvahiPoll *api = mdns_poll_api(p);
    struct tmo a = {.api = api}, b = {.api = api}, c = {.api = api}, d = {.api = api};
    struct timeval tv, past = {0, 0};
    uint64_t start = loop_now_ms();

    (void)state;
    /* a: 60 ms from now (a wall-clock deadline), fires once. b: in the past, fires at once and
     * re-arms itself twice, then frees itself. c: disarmed (NULL), never fires. d: armed, then
     * disarmed with timeout_update(NULL). */
    a.t = api->timeout_new(api, avahi_elapse_time(&tv, 60, 0), tmo_cb, &a);
    b.rearm = 2;
    b.free_self = 1;
    b.t = api->timeout_new(api, &past, tmo_cb, &b);
    c.t = api->timeout_new(api, NULL, tmo_cb, &c);
    d.t = api->timeout_new(api, avahi_elapse_time(&tv, 20, 0), tmo_cb, &d);
    assert_true(a.t != NULL && b.t != NULL && c.t != NULL && d.t != NULL);
    api->timeout_update(d.t, NULL);
    assert_int_equal(mdns_poll_count(p), 4);
    run_for(loop, 150);
    assert_int_equal(a.calls, 1);
    assert_true(a.fired_ms - start >= 59); /* wall clock to monotonic: within a millisecond */
    assert_int_equal(b.calls, 3);
    assert_null(b.t);
    assert_int_equal(c.calls, 0);
    assert_int_equal(d.calls, 0);
    assert_int_equal(mdns_poll_count(p), 3);

    /* A fired timeout can be armed again; freeing an armed one cancels it. */
    api->timeout_update(a.t, avahi_elapse_time(&tv, 10, 0));
    api->timeout_update(c.t, avahi_elapse_time(&tv, 10, 0));
    api->timeout_free(c.t);
    c.t = NULL;
    run_for(loop, 50);
    assert_int_equal(a.calls, 2);
    assert_int_equal(c.calls, 0);
    api->timeout_free(a.t);
    mdns_poll_destroy(&p); /* d is freed here */
    loop_destroy(&loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_txt_ok),           cmocka_unit_test(test_parse_txt_rejects),
        cmocka_unit_test(test_instance_name),          cmocka_unit_test(test_no_daemon_retries),
        cmocka_unit_test(test_new_rejects_bad_config), cmocka_unit_test(test_should_report),
        cmocka_unit_test(test_poll_watches),           cmocka_unit_test(test_poll_timeouts),
    };

    /* libdbus reads the bus address once per process: set it before any mdns_new. */
    if (setenv("DBUS_SYSTEM_BUS_ADDRESS", NO_BUS, 1) != 0)
        return 1;
    log_init("test_mdns", LOG_LEVEL_INFO);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
