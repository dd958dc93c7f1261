#include "gossip.h"
#include "gossip_int.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "ingest.h"
#include "log.h"
#include "recon.h"
#include "xmalloc.h"

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
void gossip_retry_all(struct gossip *g)
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

/* While the replica cannot be written, reconciling would only fetch what cannot be stored (the
 * entries not stored are not in the set, so they count as not held and are fetched again once
 * it can). When writes work again, reconcile with every peer at once. */
int gossip_storage_failing(struct gossip *g)
{
    struct ingest_counters c;

    ingest_get_counters(g->ingest, &c);
    return c.failing;
}

void gossip_storage_watch(struct gossip *g)
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

void gossip_on_ingest(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
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
        if (g->authors[i].pushes.at_ms < g->authors[oldest].pushes.at_ms)
            oldest = i;
    }
    if (i == g->nauthors) {
        i = g->nauthors < GOSSIP_AUTHORS ? g->nauthors++ : oldest;
        memcpy(g->authors[i].key, bytes + 3, ENTRY_KEY_LEN);
        g->authors[i].pushes = (struct bucket){0, 0}; /* full */
    }
    if (bucket_take(&g->authors[i].pushes, now, GOSSIP_AUTHOR_RATE, GOSSIP_AUTHOR_BURST))
        return 1;
    g->author_limited++;
    if (now - g->author_logged_ms >= 10000) {
        char key[17];
        hex_encode(bytes + 3, 8, key);
        log_info("gossip: %s... writes faster than %d entries/s; its further entries are pulled "
                 "by reconciliation (%llu so far)",
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

int gossip_ingest(struct gossip *g, struct gpeer *p, const uint8_t *bytes, size_t len,
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
    if (via == VIA_PUSH && !gossip_author_ok(g, bytes, len)) {
        gossip_pull_later(g, p);
        return 0;
    }
    if (ingest_submit(g->ingest, p->seq << 2 | via, bytes, len) != 0) {
        log_debug("gossip: ingest queue full; dropping an entry from %s", link_addr(p->link));
        return -1;
    }
    return 0;
}
