/* node_args: reading a request's arguments (docs/API.md): typed fields, tags, paging and the
 * list/search filters. Every outside value is checked here before an op sees it. */
#include "node_args.h"

#include <string.h>

#include "api_error.h"
#include "errmsg.h"
#include "text.h"

/* Fetch an optional string argument. Returns 0 (and *out = NULL when absent), -1 if mistyped. */
int node_arg_str(json_t *req, const char *key, const char **out)
{
    json_t *v = json_object_get(req, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    return 0;
}

int node_arg_bool(json_t *req, const char *key, int *out)
{
    json_t *v = json_object_get(req, key);

    *out = 0;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return -1;
    *out = json_is_true(v);
    return 0;
}

int node_arg_int(json_t *req, const char *key, long long lo, long long hi, long long *out)
{
    json_t *v = json_object_get(req, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return -1;
    *out = json_integer_value(v);
    return 0;
}

int node_arg_now(json_t *req, uint64_t *now)
{
    long long v = (long long)*now;

    if (node_arg_int(req, "now_ms", (long long)ENTRY_MIN_TIME_MS, (long long)ENTRY_MAX_TIME_MS,
                     &v) != 0)
        return -1;
    *now = (uint64_t)v;
    return 0;
}

int node_arg_page(json_t *req, long long *limit, long long *offset)
{
    if (node_arg_int(req, "limit", 1, NODE_LIST_MAX, limit) != 0)
        return -1;
    if (offset != NULL && node_arg_int(req, "offset", 0, NODE_OFFSET_MAX, offset) != 0)
        return -1;
    return 0;
}

int node_arg_blank(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (s == NULL)
        return 1;
    while (*p != '\0') {
        if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
            p++;
        else if (p[0] == 0xc2 && p[1] == 0xa0)
            p += 2; /* U+00A0 */
        else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] <= 0x8b || p[2] == 0xaf))
            p += 3; /* U+2000..U+200B, U+202F */
        else if ((p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) ||
                 (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) ||
                 (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf))
            p += 3; /* U+205F, U+3000, U+FEFF */
        else
            return 0;
    }
    return 1;
}

/* Normalise text into a tag: surrounding blanks trimmed, one leading '#' dropped, lower-case.
 * Returns 0, or -1 if that is not a valid tag (inner blanks, too long, bad characters). */
int node_arg_tag_norm(const char *t, char tag[ENTRY_TAG_MAX + 1])
{
    return text_tag_norm(t, strlen(t), tag, ENTRY_TAG_MAX, NULL, 0);
}

json_t *node_arg_tag_invalid(const char *t)
{
    char tag[ENTRY_TAG_MAX + 1], why[ERRMSG_MAX] = "";

    /* Callers ask after a refusal: this only finds the reason again. */
    if (text_tag_norm(t, strlen(t), tag, ENTRY_TAG_MAX, why, sizeof(why)) == 0)
        why[0] = '\0';
    return api_error("invalid",
                     "'%.*s' is not a valid tag%s%s (tags are " TEXT_TAG_RULE
                     ", no spaces, at most %d bytes; a leading # is dropped)",
                     text_prefix_len(t, 40), t, why[0] != '\0' ? ": " : "", why, ENTRY_TAG_MAX);
}

json_t *node_arg_tag(json_t *req, const char *missing, char tag[ENTRY_TAG_MAX + 1])
{
    const char *t;

    tag[0] = '\0';
    if (node_arg_str(req, "tag", &t) != 0)
        return api_error("bad_request", "tag must be a string");
    if (t == NULL)
        return missing != NULL ? api_error("invalid", "%s", missing) : NULL;
    if (node_arg_tag_norm(t, tag) != 0)
        return node_arg_tag_invalid(t);
    return NULL;
}

/* Filters shared by list and search. Returns NULL, or the error response. */
json_t *node_arg_query(json_t *req, struct replica_query *q, char tag[ENTRY_TAG_MAX + 1])
{
    const char *kind, *status;
    json_t *res;
    long long limit = 50, offset = 0, since = 0;

    memset(q, 0, sizeof(*q));
    if (node_arg_str(req, "kind", &kind) != 0 || node_arg_str(req, "status", &status) != 0)
        return api_error("bad_request", "kind and status must be strings");
    res = node_arg_tag(req, NULL, tag);
    if (res != NULL)
        return res;
    if (status != NULL) {
        if (strcmp(status, "open") == 0)
            q->status = REPLICA_STATUS_OPEN;
        else if (strcmp(status, "answered") == 0)
            q->status = REPLICA_STATUS_ANSWERED;
        else if (strcmp(status, "resolved") == 0)
            q->status = REPLICA_STATUS_RESOLVED;
        else
            return api_error("bad_request", "status is open, answered or resolved");
    }
    if (node_arg_int(req, "since_ms", 0, (long long)ENTRY_MAX_TIME_MS, &since) != 0)
        return api_error("bad_request", "since_ms must be a time in ms since the epoch");
    q->since_ms = (uint64_t)since;
    if (kind != NULL && kinds_parse(kind, &q->kind) != 0)
        return api_error("bad_request", "unknown kind '%.40s'", kind);
    if (node_arg_page(req, &limit, &offset) != 0)
        return api_error("bad_request", "limit must be 1 to %d, offset 0 or more", NODE_LIST_MAX);
    q->tag = tag[0] != '\0' ? tag : NULL;
    q->limit = (size_t)limit;
    q->offset = (size_t)offset;
    return NULL;
}
