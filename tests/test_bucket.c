/* Unit tests for common/bucket.c: the token bucket behind every rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bucket.h"

#define T0 1000000u

/* A new bucket is full: burst takes at once, then none until time passes. */
static void test_full_at_first_use(void **state)
{
    struct bucket b = {0, 0};
    int i;

    (void)state;
    for (i = 0; i < 200; i++)
        assert_int_equal(bucket_take(&b, T0, 20, 200), 1);
    assert_int_equal(bucket_take(&b, T0, 20, 200), 0);
    assert_int_equal(bucket_take(&b, T0 + 10, 20, 200), 0); /* 0.2 of a token */
}

/* It refills at rate a second, never past burst, and a clock that goes back refills nothing. */
static void test_refill_and_cap(void **state)
{
    struct bucket b = {0, 0};
    int i, n = 0;

    (void)state;
    for (i = 0; i < 16; i++)
        assert_int_equal(bucket_take(&b, T0, 16, 16), 1);
    assert_int_equal(bucket_take(&b, T0, 16, 16), 0);
    /* 250 ms at 16 a second: 4 tokens. */
    for (i = 0; i < 10; i++)
        n += bucket_take(&b, T0 + 250, 16, 16);
    assert_int_equal(n, 4);
    /* An hour later: full, not 57,600. */
    for (i = 0, n = 0; i < 100; i++)
        n += bucket_take(&b, T0 + 3600000u, 16, 16);
    assert_int_equal(n, 16);
    assert_int_equal(bucket_take(&b, T0, 16, 16), 0); /* back in time: nothing */
    assert_int_equal(bucket_take(&b, T0 + 3600000u + 62, 16, 16), 0);
    assert_int_equal(bucket_take(&b, T0 + 3600000u + 63, 16, 16), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_at_first_use),
        cmocka_unit_test(test_refill_and_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
