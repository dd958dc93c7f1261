/*
 * replica_read: reading by id and for sync — a stored row decoded and verified again, prefix
 * resolution, meta values, counts, the integrity check, raw bytes, tombstones, scans and key sets.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errmsg.h"
#include "hex.h"
#include "kinds.h"
#include "log.h"
#include "replica_int.h"
#include "xmalloc.h"

/*
 * Decode the row a statement is on (columns as REPLICA_COLS): the bytes must decode, hash to the
 * stored id, follow their kind's rules (with verify: carry a valid signature too), and agree with
 * the decoded columns that queries filtered on; without verify, the row must not be quarantined.
 * Returns the entry, or NULL with the reason in why.
 */
static struct entry *replica_row_decode(sqlite3_stmt *s, int verify, char *why, size_t whylen)
{
    struct entry *e = NULL;
    const void *id = sqlite3_column_blob(s, 0);
    int idlen = sqlite3_column_bytes(s, 0);
    const void *raw = sqlite3_column_blob(s, 1);
    int rawlen = sqlite3_column_bytes(s, 1);
    const void *author = sqlite3_column_blob(s, 3);
    const char *title = (const char *)sqlite3_column_text(s, 5);
    const char *tags = (const char *)sqlite3_column_text(s, 6);
    const void *body = sqlite3_column_text(s, 7);
    const char *held = (const char *)sqlite3_column_text(s, 8);
    struct buf tagtext;
    char reason[ERRMSG_MAX];
    int ok = 0;

    buf_init(&tagtext, 0);
    if (!verify && held != NULL) {
        errmsg_set(why, whylen, "quarantined: %s", held);
        goto out;
    }
    if (raw == NULL || rawlen <= 0) {
        errmsg_set(why, whylen, "stored bytes are missing");
        goto out;
    }
    e = entry_decode(raw, (size_t)rawlen, reason, sizeof(reason));
    if (e == NULL) {
        errmsg_set(why, whylen, "stored bytes do not decode: %s", reason);
        goto out;
    }
    if (id == NULL || idlen != ENTRY_ID_LEN || memcmp(id, entry_id(e), ENTRY_ID_LEN) != 0) {
        errmsg_set(why, whylen, "stored id is not the hash of the stored bytes");
        goto out;
    }
    if ((verify ? kinds_verify(e, reason, sizeof(reason))
                : kinds_check(e, reason, sizeof(reason))) != 0) {
        errmsg_set(why, whylen, "%s", reason);
        goto out;
    }
    replica_tags_text(e, &tagtext);
    if (sqlite3_column_int(s, 2) != entry_kind(e) || author == NULL ||
        sqlite3_column_bytes(s, 3) != ENTRY_KEY_LEN ||
        memcmp(author, entry_author(e), ENTRY_KEY_LEN) != 0 ||
        (uint64_t)sqlite3_column_int64(s, 4) != entry_created_ms(e) || title == NULL ||
        strcmp(title, entry_title(e)) != 0 || tags == NULL ||
        strcmp(tags, (const char *)tagtext.data) != 0 || body == NULL ||
        (size_t)sqlite3_column_bytes(s, 7) != entry_body_len(e) ||
        memcmp(body, entry_body(e), entry_body_len(e)) != 0) {
        errmsg_set(why, whylen, "stored columns disagree with the signed bytes");
        goto out;
    }
    ok = 1;
out:
    buf_free(&tagtext);
    if (!ok)
        entry_destroy(&e);
    return e;
}

struct entry *replica_row_entry(sqlite3_stmt *s, char *why, size_t whylen)
{
    return replica_row_decode(s, 0, why, whylen);
}

struct entry *replica_row_verify(sqlite3_stmt *s, char *why, size_t whylen)
{
    return replica_row_decode(s, 1, why, whylen);
}

int replica_quarantine(struct replica *r, const uint8_t *id, size_t idlen, const char *why)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(r->db,
                           why != NULL ? "INSERT OR REPLACE INTO quarantine(id, why, at_ms)"
                                         " VALUES (?1, ?2, ?3)"
                                       : "DELETE FROM quarantine WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_blob(s, 1, id != NULL ? (const void *)id : "", (int)idlen, SQLITE_STATIC);
    if (why != NULL) {
        sqlite3_bind_text(s, 2, why, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)replica_wall_ms());
    }
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
out:
    if (rc != 0)
        log_warnx("replica: quarantine: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    return rc;
}

