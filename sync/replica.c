#include "replica.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "errmsg.h"
#include "hex.h"
#include "kinds.h"
#include "log.h"
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
};
#define REPLICA_NMIGRATIONS (sizeof(replica_migrations) / sizeof(replica_migrations[0]))
_Static_assert(REPLICA_NMIGRATIONS == REPLICA_SCHEMA_VERSION, "one migration per schema version");

/* Columns every row query selects, in this order. */
#define REPLICA_COLS "e.id, e.raw, e.kind, e.author, e.created_ms, e.title, e.tags, e.body"

enum replica_stmt {
    ST_INSERT,
    ST_INSERT_REF,
    ST_INSERT_TAG,
    ST_INSERT_FTS,
    ST_BY_ID,
    ST_RESOLVE,
    ST_COUNT,
    ST_COUNT_REFS,
    ST_COUNT_REFS_ANY,
    ST_AUTHOR_NAME,
    ST_META_GET,
    ST_META_SET,
    ST_META_DELETE,
    ST_TOMBSTONED,
    ST_RETRACTED,
    ST_TARGET,
    ST_REVISIONS_OF,
    ST_TOMB_INSERT,
    ST_TOMB_ADD,
    ST_TOMB_FTS,
    ST_TOMB_REFS,
    ST_TOMB_TAGS,
    ST_TOMB_ENTRY,
    ST_EFFECTIVE,
    ST_EFFECTIVE_DOWN,
    ST_TIMES,
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_COUNT_STMTS
};

