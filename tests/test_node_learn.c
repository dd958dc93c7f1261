/* Learning goals, matching, circles and the needs map through node_call, on a real replica:
 * goal resolution (the author's latest per topic), who and what a goal is matched with, circle
 * membership, the needs-vs-experts numbers, and the for-me events a goal brings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include <cmocka.h>

#include "node_clock.h"
#include "node_view.h"
#include "node_watch.h"
#include "testnode.h"

#define HOUR_MS (3600ull * 1000)
#define DAY_MS (24 * HOUR_MS)

static json_t *events;

static void capture(struct node *n, json_t *event)
{
    (void)n;
    json_array_append(events, event);
}

static size_t one_subscriber(struct node *n)
{
    (void)n;
    return 1;
}

/* A goal entry by a on tag in state, at T0 + dt (as if from a peer). */
static void add_goal(struct test_node *t, struct test_author *a, uint64_t dt, const char *tag,
                     const char *state, char idhex[2 * ENTRY_ID_LEN + 1])
{
    struct entry_attr attr = {"state", state};

    add_at(t, a, ENTRY_GOAL, T0 + dt, NULL, "why not", tag, NULL, &attr, 1, idhex);
}

/* The tags of a goals array, "," separated, into out. */
static const char *goal_tags(json_t *goals, char *out, size_t len)
{
    json_t *g;
    size_t i, used = 0;

    out[0] = '\0';
    json_array_foreach(goals, i, g)
    {
        used += (size_t)snprintf(out + used, len - used, "%s%s:%s", i > 0 ? "," : "",
                                 json_string_value(json_object_get(g, "tag")),
                                 json_string_value(json_object_get(g, "state")));
        if (used >= len)
            break;
    }
    return out;
}

static const char *my_goals(struct test_node *t, int all, char *out, size_t len)
{
    json_t *r = callf(t, 1, "{\"op\":\"goals\",\"all\":%s}", all ? "true" : "false");

    goal_tags(json_object_get(r, "goals"), out, len);
    json_decref(r);
    return out;
}

