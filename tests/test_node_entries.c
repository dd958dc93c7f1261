/* node_entries through node_call: post, get, list, search, accept on a real replica, no network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>

#include "testnode.h"

static void test_post_get(void **state)
{
    struct test_node *t = *state;
    json_t *r = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"VPN drops\","
                                "\"body\":\"every hour\",\"tags\":[\"VPN \"]}");
    char req[200];
    json_t *g;

    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "entry"), "kind")),
                        "question");
    snprintf(req, sizeof(req), "{\"op\":\"get\",\"id\":\"%.8s\"}",
             json_string_value(json_object_get(r, "id")));
    g = test_call_ok(t, req);
    assert_string_equal(json_string_value(json_object_get(json_object_get(g, "entry"), "title")),
                        "VPN drops");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(json_object_get(g, "entry"), "tags"), 0)),
        "vpn");
    assert_string_equal(json_string_value(json_object_get(json_object_get(g, "entry"), "status")),
                        "open");
    assert_int_equal(json_array_size(json_object_get(g, "answers")), 0);
    json_decref(g);
    json_decref(r);
}

static void test_post_refused(void **state)
{
    struct test_node *t = *state;
    json_t *r;

    r = test_call(t, "{\"op\":\"post\",\"kind\":\"question\",\"body\":\"no title\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    r = test_call(t, "{\"op\":\"post\",\"kind\":\"answer\",\"body\":\"x\",\"refs\":[\"abcd\"]}");
    assert_string_equal(test_code(r), "not_found");
    json_decref(r);
    r = test_call(t, "{\"op\":\"post\",\"kind\":\"poem\"}");
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    r = test_call(t, "{\"op\":\"no_such_op\"}");
    assert_string_equal(test_code(r), "unknown_op");
    json_decref(r);
    r = test_call(t, "{\"op\":\"get\",\"id\":\"zz\"}");
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
}

/* list with brief: what each entry is (its current version after an edit), without counts, flags,
 * votes or signature; a bad brief is refused. */
static void test_list_brief(void **state)
{
    struct test_node *t = *state;
    json_t *r = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"note\",\"title\":\"Printer\","
                                "\"body\":\"old body\",\"tags\":[\"office\"]}");
    char req[256];
    json_t *l, *e;

    snprintf(req, sizeof(req),
             "{\"op\":\"edit\",\"id\":\"%s\",\"title\":\"Printer howto\",\"body\":\"new body\"}",
             json_string_value(json_object_get(r, "id")));
    json_decref(test_call_ok(t, req));
    l = test_call_ok(t, "{\"op\":\"list\",\"kind\":\"note\",\"brief\":true}");
    assert_int_equal(json_array_size(json_object_get(l, "entries")), 1);
    e = json_array_get(json_object_get(l, "entries"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "id")),
                        json_string_value(json_object_get(r, "id")));
    assert_string_equal(json_string_value(json_object_get(e, "title")), "Printer howto");
    assert_string_equal(json_string_value(json_object_get(e, "body")), "new body");
    assert_string_equal(json_string_value(json_array_get(json_object_get(e, "tags"), 0)), "office");
    assert_int_equal(json_integer_value(json_object_get(e, "edits")), 1);
    assert_true(json_is_null(json_object_get(e, "hidden")));
    assert_non_null(json_object_get(e, "author"));
    assert_null(json_object_get(e, "votes"));
    assert_null(json_object_get(e, "signature"));
    json_decref(l);
    l = test_call(t, "{\"op\":\"list\",\"brief\":1}");
    assert_string_equal(test_code(l), "bad_request");
    json_decref(l);
    json_decref(r);
}

/* A note may carry an earlier creation time (lore import's date:); nothing else, and never later
 * than now or before 2020. */