static const char *const replica_sql[ST_COUNT_STMTS] = {
    [ST_INSERT] = "INSERT OR IGNORE INTO entries(id, raw, kind, author, created_ms, received_ms,"
                  " title, body, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    [ST_EFFECTIVE] = "UPDATE entries SET effective_ms = max(created_ms, coalesce((SELECT"
                     " max(t.effective_ms) FROM refs r JOIN entries t ON t.id = r.ref WHERE"
                     " r.seq = ?1), 0)) WHERE seq = ?1 RETURNING effective_ms",
    /* Everything referencing ?1, directly or not, counts no earlier than ?1's time ?2. */
    [ST_EFFECTIVE_DOWN] = "WITH RECURSIVE down(seq) AS (SELECT seq FROM refs WHERE ref = ?1 UNION"
                          " SELECT r.seq FROM down JOIN entries d ON d.seq = down.seq JOIN refs r"
                          " ON r.ref = d.id) UPDATE entries SET effective_ms = ?2 WHERE seq IN"
                          " (SELECT seq FROM down) AND effective_ms < ?2",
    [ST_TIMES] = "SELECT created_ms, effective_ms, received_ms FROM entries WHERE id = ?",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
};

/* The files SQLite keeps for one database in WAL mode: the database, its write-ahead log and the
 * log's shared-memory index. A write is durable only in these very files: if one is deleted or
 * replaced under a running node, later commits would go to a file nobody will open again (or,
 * for -shm, would no longer be coordinated with another process that opens the path). */
static const char *const replica_file_suffix[] = {"", "-wal", "-shm"};
#define REPLICA_NFILES (sizeof(replica_file_suffix) / sizeof(replica_file_suffix[0]))

struct replica {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *st[ST_COUNT_STMTS];
    enum replica_fault fault; /* of the last failed write; NONE after a successful one */
    struct {
        char *path;
        int known; /* identity recorded at open (the file existed) */
        dev_t dev;
        ino_t ino;
    } files[REPLICA_NFILES];
    uint64_t horizon_ms; /* views: entries effective after it are held back; 0: clock + tolerance */
};

static uint64_t replica_wall_ms(void)
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

/* lore_horizon(): what views compare effective_ms with. */
static void replica_horizon_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_int64(ctx, (sqlite3_int64)replica_view_horizon(sqlite3_user_data(ctx)));
}

static sqlite3_stmt *replica_stmt(struct replica *r, enum replica_stmt which)
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
    pragmas = xasprintf("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                        "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -%d;",
                        (cache_mb > 0 ? cache_mb : 16) * 1024);
    if (sqlite3_create_function_v2(r->db, "lore_horizon", 0, SQLITE_UTF8, r, replica_horizon_fn,
                                   NULL, NULL, NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s: %s", path, sqlite3_errmsg(r->db));
        goto out;
    }
    if (replica_exec(r, pragmas, err, errlen) != 0 || replica_migrate(r, err, errlen) != 0)
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
    free(r->path);
    free(r);
    *rp = NULL;
}

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

/* Tags joined by spaces, as the tags column and the FTS tags column hold them. */
static void replica_tags_text(const struct entry *e, struct buf *b)
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
static void replica_failed(struct replica *r, const char *what, char *err, size_t errlen)
{
    r->fault = replica_classify(r);
    if (r->fault == REPLICA_FAULT_OTHER || r->fault == REPLICA_FAULT_IO)
        errmsg_set(err, errlen, "%s: %s%s", r->path, what, sqlite3_errmsg(r->db));
    else
        errmsg_set(err, errlen, "%s: %s%s (%s)", r->path, what, replica_fault_text(r->fault),
                   sqlite3_errmsg(r->db));
}

static int replica_step_done(struct replica *r, sqlite3_stmt *s, char *err, size_t errlen)
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

    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (replica_run_seq(r, steps[i], seq, err, errlen) != 0)
            return -1;
    return 0;
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

/* Set the effective time of the entry just stored as row seq, and raise that of everything that
 * references it (stored before it). Inside the open transaction. */
static int replica_effective(struct replica *r, const struct entry *e, sqlite3_int64 seq, char *err,
                             size_t errlen)
{
    sqlite3_stmt *s = replica_stmt(r, ST_EFFECTIVE);
    sqlite3_int64 eff;

    sqlite3_bind_int64(s, 1, seq);
    if (sqlite3_step(s) != SQLITE_ROW) {
        errmsg_set(err, errlen, "%s: %s", r->path, sqlite3_errmsg(r->db));
        return -1;
    }
    eff = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
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
    sqlite3_int64 seq;
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
    if (replica_effective(r, e, seq, err, errlen) != 0)
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
    rc = 0;
out:
    if (rc != 0 && in_tx)
        (void)sqlite3_step(replica_stmt(r, ST_ROLLBACK));
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

/*
 * Decode and verify the row a statement is on (columns as REPLICA_COLS): the bytes must decode,
 * hash to the stored id, carry a valid signature, and agree with the decoded columns that queries
 * filtered on. Returns the entry, or NULL with the reason in why.
 */
static struct entry *replica_row_entry(sqlite3_stmt *s, char *why, size_t whylen)
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
    struct buf tagtext;
    char reason[160];
    int ok = 0;

    buf_init(&tagtext, 0);
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
    if (kinds_verify(e, reason, sizeof(reason)) != 0) {
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

static void replica_log_corrupt(sqlite3_stmt *s, const char *why)
{
    char hex[2 * ENTRY_ID_LEN + 1] = "?";
    const void *id = sqlite3_column_blob(s, 0);

    if (id != NULL && sqlite3_column_bytes(s, 0) == ENTRY_ID_LEN)
        hex_encode(id, ENTRY_ID_LEN, hex);
    log_warnx("replica: entry %s is corrupt and not served (%s); run `lore check`", hex, why);
}

enum replica_lookup replica_resolve(struct replica *r, const char *hex_prefix,
                                    uint8_t id[ENTRY_ID_LEN], uint8_t (*candidates)[ENTRY_ID_LEN],
                                    size_t max_candidates, size_t *ncandidates)
{
    char lo_hex[2 * ENTRY_ID_LEN + 1], hi_hex[2 * ENTRY_ID_LEN + 1];
    uint8_t lo[ENTRY_ID_LEN], hi[ENTRY_ID_LEN];
    size_t n = strlen(hex_prefix), found = 0;
    enum replica_lookup res = REPLICA_FAILED;
    sqlite3_stmt *s;
    int rc;

    if (ncandidates != NULL)
        *ncandidates = 0;
    if (n < REPLICA_MIN_PREFIX || n > 2 * ENTRY_ID_LEN || !hex_is_hex(hex_prefix))
        return REPLICA_NOT_FOUND;
    memset(lo_hex, '0', 2 * ENTRY_ID_LEN);
    memset(hi_hex, 'f', 2 * ENTRY_ID_LEN);
    memcpy(lo_hex, hex_prefix, n);
    memcpy(hi_hex, hex_prefix, n);
    if (hex_decode(lo_hex, 2 * ENTRY_ID_LEN, lo, ENTRY_ID_LEN) != 0 ||
        hex_decode(hi_hex, 2 * ENTRY_ID_LEN, hi, ENTRY_ID_LEN) != 0)
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
    if (q->tag != NULL)
        ok |=
            buf_append_str(sql, " AND e.seq IN (SELECT seq FROM tags WHERE tag = :qtag UNION"
                                " SELECT o.seq FROM tags t JOIN refs rv ON rv.seq = t.seq AND"
                                " rv.kind = 9 JOIN entries o ON o.id = rv.ref WHERE t.tag = :qtag)"
                                /* only content has versions (the views apply no others) */
                                " AND (CASE WHEN e.kind IN (1, 2, 3, 4) THEN " REPLICA_CURRENT(
                                    "e") " ELSE e.seq END) IN (SELECT seq FROM tags"
                                         " WHERE tag = :qtag)");
    if (q->author != NULL)
        ok |= buf_append_str(sql, " AND e.author = ?");
    if (q->ref != NULL)
        ok |= buf_append_str(sql, " AND e.seq IN (SELECT seq FROM refs WHERE ref = ?)");
    if (q->open_only)
        ok |= buf_append_str(sql, " AND e.kind = 1 AND NOT " REPLICA_ANSWERED);
    if (q->since_ms != 0)
        ok |= buf_append_str(sql, " AND e.effective_ms >= ?");
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
    for (k = 0; q->ids != NULL && k < q->nids; k++)
        sqlite3_bind_blob(s, i++, q->ids[k], ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, i++, (sqlite3_int64)(q->limit != 0 ? q->limit : 50));
    sqlite3_bind_int64(s, i++, (sqlite3_int64)q->offset);
    return i;
}

/* Step through rows (columns as REPLICA_COLS), verifying each, calling fn. */
static int replica_run_rows(struct replica *r, sqlite3_stmt *s, replica_row_fn fn, void *ctx,
                            size_t *corrupt, char *err, size_t errlen)
{
    struct entry *e;
    char why[200];
    int rc;

    if (corrupt != NULL)
        *corrupt = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        e = replica_row_entry(s, why, sizeof(why));
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

int replica_list(struct replica *r, const struct replica_query *q, replica_row_fn fn, void *ctx,
                 size_t *corrupt)
{
    struct buf sql;
    sqlite3_stmt *s = NULL;
    char err[256];
    int rc = -1;

    buf_init(&sql, 4096);
    if (buf_append_str(&sql, "SELECT " REPLICA_COLS " FROM entries e WHERE 1") != 0)
        goto out;
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
    replica_bind_query(s, q, 1);
    rc = replica_run_rows(r, s, fn, ctx, corrupt, err, sizeof(err));
    if (rc != 0)
        log_warnx("replica: list: %s", err);
out:
    sqlite3_finalize(s);
    buf_free(&sql);
    return rc;
}

/*
 * Turn words typed by a person into an FTS5 query: every word becomes a quoted string (so FTS5
 * operators and punctuation mean nothing), all must match, and the last also matches as a prefix
 * so results appear while typing. Returns -1 if there is no word.
 */
static int replica_fts_query(const char *words, int any, struct buf *out)
{
    const char *p = words, *start;
    int nwords = 0;

    buf_init(out, 6 * strlen(words) + 16);
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (*p == '\0')
            break;
        start = p;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        if (nwords++ > 0 && buf_append_str(out, any ? " OR " : " ") != 0)
            return -1;
        if (buf_append_str(out, "\"") != 0)
            return -1;
        for (; start < p; start++)
            if (buf_append(out, start, 1) != 0 || (*start == '"' && buf_append(out, "\"", 1) != 0))
                return -1;
        if (buf_append_str(out, "\"") != 0)
            return -1;
    }
    if (nwords == 0)
        return -1;
    return buf_append_str(out, "*");
}

/* A search result before it is loaded: its rank and the keys that break ties. */
struct replica_hit {
    sqlite3_int64 seq;  /* the entry */
    sqlite3_int64 hseq; /* the version that matched: the entry or its current revision */
    double rank;
    sqlite3_int64 created_ms;
    uint8_t id[ENTRY_ID_LEN];
};

/* Results order: best rank, then newest, then highest id; the same on every replica. */
static int replica_hit_cmp(const void *a, const void *b)
{
    const struct replica_hit *x = a, *y = b;

    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->created_ms != y->created_ms)
        return x->created_ms > y->created_ms ? -1 : 1;
    return -memcmp(x->id, y->id, ENTRY_ID_LEN);
}

/*
 * A full-text hit x stands for the entry e it is the current version of: x itself when it has no
 * revision by its author, or the author's latest revision of e. Hits on older versions, and on
 * revisions by others, stand for nothing (the inner join drops them): so every entry matches at
 * most once, with the words of its current text.
 */
#define REPLICA_HIT_ENTRY                                                                          \
    " JOIN entries e ON e.seq = (CASE WHEN x.kind = 9 THEN (SELECT o.seq FROM refs rv"             \
    " JOIN entries o ON o.id = rv.ref WHERE rv.seq = x.seq AND rv.kind = 9) ELSE x.seq END)"       \
    " AND e.kind IN (1, 2, 3, 4) AND e.author = x.author AND e.effective_ms <= lore_horizon()"     \
    " AND " REPLICA_CURRENT("e") " = x.seq"

/* Run a statement whose rows are (seq, rank, created_ms, id, hseq) into hits; a row whose seq is
 * NULL (a hit standing for nothing) is counted in *dropped (may be NULL) and skipped. Returns the
 * count. */
static long replica_collect_hits(struct replica *r, sqlite3_stmt *s, struct replica_hit *hits,
                                 size_t max, size_t *dropped, char *err, size_t errlen)
{
    size_t n = 0;
    int step = SQLITE_DONE;

    while (n < max && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_type(s, 0) == SQLITE_NULL) {
            if (dropped != NULL)
                (*dropped)++;
            continue;
        }
        hits[n].seq = sqlite3_column_int64(s, 0);
        hits[n].hseq = sqlite3_column_int64(s, 4);
        hits[n].rank = sqlite3_column_double(s, 1);
        hits[n].created_ms = sqlite3_column_int64(s, 2);
        memset(hits[n].id, 0, ENTRY_ID_LEN);
        if (sqlite3_column_bytes(s, 3) == ENTRY_ID_LEN)
            memcpy(hits[n].id, sqlite3_column_blob(s, 3), ENTRY_ID_LEN);
        n++;
    }
    if (n < max && step != SQLITE_DONE) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        return -1;
    }
    return (long)n;
}

/*
 * Fast path for an unfiltered search: rank in the full-text index alone and look up only the
 * best offset+limit+1 rows. Exact unless the row after the page ties the page's last rank; then
 * returns 1 and the caller takes the exact path. Returns 0 with *nhits set, or -1.
 */
static int replica_search_fast(struct replica *r, const struct buf *match, size_t offset,
                               size_t limit, struct replica_hit *hits, size_t *nhits, char *err,
                               size_t errlen)
{
    sqlite3_stmt *s = NULL;
    size_t want = offset + limit + 1, dropped = 0;
    long n;
    int rc = -1;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT e.seq, h.rank, e.effective_ms, e.id, x.seq FROM"
                           " (SELECT rowid, bm25(fts, 10.0, 1.0, 5.0) AS rank FROM fts"
                           "  WHERE fts MATCH ? ORDER BY rank LIMIT ?) h"
                           " JOIN entries x ON x.seq = h.rowid"
                           " LEFT" REPLICA_HIT_ENTRY " ORDER BY h.rank",
                           -1, &s, NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        goto out;
    }
    sqlite3_bind_text(s, 1, (const char *)match->data, (int)match->len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)want);
    n = replica_collect_hits(r, s, hits, want, &dropped, err, errlen);
    if (n < 0)
        goto out;
    if (dropped > 0) {
        rc = 1; /* old versions took places on the page: only the exact path can fill it */
        goto out;
    }
    if ((size_t)n == want && hits[want - 1].rank == hits[want - 2].rank) {
        rc = 1; /* a tie across the page boundary: only the exact order can choose */
        goto out;
    }
    qsort(hits, (size_t)n, sizeof(*hits), replica_hit_cmp);
    *nhits = (size_t)n < want ? (size_t)n : want - 1;
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

