/* node_people through node_call: what the people views show, on a real replica, no network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testnode.h"

/* The digest names an edited question by its current title, as list does (issue 12 item 6). */
static void test_digest_edited_title(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, carol;
    char q[2 * ENTRY_ID_LEN + 1], a[2 * ENTRY_ID_LEN + 1];
    json_t *r, *acc;

    test_author_init(&bob, 11);
    test_author_init(&carol, 22);
    add(t, &bob, ENTRY_QUESTION, 1000, "printr jam", "", "printer", NULL, q);
    add(t, &bob, ENTRY_REVISION, 2000, "Printer jams on tray 2", "", "printer", q, NULL);
    add(t, &carol, ENTRY_ANSWER, 3000, "", "open the back", NULL, q, a);
    add(t, &bob, ENTRY_ACCEPT, 4000, NULL, NULL, NULL, a, NULL);
    r = callf(t, 1, "{\"op\":\"digest\",\"since_ms\":%llu,\"now_ms\":%llu}", T0, T0 + 10000);
    acc = json_array_get(json_object_get(r, "accepted"), 0);
    assert_non_null(acc);
    assert_string_equal(json_string_value(json_object_get(acc, "title")), "Printer jams on tray 2");
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_digest_edited_title, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
