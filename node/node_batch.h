/* node_batch: post_batch, many posts signed and stored in one transaction (docs/API.md). */
#ifndef LORE_NODE_BATCH_H
#define LORE_NODE_BATCH_H

#include "node_int.h"

/* At most this many posts, and this many bytes of signed entries, in one post_batch. */
#define NODE_BATCH_MAX 1000
#define NODE_BATCH_MAX_BYTES (4u * 1024 * 1024)

extern const struct node_op node_batch_ops[];

#endif
