/* Tag synonyms (kind 26) through node_call, on a real replica: who decides (an admin at the
 * entry's time; the node's own key without a team), the latest per alias, order of arrival not
 * mattering, no chains or cycles, proposals listed and never applied, and every tag filter (list,
 * who-knows, follows, skills, goals) reading an alias as its canonical tag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include <cmocka.h>

#include "node_clock.h"
#include "node_synonyms.h"
#include "node_teamstate.h"
#include "testnode.h"

/* A synonym entry by a at created_ms: alias -> canonical, or a drop (canonical NULL). */
static void add_syn(struct test_node *t, struct test_author *a, uint64_t created_ms,
                    const char *alias, const char *canonical)
{
    struct entry_attr attrs[3] = {
        {"action", canonical != NULL ? "add" : "drop"}, {"alias", alias}, {"canonical", canonical}};

    add_at(t, a, ENTRY_SYNONYM, created_ms, NULL, NULL, NULL, NULL, attrs,
           canonical != NULL ? 3 : 2, NULL);
}

/* How many entries list --tag tag gives. */
static size_t list_count(struct test_node *t, const char *tag)
{
    json_t *r = callf(t, 1, "{\"op\":\"list\",\"kind\":\"question\",\"tag\":\"%s\"}", tag);
    size_t k = json_array_size(json_object_get(r, "entries"));

    json_decref(r);
    return k;
}

/* The synonyms that apply, "alias>canonical" joined by ",", and those decided that do not
 * ("!alias>canonical"), into out. */
static const char *applied(struct test_node *t, char *out, size_t len)
{
    json_t *r = test_call_ok(t, "{\"op\":\"synonyms\"}"), *s;
    size_t i, used = 0;

    out[0] = '\0';
    json_array_foreach(json_object_get(r, "synonyms"), i, s)
    {
        used += (size_t)snprintf(out + used, len - used, "%s%s%s>%s", used > 0 ? "," : "",
                                 json_is_true(json_object_get(s, "applies")) ? "" : "!",
                                 json_string_value(json_object_get(s, "alias")),
                                 json_string_value(json_object_get(s, "canonical")));
        if (used >= len)
            break;
    }
    json_decref(r);
    return out;
}

/* who_knows' people as "key:answers:declared:why;" (scores decay with the clock between calls). */
static const char *people_of(json_t *r, char *out, size_t len)
{
    json_t *p;
    size_t i, used = 0;

    out[0] = '\0';
    json_array_foreach(json_object_get(r, "people"), i, p)
    {
        used += (size_t)snprintf(out + used, len - used, "%.8s:%lld:%lld:%s;",
                                 json_string_value(json_object_get(p, "key")),
                                 json_integer_value(json_object_get(p, "answers")),
                                 json_integer_value(json_object_get(p, "declared")),
                                 json_string_value(json_object_get(p, "why")));
        if (used >= len)
            break;
    }
    return out;
}

static size_t pending_count(struct test_node *t)
{
    json_t *r = test_call_ok(t, "{\"op\":\"synonyms\"}");
    size_t k = json_array_size(json_object_get(r, "pending"));

    json_decref(r);
    return k;
}

/* A node in no team: its own entries decide, anyone else's propose. list, who-knows, follows,
 * skills and goals read k8s as kubernetes once it applies, and no longer once dropped. */
