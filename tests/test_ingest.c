/* Ingest pipeline: one result per entry, the valid set stored, back-pressure, a concurrent reader,
 * metas committed after the entries they cover, storage failure, shutdown with work pending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ingest.h"
#include "replica.h"
#include "testutil.h"
#include "xmalloc.h"

#define T0 1795000000000ull

struct fixture {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof(*fx));

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/lore-test-ingest-XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/replica.db", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[200];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* n distinct entries: notes and questions with bodies of about body_len bytes. */
static struct entry **make_entries(struct test_author *a, size_t n, size_t body_len, uint64_t salt)
{
    struct entry **es = xcalloc(n, sizeof(*es));
    char *body = xmalloc(body_len + 1);
    size_t i, k;

    for (k = 0; k < body_len; k++)
        body[k] = "lorem ipsum dolor sit amet "[k % 27];
    body[body_len] = '\0';
    for (i = 0; i < n; i++) {
        struct entry_fields f = {0};
        char title[64];
        const char *tags[1] = {"ingest"};
        snprintf(title, sizeof(title), "ingest test %llu %zu", (unsigned long long)salt, i);
        f.kind = i % 2 ? ENTRY_NOTE : ENTRY_QUESTION;
        f.created_ms = T0 + salt * 1000000 + i;
        f.title = title;
        f.body = body;
        f.tags = tags;
        f.ntags = 1;
        es[i] = test_entry(a, &f);
    }
    free(body);
    return es;
}

static void free_entries(struct entry **es, size_t n)
{
    for (size_t i = 0; i < n; i++)
        entry_destroy(&es[i]);
    free(es);
}

static int submit_entry(struct ingest *in, uint64_t source, const struct entry *e)
{
    size_t len;
    const uint8_t *b = entry_bytes(e, &len);

    return ingest_submit(in, source, b, len);
}

/* Results by source (the index of the submission). */
struct collect {
    size_t nsources;
    int *count;
    enum ingest_result *kind;
    int *has_id;
    uint8_t (*id)[ENTRY_ID_LEN];
    int *has_why;
    size_t total;
    size_t unknown;   /* results for sources never submitted, or without a reason where needed */
    size_t bad_entry; /* results whose entry argument does not match the rules */
};

static struct collect *collect_new(size_t nsources)
{
    struct collect *c = xcalloc(1, sizeof(*c));

    c->nsources = nsources;
    c->count = xcalloc(nsources, sizeof(*c->count));
    c->kind = xcalloc(nsources, sizeof(*c->kind));
    c->has_id = xcalloc(nsources, sizeof(*c->has_id));
    c->id = xcalloc(nsources, sizeof(*c->id));
    c->has_why = xcalloc(nsources, sizeof(*c->has_why));
    return c;
}

static void collect_free(struct collect *c)
{
    free(c->count);
    free(c->kind);
    free(c->has_id);
    free(c->id);
    free(c->has_why);
    free(c);
}

static void collect_fn(void *ctx, uint64_t source, const uint8_t *id, const struct entry *e,
                       enum ingest_result result, const char *why)
{
    struct collect *c = ctx;

    c->total++;
    /* Stored and known entries come with the verified entry itself, and only those. */
    if ((result == INGEST_ADDED || result == INGEST_EXISTS) !=
        (e != NULL && id != NULL && memcmp(entry_id(e), id, ENTRY_ID_LEN) == 0))
        c->bad_entry++;
    if (source >= c->nsources) {
        c->unknown++;
        return;
    }
    c->count[source]++;
    c->kind[source] = result;
    c->has_id[source] = id != NULL;
    if (id != NULL)
        memcpy(c->id[source], id, ENTRY_ID_LEN);
    c->has_why[source] = why != NULL && why[0] != '\0';
}

/* Wait on ingest_fd as an event loop would, draining, until want results or timeout_ms. */
static void collect_until(struct ingest *in, struct collect *c, size_t want, int timeout_ms)
{
    double end = now_ms() + timeout_ms;
    struct pollfd p = {.fd = ingest_fd(in), .events = POLLIN};

    while (c->total < want && now_ms() < end) {
        if (poll(&p, 1, (int)(end - now_ms()) + 1) > 0)
            ingest_drain(in, collect_fn, c);
    }
}

