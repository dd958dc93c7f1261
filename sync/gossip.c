#include "gossip.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errmsg.h"
#include "hex.h"
#include "ingest.h"
#include "kinds.h"
#include "log.h"
#include "recon.h"
#include "xmalloc.h"

#define GOSSIP_TICK_MS 1000           /* housekeeping: periodic sync, timeouts */
#define GOSSIP_FLUSH_MS 5             /* IHAVE batching delay */
#define GOSSIP_GRAFT_MS 40            /* wait for an eager copy before fetching an announced id */
#define GOSSIP_MAX_MISSING 8192       /* announced ids we wait for at most */
#define GOSSIP_QUEUE 16384            /* ingest pipeline capacity, entries */
#define GOSSIP_WINDOW 4096            /* bootstrap entries asked for at a time */
#define GOSSIP_SERVE_PER_TICK 4       /* stream batches sent per wake-up, to stay responsive */
#define GOSSIP_RECON_TIMEOUT_MS 15000 /* a reconciliation that stalls is abandoned */
#define GOSSIP_RECON_MAX_MSG (512u * 1024)
#define GOSSIP_DEFAULT_INTERVAL_MS 30000
#define GOSSIP_CURSOR_KEY "bootstrap_cursor"
#define GOSSIP_WANT_CHUNK 512       /* ids per WANT */
#define GOSSIP_FETCH_STALL_MS 10000 /* outstanding fetches without news are given up */
/* Per-author limit on pushed (live) entries: past it, an author's entries are not taken from
 * pushes, nor relayed; they still arrive by reconciliation, at the pace of the pipeline. So one
 * member writing in a loop cannot make every node work flat out, and nothing valid is lost. */
#define GOSSIP_AUTHOR_RATE 20   /* entries per second, sustained */
#define GOSSIP_AUTHOR_BURST 200 /* at once */
#define GOSSIP_AUTHORS 256      /* authors tracked (the least recently seen one makes room) */
/* Entries refused because their author is not (yet) a member are kept, this many at most, and
 * tried again when the team state changes: an entry may outrun its author's certificate. */
#define GOSSIP_RETRY_MAX 512
#define GOSSIP_RETRY_BYTES (4u << 20)
#define GOSSIP_CLOCKS_MAX 256 /* peer clocks compared at most */

/* What a submitted entry came as: decides PRUNE on duplicates and whether to pass it on. */
enum gossip_via { VIA_PUSH = 0, VIA_FETCH = 1, VIA_STREAM = 2 };

/* Per-link protocol state, in link_data. Lives as long as the link. */
struct gpeer {
    struct link *link;
    uint64_t seq; /* stable number for ingest sources */
    int eager;
    uint8_t ihave[WIRE_MAX_IDS * WIRE_ID_LEN];
    size_t nihave;
    /* reconciliation */
    struct recon *recon;
    uint32_t session;
    int initiator;
    uint64_t recon_started_ms, last_sync_ms, last_diff;
    uint8_t *want; /* ids to ask for, not asked yet (flow control: the pipeline must have room) */
    size_t nwant, capwant;
    uint64_t outstanding; /* asked for, no result yet */
    uint64_t last_fetch_ms;
    int stream_done; /* the stream ended; reconcile once the pipeline has taken it all */
    /* bootstrap, as the one catching up */
    int streaming;
    uint64_t stream_entries, stream_bytes, window_left;
    uint64_t last_batch_ms; /* when the stream last moved: a stalled one is asked again */
    uint64_t cursor_ts;
    uint8_t cursor_id[ENTRY_ID_LEN];
    /* bootstrap, as the one serving */
    int serving; /* a stream was asked of us; serve_* hold where it is */
    uint64_t serve_credit, serve_ts, serve_left_entries, serve_left_bytes;
    uint8_t serve_id[ENTRY_ID_LEN];
    /* counters */
    uint64_t entries_rx, entries_tx, invalid;
};

struct missing {
    uint8_t id[ENTRY_ID_LEN];
    uint64_t peer_seq;
    uint64_t deadline_ms;
};

struct gossip {
    struct gossip_config cfg;
    struct links *links;
    struct ingest *ingest;
    struct recon_set *set;
    uint64_t next_seq;
    uint64_t tick_timer, flush_timer;
    uint64_t last_periodic_ms;
    struct missing *missing;
    size_t nmissing;
    struct gossip_stats stats;
    int streaming;         /* some peer is streaming to us */
    int storage_failing;   /* the pipeline's writes failed when last looked at */
    struct buf out;        /* the frame being built */
    struct buf rbuf;       /* a reconciliation message, before it goes in a frame */
    uint64_t team_version; /* of the team state we last checked links against */
    uint64_t purged_seen;  /* ingest's purged + retractions when the set was last loaded */
    uint8_t *own_cert;
    size_t own_cert_len;
    struct {
        uint8_t key[ENTRY_KEY_LEN];
        double tokens;
        uint64_t at_ms; /* last refill */
    } authors[GOSSIP_AUTHORS];
    size_t nauthors;
    uint64_t author_limited, author_logged_ms;
    /* Entries created after this time (the team's clock plus the tolerance, never lowered) are
     * held back: not taken from peers, not in the reconciliation set, not served. */
    uint64_t horizon_ms;
    uint64_t held_back, held_logged_ms;
    struct {
        uint8_t *bytes;
        size_t len;
    } retry[GOSSIP_RETRY_MAX]; /* a ring of refused entries */
    size_t nretry, retry_head, retry_bytes;
};

static uint64_t gossip_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t gossip_horizon(struct gossip *g);
static void gossip_release(struct gossip *g);

static struct gpeer *gossip_peer_by_seq(struct gossip *g, uint64_t seq)
{
    struct link *l;
    struct gpeer *p;

    for (l = links_first(g->links); l != NULL; l = links_next(l)) {
        p = link_data(l);
        if (p != NULL && p->seq == seq)
            return p;
    }
    return NULL;
}

static struct gpeer *gossip_peer(struct gossip *g, struct link *l)
{
    struct gpeer *p = link_data(l);

