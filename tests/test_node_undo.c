/* node_undo through node_call: skills listed and removed, a mentoring offer withdrawn, sessions
 * moved and cancelled after RSVPs, an RSVP changed, entries hidden and unhidden by an admin (and
 * not by anyone else), and the rate limit on comments, votes and thanks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>

#include "testnode.h"

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t count_key(json_t *arr, const char *field, const char *value)
{
    size_t i, c = 0;
    json_t *v;

    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(json_object_get(v, field));
        c += s != NULL && strcmp(s, value) == 0;
    }
    return c;
}

/* In who_knows, is key among the people (with a declared skill)? */
static int declared(struct test_node *t, const char *topic)
{
    json_t *r = callf(t, 1, "{\"op\":\"who_knows\",\"topic\":\"%s\"}", topic), *p;
    size_t i;
    int found = 0;

    json_array_foreach(json_object_get(r, "people"), i, p) found |=
        json_integer_value(json_object_get(p, "declared")) > 0;
    json_decref(r);
    return found;
}

static void test_skills_remove_readd(void **state)
{
    struct test_node *t = *state;
    json_t *r;

    json_decref(test_call_ok(t, "{\"op\":\"skill\",\"tag\":\"k8s\",\"level\":4}"));
    json_decref(test_call_ok(t, "{\"op\":\"skill\",\"tag\":\"vpn\",\"level\":2}"));
    json_decref(test_call_ok(t, "{\"op\":\"follow\",\"tag\":\"printer\"}"));
    r = test_call_ok(t, "{\"op\":\"skills\"}");
    assert_int_equal(json_array_size(json_object_get(r, "skills")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(r, "skills"), 0), "tag")),
        "k8s");
    assert_int_equal(json_integer_value(
                         json_object_get(json_array_get(json_object_get(r, "skills"), 0), "level")),
                     4);
    assert_int_equal(count_key(json_object_get(r, "skills"), "tag", "printer"), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "follows"), 0)),
                        "printer");
    json_decref(r);
    assert_true(declared(t, "k8s"));

    r = test_call_ok(t, "{\"op\":\"skill_remove\",\"tag\":\"K8s\"}");
    assert_int_equal(json_array_size(json_object_get(r, "areas")), 2); /* vpn, printer */
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"skills\"}");
    assert_int_equal(json_array_size(json_object_get(r, "skills")), 1);
    json_decref(r);
    assert_false(declared(t, "k8s"));
    r = test_call_ok(t, "{\"op\":\"profile\"}");
    assert_int_equal(count_key(json_object_get(r, "skills"), "tag", "k8s"), 0);
    json_decref(r);
    r = test_call(t, "{\"op\":\"skill_remove\",\"tag\":\"k8s\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);

    /* Re-added: it counts again, at its new level. */
    json_decref(test_call_ok(t, "{\"op\":\"skill\",\"tag\":\"k8s\",\"level\":5}"));
    r = test_call_ok(t, "{\"op\":\"skills\"}");
    assert_int_equal(json_array_size(json_object_get(r, "skills")), 2);
    assert_int_equal(json_integer_value(
                         json_object_get(json_array_get(json_object_get(r, "skills"), 0), "level")),
                     5);
    json_decref(r);
    assert_true(declared(t, "k8s"));
}

