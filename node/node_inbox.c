/* node_inbox: my areas and what waits for me — skill, follow, and inbox (questions in my areas or
 * to me, urgent ones escalated to me, news on my entries, mentoring requests, reminders). */
#include "node_inbox.h"

#include "api_error.h"
#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_foryou.h"
#include "node_json.h"
#include "node_peopleview.h"
#include "node_publish.h"
#include "node_resolve.h"
#include "node_view.h"
#include "node_watch.h"
#include "xmalloc.h"
#include <stdlib.h>
#include <string.h>

/* Declare a skill: a signed entry, so colleagues see it too (tags: the skill, attr level). */
static json_t *op_skill(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    char tag[ENTRY_TAG_MAX + 1], level[2] = "3";
    const char *tags[1] = {tag};
    struct entry_attr attr = {"level", level};
    long long lv = 3;
    json_t *o;

    o = node_arg_tag(req, "a skill is a tag: give one", tag);
    if (o != NULL)
        return o;
    if (node_arg_int(req, "level", 1, 5, &lv) != 0)
        return api_error("bad_request", "level must be 1 to 5");
    level[0] = (char)('0' + lv);
    f.kind = ENTRY_SKILL;
    f.created_ms = node_clock_wall_ms();
    f.tags = tags;
    f.ntags = 1;
    f.attrs = &attr;
    f.nattrs = 1;
    o = node_publish(n, &f);
    node_watch_load_areas(n);
    return json_is_true(json_object_get(o, "ok")) ? node_watch_areas_json(n, o) : o;
}

/* Follow or stop following a tag: personal, kept on this node only. */
static json_t *op_follow(struct node *n, json_t *req)
{
    char tag[ENTRY_TAG_MAX + 1], err[ERRMSG_MAX];
    struct buf text;
    struct replica_meta m;
    int off, rc;
    json_t *res = node_arg_tag(req, "follow needs a tag", tag);

    if (res != NULL)
        return res;
    if (node_arg_bool(req, "off", &off) != 0)
        return api_error("bad_request", "off must be a boolean");
    node_watch_load_areas(n);
    buf_init(&text, NODE_MAX_FOLLOWS * (ENTRY_TAG_MAX + 1) + 1);
    /* The followed tags are the areas that are not skills: rebuild the list from the meta. */
    {
        uint8_t *old = NULL;
        size_t len = 0;
        char *line, *next;
        int count = 0;
        if (replica_meta_get(n->replica, NODE_FOLLOWS_META, &old, &len, NULL, NULL, 0) ==
            REPLICA_FOUND) {
            for (line = (char *)old; *line != '\0' && count < NODE_MAX_FOLLOWS; line = next) {
                next = strchr(line, '\n');
                if (next == NULL)
                    break;
                *next++ = '\0';
                if (strcmp(line, tag) != 0 && entry_tag_valid(line) &&
                    buf_printf(&text, "%s\n", line) == 0)
                    count++;
            }
        }
        free(old);
        if (!off && (count >= NODE_MAX_FOLLOWS || buf_printf(&text, "%s\n", tag) != 0)) {
            buf_free(&text);
            return api_error("invalid", "at most %d followed tags", NODE_MAX_FOLLOWS);
        }
    }
    m.key = NODE_FOLLOWS_META;
    m.value = text.len > 0 ? text.data : (const uint8_t *)"";
    m.len = text.len;
    m.text = 1;
    rc = replica_meta_set(n->replica, &m, err, sizeof(err));
    buf_free(&text);
    if (rc != 0)
        return api_error("internal", "saving the followed tags failed: %s", err);
    node_watch_load_areas(n);
    return node_watch_areas_json(n, node_json_ok());
}

struct node_inbox {
    struct node *n;
    json_t *seen;       /* id -> entry */
    int addressed_only; /* keep only questions addressed to me */
    int urgent_only;    /* keep only urgent questions */
    uint64_t now_ms;    /* for the escalation circles */
};

