#include "gossip.h"
#include "gossip_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "log.h"
#include "recon.h"

static void gossip_on_flush(struct loop *loop, uint64_t timer_id, void *arg);

void gossip_send(struct gossip *g, struct gpeer *p)
{
    if (link_send(p->link, &g->out) != 0)
        log_debug("gossip: %s: send queue full, dropped a message", link_addr(p->link));
}

/* Make sure the flush timer runs soon. */
void gossip_kick(struct gossip *g, uint64_t ms)
{
    if (g->flush_timer == 0)
        g->flush_timer = loop_add_timer(g->cfg.loop, ms, 0, gossip_on_flush, g);
}

/* ---- sending entries ---- */

int gossip_takes(struct gossip *g, struct gpeer *p, const uint8_t *raw, size_t len)
{
    if ((link_peer_features(p->link) & WIRE_FEATURE_UNICODE_TAGS) || entry_tags_plain(raw, len))
        return 1;
    p->withheld++;
    p->withheld_since_up = 1;
    g->stats.withheld++;
    return 0;
}

void gossip_on_features(struct gossip *g, struct gpeer *p)
{
    if (!(link_peer_features(p->link) & WIRE_FEATURE_UNICODE_TAGS) || !p->withheld_since_up)
        return;
    /* Its FEATURES came after we had held something back (the link had just come up): let the
     * next reconciliation, started now rather than at the interval, send it. */
    p->withheld_since_up = 0;
    gossip_pull_later(g, p);
}

/* Answer a WANT (or GRAFT) with the entries we hold. Ids we cannot serve (a retracted entry's
 * tombstone, gone, held back, or one the peer cannot take) are counted in the last BATCH's
 * remaining_entries, which a fetch answer does not otherwise use, so the asker stops waiting for
 * them at once. */
void gossip_send_ids(struct gossip *g, struct gpeer *p, const uint8_t *ids, size_t n)
{
    uint8_t *raw;
    size_t i, len, inbatch = 0, missing = 0;
    uint64_t ts;
    int began;

    buf_reset(&g->out);
    if (wire_batch_begin(&g->out, 0, 0) != 0)
        return;
    began = replica_read_begin(g->cfg.replica); /* one read for the lot, not one per entry */
    for (i = 0; i < n; i++) {
        if (replica_raw(g->cfg.replica, ids + i * ENTRY_ID_LEN, &raw, &len, &ts) != REPLICA_FOUND) {
            missing++;
            continue;
        }
        /* Held back until its time comes, or not for this peer. */
        if (ts > gossip_horizon(g) || !gossip_takes(g, p, raw, len)) {
            free(raw);
            missing++;
            continue;
        }
        if (wire_batch_add(&g->out, raw, len) != 0) {
            gossip_send(g, p);
            buf_reset(&g->out);
            inbatch = 0;
            if (wire_batch_begin(&g->out, 0, 0) != 0 || wire_batch_add(&g->out, raw, len) != 0) {
                free(raw);
                continue;
            }
        }
        inbatch++;
        p->entries_tx++;
        free(raw);
    }
    replica_read_end(g->cfg.replica, began);
    if (inbatch > 0 || missing > 0) {
        wire_batch_finish(&g->out, missing, 0);
        gossip_send(g, p);
    }
}

/* Send the ids queued for an IHAVE to this peer now. Uses g->out. */
static void gossip_send_ihave(struct gossip *g, struct gpeer *p)
{
    if (p->nihave == 0)
        return;
    buf_reset(&g->out);
    if (wire_ids(&g->out, WIRE_IHAVE, p->ihave, p->nihave) == 0)
        gossip_send(g, p);
    p->nihave = 0;
}

/* May we push one more entry to this peer now (GOSSIP_PUSH_RATE)? */
static int gossip_push_token(struct gossip *g, struct gpeer *p)
{
    return g->cfg.push_unpaced ||
           bucket_take(&p->push, loop_now_ms(), GOSSIP_PUSH_RATE, GOSSIP_PUSH_BURST);
}

/* Offer an entry to every primary peer but the one it came from: whole to eager peers while
 * their push budget lasts, by id (IHAVE) to the others. */
void gossip_spread(struct gossip *g, const uint8_t id[ENTRY_ID_LEN], const uint8_t *raw, size_t len,
                   struct gpeer *from, int eager_allowed)
{
    struct link *l;
    struct gpeer *p;
    int have_frame = 0;

