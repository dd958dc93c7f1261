/*
 * bench_web: how fast the node renders the web interface's pages from a large replica, and how
 * heavy a first load is (issue 13, item 5). Run on demand (not part of ctest):
 *
 *   build/bin/bench_web [--entries N] [--runs R] [--json FILE] [--keep]
 *
 * Fills a node's replica with N signed entries (default 100,000: questions, answers, notes and
 * comments by 50 colleagues over two years, Zipf-less but tag-skewed), gives the node a name, two
 * skills (so its inbox is full) and 30 questions of its own, and a question with 20 answers and
 * 5 comments. Then renders each page R times (default 500) through web_pages_serve — the function
 * the web server calls, from its first op to the last byte of HTML, without the HTTP transport
 * (loopback adds about 0.1 ms) — and prints p50/p99 in a Markdown table (and with --json, JSON).
 * Page weight: what a first load fetches — the page's HTML, every /static/ file it names (the CSS
 * and the script) and the favicon the browser asks for — each part and the total.
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "hex.h"
#include "kinds.h"
#include "log.h"
#include "node_call.h"
#include "node_core.h"
#include "replica.h"
#include "web_pages.h"
#include "web_static.h"
#include "xmalloc.h"

#define NAUTHORS 50
#define WARM 3 /* renders before the timed ones */
#define DAY_MS (24ull * 3600 * 1000)

struct author {
    uint8_t pk[32], sk[64];
};

static const char *const words[] = {"printer",  "vpn",    "deploy",    "kubernetes",  "backup",
                                    "laptop",   "wifi",   "invoice",   "onboarding",  "release",
                                    "database", "badge",  "projector", "meeting",     "budget",
                                    "review",   "mentor", "firewall",  "certificate", "python"};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static const char md_answer[] =
    "Try this first:\n\n1. open the **settings**\n2. pick `Network` and then *VPN*\n"
    "3. restart the client\n\n```sh\nsudo systemctl restart lore-vpn\njournalctl -u lore-vpn -n "
    "50\n"
    "```\n\nIf it still fails, see [the wiki](https://wiki.example/vpn) and ask in #it.\n"
    "> Note: the old profile stops working on Friday.\n";

static json_t *results;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return v[(size_t)(p * (double)(n - 1))];
}

static void row(const char *name, double value, const char *unit, const char *note)
{
    json_t *o = json_object();

    printf("| %-44s | %10.2f | %-5s | %s |\n", name, value, unit, note);
    json_object_set_new(o, "value", json_real(value));
    json_object_set_new(o, "unit", json_string(unit));
    json_object_set(results, name, o);
    json_decref(o);
}

static int sign(void *ctx, const uint8_t *m, size_t len, uint8_t sig[64])
{
    return crypto_sign_detached(sig, NULL, m, len, ((struct author *)ctx)->sk);
}

/* A batch of entries being built, flushed to the replica 256 at a time. */
struct fill {
    struct replica *r;
    struct entry *batch[256];
    size_t n;
    char err[256];
};

static int fill_flush(struct fill *f)
{
    size_t i;
    int rc = replica_add_batch(f->r, (const struct entry *const *)f->batch, f->n, NULL, NULL, 0,
                               f->err, sizeof(f->err));

    for (i = 0; i < f->n; i++)
        entry_destroy(&f->batch[i]);
    f->n = 0;
    return rc;
}

/* Sign ef by a and queue it; its id into id_out (if not NULL). */
static int fill_add(struct fill *f, struct author *a, const struct entry_fields *ef,
                    uint8_t *id_out)
{
    struct entry *e = kinds_create(ef, a->pk, sign, a, f->err, sizeof(f->err));

    if (e == NULL)
        return -1;
    if (id_out != NULL)
        memcpy(id_out, entry_id(e), ENTRY_ID_LEN);
    f->batch[f->n++] = e;
    return f->n == 256 ? fill_flush(f) : 0;
}

/* One entry of the history: i-th of n, by a random colleague; questions' ids are kept in qids
 * (*nq of them) so that answers and comments can refer to them. */
