/* replica_fts: the search grammar people type, translated into an FTS5 query (see below). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errmsg.h"
#include "replica_int.h"

/*
 * The search grammar (docs/API.md, search), read by recursive descent and written out as an FTS5
 * query in which every word and phrase is a quoted string, so nothing a person types reaches
 * MATCH as FTS5 syntax (no column filters, NEAR, ^ or raw operators):
 *
 *   query  := group ("OR" group)*
 *   group  := ["AND"-joined or juxtaposed] term+     (every term; with any_word, any of them)
 *   term   := ("NOT" | "-") item | item
 *   item   := word ["*"] | '"' words '"' ["*"] | "(" query ")"
 *
 * A group needs a term to keep (FTS5's NOT is binary: "a NOT b"). The last bare word of the query
 * also matches as a prefix, so results appear while typing.
 */
#define REPLICA_FTS_DEPTH 8  /* levels of parentheses */
#define REPLICA_FTS_TERMS 64 /* words and phrases in one query */

enum replica_fts_tok {
    FTS_END,
    FTS_OPEN,
    FTS_CLOSE,
    FTS_OR,
    FTS_AND,
    FTS_NOT,
    FTS_WORD,   /* s[start, start+len), prefix if followed by '*' */
    FTS_PHRASE, /* the text between the quotes */
};

struct replica_fts {
    const char *s;
    size_t pos; /* next byte to read */
    int any;    /* any_word: juxtaposed terms are OR'ed */
    int depth, terms;
    /* whether the last bare word is a whole word already (replica_search_match), or NULL */
    int (*whole)(void *ctx, const char *word, size_t len);
    void *whole_ctx;
    char *err;
    size_t errlen;
    /* the token read by replica_fts_peek */
    enum replica_fts_tok tok;
    size_t at, start, len, end; /* its offset, text and the offset after it */
    int prefix;
};

static int replica_fts_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Read the next token into p without consuming it (p->end says where it ends). */
static int replica_fts_peek(struct replica_fts *p)
{
    const char *s = p->s;
    size_t i = p->pos, k;

    while (replica_fts_space(s[i]))
        i++;
    p->at = i;
    p->prefix = 0;
    if (s[i] == '\0') {
        p->tok = FTS_END;
        p->end = i;
        return 0;
    }
    if (s[i] == '(' || s[i] == ')') {
        p->tok = s[i] == '(' ? FTS_OPEN : FTS_CLOSE;
        p->end = i + 1;
        return 0;
    }
    if (s[i] == '-' && s[i + 1] != '\0' && !replica_fts_space(s[i + 1])) {
        p->tok = FTS_NOT;
        p->end = i + 1;
        return 0;
    }
    if (s[i] == '"') {
        const char *q = strchr(s + i + 1, '"');
        if (q == NULL) {
            errmsg_set(p->err, p->errlen, "the quote at character %zu is not closed", i + 1);
            return -1;
        }
        p->tok = FTS_PHRASE;
        p->start = i + 1;
        p->len = (size_t)(q - (s + i + 1));
        k = (size_t)(q - s) + 1;
    } else {
        for (k = i;
             s[k] != '\0' && !replica_fts_space(s[k]) && s[k] != '(' && s[k] != ')' && s[k] != '"';
             k++)
            ;
        p->tok = FTS_WORD;
        p->start = i;
        p->len = k - i;
        while (p->len > 0 && s[p->start + p->len - 1] == '*') {
            p->len--;
            p->prefix = 1;
        }
        if (p->len == 0) {
            errmsg_set(p->err, p->errlen, "'*' at character %zu has no word before it", i + 1);
            return -1;
        }
        if (p->len == 2 && memcmp(s + i, "OR", 2) == 0 && !p->prefix)
            p->tok = FTS_OR;
        else if (p->len == 3 && memcmp(s + i, "AND", 3) == 0 && !p->prefix)
            p->tok = FTS_AND;
        else if (p->len == 3 && memcmp(s + i, "NOT", 3) == 0 && !p->prefix)
            p->tok = FTS_NOT;
    }
    if (p->tok == FTS_PHRASE && s[k] == '*') {
        p->prefix = 1;
        k++;
    }
    p->end = k;
    return 0;
}

/* Whether the token read can start a term. */
static int replica_fts_starts_term(const struct replica_fts *p)
{
    return p->tok == FTS_WORD || p->tok == FTS_PHRASE || p->tok == FTS_OPEN || p->tok == FTS_NOT;
}

static int replica_fts_or(struct replica_fts *p, struct buf *out);

/* item: a word, a phrase or a parenthesised query, written to out. */
static int replica_fts_item(struct replica_fts *p, struct buf *out)
{
    size_t open = p->at, i;
    int last;

    if (p->tok == FTS_OPEN) {
        if (++p->depth > REPLICA_FTS_DEPTH) {
            errmsg_set(p->err, p->errlen, "'(' at character %zu: at most %d levels of parentheses",
                       open + 1, REPLICA_FTS_DEPTH);
            return -1;
        }
        p->pos = p->end;
        if (replica_fts_peek(p) != 0)
            return -1;
        if (p->tok == FTS_CLOSE) {
            errmsg_set(p->err, p->errlen, "empty parentheses at character %zu", open + 1);
            return -1;
        }
        if (replica_fts_or(p, out) != 0)
            return -1;
        if (p->tok != FTS_CLOSE) {
            errmsg_set(p->err, p->errlen, "'(' at character %zu is not closed", open + 1);
            return -1;
        }
        p->depth--;
        p->pos = p->end;
        return replica_fts_peek(p);
    }
    if (p->tok != FTS_WORD && p->tok != FTS_PHRASE) {
        errmsg_set(p->err, p->errlen, "a word is missing at character %zu", p->at + 1);
        return -1;
    }
    if (++p->terms > REPLICA_FTS_TERMS) {
        errmsg_set(p->err, p->errlen, "at most %d words and phrases in a query", REPLICA_FTS_TERMS);
        return -1;
    }
    for (i = p->end; replica_fts_space(p->s[i]); i++)
        ;
    last = p->tok == FTS_WORD && p->s[i] == '\0';
    if (buf_append_str(out, "\"") != 0)
        return -1;
    for (i = p->start; i < p->start + p->len; i++)
        if (buf_append(out, p->s + i, 1) != 0)
            return -1;
    if (last && !p->prefix && p->whole != NULL && p->whole(p->whole_ctx, p->s + p->start, p->len))
        last = 0;
    if (buf_append_str(out, p->prefix || last ? "\"*" : "\"") != 0)
        return -1;
    p->pos = p->end;
    return replica_fts_peek(p);
}

