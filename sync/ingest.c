#include "ingest.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "errmsg.h"
#include "hex.h"
#include "kinds.h"
#include "log.h"
#include "team.h"
#include "xmalloc.h"

/* How long the writer waits for more verified entries to fill a batch, while some are still
 * being verified: short, so one gossiped entry is stored within about a millisecond. */
#define INGEST_FILL_WAIT_NS 1000000L
#define INGEST_BYTES_PER_SLOT 2048
/* Verified entries waiting for the writer, at most. The writer (SQLite + FTS5) is usually the
 * slower stage; verifying further ahead would only take CPU from it. */
#define INGEST_VERIFY_AHEAD (2 * INGEST_BATCH_MAX)
/* Batches are sized so a transaction lasts about this long: another writer in this process (the
 * loop posting an entry) waits for at most one. */
#define INGEST_TX_TARGET_US 20000.0
#define INGEST_BATCH_MIN 16
/* A failed write is tried again after 100 ms, then twice as long each time, up to 2 s: a failed
 * attempt costs one transaction, and space that comes back is used within 2 s. */
#define INGEST_RETRY_FIRST_MS 100
#define INGEST_RETRY_MAX_MS 2000
/* While storage fails, one log line a minute at most. */
#define INGEST_FAIL_LOG_MS 60000
/* How often an idle writer checks that the replica file is still there. */
#define INGEST_PROBE_MS 1000
/* After a write, an idle writer gives memory back after this long (ingest_counters.releases). */
#define INGEST_RELEASE_IDLE_MS 2000
/* The writer connection's page cache: a bootstrap's batches touch the tables' and the FTS index's
 * newest pages; more cache bought little speed and held tens of MiB until the node stopped. */
#define INGEST_CACHE_MB 8
/* The pipeline's threads run this much nicer than the thread that made the pipeline (the node's
 * loop): with a verify thread per spare core and the writer, a bootstrap keeps every core busy,
 * and the loop's API replies and links must not queue behind it. */
#define INGEST_NICE 5
/* Purges (of a revoked member's entries) that failed and wait to be tried again, at most. */
#define INGEST_MAX_PURGES 64

/* One submitted entry, from ingest_submit to ingest_drain. Owned by whichever queue or thread
 * holds it. */
struct ingest_job {
    struct ingest_job *next;
    uint64_t source;
    uint64_t seq;   /* submission number */
    uint8_t *bytes; /* the submitted copy, until decoded; NULL if too large to copy */
    size_t len;
    size_t charge;   /* bytes counted against the byte cap until resolved */
    struct entry *e; /* decoded and verified, until stored */
    int has_id;
    uint8_t id[ENTRY_ID_LEN];
    enum ingest_result result;
    char why[INGEST_WHY_MAX];
};

struct ingest_queue {
    struct ingest_job *head, *tail;
    size_t n;
};

/* A meta waiting for the entries submitted before it. */
struct ingest_meta {
    struct ingest_meta *next;
    uint64_t after;    /* covers the entries with seq < after */
    size_t unresolved; /* of those, how many are neither rejected nor taken by the writer */
    char *key;
    uint8_t *value; /* NULL: delete */
    size_t len;
    int text;
};

struct ingest {
    pthread_mutex_t mu;
    pthread_cond_t cv_input;    /* verify threads: input or stop */
    pthread_cond_t cv_verified; /* writer: verified entries, a ready meta, or stop */
    pthread_cond_t cv_idle;     /* ingest_wait_idle */
    /* Everything below is guarded by mu, except where noted. */
    struct ingest_queue input, verified, results;
    struct ingest_meta *metas, *metas_tail; /* in submission order */
    size_t nmetas;
    size_t unresolved;  /* submitted entries without a result yet */
    size_t unaccounted; /* submitted entries neither rejected nor taken by the writer */
    size_t verifying;   /* entries held by verify threads */
    int writer_busy;    /* a batch is between take and resolve */
    uint64_t next_seq;
    size_t max_queued, max_bytes;
    struct ingest_counters c;
    int stop;
    int efd;                                      /* immutable after ingest_new */
    struct replica *replica;                      /* the writer thread's only */
    struct team *team;                            /* set before use; read by the writer */
    uint64_t fail_logged_ms, fail_logged_retries; /* monotonic; retries when last logged */
    struct team_purge purges[INGEST_MAX_PURGES];  /* the writer thread's only: failed, to retry */
    size_t npurges;
    pthread_t writer;
    pthread_t *verifiers;
    int nverifiers, started_verifiers, started_writer;
    int mu_ok, ncv; /* how many of mu and the condition variables exist */
};

