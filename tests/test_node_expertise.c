/* node_expertise through node_call: who_knows (node_rank) and stats on a real replica. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testnode.h"

/* Carol's accepted answer on vpn outranks Dave's plain one and Erin's declared skill. */
static void test_who_knows(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, carol, dave, erin;
    char q[2 * ENTRY_ID_LEN + 1], a[2 * ENTRY_ID_LEN + 1];
    json_t *r, *people;

    test_author_init(&bob, 31);
    test_author_init(&carol, 32);
    test_author_init(&dave, 33);
    test_author_init(&erin, 34);
    add(t, &carol, ENTRY_PROFILE, 0, "Carol", NULL, NULL, NULL, NULL);
    add(t, &bob, ENTRY_QUESTION, 1000, "vpn drops", "", "vpn", NULL, q);
    add(t, &carol, ENTRY_ANSWER, 2000, "", "new profile", NULL, q, a);
    add(t, &dave, ENTRY_ANSWER, 2500, "", "reboot", NULL, q, NULL);
    add(t, &bob, ENTRY_ACCEPT, 3000, NULL, NULL, NULL, a, NULL);
    add(t, &erin, ENTRY_SKILL, 4000, NULL, NULL, "vpn", NULL, NULL);
    r = test_call_ok(t, "{\"op\":\"who_knows\",\"topic\":\"vpn\"}");
    people = json_object_get(r, "people");
    assert_int_equal(json_array_size(people), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(people, 0), "name")),
                        "Carol");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(people, 0), "accepted")), 1);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(people, 0), "why")),
                           "1 accepted answer on vpn"));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(people, 1), "answers")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(people, 2), "declared")), 3);
    assert_true(json_real_value(json_object_get(json_array_get(people, 0), "score")) >
                json_real_value(json_object_get(json_array_get(people, 1), "score")));
    json_decref(r);
    r = test_call(t, "{\"op\":\"who_knows\"}");
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
}

/* A note with two tags (sorted), by a at T0 + dt_ms. */
static void add_two_tags(struct test_node *t, struct test_author *a, uint64_t dt_ms,
                         const char *title, const char *tag1, const char *tag2)
{
    struct entry_fields f = {0};
    const char *tags[2] = {tag1, tag2};

    f.kind = ENTRY_NOTE;
    f.created_ms = T0 + dt_ms;
    f.title = title;
    f.body = "see the runbook";
    f.tags = tags;
    f.ntags = 2;
    test_node_add(t, a, &f, NULL);
}

/* Related topics: Bob answers webpack questions in his words (bundles, tree shaking); others
 * write about a "javascript payload" on notes tagged webpack. Asked in the others' words, Bob is
 * found through webpack (and not without related topics); a tag used beside another (k8s and
 * kubernetes on the same notes) leads to the people of the other. */
