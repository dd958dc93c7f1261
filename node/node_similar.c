/* node_similar: the op similar — questions already asked that look like a new title, for the hints
 * `lore ask` prints. Measured on tests/data/similar_pairs.tsv (test_node_similar). */
#include "node_similar.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "buf.h"
#include "node_args.h"
#include "node_json.h"
#include "node_view.h"
#include "xmalloc.h"

#define SIMILAR_TERMS_MAX 16    /* significant words of a title */
#define SIMILAR_TERM_LEN 40     /* bytes of one (longer words are cut) */
#define SIMILAR_CANDIDATES 20   /* full-text matches looked at */
#define SIMILAR_LIMIT_MAX 10    /* hints at most */
#define SIMILAR_BM25_SHARE 0.35 /* a hint scores at least this share of the best match */

/* Words that say nothing about what a question is about: function words, question words and
 * the politeness around a question. Sorted, for bsearch. */
static const char *const similar_stop[] = {
    "a",      "about",   "after",  "again", "all",      "also",    "am",    "an",   "and",
    "any",    "anybody", "anyone", "are",   "as",       "ask",     "at",    "be",   "been",
    "being",  "but",     "by",     "can",   "could",    "did",     "do",    "does", "doesn",
    "doing",  "don",     "else",   "for",   "from",     "get",     "got",   "had",  "has",
    "have",   "having",  "hello",  "help",  "here",     "hey",     "hi",    "how",  "i",
    "if",     "in",      "into",   "is",    "isn",      "it",      "its",   "just", "know",
    "like",   "many",    "may",    "me",    "might",    "mine",    "much",  "must", "my",
    "need",   "no",      "not",    "now",   "of",       "on",      "one",   "or",   "our",
    "please", "should",  "so",     "some",  "somebody", "someone", "still", "than", "thanks",
    "that",   "the",     "their",  "them",  "then",     "there",   "these", "they", "this",
    "those",  "to",      "too",    "up",    "us",       "use",     "want",  "was",  "we",
    "were",   "what",    "whats",  "when",  "where",    "which",   "who",   "whom", "whose",
    "why",    "will",    "with",   "would", "yes",      "you",     "your",
};

struct similar_terms {
    char t[SIMILAR_TERMS_MAX][SIMILAR_TERM_LEN + 1];
    size_t n;
};

