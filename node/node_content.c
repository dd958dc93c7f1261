/* node_content: the API ops for keeping content — edit, retract, flag, pin. What views take from
 * them (the current version, flags, votes, pins, boosts) is node_view's. */
#include "node_content.h"

#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "errmsg.h"
#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_json.h"
#include "node_publish.h"
#include "node_resolve.h"
#include "node_view.h"
#include "xmalloc.h"

static int node_cmp_tag(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- ops ---- */

/* Load the entry an op is about, which must be content. On failure returns the error response. */
static json_t *node_content_target(struct node *n, json_t *req, const char *what, uint8_t *id,
                                   struct entry **out)
{
    const char *text;
    json_t *res;

    *out = NULL;
    if (node_arg_str(req, "id", &text) != 0)
        return api_error("bad_request", "id must be a string");
    res = node_resolve_id(n, text, id);
    if (res != NULL) {
        json_t *gone = node_view_retracted(n, text);
        if (gone != NULL) {
            json_decref(res);
            return gone;
        }
        return res;
    }
    res = node_resolve_entry(n, id, text, out);
    if (res != NULL)
        return res;
    if (!node_view_is_content(entry_kind(*out))) {
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
    cur = node_view_entry(n, e);
    /* cur shows the placeholder of a hidden entry: an edit would publish it, and get round the
     * hiding. */
    if (node_view_hidden(cur)) {
        res = api_error("invalid", "an admin hid this entry: it cannot be edited until they "
                                   "unhide it (lore unhide)");
        goto out;
    }
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
        if (!json_is_string(v) || node_arg_tag_norm(json_string_value(v), tagbuf[i]) != 0) {
            res = node_arg_tag_invalid(json_is_string(v) ? json_string_value(v) : "?");
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
    if ((kind == ENTRY_QUESTION || kind == ENTRY_NOTE) && node_arg_blank(title)) {
        res = api_error("invalid", "a %s needs a title: " NODE_ARG_TITLE_EMPTY, kinds_name(kind));
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
    f.created_ms = node_clock_wall_ms();
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
    created = node_clock_wall_ms();
    if (created <= entry_created_ms(e))
        created = entry_created_ms(e) + 1;
    entry_destroy(&e);
    res = node_publish_ref(n, ENTRY_RETRACTION, id, created, NULL, NULL, NULL);
    if (json_is_true(json_object_get(res, "ok"))) {
        json_object_set_new(res, "retracted", node_json_hex(id, ENTRY_ID_LEN));
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
    uint64_t now = node_clock_wall_ms();
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
    {"edit", op_edit, "publish a new version of one of my entries", 0},
    {"retract", op_retract, "take back one of my entries", 0},
    {"flag", op_flag, "flag an entry obsolete or verified (or withdraw my flag)", 0},
    {"pin", op_pin, "pin an entry for the whole team, or unpin it (team admins)", 0},
    {NULL, NULL, NULL, 0},
};
