/*
 * replica_write: the write path — one transaction per batch (entries and meta), taken in turns;
 * tombstones and retractions, effective times, purging a revoked author, merging outside bytes.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errmsg.h"
#include "kinds.h"
#include "replica_int.h"
#include "xmalloc.h"

/* Kinds the full-text index holds (the `searchable` view says the same). */
static int replica_searchable(uint16_t kind)
{
    return (kind >= ENTRY_QUESTION && kind <= ENTRY_COMMENT) || kind == ENTRY_REVISION;
}

/* Kinds a retraction by their author takes back (content). */
static int replica_retractable(int kind)
{
    return kind >= ENTRY_QUESTION && kind <= ENTRY_COMMENT;
}

/*
 * Write transactions through any replica in this process take turns in arrival order. SQLite's
 * busy handler alone is not fair: it sleeps in growing steps, and a writer committing batch after
 * batch (the ingest thread) takes the lock again within microseconds, so the event loop's single
 * insert could wait for many batches. With turns it waits for at most the transaction running.
 * Other processes still meet the busy timeout.
 */
static pthread_mutex_t replica_turn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t replica_turn_cv = PTHREAD_COND_INITIALIZER;
static uint64_t replica_turn_next, replica_turn_serving;

static void replica_turn_take(void)
{
    uint64_t mine;

    pthread_mutex_lock(&replica_turn_mu);
    mine = replica_turn_next++;
    while (mine != replica_turn_serving)
        pthread_cond_wait(&replica_turn_cv, &replica_turn_mu);
    pthread_mutex_unlock(&replica_turn_mu);
}

static void replica_turn_give(void)
{
    pthread_mutex_lock(&replica_turn_mu);
    replica_turn_serving++;
    pthread_cond_broadcast(&replica_turn_cv);
    pthread_mutex_unlock(&replica_turn_mu);
}

/* Run a statement whose one parameter is a seq, inside the open transaction. */
static int replica_run_seq(struct replica *r, enum replica_stmt which, sqlite3_int64 seq, char *err,
                           size_t errlen)
{
    sqlite3_stmt *s = replica_stmt(r, which);

    sqlite3_bind_int64(s, 1, seq);
    return replica_step_done(r, s, err, errlen);
}

/* Replace the row seq by a tombstone: its id, time and author stay; its bytes, columns and index
 * rows go. Inside the open transaction. */
static int replica_tombstone_row(struct replica *r, sqlite3_int64 seq, char *err, size_t errlen)
{
    static const enum replica_stmt steps[] = {ST_TOMB_INSERT, ST_TOMB_FTS, ST_TOMB_REFS,
                                              ST_TOMB_TAGS, ST_TOMB_ENTRY};
    size_t i;

    r->rows_deleted = 1;
    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (replica_run_seq(r, steps[i], seq, err, errlen) != 0)
            return -1;
    return 0;
}

/* After a write transaction ends (committed or not): if it took rows out of the index, say so. */
static void replica_deletions_done(struct replica *r)
{
    if (r->rows_deleted) {
        r->rows_deleted = 0;
        replica_rank_rows_deleted();
    }
}

/* Tombstone the revisions of id by author (id was taken back: its old versions go with it). */
static int replica_tombstone_revisions(struct replica *r, const uint8_t *id, const uint8_t *author,
                                       char *err, size_t errlen)
{
    sqlite3_stmt *s = replica_stmt(r, ST_REVISIONS_OF);
    sqlite3_int64 *seqs = NULL;
    size_t n = 0, cap = 0, i;
    int step, rc = -1;

    sqlite3_bind_blob(s, 1, id, ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, author, ENTRY_KEY_LEN, SQLITE_STATIC);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap == 0 ? 8 : 2 * cap;
            seqs = xreallocarray(seqs, cap, sizeof(*seqs));
        }
        seqs[n++] = sqlite3_column_int64(s, 0);
    }
    if (step != SQLITE_DONE) {
        errmsg_set(err, errlen, "%s: %s", r->path, sqlite3_errmsg(r->db));
        goto out;
    }
    sqlite3_reset(s);
    for (i = 0; i < n; i++)
        if (replica_tombstone_row(r, seqs[i], err, errlen) != 0)
            goto out;
    rc = 0;
out:
    free(seqs);
    return rc;
}

