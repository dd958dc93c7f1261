/* who_knows across a vocabulary gap, measured (tests/fixtures/vocab/README.md): a team's replica
 * (corpus.json: questions, answers, accepts, votes, notes, skills, endorsements of some 27 people)
 * and a labelled set (labelled.json) of topic phrasings that use none of their expert's words.
 * For each pair, who_knows ranks people with "related": false (the topic's own words) and
 * "related": true (also the topics the replica shows related); top-1 and top-3 say how often the
 * expert comes first or among the first three. The figures go to stderr:
 *   VOCAB before top1=..% top3=..% after top1=..% top3=..%
 * Today's "after" figure is asserted as a floor; the target (top-3 >= 90%) only when
 * built with LORE_VOCAB_ASSERT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node_clock.h"
#include "testnode.h"
#include "timeunits.h"

#define VOCAB_PEOPLE_MAX 64
#define VOCAB_TAGS_MAX 8
#define VOCAB_ATTRS_MAX 2

/* The corpus's people: a short name, and a test author from a seed of their own. */
struct vocab_people {
    const char *name[VOCAB_PEOPLE_MAX];
    struct test_author author[VOCAB_PEOPLE_MAX];
    size_t n;
};

/* A fixture file as JSON (the caller decrefs); fails the test if it cannot be read. */
static json_t *vocab_load(const char *file)
{
    char path[512];
    json_error_t jerr;
    json_t *j;

    snprintf(path, sizeof(path), "%s/%s", LORE_VOCAB_FIXTURES, file);
    j = json_load_file(path, 0, &jerr);
    if (j == NULL)
        fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
    assert_non_null(j);
    assert_true(json_is_array(j));
    return j;
}

/* The author of name, added (seed bytes of their own) the first time. NULL past the maximum. */
static struct test_author *vocab_person(struct vocab_people *pp, const char *name)
{
    size_t i;

    for (i = 0; i < pp->n; i++)
        if (strcmp(pp->name[i], name) == 0)
            return &pp->author[i];
    if (pp->n == VOCAB_PEOPLE_MAX)
        return NULL;
    pp->name[pp->n] = name;
    test_author_init(&pp->author[pp->n], (uint8_t)(101 + 2 * pp->n));
    return &pp->author[pp->n++];
}

/* The entry kind a corpus kind names. */
static uint16_t vocab_kind(const char *kind)
{
    uint16_t k = 0;

    assert_non_null(kind);
    assert_int_equal(kinds_parse(kind, &k), 0);
    return k;
}

/* Store one corpus entry as its author wrote it, created at created_ms; its id goes into ids
 * under its local label. Refs, endorsed people and tags are the corpus's. */
static void vocab_add(struct test_node *t, struct vocab_people *pp, json_t *ids, json_t *e,
                      uint64_t created_ms)
{
    const char *tags[VOCAB_TAGS_MAX], *ref = json_string_value(json_object_get(e, "ref"));
    struct test_author *a = vocab_person(pp, json_string_value(json_object_get(e, "author")));
    struct entry_attr attrs[VOCAB_ATTRS_MAX];
    struct entry_fields f = {0};
    char idhex[2 * ENTRY_ID_LEN + 1], num[24], pkhex[2 * ENTRY_KEY_LEN + 1];
    uint8_t rid[ENTRY_ID_LEN];
    json_t *tag, *j;
    size_t i;

    assert_non_null(a);
    f.kind = vocab_kind(json_string_value(json_object_get(e, "kind")));
    f.created_ms = created_ms;
    f.title = json_string_value(json_object_get(e, "title"));
    f.body = json_string_value(json_object_get(e, "body"));
    json_array_foreach(json_object_get(e, "tags"), i, tag)
    {
        assert_true(i < VOCAB_TAGS_MAX);
        tags[i] = json_string_value(tag);
        f.ntags = i + 1;
    }
    f.tags = f.ntags > 0 ? tags : NULL;
    if (ref != NULL) {
        j = json_object_get(ids, ref);
        assert_non_null(j);
        assert_int_equal(hex_decode(json_string_value(j), 2 * ENTRY_ID_LEN, rid, ENTRY_ID_LEN), 0);
        f.refs = (const uint8_t(*)[ENTRY_ID_LEN])rid;
        f.nrefs = 1;
    }
    if (json_is_integer(json_object_get(e, "level"))) {
        snprintf(num, sizeof(num), "%lld",
                 (long long)json_integer_value(json_object_get(e, "level")));
        attrs[f.nattrs++] = (struct entry_attr){"level", num};
    } else if (json_is_integer(json_object_get(e, "value"))) {
        snprintf(num, sizeof(num), "%lld",
                 (long long)json_integer_value(json_object_get(e, "value")));
        attrs[f.nattrs++] = (struct entry_attr){"value", num};
    } else if (json_is_string(json_object_get(e, "person"))) {
        struct test_author *p = vocab_person(pp, json_string_value(json_object_get(e, "person")));

        assert_non_null(p);
        hex_encode(p->pk, ENTRY_KEY_LEN, pkhex);
        attrs[f.nattrs++] = (struct entry_attr){"person", pkhex};
    }
    f.attrs = f.nattrs > 0 ? attrs : NULL;
    test_node_add(t, a, &f, idhex);
    json_object_set_new(ids, json_string_value(json_object_get(e, "id")), json_string(idhex));
}