void replica_log_corrupt(sqlite3_stmt *s, const char *why)
{
    char hex[2 * ENTRY_ID_LEN + 1] = "?";
    const void *id = sqlite3_column_blob(s, 0);

    if (id != NULL && sqlite3_column_bytes(s, 0) == ENTRY_ID_LEN)
        hex_encode(id, ENTRY_ID_LEN, hex);
    log_warnx("replica: entry %s is corrupt and not served (%s); run `lore check`", hex, why);
}

/* The ids an abbreviated id hex_prefix stands for run from lo to hi. -1 if it is no prefix (too
 * short or long, or not hex). */
int replica_prefix_range(const char *hex_prefix, uint8_t lo[ENTRY_ID_LEN], uint8_t hi[ENTRY_ID_LEN])
{
    char lo_hex[2 * ENTRY_ID_LEN + 1], hi_hex[2 * ENTRY_ID_LEN + 1];
    size_t n = strlen(hex_prefix);

    if (n < REPLICA_MIN_PREFIX || n > 2 * ENTRY_ID_LEN || !hex_is_hex(hex_prefix))
        return -1;
    memset(lo_hex, '0', 2 * ENTRY_ID_LEN);
    memset(hi_hex, 'f', 2 * ENTRY_ID_LEN);
    memcpy(lo_hex, hex_prefix, n);
    memcpy(hi_hex, hex_prefix, n);
    if (hex_decode(lo_hex, 2 * ENTRY_ID_LEN, lo, ENTRY_ID_LEN) != 0 ||
        hex_decode(hi_hex, 2 * ENTRY_ID_LEN, hi, ENTRY_ID_LEN) != 0)
        return -1;
    return 0;
}

enum replica_lookup replica_resolve(struct replica *r, const char *hex_prefix,
                                    uint8_t id[ENTRY_ID_LEN], uint8_t (*candidates)[ENTRY_ID_LEN],
                                    size_t max_candidates, size_t *ncandidates)
{
    uint8_t lo[ENTRY_ID_LEN], hi[ENTRY_ID_LEN];
    size_t found = 0;
    enum replica_lookup res = REPLICA_FAILED;
    sqlite3_stmt *s;
    int rc;

    if (ncandidates != NULL)
        *ncandidates = 0;
    if (replica_prefix_range(hex_prefix, lo, hi) != 0)
        return REPLICA_NOT_FOUND;
    s = replica_stmt(r, ST_RESOLVE);
    sqlite3_bind_blob(s, 1, lo, ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, hi, ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)(max_candidates > 2 ? max_candidates : 2));
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 0) != ENTRY_ID_LEN)
            continue;
        if (found == 0)
            memcpy(id, sqlite3_column_blob(s, 0), ENTRY_ID_LEN);
        if (candidates != NULL && found < max_candidates)
            memcpy(candidates[found], sqlite3_column_blob(s, 0), ENTRY_ID_LEN);
        found++;
    }
    if (rc != SQLITE_DONE) {
        log_warnx("replica: resolve: %s", sqlite3_errmsg(r->db));
        goto out;
    }
    if (ncandidates != NULL)
        *ncandidates = found < max_candidates ? found : max_candidates;
    res = found == 0 ? REPLICA_NOT_FOUND : found == 1 ? REPLICA_FOUND : REPLICA_AMBIGUOUS;
out:
    sqlite3_reset(s);
    return res;
}

enum replica_lookup replica_get(struct replica *r, const uint8_t id[ENTRY_ID_LEN],
                                struct entry **out, char *err, size_t errlen)
{
    enum replica_lookup res = REPLICA_FAILED;
    sqlite3_stmt *s = replica_stmt(r, ST_BY_ID);
    int rc;

    *out = NULL;
    sqlite3_bind_blob(s, 1, id, ENTRY_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        res = REPLICA_NOT_FOUND;
        errmsg_set(err, errlen, "no such entry");
    } else if (rc != SQLITE_ROW) {
        errmsg_set(err, errlen, "%s: %s", r->path, sqlite3_errmsg(r->db));
    } else {
        r->work.rows++;
        *out = replica_row_entry(s, err, errlen);
        if (*out != NULL) {
            res = REPLICA_FOUND;
        } else {
            replica_log_corrupt(s, err != NULL ? err : "");
            res = REPLICA_CORRUPT;
        }
    }
    sqlite3_reset(s);
    return res;
}

