/* node_ledger through node_call: vote, thank, accept and the top ledger on a real replica. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "testnode.h"

/* Bob asks, Carol answers; I (the node) vote the answer up and thank Carol; Bob accepts it:
 * Carol's points are 10 (upvote) + 5 (thanks) + 15 (accept). */
static void test_vote_thank_top(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, carol;
    char q[2 * ENTRY_ID_LEN + 1], a[2 * ENTRY_ID_LEN + 1], carolhex[2 * ENTRY_KEY_LEN + 1];
    json_t *r, *p;

    test_author_init(&bob, 11);
    test_author_init(&carol, 22);
    hex_encode(carol.pk, ENTRY_KEY_LEN, carolhex);
    add(t, &carol, ENTRY_PROFILE, 0, "Carol", NULL, NULL, NULL, NULL);
    add(t, &bob, ENTRY_QUESTION, 1000, "printer?", "", "printer", NULL, q);
    add(t, &carol, ENTRY_ANSWER, 2000, "", "restart it", NULL, q, a);
    json_decref(callf(t, 1, "{\"op\":\"vote\",\"id\":\"%s\",\"value\":\"up\"}", a));
    json_decref(callf(t, 1, "{\"op\":\"thank\",\"id\":\"%s\",\"body\":\"thanks!\"}", a));
    add(t, &bob, ENTRY_ACCEPT, 3000, NULL, NULL, NULL, a, NULL);
    r = test_call_ok(t, "{\"op\":\"top\"}");
    assert_int_equal(json_array_size(json_object_get(r, "people")), 1);
    p = json_array_get(json_object_get(r, "people"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "key")), carolhex);
    assert_string_equal(json_string_value(json_object_get(p, "name")), "Carol");
    assert_int_equal(json_integer_value(json_object_get(p, "points")), 30);
    assert_int_equal(json_integer_value(json_object_get(p, "upvotes")), 1);
    assert_int_equal(json_integer_value(json_object_get(p, "thanks")), 1);
    assert_int_equal(json_integer_value(json_object_get(p, "accepted")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(p, "badges"), 0)),
                        "first answer");
    json_decref(r);
    /* A vote changed to down: the latest counts (10 -> -2). */
    json_decref(callf(t, 1, "{\"op\":\"vote\",\"id\":\"%s\",\"value\":\"down\"}", a));
    r = test_call_ok(t, "{\"op\":\"top\",\"tag\":\"printer\"}");
    p = json_array_get(json_object_get(r, "people"), 0);
    assert_int_equal(json_integer_value(json_object_get(p, "points")), 18);
    assert_int_equal(json_integer_value(json_object_get(p, "downvotes")), 1);
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"top\",\"tag\":\"vpn\"}");
    assert_int_equal(json_array_size(json_object_get(r, "people")), 0);
    json_decref(r);
}

/* Voting on one's own entry and on nothing is refused; bad arguments are bad requests. */
static void test_vote_refused(void **state)
{
    struct test_node *t = *state;
    json_t *r = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"note\",\"title\":\"n\","
                                "\"body\":\"b\"}"),
           *v;
    const char *id = json_string_value(json_object_get(r, "id"));

    v = callf(t, 0, "{\"op\":\"vote\",\"id\":\"%s\",\"value\":\"up\"}", id);
    assert_string_equal(test_code(v), "invalid");
    json_decref(v);
    v = callf(t, 0, "{\"op\":\"vote\",\"id\":\"%s\",\"value\":\"sideways\"}", id);
    assert_string_equal(test_code(v), "bad_request");
    json_decref(v);
    v = callf(t, 0, "{\"op\":\"thank\",\"id\":\"%s\"}", "0123456789abcdef");
    assert_string_equal(test_code(v), "not_found");
    json_decref(v);
    v = callf(t, 0, "{\"op\":\"top\",\"limit\":0}");
    assert_string_equal(test_code(v), "bad_request");
    json_decref(v);
    json_decref(r);
}

/* An entry that fails verification is reported as corrupt, never as missing (issue 11 item 5). */
static void test_vote_corrupt(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char id[2 * ENTRY_ID_LEN + 1], path[128];
    sqlite3 *db;
    json_t *r;

    test_author_init(&bob, 61);
    add(t, &bob, ENTRY_NOTE, 0, "a note", "its body", "t", NULL, id);
    snprintf(path, sizeof(path), "%s/replica.db", t->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE entries SET body = 'forged'", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    r = callf(t, 0, "{\"op\":\"vote\",\"id\":\"%s\",\"value\":\"up\"}", id);
    assert_string_equal(test_code(r), "corrupt");
    json_decref(r);
    r = callf(t, 0, "{\"op\":\"thank\",\"id\":\"%s\"}", id);
    assert_string_equal(test_code(r), "corrupt");
    json_decref(r);
}

/* Thanks count once: a second thank of the same entry posts nothing and says so (issue 12). */
static void test_thank_once(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char a[2 * ENTRY_ID_LEN + 1];
    json_t *r, *l;

    test_author_init(&bob, 31);
    add(t, &bob, ENTRY_NOTE, 0, "a note", "its body", "t", NULL, a);
    r = callf(t, 1, "{\"op\":\"thank\",\"id\":\"%s\"}", a);
    assert_false(json_is_true(json_object_get(r, "already")));
    json_decref(r);
    r = callf(t, 1, "{\"op\":\"thank\",\"id\":\"%.8s\",\"body\":\"again\"}", a);
    assert_true(json_is_true(json_object_get(r, "already")));
    assert_non_null(json_string_value(json_object_get(r, "id")));
    json_decref(r);
    l = test_call_ok(t, "{\"op\":\"list\",\"kind\":\"thanks\"}");
    assert_int_equal(json_array_size(json_object_get(l, "entries")), 1);
    json_decref(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vote_thank_top, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thank_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vote_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vote_corrupt, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
