/*
 * replica_db: the database itself — schema and migrations, the prepared statements, opening and
 * closing, the view horizon, why a write failed (faults) and the identity of the files.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "errmsg.h"
#include "log.h"
#include "replica_int.h"
#include "xmalloc.h"

/*
 * Schema migrations: migrations[i] takes user_version i to i+1. Append, never edit.
 * entries.raw is the truth; every other column and table is derived from it and can be rebuilt.
 */
static const char *const replica_migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE entries("
    "  seq INTEGER PRIMARY KEY,"
    "  id BLOB NOT NULL UNIQUE CHECK (length(id) = 32),"
    "  kind INTEGER NOT NULL,"
    "  author BLOB NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  received_ms INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  tags TEXT NOT NULL,"
    /* The large columns last: filters on the small ones then never read overflow pages. */
    "  body TEXT NOT NULL,"
    "  raw BLOB NOT NULL);"
    "CREATE INDEX entries_kind_created ON entries(kind, created_ms, id);"
    "CREATE INDEX entries_created ON entries(created_ms, id);"
    "CREATE INDEX entries_author ON entries(author, kind, created_ms);"
    "CREATE TABLE refs(ref BLOB NOT NULL, kind INTEGER NOT NULL, seq INTEGER NOT NULL,"
    "  PRIMARY KEY (ref, kind, seq)) WITHOUT ROWID;"
    "CREATE TABLE tags(tag TEXT NOT NULL, seq INTEGER NOT NULL,"
    "  PRIMARY KEY (tag, seq)) WITHOUT ROWID;"
    /* Only content kinds are searchable; the view is what the index is checked against. */
    "CREATE VIEW searchable AS SELECT seq, title, body, tags FROM entries"
    "  WHERE kind IN (1, 2, 3, 4);"
    "CREATE VIRTUAL TABLE fts USING fts5(title, body, tags, content='searchable',"
    "  content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2');",
    /* 1 -> 2: the node's own bookkeeping (e.g. a bootstrap cursor); not synchronised. */
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value NOT NULL) WITHOUT ROWID;",
    /* 2 -> 3: merge full-text segments in larger steps: a third faster to ingest, same index. */
    "INSERT INTO fts(fts, rank) VALUES ('automerge', 8);",
    /* 3 -> 4: content keeping. Revisions (9) are searchable (a hit on the current revision stands
     * for its entry); retracted entries leave a tombstone (id, created_ms, author) instead of their
     * row, so they are never stored again and still count as held for reconciliation; refs by seq
     * for deleting one entry's rows. */
    "CREATE TABLE IF NOT EXISTS tombstones(id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 32),"
    "  created_ms INTEGER NOT NULL, author BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS refs_seq ON refs(seq);"
    "DROP VIEW IF EXISTS searchable;"
    "CREATE VIEW searchable AS SELECT seq, title, body, tags FROM entries"
    "  WHERE kind IN (1, 2, 3, 4, 9);"
    "INSERT INTO fts(rowid, title, body, tags) SELECT seq, title, body, tags FROM entries"
    "  WHERE kind = 9;",
    /* 4 -> 5: time (docs/PROTOCOL.md, "Time"). An entry counts in views at its effective time:
     * the latest created_ms of itself and everything it references, directly or not (refs point
     * at hashes, so there are no cycles). Views order and filter on it; received_ms (the local
     * time it was stored, kept since schema 1) dates recognition. */
    "ALTER TABLE entries ADD COLUMN effective_ms INTEGER NOT NULL DEFAULT 0;"
    "UPDATE entries SET effective_ms = (WITH RECURSIVE up(id) AS (SELECT entries.id UNION"
    "  SELECT r.ref FROM up JOIN entries x ON x.id = up.id JOIN refs r ON r.seq = x.seq)"
    "  SELECT max(a.created_ms) FROM up JOIN entries a ON a.id = up.id);"
    "DROP INDEX IF EXISTS entries_kind_created;"
    "CREATE INDEX entries_kind_effective ON entries(kind, effective_ms, id);"
    "CREATE INDEX entries_effective ON entries(effective_ms, id);",
    /* 5 -> 6: entries whose stored bytes failed a full check (`lore check`, the node's background
     * pass, a send): no view shows them and they are never sent, until a check finds them sound
     * again. Entries are verified once when stored; reads check only the cheap things. */
    "CREATE TABLE IF NOT EXISTS quarantine(id BLOB PRIMARY KEY NOT NULL, why TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL) WITHOUT ROWID;",
    /* 6 -> 7: an author's entries of a kind in view order, so a list by author reads its page
     * (newest first) instead of sorting all of them; it replaces (author, kind, created_ms). */
    "CREATE INDEX IF NOT EXISTS entries_author_effective ON entries(author, kind, effective_ms,"
    "  id);"
    "DROP INDEX IF EXISTS entries_author;",
    /* 7 -> 8: urgent questions (attribute urgent = 1, as the views read it), in view order, so
     * the inbox reads the few urgent ones first instead of every candidate to find them. */
    "ALTER TABLE entries ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;"
    /* instr first: the key's bytes are in the encoding; only those rows are decoded */
    "UPDATE entries SET urgent = 1 WHERE kind = 1 AND instr(raw, CAST('urgent' AS BLOB)) > 0"
    "  AND lore_attr(raw, 'urgent') = '1';"
    "CREATE INDEX IF NOT EXISTS entries_urgent ON entries(effective_ms, id) WHERE urgent = 1;",
    /* 8 -> 9: titles of content and revisions, so a list by titles (lore import's duplicate check)
     * finds the entries with those current titles without reading the rest of the replica. The
     * terms of its WHERE are repeated word for word by the queries (replica_query.c): SQLite uses a
     * partial index only for a query whose WHERE holds them. */
    "CREATE INDEX IF NOT EXISTS entries_title ON entries(title)"
    "  WHERE kind IN (1, 2, 3, 4, 9) AND title != '';",
};
#define REPLICA_NMIGRATIONS (sizeof(replica_migrations) / sizeof(replica_migrations[0]))
_Static_assert(REPLICA_NMIGRATIONS == REPLICA_SCHEMA_VERSION, "one migration per schema version");

