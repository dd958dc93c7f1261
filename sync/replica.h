/*
 * replica: this node's full copy of the team's entries, in one SQLite file (WAL mode).
 *
 * Each entry is kept as its exact signed bytes (so it can be re-sent byte for byte) plus decoded
 * columns for queries, and indexed for full-text search (FTS5 over title, body and tags; bm25).
 * Merging verifies the encoding, id and signature, then inserts if absent: idempotent and
 * independent of arrival order. Everything served is decoded from the stored bytes and verified
 * again, so a row tampered with in the file is reported, never served as valid.
 * The schema is versioned with PRAGMA user_version and migrated forward on open.
 * A replica (one SQLite connection) is used by one thread at a time. Several replicas may be open
 * on the same file, in one process or several: readers never wait (WAL); writers take turns, in
 * arrival order among the replicas of one process (so a write waits for at most the transaction
 * in progress), and through SQLite's busy timeout (5 s) across processes.
 */
#ifndef LORE_REPLICA_H
#define LORE_REPLICA_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "entry.h"

#define REPLICA_SCHEMA_VERSION 9

struct replica;

/* Open (creating if needed) the replica at path. cache_mb sizes SQLite's page cache (0 = default).
 * Returns NULL with a message in err, e.g. for a file from a newer lore. */
struct replica *replica_open(const char *path, int cache_mb, char *err, size_t errlen);
void replica_close(struct replica **rp);

enum replica_merge_result {
    REPLICA_ERROR = -1, /* invalid entry or storage failure; message in err */
    REPLICA_EXISTS = 0, /* already had it */
    REPLICA_ADDED = 1,
};

/* Remember (in memory, about `slots` of them, rounded up to a power of two) the ids of the entries
 * this handle stores: they were verified (or signed by us) just before, by contract of
 * replica_add_batch. Serving one of them to a peer (replica_raw) then checks what is cheap — the
 * stored bytes hash to that id, decode, follow their kind's rules — and not the signature again:
 * bytes that hash to an id verified in this process are the bytes that were verified. An author
 * serving its own fresh bulk (post_batch, then the peer's fetch) paid a verification per entry
 * (twice the cost of signing it). Anything else is verified in full as before. */
void replica_remember_verified(struct replica *r, size_t slots);

/* Verify and store one encoded entry. On success id_out (may be NULL) receives its id. */
enum replica_merge_result replica_merge(struct replica *r, const uint8_t *bytes, size_t len,
                                        uint8_t id_out[ENTRY_ID_LEN], char *err, size_t errlen);

/* Delete every entry by author created after after_ms (a revoked member's), except team entries,
 * with their index rows, in one transaction. Returns how many, or -1 with a message in err. */
long long replica_purge_author(struct replica *r, const uint8_t author[ENTRY_KEY_LEN],
                               uint64_t after_ms, char *err, size_t errlen);

/* Store an entry already created and verified locally (entry_create). Same as
 * replica_add_batch with one entry. */
enum replica_merge_result replica_add(struct replica *r, const struct entry *e, char *err,
                                      size_t errlen);

/*
 * meta: a small key-value table for the node's own bookkeeping (e.g. a bootstrap cursor). Not
 * synchronised. Keys are 1 to REPLICA_META_KEY_MAX bytes of text; values are text or blobs of at
 * most REPLICA_META_VALUE_MAX bytes.
 */
#define REPLICA_META_KEY_MAX 128
#define REPLICA_META_VALUE_MAX 4096

/* One meta write. All pointers are borrowed for the call. */
struct replica_meta {
    const char *key;   /* NUL-terminated */
    const void *value; /* len bytes; NULL deletes the key */
    size_t len;
    int text; /* 1: store as TEXT (value is UTF-8), 0: as a BLOB */
};

/*
 * Store entries that are ALREADY decoded and verified (kinds_verify) in one transaction, and
 * write the meta values (may be NULL/0) in that same transaction, after the entries: either all
 * of it is committed or nothing is.
 *   entries  n entries, borrowed; n may be 0 (then only the meta is written)
 *   results  OUT: n results, REPLICA_ADDED or REPLICA_EXISTS (an id twice in one batch: the
 *            second is REPLICA_EXISTS), or all REPLICA_ERROR when -1 is returned; may be NULL
 *   meta     nmeta writes, applied in order
 * Returns 0 when committed, or -1 with a message in err (rolled back, nothing stored; why in
 * replica_last_fault). A commit into a file deleted meanwhile (replica_file_check) returns -1.
 */
