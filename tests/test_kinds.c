/* kinds: the table of kind rules above the codec, and the typed attribute accessors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "hex.h"
#include "kinds.h"
#include "testdoc.h"
#include "testutil.h"

#define T0 1795000000000ull
#define KEY64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* kinds_create of f with attrs; NULL (message in err) if a rule fails. */
static struct entry *make(struct test_author *a, uint16_t kind, const char *title, const char *body,
                          size_t nrefs, const struct entry_attr *attrs, size_t nattrs, char *err,
                          size_t errlen)
{
    static const uint8_t refs[2][ENTRY_ID_LEN] = {{1}, {2}};
    struct entry_fields f = {0};

    f.kind = kind;
    f.created_ms = T0;
    f.title = title;
    f.body = body;
    f.refs = refs;
    f.nrefs = nrefs;
    f.attrs = attrs;
    f.nattrs = nattrs;
    return kinds_create(&f, a->pk, test_author_sign, a, err, errlen);
}

static void expect_rule(struct entry *e, const char *err, const char *want)
{
    assert_null(e);
    assert_string_equal(err, want);
}

/* e is the documented vector name of docs/PROTOCOL.md (its entry bytes and id); with
 * LORE_PRINT_VECTORS set, print it in the document's form instead. */
static void check_vector(const struct entry *e, const char *name)
{
    char hex[1024], *doc_entry = doc_vector("PROTOCOL.md", name, "entry"),
                    *doc_id = doc_vector("PROTOCOL.md", name, "id");
    const uint8_t *b;
    size_t len, i;

    b = entry_bytes(e, &len);
    assert_true(2 * len < sizeof(hex));
    hex_encode(b, len, hex);
    if (getenv("LORE_PRINT_VECTORS") != NULL) {
        printf("```vector %s\nentry:\n", name);
        for (i = 0; i < 2 * len; i += 64)
            printf("%.64s\n", hex + i);
        hex_encode(entry_id(e), ENTRY_ID_LEN, hex);
        printf("id: %s\n```\n", hex);
    } else {
        assert_non_null(doc_entry);
        assert_string_equal(doc_entry, hex);
        hex_encode(entry_id(e), ENTRY_ID_LEN, hex);
        assert_string_equal(doc_id, hex);
    }
    free(doc_entry);
    free(doc_id);
}

static void test_names(void **state)
{
    uint16_t k;

    (void)state;
    assert_string_equal(kinds_name(ENTRY_QUESTION), "question");
    assert_string_equal(kinds_name(ENTRY_MEMBERSHIP), "membership");
    assert_string_equal(kinds_name(ENTRY_TEAM), "team");
    assert_string_equal(kinds_name(ENTRY_VOUCH), "vouch");
    assert_null(kinds_name(0));
    assert_null(kinds_name(27));
    assert_null(kinds_name(4096));
    for (k = 1; k <= 26; k++) {
        uint16_t back = 0;
        assert_non_null(kinds_name(k));
        assert_int_equal(kinds_parse(kinds_name(k), &back), 0);
        assert_int_equal(back, k);
    }
    assert_int_equal(kinds_parse("nonsense", &k), -1);
}

static void test_rules(void **state)
{
    struct test_author a;
    char err[256];
    struct entry *e;
    struct entry_attr vote = {"value", "2"}, sess[2] = {{"at", "1795000000000"}, {"where", "here"}};

    (void)state;
    test_author_init(&a, 7);
    expect_rule(make(&a, ENTRY_QUESTION, "", NULL, 0, NULL, 0, err, sizeof(err)), err,
                "a question needs a title");
    expect_rule(make(&a, ENTRY_ANSWER, NULL, "b", 0, NULL, 0, err, sizeof(err)), err,
                "an answer references exactly one entry");
    expect_rule(make(&a, ENTRY_ANSWER, NULL, NULL, 1, NULL, 0, err, sizeof(err)), err,
                "an answer needs a body");
    expect_rule(make(&a, ENTRY_VOTE, NULL, NULL, 1, &vote, 1, err, sizeof(err)), err,
                "a vote references one entry and has value 1, -1 or 0");
    vote.value = "-1";
    e = make(&a, ENTRY_VOTE, NULL, NULL, 1, &vote, 1, err, sizeof(err));
    assert_non_null(e);
    entry_destroy(&e);
    e = make(&a, ENTRY_SESSION, "s", NULL, 0, sess, 2, err, sizeof(err));
    assert_non_null(e);
    entry_destroy(&e);
    sess[0].value = "17"; /* before ENTRY_MIN_TIME_MS */
    expect_rule(make(&a, ENTRY_SESSION, "s", NULL, 0, sess, 2, err, sizeof(err)), err,
                "a session has a title, a time (at, ms) and a place (where)");
    sess[0].value = "1795000000000x";
    expect_rule(make(&a, ENTRY_SESSION, "s", NULL, 0, sess, 2, err, sizeof(err)), err,
                "a session has a title, a time (at, ms) and a place (where)");
    /* the team kinds' rules are team.c's, reached through the table */
    expect_rule(make(&a, ENTRY_ADMIN, NULL, NULL, 0, NULL, 0, err, sizeof(err)), err,
                "a admin entry has exactly the attributes key and team");
    /* unknown kinds pass */
    e = make(&a, 4096, NULL, NULL, 0, NULL, 0, err, sizeof(err));
    assert_non_null(e);
    assert_int_equal(kinds_verify(e, err, sizeof(err)), 0);
    entry_destroy(&e);
}

