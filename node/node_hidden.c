/* node_hidden: which entries team admins hid. Of the moderation entries (kind 24) referring to an
 * entry, those whose author is a team admin at their created_ms count (as pins), and the latest of
 * those by (created_ms, id) decides: action hide or unhide. Anyone else's count for nothing. */
#include "node_hidden.h"

#include <string.h>

#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_json.h"
#include "xmalloc.h"

#define NODE_HIDDEN_PAGES 100 /* moderation entries read at most (x NODE_LIST_MAX) */

/* The moderation entry that decides one target, kept while reading them. */
struct node_hidden_one {
    struct node *n;
    struct entry *latest; /* a copy, or NULL */
};

/* 1 if e counts (an admin's at its time) and is later than cur by (created_ms, id). */
static int node_hidden_later(struct node *n, const struct entry *e, const struct entry *cur)
{
    if (n->team == NULL || entry_attr_get(e, "action") == NULL ||
        !team_is_admin(n->team, entry_author(e), entry_created_ms(e)))
        return 0;
    if (cur == NULL || entry_created_ms(e) > entry_created_ms(cur))
        return 1;
    return entry_created_ms(e) == entry_created_ms(cur) &&
           memcmp(entry_id(e), entry_id(cur), ENTRY_ID_LEN) > 0;
}

static int node_hidden_one_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_hidden_one *h = ctx;
    const uint8_t *bytes;
    size_t len;

    (void)snippet;
    (void)rank;
    if (!node_hidden_later(h->n, e, h->latest))
        return 0;
    entry_destroy(&h->latest);
    bytes = entry_bytes(e, &len);
    h->latest = entry_decode(bytes, len, NULL, 0);
    return 0;
}

json_t *node_hidden_of(struct node *n, const uint8_t id[ENTRY_ID_LEN])
{
    struct node_hidden_one h = {n, NULL};
    struct replica_query q = {0};
    json_t *o = NULL, *by;
    size_t page;
    long long count;

    /* Most entries have none: a count on the refs index is much cheaper than a listing. */
    count = replica_count_refs(n->replica, id, ENTRY_MODERATION);
    if (count <= 0 || n->team == NULL)
        return NULL;
    q.kind = ENTRY_MODERATION;
    q.ref = id;
    q.limit = NODE_LIST_MAX;
    for (page = 0; page * NODE_LIST_MAX < (size_t)count && page < NODE_HIDDEN_PAGES; page++) {
        q.offset = page * NODE_LIST_MAX;
        if (replica_list(n->replica, &q, node_hidden_one_row, &h, NULL) != 0) {
            log_warnx("node: reading the moderation of an entry failed");
            break;
        }
    }
    if (h.latest != NULL && strcmp(entry_attr_get(h.latest, "action"), "hide") == 0) {
        char name[NODE_NAME_MAX * 4 + 1];
        by = json_object();
        json_object_set_new(by, "key", node_json_hex(entry_author(h.latest), ENTRY_KEY_LEN));
        json_object_set_new(
            by, "name",
            replica_author_name(n->replica, entry_author(h.latest), name, sizeof(name)) == 0
                ? json_string(name)
                : json_null());
        o = json_object();
        json_object_set_new(o, "reason",
                            json_stringn(entry_body(h.latest), entry_body_len(h.latest)));
        json_object_set_new(o, "by", by);
        json_object_set_new(o, "hidden_ms", json_integer((json_int_t)entry_created_ms(h.latest)));
        json_object_set_new(o, "moderation", node_json_hex(entry_id(h.latest), ENTRY_ID_LEN));
    }
    entry_destroy(&h.latest);
    return o;
}

/* Every target's deciding moderation entry: target hex -> [hide (bool), created_ms, id hex]. */
struct node_hidden_all {
    struct node *n;
    json_t *state;
    size_t rows;
};

static int node_hidden_all_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_hidden_all *a = ctx;
    char target[2 * ENTRY_ID_LEN + 1], id[2 * ENTRY_ID_LEN + 1];
    json_t *cur;
    json_int_t ms = (json_int_t)entry_created_ms(e);

    (void)snippet;
    (void)rank;
    a->rows++;
    if (entry_nrefs(e) != 1 || !node_hidden_later(a->n, e, NULL))
        return 0;
    hex_encode(entry_ref(e, 0), ENTRY_ID_LEN, target);
    hex_encode(entry_id(e), ENTRY_ID_LEN, id);
    cur = json_object_get(a->state, target);
    if (cur != NULL && (json_integer_value(json_array_get(cur, 1)) > ms ||
                        (json_integer_value(json_array_get(cur, 1)) == ms &&
                         strcmp(json_string_value(json_array_get(cur, 2)), id) > 0)))
        return 0;
    json_object_set_new(
        a->state, target,
        json_pack("[b, I, s]", strcmp(entry_attr_get(e, "action"), "hide") == 0, ms, id));
    return 0;
}

size_t node_hidden_ids(struct node *n, uint8_t (*ids)[ENTRY_ID_LEN], size_t max)
{
    struct node_hidden_all a = {n, json_object(), 0};
    struct replica_query q = {0};
    const char *k;
    json_t *v;
    size_t page, out = 0;

    q.kind = ENTRY_MODERATION;
    q.oldest_first = 1;
    q.limit = NODE_LIST_MAX;
    for (page = 0; page < NODE_HIDDEN_PAGES && n->team != NULL; page++) {
        a.rows = 0;
        q.offset = page * NODE_LIST_MAX;
        if (replica_list(n->replica, &q, node_hidden_all_row, &a, NULL) != 0) {
            log_warnx("node: reading moderation entries failed");
            break;
        }
        if (a.rows < NODE_LIST_MAX)
            break;
    }
    json_object_foreach(a.state, k, v)
    {
        if (out < max && json_is_true(json_array_get(v, 0)) &&
            hex_decode(k, 2 * ENTRY_ID_LEN, ids[out], ENTRY_ID_LEN) == 0)
            out++;
    }
    json_decref(a.state);
    return out;
}
