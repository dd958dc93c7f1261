/*
 * bench_sync: sync figures with real lored processes on loopback.
 *
 *   bench_sync --lored PATH --fill PATH [--nodes 10,32] [--posts 60] [--entries 100000]
 *              [--bulk 10000] [--lore PATH] [--startup HOME] [--json FILE]
 *
 *  - propagation: N nodes, each dialling up to 3 random earlier ones; an entry posted on one
 *    node (round robin) is timed until every node's `lore watch` stream has it: p50/p99 of the
 *    time to all nodes, and of single deliveries.
 *  - bulk on an online peer (--bulk N, default 10,000): node A writes N notes through post_batch
 *    (500 a call), then through `lore import` of a generated vault (with --lore), while B is up
 *    and linked: the time until B has all N, from the start of the import. The reference in the
 *    same run: B stopped, A writes N more, B started: the time until B has them, from its start.
 *  - bootstrap: a node holding E entries (made by lore_fill) and a fresh node dialling it; the
 *    fresh node's rate, against the local ingest rate of the same entries through the same
 *    pipeline in this process, measured in the same run (three of each, medians compared), and
 *    against raw verify and raw insert.
 *
 * Prints a Markdown table and, with --json, the same figures as JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
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
#include "entry.h"
#include "gossip.h"
#include "gossip_int.h" /* GOSSIP_QUEUE: the node's pipeline capacity */
#include "hex.h"
#include "ingest.h"
#include "kinds.h"
#include "log.h"
#include "replica.h"
#include "xmalloc.h"

#define MAX_NODES 256
#define MAX_LAT 100000

static char root[] = "/tmp/lore-bench-sync-XXXXXX";
static const char *lored_path, *fill_path, *lore_path;
/* Every node is in one team: the first node started creates it, the others join with its code. */
static char team_code[128];
static json_t *results;

struct node {
    pid_t pid;
    char home[128];
    int api;       /* request/response connection */
    int sub;       /* subscription connection */
    struct buf in; /* subscription input */
    uint16_t port;
};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The p-quantile of v by the nearest rank (bench_util's pct rounds down); 0 if empty. */
static double pct_near(double *v, size_t n, double p)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n == 0 ? 0 : v[(size_t)(p * (double)(n - 1) + 0.5)];
}

static void row(const char *name, double value, const char *unit, const char *note)
{
    json_t *o = json_object();

    printf("| %-50s | %12.2f | %-9s | %s |\n", name, value, unit, note);
    json_object_set_new(o, "value", json_real(value));
    json_object_set_new(o, "unit", json_string(unit));
    json_object_set_new(results, name, o);
}

/* A field of /proc/PID/status in KiB (VmRSS, VmHWM), or -1. */
static long proc_kib(pid_t pid, const char *field)
{
    char path[64], line[256];
    size_t flen = strlen(field);
    long v = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, field, flen) == 0 && line[flen] == ':')
            v = strtol(line + flen + 1, NULL, 10);
    fclose(f);
    return v;
}

/* Where field n (numbered as in proc(5), n >= 3) of a /proc/.../stat line starts, or NULL. */
static const char *stat_field(const char *line, int n)
{
    const char *p = strrchr(line, ')'); /* the end of field 2, the command name */
    int f = 2;

    if (p == NULL)
        return NULL;
    for (p++; f < n && *p != '\0'; p++)
        if (*p == ' ')
            f++;
    return f == n ? p : NULL;
}

/* utime + stime of a process, in clock ticks, or -1. */
static long long proc_ticks(pid_t pid)
{
    char path[64], line[1024];
    const char *ut, *st;
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    ok = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    if (!ok || (ut = stat_field(line, 14)) == NULL || (st = stat_field(line, 15)) == NULL)
        return -1;
    return strtoll(ut, NULL, 10) + strtoll(st, NULL, 10);
}

/* A row whose label says how many nodes: fmt (a literal) has one %zu. */
#define ROWN(fmt, n, value, unit, note)                                                            \
    do {                                                                                           \
        char label_[96];                                                                           \
        snprintf(label_, sizeof(label_), fmt, n);                                                  \
        row(label_, value, unit, note);                                                            \
    } while (0)

static int api_connect(const char *home)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    /* Close-on-exec: the nodes started later must not inherit every earlier node's connections
     * (with 200 nodes the last one would hold 400 descriptors it never uses). */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/run/lored.sock", home);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/*
 * Write a request (len bytes, its newline included) and read its one response line, of any
 * length, in chunks as the lore CLI does. (A read per byte, as this did before, made the answer to
 * `list` cost 30,000 system calls: most of what "local API during bootstrap" measured.) NULL on
 * failure.
 */
