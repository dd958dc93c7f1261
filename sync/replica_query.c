/*
 * replica_query: the views — lists filtered by struct replica_query and full-text search (its
 * grammar: replica_fts; the questions' accepted answers, tags, times, top answerers and people by
 * name: replica_facts).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errmsg.h"
#include "hex.h"
#include "log.h"
#include "replica_int.h"
#include "xmalloc.h"

/* The seq of the current version of the entry e: its author's latest revision by (created_ms,
 * id), or the entry itself. Revisions by anyone else do not count. */
#define REPLICA_CURRENT(e)                                                                         \
    "COALESCE((SELECT v.seq FROM refs rv JOIN entries v ON v.seq = rv.seq WHERE rv.ref = " e       \
    ".id AND rv.kind = 9 AND v.author = " e ".author AND v.effective_ms <= lore_horizon()"         \
    " ORDER BY v.effective_ms DESC, v.id DESC LIMIT 1), " e ".seq)"

/* A question's answer accepted by the asker (e is the question). */
#define REPLICA_RESOLVED                                                                           \
    "EXISTS (SELECT 1 FROM refs ra JOIN entries ans ON ans.seq = ra.seq"                           \
    " JOIN refs rc ON rc.ref = ans.id AND rc.kind = 5 JOIN entries acc ON acc.seq = rc.seq"        \
    " WHERE ra.ref = e.id AND ra.kind = 2 AND acc.author = e.author"                               \
    " AND acc.effective_ms <= lore_horizon())"
#define REPLICA_ANSWERED                                                                           \
    "EXISTS (SELECT 1 FROM refs r JOIN entries a ON a.seq = r.seq WHERE r.ref = e.id AND"          \
    " r.kind = 2 AND a.effective_ms <= lore_horizon())"

/* The longest query text: the clauses, ", ?" per id of not_ids, and ", :qtN" (at most 8 bytes)
 * three times per title. */
#define REPLICA_SQL_MAX (4096 + 3 * REPLICA_MAX_NOT_IDS + 3 * 8 * REPLICA_MAX_TITLES)

/* The rows of the title index (replica_db.c: its WHERE, word for word, lets SQLite use it; and
 * INDEXED BY makes it: without statistics the planner took the kind index, reading every note —
 * 20 ms for 500 titles not there at 20,000 entries, 0.2 ms through the titles). */
#define REPLICA_TITLED(t) t ".kind IN (1, 2, 3, 4, 9) AND " t ".title != ''"

/* " IN (:qt0, :qt1, ...)": the titles of q, named so that the three uses share one binding. */
static int replica_titles_sql(const struct replica_query *q, struct buf *sql)
{
    size_t i;
    int ok = buf_append_str(sql, " IN (");

    for (i = 0; i < q->ntitles && i < REPLICA_MAX_TITLES; i++)
        ok |= buf_printf(sql, "%s:qt%zu", i > 0 ? ", " : "", i);
    ok |= buf_append_str(sql, ")");
    return ok;
}

/*
 * Content whose current version's title is one of q's: the candidates are found through the
 * title index — entries titled so, and the entries that revisions titled so revise — and each
 * kept if its current version (REPLICA_CURRENT) has one of the titles. An entry edited away from
 * a title is a candidate and dropped; one edited to it is found through its revision. (refs.kind
 * is the referring entry's kind: rv.kind = 9 makes t a revision; "t.kind = 9" would lead the
 * planner to walk every revision.)
 */
static int replica_titles_clause(const struct replica_query *q, struct buf *sql)
{
    int ok = 0;

    ok |= buf_append_str(
        sql, " AND e.kind IN (1, 2, 3, 4) AND e.seq IN (SELECT t.seq FROM"
             " entries t INDEXED BY entries_title WHERE " REPLICA_TITLED("t") " AND t.title");
    ok |= replica_titles_sql(q, sql);
    ok |= buf_append_str(sql,
                         " UNION ALL SELECT o.seq FROM entries t INDEXED BY entries_title JOIN refs"
                         " rv ON rv.seq = t.seq"
                         " AND rv.kind = 9 JOIN entries o ON o.id = rv.ref WHERE " REPLICA_TITLED(
                             "t") " AND t.title");
    ok |= replica_titles_sql(q, sql);
    ok |= buf_append_str(
        sql, ") AND (SELECT c.title FROM entries c WHERE c.seq = " REPLICA_CURRENT("e") ")");
    ok |= replica_titles_sql(q, sql);
    return ok;
}

/* Append the WHERE clauses of q to sql; bind them later with replica_bind_query in the same order.
 */