static int list_ids_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct collect *c = ctx; /* reuse: id[total] */

    (void)snippet;
    (void)rank;
    if (c->total < c->nsources)
        memcpy(c->id[c->total], entry_id(e), ENTRY_ID_LEN);
    c->total++;
    return 0;
}

static int id_in(const uint8_t *id, struct entry **es, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(id, entry_id(es[i]), ENTRY_ID_LEN) == 0)
            return 1;
    return 0;
}

/* Every kind of input at once; every submission gets exactly one result of the right kind. */
static void test_mixed(void **state)
{
    enum { NVALID = 200, NPRE = 20, NDUP = 30, NBADSIG = 20, NGARBAGE = 20, NTRUNC = 20 };
    enum { NSUB = NVALID + NDUP + NBADSIG + NGARBAGE + NTRUNC + 2 };
    enum what { VALID, PRESTORED, DUP, BADSIG, GARBAGE, TRUNC, EMPTY, HUGE };
    struct fixture *fx = *state;
    struct test_author a;
    struct entry **valid, **other;
    struct replica *r;
    struct ingest *in;
    struct collect *c = collect_new(NSUB), *listed = collect_new(4 * NVALID);
    struct ingest_counters k;
    struct replica_query q = {0};
    enum what *what = xcalloc(NSUB, sizeof(*what));
    size_t *partner = xcalloc(NSUB, sizeof(*partner)), *order = xcalloc(NSUB, sizeof(*order));
    uint8_t **bytes = xcalloc(NSUB, sizeof(*bytes));
    size_t *lens = xcalloc(NSUB, sizeof(*lens));
    char err[256];
    size_t i, s = 0, len;
    uint32_t rnd = 12345;

    test_author_init(&a, 3);
    valid = make_entries(&a, NVALID, 300, 1);
    other = make_entries(&a, NBADSIG + NTRUNC, 300, 2);
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_non_null(r);
    for (i = 0; i < NPRE; i++)
        assert_int_equal(replica_add(r, valid[i], err, sizeof(err)), REPLICA_ADDED);

    /* Build the submissions: source s -> bytes[s]. */
    for (i = 0; i < NVALID; i++, s++) {
        const uint8_t *b = entry_bytes(valid[i], &len);
        what[s] = i < NPRE ? PRESTORED : VALID;
        bytes[s] = xmalloc(len);
        memcpy(bytes[s], b, len);
        lens[s] = len;
    }
    for (i = 0; i < NDUP; i++, s++) {
        const uint8_t *b = entry_bytes(valid[NPRE + i], &len);
        what[s] = DUP;
        partner[s] = NPRE + i;
        bytes[s] = xmalloc(len);
        memcpy(bytes[s], b, len);
        lens[s] = len;
    }
    for (i = 0; i < NBADSIG; i++, s++) {
        const uint8_t *b = entry_bytes(other[i], &len);
        what[s] = BADSIG;
        bytes[s] = xmalloc(len);
        memcpy(bytes[s], b, len);
        bytes[s][len - 1 - i] ^= 0x20; /* inside the trailing signature */
        lens[s] = len;
    }
    for (i = 0; i < NGARBAGE; i++, s++) {
        what[s] = GARBAGE;
        lens[s] = 50 + i * 37;
        bytes[s] = xmalloc(lens[s]);
        for (len = 0; len < lens[s]; len++) {
            rnd = rnd * 1103515245u + 12345u;
            bytes[s][len] = (uint8_t)(rnd >> 16);
        }
    }
    for (i = 0; i < NTRUNC; i++, s++) {
        const uint8_t *b = entry_bytes(other[NBADSIG + i], &len);
        what[s] = TRUNC;
        lens[s] = len - 1 - i * 7;
        bytes[s] = xmalloc(lens[s]);
        memcpy(bytes[s], b, lens[s]);
    }
    what[s] = EMPTY;
    bytes[s] = xmalloc(1);
    lens[s++] = 0;
    what[s] = HUGE;
    lens[s] = ENTRY_MAX_SIZE + 1;
    bytes[s++] = xcalloc(1, ENTRY_MAX_SIZE + 1);
    assert_int_equal(s, NSUB);

    /* Submit in a shuffled order, duplicates mixed in with their originals. */
    for (i = 0; i < NSUB; i++)
        order[i] = i;
    for (i = NSUB - 1; i > 0; i--) {
        size_t j, t;
        rnd = rnd * 1103515245u + 12345u;
        j = (rnd >> 8) % (i + 1);
        t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    in = ingest_new(fx->path, 2, 1024, err, sizeof(err));
    assert_non_null(in);
    for (i = 0; i < NSUB; i++)
        assert_int_equal(ingest_submit(in, order[i], bytes[order[i]], lens[order[i]]), 0);
    collect_until(in, c, NSUB, 30000);
    assert_int_equal(c->total, NSUB);
    assert_int_equal(c->unknown, 0);
    assert_int_equal(c->bad_entry, 0);
    assert_int_equal(ingest_wait_idle(in, 10000), 0);
    assert_int_equal(ingest_drain(in, collect_fn, c), 0); /* nothing more */

    for (s = 0; s < NSUB; s++) {
        assert_int_equal(c->count[s], 1);
        switch (what[s]) {
        case VALID:
        case PRESTORED:
            break; /* with DUP below */
        case DUP:
            /* Of an entry and its duplicate, exactly one is added and the other exists. */
            assert_true(c->kind[s] == INGEST_ADDED || c->kind[s] == INGEST_EXISTS);
            assert_true(c->kind[partner[s]] == INGEST_ADDED ||
                        c->kind[partner[s]] == INGEST_EXISTS);
            assert_int_not_equal(c->kind[s], c->kind[partner[s]]);
            break;
        case BADSIG:
            assert_int_equal(c->kind[s], INGEST_INVALID);
            assert_true(c->has_why[s]);
            assert_true(c->has_id[s]); /* it decoded: the id of what was sent */
            break;
        case GARBAGE:
        case TRUNC:
        case EMPTY:
        case HUGE:
            assert_int_equal(c->kind[s], INGEST_INVALID);
            assert_true(c->has_why[s]);
            assert_false(c->has_id[s]);
            break;
        }
        if (what[s] == PRESTORED)
            assert_int_equal(c->kind[s], INGEST_EXISTS);
        if (what[s] == VALID && s >= NPRE + NDUP)
            assert_int_equal(c->kind[s], INGEST_ADDED);
        if (what[s] == VALID || what[s] == PRESTORED || what[s] == DUP) {
            assert_true(c->has_id[s]);
            assert_false(c->has_why[s]);
        }
        if (what[s] == VALID || what[s] == PRESTORED)
            assert_memory_equal(c->id[s], entry_id(valid[s]), ENTRY_ID_LEN);
    }
    ingest_get_counters(in, &k);
    assert_int_equal(k.submitted, NSUB);
    assert_int_equal(k.added, NVALID - NPRE);
    assert_int_equal(k.duplicates, NPRE + NDUP);
    assert_int_equal(k.invalid, NBADSIG + NGARBAGE + NTRUNC + 2);
    assert_int_equal(k.failed, 0);
    assert_int_equal(k.queued, 0);
    assert_int_equal(k.bytes_queued, 0);
    assert_false(k.failing);
    assert_int_equal(k.storage_failures, 0);
    assert_true(k.batches >= 1);
    ingest_destroy(&in);
    assert_null(in);
    ingest_destroy(&in); /* accepts NULL */

    /* The replica holds exactly the valid set. */
    assert_int_equal(replica_count(r), NVALID);
    q.limit = 4 * NVALID;
    q.kind = 0;
    assert_int_equal(replica_list(r, &q, list_ids_row, listed, NULL), 0);
    assert_int_equal(listed->total, NVALID);
    for (i = 0; i < listed->total; i++)
        assert_true(id_in(listed->id[i], valid, NVALID));
    {
        struct replica_check rep;
        assert_int_equal(replica_check(r, &rep, NULL, NULL), 0);
        assert_int_equal(rep.bad, 0);
        assert_true(rep.integrity_ok);
    }
    replica_close(&r);
    for (s = 0; s < NSUB; s++)
        free(bytes[s]);
    free(bytes);
    free(lens);
    free(what);
    free(partner);
    free(order);
    collect_free(c);
    collect_free(listed);
    free_entries(valid, NVALID);
    free_entries(other, NBADSIG + NTRUNC);
}

static void test_backpressure(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    struct entry **es, **big;
    struct ingest *in;
    struct collect *c = collect_new(100);
    struct ingest_counters k;
    char err[256];
    size_t i;

    test_author_init(&a, 4);
    es = make_entries(&a, 10, 200, 3);
    in = ingest_new(fx->path, 1, 8, err, sizeof(err));
    assert_non_null(in);
    for (i = 0; i < 8; i++)
        assert_int_equal(submit_entry(in, i, es[i]), 0);
    assert_int_equal(submit_entry(in, 8, es[8]), -1);
    assert_int_equal(ingest_wait_idle(in, 10000), 0);
    /* Finished but not drained still counts: the loop must drain to make room. */
    assert_int_equal(submit_entry(in, 8, es[8]), -1);
    ingest_get_counters(in, &k);
    assert_int_equal(k.queued, 8);
    assert_int_equal(k.submitted, 8);
    assert_int_equal(ingest_drain(in, collect_fn, c), 8);
    assert_int_equal(submit_entry(in, 8, es[8]), 0);
    assert_int_equal(submit_entry(in, 9, es[9]), 0);
    collect_until(in, c, 10, 10000);
    assert_int_equal(c->total, 10);
    for (i = 0; i < 10; i++) {
        assert_int_equal(c->count[i], 1);
        assert_int_equal(c->kind[i], INGEST_ADDED);
    }
    ingest_destroy(&in);

    /* The byte cap: max_queued 4 gives max(4 * 2 KiB, ENTRY_MAX_SIZE) = 256 KiB. */
    big = make_entries(&a, 3, 100 * 1024, 4);
    in = ingest_new(fx->path, 1, 4, err, sizeof(err));
    assert_non_null(in);
    assert_int_equal(submit_entry(in, 20, big[0]), 0);
    assert_int_equal(submit_entry(in, 21, big[1]), 0);
    assert_int_equal(submit_entry(in, 22, big[2]), -1); /* 3 x 100 KiB > 256 KiB */
    ingest_get_counters(in, &k);
    assert_true(k.bytes_queued > 200 * 1024);
    assert_int_equal(k.queued, 2);
    assert_int_equal(ingest_wait_idle(in, 10000), 0);
    /* Stored entries no longer hold bytes, though their results still hold slots. */
    ingest_get_counters(in, &k);
    assert_int_equal(k.bytes_queued, 0);
    assert_int_equal(submit_entry(in, 22, big[2]), 0);
    collect_until(in, c, 13, 10000);
    assert_int_equal(c->total, 13);
    assert_int_equal(c->kind[22], INGEST_ADDED);
    ingest_destroy(&in);
    free_entries(es, 10);
    free_entries(big, 3);
    collect_free(c);
}

static int count_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    (void)e;
    (void)snippet;
    (void)rank;
    (*(size_t *)ctx)++;
    return 0;
}