static json_t *api_roundtrip(int fd, const char *text, size_t len)
{
    char chunk[1 << 16], *nl;
    struct buf in;
    size_t off = 0, scanned = 0;
    ssize_t n;
    json_t *res = NULL;

    buf_init(&in, 64 << 20);
    while (off < len) {
        n = write(fd, text + off, len - off);
        if (n <= 0)
            goto out;
        off += (size_t)n;
    }
    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n <= 0 || buf_append(&in, chunk, (size_t)n) != 0)
            goto out;
        nl = memchr(in.data + scanned, '\n', in.len - scanned);
        if (nl != NULL) {
            res = json_loadb((const char *)in.data, (size_t)(nl - (char *)in.data), 0, NULL);
            break;
        }
        scanned = in.len;
    }
out:
    buf_free(&in);
    return res;
}

/* Send one request line, return the response object (new reference) or NULL. */
static json_t *api_call(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *api_call(int fd, const char *fmt, ...)
{
    char req[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(req, sizeof(req), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(req))
        return NULL;
    return api_roundtrip(fd, req, (size_t)n);
}

/* Start lored in root/name; join (or, first, create) the team when join is set, as a restarted
 * node does not. */
static int start_node_as(struct node *nd, const char *name, const char *const *peers, size_t npeers,
                         int join)
{
    char *argv[32];
    int argc = 0, i;
    json_t *st;

    snprintf(nd->home, sizeof(nd->home), "%s/%s", root, name);
    mkdir(nd->home, 0700);
    nd->pid = fork();
    if (nd->pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 2);
        argv[argc++] = (char *)"lored";
        argv[argc++] = (char *)"--home";
        argv[argc++] = nd->home;
        argv[argc++] = (char *)"--listen";
        argv[argc++] = (char *)"127.0.0.1:0";
        argv[argc++] = (char *)"--log-level";
        argv[argc++] = (char *)"warn";
        for (size_t k = 0; k < npeers && argc < 28; k++) {
            argv[argc++] = (char *)"--peer";
            argv[argc++] = (char *)peers[k];
        }
        argv[argc] = NULL;
        execv(lored_path, argv);
        _exit(127);
    }
    for (i = 0; i < 2400 && (nd->api = api_connect(nd->home)) < 0; i++) /* 60 s: a loaded machine */
        usleep(25000);
    if (nd->api < 0)
        return -1;
    if (!join) {
        st = json_pack("{s:b}", "ok", 1);
    } else if (team_code[0] == '\0') {
        st = api_call(nd->api, "{\"op\":\"team_create\",\"name\":\"bench\"}\n");
        snprintf(team_code, sizeof(team_code), "%s",
                 json_string_value(json_object_get(json_object_get(st, "team"), "code")) != NULL
                     ? json_string_value(json_object_get(json_object_get(st, "team"), "code"))
                     : "");
    } else {
        st = api_call(nd->api, "{\"op\":\"team_join\",\"code\":\"%s\"}\n", team_code);
    }
    if (!json_is_true(json_object_get(st, "ok"))) {
        char *dump = st != NULL ? json_dumps(st, JSON_COMPACT) : NULL;
        fprintf(stderr, "bench_sync: %s: joining the team: %s\n", name,
                dump != NULL ? dump : "no reply");
        free(dump);
        json_decref(st);
        return -1;
    }
    json_decref(st);
    st = api_call(nd->api, "{\"op\":\"status\"}\n");
    nd->port =
        (uint16_t)json_integer_value(json_object_get(json_object_get(st, "sync"), "listen_port"));
    json_decref(st);
    nd->sub = api_connect(nd->home);
    json_decref(api_call(nd->sub, "{\"op\":\"subscribe\"}\n"));
    fcntl(nd->sub, F_SETFL, O_NONBLOCK);
    buf_init(&nd->in, 64 << 20);
    return 0;
}

static int start_node(struct node *nd, const char *name, const char *const *peers, size_t npeers)
{
    return start_node_as(nd, name, peers, npeers, 1);
}

static void stop_node(struct node *nd)
{
    if (nd->pid <= 0)
        return;
    kill(nd->pid, SIGTERM);
    waitpid(nd->pid, NULL, 0);
    close(nd->api);
    close(nd->sub);
    buf_free(&nd->in);
    nd->pid = 0;
}

/* Read the subscription stream; return 1 if an entry event with this id arrived. */
static int saw_entry(struct node *nd, const char *id)
{
    char chunk[1 << 16];
    ssize_t n;
    char *nl;
    int found = 0;

    while ((n = read(nd->sub, chunk, sizeof(chunk))) > 0)
        if (buf_append(&nd->in, chunk, (size_t)n) != 0)
            return 0;
    while (nd->in.len > 0 && (nl = memchr(nd->in.data, '\n', nd->in.len)) != NULL) {
        size_t linelen = (size_t)(nl - (char *)nd->in.data);
        json_t *ev = json_loadb((const char *)nd->in.data, linelen, 0, NULL);
        const char *eid = json_string_value(json_object_get(json_object_get(ev, "entry"), "id"));
        if (eid != NULL && strcmp(eid, id) == 0)
            found = 1;
        json_decref(ev);
        buf_consume(&nd->in, linelen + 1);
    }
    return found;
}

#define IDLE_SECONDS 10

/* Memory and CPU per node while nothing is posted: RSS (median, max) and CPU over IDLE_SECONDS
 * from /proc/PID/stat, as a percentage of one core (median, max) and the sum over all nodes. */
static void idle_figures(struct node *nodes, size_t n)
{
    double *rss = xcalloc(n, sizeof(double)), *cpu = xcalloc(n, sizeof(double)), sum = 0;
    long long *t = xcalloc(n, sizeof(long long));
    double hz = (double)sysconf(_SC_CLK_TCK), t0;
    size_t i;

    for (i = 0; i < n; i++)
        rss[i] = (double)proc_kib(nodes[i].pid, "VmRSS") / 1024.0;
    t0 = now_ms();
    for (i = 0; i < n; i++)
        t[i] = proc_ticks(nodes[i].pid);
    sleep(IDLE_SECONDS);
    for (i = 0; i < n; i++) {
        cpu[i] = 100.0 * (double)(proc_ticks(nodes[i].pid) - t[i]) / hz / ((now_ms() - t0) / 1e3);
        sum += cpu[i];
    }
    ROWN("RSS per node (%zu nodes), median", n, pct_near(rss, n, 0.5), "MiB", "after the posts");
    ROWN("RSS per node (%zu nodes), max", n, pct_near(rss, n, 1.0), "MiB", "");
    ROWN("idle CPU per node (%zu nodes), median", n, pct_near(cpu, n, 0.5), "% core",
         "over 10 s, /proc/PID/stat");
    ROWN("idle CPU per node (%zu nodes), max", n, pct_near(cpu, n, 1.0), "% core", "");
    ROWN("idle CPU, all %zu nodes together", n, sum, "% core", "");
    free(rss);
    free(cpu);
    free(t);
}

static int bench_propagation(size_t n, size_t posts)
{
    struct node *nodes = xcalloc(n, sizeof(*nodes));
    double *all = xcalloc(posts, sizeof(double)), *each = xcalloc(posts * n, sizeof(double));
    size_t i, k, neach = 0, nall = 0, up;
    struct pollfd *pfd = xcalloc(n, sizeof(*pfd));
    double t0, started;
    char name[64], peerbuf[3][32];
    const char *peers[3];
    int rc = -1;

    t0 = now_ms();
    for (i = 0; i < n; i++) {
        size_t np = i < 3 ? i : 3;
        for (k = 0; k < np; k++) {
            size_t j = i <= 3 ? k : randombytes_uniform((uint32_t)i);
            snprintf(peerbuf[k], sizeof(peerbuf[k]), "127.0.0.1:%u", nodes[j].port);
            peers[k] = peerbuf[k];
        }
        snprintf(name, sizeof(name), "p%zu-%zu", n, i);
        if (start_node(&nodes[i], name, peers, np) != 0) {
            fprintf(stderr, "bench_sync: node %zu did not start\n", i);
            goto out;
        }
    }
    started = now_ms() - t0;
    /* Wait until every link is up and the first reconciliations are over. */
    for (k = 0; k < 100 + n; k++) {
        for (i = 0, up = 0; i < n; i++) {
            json_t *st = api_call(nodes[i].api, "{\"op\":\"status\"}\n");
            up += json_integer_value(json_object_get(json_object_get(st, "sync"), "peers_up")) > 0;
            json_decref(st);
        }
        if (up == n)
            break;
        usleep(100000);
    }
    usleep(1500000);
    for (k = 0; k < posts; k++) {
        struct node *origin = &nodes[k % n];
        double tmax = 0;
        json_t *resp;

        t0 = now_ms();
        resp = api_call(origin->api,
                        "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"bench %zu\",\"tags\":"
                        "[\"bench\"],\"body\":\"How fast does this reach everyone?\"}\n",
                        k);
        const char *id = json_string_value(json_object_get(resp, "id"));
        int *seen = xcalloc(n, sizeof(int));
        size_t nseen = 0;
        if (id == NULL) {
            fprintf(stderr, "bench_sync: post failed\n");
            json_decref(resp);
            free(seen);
            goto out;
        }
        while (nseen < n && now_ms() - t0 < 10000) {
            for (i = 0; i < n; i++) {
                if (!seen[i] && saw_entry(&nodes[i], id)) {
                    double dt = now_ms() - t0;
                    seen[i] = 1;
                    nseen++;
                    if (&nodes[i] != origin)
                        each[neach++] = dt;
                    if (dt > tmax)
                        tmax = dt;
                }
            }
            if (nseen < n) {
                for (i = 0; i < n; i++)
                    pfd[i] = (struct pollfd){.fd = seen[i] ? -1 : nodes[i].sub, .events = POLLIN};
                poll(pfd, n, 50);
            }
        }
        if (nseen == n)
            all[nall++] = tmax;
        else
            fprintf(stderr, "bench_sync: entry %zu reached %zu of %zu nodes\n", k, nseen, n);
        json_decref(resp);
        free(seen);
        usleep(20000);
    }
    ROWN("propagation to all %zu nodes, p50", n, pct_near(all, nall, 0.5), "ms",
         "post on one node until every node's watch has it");
    ROWN("propagation to all %zu nodes, p99", n, pct_near(all, nall, 0.99), "ms", "");
    ROWN("propagation to one node (%zu nodes), p50", n, pct_near(each, neach, 0.5), "ms", "");
    ROWN("entries that reached all %zu nodes", n, (double)nall, "of posts", "");
    ROWN("start of %zu nodes (each dials <= 3 earlier)", n, started / 1e3, "s",
         "sequential, until each API answers");
    idle_figures(nodes, n);
    rc = 0;
out:
    for (i = 0; i < n; i++)
        stop_node(&nodes[i]);
    free(nodes);
    free(all);
    free(each);
    free(pfd);
    return rc;
}

/* ---- bulk on an online peer ---- */

#define BULK_CHUNK 500

/* Send req (taken) as one line and read one response line of any length. NULL on failure. */
static json_t *api_call_json(int fd, json_t *req)
{
    char *text = json_dumps(req, JSON_COMPACT);
    size_t len;
    json_t *res = NULL;

    json_decref(req);
    if (text == NULL)
        return NULL;
    len = strlen(text);
    text[len++] = '\n'; /* over the NUL: sent by length */
    res = api_roundtrip(fd, text, len);
    free(text);
    return res;
}

static long long node_entries(struct node *nd)
{
    json_t *st = api_call(nd->api, "{\"op\":\"status\"}\n");
    long long n = json_integer_value(json_object_get(st, "entries"));

    json_decref(st);
    return n;
}

static const char bulk_body[] =
    "What to do at this step of the migration: stop the service, take a snapshot of the volume, "
    "check the checksum against the one in the runbook, then start the new version and watch the "
    "error rate for ten minutes before going on. If it rises, roll back with the snapshot.";

/* Write n notes on nd through post_batch, BULK_CHUNK a call. 0, or -1. */
static int bulk_post(struct node *nd, size_t n, const char *tag)
{
    size_t i, k;
    json_t *posts, *res;
    char title[96];
    int rc = 0;

    for (i = 0; i < n && rc == 0; i += BULK_CHUNK) {
        posts = json_array();
        for (k = i; k < n && k < i + BULK_CHUNK; k++) {
            snprintf(title, sizeof(title), "Runbook %s step %zu", tag, k);
            json_array_append_new(posts, json_pack("{s:s,s:s,s:s,s:[s]}", "kind", "note", "title",
                                                   title, "body", bulk_body, "tags", "runbook"));
        }
        res = api_call_json(nd->api, json_pack("{s:s,s:o}", "op", "post_batch", "entries", posts));
        if ((size_t)json_integer_value(json_object_get(res, "stored")) != k - i) {
            fprintf(stderr, "bench_sync: post_batch stored %lld of %zu\n",
                    (long long)json_integer_value(json_object_get(res, "stored")), k - i);
            rc = -1;
        }
        json_decref(res);
    }
    return rc;
}

/* A vault of n Markdown notes in dir. 0, or -1. */
static int bulk_vault(const char *dir, size_t n)
{
    char path[300];
    size_t i;
    FILE *f;

    if (mkdir(dir, 0700) != 0)
        return -1;
    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/step-%zu.md", dir, i);
        f = fopen(path, "w");
        if (f == NULL)
            return -1;
        fprintf(f, "---\ntags: [runbook]\n---\n# Imported runbook step %zu\n\n%s\n", i, bulk_body);
        if (fclose(f) != 0)
            return -1;
    }
    return 0;
}

