/* node_tags: the op tags — the tags questions and notes carry, most used first, by prefix — and
 * the tag synonym ops (synonym_add, synonym_drop, synonyms; node_synonyms decides). */
#include "node_tags.h"

#include <string.h>

#include "api_error.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_json.h"
#include "node_publish.h"
#include "node_synonyms.h"

#define TAGS_LIMIT_MAX 50
#define NODE_SYN_WHY_MAX 1000 /* bytes of a synonym's why */

static int tags_row(void *ctx, const char *tag, long long count)
{
    json_array_append_new(ctx, json_pack("{s:s,s:I}", "tag", tag, "count", (json_int_t)count));
    return 0;
}

/* tags: prefix (optional, a tag's beginning: case-folded, a leading # dropped), limit (1-50,
 * default 10) -> tags: [{tag, count}]. */
static json_t *op_tags(struct node *n, json_t *req)
{
    const char *prefix = NULL;
    char norm[ENTRY_TAG_MAX + 1] = "";
    long long limit = 10;
    json_t *tags, *o;

    if (node_arg_str(req, "prefix", &prefix) != 0 ||
        node_arg_int(req, "limit", 1, TAGS_LIMIT_MAX, &limit) != 0)
        return api_error("invalid", "prefix must be a string and limit 1 to %d", TAGS_LIMIT_MAX);
    if (prefix != NULL && !node_arg_blank(prefix) && node_arg_tag_norm(prefix, norm) != 0)
        return node_arg_tag_invalid(prefix);
    tags = json_array();
    if (replica_tag_counts(n->replica, norm, (size_t)limit, tags_row, tags) != 0) {
        json_decref(tags);
        return api_error("internal", "cannot read the tags");
    }
    o = node_json_ok();
    json_object_set_new(o, "tags", tags);
    return o;
}

/* A tag argument key, normalised into tag. Returns NULL, or the error response. */
static json_t *syn_arg(json_t *req, const char *key, char tag[ENTRY_TAG_MAX + 1])
{
    const char *t;

    if (node_arg_str(req, key, &t) != 0)
        return api_error("bad_request", "%s must be a string", key);
    if (t == NULL)
        return api_error("invalid", "give the %s (a tag)", key);
    if (node_arg_tag_norm(t, tag) != 0)
        return node_arg_tag_invalid(t);
    return NULL;
}

/* Refuse what the rules would not apply: a chain, a canonical tag made an alias, a full class. */
static json_t *syn_add_check(struct node *n, const char *alias, const char *canonical)
{
    char c[ENTRY_TAG_MAX + 1], aliases[NODE_SYN_ALIASES_MAX][ENTRY_TAG_MAX + 1];

    if (strcmp(alias, canonical) == 0)
        return api_error("invalid", "a tag is no synonym of itself");
    node_syn_canon(n, alias, c);
    if (strcmp(c, canonical) == 0)
        return api_error("exists", "%s already stands for %s", alias, canonical);
    node_syn_canon(n, canonical, c);
    if (strcmp(c, canonical) != 0)
        return api_error("invalid", "%s is an alias of %s: name %s as the canonical tag", canonical,
                         c, c);
    if (node_syn_aliases(n, alias, aliases) > 0)
        return api_error("invalid",
                         "%s is the canonical tag of %s: drop its aliases first (lore synonym "
                         "drop)",
                         alias, aliases[0]);
    if (node_syn_aliases(n, canonical, aliases) >= NODE_SYN_ALIASES_MAX)
        return api_error("invalid", "%s has %d aliases already, the most a tag may have", canonical,
                         NODE_SYN_ALIASES_MAX);
    return NULL;
}

/* Write a synonym entry of mine: action add (canonical) or drop. The reply says whether it
 * decides (decides: a team admin's, or mine with no team), or else why not (message). */
