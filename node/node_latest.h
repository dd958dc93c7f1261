/* node_latest: "the author's latest per tag counts" — of the entries of one kind, the latest per
 * (author, tag) by (created_ms, id). The one resolution of skills (kind 7) and learning goals
 * (kind 25): docs/PROTOCOL.md. Only the signing author is a key, so nobody's entry changes
 * someone else's state. */
#ifndef LORE_NODE_LATEST_H
#define LORE_NODE_LATEST_H

#include "node_int.h"

struct node_latest;

/* Read the entries of kind (of author, if not NULL; carrying tag — or a tag of its class — if
 * not NULL) and keep the latest per (author, first tag's canonical tag: node_synonyms). At most
 * NODE_LATEST_SCAN entries are read; a storage error is logged and what was read so far is kept.
 * Returns a new set, in (tag, author) order, that the caller destroys; never NULL. */
#define NODE_LATEST_SCAN 20000
struct node_latest *node_latest_scan(struct node *n, uint16_t kind, const uint8_t *author,
                                     const char *tag);
/* How many (author, tag) pairs. */
size_t node_latest_count(const struct node_latest *l);
/* The latest entry of pair i (0 <= i < count), borrowed from l. */
const struct entry *node_latest_at(const struct node_latest *l, size_t i);
/* The tag of pair i: the canonical tag of its entries' first tag. Borrowed from l. */
const char *node_latest_tag(const struct node_latest *l, size_t i);
void node_latest_destroy(struct node_latest **lp);

#endif