int replica_add_batch(struct replica *r, const struct entry *const *entries, size_t n,
                      enum replica_merge_result *results, const struct replica_meta *meta,
                      size_t nmeta, char *err, size_t errlen) __attribute__((warn_unused_result));

/* Why a write failed (replica_last_fault), in classes a person can act on. */
enum replica_fault {
    REPLICA_FAULT_NONE = 0,
    REPLICA_FAULT_FULL,     /* "disk full": SQLITE_FULL or ENOSPC */
    REPLICA_FAULT_QUOTA,    /* "disk quota exceeded": EDQUOT */
    REPLICA_FAULT_READONLY, /* "read-only file system": SQLITE_READONLY or EROFS */
    REPLICA_FAULT_IO,       /* "I/O error": any other SQLITE_IOERR */
    REPLICA_FAULT_GONE,     /* the file (or its -wal or -shm) was deleted or replaced */
    REPLICA_FAULT_OTHER,    /* anything else (busy past the timeout, a corrupt file...) */
};

/* Why the last write through r (replica_add_batch, replica_add, replica_meta_set,
 * replica_purge_author) failed; REPLICA_FAULT_NONE if it succeeded. */
enum replica_fault replica_last_fault(const struct replica *r);

/* A few words for people: "disk full", "read-only file system"... Static storage. */
const char *replica_fault_text(enum replica_fault f);

/*
 * Are the files r was opened on (the database and, in WAL mode, its -wal and -shm) still the ones
 * at their paths (same device and inode)? Returns 0 if so; -1 if one was deleted or replaced,
 * with err saying which and to restart the node, and replica_last_fault then REPLICA_FAULT_GONE.
 * Every write checks this before it begins and after it commits, so a write into a file that is
 * gone is reported as failed, never acknowledged. Reads go on from the open files.
 */
