/* node_view: an entry as the API shows it (docs/API.md) — its fields, and what the replica says of
 * it: the current version, flags, votes, pin, answers and status; its history, search boost, pins
 * and retraction. Only reads; never calls an op module. */
#include "node_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_hidden.h"
#include "node_json.h"
#include "xmalloc.h"

#define NODE_HEX_ID (2 * ENTRY_ID_LEN + 1)
#define NODE_PIN_PAGES 20 /* pins read at most (x NODE_LIST_MAX), newest first */

/* Kinds that can be edited, retracted, flagged and pinned. */
json_t *node_view_name(struct node *n, const uint8_t key[ENTRY_KEY_LEN])
{
    char name[NODE_NAME_MAX * 4 + 1];

    return replica_author_name(n->replica, key, name, sizeof(name)) == 0 ? json_string(name)
                                                                         : json_null();
}

int node_view_is_content(uint16_t kind)
{
    return kind >= ENTRY_QUESTION && kind <= ENTRY_COMMENT;
}

/* ---- what refers to an entry ---- */

/* Entries of one kind referring to an entry, oldest first (by created_ms, then id). */
struct node_refs {
    struct node *n;
    const struct entry *target;
    uint16_t kind;
    json_t *latest; /* author hex -> attr value: the latest per author (flags, votes) */
    /* revisions by the target's author */
    size_t revisions;
    json_t *current;  /* {id, created_ms, title, body, tags} of the latest, or NULL */
    json_t *versions; /* every revision as a version object, or NULL if not wanted */
    /* pins by admins */
    int pinned, pin_seen;
    int newest_first; /* rows come newest first: the first one per author (or admin) counts */
};

/* A version of an entry as history shows it. */
static json_t *node_version_json(struct node *n, const struct entry *e)
{
    json_t *o = json_object(), *tags = json_array();
    size_t i;

    for (i = 0; i < entry_ntags(e); i++)
        json_array_append_new(tags, json_string(entry_tag(e, i)));
    json_object_set_new(o, "id", node_json_hex(entry_id(e), ENTRY_ID_LEN));
    json_object_set_new(o, "author", node_json_hex(entry_author(e), ENTRY_KEY_LEN));
    json_object_set_new(o, "author_name", node_view_name(n, entry_author(e)));
    json_object_set_new(o, "created_ms", json_integer((json_int_t)entry_created_ms(e)));
    json_object_set_new(o, "created", node_json_time(entry_created_ms(e)));
    json_object_set_new(o, "title", json_string(entry_title(e)));
    json_object_set_new(o, "body", json_stringn(entry_body(e), entry_body_len(e)));
    json_object_set_new(o, "tags", tags);
    return o;
}

static int node_refs_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_refs *nr = ctx;
    const char *v;
    char who[2 * ENTRY_KEY_LEN + 1];

    (void)snippet;
    (void)rank;
    if (entry_nrefs(e) != 1 || memcmp(entry_ref(e, 0), entry_id(nr->target), ENTRY_ID_LEN) != 0)
        return 0;
    switch (nr->kind) {
    case ENTRY_REVISION:
        if (memcmp(entry_author(e), entry_author(nr->target), ENTRY_KEY_LEN) != 0)
            return 0; /* only the author's revisions count */
        nr->revisions++;
        if (nr->newest_first && nr->current != NULL)
            break;
        json_decref(nr->current);
        nr->current = node_version_json(nr->n, e);
        if (nr->versions != NULL)
            json_array_append(nr->versions, nr->current);
        break;
    case ENTRY_PIN:
        v = entry_attr_get(e, "pinned");
        if (v != NULL && nr->n->team != NULL && !(nr->newest_first && nr->pin_seen) &&
            team_is_admin(nr->n->team, entry_author(e), entry_created_ms(e))) {
            nr->pinned = strcmp(v, "1") == 0; /* the latest admin's pin counts */
            nr->pin_seen = 1;
        }
        break;
    default: /* flags and votes: the latest per author */
        v = entry_attr_get(e, nr->kind == ENTRY_FLAG ? "flag" : "value");
        if (v == NULL)
            return 0;
        if (nr->kind == ENTRY_VOTE &&
            memcmp(entry_author(e), entry_author(nr->target), ENTRY_KEY_LEN) == 0)
            return 0; /* no votes on one's own entries */
        hex_encode(entry_author(e), ENTRY_KEY_LEN, who);
        if (!(nr->newest_first && json_object_get(nr->latest, who) != NULL))
            json_object_set_new(nr->latest, who, json_string(v));
        break;
    }
    return 0;
}