enum replica_lookup replica_meta_get(struct replica *r, const char *key, uint8_t **value,
                                     size_t *len, int *text, char *err, size_t errlen)
{
    sqlite3_stmt *s = replica_stmt(r, ST_META_GET);
    enum replica_lookup res = REPLICA_FAILED;
    const void *v;
    int step, n, type;

    *value = NULL;
    *len = 0;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        res = REPLICA_NOT_FOUND;
        goto out;
    }
    if (step != SQLITE_ROW) {
        errmsg_set(err, errlen, "%s: %s", r->path, sqlite3_errmsg(r->db));
        goto out;
    }
    type = sqlite3_column_type(s, 0);
    v = type == SQLITE_TEXT ? (const void *)sqlite3_column_text(s, 0) : sqlite3_column_blob(s, 0);
    n = sqlite3_column_bytes(s, 0);
    if ((type != SQLITE_TEXT && type != SQLITE_BLOB) || n < 0 || n > REPLICA_META_VALUE_MAX ||
        (v == NULL && n > 0)) {
        errmsg_set(err, errlen, "%s: the meta value of %s breaks the limits", r->path, key);
        res = REPLICA_CORRUPT;
        goto out;
    }
    *value = xmalloc((size_t)n + 1);
    if (n > 0)
        memcpy(*value, v, (size_t)n);
    (*value)[n] = '\0';
    *len = (size_t)n;
    if (text != NULL)
        *text = type == SQLITE_TEXT;
    res = REPLICA_FOUND;
out:
    sqlite3_reset(s);
    return res;
}

static long long replica_count_stmt(struct replica *r, sqlite3_stmt *s)
{
    long long n = -1;

    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    else
        log_warnx("replica: count: %s", sqlite3_errmsg(r->db));
    sqlite3_reset(s);
    return n;
}

long long replica_count_refs(struct replica *r, const uint8_t id[ENTRY_ID_LEN], uint16_t kind)
{
    sqlite3_stmt *s = replica_stmt(r, kind != 0 ? ST_COUNT_REFS : ST_COUNT_REFS_ANY);

    sqlite3_bind_blob(s, 1, id, ENTRY_ID_LEN, SQLITE_STATIC);
    if (kind != 0)
        sqlite3_bind_int(s, 2, kind);
    return replica_count_stmt(r, s);
}

long long replica_count(struct replica *r)
{
    return replica_count_stmt(r, replica_stmt(r, ST_COUNT));
}

int replica_author_name(struct replica *r, const uint8_t author[ENTRY_KEY_LEN], char *name,
                        size_t namelen)
{
    sqlite3_stmt *s = replica_stmt(r, ST_AUTHOR_NAME);
    struct entry *e;
    char why[ERRMSG_MAX];
    int rc = -1;

    sqlite3_bind_blob(s, 1, author, ENTRY_KEY_LEN, SQLITE_STATIC);
    while (rc != 0 && sqlite3_step(s) == SQLITE_ROW) {
        e = replica_row_entry(s, why, sizeof(why));
        if (e == NULL) {
            replica_log_corrupt(s, why);
            continue;
        }
        snprintf(name, namelen, "%s", entry_title(e));
        entry_destroy(&e);
        rc = 0;
    }
    sqlite3_reset(s);
    return rc;
}

/* Why the row s is on failed a full check, counted in report. */
static void replica_check_classify(sqlite3_stmt *s, struct replica_check *report)
{
    struct entry *plain =
        entry_decode(sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1), NULL, 0);

    report->bad++;
    if (plain == NULL)
        report->bad_decode++;
    else if (sqlite3_column_bytes(s, 0) != ENTRY_ID_LEN ||
             memcmp(sqlite3_column_blob(s, 0), entry_id(plain), ENTRY_ID_LEN) != 0)
        report->bad_id++;
    else if (kinds_verify(plain, NULL, 0) != 0)
        report->bad_signature++;
    else
        report->bad_columns++;
    entry_destroy(&plain);
}