static void replica_query_sql(const struct replica_query *q, struct buf *sql)
{
    size_t i;
    int ok = 0;

    /* Held back until their time (docs/PROTOCOL.md, "Time"). */
    ok |= buf_append_str(sql, " AND e.effective_ms <= lore_horizon()");
    if (q->kind != 0)
        ok |= buf_append_str(sql, " AND e.kind = ?");
    else /* '+' keeps the planner on the (effective_ms, id) index: no sort of every row */
        ok |= buf_append_str(sql, " AND +e.kind IN (1, 2, 3, 4)");
    /* The tag of the current version: entries tagged in some version are the candidates (the
     * tags index finds them), the current version must carry it. */
    if (q->tag != NULL) /* only content has versions (the views apply no others) */
        ok |= buf_append_str(
            sql, " AND e.seq IN (SELECT seq FROM tags WHERE tag" REPLICA_IN_QTAG
                 " UNION SELECT o.seq FROM tags t JOIN refs rv ON rv.seq = t.seq"
                 " AND rv.kind = 9 JOIN entries o ON o.id = rv.ref WHERE"
                 " t.tag" REPLICA_IN_QTAG ") AND (CASE WHEN e.kind IN (1, 2, 3,"
                 " 4) THEN " REPLICA_CURRENT("e") " ELSE e.seq END) IN (SELECT"
                                                  " seq FROM tags WHERE tag" REPLICA_IN_QTAG ")");
    if (q->author != NULL)
        ok |= buf_append_str(sql, " AND e.author = ?");
    if (q->ref != NULL)
        ok |= buf_append_str(sql, " AND e.seq IN (SELECT seq FROM refs WHERE ref = ?)");
    if (q->open_only)
        ok |= buf_append_str(sql, " AND e.kind = 1 AND NOT " REPLICA_ANSWERED);
    if (q->since_ms != 0)
        ok |= buf_append_str(sql, " AND e.effective_ms >= ?");
    /* May concern a person (node_foryou's reasons are decided on what this lets through): by
     * someone else, and referring to an entry of theirs or holding an '@' (a mention). */
    if (q->concerning != NULL)
        ok |= buf_append_str(sql, " AND e.author != :qabout AND (e.seq IN (SELECT rm.seq FROM"
                                  /* what refers to their entries, found once through the
                                   * author and refs indexes (not looked up for each row) */
                                  " entries m JOIN refs rm ON rm.ref = m.id WHERE m.author ="
                                  " :qabout) OR instr(e.title, '@') > 0 OR"
                                  " instr(e.body, '@') > 0)");
    if (q->titles != NULL && q->ntitles > 0)
        ok |= replica_titles_clause(q, sql);
    if (q->urgent_only) /* the words of entries_urgent's WHERE: the planner may use it */
        ok |= buf_append_str(sql, " AND e.urgent = 1");
    if (q->status == REPLICA_STATUS_OPEN)
        ok |= buf_append_str(sql, " AND e.kind = 1 AND NOT " REPLICA_ANSWERED);
    else if (q->status == REPLICA_STATUS_ANSWERED)
        ok |= buf_append_str(sql,
                             " AND e.kind = 1 AND " REPLICA_ANSWERED " AND NOT " REPLICA_RESOLVED);
    else if (q->status == REPLICA_STATUS_RESOLVED)
        ok |= buf_append_str(sql, " AND e.kind = 1 AND " REPLICA_RESOLVED);
    if (q->ids != NULL) {
        ok |= buf_append_str(sql, " AND e.id IN (NULL");
        for (i = 0; i < q->nids; i++)
            ok |= buf_append_str(sql, ", ?");
        ok |= buf_append_str(sql, ")");
    }
    if (q->not_ids != NULL && q->nnot_ids > 0) {
        /* No NULL in the list: x NOT IN (NULL, ...) is never true. */
        ok |= buf_append_str(sql, " AND e.id NOT IN (?");
        for (i = 1; i < q->nnot_ids && i < REPLICA_MAX_NOT_IDS; i++)
            ok |= buf_append_str(sql, ", ?");
        ok |= buf_append_str(sql, ")");
    }
    if (ok != 0)
        fatalx("replica: query text too long"); /* the buffer holds every clause */
}

static int replica_bind_query(sqlite3_stmt *s, const struct replica_query *q, int i)
{
    size_t k;

    if (q->kind != 0)
        sqlite3_bind_int(s, i++, q->kind);
    if (q->tag != NULL)
        sqlite3_bind_text(s, i++, q->tag, -1, SQLITE_STATIC);
    if (q->author != NULL)
        sqlite3_bind_blob(s, i++, q->author, ENTRY_KEY_LEN, SQLITE_STATIC);
    if (q->ref != NULL)
        sqlite3_bind_blob(s, i++, q->ref, ENTRY_ID_LEN, SQLITE_STATIC);
    if (q->since_ms != 0)
        sqlite3_bind_int64(s, i++, (sqlite3_int64)q->since_ms);
    if (q->concerning != NULL)
        sqlite3_bind_blob(s, i++, q->concerning, ENTRY_KEY_LEN, SQLITE_STATIC);
    for (k = 0; q->titles != NULL && k < q->ntitles && k < REPLICA_MAX_TITLES; k++)
        sqlite3_bind_text(s, i++, q->titles[k], -1, SQLITE_STATIC);
    for (k = 0; q->ids != NULL && k < q->nids; k++)
        sqlite3_bind_blob(s, i++, q->ids[k], ENTRY_ID_LEN, SQLITE_STATIC);
    for (k = 0; q->not_ids != NULL && k < q->nnot_ids && k < REPLICA_MAX_NOT_IDS; k++)
        sqlite3_bind_blob(s, i++, q->not_ids[k], ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, i++, (sqlite3_int64)(q->limit != 0 ? q->limit : 50));
    sqlite3_bind_int64(s, i++, (sqlite3_int64)q->offset);
    return i;
}

