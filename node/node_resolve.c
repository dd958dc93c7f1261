/* node_resolve_id: what a request names, as this replica knows it: an entry by id or unique prefix,
 * a person by name or key prefix. */
#include "node_resolve.h"

#include <string.h>

#include "api_error.h"
#include "hex.h"
#include "node_args.h"
#include "node_json.h"
#include "text.h"

#define NODE_PEOPLE_SCAN 20000 /* profiles a name prefix is looked for in, at most */

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

/* People whose current name has a word starting with who (a name prefix), found in profiles. */
struct node_prefix {
    struct node *n;
    const char *who;
    size_t len;
    uint8_t keys[NODE_MAX_CANDIDATES][ENTRY_KEY_LEN];
    char names[3][NODE_NAME_MAX * 4 + 1]; /* the first few, for the message */
    size_t nkeys, rows;
};

static int node_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* 1 if a word of name (at its start, or after an ASCII blank or punctuation) starts with who,
 * ASCII letters compared without case. */
static int node_name_has_prefix(const char *name, const char *who, size_t len)
{
    size_t i, k;

    for (i = 0; name[i] != '\0'; i++) {
        unsigned char prev = i > 0 ? (unsigned char)name[i - 1] : ' ';
        if (prev >= 0x80 || (prev >= '0' && prev <= '9') ||
            (node_lower(prev) >= 'a' && node_lower(prev) <= 'z'))
            continue;
        for (k = 0; k < len && name[i + k] != '\0'; k++)
            if (node_lower((unsigned char)name[i + k]) != node_lower((unsigned char)who[k]))
                break;
        if (k == len)
            return 1;
    }
    return 0;
}

static int node_prefix_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_prefix *p = ctx;
    char name[NODE_NAME_MAX * 4 + 1];
    size_t i;

    (void)snippet;
    (void)rank;
    p->rows++;
    for (i = 0; i < p->nkeys; i++)
        if (memcmp(p->keys[i], entry_author(e), ENTRY_KEY_LEN) == 0)
            return 0;
    /* Only a person's current name counts (this row may be an older profile). */
    if (replica_author_name(p->n->replica, entry_author(e), name, sizeof(name)) != 0 ||
        !node_name_has_prefix(name, p->who, p->len))
        return 0;
    if (p->nkeys < sizeof(p->names) / sizeof(p->names[0]))
        snprintf(p->names[p->nkeys], sizeof(p->names[0]), "%s", name);
    memcpy(p->keys[p->nkeys++], entry_author(e), ENTRY_KEY_LEN);
    return p->nkeys == NODE_MAX_CANDIDATES;
}

/* who as a unique name prefix: NULL with key, or the error response. */
static json_t *node_resolve_prefix(struct node *n, const char *who, uint8_t key[ENTRY_KEY_LEN])
{
    struct node_prefix p = {0};
    struct replica_query q = {0};
    json_t *err, *a;
    size_t i;

    p.n = n;
    p.who = who;
    p.len = strlen(who);
    q.kind = ENTRY_PROFILE;
    q.limit = NODE_LIST_MAX;
    for (q.offset = 0; q.offset < NODE_PEOPLE_SCAN && p.nkeys < NODE_MAX_CANDIDATES;
         q.offset += NODE_LIST_MAX) {
        p.rows = 0;
        if (replica_list(n->replica, &q, node_prefix_row, &p, NULL) != 0)
            return api_error("internal", "looking up '%.80s' failed; see the node's log", who);
        if (p.rows < NODE_LIST_MAX)
            break;
    }
    if (p.nkeys == 0)
        return api_error("not_found", "nobody called '%.80s' is known here (name or key)", who);
    if (p.nkeys == 1) {
        memcpy(key, p.keys[0], ENTRY_KEY_LEN);
        return NULL;
    }
    err = api_error("ambiguous",
                    "'%.80s' names several people (%s, %s%s%s); give more of the name "
                    "or a key prefix",
                    who, p.names[0], p.names[1], p.nkeys > 2 ? ", " : "",
                    p.nkeys > 2 ? p.names[2] : "");
    a = json_array();
    for (i = 0; i < p.nkeys; i++)
        json_array_append_new(a, node_json_hex(p.keys[i], ENTRY_KEY_LEN));
    json_object_set_new(err, "candidates", a);
    return err;
}

/* A person by display name, key prefix or unique name prefix (the one place people are looked up
 * by name). */
json_t *node_resolve_person(struct node *n, const char *who, uint8_t key[ENTRY_KEY_LEN])
{
    size_t len = who != NULL ? strlen(who) : 0;

    if (len == 0 || len > NODE_NAME_MAX * 4 || !text_valid((const uint8_t *)who, len, 0))
        return api_error("invalid",
                         "a person is a name, the start of one or a key prefix: printable text of "
                         "1 to %d bytes, no control characters",
                         NODE_NAME_MAX * 4);
    switch (replica_find_person(n->replica, who, key)) {
    case REPLICA_FOUND:
        return NULL;
    case REPLICA_AMBIGUOUS:
        return api_error("ambiguous", "'%.80s' names several people; give more of the key", who);
    case REPLICA_NOT_FOUND:
        return node_resolve_prefix(n, who, key);
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
