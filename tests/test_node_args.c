/* Arguments every op checks the same way (issue 12, item 6): tags normalised in one place for
 * every filter and every op taking one, blank titles refused, person arguments validated and
 * matched by a unique name prefix. Through node_call on a real replica, no network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testnode.h"

static size_t count(json_t *r, const char *key)
{
    return json_array_size(json_object_get(r, key));
}

/* ask --tag Kubernetes stores kubernetes: every filter finds it however the tag is typed, and an
 * invalid tag is an error ("invalid", with the grammar), never a silent "everything". */
static void test_tags_one_rule(void **state)
{
    struct test_node *t = *state;
    static const char *const typed[] = {"Kubernetes", "#kubernetes", " KUBERNETES ", "#Kubernetes"};
    static const char *const bad[] = {"Kube rnetes", "##kubernetes", "kübernetes", "-k8s", ""};
    struct test_author bob;
    json_t *r;
    size_t i;

    test_author_init(&bob, 3);
    add(t, &bob, ENTRY_QUESTION, 0, "pods crash on start", "", "kubernetes", NULL, NULL);
    json_decref(test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"pods?\","
                                "\"tags\":[\"#Kubernetes\"]}"));
    for (i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
        r = callf(t, 1, "{\"op\":\"list\",\"tag\":\"%s\"}", typed[i]);
        assert_int_equal(count(r, "entries"), 2);
        json_decref(r);
        r = callf(t, 1, "{\"op\":\"search\",\"query\":\"pods\",\"tag\":\"%s\"}", typed[i]);
        assert_int_equal(count(r, "results"), 2);
        json_decref(r);
        r = callf(t, 1, "{\"op\":\"stats\",\"tag\":\"%s\"}", typed[i]);
        assert_string_equal(json_string_value(json_object_get(r, "tag")), "kubernetes");
        json_decref(r);
        r = callf(t, 1, "{\"op\":\"sessions\",\"all\":true,\"tag\":\"%s\"}", typed[i]);
        json_decref(r);
        r = callf(t, 1, "{\"op\":\"mentor_find\",\"tag\":\"%s\"}", typed[i]);
        json_decref(r);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        /* Each request is before, the tag, after. */
        static const char *const ops[][2] = {
            {"{\"op\":\"list\",\"tag\":\"", "\"}"},
            {"{\"op\":\"search\",\"query\":\"pods\",\"tag\":\"", "\"}"},
            {"{\"op\":\"stats\",\"tag\":\"", "\"}"},
            {"{\"op\":\"top\",\"tag\":\"", "\"}"},
            {"{\"op\":\"sessions\",\"tag\":\"", "\"}"},
            {"{\"op\":\"mentor_find\",\"tag\":\"", "\"}"},
            {"{\"op\":\"follow\",\"tag\":\"", "\"}"},
            {"{\"op\":\"skill\",\"tag\":\"", "\"}"},
            {"{\"op\":\"post\",\"kind\":\"question\",\"title\":\"q\",\"tags\":[\"", "\"]}"},
            {"{\"op\":\"mentor_offer\",\"tags\":[\"", "\"]}"},
        };
        size_t k;
        for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
            char req[300];
            const char *msg;
            snprintf(req, sizeof(req), "%s%s%s", ops[k][0], bad[i], ops[k][1]);
            r = test_call(t, req);
            msg = json_string_value(json_object_get(r, "error"));
            if (strcmp(test_code(r), "invalid") != 0 || msg == NULL ||
                strstr(msg, "lower-case letters and digits") == NULL)
                fail_msg("%s: %s", req, msg != NULL ? msg : test_code(r));
            json_decref(r);
        }
    }
    /* Follow and skills take the same forms and store the tag itself. */
    r = test_call_ok(t, "{\"op\":\"follow\",\"tag\":\"#Kubernetes\"}");
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"skill\",\"tag\":\" Kubernetes\"}");
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"list\",\"kind\":\"skill\",\"tag\":\"kubernetes\"}");
    assert_int_equal(count(r, "entries"), 1);
    json_decref(r);
}

/* A title of spaces is no title: ask, note, session and edit refuse it. */
static void test_blank_title(void **state)
{
    struct test_node *t = *state;
    static const char *const reqs[] = {
        "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"   \"}",
        "{\"op\":\"post\",\"kind\":\"note\",\"title\":\" \\t \",\"body\":\"b\"}",
        "{\"op\":\"session_announce\",\"title\":\"  \",\"where\":\"room "
        "1\",\"at_ms\":1900000000000}",
    };
    json_t *r, *q;
    const char *msg;
    size_t i;

    for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
        r = test_call(t, reqs[i]);
        msg = json_string_value(json_object_get(r, "error"));
        if (strcmp(test_code(r), "invalid") != 0 || msg == NULL ||
            strstr(msg, "a title cannot be empty") == NULL)
            fail_msg("%s: %s %s", reqs[i], test_code(r), msg != NULL ? msg : "");
        json_decref(r);
    }
    q = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"real\"}");
    r = callf(t, 0, "{\"op\":\"edit\",\"id\":\"%s\",\"title\":\"\\u00a0 \"}",
              json_string_value(json_object_get(q, "id")));
    assert_string_equal(test_code(r), "invalid");
    msg = json_string_value(json_object_get(r, "error"));
    assert_non_null(strstr(msg, "a title cannot be empty"));
    json_decref(r);
    json_decref(q);
}

/* A person argument that is not printable text is invalid (not "nobody called"); a unique name
 * prefix at a word start names a person, as a key prefix does; several: ambiguous, listed. */
static void test_person_args(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, ada, bobby;
    char bobhex[2 * ENTRY_KEY_LEN + 1];
    json_t *r;

    test_author_init(&bob, 5);
    test_author_init(&ada, 6);
    test_author_init(&bobby, 7);
    hex_encode(bob.pk, ENTRY_KEY_LEN, bobhex);
    add(t, &bob, ENTRY_PROFILE, 0, "Bob Noyce", NULL, NULL, NULL, NULL);
    add(t, &ada, ENTRY_PROFILE, 0, "Ada Lovelace", NULL, NULL, NULL, NULL);
    r = test_call(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"q\",\"to\":\"a\\u0007\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    r = test_call(t, "{\"op\":\"profile\",\"person\":\"Bob\\u001b[2J\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"profile\",\"person\":\"Bob\"}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "profile"), "key")),
                        bobhex);
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"profile\",\"person\":\"noy\"}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "profile"), "key")),
                        bobhex);
    json_decref(r);
    r = test_call(t, "{\"op\":\"profile\",\"person\":\"oyce\"}");
    assert_string_equal(test_code(r), "not_found");
    json_decref(r);
    json_decref(test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"q\","
                                "\"to\":\"bob\"}"));
    add(t, &bobby, ENTRY_PROFILE, 0, "Bobby Tables", NULL, NULL, NULL, NULL);
    r = test_call(t, "{\"op\":\"profile\",\"person\":\"bob\"}");
    assert_string_equal(test_code(r), "ambiguous");
    assert_int_equal(count(r, "candidates"), 2);
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"profile\",\"person\":\"bob n\"}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "profile"), "key")),
                        bobhex);
    json_decref(r);
    /* A whole name is still exact, whoever else's name starts with it. */
    add(t, &ada, ENTRY_PROFILE, 10, "Bob", NULL, NULL, NULL, NULL);
    r = test_call_ok(t, "{\"op\":\"profile\",\"person\":\"bob\"}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "profile"), "name")),
                        "Bob");
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tags_one_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blank_title, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_args, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