/* Read the entries of kind referring to nr->target into nr. Returns 0 or -1. */
static int node_refs_read(struct node_refs *nr, uint16_t kind)
{
    struct replica_query q = {0};
    size_t corrupt = 0;

    nr->kind = kind;
    /* Most entries have none: a count on the refs index is much cheaper than a listing. */
    if (replica_count_refs(nr->n->replica, entry_id(nr->target), kind) == 0)
        return 0;
    q.kind = kind;
    q.ref = entry_id(nr->target);
    /* The history wants every version in order. Views want the latest: newest first, so a flood
     * of old-dated entries cannot push the latest out of the window; and only the author's
     * revisions (nobody else's can fill it). */
    nr->newest_first = nr->versions == NULL;
    q.oldest_first = !nr->newest_first;
    if (kind == ENTRY_REVISION)
        q.author = entry_author(nr->target);
    q.limit = NODE_LIST_MAX;
    if (replica_list(nr->n->replica, &q, node_refs_row, nr, &corrupt) != 0) {
        log_warnx("node: reading the %ss of an entry failed", kinds_name(kind));
        return -1;
    }
    return 0;
}

/* How many of the latest values per author are value. */
static long long node_count_value(json_t *latest, const char *value)
{
    const char *k;
    json_t *v;
    long long n = 0;

    json_object_foreach(latest, k, v)
    {
        if (strcmp(json_string_value(v), value) == 0)
            n++;
    }
    return n;
}

json_t *node_view_title(struct node *n, const struct entry *e)
{
    struct node_refs nr = {0};
    json_t *title;

    nr.n = n;
    nr.target = e;
    if (node_view_is_content(entry_kind(e)))
        (void)node_refs_read(&nr, ENTRY_REVISION);
    title = nr.current != NULL ? json_incref(json_object_get(nr.current, "title")) : NULL;
    json_decref(nr.current);
    return title != NULL ? title : json_string(entry_title(e));
}

/* The current version's title, body and tags, and edits, edited_ms, edited, revision, into o. */
static void node_view_revision(struct node *n, const struct entry *e, json_t *o)
{
    struct node_refs nr = {0};

    nr.n = n;
    nr.target = e;
    (void)node_refs_read(&nr, ENTRY_REVISION);
    json_object_set_new(o, "edits", json_integer((json_int_t)nr.revisions));
    if (nr.current != NULL) {
        json_object_set(o, "title", json_object_get(nr.current, "title"));
        json_object_set(o, "body", json_object_get(nr.current, "body"));
        json_object_set(o, "tags", json_object_get(nr.current, "tags"));
        json_object_set(o, "edited_ms", json_object_get(nr.current, "created_ms"));
        json_object_set(o, "edited", json_object_get(nr.current, "created"));
        json_object_set(o, "revision", json_object_get(nr.current, "id"));
    } else {
        json_object_set_new(o, "edited_ms", json_null());
        json_object_set_new(o, "edited", json_null());
        json_object_set_new(o, "revision", json_null());
    }
    json_decref(nr.current);
}

void node_view_decorate(struct node *n, const struct entry *e, json_t *o)
{
    struct node_refs nr = {0};
    json_t *flags, *votes;
    uint8_t accepted[ENTRY_ID_LEN];
    struct entry *question = NULL;
    char err[ERRMSG_MAX];

    node_view_revision(n, e, o);
    nr.n = n;
    nr.target = e;
    nr.latest = json_object();
    (void)node_refs_read(&nr, ENTRY_FLAG);
    flags = json_object();
    json_object_set_new(flags, "verified", json_integer(node_count_value(nr.latest, "verified")));
    json_object_set_new(flags, "obsolete", json_integer(node_count_value(nr.latest, "obsolete")));
    json_object_set_new(o, "flags", flags);
    json_object_clear(nr.latest);
    (void)node_refs_read(&nr, ENTRY_VOTE);
    votes = json_object();
    json_object_set_new(votes, "up", json_integer(node_count_value(nr.latest, "1")));
    json_object_set_new(votes, "down", json_integer(node_count_value(nr.latest, "-1")));
    json_object_set_new(o, "votes", votes);
    json_decref(nr.latest);
    nr.latest = NULL;

    (void)node_refs_read(&nr, ENTRY_PIN);
    json_object_set_new(o, "pinned", json_boolean(nr.pinned));

    if (entry_kind(e) == ENTRY_ANSWER) {
        int is = entry_nrefs(e) == 1 &&
                 replica_get(n->replica, entry_ref(e, 0), &question, err, sizeof(err)) ==
                     REPLICA_FOUND &&
                 replica_accepted(n->replica, entry_id(question), entry_author(question),
                                  accepted) == 1 &&
                 memcmp(accepted, entry_id(e), ENTRY_ID_LEN) == 0;
        json_object_set_new(o, "is_accepted", json_boolean(is));
        entry_destroy(&question);
    }
}