#define INGEST_NCV 3

static pthread_cond_t *ingest_cv(struct ingest *in, int i)
{
    pthread_cond_t *cvs[INGEST_NCV] = {&in->cv_input, &in->cv_verified, &in->cv_idle};

    return cvs[i];
}

static void ingest_queue_push(struct ingest_queue *q, struct ingest_job *j)
{
    j->next = NULL;
    if (q->tail != NULL)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    q->n++;
}

static struct ingest_job *ingest_queue_pop(struct ingest_queue *q)
{
    struct ingest_job *j = q->head;

    if (j == NULL)
        return NULL;
    q->head = j->next;
    if (q->head == NULL)
        q->tail = NULL;
    q->n--;
    j->next = NULL;
    return j;
}

static void ingest_job_free(struct ingest_job **jp)
{
    if (*jp == NULL)
        return;
    free((*jp)->bytes);
    entry_destroy(&(*jp)->e);
    free(*jp);
    *jp = NULL;
}

static void ingest_queue_clear(struct ingest_queue *q)
{
    struct ingest_job *j;

    while ((j = ingest_queue_pop(q)) != NULL)
        ingest_job_free(&j);
}

static void ingest_meta_free(struct ingest_meta **mp)
{
    if (*mp == NULL)
        return;
    free((*mp)->key);
    free((*mp)->value);
    free(*mp);
    *mp = NULL;
}

static void ingest_signal_idle_locked(struct ingest *in)
{
    if (in->unresolved == 0 && in->nmetas == 0 && !in->writer_busy)
        pthread_cond_broadcast(&in->cv_idle);
}

/* The entry with this seq will not hold back any meta any more: it was rejected, or the writer
 * took it into a batch (whose transaction then also carries the metas that become ready). */
static void ingest_account_locked(struct ingest *in, uint64_t seq)
{
    struct ingest_meta *m;

    in->unaccounted--;
    for (m = in->metas; m != NULL; m = m->next)
        if (m->after > seq)
            m->unresolved--;
    if (in->metas != NULL && in->metas->unresolved == 0)
        pthread_cond_signal(&in->cv_verified);
}

/* Give a job its result and hand it to the results queue. */
static void ingest_resolve_locked(struct ingest *in, struct ingest_job *j,
                                  enum ingest_result result)
{
    uint64_t one = 1;

    j->result = result;
    free(j->bytes);
    j->bytes = NULL;
    /* A stored (or already known) entry stays with its result: the caller gets it in the
     * callback without reading it back. */
    if (result != INGEST_ADDED && result != INGEST_EXISTS && result != INGEST_REFUSED)
        entry_destroy(&j->e);
    in->c.bytes_queued -= j->charge;
    j->charge = 0;
    if (result == INGEST_ADDED)
        in->c.added++;
    else if (result == INGEST_EXISTS)
        in->c.duplicates++;
    else if (result == INGEST_INVALID)
        in->c.invalid++;
    else if (result == INGEST_REFUSED)
        in->c.refused++;
    else
        in->c.failed++;
    ingest_queue_push(&in->results, j);
    /* Only the empty -> non-empty edge needs a wake-up; ingest_drain takes the whole queue. */
    if (in->results.n == 1 && write(in->efd, &one, sizeof(one)) != (ssize_t)sizeof(one))
        log_warn("ingest: eventfd write");
    in->unresolved--;
    ingest_signal_idle_locked(in);
}

static void ingest_block_signals(sigset_t *old)
{
    sigset_t all;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, old);
}

/* Decode and verify one job's bytes. Returns the entry, or NULL with the reason in the job. */
static struct entry *ingest_check(struct ingest_job *j)
{
    struct entry *e = NULL;
    char why[INGEST_WHY_MAX - 16];

