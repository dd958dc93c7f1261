/* node_people: the API ops for people and programs (profiles, endorsements, mentoring, sessions,
 * digests), the reminder timer, and the views other ops borrow (badges, inbox sections).
 *
 * Every view is computed from the signed entries held, so nodes holding the same entries agree.
 * Rules that a hostile node could try to bend are enforced when reading, not only when writing:
 * self-endorsements and RSVPs or votes beyond a person's latest do not count. */
#include "node_people.h"

#include "node_args.h"
#include "node_clock.h"
#include "node_foryou.h"
#include "node_goals.h"
#include "node_json.h"
#include "node_match.h"
#include "node_peopleview.h"
#include "node_publish.h"
#include "node_rank.h"
#include "node_resolve.h"
#include "node_undo.h"
#include "node_view.h"
#include "node_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "log.h"
#include "timeunits.h"
#include "xmalloc.h"

#define PEOPLE_TICK_MS (10 * 60 * 1000) /* how often the reminder pass runs */
#define PEOPLE_FIRST_TICK_MS (60 * 1000)
#define PEOPLE_REMINDED_META "reminded" /* "<question id hex> <ms>\n": reminders sent today */
#define PEOPLE_MAX_REMINDED 40          /* lines that fit in REPLICA_META_VALUE_MAX */
#define PEOPLE_BIO_MAX 2000             /* bytes of a bio */
#define PEOPLE_WHERE_MAX 200            /* bytes of a session's place */
#define PEOPLE_SESSION_SOON_MS (LORE_WEEK_MS)

/* The person named by argument arg (a display name or a key prefix). Returns NULL with the key,
 * or an error response. */
static json_t *people_person_arg(struct node *n, json_t *req, const char *arg,
                                 uint8_t key[ENTRY_KEY_LEN])
{
    const char *who;

    if (node_arg_str(req, arg, &who) != 0 || who == NULL || who[0] == '\0' ||
        strlen(who) > NODE_NAME_MAX * 4)
        return api_error("bad_request", "%s must be a person: a name or a key prefix", arg);
    return node_resolve_person(n, who, key);
}

struct people_view {
    struct node *n;
    const char *key; /* the person, hex */
    json_t *skills;  /* tag -> {tag, level, endorsers, endorsed_by} */
    long long answers, accepted, sessions;
    json_t *offers;
};

static json_t *people_skill(struct people_view *v, const char *tag)
{
    json_t *s = json_object_get(v->skills, tag);

    if (s == NULL) {
        s = json_pack("{s:s,s:i,s:i,s:[]}", "tag", tag, "level", 0, "endorsers", 0, "endorsed_by");
        json_object_set_new(v->skills, tag, s);
    }
    return s;
}

static int people_view_skill(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_view *v = ctx;
    const char *lv = entry_attr_get(e, "level");
    json_t *s;

    (void)snippet;
    (void)rank;
    if (entry_ntags(e) == 0)
        return 0;
    s = people_skill(v, entry_tag(e, 0));
    /* Newest first: the latest declaration of a skill is its level; level 0 withdrew it. */
    if (json_integer_value(json_object_get(s, "level")) != 0 || json_object_get(s, "gone") != NULL)
        return 0;
    if (lv != NULL && strcmp(lv, "0") == 0)
        json_object_set_new(s, "gone", json_true());
    else
        json_object_set_new(s, "level",
                            json_integer(lv != NULL && lv[0] >= '1' && lv[0] <= '5' && lv[1] == '\0'
                                             ? lv[0] - '0'
                                             : 3));
    return 0;
}

struct people_endorse {
    struct node *n;
    const char *person; /* only endorsements of this person (hex), or NULL for all */
    const char *tag;    /* only of this skill, or NULL */
    json_t *seen;       /* "person tag endorser" -> true */
    json_t *counts;     /* person hex -> {tag -> [endorser hex...]} */
};

/* Endorsements: distinct endorsers per (person, skill), keys minted from one code counting as one
 * (node_peopleview_voter); self-endorsements (which a hostile node could still sign) never count.
 */
static int people_endorse_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_endorse *x = ctx;
    const char *person = entry_attr_get(e, "person");
    node_keyhex author;
    char key[5 * ENTRY_KEY_LEN + ENTRY_TAG_MAX + NODE_VOTER_MAX], voter[NODE_VOTER_MAX];
    json_t *p, *t;

    (void)snippet;
    (void)rank;
    hex_encode(entry_author(e), ENTRY_KEY_LEN, author);
    if (person == NULL || entry_ntags(e) != 1 || strcmp(person, author) == 0 ||
        (x->person != NULL && strcmp(person, x->person) != 0) ||
        (x->tag != NULL && strcmp(entry_tag(e, 0), x->tag) != 0))
        return 0;
    node_peopleview_voter(x->n, entry_author(e), voter);
    snprintf(key, sizeof(key), "%s %s %s", person, entry_tag(e, 0), voter);
    if (json_object_get(x->seen, key) != NULL)
        return 0;
    json_object_set_new(x->seen, key, json_true());
    p = json_object_get(x->counts, person);
    if (p == NULL) {
        p = json_object();
        json_object_set_new(x->counts, person, p);
    }
    t = json_object_get(p, entry_tag(e, 0));
    if (t == NULL) {
        t = json_array();
        json_object_set_new(p, entry_tag(e, 0), t);
    }
    json_array_append_new(t, json_string(author));
    return 0;
}