/* The corpus in the node: a profile for each person (their short name, so who_knows names them),
 * then the entries, each days_ago days before now (a second apart in file order, so entries of
 * one day keep their order). Returns how many entries were stored. */
static size_t vocab_replica(struct test_node *t, struct vocab_people *pp, json_t *corpus)
{
    uint64_t now = node_clock_wall_ms(), oldest = 0, days;
    struct entry_fields f = {0};
    json_t *ids = json_object(), *e;
    size_t i;

    json_array_foreach(corpus, i, e)
    {
        assert_non_null(vocab_person(pp, json_string_value(json_object_get(e, "author"))));
        days = (uint64_t)json_integer_value(json_object_get(e, "days_ago"));
        oldest = days > oldest ? days : oldest;
    }
    for (i = 0; i < pp->n; i++) {
        f.kind = ENTRY_PROFILE;
        f.created_ms = now - (oldest + 1) * LORE_DAY_MS;
        f.title = pp->name[i];
        test_node_add(t, &pp->author[i], &f, NULL);
    }
    json_array_foreach(corpus, i, e)
    {
        days = (uint64_t)json_integer_value(json_object_get(e, "days_ago"));
        vocab_add(t, pp, ids, e, now - days * LORE_DAY_MS - LORE_HOUR_MS + i * 1000);
    }
    json_decref(ids);
    return json_array_size(corpus);
}

/* who_knows for phrasing: the expert's place among the people (0 first), -1 if not ranked, -2 if
 * the op refused the request (its error code in code). first3: the names of the first three. */
static int vocab_rank(struct test_node *t, const char *phrasing, int related, const char *expert,
                      char *first3, size_t len, char *code, size_t codelen)
{
    json_t *req =
               json_pack("{s:s,s:s,s:b}", "op", "who_knows", "topic", phrasing, "related", related),
           *res, *p;
    char *text = json_dumps(req, 0);
    const char *name;
    size_t i, used = 0;
    int at = -1;

    assert_non_null(text);
    res = test_call(t, text);
    free(text);
    json_decref(req);
    first3[0] = '\0';
    if (!json_is_true(json_object_get(res, "ok"))) {
        snprintf(code, codelen, "%s", test_code(res));
        json_decref(res);
        return -2;
    }
    json_array_foreach(json_object_get(res, "people"), i, p)
    {
        name = json_string_value(json_object_get(p, "name"));
        if (name == NULL)
            name = "?";
        if (at < 0 && strcmp(name, expert) == 0)
            at = (int)i;
        if (i < 3 && used < len)
            used += (size_t)snprintf(first3 + used, len - used, "%s%s", i > 0 ? "," : "", name);
    }
    if (getenv("LORE_VOCAB_VERBOSE") != NULL && related) {
        /* the related topics used, for looking into a pair */
        char *rt =
            json_dumps(json_object_get(res, "related"), JSON_COMPACT | JSON_REAL_PRECISION(3));

        fprintf(stderr, "  related: %s\n", rt != NULL ? rt : "?");
        free(rt);
    }
    json_decref(res);
    return at;
}

/* A place as the table shows it: "1" first, "-" not ranked, "n/a" not measured. */
static const char *vocab_place(int at, char *buf, size_t len)
{
    if (at >= 0)
        snprintf(buf, len, "%d", at + 1);
    else
        snprintf(buf, len, "%s", at == -1 ? "-" : "n/a");
    return buf;
}

static double vocab_pct(size_t k, size_t n)
{
    return n > 0 ? 100.0 * (double)k / (double)n : 0.0;
}

