/* node_tags: the op tags — tags in use, for the ask form's suggestions (web /tags). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testnode.h"

/* The tags of a response as "tag:count tag:count". */
static void tags_line(json_t *res, char *out, size_t len)
{
    json_t *t;
    size_t i, n = 0;

    out[0] = '\0';
    json_array_foreach(json_object_get(res, "tags"), i, t)
    {
        n += (size_t)snprintf(out + n, len - n, "%s%s:%lld", i > 0 ? " " : "",
                              json_string_value(json_object_get(t, "tag")),
                              (long long)json_integer_value(json_object_get(t, "count")));
        assert_true(n < len);
    }
}

/* Questions' and notes' tags, most used first, by prefix (case-folded); answers' tags do not
 * count; a prefix no tag can have is invalid. */
static void test_tags(void **state)
{
    struct test_node *t = *state;
    struct test_author a;
    char q1[65], id[65], line[256];
    json_t *res;

    test_author_init(&a, 7);
    add(t, &a, ENTRY_QUESTION, 0, "VPN drops", "b", "vpn", NULL, q1);
    add(t, &a, ENTRY_QUESTION, 1, "VPN again", "b", "vpn", NULL, id);
    add(t, &a, ENTRY_NOTE, 2, "vim tips", "b", "vim", NULL, id);
    add(t, &a, ENTRY_QUESTION, 3, "gpg keys", "b", "gpg", NULL, id);
    add(t, &a, ENTRY_ANSWER, 4, "", "an answer", "valgrind", q1, id);

    res = callf(t, 1, "{\"op\":\"tags\",\"prefix\":\"v\"}");
    tags_line(res, line, sizeof(line));
    assert_string_equal(line, "vpn:2 vim:1");
    json_decref(res);

    res = callf(t, 1, "{\"op\":\"tags\",\"prefix\":\"VP\"}");
    tags_line(res, line, sizeof(line));
    assert_string_equal(line, "vpn:2");
    json_decref(res);

    res = callf(t, 1, "{\"op\":\"tags\"}");
    tags_line(res, line, sizeof(line));
    assert_string_equal(line, "vpn:2 gpg:1 vim:1");
    json_decref(res);

    res = callf(t, 1, "{\"op\":\"tags\",\"prefix\":\"\",\"limit\":1}");
    tags_line(res, line, sizeof(line));
    assert_string_equal(line, "vpn:2");
    json_decref(res);

    res = callf(t, 1, "{\"op\":\"tags\",\"prefix\":\"x\"}");
    assert_int_equal(json_array_size(json_object_get(res, "tags")), 0);
    json_decref(res);

    res = callf(t, 0, "{\"op\":\"tags\",\"prefix\":\"a b\"}");
    assert_string_equal(test_code(res), "invalid");
    json_decref(res);
    res = callf(t, 0, "{\"op\":\"tags\",\"limit\":0}");
    assert_string_equal(test_code(res), "invalid");
    json_decref(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
