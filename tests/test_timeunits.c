/* timeunits: the lengths of time everyone adopts instead of writing 86400000 again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "timeunits.h"

static void test_units(void **state)
{
    (void)state;
    assert_int_equal(LORE_MINUTE_MS, 60000);
    assert_int_equal(LORE_HOUR_MS, 3600000);
    assert_int_equal(LORE_DAY_MS, 86400000);
    assert_int_equal(LORE_WEEK_MS, 604800000);
    assert_true(sizeof(LORE_DAY_MS) == sizeof(unsigned long long));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_units)};

    return cmocka_run_group_tests(tests, NULL, NULL);
}
