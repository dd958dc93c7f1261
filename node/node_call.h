/* node_call: every op of the local API (docs/API.md) behind one function. A transport (the
 * socket in node.c, a web front end, a test) hands it a request and sends back what it returns. */
#ifndef LORE_NODE_CALL_H
#define LORE_NODE_CALL_H

#include "node_int.h"

/* The op named name: from node_call's tables, then n->hooks.ops; NULL if none. */
const struct node_op *node_call_find(struct node *n, const char *name);
/* Answer req (a JSON object with a string "op"; borrowed) with a new response: the op's, or an
 * error (bad_request for a malformed request or an op that needs a connection, unknown_op).
 * Views hold back what is dated past the team's clock plus the tolerance. Never NULL. */
json_t *node_call(struct node *n, json_t *req);

#endif