/*
 * The rank signals of one entry (?1 id, ?2 author, ?3 seq), from the rows verified when they were
 * stored: whether it is the accepted answer of its question (the earliest answer the asker
 * accepted), the net votes and the verified and obsolete flags, each the latest value per author
 * (votes on one's own entries do not count), as docs/API.md, search, says.
 */
#define REPLICA_LATEST(kind, key, extra)                                                           \
    "SELECT lore_attr(v.raw, '" key "') AS val, row_number() OVER (PARTITION BY v.author"          \
    " ORDER BY v.effective_ms DESC, v.id DESC) AS rn FROM refs r JOIN entries v ON v.seq = r.seq"  \
    " WHERE r.ref = ?1 AND r.kind = " kind " AND v.effective_ms <= lore_horizon() " extra          \
    " AND NOT EXISTS (SELECT 1 FROM refs o WHERE o.seq = v.seq AND o.ref != ?1)"                   \
    " AND NOT EXISTS (SELECT 1 FROM quarantine qv WHERE qv.id = v.id)"                             \
    " AND lore_attr(v.raw, '" key "') IS NOT NULL"
#define REPLICA_ACCEPTED_ONE                                                                       \
    "(SELECT ans.id = ?1 FROM refs rq JOIN entries q ON q.id = rq.ref"                             \
    " JOIN refs ra ON ra.ref = q.id AND ra.kind = 2 JOIN entries ans ON ans.seq = ra.seq"          \
    " WHERE rq.seq = ?3 AND rq.kind = 2 AND ans.effective_ms <= lore_horizon() AND EXISTS ("       \
    "  SELECT 1 FROM refs rc JOIN entries acc ON acc.seq = rc.seq WHERE rc.ref = ans.id"           \
    "  AND rc.kind = 5 AND acc.author = q.author AND acc.effective_ms <= lore_horizon())"          \
    " ORDER BY ans.effective_ms, ans.id LIMIT 1)"