static int fill_one(struct fill *f, struct author *authors, size_t i, size_t n, uint64_t now,
                    uint8_t (*qids)[ENTRY_ID_LEN], size_t *nq)
{
    struct entry_fields ef = {0};
    const char *tags[2];
    char title[160], body[512];
    unsigned r = randombytes_uniform(100);
    size_t w1 = randombytes_uniform(NWORDS), w2 = randombytes_uniform(NWORDS);
    struct author *a = &authors[randombytes_uniform(NAUTHORS)];

    ef.created_ms = now - 730 * DAY_MS + (uint64_t)i * (730 * DAY_MS / n);
    snprintf(title, sizeof(title), "How do I get the %s working with the %s (case %zu)?", words[w1],
             words[w2], i);
    snprintf(body, sizeof(body),
             "The %s stopped after the %s change. I tried restarting and the usual steps from "
             "the wiki, and the %s still says no. What did you do? Entry %zu.",
             words[w1], words[w2], words[(w1 + w2) % NWORDS], i);
    tags[0] = words[w1];
    tags[1] = words[w2];
    ef.tags = tags;
    ef.ntags = w1 == w2 ? 1 : 2;
    ef.body = body;
    if (r < 40 || *nq == 0) {
        ef.kind = ENTRY_QUESTION;
        ef.title = title;
    } else if (r < 80) {
        ef.kind = ENTRY_ANSWER;
        ef.refs = (const uint8_t(*)[ENTRY_ID_LEN])qids[randombytes_uniform((uint32_t)*nq)];
        ef.nrefs = 1;
        ef.ntags = 0;
    } else if (r < 90) {
        ef.kind = ENTRY_NOTE;
        ef.title = title;
    } else {
        ef.kind = ENTRY_COMMENT;
        ef.refs = (const uint8_t(*)[ENTRY_ID_LEN])qids[randombytes_uniform((uint32_t)*nq)];
        ef.nrefs = 1;
        ef.ntags = 0;
    }
    if (fill_add(f, a, &ef, ef.kind == ENTRY_QUESTION ? qids[*nq] : NULL) != 0)
        return -1;
    *nq += ef.kind == ENTRY_QUESTION;
    return 0;
}

/* Ask the node; the response must be ok. */
static json_t *call_ok(struct node *n, json_t *req)
{
    json_t *res = node_call(n, req);

    json_decref(req);
    if (!json_is_true(json_object_get(res, "ok"))) {
        char *s = json_dumps(res, 0);
        fprintf(stderr, "bench_web: %s\n", s != NULL ? s : "?");
        exit(1);
    }
    return res;
}

/* The node's own life: a name, skills, its questions, and the question with 20 answers. Its id
 * into qid. */
static int fill_mine(struct node *n, struct fill *f, struct author *authors, uint64_t now,
                     char qid[2 * ENTRY_ID_LEN + 1])
{
    uint8_t id[1][ENTRY_ID_LEN];
    struct entry_fields ef = {0};
    char title[128];
    json_t *res;
    size_t i;

    json_decref(call_ok(n, json_pack("{s:s,s:s}", "op", "init", "name", "Bench")));
    json_decref(call_ok(n, json_pack("{s:s,s:s,s:i}", "op", "skill", "tag", "vpn", "level", 4)));
    json_decref(call_ok(n, json_pack("{s:s,s:s}", "op", "skill", "tag", "printer")));
    for (i = 0; i < 30; i++) {
        snprintf(title, sizeof(title), "My question number %zu about the deploy", i);
        json_decref(call_ok(n, json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "op", "post", "kind",
                                         "question", "title", title, "body", "Some *details* here.",
                                         "tags", "deploy")));
    }
    res = call_ok(n, json_pack("{s:s,s:s,s:s,s:s,s:[s,s]}", "op", "post", "kind", "question",
                               "title", "The VPN drops every ten minutes on the new laptops",
                               "body", md_answer, "tags", "vpn", "laptop"));
    snprintf(qid, 2 * ENTRY_ID_LEN + 1, "%s", json_string_value(json_object_get(res, "id")));
    json_decref(res);
    if (hex_decode(qid, 2 * ENTRY_ID_LEN, id[0], ENTRY_ID_LEN) != 0)
        return -1;
    for (i = 0; i < 25; i++) {
        memset(&ef, 0, sizeof(ef));
        ef.kind = i < 20 ? ENTRY_ANSWER : ENTRY_COMMENT;
        ef.created_ms = now - 1000 * (25 - i);
        ef.refs = (const uint8_t(*)[ENTRY_ID_LEN])id;
        ef.nrefs = 1;
        ef.body = i < 20 ? md_answer : "Thanks, that *worked* for me too.";
        if (fill_add(f, &authors[i % NAUTHORS], &ef, NULL) != 0)
            return -1;
    }
    return fill_flush(f);
}

