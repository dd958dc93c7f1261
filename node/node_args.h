/* node_args: a request's arguments (docs/API.md), checked: 0 if absent or valid (out set), -1 if
 * present but invalid; the *_query/_page helpers return NULL or the error response. */
#ifndef LORE_NODE_ARGS_H
#define LORE_NODE_ARGS_H

#include <jansson.h>

#include "kinds.h"
#include "replica.h"

/* Paging caps, the same for every op that pages. */
#define NODE_LIST_MAX 500          /* the largest page (limit) */
#define NODE_OFFSET_MAX 1000000000 /* the largest offset */
#define NODE_SEARCH_DEPTH 2000     /* the largest search offset */

int node_arg_str(json_t *req, const char *key, const char **out);
int node_arg_bool(json_t *req, const char *key, int *out);
int node_arg_int(json_t *req, const char *key, long long lo, long long hi, long long *out);
/* "limit" (1 to NODE_LIST_MAX) into *limit (left as it is if absent: the caller's default) and,
 * when offset is not NULL, "offset" (0 to NODE_OFFSET_MAX). Returns 0, or -1 if either is bad. */
int node_arg_page(json_t *req, long long *limit, long long *offset);
/* Normalise text into a tag as post does (trimmed, one '#' dropped, lower-case, first word).
 * Returns 0, or -1 if that is not a valid tag. */
int node_arg_tag_norm(const char *t, char tag[ENTRY_TAG_MAX + 1]);
/* The "tag" argument, normalised. Returns 0, or -1 if absent or not a tag. */
int node_arg_tag(json_t *req, char tag[ENTRY_TAG_MAX + 1]);
/* Fill q from the filters list and search share (kind, tag, status, since_ms, limit, offset).
 * q->tag points into req. Returns NULL, or the error response. */
json_t *node_arg_query(json_t *req, struct replica_query *q);

#endif
