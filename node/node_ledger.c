/* node_ledger: recognition — vote, thank, and top: the reputation ledger (points with daily caps)
 * and the leaderboard with badges (docs/API.md). */
#include "node_ledger.h"

#include "api_error.h"
#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_json.h"
#include "node_peopleview.h"
#include "node_publish.h"
#include "node_resolve.h"
#include "node_view.h"
#include "xmalloc.h"
#include <stdlib.h>
#include <string.h>

static int node_expert_cmp_points(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "points"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "points"));

    if (x != y)
        return x < y ? 1 : -1;
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "key")),
                  json_string_value(json_object_get(*(json_t *const *)b, "key")));
}

/* ---- recognition: votes, thanks, the reputation ledger ---- */

/* Vote on an entry (up, down, or none to withdraw): one per person and entry, the latest counts. */
static json_t *node_ledger_vote(struct node *n, json_t *req, int thanks)
{
    struct entry *target = NULL;
    uint8_t id[ENTRY_ID_LEN];
    const char *text, *value = NULL, *body = NULL, *vote = NULL;
    json_t *res;

    if (node_arg_str(req, "id", &text) != 0 || (!thanks && node_arg_str(req, "value", &value)) ||
        (thanks && node_arg_str(req, "body", &body) != 0))
        return api_error("bad_request", "id, value and body must be strings");
    res = node_resolve_id(n, text, id);
    if (res != NULL)
        return res;
    if (!thanks) {
        if (value == NULL ||
            (strcmp(value, "up") != 0 && strcmp(value, "down") != 0 && strcmp(value, "none") != 0))
            return api_error("bad_request", "a vote is up, down or none");
        vote = strcmp(value, "up") == 0 ? "1" : strcmp(value, "down") == 0 ? "-1" : "0";
    }
    res = node_resolve_entry(n, id, text, &target);
    if (res != NULL)
        return res;
    if (memcmp(entry_author(target), identity_public_key(n->id), ENTRY_KEY_LEN) == 0) {
        entry_destroy(&target);
        return api_error("invalid", "you cannot %s your own entry", thanks ? "thank" : "vote on");
    }
    entry_destroy(&target);
    return thanks ? node_publish_ref(n, ENTRY_THANKS, id, 0, NULL, NULL, body)
                  : node_publish_ref(n, ENTRY_VOTE, id, 0, "value", vote, NULL);
}

static json_t *op_vote(struct node *n, json_t *req)
{
    return node_ledger_vote(n, req, 0);
}

static json_t *op_thank(struct node *n, json_t *req)
{
    return node_ledger_vote(n, req, 1);
}

#define NODE_PTS_UP 10
#define NODE_PTS_DOWN (-2)
#define NODE_PTS_THANKS 5
#define NODE_PTS_ACCEPTED 15
#define NODE_CAP_VOTER_DAY 30      /* points one person can give per day */
#define NODE_CAP_RECIPIENT_DAY 200 /* points one person can get per day */

struct node_ledger {
    struct node *n;
    json_t *events; /* array of {at, id, from, kind, target, value} from vote/thanks/accept */
};

static int node_ledger_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_ledger *lg = ctx;
    const char *v = entry_attr_get(e, "value");
    char voter[NODE_VOTER_MAX];
    json_t *ev;

    (void)snippet;
    (void)rank;
    ev = json_object();
    /* Recognition counts on the day it arrived at the earliest, and never before its target:
     * a backdated vote cannot slip under an earlier day's cap. */
    json_object_set_new(ev, "at", json_integer((json_int_t)node_clock_entry_time(lg->n, e, 1)));
    json_object_set_new(ev, "id", node_json_hex(entry_id(e), ENTRY_ID_LEN));
    json_object_set_new(ev, "from", node_json_hex(entry_author(e), ENTRY_KEY_LEN));
    node_peopleview_voter(lg->n, entry_author(e), voter);
    json_object_set_new(ev, "voter", json_string(voter));
    json_object_set_new(ev, "kind", json_integer(entry_kind(e)));
    json_object_set_new(ev, "target", node_json_hex(entry_ref(e, 0), ENTRY_ID_LEN));
    json_object_set_new(ev, "value", json_integer(v != NULL ? strtol(v, NULL, 10) : 0));
    json_array_append_new(lg->events, ev);
    return 0;
}

