/* Searches with a filter read the matches, not the filter's whole kind, and stop at the page
 * (issue 14): who_knows and a kind-filtered search bounded by their work (replica_work: SQLite
 * steps) with their results. Speed itself is never asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testnode.h"

static uint64_t call_steps(struct test_node *t, const char *request, json_t **res)
{
    struct replica_work w0, w1;

    replica_work(t->n->replica, &w0);
    *res = test_call_ok(t, request);
    replica_work(t->n->replica, &w1);
    return w1.steps - w0.steps;
}

/* 600 answered questions on printers and one on zebra crossings: who knows about zebra crossings
 * reads that question and its answers, not every question and answer of the replica (its
 * kind-filtered searches used to walk every question, then every answer, and test each against
 * the full-text match: a full-text query a row). The topic is two words, not a tag: the tag's
 * lists are not what this counts. */
static void test_who_knows_reads_matches(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, carol, dave;
    char q[2 * ENTRY_ID_LEN + 1], a[2 * ENTRY_ID_LEN + 1], title[64];
    json_t *r, *p;
    uint64_t steps;
    size_t i;

    test_author_init(&bob, 81);
    test_author_init(&carol, 82);
    test_author_init(&dave, 83);
    add(t, &carol, ENTRY_PROFILE, 0, "Carol", NULL, NULL, NULL, NULL);
    for (i = 0; i < 600; i++) {
        snprintf(title, sizeof(title), "printer jam %zu", i);
        add(t, &bob, ENTRY_QUESTION, 1000 + i * 10, title, "paper", "printer", NULL, q);
        add(t, &dave, ENTRY_ANSWER, 1005 + i * 10, "", "open the tray", NULL, q, NULL);
    }
    add(t, &bob, ENTRY_QUESTION, 9000, "zebra crossing", "where?", "zebra", NULL, q);
    add(t, &carol, ENTRY_ANSWER, 9100, "", "by the zebra crossing gate", NULL, q, a);
    add(t, &dave, ENTRY_ANSWER, 9200, "", "ask reception", NULL, q, NULL);
    add(t, &bob, ENTRY_ACCEPT, 9300, NULL, NULL, NULL, a, NULL);
    steps = call_steps(t, "{\"op\":\"who_knows\",\"topic\":\"zebra crossing\"}", &r);
    p = json_object_get(r, "people");
    assert_int_equal(json_array_size(p), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(p, 0), "name")), "Carol");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(p, 0), "accepted")), 1);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(p, 0), "why")),
                           "1 accepted answer on zebra crossing"));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(p, 1), "answers")), 1);
    json_decref(r);
    if (steps > 3000)
        fail_msg("who_knows zebra crossing took %llu steps among 1,200 other entries",
                 (unsigned long long)steps);
}

/* 300 vpn notes and 300 vpn questions, each of its own length (so bm25 ranks them apart): the
 * first 5 questions are the 5 best-ranked questions, found among the best matches as an
 * unfiltered search finds its page, not by joining and filtering every match and sorting them.
 * (Ranking by bm25 itself still visits every match, filtered or not.) */
static void test_filtered_search_reads_page(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char title[64], body[4096];
    json_t *r, *res;
    uint64_t plain, filtered;
    size_t i, k, len;
    double prev = -1e9, bm;

    test_author_init(&bob, 84);
    for (i = 0; i < 600; i++) {
        len = (size_t)snprintf(body, sizeof(body), "vpn ");
        for (k = 0; k < i / 2 + 1; k++)
            len += (size_t)snprintf(body + len, sizeof(body) - len, "w ");
        snprintf(title, sizeof(title), "vpn %zu", i);
        add(t, &bob, i % 2 ? ENTRY_QUESTION : ENTRY_NOTE, i * 10, title, body, "x", NULL, NULL);
    }
    plain = call_steps(t, "{\"op\":\"search\",\"query\":\"vpn\",\"limit\":5}", &r);
    json_decref(r);
    filtered = call_steps(
        t, "{\"op\":\"search\",\"query\":\"vpn\",\"kind\":\"question\",\"limit\":5}", &r);
    res = json_object_get(r, "results");
    assert_int_equal(json_array_size(res), 5);
    for (i = 0; i < 5; i++) {
        /* the shortest questions rank best: vpn 1, vpn 3, ... */
        snprintf(title, sizeof(title), "vpn %zu", 2 * i + 1);
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(json_array_get(res, i), "entry"), "title")),
                            title);
        bm = json_real_value(json_object_get(json_array_get(res, i), "bm25"));
        assert_true(bm >= prev);
        prev = bm;
    }
    json_decref(r);
    if (filtered > plain + 1500)
        fail_msg("a page of 5 questions took %llu steps, the unfiltered page %llu",
                 (unsigned long long)filtered, (unsigned long long)plain);
}

/* 6,000 entries with vpn in the body and one old one with vpn in its title: a search ranks the
 * newest matches and the newest title matches (docs/API.md, search), not all 6,001 — and the old
 * title match, the best by bm25, still comes first. */
static void test_common_word_ranks_newest(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    json_t *r, *res;
    char body[256];
    uint64_t steps;
    size_t i, k, len;

    test_author_init(&bob, 85);
    add(t, &bob, ENTRY_NOTE, 0, "vpn", "the old guide", "x", NULL, NULL);
    for (i = 0; i < 6000; i++) {
        len = (size_t)snprintf(body, sizeof(body), "the vpn again");
        for (k = 0; k < i % 50; k++) /* 50 lengths: 50 ranks, not one tie */
            len += (size_t)snprintf(body + len, sizeof(body) - len, " w");
        add(t, &bob, i % 2 ? ENTRY_QUESTION : ENTRY_NOTE, 1000 + i * 10, "help", body, "x", NULL,
            NULL);
    }
    /* The first search also counts the rows holding "vpn"* (a step each) for its rank, as
     * FTS5's bm25() did on every search out of the steps' sight; the next one uses that count. */
    for (i = 0; i < 2; i++) {
        steps = call_steps(t, "{\"op\":\"search\",\"query\":\"vpn\",\"limit\":20}", &r);
        res = json_object_get(r, "results");
        assert_int_equal(json_array_size(res), 20);
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(json_array_get(res, 0), "entry"), "body")),
                            "the old guide");
        json_decref(r);
        if (steps > (i == 0 ? 25000u + 6100u : 25000u))
            fail_msg("search %zu: a page of 20 among 6,001 matches took %llu steps", i + 1,
                     (unsigned long long)steps);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_who_knows_reads_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filtered_search_reads_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_common_word_ranks_newest, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
