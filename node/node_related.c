/*
 * node_related: topics related to a topic, learned from the replica (docs/API.md, who_knows).
 *
 * Two signals, each the team's own usage:
 *  - beside: for a topic that is a tag T, the tags U that questions and notes carry together
 *    with T (among T's newest RELATED_BESIDE_SAMPLE), as a cosine: both / sqrt(count(T) *
 *    count(U)), count(T) at most the sample;
 *  - words: the topic's words searched (any of them, best first, the first RELATED_RESULTS
 *    entries), and the tags those entries carry (an answer or comment: its question's), each
 *    result weighing its bm25 score's share of the best result's; a tag's sum is divided by
 * sqrt(count(U)) so a tag on everything does not win by being common, and a tag must be on
 * RELATED_MIN_SUPPORT results. Each signal is scaled so its best tag has 1; a tag's weight is the
 * larger of its two. Only tags of weight RELATED_MIN_WEIGHT or more are kept, at most
 * NODE_RELATED_MAX, best first, ties by tag: the same replica gives the same topics on every node.
 */
#include "node_related.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "node_args.h"
#include "xmalloc.h"

#define RELATED_RESULTS 50
#define RELATED_BESIDE_SAMPLE 500 /* the topic's newest entries read for the tags beside it */
#define RELATED_MIN_SUPPORT 1     /* results of the words carrying a tag */
#define RELATED_MIN_BESIDE 2      /* entries carrying both tags */
/* A tag's count is read up to this many: beyond it every tag is as common (a bounded read). */
#define RELATED_COUNT_CAP 10000
#define RELATED_MIN_WEIGHT 0.25

struct related_cand {
    char tag[ENTRY_TAG_MAX + 1];
    double words, beside; /* each signal's score */
    long long support;    /* results carrying it (words) */
};

struct related_acc {
    struct node *n;
    struct related_cand *v;
    size_t nv, cap;
    const char *own;   /* the topic's own tag, or "" */
    size_t results;    /* entries the words found */
    double first_rank; /* the best one's bm25 */
};

/* The candidate for tag, made if new. */
static struct related_cand *related_cand(struct related_acc *a, const char *tag)
{
    size_t i;

    for (i = 0; i < a->nv; i++)
        if (strcmp(a->v[i].tag, tag) == 0)
            return &a->v[i];
    if (a->nv == a->cap) {
        a->cap = a->cap != 0 ? 2 * a->cap : 32;
        a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
    }
    memset(&a->v[a->nv], 0, sizeof(a->v[a->nv]));
    snprintf(a->v[a->nv].tag, sizeof(a->v[a->nv].tag), "%s", tag);
    return &a->v[a->nv++];
}

/* Credit the tags of e (or, with none, of the entry it refers to) with weight w. */
static void related_credit(struct related_acc *a, const struct entry *e, double w)
{
    struct entry *q = NULL;
    const struct entry *from = e;
    struct related_cand *c;
    size_t i;

    if (entry_ntags(e) == 0 && entry_nrefs(e) == 1 &&
        replica_get(a->n->replica, entry_ref(e, 0), &q, NULL, 0) == REPLICA_FOUND)
        from = q;
    for (i = 0; i < entry_ntags(from); i++) {
        if (strcmp(entry_tag(from, i), a->own) == 0)
            continue;
        c = related_cand(a, entry_tag(from, i));
        c->words += w;
        c->support++;
    }
    entry_destroy(&q);
}

static int related_word_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct related_acc *a = ctx;

    (void)snippet;
    if (a->results == 0)
        a->first_rank = rank;
    /* bm25 is negative, lower is better: a result weighs its score's share of the best one's */
    related_credit(a, e, a->first_rank < 0 && rank < 0 ? rank / a->first_rank : 1.0);
    a->results++;
    return 0;
}

static int related_beside_row(void *ctx, const char *tag, long long both)
{
    related_cand(ctx, tag)->beside += (double)both;
    return 0;
}