    if (p == NULL) {
        p = xcalloc(1, sizeof(*p));
        p->link = l;
        p->seq = ++g->next_seq;
        p->eager = 1;
        link_set_data(l, p);
    }
    return p;
}

static void gossip_send(struct gossip *g, struct gpeer *p)
{
    if (link_send(p->link, &g->out) != 0)
        log_debug("gossip: %s: send queue full, dropped a message", link_addr(p->link));
}

static void gossip_on_flush(struct loop *loop, uint64_t timer_id, void *arg);

/* Make sure the flush timer runs soon. */
static void gossip_kick(struct gossip *g, uint64_t ms)
{
    if (g->flush_timer == 0)
        g->flush_timer = loop_add_timer(g->cfg.loop, ms, 0, gossip_on_flush, g);
}

/* ---- sending entries ---- */

/* Send the entries with these ids (that we have) in as many BATCHes as needed. */
/* Answer a WANT (or GRAFT) with the entries we hold. Ids we cannot serve (a retracted entry's
 * tombstone, or gone) are counted in the last BATCH's remaining_entries, which a fetch answer
 * does not otherwise use, so the asker stops waiting for them at once. */
static void gossip_send_ids(struct gossip *g, struct gpeer *p, const uint8_t *ids, size_t n)
{
    uint8_t *raw;
    size_t i, len, inbatch = 0, missing = 0;
    uint64_t ts;

    buf_reset(&g->out);
    if (wire_batch_begin(&g->out, 0, 0) != 0)
        return;
    for (i = 0; i < n; i++) {
        if (replica_raw(g->cfg.replica, ids + i * ENTRY_ID_LEN, &raw, &len, &ts) != REPLICA_FOUND) {
            missing++;
            continue;
        }
        if (ts > gossip_horizon(g)) { /* held back until its time comes */
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
    if (inbatch > 0 || missing > 0) {
        wire_batch_finish(&g->out, missing, 0);
        gossip_send(g, p);
    }
}

/* Offer an entry to every primary peer but the one it came from. */
static void gossip_spread(struct gossip *g, const uint8_t id[ENTRY_ID_LEN], const uint8_t *raw,
                          size_t len, struct gpeer *from, int eager_allowed)
{
    struct link *l;
    struct gpeer *p;
    int have_frame = 0;

    for (l = links_first(g->links); l != NULL; l = links_next(l)) {
        if (!link_is_primary(l))
            continue;
        p = gossip_peer(g, l);
        if (p == from)
            continue;
        if (p->eager && eager_allowed) {
            if (!have_frame) {
                buf_reset(&g->out);
                if (wire_entry(&g->out, raw, len) != 0)
                    continue;
                have_frame = 1;
            }
            gossip_send(g, p);
            p->entries_tx++;
        } else {
            if (p->nihave == WIRE_MAX_IDS)
                continue; /* anti-entropy will cover it */
            memcpy(p->ihave + p->nihave++ * WIRE_ID_LEN, id, WIRE_ID_LEN);
            gossip_kick(g, GOSSIP_FLUSH_MS);
        }
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

/* ---- entries refused for now ---- */

static void gossip_retry_keep(struct gossip *g, const struct entry *e)
{
    size_t len, slot;
    const uint8_t *raw = entry_bytes(e, &len);

    if (len > GOSSIP_RETRY_BYTES)
        return;
    while (g->nretry > 0 &&
           (g->nretry == GOSSIP_RETRY_MAX || g->retry_bytes + len > GOSSIP_RETRY_BYTES)) {
        free(g->retry[g->retry_head].bytes); /* the oldest makes room */
        g->retry_bytes -= g->retry[g->retry_head].len;
        g->retry[g->retry_head].bytes = NULL;
        g->retry_head = (g->retry_head + 1) % GOSSIP_RETRY_MAX;
        g->nretry--;
    }
    slot = (g->retry_head + g->nretry) % GOSSIP_RETRY_MAX;
    g->retry[slot].bytes = xmalloc(len);
    memcpy(g->retry[slot].bytes, raw, len);
    g->retry[slot].len = len;
    g->retry_bytes += len;
    g->nretry++;
}

/* The team changed: submit the refused entries again (those still refused come back). */
static void gossip_retry_all(struct gossip *g)
{
    size_t n = g->nretry, i, slot;

    for (i = 0; i < n; i++) {
        slot = (g->retry_head + i) % GOSSIP_RETRY_MAX;
        if (ingest_submit(g->ingest, 0 << 2 | VIA_FETCH, g->retry[slot].bytes,
                          g->retry[slot].len) != 0)
            log_debug("gossip: no room to try a refused entry again");
        free(g->retry[slot].bytes);
        g->retry[slot].bytes = NULL;
    }
    g->nretry = 0;
    g->retry_head = 0;
    g->retry_bytes = 0;
}

/* ---- ingest results ---- */

static void gossip_on_result(void *ctx, uint64_t source, const uint8_t *id, const struct entry *e,
                             enum ingest_result result, const char *why)
{
    struct gossip *g = ctx;
    struct gpeer *p = gossip_peer_by_seq(g, source >> 2);
    enum gossip_via via = (enum gossip_via)(source & 3);
    const uint8_t *raw;
    size_t len;

    switch (result) {
    case INGEST_ADDED:
        g->stats.merged++;
        raw = entry_bytes(e, &len);
        if (entry_created_ms(e) > gossip_horizon(g))
            break; /* from the future (a credential): held back until its time comes */
        if (recon_set_add(g->set, entry_created_ms(e), id) != 0)
            log_warnx("gossip: reconciliation set refused an entry");
        /* Fresh news goes on, to peers and to watchers; bootstrap history does not (peers get
         * it by reconciliation, and a watcher wants news, not a flood of the past). */
        if (via != VIA_STREAM) {
            gossip_spread(g, id, raw, len, p, via == VIA_PUSH);
            if (g->cfg.on_entry != NULL)
                g->cfg.on_entry(g->cfg.ctx, e);
        }
        break;
    case INGEST_EXISTS:
        g->stats.duplicates++;
        if (via == VIA_PUSH && p != NULL && p->eager && link_is_primary(p->link)) {
            /* We got it twice: one eager path to us is enough. */
            p->eager = 0;
            buf_reset(&g->out);
            if (wire_empty(&g->out, WIRE_PRUNE) == 0)
                gossip_send(g, p);
        }
        break;
    case INGEST_INVALID:
        g->stats.invalid++;
        if (p != NULL) {
            p->invalid++;
            log_info("gossip: invalid entry from %s: %s", link_addr(p->link), why);
            (void)link_penalize(p->link, why != NULL ? why : "invalid entry");
        }
        break;
    case INGEST_REFUSED:
        /* Valid, but its author is not a member (yet: its certificate may be on its way; kept
         * to try again when the team changes). Not the relaying peer's fault. */
        g->stats.refused++;
        log_debug("gossip: entry refused: %s", why != NULL ? why : "?");
        if (e != NULL)
            gossip_retry_keep(g, e);
        break;
    case INGEST_FAILED:
        /* Only while stopping (a failing write is otherwise tried again); the pipeline logs the
         * failure itself, rate-limited. */
        log_debug("gossip: an entry was not stored: %s", why != NULL ? why : "?");
        break;
    }
    if (p != NULL && via == VIA_FETCH && p->outstanding > 0) {
        p->outstanding--;
        p->last_fetch_ms = loop_now_ms();
    }
}

static void gossip_recon_start(struct gossip *g, struct gpeer *p);

/* While the replica cannot be written, reconciling would only fetch what cannot be stored (the
 * entries not stored are not in the set, so they count as not held and are fetched again once
 * it can). When writes work again, reconcile with every peer at once. */
static int gossip_storage_failing(struct gossip *g)
{
    struct ingest_counters c;

    ingest_get_counters(g->ingest, &c);
    return c.failing;
}

static void gossip_storage_watch(struct gossip *g)
{
    struct link *l;
    struct gpeer *p;
    int failing = gossip_storage_failing(g);

    if (g->storage_failing && !failing) {
        log_info("gossip: storage works again: reconciling with every peer");
        g->storage_failing = 0;
        for (l = links_first(g->links); l != NULL; l = links_next(l)) {
            p = link_data(l);
            if (p != NULL && link_is_primary(l))
                gossip_recon_start(g, p);
        }
    }
    g->storage_failing = failing;
}

static void gossip_on_ingest(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct gossip *g = arg;

    (void)loop;
    (void)fd;
    (void)zsock;
    (void)events;
    (void)ingest_drain(g->ingest, gossip_on_result, g);
    gossip_team_changed(g, 0);
    gossip_storage_watch(g);
    gossip_kick(g, 0); /* room in the pipeline: a stream or fetches may continue */
}

/* Queue one received entry; count it. Returns -1 if the pipeline is full (dropped). */
/* May a pushed entry by this author be taken now? (Its author key sits at a fixed offset; an entry
 * too short to have one is left to the decoder to refuse.) */
static int gossip_author_ok(struct gossip *g, const uint8_t *bytes, size_t len)
{
    uint64_t now = loop_now_ms();
    size_t i, oldest = 0;

    if (len < 3 + ENTRY_KEY_LEN)
        return 1;
    for (i = 0; i < g->nauthors; i++) {
        if (memcmp(g->authors[i].key, bytes + 3, ENTRY_KEY_LEN) == 0)
            break;
        if (g->authors[i].at_ms < g->authors[oldest].at_ms)
            oldest = i;
    }
    if (i == g->nauthors) {
        i = g->nauthors < GOSSIP_AUTHORS ? g->nauthors++ : oldest;
        memcpy(g->authors[i].key, bytes + 3, ENTRY_KEY_LEN);
        g->authors[i].tokens = GOSSIP_AUTHOR_BURST;
        g->authors[i].at_ms = now;
    }
    g->authors[i].tokens += (double)(now - g->authors[i].at_ms) * GOSSIP_AUTHOR_RATE / 1000.0;
    if (g->authors[i].tokens > GOSSIP_AUTHOR_BURST)
        g->authors[i].tokens = GOSSIP_AUTHOR_BURST;
    g->authors[i].at_ms = now;
    if (g->authors[i].tokens >= 1) {
        g->authors[i].tokens -= 1;
        return 1;
    }
    g->author_limited++;
    if (now - g->author_logged_ms >= 10000) {
        char key[17];
        hex_encode(bytes + 3, 8, key);
        log_info("gossip: %s... writes faster than %d entries/s; its further entries come by "
                 "reconciliation (%llu so far)",
                 key, GOSSIP_AUTHOR_RATE, (unsigned long long)g->author_limited);
        g->author_logged_ms = now;
    }
    return 0;
}

/* An entry's created_ms, read at its fixed offset (after version, kind and author), or 0 if the
 * bytes are too short to hold one (the decoder refuses those). */
static uint64_t gossip_peek_created(const uint8_t *bytes, size_t len)
{
    uint64_t t = 0;
    size_t i;

    if (len < 3 + ENTRY_KEY_LEN + 8)
        return 0;
    for (i = 0; i < 8; i++)
        t = t << 8 | bytes[3 + ENTRY_KEY_LEN + i];
    return t;
}

static int gossip_ingest(struct gossip *g, struct gpeer *p, const uint8_t *bytes, size_t len,
                         enum gossip_via via)
{
    uint64_t created = gossip_peek_created(bytes, len), now;

    p->entries_rx++;
    /* From the future (docs/PROTOCOL.md, Time): not stored, so it costs no memory or disk; its
     * holder offers it again once its time has come. Not the peer's fault: clocks differ. */
    if (created > gossip_horizon(g)) {
        g->held_back++;
        now = loop_now_ms();
        if (now - g->held_logged_ms >= 10000) {
            log_info("gossip: %s sent an entry dated %llu ms ahead of the team's clock; held "
                     "back until then (%llu so far)",
                     link_addr(p->link),
                     (unsigned long long)(created - (gossip_horizon(g) - ENTRY_CLOCK_TOLERANCE_MS)),
                     (unsigned long long)g->held_back);
            g->held_logged_ms = now;
        }
        if (via == VIA_FETCH && p->outstanding > 0)
            p->outstanding--;
        return 0;
    }
    if (via == VIA_PUSH && !gossip_author_ok(g, bytes, len))
        return 0;
    if (ingest_submit(g->ingest, p->seq << 2 | via, bytes, len) != 0) {
        log_debug("gossip: ingest queue full; dropping an entry from %s", link_addr(p->link));
        return -1;
    }
    return 0;
}

/* ---- reconciliation ---- */

static void gossip_recon_have(void *ctx, uint64_t ts, const uint8_t *id);
static void gossip_recon_need(void *ctx, uint64_t ts, const uint8_t *id);

struct recon_lists {
    uint8_t *have, *need;
    size_t nhave, nneed, cap_have, cap_need;
};

static struct recon_lists gossip_lists; /* filled during one recon_reply call */

static void gossip_recon_have(void *ctx, uint64_t ts, const uint8_t *id)
{
    struct recon_lists *rl = ctx;

    (void)ts;
    if (rl->nhave == rl->cap_have) {
        rl->cap_have = rl->cap_have ? 2 * rl->cap_have : 256;
        rl->have = xreallocarray(rl->have, rl->cap_have, ENTRY_ID_LEN);
    }
    memcpy(rl->have + rl->nhave++ * ENTRY_ID_LEN, id, ENTRY_ID_LEN);
}

static void gossip_recon_need(void *ctx, uint64_t ts, const uint8_t *id)
{
    struct recon_lists *rl = ctx;

    (void)ts;
    if (rl->nneed == rl->cap_need) {
        rl->cap_need = rl->cap_need ? 2 * rl->cap_need : 256;
        rl->need = xreallocarray(rl->need, rl->cap_need, ENTRY_ID_LEN);
    }
    memcpy(rl->need + rl->nneed++ * ENTRY_ID_LEN, id, ENTRY_ID_LEN);
}

/* Wrap g->rbuf (a recon message) in a RECON frame and send it. */
static void gossip_send_recon(struct gossip *g, struct gpeer *p)
{
    buf_reset(&g->out);
    if (wire_recon(&g->out, p->session, g->rbuf.data, g->rbuf.len) != 0) {
        log_warnx("gossip: a reconciliation message does not fit a frame");
        return;
    }
    gossip_send(g, p);
}

static void gossip_recon_start(struct gossip *g, struct gpeer *p)
{
    char err[160];

    /* One at a time, and not while the last one's fetches are still coming, nor while nothing
     * can be stored. */
    if (p->recon != NULL || p->streaming || p->nwant > 0 || p->outstanding > 0 ||
        gossip_storage_failing(g))
        return;
    p->recon = recon_new(g->set, 1, GOSSIP_RECON_MAX_MSG);
    recon_set_callbacks(p->recon, gossip_recon_have, gossip_recon_need, &gossip_lists);
    p->initiator = 1;
    p->last_diff = 0;
    p->session = randombytes_random();
    p->recon_started_ms = loop_now_ms();
    buf_reset(&g->rbuf);
    if (recon_initiate(p->recon, &g->rbuf, err, sizeof(err)) != 0) {
        log_warnx("gossip: cannot start reconciliation: %s", err);
        recon_destroy(&p->recon);
        return;
    }
    gossip_send_recon(g, p);
    log_debug("gossip: %s: reconciling (%zu entries here)", link_addr(p->link),
              recon_set_size(g->set));
}

/* Ask for queued ids while the ingest pipeline has room for the answers. */
static void gossip_pump_wants(struct gossip *g, struct gpeer *p)
{
    struct ingest_counters c;
    size_t n;

    while (p->nwant > 0) {
        ingest_get_counters(g->ingest, &c);
        if (c.queued + p->outstanding + GOSSIP_WANT_CHUNK > GOSSIP_QUEUE - GOSSIP_WINDOW)
            return; /* gossip_on_ingest calls again as results drain */
        n = p->nwant < GOSSIP_WANT_CHUNK ? p->nwant : GOSSIP_WANT_CHUNK;
        p->nwant -= n;
        buf_reset(&g->out);
        if (wire_ids(&g->out, WIRE_WANT, p->want + p->nwant * ENTRY_ID_LEN, n) == 0)
            gossip_send(g, p);
        p->outstanding += n;
        p->last_fetch_ms = loop_now_ms();
    }
}

/* The initiator learned (part of) the difference: send what the peer lacks, ask for the rest. */
static void gossip_recon_send_diff(struct gossip *g, struct gpeer *p, struct recon_lists *rl)
{
    p->last_diff += rl->nhave + rl->nneed;
    log_info("gossip: %s: reconciliation: sending %zu, fetching %zu", link_addr(p->link), rl->nhave,
             rl->nneed);
    if (rl->nhave > 0)
        gossip_send_ids(g, p, rl->have, rl->nhave);
    if (rl->nneed == 0)
        return;
    if (p->nwant + rl->nneed > p->capwant) {
        p->capwant = p->nwant + rl->nneed;
        p->want = xreallocarray(p->want, p->capwant, ENTRY_ID_LEN);
    }
    memcpy(p->want + p->nwant * ENTRY_ID_LEN, rl->need, rl->nneed * ENTRY_ID_LEN);
    p->nwant += rl->nneed;
    gossip_pump_wants(g, p);
}

static void gossip_on_recon(struct gossip *g, struct gpeer *p, const struct wire_msg *m)
{
    struct recon_lists *rl = &gossip_lists;
    char err[160];

    if (p->recon == NULL || p->session != m->u.recon.session) {
        /* Both sides started at once: the larger session number goes on. */
        if (p->recon != NULL && p->initiator && p->session > m->u.recon.session)
            return;
        recon_destroy(&p->recon);
        p->recon = recon_new(g->set, 0, GOSSIP_RECON_MAX_MSG);
        p->initiator = 0;
        p->session = m->u.recon.session;
        p->recon_started_ms = loop_now_ms();
    }
    memset(rl, 0, sizeof(*rl));
    buf_reset(&g->rbuf);
    if (recon_reply(p->recon, m->u.recon.msg, m->u.recon.len, &g->rbuf, err, sizeof(err)) != 0) {
        log_info("gossip: %s: bad reconciliation message: %s", link_addr(p->link), err);
        (void)link_penalize(p->link, err);
        recon_destroy(&p->recon);
        goto out;
    }
    if (g->rbuf.len > 0)
        gossip_send_recon(g, p);
    /* The initiator learns in parts, round by round: act on each as it comes. */
    if (p->initiator && (rl->nhave > 0 || rl->nneed > 0))
        gossip_recon_send_diff(g, p, rl);
    if (recon_done(p->recon)) {
        if (!p->initiator)
            p->last_sync_ms = loop_now_ms();
        if (p->initiator) {
            p->last_sync_ms = loop_now_ms();
            g->stats.recon_runs++;
            log_debug("gossip: %s: reconciled in %llu ms, %llu differences", link_addr(p->link),
                      (unsigned long long)(p->last_sync_ms - p->recon_started_ms),
                      (unsigned long long)p->last_diff);
        }
        recon_destroy(&p->recon);
    }
out:
    free(rl->have);
    free(rl->need);
    memset(rl, 0, sizeof(*rl));
}

/* ---- bootstrap streams ---- */

static void gossip_cursor_load(struct gossip *g, struct gpeer *p)
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

static void gossip_stream_ask(struct gossip *g, struct gpeer *p)
{
    buf_reset(&g->out);
    if (wire_stream(&g->out, p->cursor_ts, p->cursor_id, GOSSIP_WINDOW) != 0)
        return;
    p->window_left = GOSSIP_WINDOW;
    p->last_batch_ms = loop_now_ms();
    gossip_send(g, p);
}

/* Is this peer so far ahead that streaming beats reconciling? */
static int gossip_should_stream(struct gossip *g, struct gpeer *p)
{
    uint64_t ours = recon_set_size(g->set), theirs = link_peer_entries(p->link);

    return !g->streaming && theirs > 1000 && ours < theirs / 2;
}

static void gossip_on_batch(struct gossip *g, struct gpeer *p, const struct wire_msg *m)
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

static void gossip_on_stream(struct gossip *g, struct gpeer *p, const struct wire_msg *m)
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
    size_t n;
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
    if (wire_batch_add(&sc->g->out, raw, len) != 0) {
        sc->full = 1;
        return 1;
    }
    sc->p->serve_ts = ts;
    memcpy(sc->p->serve_id, id, ENTRY_ID_LEN);
    sc->p->serve_left_entries -= sc->p->serve_left_entries > 0;
    sc->p->serve_left_bytes -= sc->p->serve_left_bytes >= len ? len : sc->p->serve_left_bytes;
    sc->n++;
    return 0;
}

/* Send up to a few BATCHes of a stream we serve. */
static void gossip_serve(struct gossip *g, struct gpeer *p)
{
    struct serve_ctx sc = {g, p, 0, 0};
    int i;

    for (i = 0; i < GOSSIP_SERVE_PER_TICK && p->serve_credit > 0; i++) {
        uint64_t ts = p->serve_ts;
        uint8_t id[ENTRY_ID_LEN];
        memcpy(id, p->serve_id, ENTRY_ID_LEN);
        buf_reset(&g->out);
        if (wire_batch_begin(&g->out, 0, 0) != 0)
            return;
        sc.n = 0;
        sc.full = 0;
        if (replica_scan(g->cfg.replica, ts, id, p->serve_credit, gossip_serve_row, &sc) < 0)
            return;
        if (sc.n == 0)
            p->serve_left_entries = 0;
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

static void gossip_on_ihave(struct gossip *g, struct gpeer *p, const struct wire_msg *m)
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
        if (k < g->nmissing || g->nmissing == GOSSIP_MAX_MISSING)
            continue;
        memcpy(g->missing[g->nmissing].id, id, ENTRY_ID_LEN);
        g->missing[g->nmissing].peer_seq = p->seq;
        g->missing[g->nmissing].deadline_ms = now + GOSSIP_GRAFT_MS;
        g->nmissing++;
    }
    if (g->nmissing > 0)
        gossip_kick(g, GOSSIP_GRAFT_MS);
}

static void gossip_on_message(void *ctx, struct link *l, const struct wire_msg *m)
{
    struct gossip *g = ctx;
    struct gpeer *p = gossip_peer(g, l);

    switch (m->type) {
    case WIRE_ENTRY:
        (void)gossip_ingest(g, p, m->u.entry.bytes, m->u.entry.len, VIA_PUSH);
        break;
    case WIRE_IHAVE:
        gossip_on_ihave(g, p, m);
        break;
    case WIRE_WANT:
        gossip_send_ids(g, p, m->u.ids.ids, m->u.ids.n);
        break;
    case WIRE_GRAFT:
        p->eager = 1;
        gossip_send_ids(g, p, m->u.ids.ids, m->u.ids.n);
        break;
    case WIRE_PRUNE:
        p->eager = 0;
        break;
    case WIRE_RECON:
        gossip_on_recon(g, p, m);
        break;
    case WIRE_BATCH:
        gossip_on_batch(g, p, m);
        break;
    case WIRE_STREAM:
        gossip_on_stream(g, p, m);
        break;
    default:
        (void)link_penalize(l, "unexpected message type");
        break;
    }
}

static void gossip_on_up(void *ctx, struct link *l)
{
    struct gossip *g = ctx;
    struct gpeer *p = gossip_peer(g, l);

    p->eager = 1;
    p->nihave = 0;
    gossip_kick(g, 0); /* anything this peer asked for before it became primary */
    if (gossip_should_stream(g, p)) {
        gossip_cursor_load(g, p);
        p->streaming = 1;
        g->streaming = 1;
        log_info("gossip: %s has %llu entries, we have %zu: bootstrapping by stream", link_addr(l),
                 (unsigned long long)link_peer_entries(l), recon_set_size(g->set));
        gossip_stream_ask(g, p);
        return;
    }
    /* The side that dialled starts reconciling; both would only waste a round. */
    if (link_origin(l) != LINK_INBOUND)
        gossip_recon_start(g, p);
}

static void gossip_on_down(void *ctx, struct link *l)
{
    struct gossip *g = ctx;
    struct gpeer *p = link_data(l);

    if (p == NULL)
        return;
    recon_destroy(&p->recon);
    if (p->streaming) {
        p->streaming = 0;
        g->streaming = 0;
    }
    p->serve_credit = 0;
    p->serving = 0;
    p->nwant = 0;
    p->outstanding = 0;
    p->stream_done = 0;
    p->nihave = 0;
}

static void gossip_on_forget(void *ctx, struct link *l)
{
    struct gpeer *p = link_data(l);

    gossip_on_down(ctx, l);
    if (p != NULL) {
        recon_destroy(&p->recon);
        free(p->want);
    }
    free(p);
    link_set_data(l, NULL);
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
        if (p->nihave > 0) {
            buf_reset(&g->out);
            if (wire_ids(&g->out, WIRE_IHAVE, p->ihave, p->nihave) == 0)
                gossip_send(g, p);
            p->nihave = 0;
        }
        if (p->serve_credit > 0)
            gossip_serve(g, p);
        gossip_stream_continue(g, p);
        gossip_pump_wants(g, p);
    }
    /* Announced ids that did not come eagerly: fetch them from whoever announced them. */
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
        buf_reset(&g->out);
        if (wire_ids(&g->out, WIRE_GRAFT, ms->id, 1) == 0)
            gossip_send(g, p);
        p->eager = 1;
        p->outstanding++;
        p->last_fetch_ms = now;
    }
    g->nmissing = k;
    if (g->nmissing > 0)
        gossip_kick(g, GOSSIP_GRAFT_MS);
}

static void gossip_on_tick(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct gossip *g = arg;
    struct link *l;
    struct gpeer *p;
    uint64_t now = loop_now_ms();
    int periodic = now - g->last_periodic_ms >= g->cfg.sync_interval_ms;

    (void)loop;
    (void)timer_id;
    if (periodic)
        g->last_periodic_ms = now;
    gossip_storage_watch(g);
    gossip_release(g);
    for (l = links_first(g->links); l != NULL; l = links_next(l)) {
        p = link_data(l);
        if (p == NULL || !link_is_primary(l))
            continue;
        if (p->recon != NULL && now - p->recon_started_ms > GOSSIP_RECON_TIMEOUT_MS) {
            log_info("gossip: %s: reconciliation timed out", link_addr(l));
            recon_destroy(&p->recon);
        }
        if (p->streaming && !p->stream_done && now - p->last_batch_ms > GOSSIP_FETCH_STALL_MS) {
            log_info("gossip: %s: the bootstrap stream stalled; asking again", link_addr(l));
            gossip_stream_ask(g, p);
        }
        if (p->outstanding > 0 && now - p->last_fetch_ms > GOSSIP_FETCH_STALL_MS) {
            log_info("gossip: %s: %llu requested entries never came; the next reconciliation "
                     "will ask again",
                     link_addr(l), (unsigned long long)p->outstanding);
            p->outstanding = 0;
        }
        if (periodic && link_origin(l) != LINK_INBOUND)
            gossip_recon_start(g, p);
    }
}

/* ---- setup ---- */

uint64_t gossip_entry_count(struct gossip *g)
{
    return recon_set_size(g->set);
}

static uint64_t gossip_hello_entries(void *ctx)
{
    return gossip_entry_count(ctx);
}

static int gossip_load_key(void *ctx, uint64_t ts, const uint8_t *id)
{
    return recon_set_add(ctx, ts, id);
}

/* The median of 0 (our own clock) and the peers' offsets; of the two middle values of an even
 * count, the one nearer to ours. So one peer alone never outvotes us, and a minority of peers
 * with wrong clocks moves nothing. */
int64_t gossip_clock_median(const int64_t *offsets, size_t n)
{
    int64_t *v = xreallocarray(NULL, n + 1, sizeof(*v)), x, a, b;
    size_t i, j;

    v[0] = 0;
    for (i = 0; i < n; i++) {
        x = offsets[i];
        for (j = i + 1; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    n++;
    if (n % 2 == 1) {
        x = v[n / 2];
    } else {
        a = v[n / 2 - 1];
        b = v[n / 2];
        x = (a < 0 ? -a : a) <= (b < 0 ? -b : b) ? a : b;
    }
    free(v);
    return x;
}

void gossip_clock(struct gossip *g, struct gossip_clock *out)
{
    int64_t offs[GOSSIP_CLOCKS_MAX], off;
    struct link *l;
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    out->wall_ms = gossip_wall_ms();
    for (l = links_first(g->links); l != NULL && n < GOSSIP_CLOCKS_MAX; l = links_next(l)) {
        if (link_state(l) != LINK_UP || !link_is_primary(l) || !link_peer_clock(l, &off))
            continue;
        offs[n++] = off;
        if (off > (int64_t)ENTRY_CLOCK_TOLERANCE_MS || off < -(int64_t)ENTRY_CLOCK_TOLERANCE_MS)
            out->peers_disagreeing++;
    }
    out->peers = n;
    out->offset_ms = gossip_clock_median(offs, n);
    out->team_ms = (uint64_t)((int64_t)out->wall_ms + out->offset_ms);
}

/* The sync horizon: the team's clock plus the tolerance, never lowered (what was released stays
 * released, so the set and what we serve agree). */
static uint64_t gossip_horizon(struct gossip *g)
{
    struct gossip_clock c;

    gossip_clock(g, &c);
    if (c.team_ms + ENTRY_CLOCK_TOLERANCE_MS > g->horizon_ms)
        g->horizon_ms = c.team_ms + ENTRY_CLOCK_TOLERANCE_MS;
    return g->horizon_ms;
}

uint64_t gossip_sync_horizon(struct gossip *g)
{
    return gossip_horizon(g);
}

/* Entries whose time has come since the last call join the reconciliation set (peers then get
 * them by reconciliation, like any entry they lack). */
static void gossip_release(struct gossip *g)
{
    uint64_t from = g->horizon_ms, to = gossip_horizon(g);

    if (to > from && replica_keys_between(g->cfg.replica, from, to, gossip_load_key, g->set) != 0)
        log_warnx("gossip: cannot read the entries whose time has come");
}

/* ---- team: who may link ---- */

static enum link_zap gossip_zap(void *ctx, const uint8_t curve[LINK_CURVE_LEN],
                                uint8_t member[WIRE_KEY_LEN])
{
    struct gossip *g = ctx;

    if (g->cfg.team == NULL)
        return LINK_ZAP_NO;
    switch (team_zap(g->cfg.team, curve, member)) {
    case TEAM_ZAP_MEMBER:
        return LINK_ZAP_MEMBER;
    case TEAM_ZAP_JOIN:
        return LINK_ZAP_JOIN;
    default:
        return LINK_ZAP_NO;
    }
}

/* A peer proved it holds key: is key a member, by what we know plus the credentials it showed?
 * If so, the credentials are stored like any entry (a newcomer learns the team from them). */
static int gossip_vet(void *ctx, struct link *l, const uint8_t key[WIRE_KEY_LEN],
                      const struct wire_msg *hello, int joined, char *why, size_t whylen)
{
    struct gossip *g = ctx;
    struct entry *extra[WIRE_MAX_CREDS];
    const uint8_t *bytes;
    uint8_t tid[TEAM_ID_LEN];
    size_t pos = 0, len, n = 0, i;
    int ok = 0;

    (void)l;
    (void)joined;
    if (g->cfg.team == NULL) {
        errmsg_set(why, whylen, "this node is in no team");
        return -1;
    }
    while (n < WIRE_MAX_CREDS && wire_creds_next(hello, &pos, &bytes, &len)) {
        struct entry *e = entry_decode(bytes, len, NULL, 0);
        if (e == NULL || kinds_verify(e, NULL, 0) != 0 || team_entry_team(e, tid) != 0 ||
            memcmp(tid, team_id(g->cfg.team), TEAM_ID_LEN) != 0) {
            entry_destroy(&e);
            continue;
        }
        extra[n++] = e;
    }
    ok = team_check_with(g->cfg.team, key, (const struct entry *const *)extra, n, why, whylen);
    for (i = 0; i < n; i++) {
        if (ok) {
            const uint8_t *raw = entry_bytes(extra[i], &len);
            char err[160];
            /* Into the state now, not only once stored: the link must not look like a
             * non-member's if the state changes before the pipeline has stored them. */
            if (team_add(g->cfg.team, extra[i], err, sizeof(err)) < 0)
                log_debug("gossip: credential not taken: %s", err);
            if (ingest_submit(g->ingest, 0 << 2 | VIA_FETCH, raw, len) != 0)
                log_debug("gossip: no room to store a credential now; sync will bring it");
        }
        entry_destroy(&extra[i]);
    }
    return ok ? 0 : -1;
}

static int gossip_creds(void *ctx, struct buf *out)
{
    struct gossip *g = ctx;
    int n = g->cfg.team != NULL ? team_credentials(g->cfg.team, g->cfg.key, out) : -1;

    if (n > WIRE_MAX_CREDS) { /* a long chain of rotations: HELLO carries at most so many */
        buf_reset(out);
        n = -1;
    }

    /* A newcomer that has not seen the team yet shows its certificate. */
    if (n < 0 && g->own_cert != NULL) {
        buf_reset(out);
        if (buf_append_u32be(out, (uint32_t)g->own_cert_len) != 0 ||
            buf_append(out, g->own_cert, g->own_cert_len) != 0)
            return -1;
        n = 1;
    }
    return n;
}

static int gossip_known(void *ctx)
{
    struct gossip *g = ctx;

    /* Only once we have seen the team itself: a newcomer trusting its join code alone is a
     * member in its own eyes, not yet in anyone else's. */
    return g->cfg.team != NULL && team_has_genesis(g->cfg.team) &&
           team_is_member(g->cfg.team, g->cfg.key, gossip_wall_ms());
}

void gossip_team_changed(struct gossip *g, int reload_set)
{
    struct ingest_counters c;
    struct link *l;
    uint64_t v;

    if (g->cfg.team == NULL)
        return;
    v = team_version(g->cfg.team);
    if (v != g->team_version) {
        g->team_version = v;
        gossip_retry_all(g);
        for (l = links_first(g->links); l != NULL; l = links_next(l))
            if (link_state(l) == LINK_UP && link_key(l) != NULL &&
                !team_is_member(g->cfg.team, link_key(l), UINT64_MAX)) /* as ZAP: revoked */
                link_refuse(l, "not a member of the team any more");
    }
    ingest_get_counters(g->ingest, &c);
    if (reload_set || c.purged + c.retractions != g->purged_seen) {
        g->purged_seen = c.purged + c.retractions;
        recon_set_clear(g->set);
        if (replica_keys_between(g->cfg.replica, 0, gossip_horizon(g), gossip_load_key, g->set) !=
            0)
            log_warnx("gossip: cannot reload the replica's keys");
    }
}

void gossip_ingest_counters(struct gossip *g, struct ingest_counters *out)
{
    ingest_get_counters(g->ingest, out);
}

struct gossip *gossip_new(const struct gossip_config *cfg, char *err, size_t errlen)
{
    struct gossip *g = xcalloc(1, sizeof(*g));
    struct links_config lc = {0};
    struct links_callbacks cb = {gossip_on_up, gossip_on_down, gossip_on_message, gossip_on_forget,
                                 gossip_zap,   gossip_vet,     gossip_creds,      gossip_known};
    uint8_t tid[TEAM_ID_LEN], spk[TEAM_CURVE_LEN], *ssk = NULL, jpk[TEAM_CURVE_LEN], *jsk = NULL;
    int ok = 0;

    g->cfg = *cfg;
    if (g->cfg.sync_interval_ms == 0)
        g->cfg.sync_interval_ms = GOSSIP_DEFAULT_INTERVAL_MS;
    g->last_periodic_ms = loop_now_ms();
    buf_init(&g->out, WIRE_MAX_FRAME);
    buf_init(&g->rbuf, GOSSIP_RECON_MAX_MSG);
    g->missing = xreallocarray(NULL, GOSSIP_MAX_MISSING, sizeof(*g->missing));
    g->set = recon_set_new();
    g->horizon_ms = gossip_wall_ms() + ENTRY_CLOCK_TOLERANCE_MS; /* no peers yet */
    if (replica_keys_between(cfg->replica, 0, g->horizon_ms, gossip_load_key, g->set) != 0) {
        errmsg_set(err, errlen, "cannot read the replica's keys");
        goto out;
    }
    g->ingest = ingest_new(cfg->db_path, cfg->verify_threads, GOSSIP_QUEUE, err, errlen);
    if (g->ingest == NULL)
        goto out;
    if (loop_add_fd(cfg->loop, ingest_fd(g->ingest), LOOP_READ, gossip_on_ingest, g) != 0) {
        errmsg_set(err, errlen, "cannot watch the ingest pipeline");
        goto out;
    }
    ingest_set_team(g->ingest, cfg->team);
    if (cfg->own_cert != NULL && cfg->own_cert_len > 0) {
        g->own_cert = xmalloc(cfg->own_cert_len);
        memcpy(g->own_cert, cfg->own_cert, cfg->own_cert_len);
        g->own_cert_len = cfg->own_cert_len;
    }
    ssk = sodium_malloc(2 * TEAM_CURVE_LEN);
    if (ssk == NULL || cfg->node_curve_public == NULL || cfg->node_curve_secret == NULL) {
        errmsg_set(err, errlen, "gossip needs the node's CURVE keys");
        goto out;
    }
    jsk = ssk + TEAM_CURVE_LEN;
    /* In no team, links get a throwaway team: they neither listen nor dial. */
    if (cfg->team != NULL)
        memcpy(tid, team_id(cfg->team), TEAM_ID_LEN);
    else
        randombytes_buf(tid, sizeof(tid));
    team_server_keys(tid, spk, ssk);
    lc.listen = cfg->team != NULL ? cfg->listen : NULL;
    lc.key = cfg->key;
    lc.name = cfg->name;
    lc.entries = gossip_hello_entries;
    lc.no_exchange = !cfg->peer_exchange;
    lc.team = tid;
    lc.server_public = spk;
    lc.server_secret = ssk;
    lc.node_public = cfg->node_curve_public;
    lc.node_secret = cfg->node_curve_secret;
    if (cfg->invite != NULL) {
        memcpy(jpk, team_invite_join_public(cfg->invite), TEAM_CURVE_LEN);
        team_invite_join_secret(cfg->invite, jsk);
        lc.join_public = jpk;
        lc.join_secret = jsk;
    }
    lc.sign = cfg->sign;
    lc.sign_ctx = cfg->sign_ctx;
    g->links = links_new(cfg->loop, &lc, &cb, g, err, errlen);
    if (g->links == NULL)
        goto out;
    g->tick_timer = loop_add_timer(cfg->loop, GOSSIP_TICK_MS, 1, gossip_on_tick, g);
    ok = 1;
out:
    sodium_free(ssk);
    if (!ok)
        gossip_destroy(&g);
    return g;
}

void gossip_destroy(struct gossip **gp)
{
    struct gossip *g;
    size_t i;

    if (gp == NULL || *gp == NULL)
        return;
    g = *gp;
    links_destroy(&g->links); /* frees every gpeer through gossip_on_forget */
    if (g->tick_timer != 0)
        loop_cancel_timer(g->cfg.loop, g->tick_timer);
    if (g->flush_timer != 0)
        loop_cancel_timer(g->cfg.loop, g->flush_timer);
    if (g->ingest != NULL) {
        loop_remove(g->cfg.loop, ingest_fd(g->ingest), NULL);
        ingest_destroy(&g->ingest);
    }
    recon_set_destroy(&g->set);
    for (i = 0; i < GOSSIP_RETRY_MAX; i++)
        free(g->retry[i].bytes);
    free(g->own_cert);
    free(g->missing);
    buf_free(&g->out);
    buf_free(&g->rbuf);
    free(g);
    *gp = NULL;
}

int gossip_dial(struct gossip *g, const char *addr, char *err, size_t errlen)
{
    if (g->cfg.team == NULL) {
        errmsg_set(err, errlen,
                   "this node is in no team: `lore team create` or `lore team join` "
                   "first");
        return -1;
    }
    return links_dial(g->links, addr, LINK_STATIC, err, errlen) != NULL ? 0 : -1;
}

uint16_t gossip_port(const struct gossip *g)
{
    return links_port(g->links);
}

struct links *gossip_links(struct gossip *g)
{
    return g->links;
}

void gossip_peer_info(struct gossip *g, struct link *l, struct gossip_peer_info *info)
{
    struct gpeer *p = link_data(l);

    memset(info, 0, sizeof(*info));
    info->state = "idle";
    if (p == NULL)
        return;
    info->eager = p->eager;
    info->entries_rx = p->entries_rx;
    info->entries_tx = p->entries_tx;
    info->invalid = p->invalid;
    info->to_fetch = p->nwant + p->outstanding;
    info->stream_entries = p->streaming ? p->stream_entries : 0;
    info->stream_bytes = p->streaming ? p->stream_bytes : 0;
    info->last_sync_ms = p->last_sync_ms;
    info->last_diff = p->last_diff;
    if (p->streaming)
        info->state = "bootstrapping";
    else if (p->recon != NULL)
        info->state = "reconciling";
    else if (p->nwant + p->outstanding > 0)
        info->state = "fetching";
    else if (p->last_sync_ms != 0)
        info->state = "in sync";
    /* Whatever was reconciled, this node cannot store it now. */
    if (gossip_storage_failing(g))
        info->state = "storage failing";
}

void gossip_stats(struct gossip *g, struct gossip_stats *out)
{
    struct ingest_counters c;

    *out = g->stats;
    ingest_get_counters(g->ingest, &c);
    out->queued = c.queued;
    out->author_limited = g->author_limited;
    out->held_back = g->held_back;
}
