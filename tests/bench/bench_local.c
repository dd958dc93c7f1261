/*
 * bench_local: one workstation's figures — signing, verification, merging into the replica,
 * search and list latency, through the library and through a real lored's local API, the
 * node's memory, and the replica's size. Run on demand (not part of ctest):
 *
 *   build/bin/bench_local [--entries N] [--lored PATH] [--json FILE] [--keep] [--threads N]
 *
 * --threads: the ingest pipeline's verify threads (default: the node's, one fewer than the cores).
 *
 * Prints a Markdown table (medians and p99 of one run) and, with --json, the same as JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "buf.h"
#include "ingest.h"
#include "kinds.h"
#include "log.h"
#include "replica.h"
#include "xmalloc.h"

/*
 * A synthetic vocabulary with a Zipf distribution (s = 1), like words in real text: a few very
 * common words and a long tail. Words are built from syllables so that the index sees many
 * distinct terms.
 */
#define NWORDS 8000
static const char *const syllables[] = {"ka",  "lo",  "mi",  "ne",  "ru",  "ta",  "vi",
                                        "so",  "pe",  "dra", "kel", "mon", "qui", "zer",
                                        "bal", "fin", "gor", "hul", "jas", "wex"};
#define NSYL (sizeof(syllables) / sizeof(syllables[0]))
static char words[NWORDS][16];
static double zipf_cdf[NWORDS];

static void vocabulary(void)
{
    double total = 0;
    size_t i, k, n;

    for (i = 0; i < NWORDS; i++) {
        words[i][0] = '\0';
        n = 2 + i % 3;
        for (k = 0, n = 2 + (i % 3); k < n; k++) {
            size_t len = strlen(words[i]);
            snprintf(words[i] + len, sizeof(words[i]) - len, "%s",
                     syllables[(i / (k == 0 ? 1 : k * NSYL) + k * 7) % NSYL]);
        }
        total += 1.0 / (double)(i + 1);
        zipf_cdf[i] = total;
    }
    for (i = 0; i < NWORDS; i++)
        zipf_cdf[i] /= total;
}

static const char *word(void)
{
    double u = (double)randombytes_random() / 4294967296.0;
    size_t lo = 0, hi = NWORDS - 1;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return words[lo];
}

static void text(struct buf *b, size_t bytes)
{
    buf_reset(b);
    while (b->len < bytes)
        if (buf_append_str(b, word()) != 0 || buf_append_str(b, " ") != 0)
            break;
}

struct author {
    uint8_t pk[32], sk[64];
};

static int sign(void *ctx, const uint8_t *m, size_t len, uint8_t sig[64])
{
    return crypto_sign_detached(sig, NULL, m, len, ((struct author *)ctx)->sk);
}

static int count_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    (void)e;
    (void)snippet;
    (void)rank;
    (*(size_t *)ctx)++;
    return 0;
}

static json_t *results;
static double merge_rate;
static int verify_threads; /* --threads; 0 = the node's default (cores - 1, at least 1) */
static void row(const char *name, double value, const char *unit, const char *note)
{
    printf("| %-44s | %12.1f | %-9s | %s |\n", name, value, unit, note);
    json_t *o = json_object();
    json_object_set_new(o, "value", json_real(value));
    json_object_set_new(o, "unit", json_string(unit));
    json_object_set(results, name, o);
    json_decref(o);
}

