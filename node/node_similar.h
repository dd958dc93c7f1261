/* node_similar: the API op similar (docs/API.md): questions already asked that look like a new
 * title. */
#ifndef LORE_NODE_SIMILAR_H
#define LORE_NODE_SIMILAR_H

#include "node_int.h"

extern const struct node_op node_similar_ops[];

#endif
