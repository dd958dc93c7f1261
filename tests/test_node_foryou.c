/* node_foryou through node_call: what is for me and why — answers, comments, accepts, thanks and
 * mentions of mine (watch, inbox "on_yours", digest "on_yours") — and the escalation of urgent
 * questions nobody answers (the "escalate" pass, inbox), on a real replica. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "node_clock.h"
#include "node_view.h"
#include "node_watch.h"
#include "testnode.h"

#define MIN_MS (60ull * 1000)
#define DAY_MS (24ull * 60 * MIN_MS)

/* Watch events the node broadcast (a JSON array), as a subscriber would read them. */
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

static void watch_on(struct test_node *t)
{
    t->n->hooks.broadcast = capture;
    t->n->hooks.subscribers = one_subscriber;
    json_decref(events);
    events = json_array();
}

static void watch_off(void)
{
    json_decref(events);
    events = NULL;
}

/* An entry of kind by a created at created: title, body, up to one tag and one ref, urgent or
 * not, and "to" (a key in hex, or NULL). */
static void add_full(struct test_node *t, struct test_author *a, uint16_t kind, uint64_t created,
                     const char *title, const char *body, const char *tag, const char *ref,
                     int urgent, const char *to, char idhex[2 * ENTRY_ID_LEN + 1])
{
    struct entry_attr attrs[2];
    size_t nattrs = 0;

    if (urgent) {
        attrs[nattrs].key = "urgent";
        attrs[nattrs++].value = "1";
    }
    if (to != NULL) {
        attrs[nattrs].key = "to";
        attrs[nattrs++].value = to;
    }
    add_at(t, a, kind, created, title, body, tag, ref, attrs, nattrs, idhex);
}

/* My post through node_call (signed by the node's identity); its id into idhex. */
static void post(struct test_node *t, const char *kind, const char *title, const char *body,
                 const char *tag, const char *ref, char idhex[2 * ENTRY_ID_LEN + 1])
{
    json_t *req = json_pack("{s:s, s:s, s:s}", "op", "post", "kind", kind, "body", body), *r;

    if (title != NULL)
        json_object_set_new(req, "title", json_string(title));
    if (tag != NULL)
        json_object_set_new(req, "tags", json_pack("[s]", tag));
    if (ref != NULL)
        json_object_set_new(req, "refs", json_pack("[s]", ref));
    r = node_call(t->n, req);
    json_decref(req);
    assert_true(json_is_true(json_object_get(r, "ok")));
    snprintf(idhex, 2 * ENTRY_ID_LEN + 1, "%s", json_string_value(json_object_get(r, "id")));
    json_decref(r);
}

/* The watch event for a stored entry (as node_net sends one when it arrives from a peer). */
static json_t *announce(struct test_node *t, const char *idhex)
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
    assert_int_equal(json_array_size(events), 1);
    ev = json_incref(json_array_get(events, 0));
    json_array_clear(events);
    return ev;
}

/* The watch reason of entry idhex, or NULL if it is not for me. */
static char *watch_reason(struct test_node *t, const char *idhex)
{
    json_t *ev = announce(t, idhex);
    const char *r = json_string_value(json_object_get(ev, "reason"));
    char *out = NULL;

    assert_int_equal(json_is_true(json_object_get(ev, "for_you")), r != NULL);
    if (r != NULL)
        out = xstrdup(r);
    json_decref(ev);
    return out;
}

static void assert_reason(struct test_node *t, const char *idhex, const char *want)
{
    char *got = watch_reason(t, idhex);

    if (want == NULL) {
        if (got != NULL)
            fail_msg("%.12s: for me (%s), expected not", idhex, got);
        return;
    }
    if (got == NULL)
        fail_msg("%.12s: not for me, expected \"%s\"", idhex, want);
    assert_string_equal(got, want);
    free(got);
}

/* The reason of entry idhex in the on_yours section of r, or NULL if absent. */
static const char *on_yours(json_t *r, const char *idhex)
{
    json_t *it;
    size_t i;

    json_array_foreach(json_object_get(r, "on_yours"), i, it)
    {
        if (strcmp(json_string_value(json_object_get(json_object_get(it, "entry"), "id")), idhex) ==
            0)
            return json_string_value(json_object_get(it, "reason"));
    }
    return NULL;
}

