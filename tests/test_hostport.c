/* hostport: the one HOST:PORT parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hostport.h"

static void test_accepts(void **state)
{
    size_t hostlen = 0;
    uint16_t port = 0;
    char err[128];

    (void)state;
    assert_int_equal(hostport_parse("10.0.0.7:7474", 1, &hostlen, &port, err, sizeof(err)), 0);
    assert_int_equal(hostlen, 8);
    assert_int_equal(port, 7474);
    assert_int_equal(hostport_parse("[fe80::1]:65535", 1, &hostlen, &port, err, sizeof(err)), 0);
    assert_int_equal(hostlen, 9); /* the last colon splits */
    assert_int_equal(port, 65535);
    assert_int_equal(hostport_parse("localhost:0", 0, &hostlen, &port, err, sizeof(err)), 0);
    assert_int_equal(port, 0);
    assert_int_equal(hostport_parse("h:1", 1, NULL, NULL, err, sizeof(err)), 0);
}

static void test_refuses(void **state)
{
    char err[128], big[HOSTPORT_MAX + 2];
    uint16_t port = 42;

    (void)state;
    assert_int_equal(hostport_parse("no-port", 0, NULL, &port, err, sizeof(err)), -1);
    assert_string_equal(err, "'no-port' is not HOST:PORT");
    assert_int_equal(hostport_parse(":80", 0, NULL, &port, err, sizeof(err)), -1);
    assert_int_equal(hostport_parse("h:", 0, NULL, &port, err, sizeof(err)), -1);
    assert_string_equal(err, "'h:': the port must be a number from 0 to 65535");
    assert_int_equal(hostport_parse("h:0", 1, NULL, &port, err, sizeof(err)), -1);
    assert_string_equal(err, "'h:0': the port must be a number from 1 to 65535");
    assert_int_equal(hostport_parse("h:65536", 0, NULL, &port, err, sizeof(err)), -1);
    assert_int_equal(hostport_parse("h:-1", 0, NULL, &port, err, sizeof(err)), -1);
    assert_int_equal(hostport_parse("h:80x", 0, NULL, &port, err, sizeof(err)), -1);
    assert_int_equal(hostport_parse("h:99999999999999999999", 0, NULL, &port, err, sizeof(err)),
                     -1);
    assert_int_equal(port, 42); /* untouched on failure */
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big + sizeof(big) - 4, ":80", 3);
    assert_int_equal(hostport_parse(big, 0, NULL, NULL, err, sizeof(err)), -1);
    big[1] = '\0';
    assert_int_equal(hostport_parse(big, 0, NULL, NULL, err, sizeof(err)), -1); /* "a" */
    assert_int_equal(hostport_parse(big + sizeof(big) - 4 - 1, 0, NULL, NULL, err, sizeof(err)),
                     0); /* "a:80" */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_refuses),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