    if (j->bytes == NULL) {
        errmsg_set(j->why, sizeof(j->why), "entry of %zu bytes is larger than %u", j->len,
                   ENTRY_MAX_SIZE);
        return NULL;
    }
    e = entry_decode(j->bytes, j->len, why, sizeof(why));
    if (e == NULL) {
        errmsg_set(j->why, sizeof(j->why), "decode: %s", why);
        return NULL;
    }
    memcpy(j->id, entry_id(e), ENTRY_ID_LEN);
    j->has_id = 1;
    if (kinds_verify(e, why, sizeof(why)) != 0) {
        errmsg_set(j->why, sizeof(j->why), "verify: %s", why);
        entry_destroy(&e);
    }
    return e;
}

/* Lower the calling thread's priority by INGEST_NICE (on Linux, PRIO_PROCESS with 0 names the
 * calling thread only). Not being able to is harmless: the pipeline only competes harder. */
static void ingest_lower_priority(void)
{
    int cur;

    errno = 0;
    cur = getpriority(PRIO_PROCESS, 0);
    if (cur == -1 && errno != 0)
        return;
    if (setpriority(PRIO_PROCESS, 0, cur + INGEST_NICE) != 0)
        log_debug("ingest: cannot lower a thread's priority: %s", strerror(errno));
}

static void *ingest_verify_main(void *arg)
{
    struct ingest *in = arg;
    struct ingest_job *j;
    struct entry *e;

    ingest_lower_priority();
    pthread_mutex_lock(&in->mu);
    for (;;) {
        while (!in->stop &&
               (in->input.n == 0 || in->verified.n + in->verifying >= INGEST_VERIFY_AHEAD))
            pthread_cond_wait(&in->cv_input, &in->mu);
        if (in->stop)
            break;
        j = ingest_queue_pop(&in->input);
        in->verifying++;
        pthread_mutex_unlock(&in->mu);

        e = ingest_check(j);
        free(j->bytes); /* the entry holds its own copy */
        j->bytes = NULL;

        pthread_mutex_lock(&in->mu);
        in->verifying--;
        if (e == NULL) {
            ingest_account_locked(in, j->seq);
            ingest_resolve_locked(in, j, INGEST_INVALID);
        } else {
            j->e = e;
            ingest_queue_push(&in->verified, j);
            pthread_cond_signal(&in->cv_verified);
        }
    }
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

/* Whether the writer has something to do now. */
static int ingest_writer_ready_locked(const struct ingest *in)
{
    return in->stop || in->verified.n > 0 || (in->metas != NULL && in->metas->unresolved == 0);
}

/* While entries are still being verified, wait briefly for the batch to fill. */
static void ingest_fill_wait_locked(struct ingest *in, size_t batch_max)
{
    struct timespec deadline;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += INGEST_FILL_WAIT_NS;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    while (!in->stop && in->verified.n < batch_max / 2 && (in->input.n > 0 || in->verifying > 0))
        if (pthread_cond_timedwait(&in->cv_verified, &in->mu, &deadline) == ETIMEDOUT)
            break;
}

static uint64_t ingest_clock_ms(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A write failed (why: err, fault): enter or stay in the failing state. Logs the first failure,
 * then at most one line a minute with the count. */
static void ingest_failed_locked(struct ingest *in, enum replica_fault fault, const char *err)
{
    uint64_t now = ingest_clock_ms(CLOCK_MONOTONIC);

    errmsg_set(in->c.failure, sizeof(in->c.failure), "%s", err);
    in->c.fault = fault;
    if (!in->c.failing) {
        in->c.failing = 1;
        in->c.failing_since_ms = ingest_clock_ms(CLOCK_REALTIME);
        in->c.retries = 0;
        in->c.storage_failures++;
        in->fail_logged_ms = now;
        in->fail_logged_retries = 0;
        if (fault == REPLICA_FAULT_GONE)
            log_warnx("ingest: storage failing: %s; entries from peers wait for a restart", err);
        else
            log_warnx("ingest: storage failing: %s; nothing is lost: the entries wait and the "
                      "write is tried again (every %d s at most) (%s)",
                      replica_fault_text(fault), INGEST_RETRY_MAX_MS / 1000, err);
        return;
    }
    in->c.retries++;
    if (now - in->fail_logged_ms >= INGEST_FAIL_LOG_MS) {
        log_warnx("ingest: storage still failing: %s; %llu more retries in the last %llu s (%s)",
                  replica_fault_text(fault),
                  (unsigned long long)(in->c.retries - in->fail_logged_retries),
                  (unsigned long long)((now - in->fail_logged_ms) / 1000), err);
        in->fail_logged_ms = now;
        in->fail_logged_retries = in->c.retries;
    }
}

/* A write succeeded: leave the failing state, if in it. */
static void ingest_recovered_locked(struct ingest *in)
{
    if (!in->c.failing)
        return;
    log_info(
        "ingest: storage works again after %llu retries over %llu s; storing resumes",
        (unsigned long long)in->c.retries,
        (unsigned long long)((ingest_clock_ms(CLOCK_REALTIME) - in->c.failing_since_ms) / 1000));
    in->c.failing = 0;
    in->c.fault = REPLICA_FAULT_NONE;
    in->c.failure[0] = '\0';
    in->c.retries = 0;
}

/* The monotonic time ms from now. */
static void ingest_deadline(struct timespec *deadline, uint64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, deadline);
    deadline->tv_sec += (time_t)(ms / 1000);
    deadline->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline->tv_nsec >= 1000000000L) {
        deadline->tv_sec++;
        deadline->tv_nsec -= 1000000000L;
    }
}