/* Distinct endorsers: person hex -> {tag -> [endorser hex...]} for person (or everyone) and tag
 * (or every skill). A new object. */
static json_t *people_endorsements(struct node *n, const char *person, const char *tag)
{
    struct people_endorse x = {n, person, tag, json_object(), json_object()};
    struct replica_query q = {0};

    q.kind = ENTRY_ENDORSEMENT;
    q.tag = tag;
    q.oldest_first = 1;
    (void)node_peopleview_list_all(n, &q, people_endorse_row, &x);
    json_decref(x.seen);
    return x.counts;
}

/* Is the answer e accepted by its question's asker? */
static int people_is_accepted(struct node *n, const struct entry *e)
{
    struct entry *q = NULL;
    uint8_t accepted[ENTRY_ID_LEN];
    int yes = 0;

    if (entry_nrefs(e) > 0 &&
        replica_get(n->replica, entry_ref(e, 0), &q, NULL, 0) == REPLICA_FOUND)
        yes = replica_accepted(n->replica, entry_id(q), entry_author(q), accepted) == 1 &&
              memcmp(accepted, entry_id(e), ENTRY_ID_LEN) == 0;
    entry_destroy(&q);
    return yes;
}

static int people_view_answer(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_view *v = ctx;

    (void)snippet;
    (void)rank;
    v->answers++;
    v->accepted += people_is_accepted(v->n, e);
    return 0;
}

static int people_view_mentor(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_view *v = ctx;
    json_t *o, *tags;
    size_t i;

    (void)snippet;
    (void)rank;
    if (node_peopleview_role(e, "withdraw"))
        return 1; /* newest first: the offers before it were withdrawn */
    if (!node_peopleview_role(e, "offer"))
        return 0;
    tags = json_array();
    for (i = 0; i < entry_ntags(e); i++)
        json_array_append_new(tags, json_string(entry_tag(e, i)));
    o = json_object();
    json_object_set_new(o, "id", node_json_hex(entry_id(e), ENTRY_ID_LEN));
    json_object_set_new(o, "tags", tags);
    json_object_set_new(o, "created_ms", json_integer((json_int_t)entry_created_ms(e)));
    json_object_set_new(o, "created", node_json_time(entry_created_ms(e)));
    json_array_append_new(v->offers, o);
    return 0;
}

static int people_view_session(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_view *v = ctx;
    struct node_session_now cur;

    (void)snippet;
    (void)rank;
    node_peopleview_session_now(v->n, e, &cur);
    v->sessions += !cur.cancelled;
    node_peopleview_session_done(&cur);
    return 0;
}

static int people_skill_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t ex = json_integer_value(json_object_get(x, "endorsers"));
    json_int_t ey = json_integer_value(json_object_get(y, "endorsers"));
    json_int_t lx = json_integer_value(json_object_get(x, "level"));
    json_int_t ly = json_integer_value(json_object_get(y, "level"));

    if (ex != ey)
        return ex < ey ? 1 : -1;
    if (lx != ly)
        return lx < ly ? 1 : -1;
    return strcmp(json_string_value(json_object_get(x, "tag")),
                  json_string_value(json_object_get(y, "tag")));
}

