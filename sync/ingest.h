/*
 * ingest: the pipeline that takes encoded entries from peers and stores them, off the event loop.
 *
 *   ingest_submit (loop thread) -> verify threads (entry_decode + kinds_verify, in parallel)
 *     -> one writer thread (replica_add_batch: many entries per transaction, own connection)
 *     -> results queue -> ingest_fd readable -> ingest_drain (loop thread) -> callback
 *
 * The loop thread never waits for SQLite or a signature check: ingest_submit copies the bytes
 * and takes a mutex for a few instructions; ingest_drain likewise. Memory is bounded: at most
 * max_queued entries (submitted, result not yet drained) and a byte cap are held; past either,
 * ingest_submit refuses, which is the caller's cue to stop reading from the peer until drained.
 *
 * Order: entries are verified in parallel and committed in batches, so they may be stored and
 * reported in any order (merging is order-independent). Every accepted submission gets exactly
 * one result. A meta value submitted with ingest_submit_meta is committed only together with or
 * after every entry submitted before it, which is what a bootstrap cursor needs.
 *
 * All functions are for one thread (the loop's); the pipeline's own threads are internal.
 */
#ifndef LORE_INGEST_H
#define LORE_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "replica.h"

#define INGEST_BATCH_MAX 256   /* entries per transaction at most */
#define INGEST_MAX_METAS 64    /* metas waiting to be committed at most */
#define INGEST_WHY_MAX 160     /* reason strings, NUL included */
#define INGEST_FAILURE_MAX 512 /* the storage failure's message, NUL included */

struct ingest;

enum ingest_result {
    INGEST_ADDED = 0,   /* stored */
    INGEST_EXISTS = 1,  /* already in the replica (or earlier in the same batch) */
    INGEST_INVALID = 2, /* undecodable, bad signature, broken kind rules: never stored */
    INGEST_FAILED = 3,  /* not stored: the pipeline stopped while its write was failing */
    INGEST_REFUSED = 4, /* valid, but the team does not admit it (its author is not a member) */
};

struct team;

/*
 * Start the pipeline on the replica file at db_path, through a connection of its own (opened and
 * migrated here, then used only by the writer thread). The node's connection keeps reading
 * concurrently (WAL); its writes wait at most one batch transaction (busy timeout 5 s).
 *   verify_threads  verify threads; <= 0 means one fewer than the online CPUs
 *                   (at least 1), leaving a core to the writer
 *   max_queued      entries held at most (submitted, result not yet drained), >= 1. The byte
 *                   cap is max(max_queued * 2 KiB, ENTRY_MAX_SIZE) of submitted bytes not yet
 *                   stored or rejected. Decoded entries hold a second copy, so memory for
 *                   entries stays under about twice the byte cap.
 * If a replica write fails (after SQLite's own busy wait: disk full, read-only, I/O error, the
 * file deleted...), the pipeline keeps the batch (entries and metas) and tries it again after
 * 100 ms, then twice as long each time up to 2 s, until it succeeds: nothing is resolved or lost
 * meanwhile, and what arrives waits behind it within max_queued. The counters say so (failing,
 * fault, since, retries); the log says it once, then at most once a minute, and once more when
 * writes work again. An idle writer also checks every second that the replica file is still
 * there (replica_file_check), so a deleted file shows before a write fails.
 * Returns NULL with a message in err.
 */
struct ingest *ingest_new(const char *db_path, int verify_threads, size_t max_queued, char *err,
                          size_t errlen);

/*
 * Stop the threads and free everything. Queued work is DROPPED: entries not yet verified or
 * waiting for the writer are discarded without a result, results not yet drained are discarded
 * without a callback, and uncommitted metas are lost. A batch transaction already running is
 * committed first (so this may wait for one batch, tens of ms). Accepts NULL and *inp == NULL;
 * sets *inp = NULL.
 */
void ingest_destroy(struct ingest **inp);