static int node_ledger_cmp(const void *a, const void *b)
{
    return node_json_cmp_by(*(json_t *const *)a, *(json_t *const *)b, "at");
}

/* Who a target entry's points go to, and whether it is in the tag (answers: their question's). */
static const char *node_ledger_target(struct node *n, json_t *cache, const char *target_hex,
                                      const char *tag)
{
    json_t *c = json_object_get(cache, target_hex);
    uint8_t id[ENTRY_ID_LEN];
    struct entry *e = NULL, *q = NULL;
    int in_tag;
    size_t i;

    if (c == NULL) {
        c = json_object();
        if (hex_decode(target_hex, 2 * ENTRY_ID_LEN, id, ENTRY_ID_LEN) == 0 &&
            replica_get(n->replica, id, &e, NULL, 0) == REPLICA_FOUND) {
            json_object_set_new(c, "author", node_json_hex(entry_author(e), ENTRY_KEY_LEN));
            json_object_set_new(c, "kind", json_integer(entry_kind(e)));
            in_tag = tag == NULL;
            for (i = 0; !in_tag && i < entry_ntags(e); i++)
                in_tag = strcmp(entry_tag(e, i), tag) == 0;
            if (!in_tag && entry_kind(e) == ENTRY_ANSWER &&
                replica_get(n->replica, entry_ref(e, 0), &q, NULL, 0) == REPLICA_FOUND) {
                for (i = 0; !in_tag && i < entry_ntags(q); i++)
                    in_tag = strcmp(entry_tag(q, i), tag) == 0;
                json_object_set_new(c, "asker", node_json_hex(entry_author(q), ENTRY_KEY_LEN));
            }
            if (entry_kind(e) == ENTRY_ANSWER && q == NULL &&
                replica_get(n->replica, entry_ref(e, 0), &q, NULL, 0) == REPLICA_FOUND)
                json_object_set_new(c, "asker", node_json_hex(entry_author(q), ENTRY_KEY_LEN));
            json_object_set_new(c, "in_tag", json_boolean(in_tag));
        }
        entry_destroy(&e);
        entry_destroy(&q);
        json_object_set_new(cache, target_hex, c);
    }
    if (!json_is_true(json_object_get(c, "in_tag")))
        return NULL;
    return json_string_value(json_object_get(c, "author"));
}

/* The reputation ledger: every vote (the latest per person and entry), thanks (once per person
 * and entry) and accepted answer (by the asker), in time order, each worth points to the target's
 * author, with daily caps per giver and per receiver; self-awarded points never count. Then the
 * leaderboard, with badges. */