/*
 * Must e stay out of the replica? 1 if its id is tombstoned already (*fresh = 0), or if its author
 * took it back before it arrived: a retraction of it (or, for a revision, of the entry revised) by
 * the same author is stored, or the revised entry is tombstoned as that author's (*fresh = 1).
 * 0 if it may be stored, -1 on error.
 */
static int replica_arrives_retracted(struct replica *r, const struct entry *e, int *fresh,
                                     char *err, size_t errlen)
{
    sqlite3_stmt *s = replica_stmt(r, ST_TOMBSTONED);
    const uint8_t *target;
    int step;

    *fresh = 0;
    sqlite3_bind_blob(s, 1, entry_id(e), ENTRY_ID_LEN, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        return 1;
    if (step != SQLITE_DONE)
        goto fail;
    if (replica_retractable(entry_kind(e)))
        target = entry_id(e);
    else if (entry_kind(e) == ENTRY_REVISION && entry_nrefs(e) == 1)
        target = entry_ref(e, 0);
    else
        return 0;
    *fresh = 1;
    s = replica_stmt(r, ST_RETRACTED);
    sqlite3_bind_blob(s, 1, target, ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, entry_author(e), ENTRY_KEY_LEN, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        return 1;
    if (step != SQLITE_DONE)
        goto fail;
    if (target == entry_id(e))
        return 0;
    s = replica_stmt(r, ST_TOMBSTONED);
    sqlite3_bind_blob(s, 1, target, ENTRY_ID_LEN, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW && sqlite3_column_bytes(s, 0) == ENTRY_KEY_LEN &&
        memcmp(sqlite3_column_blob(s, 0), entry_author(e), ENTRY_KEY_LEN) == 0)
        return 1;
    if (step == SQLITE_ROW || step == SQLITE_DONE)
        return 0;
fail:
    errmsg_set(err, errlen, "%s: %s", r->path, sqlite3_errmsg(r->db));
    return -1;
}

/* A retraction e was stored: if its target is here and is its author's content, tombstone it,
 * and in any case the revisions of the target by e's author. */
static int replica_honour_retraction(struct replica *r, const struct entry *e, char *err,
                                     size_t errlen)
{
    sqlite3_stmt *s = replica_stmt(r, ST_TARGET);
    const uint8_t *target = entry_ref(e, 0);
    sqlite3_int64 seq;
    int step;

    sqlite3_bind_blob(s, 1, target, ENTRY_ID_LEN, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        if (!replica_retractable(sqlite3_column_int(s, 1)) ||
            sqlite3_column_bytes(s, 2) != ENTRY_KEY_LEN ||
            memcmp(sqlite3_column_blob(s, 2), entry_author(e), ENTRY_KEY_LEN) != 0)
            return 0; /* not its author's (or not content): it does not count */
        seq = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        if (replica_tombstone_row(r, seq, err, errlen) != 0)
            return -1;
    } else if (step != SQLITE_DONE) {
        errmsg_set(err, errlen, "%s: %s", r->path, sqlite3_errmsg(r->db));
        return -1;
    }
    return replica_tombstone_revisions(r, target, entry_author(e), err, errlen);
}

/* The effective time of e, before it is stored, in *eff: its own time, or the latest effective
 * time of what it references (a reply counts no earlier than what it answers). One indexed lookup
 * per reference; none for a note or a question (before, an UPDATE rewrote the row just
 * inserted). Returns 0, or -1 as replica_failed (the caller rolls back). */
static int replica_effective_of(struct replica *r, const struct entry *e, sqlite3_int64 *eff,
                                char *err, size_t errlen)
{
    sqlite3_stmt *s = replica_stmt(r, ST_EFFECTIVE);
    sqlite3_int64 t;
    size_t i;
    int step;

    *eff = (sqlite3_int64)entry_created_ms(e);
    for (i = 0; i < entry_nrefs(e); i++) {
        sqlite3_bind_blob(s, 1, entry_ref(e, i), ENTRY_ID_LEN, SQLITE_STATIC);
        step = sqlite3_step(s);
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            replica_failed(r, "effective time: ", err, errlen);
            return -1;
        }
        if (step == SQLITE_ROW) {
            t = sqlite3_column_int64(s, 0);
            if (t > *eff)
                *eff = t;
        }
        sqlite3_reset(s);
    }
    return 0;
}

/* Raise the effective time of everything that references e (stored before it: it arrived out
 * of order) to e's, eff. Inside the open transaction. The UPDATE runs only when something does
 * reference e: a multi-row write opens a statement savepoint, and at each one FTS5 (SQLite 3.40)
 * flushes the terms pending in the transaction into a new small segment — once per entry of a
 * batch, a fifth of post_batch's time, and segments for every later search to merge. */
static int replica_effective_down(struct replica *r, const struct entry *e, sqlite3_int64 eff,
                                  char *err, size_t errlen)
{
    sqlite3_stmt *s = replica_stmt(r, ST_REFERENCED);
    int step;

    sqlite3_bind_blob(s, 1, entry_id(e), ENTRY_ID_LEN, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        replica_failed(r, "references: ", err, errlen);
        return -1;
    }
    sqlite3_reset(s);
    if (step == SQLITE_DONE)
        return 0;
    s = replica_stmt(r, ST_EFFECTIVE_DOWN);
    sqlite3_bind_blob(s, 1, entry_id(e), ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, eff);
    return replica_step_done(r, s, err, errlen);
}

/* Insert one entry inside the open transaction. Returns 0 with *res set, or -1. */
static int replica_insert(struct replica *r, const struct entry *e, uint64_t received_ms,
                          enum replica_merge_result *res, char *err, size_t errlen)
{
    sqlite3_stmt *s;
    struct buf tags;
    const uint8_t *raw;
    size_t len, i;
    sqlite3_int64 seq, eff;
    int rc = -1, gone, fresh;

    replica_tags_text(e, &tags);
    gone = replica_arrives_retracted(r, e, &fresh, err, errlen);
    if (gone < 0)
        goto out;
    if (gone) {
        /* Held already, as a tombstone: never stored, spread or announced. */
        *res = REPLICA_EXISTS;
        if (fresh) {
            s = replica_stmt(r, ST_TOMB_ADD);
            sqlite3_bind_blob(s, 1, entry_id(e), ENTRY_ID_LEN, SQLITE_STATIC);
            sqlite3_bind_int64(s, 2, (sqlite3_int64)entry_created_ms(e));
            sqlite3_bind_blob(s, 3, entry_author(e), ENTRY_KEY_LEN, SQLITE_STATIC);
            if (replica_step_done(r, s, err, errlen) != 0 ||
                (entry_kind(e) != ENTRY_REVISION &&
                 replica_tombstone_revisions(r, entry_id(e), entry_author(e), err, errlen) != 0))
                goto out;
        }
        rc = 0;
        goto out;
    }
    raw = entry_bytes(e, &len);
    if (replica_effective_of(r, e, &eff, err, errlen) != 0)
        goto out;
    s = replica_stmt(r, ST_INSERT);
    sqlite3_bind_blob(s, 1, entry_id(e), ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, raw, (int)len, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, entry_kind(e));
    sqlite3_bind_blob(s, 4, entry_author(e), ENTRY_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)entry_created_ms(e));
    sqlite3_bind_int64(s, 6, (sqlite3_int64)received_ms);
    sqlite3_bind_text(s, 7, entry_title(e), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, entry_body(e), (int)entry_body_len(e), SQLITE_STATIC);
    sqlite3_bind_text(s, 9, (const char *)tags.data, (int)tags.len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 10, eff);
    /* What the views call urgent (node_view), for the urgent questions' index. */
    sqlite3_bind_int(s, 11,
                     entry_kind(e) == ENTRY_QUESTION && entry_attr_get(e, "urgent") != NULL &&
                         strcmp(entry_attr_get(e, "urgent"), "1") == 0);
    if (replica_step_done(r, s, err, errlen) != 0)
        goto out;
    if (sqlite3_changes(r->db) == 0) {
        *res = REPLICA_EXISTS;
        rc = 0;
        goto out;
    }
    seq = sqlite3_last_insert_rowid(r->db);
    for (i = 0; i < entry_nrefs(e); i++) {
        s = replica_stmt(r, ST_INSERT_REF);
        sqlite3_bind_blob(s, 1, entry_ref(e, i), ENTRY_ID_LEN, SQLITE_STATIC);
        sqlite3_bind_int(s, 2, entry_kind(e));
        sqlite3_bind_int64(s, 3, seq);
        if (replica_step_done(r, s, err, errlen) != 0)
            goto out;
    }
    for (i = 0; i < entry_ntags(e); i++) {
        s = replica_stmt(r, ST_INSERT_TAG);
        sqlite3_bind_text(s, 1, entry_tag(e, i), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, seq);
        if (replica_step_done(r, s, err, errlen) != 0)
            goto out;
    }
    if (replica_searchable(entry_kind(e))) {
        s = replica_stmt(r, ST_INSERT_FTS);
        sqlite3_bind_int64(s, 1, seq);
        sqlite3_bind_text(s, 2, entry_title(e), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, entry_body(e), (int)entry_body_len(e), SQLITE_STATIC);
        sqlite3_bind_text(s, 4, (const char *)tags.data, (int)tags.len, SQLITE_STATIC);
        if (replica_step_done(r, s, err, errlen) != 0)
            goto out;
    }
    if (replica_effective_down(r, e, eff, err, errlen) != 0)
        goto out;
    if (entry_kind(e) == ENTRY_RETRACTION && entry_nrefs(e) == 1 &&
        replica_honour_retraction(r, e, err, errlen) != 0)
        goto out;
    *res = REPLICA_ADDED;
    rc = 0;
out:
    buf_free(&tags);
    return rc;
}