/* Everything known about a person (docs/API.md, op profile). */
static json_t *people_profile_json(struct node *n, const uint8_t key[ENTRY_KEY_LEN])
{
    struct people_view v = {n, NULL, json_object(), 0, 0, 0, json_array()};
    struct replica_query q = {0};
    struct entry *prof = node_peopleview_profile(n, key);
    node_keyhex hex;
    json_t *o = node_peopleview_person_json(n, key), *endo, *tags, *s, *e, **items, *arr;
    void *tmp;
    const char *tag;
    size_t i, count;
    int me = node_peopleview_is_me(n, key);

    hex_encode(key, ENTRY_KEY_LEN, hex);
    v.key = hex;
    json_object_set_new(o, "me", json_boolean(me));
    json_object_set_new(o, "bio", json_string(prof != NULL ? entry_body(prof) : ""));
    json_object_set_new(o, "profile_id",
                        prof != NULL ? node_json_hex(entry_id(prof), ENTRY_ID_LEN) : json_null());
    json_object_set_new(o, "updated_ms",
                        prof != NULL ? json_integer((json_int_t)entry_created_ms(prof))
                                     : json_null());
    entry_destroy(&prof);
    if (me) {
        char team[TEAM_NAME_MAX * 4 + 1] = "";
        if (n->team != NULL)
            team_name(n->team, team, sizeof(team));
        json_object_set_new(o, "team", team[0] != '\0' ? json_string(team) : json_null());
        json_object_set_new(o, "follows", node_watch_follows(n));
    }
    q.kind = ENTRY_SKILL;
    q.author = key;
    (void)node_peopleview_list_all(n, &q, people_view_skill, &v);
    endo = people_endorsements(n, hex, NULL);
    tags = json_object_get(endo, hex);
    json_object_foreach(tags, tag, e)
    {
        size_t k;
        json_t *by;
        s = people_skill(&v, tag);
        json_object_set_new(s, "endorsers", json_integer((json_int_t)json_array_size(e)));
        json_array_foreach(e, k, by)
        {
            uint8_t raw[ENTRY_KEY_LEN];
            if (hex_decode(json_string_value(by), 2 * ENTRY_KEY_LEN, raw, ENTRY_KEY_LEN) == 0)
                json_array_append_new(json_object_get(s, "endorsed_by"),
                                      node_peopleview_person_json(n, raw));
        }
    }
    json_decref(endo);
    json_object_foreach_safe(v.skills, tmp, tag, s)
    {
        if (json_object_get(s, "gone") == NULL)
            continue;
        if (json_integer_value(json_object_get(s, "endorsers")) == 0)
            json_object_del(v.skills, tag); /* withdrawn, and nobody endorses it */
        else
            json_object_del(s, "gone");
    }
    count = json_object_size(v.skills);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    i = 0;
    json_object_foreach(v.skills, tag, s) items[i++] = s;
    qsort(items, count, sizeof(*items), people_skill_cmp);
    arr = json_array();
    for (i = 0; i < count; i++)
        json_array_append(arr, items[i]);
    free(items);
    json_object_set_new(o, "skills", arr);
    json_decref(v.skills);
    memset(&q, 0, sizeof(q));
    q.kind = ENTRY_ANSWER;
    q.author = key;
    (void)node_peopleview_list_all(n, &q, people_view_answer, &v);
    q.kind = ENTRY_MENTOR;
    (void)node_peopleview_list_all(n, &q, people_view_mentor, &v);
    q.kind = ENTRY_SESSION;
    (void)node_peopleview_list_all(n, &q, people_view_session, &v);
    json_object_set_new(o, "answers", json_integer(v.answers));
    json_object_set_new(o, "accepted_answers", json_integer(v.accepted));
    json_object_set_new(o, "mentor_offers", v.offers);
    json_object_set_new(o, "sessions_hosted", json_integer(v.sessions));
    return o;
}

/* Show a profile (mine, or person's), or publish mine (name and/or bio; what is not given stays).
 */
static json_t *op_profile(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    const char *name, *bio, *person;
    char cur[NODE_NAME_MAX * 4 + 1];
    uint8_t key[ENTRY_KEY_LEN];
    char *old_bio = NULL;
    json_t *res;

    if (node_arg_str(req, "name", &name) != 0 || node_arg_str(req, "bio", &bio) != 0 ||
        node_arg_str(req, "person", &person) != 0)
        return api_error("bad_request", "name, bio and person must be strings");
    if (person != NULL) {
        if (name != NULL || bio != NULL)
            return api_error("bad_request", "you can only change your own profile");
        res = people_person_arg(n, req, "person", key);
        if (res != NULL)
            return res;
        res = node_json_ok();
        json_object_set_new(res, "profile", people_profile_json(n, key));
        return res;
    }
    if (name == NULL && bio == NULL) {
        res = node_json_ok();
        json_object_set_new(res, "profile", people_profile_json(n, identity_public_key(n->id)));
        return res;
    }
    if (name != NULL && (name[0] == '\0' || strlen(name) > NODE_NAME_MAX))
        return api_error("invalid", "a name has 1 to %d bytes", NODE_NAME_MAX);
    if (bio != NULL && strlen(bio) > PEOPLE_BIO_MAX)
        return api_error("invalid", "a bio has at most %d bytes", PEOPLE_BIO_MAX);
    if (name == NULL) {
        if (replica_author_name(n->replica, identity_public_key(n->id), cur, sizeof(cur)) != 0)
            return api_error("invalid", "you have no name yet: give one with the bio");
        name = cur;
    }
    if (bio == NULL)
        old_bio = node_peopleview_bio(n, identity_public_key(n->id));
    f.kind = ENTRY_PROFILE;
    f.created_ms = node_clock_wall_ms();
    f.title = name;
    f.body = bio != NULL ? bio : old_bio;
    res = node_publish(n, &f);
    free(old_bio);
    if (json_is_true(json_object_get(res, "ok")))
        json_object_set_new(res, "profile", people_profile_json(n, identity_public_key(n->id)));
    return res;
}

