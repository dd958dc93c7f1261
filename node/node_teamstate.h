/* node_teamstate: the team this node is in (sync/team.h state, from the replica and the team
 * file), fed with our team entries. */
#ifndef LORE_NODE_TEAMSTATE_H
#define LORE_NODE_TEAMSTATE_H

#include "node_int.h"

/* At start: load the team this node is in, if any. Returns 0, or -1 with a message in err. */
int node_teamstate_open(struct node *n, char *err, size_t errlen);
/* Replace the team state with team id (and the invite from secret, if not NULL), loaded with
 * what the replica holds. */
void node_teamstate_setup(struct node *n, const uint8_t id[TEAM_ID_LEN], const uint8_t *secret);
/* A team entry of ours was stored: feed it to the team state and carry out its purges. */
void node_teamstate_learn(struct node *n, const struct entry *e);
/* The team's state as JSON (null when in no team); with_members adds members and our code. */
json_t *node_teamstate_json(struct node *n, int with_members);

#endif
