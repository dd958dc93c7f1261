/* node_rank: who knows a topic (docs/API.md, who_knows). */
#ifndef LORE_NODE_RANK_H
#define LORE_NODE_RANK_H

#include "node_int.h"

/* People ranked for a topic, at most max, best first: a new array of {declared, answers,
 * accepted, upvotes, endorsers, last_ms, score, components, key, why, name, online}. */
json_t *node_rank_experts(struct node *n, const char *topic, size_t max);

/* node_rank_experts, with the topics related to topic counting too (node_related) when related
 * is non-zero (node_rank_experts does); *related_out, if not NULL, gets them as a new array of
 * {"tag", "weight"} (empty without related). Each person also has "related_answers" and "via"
 * (the related topics that added to their score). */
json_t *node_rank_experts_related(struct node *n, const char *topic, size_t max, int related,
                                  json_t **related_out);

/* Is the member with this key online now (sync/presence.h)? Without networking only we are. */
int node_rank_online(struct node *n, const uint8_t key[ENTRY_KEY_LEN]);

/* Move the people of a node_rank_experts array who are online before the others, each group in
 * its order, and keep at most max. */
void node_rank_online_first(json_t *people, size_t max);

/* How many people other than us who_knows ranks for any of these tags are online now. */
size_t node_rank_online_experts(struct node *n, const char *const *tags, size_t ntags);

#endif
