/*
 * replica_facts: what views and statistics ask of the questions and people — a question's accepted
 * answer, tags in use, the questions' answer and accept times, the top answerers, and a person by
 * name or key prefix.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "replica_int.h"
#include "xmalloc.h"

int replica_accepted(struct replica *r, const uint8_t question[ENTRY_ID_LEN],
                     const uint8_t asker[ENTRY_KEY_LEN], uint8_t answer[ENTRY_ID_LEN])
{
    sqlite3_stmt *s = replica_stmt(r, ST_ACCEPTED);
    int rc = -1, step;

    sqlite3_bind_blob(s, 1, question, ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, asker, ENTRY_KEY_LEN, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW && sqlite3_column_bytes(s, 0) == ENTRY_ID_LEN) {
        memcpy(answer, sqlite3_column_blob(s, 0), ENTRY_ID_LEN);
        rc = 1;
    } else if (step == SQLITE_DONE) {
        rc = 0;
    }
    if (rc < 0)
        log_warnx("replica: accepted: %s", sqlite3_errmsg(r->db));
    sqlite3_reset(s);
    return rc;
}

int replica_tags_of(struct replica *r, const uint8_t author[ENTRY_KEY_LEN], uint16_t kind,
                    replica_tag_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT DISTINCT t.tag FROM entries e JOIN tags t ON t.seq = e.seq"
                           " WHERE e.author = ? AND e.kind = ? AND e.effective_ms <="
                           " lore_horizon() ORDER BY t.tag",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_blob(s, 1, author, ENTRY_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, kind);
    while ((step = sqlite3_step(s)) == SQLITE_ROW)
        if (sqlite3_column_text(s, 0) != NULL &&
            fn(ctx, (const char *)sqlite3_column_text(s, 0)) != 0)
            break;
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
out:
    if (rc != 0)
        log_warnx("replica: tags: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    return rc;
}

/* Each (tag, count) row of s to fn, until it returns non-zero. Returns 0 or -1. */
static int replica_tag_rows(sqlite3_stmt *s, replica_tag_count_fn fn, void *ctx)
{
    int step;

    while ((step = sqlite3_step(s)) == SQLITE_ROW)
        if (sqlite3_column_text(s, 0) != NULL &&
            fn(ctx, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1)) != 0)
            break;
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
}

