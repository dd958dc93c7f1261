/* node_match: who and what can help with a topic — mentors offering it (ranked as who_knows ranks
 * them), experts by demonstrated work (who_knows' ranking, people with answers on it), sessions on
 * it, and the best content (accepted answers and verified notes, ranked as search ranks them).
 * What mentor find, sessions, learning goals and circles show. */
#include "node_match.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_json.h"
#include "node_peopleview.h"
#include "node_rank.h"
#include "node_view.h"
#include "xmalloc.h"

/* ---- mentors ---- */

struct match_offers {
    struct node *n;
    json_t *by;   /* author hex -> offer (the newest per person) */
    json_t *gone; /* author hex -> true: withdrew their offers */
};

static int match_offer_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct match_offers *o = ctx;
    node_keyhex hex;
    json_t *offer, *tags;
    size_t i;

    (void)snippet;
    (void)rank;
    hex_encode(entry_author(e), ENTRY_KEY_LEN, hex);
    if (!node_peopleview_role(e, "offer") || json_object_get(o->by, hex) != NULL ||
        json_object_get(o->gone, hex) != NULL)
        return 0;
    /* Newest first: if withdrawn since, this offer and the older ones no longer count. */
    if (node_peopleview_withdrawn_after(o->n, entry_author(e), entry_created_ms(e))) {
        json_object_set_new(o->gone, hex, json_true());
        return 0;
    }
    offer = node_peopleview_person_json(o->n, entry_author(e));
    tags = json_array();
    for (i = 0; i < entry_ntags(e); i++)
        json_array_append_new(tags, json_string(entry_tag(e, i)));
    json_object_set_new(offer, "offer_id", node_json_hex(entry_id(e), ENTRY_ID_LEN));
    json_object_set_new(offer, "tags", tags);
    json_object_set_new(offer, "body", json_stringn(entry_body(e), entry_body_len(e)));
    json_object_set_new(offer, "offered_ms", json_integer((json_int_t)entry_created_ms(e)));
    json_object_set_new(offer, "offered", node_json_time(entry_created_ms(e)));
    json_object_set_new(o->by, hex, offer);
    return 0;
}

static int match_score_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    double sx = json_real_value(json_object_get(x, "score"));
    double sy = json_real_value(json_object_get(y, "score"));

    if (sx != sy)
        return sx < sy ? 1 : -1;
    return strcmp(json_string_value(json_object_get(x, "key")),
                  json_string_value(json_object_get(y, "key")));
}

/* People offering mentoring on a tag, ranked as who_knows ranks them for it. */
/* Each person's standing offer with tag into o (o->by, o->gone new objects). */
static void match_offers_read(struct node *n, const char *tag, struct match_offers *o)
{
    struct replica_query q = {0};

    o->n = n;
    o->by = json_object();
    o->gone = json_object();
    q.kind = ENTRY_MENTOR;
    q.tag = tag;
    (void)node_peopleview_list_all(n, &q, match_offer_row, o);
}

size_t node_match_mentor_count(struct node *n, const char *tag)
{
    struct match_offers o;
    size_t count;

    match_offers_read(n, tag, &o);
    count = json_object_size(o.by);
    json_decref(o.by);
    json_decref(o.gone);
    return count;
}

json_t *node_match_mentors(struct node *n, const char *tag)
{
    struct match_offers o;
    json_t *rank, *p, *offer, **items, *arr;
    const char *k;
    size_t i, count;

    match_offers_read(n, tag, &o);
    /* Nobody to rank without an offer: who_knows' ranking reads the topic's questions, answers
     * and related topics (a fifth of a learn_match at 100k entries). */
    rank = json_object_size(o.by) > 0 ? node_rank_experts(n, tag, 1000) : json_array();
    json_array_foreach(rank, i, p)
    {
        offer = json_object_get(o.by, json_string_value(json_object_get(p, "key")));
        if (offer == NULL)
            continue;
        json_object_set(offer, "score", json_object_get(p, "score"));
        json_object_set(offer, "why", json_object_get(p, "why"));
        json_object_set(offer, "components", json_object_get(p, "components"));
    }
    json_decref(rank);
    count = json_object_size(o.by);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    i = 0;
    json_object_foreach(o.by, k, offer)
    {
        if (json_object_get(offer, "score") == NULL) {
            json_object_set_new(offer, "score", json_real(0));
            json_object_set_new(offer, "why", json_string("no help on it yet"));
        }
        items[i++] = offer;
    }
    qsort(items, count, sizeof(*items), match_score_cmp);
    arr = json_array();
    for (i = 0; i < count; i++)
        json_array_append(arr, items[i]);
    free(items);
    json_decref(o.by);
    json_decref(o.gone);
    return arr;
}