/* Exact path: rank and order every match in SQL, with any filter. */
static int replica_search_exact(struct replica *r, const struct buf *match,
                                const struct replica_query *q, size_t offset, size_t limit,
                                struct replica_hit *hits, size_t *nhits, char *err, size_t errlen)
{
    struct buf sql;
    sqlite3_stmt *s = NULL;
    struct replica_query page = *q;
    long n;
    int rc = -1;

    buf_init(&sql, 4096);
    if (buf_append_str(&sql,
                       "SELECT e.seq, bm25(fts, 10.0, 1.0, 5.0) AS rank, e.effective_ms, e.id,"
                       " x.seq FROM fts JOIN entries x ON x.seq = fts.rowid" REPLICA_HIT_ENTRY
                       " WHERE fts MATCH ?") != 0)
        goto out;
    replica_query_sql(q, &sql);
    if (buf_append_str(&sql, " ORDER BY rank, e.effective_ms DESC, e.id DESC LIMIT ? OFFSET ?") !=
        0)
        goto out;
    if (sqlite3_prepare_v2(r->db, (const char *)sql.data, -1, &s, NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        goto out;
    }
    sqlite3_bind_text(s, 1, (const char *)match->data, (int)match->len, SQLITE_STATIC);
    page.limit = limit;
    page.offset = offset;
    replica_bind_query(s, &page, 2);
    n = replica_collect_hits(r, s, hits, limit, NULL, err, errlen);
    if (n < 0)
        goto out;
    *nhits = (size_t)n;
    rc = 0;
out:
    sqlite3_finalize(s);
    buf_free(&sql);
    return rc;
}

int replica_search(struct replica *r, const char *query, const struct replica_query *q,
                   const char *hl_open, const char *hl_close, replica_row_fn fn, void *ctx,
                   size_t *corrupt, char *err, size_t errlen)
{
    struct buf match;
    sqlite3_stmt *row = NULL;
    size_t limit = q->limit != 0 ? q->limit : 50, n = 0, i, first = 0;
    struct replica_hit *hits = NULL;
    int rc = -1, fast = 1;

    buf_init(&match, 0);
    if (corrupt != NULL)
        *corrupt = 0;
    if (replica_fts_query(query, q->any_word, &match) != 0) {
        errmsg_set(err, errlen, "the search query has no words");
        goto out;
    }
    if (q->offset > 100000) {
        errmsg_set(err, errlen, "offset too large");
        goto out;
    }
    /*
     * Stage one finds the page's row numbers, sorting only small (rank, keys) records; stage two
     * loads, verifies and makes a snippet for just those rows. bm25 weights: a word in the title
     * counts most, then tags, then the body.
     */
    hits = xreallocarray(NULL, q->offset + limit + 1, sizeof(*hits));
    if (q->kind == 0 && q->tag == NULL && q->author == NULL && q->ref == NULL && !q->open_only &&
        q->since_ms == 0 && q->status == REPLICA_STATUS_ANY && q->ids == NULL) {
        fast = replica_search_fast(r, &match, q->offset, limit, hits, &n, err, errlen);
        if (fast < 0)
            goto out;
        first = q->offset;
    }
    if (fast != 0) {
        first = 0;
        if (replica_search_exact(r, &match, q, q->offset, limit, hits, &n, err, errlen) != 0)
            goto out;
    }
    if (sqlite3_prepare_v2(r->db,
                           "SELECT " REPLICA_COLS ", snippet(fts, -1, ?1, ?2, '…', 16)"
                           " FROM fts JOIN entries e ON e.seq = ?4"
                           " WHERE fts MATCH ?3 AND fts.rowid = ?5",
                           -1, &row, NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s", sqlite3_errmsg(r->db));
        goto out;
    }
    sqlite3_bind_text(row, 1, hl_open != NULL ? hl_open : "**", -1, SQLITE_STATIC);
    sqlite3_bind_text(row, 2, hl_close != NULL ? hl_close : "**", -1, SQLITE_STATIC);
    sqlite3_bind_text(row, 3, (const char *)match.data, (int)match.len, SQLITE_STATIC);
    for (i = first; i < n; i++) {
        struct entry *e;
        char why[200];
        int stop;
        sqlite3_reset(row);
        sqlite3_bind_int64(row, 4, hits[i].seq);
        sqlite3_bind_int64(row, 5, hits[i].hseq);
        if (sqlite3_step(row) != SQLITE_ROW)
            continue;
        e = replica_row_entry(row, why, sizeof(why));
        if (e == NULL) {
            replica_log_corrupt(row, why);
            if (corrupt != NULL)
                (*corrupt)++;
            continue;
        }
        stop = fn(ctx, e, (const char *)sqlite3_column_text(row, 8), hits[i].rank);
        entry_destroy(&e);
        if (stop != 0)
            break;
    }
    rc = 0;
out:
    free(hits);
    sqlite3_finalize(row);
    buf_free(&match);
    return rc;
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
    char why[200];
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

int replica_check(struct replica *r, struct replica_check *report, replica_bad_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    struct entry *e, *plain;
    char why[200];
    int rc = -1, step;

    memset(report, 0, sizeof(*report));
    if (sqlite3_prepare_v2(r->db, "SELECT " REPLICA_COLS " FROM entries e ORDER BY e.seq", -1, &s,
                           NULL) != SQLITE_OK)
        goto out;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        report->entries++;
        e = replica_row_entry(s, why, sizeof(why));
        if (e == NULL) {
            report->bad++;
            /* Classify by redoing the cheap steps. */
            plain = entry_decode(sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1),
                                 NULL, 0);
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
            if (fn != NULL)
                fn(ctx, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), why);
            continue;
        }
        entry_destroy(&e);
    }
    if (step != SQLITE_DONE)
        goto out;
    sqlite3_finalize(s);
    s = NULL;
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

enum replica_lookup replica_raw(struct replica *r, const uint8_t id[ENTRY_ID_LEN], uint8_t **bytes,
                                size_t *len, uint64_t *created_ms)
{
    sqlite3_stmt *s = NULL;
    enum replica_lookup res = REPLICA_FAILED;
    int rc;

    *bytes = NULL;
    if (sqlite3_prepare_v3(r->db, "SELECT raw, created_ms FROM entries WHERE id = ?", -1,
                           SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_blob(s, 1, id, ENTRY_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        res = REPLICA_NOT_FOUND;
    } else if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) > 0) {
        *len = (size_t)sqlite3_column_bytes(s, 0);
        *bytes = xmalloc(*len);
        memcpy(*bytes, sqlite3_column_blob(s, 0), *len);
        if (created_ms != NULL)
            *created_ms = (uint64_t)sqlite3_column_int64(s, 1);
        res = REPLICA_FOUND;
    }
out:
    if (res == REPLICA_FAILED)
        log_warnx("replica: raw: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
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
    char lo_hex[2 * ENTRY_ID_LEN + 1], hi_hex[2 * ENTRY_ID_LEN + 1];
    uint8_t lo[ENTRY_ID_LEN], hi[ENTRY_ID_LEN];
    size_t n = strlen(hex_prefix), found = 0;
    enum replica_lookup res = REPLICA_FAILED;
    sqlite3_stmt *s = NULL;
    int step;

    if (n < REPLICA_MIN_PREFIX || n > 2 * ENTRY_ID_LEN || !hex_is_hex(hex_prefix))
        return REPLICA_NOT_FOUND;
    memset(lo_hex, '0', 2 * ENTRY_ID_LEN);
    memset(hi_hex, 'f', 2 * ENTRY_ID_LEN);
    memcpy(lo_hex, hex_prefix, n);
    memcpy(hi_hex, hex_prefix, n);
    if (hex_decode(lo_hex, 2 * ENTRY_ID_LEN, lo, ENTRY_ID_LEN) != 0 ||
        hex_decode(hi_hex, 2 * ENTRY_ID_LEN, hi, ENTRY_ID_LEN) != 0)
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
                           "SELECT created_ms, id, raw FROM entries WHERE (created_ms, id) > (?, ?)"
                           " ORDER BY created_ms, id LIMIT ?",
                           -1, &s, NULL) != SQLITE_OK) {
        log_warnx("replica: scan: %s", sqlite3_errmsg(r->db));
        goto out;
    }
    sqlite3_bind_int64(s, 1, (sqlite3_int64)after_ts);
    sqlite3_bind_blob(s, 2, after_id, ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
    n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 1) != ENTRY_ID_LEN || sqlite3_column_bytes(s, 2) <= 0)
            continue;
        if (fn(ctx, (uint64_t)sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1),
               sqlite3_column_blob(s, 2), (size_t)sqlite3_column_bytes(s, 2)) != 0)
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

