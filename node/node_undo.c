/* node_undo: taking back and changing — my skills (list, remove), a mentoring offer withdrawn, a
 * session moved or cancelled, an RSVP changed — and moderation by team admins (hide, unhide).
 * Entries are immutable: every change is a new entry, and the views count the latest (docs/
 * PROTOCOL.md: skill level 0, mentor role withdraw, a session's revisions, kind 24). */
#include "node_undo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "hex.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_hidden.h"
#include "node_json.h"
#include "node_peopleview.h"
#include "node_publish.h"
#include "node_resolve.h"
#include "node_view.h"
#include "node_watch.h"
#include "xmalloc.h"

#define UNDO_WHERE_MAX 200 /* bytes of a session's place, as when announced */

/* A time for a new entry that must come after last_ms (the latest counts, even if this clock is
 * behind). */
static uint64_t undo_after(uint64_t last_ms)
{
    uint64_t now = node_clock_wall_ms();

    return now > last_ms ? now : last_ms + 1;
}

/* ---- skills ---- */

static int undo_skill_cmp(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "tag")),
                  json_string_value(json_object_get(*(json_t *const *)b, "tag")));
}

/* My skills (each tag's latest declaration, withdrawn ones left out) and the tags I follow. */
static json_t *op_skills(struct node *n, json_t *req)
{
    json_t *skills = node_watch_skills(n, identity_public_key(n->id)), *o, *arr, **items, *v;
    const char *k;
    size_t i = 0, count = json_object_size(skills);

    (void)req;
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    json_object_foreach(skills, k, v) items[i++] = v;
    qsort(items, count, sizeof(*items), undo_skill_cmp);
    arr = json_array();
    for (i = 0; i < count; i++)
        json_array_append(arr, items[i]);
    free(items);
    json_decref(skills);
    o = node_json_ok();
    json_object_set_new(o, "skills", arr);
    json_object_set_new(o, "follows", node_watch_follows(n));
    return o;
}

/* Withdraw a skill of mine: a skill entry of level 0, later than my latest for the tag. */
static json_t *op_skill_remove(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    char tag[ENTRY_TAG_MAX + 1];
    const char *tags[1] = {tag};
    struct entry_attr attr = {"level", "0"};
    json_t *skills, *cur, *o;
    uint64_t last;

    o = node_arg_tag(req, "skills remove needs a skill (a tag)", tag);
    if (o != NULL)
        return o;
    skills = node_watch_skills(n, identity_public_key(n->id));
    cur = json_object_get(skills, tag);
    if (cur == NULL) {
        json_decref(skills);
        return api_error("invalid", "%s is not one of your skills (see `lore skills`)", tag);
    }
    last = (uint64_t)json_integer_value(json_object_get(cur, "declared_ms"));
    json_decref(skills);
    f.kind = ENTRY_SKILL;
    f.created_ms = undo_after(last);
    f.tags = tags;
    f.ntags = 1;
    f.attrs = &attr;
    f.nattrs = 1;
    o = node_publish(n, &f);
    node_watch_load_areas(n);
    if (!json_is_true(json_object_get(o, "ok")))
        return o;
    json_object_set_new(o, "removed", json_string(tag));
    return node_watch_areas_json(n, o);
}

/* ---- mentoring ---- */

/* The latest created_ms of the rows, into a uint64_t. */
static int undo_latest_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    uint64_t *last = ctx;

    (void)snippet;
    (void)rank;
    if (entry_created_ms(e) > *last)
        *last = entry_created_ms(e);
    return 0;
}

/* Withdraw my mentoring offers: a mentor entry of role withdraw, later than every one of mine. */
static json_t *op_mentor_withdraw(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    struct entry_attr attr = {"role", "withdraw"};
    struct replica_query q = {0};
    uint64_t last = 0;

    (void)req;
    if (!node_peopleview_has_offer(n, identity_public_key(n->id)))
        return api_error("invalid", "you have no mentoring offer to withdraw");
    q.kind = ENTRY_MENTOR;
    q.author = identity_public_key(n->id);
    (void)node_peopleview_list_all(n, &q, undo_latest_row, &last);
    f.kind = ENTRY_MENTOR;
    f.created_ms = undo_after(last);
    f.attrs = &attr;
    f.nattrs = 1;
    return node_publish(n, &f);
}

/* ---- sessions ---- */