/* The row s is on decoded, its id checked, its signature not (replica_list_heads). */
static struct entry *replica_row_head(sqlite3_stmt *s, char *why, size_t whylen)
{
    const void *raw = sqlite3_column_blob(s, 1);
    int rawlen = sqlite3_column_bytes(s, 1);
    struct entry *e = NULL;

    if (raw != NULL && rawlen > 0)
        e = entry_decode(raw, (size_t)rawlen, why, whylen);
    if (e != NULL && (sqlite3_column_bytes(s, 0) != ENTRY_ID_LEN ||
                      memcmp(sqlite3_column_blob(s, 0), entry_id(e), ENTRY_ID_LEN) != 0)) {
        errmsg_set(why, whylen, "stored id is not the hash of the stored bytes");
        entry_destroy(&e);
    } else if (e == NULL && (raw == NULL || rawlen <= 0)) {
        errmsg_set(why, whylen, "stored bytes are missing");
    }
    return e;
}

/* Step through rows (columns as REPLICA_COLS), verifying each (only decoding it if heads),
 * calling fn. */
static int replica_run_rows(struct replica *r, sqlite3_stmt *s, int heads, replica_row_fn fn,
                            void *ctx, size_t *corrupt, char *err, size_t errlen)
{
    struct entry *e;
    char why[ERRMSG_MAX];
    int rc;

    if (corrupt != NULL)
        *corrupt = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        r->work.rows += !heads; /* heads are not verified: cheap */
        e = heads ? replica_row_head(s, why, sizeof(why)) : replica_row_entry(s, why, sizeof(why));
        if (e == NULL) {
            replica_log_corrupt(s, why);
            if (corrupt != NULL)
                (*corrupt)++;
            continue;
        }
        rc = fn(ctx, e, NULL, 0.0);
        entry_destroy(&e);
        if (rc != 0)
            return 0;
    }
    if (rc != SQLITE_DONE) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        return -1;
    }
    return 0;
}

/*
 * Which index a list reads. Without statistics the planner walks the (kind, effective_ms) index in
 * list order and tests every row against a reference or an author, reading the whole kind for a
 * question's three answers. Both are selective: the entries referencing an id are found through
 * the refs index (rowid lookups, then a sort of those few), an author's through
 * entries_author_effective (in list order: a page of a prolific author stops at the page), the
 * urgent questions through entries_urgent (only they are in it).
 */
static const char *replica_list_hint(const struct replica_query *q)
{
    if (q->ids != NULL)
        return "";
    if (q->ref != NULL || (q->titles != NULL && q->ntitles > 0))
        return " NOT INDEXED";
    if (q->author != NULL)
        return " INDEXED BY entries_author_effective";
    if (q->urgent_only)
        return " INDEXED BY entries_urgent";
    return "";
}

/*
 * A list by tag reads its page one of two ways. The set: every entry tagged (in some version) is
 * looked up and the lot sorted, work in proportion to how many carry the tag. The walk: the
 * entries in list order, each tested through the tags index (its id and seq first, from the
 * index it walks; the row itself only when the tag or a revision is there), stopping at the
 * page: work in proportion to (offset + limit) x entries / tagged. The walk is cheaper when
 * tagged^2 >= (offset + limit) x entries; the tagged rows are counted up to that bound only, so
 * choosing costs at most sqrt((offset + limit) x entries) steps. 1: walk, 0: set.
 */