static void test_post_created(void **state)
{
    struct test_node *t = *state;
    json_t *r;

    r = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"note\",\"title\":\"Plan\",\"body\":\"b\","
                        "\"created_ms\":1680696000000}");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "entry"), "created_ms")),
                     1680696000000);
    json_decref(r);
    r = test_call(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"Q\","
                     "\"created_ms\":1680696000000}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    r = test_call(t, "{\"op\":\"post\",\"kind\":\"note\",\"title\":\"Old\",\"body\":\"b\","
                     "\"created_ms\":946684800000}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    r = test_call(t, "{\"op\":\"post\",\"kind\":\"note\",\"title\":\"Future\",\"body\":\"b\","
                     "\"created_ms\":4102444800000}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
}

static void test_list_search(void **state)
{
    struct test_node *t = *state;
    json_t *r;

    json_decref(test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"printer jam\","
                                "\"tags\":[\"printer\"]}"));
    json_decref(test_call_ok(t, "{\"op\":\"post\",\"kind\":\"note\",\"title\":\"VPN setup\","
                                "\"body\":\"use the new profile\",\"tags\":[\"vpn\"]}"));
    r = test_call_ok(t, "{\"op\":\"list\"}");
    assert_int_equal(json_array_size(json_object_get(r, "entries")), 2);
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"list\",\"tag\":\"vpn\",\"limit\":1}");
    assert_int_equal(json_array_size(json_object_get(r, "entries")), 1);
    json_decref(r);
    r = test_call(t, "{\"op\":\"list\",\"limit\":501}");
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"search\",\"query\":\"profile\"}");
    assert_int_equal(json_array_size(json_object_get(r, "results")), 1);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(r, "results"), 0), "entry"), "title")),
        "VPN setup");
    json_decref(r);
    r = test_call(t, "{\"op\":\"search\",\"query\":\"x\",\"offset\":2001}");
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    /* The query grammar: OR, NOT, phrases; what it cannot read is "invalid", saying where. */
    r = test_call_ok(t, "{\"op\":\"search\",\"query\":\"jam OR vpn\"}");
    assert_int_equal(json_array_size(json_object_get(r, "results")), 2);
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"search\",\"query\":\"\\\"printer jam\\\" NOT vpn\"}");
    assert_int_equal(json_array_size(json_object_get(r, "results")), 1);
    json_decref(r);
    r = test_call(t, "{\"op\":\"search\",\"query\":\"(printer OR vpn\"}");
    assert_string_equal(test_code(r), "invalid");
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "character 1"));
    json_decref(r);
}

/* One entry by a, referring to target (hex), with one attribute; at T0 + dt. */
static void add_ref(struct test_node *t, struct test_author *a, uint16_t kind, const char *target,
                    const char *key, const char *value, uint64_t dt)
{
    struct entry_fields f = {0};
    struct entry_attr attr = {key, value};
    uint8_t ref[1][ENTRY_ID_LEN];

    assert_int_equal(hex_decode(target, 2 * ENTRY_ID_LEN, ref[0], ENTRY_ID_LEN), 0);
    f.kind = kind;
    f.created_ms = T0 + dt;
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])ref;
    f.nrefs = 1;
    f.attrs = &attr;
    f.nattrs = 1;
    test_node_add(t, a, &f, NULL);
}

static double search_boost(struct test_node *t, const char *id)
{
    json_t *r = test_call_ok(t, "{\"op\":\"search\",\"query\":\"kettle\"}"), *x;
    double boost = -1;
    size_t i;

    json_array_foreach(json_object_get(r, "results"), i, x)
    {
        if (strcmp(json_string_value(json_object_get(json_object_get(x, "entry"), "id")), id) == 0)
            boost = json_real_value(json_object_get(x, "boost"));
    }
    json_decref(r);
    return boost;
}

/* The rank signals read in SQL (docs/API.md, search): the latest vote and flag per person, no
 * votes on one's own entries. */
static void test_search_signals(void **state)
{
    struct test_node *t = *state;
    struct test_author b, c, d;
    struct entry_fields f = {0};
    char tv[2 * ENTRY_ID_LEN + 1], tf[2 * ENTRY_ID_LEN + 1];

    test_author_init(&b, 2);
    test_author_init(&c, 3);
    test_author_init(&d, 4);
    f.kind = ENTRY_NOTE;
    f.created_ms = T0;
    f.title = "kettle descaling";
    f.body = "vinegar, then rinse twice";
    test_node_add(t, &b, &f, tv);
    f.title = "kettle limescale";
    test_node_add(t, &b, &f, tf);
    assert_true(search_boost(t, tv) == 1.0);
    add_ref(t, &b, ENTRY_VOTE, tv, "value", "1", 1); /* one's own: does not count */
    add_ref(t, &c, ENTRY_VOTE, tv, "value", "1", 2);
    add_ref(t, &c, ENTRY_VOTE, tv, "value", "-1", 3); /* c's latest */
    assert_true(search_boost(t, tv) == 1.0 / 1.25);
    add_ref(t, &c, ENTRY_FLAG, tf, "flag", "verified", 2);
    add_ref(t, &c, ENTRY_FLAG, tf, "flag", "obsolete", 3); /* c's latest */
    add_ref(t, &d, ENTRY_FLAG, tf, "flag", "verified", 4);
    assert_true(search_boost(t, tf) == 1.25 * 0.5);
    add_ref(t, &d, ENTRY_VOTE, tf, "value", "1", 5);
    assert_true(search_boost(t, tf) == 1.25 * 0.5 * 1.25);
}