/* on_yours(r, idhex) is want (absent is a failure, not a crash). */
static void assert_on_yours(json_t *r, const char *idhex, const char *want)
{
    const char *got = on_yours(r, idhex);

    if (got == NULL)
        fail_msg("%.12s: not in on_yours, expected \"%s\"", idhex, want);
    assert_string_equal(got, want);
}

static void profile(struct test_node *t, struct test_author *a, const char *name)
{
    add_full(t, a, ENTRY_PROFILE, T0 - DAY_MS, name, "", NULL, NULL, 0, NULL, NULL);
}

/* Every "on yours" reason, in watch and in inbox; never for my own entries. */
static void test_reasons(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, cy;
    char q[65], mine_a[65], bq[65], ans[65], c1[65], c2[65], acc[65], th[65], bad_acc[65],
        self_c[65], other_c[65], cq[65];
    json_t *r, *items, *it;
    size_t i;
    long long prev = -1;

    test_author_init(&bob, 61);
    test_author_init(&cy, 62);
    watch_on(t);
    profile(t, &bob, "Bob Noyce");
    profile(t, &cy, "Cy Young");
    json_decref(test_call_ok(t, "{\"op\":\"init\",\"name\":\"Ada Lovelace\"}"));
    post(t, "question", "Why is the VPN slow?", "since Monday", "vpn", NULL, q);
    add_full(t, &bob, ENTRY_QUESTION, T0, "Printer jams", "tray 2", "printer", NULL, 0, NULL, bq);
    post(t, "answer", NULL, "Open tray 2 and pull gently.", NULL, bq, mine_a);
    add_full(t, &bob, ENTRY_ANSWER, T0 + 1000, "", "Restart the tunnel.", NULL, q, 0, NULL, ans);
    add_full(t, &cy, ENTRY_COMMENT, T0 + 2000, "", "Same here.", NULL, q, 0, NULL, c1);
    add_full(t, &cy, ENTRY_COMMENT, T0 + 3000, "", "Worked for me.", NULL, mine_a, 0, NULL, c2);
    add_full(t, &bob, ENTRY_ACCEPT, T0 + 4000, "", "", NULL, mine_a, 0, NULL, acc);
    add_full(t, &cy, ENTRY_THANKS, T0 + 5000, "", "", NULL, mine_a, 0, NULL, th);
    /* Not for me: cy did not ask bq, so cy's accept of my answer counts for nothing. */
    add_full(t, &cy, ENTRY_ACCEPT, T0 + 6000, "", "", NULL, mine_a, 0, NULL, bad_acc);
    /* Not for me: a comment on someone else's question. */
    add_full(t, &cy, ENTRY_COMMENT, T0 + 7000, "", "Me too.", NULL, bq, 0, NULL, other_c);
    add_full(t, &cy, ENTRY_QUESTION, T0 + 8000, "Who runs the lab?", "", "lab", NULL, 0, NULL, cq);
    post(t, "comment", NULL, "Also on wifi.", NULL, q, self_c); /* mine: never for me */

    assert_reason(t, ans, "answered your question");
    assert_reason(t, c1, "commented on your question");
    assert_reason(t, c2, "commented on your answer");
    assert_reason(t, acc, "accepted your answer");
    assert_reason(t, th, "thanked you");
    assert_reason(t, bad_acc, NULL);
    assert_reason(t, other_c, NULL);
    assert_reason(t, cq, NULL);
    assert_reason(t, self_c, NULL);
    assert_reason(t, q, NULL);

    r = test_call_ok(t, "{\"op\":\"inbox\"}");
    items = json_object_get(r, "on_yours");
    assert_int_equal(json_array_size(items), 5);
    assert_on_yours(r, ans, "answered your question");
    assert_on_yours(r, c1, "commented on your question");
    assert_on_yours(r, c2, "commented on your answer");
    assert_on_yours(r, acc, "accepted your answer");
    assert_on_yours(r, th, "thanked you");
    /* Newest first, and each says what of mine it is about. */
    json_array_foreach(items, i, it)
    {
        long long c =
            json_integer_value(json_object_get(json_object_get(it, "entry"), "created_ms"));
        assert_true(prev < 0 || c <= prev);
        prev = c;
        assert_non_null(json_string_value(json_object_get(json_object_get(it, "about"), "id")));
    }
    json_decref(r);
    watch_off();
}

/* @Name (a unique, case-insensitive prefix of a display name), @"Full Name" and @KEYPREFIX (8 or
 * more hex digits) mention me; an ambiguous prefix, an e-mail address and my own text do not. */