#define REPLICA_NET_VOTES                                                                          \
    "(SELECT total(val = '1') - total(val = '-1') FROM (" REPLICA_LATEST(                          \
        "6", "value", "AND v.author != ?2") ") WHERE rn = 1)"
#define REPLICA_FLAGGED(value)                                                                     \
    "(SELECT total(val = '" value "') FROM (" REPLICA_LATEST("18", "flag", "") ") WHERE rn = 1)"

static const char *const replica_sql[ST_COUNT_STMTS] = {
    [ST_INSERT] = "INSERT OR IGNORE INTO entries(id, raw, kind, author, created_ms, received_ms,"
                  " title, body, tags, effective_ms, urgent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                  " ?)",
    [ST_INSERT_REF] = "INSERT OR IGNORE INTO refs(ref, kind, seq) VALUES (?, ?, ?)",
    [ST_INSERT_TAG] = "INSERT OR IGNORE INTO tags(tag, seq) VALUES (?, ?)",
    [ST_INSERT_FTS] = "INSERT INTO fts(rowid, title, body, tags) VALUES (?, ?, ?, ?)",
    [ST_BY_ID] = "SELECT " REPLICA_COLS " FROM entries e WHERE e.id = ?",
    [ST_RESOLVE] = "SELECT id FROM entries WHERE id BETWEEN ? AND ? AND effective_ms <="
                   " lore_horizon() ORDER BY id LIMIT ?",
    [ST_COUNT] = "SELECT count(*) FROM entries",
    [ST_COUNT_REFS] = "SELECT count(*) FROM refs r JOIN entries x ON x.seq = r.seq WHERE r.ref = ?"
                      " AND r.kind = ? AND x.effective_ms <= lore_horizon()",
    [ST_COUNT_REFS_ANY] = "SELECT count(*) FROM refs r JOIN entries x ON x.seq = r.seq WHERE"
                          " r.ref = ? AND x.effective_ms <= lore_horizon()",
    [ST_AUTHOR_NAME] = "SELECT " REPLICA_COLS " FROM entries e WHERE e.author = ? AND e.kind = "
                       "12 AND e.effective_ms <= lore_horizon() ORDER BY e.effective_ms DESC,"
                       " e.id DESC LIMIT 4",
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?",
    [ST_META_SET] = "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
    [ST_META_DELETE] = "DELETE FROM meta WHERE key = ?",
    [ST_TOMBSTONED] = "SELECT author FROM tombstones WHERE id = ?",
    /* Is there a retraction of ?1 by ?2 (its author's, the only one that counts)? */
    [ST_RETRACTED] = "SELECT 1 FROM refs r JOIN entries t ON t.seq = r.seq"
                     " WHERE r.ref = ?1 AND r.kind = 10 AND t.author = ?2 LIMIT 1",
    [ST_TARGET] = "SELECT seq, kind, author FROM entries WHERE id = ?",
    [ST_REVISIONS_OF] = "SELECT v.seq FROM refs r JOIN entries v ON v.seq = r.seq"
                        " WHERE r.ref = ?1 AND r.kind = 9 AND v.author = ?2",
    [ST_TOMB_INSERT] = "INSERT OR IGNORE INTO tombstones(id, created_ms, author)"
                       " SELECT id, created_ms, author FROM entries WHERE seq = ?",
    [ST_TOMB_ADD] = "INSERT OR IGNORE INTO tombstones(id, created_ms, author) VALUES (?, ?, ?)",
    [ST_TOMB_FTS] = "INSERT INTO fts(fts, rowid, title, body, tags) SELECT 'delete', seq, title,"
                    " body, tags FROM entries WHERE seq = ? AND kind IN (1, 2, 3, 4, 9)",
    [ST_TOMB_REFS] = "DELETE FROM refs WHERE seq = ?",
    [ST_TOMB_TAGS] = "DELETE FROM tags WHERE seq = ?",
    [ST_TOMB_ENTRY] = "DELETE FROM entries WHERE seq = ?",
    /* An entry's effective time from its own and its targets' (those here). */
    [ST_EFFECTIVE] = "SELECT effective_ms FROM entries WHERE id = ?",
    /* Everything referencing ?1, directly or not, counts no earlier than ?1's time ?2. */
    [ST_REFERENCED] = "SELECT 1 FROM refs WHERE ref = ? LIMIT 1",
    [ST_EFFECTIVE_DOWN] = "WITH RECURSIVE down(seq) AS (SELECT seq FROM refs WHERE ref = ?1 UNION"
                          " SELECT r.seq FROM down JOIN entries d ON d.seq = down.seq JOIN refs r"
                          " ON r.ref = d.id) UPDATE entries SET effective_ms = ?2 WHERE seq IN"
                          " (SELECT seq FROM down) AND effective_ms < ?2",
    [ST_TIMES] = "SELECT created_ms, effective_ms, received_ms FROM entries WHERE id = ?",
    [ST_ACCEPTED] = "SELECT ans.id FROM refs ra JOIN entries ans ON ans.seq = ra.seq"
                    " WHERE ra.ref = ?1 AND ra.kind = 2 AND ans.effective_ms <= lore_horizon()"
                    " AND EXISTS (SELECT 1 FROM refs rc JOIN entries acc ON acc.seq = rc.seq"
                    " WHERE rc.ref = ans.id AND rc.kind = 5 AND acc.author = ?2"
                    " AND acc.effective_ms <= lore_horizon())"
                    " ORDER BY ans.effective_ms, ans.id LIMIT 1",
    [ST_SIGNALS] = "SELECT " REPLICA_ACCEPTED_ONE ", " REPLICA_NET_VOTES
                   ", " REPLICA_FLAGGED("verified") ", " REPLICA_FLAGGED("obsolete"),
    /* How many entries of kind ?1 have come into effect, and the newest: a cache's stamp. */
    [ST_KIND_STAMP] = "SELECT count(*), coalesce(max(seq), 0) FROM entries WHERE kind = ?1"
                      " AND effective_ms <= lore_horizon()",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
};

