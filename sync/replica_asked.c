/*
 * replica_asked: the questions in view, their tags, first answers and answerers, read from the
 * indexes alone — for the needs map, which looks at every question. Reading a question's row
 * costs a page read each (the signed bytes live in the row: ~0.3 s for 50,000 questions at
 * 100,000 entries); the indexes hold the few columns needed, packed.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "replica_int.h"
#include "xmalloc.h"

struct replica_asked_q {
    int64_t seq;
    uint8_t id[ENTRY_ID_LEN];
    uint8_t asker[ENTRY_KEY_LEN];
    uint64_t effective_ms, first_ms; /* first_ms: its first answer's, 0 when none */
};

struct replica_asked_a {
    int64_t seq;
    uint8_t author[ENTRY_KEY_LEN];
    uint64_t effective_ms;
};

/* An answer to a question: which one, and by whom (not the asker: such answers are not kept). */
struct replica_asked_by {
    size_t q;
    uint8_t author[ENTRY_KEY_LEN];
};

struct replica_asked_tag {
    char *tag;
    size_t q;
};

struct replica_asked {
    struct replica_asked_q *qs; /* by id (after reading) */
    size_t nq;
    struct replica_asked_a *as; /* by seq */
    size_t na;
    struct replica_asked_by *by; /* by q */
    size_t nby;
    struct replica_asked_tag *tags; /* by tag, then seq (the tags index's order) */
    size_t ntags;
};

static int asked_q_seq_cmp(const void *a, const void *b)
{
    const struct replica_asked_q *x = a, *y = b;

    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int asked_q_id_cmp(const void *a, const void *b)
{
    return memcmp(((const struct replica_asked_q *)a)->id, ((const struct replica_asked_q *)b)->id,
                  ENTRY_ID_LEN);
}

static int asked_a_seq_cmp(const void *a, const void *b)
{
    const struct replica_asked_a *x = a, *y = b;

    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int asked_by_cmp(const void *a, const void *b)
{
    const struct replica_asked_by *x = a, *y = b;

    if (x->q != y->q)
        return x->q < y->q ? -1 : 1;
    return memcmp(x->author, y->author, ENTRY_KEY_LEN);
}

static int asked_key_cmp(const void *a, const void *b)
{
    return memcmp(a, b, ENTRY_KEY_LEN);
}

/* Questions and answers in view, through entries_author_effective (author, kind, effective_ms,
 * id; the seq with it): no row read. */
static int asked_read_entries(struct replica *r, struct replica_asked *a)
{
    sqlite3_stmt *s = NULL;
    size_t capq = 0, capa = 0;
    int rc = -1, step;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT kind, seq, effective_ms, author, id"
                           " FROM entries INDEXED BY entries_author_effective"
                           " WHERE kind IN (1, 2) AND effective_ms <= lore_horizon()",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 3) != ENTRY_KEY_LEN ||
            sqlite3_column_bytes(s, 4) != ENTRY_ID_LEN)
            continue;
        if (sqlite3_column_int(s, 0) == 1) {
            if (a->nq == capq) {
                capq = capq != 0 ? 2 * capq : 1024;
                a->qs = xreallocarray(a->qs, capq, sizeof(*a->qs));
            }
            a->qs[a->nq].seq = sqlite3_column_int64(s, 1);
            a->qs[a->nq].effective_ms = (uint64_t)sqlite3_column_int64(s, 2);
            memcpy(a->qs[a->nq].asker, sqlite3_column_blob(s, 3), ENTRY_KEY_LEN);
            memcpy(a->qs[a->nq].id, sqlite3_column_blob(s, 4), ENTRY_ID_LEN);
            a->qs[a->nq++].first_ms = 0;
        } else {
            if (a->na == capa) {
                capa = capa != 0 ? 2 * capa : 1024;
                a->as = xreallocarray(a->as, capa, sizeof(*a->as));
            }
            a->as[a->na].seq = sqlite3_column_int64(s, 1);
            a->as[a->na].effective_ms = (uint64_t)sqlite3_column_int64(s, 2);
            memcpy(a->as[a->na++].author, sqlite3_column_blob(s, 3), ENTRY_KEY_LEN);
        }
    }
    rc = step == SQLITE_DONE ? 0 : -1;
