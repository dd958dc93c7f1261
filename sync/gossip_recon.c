#include "errmsg.h"
#include "gossip.h"
#include "gossip_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "log.h"
#include "recon.h"
#include "xmalloc.h"

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

void gossip_recon_start(struct gossip *g, struct gpeer *p)
{
    char err[ERRMSG_MAX];

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
void gossip_pump_wants(struct gossip *g, struct gpeer *p)
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

void gossip_want_ids(struct gpeer *p, const uint8_t *ids, size_t n)
{
    if (p->nwant + n > p->capwant) {
        p->capwant = p->nwant + n > 2 * p->capwant ? p->nwant + n : 2 * p->capwant;
        p->want = xreallocarray(p->want, p->capwant, ENTRY_ID_LEN);
    }
    memcpy(p->want + p->nwant * ENTRY_ID_LEN, ids, n * ENTRY_ID_LEN);
    p->nwant += n;
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
    gossip_want_ids(p, rl->need, rl->nneed);
    gossip_pump_wants(g, p);
}

void gossip_on_recon(struct gossip *g, struct gpeer *p, const struct wire_msg *m)
{
    struct recon_lists *rl = &gossip_lists;
    char err[ERRMSG_MAX];

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