static void test_mentor_withdraw(void **state)
{
    struct test_node *t = *state;
    json_t *r;

    r = test_call(t, "{\"op\":\"mentor_withdraw\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    json_decref(test_call_ok(t, "{\"op\":\"mentor_offer\",\"tags\":[\"rust\"]}"));
    r = test_call_ok(t, "{\"op\":\"mentor_find\",\"tag\":\"rust\"}");
    assert_int_equal(json_array_size(json_object_get(r, "mentors")), 1);
    json_decref(r);
    json_decref(test_call_ok(t, "{\"op\":\"mentor_withdraw\"}"));
    r = test_call_ok(t, "{\"op\":\"mentor_find\",\"tag\":\"rust\"}");
    assert_int_equal(json_array_size(json_object_get(r, "mentors")), 0);
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"profile\"}");
    assert_int_equal(json_array_size(json_object_get(r, "mentor_offers")), 0);
    json_decref(r);
    /* A new offer after the withdrawal counts. */
    json_decref(test_call_ok(t, "{\"op\":\"mentor_offer\",\"tags\":[\"go\"]}"));
    r = test_call_ok(t, "{\"op\":\"mentor_find\",\"tag\":\"go\"}");
    assert_int_equal(json_array_size(json_object_get(r, "mentors")), 1);
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"mentor_find\",\"tag\":\"rust\"}");
    assert_int_equal(json_array_size(json_object_get(r, "mentors")), 0);
    json_decref(r);
}

static json_t *the_session(struct test_node *t, int all)
{
    json_t *r = callf(t, 1, "{\"op\":\"sessions\",\"all\":%s}", all ? "true" : "false");
    json_t *s = json_incref(json_array_get(json_object_get(r, "sessions"), 0));

    json_decref(r);
    return s;
}

static void test_session_move_cancel(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    struct entry_fields f = {0};
    struct entry_attr yes = {"value", "yes"};
    uint8_t sid[ENTRY_ID_LEN];
    char id[2 * ENTRY_ID_LEN + 1];
    long long at = now_ms() + 86400000LL, later = at + 3600000LL;
    json_t *r, *s;

    test_author_init(&bob, 61);
    r = callf(t, 1,
              "{\"op\":\"session_announce\",\"title\":\"Intro to k8s\",\"where\":\"room 1\","
              "\"at_ms\":%lld,\"tags\":[\"k8s\"]}",
              at);
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(r, "id")));
    json_decref(r);
    /* Bob and I say yes. */
    assert_int_equal(hex_decode(id, 2 * ENTRY_ID_LEN, sid, ENTRY_ID_LEN), 0);
    f.kind = ENTRY_RSVP;
    f.created_ms = (uint64_t)now_ms();
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])sid;
    f.nrefs = 1;
    f.attrs = &yes;
    f.nattrs = 1;
    test_node_add(t, &bob, &f, NULL);
    json_decref(callf(t, 1, "{\"op\":\"rsvp\",\"id\":\"%s\"}", id));

    /* Only the host moves it; a move keeps the RSVPs. */
    r = callf(t, 1, "{\"op\":\"session_edit\",\"id\":\"%s\",\"at_ms\":%lld,\"where\":\"room 2\"}",
              id, later);
    json_decref(r);
    s = the_session(t, 0);
    assert_string_equal(json_string_value(json_object_get(s, "id")), id);
    assert_int_equal(json_integer_value(json_object_get(s, "at_ms")), later);
    assert_string_equal(json_string_value(json_object_get(s, "where")), "room 2");
    assert_string_equal(json_string_value(json_object_get(s, "title")), "Intro to k8s");
    assert_int_equal(json_integer_value(json_object_get(s, "yes")), 2);
    assert_false(json_is_true(json_object_get(s, "cancelled")));
    json_decref(s);
    r = callf(t, 0, "{\"op\":\"session_edit\",\"id\":\"%s\",\"where\":\"room 2\"}", id);
    assert_string_equal(test_code(r), "invalid"); /* nothing changed */
    json_decref(r);

    /* Cancelled: listed as cancelled, not in the digest, no more RSVPs. */
    json_decref(callf(t, 1, "{\"op\":\"session_edit\",\"id\":\"%s\",\"cancel\":true}", id));
    s = the_session(t, 1);
    assert_true(json_is_true(json_object_get(s, "cancelled")));
    assert_int_equal(json_integer_value(json_object_get(s, "at_ms")), later);
    json_decref(s);
    r = test_call_ok(t, "{\"op\":\"digest\",\"since_ms\":1577836800000}");
    assert_int_equal(json_array_size(json_object_get(r, "sessions")), 0);
    json_decref(r);
    r = callf(t, 0, "{\"op\":\"rsvp\",\"id\":\"%s\",\"value\":\"no\"}", id);
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    r = callf(t, 0, "{\"op\":\"session_edit\",\"id\":\"%s\",\"at_ms\":%lld}", id, at);
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
}