/* The session named by req's "id" (a new entry in *out), or an error response. */
static json_t *undo_session_arg(struct node *n, json_t *req, struct entry **out)
{
    uint8_t id[ENTRY_ID_LEN];
    const char *text;
    json_t *res;

    *out = NULL;
    if (node_arg_str(req, "id", &text) != 0 || text == NULL)
        return api_error("bad_request", "id must be a string");
    res = node_resolve_id(n, text, id);
    if (res == NULL)
        res = node_resolve_entry(n, id, text, out);
    if (res == NULL && entry_kind(*out) != ENTRY_SESSION) {
        entry_destroy(out);
        res = api_error("invalid", "%.64s is not a session", text);
    }
    return res;
}

/* The new state asked for: title, at_ms, where (what is absent stays), or cancel. NULL, or an
 * error response. */
static json_t *undo_session_change(json_t *req, const struct node_session_now *cur,
                                   const char **title, const char **where, long long *at_ms,
                                   int *cancel)
{
    if (node_arg_str(req, "title", title) != 0 || node_arg_str(req, "where", where) != 0 ||
        node_arg_bool(req, "cancel", cancel) != 0)
        return api_error("bad_request", "title and where must be strings, cancel a boolean");
    *at_ms = 0;
    if (node_arg_int(req, "at_ms", (long long)ENTRY_MIN_TIME_MS, (long long)ENTRY_MAX_TIME_MS,
                     at_ms) != 0)
        return api_error("bad_request", "at_ms must be a time in ms");
    if (*title != NULL && node_arg_blank(*title))
        return api_error("invalid", "a session needs a title: " NODE_ARG_TITLE_EMPTY);
    if (*where != NULL && ((*where)[0] == '\0' || strlen(*where) > UNDO_WHERE_MAX))
        return api_error("invalid", "a session needs a place (--where) of at most %d bytes",
                         UNDO_WHERE_MAX);
    if (*at_ms != 0 && (uint64_t)*at_ms <= node_clock_wall_ms())
        return api_error("invalid", "that time is in the past; give a time to come");
    if (!*cancel && *title == NULL && *where == NULL && *at_ms == 0)
        return api_error("bad_request", "give a new --at, --where or --title, or cancel");
    if (*title == NULL)
        *title = cur->title;
    if (*where == NULL)
        *where = cur->where;
    if (*at_ms == 0)
        *at_ms = (long long)cur->at_ms;
    if (!*cancel && strcmp(*title, cur->title) == 0 && strcmp(*where, cur->where) == 0 &&
        (uint64_t)*at_ms == cur->at_ms)
        return api_error("invalid", "nothing changed: the session is already so");
    return NULL;
}

/* Move (new at, where, title) or cancel a session I host: a revision of it with its whole new
 * state. RSVPs refer to the session, so they follow it. */
static json_t *op_session_edit(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    struct entry *s = NULL;
    struct node_session_now cur = {0};
    struct entry_attr attrs[3];
    const char *title, *where, *tagp[ENTRY_MAX_TAGS];
    char at[24];
    long long at_ms;
    int cancel;
    size_t i;
    json_t *res;

    res = undo_session_arg(n, req, &s);
    if (res != NULL)
        return res;
    node_peopleview_session_now(n, s, &cur);
    if (memcmp(entry_author(s), identity_public_key(n->id), ENTRY_KEY_LEN) != 0) {
        res = api_error("invalid", "only the host of a session can move or cancel it");
        goto out;
    }
    if (cur.cancelled) {
        res = api_error("invalid", "that session was cancelled; announce a new one");
        goto out;
    }
    res = undo_session_change(req, &cur, &title, &where, &at_ms, &cancel);
    if (res != NULL)
        goto out;
    snprintf(at, sizeof(at), "%lld", at_ms);
    attrs[0] = (struct entry_attr){"at", at};
    attrs[1] = (struct entry_attr){"where", where};
    attrs[2] = (struct entry_attr){"cancelled", "1"};
    for (i = 0; i < entry_ntags(s); i++)
        tagp[i] = entry_tag(s, i);
    f.kind = ENTRY_REVISION;
    f.created_ms =
        undo_after(cur.edited_ms > entry_created_ms(s) ? cur.edited_ms : entry_created_ms(s));
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])entry_id(s);
    f.nrefs = 1;
    f.title = title;
    f.body = entry_body(s);
    f.tags = tagp;
    f.ntags = entry_ntags(s);
    f.attrs = attrs;
    f.nattrs = cancel ? 3 : 2;
    res = node_publish(n, &f);
    if (json_is_true(json_object_get(res, "ok"))) {
        json_object_set_new(res, "session", node_json_hex(entry_id(s), ENTRY_ID_LEN));
        json_object_set_new(res, "cancelled", json_boolean(cancel));
        json_object_set_new(res, "at_ms", json_integer(at_ms));
        json_object_set_new(res, "where", json_string(where));
    }