static void test_who_knows_related(void **state)
{
    struct test_node *t = *state;
    struct test_author ann, bob, cy, dan;
    char q[2 * ENTRY_ID_LEN + 1], a[2 * ENTRY_ID_LEN + 1];
    json_t *r, *people, *p0;
    int i;

    test_author_init(&ann, 41);
    test_author_init(&bob, 42);
    test_author_init(&cy, 43);
    test_author_init(&dan, 44);
    add(t, &bob, ENTRY_PROFILE, 0, "Bob", NULL, NULL, NULL, NULL);
    add(t, &dan, ENTRY_PROFILE, 0, "Dan", NULL, NULL, NULL, NULL);
    for (i = 0; i < 3; i++) {
        add(t, &ann, ENTRY_QUESTION, 1000 + 10 * i, "dashboard build is huge", "", "webpack", NULL,
            q);
        add(t, &bob, ENTRY_ANSWER, 2000 + 10 * i, "", "split the bundle and enable tree shaking",
            NULL, q, a);
        add(t, &ann, ENTRY_ACCEPT, 3000 + 10 * i, NULL, NULL, NULL, a, NULL);
    }
    add(t, &cy, ENTRY_NOTE, 4000, "our javascript payload doubled", "after the charting lib",
        "webpack", NULL, NULL);
    add(t, &ann, ENTRY_NOTE, 4100, "javascript payload budget", "keep it small", "webpack", NULL,
        NULL);
    /* "too" and "big" are everyday words: found everywhere, they weigh little */
    add(t, &cy, ENTRY_NOTE, 4200, "lunch menu", "pizza is too big", "office", NULL, NULL);
    add(t, &cy, ENTRY_NOTE, 4300, "desk booking", "rooms too big", "office", NULL, NULL);
    add(t, &dan, ENTRY_NOTE, 4400, "big news", "the team is too happy", "news", NULL, NULL);
    add(t, &dan, ENTRY_NOTE, 4500, "too many emails", "a big inbox", "email", NULL, NULL);
    add(t, &ann, ENTRY_NOTE, 4600, "big screens", "too bright", "hardware", NULL, NULL);
    add(t, &ann, ENTRY_NOTE, 4700, "standup too long", "big agenda", "meetings", NULL, NULL);

    r = test_call_ok(
        t, "{\"op\":\"who_knows\",\"topic\":\"javascript payload too big\",\"related\":false}");
    assert_int_equal(json_array_size(json_object_get(r, "people")), 0);
    assert_int_equal(json_array_size(json_object_get(r, "related")), 0);
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"who_knows\",\"topic\":\"javascript payload too big\"}");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(r, "related"), 0), "tag")),
        "webpack");
    people = json_object_get(r, "people");
    assert_true(json_array_size(people) >= 1);
    p0 = json_array_get(people, 0);
    assert_string_equal(json_string_value(json_object_get(p0, "name")), "Bob");
    assert_int_equal(json_integer_value(json_object_get(p0, "related_answers")), 3);
    assert_int_equal(json_integer_value(json_object_get(p0, "answers")), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(p0, "via"), 0)),
                        "webpack");
    assert_non_null(strstr(json_string_value(json_object_get(p0, "why")),
                           "3 answers on related topics (webpack)"));
    json_decref(r);

    /* k8s and kubernetes side by side on three notes; Dan answers kubernetes questions. */
    for (i = 0; i < 3; i++)
        add_two_tags(t, &cy, 5000 + 10 * (uint64_t)i, "cluster upgrade notes", "k8s", "kubernetes");
    add(t, &ann, ENTRY_QUESTION, 6000, "pods keep restarting", "", "kubernetes", NULL, q);
    add(t, &dan, ENTRY_ANSWER, 6100, "", "raise the memory limit", NULL, q, NULL);
    r = test_call_ok(t, "{\"op\":\"who_knows\",\"topic\":\"k8s\"}");
    people = json_object_get(r, "people");
    assert_int_equal(json_array_size(people), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(people, 0), "name")),
                        "Dan");
    json_decref(r);
    r = test_call(t, "{\"op\":\"who_knows\",\"topic\":\"k8s\",\"related\":1}");
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
}

/* Each word of a topic asks alone: "canary" and "rollout" are on different notes, both tagged
 * deploy, and no entry holds both; Eve answers deploy questions in words of her own. Fay's answer
 * to the one question that says "canary" counts by the topic's words; Eve's on deploy counts
 * through the related topic, in full as deploy has one question (a topic's weight is shared
 * among its questions), and ranks first. */
static void test_who_knows_word_each(void **state)
{
    struct test_node *t = *state;
    struct test_author ann, cy, eve, fay;
    char q[2 * ENTRY_ID_LEN + 1], a[2 * ENTRY_ID_LEN + 1];
    json_t *r, *people, *p0;

    test_author_init(&ann, 51);
    test_author_init(&cy, 52);
    test_author_init(&eve, 53);
    test_author_init(&fay, 54);
    add(t, &eve, ENTRY_PROFILE, 0, "Eve", NULL, NULL, NULL, NULL);
    add(t, &fay, ENTRY_PROFILE, 0, "Fay", NULL, NULL, NULL, NULL);
    add(t, &cy, ENTRY_NOTE, 1000, "canary first", "a few hosts before the rest", "deploy", NULL,
        NULL);
    add(t, &cy, ENTRY_NOTE, 1100, "rollout calendar", "no friday releases", "deploy", NULL, NULL);
    add(t, &ann, ENTRY_QUESTION, 1200, "ship it safely", "", "deploy", NULL, q);
    add(t, &eve, ENTRY_ANSWER, 1300, "", "one percent of traffic, then watch the errors", NULL, q,
        a);
    add(t, &ann, ENTRY_ACCEPT, 1400, NULL, NULL, NULL, a, NULL);
    add(t, &ann, ENTRY_QUESTION, 1500, "canary yellow walls?", "", "office", NULL, q);
    add(t, &fay, ENTRY_ANSWER, 1600, "", "ask facilities", NULL, q, NULL);
    add(t, &cy, ENTRY_NOTE, 1700, "kitchen", "clean it", "office", NULL, NULL);

    r = test_call_ok(t, "{\"op\":\"who_knows\",\"topic\":\"canary rollout\",\"related\":false}");
    people = json_object_get(r, "people");
    assert_int_equal(json_array_size(people), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(people, 0), "name")),
                        "Fay");
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"who_knows\",\"topic\":\"canary rollout\"}");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(r, "related"), 0), "tag")),
        "deploy");
    people = json_object_get(r, "people");
    assert_int_equal(json_array_size(people), 2);
    p0 = json_array_get(people, 0);
    assert_string_equal(json_string_value(json_object_get(p0, "name")), "Eve");
    assert_int_equal(json_integer_value(json_object_get(p0, "related_answers")), 1);
    assert_non_null(strstr(json_string_value(json_object_get(p0, "why")),
                           "1 answer on related topics (deploy)"));
    json_decref(r);
}

