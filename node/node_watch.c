/* node_watch: what `lore watch` is told — whether an entry is for me and why (a change to a
 * question I answered, a mentoring request, a session here; questions, answers, comments, accepts,
 * thanks and mentions through node_foryou) — and my areas. */
#include "node_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_view.h"

#define NODE_WATCH_SKILL_SCAN 10000 /* skill entries of one person read at most */

static const char *node_watch_changed_for_me(struct node *n, json_t *ej)
{
    const char *kind = json_string_value(json_object_get(ej, "kind"));
    const char *author = json_string_value(json_object_get(ej, "author"));
    const char *ref = json_string_value(json_array_get(json_object_get(ej, "refs"), 0));
    uint8_t qid[ENTRY_ID_LEN];
    struct entry *question = NULL;
    struct replica_query q = {0};
    char err[ERRMSG_MAX], asker[2 * ENTRY_KEY_LEN + 1];
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
    if (replica_list(n->replica, &q, node_view_count_row, &answered, NULL) == 0 && answered > 0)
        why = "a question you answered changed";
out:
    entry_destroy(&question);
    return why;
}

static int node_watch_people_for_me(struct node *n, json_t *ej, const char **reason)
{
    const char *kind = json_string_value(json_object_get(ej, "kind"));
    const char *author = json_string_value(json_object_get(ej, "author"));
    const char *role = json_string_value(json_object_get(json_object_get(ej, "attrs"), "role"));
    char me[2 * ENTRY_KEY_LEN + 1];
    json_t *t;
    size_t i;

    *reason = NULL;
    if (kind == NULL || author == NULL || n->id == NULL)
        return 0;
    hex_encode(identity_public_key(n->id), ENTRY_KEY_LEN, me);
    if (strcmp(author, me) == 0)
        return 0;
    if (strcmp(kind, "mentor") == 0 && role != NULL && strcmp(role, "request") == 0 &&
        node_watch_to_me(n, ej)) {
        *reason = "asks you to mentor them";
        return 1;
    }
    if (strcmp(kind, "session") == 0 && n->areas != NULL) {
        json_array_foreach(json_object_get(ej, "tags"), i, t)
        {
            if (json_is_string(t) && json_object_get(n->areas, json_string_value(t)) != NULL) {
                *reason = "a session in your areas";
                return 1;
            }
        }
    }
    return 0;
}

/* Is this entry (as JSON) addressed to me (attr "to" = my key)? */
int node_watch_to_me(struct node *n, json_t *ej)
{
    const char *to = json_string_value(json_object_get(json_object_get(ej, "attrs"), "to"));
    char me[2 * ENTRY_KEY_LEN + 1];

    if (to == NULL || n->id == NULL)
        return 0;
    hex_encode(identity_public_key(n->id), ENTRY_KEY_LEN, me);
    return strcmp(to, me) == 0;
}

/* Why this entry (as JSON) is for me at now_ms: a revision of a question I answered, a mentoring
 * request to me or a session in my areas (node_watch.c), something about an entry of mine or a
 * mention of me, or a question for me (node_foryou.c, with the escalation circles). */
enum node_foryou_level node_watch_reason(struct node *n, json_t *ej, uint64_t now_ms,
                                         char why[NODE_FORYOU_WHY_MAX])
{
    const char *kind = json_string_value(json_object_get(ej, "kind"));
    const char *s = node_watch_changed_for_me(n, ej);

    why[0] = '\0';
    if (s == NULL && !node_watch_people_for_me(n, ej, &s) && kind != NULL &&
        strcmp(kind, "question") == 0)
        return node_foryou_question(n, ej, now_ms, why);
    if (s == NULL)
        s = node_foryou_on_mine(n, ej);
    if (s == NULL)
        return NODE_FORYOU_NO;
    snprintf(why, NODE_FORYOU_WHY_MAX, "%s", s);
    return NODE_FORYOU_YES;
}

/* Tell `lore watch` subscribers about an entry (ej is borrowed). An urgent question that has
 * already waited past a delay on arrival is left to the escalation pass (node_escalate.c), which
 * sends it once. */
void node_watch_announce(struct node *n, json_t *ej)
{
    char why[NODE_FORYOU_WHY_MAX];
    json_t *ev;
    int yes;

    if (node_view_is_retracted(n, ej))
        return; /* it arrived after its retraction: it was never stored */
    if (node_view_hidden(ej))
        return; /* it arrived after an admin hid it */
    yes = node_watch_reason(n, ej, node_clock_wall_ms(), why) == NODE_FORYOU_YES;
    ev = json_object();
    json_object_set_new(ev, "event", json_string("entry"));
    json_object_set_new(ev, "for_you", json_boolean(yes));
    json_object_set_new(ev, "reason", yes ? json_string(why) : json_null());
    json_object_set(ev, "entry", ej);
    if (n->hooks.broadcast != NULL)
        n->hooks.broadcast(n, ev);
    json_decref(ev);
}