/* Endorse a colleague for a skill. Repeating an endorsement is harmless: it counts once. */
static json_t *op_endorse(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    char tag[ENTRY_TAG_MAX + 1];
    const char *tags[1] = {tag};
    node_keyhex hex, me;
    struct entry_attr attr = {"person", hex};
    uint8_t key[ENTRY_KEY_LEN];
    json_t *res, *endo, *by;
    int already = 0;
    size_t i;

    res = people_person_arg(n, req, "person", key);
    if (res != NULL)
        return res;
    res = node_arg_tag(req, "a skill is a tag: give one", tag);
    if (res != NULL)
        return res;
    if (node_peopleview_is_me(n, key))
        return api_error("invalid", "you cannot endorse yourself; declare the skill with "
                                    "`lore skills add` instead");
    hex_encode(key, ENTRY_KEY_LEN, hex);
    hex_encode(identity_public_key(n->id), ENTRY_KEY_LEN, me);
    endo = people_endorsements(n, hex, tag);
    json_array_foreach(json_object_get(json_object_get(endo, hex), tag), i, by) already |=
        strcmp(json_string_value(by), me) == 0;
    json_decref(endo);
    f.kind = ENTRY_ENDORSEMENT;
    f.created_ms = node_clock_wall_ms();
    f.tags = tags;
    f.ntags = 1;
    f.attrs = &attr;
    f.nattrs = 1;
    res = node_publish(n, &f);
    if (!json_is_true(json_object_get(res, "ok")))
        return res;
    endo = people_endorsements(n, hex, tag);
    json_object_set_new(res, "person", node_peopleview_person_json(n, key));
    json_object_set_new(res, "tag", json_string(tag));
    json_object_set_new(res, "endorsers",
                        json_integer((json_int_t)json_array_size(
                            json_object_get(json_object_get(endo, hex), tag))));
    json_object_set_new(res, "already", json_boolean(already));
    json_decref(endo);
    return res;
}

/* ---- mentoring ---- */

/* Tags from a JSON array of strings (normalised). Returns NULL, or an error response. */
static json_t *people_tags_arg(json_t *req, char tagbuf[][ENTRY_TAG_MAX + 1],
                               const char *tagp[ENTRY_MAX_TAGS], size_t *ntags, int required)
{
    json_t *tags = json_object_get(req, "tags"), *v;
    size_t i;

    *ntags = 0;
    if (tags != NULL && !json_is_null(tags) && !json_is_array(tags))
        return api_error("bad_request", "tags must be an array of strings");
    if (json_array_size(tags) > ENTRY_MAX_TAGS)
        return api_error("invalid", "at most %d tags", ENTRY_MAX_TAGS);
    if (required && json_array_size(tags) == 0)
        return api_error("invalid", "give at least one topic (tag)");
    json_array_foreach(tags, i, v)
    {
        if (!json_is_string(v) || node_arg_tag_norm(json_string_value(v), tagbuf[i]) != 0)
            return node_arg_tag_invalid(json_is_string(v) ? json_string_value(v) : "?");
        tagp[i] = tagbuf[i];
    }
    *ntags = json_array_size(tags);
    return NULL;
}

static json_t *op_mentor_offer(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    char tagbuf[ENTRY_MAX_TAGS][ENTRY_TAG_MAX + 1];
    const char *tagp[ENTRY_MAX_TAGS], *body;
    struct entry_attr attr = {"role", "offer"};
    json_t *res;

    res = people_tags_arg(req, tagbuf, tagp, &f.ntags, 1);
    if (res != NULL)
        return res;
    if (node_arg_str(req, "body", &body) != 0)
        return api_error("bad_request", "body must be a string");
    f.kind = ENTRY_MENTOR;
    f.created_ms = node_clock_wall_ms();
    f.tags = tagp;
    f.body = body;
    f.attrs = &attr;
    f.nattrs = 1;
    return node_publish(n, &f);
}

/* People offering mentoring on a tag, ranked as who_knows ranks them for it (node_match). */
static json_t *op_mentor_find(struct node *n, json_t *req)
{
    char tag[ENTRY_TAG_MAX + 1];
    json_t *res;

    res = node_arg_tag(req, "mentor find needs a topic (a tag)", tag);
    if (res != NULL)
        return res;
    res = node_json_ok();
    json_object_set_new(res, "tag", json_string(tag));
    json_object_set_new(res, "mentors", node_match_mentors(n, tag));
    return res;
}