/* What an entry an admin hid shows instead of its title and body (o: the entry or a version). */
static void node_view_mask(json_t *o, json_t *hidden)
{
    char *text = NULL;
    const char *reason = json_string_value(json_object_get(hidden, "reason"));
    size_t len = strlen("hidden by an admin: ") + strlen(reason != NULL ? reason : "") + 1;

    text = xmalloc(len);
    snprintf(text, len, "hidden by an admin: %s", reason != NULL ? reason : "");
    if (json_string_length(json_object_get(o, "title")) > 0)
        json_object_set_new(o, "title", json_string("(hidden by an admin)"));
    json_object_set_new(o, "body", json_string(text));
    free(text);
}

int node_view_hidden(json_t *ej)
{
    return json_is_object(json_object_get(ej, "hidden"));
}

json_t *node_view_history(struct node *n, const struct entry *e)
{
    struct node_refs nr = {0};
    json_t *hidden, *v;
    size_t i;

    nr.n = n;
    nr.target = e;
    nr.versions = json_array();
    json_array_append_new(nr.versions, node_version_json(n, e));
    if (node_view_is_content(entry_kind(e)))
        (void)node_refs_read(&nr, ENTRY_REVISION);
    json_decref(nr.current);
    hidden = node_view_is_content(entry_kind(e)) ? node_hidden_of(n, entry_id(e)) : NULL;
    json_array_foreach(nr.versions, i, v)
    {
        if (hidden != NULL)
            node_view_mask(v, hidden); /* every version: hidden is hidden */
    }
    json_decref(hidden);
    return nr.versions;
}

/*
 * The search boost (docs/API.md, search): accepted answers x1.5; net upvotes x(1 + 0.25 per vote,
 * at most 8), net downvotes divide by the same; verified (a person's latest flag) x1.25;
 * obsolete x0.5. The rank is bm25 (negative, lower is better) times the boost.
 */
double node_view_boost(void *ctx, const struct replica_signals *s)
{
    long long net = s->net_votes;
    double boost = 1.0;

    (void)ctx;
    if (s->accepted)
        boost *= 1.5;
    if (net > 8)
        net = 8;
    if (net < -8)
        net = -8;
    if (net > 0)
        boost *= 1.0 + 0.25 * (double)net;
    else if (net < 0)
        boost /= 1.0 + 0.25 * (double)-net;
    if (s->verified > 0)
        boost *= 1.25;
    if (s->obsolete > 0)
        boost *= 0.5;
    return boost;
}

/* ---- pins ---- */

struct node_pins {
    struct node *n;
    json_t *state; /* target hex -> [pinned (bool), pin ms] of the latest admin pin */
    size_t rows;   /* rows seen on this page */
};

static int node_pins_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_pins *np = ctx;
    const char *v = entry_attr_get(e, "pinned");
    char target[NODE_HEX_ID];

    (void)snippet;
    (void)rank;
    np->rows++;
    if (v == NULL || entry_nrefs(e) != 1 || np->n->team == NULL ||
        !team_is_admin(np->n->team, entry_author(e), entry_created_ms(e)))
        return 0;
    hex_encode(entry_ref(e, 0), ENTRY_ID_LEN, target);
    json_object_set_new(np->state, target,
                        json_pack("[b, I]", strcmp(v, "1") == 0, (json_int_t)entry_created_ms(e)));
    return 0;
}

static int node_pin_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t mx = json_integer_value(json_array_get(x, 1));
    json_int_t my = json_integer_value(json_array_get(y, 1));

    if (mx != my)
        return mx > my ? -1 : 1;
    return strcmp(json_string_value(json_array_get(x, 2)), json_string_value(json_array_get(y, 2)));
}