static void test_mentions(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, cy, adam;
    char me[2 * ENTRY_KEY_LEN + 1], body[200], m1[65], m2[65], m3[65], m4[65], m5[65], m6[65],
        m7[65], m8[65], mine[65], old[65];
    json_t *r;

    test_author_init(&bob, 71);
    test_author_init(&cy, 72);
    test_author_init(&adam, 73);
    watch_on(t);
    hex_encode(identity_public_key(t->n->id), ENTRY_KEY_LEN, me);
    profile(t, &bob, "Bob Noyce");
    profile(t, &cy, "Cy Young");
    json_decref(test_call_ok(t, "{\"op\":\"init\",\"name\":\"Ada Lovelace\"}"));
    add_full(t, &bob, ENTRY_NOTE, T0, "Lab rules", "Ask @ada, she knows.", "lab", NULL, 0, NULL,
             m1);
    add_full(t, &cy, ENTRY_QUESTION, T0 + 1000, "Hey @\"Ada Lovelace\": where is the key?", "",
             "lab", NULL, 0, NULL, m2);
    snprintf(body, sizeof(body), "cc @%.8s.", me);
    add_full(t, &cy, ENTRY_QUESTION, T0 + 2000, "Badge reader", body, "lab", NULL, 0, NULL, m3);
    add_full(t, &bob, ENTRY_NOTE, T0 + 3000, "Mail", "write to lab@ada.example", "lab", NULL, 0,
             NULL, m4);
    add_full(t, &bob, ENTRY_NOTE, T0 + 4000, "Lab", "ask @Adaline", "lab", NULL, 0, NULL, m5);
    snprintf(body, sizeof(body), "not @%.7s", me);
    add_full(t, &bob, ENTRY_NOTE, T0 + 5000, "Short", body, "lab", NULL, 0, NULL, m6);
    add_full(t, &bob, ENTRY_NOTE, T0 + 6000, "Quote", "@\"Ada Lovelace", "lab", NULL, 0, NULL, m7);
    add_full(t, &bob, ENTRY_NOTE, T0 - 15 * DAY_MS, "Old", "@Ada long ago", "lab", NULL, 0, NULL,
             old);
    post(t, "note", "Mine", "I am @Ada", "lab", NULL, mine);

    assert_reason(t, m1, "mentioned you");
    assert_reason(t, m2, "mentioned you");
    assert_reason(t, m3, "mentioned you");
    assert_reason(t, m4, NULL);
    assert_reason(t, m5, NULL);
    assert_reason(t, m6, NULL);
    assert_reason(t, m7, NULL);
    assert_reason(t, mine, NULL);

    /* The inbox keeps the last 14 days. */
    r = callf(t, 1, "{\"op\":\"inbox\",\"now_ms\":%llu}", T0 + MIN_MS);
    assert_on_yours(r, m1, "mentioned you");
    assert_on_yours(r, m3, "mentioned you");
    assert_null(on_yours(r, old));
    assert_null(on_yours(r, m4));
    json_decref(r);

    /* Adam arrives: @Ada now names two people, so nobody; @"Ada Lovelace" still names me. */
    profile(t, &adam, "Adam Smith");
    add_full(t, &bob, ENTRY_NOTE, T0 + 7000, "Again", "ask @Ada", "lab", NULL, 0, NULL, m8);
    assert_reason(t, m8, NULL);
    assert_reason(t, m2, "mentioned you");
    watch_off();
}

/* The digest has the same section, over its period. */
static void test_digest(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char q[65], ans[65], old[65];
    json_t *r;

    test_author_init(&bob, 81);
    post(t, "question", "Where are the keys?", "", "office", NULL, q);
    add_full(t, &bob, ENTRY_ANSWER, T0 + 1000, "", "In the drawer.", NULL, q, 0, NULL, ans);
    add_full(t, &bob, ENTRY_NOTE, T0 - 3 * DAY_MS, "Old", "@Ada", "x", NULL, 0, NULL, old);
    json_decref(test_call_ok(t, "{\"op\":\"init\",\"name\":\"Ada\"}"));
    r = test_call_ok(t, "{\"op\":\"digest\"}");
    assert_on_yours(r, ans, "answered your question");
    assert_null(on_yours(r, old)); /* before the digest's period */
    json_decref(r);
}

