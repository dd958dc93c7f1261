#include "gossip.h"
#include "gossip_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "ingest.h"
#include "kinds.h"
#include "log.h"
#include "recon.h"
#include "xmalloc.h"

struct gpeer *gossip_peer_by_seq(struct gossip *g, uint64_t seq)
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

struct gpeer *gossip_peer(struct gossip *g, struct link *l)
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
    case WIRE_PRESENCE:
        gossip_on_presence(g, p, m);
        break;
    case WIRE_FEATURES:
        gossip_on_features(g, p);
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
    p->withheld_since_up = 0;
    gossip_kick(g, 0); /* anything this peer asked for before it became primary */
    gossip_presence_up(g, p);
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
    gossip_presence_tick(g);
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
        gossip_pull_due(g, p);
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

int gossip_load_key(void *ctx, uint64_t ts, const uint8_t *id)
{
    return recon_set_add(ctx, ts, id);
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
            char err[ERRMSG_MAX];
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
    return gossip_is_known(ctx);
}

int gossip_is_known(struct gossip *g)
{
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
    buf_init(&g->beacon, WIRE_MAX_FRAME);
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
    g->presence = presence_new(tid);
    team_server_keys(tid, spk, ssk);
    lc.listen = cfg->team != NULL ? cfg->listen : NULL;
    lc.key = cfg->key;
    lc.name = cfg->name;
    lc.entries = gossip_hello_entries;
    lc.no_exchange = !cfg->peer_exchange;
    lc.features = WIRE_FEATURES_OURS;
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
    if (g->links != NULL)
        gossip_presence_leave(g);
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
    presence_destroy(&g->presence);
    buf_free(&g->beacon);
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

int gossip_forget(struct gossip *g, const char *addr)
{
    return links_forget(g->links, addr);
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
    info->features = link_peer_features(l);
    info->withheld = p->withheld;
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
    out->presence_refused = g->presence_refused;
}