static void test_session_not_host(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    struct entry_fields f = {0};
    struct entry_attr attrs[2] = {{"at", NULL}, {"where", "hall"}},
                      moved[2] = {{"at", NULL}, {"where", "roof"}};
    char id[2 * ENTRY_ID_LEN + 1], at[24];
    uint8_t sid[ENTRY_ID_LEN];
    json_t *r, *s;
    struct test_author eve;

    test_author_init(&bob, 62);
    test_author_init(&eve, 63);
    snprintf(at, sizeof(at), "%lld", now_ms() + 86400000LL);
    attrs[0].value = at;
    moved[0].value = at;
    f.kind = ENTRY_SESSION;
    f.created_ms = (uint64_t)now_ms();
    f.title = "Bob's talk";
    f.attrs = attrs;
    f.nattrs = 2;
    test_node_add(t, &bob, &f, id);
    r = callf(t, 0, "{\"op\":\"session_edit\",\"id\":\"%s\",\"cancel\":true}", id);
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    /* A revision by someone else than the host counts for nothing. */
    assert_int_equal(hex_decode(id, 2 * ENTRY_ID_LEN, sid, ENTRY_ID_LEN), 0);
    f.kind = ENTRY_REVISION;
    f.created_ms++;
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])sid;
    f.nrefs = 1;
    f.attrs = moved;
    test_node_add(t, &eve, &f, NULL);
    s = the_session(t, 0);
    assert_string_equal(json_string_value(json_object_get(s, "where")), "hall");
    json_decref(s);
}

static void test_rsvp_change(void **state)
{
    struct test_node *t = *state;
    char id[2 * ENTRY_ID_LEN + 1];
    json_t *r, *s;

    r = callf(t, 1,
              "{\"op\":\"session_announce\",\"title\":\"Lunch\",\"where\":\"cafe\",\"at_ms\":%lld}",
              now_ms() + 86400000LL);
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(r, "id")));
    json_decref(r);
    r = callf(t, 1, "{\"op\":\"rsvp\",\"id\":\"%s\"}", id);
    assert_false(json_is_true(json_object_get(r, "changed")));
    assert_true(json_is_null(json_object_get(r, "previous")));
    json_decref(r);
    r = callf(t, 1, "{\"op\":\"rsvp\",\"id\":\"%s\",\"value\":\"yes\"}", id);
    assert_false(json_is_true(json_object_get(r, "changed")));
    assert_true(json_is_null(json_object_get(r, "id"))); /* nothing written */
    json_decref(r);
    /* Changed in the same millisecond still counts: the new one is dated after the old. */
    r = callf(t, 1, "{\"op\":\"rsvp\",\"id\":\"%s\",\"value\":\"no\"}", id);
    assert_true(json_is_true(json_object_get(r, "changed")));
    assert_string_equal(json_string_value(json_object_get(r, "previous")), "yes");
    json_decref(r);
    s = the_session(t, 0);
    assert_int_equal(json_integer_value(json_object_get(s, "yes")), 0);
    assert_int_equal(json_integer_value(json_object_get(s, "no")), 1);
    assert_string_equal(json_string_value(json_object_get(s, "mine")), "no");
    json_decref(s);
    r = callf(t, 1, "{\"op\":\"rsvp\",\"id\":\"%s\",\"value\":\"yes\"}", id);
    assert_true(json_is_true(json_object_get(r, "changed")));
    json_decref(r);
    s = the_session(t, 0);
    assert_int_equal(json_integer_value(json_object_get(s, "yes")), 1);
    json_decref(s);
}