out:
    if (rc != 0)
        log_warnx("replica: asked: entries: %s", sqlite3_errmsg(r->db));
    replica_add_work(r, s);
    sqlite3_finalize(s);
    return rc;
}

/* The answers' references to questions (the refs index alone): first answers and answerers. */
static int asked_read_answers(struct replica *r, struct replica_asked *a)
{
    sqlite3_stmt *s = NULL;
    struct replica_asked_q qkey, *q;
    struct replica_asked_a akey, *ans;
    size_t cap = 0;
    int rc = -1, step;

    if (sqlite3_prepare_v2(r->db, "SELECT ref, seq FROM refs WHERE kind = 2", -1, &s, NULL) !=
        SQLITE_OK)
        goto out;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 0) != ENTRY_ID_LEN)
            continue;
        memcpy(qkey.id, sqlite3_column_blob(s, 0), ENTRY_ID_LEN);
        akey.seq = sqlite3_column_int64(s, 1);
        q = bsearch(&qkey, a->qs, a->nq, sizeof(*a->qs), asked_q_id_cmp);
        ans = bsearch(&akey, a->as, a->na, sizeof(*a->as), asked_a_seq_cmp);
        if (q == NULL || ans == NULL)
            continue; /* not a question, or one of them out of view */
        if (q->first_ms == 0 || ans->effective_ms < q->first_ms)
            q->first_ms = ans->effective_ms;
        if (memcmp(ans->author, q->asker, ENTRY_KEY_LEN) == 0)
            continue;
        if (a->nby == cap) {
            cap = cap != 0 ? 2 * cap : 1024;
            a->by = xreallocarray(a->by, cap, sizeof(*a->by));
        }
        a->by[a->nby].q = (size_t)(q - a->qs);
        memcpy(a->by[a->nby++].author, ans->author, ENTRY_KEY_LEN);
    }
    rc = step == SQLITE_DONE ? 0 : -1;
out:
    if (rc != 0)
        log_warnx("replica: asked: answers: %s", sqlite3_errmsg(r->db));
    replica_add_work(r, s);
    sqlite3_finalize(s);
    return rc;
}

/* Every tag of every question (the tags index alone; a question's own tags, as its tags column
 * has them). qs are by seq here. */
static int asked_read_tags(struct replica *r, struct replica_asked *a)
{
    sqlite3_stmt *s = NULL;
    struct replica_asked_q key, *q;
    size_t cap = 0;
    int rc = -1, step;

    if (sqlite3_prepare_v2(r->db, "SELECT tag, seq FROM tags ORDER BY tag, seq", -1, &s, NULL) !=
        SQLITE_OK)
        goto out;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        key.seq = sqlite3_column_int64(s, 1);
        q = bsearch(&key, a->qs, a->nq, sizeof(*a->qs), asked_q_seq_cmp);
        if (q == NULL || sqlite3_column_text(s, 0) == NULL)
            continue;
        if (a->ntags == cap) {
            cap = cap != 0 ? 2 * cap : 1024;
            a->tags = xreallocarray(a->tags, cap, sizeof(*a->tags));
        }
        a->tags[a->ntags].tag = xstrdup((const char *)sqlite3_column_text(s, 0));
        a->tags[a->ntags++].q = (size_t)(q - a->qs);
    }
    rc = step == SQLITE_DONE ? 0 : -1;
out:
    if (rc != 0)
        log_warnx("replica: asked: tags: %s", sqlite3_errmsg(r->db));
    replica_add_work(r, s);
    sqlite3_finalize(s);
    return rc;
}

struct replica_asked *replica_asked_read(struct replica *r)
{
    struct replica_asked *a = xcalloc(1, sizeof(*a));
    size_t i, *where = NULL;