static void test_solo_done_when(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, cy, dan;
    char q1[2 * ENTRY_ID_LEN + 1], q2[2 * ENTRY_ID_LEN + 1], buf[256], buf2[256];
    struct entry_attr level = {"level", "4"}, goal = {"state", "active"};
    json_t *r, *a, *b;

    test_author_init(&bob, 21);
    test_author_init(&cy, 22);
    test_author_init(&dan, 23);
    add(t, &bob, ENTRY_QUESTION, 1000, "Pods restart", NULL, "kubernetes", NULL, q1);
    add(t, &bob, ENTRY_QUESTION, 2000, "k8s ingress", NULL, "k8s", NULL, q2);
    add(t, &bob, ENTRY_QUESTION, 3000, "Docker layers", NULL, "docker", NULL, NULL);
    add(t, &cy, ENTRY_ANSWER, 4000, NULL, "Use a readiness probe.", NULL, q1, NULL);
    add(t, &cy, ENTRY_ANSWER, 5000, NULL, "An ingress controller.", NULL, q2, NULL);
    add(t, &dan, ENTRY_ANSWER, 5500, NULL, "nginx-ingress.", NULL, q2, NULL); /* k8s only */
    add_at(t, &cy, ENTRY_SKILL, T0 + 6000, NULL, NULL, "k8s", NULL, &level, 1, NULL);
    add_at(t, &bob, ENTRY_GOAL, T0 + 7000, NULL, "why", "k8s", NULL, &goal, 1, NULL);
    assert_int_equal(list_count(t, "k8s"), 1);
    assert_int_equal(list_count(t, "kubernetes"), 1);

    /* Bob's proposal (a hostile one too) is listed, never applied. */
    add_syn(t, &bob, T0 + 8000, "k8s", "kubernetes");
    add_syn(t, &bob, T0 + 8001, "docker", "kubernetes");
    assert_string_equal(applied(t, buf, sizeof(buf)), "");
    assert_int_equal(pending_count(t), 2);
    assert_int_equal(list_count(t, "k8s"), 1);

    /* Mine decides: confirmed. */
    r = test_call_ok(t, "{\"op\":\"synonym_add\",\"alias\":\"K8s\",\"canonical\":\"#kubernetes\"}");
    assert_true(json_is_true(json_object_get(r, "confirmed")));
    json_decref(r);
    assert_string_equal(applied(t, buf, sizeof(buf)), "k8s>kubernetes");
    assert_int_equal(pending_count(t), 1); /* docker -> kubernetes still waits */
    assert_int_equal(list_count(t, "k8s"), 2);
    assert_int_equal(list_count(t, "kubernetes"), 2);
    assert_int_equal(list_count(t, "docker"), 1);

    /* who-knows k8s is who-knows kubernetes. */
    a = test_call_ok(t, "{\"op\":\"who_knows\",\"topic\":\"k8s\"}");
    b = test_call_ok(t, "{\"op\":\"who_knows\",\"topic\":\"kubernetes\"}");
    assert_string_equal(people_of(a, buf, sizeof(buf)), people_of(b, buf2, sizeof(buf2)));
    assert_true(json_array_size(json_object_get(a, "people")) >= 1);
    assert_int_equal(json_array_size(json_object_get(a, "related")), 0); /* k8s is no topic */
    json_decref(a);
    json_decref(b);

    /* The needs map: one topic, its questions counted once each. */
    r = test_call_ok(t, "{\"op\":\"needs\"}");
    {
        json_t *topic;
        size_t i;
        int seen = 0;
        json_array_foreach(json_object_get(r, "topics"), i, topic)
        {
            assert_string_not_equal(json_string_value(json_object_get(topic, "tag")), "k8s");
            if (strcmp(json_string_value(json_object_get(topic, "tag")), "kubernetes") == 0) {
                assert_int_equal(json_integer_value(json_object_get(topic, "asked")), 2);
                assert_int_equal(json_integer_value(json_object_get(topic, "learners")), 1);
                /* Cy (both, once) and Dan (the k8s question): the class's answerers. */
                assert_int_equal(json_integer_value(json_object_get(topic, "experts")), 2);
                seen = 1;
            }
        }
        assert_true(seen);
    }
    json_decref(r);

    /* Follow k8s: a question tagged kubernetes is in my areas. */
    json_decref(test_call_ok(t, "{\"op\":\"follow\",\"tag\":\"k8s\"}"));
    assert_string_equal(node_syn_area(t->n, "kubernetes"), "follow");
    assert_string_equal(node_syn_area(t->n, "k8s"), "follow");
    assert_null(node_syn_area(t->n, "docker"));

    /* Refused: a chain, a canonical tag made an alias, the same again, a tag of itself. */
    r = test_call(t, "{\"op\":\"synonym_add\",\"alias\":\"kube\",\"canonical\":\"k8s\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    r = test_call(t, "{\"op\":\"synonym_add\",\"alias\":\"kubernetes\",\"canonical\":\"kube\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    r = test_call(t, "{\"op\":\"synonym_add\",\"alias\":\"k8s\",\"canonical\":\"kubernetes\"}");
    assert_string_equal(test_code(r), "exists");
    json_decref(r);
    r = test_call(t, "{\"op\":\"synonym_add\",\"alias\":\"k8s\",\"canonical\":\"k 8s\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);

    /* Dropped: k8s is its own tag again. */
    json_decref(test_call_ok(t, "{\"op\":\"synonym_drop\",\"alias\":\"k8s\"}"));
    assert_string_equal(applied(t, buf, sizeof(buf)), "");
    assert_int_equal(list_count(t, "k8s"), 1);
    assert_null(node_syn_area(t->n, "kubernetes"));
    r = test_call(t, "{\"op\":\"synonym_drop\",\"alias\":\"k8s\"}");
    assert_string_equal(test_code(r), "not_found");
    json_decref(r);
}

/* Skills and goals resolve per canonical tag: an alias's entry and the canonical's are one. */
static void test_latest_by_canonical(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    struct entry_attr active = {"state", "active"}, done = {"state", "done"};
    char bobhex[2 * ENTRY_KEY_LEN + 1];
    json_t *r, *goals;

    test_author_init(&bob, 23);
    hex_encode(bob.pk, ENTRY_KEY_LEN, bobhex);
    add_at(t, &bob, ENTRY_GOAL, T0 + 1000, NULL, "why", "k8s", NULL, &active, 1, NULL);
    add_at(t, &bob, ENTRY_GOAL, T0 + 2000, NULL, NULL, "kubernetes", NULL, &done, 1, NULL);
    r = callf(t, 1, "{\"op\":\"goals\",\"person\":\"%s\",\"all\":true}", bobhex);
    assert_int_equal(json_array_size(json_object_get(r, "goals")), 2);
    json_decref(r);
    json_decref(
        test_call_ok(t, "{\"op\":\"synonym_add\",\"alias\":\"k8s\",\"canonical\":\"kubernetes\"}"));
    r = callf(t, 1, "{\"op\":\"goals\",\"person\":\"%s\",\"all\":true}", bobhex);
    goals = json_object_get(r, "goals");
    assert_int_equal(json_array_size(goals), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(goals, 0), "tag")),
                        "kubernetes");
    assert_string_equal(json_string_value(json_object_get(json_array_get(goals, 0), "state")),
                        "done");
    json_decref(r);
    r = callf(t, 1, "{\"op\":\"goals\",\"person\":\"%s\"}", bobhex);
    assert_int_equal(json_array_size(json_object_get(r, "goals")), 0);
    json_decref(r);
}

/* The entries of a team admin (alice) in one order or another: the same mappings. Latest per
 * alias by (created_ms, id), ties by id; no chains; a cycle nowhere. */
static void add_alice(struct test_node *t, struct test_author *alice, int reversed)
{
    static const struct {
        uint64_t dt;
        const char *alias, *canonical;
    } e[] = {
        {1000, "k8s", "kube"},     {2000, "k8s", "kubernetes"}, {3000, "kube", "kubernetes"},
        {4000, "tf", "terraform"}, {4000, "tf", "tform"},       {5000, "a1", "b1"},
        {5000, "b1", "a1"},        {6000, "js", "javascript"},  {7000, "js", NULL},
        {8000, "pg", "postgres"},  {9000, "psql", "postgres"},
    };
    size_t i, k, n = sizeof(e) / sizeof(e[0]);

    for (k = 0; k < n; k++) {
        i = reversed ? n - 1 - k : k;
        add_syn(t, alice, T0 + e[i].dt, e[i].alias, e[i].canonical);
    }
}

/* Make a a member of t's team: a certificate made with the team's join code, as a joiner's. */
static void join(struct test_node *t, struct test_author *a)
{
    char err[ERRMSG_MAX];
    struct entry *c = team_cert_create(team_id(t->n->team), t->n->invite, node_clock_wall_ms(),
                                       a->pk, test_author_sign, a, err, sizeof(err));

    assert_non_null(c);
    assert_int_not_equal(replica_add(t->n->replica, c, err, sizeof(err)), REPLICA_ERROR);
    node_teamstate_learn(t->n, c);
    entry_destroy(&c);
    assert_true(team_is_member(t->n->team, a->pk, node_clock_wall_ms()));
}

static struct test_node *team_node(struct test_author *admin)
{
    struct test_node *t = test_node_new();
    char hex[2 * ENTRY_KEY_LEN + 1];

    hex_encode(admin->pk, ENTRY_KEY_LEN, hex);
    json_decref(callf(t, 1, "{\"op\":\"team_create\",\"name\":\"ops\",\"admins\":[\"%s\"]}", hex));
    return t;
}

static void test_order_independent(void **state)
{
    struct test_author alice, mallory;
    struct test_node *t1, *t2;
    char b1[512], b2[512];

    (void)state;
    test_author_init(&alice, 24);
    test_author_init(&mallory, 25);
    t1 = team_node(&alice);
    t2 = team_node(&alice);
    join(t1, &mallory);
    join(t2, &mallory);
    add_alice(t1, &alice, 0);
    /* A member's hostile entries, later than alice's: proposals only. */
    add_syn(t1, &mallory, T0 + 20000, "kubernetes", "docker");
    add_syn(t1, &mallory, T0 + 20001, "pg", NULL);
    add_alice(t2, &alice, 1);
    add_syn(t2, &mallory, T0 + 20001, "pg", NULL);
    add_syn(t2, &mallory, T0 + 20000, "kubernetes", "docker");
    applied(t1, b1, sizeof(b1));
    applied(t2, b2, sizeof(b2));
    assert_string_equal(b1, b2);
    /* k8s -> kubernetes (the latest), kube -> kubernetes; tf: the larger id of the tie; a1/b1 a
     * cycle: neither; js dropped; pg and psql both -> postgres. */
    assert_non_null(strstr(b1, "k8s>kubernetes"));
    assert_non_null(strstr(b1, "kube>kubernetes"));
    assert_non_null(strstr(b1, "!a1>b1"));
    assert_non_null(strstr(b1, "!b1>a1"));
    assert_null(strstr(b1, "js>"));
    assert_non_null(strstr(b1, "pg>postgres"));
    assert_non_null(strstr(b1, "psql>postgres"));
    assert_true(strstr(b1, "tf>terraform") != NULL || strstr(b1, "tf>tform") != NULL);
    assert_int_equal(pending_count(t1), 1); /* kubernetes -> docker; pg's drop withdraws nothing */
    test_node_destroy(t1);
    test_node_destroy(t2);
}

/* An admin's entries count until the revocation; after it, not even a drop. A non-admin's add is
 * a proposal until an admin adds the same. */
static void test_revoked_admin(void **state)
{
    struct test_author bob, cy;
    struct test_node *t;
    char buf[256], bobhex[2 * ENTRY_KEY_LEN + 1];
    uint64_t now = node_clock_wall_ms();
    json_t *r;

    (void)state;
    test_author_init(&bob, 26);
    test_author_init(&cy, 27);
    hex_encode(bob.pk, ENTRY_KEY_LEN, bobhex);
    t = team_node(&bob);
    join(t, &cy);
    add_syn(t, &bob, now - 60000, "k8s", "kubernetes");
    assert_string_equal(applied(t, buf, sizeof(buf)), "k8s>kubernetes");
    json_decref(callf(t, 1, "{\"op\":\"team_revoke\",\"who\":\"%s\"}", bobhex));
    add_syn(t, &bob, now + 60000, "k8s", NULL);       /* after the revocation */
    add_syn(t, &bob, now + 60001, "tf", "terraform"); /* the same */
    assert_string_equal(applied(t, buf, sizeof(buf)), "k8s>kubernetes");
    /* cy proposes; only my add (an admin's) makes it apply. */
    add_syn(t, &cy, now - 1000, "pg", "postgres");
    assert_string_equal(applied(t, buf, sizeof(buf)), "k8s>kubernetes");
    assert_int_equal(pending_count(t), 1);
    r = test_call_ok(t, "{\"op\":\"synonym_add\",\"alias\":\"pg\",\"canonical\":\"postgres\"}");
    assert_true(json_is_true(json_object_get(r, "confirmed")));
    json_decref(r);
    assert_string_equal(applied(t, buf, sizeof(buf)), "k8s>kubernetes,pg>postgres");
    assert_int_equal(pending_count(t), 0);
    /* An admin's drop, then a later add again. */
    json_decref(test_call_ok(t, "{\"op\":\"synonym_drop\",\"alias\":\"k8s\"}"));
    assert_string_equal(applied(t, buf, sizeof(buf)), "pg>postgres");
    test_node_destroy(t);
}

/* A member who does not decide: told so, and the entry is only a proposal. */
static void test_member_proposes(void **state)
{
    struct test_node *t = *state;
    char buf[128];
    json_t *r;

    /* In no team the node decides; a member of a team who is no admin is shown by the other
     * tests (their entries arrive as a peer's): here the refusals of the op's arguments. */
    r = test_call(t, "{\"op\":\"synonym_add\",\"alias\":\"k8s\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    r = test_call(t, "{\"op\":\"synonym_add\",\"alias\":5,\"canonical\":\"x\"}");
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    r = test_call(t, "{\"op\":\"synonym_drop\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
    assert_string_equal(applied(t, buf, sizeof(buf)), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_solo_done_when, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latest_by_canonical, setup, teardown),
        cmocka_unit_test(test_order_independent),
        cmocka_unit_test(test_revoked_admin),
        cmocka_unit_test_setup_teardown(test_member_proposes, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