/* Wait until b holds want entries (10 minutes at most); the time since t0 in ms, or -1. While
 * *child is a process (lore import), note when it ends in *child_ms (since t0). */
static double bulk_wait(struct node *b, long long want, double t0, pid_t *child, double *child_ms)
{
    int status;

    while (now_ms() - t0 < 600000) {
        if (*child > 0 && waitpid(*child, &status, WNOHANG) == *child) {
            *child_ms = now_ms() - t0;
            *child = status == 0 ? 0 : -1;
        }
        if (node_entries(b) >= want && *child <= 0)
            return *child == 0 ? now_ms() - t0 : -1;
        usleep(10000);
    }
    return -1;
}

static int bench_bulk(size_t n)
{
    struct node a = {0}, b = {0};
    char peer[32], label[96], vault[256], homeenv[200];
    const char *peers[1] = {peer};
    double t0, posted, online, imported = 0, online_import = -1, offline;
    long long want;
    pid_t child = 0;
    int rc = -1;

    if (start_node(&a, "bulk-a", NULL, 0) != 0)
        goto out;
    snprintf(peer, sizeof(peer), "127.0.0.1:%u", a.port);
    if (start_node(&b, "bulk-b", peers, 1) != 0)
        goto out;
    for (t0 = now_ms(); node_entries(&b) < node_entries(&a) && now_ms() - t0 < 30000;)
        usleep(20000);
    /* Through the batch op, B online. */
    want = node_entries(&a) + (long long)n;
    t0 = now_ms();
    if (bulk_post(&a, n, "online") != 0)
        goto out;
    posted = now_ms() - t0;
    online = bulk_wait(&b, want, t0, &child, &imported);
    /* Through lore import of a vault, B online. */
    if (lore_path != NULL) {
        snprintf(vault, sizeof(vault), "%s/vault", root);
        snprintf(homeenv, sizeof(homeenv), "LORE_HOME=%s", a.home);
        if (bulk_vault(vault, n) != 0)
            goto out;
        want = node_entries(&a) + (long long)n;
        t0 = now_ms();
        child = fork();
        if (child == 0) {
            int fd = open("/dev/null", O_WRONLY);
            dup2(fd, 1);
            dup2(fd, 2);
            putenv(homeenv);
            execl(lore_path, "lore", "import", vault, (char *)NULL);
            _exit(127);
        }
        online_import = bulk_wait(&b, want, t0, &child, &imported);
    }
    /* The reference: B offline during the writes, then started. */
    stop_node(&b);
    if (bulk_post(&a, n, "offline") != 0)
        goto out;
    want = node_entries(&a);
    t0 = now_ms();
    if (start_node_as(&b, "bulk-b", peers, 1, 0) != 0)
        goto out;
    offline = bulk_wait(&b, want, t0, &child, &imported);
    if (online < 0 || offline < 0 || (lore_path != NULL && online_import < 0)) {
        fprintf(stderr, "bench_sync: bulk: B did not get every note\n");
        goto out;
    }
    snprintf(label, sizeof(label), "bulk: %zu notes by post_batch, written in", n);
    row(label, posted / 1e3, "s", "on A, 500 a call");
    row("bulk: post_batch rate", (double)n / (posted / 1e3), "notes/s", "target >= 5000");
    row("bulk: all on online B, from the first write", online / 1e3, "s", "target <= 3");
    if (lore_path != NULL) {
        snprintf(label, sizeof(label), "bulk: %zu notes by lore import, imported in", n);
        row(label, imported / 1e3, "s", "a generated vault");
        row("bulk: lore import rate", (double)n / (imported / 1e3), "notes/s", "target >= 5000");
        row("bulk: lore import, all on online B, from its start", online_import / 1e3, "s",
            "target <= 3");
    }
    row("bulk reference: B offline, all on B from its start", offline / 1e3, "s", "reference");
    row("bulk: online B / offline B", online / offline, "ratio", "");
    rc = 0;
out:
    stop_node(&a);
    stop_node(&b);
    return rc;
}