/* Ask someone to mentor me: a request addressed to them (it reaches their inbox and watch). */
static json_t *op_mentor_request(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    char tag[ENTRY_TAG_MAX + 1];
    const char *tags[1] = {tag}, *body;
    node_keyhex hex;
    struct entry_attr attrs[2] = {{"role", "request"}, {"to", hex}};
    uint8_t key[ENTRY_KEY_LEN];
    json_t *res;

    res = people_person_arg(n, req, "person", key);
    if (res != NULL)
        return res;
    if (node_arg_str(req, "body", &body) != 0)
        return api_error("bad_request", "body must be a string");
    res = node_arg_tag(req, NULL, tag);
    if (res != NULL)
        return res;
    if (node_peopleview_is_me(n, key))
        return api_error("invalid", "you cannot ask yourself to mentor you");
    hex_encode(key, ENTRY_KEY_LEN, hex);
    f.kind = ENTRY_MENTOR;
    f.created_ms = node_clock_wall_ms();
    f.tags = tags;
    f.ntags = tag[0] != '\0' ? 1 : 0;
    f.body = body;
    f.attrs = attrs;
    f.nattrs = 2;
    res = node_publish(n, &f);
    if (json_is_true(json_object_get(res, "ok"))) {
        json_object_set_new(res, "person", node_peopleview_person_json(n, key));
        json_object_set_new(res, "has_offer", json_boolean(node_peopleview_has_offer(n, key)));
    }
    return res;
}

/* ---- sessions ---- */

/* A circle meeting: the "circle" argument (a tag I have an active learning goal on) into circle
 * ("" when absent), and added to the session's tags. Returns NULL, or the error response. */
static json_t *people_circle_arg(struct node *n, json_t *req, char circle[ENTRY_TAG_MAX + 1],
                                 const char *tagp[ENTRY_MAX_TAGS], size_t *ntags)
{
    const char *text;
    json_t *one;
    size_t i;
    int member;

    circle[0] = '\0';
    if (node_arg_str(req, "circle", &text) != 0)
        return api_error("bad_request", "circle must be a string (a tag)");
    if (text == NULL)
        return NULL;
    if (node_arg_tag_norm(text, circle) != 0)
        return node_arg_tag_invalid(text);
    one = json_pack("[s]", circle);
    member = node_goals_mine_any(n, one, circle);
    json_decref(one);
    if (!member)
        return api_error("invalid",
                         "only a member of the circle (an active learning goal on %s) "
                         "can propose its meeting",
                         text);
    for (i = 0; i < *ntags && strcmp(tagp[i], circle) != 0; i++)
        ;
    if (i == *ntags) {
        if (*ntags == ENTRY_MAX_TAGS)
            return api_error("invalid", "at most %d tags", ENTRY_MAX_TAGS);
        tagp[(*ntags)++] = circle;
    }
    return NULL;
}

static json_t *op_session_announce(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    char tagbuf[ENTRY_MAX_TAGS][ENTRY_TAG_MAX + 1], at[24], circle[ENTRY_TAG_MAX + 1];
    const char *tagp[ENTRY_MAX_TAGS], *title, *where, *body;
    struct entry_attr attrs[3] = {{"at", at}, {"where", NULL}, {"circle", circle}};
    long long at_ms = 0;
    json_t *res;

    if (node_arg_str(req, "title", &title) != 0 || node_arg_str(req, "where", &where) != 0 ||
        node_arg_str(req, "body", &body) != 0)
        return api_error("bad_request", "title, where and body must be strings");
    if (node_arg_int(req, "at_ms", (long long)ENTRY_MIN_TIME_MS, (long long)ENTRY_MAX_TIME_MS,
                     &at_ms) != 0 ||
        at_ms == 0)
        return api_error("bad_request", "at_ms (the time, ms since the epoch) is required");
    if (node_arg_blank(title))
        return api_error("invalid", "a session needs a title: " NODE_ARG_TITLE_EMPTY);
    if (where == NULL || where[0] == '\0' || strlen(where) > PEOPLE_WHERE_MAX)
        return api_error("invalid", "a session needs a place (--where) of at most %d bytes",
                         PEOPLE_WHERE_MAX);
    if ((uint64_t)at_ms <= node_clock_wall_ms())
        return api_error("invalid", "that time is in the past; give a time to come");
    res = people_tags_arg(req, tagbuf, tagp, &f.ntags, 0);
    if (res == NULL)
        res = people_circle_arg(n, req, circle, tagp, &f.ntags);
    if (res != NULL)
        return res;
    snprintf(at, sizeof(at), "%lld", at_ms);
    attrs[1].value = where;
    f.kind = ENTRY_SESSION;
    f.created_ms = node_clock_wall_ms();
    f.title = title;
    f.body = body;
    f.tags = tagp;
    f.attrs = attrs;
    f.nattrs = circle[0] != '\0' ? 3 : 2;
    return node_publish(n, &f);
}