/* Check a meta write against the limits before any transaction starts. */
static int replica_meta_check(const struct replica_meta *m, char *err, size_t errlen)
{
    size_t klen = m->key != NULL ? strnlen(m->key, REPLICA_META_KEY_MAX + 1) : 0;

    if (klen == 0 || klen > REPLICA_META_KEY_MAX) {
        errmsg_set(err, errlen, "meta key must be 1 to %d bytes", REPLICA_META_KEY_MAX);
        return -1;
    }
    if (m->value != NULL && m->len > REPLICA_META_VALUE_MAX) {
        errmsg_set(err, errlen, "meta value for %s is longer than %d bytes", m->key,
                   REPLICA_META_VALUE_MAX);
        return -1;
    }
    return 0;
}

/* Write one meta value inside the open transaction. */
static int replica_meta_write(struct replica *r, const struct replica_meta *m, char *err,
                              size_t errlen)
{
    sqlite3_stmt *s;

    if (m->value == NULL) {
        s = replica_stmt(r, ST_META_DELETE);
        sqlite3_bind_text(s, 1, m->key, -1, SQLITE_STATIC);
        return replica_step_done(r, s, err, errlen);
    }
    s = replica_stmt(r, ST_META_SET);
    sqlite3_bind_text(s, 1, m->key, -1, SQLITE_STATIC);
    /* A zero-length bind with a non-NULL pointer stores '' / X'', not NULL. */
    if (m->text)
        sqlite3_bind_text(s, 2, m->len > 0 ? m->value : "", (int)m->len, SQLITE_STATIC);
    else
        sqlite3_bind_blob(s, 2, m->len > 0 ? m->value : "", (int)m->len, SQLITE_STATIC);
    return replica_step_done(r, s, err, errlen);
}

