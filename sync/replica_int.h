/*
 * replica_int: the struct every replica_* file works on, its prepared statements and the helpers
 * they share. Private to the replica files (replica_db, replica_write, replica_read,
 * replica_query, replica_facts); replica.h is the public interface.
 */
#ifndef LORE_REPLICA_INT_H
#define LORE_REPLICA_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "entry.h"
#include "replica.h"

/* Columns every row query selects, in this order; the last says why the row is quarantined (NULL:
 * it is not). */
#define REPLICA_COLS                                                                               \
    "e.id, e.raw, e.kind, e.author, e.created_ms, e.title, e.tags, e.body,"                        \
    " (SELECT qr.why FROM quarantine qr WHERE qr.id = e.id)"
#define REPLICA_NCOLS 9

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
    ST_REFERENCED,
    ST_TIMES,
    ST_ACCEPTED,
    ST_SIGNALS,
    ST_KIND_STAMP,
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_COUNT_STMTS
};

/* The tags a filter on the tag bound as p (an SQL parameter) stands for: p's class in
 * temp.tag_class (replica_set_tag_classes) — its canonical tag and that tag's aliases — or p
 * alone. Every tag filter of the views reads through it. */
#define REPLICA_TAG_IN(p)                                                                          \
    " IN (SELECT coalesce((SELECT canon FROM temp.tag_class WHERE alias = " p "), " p              \
    ") UNION ALL SELECT alias FROM temp.tag_class WHERE canon = coalesce((SELECT canon FROM"       \
    " temp.tag_class WHERE alias = " p "), " p "))"

#define REPLICA_IN_QTAG REPLICA_TAG_IN(":qtag")
#define REPLICA_IN_P1 REPLICA_TAG_IN("?1")
#define REPLICA_IN_P2 REPLICA_TAG_IN("?2")

/* The files SQLite keeps for one database: the database, -wal and -shm (replica_db.c). */
#define REPLICA_NFILES 3

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
    struct replica_work work;          /* what the views did (replica_work) */
    uint8_t (*verified)[ENTRY_ID_LEN]; /* replica_remember_verified: direct-mapped ids, or NULL */
    size_t verified_mask;              /* slots - 1 */
    struct replica_df *df;             /* replica_rank: kept phrase counts, ndf of them */
    size_t ndf;
    uint64_t df_clock;
    uint16_t *sizes;      /* replica_rank: each FTS row's tokens + 1 (0: not known), by rowid */
    size_t nsizes;        /* rowids below it have a slot */
    uint64_t sizes_epoch; /* replica_rank_rows_deleted's count they were read at */
    int rows_deleted;     /* replica_write: this transaction took rows out of the index */
};

/* replica_rank.c: BM25 with kept document frequencies (lore_rank, an FTS5 function). */
#define REPLICA_RANK_PHRASES 64           /* phrases of one MATCH text lore_rank takes counts for */
#define REPLICA_RANK_KEPT 256             /* phrase counts kept (least recently used go) */
#define REPLICA_RANK_SIZES_MAX (8u << 20) /* rowids whose row length is kept: 16 MiB at most */
struct replica_df;
/* One query's counts, for lore_rank(fts, ?, weights...) bound with sqlite3_bind_pointer (type
 * "lore_rank_df"); after the query, replica_rank_keep keeps what it counted. */
struct replica_rank_df {
    int n;                                    /* phrases, in the MATCH text's order */
    sqlite3_int64 df[REPLICA_RANK_PHRASES];   /* rows holding each; -1: unknown */
    sqlite3_int64 rows[REPLICA_RANK_PHRASES]; /* the index's rows when counted */
    int counted[REPLICA_RANK_PHRASES];        /* lore_rank set df and rows: keep them */
    struct replica_df *slot[REPLICA_RANK_PHRASES];
};
#define REPLICA_RANK_POINTER "lore_rank_df"
/* The rank column, bm25 weights title 10, body 1, tags 5: the counts bound as ?2. */
#define REPLICA_RANK_SQL "lore_rank(fts, ?2, 10.0, 1.0, 5.0)"
/* The FTS5 extension API of r's connection (version 2 or later), or NULL. */
fts5_api *replica_fts5_api(struct replica *r);
/* Add lore_rank to r's connection. Returns 0, or -1 with err. */
int replica_rank_register(struct replica *r, char *err, size_t errlen);
/* replica_search_query, with whole (may be NULL) telling whether the last bare word is whole
 * (replica_fts.c). */