    for (l = links_first(g->links); l != NULL; l = links_next(l)) {
        if (!link_is_primary(l))
            continue;
        p = gossip_peer(g, l);
        if (p == from || !gossip_takes(g, p, raw, len))
            continue; /* not even announced: it could only ask for it in vain */
        if (p->eager && eager_allowed && gossip_push_token(g, p)) {
            if (!have_frame) {
                buf_reset(&g->out);
                if (wire_entry(&g->out, raw, len) != 0)
                    continue;
                have_frame = 1;
            }
            gossip_send(g, p);
            p->entries_tx++;
            continue;
        }
        if (p->eager && eager_allowed)
            g->stats.paced++;
        if (p->nihave == WIRE_MAX_IDS) {
            gossip_send_ihave(g, p); /* a bulk: announce in full IHAVEs as they fill */
            have_frame = 0;          /* g->out held the ENTRY frame */
        }
        memcpy(p->ihave + p->nihave++ * WIRE_ID_LEN, id, WIRE_ID_LEN);
        gossip_kick(g, GOSSIP_FLUSH_MS);
    }
}

void gossip_publish(struct gossip *g, const struct entry *e)
{
    size_t len;
    const uint8_t *raw = entry_bytes(e, &len);

    if (entry_created_ms(e) > gossip_horizon(g))
        return; /* held back: the tick releases it when its time comes */
    if (recon_set_add(g->set, entry_created_ms(e), entry_id(e)) != 0)
        log_warnx("gossip: reconciliation set refused an entry");
    gossip_spread(g, entry_id(e), raw, len, NULL, 1);
}

/* ---- bootstrap streams ---- */

void gossip_cursor_load(struct gossip *g, struct gpeer *p)
{
    uint8_t *v = NULL;
    size_t len = 0;
    int i;

    p->cursor_ts = 0;
    memset(p->cursor_id, 0, sizeof(p->cursor_id));
    if (replica_meta_get(g->cfg.replica, GOSSIP_CURSOR_KEY, &v, &len, NULL, NULL, 0) ==
            REPLICA_FOUND &&
        len == 8 + ENTRY_ID_LEN) {
        for (i = 0; i < 8; i++)
            p->cursor_ts = p->cursor_ts << 8 | v[i];
        memcpy(p->cursor_id, v + 8, ENTRY_ID_LEN);
    }
    free(v);
}

void gossip_stream_ask(struct gossip *g, struct gpeer *p)
{
    buf_reset(&g->out);
    if (wire_stream(&g->out, p->cursor_ts, p->cursor_id, GOSSIP_WINDOW) != 0)
        return;
    p->window_left = GOSSIP_WINDOW;
    p->last_batch_ms = loop_now_ms();
    gossip_send(g, p);
}

/* Is this peer so far ahead that streaming beats reconciling? */
int gossip_should_stream(struct gossip *g, struct gpeer *p)
{
    uint64_t ours = recon_set_size(g->set), theirs = link_peer_entries(p->link);

    return !g->streaming && theirs > 1000 && ours < theirs / 2;
}

void gossip_on_batch(struct gossip *g, struct gpeer *p, const struct wire_msg *m)
{
    const uint8_t *bytes;
    size_t pos = 0, len;
    struct entry *e;
    uint8_t cursor[8 + ENTRY_ID_LEN];
    struct replica_meta meta = {GOSSIP_CURSOR_KEY, cursor, sizeof(cursor), 0};
    enum gossip_via via = p->streaming ? VIA_STREAM : VIA_FETCH;
    const uint8_t *last = NULL;
    size_t lastlen = 0;
    int i, refused = 0;

    while (wire_batch_next(m, &pos, &bytes, &len)) {
        if (gossip_ingest(g, p, bytes, len, via) != 0 && !refused) {
            refused = 1;
            last = NULL; /* the cursor must not pass an entry the pipeline refused */
        }
        if (via != VIA_STREAM)
            continue;
        if (p->window_left > 0)
            p->window_left--;
        if (!refused) {
            last = bytes;
            lastlen = len;
        }
    }
    /* The stream is in (created_ms, id) order: its cursor is the last entry accepted. Only that
     * one is decoded here; ingest checks them all. */
    if (via == VIA_STREAM && last != NULL && (e = entry_decode(last, lastlen, NULL, 0)) != NULL) {
        p->cursor_ts = entry_created_ms(e);
        memcpy(p->cursor_id, entry_id(e), ENTRY_ID_LEN);
        entry_destroy(&e);
    }
    if (via != VIA_STREAM) {
        /* A fetch answer: remaining_entries counts what the peer could not serve. */
        uint64_t gone = m->u.batch.remaining_entries;
        p->outstanding = gone < p->outstanding ? p->outstanding - gone : 0;
        p->last_fetch_ms = loop_now_ms();
        return;
    }
    p->last_batch_ms = loop_now_ms();
    p->stream_entries = m->u.batch.remaining_entries;
    p->stream_bytes = m->u.batch.remaining_bytes;
    for (i = 0; i < 8; i++)
        cursor[i] = (uint8_t)(p->cursor_ts >> (56 - 8 * i));
    memcpy(cursor + 8, p->cursor_id, ENTRY_ID_LEN);
    if (ingest_submit_meta(g->ingest, &meta) != 0)
        log_debug("gossip: bootstrap cursor not saved this time");
    if (m->u.batch.remaining_entries == 0) {
        log_info("gossip: %s: bootstrap stream received; storing the rest", link_addr(p->link));
        p->stream_done = 1;
    }
    gossip_kick(g, 0);
}