/* Sleep ms, or until stop. Called and returns with mu held. */
static void ingest_sleep_locked(struct ingest *in, uint64_t ms)
{
    struct timespec deadline;

    ingest_deadline(&deadline, ms);
    while (!in->stop)
        if (pthread_cond_timedwait(&in->cv_verified, &in->mu, &deadline) == ETIMEDOUT)
            break;
}

/* Carry out the purges the team state asks for (revocations), on the writer's connection: first
 * those that failed before, then new ones. A purge that fails is kept to be tried again (up to
 * INGEST_MAX_PURGES). Adds how many entries went to *total. Returns 0, or -1 if one failed
 * (message in err). */
static int ingest_purge(struct ingest *in, struct team *team, uint64_t *total, char *err,
                        size_t errlen)
{
    char key[17], why[TEAM_PURGE_WHY_MAX];
    long long got;
    size_t i, k;
    int rc = 0;

    for (;;) {
        if (in->npurges < INGEST_MAX_PURGES)
            in->npurges +=
                team_take_purges(team, in->purges + in->npurges, INGEST_MAX_PURGES - in->npurges);
        if (in->npurges == 0)
            break;
        for (i = 0, k = 0; i < in->npurges; i++) {
            hex_encode(in->purges[i].key, 8, key);
            got = rc == 0 ? replica_purge_author(in->replica, in->purges[i].key,
                                                 in->purges[i].after_ms, err, errlen)
                          : -1;
            if (got < 0) {
                rc = -1;
                in->purges[k++] = in->purges[i]; /* tried again with the next write */
                continue;
            }
            *total += (uint64_t)got;
            team_purge_why(&in->purges[i], why, sizeof(why));
            if (got > 0)
                log_info("ingest: removed %lld entries of %s...: %s", got, key, why);
        }
        in->npurges = k;
        if (rc != 0)
            break;
    }
    return rc;
}

void ingest_set_team(struct ingest *in, struct team *team)
{
    pthread_mutex_lock(&in->mu);
    in->team = team;
    pthread_mutex_unlock(&in->mu);
}

/* Run one batch of at most batch_max entries: take what is ready, write it outside the lock,
 * resolve. A write that fails is tried again, with backoff, until it succeeds or the pipeline
 * stops: the batch's entries and metas wait meanwhile (unresolved, so they still count against
 * max_queued), and so does everything behind them. Called and returns with mu held. Returns the
 * time the transaction took, in us. */
