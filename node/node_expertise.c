/* node_expertise: who_knows (node_rank's ranking as an op) and stats (are questions answered, and
 * fast?). */
#include "node_expertise.h"

#include "api_error.h"
#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_json.h"
#include "node_publish.h"
#include "node_rank.h"
#include "node_resolve.h"
#include "node_view.h"
#include "timeunits.h"
#include "xmalloc.h"
#include <stdlib.h>
#include <string.h>

static json_t *op_who_knows(struct node *n, json_t *req)
{
    const char *topic;
    json_t *o, *people, *related = NULL, *rj;
    int online, use_related = 1;

    if (node_arg_str(req, "topic", &topic) != 0 || topic == NULL || topic[0] == '\0')
        return api_error("bad_request", "who-knows needs a topic");
    if (strlen(topic) > 1000)
        return api_error("bad_request", "the topic is too long (at most 1000 bytes)");
    if (node_arg_bool(req, "online", &online) != 0)
        return api_error("bad_request", "online must be a boolean");
    rj = json_object_get(req, "related");
    if (rj != NULL && !json_is_boolean(rj))
        return api_error("bad_request", "related must be a boolean");
    if (rj != NULL)
        use_related = json_is_true(rj);
    /* Online first: rank everyone, then the first 20 of the online and the others. */
    people =
        node_rank_experts_related(n, topic, online ? NODE_LIST_MAX : 20, use_related, &related);
    if (online)
        node_rank_online_first(people, 20);
    o = node_json_ok();
    json_object_set_new(o, "topic", json_string(topic));
    json_object_set_new(o, "related", related);
    json_object_set_new(o, "people", people);
    return o;
}

/* ---- stats ---- */

struct node_stats {
    uint64_t now_ms;
    size_t asked, answered, within_24h, unanswered_7d, resolved;
    double *first, *accept; /* hours to first answer, to accepted answer */
    size_t nfirst, naccept, cap;
    json_t *needs; /* tag -> [asked, unanswered] */
};

static int node_stats_row(void *ctx, uint64_t created, uint64_t first, uint64_t accepted,
                          const char *tags)
{
    struct node_stats *st = ctx;
    char tag[ENTRY_TAG_MAX + 1];
    const char *p = tags;
    size_t len;
    json_t *need;

    if (st->asked == st->cap) {
        st->cap = st->cap ? 2 * st->cap : 256;
        st->first = xreallocarray(st->first, st->cap, sizeof(double));
        st->accept = xreallocarray(st->accept, st->cap, sizeof(double));
    }
    st->asked++;
    if (first != 0 && first >= created) {
        st->answered++;
        st->within_24h += first - created <= LORE_DAY_MS;
        st->first[st->nfirst++] = (double)(first - created) / (double)LORE_HOUR_MS;
    } else if (st->now_ms - created > LORE_WEEK_MS) {
        st->unanswered_7d++;
    }
    if (accepted != 0 && accepted >= created) {
        st->resolved++;
        st->accept[st->naccept++] = (double)(accepted - created) / (double)LORE_HOUR_MS;
    }
    while (*p != '\0') {
        len = strcspn(p, " ");
        if (len > 0 && len <= ENTRY_TAG_MAX) {
            memcpy(tag, p, len);
            tag[len] = '\0';
            need = json_object_get(st->needs, tag);
            if (need == NULL) {
                need = json_pack("[i,i]", 0, 0);
                json_object_set_new(st->needs, tag, need);
            }
            json_array_set_new(need, 0,
                               json_integer(json_integer_value(json_array_get(need, 0)) + 1));
            if (first == 0)
                json_array_set_new(need, 1,
                                   json_integer(json_integer_value(json_array_get(need, 1)) + 1));
        }
        p += len + (p[len] == ' ');
    }
    return 0;
}

