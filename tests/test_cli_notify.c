/* Unit tests for cli/notify.c: which watch events notify, the text sent (another person's words:
 * no control characters, markup escaped), and no session bus (one warning, no crash). The real
 * bus is tests/e2e/notify.sh's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify.h"

static json_t *event(const char *reason, int for_you, int urgent, int escalated)
{
    json_t *ev = json_pack("{s:s,s:b,s:s*,s:{s:s,s:s,s:s,s:b,s:{}}}", "event", "entry", "for_you",
                           for_you, "reason", reason, "entry", "kind", "question", "title",
                           "Pods pending", "author_name", "Ada", "urgent", urgent, "attrs");

    assert_non_null(ev);
    if (escalated)
        json_object_set_new(ev, "escalated", json_true());
    return ev;
}

static void test_mode_parse(void **state)
{
    enum notify_mode m = NOTIFY_OFF;

    (void)state;
    assert_int_equal(notify_mode_parse("all", &m), 0);
    assert_int_equal(m, NOTIFY_ALL);
    assert_int_equal(notify_mode_parse("urgent", &m), 0);
    assert_int_equal(m, NOTIFY_URGENT);
    assert_int_equal(notify_mode_parse("off", &m), 0);
    assert_int_equal(m, NOTIFY_OFF);
    assert_int_equal(notify_mode_parse("ALL", &m), -1);
    assert_int_equal(notify_mode_parse("", &m), -1);
    assert_int_equal(m, NOTIFY_OFF);
}

/* all: every for-me event; urgent: urgent requests, direct asks and escalations; off: none. The
 * urgency is 2 for urgent or escalated, else 1. */
static void test_wanted(void **state)
{
    json_t *plain = event("in your areas", 1, 0, 0), *urgent = event("in your areas", 1, 1, 0);
    json_t *direct = event("asked you directly", 1, 0, 0),
           *esc = event("unanswered for 10 min", 1, 0, 1);
    json_t *answer = event("answered your question", 1, 0, 0), *other = event(NULL, 0, 1, 0);
    json_t *attr = event("in your areas", 1, 0, 0);

    (void)state;
    json_object_set_new(json_object_get(json_object_get(attr, "entry"), "attrs"), "urgent",
                        json_string("1"));
    assert_int_equal(notify_wanted(NOTIFY_ALL, plain), 1);
    assert_int_equal(notify_wanted(NOTIFY_ALL, urgent), 2);
    assert_int_equal(notify_wanted(NOTIFY_ALL, answer), 1);
    assert_int_equal(notify_wanted(NOTIFY_ALL, esc), 2);
    assert_int_equal(notify_wanted(NOTIFY_ALL, other), 0); /* not for me */
    assert_int_equal(notify_wanted(NOTIFY_URGENT, plain), 0);
    assert_int_equal(notify_wanted(NOTIFY_URGENT, answer), 0);
    assert_int_equal(notify_wanted(NOTIFY_URGENT, urgent), 2);
    assert_int_equal(notify_wanted(NOTIFY_URGENT, attr), 2);
    assert_int_equal(notify_wanted(NOTIFY_URGENT, direct), 1);
    assert_int_equal(notify_wanted(NOTIFY_URGENT, esc), 2);
    assert_int_equal(notify_wanted(NOTIFY_OFF, urgent), 0);
    assert_int_equal(notify_wanted(NOTIFY_ALL, NULL), 0);
    json_decref(plain);
    json_decref(urgent);
    json_decref(direct);
    json_decref(esc);
    json_decref(answer);
    json_decref(other);
    json_decref(attr);
}