/* Who is online: without networking, only this node's own member. "online": true ranks the online
 * first, each group in score order; an urgent question counts the others online (none here). */
static void test_who_knows_online(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, carol;
    char q[2 * ENTRY_ID_LEN + 1], a[2 * ENTRY_ID_LEN + 1];
    json_t *r, *people;

    test_author_init(&bob, 31);
    test_author_init(&carol, 32);
    add(t, &carol, ENTRY_PROFILE, 0, "Carol", NULL, NULL, NULL, NULL);
    add(t, &bob, ENTRY_QUESTION, 1000, "vpn drops", "", "vpn", NULL, q);
    add(t, &carol, ENTRY_ANSWER, 2000, "", "new profile", NULL, q, a);
    json_decref(test_call_ok(t, "{\"op\":\"skill\",\"tag\":\"vpn\",\"level\":1}"));
    r = test_call_ok(t, "{\"op\":\"who_knows\",\"topic\":\"vpn\"}");
    people = json_object_get(r, "people");
    assert_int_equal(json_array_size(people), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(people, 0), "name")),
                        "Carol");
    assert_true(json_is_false(json_object_get(json_array_get(people, 0), "online")));
    assert_true(json_is_true(json_object_get(json_array_get(people, 1), "online")));
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"who_knows\",\"topic\":\"vpn\",\"online\":true}");
    people = json_object_get(r, "people");
    assert_int_equal(json_array_size(people), 2);
    assert_true(json_is_true(json_object_get(json_array_get(people, 0), "online")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(people, 1), "name")),
                        "Carol");
    json_decref(r);
    r = test_call(t, "{\"op\":\"who_knows\",\"topic\":\"vpn\",\"online\":1}");
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    /* Carol knows vpn but is not online; I am, but I do not count for my own question. */
    r = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"vpn again\","
                        "\"tags\":[\"vpn\"],\"urgent\":true}");
    assert_int_equal(json_integer_value(json_object_get(r, "online_experts")), 0);
    assert_true(json_is_integer(json_object_get(r, "online_experts")));
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"vpn, calmly\","
                        "\"tags\":[\"vpn\"]}");
    assert_null(json_object_get(r, "online_experts"));
    json_decref(r);
}

static void test_stats(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, carol;
    char q[2 * ENTRY_ID_LEN + 1];
    json_t *r;

    test_author_init(&bob, 41);
    test_author_init(&carol, 42);
    add(t, &bob, ENTRY_QUESTION, 0, "one", "", "vpn", NULL, q);
    add(t, &carol, ENTRY_ANSWER, 3600000, "", "yes", NULL, q, NULL);
    add(t, &bob, ENTRY_QUESTION, 0, "two", "", "vpn", NULL, NULL);
    r = test_call_ok(t, "{\"op\":\"stats\"}");
    assert_int_equal(json_integer_value(json_object_get(r, "asked")), 2);
    assert_int_equal(json_integer_value(json_object_get(r, "answered")), 1);
    assert_true(json_real_value(json_object_get(r, "median_hours_to_first_answer")) == 1.0);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(r, "needs"), 0), "tag")),
        "vpn");
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_who_knows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_who_knows_online, setup, teardown),
        cmocka_unit_test_setup_teardown(test_who_knows_related, setup, teardown),
        cmocka_unit_test_setup_teardown(test_who_knows_word_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