/* Render path runs times; p50/p99 rows, and the page's HTML size into *bytes. */
static int bench_page(struct node *n, const char *name, const char *path, size_t runs,
                      size_t *bytes)
{
    double *ms = xcalloc(runs, sizeof(*ms)), t;
    char label[96];
    size_t i;
    int rc = 0;

    for (i = 0; i < runs + WARM && rc == 0; i++) {
        struct web_page p = {0};
        p.n = n;
        p.csrf = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        p.status = 200;
        buf_init(&p.body, WEB_PAGE_MAX);
        t = now_s();
        rc = web_pages_serve(&p, "GET", path);
        if (i >= WARM) /* the first ones warm the page cache */
            ms[i - WARM] = (now_s() - t) * 1000;
        if (p.status != 200)
            rc = -1;
        *bytes = p.body.len;
        buf_free(&p.body);
        free(p.location);
    }
    if (rc != 0) {
        fprintf(stderr, "bench_web: %s did not render\n", path);
        free(ms);
        return -1;
    }
    snprintf(label, sizeof(label), "%s, p50", name);
    row(label, pct(ms, runs, 0.5), "ms", "server time (web_pages_serve)");
    snprintf(label, sizeof(label), "%s, p99", name);
    row(label, pct(ms, runs, 0.99), "ms", "target < 20 ms");
    free(ms);
    return 0;
}

/* What a first load of path fetches: its HTML, each /static/ file the HTML names (src= or href=)
 * and /favicon.ico, which every browser asks for. A row a part and one for the total; -1 if the
 * page names a file the node does not serve. */
static int page_weight(struct node *n, const char *name, const char *path)
{
    struct web_page p = {0};
    const char *at, *end;
    char label[160], parts[256], file[64];
    size_t total, len;
    const struct web_asset *a;
    int rc = 0;

    p.n = n;
    p.csrf = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    p.status = 200;
    buf_init(&p.body, WEB_PAGE_MAX);
    if (web_pages_serve(&p, "GET", path) != 0 || buf_append_u8(&p.body, 0) != 0) {
        buf_free(&p.body);
        free(p.location);
        return -1;
    }
    total = p.body.len - 1;
    snprintf(label, sizeof(label), "first load: %s, HTML", name);
    row(label, (double)total / 1024, "KiB", "");
    snprintf(parts, sizeof(parts), "HTML");
    for (at = (const char *)p.body.data; rc == 0 && (at = strstr(at, "=\"/static/")) != NULL;
         at = end) {
        at += 2;
        end = strchr(at, '"');
        len = end != NULL ? (size_t)(end - at) : 0;
        if (len == 0 || len >= sizeof(file)) {
            rc = -1;
            break;
        }
        memcpy(file, at, len);
        file[len] = '\0';
        a = web_static_find(file);
        if (a == NULL) {
            fprintf(stderr, "bench_web: %s names %s, which is not served\n", path, file);
            rc = -1;
        } else if (strstr(parts, file) == NULL) { /* once, however often it is named */
            total += strlen(a->body);
            snprintf(parts + strlen(parts), sizeof(parts) - strlen(parts), " + %s", file);
        }
    }
    a = web_static_find("/favicon.ico");
    total += strlen(a->body);
    snprintf(parts + strlen(parts), sizeof(parts) - strlen(parts), " + /favicon.ico");
    snprintf(label, sizeof(label), "first load: %s, everything", name);
    row(label, (double)total / 1024, "KiB", "target < 100 KiB");
    printf("|   (%s) | | | |\n", parts);
    buf_free(&p.body);
    free(p.location);
    return rc;
}

/* The op behind a page alone (request text), runs times: its p50, to tell page from op. */
static void bench_op(struct node *n, const char *name, const char *request, size_t runs)
{
    double *ms = xcalloc(runs, sizeof(*ms)), t;
    json_t *req = json_loads(request, 0, NULL);
    size_t i;

    for (i = 0; i < runs && req != NULL; i++) {
        t = now_s();
        json_decref(node_call(n, req));
        ms[i] = (now_s() - t) * 1000;
    }
    row(name, pct(ms, runs, 0.5), "ms", "p50 of the op alone (node_call)");
    json_decref(req);
    free(ms);
}

