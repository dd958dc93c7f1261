/*
 * bench_recon: the cost of reconciling two replicas with sync/recon — round trips, bytes on the
 * wire, CPU time and memory — for sets of 100,000 and 1,000,000 items differing by 0, 1, 10, 100
 * and 10,000 random items (half missing on each side). Run on demand (not part of ctest):
 *
 *   build/bin/bench_recon [--json FILE] [--max-msg BYTES] [--seed N] [--items N] [--diffs N]
 *
 * --items and --diffs run only the rows of that size or that many differences.
 *
 * Prints a Markdown table and, with --json, the same as JSON. Every run checks that the
 * initiator learned exactly the differences, and exits 1 if not.
 */
#include <getopt.h>
#include <jansson.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "recon.h"
#include "xmalloc.h"

#define TWO_YEARS_MS (2ull * 365 * 24 * 3600 * 1000)
#define BASE_MS 1735689600000ull /* 2025-01-01 */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void random_item(struct recon_item *it)
{
    uint64_t x;

    it->ts = BASE_MS + rng_next() % TWO_YEARS_MS;
    for (size_t k = 0; k < RECON_ID_LEN; k += 8) {
        x = rng_next();
        memcpy(it->id + k, &x, 8);
    }
}

static double cpu_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Bytes currently allocated from the C heap (glibc mallinfo2), mmap-ed blocks included. */
static size_t heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
}

struct tally {
    struct recon_set *other; /* the responder's set */
    struct recon_set *mine;  /* the initiator's set */
    size_t have, need, wrong;
};

static void on_have(void *ctx, uint64_t ts, const uint8_t id[RECON_ID_LEN])
{
    struct tally *t = ctx;

    t->have++;
    if (recon_set_contains(t->other, ts, id) || !recon_set_contains(t->mine, ts, id))
        t->wrong++;
}

static void on_need(void *ctx, uint64_t ts, const uint8_t id[RECON_ID_LEN])
{
    struct tally *t = ctx;

    t->need++;
    if (!recon_set_contains(t->other, ts, id) || recon_set_contains(t->mine, ts, id))
        t->wrong++;
}

struct result {
    size_t n, diffs, rounds, bytes_init, bytes_resp, max_message, session_bytes;
    double build_ms, cpu_ms, bytes_per_item;
    int ok;
};

static int run(size_t n, size_t diffs, size_t max_msg, struct result *res)
{
    struct recon_set *a = recon_set_new(), *b = recon_set_new();
    struct recon *ri = NULL, *rr = NULL;
    struct recon_item it;
    struct buf m1, m2;
    struct tally t = {0};
    char err[256];
    double t0;
    size_t heap0, heap1;
    size_t i, only_a = diffs / 2, only_b = diffs - diffs / 2;

    int rc = -1;

    memset(res, 0, sizeof(*res));
    res->n = n;
    res->diffs = diffs;
    buf_init(&m1, RECON_MAX_MSG);
    buf_init(&m2, RECON_MAX_MSG);
    heap0 = heap_bytes();
    t0 = cpu_ms();
    recon_set_reserve(a, n);
    recon_set_reserve(b, n);
    for (i = 0; i < n - (only_a > only_b ? only_a : only_b); i++) {
        random_item(&it);
        if (recon_set_add(a, it.ts, it.id) != 0 || recon_set_add(b, it.ts, it.id) != 0)
            goto out;
    }
    for (i = 0; i < only_a; i++) {
        random_item(&it);
        if (recon_set_add(a, it.ts, it.id) != 0)
            goto out;
    }
    for (i = 0; i < only_b; i++) {
        random_item(&it);
        if (recon_set_add(b, it.ts, it.id) != 0)
            goto out;
    }
    recon_set_sort(a);
    recon_set_sort(b);
    res->build_ms = (cpu_ms() - t0) / 2;
    res->bytes_per_item =
        (double)(heap_bytes() - heap0) / (double)(recon_set_size(a) + recon_set_size(b));
    heap1 = heap_bytes();

    ri = recon_new(a, 1, max_msg);
    rr = recon_new(b, 0, max_msg);
    t.mine = a;
    t.other = b;
    recon_set_callbacks(ri, on_have, on_need, &t);
    t0 = cpu_ms();
    if (recon_initiate(ri, &m1, err, sizeof(err)) != 0)
        goto fail;
    while (m1.len > 0) {
        res->bytes_init += m1.len;
        if (m1.len > res->max_message)
            res->max_message = m1.len;
        if (recon_reply(rr, m1.data, m1.len, &m2, err, sizeof(err)) != 0)
            goto fail;
        res->rounds++;
        res->bytes_resp += m2.len;
        if (m2.len > res->max_message)
            res->max_message = m2.len;
        if (recon_reply(ri, m2.data, m2.len, &m1, err, sizeof(err)) != 0)
            goto fail;
    }
    res->cpu_ms = cpu_ms() - t0;
    res->session_bytes = heap_bytes() - heap1; /* both sessions' state and message buffers */
    res->ok =
        t.wrong == 0 && t.have == only_a && t.need == only_b && recon_done(ri) && recon_done(rr);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "bench_recon: %s\n", err);
