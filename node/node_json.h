/* node_json: the small JSON values replies are built from, and the one mapping from replica
 * lookups to API error codes. */
#ifndef LORE_NODE_JSON_H
#define LORE_NODE_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "replica.h"

/* n bytes as a lowercase hex JSON string (at most 64 bytes). */
json_t *node_json_hex(const uint8_t *p, size_t n);
/* An ISO-8601 UTC time string for ms. */
json_t *node_json_time(uint64_t ms);
/* A new {"ok": true} response. */
json_t *node_json_ok(void);
/* Order two JSON objects by an integer field, then by "id": the same order on every node. */
int node_json_cmp_by(json_t *x, json_t *y, const char *field);
/* The API error code for a failed replica lookup: "not_found", "ambiguous", "corrupt" (an entry
 * that failed verification: never reported as missing) or "internal"; NULL for REPLICA_FOUND. */
const char *node_json_lookup_code(enum replica_lookup l);
/* The median of v[0..n) (sorted in place) as a JSON real, or null when n is 0. */
json_t *node_json_median(double *v, size_t n);

#endif
