/* node_team through node_call: team_show, team_create offline (no networking hooks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testnode.h"

static void test_team_show_create(void **state)
{
    struct test_node *t = *state;
    json_t *r;

    r = test_call(t, "{\"op\":\"team_show\"}");
    assert_string_equal(test_code(r), "no_team");
    json_decref(r);
    json_decref(test_call_ok(t, "{\"op\":\"init\",\"name\":\"Ann\"}"));
    r = test_call_ok(t, "{\"op\":\"team_create\",\"name\":\"ops\"}");
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"team_show\"}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "team"), "name")),
                        "ops");
    assert_true(json_array_size(json_object_get(json_object_get(r, "team"), "members")) >= 1);
    json_decref(r);
    r = test_call(t, "{\"op\":\"team_create\",\"name\":\"again\"}");
    assert_false(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_team_show_create, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
