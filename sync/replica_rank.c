/*
 * replica_rank: full-text ranking — BM25 as FTS5's bm25() computes it, with each phrase's
 * document frequency counted once and kept.
 *
 * FTS5's bm25() counts, on every query, the rows holding each phrase (its IDF) by visiting every
 * one of them through xQueryPhrase: for a word found in most entries that walk is most of a
 * search's time, however few rows the search then ranks. lore_rank() takes the counts from
 * replica_rank_prepare, which keeps them per phrase (a count(*) MATCH, a plain walk of the
 * phrase's rows, the first time). A count is used while the index holds within 1/20 of the rows
 * it was made at; else lore_rank counts again, as bm25() does, and the new count is kept.
 *
 * A row's length (its tokens) is read by FTS5 from the docsize table, a lookup per row ranked,
 * often a page read: the doclists of common words push those pages out of SQLite's cache.
 * lore_rank keeps the length of each row it ranked in an array by rowid
 * (2 bytes a row: 300 KiB at 100,000 entries; rowids past REPLICA_RANK_SIZES_MAX are looked up);
 * the newest matches of common words come back query after query, older title matches often;
 * the lengths are FTS5's own, so the ranks are the same. A row's length never changes (entries are
 * immutable); a rowid may be used again only after rows left the index, so then every handle
 * forgets the lengths (replica_rank_rows_deleted) and reads them again.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "replica_int.h"
#include "xmalloc.h"

#define RANK_K1 1.2
#define RANK_B 0.75
#define RANK_MIN_IDF 1e-6

/* Transactions that took rows out of the index, in any handle of the process. */
static atomic_uint_fast64_t rank_deletions;

void replica_rank_rows_deleted(void)
{
    atomic_fetch_add(&rank_deletions, 1);
}

/* SQLite's varint at p (len bytes): 7 bits a byte, high bit set on all but the last; a 9th byte
 * has 8. Its bytes, or 0 if it runs past len. */
static int rank_varint(const unsigned char *p, int len, uint64_t *v)
{
    int i;

    *v = 0;
    for (i = 0; i < len && i < 9; i++) {
        if (i == 8) {
            *v = (*v << 8) | p[i];
            return 9;
        }
        *v = (*v << 7) | (p[i] & 0x7f);
        if ((p[i] & 0x80) == 0)
            return i + 1;
    }
    return 0;
}

/* The kept length of rowid: its tokens, or -1 if not kept. */
static long rank_size_get(const struct replica *r, sqlite3_int64 rowid)
{
    if (rowid < 0 || (uint64_t)rowid >= r->nsizes || r->sizes[rowid] == 0)
        return -1;
    return (long)r->sizes[rowid] - 1;
}

/* Keep ntok as rowid's length: a slot per rowid up to REPLICA_RANK_SIZES_MAX, the array grown
 * (zeroed: not known) as rowids come; a length of 65,535 tokens or more is not kept. */
static void rank_size_put(struct replica *r, sqlite3_int64 rowid, uint64_t ntok)
{
    size_t want;

    if (ntok >= UINT16_MAX || rowid < 0 || (uint64_t)rowid >= REPLICA_RANK_SIZES_MAX)
        return;
    if ((size_t)rowid >= r->nsizes) {
        want = r->nsizes > 0 ? r->nsizes : 4096;
        while (want <= (size_t)rowid)
            want += want / 2;
        if (want > REPLICA_RANK_SIZES_MAX)
            want = REPLICA_RANK_SIZES_MAX;
        r->sizes = xreallocarray(r->sizes, want, sizeof(*r->sizes));
        memset(r->sizes + r->nsizes, 0, (want - r->nsizes) * sizeof(*r->sizes));
        r->nsizes = want;
    }
    r->sizes[rowid] = (uint16_t)(ntok + 1);
}

/* The lengths kept are dropped if rows left the index since they were read. */
static void rank_sizes_check(struct replica *r)
{
    uint64_t now = atomic_load(&rank_deletions);

    if (now == r->sizes_epoch)
        return;
    free(r->sizes);
    r->sizes = NULL;
    r->nsizes = 0;
    r->sizes_epoch = now;
}

/* Whether a count made when the index held then rows still stands with now rows: within 1/20. */
static int rank_fresh(sqlite3_int64 then, sqlite3_int64 now)
{
    return then >= 0 && llabs(now - then) * 20 <= then;
}

/* A kept count: the rows holding phrase (as the MATCH text writes it, quotes and '*' included),
 * counted when the index held rows rows. */
struct replica_df {
    char *phrase;
    sqlite3_int64 df, rows;
    uint64_t used; /* r->df_clock when last used, for eviction */
};

/* One query's IDF per phrase, computed at its first row (xSetAuxdata). */
struct rank_idf {
    int n;
    double avgdl;
    double idf[];
};

static int rank_count_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
    (void)api;
    (void)fts;
    (*(sqlite3_int64 *)ctx)++;
    return SQLITE_OK;
}

