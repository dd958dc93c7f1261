/*
 * node_synonyms: which tag synonyms apply. Of the synonym entries (kind 26) whose author decides
 * at their created_ms (a team admin then; with no team, this node's key), the latest per alias by
 * (created_ms, id) decides it: action add maps the alias to its canonical tag, drop to nothing.
 * A decided mapping applies unless its canonical tag is itself a decided alias (no chains; a
 * cycle applies nowhere) or its class already holds NODE_SYN_ALIASES_MAX aliases (the first by
 * name stay). Everything else anyone writes is a proposal: shown, never applied.
 */
#include "node_synonyms.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_json.h"
#include "node_map.h"
#include "node_peopleview.h"
#include "xmalloc.h"

/* One alias's deciding entry. */
struct node_syn_one {
    char alias[ENTRY_TAG_MAX + 1];
    char canon[ENTRY_TAG_MAX + 1]; /* "" for a drop */
    uint64_t ms;
    uint8_t id[ENTRY_ID_LEN];
    uint8_t by[ENTRY_KEY_LEN];
    int applies;
};

struct node_syn {
    const struct replica *replica; /* the handle the mappings were given to */
    const struct team *team;
    uint64_t team_version;
    uint64_t stamp[2];      /* replica_kind_stamp of the synonym entries */
    struct node_syn_one *v; /* by alias */
    size_t n, cap;
    size_t rows; /* rows on the page being read */
    struct node *node;
};

/* 1 if (ms, id) is later than one's. */
static int node_syn_later(uint64_t ms, const uint8_t *id, const struct node_syn_one *one)
{
    if (ms != one->ms)
        return ms > one->ms;
    return memcmp(id, one->id, ENTRY_ID_LEN) > 0;
}

int node_syn_decides(struct node *n, const uint8_t key[ENTRY_KEY_LEN], uint64_t at_ms)
{
    if (n->team == NULL)
        return memcmp(key, identity_public_key(n->id), ENTRY_KEY_LEN) == 0;
    return team_is_admin(n->team, key, at_ms);
}

static int node_syn_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_syn *s = ctx;
    const char *alias = entry_attr_get(e, "alias"), *canon = entry_attr_get(e, "canonical");
    struct node_syn_one *one = NULL;
    size_t i;

    (void)snippet;
    (void)rank;
    s->rows++;
    /* A node that did not know the kind stored it unchecked: its rules again. */
    if (kinds_check(e, NULL, 0) != 0 ||
        !node_syn_decides(s->node, entry_author(e), entry_created_ms(e)))
        return 0;
    for (i = 0; i < s->n && one == NULL; i++)
        if (strcmp(s->v[i].alias, alias) == 0)
            one = &s->v[i];
    if (one != NULL && !node_syn_later(entry_created_ms(e), entry_id(e), one))
        return 0;
    if (one == NULL) {
        if (s->n == s->cap) {
            s->cap = s->cap != 0 ? 2 * s->cap : 16;
            s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
        }
        one = &s->v[s->n++];
        memset(one, 0, sizeof(*one));
        memcpy(one->alias, alias, strlen(alias) + 1);
    }
    one->canon[0] = '\0';
    if (strcmp(entry_attr_get(e, "action"), "add") == 0)
        memcpy(one->canon, canon, strlen(canon) + 1);
    one->ms = entry_created_ms(e);
    memcpy(one->id, entry_id(e), ENTRY_ID_LEN);
    memcpy(one->by, entry_author(e), ENTRY_KEY_LEN);
    return 0;
}

static int node_syn_cmp(const void *a, const void *b)
{
    return strcmp(((const struct node_syn_one *)a)->alias, ((const struct node_syn_one *)b)->alias);
}

/* The decided entry of alias (a mapping or a drop), or NULL. */
static const struct node_syn_one *node_syn_find(const struct node_syn *s, const char *alias)
{
    struct node_syn_one key;

    if (s == NULL || s->n == 0 || strlen(alias) > ENTRY_TAG_MAX)
        return NULL;
    memcpy(key.alias, alias, strlen(alias) + 1);
    return bsearch(&key, s->v, s->n, sizeof(*s->v), node_syn_cmp);
}

/* Read the synonym entries of one key that decides. */
static void node_syn_read(struct node_syn *s, const uint8_t key[ENTRY_KEY_LEN])
{
    struct replica_query q = {0};

    q.kind = ENTRY_SYNONYM;
    q.author = key;
    q.oldest_first = 1;
    q.limit = NODE_LIST_MAX;
    for (q.offset = 0; q.offset < NODE_SYN_READ_MAX; q.offset += NODE_LIST_MAX) {
        s->rows = 0;
        if (replica_list(s->node->replica, &q, node_syn_row, s, NULL) != 0) {
            log_warnx("node: cannot read the tag synonyms");
            break;
        }
        if (s->rows < NODE_LIST_MAX)
            break;
    }
}