/* group: terms joined by AND (or juxtaposed), some of them negated; written as
 * "(kept terms) NOT excluded NOT excluded". */
static int replica_fts_group(struct replica_fts *p, struct buf *out)
{
    struct buf keep, drop;
    size_t first_not = 0, at;
    int rc = -1, negated;

    buf_init(&keep, out->max);
    buf_init(&drop, out->max);
    for (;;) {
        if (p->tok == FTS_AND) {
            at = p->at;
            p->pos = p->end;
            if (keep.len + drop.len == 0 || replica_fts_peek(p) != 0 ||
                !replica_fts_starts_term(p)) {
                if (p->err[0] == '\0')
                    errmsg_set(p->err, p->errlen, "AND at character %zu needs a word on both sides",
                               at + 1);
                goto out;
            }
        }
        if (!replica_fts_starts_term(p))
            break;
        negated = p->tok == FTS_NOT;
        if (negated) {
            at = p->at;
            if (drop.len == 0)
                first_not = at;
            p->pos = p->end;
            if (replica_fts_peek(p) != 0)
                goto out;
            if (p->tok != FTS_WORD && p->tok != FTS_PHRASE && p->tok != FTS_OPEN) {
                errmsg_set(p->err, p->errlen, "%s at character %zu needs a word after it",
                           p->s[at] == '-' ? "'-'" : "NOT", at + 1);
                goto out;
            }
            if (buf_append_str(&drop, " NOT ") != 0 || replica_fts_item(p, &drop) != 0)
                goto out;
        } else if ((keep.len > 0 && buf_append_str(&keep, p->any ? " OR " : " AND ") != 0) ||
                   replica_fts_item(p, &keep) != 0) {
            goto out;
        }
    }
    if (keep.len == 0 && drop.len == 0) {
        if (p->tok == FTS_OR)
            errmsg_set(p->err, p->errlen, "OR at character %zu needs a word on both sides",
                       p->at + 1);
        else if (p->tok == FTS_CLOSE)
            errmsg_set(p->err, p->errlen, "')' at character %zu has no '(' before it", p->at + 1);
        else
            errmsg_set(p->err, p->errlen, "the search query has no words");
        goto out;
    }
    if (keep.len == 0) {
        errmsg_set(p->err, p->errlen,
                   "NOT at character %zu: excluded words alone match nothing; add a word to "
                   "look for",
                   first_not + 1);
        goto out;
    }
    if (buf_append_str(out, "(") != 0 || buf_append(out, keep.data, keep.len) != 0 ||
        buf_append_str(out, ")") != 0 ||
        (drop.len > 0 && buf_append(out, drop.data, drop.len) != 0))
        goto out;
    rc = 0;
out:
    buf_free(&keep);
    buf_free(&drop);
    return rc;
}

/* query: groups joined by OR. */
static int replica_fts_or(struct replica_fts *p, struct buf *out)
{
    size_t at;

    if (buf_append_str(out, "(") != 0 || replica_fts_group(p, out) != 0)
        return -1;
    while (p->tok == FTS_OR) {
        at = p->at;
        p->pos = p->end;
        if (replica_fts_peek(p) != 0)
            return -1;
        if (!replica_fts_starts_term(p)) {
            errmsg_set(p->err, p->errlen, "OR at character %zu needs a word on both sides", at + 1);
            return -1;
        }
        if (buf_append_str(out, " OR ") != 0 || replica_fts_group(p, out) != 0)
            return -1;
    }
    return buf_append_str(out, ")");
}

int replica_fts_translate(const char *query, int any,
                          int (*whole)(void *ctx, const char *word, size_t len), void *whole_ctx,
                          struct buf *out, char *err, size_t errlen)
{
    struct replica_fts p = {0};
    char ignored[ERRMSG_MAX];

    p.s = query;
    p.any = any;
    p.whole = whole;
    p.whole_ctx = whole_ctx;
    p.err = err != NULL ? err : ignored;
    p.errlen = err != NULL ? errlen : sizeof(ignored);
    p.err[0] = '\0';
    buf_init(out, 8 * strlen(query) + 64);
    if (replica_fts_peek(&p) != 0 || replica_fts_or(&p, out) != 0)
        goto fail;
    if (p.tok == FTS_CLOSE) {
        errmsg_set(p.err, p.errlen, "')' at character %zu has no '(' before it", p.at + 1);
        goto fail;
    }
    return 0;
fail:
    if (p.err[0] == '\0')
        errmsg_set(p.err, p.errlen, "the search query is too long");
    buf_free(out);
    return -1;
}

int replica_search_query(const char *query, int any, struct buf *out, char *err, size_t errlen)
{
    return replica_fts_translate(query, any, NULL, NULL, out, err, errlen);
}
