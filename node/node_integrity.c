/*
 * node_integrity: the background integrity pass. Entries are verified once when they are stored,
 * and reads check only what is cheap (replica_list); this pass verifies every stored entry again,
 * signature included, integrity_per_second of them each second (bounded CPU: 200 a second is
 * about 1% of one core), resuming after a restart where it stopped (meta integrity_seq). What
 * fails is quarantined (no view shows it, sync never sends it: replica_check_some) and logged.
 * After a whole pass it rests NODE_INTEGRITY_REST_MS. It runs on the loop, so it works in slices
 * (every NODE_INTEGRITY_TICK_MS, a quarter of the second's share), and waits while the ingest
 * pipeline holds entries: a bootstrap or a bulk from a peer is being stored, just verified, and the
 * pass would take the CPU and the replica's write lock (its cursor) from it and from the API.
 */
#include "node_integrity.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gossip.h"
#include "hex.h"
#include "ingest.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_core.h"
#include "node_json.h"

#define NODE_INTEGRITY_META "integrity_seq"
#define NODE_INTEGRITY_TICK_MS 250
#define NODE_INTEGRITY_IDLE_EVERY 4 /* ticks between node_core_idle calls: once a second */
#define NODE_INTEGRITY_REST_MS (3600 * 1000)
#define NODE_INTEGRITY_MAX_STEP 100000 /* entries one op call may check */

static void node_integrity_bad(void *ctx, const uint8_t *id, size_t idlen, const char *why)
{
    char hex[2 * ENTRY_ID_LEN + 1] = "";

    (void)ctx;
    if (id != NULL && idlen <= ENTRY_ID_LEN)
        hex_encode(id, idlen, hex);
    log_warnx("node: integrity: entry %s fails verification (%s); quarantined: no view shows it "
              "and it is not sent to peers",
              hex, why);
}

/* Verify up to max entries after the cursor; at the end of the replica a pass is done. The cursor
 * is remembered (a write) when save is set or a pass ends. Returns how many were examined, or
 * -1. */
static long node_integrity_step(struct node *n, size_t max, int save)
{
    struct replica_check rep = {0};
    struct replica_meta m = {NODE_INTEGRITY_META, NULL, 0, 1};
    char err[ERRMSG_MAX], text[32];
    long got =
        replica_check_some(n->replica, &n->integrity.after_seq, max, &rep, node_integrity_bad, n);

    if (got < 0)
        return -1;
    n->integrity.checked += rep.entries;
    n->integrity.bad += rep.bad;
    if ((size_t)got < max) { /* the end: a whole pass */
        n->integrity.passes++;
        n->integrity.after_seq = 0;
        n->integrity.rest_until_ms = node_clock_wall_ms() + NODE_INTEGRITY_REST_MS;
        log_info("node: integrity pass done: %lld entries quarantined",
                 replica_quarantined(n->replica));
        save = 1;
    }
    if (!save)
        return got;
    snprintf(text, sizeof(text), "%" PRId64, n->integrity.after_seq);
    m.value = text;
    m.len = strlen(text);
    if (replica_meta_set(n->replica, &m, err, sizeof(err)) != 0)
        log_warnx("node: integrity: remembering where the pass is: %s", err);
    return got;
}

/* Is the ingest pipeline storing what peers sent? */
static int node_integrity_busy(struct node *n)
{
    struct ingest_counters c;

    if (n->gossip == NULL)
        return 0;
    gossip_ingest_counters(n->gossip, &c);
    return c.queued > 0;
}

static void node_integrity_tick(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct node *n = arg;
    size_t step;

    (void)loop;
    (void)timer_id;
    if (node_clock_wall_ms() < n->integrity.rest_until_ms) {
        /* resting after a whole pass */
    } else if (node_integrity_busy(n)) {
        n->integrity.busy_ticks++;
    } else {
        n->integrity.credit +=
            (double)n->cfg->integrity_per_second * NODE_INTEGRITY_TICK_MS / 1000.0;
        step = (size_t)n->integrity.credit;
        n->integrity.credit -= (double)step;
        if (step > 0)
            (void)node_integrity_step(n, step, n->integrity.ticks % NODE_INTEGRITY_IDLE_EVERY == 0);
    }
    /* the pass's reads, and anything before, leave no cache behind */
    if (++n->integrity.ticks % NODE_INTEGRITY_IDLE_EVERY == 0)
        (void)node_core_idle(n);
}

void node_integrity_start(struct node *n)
{
    uint8_t *v = NULL;
    size_t len;
    char *end = NULL;
    long long seq;

    if (replica_meta_get(n->replica, NODE_INTEGRITY_META, &v, &len, NULL, NULL, 0) ==
        REPLICA_FOUND) {
        seq = strtoll((const char *)v, &end, 10);
        if (end != (const char *)v && *end == '\0' && seq >= 0)
            n->integrity.after_seq = seq;
    }
    free(v);
    if (n->cfg->integrity_per_second > 0)
        n->integrity.timer =
            loop_add_timer(n->loop, NODE_INTEGRITY_TICK_MS, 1, node_integrity_tick, n);
}

/* integrity: where the pass is and what it found; with steps (test hook), check that many
 * entries now first. */
static json_t *op_integrity(struct node *n, json_t *req)
{
    json_t *v = json_object_get(req, "steps"), *o;

    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0 ||
                      json_integer_value(v) > NODE_INTEGRITY_MAX_STEP))
        return api_error("bad_request", "steps must be an integer from 0 to %d",
                         NODE_INTEGRITY_MAX_STEP);
    if (v != NULL && json_integer_value(v) > 0 &&
        node_integrity_step(n, (size_t)json_integer_value(v), 1) < 0)
        return api_error("internal", "the integrity pass failed; see the node's log");
    o = node_json_ok();
    json_object_set_new(o, "after_seq", json_integer((json_int_t)n->integrity.after_seq));
    json_object_set_new(o, "checked", json_integer((json_int_t)n->integrity.checked));
    json_object_set_new(o, "bad", json_integer((json_int_t)n->integrity.bad));
    json_object_set_new(o, "passes", json_integer((json_int_t)n->integrity.passes));
    json_object_set_new(o, "waited", json_integer((json_int_t)n->integrity.busy_ticks));
    json_object_set_new(o, "quarantined", json_integer(replica_quarantined(n->replica)));
    json_object_set_new(o, "per_second", json_integer(n->cfg->integrity_per_second));
    return o;
}

const struct node_op node_integrity_ops[] = {
    {"integrity", op_integrity, "the background integrity pass: where it is, what it found", 0},
    {NULL, NULL, NULL, 0},
};