static long long escalate(struct test_node *t, uint64_t now_ms)
{
    json_t *r = callf(t, 1, "{\"op\":\"escalate\",\"now_ms\":%llu}", (unsigned long long)now_ms);
    long long sent = json_integer_value(json_object_get(r, "sent"));

    json_decref(r);
    return sent;
}

/* The escalation event for question qid among the captured events, or NULL. */
static json_t *escalated(const char *qid)
{
    json_t *ev;
    size_t i;

    json_array_foreach(events, i, ev)
    {
        if (strcmp(json_string_value(json_object_get(json_object_get(ev, "entry"), "id")), qid) ==
            0)
            return ev;
    }
    return NULL;
}

/* The reason of question qid in the inbox at now_ms, or NULL if it is not there. */
static char *inbox_reason(struct test_node *t, const char *qid, uint64_t now_ms)
{
    json_t *r = callf(t, 1, "{\"op\":\"inbox\",\"now_ms\":%llu}", (unsigned long long)now_ms), *e;
    char *out = NULL;
    size_t i;

    json_array_foreach(json_object_get(r, "entries"), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "id")), qid) == 0) {
            const char *why = json_string_value(json_object_get(e, "reason"));
            out = xstrdup(why != NULL ? why : "(no reason)");
        }
    }
    json_decref(r);
    return out;
}

/* Urgent and unanswered: my skill's at once; a followed tag's after escalate_after; everyone's
 * after escalate_again more; once per question and circle, across restarts; an answer stops it. */
static void test_escalation(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, cy;
    char me[2 * ENTRY_KEY_LEN + 1], qf[65], qo[65], qs[65], qa[65], qn[65], qd[65], mq[65], ans[65];
    char *why;
    json_t *ev;

    uint64_t B = node_clock_wall_ms(); /* now: on arrival, the questions have just been asked */

    test_author_init(&bob, 91);
    test_author_init(&cy, 92);
    hex_encode(identity_public_key(t->n->id), ENTRY_KEY_LEN, me);
    json_decref(test_call_ok(t, "{\"op\":\"skill\",\"tag\":\"vpn\"}"));
    json_decref(test_call_ok(t, "{\"op\":\"follow\",\"tag\":\"k8s\"}"));
    watch_on(t);
    add_full(t, &bob, ENTRY_QUESTION, B, "Pods crash", "", "k8s", NULL, 1, NULL, qf);
    add_full(t, &bob, ENTRY_QUESTION, B, "DB down", "", "db", NULL, 1, NULL, qo);
    add_full(t, &bob, ENTRY_QUESTION, B, "VPN down", "", "vpn", NULL, 1, NULL, qs);
    add_full(t, &bob, ENTRY_QUESTION, B, "Ingress 502", "", "k8s", NULL, 1, NULL, qa);
    add_full(t, &bob, ENTRY_QUESTION, B, "Helm chart?", "", "k8s", NULL, 0, NULL, qn);
    add_full(t, &bob, ENTRY_QUESTION, B, "Disk full", "", "db", NULL, 1, me, qd);
    add_full(t, &cy, ENTRY_ANSWER, B + MIN_MS, "", "Check the probes.", NULL, qa, 0, NULL, ans);
    post(t, "question", "My urgent one", "", "k8s", NULL, mq);

    /* On arrival: circle 1 (my skill, addressed to me) and a plain followed question are for me;
     * an urgent one I only follow waits. */
    assert_reason(t, qs, "in your areas");
    assert_reason(t, qd, "asked you directly");
    assert_reason(t, qn, "in your areas");
    assert_reason(t, qf, NULL);
    assert_reason(t, qo, NULL);
    why = inbox_reason(t, qf, B + 5 * MIN_MS);
    assert_null(why);

    assert_int_equal(escalate(t, B + 5 * MIN_MS), 0);
    assert_int_equal(json_array_size(events), 0);
    /* Circle 2: unanswered for 10 min, a tag I follow. */
    assert_int_equal(escalate(t, B + 11 * MIN_MS), 1);
    ev = escalated(qf);
    assert_non_null(ev);
    assert_string_equal(json_string_value(json_object_get(ev, "event")), "entry");
    assert_true(json_is_true(json_object_get(ev, "for_you")));
    assert_true(json_is_true(json_object_get(ev, "escalated")));
    assert_string_equal(json_string_value(json_object_get(ev, "reason")), "unanswered for 10 min");
    assert_int_equal(escalate(t, B + 12 * MIN_MS), 0); /* once */
    why = inbox_reason(t, qf, B + 12 * MIN_MS);
    assert_non_null(why);
    assert_string_equal(why, "unanswered for 10 min");
    free(why);
    why = inbox_reason(t, qo, B + 12 * MIN_MS);
    assert_null(why);

    /* A restart (the node opened again on its data directory) repeats nothing. */
    node_core_destroy(&t->n);
    {
        char err[ERRMSG_MAX];
        t->n = node_core_new(t->dir, err, sizeof(err));
        assert_non_null(t->n);
    }
    watch_on(t);
    assert_int_equal(escalate(t, B + 13 * MIN_MS), 0);

    /* Circle 3: everyone, after 20 min — the followed one again and the one in nobody's areas
     * here; never my skill's (circle 1), the answered one, the plain one or mine. */
    assert_int_equal(escalate(t, B + 21 * MIN_MS), 2);
    ev = escalated(qo);
    assert_non_null(ev);
    assert_string_equal(json_string_value(json_object_get(ev, "reason")),
                        "unanswered for 20 min, nobody in its circle answered");
    assert_non_null(escalated(qf));
    assert_null(escalated(qa));
    why = inbox_reason(t, qo, B + 22 * MIN_MS);
    assert_non_null(why);
    assert_string_equal(why, "unanswered for 20 min, nobody in its circle answered");
    free(why);
    assert_int_equal(escalate(t, B + 30 * MIN_MS), 0);

    /* An answer stops it: an urgent question answered before its first delay never escalates;
     * the answered one is a followed question like any other. */
    why = inbox_reason(t, qa, B + 30 * MIN_MS);
    assert_non_null(why);
    assert_string_equal(why, "in your areas");
    free(why);
    watch_off();
}