static void test_vocab_gap(void **state)
{
    struct test_node *t = *state;
    struct vocab_people *pp = xcalloc(1, sizeof(*pp));
    json_t *corpus = vocab_load("corpus.json"), *labelled = vocab_load("labelled.json"), *pair;
    size_t i, n, entries, b1 = 0, b3 = 0, a1 = 0, a3 = 0, same = 0;
    size_t hn[2] = {0, 0}, hb1[2] = {0, 0}, hb3[2] = {0, 0}, ha1[2] = {0, 0}, ha3[2] = {0, 0};
    char before3[256], after3[256], code[64] = "", pb[16], pa[16];
    const char *phrasing, *expert;
    int before, after, related = 1;

    entries = vocab_replica(t, pp, corpus);
    n = json_array_size(labelled);
    fprintf(stderr, "VOCAB corpus: %zu entries, %zu people; %zu labelled pairs\n", entries, pp->n,
            n);
    assert_true(entries >= 350);
    assert_true(n >= 60);
    fprintf(stderr, "%-58s %-7s %-6s %-6s %s\n", "phrasing", "expert", "before", "after",
            "first three before | after");
    json_array_foreach(labelled, i, pair)
    {
        phrasing = json_string_value(json_object_get(pair, "phrasing"));
        expert = json_string_value(json_object_get(pair, "expert"));
        assert_non_null(phrasing);
        assert_non_null(expert);
        for (size_t k = 0; k < pp->n && strcmp(pp->name[k], expert) != 0; k++)
            assert_true(k + 1 < pp->n); /* the expert is one of the corpus's people */
        before = vocab_rank(t, phrasing, 0, expert, before3, sizeof(before3), code, sizeof(code));
        assert_true(before >= -1);
        after = -2;
        after3[0] = '\0';
        if (related) {
            after = vocab_rank(t, phrasing, 1, expert, after3, sizeof(after3), code, sizeof(code));
            if (after == -2) {
                related = 0; /* not implemented here: the before half still measures */
                fprintf(stderr, "VOCAB related:true is not implemented (who_knows: %s)\n", code);
            }
        }
        b1 += before == 0;
        b3 += before >= 0 && before < 3;
        a1 += after == 0;
        a3 += after >= 0 && after < 3;
        same += after == before && strcmp(after3, before3) == 0;
        hn[i % 2]++;
        hb1[i % 2] += before == 0;
        hb3[i % 2] += before >= 0 && before < 3;
        ha1[i % 2] += after == 0;
        ha3[i % 2] += after >= 0 && after < 3;
        fprintf(stderr, "%-58.58s %-7s %-6s %-6s %s | %s\n", phrasing, expert,
                vocab_place(before, pb, sizeof(pb)),
                vocab_place(related ? after : -2, pa, sizeof(pa)), before3,
                related ? after3 : "n/a");
    }
    if (!related) {
        fprintf(stderr,
                "VOCAB before top1=%.0f%% top3=%.0f%% after n/a (related not implemented)\n",
                vocab_pct(b1, n), vocab_pct(b3, n));
    } else {
        if (same == n)
            fprintf(stderr, "VOCAB related:true ranked exactly as related:false for every pair "
                            "(the argument is ignored: not implemented yet?)\n");
        fprintf(stderr, "VOCAB before top1=%.0f%% top3=%.0f%% after top1=%.0f%% top3=%.0f%%\n",
                vocab_pct(b1, n), vocab_pct(b3, n), vocab_pct(a1, n), vocab_pct(a3, n));
        /* The pairs numbered 1, 3, 5, ... in file order and 2, 4, 6, ...: the related topics
         * were designed on the first half; the second is held out. */
        for (i = 0; i < 2; i++)
            fprintf(stderr,
                    "VOCAB pairs %s (%zu): before top1=%.0f%% top3=%.0f%% after top1=%.0f%% "
                    "top3=%.0f%%\n",
                    i == 0 ? "1,3,5.. (design)" : "2,4,6.. (held out)", hn[i],
                    vocab_pct(hb1[i], hn[i]), vocab_pct(hb3[i], hn[i]), vocab_pct(ha1[i], hn[i]),
                    vocab_pct(ha3[i], hn[i]));
    }
    /* What related topics (each word's tags, shared among a topic's questions) and the squared
     * bm25 shares reach today (top-3 77%, top-1 48%; by the topic's words counted alike, 25%
     * and 11%), kept from going back, less two pairs; the target, top-3 >= 90%, with
     * LORE_VOCAB_ASSERT (6 pairs have no word the replica links to their expert's topics). */
    assert_true(related);
    assert_true(100 * a3 >= 73 * n);
    assert_true(a3 > b3 && a1 >= b1);
#ifdef LORE_VOCAB_ASSERT
    assert_true(10 * a3 >= 9 * n);
#endif
    json_decref(corpus);
    json_decref(labelled);
    free(pp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vocab_gap, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