int replica_tag_counts(struct replica *r, const char *prefix, size_t limit, replica_tag_count_fn fn,
                       void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;
    /* U+10FFFF, the last code point, sorts after whatever a tag may hold after the prefix: tags
     * are UTF-8 of any script (a noncharacter is never in one), and text compares by bytes. */
    char *upper = xasprintf("%s\xf4\x8f\xbf\xbf", prefix);

    if (sqlite3_prepare_v2(r->db,
                           "SELECT t.tag, count(*) AS n FROM tags t JOIN entries e ON e.seq = t.seq"
                           " WHERE t.tag >= ?1 AND t.tag < ?2 AND e.kind IN (1, 3)"
                           " AND e.effective_ms <= lore_horizon()"
                           " GROUP BY t.tag ORDER BY n DESC, t.tag LIMIT ?3",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(s, 1, prefix, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, upper, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)limit);
    rc = replica_tag_rows(s, fn, ctx);
out:
    if (rc != 0)
        log_warnx("replica: tag counts: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    free(upper);
    return rc;
}

int replica_kind_stamp(struct replica *r, uint16_t kind, uint64_t stamp[2])
{
    sqlite3_stmt *s = replica_stmt(r, ST_KIND_STAMP); /* asked per entry a watcher is told of */
    int rc = -1;

    sqlite3_bind_int(s, 1, kind);
    if (sqlite3_step(s) != SQLITE_ROW)
        goto out;
    stamp[0] = (uint64_t)sqlite3_column_int64(s, 0);
    stamp[1] = (uint64_t)sqlite3_column_int64(s, 1);
    rc = 0;
out:
    if (rc != 0)
        log_warnx("replica: kind stamp: %s", sqlite3_errmsg(r->db));
    r->work.steps += (uint64_t)sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 1);
    sqlite3_reset(s);
    return rc;
}

long long replica_tag_count(struct replica *r, const char *tag, size_t cap)
{
    sqlite3_stmt *s = NULL;
    long long n = -1;

    if (sqlite3_prepare_v2(
            r->db, "SELECT count(*) FROM (SELECT 1 FROM tags WHERE tag" REPLICA_IN_P1 " LIMIT ?2)",
            -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(s, 1, tag, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)cap);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
out:
    if (n < 0)
        log_warnx("replica: tag count: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    return n;
}

/* Call fn(ctx, tag, 1) for each tag of the space-separated tags text but skip (NULL: none); 1 if
 * fn asked to stop. */
static int replica_each_tag(const char *tags, const char *skip, replica_tag_count_fn fn, void *ctx)
{
    char one[ENTRY_TAG_MAX + 1];
    const char *end;
    size_t len;

    for (; tags != NULL && *tags != '\0'; tags = *end != '\0' ? end + 1 : end) {
        end = strchr(tags, ' ');
        if (end == NULL)
            end = tags + strlen(tags);
        len = (size_t)(end - tags);
        if (len == 0 || len > ENTRY_TAG_MAX)
            continue;
        memcpy(one, tags, len);
        one[len] = '\0';
        if ((skip == NULL || strcmp(one, skip) != 0) && fn(ctx, one, 1) != 0)
            return 1;
    }
    return 0;
}

int replica_tag_beside(struct replica *r, const char *tag, size_t sample, replica_tag_count_fn fn,
                       void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    /* The entries' own tags column: the tags table has no index by entry to join on. */
    if (sqlite3_prepare_v2(r->db,
                           "SELECT e.tags FROM tags t JOIN entries e ON e.seq = t.seq"
                           " WHERE t.tag" REPLICA_IN_P1
                           " AND e.kind IN (1, 3) AND e.effective_ms <="
                           " lore_horizon() ORDER BY t.seq DESC LIMIT ?2",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(s, 1, tag, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)sample);
    while ((step = sqlite3_step(s)) == SQLITE_ROW)
        if (replica_each_tag((const char *)sqlite3_column_text(s, 0), tag, fn, ctx) != 0)
            break;
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
out:
    if (rc != 0)
        log_warnx("replica: tags beside: %s", sqlite3_errmsg(r->db));
    replica_add_work(r, s);
    sqlite3_finalize(s);
    return rc;
}

int replica_question_times(struct replica *r, uint64_t since_ms, const char *tag,
                           replica_question_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    if (sqlite3_prepare_v2(
            r->db,
            "SELECT q.effective_ms,"
            " (SELECT min(a.effective_ms) FROM refs ra JOIN entries a ON a.seq = ra.seq"
            "   WHERE ra.ref = q.id AND ra.kind = 2 AND a.effective_ms <= lore_horizon()),"
            " (SELECT min(acc.effective_ms) FROM refs ra JOIN entries ans ON ans.seq = ra.seq"
            "   JOIN refs rc ON rc.ref = ans.id AND rc.kind = 5"
            "   JOIN entries acc ON acc.seq = rc.seq"
            "   WHERE ra.ref = q.id AND ra.kind = 2 AND acc.author = q.author"
            "   AND acc.effective_ms <= lore_horizon()),"
            " q.tags"
            " FROM entries q WHERE q.kind = 1 AND q.effective_ms >= ?1"
            " AND q.effective_ms <= lore_horizon()"
            " AND (?2 IS NULL OR q.seq IN (SELECT seq FROM tags WHERE tag" REPLICA_IN_P2 "))",
            -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)since_ms);
    if (tag != NULL)
        sqlite3_bind_text(s, 2, tag, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(s)) == SQLITE_ROW)
        if (fn(ctx, (uint64_t)sqlite3_column_int64(s, 0), (uint64_t)sqlite3_column_int64(s, 1),
               (uint64_t)sqlite3_column_int64(s, 2),
               sqlite3_column_text(s, 3) != NULL ? (const char *)sqlite3_column_text(s, 3) : "") !=
            0)
            break;
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
out:
    if (rc != 0)
        log_warnx("replica: question times: %s", sqlite3_errmsg(r->db));
    replica_add_work(r, s);
    sqlite3_finalize(s);
    return rc;
}

int replica_top_answerers(struct replica *r, uint64_t since_ms, const char *tag, size_t limit,
                          replica_helper_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    if (sqlite3_prepare_v2(
            r->db,
            "SELECT a.author, count(*) AS n FROM entries a"
            " JOIN refs ra ON ra.seq = a.seq AND ra.kind = 2"
            /* '+': q by its id, not by walking every question per answer */
            " JOIN entries q ON q.id = ra.ref AND +q.kind = 1"
            " WHERE a.kind = 2 AND a.effective_ms >= ?1"
            " AND a.effective_ms <= lore_horizon()"
            " AND (?2 IS NULL OR q.seq IN (SELECT seq FROM tags WHERE tag" REPLICA_IN_P2 "))"
            " GROUP BY a.author ORDER BY n DESC, a.author LIMIT ?3",
            -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)since_ms);
    if (tag != NULL)
        sqlite3_bind_text(s, 2, tag, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)limit);
    while ((step = sqlite3_step(s)) == SQLITE_ROW)
        if (sqlite3_column_bytes(s, 0) == ENTRY_KEY_LEN &&
            fn(ctx, sqlite3_column_blob(s, 0), sqlite3_column_int64(s, 1)) != 0)
            break;
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
out:
    if (rc != 0)
        log_warnx("replica: top answerers: %s", sqlite3_errmsg(r->db));
    replica_add_work(r, s);
    sqlite3_finalize(s);
    return rc;
}

enum replica_lookup replica_find_person(struct replica *r, const char *who,
                                        uint8_t key[ENTRY_KEY_LEN])
{
    sqlite3_stmt *s = NULL;
    enum replica_lookup res = REPLICA_FAILED;
    int step, found = 0;
    uint8_t lo[ENTRY_KEY_LEN], hi[ENTRY_KEY_LEN];

    /* A key prefix is a range of the author index (lo > hi, an empty one, when who is none); a
     * name is looked for among profiles only. */
    if (replica_prefix_range(who, lo, hi) != 0) {
        memset(lo, 0xff, sizeof(lo));
        memset(hi, 0, sizeof(hi));
    }
    if (sqlite3_prepare_v2(r->db,
                           "SELECT author FROM entries WHERE kind = 12 AND lower(title) = lower(?1)"
                           " AND effective_ms <= lore_horizon()"
                           " UNION SELECT author FROM entries WHERE author BETWEEN ?2 AND ?3"
                           " AND effective_ms <= lore_horizon() LIMIT 2",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(s, 1, who, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, lo, sizeof(lo), SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, hi, sizeof(hi), SQLITE_STATIC);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 0) != ENTRY_KEY_LEN)
            continue;
        if (found == 0)
            memcpy(key, sqlite3_column_blob(s, 0), ENTRY_KEY_LEN);
        found++;
    }
    if (step != SQLITE_DONE)
        goto out;
    res = found == 0 ? REPLICA_NOT_FOUND : found == 1 ? REPLICA_FOUND : REPLICA_AMBIGUOUS;
out:
    if (res == REPLICA_FAILED)
        log_warnx("replica: find person: %s", sqlite3_errmsg(r->db));
    replica_add_work(r, s);
    sqlite3_finalize(s);
    return res;
}

int replica_word_tags(struct replica *r, const char *word, size_t sample, long long *df,
                      long long *rows, long long *sampled, replica_tag_count_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    struct buf quoted;
    const char *p;
    int rc = -1, step = SQLITE_DONE;

    *df = *rows = *sampled = -1;
    buf_init(&quoted, 2 * strlen(word) + 3); /* each quote doubled, and two around */
    if (buf_append_str(&quoted, "\"") != 0)
        goto out;
    for (p = word; *p != '\0'; p++)
        if ((*p == '"' && buf_append_str(&quoted, "\"") != 0) || buf_append(&quoted, p, 1) != 0)
            goto out;
    if (buf_append_str(&quoted, "\"") != 0)
        goto out;
    *df = replica_rank_count(r, (const char *)quoted.data, quoted.len);
    *rows = replica_rank_rows(r);
    *sampled = 0;
    if (*df == 0 || (*df > 0 && *rows > 0 && 2 * *df >= *rows)) {
        rc = 0; /* nowhere, or in half the rows or more: its idf says nothing */
        goto out;
    }
    /* The newest matches by rowid alone (FTS5 reads the word's rows backwards and stops), then
     * those rows' entries: sample lookups whatever the word's count. */
    if (sqlite3_prepare_v2(r->db,
                           "SELECT e.tags, CASE WHEN e.kind IN (2, 4) THEN (SELECT q.tags FROM"
                           " refs f JOIN entries q ON q.id = f.ref WHERE f.seq = e.seq LIMIT 1)"
                           " END FROM (SELECT rowid AS seq FROM fts WHERE fts MATCH ?1"
                           " ORDER BY rowid DESC LIMIT ?2) m JOIN entries e ON e.seq = m.seq"
                           " WHERE e.kind IN (1, 2, 3, 4) AND e.effective_ms <= lore_horizon()",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(s, 1, (const char *)quoted.data, (int)quoted.len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)sample);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        (*sampled)++;
        if (replica_each_tag((const char *)sqlite3_column_text(s, 0), NULL, fn, ctx) != 0 ||
            replica_each_tag((const char *)sqlite3_column_text(s, 1), NULL, fn, ctx) != 0)
            break;
    }
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
out:
    if (rc != 0)
        log_warnx("replica: word tags: %s", sqlite3_errmsg(r->db));
    replica_add_work(r, s);
    sqlite3_finalize(s);
    buf_free(&quoted);
    return rc;
}
