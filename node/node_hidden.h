/* node_hidden: which entries team admins hid (kind 24, docs/PROTOCOL.md "Moderation"). Reads
 * only; every node decides from the same entries and the team state. */
#ifndef LORE_NODE_HIDDEN_H
#define LORE_NODE_HIDDEN_H

#include "node_int.h"

#define NODE_HIDDEN_MAX 2000     /* hidden entries list and search leave out, at most */
#define NODE_HIDE_REASON_MAX 500 /* bytes of a reason a hide gives here */

/* If an admin hid entry id: a new object {reason, by: {key, name}, hidden_ms, moderation (the
 * id of the entry that hid it)}; else NULL. */
json_t *node_hidden_of(struct node *n, const uint8_t id[ENTRY_ID_LEN]);
/* The hidden entries, at most max, into ids (the caller's array of max). Returns how many. */
size_t node_hidden_ids(struct node *n, uint8_t (*ids)[ENTRY_ID_LEN], size_t max);

#endif