/* Continue a stream we receive when the window is done and the pipeline has room. */
static void gossip_stream_continue(struct gossip *g, struct gpeer *p)
{
    struct ingest_counters c;

    if (!p->streaming)
        return;
    ingest_get_counters(g->ingest, &c);
    if (p->stream_done) {
        if (c.queued > 0)
            return;
        /* Everything streamed is stored: reconcile whatever the stream could not cover. */
        log_info("gossip: %s: bootstrap complete (%zu entries here)", link_addr(p->link),
                 recon_set_size(g->set));
        p->streaming = 0;
        p->stream_done = 0;
        g->streaming = 0;
        gossip_recon_start(g, p);
        return;
    }
    if (p->window_left == 0 && c.queued + GOSSIP_WINDOW <= GOSSIP_QUEUE)
        gossip_stream_ask(g, p);
}

void gossip_on_stream(struct gossip *g, struct gpeer *p, const struct wire_msg *m)
{
    uint64_t n = 0, bytes = 0;

    /* Count what is left only for a new (or resumed) stream: a request that continues where we
     * stopped keeps the running count, so a long stream costs what it sends, not its square. */
    if (!p->serving || p->serve_ts != m->u.stream.after_ts ||
        memcmp(p->serve_id, m->u.stream.after_id, ENTRY_ID_LEN) != 0) {
        p->serve_ts = m->u.stream.after_ts;
        memcpy(p->serve_id, m->u.stream.after_id, ENTRY_ID_LEN);
        if (replica_count_after(g->cfg.replica, p->serve_ts, p->serve_id, &n, &bytes) != 0)
            return;
        p->serve_left_entries = n;
        p->serve_left_bytes = bytes;
    }
    p->serving = 1;
    p->serve_credit = m->u.stream.max_entries;
    gossip_kick(g, 0);
}

struct serve_ctx {
    struct gossip *g;
    struct gpeer *p;
    size_t n;    /* entries in the batch */
    size_t rows; /* entries passed: in the batch, or not for this peer */
    int full;
};

static int gossip_serve_row(void *ctx, uint64_t ts, const uint8_t *id, const uint8_t *raw,
                            size_t len)
{
    struct serve_ctx *sc = ctx;

    if (ts > gossip_horizon(sc->g)) {
        sc->p->serve_left_entries = 0; /* the rest is held back: (created_ms, id) order */
        sc->p->serve_left_bytes = 0;
        return 1;
    }
    /* One the peer cannot take is passed over (the cursor moves past it) without using its
     * credit: the window it asked for still fills, so it asks for the next one. */
    int takes = gossip_takes(sc->g, sc->p, raw, len);
    if (takes && wire_batch_add(&sc->g->out, raw, len) != 0) {
        sc->full = 1;
        return 1;
    }
    sc->p->serve_ts = ts;
    memcpy(sc->p->serve_id, id, ENTRY_ID_LEN);
    sc->p->serve_left_entries -= sc->p->serve_left_entries > 0;
    sc->p->serve_left_bytes -= sc->p->serve_left_bytes >= len ? len : sc->p->serve_left_bytes;
    sc->rows++;
    sc->n += takes;
    return 0;
}

/* Send up to a few BATCHes of a stream we serve. */
static void gossip_serve(struct gossip *g, struct gpeer *p)
{
    struct serve_ctx sc = {g, p, 0, 0, 0};
    int i;

    for (i = 0; i < GOSSIP_SERVE_PER_TICK && p->serve_credit > 0; i++) {
        uint64_t ts = p->serve_ts;
        uint8_t id[ENTRY_ID_LEN];
        memcpy(id, p->serve_id, ENTRY_ID_LEN);
        buf_reset(&g->out);
        if (wire_batch_begin(&g->out, 0, 0) != 0)
            return;
        sc.n = 0;
        sc.rows = 0;
        sc.full = 0;
        if (replica_scan(g->cfg.replica, ts, id, p->serve_credit, gossip_serve_row, &sc) < 0)
            return;
        if (sc.rows == 0)
            p->serve_left_entries = 0;
        if (sc.n == 0 && p->serve_left_entries > 0)
            continue; /* all passed over: the next scan goes on from there */
        wire_batch_finish(&g->out, p->serve_left_entries, p->serve_left_bytes);
        if (link_send(p->link, &g->out) != 0) {
            /* Its queue is full: rewind and try again on the next wake-up. */
            p->serve_ts = ts;
            memcpy(p->serve_id, id, ENTRY_ID_LEN);
            gossip_kick(g, 20);
            return;
        }
        p->entries_tx += sc.n;
        p->serve_credit = sc.n == 0 || p->serve_left_entries == 0 ? 0 : p->serve_credit - sc.n;
    }
    if (p->serve_credit > 0)
        gossip_kick(g, 1);
}

