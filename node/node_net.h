/* node_net: networking (gossip, links, mDNS) for the node's team, and the ops status, peers,
 * peers_add. */
#ifndef LORE_NODE_NET_H
#define LORE_NODE_NET_H

#include "node_int.h"

extern const struct node_op node_net_ops[];

/* Start networking on the current team state (a node in no team neither listens nor dials).
 * Returns 0, or -1 with a message in err. */
int node_net_start(struct node *n, char *err, size_t errlen);
/* Stop networking: links, gossip (and its ingest pipeline) and discovery. */
void node_net_stop(struct node *n);
/* Stop and start again (the team changed). */
int node_net_restart(struct node *n, char *err, size_t errlen);

#endif