/* How many entries list (or search for word) returns. */
static size_t listed(struct test_node *t, const char *word)
{
    json_t *r = word == NULL ? test_call_ok(t, "{\"op\":\"list\"}")
                             : callf(t, 1, "{\"op\":\"search\",\"query\":\"%s\"}", word);
    size_t n = json_array_size(json_object_get(r, word == NULL ? "entries" : "results"));

    json_decref(r);
    return n;
}

static void test_hide_unhide(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char q[2 * ENTRY_ID_LEN + 1];
    json_t *r, *e;

    json_decref(test_call_ok(t, "{\"op\":\"init\",\"name\":\"Ann\"}"));
    json_decref(test_call_ok(t, "{\"op\":\"team_create\",\"name\":\"ops\"}"));
    json_decref(test_call_ok(t, "{\"op\":\"skill\",\"tag\":\"vpn\"}"));
    test_author_init(&bob, 71);
    add(t, &bob, ENTRY_QUESTION, 0, "buy cheap watches", "spam spam", "vpn", NULL, q);
    assert_int_equal(listed(t, NULL), 1);
    assert_int_equal(listed(t, "watches"), 1);
    r = callf(t, 0, "{\"op\":\"hide\",\"id\":\"%s\",\"reason\":\"  \"}", q);
    assert_string_equal(test_code(r), "invalid"); /* a reason is required */
    json_decref(r);
    r = callf(t, 0, "{\"op\":\"unhide\",\"id\":\"%s\"}", q);
    assert_string_equal(test_code(r), "invalid"); /* not hidden */
    json_decref(r);
    json_decref(callf(t, 1, "{\"op\":\"hide\",\"id\":\"%s\",\"reason\":\"advertising\"}", q));
    assert_int_equal(listed(t, NULL), 0);
    assert_int_equal(listed(t, "watches"), 0);
    r = test_call_ok(t, "{\"op\":\"inbox\"}");
    assert_int_equal(json_array_size(json_object_get(r, "entries")), 0);
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"digest\",\"since_ms\":1577836800000}");
    assert_int_equal(json_array_size(json_object_get(r, "questions")), 0);
    json_decref(r);
    r = callf(t, 1, "{\"op\":\"get\",\"id\":\"%s\",\"history\":true}", q);
    e = json_object_get(r, "entry");
    assert_string_equal(json_string_value(json_object_get(e, "body")),
                        "hidden by an admin: advertising");
    assert_string_equal(json_string_value(json_object_get(e, "title")), "(hidden by an admin)");
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "hidden"), "reason")),
                        "advertising");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r, "history"), 0), "body")),
                        "hidden by an admin: advertising");
    json_decref(r);

    json_decref(callf(t, 1, "{\"op\":\"unhide\",\"id\":\"%s\"}", q));
    assert_int_equal(listed(t, NULL), 1);
    assert_int_equal(listed(t, "watches"), 1);
    r = callf(t, 1, "{\"op\":\"get\",\"id\":\"%s\"}", q);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "entry"), "body")),
                        "spam spam");
    assert_true(json_is_null(json_object_get(json_object_get(r, "entry"), "hidden")));
    json_decref(r);
}

/* While an admin hides an entry, its author cannot edit it: the edit would publish the placeholder
 * the node shows for it (an edit of the tags alone keeps "the current" title and body), and would
 * get round the hiding. After unhide the edit goes through, from the real text. */