static json_t *syn_publish(struct node *n, const char *alias, const char *canonical,
                           const char *why, int decides, const char *message)
{
    struct entry_fields f = {0};
    struct entry_attr attrs[3] = {
        {"action", canonical != NULL ? "add" : "drop"}, {"alias", alias}, {"canonical", canonical}};
    json_t *res;

    f.kind = ENTRY_SYNONYM;
    f.created_ms = node_clock_wall_ms();
    f.attrs = attrs;
    f.nattrs = canonical != NULL ? 3 : 2;
    f.body = why;
    res = node_publish(n, &f);
    if (!json_is_true(json_object_get(res, "ok")))
        return res;
    json_object_set_new(res, "alias", json_string(alias));
    if (canonical != NULL)
        json_object_set_new(res, "canonical", json_string(canonical));
    json_object_set_new(res, "confirmed", json_boolean(decides));
    if (!decides)
        json_object_set_new(res, "message", json_string(message));
    return res;
}

/* Whether I may write for the team: in no team, or a member now. NULL, or the error. */
static json_t *syn_member(struct node *n, uint64_t now)
{
    if (n->team != NULL && !team_is_member(n->team, identity_public_key(n->id), now))
        return api_error("forbidden", "you are not a member of the team: join it first");
    return NULL;
}

/* synonym_add: alias, canonical (tags), why (optional) -> {ok, id, alias, canonical, confirmed}.
 * A team admin's add decides at once; anyone else's is a proposal an admin confirms by adding
 * the same. */
static json_t *op_synonym_add(struct node *n, json_t *req)
{
    char alias[ENTRY_TAG_MAX + 1], canonical[ENTRY_TAG_MAX + 1];
    const char *why;
    uint64_t now = node_clock_wall_ms();
    json_t *res;

    res = syn_arg(req, "alias", alias);
    if (res == NULL)
        res = syn_arg(req, "canonical", canonical);
    if (res != NULL)
        return res;
    if (node_arg_str(req, "why", &why) != 0 || (why != NULL && strlen(why) > NODE_SYN_WHY_MAX))
        return api_error("bad_request", "why is a string of at most %d bytes", NODE_SYN_WHY_MAX);
    res = syn_member(n, now);
    if (res == NULL)
        res = syn_add_check(n, alias, canonical);
    if (res != NULL)
        return res;
    return syn_publish(n, alias, canonical, why,
                       node_syn_decides(n, identity_public_key(n->id), now),
                       "proposed; a team admin must confirm it (lore synonym add with the same "
                       "tags)");
}

/* synonym_drop: alias -> {ok, id, alias}. Team admins only; a member's drop withdraws their own
 * proposals on alias. */
static json_t *op_synonym_drop(struct node *n, json_t *req)
{
    char alias[ENTRY_TAG_MAX + 1], c[ENTRY_TAG_MAX + 1];
    uint64_t now = node_clock_wall_ms();
    json_t *res;
    int decides;

    res = syn_arg(req, "alias", alias);
    if (res == NULL)
        res = syn_member(n, now);
    if (res != NULL)
        return res;
    decides = node_syn_decides(n, identity_public_key(n->id), now);
    node_syn_canon(n, alias, c);
    if (decides && strcmp(c, alias) == 0)
        return api_error("not_found", "%s is no alias: nothing to drop", alias);
    return syn_publish(n, alias, NULL, NULL, decides,
                       "your proposals on it are withdrawn; only a team admin drops a synonym");
}

/* synonyms -> {ok, synonyms: [...], pending: [...]} (node_synonyms.h). */
static json_t *op_synonyms(struct node *n, json_t *req)
{
    json_t *o = node_json_ok();

    (void)req;
    json_object_set_new(o, "synonyms", node_syn_list_json(n));
    json_object_set_new(o, "pending", node_syn_pending_json(n));
    return o;
}

const struct node_op node_tags_ops[] = {
    {"tags", op_tags, "tags in use, most used first, by prefix (the web's tag suggestions)", 0},
    {"synonym_add", op_synonym_add,
     "make a tag an alias of a canonical tag (an admin's decides; anyone else's is a proposal)", 0},
    {"synonym_drop", op_synonym_drop, "drop a tag synonym (team admins)", 0},
    {"synonyms", op_synonyms, "tag synonyms that apply, and proposals waiting for an admin", 0},
    {NULL, NULL, NULL, 0},
};