/* The files SQLite keeps for one database in WAL mode: the database, its write-ahead log and the
 * log's shared-memory index. A write is durable only in these very files: if one is deleted or
 * replaced under a running node, later commits would go to a file nobody will open again (or,
 * for -shm, would no longer be coordinated with another process that opens the path). */
static const char *const replica_file_suffix[] = {"", "-wal", "-shm"};
_Static_assert(sizeof(replica_file_suffix) / sizeof(replica_file_suffix[0]) == REPLICA_NFILES,
               "one identity per file");

uint64_t replica_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t replica_view_horizon(const struct replica *r)
{
    return r->horizon_ms != 0 ? r->horizon_ms : replica_wall_ms() + ENTRY_CLOCK_TOLERANCE_MS;
}

void replica_set_horizon(struct replica *r, uint64_t horizon_ms)
{
    r->horizon_ms = horizon_ms;
}

int replica_set_tag_classes(struct replica *r, const char *const (*pairs)[2], size_t n)
{
    sqlite3_stmt *s = NULL;
    size_t i;
    int rc = -1, begun = 0;

    if (sqlite3_exec(r->db, "SAVEPOINT tag_class", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    begun = 1;
    if (sqlite3_exec(r->db, "DELETE FROM temp.tag_class", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db, "INSERT OR REPLACE INTO temp.tag_class VALUES (?, ?)", -1, &s,
                           NULL) != SQLITE_OK)
        goto out;
    for (i = 0; i < n; i++) {
        sqlite3_bind_text(s, 1, pairs[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, pairs[i][1], -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            goto out;
        sqlite3_reset(s);
    }
    rc = 0;
out:
    if (rc != 0)
        log_warnx("replica: tag synonyms: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    if (begun &&
        sqlite3_exec(r->db,
                     rc == 0 ? "RELEASE tag_class" : "ROLLBACK TO tag_class; RELEASE tag_class",
                     NULL, NULL, NULL) != SQLITE_OK)
        rc = -1;
    return rc;
}

/* lore_attr(raw, key): the value of the attribute key in the stored bytes raw, or NULL (bytes that
 * do not decode have none). Decodes only: the rank signals read it from rows verified when they
 * were stored. */
static void replica_attr_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const void *raw = sqlite3_value_blob(argv[0]);
    int len = sqlite3_value_bytes(argv[0]);
    const char *key = (const char *)sqlite3_value_text(argv[1]), *v;
    struct entry *e;

    (void)argc;
    if (raw == NULL || len <= 0 || key == NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    e = entry_decode(raw, (size_t)len, NULL, 0);
    v = e != NULL ? entry_attr_get(e, key) : NULL;
    if (v != NULL)
        sqlite3_result_text(ctx, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_result_null(ctx);
    entry_destroy(&e);
}

/* lore_horizon(): what views compare effective_ms with. */
static void replica_horizon_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_int64(ctx, (sqlite3_int64)replica_view_horizon(sqlite3_user_data(ctx)));
}

void replica_add_work(struct replica *r, sqlite3_stmt *s)
{
    if (s != NULL)
        r->work.steps += (uint64_t)sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 0);
}

void replica_work(const struct replica *r, struct replica_work *w)
{
    *w = r->work;
    w->changes = (uint64_t)sqlite3_total_changes64(r->db);
}

void replica_remember_verified(struct replica *r, size_t slots)
{
    size_t n = 1;

    while (n < slots && n < ((size_t)1 << 20))
        n <<= 1;
    free(r->verified);
    r->verified = xcalloc(n, ENTRY_ID_LEN);
    r->verified_mask = n - 1;
}

/* The slot of an id: its first bytes (a hash already) pick it; a newer id takes it over. */
static size_t replica_verified_slot(const struct replica *r, const uint8_t *id)
{
    uint64_t h;

    memcpy(&h, id, sizeof(h));
    return (size_t)h & r->verified_mask;
}

void replica_verified_add(struct replica *r, const uint8_t id[ENTRY_ID_LEN])
{
    if (r->verified != NULL)
        memcpy(r->verified[replica_verified_slot(r, id)], id, ENTRY_ID_LEN);
}

int replica_verified_has(const struct replica *r, const uint8_t *id, size_t idlen)
{
    return r->verified != NULL && id != NULL && idlen == ENTRY_ID_LEN &&
           memcmp(r->verified[replica_verified_slot(r, id)], id, ENTRY_ID_LEN) == 0;
}

sqlite3_stmt *replica_stmt(struct replica *r, enum replica_stmt which)
{
    sqlite3_stmt *s = r->st[which];

    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

static int replica_exec(struct replica *r, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;

    if (sqlite3_exec(r->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s: %s", r->path, msg != NULL ? msg : "unknown error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int replica_migrate(struct replica *r, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int version, rc = -1;
    char *sql = NULL;
    size_t i;

    if (sqlite3_prepare_v2(r->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        errmsg_set(err, errlen, "%s: cannot read schema version: %s", r->path,
                   sqlite3_errmsg(r->db));
        goto out;
    }
    version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s); /* an open statement would lock the schema (DROP INDEX) */
    s = NULL;
    if (version < 0 || version > REPLICA_SCHEMA_VERSION) {
        errmsg_set(err, errlen,
                   "%s: schema version %d is newer than this lore understands (%d); "
                   "upgrade lore",
                   r->path, version, REPLICA_SCHEMA_VERSION);
        goto out;
    }
    for (i = (size_t)version; i < REPLICA_NMIGRATIONS; i++) {
        log_info("replica: migrating schema %zu -> %zu", i, i + 1);
        sql = xasprintf("BEGIN IMMEDIATE; %s PRAGMA user_version = %zu; COMMIT;",
                        replica_migrations[i], i + 1);
        if (replica_exec(r, sql, err, errlen) != 0) {
            (void)sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
            goto out;
        }
        free(sql);
        sql = NULL;
    }
    rc = 0;
out:
    free(sql);
    sqlite3_finalize(s);
    return rc;
}

struct replica *replica_open(const char *path, int cache_mb, char *err, size_t errlen)
{
    struct replica *r = xcalloc(1, sizeof(*r));
    char *pragmas = NULL;
    int ok = 0;
    size_t i;

    r->path = xstrdup(path);
    if (sqlite3_open_v2(path, &r->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s: %s", path,
                   r->db != NULL ? sqlite3_errmsg(r->db) : "cannot open");
        goto out;
    }
    sqlite3_extended_result_codes(r->db, 1);
    sqlite3_busy_timeout(r->db, 5000);
    /* temp.tag_class: this connection's tag synonyms (replica_set_tag_classes), in memory.
     * The log is copied into the file every 8,000 pages (32 MiB; SQLite's default is 1,000): the
     * pages every batch rewrites (the newest leaves of each index, the full-text index's) are then
     * copied once for eight times as many batches; a 100k bootstrap wrote ~170 MB/s with 1,000
     * and ran 6,182 / 6,940 / 8,060-8,163 / 8,174 / 8,860 entries/s with 1,000 / 4,000 / 8,000 /
     * 16,000 / 32,000 (one run each, the same machine, interleaved). */
    pragmas = xasprintf("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                        "PRAGMA wal_autocheckpoint = 8000;"
                        "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -%d;"
                        "CREATE TEMP TABLE tag_class(alias TEXT PRIMARY KEY NOT NULL,"
                        " canon TEXT NOT NULL) WITHOUT ROWID;"
                        "CREATE INDEX temp.tag_class_canon ON tag_class(canon);",
                        (cache_mb > 0 ? cache_mb : 16) * 1024);
    if (sqlite3_create_function_v2(r->db, "lore_horizon", 0, SQLITE_UTF8, r, replica_horizon_fn,
                                   NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(r->db, "lore_attr", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   replica_attr_fn, NULL, NULL, NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s: %s", path, sqlite3_errmsg(r->db));
        goto out;
    }
    if (replica_exec(r, pragmas, err, errlen) != 0 || replica_migrate(r, err, errlen) != 0 ||
        replica_rank_register(r, err, errlen) != 0)
        goto out;
    for (i = 0; i < ST_COUNT_STMTS; i++) {
        if (sqlite3_prepare_v3(r->db, replica_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &r->st[i],
                               NULL) != SQLITE_OK) {
            errmsg_set(err, errlen, "%s: %s", path, sqlite3_errmsg(r->db));
            goto out;
        }
    }
    /* The files as they are now (the migration's read opened the log and its index): from here
     * on, writes check that the paths still name them. */
    for (i = 0; i < REPLICA_NFILES; i++) {
        struct stat st;
        r->files[i].path = xasprintf("%s%s", path, replica_file_suffix[i]);
        if (stat(r->files[i].path, &st) == 0) {
            r->files[i].known = 1;
            r->files[i].dev = st.st_dev;
            r->files[i].ino = st.st_ino;
        }
    }
    ok = 1;
out:
    free(pragmas);
    if (!ok)
        replica_close(&r);
    return r;
}

void replica_close(struct replica **rp)
{
    struct replica *r;
    size_t i;

    if (rp == NULL || *rp == NULL)
        return;
    r = *rp;
    for (i = 0; i < ST_COUNT_STMTS; i++)
        sqlite3_finalize(r->st[i]);
    if (r->db != NULL && sqlite3_close(r->db) != SQLITE_OK)
        log_warnx("replica: %s: close: %s", r->path, sqlite3_errmsg(r->db));
    for (i = 0; i < REPLICA_NFILES; i++)
        free(r->files[i].path);
    free(r->verified);
    replica_rank_free(r);
    free(r->path);
    free(r);
    *rp = NULL;
}

/* Tags joined by spaces, as the tags column and the FTS tags column hold them. */
void replica_tags_text(const struct entry *e, struct buf *b)
{
    size_t i;

    buf_init(b, ENTRY_MAX_TAGS * (ENTRY_TAG_MAX + 1) + 1);
    if (buf_append_str(b, "") != 0)
        return;
    for (i = 0; i < entry_ntags(e); i++)
        if ((i > 0 && buf_append_str(b, " ") != 0) || buf_append_str(b, entry_tag(e, i)) != 0)
            break; /* cannot happen: the buffer holds the largest tag set */
}

/* Why the statement that just failed on r failed, from SQLite's code and the system's errno
 * (ENOSPC comes as SQLITE_FULL, EDQUOT and EROFS as SQLITE_IOERR_WRITE and the like). */
static enum replica_fault replica_classify(struct replica *r)
{
    int code = sqlite3_extended_errcode(r->db), sys = sqlite3_system_errno(r->db);

    if (code == SQLITE_READONLY_DBMOVED)
        return REPLICA_FAULT_GONE;
    if ((code & 0xff) == SQLITE_FULL || sys == ENOSPC)
        return REPLICA_FAULT_FULL;
    if (sys == EDQUOT)
        return REPLICA_FAULT_QUOTA;
    if ((code & 0xff) == SQLITE_READONLY || sys == EROFS)
        return REPLICA_FAULT_READONLY;
    if ((code & 0xff) == SQLITE_IOERR)
        return REPLICA_FAULT_IO;
    return REPLICA_FAULT_OTHER;
}

/* A statement failed: note why, and say it in err. */
void replica_failed(struct replica *r, const char *what, char *err, size_t errlen)
{
    r->fault = replica_classify(r);
    if (r->fault == REPLICA_FAULT_OTHER || r->fault == REPLICA_FAULT_IO)
        errmsg_set(err, errlen, "%s: %s%s", r->path, what, sqlite3_errmsg(r->db));
    else
        errmsg_set(err, errlen, "%s: %s%s (%s)", r->path, what, replica_fault_text(r->fault),
                   sqlite3_errmsg(r->db));
}

int replica_step_done(struct replica *r, sqlite3_stmt *s, char *err, size_t errlen)
{
    if (sqlite3_step(s) != SQLITE_DONE) {
        replica_failed(r, "", err, errlen);
        return -1;
    }
    return 0;
}

const char *replica_fault_text(enum replica_fault f)
{
    switch (f) {
    case REPLICA_FAULT_NONE:
        return "no fault";
    case REPLICA_FAULT_FULL:
        return "disk full";
    case REPLICA_FAULT_QUOTA:
        return "disk quota exceeded";
    case REPLICA_FAULT_READONLY:
        return "read-only file system";
    case REPLICA_FAULT_IO:
        return "I/O error";
    case REPLICA_FAULT_GONE:
        return "replica file deleted or replaced";
    case REPLICA_FAULT_OTHER:
        break;
    }
    return "write failed";
}

enum replica_fault replica_last_fault(const struct replica *r)
{
    return r->fault;
}

int replica_read_begin(struct replica *r)
{
    if (!sqlite3_get_autocommit(r->db))
        return 0;
    return sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

void replica_read_end(struct replica *r, int began)
{
    if (began && sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        (void)sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
}

size_t replica_release_memory(struct replica *r)
{
    int cur = 0, hi = 0;

    (void)sqlite3_db_release_memory(r->db);
    if (sqlite3_db_status(r->db, SQLITE_DBSTATUS_CACHE_USED, &cur, &hi, 0) != SQLITE_OK || cur < 0)
        return 0;
    return (size_t)cur;
}

int replica_file_check(struct replica *r, char *err, size_t errlen)
{
    struct stat st;
    size_t i;

    for (i = 0; i < REPLICA_NFILES; i++) {
        if (!r->files[i].known)
            continue;
        if (stat(r->files[i].path, &st) != 0 || st.st_dev != r->files[i].dev ||
            st.st_ino != r->files[i].ino) {
            r->fault = REPLICA_FAULT_GONE;
            errmsg_set(err, errlen, "the replica file %s was deleted or replaced; restart the node",
                       r->files[i].path);
            return -1;
        }
    }
    return 0;
}