static int node_stats_helper(void *ctx, const uint8_t *author, long long answers)
{
    struct node *n = ((void **)ctx)[0];
    json_t *arr = ((void **)ctx)[1];
    json_t *h = json_object();

    json_object_set_new(h, "key", node_json_hex(author, ENTRY_KEY_LEN));
    json_object_set_new(h, "name", node_view_name(n, author));
    json_object_set_new(h, "answers", json_integer(answers));
    json_array_append_new(arr, h);
    return 0;
}

static int node_needs_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    long long ax = json_integer_value(json_object_get(x, "asked"));
    long long ay = json_integer_value(json_object_get(y, "asked"));

    if (ax != ay)
        return ax < ay ? 1 : -1;
    return strcmp(json_string_value(json_object_get(x, "tag")),
                  json_string_value(json_object_get(y, "tag")));
}

/* Are questions answered, and fast? Aggregates over questions since a time, optionally in a tag. */
static json_t *op_stats(struct node *n, json_t *req)
{
    struct node_stats st = {0};
    long long since = 0;
    char tag[ENTRY_TAG_MAX + 1];
    const char *k;
    json_t *o, *needs, *helpers, *v, **items;
    void *hctx[2];
    size_t i = 0, count;
    int has_tag;

    if (node_arg_int(req, "since_ms", 0, (long long)ENTRY_MAX_TIME_MS, &since) != 0)
        return api_error("bad_request", "since_ms must be a time in ms");
    o = node_arg_tag(req, NULL, tag);
    if (o != NULL)
        return o;
    helpers = json_array();
    hctx[0] = n;
    hctx[1] = helpers;
    has_tag = tag[0] != '\0';
    st.now_ms = node_clock_wall_ms();
    st.needs = json_object();
    if (replica_question_times(n->replica, (uint64_t)since, has_tag ? tag : NULL, node_stats_row,
                               &st) != 0 ||
        replica_top_answerers(n->replica, (uint64_t)since, has_tag ? tag : NULL, 10,
                              node_stats_helper, hctx) != 0) {
        free(st.first);
        free(st.accept);
        json_decref(st.needs);
        json_decref(helpers);
        return api_error("internal", "the statistics could not be computed; see the node's log");
    }
    o = node_json_ok();
    json_object_set_new(o, "since_ms", json_integer(since));
    json_object_set_new(o, "tag", has_tag ? json_string(tag) : json_null());
    json_object_set_new(o, "asked", json_integer((json_int_t)st.asked));
    json_object_set_new(o, "answered", json_integer((json_int_t)st.answered));
    json_object_set_new(o, "answered_pct",
                        st.asked ? json_real(100.0 * (double)st.answered / (double)st.asked)
                                 : json_null());
    json_object_set_new(o, "answered_24h_pct",
                        st.asked ? json_real(100.0 * (double)st.within_24h / (double)st.asked)
                                 : json_null());
    json_object_set_new(o, "resolved", json_integer((json_int_t)st.resolved));
    json_object_set_new(o, "median_hours_to_first_answer", node_json_median(st.first, st.nfirst));
    json_object_set_new(o, "median_hours_to_accepted_answer",
                        node_json_median(st.accept, st.naccept));
    json_object_set_new(o, "unanswered_after_7_days", json_integer((json_int_t)st.unanswered_7d));
    count = json_object_size(st.needs);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    json_object_foreach(st.needs, k, v)
    {
        items[i++] = json_pack("{s:s,s:O,s:O}", "tag", k, "asked", json_array_get(v, 0),
                               "unanswered", json_array_get(v, 1));
    }
    qsort(items, count, sizeof(*items), node_needs_cmp);
    needs = json_array();
    for (i = 0; i < count; i++) {
        if (i < 15)
            json_array_append(needs, items[i]);
        json_decref(items[i]);
    }
    free(items);
    json_object_set_new(o, "needs", needs);
    json_object_set_new(o, "helpers", helpers);
    free(st.first);
    free(st.accept);
    json_decref(st.needs);
    return o;
}

const struct node_op node_expertise_ops[] = {
    {"who_knows", op_who_knows, "people ranked for a topic, with why", 0},
    {"stats", op_stats, "are questions answered, and fast?", 0},
    {NULL, NULL, NULL, 0},
};
