/* node_resolve_id: what a request names, as this replica knows it: an entry by id or unique prefix,
 * a person by name or key prefix. */
#include "node_resolve.h"

#include <string.h>

#include "api_error.h"
#include "hex.h"
#include "node_args.h"
#include "node_json.h"

/* Resolve an id or prefix argument to a full id. On failure returns the error response. */
json_t *node_resolve_id(struct node *n, const char *text, uint8_t id[ENTRY_ID_LEN])
{
    uint8_t cand[NODE_MAX_CANDIDATES][ENTRY_ID_LEN];
    size_t ncand = 0, i;
    json_t *err, *a;

    if (text == NULL)
        return api_error("bad_request", "an entry id is required");
    if (strlen(text) < REPLICA_MIN_PREFIX || strlen(text) > 2 * ENTRY_ID_LEN || !hex_is_hex(text))
        return api_error("bad_request",
                         "'%.80s' is not an id: give 4 to 64 hex digits of an entry id", text);
    switch (replica_resolve(n->replica, text, id, cand, NODE_MAX_CANDIDATES, &ncand)) {
    case REPLICA_FOUND:
        return NULL;
    case REPLICA_NOT_FOUND:
        return api_error("not_found", "no entry has an id starting with %s", text);
    case REPLICA_AMBIGUOUS:
        err = api_error("ambiguous", "%s matches several entries; give more digits", text);
        a = json_array();
        for (i = 0; i < ncand; i++)
            json_array_append_new(a, node_json_hex(cand[i], ENTRY_ID_LEN));
        json_object_set_new(err, "candidates", a);
        return err;
    default:
        return api_error("internal", "looking up %s failed; see the node's log", text);
    }
}

json_t *node_resolve_error(enum replica_lookup l, const char *text, const char *why)
{
    const char *code = node_json_lookup_code(l);

    if (l == REPLICA_CORRUPT)
        return api_error(code,
                         "entry %s failed verification (%s) and is not served; run "
                         "`lore check`",
                         text, why != NULL && why[0] != '\0' ? why : "?");
    if (l == REPLICA_NOT_FOUND)
        return api_error(code, "no entry %s here", text);
    return api_error(code != NULL ? code : "internal",
                     "reading the entry failed; see the node's log");
}

json_t *node_resolve_entry(struct node *n, const uint8_t id[ENTRY_ID_LEN], const char *text,
                           struct entry **out)
{
    char err[ERRMSG_MAX] = "";
    enum replica_lookup l = replica_get(n->replica, id, out, err, sizeof(err));

    if (l == REPLICA_FOUND)
        return NULL;
    return node_resolve_error(l, text, err);
}

/* A person by display name or key prefix (the one place people are looked up by name). */
json_t *node_resolve_person(struct node *n, const char *who, uint8_t key[ENTRY_KEY_LEN])
{
    switch (replica_find_person(n->replica, who, key)) {
    case REPLICA_FOUND:
        return NULL;
    case REPLICA_AMBIGUOUS:
        return api_error("ambiguous", "'%.80s' names several people; give more of the key", who);
    case REPLICA_NOT_FOUND:
        return api_error("not_found", "nobody called '%.80s' is known here (name or key)", who);
    default:
        return api_error("internal", "looking up '%.80s' failed; see the node's log", who);
    }
}

/* The author filter of list and search: a display name or key prefix, resolved like ask --to,
 * into key (which q->author then points to). Returns NULL, or the error response. */
json_t *node_resolve_author(struct node *n, json_t *req, struct replica_query *q,
                            uint8_t key[ENTRY_KEY_LEN])
{
    const char *who;
    json_t *res;

    if (node_arg_str(req, "author", &who) != 0)
        return api_error("bad_request", "author must be a string");
    if (who == NULL)
        return NULL;
    res = node_resolve_person(n, who, key);
    if (res == NULL)
        q->author = key;
    return res;
}