static double ingest_write_batch_locked(struct ingest *in, size_t batch_max, size_t *taken)
{
    struct ingest_job *jobs[INGEST_BATCH_MAX];
    const struct entry *ents[INGEST_BATCH_MAX];
    enum replica_merge_result res[INGEST_BATCH_MAX];
    struct ingest_meta *metas[INGEST_MAX_METAS];
    struct replica_meta rm[INGEST_MAX_METAS];
    const struct entry *kept[INGEST_BATCH_MAX];
    enum replica_merge_result kres[INGEST_BATCH_MAX];
    int refused[INGEST_BATCH_MAX] = {0};
    char err[INGEST_FAILURE_MAX];
    size_t n = 0, nm = 0, nk = 0, i, k;
    int rc = -1, committed = 0, stopping;
    struct team *team;
    uint64_t purged = 0, backoff = INGEST_RETRY_FIRST_MS;
    struct timespec t0, t1;

    while (n < batch_max && in->verified.n > 0) {
        jobs[n] = ingest_queue_pop(&in->verified);
        ingest_account_locked(in, jobs[n]->seq);
        ents[n] = jobs[n]->e;
        n++;
    }
    while (nm < INGEST_MAX_METAS && in->metas != NULL && in->metas->unresolved == 0) {
        metas[nm] = in->metas;
        in->metas = metas[nm]->next;
        if (in->metas == NULL)
            in->metas_tail = NULL;
        rm[nm].key = metas[nm]->key;
        rm[nm].value = metas[nm]->value;
        rm[nm].len = metas[nm]->len;
        rm[nm].text = metas[nm]->text;
        nm++;
    }
    in->writer_busy = 1;
    team = in->team;
    if (n > 0) /* room to verify ahead again */
        pthread_cond_broadcast(&in->cv_input);
    pthread_mutex_unlock(&in->mu);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* The team's gate: team entries first, so a certificate admits what travels with it. Team
     * entries enter the state now, before the batch commits; if the write fails it is tried again
     * until it succeeds (or the node stops, and then restarts from what is stored), so the state
     * never keeps an entry the replica will not hold. */
    if (team != NULL) {
        for (i = 0; i < n; i++) {
            if (!team_is_team_kind(entry_kind(ents[i])))
                continue;
            refused[i] = !team_admits(team, ents[i], jobs[i]->why, sizeof(jobs[i]->why));
            if (!refused[i] && team_add(team, ents[i], err, sizeof(err)) < 0)
                log_debug("ingest: team entry not taken: %s", err);
        }
        for (i = 0; i < n; i++)
            if (!team_is_team_kind(entry_kind(ents[i])))
                refused[i] = !team_admits(team, ents[i], jobs[i]->why, sizeof(jobs[i]->why));
    }
    for (i = 0; i < n; i++)
        if (!refused[i])
            kept[nk++] = ents[i];
    for (;;) {
        if (!committed) {
            rc = replica_add_batch(in->replica, kept, nk, kres, rm, nm, err, sizeof(err));
            committed = rc == 0;
        }
        /* The purges a revocation in this batch (or an earlier one) asks for: after the commit,
         * and tried again like it. */
        if (committed && team != NULL)
            rc = ingest_purge(in, team, &purged, err, sizeof(err));
        if (rc == 0)
            break;
        pthread_mutex_lock(&in->mu);
        ingest_failed_locked(in, replica_last_fault(in->replica), err);
        ingest_sleep_locked(in, backoff);
        stopping = in->stop;
        pthread_mutex_unlock(&in->mu);
        if (stopping)
            break; /* stopping: the batch is given up, and reported as failed */
        backoff = backoff * 2 > INGEST_RETRY_MAX_MS ? INGEST_RETRY_MAX_MS : backoff * 2;
    }
    for (i = 0, k = 0; i < n; i++)
        res[i] = refused[i] ? REPLICA_ERROR : kres[k++];
    clock_gettime(CLOCK_MONOTONIC, &t1);

    pthread_mutex_lock(&in->mu);
    if (rc == 0)
        ingest_recovered_locked(in);
    if (committed) {
        in->c.batches++;
        in->c.metas_committed += nm;
    } else {
        in->c.metas_dropped += nm;
    }
    for (i = 0; i < nm; i++) {
        ingest_meta_free(&metas[i]);
        in->nmetas--;
    }
    in->c.purged += purged;
    for (i = 0; i < n; i++) {
        if (refused[i]) {
            ingest_resolve_locked(in, jobs[i], INGEST_REFUSED);
            continue;
        }
        if (!committed)
            errmsg_set(jobs[i]->why, sizeof(jobs[i]->why), "stopped while storage failed: %s", err);
        if (committed && res[i] == REPLICA_ADDED && entry_kind(ents[i]) == ENTRY_RETRACTION)
            in->c.retractions++;
        ingest_resolve_locked(in, jobs[i],
                              !committed                ? INGEST_FAILED
                              : res[i] == REPLICA_ADDED ? INGEST_ADDED
                                                        : INGEST_EXISTS);
    }
    in->writer_busy = 0;
    ingest_signal_idle_locked(in);
    *taken = n;
    return (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
}

/* Nothing to write for a while: check that the replica file is still there, so that status says
 * so before a write fails. Called and returns with mu held. */
static void ingest_probe_locked(struct ingest *in)
{
    char err[INGEST_FAILURE_MAX];
    int rc;

    pthread_mutex_unlock(&in->mu);
    rc = replica_file_check(in->replica, err, sizeof(err));
    pthread_mutex_lock(&in->mu);
    if (rc != 0)
        ingest_failed_locked(in, REPLICA_FAULT_GONE, err);
}

/* Idle after a write: give back the connection's page cache and the free memory of every malloc
 * arena (a bootstrap's batches and decoded entries went through them). Called and returns with mu
 * held. */
static void ingest_release_locked(struct ingest *in)
{
    size_t cache;

    pthread_mutex_unlock(&in->mu);
    cache = replica_release_memory(in->replica);
    (void)malloc_trim(0);
    pthread_mutex_lock(&in->mu);
    in->c.releases++;
    in->c.cache_bytes = cache;
}

static void *ingest_writer_main(void *arg)
{
    struct ingest *in = arg;
    size_t batch_max = INGEST_BATCH_MAX, n;
    double us, per_entry = 0, target;
    struct timespec deadline;
    uint64_t wrote_ms = 0; /* the last write not yet followed by a release, or 0 */

    ingest_lower_priority();
    pthread_mutex_lock(&in->mu);
    for (;;) {
        while (!ingest_writer_ready_locked(in)) {
            uint64_t wait = INGEST_PROBE_MS;
            if (wrote_ms != 0) {
                uint64_t idle = ingest_clock_ms(CLOCK_MONOTONIC) - wrote_ms;
                if (idle >= INGEST_RELEASE_IDLE_MS) {
                    ingest_release_locked(in);
                    wrote_ms = 0;
                    continue;
                }
                if (INGEST_RELEASE_IDLE_MS - idle < wait)
                    wait = INGEST_RELEASE_IDLE_MS - idle;
            }
            ingest_deadline(&deadline, wait);
            if (pthread_cond_timedwait(&in->cv_verified, &in->mu, &deadline) == ETIMEDOUT &&
                !ingest_writer_ready_locked(in))
                ingest_probe_locked(in);
        }
        if (in->stop)
            break;
        ingest_fill_wait_locked(in, batch_max);
        if (in->stop)
            break;
        us = ingest_write_batch_locked(in, batch_max, &n);
        wrote_ms = ingest_clock_ms(CLOCK_MONOTONIC);
        if (n < INGEST_BATCH_MIN)
            continue; /* mostly fixed cost: says little about the cost per entry */
        /* A moving average of the cost per entry sizes the next batches. */
        per_entry = per_entry == 0 ? us / (double)n : 0.8 * per_entry + 0.2 * us / (double)n;
        target = INGEST_TX_TARGET_US / per_entry;
        batch_max = target >= INGEST_BATCH_MAX   ? INGEST_BATCH_MAX
                    : target <= INGEST_BATCH_MIN ? INGEST_BATCH_MIN
                                                 : (size_t)target;
    }
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

struct ingest *ingest_new(const char *db_path, int verify_threads, size_t max_queued, char *err,
                          size_t errlen)
{
    struct ingest *in = xcalloc(1, sizeof(*in));
    pthread_condattr_t ca;
    sigset_t oldmask;
    long ncpu;
    int i, ok = 0, masked = 0;

    in->efd = -1;
    if (max_queued == 0) {
        errmsg_set(err, errlen, "ingest: max_queued must be at least 1");
        goto out;
    }
    in->max_queued = max_queued;
    if (max_queued > SIZE_MAX / INGEST_BYTES_PER_SLOT)
        in->max_bytes = SIZE_MAX;
    else if (max_queued * INGEST_BYTES_PER_SLOT > ENTRY_MAX_SIZE)
        in->max_bytes = max_queued * INGEST_BYTES_PER_SLOT;
    else
        in->max_bytes = ENTRY_MAX_SIZE; /* the largest entry always fits an empty pipeline */
    if (verify_threads <= 0) {
        /* The writer is the serial stage: leave it a core. Measured on 2 cores, one verifier
         * ingests ~5% faster than two (bench_sync). */
        ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        verify_threads = ncpu > 1 ? (int)(ncpu - 1 < 64 ? ncpu - 1 : 64) : 1;
    }
    in->nverifiers = verify_threads;
    if (pthread_mutex_init(&in->mu, NULL) != 0) {
        errmsg_set(err, errlen, "ingest: cannot create a mutex");
        goto out;
    }
    in->mu_ok = 1;
    if (pthread_condattr_init(&ca) != 0) {
        errmsg_set(err, errlen, "ingest: cannot create a condition variable");
        goto out;
    }
    /* Timed waits measure intervals: immune to wall-clock steps. */
    for (i = 0; i < INGEST_NCV; i++) {
        if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
            pthread_cond_init(ingest_cv(in, i), &ca) != 0)
            break;
        in->ncv++;
    }
    pthread_condattr_destroy(&ca);
    if (in->ncv < INGEST_NCV) {
        errmsg_set(err, errlen, "ingest: cannot create a condition variable");
        goto out;
    }
    in->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->efd < 0) {
        errmsg_set(err, errlen, "ingest: eventfd: %s", strerror(errno));
        goto out;
    }
    /* Opened here so that errors are reported now; from now on only the writer thread uses it
     * (pthread_create orders this thread's writes before the new thread's reads). */
    in->replica = replica_open(db_path, INGEST_CACHE_MB, err, errlen);
    if (in->replica == NULL)
        goto out;
    in->verifiers = xcalloc((size_t)in->nverifiers, sizeof(*in->verifiers));
    /* Signals are for the loop's thread: the pipeline's threads inherit a full mask. */
    ingest_block_signals(&oldmask);
    masked = 1;
    if (pthread_create(&in->writer, NULL, ingest_writer_main, in) != 0) {
        errmsg_set(err, errlen, "ingest: cannot start the writer thread");
        goto out;
    }
    in->started_writer = 1;
    for (i = 0; i < in->nverifiers; i++) {
        if (pthread_create(&in->verifiers[i], NULL, ingest_verify_main, in) != 0) {
            errmsg_set(err, errlen, "ingest: cannot start verify thread %d", i);
            goto out;
        }
        in->started_verifiers++;
    }
    ok = 1;
out:
    if (masked)
        pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    if (!ok)
        ingest_destroy(&in);
    return in;
}