static void test_hidden_not_edited(void **state)
{
    struct test_node *t = *state;
    char q[2 * ENTRY_ID_LEN + 1];
    json_t *r, *e;

    json_decref(test_call_ok(t, "{\"op\":\"init\",\"name\":\"Ann\"}"));
    json_decref(test_call_ok(t, "{\"op\":\"team_create\",\"name\":\"ops\"}"));
    r = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"Cheap "
                        "watches here\",\"body\":\"the real text\",\"tags\":[\"vpn\"]}");
    snprintf(q, sizeof(q), "%s", json_string_value(json_object_get(r, "id")));
    json_decref(r);
    json_decref(callf(t, 1, "{\"op\":\"hide\",\"id\":\"%s\",\"reason\":\"advertising\"}", q));
    r = callf(t, 0, "{\"op\":\"edit\",\"id\":\"%s\",\"tags\":[\"vpn\",\"watches\"]}", q);
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    r = callf(t, 0, "{\"op\":\"edit\",\"id\":\"%s\",\"body\":\"new text\"}", q);
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    json_decref(callf(t, 1, "{\"op\":\"unhide\",\"id\":\"%s\"}", q));
    json_decref(callf(t, 1, "{\"op\":\"edit\",\"id\":\"%s\",\"tags\":[\"vpn\",\"watches\"]}", q));
    r = callf(t, 1, "{\"op\":\"get\",\"id\":\"%s\"}", q);
    e = json_object_get(r, "entry");
    assert_string_equal(json_string_value(json_object_get(e, "title")), "Cheap watches here");
    assert_string_equal(json_string_value(json_object_get(e, "body")), "the real text");
    assert_int_equal(json_array_size(json_object_get(e, "tags")), 2);
    json_decref(r);
}

/* A moderation entry by someone who is not an admin counts for nothing; a node that is not an
 * admin cannot write one. */
static void test_hide_not_admin(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, eve;
    struct entry_fields f = {0};
    struct entry_attr hide = {"action", "hide"};
    uint8_t qid[ENTRY_ID_LEN];
    char q[2 * ENTRY_ID_LEN + 1];
    json_t *r;

    r = test_call(t, "{\"op\":\"hide\",\"id\":\"abcd\",\"reason\":\"x\"}");
    assert_string_equal(test_code(r), "invalid"); /* no team: nobody here is an admin */
    json_decref(r);
    json_decref(test_call_ok(t, "{\"op\":\"init\",\"name\":\"Ann\"}"));
    json_decref(test_call_ok(t, "{\"op\":\"team_create\",\"name\":\"ops\"}"));
    test_author_init(&bob, 72);
    test_author_init(&eve, 73);
    add(t, &bob, ENTRY_QUESTION, 0, "fair question", "", NULL, NULL, q);
    assert_int_equal(hex_decode(q, 2 * ENTRY_ID_LEN, qid, ENTRY_ID_LEN), 0);
    f.kind = 24;
    f.created_ms = (uint64_t)now_ms();
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])qid;
    f.nrefs = 1;
    f.body = "I do not like it";
    f.attrs = &hide;
    f.nattrs = 1;
    test_node_add(t, &eve, &f, NULL);
    assert_int_equal(listed(t, NULL), 1);
    r = callf(t, 1, "{\"op\":\"get\",\"id\":\"%s\"}", q);
    assert_true(json_is_null(json_object_get(json_object_get(r, "entry"), "hidden")));
    json_decref(r);
}

/* At most 30 comments (votes, thanks) a minute from one person here. */
static void test_rate_limit(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char q[2 * ENTRY_ID_LEN + 1];
    json_t *r;
    int i;

    test_author_init(&bob, 74);
    add(t, &bob, ENTRY_QUESTION, 0, "q", "", NULL, NULL, q);
    for (i = 0; i < 30; i++)
        json_decref(
            callf(t, 1, "{\"op\":\"post\",\"kind\":\"comment\",\"refs\":[\"%s\"],\"body\":\"c%d\"}",
                  q, i));
    r = callf(t, 0,
              "{\"op\":\"post\",\"kind\":\"comment\",\"refs\":[\"%s\"],\"body\":\"one more\"}", q);
    assert_string_equal(test_code(r), "rate_limited");
    assert_non_null(
        strstr(json_string_value(json_object_get(r, "error")), "at most 30 comments a minute"));
    json_decref(r);
    /* Other kinds have their own allowance. */
    json_decref(callf(t, 1, "{\"op\":\"vote\",\"id\":\"%s\",\"value\":\"up\"}", q));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_skills_remove_readd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mentor_withdraw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_move_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_not_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsvp_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hide_unhide, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hide_not_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hidden_not_edited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
    };

    if (getenv("TEST_FILTER") != NULL) /* one test, e.g. to see it fail on its own */
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