int replica_add_batch(struct replica *r, const struct entry *const *entries, size_t n,
                      enum replica_merge_result *results, const struct replica_meta *meta,
                      size_t nmeta, char *err, size_t errlen)
{
    enum replica_merge_result res = REPLICA_ERROR;
    uint64_t now = replica_wall_ms();
    size_t i;
    int rc = -1, in_tx = 0, have_turn = 0;

    r->fault = REPLICA_FAULT_OTHER;
    for (i = 0; i < nmeta; i++)
        if (replica_meta_check(&meta[i], err, errlen) != 0)
            goto out;
    replica_turn_take();
    have_turn = 1;
    if (replica_file_check(r, err, errlen) != 0 ||
        replica_step_done(r, replica_stmt(r, ST_BEGIN), err, errlen) != 0)
        goto out;
    in_tx = 1;
    for (i = 0; i < n; i++) {
        if (replica_insert(r, entries[i], now, &res, err, errlen) != 0)
            goto out;
        if (results != NULL)
            results[i] = res;
    }
    for (i = 0; i < nmeta; i++)
        if (replica_meta_write(r, &meta[i], err, errlen) != 0)
            goto out;
    if (replica_step_done(r, replica_stmt(r, ST_COMMIT), err, errlen) != 0)
        goto out;
    in_tx = 0;
    /* Committed, but perhaps into a file deleted meanwhile: then it is not stored. */
    if (replica_file_check(r, err, errlen) != 0)
        goto out;
    r->fault = REPLICA_FAULT_NONE;
    for (i = 0; i < n; i++)
        replica_verified_add(r, entry_id(entries[i]));
    rc = 0;
out:
    if (rc != 0 && in_tx)
        (void)sqlite3_step(replica_stmt(r, ST_ROLLBACK));
    replica_deletions_done(r);
    if (have_turn)
        replica_turn_give();
    for (i = 0; rc != 0 && results != NULL && i < n; i++)
        results[i] = REPLICA_ERROR;
    for (i = 0; i < ST_COUNT_STMTS; i++)
        sqlite3_reset(r->st[i]);
    return rc;
}