/* ---- sessions ---- */

/* A session as the API shows it: the entry plus at_ms, at, where, host, yes, no, going, mine. */
static json_t *match_session_json(struct node *n, const struct entry *s)
{
    struct node_peopleview_rsvps r = {0};
    struct node_session_now cur;
    node_keyhex me;
    json_t *o = node_view_entry(n, s), *mine;
    const char *circle;

    r.seen = json_object();
    r.going = json_array();
    node_peopleview_tally(n, s, &r);
    hex_encode(identity_public_key(n->id), ENTRY_KEY_LEN, me);
    mine = json_object_get(r.seen, me);
    node_peopleview_session_now(n, s, &cur);
    json_object_set_new(o, "title", json_string(cur.title));
    json_object_set_new(o, "at_ms", json_integer((json_int_t)cur.at_ms));
    json_object_set_new(o, "at", node_json_time(cur.at_ms));
    json_object_set_new(o, "where", json_string(cur.where));
    json_object_set_new(o, "cancelled", json_boolean(cur.cancelled));
    json_object_set_new(o, "edited_ms",
                        cur.edited_ms != 0 ? json_integer((json_int_t)cur.edited_ms) : json_null());
    node_peopleview_session_done(&cur);
    json_object_set_new(o, "host", node_peopleview_person_json(n, entry_author(s)));
    json_object_set_new(o, "yes", json_integer(r.yes));
    json_object_set_new(o, "no", json_integer(r.no));
    json_object_set_new(o, "going", r.going);
    json_object_set_new(o, "mine", mine != NULL ? json_copy(mine) : json_null());
    json_object_set_new(o, "hosting", json_boolean(node_peopleview_is_me(n, entry_author(s))));
    circle = entry_attr_get(s, "circle");
    json_object_set_new(o, "circle", circle != NULL ? json_string(circle) : json_null());
    json_decref(r.seen);
    return o;
}

struct match_sessions {
    struct node *n;
    json_t *array;
    uint64_t from_ms, to_ms; /* sessions with at in [from, to) */
    int skip_cancelled;
};

static int match_session_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct match_sessions *ss = ctx;
    struct node_session_now cur;

    (void)snippet;
    (void)rank;
    node_peopleview_session_now(ss->n, e, &cur); /* where and when it is now */
    if (cur.at_ms >= ss->from_ms && cur.at_ms < ss->to_ms && !(ss->skip_cancelled && cur.cancelled))
        json_array_append_new(ss->array, match_session_json(ss->n, e));
    node_peopleview_session_done(&cur);
    return 0;
}

static int match_session_cmp(const void *a, const void *b)
{
    return node_json_cmp_by(*(json_t *const *)a, *(json_t *const *)b, "at_ms");
}

/* Sessions with at in [from_ms, to_ms) (tagged tag, if not NULL; cancelled ones only if
 * !skip_cancelled), soonest first. A new array. */
json_t *node_match_sessions(struct node *n, uint64_t from_ms, uint64_t to_ms, const char *tag,
                            size_t max, int skip_cancelled)
{
    struct match_sessions ss = {n, json_array(), from_ms, to_ms, skip_cancelled};
    struct replica_query q = {0};
    json_t **items, *arr = json_array();
    size_t i, count;

    q.kind = ENTRY_SESSION;
    q.tag = tag;
    (void)node_peopleview_list_all(n, &q, match_session_row, &ss);
    count = json_array_size(ss.array);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    for (i = 0; i < count; i++)
        items[i] = json_array_get(ss.array, i);
    qsort(items, count, sizeof(*items), match_session_cmp);
    for (i = 0; i < count && i < max; i++)
        json_array_append(arr, items[i]);
    free(items);
    json_decref(ss.array);
    return arr;
}

/* ---- experts and content ---- */

json_t *node_match_experts(struct node *n, const char *tag, size_t max, int not_me)
{
    /* Work on the topic itself: related topics' answers are not in "answers" (node_rank). */
    json_t *rank = node_rank_experts_related(n, tag, NODE_LIST_MAX, 0, NULL), *arr = json_array(),
           *p;
    uint8_t key[ENTRY_KEY_LEN];
    size_t i;

    json_array_foreach(rank, i, p)
    {
        if (json_array_size(arr) >= max)
            break;
        if (json_integer_value(json_object_get(p, "answers")) == 0)
            continue; /* declared or endorsed only: no demonstrated work */
        if (not_me && n->id != NULL &&
            hex_decode(json_string_value(json_object_get(p, "key")), 2 * ENTRY_KEY_LEN, key,
                       ENTRY_KEY_LEN) == 0 &&
            node_peopleview_is_me(n, key))
            continue;
        json_array_append(arr, p);
    }
    json_decref(rank);
    return arr;
}