static json_t *op_rsvp(struct node *n, json_t *req)
{
    struct entry *s = NULL;
    uint8_t id[ENTRY_ID_LEN];
    const char *text, *value;
    enum replica_lookup l;
    json_t *res;

    if (node_arg_str(req, "id", &text) != 0 || node_arg_str(req, "value", &value) != 0)
        return api_error("bad_request", "id and value must be strings");
    if (value == NULL)
        value = "yes";
    if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
        return api_error("bad_request", "an rsvp is yes or no");
    res = node_resolve_id(n, text, id);
    if (res != NULL)
        return res;
    l = replica_get(n->replica, id, &s, NULL, 0);
    if (l == REPLICA_CORRUPT || l == REPLICA_FAILED)
        return node_resolve_error(l, text, NULL);
    if (l != REPLICA_FOUND || entry_kind(s) != ENTRY_SESSION) {
        entry_destroy(&s);
        return api_error("invalid", "%.64s is not a session", text);
    }
    res = node_undo_rsvp(n, s, value);
    entry_destroy(&s);
    return res;
}

static json_t *op_sessions(struct node *n, json_t *req)
{
    char tag[ENTRY_TAG_MAX + 1];
    long long limit = 50;
    int all;
    json_t *o;

    if (node_arg_bool(req, "all", &all) != 0 || node_arg_page(req, &limit, NULL) != 0)
        return api_error("bad_request", "all is a boolean, limit 1 to %d", NODE_LIST_MAX);
    o = node_arg_tag(req, NULL, tag);
    if (o != NULL)
        return o;
    o = node_json_ok();
    json_object_set_new(o, "sessions",
                        node_match_sessions(n, all ? 0 : node_clock_wall_ms(),
                                            ENTRY_MAX_TIME_MS + 1, tag[0] != '\0' ? tag : NULL,
                                            (size_t)limit, 0));
    return o;
}

/* The reminder pass: a watch event per reminder due, at most once per question per day (the
 * questions reminded in the last day are kept in the replica's meta, so restarts do not repeat
 * them). Nothing is sent, nor marked, while nobody watches. Returns how many were sent. */
static size_t people_remind(struct node *n, uint64_t now_ms)
{
    json_t *due, *sent, *r, *ev, *v;
    uint8_t *old = NULL;
    size_t len = 0, i, count = 0;
    char *line, *next, *sp, err[ERRMSG_MAX];
    const char *id;
    struct buf text;
    struct replica_meta m;

    if (n->hooks.subscribers == NULL || n->hooks.subscribers(n) == 0)
        return 0;
    sent = json_object(); /* only now: the early return above must not leak it */
    due = node_peopleview_reminders(n, now_ms);
    if (json_array_size(due) == 0)
        goto out;
    if (replica_meta_get(n->replica, PEOPLE_REMINDED_META, &old, &len, NULL, NULL, 0) ==
        REPLICA_FOUND) {
        for (line = (char *)old; *line != '\0'; line = next) {
            next = strchr(line, '\n');
            if (next == NULL)
                break;
            *next++ = '\0';
            sp = strchr(line, ' ');
            if (sp == NULL || sp - line != 2 * ENTRY_ID_LEN)
                continue;
            *sp = '\0';
            unsigned long long at = strtoull(sp + 1, NULL, 10);
            if (hex_is_hex(line) && at + LORE_DAY_MS > now_ms)
                json_object_set_new(sent, line, json_integer((json_int_t)at));
        }
    }
    json_array_foreach(due, i, r)
    {
        id = json_string_value(json_object_get(json_object_get(r, "question"), "id"));
        if (id == NULL || json_object_get(sent, id) != NULL ||
            json_object_size(sent) >= PEOPLE_MAX_REMINDED)
            continue;
        ev = json_object();
        json_object_set_new(ev, "event", json_string("reminder"));
        json_object_set_new(ev, "for_you", json_true());
        json_object_set_new(ev, "reason", json_string("your question has an answer but no accept"));
        json_object_update(ev, r);
        if (n->hooks.broadcast != NULL)
            n->hooks.broadcast(n, ev);
        json_decref(ev);
        json_object_set_new(sent, id, json_integer((json_int_t)now_ms));
        count++;
    }
    if (count > 0) {
        const char *k;
        buf_init(&text, REPLICA_META_VALUE_MAX);
        json_object_foreach(sent, k, v)
        {
            if (buf_printf(&text, "%s %lld\n", k, (long long)json_integer_value(v)) != 0)
                break;
        }
        m.key = PEOPLE_REMINDED_META;
        m.value = text.len > 0 ? text.data : (const uint8_t *)"";
        m.len = text.len;
        m.text = 1;
        if (replica_meta_set(n->replica, &m, err, sizeof(err)) != 0)
            log_warnx("node: remembering reminders failed: %s", err);
        buf_free(&text);
        log_info("node: %zu reminder%s sent", count, count == 1 ? "" : "s");
    }
out:
    free(old);
    json_decref(due);
    json_decref(sent);
    return count;
}

static void people_remind_tick(struct loop *loop, uint64_t timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    (void)people_remind(arg, node_clock_wall_ms());
}

void node_people_start(struct node *n)
{
    (void)loop_add_timer(n->loop, PEOPLE_FIRST_TICK_MS, 0, people_remind_tick, n);
    (void)loop_add_timer(n->loop, PEOPLE_TICK_MS, 1, people_remind_tick, n);
}

