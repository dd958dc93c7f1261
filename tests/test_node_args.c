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
    static const char *const bad[] = {"Kube rnetes", "##kubernetes", "kube😀", "-k8s", "", "k,8s"};
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
                strstr(msg, "letters and digits of any script") == NULL)
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

/* Tags in any language (issue 16): Korean and Turkish tags however they are typed (upper case,
 * '#', NFD) are one tag, found by list, search, stats, the tags op's prefix, follow and skills. */
static void test_tags_any_language(void **state)
{
    struct test_node *t = *state;
    /* 태그 precomposed, as conjoining jamo (NFD), and ETİKET, eti̇ket (its lower case), with '#'. */
    static const char *const korean[] = {"태그", "#태그", " \u1110\u1162\u1100\u1173 "};
    static const char *const turkish[] = {"ETİKET", "#ETİKET", "eti\u0307ket", "ETI\u0307KET"};
    json_t *r, *tags;
    size_t i;

    r = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"태그 질문\","
                        "\"body\":\"본문\",\"tags\":[\"#ETİKET\",\"#태그\",\"ΟΔΟΣ\"]}");
    tags = json_object_get(json_object_get(r, "entry"), "tags");
    assert_int_equal(json_array_size(tags), 3);
    /* Sorted by bytes: Latin, Greek, Hangul. */
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "eti\xcc\x87ket");
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "οδος");
    assert_string_equal(json_string_value(json_array_get(tags, 2)), "태그");
    json_decref(r);
    for (i = 0; i < sizeof(korean) / sizeof(korean[0]); i++) {
        r = callf(t, 1, "{\"op\":\"list\",\"tag\":\"%s\"}", korean[i]);
        assert_int_equal(count(r, "entries"), 1);
        json_decref(r);
        r = callf(t, 1, "{\"op\":\"search\",\"query\":\"질문\",\"tag\":\"%s\"}", korean[i]);
        assert_int_equal(count(r, "results"), 1);
        json_decref(r);
    }
    for (i = 0; i < sizeof(turkish) / sizeof(turkish[0]); i++) {
        r = callf(t, 1, "{\"op\":\"list\",\"tag\":\"%s\"}", turkish[i]);
        assert_int_equal(count(r, "entries"), 1);
        json_decref(r);
        r = callf(t, 1, "{\"op\":\"stats\",\"tag\":\"%s\"}", turkish[i]);
        json_decref(r);
    }
    /* Another tag is another tag: Turkish "etiket" is not "eti̇ket" (no language tailoring). */
    r = test_call_ok(t, "{\"op\":\"list\",\"tag\":\"etiket\"}");
    assert_int_equal(count(r, "entries"), 0);
    json_decref(r);
    /* Full-text search finds the tag's word (FTS5 unicode61), and the title's. */
    r = test_call_ok(t, "{\"op\":\"search\",\"query\":\"태그\"}");
    assert_int_equal(count(r, "results"), 1);
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"search\",\"query\":\"οδος\"}");
    assert_int_equal(count(r, "results"), 1);
    json_decref(r);
    /* The web's suggestions by prefix reach past ASCII. */
    r = test_call_ok(t, "{\"op\":\"tags\",\"prefix\":\"태\"}");
    assert_int_equal(count(r, "tags"), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(r, "tags"), 0), "tag")),
        "태그");
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"tags\",\"prefix\":\"ETİ\"}");
    assert_int_equal(count(r, "tags"), 1);
    json_decref(r);
    /* Follow and skills store the normal form. */
    r = test_call_ok(t, "{\"op\":\"follow\",\"tag\":\"#ΟΔΟΣ\"}");
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"skill\",\"tag\":\"태그\",\"level\":3}");
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"list\",\"kind\":\"skill\",\"tag\":\"#태그\"}");
    assert_int_equal(count(r, "entries"), 1);
    json_decref(r);
    /* A refusal says why, quoting the tag without cutting a character. */
    r = test_call(t, "{\"op\":\"list\",\"tag\":\"태그😀\"}");
    assert_string_equal(test_code(r), "invalid");
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "cannot hold '😀'"));
    json_decref(r);
    r = test_call(t, "{\"op\":\"list\",\"tag\":\"가나다라마바사아자차카타파하\"}");
    assert_string_equal(test_code(r), "invalid");
    assert_non_null(
        strstr(json_string_value(json_object_get(r, "error")), "'가나다라마바사아자차카타파'"));
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "at most 32 bytes"));
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
        cmocka_unit_test_setup_teardown(test_tags_any_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blank_title, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_args, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