struct match_content {
    struct node *n;
    json_t *array; /* {entry, rank, why} */
};

/* A search result kept if it is useful content: an accepted answer, or a note someone verified. */
static int match_content_row(void *ctx, const struct entry *e, const char *snippet, double bm25,
                             double boost)
{
    struct match_content *mc = ctx;
    json_t *ej = node_view_entry(mc->n, e), *r;
    const char *why = NULL;

    (void)snippet;
    if (node_view_hidden(ej)) {
        json_decref(ej);
        return 0;
    }
    if (entry_kind(e) == ENTRY_ANSWER && json_is_true(json_object_get(ej, "is_accepted")))
        why = "accepted answer";
    else if (entry_kind(e) == ENTRY_NOTE &&
             json_integer_value(json_object_get(json_object_get(ej, "flags"), "verified")) > 0)
        why = "verified note";
    if (why == NULL) {
        json_decref(ej);
        return 0;
    }
    r = json_object();
    json_object_set_new(r, "why", json_string(why));
    json_object_set_new(r, "rank", json_real(bm25 * boost));
    json_object_set_new(r, "entry", ej);
    json_array_append_new(mc->array, r);
    return 0;
}

/* Best rank (lowest) first, then newest, then highest id: search's order. */
static int match_content_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    double rx = json_real_value(json_object_get(x, "rank"));
    double ry = json_real_value(json_object_get(y, "rank"));
    json_t *ex = json_object_get(x, "entry"), *ey = json_object_get(y, "entry");
    int c;

    if (rx != ry)
        return rx < ry ? -1 : 1;
    c = node_json_cmp_by(ey, ex, "created_ms");
    return c != 0 ? c
                  : strcmp(json_string_value(json_object_get(ey, "id")),
                           json_string_value(json_object_get(ex, "id")));
}

json_t *node_match_content(struct node *n, const char *tag, size_t max)
{
    struct replica_rank rank = {NODE_RERANK_EXTRA, node_view_boost, NULL};
    struct match_content mc = {n, json_array()};
    static const uint16_t kinds[2] = {ENTRY_ANSWER, ENTRY_NOTE};
    struct replica_query q = {0};
    char err[ERRMSG_MAX];
    json_t **items, *arr = json_array();
    size_t i, count;

    /* Search's ranking (bm25 x boost: accepted, votes, flags) for the topic's word, among answers
     * and notes; then only the useful ones. Bounded: among the newest matches and the older
     * title matches, as who_knows reads its evidence — a common tag's word found in few answers
     * made search walk every match (~0.9 s of a learn_match at 100k entries). */
    for (i = 0; i < 2; i++) {
        memset(&q, 0, sizeof(q));
        q.kind = kinds[i];
        q.limit = 100;
        q.bounded = 1;
        if (replica_search_ranked(n->replica, tag, &q, &rank, "", "", match_content_row, &mc, NULL,
                                  err, sizeof(err)) != 0)
            log_debug("node: match: search %s: %s", tag, err);
    }
    count = json_array_size(mc.array);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    for (i = 0; i < count; i++)
        items[i] = json_array_get(mc.array, i);
    qsort(items, count, sizeof(*items), match_content_cmp);
    for (i = 0; i < count && i < max; i++)
        json_array_append(arr, items[i]);
    free(items);
    json_decref(mc.array);
    return arr;
}

json_t *node_match_topic(struct node *n, const char *tag, uint64_t now_ms)
{
    json_t *o = json_object();

    json_object_set_new(o, "tag", json_string(tag));
    json_object_set_new(o, "mentors", node_match_mentors(n, tag));
    json_object_set_new(o, "experts", node_match_experts(n, tag, NODE_MATCH_MAX, 1));
    json_object_set_new(
        o, "sessions",
        node_match_sessions(n, now_ms, ENTRY_MAX_TIME_MS + 1, tag, NODE_MATCH_MAX, 1));
    json_object_set_new(o, "content", node_match_content(n, tag, NODE_MATCH_MAX));
    return o;
}

/* ---- who helped ---- */

struct match_helped {
    struct node *n;
    const uint8_t *me;
    uint64_t since_ms, now_ms;
    const char *tag;
    json_t *seen; /* key hex -> true */
    json_t *array;
    const char *title; /* of the question whose answers are read */
};