/* ---- messages ---- */

void gossip_on_ihave(struct gossip *g, struct gpeer *p, const struct wire_msg *m)
{
    size_t i, k;
    const uint8_t *id;
    uint64_t now = loop_now_ms();

    for (i = 0; i < m->u.ids.n; i++) {
        id = m->u.ids.ids + i * WIRE_ID_LEN;
        if (replica_has(g->cfg.replica, id) != 0)
            continue;
        for (k = 0; k < g->nmissing; k++)
            if (memcmp(g->missing[k].id, id, ENTRY_ID_LEN) == 0)
                break;
        if (k < g->nmissing)
            continue;
        if (g->nmissing == GOSSIP_MAX_MISSING) {
            gossip_pull_later(g, p); /* more than we track: reconcile with the announcer soon */
            break;
        }
        memcpy(g->missing[g->nmissing].id, id, ENTRY_ID_LEN);
        g->missing[g->nmissing].peer_seq = p->seq;
        g->missing[g->nmissing].deadline_ms = now + GOSSIP_GRAFT_MS;
        g->nmissing++;
    }
    if (g->nmissing > 0)
        gossip_kick(g, GOSSIP_GRAFT_MS);
}

/* ---- pulling what passed the per-author push limit ---- */

void gossip_pull_later(struct gossip *g, struct gpeer *p)
{
    uint64_t now = loop_now_ms();

    if (p->pull)
        return;
    p->pull = 1;
    gossip_kick(g, p->pull_next_ms > now ? p->pull_next_ms - now : 0);
}

void gossip_pull_due(struct gossip *g, struct gpeer *p)
{
    uint64_t now = loop_now_ms();

    if (!p->pull || !link_is_primary(p->link))
        return;
    if (p->pull_next_ms > now) {
        gossip_kick(g, p->pull_next_ms - now);
        return;
    }
    /* Refused while one runs or its fetches are coming: the ingest results kick us again, and
     * the tick looks every second. */
    gossip_recon_start(g, p);
    if (p->recon == NULL)
        return;
    p->pull = 0;
    p->pull_next_ms = now + GOSSIP_PULL_MS;
    g->stats.pulls++;
}

/* ---- timers ---- */

static void gossip_on_flush(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct gossip *g = arg;
    struct link *l;
    struct gpeer *p;
    uint64_t now = loop_now_ms();
    size_t k = 0, i;

    (void)loop;
    (void)timer_id;
    g->flush_timer = 0;
    for (l = links_first(g->links); l != NULL; l = links_next(l)) {
        p = link_data(l);
        if (p == NULL || !link_is_primary(l))
            continue;
        gossip_send_ihave(g, p);
        if (p->serve_credit > 0)
            gossip_serve(g, p);
        gossip_stream_continue(g, p);
        gossip_pump_wants(g, p);
        gossip_pull_due(g, p);
    }
    /* Announced ids that did not come eagerly: fetch them from whoever announced them, the first
     * by GRAFT (the link becomes eager again), the rest by WANT as the pipeline has room. */
    g->flush_round++;
    for (i = 0; i < g->nmissing; i++) {
        struct missing *ms = &g->missing[i];
        if (ms->deadline_ms > now) {
            g->missing[k++] = *ms;
            continue;
        }
        if (replica_has(g->cfg.replica, ms->id) != 0)
            continue;
        p = gossip_peer_by_seq(g, ms->peer_seq);
        if (p == NULL || !link_is_primary(p->link))
            continue;
        if (p->graft_round == g->flush_round) {
            gossip_want_ids(p, ms->id, 1);
            continue;
        }
        p->graft_round = g->flush_round;
        buf_reset(&g->out);
        if (wire_ids(&g->out, WIRE_GRAFT, ms->id, 1) == 0)
            gossip_send(g, p);
        p->eager = 1;
        p->outstanding++;
        p->last_fetch_ms = now;
    }
    g->nmissing = k;
    for (l = links_first(g->links); l != NULL; l = links_next(l))
        if ((p = link_data(l)) != NULL && link_is_primary(l))
            gossip_pump_wants(g, p);
    if (g->nmissing > 0)
        gossip_kick(g, GOSSIP_GRAFT_MS);
}