static int node_inbox_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_inbox *ib = ctx;
    char hex[2 * ENTRY_ID_LEN + 1], why[NODE_FORYOU_WHY_MAX];
    enum node_foryou_level level;
    json_t *ej;

    (void)snippet;
    (void)rank;
    if (memcmp(entry_author(e), identity_public_key(ib->n->id), ENTRY_KEY_LEN) == 0)
        return 0;
    hex_encode(entry_id(e), ENTRY_ID_LEN, hex);
    if (json_object_get(ib->seen, hex) != NULL ||
        (ib->urgent_only &&
         (entry_attr_get(e, "urgent") == NULL || strcmp(entry_attr_get(e, "urgent"), "1") != 0)))
        return 0;
    ej = node_view_entry(ib->n, e);
    level = node_watch_reason(ib->n, ej, ib->now_ms, why);
    if (strcmp(json_string_value(json_object_get(ej, "status")), "resolved") == 0 ||
        node_view_hidden(ej) || /* an admin hid it */
        (ib->addressed_only && !node_watch_to_me(ib->n, ej)) || level == NODE_FORYOU_NO) {
        json_decref(ej);
        return 0;
    }
    json_object_set_new(ej, "reason", json_string(why));
    json_object_set_new(ej, "escalated", json_boolean(level >= NODE_FORYOU_FOLLOWERS));
    json_object_set_new(ib->seen, hex, ej);
    return 0;
}

static int node_inbox_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int ux = json_is_true(json_object_get(x, "urgent")),
        uy = json_is_true(json_object_get(y, "urgent"));
    long long tx = json_integer_value(json_object_get(x, "created_ms"));
    long long ty = json_integer_value(json_object_get(y, "created_ms"));

    if (ux != uy)
        return uy - ux;
    return tx < ty ? 1 : tx > ty ? -1 : 0;
}

/* Questions for me (node_watch_reason, each with its reason) that are not mine and not
 * resolved: urgent first, then newest; what happened to my entries lately (on_yours). */
static json_t *op_inbox(struct node *n, json_t *req)
{
    struct node_inbox ib = {n, NULL, 0, 0, 0};
    struct replica_query q = {0};
    json_t *o, *v, **items, *arr;
    const char *k;
    long long limit = 50;
    uint64_t now = node_clock_wall_ms();
    size_t i = 0, count;

    if (node_arg_page(req, &limit, NULL) != 0)
        return api_error("bad_request", "limit must be 1 to %d", NODE_LIST_MAX);
    /* now_ms: a test hook (docs/API.md) to see reminders and escalations as at that time. */
    if (node_arg_now(req, &now) != 0)
        return api_error("bad_request", "now_ms must be a time in ms");
    /* Only now: the early returns above must not leak them. */
    ib.seen = json_object();
    ib.now_ms = now;
    arr = json_array();
    node_watch_load_areas(n);
    q.kind = ENTRY_QUESTION;
    q.limit = NODE_LIST_MAX;
    json_object_foreach(n->areas, k, v)
    {
        q.tag = k;
        if (replica_list(n->replica, &q, node_inbox_row, &ib, NULL) != 0)
            log_warnx("node: inbox: listing tag %s failed", k);
    }
    /* And the newest questions addressed to me, whatever their tags. */
    memset(&q, 0, sizeof(q));
    q.kind = ENTRY_QUESTION;
    q.limit = NODE_LIST_MAX;
    ib.addressed_only = 1;
    if (replica_list(n->replica, &q, node_inbox_row, &ib, NULL) != 0)
        log_warnx("node: inbox: listing questions failed");
    /* And urgent questions nobody answered that reached everyone (node_foryou_question). */
    q.open_only = 1;
    q.since_ms = now - NODE_FORYOU_ESCALATE_WINDOW_MS;
    ib.addressed_only = 0;
    ib.urgent_only = 1;
    if (node_peopleview_list_all(n, &q, node_inbox_row, &ib) != 0)
        log_warnx("node: inbox: listing open questions failed");
    count = json_object_size(ib.seen);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    json_object_foreach(ib.seen, k, v) items[i++] = v;
    qsort(items, count, sizeof(*items), node_inbox_cmp);
    for (i = 0; i < count && i < (size_t)limit; i++)
        json_array_append(arr, items[i]);
    free(items);
    json_decref(ib.seen);
    o = node_watch_areas_json(n, node_json_ok());
    json_object_set_new(o, "entries", arr);
    json_object_set_new(o, "mentoring_requests", node_peopleview_mentor_requests(n, 0, 20));
    json_object_set_new(o, "reminders", node_peopleview_reminders(n, now));
    json_object_set_new(o, "on_yours",
                        node_foryou_recent(n, now - NODE_FORYOU_RECENT_MS, PEOPLE_SECTION_MAX));
    return o;
}

const struct node_op node_inbox_ops[] = {
    {"skill", op_skill, "declare a skill (a tag and a level)", 0},
    {"follow", op_follow, "follow a tag, or stop following it", 0},
    {"inbox", op_inbox, "questions for me, news on my entries, mentoring requests, reminders", 0},
    {NULL, NULL, NULL, 0},
};
