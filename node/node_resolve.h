/* node_resolve: entries and people named in a request, looked up in the replica. Each returns
 * NULL when found, or the API error response (not_found, ambiguous, corrupt, internal). */
#ifndef LORE_NODE_RESOLVE_H
#define LORE_NODE_RESOLVE_H

#include "node_int.h"

/* An id or unique hex prefix (4 to 64 digits) into id (OUT). */
json_t *node_resolve_id(struct node *n, const char *text, uint8_t id[ENTRY_ID_LEN]);
/* Read the entry id (named text in messages) into *out (OUT, the caller destroys it): not_found,
 * corrupt (an entry that failed verification: never reported as not_found) or internal. */
json_t *node_resolve_entry(struct node *n, const uint8_t id[ENTRY_ID_LEN], const char *text,
                           struct entry **out);
/* The error response for a failed lookup of the entry named text (l not REPLICA_FOUND; why: the
 * replica's message, or NULL), as node_resolve_entry words it. */
json_t *node_resolve_error(enum replica_lookup l, const char *text, const char *why);
/* A person by display name or key prefix into key (OUT). */
json_t *node_resolve_person(struct node *n, const char *who, uint8_t key[ENTRY_KEY_LEN]);
/* The "author" filter of list and search: when given, resolved into key and q->author set to it. */
json_t *node_resolve_author(struct node *n, json_t *req, struct replica_query *q,
                            uint8_t key[ENTRY_KEY_LEN]);

#endif