/* The node's own connection keeps reading, and writing, while a large ingest runs. */
static void test_concurrent_reader(void **state)
{
    enum { N = 2000 };
    struct fixture *fx = *state;
    struct test_author a;
    struct entry **es, **local;
    struct ingest *in;
    struct replica *r;
    struct collect *c = collect_new(N + 1);
    struct replica_query q = {0};
    char err[256];
    size_t i, reads = 0, partial = 0;
    long long count, before, last = 0;
    double t, worst = 0;

    test_author_init(&a, 5);
    es = make_entries(&a, N, 1024, 5);
    local = make_entries(&a, 1, 100, 6);
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_non_null(r);
    in = ingest_new(fx->path, 0, 4096, err, sizeof(err));
    assert_non_null(in);
    for (i = 0; i < N; i++)
        assert_int_equal(submit_entry(in, i, es[i]), 0);
    q.limit = 50;
    while (c->total < N) {
        size_t rows = 0;
        t = now_ms();
        before = replica_count(r);
        assert_int_equal(replica_list(r, &q, count_row, &rows, NULL), 0);
        count = replica_count(r);
        t = now_ms() - t;
        worst = t > worst ? t : worst;
        assert_true(before >= last && count >= before); /* never goes back */
        /* Each call reads its own snapshot: the list saw between before and count rows. */
        assert_true(rows >= (size_t)(before < 50 ? before : 50));
        assert_true(rows <= (size_t)(count < 50 ? count : 50));
        last = count;
        partial += count < N;
        if (reads++ == 10) /* a local post meanwhile: waits at most one batch */
            assert_int_equal(replica_add(r, local[0], err, sizeof(err)), REPLICA_ADDED);
        ingest_drain(in, collect_fn, c);
        assert_true(reads < 1000000);
    }
    print_message("concurrent reader: %zu reads, worst %.1f ms\n", reads, worst);
    assert_true(partial > 0);
    assert_true(worst < 2000);
    assert_int_equal(ingest_wait_idle(in, 10000), 0);
    assert_int_equal(replica_count(r), N + 1);
    for (i = 0; i < N; i++)
        assert_int_equal(c->kind[i], INGEST_ADDED);
    ingest_destroy(&in);
    replica_close(&r);
    free_entries(es, N);
    free_entries(local, 1);
    collect_free(c);
}

