/*
 * replica_snip: a search hit's snippet made from its stored text with FTS5's own tokenizer, as
 * snippet(fts, -1, open, close, '…', 16) makes it, without FTS5 finding the row again. Asking
 * FTS5 for one row's snippet seeks every word of the query to that row: for a word in most
 * entries, 0.1 ms a row, where tokenizing the row's text takes a fifth of that. Only queries of
 * plain words (each one token, joined by AND or OR) are made here; phrases, prefixes and NOT go
 * to FTS5 (replica_snippets).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "replica_int.h"
#include "xmalloc.h"

#define SNIP_TOKENS 16    /* tokens shown, as replica_snippets asks FTS5 for */
#define SNIP_MAX_TERMS 64 /* words of one query (a bit each) */
#define SNIP_COLS 3       /* title, body, tags: the fts table's columns, in its order */
#define SNIP_SEEN 1000    /* a word's first occurrence in a window, as FTS5 scores it */
#define SNIP_SENTENCE 100 /* a window starting a sentence (FTS5's bonus) */
#define SNIP_FIRST 120    /* ... the column's first one */
#define SNIP_ELLIPSIS "\xe2\x80\xa6"
#define SNIP_MAX_BYTES (1u << 20) /* 16 tokens and their highlights: far less */

struct snip_term {
    char *tok; /* the word as the tokenizer writes it (folded, stemmed) */
    int len;
};

struct replica_snip {
    fts5_tokenizer api;
    Fts5Tokenizer *tok;
    sqlite3_stmt *row;
    struct snip_term terms[SNIP_MAX_TERMS];
    int nterms;
};

/* One token of a column: its bytes and the query words it is (a bit per word). */
struct snip_token {
    int start, end;
    uint64_t words;
    int sentence; /* the first token of a sentence (FTS5's rule) */
};

struct snip_col {
    const char *text;
    int len;
    struct snip_token *v;
    int n, cap;
    struct replica_snip *s;
};

/* The tokenizer the fts table was made with (replica_db.c): porter over unicode61, diacritics
 * removed. Returns 0 or -1. */
static int snip_tokenizer(struct replica *r, struct replica_snip *s)
{
    static const char *const args[] = {"unicode61", "remove_diacritics", "2"};
    fts5_api *api = replica_fts5_api(r);
    void *ud = NULL;

    if (api == NULL || api->xFindTokenizer(api, "porter", &ud, &s->api) != SQLITE_OK ||
        s->api.xCreate(ud, (const char **)args, 3, &s->tok) != SQLITE_OK)
        return -1;
    return 0;
}

struct snip_one {
    char *tok;
    int len, n;
};

