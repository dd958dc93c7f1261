/* node_ledger: recognition — vote, thank, and top: the reputation ledger (points with daily caps)
 * and the leaderboard with badges (docs/API.md). */
#include "node_ledger.h"

#include "api_error.h"
#include "hex.h"
#include "kinds.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_json.h"
#include "node_map.h"
#include "node_peopleview.h"
#include "node_publish.h"
#include "node_resolve.h"
#include "node_view.h"
#include "timeunits.h"
#include "xmalloc.h"
#include <stdlib.h>
#include <string.h>

/* ---- recognition: votes, thanks, the reputation ledger ---- */

/* replica_row_fn keeping the first row's id (a hex string, 2 * ENTRY_ID_LEN + 1 bytes). */
static int node_ledger_first_id(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    (void)snippet;
    (void)rank;
    hex_encode(entry_id(e), ENTRY_ID_LEN, ctx);
    return 1;
}

/* Thanks count once per person and entry (the ledger counts the first): if I thanked id already,
 * the reply saying so, with that thanks' id and "already": true; else NULL. */
static json_t *node_ledger_thanked(struct node *n, const uint8_t id[ENTRY_ID_LEN], const char *text)
{
    struct replica_query q = {0};
    char hex[2 * ENTRY_ID_LEN + 1] = "";
    json_t *o;

    q.kind = ENTRY_THANKS;
    q.ref = id;
    q.author = identity_public_key(n->id);
    q.limit = 1;
    if (replica_list(n->replica, &q, node_ledger_first_id, hex, NULL) != 0)
        return api_error("internal", "reading your thanks of %s failed; see the node's log", text);
    if (hex[0] == '\0')
        return NULL;
    o = node_json_ok();
    json_object_set_new(o, "already", json_true());
    json_object_set_new(o, "id", json_string(hex));
    return o;
}

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
    if (!thanks)
        return node_publish_ref(n, ENTRY_VOTE, id, 0, "value", vote, NULL);
    res = node_ledger_thanked(n, id, text);
    if (res != NULL)
        return res;
    res = node_publish_ref(n, ENTRY_THANKS, id, 0, NULL, NULL, body);
    if (json_is_true(json_object_get(res, "ok")))
        json_object_set_new(res, "already", json_false());
    return res;
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

/* One recognition event: a vote, thanks or accept, as the ledger counts it. */
struct node_ledger_event {
    uint64_t at; /* when it counts: the day it arrived at the earliest, never before its target */
    char id[2 * ENTRY_ID_LEN + 1];
    char from[2 * ENTRY_KEY_LEN + 1]; /* its author */
    char voter[NODE_VOTER_MAX];       /* who it counts as (node_peopleview_voter) */
    uint16_t kind;
    char target[2 * ENTRY_ID_LEN + 1];
    long value; /* a vote's 1, -1 or 0 */
};

/* What a target entry's points need: its author, whether it is in the tag, who asked. */
struct node_ledger_target {
    int found, in_tag, has_asker;
    char author[2 * ENTRY_KEY_LEN + 1];
    char asker[2 * ENTRY_KEY_LEN + 1];
};

/* A person on the leaderboard. */
struct node_ledger_person {
    char key[2 * ENTRY_KEY_LEN + 1];
    long long points, upvotes, downvotes, thanks, accepted;
};

struct node_ledger {
    struct node *n;
    struct node_ledger_event *ev;
    size_t nev, capev;
    struct node_ledger_target *tg;
    size_t ntg, captg;
    struct node_map *targets; /* target hex -> index in tg */
    struct node_ledger_person *pp;
    size_t npp, cappp;
    struct node_map *people; /* key hex -> index in pp */
};

