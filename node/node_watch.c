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
#include "node_goals.h"
#include "node_latest.h"
#include "node_synonyms.h"
#include "node_view.h"

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

/* Help on one of my active learning goals: a session on it, a mentor offering it, a note on it
 * flagged verified (the flag's note, as it reads now). The reason, or NULL. */
static const char *node_watch_goal_for_me(struct node *n, json_t *ej, const char *kind,
                                          const char *role)
{
    const char *ref = json_string_value(json_array_get(json_object_get(ej, "refs"), 0));
    const char *flag = json_string_value(json_object_get(json_object_get(ej, "attrs"), "flag"));
    char tag[ENTRY_TAG_MAX + 1];
    uint8_t id[ENTRY_ID_LEN];
    struct entry *note = NULL;
    const char *why = NULL;
    json_t *nj;

    if (strcmp(kind, "session") == 0) {
        if (node_goals_mine_any(n, json_object_get(ej, "tags"), tag))
            why = "a session on your learning goal";
    } else if (strcmp(kind, "mentor") == 0 && role != NULL && strcmp(role, "offer") == 0) {
        if (node_goals_mine_any(n, json_object_get(ej, "tags"), tag))
            why = "offers mentoring on your learning goal";
    } else if (strcmp(kind, "flag") == 0 && flag != NULL && strcmp(flag, "verified") == 0 &&
               ref != NULL && hex_decode(ref, strlen(ref), id, ENTRY_ID_LEN) == 0 &&
               replica_get(n->replica, id, &note, NULL, 0) == REPLICA_FOUND &&
               entry_kind(note) == ENTRY_NOTE) {
        nj = node_view_entry(n, note); /* its current tags */
        if (!node_view_hidden(nj) && node_goals_mine_any(n, json_object_get(nj, "tags"), tag))
            why = "a note on your learning goal was verified";
        json_decref(nj);
    }
    entry_destroy(&note);
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
            if (json_is_string(t) && node_syn_area(n, json_string_value(t)) != NULL) {
                *reason = "a session in your areas";
                return 1;
            }
        }
    }
    *reason = node_watch_goal_for_me(n, ej, kind, role);
    return *reason != NULL;
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
void node_watch_announce(struct node *n, json_t *ej, int refresh)
{
    char why[NODE_FORYOU_WHY_MAX];
    json_t *ev;
    int yes;

    if (n->hooks.subscribers == NULL || n->hooks.subscribers(n) == 0)
        return; /* nobody watches: neither the socket's subscribers nor the web's streams */
    if (node_view_is_retracted(n, ej))
        return; /* it arrived after its retraction: it was never stored */
    if (node_view_hidden(ej))
        return; /* it arrived after an admin hid it */
    if (refresh)
        node_syn_refresh(n); /* an entry from a peer: no op decided the synonyms just before */
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

/* My skills: the latest skill entry per tag counts (node_latest, as goals do); level 0 withdrew
 * it. */
json_t *node_watch_skills(struct node *n, const uint8_t key[ENTRY_KEY_LEN])
{
    struct node_latest *l = node_latest_scan(n, ENTRY_SKILL, key, NULL);
    json_t *seen = json_object(), *o;
    const struct entry *e;
    const char *lv;
    char id[2 * ENTRY_ID_LEN + 1];
    size_t i;

    for (i = 0; i < node_latest_count(l); i++) {
        e = node_latest_at(l, i);
        lv = entry_attr_get(e, "level");
        /* Level 0 withdraws the skill; anything else not 1-5 counts as 3, as everywhere. */
        if (lv != NULL && strcmp(lv, "0") == 0)
            continue;
        hex_encode(entry_id(e), ENTRY_ID_LEN, id);
        o = json_object();
        json_object_set_new(o, "tag", json_string(node_latest_tag(l, i)));
        json_object_set_new(o, "level",
                            json_integer(lv != NULL && lv[0] >= '1' && lv[0] <= '5' && lv[1] == '\0'
                                             ? lv[0] - '0'
                                             : 3));
        json_object_set_new(o, "id", json_string(id));
        json_object_set_new(o, "declared_ms", json_integer((json_int_t)entry_created_ms(e)));
        json_object_set_new(seen, node_latest_tag(l, i), o);
    }
    node_latest_destroy(&l);
    return seen;
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