int replica_fts_translate(const char *query, int any,
                          int (*whole)(void *ctx, const char *word, size_t len), void *whole_ctx,
                          struct buf *out, char *err, size_t errlen);
/* Rows left the full-text index (replica_write.c, after the transaction): every handle of the
 * process forgets the row sizes it kept, as a rowid may be used again. */
void replica_rank_rows_deleted(void);
/* The counts for the phrases of match (a MATCH text as replica_search_query writes it), from
 * those kept or counted now. Returns 0, or -1 if match is not such a text (lore_rank then counts
 * every phrase itself, as bm25() does). */
int replica_rank_prepare(struct replica *r, const struct buf *match, struct replica_rank_df *d);
/* The rows holding phrase (len bytes, quoted as in a MATCH text), kept or counted now; -1 if FTS5
 * refuses it alone. */
sqlite3_int64 replica_rank_count(struct replica *r, const char *phrase, size_t len);
/* The rows in the full-text index (FTS5's own count), or -1. */
sqlite3_int64 replica_rank_rows(struct replica *r);
/* Keep what lore_rank counted during the query d was bound to. */
void replica_rank_keep(struct replica *r, const struct replica_rank_df *d);
/* Forget every kept count (at close). */
void replica_rank_free(struct replica *r);

/* replica_snip.c: snippets made from a row's text, as snippet(fts, -1, open, close, '…', 16). */
struct replica_snip;
/* For match (a MATCH text as replica_search_query writes it) of plain words joined by AND and
 * OR, each one token; NULL for any other (FTS5's snippet() makes those). */
struct replica_snip *replica_snip_new(struct replica *r, const struct buf *match);
/* The snippet of row seq's title, body or tags (malloc'd), or NULL if the row is not there. */
char *replica_snip_row(struct replica_snip *s, sqlite3_int64 seq, const char *open,
                       const char *close);
void replica_snip_free(struct replica_snip **sp);

/* replica_db.c */
uint64_t replica_wall_ms(void);
/* Statement which of r, reset and unbound. */
sqlite3_stmt *replica_stmt(struct replica *r, enum replica_stmt which);
/* Tags joined by spaces, as the tags column and the FTS tags column hold them. */
void replica_tags_text(const struct entry *e, struct buf *b);
/* A statement failed: note why (r->fault), and say it in err. */
void replica_failed(struct replica *r, const char *what, char *err, size_t errlen);
/* Add what statement s did (its virtual-machine steps) to r->work; call before finalizing s. */
void replica_add_work(struct replica *r, sqlite3_stmt *s);

/* The smallest and largest 32-byte values (ids, keys) starting with hex_prefix (4 to 64 hex
 * digits, either case). Returns 0, or -1 if it is not such a prefix. */
int replica_prefix_range(const char *hex_prefix, uint8_t lo[ENTRY_ID_LEN],
                         uint8_t hi[ENTRY_ID_LEN]);
/* Step s to its end; on failure as replica_failed. */
int replica_step_done(struct replica *r, sqlite3_stmt *s, char *err, size_t errlen);

/* Remember id as verified (replica_remember_verified); is it remembered? */
void replica_verified_add(struct replica *r, const uint8_t id[ENTRY_ID_LEN]);
int replica_verified_has(const struct replica *r, const uint8_t *id, size_t idlen);

/* replica_read.c */
/* Decode the row s is on (columns as REPLICA_COLS) and check what is cheap: the bytes decode and
 * hash to the stored id, follow their kind's rules, agree with the columns, and the row is not
 * quarantined. The signature was checked when the row was stored (replica_row_verify checks it
 * again). NULL with the reason in why. */
struct entry *replica_row_entry(sqlite3_stmt *s, char *why, size_t whylen);
/* Everything replica_row_entry checks but the quarantine, and the signature. */
struct entry *replica_row_verify(sqlite3_stmt *s, char *why, size_t whylen);
/* Quarantine id (why it failed), or release it (why NULL). Returns 0 or -1. */
int replica_quarantine(struct replica *r, const uint8_t *id, size_t idlen, const char *why);
/* Log that the row s is on is corrupt and not served. */
void replica_log_corrupt(sqlite3_stmt *s, const char *why);

#endif