/* Set, done, drop, set again; others' entries, hostile ones included, never change mine. */
static void test_goal_resolution(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char buf[512], mine[2 * ENTRY_ID_LEN + 1], bobkey[2 * ENTRY_KEY_LEN + 1];
    char me[2 * ENTRY_KEY_LEN + 1];
    struct entry_attr hostile[2] = {{"person", NULL}, {"state", "dropped"}};
    json_t *r;

    test_author_init(&bob, 11);
    hex_encode(bob.pk, ENTRY_KEY_LEN, bobkey);
    r = callf(t, 1,
              "{\"op\":\"learn\",\"tags\":[\"#Terraform\",\"aws\",\"terraform\"],"
              "\"why\":\"the migration\"}");
    assert_int_equal(json_array_size(json_object_get(r, "ids")), 2); /* one goal per topic */
    assert_int_equal(json_array_size(json_object_get(r, "matches")), 2);
    snprintf(mine, sizeof(mine), "%s",
             json_string_value(json_array_get(json_object_get(r, "ids"), 1)));
    json_decref(r);
    assert_string_equal(my_goals(t, 0, buf, sizeof(buf)), "aws:active,terraform:active");
    r = callf(t, 1, "{\"op\":\"learn_done\",\"tag\":\"terraform\"}");
    assert_string_equal(json_string_value(json_object_get(r, "state")), "done");
    json_decref(r);
    assert_string_equal(my_goals(t, 0, buf, sizeof(buf)), "aws:active");
    assert_string_equal(my_goals(t, 1, buf, sizeof(buf)), "aws:active,terraform:done");
    r = callf(t, 0, "{\"op\":\"learn_done\",\"tag\":\"terraform\"}");
    assert_string_equal(test_code(r), "invalid"); /* not an active goal any more */
    json_decref(r);
    r = callf(t, 0, "{\"op\":\"learn_drop\",\"tag\":\"rust\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    json_decref(callf(t, 1, "{\"op\":\"learn_drop\",\"tag\":\"aws\"}"));
    json_decref(callf(t, 1, "{\"op\":\"learn\",\"tags\":[\"terraform\"]}")); /* set again */
    assert_string_equal(my_goals(t, 1, buf, sizeof(buf)), "aws:dropped,terraform:active");
    /* Bob's goals are his: set, then ended; and his entry naming my goal (a ref to it, my key as
     * "person", state dropped) is his own goal on terraform, not a change to mine. */
    add_goal(t, &bob, 1000, "terraform", "active", NULL);
    add_goal(t, &bob, 2000, "aws", "active", NULL);
    add_goal(t, &bob, 3000, "aws", "done", NULL);
    hex_encode(identity_public_key(t->n->id), ENTRY_KEY_LEN, me);
    hostile[0].value = me;
    add_at(t, &bob, ENTRY_GOAL, node_clock_wall_ms() + 5000, NULL, NULL, "terraform", mine, hostile,
           2, NULL);
    assert_string_equal(my_goals(t, 1, buf, sizeof(buf)), "aws:dropped,terraform:active");
    r = callf(t, 1, "{\"op\":\"goals\",\"person\":\"%.16s\",\"all\":true}", bobkey);
    assert_string_equal(goal_tags(json_object_get(r, "goals"), buf, sizeof(buf)),
                        "aws:done,terraform:dropped");
    json_decref(r);
    /* A goal with a deadline past stays active (overdue); until must be to come when set. */
    r = callf(t, 0, "{\"op\":\"learn\",\"tags\":[\"go\"],\"until_ms\":%llu}", T0);
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    r = callf(t, 0, "{\"op\":\"learn\",\"tags\":[\"not a tag\"]}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
}

/* Entries around terraform: Carol asks, Bob answers (accepted), Dan offers mentoring, Eve hosts
 * a session next week, Bob writes a note Carol verifies. */
static void terraform_world(struct test_node *t, char session[2 * ENTRY_ID_LEN + 1],
                            char note[2 * ENTRY_ID_LEN + 1], char flag[2 * ENTRY_ID_LEN + 1])
{
    struct test_author bob, carol, dan, eve;
    char q[2 * ENTRY_ID_LEN + 1], a[2 * ENTRY_ID_LEN + 1], at[24];
    struct entry_attr offer = {"role", "offer"}, verified = {"flag", "verified"};
    struct entry_attr sess[2] = {{"at", at}, {"where", "room 1"}};

    test_author_init(&bob, 11);
    test_author_init(&carol, 22);
    test_author_init(&dan, 33);
    test_author_init(&eve, 44);
    add(t, &carol, ENTRY_QUESTION, 1000, "How do I import state?", "into terraform", "terraform",
        NULL, q);
    add(t, &bob, ENTRY_ANSWER, 2000, "", "terraform import ADDR ID", NULL, q, a);
    add(t, &carol, ENTRY_ACCEPT, 3000, NULL, NULL, NULL, a, NULL);
    add_at(t, &dan, ENTRY_MENTOR, T0 + 4000, NULL, "happy to help", "terraform", NULL, &offer, 1,
           NULL);
    snprintf(at, sizeof(at), "%llu", (unsigned long long)(node_clock_wall_ms() + 7 * DAY_MS));
    add_at(t, &eve, ENTRY_SESSION, T0 + 5000, "Terraform modules", "", "terraform", NULL, sess, 2,
           session);
    add(t, &bob, ENTRY_NOTE, 6000, "Terraform state layout", "one state per env", "terraform", NULL,
        note);
    add_at(t, &carol, ENTRY_FLAG, T0 + 7000, NULL, NULL, NULL, note, &verified, 1, flag);
}

static const char *first_name_key(json_t *arr, const char *field)
{
    json_t *x = json_array_get(arr, 0);

    if (field != NULL)
        x = json_object_get(x, field);
    return json_string_value(json_object_get(x, "key"));
}

/* A new goal shows the experts (by answers), mentors, sessions and best content at once. */
static void test_match(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, dan;
    char session[2 * ENTRY_ID_LEN + 1], note[2 * ENTRY_ID_LEN + 1], bk[65], dk[65];
    json_t *r, *m, *content;

    test_author_init(&bob, 11);
    test_author_init(&dan, 33);
    hex_encode(bob.pk, ENTRY_KEY_LEN, bk);
    hex_encode(dan.pk, ENTRY_KEY_LEN, dk);
    terraform_world(t, session, note, NULL);
    r = callf(t, 1, "{\"op\":\"learn\",\"tags\":[\"terraform\"],\"why\":\"infra\"}");
    m = json_array_get(json_object_get(r, "matches"), 0);
    assert_string_equal(json_string_value(json_object_get(m, "tag")), "terraform");
    assert_int_equal(json_array_size(json_object_get(m, "experts")), 1); /* Dan only offers */
    assert_string_equal(first_name_key(json_object_get(m, "experts"), NULL), bk);
    assert_int_equal(json_array_size(json_object_get(m, "mentors")), 1);
    assert_string_equal(first_name_key(json_object_get(m, "mentors"), NULL), dk);
    assert_int_equal(json_array_size(json_object_get(m, "sessions")), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(m, "sessions"), 0), "id")),
        session);
    content = json_object_get(m, "content");
    assert_int_equal(json_array_size(content), 2); /* the accepted answer, the verified note */
    json_decref(r);
    r = callf(t, 1, "{\"op\":\"learn_match\",\"tag\":\"terraform\"}");
    assert_int_equal(json_array_size(json_object_get(r, "content")), 2);
    assert_int_equal(json_array_size(json_object_get(r, "experts")), 1);
    json_decref(r);
}