/*
 * Queue one encoded entry (len bytes, copied; bytes is not kept) from source (any number the
 * caller uses to tell peers apart; handed back with the result). Returns 0 when queued: the entry
 * will get exactly one result. Returns -1, queuing nothing, when max_queued entries or the byte
 * cap are already held: drain results and try again. Entries larger than ENTRY_MAX_SIZE are not
 * copied; they are queued and reported INGEST_INVALID.
 */
int ingest_submit(struct ingest *in, uint64_t source, const uint8_t *bytes, size_t len)
    __attribute__((warn_unused_result));

/*
 * Commit m (copied) in the same transaction as the last of the entries submitted before this
 * call to reach the replica, or in a transaction of its own after them if they are all resolved
 * already (e.g. all invalid). Metas are committed in the order submitted. Returns 0, or -1 if
 * INGEST_MAX_METAS are already waiting or m breaks the replica's meta limits (logged).
 */
int ingest_submit_meta(struct ingest *in, const struct replica_meta *m)
    __attribute__((warn_unused_result));

/*
 * From now on store only what team admits (team_admits): team entries of our team, and entries
 * whose author is a member at their created time; the rest is INGEST_REFUSED. Team entries are
 * fed to the team state on the writer thread before the other entries of their batch are judged
 * (a certificate admits its author's entries that travel with it), and the entries a revocation
 * takes away are purged after the batch commits. team is borrowed and must outlive the pipeline;
 * NULL admits everything (a node in no team). Call before submitting.
 */
void ingest_set_team(struct ingest *in, struct team *team);

/* An eventfd, readable while results are waiting for ingest_drain. Owned by the pipeline. */
int ingest_fd(const struct ingest *in);

/* One finished entry. id is NULL if the bytes did not decode; e is the verified entry for ADDED,
 * EXISTS and REFUSED, else NULL; why is NULL for ADDED and EXISTS, else the reason. All are
 * borrowed for the call. The callback may call ingest_submit. */
typedef void (*ingest_result_fn)(void *ctx, uint64_t source, const uint8_t *id,
                                 const struct entry *e, enum ingest_result result, const char *why);

/* Call fn for every result waiting, on the caller's thread, and clear ingest_fd's readiness.
 * Returns how many. */
size_t ingest_drain(struct ingest *in, ingest_result_fn fn, void *ctx);

struct ingest_counters {
    uint64_t submitted;  /* accepted by ingest_submit */
    uint64_t added;      /* results so far, drained or not, by kind */
    uint64_t duplicates; /* INGEST_EXISTS */
    uint64_t invalid;
    uint64_t failed;
    uint64_t refused;         /* INGEST_REFUSED */
    uint64_t purged;          /* entries removed because their author was revoked */
    uint64_t retractions;     /* retractions stored (their targets leave the replica) */
    uint64_t batches;         /* transactions committed */
    uint64_t metas_committed; /* metas written */
    uint64_t metas_dropped;   /* metas lost (the pipeline stopped while storage failed) */
    size_t queued;            /* entries submitted whose result is not yet drained */
    size_t bytes_queued;      /* submitted bytes not yet stored or rejected */
    /* Storage: see ingest_new. While failing, fault and failure say why. */
    int failing;                      /* the last write failed; it is being tried again */
    enum replica_fault fault;         /* why (REPLICA_FAULT_NONE when not failing) */
    char failure[INGEST_FAILURE_MAX]; /* the last failure's message */
    uint64_t failing_since_ms;        /* wall clock, ms since the epoch */
    uint64_t retries;                 /* failed attempts since then */
    uint64_t storage_failures;        /* times storage started failing, in total */
    /* Memory: after INGEST_RELEASE_IDLE_MS without work following a write, the writer gives back
     * its connection's page cache and the heap's free memory (malloc_trim). */
    uint64_t releases;  /* times it did */
    size_t cache_bytes; /* the writer connection's page cache after the last release */
};

/* A consistent snapshot of the counters. */
void ingest_get_counters(struct ingest *in, struct ingest_counters *out);

/* Wait until every submitted entry has its result queued (drained or not) and every meta is
 * committed or dropped. For tests and benchmarks. Returns 0, or -1 after timeout_ms. */
int ingest_wait_idle(struct ingest *in, int timeout_ms) __attribute__((warn_unused_result));

#endif