static int replica_tag_walk(struct replica *r, const struct replica_query *q)
{
    sqlite3_stmt *s = NULL;
    sqlite3_int64 need, bound = 1, tagged;
    int walk = 0;

    /* max(seq) stands for the number of entries: one step, never fewer than there are. */
    if (sqlite3_prepare_v2(r->db, "SELECT max(seq) FROM entries", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW)
        goto out;
    need =
        (sqlite3_int64)(q->offset + (q->limit != 0 ? q->limit : 50)) * sqlite3_column_int64(s, 0);
    while (bound * bound < need)
        bound *= 2; /* at most twice the square root */
    replica_add_work(r, s);
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(
            r->db, "SELECT count(*) FROM (SELECT 1 FROM tags WHERE tag" REPLICA_IN_P1 " LIMIT ?2)",
            -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(s, 1, q->tag, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, bound);
    if (sqlite3_step(s) != SQLITE_ROW)
        goto out;
    tagged = sqlite3_column_int64(s, 0);
    walk = tagged * tagged >= need;
out:
    replica_add_work(r, s);
    sqlite3_finalize(s);
    return walk;
}

/* The walk's tag test (replica_tag_walk), bound first (?1): the same rule as replica_query_sql's
 * (the current version carries the tag), with the cheap index probes before it. */
#define REPLICA_TAG_WALK                                                                           \
    " AND (EXISTS (SELECT 1 FROM tags WHERE tag" REPLICA_IN_P1 " AND seq = e.seq) OR EXISTS"       \
    " (SELECT 1 FROM refs WHERE ref = e.id AND kind = 9)) AND EXISTS (SELECT 1 FROM tags WHERE"    \
    " tag" REPLICA_IN_P1                                                                           \
    " AND seq = (CASE WHEN e.kind IN (1, 2, 3, 4) THEN " REPLICA_CURRENT("e") " ELSE e.seq END))"

static int replica_list_rows(struct replica *r, const struct replica_query *q, int heads,
                             replica_row_fn fn, void *ctx, size_t *corrupt)
{
    struct replica_query wq = *q;
    const char *tag = q->tag;
    struct buf sql;
    sqlite3_stmt *s = NULL;
    char err[ERRMSG_MAX];
    int rc = -1, walk = q->tag != NULL && q->ids == NULL && q->ref == NULL && q->author == NULL &&
                        q->titles == NULL && (q->urgent_only || replica_tag_walk(r, q));

    const char *hint = replica_list_hint(q);

    /* The set: the tagged rows are looked up by rowid and sorted; left to itself the planner
     * walks the kind's index in list order and tests each row against the set instead. */
    if (q->tag != NULL && !walk && hint[0] == '\0' && q->ids == NULL)
        hint = " NOT INDEXED";
    buf_init(&sql, REPLICA_SQL_MAX);
    if (buf_printf(&sql, "SELECT " REPLICA_COLS " FROM entries e%s WHERE 1%s", hint,
                   walk ? REPLICA_TAG_WALK : "") != 0)
        goto out;
    if (walk)
        wq.tag = NULL; /* tested by the walk's clause, bound first */
    q = &wq;
    replica_query_sql(q, &sql);
    /* Both keys in one direction, so the (effective_ms, id) index gives the order without a
     * sort. */
    if (buf_printf(&sql, " ORDER BY e.effective_ms %s, e.id %s LIMIT ? OFFSET ?",
                   q->oldest_first ? "ASC" : "DESC", q->oldest_first ? "ASC" : "DESC") != 0)
        goto out;
    if (sqlite3_prepare_v2(r->db, (const char *)sql.data, -1, &s, NULL) != SQLITE_OK) {
        log_warnx("replica: list: %s", sqlite3_errmsg(r->db));
        goto out;
    }
    if (walk)
        sqlite3_bind_text(s, 1, tag, -1, SQLITE_STATIC);
    replica_bind_query(s, q, walk ? 2 : 1);
    rc = replica_run_rows(r, s, heads, fn, ctx, corrupt, err, sizeof(err));
    if (rc != 0)
        log_warnx("replica: list: %s", err);
out:
    replica_add_work(r, s);
    sqlite3_finalize(s);
    buf_free(&sql);
    return rc;
}

int replica_list(struct replica *r, const struct replica_query *q, replica_row_fn fn, void *ctx,
                 size_t *corrupt)
{
    return replica_list_rows(r, q, 0, fn, ctx, corrupt);
}

int replica_list_heads(struct replica *r, const struct replica_query *q, replica_row_fn fn,
                       void *ctx)
{
    return replica_list_rows(r, q, 1, fn, ctx, NULL);
}

/* Whether word (len bytes) is found in at least REPLICA_WHOLE_WORD_MIN entries of r (ctx). */
static int replica_word_is_whole(void *ctx, const char *word, size_t len)
{
    struct replica *r = ctx;
    struct buf quoted;
    sqlite3_int64 n;

    buf_init(&quoted, len + 2);
    if (buf_append_str(&quoted, "\"") != 0 || buf_append(&quoted, word, len) != 0 ||
        buf_append_str(&quoted, "\"") != 0) {
        buf_free(&quoted);
        return 0;
    }
    n = replica_rank_count(r, (const char *)quoted.data, quoted.len);
    buf_free(&quoted);
    return n >= REPLICA_WHOLE_WORD_MIN;
}

int replica_search_match(struct replica *r, const char *query, int any, struct buf *out, char *err,
                         size_t errlen)
{
    return replica_fts_translate(query, any, replica_word_is_whole, r, out, err, errlen);
}

/* A search result before it is loaded: its rank and the keys that break ties. */
struct replica_hit {
    sqlite3_int64 seq;  /* the entry */
    sqlite3_int64 hseq; /* the version that matched: the entry or its current revision */
    double rank;        /* bm25 */
    double boost;       /* 1 unless re-ranked */
    sqlite3_int64 created_ms;
    uint8_t id[ENTRY_ID_LEN];
    uint8_t author[ENTRY_KEY_LEN];
    char *snippet; /* stage three, for the page's rows */
};

/* Results order: best rank (bm25 x boost), then newest, then highest id; the same on every
 * replica. */
static int replica_hit_cmp(const void *a, const void *b)
{
    const struct replica_hit *x = a, *y = b;
    double rx = x->rank * x->boost, ry = y->rank * y->boost;

    if (rx != ry)
        return rx < ry ? -1 : 1;
    if (x->created_ms != y->created_ms)
        return x->created_ms > y->created_ms ? -1 : 1;
    return -memcmp(x->id, y->id, ENTRY_ID_LEN);
}

/* Stage one's results: hits in the order read (rank order), growing. */
struct replica_hits {
    struct replica_hit *v;
    size_t n, cap;
};

/* Keep a hit on version hseq of rank, standing for the entry of the row s is on (seq,
 * effective_ms, id, author), in h. */
static void replica_keep_hit(sqlite3_stmt *s, sqlite3_int64 hseq, double rank,
                             struct replica_hits *h)
{
    struct replica_hit *x;

    if (h->n == h->cap) {
        h->cap = h->cap != 0 ? 2 * h->cap : 64;
        h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
    }
    x = &h->v[h->n++];
    memset(x, 0, sizeof(*x));
    x->seq = sqlite3_column_int64(s, 0);
    x->hseq = hseq;
    x->rank = rank;
    x->boost = 1.0;
    x->created_ms = sqlite3_column_int64(s, 1);
    if (sqlite3_column_bytes(s, 2) == ENTRY_ID_LEN)
        memcpy(x->id, sqlite3_column_blob(s, 2), ENTRY_ID_LEN);
    if (sqlite3_column_bytes(s, 3) == ENTRY_KEY_LEN)
        memcpy(x->author, sqlite3_column_blob(s, 3), ENTRY_KEY_LEN);
}

/*
 * The entry a full-text hit x (?1) stands for, if it passes q's filters: x itself when it has no
 * revision by its author, or the author's latest revision of e. Hits on older versions, and on
 * revisions by others, stand for nothing (the join finds no e): so every entry matches at most
 * once, with the words of its current text. The filters come before the version test, which is
 * the dearer one.
 */
static int replica_hit_stmt(struct replica *r, const struct replica_query *q, sqlite3_stmt **s,
                            char *err, size_t errlen)
{
    struct buf sql;
    unsigned kind = q->kind != 0                                      ? q->kind
                    : q->open_only || q->status != REPLICA_STATUS_ANY ? ENTRY_QUESTION
                                                                      : 0;
    int rc = -1;

    buf_init(&sql, REPLICA_SQL_MAX);
    if (buf_append_str(&sql, "SELECT e.seq, e.effective_ms, e.id, e.author FROM entries x"
                             " JOIN entries e ON e.seq = (CASE WHEN x.kind = 9 THEN (SELECT o.seq"
                             " FROM refs rv JOIN entries o ON o.id = rv.ref WHERE rv.seq = x.seq"
                             " AND rv.kind = 9) ELSE x.seq END) WHERE x.seq = ?1") != 0)
        goto out;
    /* A hit of another kind, not a revision, is passed over before anything else is read. */
    if (kind != 0 && buf_printf(&sql, " AND x.kind IN (9, %u)", kind) != 0)
        goto out;
    if (buf_append_str(&sql, " AND e.kind IN (1, 2, 3, 4) AND e.author = x.author") != 0)
        goto out;
    replica_query_sql(q, &sql); /* its parameters are numbered from 2 */
    if (buf_append_str(&sql, " AND " REPLICA_CURRENT("e") " = x.seq") != 0)
        goto out;
    if (sqlite3_prepare_v2(r->db, (const char *)sql.data, -1, s, NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        goto out;
    }
    replica_bind_query(*s, q, 2); /* its LIMIT and OFFSET have no place here: not bound */
    rc = 0;
out:
    buf_free(&sql);
    return rc;
}

/*
 * A query matching more than REPLICA_RANK_NEWEST entries is ranked among its newest matches, this
 * many, and the REPLICA_RANK_TITLES newest title matches older than those (docs/API.md, search):
 * FTS5 ranks and looks up only those, not every match of a common word. A title match among the
 * newest is ranked there, on all columns. Finding older title matches walks both words' rows with
 * positions, most of such a search's time: 500 of them instead of 2,000 left 288 of the
 * benchmark's 290 result pages at 100k the same, and every first result.
 */
#define REPLICA_RANK_NEWEST 2000
#define REPLICA_RANK_TITLES 500

/* A match and its bm25 rank. */
struct replica_match {
    sqlite3_int64 rowid;
    double rank;
};

static int replica_match_rank_cmp(const void *a, const void *b)
{
    const struct replica_match *x = a, *y = b;

    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* The newest max matches of the FTS5 query match (prefix, if not NULL, before it) with a rowid
 * below below, with their bm25 ranks, appended to *v (*n of them, room for *cap). Returns how
 * many, or -1. */
static long replica_match_newest(struct replica *r, const char *prefix, const struct buf *match,
                                 sqlite3_int64 below, size_t max, struct replica_match **v,
                                 size_t *n, size_t *cap, char *err, size_t errlen)
{
    struct replica_rank_df df = {0};
    sqlite3_stmt *s = NULL;
    struct buf text;
    long count = -1;
    int step;

    buf_init(&text, match->len + 64);
    if ((prefix != NULL && buf_append_str(&text, prefix) != 0) ||
        buf_append(&text, match->data, match->len) != 0) {
        errmsg_set(err, errlen, "the search query is too long");
        goto out;
    }
    /* (a bound of none costs a test of every row) */
    if (sqlite3_prepare_v2(r->db,
                           below == INT64_MAX
                               ? "SELECT rowid, " REPLICA_RANK_SQL " FROM fts WHERE fts MATCH ?1"
                                 " ORDER BY rowid DESC LIMIT ?3"
                               : "SELECT rowid, " REPLICA_RANK_SQL " FROM fts WHERE fts MATCH ?1"
                                 " AND rowid < ?4 ORDER BY rowid DESC LIMIT ?3",
                           -1, &s, NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        goto out;
    }
    sqlite3_bind_text(s, 1, (const char *)text.data, (int)text.len, SQLITE_STATIC);
    if (replica_rank_prepare(r, &text, &df) == 0)
        sqlite3_bind_pointer(s, 2, &df, REPLICA_RANK_POINTER, NULL);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
    if (below != INT64_MAX)
        sqlite3_bind_int64(s, 4, below);
    count = 0;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == *cap) {
            *cap = *cap != 0 ? 2 * *cap : 256;
            *v = xreallocarray(*v, *cap, sizeof(**v));
        }
        (*v)[*n].rowid = sqlite3_column_int64(s, 0);
        (*v)[(*n)++].rank = sqlite3_column_double(s, 1);
        count++;
    }
    if (step != SQLITE_DONE) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        count = -1;
    }
    replica_rank_keep(r, &df);
out:
    replica_add_work(r, s);
    sqlite3_finalize(s);
    buf_free(&text);
    return count;
}

/* One match of the walk in rank order: kept in h if it stands for an entry passing the filters
 * (hit, replica_hit_stmt). Returns 1 when the walk is over — page are held and this match ranks
 * strictly below the page's last, as every later one does — else 0, or -1 on error. */
static int replica_walk_match(struct replica *r, sqlite3_stmt *hit, sqlite3_int64 rowid,
                              double rank, size_t page, struct replica_hits *h, char *err,
                              size_t errlen)
{
    int step;

    if (h->n >= page && rank > h->v[page - 1].rank)
        return 1;
    sqlite3_reset(hit);
    sqlite3_bind_int64(hit, 1, rowid);
    step = sqlite3_step(hit);
    if (step == SQLITE_ROW)
        replica_keep_hit(hit, rowid, rank, h);
    else if (step != SQLITE_DONE) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        return -1;
    }
    return 0;
}

/* Every match in bm25 order (FTS5 ranks them in its index, sorting only (rowid, rank) pairs),
 * walked until replica_walk_match ends it. Returns 0 or -1. */
static int replica_walk_all(struct replica *r, const struct buf *match, sqlite3_stmt *hit,
                            size_t page, struct replica_hits *h, char *err, size_t errlen)
{
    struct replica_rank_df df = {0};
    sqlite3_stmt *s = NULL;
    int rc = -1, step, done = 0;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT rowid, " REPLICA_RANK_SQL " AS rank FROM fts"
                           " WHERE fts MATCH ?1 ORDER BY rank",
                           -1, &s, NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        goto out;
    }
    sqlite3_bind_text(s, 1, (const char *)match->data, (int)match->len, SQLITE_STATIC);
    if (replica_rank_prepare(r, match, &df) == 0)
        sqlite3_bind_pointer(s, 2, &df, REPLICA_RANK_POINTER, NULL);
    while (done == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
        done = replica_walk_match(r, hit, sqlite3_column_int64(s, 0), sqlite3_column_double(s, 1),
                                  page, h, err, errlen);
    if (done < 0)
        goto out;
    if (done == 0 && step != SQLITE_DONE) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        goto out;
    }
    replica_rank_keep(r, &df);
    rc = 0;
out:
    replica_add_work(r, s);
    sqlite3_finalize(s);
    return rc;
}

