/* node_publish: writing an entry of ours (docs/PROTOCOL.md): each returns the API response,
 * {ok, id, entry} or an error (clock, storage, invalid). */
#ifndef LORE_NODE_PUBLISH_H
#define LORE_NODE_PUBLISH_H

#include "node_int.h"

/* Comments, votes and thanks one person writes here: at most this many of each kind a minute. */
#define NODE_PUBLISH_RATE 30
#define NODE_PUBLISH_RATE_MS 60000ull

/* Store, announce and gossip an entry of ours (e is taken and freed). Comments, votes and
 * thanks beyond NODE_PUBLISH_RATE a minute are refused (code rate_limited). */
json_t *node_publish_entry(struct node *n, struct entry *e);
/* Store, announce and gossip k entries of ours in one transaction (each es[i] taken and freed).
 * Returns NULL with items[i] set to each one's response ({ok, id}, or rate_limited for a comment,
 * vote or thanks past the rate, counting those before it in the batch); or the error response
 * for all (clock, storage: nothing stored, items all NULL). */
json_t *node_publish_batch(struct node *n, struct entry **es, size_t k, json_t **items);
/* Sign f as us, then as node_publish_entry. */
json_t *node_publish(struct node *n, const struct entry_fields *f);
/* Publish an entry of kind that references id, with one attribute key=value (key may be NULL) and
 * an optional body; created_ms 0 means now. */
json_t *node_publish_ref(struct node *n, uint16_t kind, const uint8_t id[ENTRY_ID_LEN],
                         uint64_t created_ms, const char *key, const char *value, const char *body);
/* The response for a failed write to the replica (err: its message): code "storage" saying why
 * (disk full, read-only file system, I/O error, the replica file deleted) when that is known. */
json_t *node_publish_storage_error(struct node *n, const char *err);

#endif
