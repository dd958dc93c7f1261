/*
 * node_related: topics related to a topic, learned from the replica (docs/API.md, who_knows).
 *
 * Two signals, each the team's own usage:
 *  - beside: for a topic that is a tag T, the tags U that questions and notes carry together
 *    with T (among T's newest RELATED_BESIDE_SAMPLE), as a cosine: both / sqrt(count(T) *
 *    count(U)), count(T) at most the sample;
 *  - words: each of the topic's words (the first RELATED_WORDS) on its own, as a per-tag term
 *    profile read at query time: of the newest RELATED_WORD_SAMPLE questions, answers, notes and
 *    comments holding the word, the share carrying tag U (an answer or comment: its question's
 *    tags), times the word's idf, log((N - df + 0.5) / (df + 0.5)) as bm25 has it; a tag's score
 *    is the sum over the words. Each word asks alone, so a tag that several words each point to
 *    wins even when no entry holds two of them (the askers' everyday words and the experts'
 *    jargon meet on the tag), a word on everything (idf 0 or less) says nothing and is not read,
 *    and a rare word's entries count in full. A tag's share needs no count of the tag: a tag on
 *    everything has a small share of each word.
 * Each signal is scaled so its best tag has 1; a tag's weight is the larger of its two. Only tags
 * of weight RELATED_MIN_WEIGHT or more are kept, at most NODE_RELATED_MAX, best first, ties by
 * tag. The same entries give the same topics on every node, but for words and tags held by more
 * entries than a sample: the sample is the newest by the local store order.
 */
#include "node_related.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "node_args.h"
#include "node_map.h"
#include "node_synonyms.h"
#include "xmalloc.h"

#define RELATED_BESIDE_SAMPLE 500 /* the topic's newest entries read for the tags beside it */
#define RELATED_MIN_BESIDE 2      /* entries carrying both tags */
/* A tag's count is read up to this many: beyond it every tag is as common (a bounded read). */
#define RELATED_COUNT_CAP 10000
#define RELATED_MIN_WEIGHT 0.25
#define RELATED_WORDS 16        /* the topic's first words asked about */
#define RELATED_WORD_MAX 64     /* bytes; a longer word is skipped */
#define RELATED_WORD_SAMPLE 500 /* a word's newest entries read for its tags */

struct related_cand {
    char tag[ENTRY_TAG_MAX + 1];
    double words, beside; /* each signal's score */
    long long tally;      /* entries of the word being read carrying it */
};

struct related_acc {
    struct node *n;
    struct related_cand *v;
    size_t nv, cap;
    struct node_map *at; /* tag -> index in v */
    const char *own;     /* the topic's own tag, or "" */
};

/* The candidate for tag, made if new. */
static struct related_cand *related_cand(struct related_acc *a, const char *tag)
{
    size_t i;

    if (node_map_get(a->at, tag, &i))
        return &a->v[i];
    if (a->nv == a->cap) {
        a->cap = a->cap != 0 ? 2 * a->cap : 32;
        a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
    }
    memset(&a->v[a->nv], 0, sizeof(a->v[a->nv]));
    snprintf(a->v[a->nv].tag, sizeof(a->v[a->nv].tag), "%s", tag);
    node_map_put(a->at, tag, a->nv);
    return &a->v[a->nv++];
}

static int related_word_tag(void *ctx, const char *tag, long long one)
{
    struct related_acc *a = ctx;
    char canon[ENTRY_TAG_MAX + 1];

    node_syn_canon(a->n, tag, canon); /* an alias is its canonical tag */
    if (strcmp(canon, a->own) != 0)
        related_cand(a, canon)->tally += one;
    return 0;
}

/* A byte of a word: ASCII letters and digits, and every byte of a non-ASCII character (the
 * tokeniser decides what those are). */
static int related_word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Add what word says about tags to the candidates' words scores. */
static void related_word(struct related_acc *a, const char *word)
{
    long long df, rows, sampled;
    double idf;
    size_t i;

    if (replica_word_tags(a->n->replica, word, RELATED_WORD_SAMPLE, &df, &rows, &sampled,
                          related_word_tag, a) != 0)
        log_debug("node: related topics: the tags of %s failed", word);
    idf = df > 0 && rows > df ? log(((double)rows - (double)df + 0.5) / ((double)df + 0.5)) : 0;
    for (i = 0; i < a->nv; i++) {
        if (a->v[i].tally > 0 && idf > 0 && sampled > 0)
            a->v[i].words += idf * (double)a->v[i].tally / (double)sampled;
        a->v[i].tally = 0;
    }
}

/* The words signal for topic: its first RELATED_WORDS distinct words, each read alone. */
static void related_words(struct related_acc *a, const char *topic)
{
    char seen[RELATED_WORDS][RELATED_WORD_MAX + 1];
    const char *p = topic;
    size_t nseen = 0, len, i, k;

    while (nseen < RELATED_WORDS) {
        while (*p != '\0' && !related_word_byte((unsigned char)*p))
            p++;
        for (len = 0; related_word_byte((unsigned char)p[len]); len++)
            ;
        if (len == 0)
            break;
        if (len <= RELATED_WORD_MAX) {
            for (i = 0; i < len; i++)
                seen[nseen][i] = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] - 'A' + 'a') : p[i];
            seen[nseen][len] = '\0';
            for (k = 0; k < nseen && strcmp(seen[k], seen[nseen]) != 0; k++)
                ;
            if (k == nseen)
                related_word(a, seen[nseen++]);
        }
        p += len;
    }
}

static int related_beside_row(void *ctx, const char *tag, long long both)
{
    struct related_acc *a = ctx;
    char canon[ENTRY_TAG_MAX + 1];

    node_syn_canon(a->n, tag, canon); /* beside its class: another alias of it is no topic */
    if (strcmp(canon, a->own) != 0)
        related_cand(a, canon)->beside += (double)both;
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
        if (own_count > 0 && c->beside >= RELATED_MIN_BESIDE) {
            /* only the beside signal needs the tag's count */
            count = replica_tag_count(a->n->replica, c->tag, RELATED_COUNT_CAP);
            c->beside = count > 0 ? c->beside / sqrt((double)own_count * (double)count) : 0;
        } else {
            c->beside = 0;
        }
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
    struct related_acc a = {n, NULL, 0, 0, node_map_new(), ""};
    char own[ENTRY_TAG_MAX + 1];
    long long own_count = 0;
    size_t i;
    double w;

    memset(out, 0, sizeof(*out));
    if (node_arg_tag_norm(topic, own) == 0) {
        node_syn_canon(n, own, own);
        a.own = own;
        own_count = replica_tag_count(n->replica, own, RELATED_COUNT_CAP);
        if (own_count > RELATED_BESIDE_SAMPLE)
            own_count = RELATED_BESIDE_SAMPLE; /* the pairs are counted among so many */
        if (replica_tag_beside(n->replica, own, RELATED_BESIDE_SAMPLE, related_beside_row, &a) != 0)
            log_debug("node: related topics: tags beside %s failed", own);
    }
    related_words(&a, topic);
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
    node_map_destroy(&a.at);
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