void ingest_destroy(struct ingest **inp)
{
    struct ingest *in;
    struct ingest_meta *m;
    int i;

    if (inp == NULL || *inp == NULL)
        return;
    in = *inp;
    if (in->mu_ok && in->ncv == INGEST_NCV) {
        pthread_mutex_lock(&in->mu);
        in->stop = 1;
        pthread_cond_broadcast(&in->cv_input);
        pthread_cond_broadcast(&in->cv_verified);
        pthread_mutex_unlock(&in->mu);
    }
    for (i = 0; i < in->started_verifiers; i++)
        pthread_join(in->verifiers[i], NULL);
    if (in->started_writer)
        pthread_join(in->writer, NULL);
    ingest_queue_clear(&in->input);
    ingest_queue_clear(&in->verified);
    ingest_queue_clear(&in->results);
    while (in->metas != NULL) {
        m = in->metas;
        in->metas = m->next;
        ingest_meta_free(&m);
    }
    replica_close(&in->replica);
    if (in->efd >= 0)
        close(in->efd);
    for (i = 0; i < in->ncv; i++)
        pthread_cond_destroy(ingest_cv(in, i));
    if (in->mu_ok)
        pthread_mutex_destroy(&in->mu);
    free(in->verifiers);
    free(in);
    *inp = NULL;
}