/* ---- bootstrap ---- */

struct tally {
    size_t results, added;
};

static void tally_result(void *ctx, uint64_t source, const uint8_t *id, const struct entry *e,
                         enum ingest_result result, const char *why)
{
    struct tally *t = ctx;

    (void)source;
    (void)id;
    (void)e;
    (void)why;
    t->results++;
    t->added += result == INGEST_ADDED;
}

struct rawlist {
    uint8_t **raw;
    size_t *len, n;
};

static int collect_raw(void *ctx, uint64_t ts, const uint8_t *id, const uint8_t *raw, size_t len)
{
    struct rawlist *rl = ctx;

    (void)ts;
    (void)id;
    rl->raw[rl->n] = xmalloc(len);
    memcpy(rl->raw[rl->n], raw, len);
    rl->len[rl->n++] = len;
    return 0;
}

/* A replica file and its log, gone. */
static void remove_db(const char *path)
{
    char side[300];

    (void)unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    (void)unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    (void)unlink(side);
}

/* The same entries through the node's own pipeline, in this process: the local ingest rate. */
static double local_ingest_rate(const char *src_db, size_t n, double *verify_rate,
                                double *insert_rate)
{
    char err[256], path[256];
    struct rawlist rl = {xcalloc(n, sizeof(uint8_t *)), xcalloc(n, sizeof(size_t)), 0};
    struct replica *src = replica_open(src_db, 16, err, sizeof(err)), *dst;
    struct ingest *in;
    struct tally t = {0, 0};
    uint8_t zero[ENTRY_ID_LEN] = {0};
    struct entry **es;
    double t0, rate;
    size_t i, sub = 0;

    if (src == NULL || replica_scan(src, 0, zero, n, collect_raw, &rl) < 0)
        return -1;
    replica_close(&src);
    snprintf(path, sizeof(path), "%s/local-ingest.db", root);
    remove_db(path); /* each run ingests into a fresh replica */
    in = ingest_new(path, 0, GOSSIP_QUEUE, err, sizeof(err)); /* as the node makes its own */
    if (in == NULL)
        return -1;
    /* Each measurement starts with nothing of the one before still being written back. */
    sync();
    t0 = now_ms();
    while (t.results < rl.n) {
        while (sub < rl.n && ingest_submit(in, sub, rl.raw[sub], rl.len[sub]) == 0)
            sub++;
        struct pollfd p = {.fd = ingest_fd(in), .events = POLLIN};
        if (poll(&p, 1, 100) > 0)
            ingest_drain(in, tally_result, &t);
    }
    rate = (double)t.added / ((now_ms() - t0) / 1e3);
    ingest_destroy(&in);

    /* References: raw verification on one core, raw batched insert with no verification. */
    es = xcalloc(rl.n, sizeof(*es));
    t0 = now_ms();
    for (i = 0; i < rl.n; i++) {
        es[i] = entry_decode(rl.raw[i], rl.len[i], NULL, 0);
        if (es[i] == NULL || kinds_verify(es[i], NULL, 0) != 0)
            return -1;
    }
    *verify_rate = (double)rl.n / ((now_ms() - t0) / 1e3);
    snprintf(path, sizeof(path), "%s/raw-insert.db", root);
    remove_db(path);
    dst = replica_open(path, 16, err, sizeof(err));
    t0 = now_ms();
    for (i = 0; i < rl.n; i += 256) {
        size_t m = rl.n - i < 256 ? rl.n - i : 256;
        if (replica_add_batch(dst, (const struct entry *const *)es + i, m, NULL, NULL, 0, err,
                              sizeof(err)) != 0)
            return -1;
    }
    *insert_rate = (double)rl.n / ((now_ms() - t0) / 1e3);
    replica_close(&dst);
    for (i = 0; i < rl.n; i++) {
        entry_destroy(&es[i]);
        free(rl.raw[i]);
    }
    free(es);
    free(rl.raw);
    free(rl.len);
    return rate;
}

