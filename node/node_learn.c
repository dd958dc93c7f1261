/* node_learn: learning goals (kind 25) and circles as ops. A goal is published as a signed entry
 * per topic; what counts is each author's latest per topic (node_goals, node_latest). Publishing
 * a goal answers at once who and what can help (node_match); a circle is a view of the people
 * with the same active goal, with the help near it. */
#include "node_learn.h"

#include <string.h>

#include "hex.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_goals.h"
#include "node_json.h"
#include "node_latest.h"
#include "node_match.h"
#include "node_peopleview.h"
#include "node_publish.h"
#include "node_resolve.h"
#include "node_view.h"

#define LEARN_WHY_MAX 2000     /* bytes of a goal's why */
#define LEARN_QUESTIONS_MAX 10 /* a circle's recent questions */
#define LEARN_NAME_ARG_MAX 400 /* bytes of a person argument */

/* Publish my goal on tag in state (why and until_ms 0 only for an active one). */
static json_t *learn_publish(struct node *n, const char *tag, const char *state, const char *why,
                             long long until_ms)
{
    struct entry_fields f = {0};
    const char *tags[1] = {tag};
    char until[24];
    struct entry_attr attrs[2] = {{"state", state}, {"until", until}};

    struct node_latest *prev = node_latest_scan(n, ENTRY_GOAL, identity_public_key(n->id), tag);

    snprintf(until, sizeof(until), "%lld", until_ms);
    f.kind = ENTRY_GOAL;
    f.created_ms = node_clock_wall_ms();
    /* The latest counts: a change within the same millisecond as my previous entry comes after
     * it, not wherever its id falls. */
    if (node_latest_count(prev) > 0 && entry_created_ms(node_latest_at(prev, 0)) >= f.created_ms)
        f.created_ms = entry_created_ms(node_latest_at(prev, 0)) + 1;
    node_latest_destroy(&prev);
    f.tags = tags;
    f.ntags = 1;
    f.body = why;
    f.attrs = attrs;
    f.nattrs = until_ms > 0 ? 2 : 1;
    return node_publish(n, &f);
}

/* The "tags" argument (1 to ENTRY_MAX_TAGS, each through the one tag rule) into tagbuf. Returns
 * NULL with *ntags, or the error response. */
static json_t *learn_tags_arg(json_t *req, char tagbuf[][ENTRY_TAG_MAX + 1], size_t *ntags)
{
    json_t *tags = json_object_get(req, "tags"), *v;
    size_t i, j;

    *ntags = 0;
    if (!json_is_array(tags) || json_array_size(tags) == 0)
        return api_error("bad_request", "learn needs tags: an array of one or more topics");
    if (json_array_size(tags) > ENTRY_MAX_TAGS)
        return api_error("invalid", "at most %d topics at once", ENTRY_MAX_TAGS);
    json_array_foreach(tags, i, v)
    {
        if (!json_is_string(v) || node_arg_tag_norm(json_string_value(v), tagbuf[*ntags]) != 0)
            return node_arg_tag_invalid(json_is_string(v) ? json_string_value(v) : "?");
        for (j = 0; j < *ntags && strcmp(tagbuf[j], tagbuf[*ntags]) != 0; j++)
            ;
        if (j == *ntags)
            (*ntags)++; /* a topic given twice is one goal */
    }
    return NULL;
}

/* Set goals: one signed entry per topic (a goal set again replaces my earlier one), then who and
 * what can help with each. */
static json_t *op_learn(struct node *n, json_t *req)
{
    char tagbuf[ENTRY_MAX_TAGS][ENTRY_TAG_MAX + 1];
    const char *why = NULL;
    long long until = 0;
    uint64_t now = node_clock_wall_ms();
    json_t *res, *ids = NULL, *matches;
    size_t ntags, i;

    if (node_arg_str(req, "why", &why) != 0)
        return api_error("bad_request", "why must be a string");
    if (why != NULL && strlen(why) > LEARN_WHY_MAX)
        return api_error("invalid", "why is at most %d bytes", LEARN_WHY_MAX);
    if (node_arg_int(req, "until_ms", (long long)ENTRY_MIN_TIME_MS, (long long)ENTRY_MAX_TIME_MS,
                     &until) != 0)
        return api_error("bad_request", "until_ms must be a time in ms");
    if (until != 0 && (uint64_t)until <= now)
        return api_error("invalid", "until is in the past; give a date to come");
    res = learn_tags_arg(req, tagbuf, &ntags);
    if (res != NULL)
        return res;
    ids = json_array();
    for (i = 0; i < ntags; i++) {
        res = learn_publish(n, tagbuf[i], "active", why, until);
        if (!json_is_true(json_object_get(res, "ok")))
            goto out; /* the goals before it stay set: the reply says which */
        json_array_append(ids, json_object_get(res, "id"));
        if (i + 1 < ntags)
            json_decref(res);
    }
    matches = json_array();
    for (i = 0; i < ntags; i++)
        json_array_append_new(matches, node_match_topic(n, tagbuf[i], now));
    json_object_set_new(res, "matches", matches);
    json_object_set_new(res, "goals", node_goals_of(n, identity_public_key(n->id), 0, now));
out:
    json_object_set_new(res, "ids", ids);
    return res;
}

