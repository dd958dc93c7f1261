/* node_rank: who knows a topic (docs/API.md, who_knows). */
#ifndef LORE_NODE_RANK_H
#define LORE_NODE_RANK_H

#include "node_int.h"

/* People ranked for a topic, at most max, best first: a new array of {declared, answers,
 * accepted, upvotes, endorsers, last_ms, score, components, key, why, name}. */
json_t *node_rank_experts(struct node *n, const char *topic, size_t max);

#endif