/*
 * One bootstrap of a fresh node (named name) from src. With probe, the fresh node's local API is
 * used meanwhile as a person and `lore watch` would use it (status and the newest entries every
 * 50 ms), and each call's latency goes into lat. Returns the entries per second, or -1.
 */
/* The fresh node's memory: peak RSS (VmHWM) during its bootstrap, and RSS 5 s after it. */
struct boot_mem {
    double peak_mib, idle_mib;
};

static double bootstrap_once(struct node *src, const char *name, size_t entries, int probe,
                             double *lat, size_t *nlat, struct boot_mem *mem)
{
    struct node fresh = {0};
    char peer[32], db[160];
    const char *peers[1] = {peer};
    long long have = 0;
    double t0, c0, rate = -1;
    json_t *sst = api_call(src->api, "{\"op\":\"status\"}\n");

    /* Everything the source holds (the filled entries, their authors' certificates, the team),
     * and the fresh node's own certificate. */
    entries = (size_t)json_integer_value(json_object_get(sst, "entries")) + 1;
    json_decref(sst);
    snprintf(peer, sizeof(peer), "127.0.0.1:%u", src->port);
    /* As each local ingest starts (local_ingest_rate): nothing of the run before still being
     * written back, and the entries to send in the OS cache, as the local ingest has them in
     * memory (a serving node's replica, used daily, is; the source's disk is not what is
     * measured). */
    sync();
    snprintf(db, sizeof(db), "%s/data/replica.db", src->home);
    if (warm_file(db) < 0)
        fprintf(stderr, "bench_sync: cannot read %s\n", db);
    t0 = now_ms();
    if (start_node(&fresh, name, peers, 1) != 0)
        goto out;
    while (have < (long long)entries && now_ms() - t0 < 600000) {
        c0 = now_ms();
        json_t *st = api_call(fresh.api, "{\"op\":\"status\"}\n");
        if (probe && *nlat < MAX_LAT)
            lat[(*nlat)++] = now_ms() - c0;
        have = json_integer_value(json_object_get(st, "entries"));
        json_decref(st);
        (void)saw_entry(&fresh, ""); /* read the watch stream, as `lore watch` would */
        if (probe) {
            c0 = now_ms();
            json_decref(api_call(fresh.api, "{\"op\":\"list\",\"limit\":20}\n"));
            if (*nlat < MAX_LAT)
                lat[(*nlat)++] = now_ms() - c0;
        }
        usleep(probe ? 50000 : 20000);
    }
    if (have >= (long long)entries)
        rate = (double)have / ((now_ms() - t0) / 1e3);
    if (mem != NULL) {
        mem->peak_mib = (double)proc_kib(fresh.pid, "VmHWM") / 1024.0;
        sleep(5);
        mem->idle_mib = (double)proc_kib(fresh.pid, "VmRSS") / 1024.0;
    }
out:
    stop_node(&fresh);
    return rate;
}