static int snip_query_cb(void *ctx, int flags, const char *tok, int len, int start, int end)
{
    struct snip_one *o = ctx;

    (void)start;
    (void)end;
    if (flags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK;
    if (o->n++ == 0) {
        o->tok = xmalloc((size_t)len + 1);
        memcpy(o->tok, tok, (size_t)len);
        o->len = len;
    }
    return SQLITE_OK;
}

/* Add the quoted word w (len bytes, quotes excluded) as a term. Returns 0, or -1 if it is not
 * one token. */
static int snip_add_term(struct replica_snip *s, const char *w, size_t len)
{
    struct snip_one o = {NULL, 0, 0};

    if (s->nterms == SNIP_MAX_TERMS || len > 1000 ||
        s->api.xTokenize(s->tok, &o, FTS5_TOKENIZE_QUERY, w, (int)len, snip_query_cb) !=
            SQLITE_OK ||
        o.n != 1) {
        free(o.tok);
        return -1;
    }
    s->terms[s->nterms].tok = o.tok;
    s->terms[s->nterms++].len = o.len;
    return 0;
}

/* The terms of match if it is quoted words, parentheses, AND and OR only. Returns 0 or -1. */
static int snip_parse(struct replica_snip *s, const struct buf *match)
{
    const char *p = (const char *)match->data, *end = p + match->len, *close;

    while (p < end) {
        if (*p == ' ' || *p == '(' || *p == ')') {
            p++;
        } else if (end - p >= 3 && memcmp(p, "AND", 3) == 0 && (end - p == 3 || p[3] == ' ')) {
            p += 3;
        } else if (end - p >= 2 && memcmp(p, "OR", 2) == 0 && (end - p == 2 || p[2] == ' ')) {
            p += 2;
        } else if (*p == '"') {
            close = memchr(p + 1, '"', (size_t)(end - p - 1));
            if (close == NULL || (close + 1 < end && close[1] != ' ' && close[1] != ')') ||
                snip_add_term(s, p + 1, (size_t)(close - p - 1)) != 0)
                return -1;
            p = close + 1;
        } else {
            return -1; /* NOT, a prefix, a column filter...: FTS5's snippet() */
        }
    }
    return s->nterms > 0 ? 0 : -1;
}

void replica_snip_free(struct replica_snip **sp)
{
    struct replica_snip *s;
    int i;

    if (sp == NULL || *sp == NULL)
        return;
    s = *sp;
    for (i = 0; i < s->nterms; i++)
        free(s->terms[i].tok);
    if (s->tok != NULL)
        s->api.xDelete(s->tok);
    sqlite3_finalize(s->row);
    free(s);
    *sp = NULL;
}

struct replica_snip *replica_snip_new(struct replica *r, const struct buf *match)
{
    struct replica_snip *s = xcalloc(1, sizeof(*s));

    if (snip_tokenizer(r, s) != 0 || snip_parse(s, match) != 0 ||
        sqlite3_prepare_v2(r->db, "SELECT title, body, tags FROM entries WHERE seq = ?1", -1,
                           &s->row, NULL) != SQLITE_OK)
        replica_snip_free(&s);
    return s;
}

static int snip_doc_cb(void *ctx, int flags, const char *tok, int len, int start, int end)
{
    struct snip_col *c = ctx;
    struct snip_token *t;
    int i, back;

    if (flags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK;
    if (c->n == c->cap) {
        c->cap = c->cap != 0 ? 2 * c->cap : 64;
        c->v = xreallocarray(c->v, (size_t)c->cap, sizeof(*c->v));
    }
    t = &c->v[c->n];
    t->start = start;
    t->end = end;
    t->words = 0;
    for (i = 0; i < c->s->nterms; i++)
        if (c->s->terms[i].len == len && memcmp(c->s->terms[i].tok, tok, (size_t)len) == 0)
            t->words |= (uint64_t)1 << i;
    /* A sentence starts at the first token, and at one after white space after '.' or ':'. */
    for (back = start - 1; back >= 0; back--)
        if (c->text[back] != ' ' && c->text[back] != '\t' && c->text[back] != '\n' &&
            c->text[back] != '\r')
            break;
    t->sentence = c->n == 0 || (back != start - 1 && back >= 0 &&
                                (c->text[back] == '.' || c->text[back] == ':'));
    c->n++;
    return SQLITE_OK;
}

/* How a window of SNIP_TOKENS from token from scores (FTS5's): 1000 for each word's first
 * occurrence in it, 1 for every other. With adj, where the window is moved to centre what it
 * holds. */
static int snip_score(const struct snip_col *c, int nterms, int from, int *adj)
{
    uint64_t seen = 0;
    int i, j, score = 0, first = -1, last = 0, a;

    for (i = from; i < c->n && i < from + SNIP_TOKENS; i++) {
        for (j = 0; j < nterms; j++) {
            if (!(c->v[i].words & ((uint64_t)1 << j)))
                continue;
            score += (seen & ((uint64_t)1 << j)) ? 1 : SNIP_SEEN;
            seen |= (uint64_t)1 << j;
            if (first < 0)
                first = i;
            last = i + 1;
        }
    }
    if (adj != NULL) {
        a = first - (SNIP_TOKENS - (last - first)) / 2;
        if (a + SNIP_TOKENS > c->n)
            a = c->n - SNIP_TOKENS;
        *adj = a < 0 ? 0 : a;
    }
    return score;
}

/* The best window of column c better than *best: *best, *col and *from updated. */
static void snip_best(const struct snip_col *c, int nterms, int ci, int *best, int *col, int *from)
{
    int i, j, score, adj, sentence = 0;

    for (i = 0; i < c->n; i++) {
        if (c->v[i].sentence)
            sentence = i; /* the sentence token i is in starts here or before */
        for (j = 0; j < nterms; j++) {
            if (!(c->v[i].words & ((uint64_t)1 << j)))
                continue;
            /* An occurrence: the window around it, then the one starting its sentence. */
            score = snip_score(c, nterms, i, &adj);
            if (score > *best) {
                *best = score;
                *col = ci;
                *from = adj;
            }
            if (c->n <= SNIP_TOKENS)
                continue;
            if (sentence < i) {
                score = snip_score(c, nterms, sentence, NULL) +
                        (sentence == 0 ? SNIP_FIRST : SNIP_SENTENCE);
                if (score > *best) {
                    *best = score;
                    *col = ci;
                    *from = sentence;
                }
            }
        }
    }
}

/* Write column c's tokens [from, from + SNIP_TOKENS) with the query's words between open and
 * close, an ellipsis where text is left out. Returns 0 or -1. */
static int snip_write(const struct snip_col *c, int from, const char *open, const char *close,
                      struct buf *out)
{
    int i, to = from + SNIP_TOKENS < c->n ? from + SNIP_TOKENS : c->n, off;
    int rc = 0;

    if (from > 0)
        rc |= buf_append_str(out, SNIP_ELLIPSIS);
    off = from > 0 && from < c->n ? c->v[from].start : 0;
    for (i = from; i < to; i++) {
        if (c->v[i].words == 0)
            continue;
        rc |= buf_append(out, c->text + off, (size_t)(c->v[i].start - off));
        rc |= buf_append_str(out, open);
        rc |= buf_append(out, c->text + c->v[i].start, (size_t)(c->v[i].end - c->v[i].start));
        rc |= buf_append_str(out, close);
        off = c->v[i].end;
    }
    if (to >= c->n) {
        rc |= buf_append(out, c->text + off, (size_t)(c->len - off));
    } else {
        if (to > from)
            rc |= buf_append(out, c->text + off, (size_t)(c->v[to - 1].end - off));
        rc |= buf_append_str(out, SNIP_ELLIPSIS);
    }
    return rc != 0 ? -1 : 0;
}

char *replica_snip_row(struct replica_snip *s, sqlite3_int64 seq, const char *open,
                       const char *close)
{
    struct snip_col cols[SNIP_COLS];
    struct buf out;
    int i, best = 0, col = 0, from = 0, step;
    char *text = NULL;

    memset(cols, 0, sizeof(cols));
    buf_init(&out, SNIP_MAX_BYTES);
    sqlite3_reset(s->row);
    sqlite3_bind_int64(s->row, 1, seq);
    if ((step = sqlite3_step(s->row)) != SQLITE_ROW)
        goto out;
    for (i = 0; i < SNIP_COLS; i++) {
        cols[i].s = s;
        cols[i].text = (const char *)sqlite3_column_text(s->row, i);
        cols[i].len = sqlite3_column_bytes(s->row, i);
        if (cols[i].text == NULL)
            cols[i].text = "";
        if (s->api.xTokenize(s->tok, &cols[i], FTS5_TOKENIZE_DOCUMENT, cols[i].text, cols[i].len,
                             snip_doc_cb) != SQLITE_OK)
            goto out;
        snip_best(&cols[i], s->nterms, i, &best, &col, &from);
    }
    if (snip_write(&cols[col], from, open, close, &out) != 0 || buf_append(&out, "", 1) != 0)
        goto out;
    text = (char *)out.data;
    buf_init(&out, SNIP_MAX_BYTES);
out:
    for (i = 0; i < SNIP_COLS; i++)
        free(cols[i].v);
    buf_free(&out);
    sqlite3_reset(s->row);
    return text;
}