out:
    recon_destroy(&ri);
    recon_destroy(&rr);
    recon_set_destroy(&a);
    recon_set_destroy(&b);
    buf_free(&m1);
    buf_free(&m2);
    return rc;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_recon [--json FILE] [--max-msg BYTES] [--seed N] [--items N] "
                    "[--diffs N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", required_argument, NULL, 'j'},  {"max-msg", required_argument, NULL, 'm'},
        {"seed", required_argument, NULL, 's'},  {"items", required_argument, NULL, 'n'},
        {"diffs", required_argument, NULL, 'd'}, {NULL, 0, NULL, 0}};
    static const size_t sizes[] = {100000, 1000000};
    static const size_t diffs[] = {0, 1, 10, 100, 10000};
    const char *json_path = NULL;
    size_t max_msg = RECON_DEFAULT_MSG, si, di, only_items = 0, only_diffs = SIZE_MAX;
    json_t *rows = json_array();
    struct result res;
    char *end;
    int c, status = 0;

    rng_state = 42;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json_path = optarg;
            break;
        case 'm':
            max_msg = (size_t)strtoull(optarg, &end, 10);
            if (*end != '\0')
                usage();
            break;
        case 's':
            rng_state = strtoull(optarg, &end, 10);
            if (*end != '\0')
                usage();
            break;
        case 'n':
            only_items = (size_t)strtoull(optarg, &end, 10);
            if (*end != '\0')
                usage();
            break;
        case 'd':
            only_diffs = (size_t)strtoull(optarg, &end, 10);
            if (*end != '\0')
                usage();
            break;
        default:
            usage();
        }
    }
    printf("max message: %zu bytes\n\n", max_msg);
    printf("| items | differences | round trips | bytes initiator→responder | "
           "bytes responder→initiator | total bytes | largest message | CPU ms (exchange, both "
           "sides) | set build ms (per side) | set memory per item | session memory (both sides) | "
           "listing all ids | correct |\n");
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|\n");
    for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        for (di = 0; di < sizeof(diffs) / sizeof(diffs[0]); di++) {
            if ((only_items != 0 && sizes[si] != only_items) ||
                (only_diffs != SIZE_MAX && diffs[di] != only_diffs))
                continue;
            if (run(sizes[si], diffs[di], max_msg, &res) != 0 || !res.ok)
                status = 1;
            printf("| %zu | %zu | %zu | %zu | %zu | %zu (%.1f KiB) | %zu | %.0f | %.0f | %.1f B | "
                   "%.0f KiB | %zu (%.1f MiB) | %s |\n",
                   res.n, res.diffs, res.rounds, res.bytes_init, res.bytes_resp,
                   res.bytes_init + res.bytes_resp,
                   (double)(res.bytes_init + res.bytes_resp) / 1024, res.max_message, res.cpu_ms,
                   res.build_ms, res.bytes_per_item, (double)res.session_bytes / 1024,
                   res.n * RECON_ID_LEN, (double)(res.n * RECON_ID_LEN) / (1024 * 1024),
                   res.ok ? "yes" : "NO");
            fflush(stdout);
            json_array_append_new(
                rows,
                json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:I, s:I, s:b}",
                          "items", (json_int_t)res.n, "differences", (json_int_t)res.diffs,
                          "round_trips", (json_int_t)res.rounds, "bytes_initiator",
                          (json_int_t)res.bytes_init, "bytes_responder", (json_int_t)res.bytes_resp,
                          "bytes_total", (json_int_t)(res.bytes_init + res.bytes_resp),
                          "largest_message", (json_int_t)res.max_message, "cpu_ms", res.cpu_ms,
                          "set_build_ms", res.build_ms, "memory_bytes_per_item", res.bytes_per_item,
                          "session_bytes", (json_int_t)res.session_bytes, "all_ids_bytes",
                          (json_int_t)(res.n * RECON_ID_LEN), "correct", res.ok));
        }
    }
    if (json_path != NULL) {
        json_t *doc = json_pack("{s:I, s:o}", "max_message", (json_int_t)max_msg, "runs", rows);
        if (json_dump_file(doc, json_path, JSON_INDENT(2)) != 0) {
            fprintf(stderr, "bench_recon: cannot write %s\n", json_path);
            status = 1;
        }
        json_decref(doc);
    } else {
        json_decref(rows);
    }
    return status;
}