#define BOOT_RUNS 3 /* bootstraps and local ingests, each: their medians are compared */

static int bench_bootstrap(size_t entries)
{
    struct node src = {0};
    char cmd[512], db[256], note[96];
    double t0, local, verify, insert, rate, probed, rates[BOOT_RUNS], locals[BOOT_RUNS];
    char name[32], lnote[96];
    size_t i;
    static double lat[MAX_LAT];
    struct boot_mem mem = {0, 0};
    size_t nlat = 0;
    int rc = -1;

    snprintf(cmd, sizeof(cmd), "mkdir -p '%s/src/data' && chmod 700 '%s/src' '%s/src/data'", root,
             root, root);
    if (system(cmd) != 0)
        return -1;
    snprintf(db, sizeof(db), "%s/src/data/replica.db", root);
    if (team_code[0] == '\0') { /* no node yet: one creates the team */
        struct node founder = {0};
        if (start_node(&founder, "founder", NULL, 0) != 0)
            return -1;
        stop_node(&founder);
    }
    snprintf(cmd, sizeof(cmd), "'%s' '%s' %zu --code '%s' >/dev/null", fill_path, db, entries,
             team_code);
    t0 = now_ms();
    if (system(cmd) != 0)
        return -1;
    fprintf(stderr, "bench_sync: %zu entries made in %.1f s\n", entries, (now_ms() - t0) / 1e3);
    /* Three of each, medians compared: in five runs of the same code one after the other, the
     * local ingest rate alone measured 6,346-8,914 entries/s. */
    for (i = 0; i < BOOT_RUNS; i++) {
        locals[i] = local_ingest_rate(db, entries, &verify, &insert);
        if (locals[i] <= 0)
            return -1;
    }
    if (start_node(&src, "src", NULL, 0) != 0)
        goto out;
    for (i = 0; i < BOOT_RUNS; i++) {
        snprintf(name, sizeof(name), "fresh%zu", i);
        rates[i] = bootstrap_once(&src, name, entries, 0, NULL, NULL, i == 0 ? &mem : NULL);
        if (rates[i] <= 0)
            goto out;
    }
    probed = bootstrap_once(&src, "probed", entries, 1, lat, &nlat, NULL);
    if (probed <= 0)
        goto out;
    snprintf(note, sizeof(note), "median of %.0f, %.0f, %.0f; %zu entries, 1 KiB, from node start",
             rates[0], rates[1], rates[2], entries);
    snprintf(lnote, sizeof(lnote), "median of %.0f, %.0f, %.0f; in this process", locals[0],
             locals[1], locals[2]);
    rate = pct_near(rates, BOOT_RUNS, 0.5);
    local = pct_near(locals, BOOT_RUNS, 0.5);
    row("bootstrap rate (fresh node from one peer)", rate, "entries/s", note);
    row("local ingest rate (same pipeline, same entries)", local, "entries/s", lnote);
    row("bootstrap / local ingest", rate / local, "ratio", "medians; issue #3: >= 0.80");
    row("raw ed25519 decode+verify, one core", verify, "entries/s", "reference");
    row("raw batched insert + FTS, no verify", insert, "entries/s", "reference");
    row("bootstrap time", (double)entries / rate, "s", "");
    row("bootstrap rate with the API in use", probed, "entries/s",
        "status + newest 20 every 50 ms");
    row("local API during bootstrap, p50", pct_near(lat, nlat, 0.5), "ms", "status, list 20");
    row("local API during bootstrap, p99", pct_near(lat, nlat, 0.99), "ms", "target < 50");
    row("fresh node's peak RSS during bootstrap", mem.peak_mib, "MiB", "VmHWM; target <= 40");
    row("fresh node's RSS idle after bootstrap", mem.idle_mib, "MiB", "5 s after; target <= 20");
    rc = 0;
out:
    stop_node(&src);
    return rc;
}

