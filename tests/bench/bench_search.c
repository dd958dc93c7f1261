/*
 * bench_search: search and list at the machine's limits (issue 14) — a real lored's local API
 * beside plain SQLite on the same replica file, in the same run, query by query:
 *
 *   build/bin/bench_search --lored PATH --fill PATH [--entries 100000,1000000] [--out DIR]
 *                          [--queries 300] [--json FILE]
 *
 * For each size N, a replica made by lore_fill --zipf (Zipf vocabulary: bench_local's kind of
 * text; 1 KiB bodies up to 100,000 entries, 256 bytes beyond, to keep a million in ~1.5 GB) is
 * kept in DIR/search-N (made once, then reused: the fill of a million takes minutes). Rows:
 *  - API search, 2 words, top 20: {"op":"search","limit":20}, the reply read whole;
 *  - plain FTS5: the same MATCH expression lore runs (replica_search_match on a replica handle of
 *    this process: every word quoted, the last one a prefix while it is not a whole word of the
 *    replica; made before the clock starts) as SELECT rowid, bm25(fts, 10, 1, 5) ... ORDER BY 2
 *    LIMIT 20 over the replica's own fts table, on a read-only connection of this process;
 *  - API list, newest 50, beside SELECT the same columns ... ORDER BY effective_ms DESC, id DESC
 *    LIMIT 50.
 * Each ratio is lore's p99 over the reference's p99. Speed is never asserted. With BENCH_TRACE set,
 * each search query's latency, the reference's and the query go to stderr ("TRACE ms ms words"),
 * to see which queries make the tail.
 */
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
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
#include "log.h"
#include "replica.h"
#include "xmalloc.h"
#include "zipf_words.h"

static json_t *results;

static void row(const char *name, double value, const char *unit, const char *note)
{
    json_t *o = json_object();

    printf("| %-50s | %10.2f | %-6s | %s |\n", name, value, unit, note);
    fflush(stdout);
    json_object_set_new(o, "value", json_real(value));
    json_object_set_new(o, "unit", json_string(unit));
    json_object_set_new(results, name, o);
}

/* Send one request line and read the whole one-line reply; seconds, or -1. */
static double api_call(int fd, const char *req)
{
    char resp[1 << 16];
    double t0 = now_s();
    ssize_t n;

    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
        return -1;
    for (;;) {
        n = read(fd, resp, sizeof(resp));
        if (n <= 0)
            return -1;
        if (memchr(resp, '\n', (size_t)n) != NULL)
            break;
    }
    return now_s() - t0;
}

/* CPU seconds (user + system) pid has used, or this process with pid 0. */
static double cpu_s(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long ut = 0, st = 0;
    struct timespec ts;
    FILE *f;
    int i;

    if (pid == 0) {
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    }
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    p = fgets(buf, sizeof(buf), f) != NULL ? strrchr(buf, ')') : NULL;
    fclose(f);
    for (i = 0; p != NULL && i < 12; i++) /* to field 14 (utime), after the name */
        p = strchr(p + 1, ' ');
    if (p != NULL) {
        ut = strtoul(p + 1, &p, 10);
        st = strtoul(p, NULL, 10);
    }
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Make DIR/search-N/data/replica.db with lore_fill unless a finished one is there. */
static int fill(const char *fill_path, const char *home, size_t n)
{
    char cmd[1024], done[600];
    struct stat st;
    double t0;

    snprintf(done, sizeof(done), "%s/filled", home);
    if (stat(done, &st) == 0) {
        snprintf(cmd, sizeof(cmd), "%s/data", home);
        if (chmod(home, 0700) != 0 || chmod(cmd, 0700) != 0) /* lored wants them private */
            return -1;
        printf("replica of %zu entries: reused from %s\n\n", n, home);
        return 0;
    }
    if (snprintf(
            cmd, sizeof(cmd),
            "rm -rf '%s' && mkdir -p -m 700 '%s' '%s/data' && '%s' '%s/data/replica.db' %zu --zipf"
            " --body-bytes %d >/dev/null && touch '%s'",
            home, home, home, fill_path, home, n, n <= 100000 ? 1024 : 256,
            done) >= (int)sizeof(cmd))
        return -1;
    t0 = now_s();
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_search: the fill failed: %s\n", cmd);
        return -1;
    }
    printf("replica of %zu entries made in %.0f s (lore_fill --zipf)\n\n", n, now_s() - t0);
    return 0;
}