static void test_text(void **state)
{
    char out[64];

    (void)state;
    notify_text("<b>bold</b> & <a href=\"x\">", 1, out, sizeof(out));
    assert_string_equal(out, "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href=\"x\"&gt;");
    notify_text("<b>", 0, out, sizeof(out)); /* the summary: plain text */
    assert_string_equal(out, "<b>");
    notify_text("a\nb\tc\rd\x1b[31me\x7f", 1, out, sizeof(out));
    assert_string_equal(out, "a b c d [31me ");
    notify_text("caf\xc3\xa9 \xc2\x85"
                "x",
                1, out, sizeof(out)); /* é stays; C1 NEL goes */
    assert_string_equal(out, "caf\xc3\xa9  x");
    notify_text("rtl\xe2\x80\xae"
                "evil\xe2\x81\xa6",
                1, out, sizeof(out)); /* bidi overrides go */
    assert_string_equal(out, "rtlevil");
    notify_text("bad \xff\xc3 \xed\xa0\x80 \xe2\x82", 1, out, sizeof(out)); /* not UTF-8 */
    assert_string_equal(out, "bad ?? ??? ??");
    /* Cut at a whole character or entity, always terminated. */
    notify_text("ab\xc3\xa9", 1, out, 4);
    assert_string_equal(out, "ab");
    notify_text("a&b", 1, out, 5);
    assert_string_equal(out, "a");
    notify_text("xyz", 1, out, 1);
    assert_string_equal(out, "");
}

/* Count the lines notify wrote on stderr while fn ran. */
static int stderr_lines(void (*fn)(void))
{
    char path[] = "/tmp/test_cli_notify.XXXXXX", buf[4096];
    int fd = mkstemp(path), saved = dup(STDERR_FILENO), lines = 0;
    ssize_t n, i;

    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    fn();
    fflush(stderr);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        for (i = 0; i < n; i++)
            lines += buf[i] == '\n';
    close(fd);
    unlink(path);
    return lines;
}

static void no_bus_run(void)
{
    json_t *ev = event("in your areas", 1, 1, 0);
    struct dayspan quiet;
    struct notify *nt;
    char err[256];

    nt = notify_new(NOTIFY_ALL, NULL);
    assert_int_equal(notify_event(nt, ev, time(NULL)), -1);
    assert_int_equal(notify_event(nt, ev, time(NULL)), -1);
    notify_destroy(&nt);
    /* A flood: 8 tried back to back, the rest held; one more every 15 s; a clock that went
     * back does not stop them for good. */
    nt = notify_new(NOTIFY_ALL, NULL);
    for (int i = 0; i < 8; i++)
        assert_int_equal(notify_event(nt, ev, 1000000), -1);
    for (int i = 0; i < 100; i++)
        assert_int_equal(notify_event(nt, ev, 1000000 + i / 10), 0);
    assert_int_equal(notify_event(nt, ev, 1000015), -1);
    assert_int_equal(notify_event(nt, ev, 1000015), 0);
    assert_int_equal(notify_event(nt, ev, 10), 0);
    assert_int_equal(notify_event(nt, ev, 25), -1);
    notify_destroy(&nt);
    assert_null(nt);
    notify_destroy(&nt);
    /* Off, or quiet hours covering the whole day but a minute: nothing tried, nothing said. */
    nt = notify_new(NOTIFY_OFF, NULL);
    assert_int_equal(notify_event(nt, ev, time(NULL)), 0);
    notify_destroy(&nt);
    assert_int_equal(setenv("TZ", "UTC", 1), 0);
    tzset();
    assert_int_equal(dayspan_parse("00:01-00:00", &quiet, err, sizeof(err)), 0);
    nt = notify_new(NOTIFY_ALL, &quiet);
    assert_int_equal(notify_event(nt, ev, 1796513400), 0); /* 23:30 UTC */
    notify_destroy(&nt);
    json_decref(ev);
}

/* No session bus: notify_new says so once, events fail quietly after that. */
static void test_no_bus(void **state)
{
    (void)state;
    assert_int_equal(setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/lore-bus", 1), 0);
    assert_int_equal(stderr_lines(no_bus_run),
                     3); /* the first two notifiers' and the quiet one's */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode_parse),
        cmocka_unit_test(test_wanted),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_no_bus),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