/* Best first, then by tag. */
static int related_cmp(const void *x, const void *y)
{
    const struct related_cand *a = x, *b = y;
    double wa = a->words > a->beside ? a->words : a->beside;
    double wb = b->words > b->beside ? b->words : b->beside;

    if (wa != wb)
        return wa > wb ? -1 : 1;
    return strcmp(a->tag, b->tag);
}

/* Turn the raw sums into the two signals' scores, each scaled to a best of 1. */
static void related_score(struct related_acc *a, long long own_count)
{
    long long count;
    double best_w = 0, best_b = 0;
    size_t i;

    for (i = 0; i < a->nv; i++) {
        struct related_cand *c = &a->v[i];
        if (c->support < RELATED_MIN_SUPPORT && c->beside < RELATED_MIN_BESIDE) {
            c->words = c->beside = 0; /* neither signal counts it: no count to read */
            continue;
        }
        count = replica_tag_count(a->n->replica, c->tag, RELATED_COUNT_CAP);
        if (count <= 0) {
            c->words = c->beside = 0;
            continue;
        }
        if (c->support < RELATED_MIN_SUPPORT)
            c->words = 0;
        else
            c->words /= sqrt((double)count);
        c->beside = own_count > 0 && c->beside >= RELATED_MIN_BESIDE
                        ? c->beside / sqrt((double)own_count * (double)count)
                        : 0;
        best_w = c->words > best_w ? c->words : best_w;
        best_b = c->beside > best_b ? c->beside : best_b;
    }
    for (i = 0; i < a->nv; i++) {
        a->v[i].words = best_w > 0 ? a->v[i].words / best_w : 0;
        a->v[i].beside = best_b > 0 ? a->v[i].beside / best_b : 0;
    }
}

void node_related_topics(struct node *n, const char *topic, struct node_related *out)
{
    struct related_acc a = {n, NULL, 0, 0, "", 0, 0};
    struct replica_query q = {0};
    char own[ENTRY_TAG_MAX + 1], err[ERRMSG_MAX];
    long long own_count = 0;
    size_t i;
    double w;

    memset(out, 0, sizeof(*out));
    if (node_arg_tag_norm(topic, own) == 0) {
        a.own = own;
        own_count = replica_tag_count(n->replica, own, RELATED_COUNT_CAP);
        if (own_count > RELATED_BESIDE_SAMPLE)
            own_count = RELATED_BESIDE_SAMPLE; /* the pairs are counted among so many */
        if (replica_tag_beside(n->replica, own, RELATED_BESIDE_SAMPLE, related_beside_row, &a) != 0)
            log_debug("node: related topics: tags beside %s failed", own);
    }
    q.any_word = 1;
    q.bounded = 1;
    q.limit = RELATED_RESULTS;
    if (replica_search(n->replica, topic, &q, NULL, NULL, related_word_row, &a, NULL, err,
                       sizeof(err)) != 0)
        log_debug("node: related topics: search: %s", err);
    related_score(&a, own_count);
    if (a.nv > 1)
        qsort(a.v, a.nv, sizeof(*a.v), related_cmp);
    for (i = 0; i < a.nv && out->n < NODE_RELATED_MAX; i++) {
        w = a.v[i].words > a.v[i].beside ? a.v[i].words : a.v[i].beside;
        if (w < RELATED_MIN_WEIGHT)
            break;
        memcpy(out->tag[out->n], a.v[i].tag, sizeof(out->tag[out->n]));
        out->weight[out->n++] = w;
    }
    free(a.v);
}

json_t *node_related_json(const struct node_related *r)
{
    json_t *arr = json_array(), *o;
    size_t i;

    for (i = 0; i < r->n; i++) {
        o = json_object();
        json_object_set_new(o, "tag", json_string(r->tag[i]));
        json_object_set_new(o, "weight", json_real(round(r->weight[i] * 1000.0) / 1000.0));
        json_array_append_new(arr, o);
    }
    return arr;
}