long replica_check_some(struct replica *r, int64_t *after_seq, size_t max,
                        struct replica_check *report, replica_bad_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    struct entry *e;
    char why[ERRMSG_MAX];
    long n = -1;
    int step;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT " REPLICA_COLS ", e.seq FROM entries e WHERE e.seq > ?"
                           " ORDER BY e.seq LIMIT ?",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(s, 1, *after_seq);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    n = 0;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        n++;
        report->entries++;
        *after_seq = sqlite3_column_int64(s, REPLICA_NCOLS);
        e = replica_row_verify(s, why, sizeof(why));
        if (e != NULL) {
            /* sound (again): a quarantine ends */
            if (sqlite3_column_type(s, 8) != SQLITE_NULL)
                (void)replica_quarantine(r, sqlite3_column_blob(s, 0),
                                         (size_t)sqlite3_column_bytes(s, 0), NULL);
            entry_destroy(&e);
            continue;
        }
        replica_check_classify(s, report);
        if (sqlite3_column_type(s, 8) == SQLITE_NULL)
            (void)replica_quarantine(r, sqlite3_column_blob(s, 0),
                                     (size_t)sqlite3_column_bytes(s, 0), why);
        if (fn != NULL)
            fn(ctx, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), why);
    }
    if (step != SQLITE_DONE)
        n = -1;
out:
    if (n < 0)
        log_warnx("replica: check: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    return n;
}

int replica_check(struct replica *r, struct replica_check *report, replica_bad_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    int64_t seq = 0;
    long n;
    int rc = -1;

    memset(report, 0, sizeof(*report));
    while ((n = replica_check_some(r, &seq, 1000, report, fn, ctx)) > 0)
        ;
    if (n < 0)
        return -1;
    report->integrity_ok = 0;
    if (sqlite3_prepare_v2(r->db, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL &&
        strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0)
        report->integrity_ok = 1;
    sqlite3_finalize(s);
    s = NULL;
    if (report->integrity_ok &&
        sqlite3_exec(r->db, "INSERT INTO fts(fts) VALUES ('integrity-check')", NULL, NULL, NULL) !=
            SQLITE_OK) {
        log_warnx("replica: full-text index check failed: %s", sqlite3_errmsg(r->db));
        report->integrity_ok = 0;
    }
    rc = 0;
out:
    if (rc != 0)
        log_warnx("replica: check: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    return rc;
}

/* ---- raw access for sync ---- */

/* Whether the row s is on (columns as REPLICA_COLS) may leave for a peer: not quarantined, and it
 * passes the check now — in full (signature too) when full, else the read's checks (decodes,
 * hashes to its id, agrees with its columns); else it is quarantined and logged. */
static int replica_sendable(struct replica *r, sqlite3_stmt *s, int full)
{
    struct entry *e;
    char why[ERRMSG_MAX];

    if (sqlite3_column_type(s, 8) != SQLITE_NULL)
        return 0;
    if (full &&
        replica_verified_has(r, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0)))
        full = 0; /* stored by this handle after a verification: the cheap checks tie the bytes to
                     it */
    if (full)
        r->work.verifies++;
    e = full ? replica_row_verify(s, why, sizeof(why)) : replica_row_entry(s, why, sizeof(why));
    if (e != NULL) {
        entry_destroy(&e);
        return 1;
    }
    replica_log_corrupt(s, why);
    (void)replica_quarantine(r, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), why);
    return 0;
}