size_t node_view_pinned(struct node *n, uint8_t (*ids)[ENTRY_ID_LEN], size_t max)
{
    struct node_pins np = {n, json_object(), 0};
    struct replica_query q = {0};
    json_t **rows = NULL, *v;
    const char *k;
    size_t page, nrows = 0, i, out = 0, corrupt;

    /* Oldest first, so the latest pin of each entry is the one left standing. */
    q.kind = ENTRY_PIN;
    q.oldest_first = 1;
    q.limit = NODE_LIST_MAX;
    for (page = 0; page < NODE_PIN_PAGES && n->team != NULL; page++) {
        np.rows = 0;
        q.offset = page * NODE_LIST_MAX;
        corrupt = 0;
        if (replica_list(n->replica, &q, node_pins_row, &np, &corrupt) != 0 ||
            np.rows + corrupt < NODE_LIST_MAX)
            break;
    }
    rows = xreallocarray(NULL, json_object_size(np.state) + 1, sizeof(*rows));
    json_object_foreach(np.state, k, v)
    {
        if (json_is_true(json_array_get(v, 0))) {
            json_array_append_new(v, json_string(k));
            rows[nrows++] = v;
        }
    }
    qsort(rows, nrows, sizeof(*rows), node_pin_cmp);
    for (i = 0; i < nrows && out < max; i++)
        if (hex_decode(json_string_value(json_array_get(rows[i], 2)), 2 * ENTRY_ID_LEN, ids[out],
                       ENTRY_ID_LEN) == 0)
            out++;
    free(rows);
    json_decref(np.state);
    return out;
}

/* ---- retractions and changes, for get and watch ---- */

static int node_first_retraction(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    uint64_t *ms = ctx;

    (void)snippet;
    (void)rank;
    if (*ms == 0)
        *ms = entry_created_ms(e);
    return 0;
}

json_t *node_view_retracted(struct node *n, const char *text)
{
    uint8_t id[ENTRY_ID_LEN], author[ENTRY_KEY_LEN];
    struct replica_query q = {0};
    char hex[NODE_HEX_ID];
    uint64_t ms = 0;
    json_t *err;

    if (text == NULL || replica_tombstone_find(n->replica, text, id) != REPLICA_FOUND ||
        replica_tombstoned(n->replica, id, author) != 1)
        return NULL;
    q.kind = ENTRY_RETRACTION;
    q.ref = id;
    q.author = author;
    q.oldest_first = 1;
    q.limit = 1;
    if (replica_list(n->replica, &q, node_first_retraction, &ms, NULL) != 0)
        ms = 0;
    hex_encode(id, ENTRY_ID_LEN, hex);
    if (ms != 0) {
        json_t *t = node_json_time(ms);
        err = api_error("retracted", "%.12s was retracted by its author on %.10s", hex,
                        json_string_value(t));
        json_decref(t);
        json_object_set_new(err, "retracted_ms", json_integer((json_int_t)ms));
    } else {
        err = api_error("retracted", "%.12s was retracted by its author", hex);
        json_object_set_new(err, "retracted_ms", json_null());
    }
    json_object_set_new(err, "id", json_string(hex));
    return err;
}

int node_view_is_retracted(struct node *n, json_t *ej)
{
    const char *hex = json_string_value(json_object_get(ej, "id"));
    uint8_t id[ENTRY_ID_LEN];

    return hex != NULL && hex_decode(hex, strlen(hex), id, ENTRY_ID_LEN) == 0 &&
           replica_tombstoned(n->replica, id, NULL) == 1;
}

int node_view_count_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    (void)e;
    (void)snippet;
    (void)rank;
    (*(size_t *)ctx)++;
    return 0;
}

/* The JSON form of an entry (docs/API.md). Only verified entries get here. */
/* e's own tags, title and body into o. */
static void node_view_text(const struct entry *e, json_t *o)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < entry_ntags(e); i++)
        json_array_append_new(a, json_string(entry_tag(e, i)));
    json_object_set_new(o, "tags", a);
    json_object_set_new(o, "title", json_string(entry_title(e)));
    json_object_set_new(o, "body", json_stringn(entry_body(e), entry_body_len(e)));
}

