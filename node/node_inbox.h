/* node_inbox: the API ops skill, follow, inbox (docs/API.md). */
#ifndef LORE_NODE_INBOX_H
#define LORE_NODE_INBOX_H

#include "node_int.h"

extern const struct node_op node_inbox_ops[];

#endif