/*
 * Stage one: the page's candidates (page of them, and the ties at its end), best first. The
 * matches are walked in bm25 order, each looked up as the entry it stands for with the filters,
 * until page are held and a match ranks strictly below the page's last: every later match ranks
 * at least as low, so the page is exact among the matches walked, and the later ones are never
 * joined nor filtered. The matches walked: every match when there are at most
 * REPLICA_RANK_NEWEST; else the newest REPLICA_RANK_NEWEST and the REPLICA_RANK_TITLES title
 * matches older than those, and every match only when the page is not filled from those. Returns 0
 * or -1.
 */
static int replica_search_candidates(struct replica *r, const struct buf *match,
                                     const struct replica_query *q, size_t page,
                                     struct replica_hits *h, char *err, size_t errlen)
{
    sqlite3_stmt *hit = NULL;
    struct replica_match *v = NULL;
    size_t n = 0, cap = 0, i;
    long newest;
    int rc = -1, done = 0;

    if (replica_hit_stmt(r, q, &hit, err, errlen) != 0)
        goto out;
    newest = replica_match_newest(r, NULL, match, INT64_MAX, REPLICA_RANK_NEWEST + 1, &v, &n, &cap,
                                  err, errlen);
    if (newest < 0)
        goto out;
    if (newest > REPLICA_RANK_NEWEST) {
        n--; /* it only told there are more */
        /* The title matches older than the newest: those among them are ranked already, on
         * every column. */
        if (replica_match_newest(r, "{title} : ", match, v[n - 1].rowid, REPLICA_RANK_TITLES, &v,
                                 &n, &cap, err, errlen) < 0)
            goto out;
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), replica_match_rank_cmp);
    for (i = 0; i < n && done == 0; i++)
        done = replica_walk_match(r, hit, v[i].rowid, v[i].rank, page, h, err, errlen);
    if (done < 0)
        goto out;
    if (newest > REPLICA_RANK_NEWEST && h->n < page && !q->bounded) {
        h->n = 0; /* the filters let too few of those through: walk every match */
        if (replica_walk_all(r, match, hit, page, h, err, errlen) != 0)
            goto out;
    }
    if (h->n > 1)
        qsort(h->v, h->n, sizeof(*h->v), replica_hit_cmp);
    rc = 0;