static pid_t start_lored(const char *lored, const char *home, int *fd)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    pid_t pid = fork();
    int tries;

    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        execl(lored, "lored", "--home", home, "--log-level", "warn", "--set", "mdns=off", "--set",
              "web_listen=", (char *)NULL);
        _exit(127);
    }
    if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/run/lored.sock", home) >=
        (int)sizeof(sun.sun_path)) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return -1;
    }
    for (tries = 0; tries < 1200; tries++) {
        *fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(*fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
            return pid;
        close(*fd);
        usleep(50000);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return -1;
}

/* Step a plain statement to its end. */
static int plain_run(sqlite3_stmt *s)
{
    int rc;

    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ;
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void pair(size_t n, const char *what, double *lore, double *plain, size_t nq,
                 const char *ref)
{
    char name[128];
    double lp99, pp99;

    snprintf(name, sizeof(name), "API %s, %zuk, median", what, n / 1000);
    row(name, pct(lore, nq, 0.5), "ms", "");
    snprintf(name, sizeof(name), "API %s, %zuk, p99", what, n / 1000);
    lp99 = pct(lore, nq, 0.99);
    row(name, lp99, "ms", "");
    snprintf(name, sizeof(name), "  plain SQLite %s, %zuk, median", ref, n / 1000);
    row(name, pct(plain, nq, 0.5), "ms", "reference, same file, same run");
    snprintf(name, sizeof(name), "  plain SQLite %s, %zuk, p99", ref, n / 1000);
    pp99 = pct(plain, nq, 0.99);
    row(name, pp99, "ms", "");
    snprintf(name, sizeof(name), "  %s p99 / plain p99, %zuk", what, n / 1000);
    row(name, lp99 / pp99, "ratio", "");
}

/* CPU per query: lored's (all its threads, from /proc) beside the plain query's in this process;
 * what the machine's load does not change. */
static void cpu_row(size_t n, const char *what, double lore_s, double plain_s)
{
    char name[128];

    snprintf(name, sizeof(name), "lored CPU per %s, %zuk, mean", what, n / 1000);
    row(name, lore_s * 1000, "ms", "user + system, all threads");
    snprintf(name, sizeof(name), "  plain SQLite CPU per %s, %zuk, mean", what, n / 1000);
    row(name, plain_s * 1000, "ms", "reference");
}

static int bench_one(const char *lored, const char *fill_path, const char *out, size_t n, size_t nq)
{
    char home[512], db[600], req[256], query[64], err[256], name[64];
    double *lat = xcalloc(nq, sizeof(*lat)), *ref = xcalloc(nq, sizeof(*ref)), t0, c0;
    double cpu_lore = 0, cpu_plain = 0;
    sqlite3 *sq = NULL;
    struct replica *words = NULL; /* replica_search_match's whole-word test, as lored's */
    sqlite3_stmt *fts = NULL, *list = NULL;
    struct buf match;
    uint64_t st = 42;
    size_t i;
    pid_t pid = -1;
    int fd = -1, rc = -1;

    snprintf(home, sizeof(home), "%s/search-%zu", out, n);
    snprintf(db, sizeof(db), "%s/data/replica.db", home);
    if (fill(fill_path, home, n) != 0)
        goto out;
    t0 = now_s();
    pid = start_lored(lored, home, &fd);
    if (pid < 0) {
        fprintf(stderr, "bench_search: lored did not start on %s\n", home);
        goto out;
    }
    printf("| measure (%zu entries) | value | unit | note |\n|---|---:|---|---|\n", n);
    snprintf(name, sizeof(name), "API ready after start, %zuk", n / 1000);
    row(name, (now_s() - t0) * 1000, "ms", "until the socket accepts");
    if (warm_file(db) < 0) {
        fprintf(stderr, "bench_search: cannot read %s\n", db);
        goto out;
    }
    words = replica_open(db, 0, err, sizeof(err));
    if (words == NULL) {
        fprintf(stderr, "bench_search: %s\n", err);
        goto out;
    }
    if (sqlite3_open_v2(db, &sq, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(sq,
                           "SELECT rowid, bm25(fts, 10.0, 1.0, 5.0) FROM fts WHERE fts MATCH ?"
                           " ORDER BY 2 LIMIT 20",
                           -1, &fts, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(sq,
                           "SELECT id, raw, kind, author, created_ms, title, tags, body FROM"
                           " entries ORDER BY effective_ms DESC, id DESC LIMIT 50",
                           -1, &list, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_search: %s\n", sqlite3_errmsg(sq));
        goto out;
    }
    for (i = 0; i < nq + 20; i++) { /* the first 20: warming both up, not counted */
        if (i == 20) {
            cpu_lore = cpu_s(pid);
            cpu_plain = 0;
        }
        const char *w1 = zipf_word(&st), *w2 = zipf_word(&st);
        snprintf(query, sizeof(query), "%s %s", w1, w2);
        snprintf(req, sizeof(req), "{\"op\":\"search\",\"query\":\"%s\",\"limit\":20}\n", query);
        if (replica_search_match(words, query, 0, &match, err, sizeof(err)) != 0)
            goto out;
        sqlite3_bind_text(fts, 1, (const char *)match.data, (int)match.len, SQLITE_TRANSIENT);
        buf_free(&match);
        t0 = now_s();
        c0 = cpu_s(0);
        if (plain_run(fts) != 0)
            goto out;
        cpu_plain += cpu_s(0) - c0;
        if (i >= 20)
            ref[i - 20] = (now_s() - t0) * 1000;
        t0 = api_call(fd, req);
        if (t0 < 0)
            goto out;
        if (i >= 20)
            lat[i - 20] = t0 * 1000;
        if (getenv("BENCH_TRACE") != NULL && i >= 20)
            fprintf(stderr, "TRACE %.1f %.1f %s\n", lat[i - 20], ref[i - 20], query);
    }
    pair(n, "search (2 words, top 20)", lat, ref, nq, "FTS5 bm25 LIMIT 20");
    cpu_row(n, "search", (cpu_s(pid) - cpu_lore) / (double)nq, cpu_plain / (double)(nq + 20));
    cpu_plain = 0;
    for (i = 0; i < nq + 20; i++) {
        if (i == 20)
            cpu_lore = cpu_s(pid);
        t0 = now_s();
        c0 = cpu_s(0);
        if (plain_run(list) != 0)
            goto out;
        cpu_plain += cpu_s(0) - c0;
        if (i >= 20)
            ref[i - 20] = (now_s() - t0) * 1000;
        t0 = api_call(fd, "{\"op\":\"list\",\"limit\":50}\n");
        if (t0 < 0)
            goto out;
        if (i >= 20)
            lat[i - 20] = t0 * 1000;
        if (getenv("BENCH_TRACE") != NULL && i >= 20)
            fprintf(stderr, "TRACE %.1f %.1f %s\n", lat[i - 20], ref[i - 20], query);
    }
    pair(n, "list (newest 50)", lat, ref, nq, "ORDER BY effective_ms LIMIT 50");
    cpu_row(n, "list", (cpu_s(pid) - cpu_lore) / (double)nq, cpu_plain / (double)(nq + 20));
    snprintf(name, sizeof(name), "lored RSS after the queries, %zuk", n / 1000);
    row(name, (double)rss_kib(pid) / 1024, "MiB", "");
    printf("\n");
    rc = 0;
out:
    sqlite3_finalize(fts);
    sqlite3_finalize(list);
    sqlite3_close(sq);
    replica_close(&words);
    if (fd >= 0)
        close(fd);
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    free(lat);
    free(ref);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"lored", required_argument, NULL, 'l'},
                                         {"fill", required_argument, NULL, 'f'},
                                         {"entries", required_argument, NULL, 'n'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"queries", required_argument, NULL, 'q'},
                                         {"json", required_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    const char *lored = NULL, *fill_path = NULL, *out = "bench-results", *json_path = NULL;
    char sizes[256] = "100000,1000000", *tok, *save = NULL;
    size_t nq = 300;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'l')
            lored = optarg;
        else if (c == 'f')
            fill_path = optarg;
        else if (c == 'n')
            snprintf(sizes, sizeof(sizes), "%s", optarg);
        else if (c == 'o')
            out = optarg;
        else if (c == 'q')
            nq = strtoul(optarg, NULL, 10);
        else if (c == 'j')
            json_path = optarg;
        else
            return 2;
    }
    if (lored == NULL || fill_path == NULL || nq < 10 || sodium_init() < 0) {
        fprintf(stderr, "usage: bench_search --lored PATH --fill PATH [--entries N,N...] "
                        "[--out DIR] [--queries Q] [--json FILE]\n");
        return 2;
    }
    log_init("bench", LOG_LEVEL_WARN);
    signal(SIGPIPE, SIG_IGN);
    zipf_vocabulary();
    results = json_object();
    mkdir(out, 0700);
    for (tok = strtok_r(sizes, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
        if (bench_one(lored, fill_path, out, strtoul(tok, NULL, 10), nq) != 0)
            rc = 1;
    printf("Q = %zu queries of 2 Zipf-drawn words each, lore and plain SQLite interleaved, the "
           "replica file read once before them (in the OS cache, as on a machine using it "
           "daily); %ld cores online.\n",
           nq, sysconf(_SC_NPROCESSORS_ONLN));
    if (json_path != NULL)
        json_dump_file(results, json_path, JSON_INDENT(2));
    json_decref(results);
    return rc;
}
