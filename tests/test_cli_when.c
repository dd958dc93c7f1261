/* Unit tests for cli/when.c: the one grammar of every time option (--since, --at). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "when.h"

#define NOW 1796000000000LL /* 2026-11-30 */
#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static void test_duration_units(void **state)
{
    long long ms = -1;

    (void)state;
    assert_int_equal(when_duration("30m", &ms), 0);
    assert_int_equal(ms, 30 * MIN);
    assert_int_equal(when_duration("24h", &ms), 0);
    assert_int_equal(ms, 24 * HOUR);
    assert_int_equal(when_duration("7d", &ms), 0);
    assert_int_equal(ms, 7 * DAY);
    assert_int_equal(when_duration("2w", &ms), 0);
    assert_int_equal(ms, 14 * DAY);
    assert_int_equal(when_duration("0d", &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(when_duration("100000m", &ms), 0);
}

static void test_duration_refused(void **state)
{
    static const char *const bad[] = {"",    "7",   "d",    "7x",      "7dd",
                                      "7 d", "-1d", "1.5h", "100001m", "99999999999999999999d",
                                      "7D",  "7s"};
    long long ms;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(when_duration(bad[i], &ms), -1);
}

/* --since: every unit of the grammar, minutes included (before: only h, d, w). */
static void test_since(void **state)
{
    long long ms;

    (void)state;
    assert_int_equal(when_since("30m", NOW, &ms), 0);
    assert_int_equal(ms, NOW - 30 * MIN);
    assert_int_equal(when_since("24h", NOW, &ms), 0);
    assert_int_equal(ms, NOW - DAY);
    assert_int_equal(when_since("2w", NOW, &ms), 0);
    assert_int_equal(ms, NOW - 14 * DAY);
    assert_int_equal(when_since("2026-11-29", NOW, &ms), 0);
    assert_int_equal(ms, 1795910400000LL); /* 00:00 UTC */
    assert_int_equal(when_since("2026-13-01", NOW, &ms), -1);
    assert_int_equal(when_since("2026-1-01", NOW, &ms), -1);
    assert_int_equal(when_since("yesterday", NOW, &ms), -1);
}

/* --at: "+" and every unit of the grammar, weeks included (before: only m, h, d). */
static void test_at(void **state)
{
    long long ms;

    (void)state;
    assert_int_equal(when_at("+30m", NOW, &ms), 0);
    assert_int_equal(ms, NOW + 30 * MIN);
    assert_int_equal(when_at("+2h", NOW, &ms), 0);
    assert_int_equal(ms, NOW + 2 * HOUR);
    assert_int_equal(when_at("+1d", NOW, &ms), 0);
    assert_int_equal(ms, NOW + DAY);
    assert_int_equal(when_at("+1w", NOW, &ms), 0);
    assert_int_equal(ms, NOW + 7 * DAY);
    assert_int_equal(when_at("2026-12-03T15:00Z", NOW, &ms), 0);
    assert_int_equal(ms, 1796310000000LL);
    assert_int_equal(when_at("2026-02-31T15:00Z", NOW, &ms), -1); /* no such day */
    assert_int_equal(when_at("2026-12-03T24:00Z", NOW, &ms), -1);
    assert_int_equal(when_at("2026-12-03 15:00", NOW, &ms), 0); /* local: depends on TZ */
    assert_int_equal(when_at("tomorrow 09:30", NOW, &ms), 0);
    assert_true(ms > NOW && ms <= NOW + 2 * DAY);
    assert_int_equal(when_at("today 9:30", NOW, &ms), -1);
    assert_int_equal(when_at("2h", NOW, &ms), -1); /* a time to come needs its "+" */
    assert_int_equal(when_at("+2", NOW, &ms), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_units),
        cmocka_unit_test(test_duration_refused),
        cmocka_unit_test(test_since),
        cmocka_unit_test(test_at),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