/* End my active goal on the "tag" argument: state done or dropped. */
static json_t *learn_end(struct node *n, json_t *req, const char *state)
{
    char tag[ENTRY_TAG_MAX + 1];
    json_t *res, *goals, *g;
    size_t i;
    int active = 0;
    uint64_t set_ms = 0, now = node_clock_wall_ms();

    res = node_arg_tag(req, "give the goal's topic (a tag)", tag);
    if (res != NULL)
        return res;
    goals = node_goals_of(n, identity_public_key(n->id), 0, now);
    json_array_foreach(goals, i, g)
    {
        if (strcmp(json_string_value(json_object_get(g, "tag")), tag) == 0) {
            active = 1;
            set_ms = (uint64_t)json_integer_value(json_object_get(g, "set_ms"));
        }
    }
    json_decref(goals);
    if (!active)
        return api_error("invalid", "you have no active learning goal on %s", tag);
    res = learn_publish(n, tag, state, NULL, 0);
    if (json_is_true(json_object_get(res, "ok"))) {
        json_object_set_new(res, "tag", json_string(tag));
        json_object_set_new(res, "state", json_string(state));
        /* Recognition follows learning: who helped, to thank (docs/API.md, learn_done). */
        if (strcmp(state, "done") == 0)
            json_object_set_new(res, "helpers", node_match_helped(n, tag, set_ms, now));
    }
    return res;
}

static json_t *op_learn_done(struct node *n, json_t *req)
{
    return learn_end(n, req, "done");
}

static json_t *op_learn_drop(struct node *n, json_t *req)
{
    return learn_end(n, req, "dropped");
}

/* A person's goals (mine by default); all: the ended ones too. */
static json_t *op_goals(struct node *n, json_t *req)
{
    const char *who = NULL;
    uint8_t key[ENTRY_KEY_LEN];
    json_t *res;
    int all = 0;

    if (node_arg_str(req, "person", &who) != 0 || node_arg_bool(req, "all", &all) != 0 ||
        (who != NULL && (who[0] == '\0' || strlen(who) > LEARN_NAME_ARG_MAX)))
        return api_error("bad_request", "person is a name or key prefix, all a boolean");
    if (who != NULL) {
        res = node_resolve_person(n, who, key);
        if (res != NULL)
            return res;
    } else {
        memcpy(key, identity_public_key(n->id), ENTRY_KEY_LEN);
    }
    res = node_json_ok();
    json_object_set_new(res, "person", node_peopleview_person_json(n, key));
    json_object_set_new(res, "goals", node_goals_of(n, key, all, node_clock_wall_ms()));
    return res;
}

/* Who and what can help with a topic, as publishing a goal on it answers. */
static json_t *op_learn_match(struct node *n, json_t *req)
{
    char tag[ENTRY_TAG_MAX + 1];
    json_t *res, *m;

    res = node_arg_tag(req, "give a topic (a tag)", tag);
    if (res != NULL)
        return res;
    m = node_match_topic(n, tag, node_clock_wall_ms());
    res = node_json_ok();
    json_object_update(res, m);
    json_decref(m);
    return res;
}

/* The newest questions tagged tag that are not hidden, at most LEARN_QUESTIONS_MAX. */
static json_t *learn_questions(struct node *n, const char *tag)
{
    struct node_view_rows rows = {n, json_array(), 0, 0};
    struct replica_query q = {0};
    json_t *arr = json_array(), *e;
    size_t i;

    q.kind = ENTRY_QUESTION;
    q.tag = tag;
    q.limit = 2 * LEARN_QUESTIONS_MAX;
    if (replica_list(n->replica, &q, node_view_row, &rows, NULL) != 0)
        log_warnx("node: circle: listing questions failed");
    json_array_foreach(rows.array, i, e)
    {
        if (!node_view_hidden(e) && json_array_size(arr) < LEARN_QUESTIONS_MAX)
            json_array_append(arr, e);
    }
    json_decref(rows.array);
    return arr;
}

/* A learning circle: everyone with an active goal on the tag, the experts and mentors near it,
 * its upcoming sessions (circle meetings marked) and its recent questions. */
static json_t *op_circle(struct node *n, json_t *req)
{
    char tag[ENTRY_TAG_MAX + 1], me[2 * ENTRY_KEY_LEN + 1];
    json_t *res, *members, *p;
    size_t i;
    int member = 0;

    res = node_arg_tag(req, "give the circle's topic (a tag)", tag);
    if (res != NULL)
        return res;
    members = node_goals_learners(n, tag);
    hex_encode(identity_public_key(n->id), ENTRY_KEY_LEN, me);
    json_array_foreach(members, i, p) member |=
        strcmp(json_string_value(json_object_get(p, "key")), me) == 0;
    res = node_json_ok();
    json_object_set_new(res, "tag", json_string(tag));
    json_object_set_new(res, "member", json_boolean(member));
    json_object_set_new(res, "members", members);
    json_object_set_new(res, "experts", node_match_experts(n, tag, NODE_MATCH_MAX, 0));
    json_object_set_new(res, "mentors", node_match_mentors(n, tag));
    json_object_set_new(
        res, "sessions",
        node_match_sessions(n, node_clock_wall_ms(), ENTRY_MAX_TIME_MS + 1, tag, 20, 1));
    json_object_set_new(res, "questions", learn_questions(n, tag));
    return res;
}

const struct node_op node_learn_ops[] = {
    {"learn", op_learn, "set learning goals, and see who and what can help", 0},
    {"learn_done", op_learn_done, "mark my learning goal on a topic done", 0},
    {"learn_drop", op_learn_drop, "drop my learning goal on a topic", 0},
    {"goals", op_goals, "a person's learning goals (mine by default)", 0},
    {"learn_match", op_learn_match, "who and what can help with a topic", 0},
    {"circle", op_circle, "a learning circle: members, experts, mentors, sessions, questions", 0},
    {NULL, NULL, NULL, 0},
};