/* key helped, for why; thank: the entry of theirs to thank. Each person once, never me. */
static void match_helped_add(struct match_helped *h, const uint8_t *key, const struct entry *thank,
                             const char *why)
{
    node_keyhex hex, id;
    json_t *o;

    if (memcmp(key, h->me, ENTRY_KEY_LEN) == 0 || memcmp(entry_author(thank), key, ENTRY_KEY_LEN))
        return;
    hex_encode(key, ENTRY_KEY_LEN, hex);
    if (json_object_get(h->seen, hex) != NULL)
        return;
    json_object_set_new(h->seen, hex, json_true());
    o = node_peopleview_person_json(h->n, key);
    json_object_set_new(o, "why", json_string(why));
    hex_encode(entry_id(thank), ENTRY_ID_LEN, id);
    json_object_set_new(o, "entry", json_string(id));
    json_array_append_new(h->array, o);
}

static int match_helped_answer(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct match_helped *h = ctx;
    char why[ENTRY_TITLE_MAX + 64];

    (void)snippet;
    (void)rank;
    if (entry_created_ms(e) < h->since_ms)
        return 0;
    snprintf(why, sizeof(why), "answered your question \u201c%s\u201d", h->title);
    match_helped_add(h, entry_author(e), e, why);
    return 0;
}

/* My questions on the topic: who answered them since the goal was set. */
static int match_helped_question(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct match_helped *h = ctx;
    struct replica_query q = {0};

    (void)snippet;
    (void)rank;
    q.kind = ENTRY_ANSWER;
    q.ref = entry_id(e);
    q.oldest_first = 1;
    h->title = entry_title(e);
    (void)node_peopleview_list_all(h->n, &q, match_helped_answer, h);
    return 0;
}

/* A mentor I asked since the goal was set, if they offer mentoring on the topic: their offer. */
static int match_helped_offer(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct match_helped *h = ctx;

    (void)snippet;
    (void)rank;
    if (!node_peopleview_role(e, "offer"))
        return 0;
    match_helped_add(h, entry_author(e), e, "mentored you (you asked them)");
    return 1; /* their newest offer on it */
}

static int match_helped_request(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct match_helped *h = ctx;
    struct replica_query q = {0};
    const char *to = entry_attr_get(e, "to");
    uint8_t key[ENTRY_KEY_LEN];

    (void)snippet;
    (void)rank;
    if (!node_peopleview_role(e, "request") || entry_created_ms(e) < h->since_ms || to == NULL ||
        hex_decode(to, strlen(to), key, ENTRY_KEY_LEN) != 0)
        return 0;
    q.kind = ENTRY_MENTOR;
    q.author = key;
    q.tag = h->tag;
    (void)node_peopleview_list_all(h->n, &q, match_helped_offer, h);
    return 0;
}

/* A session on the topic since the goal was set, already held, that I said I would go to. */
static int match_helped_session(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct match_helped *h = ctx;
    struct node_session_now cur;
    const char *value = NULL;
    uint64_t at = 0;
    char why[ENTRY_TITLE_MAX + 64];

    (void)snippet;
    (void)rank;
    node_peopleview_session_now(h->n, e, &cur);
    if (!cur.cancelled && cur.at_ms >= h->since_ms && cur.at_ms <= h->now_ms &&
        node_peopleview_rsvp_of(h->n, e, h->me, &value, &at) && strcmp(value, "yes") == 0) {
        snprintf(why, sizeof(why), "hosted \u201c%s\u201d, which you went to", cur.title);
        match_helped_add(h, entry_author(e), e, why);
    }
    node_peopleview_session_done(&cur);
    return 0;
}

json_t *node_match_helped(struct node *n, const char *tag, uint64_t since_ms, uint64_t now_ms)
{
    struct match_helped h = {
        n, identity_public_key(n->id), since_ms, now_ms, tag, json_object(), json_array(), ""};
    struct replica_query q = {0};

    q.kind = ENTRY_QUESTION;
    q.author = h.me;
    q.tag = tag;
    q.oldest_first = 1;
    (void)node_peopleview_list_all(n, &q, match_helped_question, &h);
    memset(&q, 0, sizeof(q));
    q.kind = ENTRY_MENTOR;
    q.author = h.me;
    q.oldest_first = 1;
    (void)node_peopleview_list_all(n, &q, match_helped_request, &h);
    memset(&q, 0, sizeof(q));
    q.kind = ENTRY_SESSION;
    q.tag = tag;
    q.oldest_first = 1;
    (void)node_peopleview_list_all(n, &q, match_helped_session, &h);
    json_decref(h.seen);
    return h.array;
}