/* This query's IDFs: from d's counts where they are fresh, else counted here as bm25() does
 * (and written back to d, to be kept). NULL on error (rc set). */
static struct rank_idf *rank_idf_make(const Fts5ExtensionApi *api, Fts5Context *fts,
                                      struct replica_rank_df *d, int *rc)
{
    struct rank_idf *x;
    sqlite3_int64 rows = 0, tokens = 0, hits;
    int n = api->xPhraseCount(fts), i;

    *rc = api->xRowCount(fts, &rows);
    if (*rc == SQLITE_OK)
        *rc = api->xColumnTotalSize(fts, -1, &tokens);
    if (*rc != SQLITE_OK)
        return NULL;
    x = xmalloc(sizeof(*x) + (size_t)n * sizeof(x->idf[0]));
    x->n = n;
    x->avgdl = rows > 0 ? (double)tokens / (double)rows : 1.0;
    for (i = 0; i < n; i++) {
        int known = d != NULL && d->n == n && d->df[i] >= 0 && rank_fresh(d->rows[i], rows);
        if (known) {
            hits = d->df[i];
        } else {
            hits = 0;
            *rc = api->xQueryPhrase(fts, i, &hits, rank_count_cb);
            if (*rc != SQLITE_OK) {
                free(x);
                return NULL;
            }
            if (d != NULL && d->n == n) {
                d->df[i] = hits;
                d->rows[i] = rows;
                d->counted[i] = 1;
            }
        }
        x->idf[i] = log(((double)rows - (double)hits + 0.5) / ((double)hits + 0.5));
        if (x->idf[i] <= 0.0)
            x->idf[i] = RANK_MIN_IDF;
    }
    return x;
}

/* lore_rank(fts, counts, w0, w1, ...): bm25(fts, w0, w1, ...) with counts (a pointer of type
 * "lore_rank_df", or NULL) standing for FTS5's counting of each phrase's rows. */
static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                    sqlite3_value **val)
{
    struct rank_idf *x;
    struct replica_rank_df *d = NULL;
    struct replica *r = api->xUserData(fts);
    double freq[REPLICA_RANK_PHRASES] = {0}, score = 0.0, dl;
    int rc = SQLITE_OK, i, ip, ic, io, ntok = 0;
    sqlite3_int64 rowid;
    long kept;

    if (nval >= 1)
        d = sqlite3_value_pointer(val[0], REPLICA_RANK_POINTER);
    x = api->xGetAuxdata(fts, 0);
    if (x == NULL) {
        x = rank_idf_make(api, fts, d, &rc);
        if (x == NULL)
            goto out;
        rc = api->xSetAuxdata(fts, x, free);
        if (rc != SQLITE_OK)
            goto out;
    }
    if (x->n > REPLICA_RANK_PHRASES) {
        rc = SQLITE_RANGE;
        goto out;
    }
    for (ip = 0; rc == SQLITE_OK && ip < x->n; ip++) {
        Fts5PhraseIter it;
        rc = api->xPhraseFirst(fts, ip, &it, &ic, &io);
        for (; rc == SQLITE_OK && ic >= 0; api->xPhraseNext(fts, &it, &ic, &io))
            freq[ip] += nval > ic + 1 ? sqlite3_value_double(val[ic + 1]) : 1.0;
    }
    if (rc != SQLITE_OK)
        goto out;
    rowid = api->xRowid(fts);
    if (r != NULL)
        rank_sizes_check(r);
    if (r != NULL && (kept = rank_size_get(r, rowid)) >= 0) {
        dl = (double)kept;
    } else {
        rc = api->xColumnSize(fts, -1, &ntok);
        if (rc != SQLITE_OK)
            goto out;
        if (r != NULL)
            rank_size_put(r, rowid, (uint64_t)ntok);
        dl = (double)ntok;
    }
    for (i = 0; i < x->n; i++)
        score += x->idf[i] * (freq[i] * (RANK_K1 + 1.0)) /
                 (freq[i] + RANK_K1 * (1.0 - RANK_B + RANK_B * dl / x->avgdl));
    sqlite3_result_double(ctx, -score);
    return;
out:
    sqlite3_result_error_code(ctx, rc);
}

