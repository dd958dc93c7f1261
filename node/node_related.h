/* node_related: the topics related to a topic, learned from the replica itself — the tags found
 * beside a tag, and the tags of the entries a topic's words find (docs/API.md, who_knows). */
#ifndef LORE_NODE_RELATED_H
#define LORE_NODE_RELATED_H

#include "node_int.h"

#define NODE_RELATED_MAX 4

/* Related tags, best first, each with a weight in (0, 1] (the best has 1). */
struct node_related {
    size_t n;
    char tag[NODE_RELATED_MAX][ENTRY_TAG_MAX + 1];
    double weight[NODE_RELATED_MAX];
};

/* The topics related to topic (a tag and/or words) into *out; none is the topic's own tag. The
 * same replica gives the same answer on every node. Never fails: a replica error leaves fewer. */
void node_related_topics(struct node *n, const char *topic, struct node_related *out);

/* out as a JSON array of {"tag", "weight"} (a new reference). */
json_t *node_related_json(const struct node_related *r);

#endif