/* Skill entries, in pages: the latest per tag by (created_ms, id) counts (checked here, so the
 * listing's order does not matter). */
struct node_watch_skills {
    json_t *seen; /* tag -> {tag, level, id, declared_ms} */
    size_t rows;  /* on this page */
};

static int node_watch_skill_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_watch_skills *ws = ctx;
    json_t *cur, *o;
    const char *lv = entry_attr_get(e, "level");
    char id[2 * ENTRY_ID_LEN + 1];
    json_int_t ms = (json_int_t)entry_created_ms(e);

    (void)snippet;
    (void)rank;
    ws->rows++;
    if (entry_ntags(e) == 0)
        return 0;
    hex_encode(entry_id(e), ENTRY_ID_LEN, id);
    cur = json_object_get(ws->seen, entry_tag(e, 0));
    if (cur != NULL && (json_integer_value(json_object_get(cur, "declared_ms")) > ms ||
                        (json_integer_value(json_object_get(cur, "declared_ms")) == ms &&
                         strcmp(json_string_value(json_object_get(cur, "id")), id) > 0)))
        return 0;
    o = json_object();
    json_object_set_new(o, "tag", json_string(entry_tag(e, 0)));
    /* Level 0 withdraws the skill; anything else not 1-5 counts as 3, as everywhere. */
    json_object_set_new(o, "level",
                        json_integer(lv != NULL && lv[0] >= '0' && lv[0] <= '5' && lv[1] == '\0'
                                         ? lv[0] - '0'
                                         : 3));
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "declared_ms", json_integer(ms));
    json_object_set_new(ws->seen, entry_tag(e, 0), o);
    return 0;
}

json_t *node_watch_skills(struct node *n, const uint8_t key[ENTRY_KEY_LEN])
{
    struct node_watch_skills ws = {json_object(), 0};
    struct replica_query q = {0};
    json_t *v;
    const char *k;
    void *tmp;

    q.kind = ENTRY_SKILL;
    q.author = key;
    q.limit = NODE_LIST_MAX;
    for (q.offset = 0; q.offset < NODE_WATCH_SKILL_SCAN; q.offset += NODE_LIST_MAX) {
        ws.rows = 0;
        if (replica_list(n->replica, &q, node_watch_skill_row, &ws, NULL) != 0) {
            log_warnx("node: cannot read skills");
            break;
        }
        if (ws.rows < NODE_LIST_MAX)
            break;
    }
    json_object_foreach_safe(ws.seen, tmp, k, v)
    {
        if (json_integer_value(json_object_get(v, "level")) == 0)
            json_object_del(ws.seen, k); /* withdrawn */
    }
    return ws.seen;
}

json_t *node_watch_follows(struct node *n)
{
    uint8_t *v = NULL;
    size_t len = 0;
    char *line, *next;
    json_t *a = json_array();

    if (replica_meta_get(n->replica, NODE_FOLLOWS_META, &v, &len, NULL, NULL, 0) != REPLICA_FOUND)
        return a;
    for (line = (char *)v; line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (entry_tag_valid(line))
            json_array_append_new(a, json_string(line));
    }
    free(v);
    return a;
}

/* My areas: my skills (not withdrawn) and the tags I follow. */
void node_watch_load_areas(struct node *n)
{
    json_t *skills, *follows, *s;
    const char *tag;
    size_t i;

    json_decref(n->areas);
    n->areas = json_object();
    skills = node_watch_skills(n, identity_public_key(n->id));
    json_object_foreach(skills, tag, s) json_object_set_new(n->areas, tag, json_string("skill"));
    json_decref(skills);
    follows = node_watch_follows(n);
    json_array_foreach(follows, i, s)
    {
        if (json_object_get(n->areas, json_string_value(s)) == NULL)
            json_object_set_new(n->areas, json_string_value(s), json_string("follow"));
    }
    json_decref(follows);
}

json_t *node_watch_areas_json(struct node *n, json_t *o)
{
    json_t *a = json_array(), *v;
    const char *k;

    json_object_foreach(n->areas, k, v) json_array_append_new(a, json_string(k));
    json_object_set_new(o, "areas", a);
    return o;
}