/* A circle is everyone with an active goal on the tag; a member proposes its meeting. */
static void test_circle(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, carol, dan;
    char bk[65], ck[65], at[24];
    json_t *r, *members, *s;

    test_author_init(&bob, 11);
    test_author_init(&carol, 22);
    test_author_init(&dan, 33);
    hex_encode(bob.pk, ENTRY_KEY_LEN, bk);
    hex_encode(carol.pk, ENTRY_KEY_LEN, ck);
    add_goal(t, &bob, 1000, "terraform", "active", NULL);
    add_goal(t, &carol, 2000, "terraform", "active", NULL);
    add_goal(t, &dan, 3000, "terraform", "active", NULL);
    add_goal(t, &dan, 4000, "terraform", "dropped", NULL);
    r = callf(t, 1, "{\"op\":\"circle\",\"tag\":\"terraform\"}");
    members = json_object_get(r, "members");
    assert_int_equal(json_array_size(members), 2);
    assert_string_equal(first_name_key(members, NULL), bk);
    assert_false(json_is_true(json_object_get(r, "member")));
    json_decref(r);
    snprintf(at, sizeof(at), "%llu", (unsigned long long)(node_clock_wall_ms() + DAY_MS));
    r = callf(t, 0,
              "{\"op\":\"session_announce\",\"title\":\"Circle\",\"where\":\"r2\","
              "\"at_ms\":%s,\"circle\":\"terraform\"}",
              at);
    assert_string_equal(test_code(r), "invalid"); /* not a member yet */
    json_decref(r);
    json_decref(callf(t, 1, "{\"op\":\"learn\",\"tags\":[\"terraform\"]}"));
    r = callf(t, 1,
              "{\"op\":\"session_announce\",\"title\":\"Circle\",\"where\":\"r2\","
              "\"at_ms\":%s,\"circle\":\"Terraform\",\"tags\":[\"hcl\"]}",
              at);
    s = json_object_get(r, "entry");
    assert_string_equal(json_string_value(json_object_get(json_object_get(s, "attrs"), "circle")),
                        "terraform");
    assert_int_equal(json_array_size(json_object_get(s, "tags")), 2);
    json_decref(r);
    r = callf(t, 1, "{\"op\":\"circle\",\"tag\":\"terraform\"}");
    members = json_object_get(r, "members");
    assert_int_equal(json_array_size(members), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(members, 1), "key")), ck);
    assert_true(json_is_true(json_object_get(r, "member")));
    s = json_array_get(json_object_get(r, "sessions"), 0);
    assert_string_equal(json_string_value(json_object_get(s, "circle")), "terraform");
    json_decref(r);
}

