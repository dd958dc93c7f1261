/* node_needs: the needs-vs-experts map. Every number comes from the entries alone (no clock, no
 * viewer): nodes holding the same entries answer byte for byte the same.
 *
 * demand = learners (people with an active goal on the topic) + questions asked with its tag;
 * supply = experts (people who answered a question tagged with it, not their own:
 * replica_asked_answerers — who_knows' ranking per topic cost 150 ms each at 100k entries, and
 * its scores read the clock) + mentors (people offering mentoring on
 * it); gap = demand / (supply + 1) — the + 1 keeps a
 * topic nobody covers finite and above one with the same demand and a single helper. Sorted by
 * gap (compared exactly, as integers), then demand, then tag. */
#include "node_needs.h"

#include <stdlib.h>
#include <string.h>

#include "node_args.h"
#include "node_goals.h"
#include "node_json.h"
#include "node_map.h"
#include "node_match.h"
#include "node_peopleview.h"
#include "node_synonyms.h"
#include "timeunits.h"
#include "xmalloc.h"

#define NEEDS_DEFAULT 30 /* topics shown */
#define NEEDS_MAX 100

struct needs_topic {
    char tag[ENTRY_TAG_MAX + 1];
    long long learners, asked, answered, experts, mentors;
    double *hours; /* to the first answer */
    size_t nhours, cap;
    size_t question; /* the last question counted, plus one (0: none yet) */
};

struct needs {
    struct needs_topic *topics;
    size_t count, cap;
    struct node_map *index; /* tag -> index in topics */
    struct node *n;
};

static struct needs_topic *needs_topic(struct needs *nd, const char *tag, size_t len)
{
    char key[ENTRY_TAG_MAX + 1];
    size_t i;

    if (len == 0 || len > ENTRY_TAG_MAX)
        return NULL;
    memcpy(key, tag, len);
    key[len] = '\0';
    node_syn_canon(nd->n, key, key); /* a topic is its canonical tag */
    len = strlen(key);
    if (node_map_get(nd->index, key, &i))
        return &nd->topics[i];
    if (nd->count == nd->cap) {
        nd->cap = nd->cap != 0 ? 2 * nd->cap : 32;
        nd->topics = xreallocarray(nd->topics, nd->cap, sizeof(*nd->topics));
    }
    node_map_put(nd->index, key, nd->count);
    memset(&nd->topics[nd->count], 0, sizeof(nd->topics[0]));
    memcpy(nd->topics[nd->count].tag, key, len + 1);
    return &nd->topics[nd->count++];
}

/* One (question, tag) pair; a question counts once a topic, whatever its aliases (the pairs of
 * a question come together). */
static int needs_question(void *ctx, size_t question, const char *tag, uint64_t created,
                          uint64_t first)
{
    struct needs *nd = ctx;
    struct needs_topic *t = needs_topic(nd, tag, strlen(tag));

    if (t == NULL || t->question == question + 1)
        return 0;
    t->question = question + 1;
    t->asked++;
    if (first == 0 || first < created)
        return 0;
    t->answered++;
    if (t->nhours == t->cap) {
        t->cap = t->cap != 0 ? 2 * t->cap : 8;
        t->hours = xreallocarray(t->hours, t->cap, sizeof(double));
    }
    t->hours[t->nhours++] = (double)(first - created) / (double)LORE_HOUR_MS;
    return 0;
}

/* The tags of mentoring entries (offers and the rest): a tag none carries has no mentor, and is
 * not listed per topic (a list by tag walks every entry with the tag, ~1 ms per 100 of them). */
struct needs_mentor_tags {
    struct node_map *tags; /* canonical tags */
    struct node *n;
    size_t rows;
};

static int needs_mentor_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct needs_mentor_tags *mt = ctx;
    char canon[ENTRY_TAG_MAX + 1];
    size_t i;

    (void)snippet;
    (void)rank;
    mt->rows++;
    for (i = 0; i < entry_ntags(e); i++) {
        node_syn_canon(mt->n, entry_tag(e, i), canon);
        node_map_put(mt->tags, canon, 1);
    }
    return 0;
}

static long long needs_demand(const struct needs_topic *t)
{
    return t->learners + t->asked;
}

static long long needs_supply(const struct needs_topic *t)
{
    return t->experts + t->mentors;
}

/* Most demand first, then by tag: which topics are worth the experts' count. */
static int needs_demand_cmp(const void *a, const void *b)
{
    const struct needs_topic *x = a, *y = b;

    if (needs_demand(x) != needs_demand(y))
        return needs_demand(x) < needs_demand(y) ? 1 : -1;
    return strcmp(x->tag, y->tag);
}