/* The nice value of this process's thread tid (Linux: PRIO_PROCESS takes a thread id), or -100. */
static int thread_nice(const char *tid)
{
    int nice;

    errno = 0;
    nice = getpriority(PRIO_PROCESS, (id_t)strtol(tid, NULL, 10));
    return nice == -1 && errno != 0 ? -100 : nice;
}

/* The pipeline's threads (writer and verifiers) run at a lower priority than the thread that
 * made the pipeline (the node's loop: the local API and the links), so a bootstrap that keeps
 * every core busy does not delay API replies. */
static void test_threads_yield(void **state)
{
    struct fixture *fx = *state;
    struct ingest *in;
    char err[256], self[32];
    int main_nice, tries;
    size_t lower = 0;

    snprintf(self, sizeof(self), "%ld", (long)syscall(SYS_gettid));
    main_nice = thread_nice(self);
    assert_true(main_nice > -100);
    in = ingest_new(fx->path, 2, 64, err, sizeof(err));
    assert_non_null(in);
    for (tries = 0; tries < 100 && lower < 3; tries++) { /* the threads lower themselves */
        DIR *d = opendir("/proc/self/task");
        struct dirent *de;
        assert_non_null(d);
        lower = 0;
        while ((de = readdir(d)) != NULL)
            if (de->d_name[0] != '.' && strcmp(de->d_name, self) != 0 &&
                thread_nice(de->d_name) >= main_nice + 5)
                lower++;
        closedir(d);
        if (lower < 3)
            usleep(50000);
    }
    assert_int_equal(thread_nice(self), main_nice); /* the caller's own priority is untouched */
    assert_true(lower >= 3);                        /* the writer and both verifiers */
    ingest_destroy(&in);
}