/* Test hook (docs/API.md): run the reminder pass now, as if the time were now_ms. */
static json_t *op_remind(struct node *n, json_t *req)
{
    uint64_t now = node_clock_wall_ms();
    json_t *o;

    if (node_arg_now(req, &now) != 0)
        return api_error("bad_request", "now_ms must be a time in ms");
    o = node_json_ok();
    json_object_set_new(o, "sent", json_integer((json_int_t)people_remind(n, now)));
    return o;
}

/* ---- digest ---- */

struct people_digest {
    struct node *n;
    json_t *seen; /* question id -> entry JSON */
    int addressed_only;
    uint64_t since_ms;
    json_t *array; /* my answered questions, or accepts */
};

static int people_digest_question(void *ctx, const struct entry *e, const char *snippet,
                                  double rank)
{
    struct people_digest *d = ctx;
    char hex[2 * ENTRY_ID_LEN + 1];
    json_t *ej;

    (void)snippet;
    (void)rank;
    if (node_peopleview_is_me(d->n, entry_author(e)))
        return 0;
    hex_encode(entry_id(e), ENTRY_ID_LEN, hex);
    if (json_object_get(d->seen, hex) != NULL)
        return 0;
    ej = node_view_entry(d->n, e);
    if ((d->addressed_only && !node_watch_to_me(d->n, ej)) || node_view_hidden(ej)) {
        json_decref(ej);
        return 0;
    }
    json_object_set_new(d->seen, hex, ej);
    return 0;
}

static int people_digest_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int ux = json_is_true(json_object_get(x, "urgent")),
        uy = json_is_true(json_object_get(y, "urgent"));
    json_int_t tx = json_integer_value(json_object_get(x, "created_ms"));
    json_int_t ty = json_integer_value(json_object_get(y, "created_ms"));

    if (ux != uy)
        return uy - ux;
    if (tx != ty)
        return tx < ty ? 1 : -1;
    return strcmp(json_string_value(json_object_get(x, "id")),
                  json_string_value(json_object_get(y, "id")));
}

/* New questions in my areas or addressed to me, since since_ms: urgent first, then newest. */
static json_t *people_digest_questions(struct node *n, uint64_t since_ms)
{
    struct people_digest d = {n, json_object(), 0, since_ms, NULL};
    struct replica_query q = {0};
    json_t *v, **items, *arr = json_array();
    const char *k;
    size_t i = 0, count;

    q.kind = ENTRY_QUESTION;
    q.since_ms = since_ms;
    json_object_foreach(n->areas, k, v)
    {
        q.tag = k;
        (void)node_peopleview_list_all(n, &q, people_digest_question, &d);
    }
    q.tag = NULL;
    d.addressed_only = 1;
    (void)node_peopleview_list_all(n, &q, people_digest_question, &d);
    count = json_object_size(d.seen);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    json_object_foreach(d.seen, k, v) items[i++] = v;
    qsort(items, count, sizeof(*items), people_digest_cmp);
    for (i = 0; i < count && i < PEOPLE_SECTION_MAX; i++)
        json_array_append(arr, items[i]);
    free(items);
    json_decref(d.seen);
    return arr;
}

struct people_count {
    struct node *n;
    long long count;
};

static int people_count_others_row(void *ctx, const struct entry *e, const char *snippet,
                                   double rank)
{
    struct people_count *c = ctx;

    (void)snippet;
    (void)rank;
    c->count += !node_peopleview_is_me(c->n, entry_author(e));
    return 0;
}

/* One of my questions: did it get answers (from others) since since_ms? */
static int people_digest_mine(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_digest *d = ctx;
    struct people_count c = {d->n, 0};
    struct replica_query q = {0};
    json_t *o;

    (void)snippet;
    (void)rank;
    if (json_array_size(d->array) >= PEOPLE_SECTION_MAX)
        return 0;
    q.kind = ENTRY_ANSWER;
    q.ref = entry_id(e);
    q.since_ms = d->since_ms;
    (void)node_peopleview_list_all(d->n, &q, people_count_others_row, &c);
    if (c.count == 0)
        return 0;
    o = json_object();
    json_object_set_new(o, "question", node_view_entry(d->n, e));
    json_object_set_new(o, "new_answers", json_integer(c.count));
    json_array_append_new(d->array, o);
    return 0;
}