out:
    node_peopleview_session_done(&cur);
    entry_destroy(&s);
    return res;
}

json_t *node_undo_rsvp(struct node *n, const struct entry *s, const char *value)
{
    struct node_session_now cur;
    const char *prev = NULL;
    uint64_t prev_ms = 0;
    int cancelled;
    json_t *res;

    node_peopleview_session_now(n, s, &cur);
    cancelled = cur.cancelled;
    node_peopleview_session_done(&cur);
    if (cancelled)
        return api_error("invalid", "that session was cancelled");
    (void)node_peopleview_rsvp_of(n, s, identity_public_key(n->id), &prev, &prev_ms);
    if (prev != NULL && strcmp(prev, value) == 0) {
        res = node_json_ok(); /* the same answer again: it counts once, nothing is written */
        json_object_set_new(res, "id", json_null());
        json_object_set_new(res, "changed", json_false());
        json_object_set_new(res, "previous", json_string(prev));
        return res;
    }
    res = node_publish_ref(n, ENTRY_RSVP, entry_id(s), undo_after(prev_ms), "value", value, NULL);
    if (json_is_true(json_object_get(res, "ok"))) {
        json_object_set_new(res, "changed", json_boolean(prev != NULL));
        json_object_set_new(res, "previous", prev != NULL ? json_string(prev) : json_null());
    }
    return res;
}

/* ---- moderation ---- */

/* Hide (reason given) or unhide (reason NULL) a content entry: team admins only. */
static json_t *undo_moderate(struct node *n, json_t *req, int hide)
{
    struct replica_query q = {0};
    struct entry *e = NULL;
    uint8_t id[ENTRY_ID_LEN];
    const char *text, *reason = NULL;
    uint64_t last = 0;
    json_t *res, *hidden;

    if (node_arg_str(req, "id", &text) != 0 || text == NULL ||
        (hide && node_arg_str(req, "reason", &reason) != 0))
        return api_error("bad_request", "id and reason must be strings");
    if (hide && (reason == NULL || reason[strspn(reason, " \t\n\r")] == '\0'))
        return api_error("invalid", "hiding an entry needs a reason (--reason)");
    if (hide && strlen(reason) > NODE_HIDE_REASON_MAX)
        return api_error("invalid", "a reason is at most %d bytes", NODE_HIDE_REASON_MAX);
    if (n->team == NULL ||
        !team_is_admin(n->team, identity_public_key(n->id), node_clock_wall_ms()))
        return api_error("invalid", "only team admins can %s entries", hide ? "hide" : "unhide");
    res = node_resolve_id(n, text, id);
    if (res == NULL)
        res = node_resolve_entry(n, id, text, &e);
    if (res != NULL)
        return res;
    if (!node_view_is_content(entry_kind(e))) {
        entry_destroy(&e);
        return api_error("invalid", "only questions, answers, notes and comments can be hidden");
    }
    entry_destroy(&e);
    hidden = node_hidden_of(n, id);
    if (!hide && hidden == NULL)
        return api_error("invalid", "%.12s is not hidden", text);
    json_decref(hidden);
    q.kind = ENTRY_MODERATION;
    q.ref = id;
    (void)node_peopleview_list_all(n, &q, undo_latest_row, &last);
    return node_publish_ref(n, ENTRY_MODERATION, id, undo_after(last), "action",
                            hide ? "hide" : "unhide", reason);
}

static json_t *op_hide(struct node *n, json_t *req)
{
    return undo_moderate(n, req, 1);
}

static json_t *op_unhide(struct node *n, json_t *req)
{
    return undo_moderate(n, req, 0);
}

const struct node_op node_undo_ops[] = {
    {"skills", op_skills, "my skills and the tags I follow", 0},
    {"skill_remove", op_skill_remove, "withdraw one of my skills", 0},
    {"mentor_withdraw", op_mentor_withdraw, "withdraw my mentoring offers", 0},
    {"session_edit", op_session_edit, "move or cancel a session I host", 0},
    {"hide", op_hide, "hide an entry for the whole team, with a reason (team admins)", 0},
    {"unhide", op_unhide, "show an entry an admin hid again (team admins)", 0},
    {NULL, NULL, NULL, 0},
};