int replica_keys(struct replica *r, replica_key_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    /* Not tombstones: a retracted entry is in nobody's set once its retraction has spread, so
     * sets converge; until then, a peer that still holds it hands it over (it is refused as a
     * tombstone) and takes the retraction in the same reconciliation. */
    if (sqlite3_prepare_v2(r->db, "SELECT created_ms, id FROM entries", -1, &s, NULL) != SQLITE_OK)
        goto out;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 1) != ENTRY_ID_LEN)
            continue;
        if (fn(ctx, (uint64_t)sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1)) != 0)
            goto out;
    }
    rc = step == SQLITE_DONE ? 0 : -1;
out:
    if (rc != 0)
        log_warnx("replica: keys: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
    return rc;
}

int replica_accepted(struct replica *r, const uint8_t question[ENTRY_ID_LEN],
                     const uint8_t asker[ENTRY_KEY_LEN], uint8_t answer[ENTRY_ID_LEN])
{
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT ans.id FROM refs ra JOIN entries ans ON ans.seq = ra.seq"
                           " WHERE ra.ref = ?1 AND ra.kind = 2 AND ans.effective_ms <="
                           " lore_horizon() AND EXISTS ("
                           "  SELECT 1 FROM refs rc JOIN entries acc ON acc.seq = rc.seq"
                           "  WHERE rc.ref = ans.id AND rc.kind = 5 AND acc.author = ?2"
                           "  AND acc.effective_ms <= lore_horizon())"
                           " ORDER BY ans.effective_ms, ans.id LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_blob(s, 1, question, ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, asker, ENTRY_KEY_LEN, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW && sqlite3_column_bytes(s, 0) == ENTRY_ID_LEN) {
        memcpy(answer, sqlite3_column_blob(s, 0), ENTRY_ID_LEN);
        rc = 1;
    } else if (step == SQLITE_DONE) {
        rc = 0;
    }