/* Send one request line to a node and read one response line; returns seconds, -1 on error. */
static double api_call(int fd, const char *req)
{
    char resp[1 << 16];
    size_t got = 0;
    double t0 = now_s();
    ssize_t n;

    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
        return -1;
    for (;;) {
        n = read(fd, resp + got, sizeof(resp) - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
        if (memchr(resp + got - (size_t)n, '\n', (size_t)n) != NULL)
            break;
        if (got == sizeof(resp))
            got = 0; /* keep reading a long response until its end */
    }
    return now_s() - t0;
}

struct pipeline_tally {
    size_t results, added;
};

static void pipeline_result(void *ctx, uint64_t source, const uint8_t *id, const struct entry *e,
                            enum ingest_result result, const char *why)
{
    struct pipeline_tally *t = ctx;

    (void)source;
    (void)id;
    (void)e;
    t->results++;
    if (result != INGEST_ADDED && t->results - t->added < 3)
        fprintf(stderr, "pipeline: result %d: %s\n", (int)result, why != NULL ? why : "");
    t->added += result == INGEST_ADDED;
}

/*
 * The pipeline rows: replica_add_batch alone (the local ceiling), then the whole pipeline
 * (ingest_submit with back-pressure, drained from ingest_fd like the event loop does) into a
 * fresh replica, while this thread also serves reads and local posts on its own connection, as
 * the loop would; their latency is what the loop's clients would see.
 */
static int bench_ingest_rows(const char *dir, struct entry **es, size_t n, double verify_rate,
                             struct author *a)
{
    char path[300], err[256];
    struct replica *r = NULL, *loop_r = NULL;
    struct ingest *in = NULL;
    struct pipeline_tally tally = {0, 0};
    struct pollfd p;
    const struct entry **batch = xcalloc(256, sizeof(*batch));
    struct entry **local = NULL;
    size_t i, k, sent = 0, nread = 0, nposts = 0, rows = 0, nlocal = 200;
    double t0, t, next_probe, batch_rate, pipe_rate, *read_ms = NULL, *post_ms = NULL;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN),
         nthreads = verify_threads > 0 ? verify_threads : (ncpu > 1 ? ncpu - 1 : 1);
    struct timespec cpu0, cpu1;
    int rc = -1;
    struct replica_query q = {0};

    snprintf(path, sizeof(path), "%s/batch.db", dir);
    r = replica_open(path, 16, err, sizeof(err));
    if (r == NULL)
        goto out;
    t0 = now_s();
    for (i = 0; i < n; i += k) {
        for (k = 0; k < 256 && i + k < n; k++)
            batch[k] = es[i + k];
        if (replica_add_batch(r, batch, k, NULL, NULL, 0, err, sizeof(err)) != 0)
            goto out;
    }
    batch_rate = (double)n / (now_s() - t0);
    row("replica_add_batch (insert + FTS), 256/tx", batch_rate, "entries/s",
        "verified already: local ceiling");
    replica_close(&r);

    /* Entries the loop posts locally during the run. */
    local = xcalloc(nlocal, sizeof(*local));
    for (i = 0; i < nlocal; i++) {
        struct entry_fields f = {0};
        char title[64];
        snprintf(title, sizeof(title), "local post %zu", i);
        f.kind = ENTRY_QUESTION;
        f.created_ms = 1796000000000ull + i;
        f.title = title;
        local[i] = kinds_create(&f, a->pk, sign, a, err, sizeof(err));
        if (local[i] == NULL)
            goto out;
    }
    read_ms = xcalloc(n, sizeof(*read_ms));
    post_ms = xcalloc(nlocal, sizeof(*post_ms));
    snprintf(path, sizeof(path), "%s/ingest.db", dir);
    loop_r = replica_open(path, 16, err, sizeof(err));
    if (loop_r == NULL)
        goto out;
    in = ingest_new(path, verify_threads, 4096, err, sizeof(err));
    if (in == NULL)
        goto out;
    p.fd = ingest_fd(in);
    p.events = POLLIN;
    q.limit = 20;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
    t0 = now_s();
    next_probe = t0 + 0.02;
    while (tally.results < n) {
        while (sent < n) {
            size_t len;
            const uint8_t *b = entry_bytes(es[sent], &len);
            if (ingest_submit(in, sent, b, len) != 0)
                break; /* full: drain first */
            sent++;
        }
        if (poll(&p, 1, 5) > 0)
            ingest_drain(in, pipeline_result, &tally);
        /* Every 20 ms, the loop serves a list; every other time also a local post. */
        if ((t = now_s()) >= next_probe && nread < n) {
            next_probe = t + 0.02;
            if (replica_list(loop_r, &q, count_row, &rows, NULL) != 0)
                goto out;
            read_ms[nread] = (now_s() - t) * 1000;
            if (nread++ % 2 == 0 && nposts < nlocal) {
                t = now_s();
                if (replica_add(loop_r, local[nposts], err, sizeof(err)) != REPLICA_ADDED)
                    goto out;
                post_ms[nposts++] = (now_s() - t) * 1000;
            }
        }
    }
    pipe_rate = (double)n / (now_s() - t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
    if (tally.added != n) {
        snprintf(err, sizeof(err), "pipeline added %zu of %zu", tally.added, n);
        goto out;
    }
    snprintf(path, sizeof(path), "local ingest (pipeline, %ld verify threads), 1 KiB", nthreads);
    row(path, pipe_rate, "entries/s", "verify threads + 1 writer; fresh replica; loop reads/posts");
    printf("| %-44s | %12.2f | %-9s | %s |\n", "  … as a share of replica_add_batch",
           pipe_rate / batch_rate, "ratio", "target >= 0.8");
    printf("| %-44s | %12.2f | %-9s | %s |\n", "  … as a share of raw verify × cores",
           pipe_rate / (verify_rate * (double)ncpu), "ratio", "bound by SQLite + FTS5");
    printf("| %-44s | %12.1f | %-9s | %s |\n", "  … vs replica_merge 1/tx (speed-up)",
           pipe_rate / merge_rate, "×", "");
    row("pipeline CPU time per entry, all threads",
        ((double)(cpu1.tv_sec - cpu0.tv_sec) * 1e6 + (double)(cpu1.tv_nsec - cpu0.tv_nsec) / 1e3) /
            (double)n,
        "us", "incl. the loop's reads/posts");
    if (nread > 0) {
        row("loop list (newest 20) during ingest, median", pct(read_ms, nread, 0.5), "ms",
            "node's own connection");
        row("loop list (newest 20) during ingest, p99", pct(read_ms, nread, 0.99), "ms", "");
    }
    if (nposts > 0) {
        row("loop replica_add during ingest, median", pct(post_ms, nposts, 0.5), "ms",
            "waits for the writer's transaction");
        row("loop replica_add during ingest, max", pct(post_ms, nposts, 1.0), "ms", "");
    }
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "pipeline: %s\n", err);
    ingest_destroy(&in);
    replica_close(&loop_r);
    replica_close(&r);
    for (i = 0; local != NULL && i < nlocal; i++)
        entry_destroy(&local[i]);
    free(local);
    free(read_ms);
    free(post_ms);
    free(batch);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"entries", required_argument, NULL, 'n'}, {"lored", required_argument, NULL, 'l'},
        {"json", required_argument, NULL, 'j'},    {"keep", no_argument, NULL, 'k'},
        {"threads", required_argument, NULL, 't'}, {NULL, 0, NULL, 0}};
    size_t n = 20000, i, nq = 300;
    const char *lored = NULL, *json_path = NULL;
    char dir[] = "/tmp/lore-bench-XXXXXX", path[256], err[256], cmd[300];
    struct author a;
    struct buf body, title;
    struct entry **es;
    struct replica *r;
    double t0, dt, *lat, sign_rate, verify_rate;
    int c, keep = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            n = strtoul(optarg, NULL, 10);
        else if (c == 'l')
            lored = optarg;
        else if (c == 'j')
            json_path = optarg;
        else if (c == 'k')
            keep = 1;
        else if (c == 't')
            verify_threads = (int)strtol(optarg, NULL, 10);
        else
            return 2;
    }
    if (n < 100 || sodium_init() < 0 || mkdtemp(dir) == NULL)
        return 1;
    log_init("bench", LOG_LEVEL_WARN);
    vocabulary();
    results = json_object();
    crypto_sign_keypair(a.pk, a.sk);
    buf_init(&body, 1 << 20);
    buf_init(&title, 1024);
    es = xcalloc(n, sizeof(*es));
    lat = xcalloc(n > nq ? n : nq, sizeof(*lat));

    printf("| measure | value | unit | note |\n|---|---:|---|---|\n");
    /* Raw references: ed25519 over 1 KiB, as libsodium does it, no lore code. */
    text(&body, 1024);
    uint8_t sig[64];
    t0 = now_s();
    for (i = 0; i < 20000; i++)
        crypto_sign_detached(sig, NULL, body.data, 1024, a.sk);
    sign_rate = 20000 / (now_s() - t0);
    row("raw ed25519 sign, 1 KiB", sign_rate, "ops/s", "reference, one core");
    t0 = now_s();
    for (i = 0; i < 20000; i++)
        if (crypto_sign_verify_detached(sig, body.data, 1024, a.pk) != 0)
            return 1;
    verify_rate = 20000 / (now_s() - t0);
    row("raw ed25519 verify, 1 KiB", verify_rate, "ops/s", "reference, one core");

    /* entry_create: encode + sign + decode + verify. */
    t0 = now_s();
    for (i = 0; i < n; i++) {
        struct entry_fields f = {0};
        const char *tags[2] = {word(), words[i % 50]};
        text(&title, 40);
        text(&body, 1024);
        f.kind = i % 3 == 0 ? ENTRY_NOTE : ENTRY_QUESTION;
        f.created_ms = 1795000000000ull + i;
        f.title = (const char *)title.data;
        f.body = (const char *)body.data;
        f.tags = tags;
        f.ntags = 2;
        es[i] = kinds_create(&f, a.pk, sign, &a, err, sizeof(err));
        if (es[i] == NULL) {
            fprintf(stderr, "kinds_create: %s\n", err);
            return 1;
        }
    }
    dt = now_s() - t0;
    row("entry_create (sign + self-check), 1 KiB body", n / dt, "entries/s", "");

    t0 = now_s();
    for (i = 0; i < n; i++) {
        size_t len;
        const uint8_t *b = entry_bytes(es[i], &len);
        struct entry *d = entry_decode(b, len, err, sizeof(err));
        if (d == NULL || kinds_verify(d, err, sizeof(err)) != 0)
            return 1;
        entry_destroy(&d);
    }
    dt = now_s() - t0;
    row("entry_decode + verify", n / dt, "entries/s", "");
    printf("| %-44s | %12.2f | %-9s | %s |\n", "  … as a share of raw verify", n / dt / verify_rate,
           "ratio", "");

    snprintf(path, sizeof(path), "%s/data", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/data/replica.db", dir);
    r = replica_open(path, 16, err, sizeof(err));
    if (r == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    t0 = now_s();
    for (i = 0; i < n; i++) {
        size_t len;
        const uint8_t *b = entry_bytes(es[i], &len);
        if (replica_merge(r, b, len, NULL, err, sizeof(err)) != REPLICA_ADDED) {
            fprintf(stderr, "merge: %s\n", err);
            return 1;
        }
    }
    dt = now_s() - t0;
    merge_rate = n / dt;
    row("replica_merge (verify + insert + FTS), 1/tx", n / dt, "entries/s", "one transaction each");
    t0 = now_s();
    for (i = 0; i < n; i++) {
        size_t len;
        const uint8_t *b = entry_bytes(es[i], &len);
        if (replica_merge(r, b, len, NULL, err, sizeof(err)) != REPLICA_EXISTS)
            return 1;
    }
    dt = now_s() - t0;
    row("replica_merge of a duplicate", n / dt, "entries/s", "idempotent path");
    if (bench_ingest_rows(dir, es, n, verify_rate, &a) != 0)
        return 1;

    struct replica_query q = {0};
    size_t hits = 0;
    q.limit = 20;
    for (i = 0; i < nq; i++) {
        char query[64];
        snprintf(query, sizeof(query), "%s %s", word(), word());
        t0 = now_s();
        if (replica_search(r, query, &q, NULL, NULL, count_row, &hits, NULL, err, sizeof(err)) != 0)
            return 1;
        lat[i] = (now_s() - t0) * 1000;
    }
    row("replica_search (2 words, top 20), median", pct(lat, nq, 0.5), "ms",
        "signatures checked when stored");
    row("replica_search (2 words, top 20), p99", pct(lat, nq, 0.99), "ms", "");
    replica_close(&r);

    struct stat st;
    stat(path, &st);
    row("replica size per entry (1 KiB body)", (double)st.st_size / (double)n, "bytes",
        "SQLite file incl. FTS index");

    if (lored != NULL) {
        pid_t pid = fork();
        if (pid == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 2);
            execl(lored, "lored", "--home", dir, "--log-level", "warn", (char *)NULL);
            _exit(127);
        }
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        int fd = -1, tries;
        snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/run/lored.sock", dir);
        for (tries = 0; tries < 100; tries++) {
            fd = socket(AF_UNIX, SOCK_STREAM, 0);
            if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
                break;
            close(fd);
            fd = -1;
            usleep(50000);
        }
        if (fd < 0) {
            fprintf(stderr, "lored did not start\n");
            return 1;
        }
        row("lored RSS at start, replica of N entries", (double)rss_kib(pid) / 1024, "MiB", "");
        for (i = 0; i < nq; i++)
            lat[i] = api_call(fd, "{\"op\":\"status\"}\n") * 1000;
        row("API status round trip, median", pct(lat, nq, 0.5), "ms", "");
        for (i = 0; i < nq; i++) {
            char req[160];
            snprintf(req, sizeof(req), "{\"op\":\"search\",\"query\":\"%s %s\",\"limit\":20}\n",
                     word(), word());
            lat[i] = api_call(fd, req) * 1000;
        }
        row("API search (2 words, top 20), median", pct(lat, nq, 0.5), "ms",
            "re-ranked; signatures checked when stored");
        row("API search (2 words, top 20), p99", pct(lat, nq, 0.99), "ms", "");
        for (i = 0; i < nq; i++)
            lat[i] = api_call(fd, "{\"op\":\"list\",\"limit\":50}\n") * 1000;
        row("API list (newest 50), median", pct(lat, nq, 0.5), "ms", "");
        row("API list (newest 50), p99", pct(lat, nq, 0.99), "ms", "");
        row("lored RSS after the queries", (double)rss_kib(pid) / 1024, "MiB", "");
        close(fd);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    printf("\nN = %zu entries with 1 KiB bodies; one run; %ld cores online.\n", n,
           sysconf(_SC_NPROCESSORS_ONLN));
    if (json_path != NULL)
        json_dump_file(results, json_path, JSON_INDENT(2));
    for (i = 0; i < n; i++)
        entry_destroy(&es[i]);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (keep)
        printf("kept %s\n", dir);
    else if (system(cmd) != 0)
        return 1;
    free(es);
    free(lat);
    buf_free(&body);
    buf_free(&title);
    json_decref(results);
    return 0;
}