/* After a big ingest the idle writer gives its page cache back (and malloc's free memory), and
 * goes on writing afterwards. */
static void test_release_when_idle(void **state)
{
    enum { N = 2000 };
    struct fixture *fx = *state;
    struct test_author a;
    struct entry **es;
    struct ingest *in;
    struct ingest_counters ct;
    struct collect *c = collect_new(N + 1);
    char err[256];
    size_t i;
    int waited;

    test_author_init(&a, 7);
    es = make_entries(&a, N + 1, 1024, 7);
    in = ingest_new(fx->path, 1, 4096, err, sizeof(err));
    assert_non_null(in);
    for (i = 0; i < N; i++)
        assert_int_equal(submit_entry(in, i, es[i]), 0);
    assert_int_equal(ingest_wait_idle(in, 30000), 0);
    ingest_drain(in, collect_fn, c);
    for (waited = 0, ct.releases = 0; waited < 300; waited++) { /* up to 30 s */
        ingest_get_counters(in, &ct);
        if (ct.releases > 0)
            break;
        usleep(100000);
    }
    print_message("release: %llu, page cache %zu bytes after\n", (unsigned long long)ct.releases,
                  ct.cache_bytes);
    assert_true(ct.releases > 0);
    assert_true(ct.cache_bytes < 256 * 1024);
    assert_int_equal(submit_entry(in, N, es[N]), 0);
    assert_int_equal(ingest_wait_idle(in, 10000), 0);
    ingest_drain(in, collect_fn, c);
    ingest_get_counters(in, &ct);
    assert_int_equal(ct.added, N + 1);
    ingest_destroy(&in);
    free_entries(es, N + 1);
    collect_free(c);
}

