/* The similar-question hints `lore ask` prints, measured on a labelled set of question pairs
 * (tests/data/similar_pairs.tsv): precision (of the hints shown, how many were the same question)
 * and recall (of the same questions, how many were shown). Every existing question of the set is
 * asked in one replica; then each asked question gets its hints, through node_call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testnode.h"

#define PAIRS_MAX 256
#define LINE_MAX_LEN 512

struct pair {
    int similar;
    char asked[200], existing[200];
};

struct pairs {
    struct pair p[PAIRS_MAX];
    size_t n;
};

/* Read the labelled pairs: label<TAB>asked<TAB>existing, '#' lines are comments. */
static void pairs_load(struct pairs *ps)
{
    FILE *f = fopen(LORE_SOURCE_DIR "/tests/data/similar_pairs.tsv", "r");
    char line[LINE_MAX_LEN], *a, *b;

    assert_non_null(f);
    ps->n = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        a = strchr(line, '\t');
        b = a != NULL ? strchr(a + 1, '\t') : NULL;
        assert_non_null(b);
        assert_true(ps->n < PAIRS_MAX);
        *a = *b = '\0';
        ps->p[ps->n].similar = line[0] == '1';
        snprintf(ps->p[ps->n].asked, sizeof(ps->p[ps->n].asked), "%s", a + 1);
        snprintf(ps->p[ps->n].existing, sizeof(ps->p[ps->n].existing), "%s", b + 1);
        ps->n++;
    }
    fclose(f);
}

/* The hints for title: the response of the method (the caller decrefs). */
static json_t *hints(struct test_node *t, const char *method, const char *title)
{
    json_t *req, *res;

    if (strcmp(method, "similar") == 0)
        req = json_pack("{s:s,s:s,s:i}", "op", "similar", "title", title, "limit", 3);
    else /* what lore ask used before: a search for any of the words */
        req = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:b}", "op", "search", "query", title, "kind",
                        "question", "limit", 3, "hl_open", "", "hl_close", "", "any", 1);
    res = node_call(t->n, req);
    json_decref(req);
    return res;
}

/* 1 if the pair (asked, existing) is labelled similar. */
static int labelled_similar(const struct pairs *ps, const char *asked, const char *existing)
{
    size_t i;

    for (i = 0; i < ps->n; i++)
        if (strcmp(ps->p[i].asked, asked) == 0 && strcmp(ps->p[i].existing, existing) == 0)
            return ps->p[i].similar;
    return 0;
}

/* Precision and recall of method over the set, in a replica holding every existing question. */
static void measure(struct test_node *t, const struct pairs *ps, const char *method,
                    double *precision, double *recall)
{
    size_t i, j, k, tp = 0, fp = 0, fn = 0, shown;
    json_t *res, *r;
    const char *title;
    int seen;

    for (i = 0; i < ps->n; i++) {
        for (j = 0; j < i && strcmp(ps->p[j].asked, ps->p[i].asked) != 0; j++)
            ;
        if (j < i)
            continue; /* each asked question once */
        res = hints(t, method, ps->p[i].asked);
        assert_true(json_is_true(json_object_get(res, "ok")));
        json_array_foreach(json_object_get(res, "results"), k, r)
        {
            title = json_string_value(json_object_get(json_object_get(r, "entry"), "title"));
            if (labelled_similar(ps, ps->p[i].asked, title)) {
                tp++;
            } else {
                fp++;
                printf("  %s: noise for '%s': '%s'\n", method, ps->p[i].asked, title);
            }
        }
        for (j = i; j < ps->n; j++) {
            if (!ps->p[j].similar || strcmp(ps->p[j].asked, ps->p[i].asked) != 0)
                continue;
            seen = 0;
            shown = json_array_size(json_object_get(res, "results"));
            for (k = 0; k < shown; k++) {
                r = json_object_get(json_array_get(json_object_get(res, "results"), k), "entry");
                seen |=
                    strcmp(json_string_value(json_object_get(r, "title")), ps->p[j].existing) == 0;
            }
            if (!seen) {
                fn++;
                printf("  %s: missed for '%s': '%s'\n", method, ps->p[i].asked, ps->p[j].existing);
            }
        }
        json_decref(res);
    }
    *precision = tp + fp > 0 ? (double)tp / (double)(tp + fp) : 1.0;
    *recall = tp + fn > 0 ? (double)tp / (double)(tp + fn) : 1.0;
    printf("%s: precision %.3f (%zu of %zu hints), recall %.3f (%zu of %zu)\n", method, *precision,
           tp, tp + fp, *recall, tp, tp + fn);
}

static void test_similar_precision(void **state)
{
    struct test_node *t = *state;
    struct pairs *ps = xcalloc(1, sizeof(*ps));
    size_t i, j;
    json_t *req;
    double p_old, r_old, p_new, r_new;

    pairs_load(ps);
    assert_true(ps->n >= 50);
    for (i = 0; i < ps->n; i++) {
        for (j = 0; j < i && strcmp(ps->p[j].existing, ps->p[i].existing) != 0; j++)
            ;
        if (j < i)
            continue;
        req = json_pack("{s:s,s:s,s:s}", "op", "post", "kind", "question", "title",
                        ps->p[i].existing);
        json_decref(node_call(t->n, req));
        json_decref(req);
    }
    printf("%zu labelled pairs\n", ps->n);
    measure(t, ps, "search-any", &p_old, &r_old);
    measure(t, ps, "similar", &p_new, &r_new);
    /* The floors: what op similar reaches on this set (0.968 and 0.909), with a margin. The search
     * for any of the words that ask used before reaches 0.252 and 1.000: its hints were noise. */
    assert_true(p_new >= 0.9);
    assert_true(r_new >= 0.8);
    free(ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_similar_precision, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
