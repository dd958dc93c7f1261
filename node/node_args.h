/* node_args: a request's arguments (docs/API.md), checked: 0 if absent or valid (out set), -1 if
 * present but invalid; the *_query/_page helpers return NULL or the error response. */
#ifndef LORE_NODE_ARGS_H
#define LORE_NODE_ARGS_H

#include <jansson.h>
#include <stdint.h>

#include "kinds.h"
#include "replica.h"

/* Paging caps, the same for every op that pages. */
#define NODE_LIST_MAX 500          /* the largest page (limit) */
#define NODE_OFFSET_MAX 1000000000 /* the largest offset */
#define NODE_SEARCH_DEPTH 2000     /* the largest search offset */

int node_arg_str(json_t *req, const char *key, const char **out);
int node_arg_bool(json_t *req, const char *key, int *out);
int node_arg_int(json_t *req, const char *key, long long lo, long long hi, long long *out);
/* The test hook "now_ms" (a time in ms: evaluate as at that time) into *now, which is left as it
 * is (the caller's default, the wall clock) if absent. Returns 0, or -1 if it is not a time. */
int node_arg_now(json_t *req, uint64_t *now);
/* "limit" (1 to NODE_LIST_MAX) into *limit (left as it is if absent: the caller's default) and,
 * when offset is not NULL, "offset" (0 to NODE_OFFSET_MAX). Returns 0, or -1 if either is bad. */
int node_arg_page(json_t *req, long long *limit, long long *offset);
/* 1 if s is NULL or holds only blanks: ASCII white space and the Unicode spaces (no-break,
 * U+2000 to U+200B, U+202F, U+205F, U+3000, U+FEFF). What a title may not be. */
int node_arg_blank(const char *s);
/* The message for a blank title. */
#define NODE_ARG_TITLE_EMPTY "a title cannot be empty (or only spaces)"
/* Normalise text into a tag, the one rule for every op and filter (common/text.h,
 * text_tag_norm): white space around it trimmed, one leading '#' dropped, Unicode NFC and lower
 * case. Returns 0, or -1 if that is not a valid tag. */
int node_arg_tag_norm(const char *t, char tag[ENTRY_TAG_MAX + 1]);
/* The "invalid" response for text t that is not a tag: why, and the grammar. A new response. */
json_t *node_arg_tag_invalid(const char *t);
/* The "tag" argument, normalised into tag (left "" when absent). Returns NULL, or the error
 * response: bad_request if not a string, invalid if not a tag, or — when missing is not NULL —
 * invalid with the message missing if absent. */
json_t *node_arg_tag(json_t *req, const char *missing, char tag[ENTRY_TAG_MAX + 1]);
/* Fill q from the filters list and search share (kind, tag, status, since_ms, limit, offset).
 * The tag is normalised into tag, which q->tag then points to. Returns NULL, or the error
 * response. */
json_t *node_arg_query(json_t *req, struct replica_query *q, char tag[ENTRY_TAG_MAX + 1]);

#endif