/* Every key that is or was an admin (team_members): whose entries may decide. */
struct node_syn_admins {
    uint8_t (*keys)[ENTRY_KEY_LEN];
    size_t n, cap;
};

static void node_syn_admin(void *ctx, const struct team_member_info *m)
{
    struct node_syn_admins *a = ctx;

    if (!m->is_admin)
        return;
    if (a->n == a->cap) {
        a->cap = a->cap != 0 ? 2 * a->cap : 8;
        a->keys = xreallocarray(a->keys, a->cap, sizeof(*a->keys));
    }
    memcpy(a->keys[a->n++], m->key, ENTRY_KEY_LEN);
}

/* Decide which mappings apply (the rules at the top) and give them to the replica. */
static void node_syn_apply(struct node_syn *s)
{
    const char *(*pairs)[2] = xcalloc(s->n + 1, sizeof(*pairs));
    const struct node_syn_one *c;
    size_t i, j, np = 0, in_class, decided = 0;

    for (i = 0; i < s->n; i++) {
        s->v[i].applies = 0;
        if (s->v[i].canon[0] == '\0' || decided++ >= NODE_SYN_MAX)
            continue;
        c = node_syn_find(s, s->v[i].canon);
        if (c != NULL && c->canon[0] != '\0')
            continue; /* its canonical tag is an alias: no chains */
        for (j = 0, in_class = 0; j < i; j++)
            in_class += s->v[j].applies && strcmp(s->v[j].canon, s->v[i].canon) == 0;
        if (in_class >= NODE_SYN_ALIASES_MAX)
            continue;
        s->v[i].applies = 1;
        pairs[np][0] = s->v[i].alias;
        pairs[np++][1] = s->v[i].canon;
    }
    if (replica_set_tag_classes(s->node->replica, (const char *const(*)[2])pairs, np) != 0)
        log_warnx("node: tag synonyms not applied to the views");
    free(pairs);
}

void node_syn_refresh(struct node *n)
{
    struct node_syn *s = n->syn;
    struct node_syn_admins a = {0};
    uint64_t stamp[2], version = n->team != NULL ? team_version(n->team) : 0;
    size_t i;

    if (n->replica == NULL || replica_kind_stamp(n->replica, ENTRY_SYNONYM, stamp) != 0)
        return;
    if (s != NULL && s->replica == n->replica && s->team == n->team && s->team_version == version &&
        s->stamp[0] == stamp[0] && s->stamp[1] == stamp[1])
        return;
    if (s == NULL) {
        s = xcalloc(1, sizeof(*s));
        n->syn = s;
    }
    s->n = 0;
    s->node = n;
    if (n->team != NULL) {
        team_members(n->team, node_syn_admin, &a);
    } else {
        a.keys = xcalloc(1, sizeof(*a.keys));
        memcpy(a.keys[a.n++], identity_public_key(n->id), ENTRY_KEY_LEN);
    }
    for (i = 0; i < a.n; i++)
        node_syn_read(s, a.keys[i]);
    free(a.keys);
    if (s->n > 1)
        qsort(s->v, s->n, sizeof(*s->v), node_syn_cmp);
    node_syn_apply(s);
    s->replica = n->replica;
    s->team = n->team;
    s->team_version = version;
    memcpy(s->stamp, stamp, sizeof(s->stamp));
}

void node_syn_destroy(struct node_syn **sp)
{
    if (sp == NULL || *sp == NULL)
        return;
    free((*sp)->v);
    free(*sp);
    *sp = NULL;
}

void node_syn_canon(struct node *n, const char *tag, char out[ENTRY_TAG_MAX + 1])
{
    const struct node_syn_one *one;
    const char *c = tag;
    size_t len;

    one = node_syn_find(n->syn, tag);
    if (one != NULL && one->applies)
        c = one->canon;
    len = strnlen(c, ENTRY_TAG_MAX);
    memmove(out, c, len); /* out may be tag */
    out[len] = '\0';
}

int node_syn_same(struct node *n, const char *a, const char *b)
{
    char ca[ENTRY_TAG_MAX + 1], cb[ENTRY_TAG_MAX + 1];

    if (strcmp(a, b) == 0)
        return 1;
    node_syn_canon(n, a, ca);
    node_syn_canon(n, b, cb);
    return strcmp(ca, cb) == 0;
}

size_t node_syn_aliases(struct node *n, const char *canonical, char (*out)[ENTRY_TAG_MAX + 1])
{
    size_t i, k = 0;

    for (i = 0; n->syn != NULL && i < n->syn->n && k < NODE_SYN_ALIASES_MAX; i++)
        if (n->syn->v[i].applies && strcmp(n->syn->v[i].canon, canonical) == 0)
            memcpy(out[k++], n->syn->v[i].alias, ENTRY_TAG_MAX + 1);
    return k;
}