int ingest_submit(struct ingest *in, uint64_t source, const uint8_t *bytes, size_t len)
{
    struct ingest_job *j = xcalloc(1, sizeof(*j));
    int rc = -1;

    j->source = source;
    j->len = len;
    if (len <= ENTRY_MAX_SIZE) {
        j->bytes = xmalloc(len);
        if (len > 0)
            memcpy(j->bytes, bytes, len);
        j->charge = len;
    }
    pthread_mutex_lock(&in->mu);
    if (in->c.queued >= in->max_queued || j->charge > in->max_bytes - in->c.bytes_queued)
        goto out;
    j->seq = in->next_seq++;
    in->c.queued++;
    in->c.bytes_queued += j->charge;
    in->c.submitted++;
    in->unresolved++;
    in->unaccounted++;
    ingest_queue_push(&in->input, j);
    j = NULL;
    pthread_cond_signal(&in->cv_input);
    rc = 0;
out:
    pthread_mutex_unlock(&in->mu);
    ingest_job_free(&j);
    return rc;
}

int ingest_submit_meta(struct ingest *in, const struct replica_meta *m)
{
    struct ingest_meta *im = NULL;
    size_t klen = m->key != NULL ? strnlen(m->key, REPLICA_META_KEY_MAX + 1) : 0;
    int rc = -1;

    if (klen == 0 || klen > REPLICA_META_KEY_MAX ||
        (m->value != NULL && m->len > REPLICA_META_VALUE_MAX)) {
        log_warnx("ingest: meta key or value out of bounds; not queued");
        return -1;
    }
    im = xcalloc(1, sizeof(*im));
    im->key = xstrndup(m->key, klen);
    if (m->value != NULL) {
        im->value = xmalloc(m->len + 1);
        if (m->len > 0)
            memcpy(im->value, m->value, m->len);
        im->len = m->len;
    }
    im->text = m->text;
    pthread_mutex_lock(&in->mu);
    if (in->nmetas >= INGEST_MAX_METAS)
        goto out;
    im->after = in->next_seq;
    im->unresolved = in->unaccounted;
    if (in->metas_tail != NULL)
        in->metas_tail->next = im;
    else
        in->metas = im;
    in->metas_tail = im;
    in->nmetas++;
    if (in->metas->unresolved == 0)
        pthread_cond_signal(&in->cv_verified);
    im = NULL;
    rc = 0;
out:
    pthread_mutex_unlock(&in->mu);
    ingest_meta_free(&im);
    return rc;
}