/* Kind 24, moderation: one ref, action hide|unhide, a hide says why; its documented vector.
 * Numbers, not ENTRY_MODERATION, so the test builds (and fails) where the kind is unknown. */
static void test_moderation(void **state)
{
    struct test_author a;
    char err[256];
    struct entry *e;
    struct entry_attr hide = {"action", "hide"}, bad = {"action", "delete"};
    struct entry_fields f = {0};
    uint8_t ref[ENTRY_ID_LEN];
    size_t i;

    (void)state;
    test_author_init(&a, 9);
    assert_non_null(kinds_name(24));
    assert_string_equal(kinds_name(24), "moderation");
    expect_rule(make(&a, 24, NULL, "spam", 0, &hide, 1, err, sizeof(err)), err,
                "a moderation references one entry, action hide|unhide");
    expect_rule(make(&a, 24, NULL, "spam", 1, &bad, 1, err, sizeof(err)), err,
                "a moderation references one entry, action hide|unhide");
    expect_rule(make(&a, 24, NULL, NULL, 1, &hide, 1, err, sizeof(err)), err,
                "hiding an entry needs a reason (the body)");
    e = make(&a, 24, NULL, "spam", 1, &hide, 1, err, sizeof(err));
    assert_non_null(e);
    entry_destroy(&e);
    hide.value = "unhide"; /* an unhide may give no reason */
    e = make(&a, 24, NULL, NULL, 1, &hide, 1, err, sizeof(err));
    assert_non_null(e);
    entry_destroy(&e);
    /* The vector (docs/PROTOCOL.md): the entry vectors' author (seed 01..20), created_ms
     * 1795000240000, ref 00 01 .. 1f, action hide, body "off-topic advertising". */
    test_author_init(&a, 1);
    for (i = 0; i < ENTRY_ID_LEN; i++)
        ref[i] = (uint8_t)i;
    hide.value = "hide";
    f.kind = 24;
    f.created_ms = 1795000240000ull;
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])ref;
    f.nrefs = 1;
    f.body = "off-topic advertising";
    f.attrs = &hide;
    f.nattrs = 1;
    e = kinds_create(&f, a.pk, test_author_sign, &a, err, sizeof(err));
    assert_non_null(e);
    check_vector(e, "moderation");
    entry_destroy(&e);
}

/* A mentor withdrawal (role withdraw) needs no topics and no person. */
static void test_mentor_withdraw(void **state)
{
    struct test_author a;
    char err[256];
    struct entry *e;
    struct entry_attr role = {"role", "withdraw"};

    (void)state;
    test_author_init(&a, 10);
    e = make(&a, ENTRY_MENTOR, NULL, NULL, 0, &role, 1, err, sizeof(err));
    assert_non_null(e);
    entry_destroy(&e);
    role.value = "retire";
    assert_null(make(&a, ENTRY_MENTOR, NULL, NULL, 0, &role, 1, err, sizeof(err)));
}