fts5_api *replica_fts5_api(struct replica *r)
{
    fts5_api *api = NULL;
    sqlite3_stmt *s = NULL;

    if (sqlite3_prepare_v2(r->db, "SELECT fts5(?1)", -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(s);
    }
    sqlite3_finalize(s);
    return api != NULL && api->iVersion >= 2 ? api : NULL;
}

int replica_rank_register(struct replica *r, char *err, size_t errlen)
{
    fts5_api *api = replica_fts5_api(r);

    if (api == NULL || api->xCreateFunction(api, "lore_rank", r, rank_fn, NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s: cannot add the ranking function to SQLite's FTS5: %s", r->path,
                   sqlite3_errmsg(r->db));
        return -1;
    }
    return 0;
}

/* The kept count of phrase (len bytes), or NULL. */
static struct replica_df *rank_df_find(struct replica *r, const char *phrase, size_t len)
{
    size_t i;

    for (i = 0; i < r->ndf; i++)
        if (strlen(r->df[i].phrase) == len && memcmp(r->df[i].phrase, phrase, len) == 0)
            return &r->df[i];
    return NULL;
}

/* A slot for phrase: a free one, or the least recently used. */
static struct replica_df *rank_df_slot(struct replica *r, const char *phrase, size_t len)
{
    struct replica_df *e;
    size_t i;

    if (r->df == NULL)
        r->df = xcalloc(REPLICA_RANK_KEPT, sizeof(*r->df));
    if (r->ndf < REPLICA_RANK_KEPT) {
        e = &r->df[r->ndf++];
    } else {
        e = &r->df[0];
        for (i = 1; i < r->ndf; i++)
            if (r->df[i].used < e->used)
                e = &r->df[i];
        free(e->phrase);
    }
    e->phrase = xstrndup(phrase, len);
    e->df = -1;
    e->rows = 0;
    return e;
}

/* The rows holding phrase, counted now: count(*) MATCH walks only its rowids. -1 if FTS5 refuses
 * it alone (lore_rank then counts as bm25() does). */
static sqlite3_int64 rank_count(struct replica *r, const char *phrase, size_t len)
{
    sqlite3_stmt *s = NULL;
    sqlite3_int64 n = -1;

    if (sqlite3_prepare_v2(r->db, "SELECT count(*) FROM fts WHERE fts MATCH ?", -1, &s, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(s, 1, phrase, (int)len, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int64(s, 0);
    }
    replica_add_work(r, s);
    sqlite3_finalize(s);
    return n;
}

/* The rows in the index, from FTS5's averages record (row 1 of fts_data: a varint first), or -1. */
static sqlite3_int64 rank_rows(struct replica *r)
{
    sqlite3_stmt *s = NULL;
    const unsigned char *p;
    sqlite3_int64 n = -1;
    uint64_t v = 0;
    int len;

    if (sqlite3_prepare_v2(r->db, "SELECT block FROM fts_data WHERE id = 1", -1, &s, NULL) !=
            SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW)
        goto out;
    p = sqlite3_column_blob(s, 0);
    len = sqlite3_column_bytes(s, 0);
    if (rank_varint(p, len, &v) > 0 && v <= (uint64_t)INT64_MAX)
        n = (sqlite3_int64)v;
out:
    sqlite3_finalize(s);
    return n;
}

/* The kept count of phrase (len bytes), counted now if there is none or it no longer stands
 * (the index grew or shrank by more than 1/20 since): its slot. */
static struct replica_df *rank_df_get(struct replica *r, const char *phrase, size_t len)
{
    struct replica_df *e = rank_df_find(r, phrase, len);
    sqlite3_int64 rows = rank_rows(r);

    if (e == NULL)
        e = rank_df_slot(r, phrase, len);
    if (e->df < 0 || rows < 0 || !rank_fresh(e->rows, rows)) {
        e->df = rank_count(r, phrase, len);
        e->rows = rows;
    }
    e->used = ++r->df_clock;
    return e;
}

sqlite3_int64 replica_rank_count(struct replica *r, const char *phrase, size_t len)
{
    return rank_df_get(r, phrase, len)->df;
}

sqlite3_int64 replica_rank_rows(struct replica *r)
{
    return rank_rows(r);
}

int replica_rank_prepare(struct replica *r, const struct buf *match, struct replica_rank_df *d)
{
    const char *s = (const char *)match->data, *end = s + match->len, *q, *close;
    struct replica_df *e;
    size_t len;

    memset(d, 0, sizeof(*d));
    for (q = memchr(s, '"', (size_t)(end - s)); q != NULL;
         q = q < end ? memchr(q, '"', (size_t)(end - q)) : NULL) {
        close = memchr(q + 1, '"', (size_t)(end - q - 1));
        if (close == NULL || d->n == REPLICA_RANK_PHRASES)
            return -1; /* not a MATCH text replica_search_query wrote: count as bm25() */
        len = (size_t)(close - q) + 1;
        if (close + 1 < end && close[1] == '*')
            len++;
        e = rank_df_get(r, q, len);
        d->slot[d->n] = e;
        d->df[d->n] = e->df;
        d->rows[d->n] = e->rows;
        d->n++;
        q += len;
    }
    return 0;
}

void replica_rank_keep(struct replica *r, const struct replica_rank_df *d)
{
    int i;

    (void)r;
    for (i = 0; i < d->n; i++)
        if (d->counted[i] && d->slot[i] != NULL) {
            d->slot[i]->df = d->df[i];
            d->slot[i]->rows = d->rows[i];
        }
}

void replica_rank_free(struct replica *r)
{
    size_t i;

    for (i = 0; i < r->ndf; i++)
        free(r->df[i].phrase);
    free(r->df);
    r->df = NULL;
    r->ndf = 0;
    free(r->sizes);
    r->sizes = NULL;
    r->nsizes = 0;
}
