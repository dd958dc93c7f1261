/* node_content: the API ops edit, retract, flag, pin (docs/API.md). */
#ifndef LORE_NODE_CONTENT_H
#define LORE_NODE_CONTENT_H

#include "node_int.h"

extern const struct node_op node_content_ops[];

#endif