static void test_accessors(void **state)
{
    struct test_author a;
    char err[256];
    struct entry *e;
    struct entry_attr at[] = {
        {"a", "-5"},
        {"at", "1795000000000"},
        {"big", "18446744073709551616"},
        {"k", KEY64},
        {"no", "0"},
        {"up", "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"},
        {"x", "12x"},
        {"yes", "1"}};
    uint64_t u = 42;
    int64_t i = 42;
    uint8_t key[ENTRY_KEY_LEN];
    int b = 7;

    (void)state;
    test_author_init(&a, 8);
    e = make(&a, 4096, NULL, NULL, 0, at, sizeof(at) / sizeof(at[0]), err, sizeof(err));
    assert_non_null(e);
    assert_int_equal(kinds_attr_u64(e, "at", &u), 0);
    assert_int_equal(u, 1795000000000ull);
    assert_int_equal(kinds_attr_u64(e, "big", &u), -1);
    assert_int_equal(kinds_attr_u64(e, "x", &u), -1);
    assert_int_equal(kinds_attr_u64(e, "missing", &u), -1);
    assert_int_equal(u, 1795000000000ull); /* untouched on failure */
    assert_int_equal(kinds_attr_i64(e, "a", &i), 0);
    assert_int_equal(i, -5);
    assert_int_equal(kinds_attr_i64(e, "x", &i), -1);
    assert_int_equal(kinds_attr_key(e, "k", key), 0);
    assert_int_equal(key[0], 0x00);
    assert_int_equal(key[1], 0x11);
    assert_int_equal(key[31], 0xff);
    assert_int_equal(kinds_attr_key(e, "up", key), -1); /* keys are lowercase */
    assert_int_equal(kinds_attr_key(e, "at", key), -1);
    assert_int_equal(kinds_attr_bool(e, "yes", &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(kinds_attr_bool(e, "no", &b), 0);
    assert_int_equal(b, 0);
    assert_int_equal(kinds_attr_bool(e, "a", &b), -1);
    assert_int_equal(b, 0);
    entry_destroy(&e);
}

/* A goal (kind 25) with tags, attrs and a body: kinds_create of it. */
static struct entry *make_goal(struct test_author *a, const char *const *tags, size_t ntags,
                               const struct entry_attr *attrs, size_t nattrs, const char *body,
                               char *err, size_t errlen)
{
    struct entry_fields f = {0};

    f.kind = 25;
    f.created_ms = 1795000300000ull;
    f.tags = tags;
    f.ntags = ntags;
    f.attrs = attrs;
    f.nattrs = nattrs;
    f.body = body;
    return kinds_create(&f, a->pk, test_author_sign, a, err, errlen);
}

/* Kind 25, goal: one topic, state active|done|dropped, an optional until that is a time; its
 * documented vector. Numbers, not ENTRY_GOAL, so the test builds (and fails) where it is unknown.
 */
static void test_goal(void **state)
{
    struct test_author a;
    char err[256];
    const char *one[1] = {"terraform"}, *two[2] = {"terraform", "aws"};
    struct entry_attr ok[2] = {{"state", "active"}, {"until", "1802000000000"}};
    struct entry_attr bad_state = {"state", "paused"};
    struct entry_attr bad_until[2] = {{"state", "done"}, {"until", "soon"}};
    struct entry *e;

    (void)state;
    test_author_init(&a, 11);
    assert_non_null(kinds_name(25));
    assert_string_equal(kinds_name(25), "goal");
    expect_rule(make_goal(&a, NULL, 0, ok, 1, NULL, err, sizeof(err)), err,
                "a goal names one topic (tag), state active|done|dropped");
    expect_rule(make_goal(&a, two, 2, ok, 1, NULL, err, sizeof(err)), err,
                "a goal names one topic (tag), state active|done|dropped");
    expect_rule(make_goal(&a, one, 1, &bad_state, 1, NULL, err, sizeof(err)), err,
                "a goal names one topic (tag), state active|done|dropped");
    expect_rule(make_goal(&a, one, 1, bad_until, 2, NULL, err, sizeof(err)), err,
                "a goal's until is a time (ms since the epoch)");
    e = make_goal(&a, one, 1, bad_until, 1, NULL, err, sizeof(err)); /* done, no until, no why */
    assert_non_null(e);
    entry_destroy(&e);
    /* The vector (docs/PROTOCOL.md): the entry vectors' author (seed 01..20), created_ms
     * 1795000300000, tag terraform, state active, until 1802000000000, body the why. */
    test_author_init(&a, 1);
    e = make_goal(&a, one, 1, ok, 2, "We move our infrastructure to it this quarter.", err,
                  sizeof(err));
    assert_non_null(e);
    check_vector(e, "goal");
    entry_destroy(&e);
}

/* A session may be a circle meeting: its circle is one of its tags. */
static void test_session_circle(void **state)
{
    struct test_author a;
    char err[256];
    struct entry_fields f = {0};
    const char *tags[1] = {"terraform"};
    struct entry_attr attrs[3] = {{"at", "1795000600000"}, {"circle", "aws"}, {"where", "r1"}};
    struct entry *e;

    (void)state;
    test_author_init(&a, 12);
    f.kind = ENTRY_SESSION;
    f.created_ms = T0;
    f.title = "Circle meeting";
    f.tags = tags;
    f.ntags = 1;
    f.attrs = attrs;
    f.nattrs = 3;
    e = kinds_create(&f, a.pk, test_author_sign, &a, err, sizeof(err));
    assert_null(e);
    assert_string_equal(err, "a circle meeting's circle is one of the session's tags");
    attrs[1].value = "terraform";
    e = kinds_create(&f, a.pk, test_author_sign, &a, err, sizeof(err));
    assert_non_null(e);
    entry_destroy(&e);
}

/* A synonym (kind 26) with attrs and a body: kinds_create of it. */
static struct entry *make_synonym(struct test_author *a, const struct entry_attr *attrs,
                                  size_t nattrs, const char *body, char *err, size_t errlen)
{
    struct entry_fields f = {0};

    f.kind = 26;
    f.created_ms = 1795000400000ull;
    f.attrs = attrs;
    f.nattrs = nattrs;
    f.body = body;
    return kinds_create(&f, a->pk, test_author_sign, a, err, errlen);
}

/* Kind 26, synonym: an alias that is a tag, action add (a canonical tag, another) or drop (none);
 * its documented vector. Numbers, not ENTRY_SYNONYM, so the test builds where it is unknown. */
static void test_synonym(void **state)
{
    struct test_author a;
    char err[256];
    struct entry_attr ok[3] = {{"action", "add"}, {"alias", "k8s"}, {"canonical", "kubernetes"}};
    struct entry_attr no_canon[2] = {{"action", "add"}, {"alias", "k8s"}};
    struct entry_attr self[3] = {{"action", "add"}, {"alias", "k8s"}, {"canonical", "k8s"}};
    struct entry_attr bad_alias[3] = {{"action", "add"}, {"alias", "K8s"}, {"canonical", "kube"}};
    struct entry_attr bad_canon[3] = {{"action", "add"}, {"alias", "k8s"}, {"canonical", "a b"}};
    struct entry_attr drop[2] = {{"action", "drop"}, {"alias", "k8s"}};
    struct entry_attr drop_canon[3] = {{"action", "drop"}, {"alias", "k8s"}, {"canonical", "x"}};
    struct entry_attr bad_action[2] = {{"action", "merge"}, {"alias", "k8s"}};
    struct entry *e;

    (void)state;
    test_author_init(&a, 13);
    assert_string_equal(kinds_name(26), "synonym");
    expect_rule(make_synonym(&a, bad_action, 2, NULL, err, sizeof(err)), err,
                "a synonym names an alias (a tag), action add|drop");
    expect_rule(make_synonym(&a, ok, 1, NULL, err, sizeof(err)), err,
                "a synonym names an alias (a tag), action add|drop");
    expect_rule(make_synonym(&a, bad_alias, 3, NULL, err, sizeof(err)), err,
                "a synonym's alias is a tag");
    expect_rule(make_synonym(&a, no_canon, 2, NULL, err, sizeof(err)), err,
                "a synonym added names its canonical tag, not the alias");
    expect_rule(make_synonym(&a, self, 3, NULL, err, sizeof(err)), err,
                "a synonym added names its canonical tag, not the alias");
    expect_rule(make_synonym(&a, bad_canon, 3, NULL, err, sizeof(err)), err,
                "a synonym added names its canonical tag, not the alias");
    expect_rule(make_synonym(&a, drop_canon, 3, NULL, err, sizeof(err)), err,
                "a synonym dropped names no canonical tag");
    e = make_synonym(&a, drop, 2, NULL, err, sizeof(err));
    assert_non_null(e);
    entry_destroy(&e);
    /* The vector (docs/PROTOCOL.md): the entry vectors' author (seed 01..20), created_ms
     * 1795000400000, k8s -> kubernetes, body the why. */
    test_author_init(&a, 1);
    e = make_synonym(&a, ok, 3, "Everyone says k8s.", err, sizeof(err));
    assert_non_null(e);
    check_vector(e, "synonym");
    entry_destroy(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),           cmocka_unit_test(test_rules),
        cmocka_unit_test(test_accessors),       cmocka_unit_test(test_moderation),
        cmocka_unit_test(test_mentor_withdraw), cmocka_unit_test(test_goal),
        cmocka_unit_test(test_session_circle),  cmocka_unit_test(test_synonym),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
