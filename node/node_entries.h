/* node_entries: the API ops init, post, accept, get, list, search, check (docs/API.md). */
#ifndef LORE_NODE_ENTRIES_H
#define LORE_NODE_ENTRIES_H

#include "node_int.h"

extern const struct node_op node_entries_ops[];

#endif