out:
    replica_add_work(r, hit);
    sqlite3_finalize(hit);
    free(v);
    return rc;
}

/* Re-rank hits[0, n) by rk's boost of each one's signals. Returns 0 or -1. */
static int replica_rerank(struct replica *r, const struct replica_rank *rk,
                          struct replica_hit *hits, size_t n, char *err, size_t errlen)
{
    sqlite3_stmt *s;
    struct replica_signals sig;
    size_t i;
    int rc = -1;

    s = replica_stmt(r, ST_SIGNALS);
    for (i = 0; i < n; i++) {
        memset(&sig, 0, sizeof(sig));
        sqlite3_reset(s);
        sqlite3_bind_blob(s, 1, hits[i].id, ENTRY_ID_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(s, 2, hits[i].author, ENTRY_KEY_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, hits[i].seq);
        if (sqlite3_step(s) != SQLITE_ROW) {
            errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
            goto out;
        }
        sig.accepted = sqlite3_column_int(s, 0) == 1;
        sig.net_votes = (long long)sqlite3_column_double(s, 1);
        sig.verified = (long long)sqlite3_column_double(s, 2);
        sig.obsolete = (long long)sqlite3_column_double(s, 3);
        hits[i].boost = rk->boost(rk->ctx, &sig);
    }
    qsort(hits, n, sizeof(*hits), replica_hit_cmp);
    rc = 0;
out:
    sqlite3_reset(s);
    return rc;
}

/* Keep the snippet of the row s is on for the page's row it is (page[0, n)). */
static void replica_keep_snippet(sqlite3_stmt *s, struct replica_hit *page, size_t n)
{
    sqlite3_int64 rowid = sqlite3_column_int64(s, 0);
    const unsigned char *text = sqlite3_column_text(s, 1);
    size_t i;

    for (i = 0; i < n; i++)
        if (page[i].hseq == rowid && page[i].snippet == NULL)
            page[i].snippet = xstrdup(text != NULL ? (const char *)text : "");
}

/*
 * The snippets of the page's rows (page[i].hseq, the versions that matched): from each row's
 * text for plain words (replica_snip); else by FTS5, row by row without a prefix term, or with one
 * (each run merges every doclist it covers) once over the page's rowid range, SQLite keeping the
 * page's rows ('+' keeps that test out of the full-text index). Returns 0 or -1.
 */
static int replica_snippets(struct replica *r, const struct buf *match, const char *hl_open,
                            const char *hl_close, struct replica_hit *page, size_t n, char *err,
                            size_t errlen)
{
    struct buf sql;
    sqlite3_stmt *s = NULL;
    struct replica_snip *sn;
    const char *open = hl_open != NULL ? hl_open : "**",
               *close = hl_close != NULL ? hl_close : "**";
    sqlite3_int64 lo = page[0].hseq, hi = page[0].hseq;
    size_t i;
    int rc = -1, step = SQLITE_DONE, each = memchr(match->data, '*', match->len) == NULL;

    if (each && (sn = replica_snip_new(r, match)) != NULL) {
        for (i = 0; i < n; i++)
            page[i].snippet = replica_snip_row(sn, page[i].hseq, open, close);
        replica_snip_free(&sn);
    }
    buf_init(&sql, 512 + 4 * n);
    if (buf_append_str(&sql, "SELECT rowid, snippet(fts, -1, ?1, ?2, '…', 16) FROM fts WHERE"
                             " fts MATCH ?3") != 0)
        goto out;
    if (each) {
        if (buf_append_str(&sql, " AND rowid = ?4") != 0)
            goto out;
    } else {
        if (buf_append_str(&sql, " AND rowid BETWEEN ?4 AND ?5 AND +rowid IN (?6") != 0)
            goto out;
        for (i = 1; i < n; i++)
            if (buf_append_str(&sql, ", ?") != 0)
                goto out;
        if (buf_append_str(&sql, ")") != 0)
            goto out;
    }
    if (sqlite3_prepare_v2(r->db, (const char *)sql.data, -1, &s, NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        goto out;
    }
    sqlite3_bind_text(s, 1, open, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, close, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, (const char *)match->data, (int)match->len, SQLITE_STATIC);
    for (i = 0; each && i < n && (step == SQLITE_DONE || step == SQLITE_ROW); i++) {
        if (page[i].snippet != NULL)
            continue; /* made from its text */
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 4, page[i].hseq);
        while ((step = sqlite3_step(s)) == SQLITE_ROW)
            replica_keep_snippet(s, page, n);
    }
    if (!each) {
        for (i = 0; i < n; i++) {
            lo = page[i].hseq < lo ? page[i].hseq : lo;
            hi = page[i].hseq > hi ? page[i].hseq : hi;
            sqlite3_bind_int64(s, 6 + (int)i, page[i].hseq);
        }
        sqlite3_bind_int64(s, 4, lo);
        sqlite3_bind_int64(s, 5, hi);
        while ((step = sqlite3_step(s)) == SQLITE_ROW)
            replica_keep_snippet(s, page, n);
    }
    if (step != SQLITE_DONE) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    buf_free(&sql);
    return rc;
}

int replica_search_ranked(struct replica *r, const char *query, const struct replica_query *q,
                          const struct replica_rank *rk, const char *hl_open, const char *hl_close,
                          replica_hit_fn fn, void *ctx, size_t *corrupt, char *err, size_t errlen)
{
    struct buf match;
    sqlite3_stmt *row = NULL;
    size_t limit = q->limit != 0 ? q->limit : 50, n = 0, i, first = 0, offset = q->offset, end = 0;
    size_t window;
    struct replica_hits h = {NULL, 0, 0};
    struct replica_hit *hits = NULL;
    int rc = -1;

    buf_init(&match, 0);
    if (corrupt != NULL)
        *corrupt = 0;
    if (replica_search_match(r, query, q->any_word, &match, err, errlen) != 0)
        goto out;
    if (q->offset > 100000) {
        errmsg_set(err, errlen, "offset too large");
        goto out;
    }
    /*
     * Stage one finds the candidates' row numbers, sorting only small (rank, keys) records: the
     * page or, to re-rank, the best bm25 matches down to rk->extra beyond it, filters applied
     * (replica_search_candidates). Stage two re-ranks those by their signals (indexed lookups, no
     * decoding). Stage three loads the page's rows and their snippets. bm25 weights: a word in
     * the title counts most, then tags, then the body.
     */
    window = rk != NULL ? offset + limit + rk->extra : limit;
    if (rk != NULL)
        offset = 0; /* stage one reads from the best match; the page is cut after re-ranking */
    if (replica_search_candidates(r, &match, q, offset + window, &h, err, errlen) != 0)
        goto out;
    hits = h.v;
    n = h.n < offset + window ? h.n : offset + window; /* ties past the page are left out */
    first = offset;
    end = n;
    if (rk != NULL) {
        if (n > first && replica_rerank(r, rk, hits + first, n - first, err, errlen) != 0)
            goto out;
        first += q->offset;
        end = first + limit < n ? first + limit : n;
    }
    if (first < end &&
        replica_snippets(r, &match, hl_open, hl_close, hits + first, end - first, err, errlen) != 0)
        goto out;
    if (sqlite3_prepare_v2(r->db, "SELECT " REPLICA_COLS " FROM entries e WHERE e.seq = ?", -1,
                           &row, NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        goto out;
    }
    for (i = first; i < end; i++) {
        struct entry *e;
        char why[ERRMSG_MAX];
        int stop;
        sqlite3_reset(row);
        sqlite3_bind_int64(row, 1, hits[i].seq);
        if (hits[i].snippet == NULL || sqlite3_step(row) != SQLITE_ROW)
            continue;
        e = replica_row_entry(row, why, sizeof(why));
        if (e == NULL) {
            replica_log_corrupt(row, why);
            if (corrupt != NULL)
                (*corrupt)++;
            continue;
        }
        stop = fn(ctx, e, hits[i].snippet, hits[i].rank, hits[i].boost);
        entry_destroy(&e);
        if (stop != 0)
            break;
    }
    rc = 0;
out:
    for (i = first; hits != NULL && i < end; i++)
        free(hits[i].snippet);
    free(h.v); /* hits, once stage one is done */
    sqlite3_finalize(row);
    buf_free(&match);
    return rc;
}

/* replica_search's row function through replica_search_ranked's. */
struct replica_plain {
    replica_row_fn fn;
    void *ctx;
};

static int replica_plain_row(void *ctx, const struct entry *e, const char *snippet, double bm25,
                             double boost)
{
    const struct replica_plain *p = ctx;

    (void)boost;
    return p->fn(p->ctx, e, snippet, bm25);
}

int replica_search(struct replica *r, const char *query, const struct replica_query *q,
                   const char *hl_open, const char *hl_close, replica_row_fn fn, void *ctx,
                   size_t *corrupt, char *err, size_t errlen)
{
    struct replica_plain p = {fn, ctx};

    return replica_search_ranked(r, query, q, NULL, hl_open, hl_close, replica_plain_row, &p,
                                 corrupt, err, errlen);
}