/* Someone else answers my question; I accept it: the question is resolved. */
static void test_accept(void **state)
{
    struct test_node *t = *state;
    struct test_author other;
    struct entry_fields f = {0};
    uint8_t qid[ENTRY_ID_LEN];
    char aid[2 * ENTRY_ID_LEN + 1], req[200];
    json_t *q, *r;

    test_author_init(&other, 7);
    q = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"how?\"}");
    assert_int_equal(hex_decode(json_string_value(json_object_get(q, "id")), 2 * ENTRY_ID_LEN, qid,
                                ENTRY_ID_LEN),
                     0);
    f.kind = ENTRY_ANSWER;
    f.created_ms = T0;
    f.body = "like this";
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])qid;
    f.nrefs = 1;
    test_node_add(t, &other, &f, aid);
    snprintf(req, sizeof(req), "{\"op\":\"accept\",\"id\":\"%s\"}", aid);
    json_decref(test_call_ok(t, req));
    snprintf(req, sizeof(req), "{\"op\":\"get\",\"id\":\"%s\"}",
             json_string_value(json_object_get(q, "id")));
    r = test_call_ok(t, req);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "entry"), "status")),
                        "resolved");
    assert_int_equal(json_array_size(json_object_get(r, "answers")), 1);
    json_decref(r);
    /* Accepting a question is refused. */
    snprintf(req, sizeof(req), "{\"op\":\"accept\",\"id\":\"%s\"}",
             json_string_value(json_object_get(q, "id")));
    r = test_call(t, req);
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    json_decref(q);
}

/* list {"kind": kind (or none), "brief": true, "titles": titles (taken)}: the response. */
static json_t *list_titles(struct test_node *t, const char *kind, json_t *titles)
{
    json_t *req = json_pack("{s:s,s:b,s:o}", "op", "list", "brief", 1, "titles", titles), *r;

    if (kind != NULL)
        json_object_set_new(req, "kind", json_string(kind));
    r = node_call(t->n, req);
    json_decref(req);
    return r;
}

/* The ids list_titles answers, sorted, joined by spaces; the test's own lists compare with it. */
static void titles_found(struct test_node *t, const char *kind, json_t *titles, char *out,
                         size_t outlen)
{
    json_t *r = list_titles(t, kind, titles), *e;
    size_t i, n;
    char *ids[8];

    assert_true(json_is_true(json_object_get(r, "ok")));
    n = json_array_size(json_object_get(r, "entries"));
    assert_true(n <= 8);
    json_array_foreach(json_object_get(r, "entries"), i, e) ids[i] =
        xstrdup(json_string_value(json_object_get(e, "id")));
    for (i = 1; i < n; i++) /* insertion sort: a handful */
        for (size_t k = i; k > 0 && strcmp(ids[k - 1], ids[k]) > 0; k--) {
            char *x = ids[k];
            ids[k] = ids[k - 1];
            ids[k - 1] = x;
        }
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        snprintf(out + strlen(out), outlen - strlen(out), "%s%.8s", i > 0 ? " " : "", ids[i]);
        free(ids[i]);
    }
    json_decref(r);
}

/* A post's id, its first 8 hex digits. */
static void short_id(json_t *r, char out[9])
{
    snprintf(out, 9, "%.8s", json_string_value(json_object_get(r, "id")));
}

/* list by titles (lore import's duplicate check): the content whose current title is one of them
 * — an edited note by its new title and not its old one, never a retracted one, a revision by
 * someone else changes nothing; the kind filter applies; bad titles and kinds are refused. */
