/* Unit tests for common/buf.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void test_append_and_nul(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 64);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_append_str(&b, "hello"), 0);
    assert_int_equal(buf_append(&b, " world", 6), 0);
    assert_int_equal(b.len, 11);
    assert_string_equal((char *)b.data, "hello world");
    assert_int_equal(buf_append(&b, "", 0), 0);
    assert_int_equal(b.len, 11);
    buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.max, 64);
}

static void test_max_enforced(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 8);
    assert_int_equal(buf_append(&b, "12345678", 8), 0); /* exactly max is fine */
    assert_int_equal(buf_append_u8(&b, 'x'), -1);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "12345678", 8);
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_append(&b, "123456789", 9), -1);
    assert_int_equal(b.len, 0);
    /* A huge n must not overflow the length check. */
    assert_int_equal(buf_append(&b, "x", SIZE_MAX), -1);
    assert_int_equal(buf_printf(&b, "%s", "too long for this"), -1);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_printf(&b, "%d-%s", 42, "ab"), 0);
    assert_string_equal((char *)b.data, "42-ab");
    buf_free(&b);
}

static void test_big_endian(void **state)
{
    static const uint8_t want[] = {0xab, 0x01, 0x02, 0x01, 0x02, 0x03, 0x04, 0x01,
                                   0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    struct buf b;

    (void)state;
    buf_init(&b, 1024);
    assert_int_equal(buf_append_u8(&b, 0xab), 0);
    assert_int_equal(buf_append_u16be(&b, 0x0102), 0);
    assert_int_equal(buf_append_u32be(&b, 0x01020304u), 0);
    assert_int_equal(buf_append_u64be(&b, 0x0102030405060708ull), 0);
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.data, want, sizeof(want));
    buf_free(&b);
}

static void test_u64_partial_failure(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 6); /* room for the high half of a u64 but not the low one */
    assert_int_equal(buf_append_u8(&b, 1), 0);
    assert_int_equal(buf_append_u64be(&b, 0x1122334455667788ull), -1);
    assert_int_equal(b.len, 1);
    buf_free(&b);
}

static void test_consume(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 100);
    assert_int_equal(buf_append_str(&b, "abcdef"), 0);
    buf_consume(&b, 2);
    assert_int_equal(b.len, 4);
    assert_string_equal((char *)b.data, "cdef");
    buf_consume(&b, 0);
    assert_string_equal((char *)b.data, "cdef");
    buf_consume(&b, 4);
    assert_int_equal(b.len, 0);
    assert_string_equal((char *)b.data, "");
    assert_int_equal(buf_append_str(&b, "xy"), 0);
    assert_string_equal((char *)b.data, "xy");
    buf_free(&b);
}

static void test_grow_and_steal(void **state)
{
    struct buf b;
    uint8_t *p;
    size_t len, i;

    (void)state;
    buf_init(&b, 10000);
    for (i = 0; i < 1000; i++)
        assert_int_equal(buf_append_u8(&b, (uint8_t)i), 0);
    assert_int_equal(b.len, 1000);
    for (i = 0; i < 1000; i++)
        assert_int_equal(b.data[i], (uint8_t)i);
    p = buf_steal(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, 1000);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 10000);
    free(p);
    assert_null(buf_steal(&b, &len));
    assert_int_equal(len, 0);
}

static int all_zero(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

/* Secrets pass through buffers (a join code in a request or a reply): consuming them and wiping
 * must leave no copy in the storage the buffer keeps. */
static void test_wipe(void **state)
{
    struct buf b;
    const char *secret = "ABCD-EFGH-JKMN-PQRS-TVWX";
    size_t n = strlen(secret);

    (void)state;
    buf_init(&b, 1024);
    assert_int_equal(buf_append(&b, secret, n), 0);
    assert_int_equal(buf_append_str(&b, "\nrest"), 0);
    buf_consume_wiped(&b, n + 1);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, "rest", 5);
    /* Where the secret and the moved bytes were (past the new NUL): zero. */
    assert_true(all_zero(b.data + b.len + 1, n + 1));
    buf_consume_wiped(&b, 4);
    assert_int_equal(b.len, 0);
    assert_true(all_zero(b.data, 4 + 1));

    assert_int_equal(buf_append(&b, secret, n), 0);
    buf_wipe(&b);
    assert_int_equal(b.len, 0);
    assert_non_null(b.data); /* storage kept, all of it zero */
    assert_true(all_zero(b.data, b.cap));
    assert_int_equal(buf_append_str(&b, "again"), 0);
    buf_free(&b);
    buf_wipe(&b); /* nothing allocated: fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_nul), cmocka_unit_test(test_max_enforced),
        cmocka_unit_test(test_big_endian),     cmocka_unit_test(test_u64_partial_failure),
        cmocka_unit_test(test_consume),        cmocka_unit_test(test_grow_and_steal),
        cmocka_unit_test(test_wipe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
