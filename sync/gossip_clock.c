#include "gossip.h"
#include "gossip_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "recon.h"
#include "xmalloc.h"

uint64_t gossip_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
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
uint64_t gossip_horizon(struct gossip *g)
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
void gossip_release(struct gossip *g)
{
    uint64_t from = g->horizon_ms, to = gossip_horizon(g);

    if (to > from && replica_keys_between(g->cfg.replica, from, to, gossip_load_key, g->set) != 0)
        log_warnx("gossip: cannot read the entries whose time has come");
}