long long replica_quarantined(struct replica *r)
{
    sqlite3_stmt *s = NULL;
    long long n = -1;

    if (sqlite3_prepare_v2(r->db, "SELECT count(*) FROM quarantine", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

enum replica_lookup replica_raw(struct replica *r, const uint8_t id[ENTRY_ID_LEN], uint8_t **bytes,
                                size_t *len, uint64_t *created_ms)
{
    sqlite3_stmt *s = replica_stmt(r, ST_BY_ID); /* prepared once: a fetch asks for thousands */
    enum replica_lookup res = REPLICA_FAILED;
    int rc;

    *bytes = NULL;
    sqlite3_bind_blob(s, 1, id, ENTRY_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        res = REPLICA_NOT_FOUND;
    } else if (rc == SQLITE_ROW && !replica_sendable(r, s, 1)) {
        res = REPLICA_CORRUPT;
    } else if (rc == SQLITE_ROW) {
        *len = (size_t)sqlite3_column_bytes(s, 1);
        *bytes = xmalloc(*len);
        memcpy(*bytes, sqlite3_column_blob(s, 1), *len);
        if (created_ms != NULL)
            *created_ms = (uint64_t)sqlite3_column_int64(s, 4);
        res = REPLICA_FOUND;
    }
    if (res == REPLICA_FAILED)
        log_warnx("replica: raw: %s", sqlite3_errmsg(r->db));
    sqlite3_reset(s);
    return res;
}

int replica_has(struct replica *r, const uint8_t id[ENTRY_ID_LEN])
{
    sqlite3_stmt *s = NULL;
    int rc = -1;

    /* A tombstoned id counts as held: it is never stored again. */
    if (sqlite3_prepare_v2(r->db,
                           "SELECT 1 FROM entries WHERE id = ?1"
                           " UNION ALL SELECT 1 FROM tombstones WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_blob(s, 1, id, ENTRY_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(s);
    rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
out:
    sqlite3_finalize(s);
    return rc;
}

int replica_tombstoned(struct replica *r, const uint8_t id[ENTRY_ID_LEN],
                       uint8_t author[ENTRY_KEY_LEN])
{
    sqlite3_stmt *s = replica_stmt(r, ST_TOMBSTONED);
    int step, rc = -1;

    sqlite3_bind_blob(s, 1, id, ENTRY_ID_LEN, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW && sqlite3_column_bytes(s, 0) == ENTRY_KEY_LEN) {
        if (author != NULL)
            memcpy(author, sqlite3_column_blob(s, 0), ENTRY_KEY_LEN);
        rc = 1;
    } else if (step == SQLITE_DONE) {
        rc = 0;
    } else {
        log_warnx("replica: tombstone: %s", sqlite3_errmsg(r->db));
    }
    sqlite3_reset(s);
    return rc;
}

enum replica_lookup replica_tombstone_find(struct replica *r, const char *hex_prefix,
                                           uint8_t id[ENTRY_ID_LEN])
{
    uint8_t lo[ENTRY_ID_LEN], hi[ENTRY_ID_LEN];
    size_t found = 0;
    enum replica_lookup res = REPLICA_FAILED;
    sqlite3_stmt *s = NULL;
    int step;

    if (replica_prefix_range(hex_prefix, lo, hi) != 0)
        return REPLICA_NOT_FOUND;
    if (sqlite3_prepare_v2(r->db, "SELECT id FROM tombstones WHERE id BETWEEN ? AND ? LIMIT 2", -1,
                           &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_blob(s, 1, lo, ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, hi, ENTRY_ID_LEN, SQLITE_STATIC);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 0) != ENTRY_ID_LEN)
            continue;
        if (found++ == 0)
            memcpy(id, sqlite3_column_blob(s, 0), ENTRY_ID_LEN);
    }
    if (step != SQLITE_DONE)
        goto out;
    res = found == 0 ? REPLICA_NOT_FOUND : found == 1 ? REPLICA_FOUND : REPLICA_AMBIGUOUS;
out:
    if (res == REPLICA_FAILED)
        log_warnx("replica: tombstone: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    return res;
}

long replica_scan(struct replica *r, uint64_t after_ts, const uint8_t after_id[ENTRY_ID_LEN],
                  size_t max, replica_scan_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    long n = -1;
    int rc;

    /* Row values use the (created_ms, id) index: a stream costs what it returns. */
    if (sqlite3_prepare_v2(r->db,
                           "SELECT " REPLICA_COLS " FROM entries e WHERE (e.created_ms, e.id) >"
                           " (?, ?) ORDER BY e.created_ms, e.id LIMIT ?",
                           -1, &s, NULL) != SQLITE_OK) {
        log_warnx("replica: scan: %s", sqlite3_errmsg(r->db));
        goto out;
    }
    sqlite3_bind_int64(s, 1, (sqlite3_int64)after_ts);
    sqlite3_bind_blob(s, 2, after_id, ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
    n = 0;
    /*
     * A bootstrap stream is checked as reads are (hash and columns), not by signature: the
     * receiver verifies every entry anyway, and a signature check per entry here doubled the
     * stream's CPU (bootstrap / local ingest 0.64, from 0.89). What pushes and fetches send
     * (replica_raw) is verified in full; the background pass and `lore check` cover the rest.
     */
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (!replica_sendable(r, s, 0))
            continue;
        if (fn(ctx, (uint64_t)sqlite3_column_int64(s, 4), sqlite3_column_blob(s, 0),
               sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1)) != 0)
            break;
        n++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        log_warnx("replica: scan: %s", sqlite3_errmsg(r->db));
        n = -1;
    }
out:
    sqlite3_finalize(s);
    return n;
}

int replica_count_after(struct replica *r, uint64_t after_ts, const uint8_t after_id[ENTRY_ID_LEN],
                        uint64_t *n, uint64_t *bytes)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT count(*), total(length(raw)) FROM entries"
                           " WHERE (created_ms, id) > (?, ?)",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)after_ts);
    sqlite3_bind_blob(s, 2, after_id, ENTRY_ID_LEN, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        *n = (uint64_t)sqlite3_column_int64(s, 0);
        *bytes = (uint64_t)sqlite3_column_double(s, 1);
        rc = 0;
    }
out:
    if (rc != 0)
        log_warnx("replica: count: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    return rc;
}

/* Hand fn the (created_ms, id) rows of s; -1 if it stops or stepping fails. */
static int replica_key_rows(sqlite3_stmt *s, replica_key_fn fn, void *ctx)
{
    int step;

    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 1) != ENTRY_ID_LEN)
            continue;
        if (fn(ctx, (uint64_t)sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1)) != 0)
            return -1;
    }
    return step == SQLITE_DONE ? 0 : -1;
}