/* Destroy with work everywhere in the pipeline: clean (ASan checks leaks), the file intact. */
static void test_destroy_pending(void **state)
{
    enum { N = 1500 };
    struct fixture *fx = *state;
    struct test_author a;
    struct entry **es;
    struct ingest *in;
    struct replica *r;
    struct replica_check rep;
    struct replica_meta m = {"cursor", "x", 1, 1};
    char err[256];
    size_t i;
    long long stored;

    test_author_init(&a, 6);
    es = make_entries(&a, N, 1024, 7);
    in = ingest_new(fx->path, 2, N, err, sizeof(err));
    assert_non_null(in);
    for (i = 0; i < N; i++)
        assert_int_equal(submit_entry(in, i, es[i]), 0);
    assert_int_equal(ingest_submit_meta(in, &m), 0);
    ingest_destroy(&in);
    assert_null(in);

    /* Finished but undrained results, too. */
    in = ingest_new(fx->path, 1, 16, err, sizeof(err));
    assert_non_null(in);
    for (i = 0; i < 16; i++)
        assert_int_equal(submit_entry(in, i, es[i]), 0);
    assert_int_equal(ingest_wait_idle(in, 10000), 0);
    ingest_destroy(&in);

    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_non_null(r);
    stored = replica_count(r);
    assert_true(stored >= 16 && stored <= N);
    assert_int_equal(replica_check(r, &rep, NULL, NULL), 0);
    assert_int_equal(rep.bad, 0);
    assert_true(rep.integrity_ok);
    replica_close(&r);
    free_entries(es, N);
}

/* One gossiped entry is stored and reported promptly, not after a batch timeout. */
static void test_single_latency(void **state)
{
    enum { N = 20 };
    struct fixture *fx = *state;
    struct test_author a;
    struct entry **es;
    struct ingest *in;
    struct collect *c = collect_new(N);
    char err[256];
    double lat[N], worst = 0, sum = 0;
    size_t i;

    test_author_init(&a, 7);
    es = make_entries(&a, N, 1024, 8);
    in = ingest_new(fx->path, 0, 64, err, sizeof(err));
    assert_non_null(in);
    for (i = 0; i < N; i++) {
        double t = now_ms();
        assert_int_equal(submit_entry(in, i, es[i]), 0);
        collect_until(in, c, i + 1, 5000);
        lat[i] = now_ms() - t;
        assert_int_equal(c->total, i + 1);
        assert_int_equal(c->kind[i], INGEST_ADDED);
        worst = lat[i] > worst ? lat[i] : worst;
        sum += lat[i];
    }
    print_message("single entry: mean %.2f ms, worst %.2f ms\n", sum / N, worst);
    assert_true(worst < 2000);
    ingest_destroy(&in);
    free_entries(es, N);
    collect_free(c);
}

static int meta_text(struct replica *r, const char *key, char *out, size_t outlen)
{
    uint8_t *v;
    size_t len;
    char err[256];
    enum replica_lookup l = replica_meta_get(r, key, &v, &len, NULL, err, sizeof(err));

    assert_true(l == REPLICA_FOUND || l == REPLICA_NOT_FOUND);
    if (l != REPLICA_FOUND)
        return 0;
    snprintf(out, outlen, "%s", (char *)v);
    free(v);
    return 1;
}