long long replica_purge_author(struct replica *r, const uint8_t author[ENTRY_KEY_LEN],
                               uint64_t after_ms, char *err, size_t errlen)
{
    /* Team entries (11, 14-17) stay: membership is computed from all of them. */
    static const char *const sql[] = {
        "INSERT INTO fts(fts, rowid, title, body, tags) SELECT 'delete', seq, title, body, tags"
        " FROM entries WHERE author = ?1 AND created_ms > ?2 AND kind IN (1, 2, 3, 4, 9)",
        "DELETE FROM refs WHERE seq IN (SELECT seq FROM entries WHERE author = ?1 AND"
        " created_ms > ?2 AND kind NOT IN (11, 14, 15, 16, 17))",
        "DELETE FROM tags WHERE seq IN (SELECT seq FROM entries WHERE author = ?1 AND"
        " created_ms > ?2 AND kind NOT IN (11, 14, 15, 16, 17))",
        "DELETE FROM entries WHERE author = ?1 AND created_ms > ?2 AND"
        " kind NOT IN (11, 14, 15, 16, 17)",
    };
    sqlite3_stmt *s = NULL;
    long long n = -1;
    size_t i;
    int in_tx = 0;

    r->fault = REPLICA_FAULT_OTHER;
    replica_turn_take();
    if (replica_file_check(r, err, errlen) != 0 ||
        replica_step_done(r, replica_stmt(r, ST_BEGIN), err, errlen) != 0)
        goto out;
    in_tx = 1;
    r->rows_deleted = 1;
    for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        if (sqlite3_prepare_v2(r->db, sql[i], -1, &s, NULL) != SQLITE_OK) {
            replica_failed(r, "purge: ", err, errlen);
            goto out;
        }
        sqlite3_bind_blob(s, 1, author, ENTRY_KEY_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, after_ms > INT64_MAX ? INT64_MAX : (sqlite3_int64)after_ms);
        if (sqlite3_step(s) != SQLITE_DONE) {
            replica_failed(r, "purge: ", err, errlen);
            goto out;
        }
        if (i + 1 == sizeof(sql) / sizeof(sql[0]))
            n = sqlite3_changes(r->db);
        sqlite3_finalize(s);
        s = NULL;
    }
    if (replica_step_done(r, replica_stmt(r, ST_COMMIT), err, errlen) != 0)
        n = -1;
    else
        in_tx = 0;
    if (n >= 0 && replica_file_check(r, err, errlen) != 0)
        n = -1;
    else if (n >= 0)
        r->fault = REPLICA_FAULT_NONE;
out:
    sqlite3_finalize(s);
    if (in_tx) {
        n = -1;
        (void)sqlite3_step(replica_stmt(r, ST_ROLLBACK));
    }
    replica_deletions_done(r);
    replica_turn_give();
    for (i = 0; i < ST_COUNT_STMTS; i++)
        sqlite3_reset(r->st[i]);
    return n;
}

enum replica_merge_result replica_add(struct replica *r, const struct entry *e, char *err,
                                      size_t errlen)
{
    enum replica_merge_result res = REPLICA_ERROR;

    if (replica_add_batch(r, &e, 1, &res, NULL, 0, err, errlen) != 0)
        return REPLICA_ERROR;
    return res;
}

int replica_meta_set(struct replica *r, const struct replica_meta *m, char *err, size_t errlen)
{
    return replica_add_batch(r, NULL, 0, NULL, m, 1, err, errlen);
}

enum replica_merge_result replica_merge(struct replica *r, const uint8_t *bytes, size_t len,
                                        uint8_t id_out[ENTRY_ID_LEN], char *err, size_t errlen)
{
    enum replica_merge_result res = REPLICA_ERROR;
    struct entry *e;

    e = entry_decode(bytes, len, err, errlen);
    if (e == NULL || kinds_verify(e, err, errlen) != 0)
        goto out;
    res = replica_add(r, e, err, errlen);
    if (res != REPLICA_ERROR && id_out != NULL)
        memcpy(id_out, entry_id(e), ENTRY_ID_LEN);
out:
    entry_destroy(&e);
    return res;
}