int replica_keys(struct replica *r, replica_key_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;

    /* Not tombstones: a retracted entry is in nobody's set once its retraction has spread, so
     * sets converge; until then, a peer that still holds it hands it over (it is refused as a
     * tombstone) and takes the retraction in the same reconciliation. */
    if (sqlite3_prepare_v2(r->db, "SELECT created_ms, id FROM entries", -1, &s, NULL) != SQLITE_OK)
        goto out;
    rc = replica_key_rows(s, fn, ctx);
out:
    if (rc != 0)
        log_warnx("replica: keys: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    return rc;
}

int replica_keys_between(struct replica *r, uint64_t after_ms, uint64_t until_ms, replica_key_fn fn,
                         void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT created_ms, id FROM entries WHERE created_ms > ? AND"
                           " created_ms <= ?",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(s, 1, after_ms > INT64_MAX ? INT64_MAX : (sqlite3_int64)after_ms);
    sqlite3_bind_int64(s, 2, until_ms > INT64_MAX ? INT64_MAX : (sqlite3_int64)until_ms);
    rc = replica_key_rows(s, fn, ctx);
out:
    if (rc != 0)
        log_warnx("replica: keys: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    return rc;
}

enum replica_lookup replica_times(struct replica *r, const uint8_t id[ENTRY_ID_LEN],
                                  struct replica_entry_times *t)
{
    sqlite3_stmt *s = replica_stmt(r, ST_TIMES);
    enum replica_lookup res = REPLICA_FAILED;
    int step;

    memset(t, 0, sizeof(*t));
    sqlite3_bind_blob(s, 1, id, ENTRY_ID_LEN, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        t->created_ms = (uint64_t)sqlite3_column_int64(s, 0);
        t->effective_ms = (uint64_t)sqlite3_column_int64(s, 1);
        t->received_ms = (uint64_t)sqlite3_column_int64(s, 2);
        t->recognized_ms = t->effective_ms > t->received_ms ? t->effective_ms : t->received_ms;
        res = REPLICA_FOUND;
    } else if (step == SQLITE_DONE) {
        res = REPLICA_NOT_FOUND;
    } else {
        log_warnx("replica: times: %s", sqlite3_errmsg(r->db));
    }
    sqlite3_reset(s);
    return res;
}

int replica_newest_created(struct replica *r, uint16_t kind, uint64_t *created_ms)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;

    *created_ms = 0;
    if (sqlite3_prepare_v2(r->db, "SELECT max(created_ms) FROM entries WHERE kind = ?", -1, &s,
                           NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int(s, 1, kind);
    if (sqlite3_step(s) == SQLITE_ROW) {
        *created_ms = (uint64_t)sqlite3_column_int64(s, 0);
        rc = 0;
    }
out:
    if (rc != 0)
        log_warnx("replica: newest: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    return rc;
}