/*
 * Startup: lored on an existing home (its data/replica.db made beforehand, e.g. by lore_fill;
 * run.sh caches a 1M-entry one under its out dir), timed from exec to the first reply of the local
 * API, three times (the first with whatever the page cache holds).
 */
static int bench_startup(const char *home)
{
    char *argv[] = {
        (char *)"lored",       (char *)"--home",      (char *)home,   (char *)"--listen",
        (char *)"127.0.0.1:0", (char *)"--log-level", (char *)"warn", NULL};
    double t[3], t0;
    long long entries = -1;
    char note[96];
    int run, fd = -1, rc = -1;
    pid_t pid;

    for (run = 0; run < 3; run++) {
        json_t *st = NULL;
        t0 = now_ms();
        if ((pid = fork()) == 0) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 2);
            execv(lored_path, argv);
            _exit(127);
        }
        while (st == NULL && now_ms() - t0 < 120000) {
            if ((fd = api_connect(home)) >= 0) {
                st = api_call(fd, "{\"op\":\"status\"}\n");
                close(fd);
            }
            if (st == NULL)
                usleep(2000);
        }
        t[run] = now_ms() - t0;
        if (st != NULL)
            entries = json_integer_value(json_object_get(st, "entries"));
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        if (st == NULL)
            goto out;
        json_decref(st);
    }
    snprintf(note, sizeof(note), "%lld entries; exec to first status reply; target < 1 s", entries);
    row("API ready after start, first of 3", t[0] / 1e3, "s", note);
    row("API ready after start, median of 3", pct_near(t, 3, 0.5) / 1e3, "s", "");
    rc = 0;
