/* node_clock: the node's clock against the team's (docs/PROTOCOL.md, "Time"), and when an entry
 * counts in views. */
#ifndef LORE_NODE_CLOCK_H
#define LORE_NODE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"
#include "node_int.h"

/* This node's clock against the team's. */
struct node_clock {
    uint64_t wall_ms;     /* our clock */
    uint64_t team_ms;     /* the team's, as far as we can tell (ours when nobody says otherwise) */
    int64_t skew_ms;      /* ours minus the team's */
    size_t peers;         /* peers whose clocks were compared */
    size_t disagreeing;   /* of those, how many differ from ours by more than the tolerance */
    uint64_t genesis_ms;  /* the team's creation time, 0 if unknown */
    int ok;               /* within the tolerance: the node may write */
    char why[ERRMSG_MAX]; /* when not ok: what is wrong, for people */
};

/* Wall clock, ms since the epoch. */
uint64_t node_clock_wall_ms(void);
/* Fill c (OUT): is our clock right, by the peers' clocks and the team's genesis? */
void node_clock_check(struct node *n, struct node_clock *c);
/* When e counts in views (its effective time), or with recognition set, when its recognition
 * counts here (no earlier than it arrived). Its created time if the replica cannot say. */
uint64_t node_clock_entry_time(struct node *n, const struct entry *e, int recognition);

#endif