int ingest_fd(const struct ingest *in)
{
    return in->efd;
}

size_t ingest_drain(struct ingest *in, ingest_result_fn fn, void *ctx)
{
    struct ingest_queue q;
    struct ingest_job *j;
    uint64_t v;
    size_t n = 0;

    /* Clear readiness first: a result queued after the take below writes the fd again. */
    if (read(in->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        log_warn("ingest: eventfd read");
    pthread_mutex_lock(&in->mu);
    q = in->results;
    memset(&in->results, 0, sizeof(in->results));
    in->c.queued -= q.n;
    pthread_mutex_unlock(&in->mu);
    while ((j = ingest_queue_pop(&q)) != NULL) {
        fn(ctx, j->source, j->has_id ? j->id : NULL, j->e, j->result,
           j->result == INGEST_ADDED || j->result == INGEST_EXISTS ? NULL : j->why);
        ingest_job_free(&j);
        n++;
    }
    return n;
}

void ingest_get_counters(struct ingest *in, struct ingest_counters *out)
{
    pthread_mutex_lock(&in->mu);
    *out = in->c;
    pthread_mutex_unlock(&in->mu);
}

int ingest_wait_idle(struct ingest *in, int timeout_ms)
{
    struct timespec deadline;
    int rc = 0;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&in->mu);
    while (in->unresolved > 0 || in->nmetas > 0 || in->writer_busy) {
        if (pthread_cond_timedwait(&in->cv_idle, &in->mu, &deadline) == ETIMEDOUT) {
            rc = -1;
            break;
        }
    }
    pthread_mutex_unlock(&in->mu);
    return rc;
}