static int node_ledger_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_ledger *lg = ctx;
    struct node_ledger_event *ev;
    int64_t value = 0;

    (void)snippet;
    (void)rank;
    if (lg->nev == lg->capev) {
        lg->capev = lg->capev != 0 ? 2 * lg->capev : 256;
        lg->ev = xreallocarray(lg->ev, lg->capev, sizeof(*lg->ev));
    }
    ev = &lg->ev[lg->nev++];
    /* Recognition counts on the day it arrived at the earliest, and never before its target:
     * a backdated vote cannot slip under an earlier day's cap. */
    ev->at = node_clock_entry_time(lg->n, e, 1);
    hex_encode(entry_id(e), ENTRY_ID_LEN, ev->id);
    hex_encode(entry_author(e), ENTRY_KEY_LEN, ev->from);
    node_peopleview_voter(lg->n, entry_author(e), ev->voter);
    ev->kind = entry_kind(e);
    hex_encode(entry_ref(e, 0), ENTRY_ID_LEN, ev->target);
    /* A vote's value is 1, -1 or 0 (kinds_check); no value or another kind's reads 0. */
    if (kinds_attr_i64(e, "value", &value) != 0)
        value = 0;
    ev->value = (long)value;
    return 0;
}

/* Time order, then id: the same order on every node. */
static int node_ledger_cmp(const void *a, const void *b)
{
    const struct node_ledger_event *x = a, *y = b;

    if (x->at != y->at)
        return (json_int_t)x->at < (json_int_t)y->at ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Read every vote, thanks and accept since since_ms into lg, oldest first. */
static void node_ledger_read(struct node_ledger *lg, uint64_t since_ms)
{
    static const uint16_t kinds[3] = {ENTRY_VOTE, ENTRY_THANKS, ENTRY_ACCEPT};
    struct replica_query q = {0};
    size_t k, before;

    for (k = 0; k < 3; k++) {
        q.kind = kinds[k];
        q.since_ms = since_ms;
        q.oldest_first = 1;
        q.limit = NODE_LIST_MAX;
        for (q.offset = 0;; q.offset += NODE_LIST_MAX) {
            before = lg->nev;
            if (replica_list(lg->n->replica, &q, node_ledger_row, lg, NULL) != 0 ||
                lg->nev - before < NODE_LIST_MAX)
                break;
        }
    }
    if (lg->nev > 0)
        qsort(lg->ev, lg->nev, sizeof(*lg->ev), node_ledger_cmp);
}

/* Who a target entry's points go to (its author's key in hex), if it is in the tag (answers:
 * their question's); NULL if not, or if the target is not here. *t (OUT) is its record. */
static const char *node_ledger_target(struct node_ledger *lg, const char *target_hex,
                                      const char *tag, const struct node_ledger_target **t)
{
    struct node_ledger_target *c;
    uint8_t id[ENTRY_ID_LEN];
    struct entry *e = NULL, *q = NULL;
    size_t i, at;

    if (!node_map_get(lg->targets, target_hex, &at)) {
        if (lg->ntg == lg->captg) {
            lg->captg = lg->captg != 0 ? 2 * lg->captg : 64;
            lg->tg = xreallocarray(lg->tg, lg->captg, sizeof(*lg->tg));
        }
        at = lg->ntg++;
        c = &lg->tg[at];
        memset(c, 0, sizeof(*c));
        if (hex_decode(target_hex, 2 * ENTRY_ID_LEN, id, ENTRY_ID_LEN) == 0 &&
            replica_get(lg->n->replica, id, &e, NULL, 0) == REPLICA_FOUND) {
            c->found = 1;
            hex_encode(entry_author(e), ENTRY_KEY_LEN, c->author);
            c->in_tag = tag == NULL;
            for (i = 0; !c->in_tag && i < entry_ntags(e); i++)
                c->in_tag = strcmp(entry_tag(e, i), tag) == 0;
            if (entry_kind(e) == ENTRY_ANSWER &&
                replica_get(lg->n->replica, entry_ref(e, 0), &q, NULL, 0) == REPLICA_FOUND) {
                for (i = 0; !c->in_tag && i < entry_ntags(q); i++)
                    c->in_tag = strcmp(entry_tag(q, i), tag) == 0;
                hex_encode(entry_author(q), ENTRY_KEY_LEN, c->asker);
                c->has_asker = 1;
            }
        }
        entry_destroy(&e);
        entry_destroy(&q);
        node_map_put(lg->targets, target_hex, at);
    }
    *t = &lg->tg[at];
    return (*t)->found && (*t)->in_tag ? (*t)->author : NULL;
}

/* pts, cut to what remains of cap in the day's tally for key (kept in m); adds what it gives. */
static long long node_ledger_cap(struct node_map *m, const char *who, uint64_t day, long long pts,
                                 long long cap)
{
    char key[NODE_VOTER_MAX + 32];
    size_t have = 0;
    long long left;

    snprintf(key, sizeof(key), "%s:%llu", who, (unsigned long long)day);
    (void)node_map_get(m, key, &have);
    left = cap - (long long)have;
    if (pts > left)
        pts = left > 0 ? left : 0;
    if (pts > 0)
        node_map_put(m, key, have + (size_t)pts);
    return pts;
}

static struct node_ledger_person *node_ledger_person(struct node_ledger *lg, const char *key)
{
    size_t at;

    if (node_map_get(lg->people, key, &at))
        return &lg->pp[at];
    if (lg->npp == lg->cappp) {
        lg->cappp = lg->cappp != 0 ? 2 * lg->cappp : 64;
        lg->pp = xreallocarray(lg->pp, lg->cappp, sizeof(*lg->pp));
    }
    at = lg->npp++;
    memset(&lg->pp[at], 0, sizeof(lg->pp[at]));
    snprintf(lg->pp[at].key, sizeof(lg->pp[at].key), "%s", key);
    node_map_put(lg->people, key, at);
    return &lg->pp[at];
}

/* Mark in counts (one per event) the events that count: the latest vote per (voter, target) and
 * the first thanks or accept. A voter is an identity (node_peopleview_voter): keys minted from
 * one code vote, thank and give as one. */
static void node_ledger_latest(struct node_ledger *lg, unsigned char *counts)
{
    struct node_map *latest = node_map_new();
    char key[160];
    size_t i, at;

    for (i = 0; i < lg->nev; i++) {
        snprintf(key, sizeof(key), "%u:%s:%s", (unsigned)lg->ev[i].kind, lg->ev[i].voter,
                 lg->ev[i].target);
        if (lg->ev[i].kind == ENTRY_VOTE || !node_map_get(latest, key, &at))
            node_map_put(latest, key, i);
    }
    for (i = 0; i < lg->nev; i++) {
        snprintf(key, sizeof(key), "%u:%s:%s", (unsigned)lg->ev[i].kind, lg->ev[i].voter,
                 lg->ev[i].target);
        counts[i] = node_map_get(latest, key, &at) && at == i;
    }
    node_map_destroy(&latest);
}

/* Count every event into the people's points, with the daily caps. */
static void node_ledger_count(struct node_ledger *lg, const char *tag)
{
    struct node_map *given = node_map_new(), *got = node_map_new(), *pooled = node_map_new();
    char key[NODE_VOTER_MAX + 2 * ENTRY_KEY_LEN + 2];
    unsigned char *counts = xcalloc(lg->nev + 1, 1);
    const struct node_ledger_target *t;
    struct node_ledger_person *p;
    const struct node_ledger_event *ev;
    const char *to;
    long long pts;
    uint64_t day;
    size_t i, seen;

    node_ledger_latest(lg, counts);
    for (i = 0; i < lg->nev; i++) {
        ev = &lg->ev[i];
        if (!counts[i])
            continue; /* superseded or repeated */
        to = node_ledger_target(lg, ev->target, tag, &t);
        if (to == NULL || strcmp(to, ev->from) == 0)
            continue;
        if (ev->kind == ENTRY_ACCEPT) {
            if (!t->has_asker || strcmp(t->asker, ev->from) != 0)
                continue; /* only the asker's accept counts */
            /* Askers of one pool accept, for one answerer, as one honest asker does: once. */
            snprintf(key, sizeof(key), "%s:%s", ev->voter, to);
            if (node_peopleview_pooled(ev->voter)) {
                if (node_map_get(pooled, key, &seen))
                    continue;
                node_map_put(pooled, key, 1);
            }
            pts = NODE_PTS_ACCEPTED;
        } else if (ev->kind == ENTRY_THANKS) {
            pts = NODE_PTS_THANKS;
        } else {
            pts = ev->value > 0 ? NODE_PTS_UP : ev->value < 0 ? NODE_PTS_DOWN : 0;
        }
        day = ev->at / LORE_DAY_MS;
        pts = node_ledger_cap(given, ev->voter, day, pts, NODE_CAP_VOTER_DAY);
        pts = node_ledger_cap(got, to, day, pts, NODE_CAP_RECIPIENT_DAY);
        p = node_ledger_person(lg, to);
        p->points += pts;
        if (ev->kind == ENTRY_ACCEPT)
            p->accepted++;
        else if (ev->kind == ENTRY_THANKS)
            p->thanks++;
        else if (ev->value > 0)
            p->upvotes++;
        else if (ev->value < 0)
            p->downvotes++;
    }
    free(counts);
    node_map_destroy(&given);
    node_map_destroy(&got);
    node_map_destroy(&pooled);
}

/* Most points first, then by key: the same order on every node. */
static int node_ledger_cmp_points(const void *a, const void *b)
{
    const struct node_ledger_person *x = a, *y = b;

    if (x->points != y->points)
        return x->points < y->points ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* A person on the leaderboard as the API shows them, with name and badges. */
static json_t *node_ledger_person_json(struct node *n, const struct node_ledger_person *p)
{
    json_t *o = json_object(), *badges = json_array();
    uint8_t raw[ENTRY_KEY_LEN];
    struct replica_query aq = {0};
    size_t answers = 0;
    int ok = hex_decode(p->key, 2 * ENTRY_KEY_LEN, raw, ENTRY_KEY_LEN) == 0;

    json_object_set_new(o, "key", json_string(p->key));
    json_object_set_new(o, "points", json_integer(p->points));
    json_object_set_new(o, "upvotes", json_integer(p->upvotes));
    json_object_set_new(o, "downvotes", json_integer(p->downvotes));
    json_object_set_new(o, "thanks", json_integer(p->thanks));
    json_object_set_new(o, "accepted", json_integer(p->accepted));
    if (ok) {
        json_object_set_new(o, "name", node_view_name(n, raw));
        aq.kind = ENTRY_ANSWER;
        aq.author = raw;
        aq.limit = 1;
        if (replica_list(n->replica, &aq, node_view_count_row, &answers, NULL) == 0 && answers > 0)
            json_array_append_new(badges, json_string("first answer"));
    }
    if (p->accepted >= 10)
        json_array_append_new(badges, json_string("10 accepted answers"));
    if (ok)
        node_peopleview_badges(n, raw, badges);
    json_object_set_new(o, "badges", badges);
    return o;
}

/* The reputation ledger: every vote (the latest per person and entry), thanks (once per person
 * and entry) and accepted answer (by the asker), in time order, each worth points to the target's
 * author, with daily caps per giver and per receiver; self-awarded points never count. Then the
 * leaderboard, with badges. */
static json_t *op_top(struct node *n, json_t *req)
{
    struct node_ledger lg = {0};
    long long since = 0, limit = 20;
    char tag[ENTRY_TAG_MAX + 1];
    json_t *o, *arr, *res;
    size_t i;
    int has_tag;

    if (node_arg_int(req, "since_ms", 0, (long long)ENTRY_MAX_TIME_MS, &since) != 0 ||
        node_arg_page(req, &limit, NULL) != 0)
        return api_error("bad_request", "since_ms and limit are a time and a count");
    res = node_arg_tag(req, NULL, tag);
    if (res != NULL)
        return res;
    has_tag = tag[0] != '\0';
    lg.n = n;
    lg.targets = node_map_new();
    lg.people = node_map_new();
    node_ledger_read(&lg, (uint64_t)since);
    node_ledger_count(&lg, has_tag ? tag : NULL);
    if (lg.npp > 0)
        qsort(lg.pp, lg.npp, sizeof(*lg.pp), node_ledger_cmp_points);
    arr = json_array();
    for (i = 0; i < lg.npp && i < (size_t)limit; i++)
        json_array_append_new(arr, node_ledger_person_json(n, &lg.pp[i]));
    o = node_json_ok();
    json_object_set_new(o, "people", arr);
    free(lg.ev);
    free(lg.tg);
    free(lg.pp);
    node_map_destroy(&lg.targets);
    node_map_destroy(&lg.people);
    return o;
}

const struct node_op node_ledger_ops[] = {
    {"vote", op_vote, "vote an entry up or down (or withdraw my vote)", 0},
    {"thank", op_thank, "thank the author of an entry", 0},
    {"top", op_top, "the leaderboard: points from votes, thanks and accepts, with badges", 0},
    {NULL, NULL, NULL, 0},
};
