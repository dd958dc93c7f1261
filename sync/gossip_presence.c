/* gossip_presence: presence beacons over the links (sync/presence.h, docs/PROTOCOL.md
 * "Presence") — ours made and sent every PRESENCE_EVERY_MS, others' judged, taken and passed on
 * once to every other link, and who is online from them, our direct links and ourselves. */
#include "gossip.h"
#include "gossip_int.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "log.h"
#include "xmalloc.h"

#define GOSSIP_PRESENCE_LOG_MS 10000 /* refused beacons are logged at most this often */

static int gossip_presence_sign(void *ctx, const uint8_t *msg, size_t len,
                                uint8_t sig[WIRE_SIG_LEN])
{
    struct gossip *g = ctx;

    return g->cfg.sign != NULL ? g->cfg.sign(g->cfg.sign_ctx, msg, len, sig) : -1;
}

/* A current member: not revoked (as the ZAP handler judges, at the end of time). */
static int gossip_presence_member(void *ctx, const uint8_t key[WIRE_KEY_LEN])
{
    struct gossip *g = ctx;

    return g->cfg.team != NULL && team_is_member(g->cfg.team, key, UINT64_MAX);
}

/* Send frame to every up primary link but from's and the one to the node whose beacon it is. */
static void gossip_presence_send(struct gossip *g, const struct buf *frame, struct gpeer *from,
                                 const uint8_t key[WIRE_KEY_LEN])
{
    struct link *l;
    struct gpeer *p;

    for (l = links_first(g->links); l != NULL; l = links_next(l)) {
        p = link_data(l);
        if (p == NULL || p == from || link_state(l) != LINK_UP || !link_is_primary(l) ||
            (link_key(l) != NULL && memcmp(link_key(l), key, WIRE_KEY_LEN) == 0))
            continue;
        if (link_send(l, frame) != 0)
            log_debug("gossip: %s: send queue full, dropped a presence beacon", link_addr(l));
    }
}

void gossip_presence_tick(struct gossip *g)
{
    uint64_t now = loop_now_ms();
    /* The nodes online by their beacons, and this one. */
    size_t online = presence_each(g->presence, now, NULL, NULL) + 1;

    if (g->beacon_ms != 0 && now - g->beacon_ms < presence_every_ms(online))
        return;
    if (!gossip_is_known(g))
        return;
    buf_reset(&g->beacon);
    if (presence_make(g->presence, g->cfg.key, gossip_wall_ms(), presence_ttl_ms(online), now,
                      gossip_presence_sign, g, &g->beacon) != 0) {
        log_warnx("gossip: cannot make a presence beacon");
        buf_reset(&g->beacon);
        return;
    }
    g->beacon_ms = now;
    gossip_presence_send(g, &g->beacon, NULL, g->cfg.key);
}

void gossip_presence_leave(struct gossip *g)
{
    if (g->beacon_ms == 0)
        return; /* we never said we were here */
    buf_reset(&g->beacon);
    if (presence_make(g->presence, g->cfg.key, gossip_wall_ms(), PRESENCE_LEAVE_TTL_MS,
                      loop_now_ms(), gossip_presence_sign, g, &g->beacon) != 0)
        return;
    gossip_presence_send(g, &g->beacon, NULL, g->cfg.key);
}

void gossip_presence_up(struct gossip *g, struct gpeer *p)
{
    if (g->beacon.len > 0 && link_send(p->link, &g->beacon) != 0)
        log_debug("gossip: %s: send queue full, dropped a presence beacon", link_addr(p->link));
}

void gossip_on_presence(struct gossip *g, struct gpeer *p, const struct wire_msg *m)
{
    const struct wire_presence_fields *f = &m->u.presence;
    struct gossip_clock c;
    enum presence_verdict v;
    uint64_t now = loop_now_ms();
    char key[17];

    gossip_clock(g, &c);
    v = presence_take(g->presence, f, gossip_presence_member, g, c.team_ms, now);
    switch (v) {
    case PRESENCE_NEW:
        buf_reset(&g->out);
        if (wire_presence(&g->out, f) == 0)
            gossip_presence_send(g, &g->out, p, f->key);
        return;
    case PRESENCE_DUPLICATE:
        return; /* the flood reaching us by another path */
    case PRESENCE_TOO_FAST:
    case PRESENCE_BAD_SIGNATURE:
        (void)link_penalize(p->link, presence_verdict_text(v));
        break;
    default:
        break;
    }
    g->presence_refused++;
    if (now - g->presence_logged_ms >= GOSSIP_PRESENCE_LOG_MS) {
        g->presence_logged_ms = now;
        hex_encode(f->key, 8, key);
        log_info("gossip: %s: presence beacon of %s... refused: %s (%llu refused so far)",
                 link_addr(p->link), key, presence_verdict_text(v),
                 (unsigned long long)g->presence_refused);
    }
}

/* ---- who is online ---- */

int gossip_online(struct gossip *g, const uint8_t key[WIRE_KEY_LEN])
{
    if (memcmp(key, g->cfg.key, WIRE_KEY_LEN) == 0)
        return 1; /* this node runs */
    if (!gossip_presence_member(g, key))
        return 0;
    return links_have_key(g->links, key) || presence_online(g->presence, key, loop_now_ms());
}

struct gossip_online_set {
    uint8_t (*keys)[WIRE_KEY_LEN];
    size_t n, cap;
};

static void gossip_online_add(void *ctx, const uint8_t key[WIRE_KEY_LEN])
{
    struct gossip_online_set *s = ctx;
    size_t i;

    for (i = 0; i < s->n; i++)
        if (memcmp(s->keys[i], key, WIRE_KEY_LEN) == 0)
            return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->keys = xreallocarray(s->keys, s->cap, sizeof(*s->keys));
    }
    memcpy(s->keys[s->n++], key, WIRE_KEY_LEN);
}

size_t gossip_online_count(struct gossip *g)
{
    struct gossip_online_set s = {NULL, 0, 0};
    struct link *l;
    size_t i, n = 0;

    gossip_online_add(&s, g->cfg.key);
    (void)presence_each(g->presence, loop_now_ms(), gossip_online_add, &s);
    for (l = links_first(g->links); l != NULL; l = links_next(l))
        if (link_state(l) == LINK_UP && link_key(l) != NULL)
            gossip_online_add(&s, link_key(l));
    for (i = 0; i < s.n; i++)
        n += gossip_online(g, s.keys[i]);
    free(s.keys);
    return n;
}