/* Biggest gap first (dx/(sx+1) against dy/(sy+1), cross-multiplied: exact), then demand, tag. */
static int needs_gap_cmp(const void *a, const void *b)
{
    const struct needs_topic *x = a, *y = b;
    long long l = needs_demand(x) * (needs_supply(y) + 1);
    long long r = needs_demand(y) * (needs_supply(x) + 1);

    if (l != r)
        return l < r ? 1 : -1;
    return needs_demand_cmp(a, b);
}

static json_t *needs_topic_json(struct needs_topic *t)
{
    json_t *o = json_object();

    json_object_set_new(o, "tag", json_string(t->tag));
    json_object_set_new(o, "learners", json_integer(t->learners));
    json_object_set_new(o, "asked", json_integer(t->asked));
    json_object_set_new(o, "answered", json_integer(t->answered));
    json_object_set_new(o, "answered_pct",
                        t->asked > 0 ? json_real(100.0 * (double)t->answered / (double)t->asked)
                                     : json_null());
    json_object_set_new(o, "median_hours_to_first_answer", node_json_median(t->hours, t->nhours));
    json_object_set_new(o, "experts", json_integer(t->experts));
    json_object_set_new(o, "mentors", json_integer(t->mentors));
    json_object_set_new(o, "demand", json_integer(needs_demand(t)));
    json_object_set_new(o, "supply", json_integer(needs_supply(t)));
    json_object_set_new(o, "gap",
                        json_real((double)needs_demand(t) / (double)(needs_supply(t) + 1)));
    return o;
}

static json_t *op_needs(struct node *n, json_t *req)
{
    struct needs nd = {NULL, 0, 0, node_map_new(), n};
    struct replica_asked *asked = NULL;
    struct needs_mentor_tags mt = {node_map_new(), n, 0};
    struct replica_query mq = {0};
    char aliases[NODE_SYN_ALIASES_MAX][ENTRY_TAG_MAX + 1];
    const char *class[NODE_SYN_ALIASES_MAX + 1];
    size_t seen, nclass, j;
    long long limit = NEEDS_DEFAULT;
    json_t *demand, *v, *topics = NULL, *res;
    const char *tag;
    size_t i, shown;

    if (node_arg_int(req, "limit", 1, NEEDS_MAX, &limit) != 0)
        return api_error("bad_request", "limit is 1 to %d", NEEDS_MAX);
    demand = node_goals_demand(n);
    json_object_foreach(demand, tag, v)
    {
        struct needs_topic *t = needs_topic(&nd, tag, strlen(tag));
        if (t != NULL)
            t->learners = json_integer_value(v);
    }
    json_decref(demand);
    asked = replica_asked_read(n->replica);
    if (asked == NULL) {
        res = api_error("internal", "the needs could not be computed; see the node's log");
        goto out;
    }
    (void)replica_asked_foreach(asked, needs_question, &nd);
    /* The experts and mentors of the topics most in demand, then those by gap. */
    if (nd.count > 0)
        qsort(nd.topics, nd.count, sizeof(*nd.topics), needs_demand_cmp);
    shown = nd.count < (size_t)limit ? nd.count : (size_t)limit;
    mq.kind = ENTRY_MENTOR;
    if (shown > 0 && node_peopleview_list_all(n, &mq, needs_mentor_row, &mt) != 0)
        mt.rows = PEOPLE_SCAN_MAX; /* unknown: count every topic's */
    for (i = 0; i < shown; i++) {
        nclass = node_syn_aliases(n, nd.topics[i].tag, aliases);
        class[0] = nd.topics[i].tag;
        for (j = 0; j < nclass; j++)
            class[j + 1] = aliases[j];
        nd.topics[i].experts = replica_asked_answerers(asked, class, nclass + 1);
        if (mt.rows >= PEOPLE_SCAN_MAX || node_map_get(mt.tags, nd.topics[i].tag, &seen))
            nd.topics[i].mentors = (long long)node_match_mentor_count(n, nd.topics[i].tag);
    }
    if (shown > 0)
        qsort(nd.topics, shown, sizeof(*nd.topics), needs_gap_cmp);
    topics = json_array();
    for (i = 0; i < shown; i++)
        json_array_append_new(topics, needs_topic_json(&nd.topics[i]));
    res = node_json_ok();
    json_object_set_new(res, "topics", topics);
    json_object_set_new(res, "gap", json_string("(learners + asked) / (experts + mentors + 1)"));
out:
    for (i = 0; i < nd.count; i++)
        free(nd.topics[i].hours);
    free(nd.topics);
    node_map_destroy(&nd.index);
    replica_asked_destroy(&asked);
    node_map_destroy(&mt.tags);
    return res;
}

const struct node_op node_needs_ops[] = {
    {"needs", op_needs, "the needs-vs-experts map: demand and supply per topic, by gap", 0},
    {NULL, NULL, NULL, 0},
};
