/* node_content: the API ops for keeping content (edits, retractions, flags, pins), and what the
 * entry views and search take from them: the current version, flags, votes, pins, boosts. */
#include "node_int.h"

#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "hex.h"
#include "log.h"
#include "xmalloc.h"

#define NODE_HEX_ID (2 * ENTRY_ID_LEN + 1)
#define NODE_PIN_PAGES 20 /* pins read at most (x NODE_LIST_MAX), newest first */

/* Kinds that can be edited, retracted, flagged and pinned. */
static int node_is_content(uint16_t kind)
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

static int node_cmp_tag(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A version of an entry as history shows it. */
static json_t *node_version_json(struct node *n, const struct entry *e)
{
    json_t *o = json_object(), *tags = json_array();
    char name[NODE_NAME_MAX * 4 + 1];
    size_t i;

    for (i = 0; i < entry_ntags(e); i++)
        json_array_append_new(tags, json_string(entry_tag(e, i)));
    json_object_set_new(o, "id", node_hex(entry_id(e), ENTRY_ID_LEN));
    json_object_set_new(o, "author", node_hex(entry_author(e), ENTRY_KEY_LEN));
    json_object_set_new(o, "author_name",
                        replica_author_name(n->replica, entry_author(e), name, sizeof(name)) == 0
                            ? json_string(name)
                            : json_null());
    json_object_set_new(o, "created_ms", json_integer((json_int_t)entry_created_ms(e)));
    json_object_set_new(o, "created", node_time_json(entry_created_ms(e)));
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

void node_content_decorate(struct node *n, const struct entry *e, json_t *o)
{
    struct node_refs nr = {0};
    json_t *flags, *votes;
    uint8_t accepted[ENTRY_ID_LEN];
    struct entry *question = NULL;
    char err[256];

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
    nr.current = NULL;

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

json_t *node_content_history(struct node *n, const struct entry *e)
{
    struct node_refs nr = {0};

    nr.n = n;
    nr.target = e;
    nr.versions = json_array();
    json_array_append_new(nr.versions, node_version_json(n, e));
    if (node_is_content(entry_kind(e)))
        (void)node_refs_read(&nr, ENTRY_REVISION);
    json_decref(nr.current);
    return nr.versions;
}

/*
 * The search boost (docs/API.md, search): accepted answers x1.5; net upvotes x(1 + 0.25 per vote,
 * at most 8), net downvotes divide by the same; verified (a person's latest flag) x1.25;
 * obsolete x0.5. The rank is bm25 (negative, lower is better) times the boost.
 */
double node_content_boost(json_t *ej)
{
    json_t *votes = json_object_get(ej, "votes"), *flags = json_object_get(ej, "flags");
    json_int_t net = json_integer_value(json_object_get(votes, "up")) -
                     json_integer_value(json_object_get(votes, "down"));
    double boost = 1.0;

    if (json_is_true(json_object_get(ej, "is_accepted")))
        boost *= 1.5;
    if (net > 8)
        net = 8;
    if (net < -8)
        net = -8;
    if (net > 0)
        boost *= 1.0 + 0.25 * (double)net;
    else if (net < 0)
        boost /= 1.0 + 0.25 * (double)-net;
    if (json_integer_value(json_object_get(flags, "verified")) > 0)
        boost *= 1.25;
    if (json_integer_value(json_object_get(flags, "obsolete")) > 0)
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

size_t node_content_pinned(struct node *n, uint8_t (*ids)[ENTRY_ID_LEN], size_t max)
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

json_t *node_content_retracted(struct node *n, const char *text)
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
        json_t *t = node_time_json(ms);
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

int node_content_is_retracted(struct node *n, json_t *ej)
{
    const char *hex = json_string_value(json_object_get(ej, "id"));
    uint8_t id[ENTRY_ID_LEN];

    return hex != NULL && hex_decode(hex, strlen(hex), id, ENTRY_ID_LEN) == 0 &&
           replica_tombstoned(n->replica, id, NULL) == 1;
}

static int node_count_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    (void)e;
    (void)snippet;
    (void)rank;
    (*(size_t *)ctx)++;
    return 0;
}

const char *node_content_changed_for_me(struct node *n, json_t *ej)
{
    const char *kind = json_string_value(json_object_get(ej, "kind"));
    const char *author = json_string_value(json_object_get(ej, "author"));
    const char *ref = json_string_value(json_array_get(json_object_get(ej, "refs"), 0));
    uint8_t qid[ENTRY_ID_LEN];
    struct entry *question = NULL;
    struct replica_query q = {0};
    char err[256], asker[2 * ENTRY_KEY_LEN + 1];
    size_t answered = 0;
    const char *why = NULL;

    if (n->id == NULL || kind == NULL || strcmp(kind, "revision") != 0 || author == NULL ||
        ref == NULL || hex_decode(ref, strlen(ref), qid, ENTRY_ID_LEN) != 0)
        return NULL;
    if (replica_get(n->replica, qid, &question, err, sizeof(err)) != REPLICA_FOUND ||
        entry_kind(question) != ENTRY_QUESTION)
        goto out;
    hex_encode(entry_author(question), ENTRY_KEY_LEN, asker);
    if (strcmp(asker, author) != 0 || /* only the asker's revisions count */
        memcmp(entry_author(question), identity_public_key(n->id), ENTRY_KEY_LEN) == 0)
        goto out;
    q.kind = ENTRY_ANSWER;
    q.ref = qid;
    q.author = identity_public_key(n->id);
    q.limit = 1;
    if (replica_list(n->replica, &q, node_count_row, &answered, NULL) == 0 && answered > 0)
        why = "a question you answered changed";
out:
    entry_destroy(&question);
    return why;
}

/* ---- ops ---- */

/* Load the entry an op is about, which must be content. On failure returns the error response. */
static json_t *node_content_target(struct node *n, json_t *req, const char *what, uint8_t *id,
                                   struct entry **out)
{
    const char *text;
    char err[256];
    json_t *res;

    *out = NULL;
    if (node_arg_str(req, "id", &text) != 0)
        return api_error("bad_request", "id must be a string");
    res = node_resolve(n, text, id);
    if (res != NULL) {
        json_t *gone = node_content_retracted(n, text);
        if (gone != NULL) {
            json_decref(res);
            return gone;
        }
        return res;
    }
    switch (replica_get(n->replica, id, out, err, sizeof(err))) {
    case REPLICA_FOUND:
        break;
    case REPLICA_CORRUPT:
        return api_error("corrupt", "entry %s failed verification; run `lore check`", text);
    default:
        return api_error("not_found", "no entry %s here", text);
    }
    if (!node_is_content(entry_kind(*out))) {
        entry_destroy(out);
        return api_error("invalid", "only questions, answers, notes and comments can be %s", what);
    }
    return NULL;
}

static int node_is_mine(struct node *n, const struct entry *e)
{
    return memcmp(entry_author(e), identity_public_key(n->id), ENTRY_KEY_LEN) == 0;
}

/* Publish a new version of one of our entries: the full new content (unspecified parts as the
 * current version has them) in a revision. */
static json_t *op_edit(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    struct entry *e = NULL;
    uint8_t id[ENTRY_ID_LEN];
    json_t *res, *cur = NULL, *tags = json_object_get(req, "tags"), *v;
    const char *title, *body;
    char tagbuf[ENTRY_MAX_TAGS][ENTRY_TAG_MAX + 1];
    const char *tagp[ENTRY_MAX_TAGS];
    uint16_t kind;
    size_t i, k, ntags;
    int same_tags = 1;

    if (node_arg_str(req, "title", &title) != 0 || node_arg_str(req, "body", &body) != 0)
        return api_error("bad_request", "title and body must be strings");
    if (tags != NULL && !json_is_null(tags) && !json_is_array(tags))
        return api_error("bad_request", "tags must be an array of strings");
    if (json_array_size(tags) > ENTRY_MAX_TAGS)
        return api_error("invalid", "at most %d tags", ENTRY_MAX_TAGS);
    res = node_content_target(n, req, "edited", id, &e);
    if (res != NULL)
        return res;
    if (!node_is_mine(n, e)) {
        res = api_error("invalid", "only the author of an entry can edit it");
        goto out;
    }
    kind = entry_kind(e);
    cur = node_entry_json(n, e);
    if (title == NULL)
        title = json_string_value(json_object_get(cur, "title"));
    if (body == NULL)
        body = json_string_value(json_object_get(cur, "body"));
    if (!json_is_array(tags))
        tags = json_object_get(cur, "tags");
    else
        same_tags = 0;
    json_array_foreach(tags, i, v)
    {
        if (!json_is_string(v) || node_tag_norm(json_string_value(v), tagbuf[i]) != 0) {
            res = api_error("invalid",
                            "'%.40s' is not a valid tag: use lower-case letters and digits, then "
                            "also . + # _ - (at most %d characters)",
                            json_is_string(v) ? json_string_value(v) : "?", ENTRY_TAG_MAX);
            goto out;
        }
        tagp[i] = tagbuf[i];
    }
    /* In the entry's own form (sorted, no repeats), to compare with the current tags. */
    ntags = json_array_size(tags);
    qsort(tagp, ntags, sizeof(tagp[0]), node_cmp_tag);
    for (i = 0, k = 0; i < ntags; i++)
        if (k == 0 || strcmp(tagp[k - 1], tagp[i]) != 0)
            tagp[k++] = tagp[i];
    ntags = k;
    if (!same_tags) {
        json_t *old = json_object_get(cur, "tags");
        same_tags = json_array_size(old) == ntags;
        for (i = 0; same_tags && i < ntags; i++)
            same_tags = strcmp(json_string_value(json_array_get(old, i)), tagp[i]) == 0;
    }
    if ((kind == ENTRY_QUESTION || kind == ENTRY_NOTE) && title[0] == '\0') {
        res = api_error("invalid", "a %s needs a title", kinds_name(kind));
        goto out;
    }
    if ((kind == ENTRY_ANSWER || kind == ENTRY_COMMENT) && title[0] != '\0') {
        res = api_error("invalid", "an %s has no title", kinds_name(kind));
        goto out;
    }
    if (kind != ENTRY_QUESTION && body[0] == '\0') {
        res = api_error("invalid", "a %s needs a body", kinds_name(kind));
        goto out;
    }
    if (same_tags && strcmp(title, json_string_value(json_object_get(cur, "title"))) == 0 &&
        strcmp(body, json_string_value(json_object_get(cur, "body"))) == 0) {
        res = api_error("invalid", "nothing changed: that is the current version");
        goto out;
    }
    f.kind = ENTRY_REVISION;
    /* Later than the version it replaces, even if this clock is behind: the latest counts. */
    f.created_ms = node_wall_ms();
    {
        json_int_t last = json_is_integer(json_object_get(cur, "edited_ms"))
                              ? json_integer_value(json_object_get(cur, "edited_ms"))
                              : (json_int_t)entry_created_ms(e);
        if ((json_int_t)f.created_ms <= last)
            f.created_ms = (uint64_t)last + 1;
    }
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])id;
    f.nrefs = 1;
    f.title = title;
    f.body = body;
    f.tags = tagp;
    f.ntags = ntags;
    res = node_publish(n, &f);
out:
    json_decref(cur);
    entry_destroy(&e);
    return res;
}

/* Take back one of our entries: a retraction; nodes that honour it drop the entry. */
static json_t *op_retract(struct node *n, json_t *req)
{
    uint64_t created;
    struct entry *e = NULL;
    uint8_t id[ENTRY_ID_LEN];
    json_t *res;

    res = node_content_target(n, req, "retracted", id, &e);
    if (res != NULL)
        return res;
    if (!node_is_mine(n, e)) {
        entry_destroy(&e);
        return api_error("invalid", "only the author of an entry can retract it");
    }
    created = node_wall_ms();
    if (created <= entry_created_ms(e))
        created = entry_created_ms(e) + 1;
    entry_destroy(&e);
    res = node_publish_ref(n, ENTRY_RETRACTION, id, created, NULL, NULL, NULL);
    if (json_is_true(json_object_get(res, "ok"))) {
        json_object_set_new(res, "retracted", node_hex(id, ENTRY_ID_LEN));
        /* The retracted entry left the replica: the reconciliation set must forget it too. */
        if (n->gossip != NULL)
            gossip_team_changed(n->gossip, 1);
    }
    return res;
}

/* Flag an entry obsolete or verified (or withdraw our flag): the latest per person counts. */
static json_t *op_flag(struct node *n, json_t *req)
{
    struct entry *e = NULL;
    uint8_t id[ENTRY_ID_LEN];
    const char *value;
    json_t *res;

    if (node_arg_str(req, "flag", &value) != 0 || value == NULL ||
        (strcmp(value, "obsolete") != 0 && strcmp(value, "verified") != 0 &&
         strcmp(value, "none") != 0))
        return api_error("bad_request", "a flag is obsolete, verified or none");
    res = node_content_target(n, req, "flagged", id, &e);
    if (res != NULL)
        return res;
    entry_destroy(&e);
    return node_publish_ref(n, ENTRY_FLAG, id, 0, "flag", value, NULL);
}

/* Pin an entry for the whole team (or unpin it): team admins only. */
static json_t *op_pin(struct node *n, json_t *req)
{
    struct entry *e = NULL;
    uint8_t id[ENTRY_ID_LEN];
    uint64_t now = node_wall_ms();
    json_t *res;
    int off;

    if (node_arg_bool(req, "off", &off) != 0)
        return api_error("bad_request", "off must be a boolean");
    if (n->team == NULL)
        return api_error("invalid", "no team: pins are for team admins");
    if (!team_is_admin(n->team, identity_public_key(n->id), now))
        return api_error("invalid", "only team admins can pin entries");
    res = node_content_target(n, req, "pinned", id, &e);
    if (res != NULL)
        return res;
    entry_destroy(&e);
    return node_publish_ref(n, ENTRY_PIN, id, now, "pinned", off ? "0" : "1", NULL);
}

const struct node_op node_content_ops[] = {
    {"edit", op_edit}, {"retract", op_retract}, {"flag", op_flag}, {"pin", op_pin}, {NULL, NULL},
};