/* A meta is committed with or after every entry submitted before it, never before. */
static void test_meta_cursor(void **state)
{
    enum { N1 = 1000, N2 = 600 };
    struct fixture *fx = *state;
    struct test_author a;
    struct entry **es;
    struct ingest *in;
    struct replica *r;
    struct collect *c = collect_new(N1 + N2 + 10);
    struct replica_meta m = {"bootstrap.cursor", "first", 5, 1};
    struct ingest_counters k;
    char err[256], got[64];
    size_t i, seen_first = 0;
    const uint8_t junk[3] = {1, 2, 3};

    test_author_init(&a, 8);
    es = make_entries(&a, N1 + N2, 1024, 9);
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_non_null(r);
    in = ingest_new(fx->path, 0, 4096, err, sizeof(err));
    assert_non_null(in);
    for (i = 0; i < N1; i++)
        assert_int_equal(submit_entry(in, i, es[i]), 0);
    assert_int_equal(ingest_submit_meta(in, &m), 0);
    for (; i < N1 + N2; i++)
        assert_int_equal(submit_entry(in, i, es[i]), 0);
    m.value = "second";
    m.len = 6;
    assert_int_equal(ingest_submit_meta(in, &m), 0);
    /* Watch from the node's connection: whenever a cursor is visible, so is all it covers. */
    while (c->total < N1 + N2) {
        if (meta_text(r, "bootstrap.cursor", got, sizeof(got))) {
            long long n = replica_count(r);
            if (strcmp(got, "first") == 0) {
                assert_true(n >= N1);
                seen_first++;
            } else {
                assert_string_equal(got, "second");
                assert_int_equal(n, N1 + N2);
            }
        }
        ingest_drain(in, collect_fn, c);
    }
    assert_int_equal(ingest_wait_idle(in, 10000), 0);
    assert_true(meta_text(r, "bootstrap.cursor", got, sizeof(got)));
    assert_string_equal(got, "second");
    print_message("meta cursor: first cursor seen %zu times before the second\n", seen_first);

    /* After entries that are all invalid, and with nothing pending at all: committed alone. */
    assert_int_equal(ingest_submit(in, N1 + N2, junk, sizeof(junk)), 0);
    m.key = "after-invalid";
    m.value = junk;
    m.len = sizeof(junk);
    m.text = 0;
    assert_int_equal(ingest_submit_meta(in, &m), 0);
    assert_int_equal(ingest_wait_idle(in, 10000), 0);
    assert_int_equal(ingest_drain(in, collect_fn, c), 1);
    assert_int_equal(c->kind[N1 + N2], INGEST_INVALID);
    m.key = "idle";
    assert_int_equal(ingest_submit_meta(in, &m), 0);
    assert_int_equal(ingest_wait_idle(in, 10000), 0);
    assert_true(meta_text(r, "after-invalid", got, sizeof(got)));
    assert_true(meta_text(r, "idle", got, sizeof(got)));
    /* Deleting through the pipeline, and a key out of bounds is refused. */
    m.value = NULL;
    assert_int_equal(ingest_submit_meta(in, &m), 0);
    m.key = "";
    assert_int_equal(ingest_submit_meta(in, &m), -1);
    assert_int_equal(ingest_wait_idle(in, 10000), 0);
    assert_false(meta_text(r, "idle", got, sizeof(got)));
    ingest_get_counters(in, &k);
    assert_int_equal(k.metas_committed, 5);
    assert_int_equal(k.metas_dropped, 0);
    ingest_destroy(&in);
    replica_close(&r);
    free_entries(es, N1 + N2);
    collect_free(c);
}

static void tamper(const char *path, const char *sql)
{
    sqlite3 *db;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000); /* the pipeline may be trying its write again */
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* Poll the counters until the pipeline has failed (and retried) at least retries times. */
static void wait_failing(struct ingest *in, uint64_t retries, struct ingest_counters *k)
{
    double end = now_ms() + 20000;

    do {
        ingest_get_counters(in, k);
        if (k->failing && k->retries >= retries)
            return;
        usleep(10000);
    } while (now_ms() < end);
    fail_msg("the pipeline did not report a failing write");
}

/* A failed replica write is tried again until it works: the batch and its meta wait (no result,
 * nothing reported failed or lost), the counters say why, later entries wait behind it (invalid
 * ones are still answered), and once the fault is gone everything is stored, by itself. */
