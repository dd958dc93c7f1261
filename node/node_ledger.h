/* node_ledger: the API ops vote, thank, top (docs/API.md). */
#ifndef LORE_NODE_LEDGER_H
#define LORE_NODE_LEDGER_H

#include "node_int.h"

extern const struct node_op node_ledger_ops[];

#endif
