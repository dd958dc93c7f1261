/* node_clock: the node's clock — wall time, and whether it agrees with the team's
 * (docs/PROTOCOL.md, "Time") — and when an entry counts in views. */
#include "node_clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gossip.h"
#include "timeunits.h"

uint64_t node_clock_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "3 days", "5 h", "12 min", "40 s": how far a clock is off, for people. */
static void node_clock_duration(uint64_t ms, char *out, size_t outlen)
{
    uint64_t s = ms / 1000;

    if (s >= 2 * (LORE_DAY_MS / LORE_SECOND_MS))
        snprintf(out, outlen, "%llu days",
                 (unsigned long long)(s / (LORE_DAY_MS / LORE_SECOND_MS)));
    else if (s >= 2 * (LORE_HOUR_MS / LORE_SECOND_MS))
        snprintf(out, outlen, "%llu h", (unsigned long long)(s / (LORE_HOUR_MS / LORE_SECOND_MS)));
    else if (s >= 120)
        snprintf(out, outlen, "%llu min", (unsigned long long)(s / 60));
    else
        snprintf(out, outlen, "%llu s", (unsigned long long)s);
}

/*
 * Is our clock right? Two witnesses (docs/PROTOCOL.md, "Time"): the peers' clocks from their
 * HELLOs (their median with ours: a majority of peers must agree that we are off), and the team's
 * genesis (a clock before the team was created is wrong, whatever the peers say or if there are
 * none). Either one past ENTRY_CLOCK_TOLERANCE_MS makes the node refuse to write.
 */
void node_clock_check(struct node *n, struct node_clock *c)
{
    struct gossip_clock gc;
    char d[32];
    uint64_t tol = ENTRY_CLOCK_TOLERANCE_MS;

    memset(c, 0, sizeof(*c));
    c->wall_ms = node_clock_wall_ms();
    c->team_ms = c->wall_ms;
    c->ok = 1;
    if (n->gossip != NULL) {
        gossip_clock(n->gossip, &gc);
        c->team_ms = gc.team_ms;
        c->skew_ms = -gc.offset_ms;
        c->peers = gc.peers;
        c->disagreeing = gc.peers_disagreeing;
    }
    if (c->skew_ms > (int64_t)tol || c->skew_ms < -(int64_t)tol) {
        c->ok = 0;
        node_clock_duration((uint64_t)(c->skew_ms < 0 ? -c->skew_ms : c->skew_ms), d, sizeof(d));
        snprintf(c->why, sizeof(c->why),
                 "this machine's clock is %s %s the team's (by the clocks of %zu of %zu "
                 "peers); set the clock right (NTP)",
                 d, c->skew_ms > 0 ? "ahead of" : "behind", c->disagreeing, c->peers);
    }
    if (n->team != NULL && replica_newest_created(n->replica, ENTRY_TEAM, &c->genesis_ms) == 0 &&
        c->genesis_ms > c->wall_ms + tol) {
        if (c->team_ms < c->genesis_ms) { /* no peer told us better: we know this much */
            c->team_ms = c->genesis_ms;
            c->skew_ms = (int64_t)c->wall_ms - (int64_t)c->genesis_ms;
        }
        c->ok = 0;
        node_clock_duration(c->genesis_ms - c->wall_ms, d, sizeof(d));
        snprintf(c->why, sizeof(c->why),
                 "this machine's clock is at least %s behind: it says a time before the team "
                 "was created; set the clock right (NTP)",
                 d);
    }
}

/* When e counts in views: its effective time (never before what it references), or with
 * recognition set, when recognition counts here: no earlier than it arrived (docs/PROTOCOL.md,
 * "Time"). Falls back to its created time if the replica cannot say. */
uint64_t node_clock_entry_time(struct node *n, const struct entry *e, int recognition)
{
    struct replica_entry_times t;

    if (replica_times(n->replica, entry_id(e), &t) != REPLICA_FOUND)
        return entry_created_ms(e);
    return recognition ? t.recognized_ms : t.effective_ms;
}