out:
    if (rc < 0)
        log_warnx("replica: accepted: %s", sqlite3_errmsg(r->db));
    sqlite3_finalize(s);
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
            " AND (?2 IS NULL OR q.seq IN (SELECT seq FROM tags WHERE tag = ?2))",
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
    sqlite3_finalize(s);
    return rc;
}

int replica_top_answerers(struct replica *r, uint64_t since_ms, const char *tag, size_t limit,
                          replica_helper_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT a.author, count(*) AS n FROM entries a"
                           " JOIN refs ra ON ra.seq = a.seq AND ra.kind = 2"
                           " JOIN entries q ON q.id = ra.ref AND q.kind = 1"
                           " WHERE a.kind = 2 AND a.effective_ms >= ?1"
                           " AND a.effective_ms <= lore_horizon()"
                           " AND (?2 IS NULL OR q.seq IN (SELECT seq FROM tags WHERE tag = ?2))"
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
    sqlite3_finalize(s);
    return rc;
}

enum replica_lookup replica_find_person(struct replica *r, const char *who,
                                        uint8_t key[ENTRY_KEY_LEN])
{
    sqlite3_stmt *s = NULL;
    enum replica_lookup res = REPLICA_FAILED;
    int step, found = 0;
    size_t n = strlen(who);

    if (sqlite3_prepare_v2(r->db,
                           "SELECT DISTINCT author FROM entries WHERE effective_ms <="
                           " lore_horizon() AND ((kind = 12 AND lower(title) = lower(?1))"
                           " OR (?2 AND substr(hex(author), 1, length(?1)) = upper(?1)))"
                           " LIMIT 2",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(s, 1, who, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, n >= REPLICA_MIN_PREFIX && n <= 2 * ENTRY_KEY_LEN && hex_is_hex(who));
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
    sqlite3_finalize(s);
    return res;
}

int replica_keys_between(struct replica *r, uint64_t after_ms, uint64_t until_ms, replica_key_fn fn,
                         void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT created_ms, id FROM entries WHERE created_ms > ? AND"
                           " created_ms <= ?",
                           -1, &s, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(s, 1, after_ms > INT64_MAX ? INT64_MAX : (sqlite3_int64)after_ms);
    sqlite3_bind_int64(s, 2, until_ms > INT64_MAX ? INT64_MAX : (sqlite3_int64)until_ms);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 1) != ENTRY_ID_LEN)
            continue;
        if (fn(ctx, (uint64_t)sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1)) != 0)
            goto out;
    }
    rc = step == SQLITE_DONE ? 0 : -1;
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
