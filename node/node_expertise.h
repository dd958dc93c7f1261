/* node_expertise: the API ops who_knows, stats (docs/API.md). */
#ifndef LORE_NODE_EXPERTISE_H
#define LORE_NODE_EXPERTISE_H

#include "node_int.h"

extern const struct node_op node_expertise_ops[];

#endif