out:
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"lored", required_argument, NULL, 'l'},   {"fill", required_argument, NULL, 'f'},
        {"nodes", required_argument, NULL, 'n'},   {"posts", required_argument, NULL, 'p'},
        {"entries", required_argument, NULL, 'e'}, {"json", required_argument, NULL, 'j'},
        {"lore", required_argument, NULL, 'L'},    {"bulk", required_argument, NULL, 'b'},
        {"startup", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
    const char *nodes = "10,32", *json_path = NULL, *startup_home = NULL;
    size_t posts = 60, entries = 100000, bulk = 10000;
    char cmd[256], *list, *tok, *save = NULL;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            lored_path = optarg;
            break;
        case 'f':
            fill_path = optarg;
            break;
        case 'n':
            nodes = optarg;
            break;
        case 'p':
            posts = strtoul(optarg, NULL, 10);
            break;
        case 'e':
            entries = strtoul(optarg, NULL, 10);
            break;
        case 'j':
            json_path = optarg;
            break;
        case 'L':
            lore_path = optarg;
            break;
        case 'b':
            bulk = strtoul(optarg, NULL, 10);
            break;
        case 's':
            startup_home = optarg;
            break;
        default:
            return 2;
        }
    }
    if (lored_path == NULL || fill_path == NULL || posts == 0 || sodium_init() < 0 ||
        mkdtemp(root) == NULL) {
        fprintf(stderr, "usage: bench_sync --lored PATH --fill PATH [--nodes 10,32] [--posts N] "
                        "[--entries N] [--bulk N] [--lore PATH] [--startup HOME] [--json FILE]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    log_init("bench_sync", LOG_LEVEL_WARN);
    results = json_object();
    printf("| measure | value | unit | note |\n|---|---:|---|---|\n");
    list = xstrdup(nodes);
    for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        size_t n = strtoul(tok, NULL, 10);
        if (n < 2 || n > MAX_NODES || bench_propagation(n, posts) != 0)
            rc = 1;
    }
    free(list);
    if (bulk > 0 && bench_bulk(bulk) != 0)
        rc = 1;
    if (entries > 0 && bench_bootstrap(entries) != 0)
        rc = 1;
    if (startup_home != NULL && bench_startup(startup_home) != 0)
        rc = 1;
    printf("\nOne run on %ld cores; all nodes on this machine, loopback only.\n",
           sysconf(_SC_NPROCESSORS_ONLN));
    if (json_path != NULL)
        json_dump_file(results, json_path, JSON_INDENT(2));
    json_decref(results);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