const char *node_syn_area(struct node *n, const char *tag)
{
    const char *k, *area;
    json_t *v;

    if (n->areas == NULL || tag == NULL)
        return NULL;
    area = json_string_value(json_object_get(n->areas, tag));
    if (area != NULL)
        return area;
    json_object_foreach(n->areas, k, v)
    {
        if (node_syn_same(n, k, tag))
            return json_string_value(v);
    }
    return NULL;
}

json_t *node_syn_list_json(struct node *n)
{
    json_t *a = json_array();
    size_t i;

    node_syn_refresh(n);
    for (i = 0; n->syn != NULL && i < n->syn->n; i++) {
        const struct node_syn_one *one = &n->syn->v[i];
        if (one->canon[0] == '\0')
            continue;
        json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:o, s:I, s:o}", "alias", one->alias,
                                           "canonical", one->canon, "applies", one->applies, "by",
                                           node_peopleview_person_json(n, one->by), "decided_ms",
                                           (json_int_t)one->ms, "entry",
                                           node_json_hex(one->id, ENTRY_ID_LEN)));
    }
    return a;
}

static int node_syn_strcmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reading the newest synonym entries for proposals. */
struct node_syn_pend {
    struct node *n;
    struct node_map *seen; /* "<author hex> <alias>": that member's latest was met */
    json_t *groups;        /* "<alias> <canonical>" -> the proposal's object */
};

static int node_syn_pend_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_syn_pend *p = ctx;
    const char *alias = entry_attr_get(e, "alias"), *canon = entry_attr_get(e, "canonical");
    char key[2 * ENTRY_KEY_LEN + 1 + ENTRY_TAG_MAX + 1], gkey[2 * ENTRY_TAG_MAX + 2];
    const struct node_syn_one *d;
    json_t *g;
    size_t dummy;

    (void)snippet;
    (void)rank;
    /* A proposal is a member's (at its time) who does not decide. */
    if (kinds_check(e, NULL, 0) != 0 ||
        (p->n->team != NULL && !team_is_member(p->n->team, entry_author(e), entry_created_ms(e))) ||
        node_syn_decides(p->n, entry_author(e), entry_created_ms(e)))
        return 0;
    hex_encode(entry_author(e), ENTRY_KEY_LEN, key);
    snprintf(key + 2 * ENTRY_KEY_LEN, sizeof(key) - 2 * ENTRY_KEY_LEN, " %s", alias);
    if (node_map_get(p->seen, key, &dummy))
        return 0; /* newest first: an older entry of this member on this alias */
    node_map_put(p->seen, key, 0);
    if (strcmp(entry_attr_get(e, "action"), "add") != 0)
        return 0; /* withdrawn */
    d = node_syn_find(p->n->syn, alias);
    if (d != NULL &&
        (!node_syn_later(entry_created_ms(e), entry_id(e), d) || strcmp(d->canon, canon) == 0))
        return 0; /* decided after it, or already what it asks */
    snprintf(gkey, sizeof(gkey), "%s %s", alias, canon);
    g = json_object_get(p->groups, gkey);
    if (g == NULL) {
        g = json_pack("{s:s, s:s, s:[], s:I, s:o}", "alias", alias, "canonical", canon, "proposers",
                      "proposed_ms", (json_int_t)entry_created_ms(e), "entry",
                      node_json_hex(entry_id(e), ENTRY_ID_LEN));
        json_object_set_new(p->groups, gkey, g);
    }
    json_array_append_new(json_object_get(g, "proposers"),
                          node_peopleview_person_json(p->n, entry_author(e)));
    return 0;
}

json_t *node_syn_pending_json(struct node *n)
{
    struct node_syn_pend p = {n, node_map_new(), json_object()};
    struct replica_query q = {0};
    json_t *a = json_array(), *g;
    const char **keys;
    const char *k;
    size_t i = 0, count;

    node_syn_refresh(n);
    q.kind = ENTRY_SYNONYM;
    q.limit = NODE_LIST_MAX;
    if (replica_list(n->replica, &q, node_syn_pend_row, &p, NULL) != 0)
        log_warnx("node: cannot read the tag synonym proposals");
    count = json_object_size(p.groups);
    keys = xcalloc(count + 1, sizeof(*keys));
    json_object_foreach(p.groups, k, g) keys[i++] = k;
    qsort(keys, count, sizeof(*keys), node_syn_strcmp);
    for (i = 0; i < count; i++)
        json_array_append(a, json_object_get(p.groups, keys[i]));
    free(keys);
    json_decref(p.groups);
    node_map_destroy(&p.seen);
    return a;
}