static int similar_cmp_stop(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

/* Fold a word to the form both sides are compared in: plural and verb endings off ("reports",
 * "expired" and "renewing" meet "report", "expir" and "renew"), as FTS5's porter stemmer does
 * for the search itself, roughly. */
static void similar_stem(char *w)
{
    size_t n = strlen(w);

    if (n > 5 && strcmp(w + n - 3, "ing") == 0)
        w[n -= 3] = '\0';
    else if (n > 4 && strcmp(w + n - 2, "ed") == 0)
        w[n -= 2] = '\0';
    else if (n > 4 && strcmp(w + n - 3, "ies") == 0)
        memcpy(w + (n -= 2) - 1, "y", 2);
    else if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u')
        w[--n] = '\0';
    if (n > 4 && w[n - 1] == 'e')
        w[n - 1] = '\0'; /* "expire" and "expired" (after "ed") meet */
}

/* The significant words of text: ASCII letters and digits (lower-cased) and UTF-8 letters as they
 * are, without stop words and one-byte words, stemmed, each once. */
static void similar_terms(const char *text, struct similar_terms *ts)
{
    const unsigned char *p = (const unsigned char *)text;
    char w[SIMILAR_TERM_LEN + 1];
    size_t k, i;
    bool word;

    ts->n = 0;
    while (*p != '\0' && ts->n < SIMILAR_TERMS_MAX) {
        for (k = 0;; p++) {
            unsigned char c = *p;
            word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80 ||
                   (c >= 'A' && c <= 'Z');
            if (!word)
                break;
            if (k < SIMILAR_TERM_LEN)
                w[k++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
        if (*p != '\0')
            p++;
        w[k] = '\0';
        if (k < 2 || bsearch(w, similar_stop, sizeof(similar_stop) / sizeof(similar_stop[0]),
                             sizeof(similar_stop[0]), similar_cmp_stop) != NULL)
            continue;
        similar_stem(w);
        for (i = 0; i < ts->n && strcmp(ts->t[i], w) != 0; i++)
            ;
        if (i == ts->n)
            memcpy(ts->t[ts->n++], w, sizeof(w));
    }
}

/* How many of a's terms b has. */
static size_t similar_overlap(const struct similar_terms *a, const struct similar_terms *b)
{
    size_t i, j, n = 0;

    for (i = 0; i < a->n; i++)
        for (j = 0; j < b->n; j++)
            if (strcmp(a->t[i], b->t[j]) == 0) {
                n++;
                break;
            }
    return n;
}

struct similar_cand {
    json_t *entry; /* the view */
    double bm25;
};

struct similar_run {
    struct node *node;
    struct similar_cand c[SIMILAR_CANDIDATES];
    size_t n;
};

static int similar_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct similar_run *run = ctx;

    (void)snippet;
    if (run->n == SIMILAR_CANDIDATES)
        return 1;
    run->c[run->n].entry = node_view_entry(run->node, e);
    run->c[run->n].bm25 = rank;
    run->n++;
    return 0;
}

/* The match query of ts: its terms, any of them (each quoted by the search grammar). */
static int similar_query(const struct similar_terms *ts, struct buf *q)
{
    size_t i;

    buf_init(q, SIMILAR_TERMS_MAX * (SIMILAR_TERM_LEN + 1) + 1);
    for (i = 0; i < ts->n; i++)
        if (buf_printf(q, "%s%s", i > 0 ? " " : "", ts->t[i]) != 0)
            return -1;
    return 0;
}

/*
 * A hint must be the same question in other words, not one sharing a word with it: the title's
 * significant words (no stop or question words) are searched, any of them, among questions; a
 * match is kept if it scores at least SIMILAR_BM25_SHARE of the best match's bm25 and shares with
 * the title at least half the significant words of the shorter of the two, and two words when
 * both have two or more.
 */
static json_t *op_similar(struct node *n, json_t *req)
{
    struct similar_terms mine, theirs;
    struct similar_run run = {n, {{0}}, 0};
    struct replica_query q = {0};
    const char *title, *exclude;
    long long limit = 3;
    struct buf match;
    char err[ERRMSG_MAX];
    size_t i, overlap, shorter;
    json_t *o, *results, *r;

    if (node_arg_str(req, "title", &title) != 0 || title == NULL || strlen(title) > 1000)
        return api_error("bad_request", "similar needs a title (at most 1000 bytes)");
    if (node_arg_str(req, "exclude", &exclude) != 0 ||
        node_arg_int(req, "limit", 1, SIMILAR_LIMIT_MAX, &limit) != 0)
        return api_error("bad_request", "exclude must be an id, limit 1 to %d", SIMILAR_LIMIT_MAX);
    results = json_array();
    similar_terms(title, &mine);
    buf_init(&match, 0);
    if (mine.n == 0 || similar_query(&mine, &match) != 0)
        goto done;
    q.kind = ENTRY_QUESTION;
    q.any_word = 1;
    q.limit = SIMILAR_CANDIDATES;
    if (replica_search(n->replica, (const char *)match.data, &q, "", "", similar_row, &run, NULL,
                       err, sizeof(err)) != 0)
        goto done; /* a hint is a courtesy: none rather than an error */
    for (i = 0; i < run.n && json_array_size(results) < (size_t)limit; i++) {
        r = run.c[i].entry;
        if (exclude != NULL && json_is_string(json_object_get(r, "id")) &&
            strcmp(json_string_value(json_object_get(r, "id")), exclude) == 0)
            continue;
        similar_terms(json_is_string(json_object_get(r, "title"))
                          ? json_string_value(json_object_get(r, "title"))
                          : "",
                      &theirs);
        overlap = similar_overlap(&mine, &theirs);
        shorter = mine.n < theirs.n ? mine.n : theirs.n;
        if (run.c[i].bm25 > SIMILAR_BM25_SHARE * run.c[0].bm25 || 2 * overlap < shorter ||
            overlap < (shorter >= 2 ? 2 : 1))
            continue;
        o = json_object();
        json_object_set(o, "entry", r);
        json_object_set_new(o, "shared", json_integer((json_int_t)overlap));
        json_array_append_new(results, o);
    }
done:
    for (i = 0; i < run.n; i++)
        json_decref(run.c[i].entry);
    buf_free(&match);
    o = node_json_ok();
    json_object_set_new(o, "results", results);
    return o;
}

const struct node_op node_similar_ops[] = {
    {"similar", op_similar, "questions already asked that look like a new title (ask's hints)", 0},
    {NULL, NULL, NULL, 0},
};