static void test_list_titles(void **state)
{
    struct test_node *t = *state;
    struct test_author eve;
    json_t *alpha, *beta, *gamma, *q, *r, *big;
    char a[9], b[9], g[9], qid[9], req[300], found[128], want[64], hex[2 * ENTRY_ID_LEN + 1];
    char longt[ENTRY_TITLE_MAX + 2];
    size_t i;

    alpha =
        test_call_ok(t, "{\"op\":\"post\",\"kind\":\"note\",\"title\":\"Alpha\",\"body\":\"a\"}");
    beta = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"note\",\"title\":\"Beta\",\"body\":\"b\"}");
    gamma =
        test_call_ok(t, "{\"op\":\"post\",\"kind\":\"note\",\"title\":\"Gamma\",\"body\":\"g\"}");
    q = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"Alpha\"}");
    short_id(alpha, a);
    short_id(beta, b);
    short_id(gamma, g);
    short_id(q, qid);
    snprintf(req, sizeof(req),
             "{\"op\":\"edit\",\"id\":\"%s\",\"title\":\"Beta renamed\",\"body\":\"b2\"}",
             json_string_value(json_object_get(beta, "id")));
    json_decref(test_call_ok(t, req));
    snprintf(req, sizeof(req),
             "{\"op\":\"edit\",\"id\":\"%s\",\"title\":\"Alpha\",\"body\":\"a2\"}",
             json_string_value(json_object_get(alpha, "id")));
    json_decref(test_call_ok(t, req));
    snprintf(req, sizeof(req), "{\"op\":\"retract\",\"id\":\"%s\"}",
             json_string_value(json_object_get(gamma, "id")));
    json_decref(test_call_ok(t, req));
    /* Someone else's revision titled "Hijacked" does not count: only the author's. */
    test_author_init(&eve, 7);
    add_at(t, &eve, ENTRY_REVISION, (uint64_t)time(NULL) * 1000 - 1000, "Hijacked", "x", NULL,
           json_string_value(json_object_get(alpha, "id")), NULL, 0, hex);

    titles_found(t, "note", json_pack("[s]", "Alpha"), found, sizeof(found));
    assert_string_equal(found, a); /* its body edited, its title kept */
    titles_found(t, NULL, json_pack("[s]", "Alpha"), found, sizeof(found));
    snprintf(want, sizeof(want), "%s %s", strcmp(a, qid) < 0 ? a : qid,
             strcmp(a, qid) < 0 ? qid : a);
    assert_string_equal(found, want); /* the question too, without a kind */
    titles_found(t, "note", json_pack("[s]", "Beta"), found, sizeof(found));
    assert_string_equal(found, ""); /* edited away from it */
    titles_found(t, "note", json_pack("[s]", "Beta renamed"), found, sizeof(found));
    assert_string_equal(found, b); /* found by its new title */
    titles_found(t, "note", json_pack("[s]", "Gamma"), found, sizeof(found));
    assert_string_equal(found, ""); /* retracted */
    titles_found(t, "note", json_pack("[s]", "Hijacked"), found, sizeof(found));
    assert_string_equal(found, "");
    titles_found(t, "note", json_pack("[s,s,s,s]", "Beta renamed", "Gamma", "Nothing", "Alpha"),
                 found, sizeof(found));
    snprintf(want, sizeof(want), "%s %s", strcmp(a, b) < 0 ? a : b, strcmp(a, b) < 0 ? b : a);
    assert_string_equal(found, want);
    /* The brief row is the current version. */
    r = list_titles(t, "note", json_pack("[s]", "Beta renamed"));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r, "entries"), 0), "body")),
                        "b2");
    json_decref(r);

    /* Bounds: 1 to 500 titles of 1 to ENTRY_TITLE_MAX bytes, strings, content kinds. */
    big = json_array();
    for (i = 0; i < 500; i++)
        json_array_append_new(big, json_sprintf("Title %zu", i));
    json_array_set_new(big, 499, json_string("Alpha"));
    r = list_titles(t, "note", json_copy(big));
    assert_true(json_is_true(json_object_get(r, "ok")));
    assert_int_equal(json_array_size(json_object_get(r, "entries")), 1);
    json_decref(r);
    json_array_append_new(big, json_string("one too many"));
    r = list_titles(t, "note", big);
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    memset(longt, 'x', sizeof(longt) - 1);
    longt[sizeof(longt) - 1] = '\0';
    r = list_titles(t, "note", json_pack("[s]", longt));
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    longt[ENTRY_TITLE_MAX] = '\0'; /* exactly the limit: fine */
    r = list_titles(t, "note", json_pack("[s]", longt));
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    r = list_titles(t, "note", json_array());
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    r = list_titles(t, "note", json_pack("[s]", ""));
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    r = list_titles(t, "note", json_pack("[s,i]", "Alpha", 3));
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    r = list_titles(t, "note", json_stringn("A\0B", 3));
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    r = list_titles(t, "note", json_pack("[s%]", "A\0B", (size_t)3));
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    r = list_titles(t, "profile", json_pack("[s]", "Alpha"));
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    json_decref(alpha);
    json_decref(beta);
    json_decref(gamma);
    json_decref(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_post_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_created, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_brief, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_titles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_signals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
