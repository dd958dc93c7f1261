/* Unit tests for common/dayspan.c: quiet hours, "HH:MM-HH:MM" of local time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dayspan.h"

#define M(h, m) ((h)*60 + (m))

static void test_parse(void **state)
{
    struct dayspan d;
    char err[256];

    (void)state;
    assert_int_equal(dayspan_parse("", &d, err, sizeof(err)), 0);
    assert_int_equal(d.set, 0);
    assert_int_equal(dayspan_parse("22:00-07:00", &d, err, sizeof(err)), 0);
    assert_int_equal(d.set, 1);
    assert_int_equal(d.from_min, M(22, 0));
    assert_int_equal(d.to_min, M(7, 0));
    assert_int_equal(dayspan_parse("00:00-23:59", &d, err, sizeof(err)), 0);
    assert_int_equal(d.to_min, M(23, 59));
}

static void test_refused(void **state)
{
    static const char *const bad[] = {
        "22:00",       "22:00-",      "-07:00",           "2200-0700",    "22:00 - 07:00",
        "22:00-7:00",  "24:00-07:00", "22:60-07:00",      "22:00-07:00 ", "ab:cd-ef:gh",
        "07:00-07:00", "+2:00-07:00", "22:00-07:00-08:00"};
    struct dayspan d = {1, 5, 6};
    char err[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(dayspan_parse(bad[i], &d, err, sizeof(err)), -1);
        assert_non_null(strstr(err, bad[i]));
        assert_int_equal(d.from_min, 5); /* unchanged */
    }
}

static void test_contains(void **state)
{
    struct dayspan night, day, none = {0};
    char err[256];

    (void)state;
    assert_int_equal(dayspan_parse("22:00-07:00", &night, err, sizeof(err)), 0);
    assert_int_equal(dayspan_parse("12:00-13:30", &day, err, sizeof(err)), 0);
    /* Spanning midnight: from 22:00 included to 07:00 excluded. */
    assert_true(dayspan_contains_min(&night, M(22, 0)));
    assert_true(dayspan_contains_min(&night, M(23, 59)));
    assert_true(dayspan_contains_min(&night, M(0, 0)));
    assert_true(dayspan_contains_min(&night, M(6, 59)));
    assert_false(dayspan_contains_min(&night, M(7, 0)));
    assert_false(dayspan_contains_min(&night, M(12, 0)));
    assert_false(dayspan_contains_min(&night, M(21, 59)));
    /* Within a day. */
    assert_false(dayspan_contains_min(&day, M(11, 59)));
    assert_true(dayspan_contains_min(&day, M(12, 0)));
    assert_true(dayspan_contains_min(&day, M(13, 29)));
    assert_false(dayspan_contains_min(&day, M(13, 30)));
    assert_false(dayspan_contains_min(&day, M(0, 0)));
    /* None contains nothing; minutes out of range are outside. */
    assert_false(dayspan_contains_min(&none, M(12, 0)));
    assert_false(dayspan_contains_min(&night, -1));
    assert_false(dayspan_contains_min(&night, M(24, 0)));
}

/* dayspan_contains reads the local time (TZ): 2026-12-05 23:30 in UTC is inside 22:00-07:00. */
static void test_contains_local_time(void **state)
{
    struct dayspan night, day;
    char err[256];
    time_t t = 1796513400; /* 2026-12-05T23:30:00Z */

    (void)state;
    assert_int_equal(setenv("TZ", "UTC", 1), 0);
    tzset();
    assert_int_equal(dayspan_parse("22:00-07:00", &night, err, sizeof(err)), 0);
    assert_int_equal(dayspan_parse("08:00-22:00", &day, err, sizeof(err)), 0);
    assert_true(dayspan_contains(&night, t));
    assert_false(dayspan_contains(&day, t));
    assert_int_equal(setenv("TZ", "Asia/Tokyo", 1), 0); /* 08:30 the next morning there */
    tzset();
    assert_false(dayspan_contains(&night, t));
    assert_true(dayspan_contains(&day, t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_contains_local_time),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