    if (asked_read_entries(r, a) != 0)
        goto fail;
    /* Tags by the question's seq, then everything by question index in id order. */
    if (a->nq > 0)
        qsort(a->qs, a->nq, sizeof(*a->qs), asked_q_seq_cmp);
    if (a->na > 0)
        qsort(a->as, a->na, sizeof(*a->as), asked_a_seq_cmp);
    if (asked_read_tags(r, a) != 0)
        goto fail;
    for (i = 0; i < a->nq; i++)
        a->qs[i].seq = (int64_t)i; /* its place by seq, kept through the sort by id */
    if (a->nq > 0)
        qsort(a->qs, a->nq, sizeof(*a->qs), asked_q_id_cmp);
    where = xreallocarray(NULL, a->nq + 1, sizeof(*where));
    for (i = 0; i < a->nq; i++)
        where[a->qs[i].seq] = i;
    for (i = 0; i < a->ntags; i++)
        a->tags[i].q = where[a->tags[i].q];
    free(where);
    if (asked_read_answers(r, a) != 0)
        goto fail;
    if (a->nby > 0)
        qsort(a->by, a->nby, sizeof(*a->by), asked_by_cmp);
    return a;
fail:
    replica_asked_destroy(&a);
    return NULL;
}

static int asked_tag_q_cmp(const void *x, const void *y)
{
    const struct replica_asked_tag *a = *(const struct replica_asked_tag *const *)x;
    const struct replica_asked_tag *b = *(const struct replica_asked_tag *const *)y;

    if (a->q != b->q)
        return a->q < b->q ? -1 : 1;
    return a < b ? -1 : a > b; /* then by tag: their order in the array */
}

int replica_asked_foreach(const struct replica_asked *a, replica_asked_fn fn, void *ctx)
{
    const struct replica_asked_tag **by_q;
    const struct replica_asked_q *q;
    size_t i;

    /* Question by question (in id order), each one's tags together. */
    by_q = xreallocarray(NULL, a->ntags + 1, sizeof(*by_q));
    for (i = 0; i < a->ntags; i++)
        by_q[i] = &a->tags[i];
    if (a->ntags > 0)
        qsort(by_q, a->ntags, sizeof(*by_q), asked_tag_q_cmp);
    for (i = 0; i < a->ntags; i++) {
        q = &a->qs[by_q[i]->q];
        if (fn(ctx, by_q[i]->q, by_q[i]->tag, q->effective_ms, q->first_ms) != 0)
            break;
    }
    free(by_q);
    return 0;
}

/* The first answerer of question q in a->by (sorted by q, author), or the end. */
static const struct replica_asked_by *asked_by_first(const struct replica_asked *a, size_t q)
{
    size_t lo = 0, hi = a->nby, m;

    while (lo < hi) {
        m = lo + (hi - lo) / 2;
        if (a->by[m].q < q)
            lo = m + 1;
        else
            hi = m;
    }
    return a->by + lo;
}

long long replica_asked_answerers(const struct replica_asked *a, const char *const *tags,
                                  size_t ntags)
{
    uint8_t(*keys)[ENTRY_KEY_LEN] = NULL;
    const struct replica_asked_by *b;
    size_t lo, hi, i, t, n = 0, cap = 0;
    long long count = 0;

    /* Each tag's run of (tag, question) pairs; each question's run of answerers. */
    for (t = 0; t < ntags; t++) {
        lo = 0;
        hi = a->ntags;
        while (lo < hi) {
            i = lo + (hi - lo) / 2;
            if (strcmp(a->tags[i].tag, tags[t]) < 0)
                lo = i + 1;
            else
                hi = i;
        }
        for (i = lo; i < a->ntags && strcmp(a->tags[i].tag, tags[t]) == 0; i++)
            for (b = asked_by_first(a, a->tags[i].q); b < a->by + a->nby && b->q == a->tags[i].q;
                 b++) {
                if (n == cap) {
                    cap = cap != 0 ? 2 * cap : 64;
                    keys = xreallocarray(keys, cap, sizeof(*keys));
                }
                memcpy(keys[n++], b->author, ENTRY_KEY_LEN);
            }
    }
    if (n > 0)
        qsort(keys, n, sizeof(*keys), asked_key_cmp);
    for (i = 0; i < n; i++)
        count += i == 0 || memcmp(keys[i], keys[i - 1], ENTRY_KEY_LEN) != 0;
    free(keys);
    return count;
}

void replica_asked_destroy(struct replica_asked **pa)
{
    struct replica_asked *a;
    size_t i;

    if (pa == NULL || *pa == NULL)
        return;
    a = *pa;
    for (i = 0; i < a->ntags; i++)
        free(a->tags[i].tag);
    free(a->tags);
    free(a->qs);
    free(a->as);
    free(a->by);
    free(a);
    *pa = NULL;
}