static int bench_fill(struct node *n, size_t count, char qid[2 * ENTRY_ID_LEN + 1])
{
    struct author authors[NAUTHORS];
    struct fill f = {0};
    uint8_t(*qids)[ENTRY_ID_LEN] = xcalloc(count + 1, ENTRY_ID_LEN);
    uint64_t now = wall_ms();
    size_t i, nq = 0;
    char name[32];
    double t0 = now_s();

    f.r = n->replica;
    for (i = 0; i < NAUTHORS; i++) {
        struct entry_fields ef = {0};
        crypto_sign_keypair(authors[i].pk, authors[i].sk);
        snprintf(name, sizeof(name), "Colleague %zu", i);
        ef.kind = ENTRY_PROFILE;
        ef.created_ms = now - 731 * DAY_MS;
        ef.title = name;
        if (fill_add(&f, &authors[i], &ef, NULL) != 0)
            goto fail;
    }
    for (i = 0; i < count; i++)
        if (fill_one(&f, authors, i, count, now, qids, &nq) != 0)
            goto fail;
    if (fill_flush(&f) != 0 || fill_mine(n, &f, authors, now, qid) != 0)
        goto fail;
    row("fill: entries stored", (double)count, "", "");
    row("fill: time", now_s() - t0, "s", "sign + replica_add_batch, 256/tx");
    free(qids);
    sodium_memzero(authors, sizeof(authors));
    return 0;
fail:
    fprintf(stderr, "bench_web: fill: %s\n", f.err);
    free(qids);
    return -1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"entries", required_argument, NULL, 'e'},
                                         {"runs", required_argument, NULL, 'r'},
                                         {"json", required_argument, NULL, 'j'},
                                         {"keep", no_argument, NULL, 'k'},
                                         {NULL, 0, NULL, 0}};
    size_t count = 100000, runs = 500, home_bytes = 0, q_bytes = 0, assets, stats_bytes;
    const struct web_asset *asset;
    const char *json_path = NULL;
    char dir[64], err[256], qid[2 * ENTRY_ID_LEN + 1], path[96], cmd[128];
    struct node *n;
    int c, keep = 0, rc = 1;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'e')
            count = strtoul(optarg, NULL, 10);
        else if (c == 'r')
            runs = strtoul(optarg, NULL, 10);
        else if (c == 'j')
            json_path = optarg;
        else if (c == 'k')
            keep = 1;
        else
            return 2;
    }
    if (count < 100 || runs < 10 || sodium_init() < 0)
        return 2;
    log_init("bench", LOG_LEVEL_WARN);
    setvbuf(stdout, NULL, _IOLBF, 0); /* rows as they come (run.sh tees them) */
    results = json_object();
    snprintf(dir, sizeof(dir), "/tmp/lore-bench-web-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    n = node_core_new(dir, err, sizeof(err));
    if (n == NULL) {
        fprintf(stderr, "bench_web: %s\n", err);
        return 1;
    }
    printf("| %-44s | %10s | %-5s | %s |\n|---|---:|---|---|\n", "web interface", "value", "unit",
           "note");
    if (bench_fill(n, count, qid) != 0)
        goto out;
    snprintf(path, sizeof(path), "/q/%s", qid);
    if (bench_page(n, "home page (inbox, my questions)", "/", runs, &home_bytes) != 0)
        goto out;
    bench_op(n, "  … of which op inbox (limit 30)", "{\"op\":\"inbox\",\"limit\":30}", 10);
    if (bench_page(n, "question page, 20 answers + 5 comments", path, runs, &q_bytes) != 0 ||
        bench_page(n, "tag page (/t/vpn, 100 entries)", "/t/vpn", 50, &assets) != 0)
        goto out;
    bench_op(n, "  … of which op list (tag vpn, 100)",
             "{\"op\":\"list\",\"tag\":\"vpn\",\"limit\":100,\"pinned_first\":true}", 10);
    /* The ops of the people and stats pages alone (issue 13 item 5, issue 14). */
    bench_op(n, "op stats (all time)", "{\"op\":\"stats\"}", 10);
    bench_op(n, "op stats (tag vpn)", "{\"op\":\"stats\",\"tag\":\"vpn\"}", 10);
    bench_op(n, "op top (leaderboard, 50)", "{\"op\":\"top\",\"limit\":50}", 10);
    bench_op(n, "op digest (last day)", "{\"op\":\"digest\"}", 10);
    bench_op(n, "  … op list (newest questions, 10: the home page's news)",
             "{\"op\":\"list\",\"kind\":\"question\",\"limit\":10}", 10);
    /* Every file a page loads, apart: each is loaded once, then cached. */
    for (asset = web_static_assets; asset->path != NULL; asset++) {
        snprintf(path, sizeof(path), "file: %s", asset->path);
        row(path, (double)strlen(asset->body) / 1024, "KiB", "loaded once, then cached");
    }
    if (page_weight(n, "home page", "/") != 0)
        goto out;
    snprintf(path, sizeof(path), "/q/%s", qid);
    if (page_weight(n, "question page", path) != 0)
        goto out;
    /* Last: it took minutes at 100k entries before replica_top_answerers looked questions up by id.
     */
    if (bench_page(n, "stats page (all time, SVG chart)", "/stats", 2, &stats_bytes) != 0)
        goto out;
    /* Once, last: who_knows runs two kind-filtered searches (84 s at 100k entries while such a
     * search tested every entry of the kind against the full-text match; 0.2 s now). */
    bench_op(n, "op who_knows (vpn), once", "{\"op\":\"who_knows\",\"topic\":\"vpn\"}", 1);
    rc = 0;
out:
    node_core_destroy(&n);
    if (!keep) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            rc = 1;
    } else {
        printf("kept %s\n", dir);
    }
    if (json_path != NULL && json_dump_file(results, json_path, JSON_INDENT(2)) != 0)
        rc = 1;
    json_decref(results);
    return rc;
}