static json_t *op_top(struct node *n, json_t *req)
{
    struct node_ledger lg = {n, json_array()};
    struct replica_query q = {0};
    long long since = 0, limit = 20;
    const char *tagarg, *k, *to, *from, *target;
    char tag[ENTRY_TAG_MAX + 1], day[32], key[160], name[NODE_NAME_MAX * 4 + 1];
    json_t *latest = json_object(), *cache = json_object(), *people = json_object(),
           *given = json_object(), *got = json_object(), *pooled = json_object(), *ev, *p, *o, *arr,
           **items;
    uint16_t kinds[3] = {ENTRY_VOTE, ENTRY_THANKS, ENTRY_ACCEPT};
    size_t i, k2, count;
    int has_tag;

    if (node_arg_int(req, "since_ms", 0, (long long)ENTRY_MAX_TIME_MS, &since) != 0 ||
        node_arg_page(req, &limit, NULL) != 0 || node_arg_str(req, "tag", &tagarg) != 0) {
        json_decref(latest), json_decref(cache), json_decref(people), json_decref(given),
            json_decref(got), json_decref(pooled), json_decref(lg.events);
        return api_error("bad_request", "since_ms, limit and tag are a time, a count, a string");
    }
    has_tag = tagarg != NULL && node_arg_tag_norm(tagarg, tag) == 0;
    for (k2 = 0; k2 < 3; k2++) {
        q.kind = kinds[k2];
        q.since_ms = (uint64_t)since;
        q.oldest_first = 1;
        q.limit = NODE_LIST_MAX;
        for (q.offset = 0;; q.offset += NODE_LIST_MAX) {
            size_t before = json_array_size(lg.events);
            if (replica_list(n->replica, &q, node_ledger_row, &lg, NULL) != 0 ||
                json_array_size(lg.events) - before < NODE_LIST_MAX)
                break;
        }
    }
    count = json_array_size(lg.events);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    for (i = 0; i < count; i++)
        items[i] = json_array_get(lg.events, i);
    qsort(items, count, sizeof(*items), node_ledger_cmp);
    /* Latest vote per (voter, target); first thanks per (thanker, target). A voter is an
     * identity (node_peopleview_voter): keys minted from one code vote, thank and give as one. */
    for (i = 0; i < count; i++) {
        ev = items[i];
        snprintf(key, sizeof(key), "%lld:%s:%s",
                 (long long)json_integer_value(json_object_get(ev, "kind")),
                 json_string_value(json_object_get(ev, "voter")),
                 json_string_value(json_object_get(ev, "target")));
        if (json_integer_value(json_object_get(ev, "kind")) == ENTRY_VOTE ||
            json_object_get(latest, key) == NULL)
            json_object_set(latest, key, ev);
    }
    for (i = 0; i < count; i++) {
        long long pts = 0, cap_give, cap_get;
        json_int_t kind, value, at;
        ev = items[i];
        snprintf(key, sizeof(key), "%lld:%s:%s",
                 (long long)json_integer_value(json_object_get(ev, "kind")),
                 json_string_value(json_object_get(ev, "voter")),
                 json_string_value(json_object_get(ev, "target")));
        if (json_object_get(latest, key) != ev)
            continue; /* superseded or repeated */
        kind = json_integer_value(json_object_get(ev, "kind"));
        value = json_integer_value(json_object_get(ev, "value"));
        at = json_integer_value(json_object_get(ev, "at"));
        from = json_string_value(json_object_get(ev, "from"));
        target = json_string_value(json_object_get(ev, "target"));
        to = node_ledger_target(n, cache, target, has_tag ? tag : NULL);
        if (to == NULL || strcmp(to, from) == 0)
            continue;
        if (kind == ENTRY_ACCEPT) {
            const char *asker =
                json_string_value(json_object_get(json_object_get(cache, target), "asker"));
            if (asker == NULL || strcmp(asker, from) != 0)
                continue; /* only the asker's accept counts */
            /* Askers of one pool accept, for one answerer, as one honest asker does: once. */
            snprintf(key, sizeof(key), "%s:%s", json_string_value(json_object_get(ev, "voter")),
                     to);
            if (node_peopleview_pooled(json_string_value(json_object_get(ev, "voter")))) {
                if (json_object_get(pooled, key) != NULL)
                    continue;
                json_object_set_new(pooled, key, json_true());
            }
            pts = NODE_PTS_ACCEPTED;
        } else if (kind == ENTRY_THANKS) {
            pts = NODE_PTS_THANKS;
        } else {
            pts = value > 0 ? NODE_PTS_UP : value < 0 ? NODE_PTS_DOWN : 0;
        }
        snprintf(day, sizeof(day), "%lld", (long long)(at / (json_int_t)NODE_DAY_MS));
        snprintf(key, sizeof(key), "%s:%s", json_string_value(json_object_get(ev, "voter")), day);
        cap_give = NODE_CAP_VOTER_DAY - json_integer_value(json_object_get(given, key));
        if (pts > cap_give)
            pts = cap_give > 0 ? cap_give : 0;
        if (pts > 0)
            json_object_set_new(
                given, key, json_integer(json_integer_value(json_object_get(given, key)) + pts));
        snprintf(key, sizeof(key), "%s:%s", to, day);
        cap_get = NODE_CAP_RECIPIENT_DAY - json_integer_value(json_object_get(got, key));
        if (pts > cap_get)
            pts = cap_get > 0 ? cap_get : 0;
        if (pts > 0)
            json_object_set_new(got, key,
                                json_integer(json_integer_value(json_object_get(got, key)) + pts));
        p = json_object_get(people, to);
        if (p == NULL) {
            p = json_pack("{s:s,s:i,s:i,s:i,s:i,s:i}", "key", to, "points", 0, "upvotes", 0,
                          "downvotes", 0, "thanks", 0, "accepted", 0);
            json_object_set_new(people, to, p);
        }
        json_object_set_new(p, "points",
                            json_integer(json_integer_value(json_object_get(p, "points")) + pts));
        {
            const char *field = kind == ENTRY_ACCEPT   ? "accepted"
                                : kind == ENTRY_THANKS ? "thanks"
                                : value > 0            ? "upvotes"
                                : value < 0            ? "downvotes"
                                                       : NULL;
            if (field != NULL)
                json_object_set_new(
                    p, field, json_integer(json_integer_value(json_object_get(p, field)) + 1));
        }
    }
    free(items);
    count = json_object_size(people);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    i = 0;
    json_object_foreach(people, k, p) items[i++] = p;
    qsort(items, count, sizeof(*items), node_expert_cmp_points);
    arr = json_array();
    for (i = 0; i < count && i < (size_t)limit; i++) {
        uint8_t raw[ENTRY_KEY_LEN];
        struct replica_query aq = {0};
        json_t *badges = json_array();
        p = items[i];
        if (hex_decode(json_string_value(json_object_get(p, "key")), 2 * ENTRY_KEY_LEN, raw,
                       ENTRY_KEY_LEN) == 0) {
            json_object_set_new(p, "name",
                                replica_author_name(n->replica, raw, name, sizeof(name)) == 0
                                    ? json_string(name)
                                    : json_null());
            aq.kind = ENTRY_ANSWER;
            aq.author = raw;
            aq.limit = 1;
            size_t answers = 0;
            if (replica_list(n->replica, &aq, node_view_count_row, &answers, NULL) == 0 &&
                answers > 0)
                json_array_append_new(badges, json_string("first answer"));
        }
        if (json_integer_value(json_object_get(p, "accepted")) >= 10)
            json_array_append_new(badges, json_string("10 accepted answers"));
        if (hex_decode(json_string_value(json_object_get(p, "key")), 2 * ENTRY_KEY_LEN, raw,
                       ENTRY_KEY_LEN) == 0)
            node_peopleview_badges(n, raw, badges);
        json_object_set_new(p, "badges", badges);
        json_array_append(arr, p);
    }
    free(items);
    o = node_json_ok();
    json_object_set_new(o, "people", arr);
    json_decref(latest), json_decref(cache), json_decref(people), json_decref(given),
        json_decref(got), json_decref(pooled), json_decref(lg.events);
    return o;
}

const struct node_op node_ledger_ops[] = {
    {"vote", op_vote, "vote an entry up or down (or withdraw my vote)", 0},
    {"thank", op_thank, "thank the author of an entry", 0},
    {"top", op_top, "the leaderboard: points from votes, thanks and accepts, with badges", 0},
    {NULL, NULL, NULL, 0},
};