int replica_file_check(struct replica *r, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Give back what r's connection holds and does not need (its page cache: sqlite3_db_release_memory)
 * and return the bytes its page cache still holds. For an idle connection after a big write or
 * read. */
size_t replica_release_memory(struct replica *r);

/* A read transaction around many reads (e.g. the views of a batch's entries): one snapshot and
 * one set of file locks instead of one per statement. Returns 1 if it began one (pass that to
 * replica_read_end), 0 if a transaction was already open or none could begin (the reads then run
 * as they would without). Nothing may be written in between. */
int replica_read_begin(struct replica *r);
void replica_read_end(struct replica *r, int began);

enum replica_lookup {
    REPLICA_FOUND = 0,
    REPLICA_NOT_FOUND = 1,
    REPLICA_AMBIGUOUS = 2,
    REPLICA_CORRUPT = 3, /* stored bytes fail decoding, id or signature check */
    REPLICA_FAILED = -1, /* storage error */
};

/* Write one meta value (its own transaction). Returns 0, or -1 with a message in err. */
int replica_meta_set(struct replica *r, const struct replica_meta *m, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Read the meta value of key. On REPLICA_FOUND *value is a new buffer of *len bytes plus a NUL
 * (so text can be used as a string), which the caller frees; *text (may be NULL) says whether it
 * was stored as text. REPLICA_NOT_FOUND if absent, REPLICA_CORRUPT if the stored value breaks the
 * limits, REPLICA_FAILED on storage error (message in err). */
enum replica_lookup replica_meta_get(struct replica *r, const char *key, uint8_t **value,
                                     size_t *len, int *text, char *err, size_t errlen);

#define REPLICA_MIN_PREFIX 4

/* Find the one id starting with the hex prefix (4 to 64 digits). On REPLICA_AMBIGUOUS, up to
 * max_candidates matching ids go to candidates (may be NULL) and their number to *ncandidates. */
enum replica_lookup replica_resolve(struct replica *r, const char *hex_prefix,
                                    uint8_t id[ENTRY_ID_LEN], uint8_t (*candidates)[ENTRY_ID_LEN],
                                    size_t max_candidates, size_t *ncandidates);

/* Load one entry, with the cheap checks of a read (see replica_list); REPLICA_CORRUPT if they fail
 * or it is quarantined. On REPLICA_FOUND *out is a new entry the caller destroys. */
enum replica_lookup replica_get(struct replica *r, const uint8_t id[ENTRY_ID_LEN],
                                struct entry **out, char *err, size_t errlen);

/* Question status filters (replica_query.status). */
enum replica_status {
    REPLICA_STATUS_ANY = 0,
    REPLICA_STATUS_OPEN = 1,     /* no answer yet */
    REPLICA_STATUS_ANSWERED = 2, /* answers, none accepted by the asker */
    REPLICA_STATUS_RESOLVED = 3, /* the asker accepted an answer */
};

#define REPLICA_MAX_NOT_IDS 2000
#define REPLICA_MAX_TITLES 500 /* replica_query.titles */

/* Filters for list and search; zero values mean "any". kind 0 means the content kinds
 * (question, answer, note, comment).
 *
^ * Revisions: an entry's current version is its author's latest revision (kind 9, by effective_ms
 * then id) or, with none, the entry itself. The tag filter looks at the current version's tags,
 * and search matches the current version's text (a hit on it stands for the entry, which is what
 * the row function gets; the snippet comes from the version that matched). Retracted entries are
 * not stored (tombstones), so no query returns them. */
struct replica_query {
    uint16_t kind;
    const char *tag;
    const uint8_t *author; /* ENTRY_KEY_LEN bytes */
    const uint8_t *ref;    /* entries referencing this id */
    int open_only;         /* questions with no answer yet */
    uint64_t since_ms;     /* effective at or after */
    size_t limit;          /* 0 = 50 */
    size_t offset;
    int oldest_first; /* list order; default newest first */
    int any_word;     /* search: entries with any of the words (best first), not all of them */
    enum replica_status status;         /* questions with this status (ANY: no filter) */
    const uint8_t (*ids)[ENTRY_ID_LEN]; /* only these entries (NULL: any); nids of them */
    size_t nids;
    /* never these (NULL: none); nnot_ids of them, at most REPLICA_MAX_NOT_IDS (more are not
     * excluded) */
    const uint8_t (*not_ids)[ENTRY_ID_LEN];
    size_t nnot_ids;
    /* only entries that may concern this person (ENTRY_KEY_LEN bytes; NULL: any): by someone
     * else, and referring to an entry of theirs or with an '@' in the title or body */
    const uint8_t *concerning;
    int urgent_only; /* urgent questions (attribute urgent = 1): read through their own index */
    /* search: when the filters leave the page short among the newest and title matches, do not
     * walk every match for more (a view that only needs the best evidence, e.g. who_knows) */
    int bounded;
    /* only content whose current version's title is exactly one of these (NULL: any); ntitles of
     * them, 1 to REPLICA_MAX_TITLES (more are not looked at), each a non-empty string: found
     * through the title index (entries titled so, and the entries revisions titled so revise),
     * in proportion to the matches, not the replica (lore import's duplicate check) */
    const char *const *titles;
    size_t ntitles;
};

/* One result. e and snippet are borrowed for the call. snippet is NULL for list. rank: lower is
 * better (bm25), 0 for list. Return non-zero to stop. */
typedef int (*replica_row_fn)(void *ctx, const struct entry *e, const char *snippet, double rank);

/* What the views did since the replica was opened: rows read and checked (lists, replica_get) and
 * SQLite virtual-machine steps of the list and statistics queries. Tests bound it to show a view
 * reads what it returns, not the whole replica (speed itself is never asserted). */
struct replica_work {
    uint64_t rows, steps;
    uint64_t verifies; /* signatures checked to serve a peer (replica_raw) */
    uint64_t changes;  /* rows written, the search index's own included (sqlite3_total_changes) */
};
void replica_work(const struct replica *r, struct replica_work *w);

/* Newest first. Rows that fail the cheap checks of a read (the bytes decode, hash to their id and
 * agree with the columns; the signature was checked when they were stored) or are quarantined
 * (replica_check) are skipped, logged and counted in *corrupt (may be NULL). Returns 0, or -1 on
 * storage error. */
int replica_list(struct replica *r, const struct replica_query *q, replica_row_fn fn, void *ctx,
                 size_t *corrupt) __attribute__((warn_unused_result));

/* Translate a search query (the grammar of docs/API.md, search: words, "phrases", OR, NOT or
 * -word, word*, parentheses; juxtaposed terms all match, or any of them with any) into an FTS5
 * query in out (initialised here; the caller frees it), every word quoted. Returns 0, or -1 with
 * err saying what is wrong and at which character (1-based byte offset); out is then empty. */
int replica_search_query(const char *query, int any, struct buf *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The last bare word of a query also matches as a prefix, so results appear while it is typed;
 * once it is a whole word — found in at least this many entries — it matches as typed (the
 * stemmer already matches its other forms: rotate, rotated, rotating), which spares FTS5 merging
 * the rows of every word it begins. */
#define REPLICA_WHOLE_WORD_MIN 20

/* replica_search_query as search runs it on r: the last bare word matches as a prefix only while
 * it is not a whole word in r (REPLICA_WHOLE_WORD_MIN). */
int replica_search_match(struct replica *r, const char *query, int any, struct buf *out, char *err,
                         size_t errlen) __attribute__((warn_unused_result));

/* As replica_list, but rows are only decoded (their id checked), not verified: to choose among
 * many rows by their fields (e.g. an attribute) before reading the few kept with replica_get,
 * which verifies. */
int replica_list_heads(struct replica *r, const struct replica_query *q, replica_row_fn fn,
                       void *ctx) __attribute__((warn_unused_result));

/* Full-text search, best first. The query is read by replica_search_query; a query it cannot
 * read is an error. hl_open/hl_close wrap matches in the snippet (NULL = "**"). Returns 0, or -1
 * with a message in err. */
int replica_search(struct replica *r, const char *query, const struct replica_query *q,
                   const char *hl_open, const char *hl_close, replica_row_fn fn, void *ctx,
                   size_t *corrupt, char *err, size_t errlen) __attribute__((warn_unused_result));

/* What re-ranks a search result (docs/API.md, search), read from the rows verified when stored. */
struct replica_signals {
    int accepted;        /* an answer its question's asker accepted (the earliest such) */
    long long net_votes; /* up minus down, the latest vote per author, not the entry's author's */
    long long verified;  /* authors whose latest flag is verified */
    long long obsolete;  /* ... obsolete */
};

/* Re-ranking: the best bm25 matches down to extra beyond the page get boost(ctx, signals);
 * rank = bm25 x boost orders them, and the page is cut from that order. */
struct replica_rank {
    size_t extra;
    double (*boost)(void *ctx, const struct replica_signals *s);
    void *ctx;
};

/* One ranked result: e and snippet borrowed for the call; rank = bm25 x boost. Return non-zero to
 * stop. */
typedef int (*replica_hit_fn)(void *ctx, const struct entry *e, const char *snippet, double bm25,
                              double boost);

/* replica_search, re-ranked by rk (NULL: by bm25 alone, boost 1). Only the rows of the page
 * (q->offset, q->limit) are loaded and passed to fn. Returns 0, or -1 with a message in err. */
int replica_search_ranked(struct replica *r, const char *query, const struct replica_query *q,
                          const struct replica_rank *rk, const char *hl_open, const char *hl_close,
                          replica_hit_fn fn, void *ctx, size_t *corrupt, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Number of entries that reference id with the given kind (0 = any). -1 on error. */
long long replica_count_refs(struct replica *r, const uint8_t id[ENTRY_ID_LEN], uint16_t kind);

/* The accepted answer of a question: the earliest answer to question that asker accepted (only
 * the asker's accepts count). Returns 1 with its id in answer, 0 if none, -1 on error. */
int replica_accepted(struct replica *r, const uint8_t question[ENTRY_ID_LEN],
                     const uint8_t asker[ENTRY_KEY_LEN], uint8_t answer[ENTRY_ID_LEN]);

/* Every distinct tag on entries of kind by author (e.g. a person's declared skills). fn returns
 * non-zero to stop. Returns 0 or -1. */
typedef int (*replica_tag_fn)(void *ctx, const char *tag);
int replica_tags_of(struct replica *r, const uint8_t author[ENTRY_KEY_LEN], uint16_t kind,
                    replica_tag_fn fn, void *ctx) __attribute__((warn_unused_result));

/* Tags in use on questions and notes that start with prefix ("" for all): each with how many
 * such entries carry it, the most used first (then by tag), at most limit. fn returns non-zero
 * to stop. Returns 0 or -1. */
typedef int (*replica_tag_count_fn)(void *ctx, const char *tag, long long count);
int replica_tag_counts(struct replica *r, const char *prefix, size_t limit, replica_tag_count_fn fn,
                       void *ctx) __attribute__((warn_unused_result));

/* What tells whether the entries of kind the views show changed (one came, was purged or came
 * into view): their count and largest row number into stamp. Returns 0, or -1 (logged). */
int replica_kind_stamp(struct replica *r, uint16_t kind, uint64_t stamp[2])
    __attribute__((warn_unused_result));

/* How many entries carry tag (exactly; every kind and version: a count of the tags index), at
 * most cap, or -1. */
long long replica_tag_count(struct replica *r, const char *tag, size_t cap);

/* What a word says about tags: of the content holding word (one word, as a person typed it: the
 * full-text index's tokeniser reads it), the newest sample questions, answers, notes and comments
 * (by rowid, a bounded read whatever the replica), each giving fn(ctx, tag, 1) for each tag of
 * its own, or for an answer or comment the tags of the entry it refers to. *df: the rows of the
 * index holding the word (the search's kept count), *rows: the rows of the index, *sampled: the
 * entries read (tagged or not); -1 each when unknown. A word in no row or in half the rows or more
 * (its idf, log((rows - df + 0.5) / (df + 0.5)), 0 or less: it tells nothing) is counted, not
 * read. fn returns non-zero to stop. Returns 0 or -1. */
int replica_word_tags(struct replica *r, const char *word, size_t sample, long long *df,
                      long long *rows, long long *sampled, replica_tag_count_fn fn, void *ctx)
    __attribute__((warn_unused_result));

/* The tags found beside tag on its newest sample questions and notes: fn(ctx, other, 1) for
 * each other tag of each of those entries (the caller sums). fn returns non-zero to stop.
 * Returns 0 or -1. */
int replica_tag_beside(struct replica *r, const char *tag, size_t sample, replica_tag_count_fn fn,
                       void *ctx) __attribute__((warn_unused_result));

/* For statistics: every question created at or after since_ms (and tagged tag, if not NULL),
 * with the time of its first answer and of the asker's first accept (0 when none), and its tags
 * (space-separated). Reads the decoded columns (no verification: `lore check` covers the file).
 * fn returns non-zero to stop. Returns 0 or -1. */
typedef int (*replica_question_fn)(void *ctx, uint64_t created_ms, uint64_t first_answer_ms,
                                   uint64_t accepted_ms, const char *tags);
int replica_question_times(struct replica *r, uint64_t since_ms, const char *tag,
                           replica_question_fn fn, void *ctx) __attribute__((warn_unused_result));

/* For statistics: authors of answers created at or after since_ms, most answers first (at most
 * limit). fn gets the 32-byte key and the count. Returns 0 or -1. */
typedef int (*replica_helper_fn)(void *ctx, const uint8_t *author, long long answers);
int replica_top_answerers(struct replica *r, uint64_t since_ms, const char *tag, size_t limit,
                          replica_helper_fn fn, void *ctx) __attribute__((warn_unused_result));

/* For the needs map: every question in view with its tags, first answer and answerers, read from
 * the indexes alone (no entry row: reading each question's row cost ~0.3 s at 100,000 entries).
 * From the entries alone, like replica_question_times: every node holding the same entries reads
 * the same. A new object (the caller destroys it), or NULL on storage error. */
struct replica_asked;
struct replica_asked *replica_asked_read(struct replica *r);
/* Each (question, tag it carries) pair, a question's tags together: fn(ctx, the question's index
 * (0 to the number of questions - 1), tag, its effective time, its first answer's or 0 when none),
 * as replica_question_times gives them. Tags are the stored ones (no synonym applied). fn returns
 * non-zero to stop. Returns 0. */
typedef int (*replica_asked_fn)(void *ctx, size_t question, const char *tag, uint64_t created_ms,
                                uint64_t first_answer_ms);
int replica_asked_foreach(const struct replica_asked *a, replica_asked_fn fn, void *ctx);
/* How many people answered a question carrying one of the ntags tags (its own tags: a class is
 * given whole) that they did not ask: distinct authors of such answers, both in view. */
long long replica_asked_answerers(const struct replica_asked *a, const char *const *tags,
                                  size_t ntags);
void replica_asked_destroy(struct replica_asked **pa);

/* A person by display name (case-insensitive, from profiles) or by key prefix (>= 4 hex digits).
 * REPLICA_FOUND with the key, REPLICA_NOT_FOUND, REPLICA_AMBIGUOUS, or REPLICA_FAILED. */
enum replica_lookup replica_find_person(struct replica *r, const char *who,
                                        uint8_t key[ENTRY_KEY_LEN]);

/*
 * Time (docs/PROTOCOL.md, "Time"). An entry's effective time is the latest created_ms of itself
 * and of every entry it references, directly or not, that is stored here: a reference never
 * counts before what it references. Every view (list, search, counts, stats, names, id lookup)
 * orders and filters by it and leaves out entries effective after the view horizon: held back
 * until their time comes. replica_get and the raw sync functions see everything.
 */

/* The view horizon: set by the node to the team's clock plus ENTRY_CLOCK_TOLERANCE_MS; 0 (the
 * default) means this machine's clock plus the tolerance, read at each query. */
void replica_set_horizon(struct replica *r, uint64_t horizon_ms);
uint64_t replica_view_horizon(const struct replica *r);

/*
 * Tag synonyms (docs/PROTOCOL.md, "Tag synonyms"): n (alias, canonical) pairs, borrowed for the
 * call, replace this handle's (none at open). From then on every tag filter of the views — list's
 * and search's tag, replica_tag_count, replica_tag_beside, replica_question_times,
 * replica_top_answerers — stands for the tag's class: its canonical tag (itself when it is no
 * alias) and every alias of that. The caller decides the pairs (no chains: a canonical tag is
 * never an alias). Kept in memory for this connection only. Returns 0, or -1 (logged; the pairs
 * before are kept).
 */
int replica_set_tag_classes(struct replica *r, const char *const (*pairs)[2], size_t n)
    __attribute__((warn_unused_result));

struct replica_entry_times {
    uint64_t created_ms;    /* as signed */
    uint64_t effective_ms;  /* the latest of its own and its targets' (the same on every node) */
    uint64_t received_ms;   /* when this node stored it (its own clock: per node) */
    uint64_t recognized_ms; /* max(effective, received): when recognition (votes, thanks,
                               endorsements, accepts) counts here, never before it arrived */
};

/* The times of one stored entry: REPLICA_FOUND, REPLICA_NOT_FOUND or REPLICA_FAILED. */
enum replica_lookup replica_times(struct replica *r, const uint8_t id[ENTRY_ID_LEN],
                                  struct replica_entry_times *t);

/* The latest created_ms of the entries of kind (all of them, whatever the horizon; 0 if none).
 * Returns 0 or -1. */
int replica_newest_created(struct replica *r, uint16_t kind, uint64_t *created_ms)
    __attribute__((warn_unused_result));

/* Total entries stored, -1 on error. */
long long replica_count(struct replica *r);

/* The newest profile entry's title for author, copied into name (NUL-terminated), or -1 if none. */
int replica_author_name(struct replica *r, const uint8_t author[ENTRY_KEY_LEN], char *name,
                        size_t namelen) __attribute__((warn_unused_result));

struct replica_check {
    uint64_t entries;    /* rows examined */
    uint64_t bad;        /* rows failing any check */
    uint64_t bad_decode; /* stored bytes are not a valid encoding */
    uint64_t bad_id;     /* stored id is not the hash of the bytes */
    uint64_t bad_signature;
    uint64_t bad_columns; /* decoded columns disagree with the bytes */
    int integrity_ok;     /* PRAGMA integrity_check said ok */
};

/* Called for each bad row with its stored id (32 bytes, or fewer if that is damaged too). */
typedef void (*replica_bad_fn)(void *ctx, const uint8_t *id, size_t idlen, const char *why);

/* Verify every stored entry (the signature too) and SQLite's own integrity. Rows that fail are
 * quarantined: no view shows them and sync never sends them; a quarantined row that verifies
 * again is released. Returns 0 when the check ran (look at the report), -1 on storage error. */
int replica_check(struct replica *r, struct replica_check *report, replica_bad_fn fn, void *ctx)
    __attribute__((warn_unused_result));

/* One step of a resumable check: verify at most max entries after *after_seq (storage order; 0
 * starts from the first), quarantining or releasing as replica_check does, adding to report (not
 * cleared) and moving *after_seq past them. No integrity pragma. Returns how many were examined
 * (0: the end was reached), or -1 on storage error. */
long replica_check_some(struct replica *r, int64_t *after_seq, size_t max,
                        struct replica_check *report, replica_bad_fn fn, void *ctx);

/* How many entries are quarantined, or -1 on error. */
long long replica_quarantined(struct replica *r);

/* ---- raw access for sync ---- */

/* The stored bytes of one entry (a new buffer the caller frees) and its creation time (may be
 * NULL), fully verified (signature included) since they leave for a peer. REPLICA_FOUND,
 * REPLICA_NOT_FOUND, REPLICA_CORRUPT (quarantined, or it fails now: then it is quarantined and
 * logged) or REPLICA_FAILED. */
enum replica_lookup replica_raw(struct replica *r, const uint8_t id[ENTRY_ID_LEN], uint8_t **bytes,
                                size_t *len, uint64_t *created_ms);

/* 1 if the replica holds id (or its tombstone: see replica_tombstoned), 0 if not, -1 on error. */
int replica_has(struct replica *r, const uint8_t id[ENTRY_ID_LEN]);

/*
 * Retractions (kind 10): a retraction by the author of a content entry (question, answer, note,
 * comment) replaces that entry, and the author's revisions of it, by tombstones (id, created_ms,
 * author) as it is stored, or as the entry arrives if the retraction came first (the merge then
 * says REPLICA_EXISTS: it is held, as a tombstone). A tombstoned id is never stored again, counts
 * as held (replica_has), is never served (replica_raw, replica_get say not found), and is in no
 * reconciliation set (replica_keys), so sets converge once the retraction has spread. The
 * retraction itself stays and spreads.
 */

/* 1 if id is tombstoned (author, may be NULL, gets who retracted it), 0 if not, -1 on error. */
int replica_tombstoned(struct replica *r, const uint8_t id[ENTRY_ID_LEN],
                       uint8_t author[ENTRY_KEY_LEN]);

/* The one tombstoned id starting with the hex prefix (4 to 64 digits), as replica_resolve. */
enum replica_lookup replica_tombstone_find(struct replica *r, const char *hex_prefix,
                                           uint8_t id[ENTRY_ID_LEN]);

/* One entry of a scan; raw and id are borrowed for the call. Return non-zero to stop (that row
 * does not count). */
typedef int (*replica_scan_fn)(void *ctx, uint64_t created_ms, const uint8_t *id,
                               const uint8_t *raw, size_t len);

/* Entries after (after_ts, after_id) in (created_ms, id) order, at most max, for a bootstrap
 * stream: each checked as reads are (decodes, hashes to its id, agrees with its columns; the
 * receiver verifies signatures), quarantined rows and rows failing now (then quarantined and
 * logged) skipped. Returns how many fn accepted, or -1 on error. */
long replica_scan(struct replica *r, uint64_t after_ts, const uint8_t after_id[ENTRY_ID_LEN],
                  size_t max, replica_scan_fn fn, void *ctx);

/* How many entries, and bytes, come after (after_ts, after_id). Returns 0 or -1. */
int replica_count_after(struct replica *r, uint64_t after_ts, const uint8_t after_id[ENTRY_ID_LEN],
                        uint64_t *n, uint64_t *bytes) __attribute__((warn_unused_result));

/* Every (created_ms, id) stored (not tombstones), in no order. fn returns non-zero to fail.
 * Returns 0 or -1. */
typedef int (*replica_key_fn)(void *ctx, uint64_t created_ms, const uint8_t *id);
int replica_keys(struct replica *r, replica_key_fn fn, void *ctx)
    __attribute__((warn_unused_result));

/* The same for entries created in (after_ms, until_ms]: sync holds back later ones. */
int replica_keys_between(struct replica *r, uint64_t after_ms, uint64_t until_ms, replica_key_fn fn,
                         void *ctx) __attribute__((warn_unused_result));

#endif