json_t *node_view_entry(struct node *n, const struct entry *e)
{
    json_t *o = json_object(), *a;
    const char *kind = kinds_name(entry_kind(e));
    size_t i, len;

    json_object_set_new(o, "id", node_json_hex(entry_id(e), ENTRY_ID_LEN));
    json_object_set_new(o, "kind", kind != NULL ? json_string(kind) : json_null());
    json_object_set_new(o, "kind_id", json_integer(entry_kind(e)));
    json_object_set_new(o, "version", json_integer(entry_version(e)));
    json_object_set_new(o, "author", node_json_hex(entry_author(e), ENTRY_KEY_LEN));
    json_object_set_new(o, "author_name", node_view_name(n, entry_author(e)));
    json_object_set_new(o, "created_ms", json_integer((json_int_t)entry_created_ms(e)));
    json_object_set_new(o, "created", node_json_time(entry_created_ms(e)));
    a = json_array();
    for (i = 0; i < entry_nrefs(e); i++)
        json_array_append_new(a, node_json_hex(entry_ref(e, i), ENTRY_ID_LEN));
    json_object_set_new(o, "refs", a);
    node_view_text(e, o);
    a = json_object();
    for (i = 0; i < entry_nattrs(e); i++)
        json_object_set_new(a, entry_attr_key(e, i), json_string(entry_attr_value(e, i)));
    json_object_set_new(o, "attrs", a);
    json_object_set_new(o, "urgent",
                        json_boolean(entry_attr_get(e, "urgent") != NULL &&
                                     strcmp(entry_attr_get(e, "urgent"), "1") == 0));
    json_object_set_new(o, "to",
                        entry_attr_get(e, "to") != NULL ? json_string(entry_attr_get(e, "to"))
                                                        : json_null());
    json_object_set_new(o, "signature", node_json_hex(entry_signature(e), ENTRY_SIG_LEN));
    json_object_set_new(o, "verified", json_true());
    entry_bytes(e, &len);
    json_object_set_new(o, "size", json_integer((json_int_t)len));
    if (entry_kind(e) == ENTRY_QUESTION) {
        long long answers = replica_count_refs(n->replica, entry_id(e), ENTRY_ANSWER);
        uint8_t accepted[ENTRY_ID_LEN];
        int has = replica_accepted(n->replica, entry_id(e), entry_author(e), accepted) == 1;
        json_object_set_new(o, "answers", json_integer(answers));
        /* open: nobody answered; answered: answers, none accepted; resolved: the asker accepted
         * one (only the asker's accept counts). */
        json_object_set_new(o, "status",
                            json_string(has           ? "resolved"
                                        : answers > 0 ? "answered"
                                                      : "open"));
        json_object_set_new(o, "accepted",
                            has ? node_json_hex(accepted, ENTRY_ID_LEN) : json_null());
    }
    if (node_view_is_content(entry_kind(e))) {
        json_t *hidden;
        node_view_decorate(n, e, o); /* current version, flags, votes, pin (node_content.c) */
        hidden = node_hidden_of(n, entry_id(e));
        if (hidden != NULL)
            node_view_mask(o, hidden);
        json_object_set_new(o, "hidden", hidden != NULL ? hidden : json_null());
    }
    return o;
}

json_t *node_view_brief(struct node *n, const struct entry *e)
{
    json_t *o = json_object(), *hidden;
    const char *kind = kinds_name(entry_kind(e));

    json_object_set_new(o, "id", node_json_hex(entry_id(e), ENTRY_ID_LEN));
    json_object_set_new(o, "kind", kind != NULL ? json_string(kind) : json_null());
    json_object_set_new(o, "author", node_json_hex(entry_author(e), ENTRY_KEY_LEN));
    json_object_set_new(o, "author_name", node_view_name(n, entry_author(e)));
    json_object_set_new(o, "created_ms", json_integer((json_int_t)entry_created_ms(e)));
    node_view_text(e, o);
    if (node_view_is_content(entry_kind(e))) {
        node_view_revision(n, e, o);
        hidden = node_hidden_of(n, entry_id(e));
        if (hidden != NULL)
            node_view_mask(o, hidden);
        json_object_set_new(o, "hidden", hidden != NULL ? hidden : json_null());
    }
    return o;
}

int node_view_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_view_rows *rows = ctx;
    json_t *ej = rows->brief ? node_view_brief(rows->n, e) : node_view_entry(rows->n, e), *o;

    if (!rows->with_snippet) {
        json_array_append_new(rows->array, ej);
        return 0;
    }
    o = json_object();
    json_object_set_new(o, "entry", ej);
    json_object_set_new(o, "snippet", json_string(snippet != NULL ? snippet : ""));
    json_object_set_new(o, "rank", json_real(rank));
    json_array_append_new(rows->array, o);
    return 0;
}