/* An accept since since_ms: counted if its author asked the question (as everywhere). */
static int people_digest_accept(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_digest *d = ctx;
    struct entry *answer = NULL, *question = NULL;
    json_t *o;

    (void)snippet;
    (void)rank;
    if (json_array_size(d->array) >= PEOPLE_SECTION_MAX || entry_nrefs(e) == 0)
        return 0;
    if (replica_get(d->n->replica, entry_ref(e, 0), &answer, NULL, 0) == REPLICA_FOUND &&
        entry_kind(answer) == ENTRY_ANSWER &&
        replica_get(d->n->replica, entry_ref(answer, 0), &question, NULL, 0) == REPLICA_FOUND &&
        memcmp(entry_author(question), entry_author(e), ENTRY_KEY_LEN) == 0 &&
        memcmp(entry_author(answer), entry_author(e), ENTRY_KEY_LEN) != 0) {
        o = json_object();
        json_object_set_new(o, "question_id", node_json_hex(entry_id(question), ENTRY_ID_LEN));
        json_object_set_new(o, "title", node_view_title(d->n, question));
        json_object_set_new(o, "answer_id", node_json_hex(entry_id(answer), ENTRY_ID_LEN));
        json_object_set_new(o, "helper", node_peopleview_person_json(d->n, entry_author(answer)));
        json_object_set_new(o, "asker", node_peopleview_person_json(d->n, entry_author(question)));
        json_object_set_new(o, "mine",
                            json_boolean(node_peopleview_is_me(d->n, entry_author(answer))));
        json_object_set_new(o, "accepted_ms", json_integer((json_int_t)entry_created_ms(e)));
        json_array_append_new(d->array, o);
    }
    entry_destroy(&answer);
    entry_destroy(&question);
    return 0;
}

static int people_digest_helper(void *ctx, const uint8_t *author, long long answers)
{
    struct people_digest *d = ctx;
    json_t *h = node_peopleview_person_json(d->n, author);

    json_object_set_new(h, "answers", json_integer(answers));
    json_array_append_new(d->array, h);
    return 0;
}

/* The period in one response: what a day of notifications would have said. */
static json_t *op_digest(struct node *n, json_t *req)
{
    long long now = (long long)node_clock_wall_ms(), since = -1;
    struct people_digest d = {n, NULL, 0, 0, NULL};
    struct replica_query q = {0};
    json_t *o;

    if (node_arg_int(req, "now_ms", (long long)ENTRY_MIN_TIME_MS, (long long)ENTRY_MAX_TIME_MS,
                     &now) != 0 ||
        node_arg_int(req, "since_ms", 0, (long long)ENTRY_MAX_TIME_MS, &since) != 0)
        return api_error("bad_request", "since_ms and now_ms must be times in ms");
    if (since < 0)
        since = now - (long long)LORE_DAY_MS;
    d.since_ms = (uint64_t)since;
    o = node_json_ok();
    json_object_set_new(o, "since_ms", json_integer(since));
    json_object_set_new(o, "now_ms", json_integer(now));
    json_object_set_new(o, "questions", people_digest_questions(n, (uint64_t)since));
    json_object_set_new(o, "on_yours", node_foryou_recent(n, (uint64_t)since, PEOPLE_SECTION_MAX));
    d.array = json_array();
    q.kind = ENTRY_QUESTION;
    q.author = identity_public_key(n->id);
    (void)node_peopleview_list_all(n, &q, people_digest_mine, &d);
    json_object_set_new(o, "my_answered", d.array);
    json_object_set_new(o, "reminders", node_peopleview_reminders(n, (uint64_t)now));
    d.array = json_array();
    memset(&q, 0, sizeof(q));
    q.kind = ENTRY_ACCEPT;
    q.since_ms = (uint64_t)since;
    (void)node_peopleview_list_all(n, &q, people_digest_accept, &d);
    json_object_set_new(o, "accepted", d.array);
    json_object_set_new(o, "sessions",
                        node_match_sessions(n, (uint64_t)now,
                                            (uint64_t)now + PEOPLE_SESSION_SOON_MS, NULL,
                                            PEOPLE_SECTION_MAX, 1));
    json_object_set_new(o, "mentoring_requests",
                        node_peopleview_mentor_requests(n, (uint64_t)since, PEOPLE_SECTION_MAX));
    d.array = json_array();
    if (replica_top_answerers(n->replica, (uint64_t)since, NULL, 5, people_digest_helper, &d) != 0)
        log_warnx("node: digest: top answerers failed");
    json_object_set_new(o, "helpers", d.array);
    return o;
}

const struct node_op node_people_ops[] = {
    {"profile", op_profile, "show a person's profile, or set my bio", 0},
    {"endorse", op_endorse, "endorse a colleague's skill", 0},
    {"mentor_offer", op_mentor_offer, "offer mentoring in some tags", 0},
    {"mentor_find", op_mentor_find, "find mentors for a tag", 0},
    {"mentor_request", op_mentor_request, "ask someone to mentor me", 0},
    {"session_announce", op_session_announce, "announce a session (a talk, a workshop)", 0},
    {"rsvp", op_rsvp, "say whether I come to a session", 0},
    {"sessions", op_sessions, "upcoming (or all) sessions", 0},
    {"digest", op_digest, "what happened since a time: questions, answers, accepts, sessions", 0},
    {"remind", op_remind, "run the reminder pass now (a test hook)", 0},
    {NULL, NULL, NULL, 0},
};
