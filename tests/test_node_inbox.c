/* node_inbox through node_call: skill, follow, inbox on a real replica. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testnode.h"

static void test_inbox(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char mine[2 * ENTRY_KEY_LEN + 1];
    json_t *r, *areas, *entries;

    test_author_init(&bob, 51);
    r = test_call_ok(t, "{\"op\":\"skill\",\"tag\":\"VPN\",\"level\":4}");
    areas = json_object_get(r, "areas");
    assert_int_equal(json_array_size(areas), 1);
    assert_string_equal(json_string_value(json_array_get(areas, 0)), "vpn");
    json_decref(r);
    json_decref(test_call_ok(t, "{\"op\":\"follow\",\"tag\":\"printer\"}"));
    add(t, &bob, ENTRY_QUESTION, 0, "vpn?", "", "vpn", NULL, NULL);
    add(t, &bob, ENTRY_QUESTION, 1000, "printer?", "", "printer", NULL, NULL);
    add(t, &bob, ENTRY_QUESTION, 2000, "lunch?", "", "food", NULL, NULL);
    r = test_call_ok(t, "{\"op\":\"inbox\"}");
    entries = json_object_get(r, "entries");
    assert_int_equal(json_array_size(entries), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(entries, 0), "title")),
                        "printer?"); /* newest first */
    assert_int_equal(json_array_size(json_object_get(r, "mentoring_requests")), 0);
    assert_int_equal(json_array_size(json_object_get(r, "reminders")), 0);
    json_decref(r);
    /* Unfollowed: only the skill's questions remain. */
    json_decref(test_call_ok(t, "{\"op\":\"follow\",\"tag\":\"printer\",\"off\":true}"));
    r = test_call_ok(t, "{\"op\":\"inbox\",\"limit\":10}");
    assert_int_equal(json_array_size(json_object_get(r, "entries")), 1);
    json_decref(r);
    hex_encode(identity_public_key(t->n->id), ENTRY_KEY_LEN, mine);
    (void)mine;
    r = test_call(t, "{\"op\":\"inbox\",\"limit\":0}");
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    r = test_call(t, "{\"op\":\"skill\",\"tag\":\"!!\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_inbox, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
