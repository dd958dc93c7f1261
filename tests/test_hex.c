/* Unit tests for common/hex.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"

static void test_encode_known(void **state)
{
    static const uint8_t in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[2 * sizeof(in) + 1];

    (void)state;
    memset(out, 'Z', sizeof(out));
    hex_encode(in, sizeof(in), out);
    assert_string_equal(out, "00017f80abff");
    hex_encode(in, 0, out);
    assert_string_equal(out, "");
}

static void test_round_trip(void **state)
{
    uint8_t in[256], back[256];
    char text[2 * sizeof(in) + 1];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(i * 7 + 3);
    hex_encode(in, sizeof(in), text);
    assert_int_equal(strlen(text), 2 * sizeof(in));
    assert_true(hex_is_hex(text));
    assert_int_equal(hex_decode(text, strlen(text), back, sizeof(back)), 0);
    assert_memory_equal(in, back, sizeof(in));
}

static void test_decode_either_case(void **state)
{
    uint8_t out[3];

    (void)state;
    assert_int_equal(hex_decode("aBcDeF", 6, out, sizeof(out)), 0);
    assert_int_equal(out[0], 0xab);
    assert_int_equal(out[1], 0xcd);
    assert_int_equal(out[2], 0xef);
}

static void test_bad_chars(void **state)
{
    uint8_t out[2];

    (void)state;
    assert_int_equal(hex_decode("0g12", 4, out, sizeof(out)), -1);
    assert_int_equal(hex_decode("12 4", 4, out, sizeof(out)), -1);
    assert_int_equal(hex_decode("-123", 4, out, sizeof(out)), -1);
    assert_int_equal(hex_decode("12\0"
                                "4",
                                4, out, sizeof(out)),
                     -1);
    assert_false(hex_is_hex("12x4"));
    assert_false(hex_is_hex(""));
    assert_false(hex_is_hex("0x12"));
    assert_true(hex_is_hex("DEADbeef"));
    assert_true(hex_is_lower("deadbeef", 4));
    assert_false(hex_is_lower("DEADbeef", 4)); /* ids and keys in attributes are lowercase */
    assert_false(hex_is_lower("deadbee", 4));
    assert_false(hex_is_lower("deadbeef0", 4));
    assert_true(hex_is_lower("", 0));
}

static void test_bad_length(void **state)
{
    uint8_t out[2];

    (void)state;
    assert_int_equal(hex_decode("123", 3, out, sizeof(out)), -1);    /* odd */
    assert_int_equal(hex_decode("12", 2, out, sizeof(out)), -1);     /* short */
    assert_int_equal(hex_decode("123456", 6, out, sizeof(out)), -1); /* long */
    assert_int_equal(hex_decode("1234", 4, out, SIZE_MAX), -1);      /* 2*outlen overflows */
    assert_int_equal(hex_decode("", 0, out, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_known),       cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_decode_either_case), cmocka_unit_test(test_bad_chars),
        cmocka_unit_test(test_bad_length),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