static json_t *needs_topic(json_t *r, size_t i, const char *tag)
{
    json_t *x = json_array_get(json_object_get(r, "topics"), i);

    assert_non_null(x);
    assert_string_equal(json_string_value(json_object_get(x, "tag")), tag);
    return x;
}

static long long num(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* The needs map: demand (learners + questions) against supply (experts + mentors), by gap. */
static void test_needs(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, carol, dan;
    char q[2 * ENTRY_ID_LEN + 1], k[2 * ENTRY_ID_LEN + 1], u[2 * ENTRY_ID_LEN + 1];
    struct entry_attr offer = {"role", "offer"};
    json_t *r, *x;
    char *one, *two;

    test_author_init(&bob, 11);
    test_author_init(&carol, 22);
    test_author_init(&dan, 33);
    json_decref(callf(t, 1, "{\"op\":\"learn\",\"tags\":[\"terraform\"]}"));
    add_goal(t, &bob, 1000, "terraform", "active", NULL);
    add_goal(t, &dan, 1000, "terraform", "done", NULL); /* ended: no demand */
    add(t, &bob, ENTRY_QUESTION, 0, "state lock stuck", "", "terraform", NULL, q);
    add(t, &carol, ENTRY_ANSWER, 2 * HOUR_MS, "", "force-unlock it", NULL, q, NULL);
    add(t, &bob, ENTRY_QUESTION, 10, "provider pinning", "", "terraform", NULL, NULL);
    add(t, &bob, ENTRY_QUESTION, 20, "workspaces or dirs", "", "terraform", NULL, NULL);
    add(t, &bob, ENTRY_QUESTION, 30, "pod pending", "", "k8s", NULL, k);
    add(t, &carol, ENTRY_ANSWER, 30 + HOUR_MS, "", "check the node selector", NULL, k, NULL);
    add_at(t, &dan, ENTRY_MENTOR, T0 + 40, NULL, "", "k8s", NULL, &offer, 1, NULL);
    /* Not experts on terraform: Bob answering his own question; Dan answering a question that
     * only names it (who_knows' search would count him) or with a skill declared. */
    add(t, &bob, ENTRY_ANSWER, 3 * HOUR_MS, "", "I did force-unlock", NULL, q, NULL);
    add(t, &carol, ENTRY_QUESTION, 50, "terraform or pulumi", "which for terraform users", NULL,
        NULL, u);
    add(t, &dan, ENTRY_ANSWER, 60, "", "terraform, for terraform users", NULL, u, NULL);
    add(t, &dan, ENTRY_SKILL, 70, NULL, NULL, "terraform", NULL, NULL);
    r = callf(t, 1, "{\"op\":\"needs\"}");
    assert_int_equal(json_array_size(json_object_get(r, "topics")), 2);
    x = needs_topic(r, 0, "terraform");
    assert_int_equal(num(x, "learners"), 2);
    assert_int_equal(num(x, "asked"), 3);
    assert_int_equal(num(x, "answered"), 1);
    assert_true(json_real_value(json_object_get(x, "median_hours_to_first_answer")) == 2.0);
    /* Experts: people who answered a question tagged with it, not their own — Carol. */
    assert_int_equal(num(x, "experts"), 1);
    assert_int_equal(num(x, "mentors"), 0);
    assert_int_equal(num(x, "demand"), 5);
    assert_int_equal(num(x, "supply"), 1);
    assert_true(json_real_value(json_object_get(x, "gap")) == 2.5);
    x = needs_topic(r, 1, "k8s");
    assert_int_equal(num(x, "learners"), 0);
    assert_int_equal(num(x, "asked"), 1);
    assert_int_equal(num(x, "experts"), 1);
    assert_int_equal(num(x, "mentors"), 1);
    assert_int_equal(num(x, "supply"), 2);
    /* The same entries, the same answer: byte for byte. */
    one = json_dumps(r, JSON_SORT_KEYS);
    json_decref(r);
    r = callf(t, 1, "{\"op\":\"needs\"}");
    two = json_dumps(r, JSON_SORT_KEYS);
    assert_string_equal(one, two);
    free(one);
    free(two);
    json_decref(r);
}

/* The watch reason of stored entry idhex, or "" when it is not for me. */
static const char *reason_of(struct test_node *t, const char *idhex, char *out, size_t len)
{
    uint8_t id[ENTRY_ID_LEN];
    struct entry *e = NULL;
    json_t *ej, *ev;

    assert_int_equal(hex_decode(idhex, strlen(idhex), id, ENTRY_ID_LEN), 0);
    assert_int_equal(replica_get(t->n->replica, id, &e, NULL, 0), REPLICA_FOUND);
    ej = node_view_entry(t->n, e);
    entry_destroy(&e);
    json_array_clear(events);
    node_watch_announce(t->n, ej, 1);
    json_decref(ej);
    ev = json_array_get(events, 0);
    snprintf(out, len, "%s",
             json_is_true(json_object_get(ev, "for_you"))
                 ? json_string_value(json_object_get(ev, "reason"))
                 : "");
    return out;
}

/* With an active goal: a session on it, a mentor offering it and a verified note on it are for
 * me; once dropped, they are not. */
static void test_goal_for_me(void **state)
{
    struct test_node *t = *state;
    struct test_author dan;
    struct entry_attr offer = {"role", "offer"};
    char session[2 * ENTRY_ID_LEN + 1], note[2 * ENTRY_ID_LEN + 1], flag[2 * ENTRY_ID_LEN + 1],
        off[2 * ENTRY_ID_LEN + 1], why[128];

    t->n->hooks.broadcast = capture;
    t->n->hooks.subscribers = one_subscriber;
    events = json_array();
    test_author_init(&dan, 33);
    terraform_world(t, session, note, flag);
    add_at(t, &dan, ENTRY_MENTOR, T0 + 9000, NULL, "", "terraform", NULL, &offer, 1, off);
    assert_string_equal(reason_of(t, session, why, sizeof(why)), "");
    json_decref(callf(t, 1, "{\"op\":\"learn\",\"tags\":[\"terraform\"]}"));
    assert_string_equal(reason_of(t, session, why, sizeof(why)), "a session on your learning goal");
    assert_string_equal(reason_of(t, off, why, sizeof(why)),
                        "offers mentoring on your learning goal");
    assert_string_equal(reason_of(t, flag, why, sizeof(why)),
                        "a note on your learning goal was verified");
    json_decref(callf(t, 1, "{\"op\":\"learn_drop\",\"tag\":\"terraform\"}"));
    assert_string_equal(reason_of(t, session, why, sizeof(why)), "");
    assert_string_equal(reason_of(t, flag, why, sizeof(why)), "");
    json_decref(events);
    events = NULL;
}

/* Recognition follows learning: done lists who helped since the goal was set, each once — Bob
 * answered my question on it (twice), Dan mentors me (I asked; he offers it), Eve hosted a
 * session on it I went to — and not Carol, whose answer came before the goal, nor Fay, whose
 * session I said no to; each with the entry of theirs to thank, and thanks go through. */
static void test_done_thanks_helpers(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, carol, dan, eve, fay;
    char q[2 * ENTRY_ID_LEN + 1], a[2 * ENTRY_ID_LEN + 1], offer_id[2 * ENTRY_ID_LEN + 1],
        s1[2 * ENTRY_ID_LEN + 1], s2[2 * ENTRY_ID_LEN + 1], dk[65], at[24];
    struct entry_attr offer = {"role", "offer"};
    struct entry_attr sess[2] = {{"at", at}, {"where", "room 1"}};
    uint64_t now;
    json_t *r, *helpers;

    test_author_init(&bob, 11);
    test_author_init(&carol, 22);
    test_author_init(&dan, 33);
    test_author_init(&eve, 44);
    test_author_init(&fay, 55);
    hex_encode(dan.pk, ENTRY_KEY_LEN, dk);
    add_at(t, &dan, ENTRY_MENTOR, T0, NULL, "happy to help", "terraform", NULL, &offer, 1,
           offer_id);
    r = callf(t, 1,
              "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"How do modules nest?\","
              "\"tags\":[\"terraform\"]}");
    snprintf(q, sizeof(q), "%s", json_string_value(json_object_get(r, "id")));
    json_decref(r);
    now = node_clock_wall_ms();
    add_at(t, &carol, ENTRY_ANSWER, now - 1000, NULL, "before the goal", NULL, q, NULL, 0, NULL);
    json_decref(callf(t, 1, "{\"op\":\"learn\",\"tags\":[\"terraform\"]}"));
    add_at(t, &bob, ENTRY_ANSWER, now + 1000, NULL, "like this", NULL, q, NULL, 0, a);
    add_at(t, &bob, ENTRY_ANSWER, now + 1100, NULL, "or this", NULL, q, NULL, 0, NULL);
    json_decref(
        callf(t, 1, "{\"op\":\"mentor_request\",\"person\":\"%.16s\",\"tag\":\"terraform\"}", dk));
    snprintf(at, sizeof(at), "%llu", (unsigned long long)(node_clock_wall_ms() + 1));
    add_at(t, &eve, ENTRY_SESSION, now, "Modules hour", "", "terraform", NULL, sess, 2, s1);
    add_at(t, &fay, ENTRY_SESSION, now, "Modules again", "", "terraform", NULL, sess, 2, s2);
    json_decref(callf(t, 1, "{\"op\":\"rsvp\",\"id\":\"%s\"}", s1));
    json_decref(callf(t, 1, "{\"op\":\"rsvp\",\"id\":\"%s\",\"value\":\"no\"}", s2));
    usleep(20000); /* the sessions are held */
    r = callf(t, 1, "{\"op\":\"learn_done\",\"tag\":\"terraform\"}");
    helpers = json_object_get(r, "helpers");
    assert_int_equal(json_array_size(helpers), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(helpers, 0), "entry")), a);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(helpers, 0), "why")),
                           "answered your question \u201cHow do modules nest?\u201d"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(helpers, 1), "key")), dk);
    assert_string_equal(json_string_value(json_object_get(json_array_get(helpers, 1), "entry")),
                        offer_id);
    assert_string_equal(json_string_value(json_object_get(json_array_get(helpers, 2), "entry")),
                        s1);
    json_decref(callf(t, 1, "{\"op\":\"thank\",\"id\":\"%s\"}",
                      json_string_value(json_object_get(json_array_get(helpers, 2), "entry"))));
    json_decref(r);
    /* dropped, nothing to thank */
    json_decref(callf(t, 1, "{\"op\":\"learn\",\"tags\":[\"aws\"]}"));
    r = callf(t, 1, "{\"op\":\"learn_drop\",\"tag\":\"aws\"}");
    assert_null(json_object_get(r, "helpers"));
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_goal_resolution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_circle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_needs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_goal_for_me, setup, teardown),
        cmocka_unit_test_setup_teardown(test_done_thanks_helpers, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