static void test_storage_failure_retried(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    struct entry **es;
    struct ingest *in;
    struct replica *r;
    struct collect *c = collect_new(20);
    struct replica_meta m = {"cursor", "c", 1, 1};
    struct ingest_counters k;
    char err[256], got[16];
    const uint8_t junk[2] = {0, 0};
    size_t i;

    test_author_init(&a, 9);
    es = make_entries(&a, 8, 100, 10); /* even: questions, odd: notes */
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_non_null(r);
    tamper(fx->path, "CREATE TRIGGER no_notes BEFORE INSERT ON entries WHEN NEW.kind = 3"
                     " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    in = ingest_new(fx->path, 1, 64, err, sizeof(err));
    assert_non_null(in);
    assert_int_equal(submit_entry(in, 0, es[0]), 0);
    collect_until(in, c, 1, 10000);
    assert_int_equal(c->kind[0], INGEST_ADDED);
    assert_int_equal(submit_entry(in, 1, es[1]), 0);
    assert_int_equal(ingest_submit_meta(in, &m), 0);
    wait_failing(in, 2, &k);
    assert_int_equal(k.fault, REPLICA_FAULT_OTHER);
    assert_non_null(strstr(k.failure, "disk on fire"));
    assert_true(k.failing_since_ms > 0);
    assert_int_equal(k.storage_failures, 1);
    /* Behind it: a valid entry waits, an invalid one is answered. */
    assert_int_equal(submit_entry(in, 2, es[2]), 0);
    assert_int_equal(ingest_submit(in, 3, junk, sizeof(junk)), 0);
    collect_until(in, c, 2, 10000);
    assert_int_equal(c->kind[3], INGEST_INVALID);
    assert_int_equal(ingest_wait_idle(in, 300), -1);
    assert_int_equal(c->total, 2);
    assert_int_equal(replica_count(r), 1);
    assert_false(meta_text(r, "cursor", got, sizeof(got)));
    /* The fault goes: the batch, its meta and what waited behind are stored. */
    tamper(fx->path, "DROP TRIGGER no_notes");
    collect_until(in, c, 4, 20000);
    assert_int_equal(ingest_wait_idle(in, 10000), 0);
    assert_int_equal(c->kind[1], INGEST_ADDED);
    assert_int_equal(c->kind[2], INGEST_ADDED);
    ingest_get_counters(in, &k);
    assert_false(k.failing);
    assert_int_equal(k.fault, REPLICA_FAULT_NONE);
    assert_int_equal(k.failed, 0);
    assert_int_equal(k.metas_dropped, 0);
    assert_int_equal(k.metas_committed, 1);
    assert_int_equal(replica_count(r), 3);
    assert_true(meta_text(r, "cursor", got, sizeof(got)));
    assert_string_equal(got, "c");
    for (i = 0; i < 4; i++)
        assert_int_equal(c->count[i], 1);
    ingest_destroy(&in);
    replica_close(&r);
    free_entries(es, 8);
    collect_free(c);
}

/* Stopping while a write fails does not wait for the fault to go: the batch is given up. */
static void test_storage_failure_stop(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    struct entry **es;
    struct ingest *in;
    struct ingest_counters k;
    char err[256];
    double t0;

    test_author_init(&a, 9);
    es = make_entries(&a, 2, 100, 11);
    tamper(fx->path, "CREATE TABLE IF NOT EXISTS x(y); DROP TABLE x;"); /* create the file */
    in = ingest_new(fx->path, 1, 64, err, sizeof(err));
    assert_non_null(in);
    tamper(fx->path, "CREATE TRIGGER no_notes BEFORE INSERT ON entries WHEN NEW.kind = 3"
                     " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    assert_int_equal(submit_entry(in, 1, es[1]), 0);
    wait_failing(in, 3, &k); /* the backoff is past 400 ms now */
    t0 = now_ms();
    ingest_destroy(&in);
    assert_true(now_ms() - t0 < 2000);
    free_entries(es, 2);
}

static void test_bad_arguments(void **state)
{
    struct fixture *fx = *state;
    char err[256], path[200];

    err[0] = '\0';
    assert_null(ingest_new(fx->path, 1, 0, err, sizeof(err)));
    assert_true(err[0] != '\0');
    snprintf(path, sizeof(path), "%s/no/such/dir/replica.db", fx->dir);
    err[0] = '\0';
    assert_null(ingest_new(path, 1, 16, err, sizeof(err)));
    assert_true(err[0] != '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_reader, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_when_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_yield, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_latency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_failure_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_failure_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