/* Nothing is sent, nor remembered, while nobody watches; a late pass sends only the highest
 * circle due. */
static void test_escalation_unwatched(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char qf[65];
    json_t *ev;

    uint64_t B = node_clock_wall_ms();

    test_author_init(&bob, 93);
    json_decref(test_call_ok(t, "{\"op\":\"follow\",\"tag\":\"k8s\"}"));
    add_full(t, &bob, ENTRY_QUESTION, B, "Pods crash", "", "k8s", NULL, 1, NULL, qf);
    assert_int_equal(escalate(t, B + 11 * MIN_MS), 0); /* no subscriber */
    watch_on(t);
    assert_int_equal(escalate(t, B + 25 * MIN_MS), 1);
    ev = escalated(qf);
    assert_non_null(ev);
    assert_string_equal(json_string_value(json_object_get(ev, "reason")),
                        "unanswered for 20 min, nobody in its circle answered");
    assert_int_equal(escalate(t, B + 26 * MIN_MS), 0);
    watch_off();
}

/* What an admin hid is for nobody: not in on_yours, never escalated. */
static void test_hidden(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char q[65], ans[65], uq[65];
    uint64_t B = node_clock_wall_ms();
    json_t *r;

    test_author_init(&bob, 95);
    json_decref(test_call_ok(t, "{\"op\":\"init\",\"name\":\"Ann\"}"));
    json_decref(test_call_ok(t, "{\"op\":\"team_create\",\"name\":\"ops\"}"));
    json_decref(test_call_ok(t, "{\"op\":\"follow\",\"tag\":\"k8s\"}"));
    post(t, "question", "Where is the VPN config?", "", "vpn", NULL, q);
    add_full(t, &bob, ENTRY_ANSWER, B, "", "buy cheap watches", NULL, q, 0, NULL, ans);
    add_full(t, &bob, ENTRY_QUESTION, B, "buy cheap watches", "", "k8s", NULL, 1, NULL, uq);
    r = test_call_ok(t, "{\"op\":\"inbox\"}");
    assert_on_yours(r, ans, "answered your question");
    json_decref(r);
    json_decref(callf(t, 1, "{\"op\":\"hide\",\"id\":\"%s\",\"reason\":\"spam\"}", ans));
    json_decref(callf(t, 1, "{\"op\":\"hide\",\"id\":\"%s\",\"reason\":\"spam\"}", uq));
    r = test_call_ok(t, "{\"op\":\"inbox\"}");
    assert_null(on_yours(r, ans));
    json_decref(r);
    watch_on(t);
    assert_int_equal(escalate(t, B + 30 * MIN_MS), 0);
    watch_off();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reasons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mentions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escalation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escalation_unwatched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hidden, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
