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

/* The lists a question for the inbox comes from. */
enum {
    INBOX_AREA = 1,   /* in one of my areas */
    INBOX_TO = 2,     /* addressed to me */
    INBOX_URGENT = 4, /* urgent, open, and recent enough to escalate */
};

/* A question the inbox may show, known by its fields alone (replica_list_heads): read, verified
 * and judged (node_inbox_judge) only when its turn in the inbox's order comes. */
struct node_inbox_cand {
    uint8_t id[ENTRY_ID_LEN];
    uint64_t created_ms;
    int urgent;
};

struct node_inbox {
    struct node *n;
    json_t *index; /* id hex -> its place in cands: each question once */
    struct node_inbox_cand *cands;
    size_t ncands, cap;
    int from;    /* the list being read (INBOX_*) */
    size_t rows; /* rows of it read */
};

static int node_inbox_urgent(const struct entry *e)
{
    const char *u = entry_attr_get(e, "urgent");

    return u != NULL && strcmp(u, "1") == 0;
}

static int node_inbox_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_inbox *ib = ctx;
    char hex[2 * ENTRY_ID_LEN + 1], me[2 * ENTRY_KEY_LEN + 1];
    const char *to = entry_attr_get(e, "to");
    struct node_inbox_cand *c;

    (void)snippet;
    (void)rank;
    ib->rows++;
    if (memcmp(entry_author(e), identity_public_key(ib->n->id), ENTRY_KEY_LEN) == 0)
        return 0;
    hex_encode(identity_public_key(ib->n->id), ENTRY_KEY_LEN, me);
    /* What node_watch_to_me and the view's "urgent" say, from the same attributes. */
    if ((ib->from == INBOX_TO && (to == NULL || strcmp(to, me) != 0)) ||
        (ib->from == INBOX_URGENT && !node_inbox_urgent(e)))
        return 0;
    hex_encode(entry_id(e), ENTRY_ID_LEN, hex);
    if (json_object_get(ib->index, hex) != NULL)
        return 0;
    if (ib->ncands == ib->cap) {
        ib->cap = ib->cap != 0 ? 2 * ib->cap : 256;
        ib->cands = xreallocarray(ib->cands, ib->cap, sizeof(*ib->cands));
    }
    c = &ib->cands[ib->ncands];
    memcpy(c->id, entry_id(e), ENTRY_ID_LEN);
    c->created_ms = entry_created_ms(e);
    c->urgent = node_inbox_urgent(e);
    json_object_set_new(ib->index, hex, json_integer((json_int_t)ib->ncands++));
    return 0;
}

/* Urgent first, then newest; then by id, so equal times keep one order. */
static int node_inbox_cmp(const void *a, const void *b)
{
    const struct node_inbox_cand *x = a, *y = b;

    if (x->urgent != y->urgent)
        return y->urgent - x->urgent;
    if (x->created_ms != y->created_ms)
        return x->created_ms < y->created_ms ? 1 : -1;
    return memcmp(x->id, y->id, ENTRY_ID_LEN);
}

/* The question c as the inbox shows it (with its reason), or NULL if it is not for me at now_ms:
 * resolved, hidden by an admin, or no reason (node_watch_reason). */
static json_t *node_inbox_judge(struct node *n, const struct node_inbox_cand *c, uint64_t now_ms)
{
    char why[NODE_FORYOU_WHY_MAX];
    enum node_foryou_level level;
    struct entry *e = NULL;
    json_t *ej;

    if (replica_get(n->replica, c->id, &e, NULL, 0) != REPLICA_FOUND)
        return NULL; /* corrupt (logged) or gone since */
    ej = node_view_entry(n, e);
    entry_destroy(&e);
    level = node_watch_reason(n, ej, now_ms, why);
    if (strcmp(json_string_value(json_object_get(ej, "status")), "resolved") == 0 ||
        node_view_hidden(ej) || level == NODE_FORYOU_NO) {
        json_decref(ej);
        return NULL;
    }
    json_object_set_new(ej, "reason", json_string(why));
    json_object_set_new(ej, "escalated", json_boolean(level >= NODE_FORYOU_FOLLOWERS));
    return ej;
}

/* Read one list of candidates (from: INBOX_*) into ib. */
static void node_inbox_read(struct node_inbox *ib, struct replica_query *q, int from)
{
    ib->from = from;
    ib->rows = 0;
    if (replica_list_heads(ib->n->replica, q, node_inbox_row, ib) != 0)
        log_warnx("node: inbox: listing questions failed");
}

/* Questions for me (node_watch_reason, each with its reason) that are not mine and not
 * resolved: urgent first, then newest; what happened to my entries lately (on_yours). The
 * candidates are the newest NODE_LIST_MAX questions of each of my areas, the newest questions
 * addressed to me, and urgent open ones of the last day; they are ordered by their own fields and
 * only the page shown is read and judged, not every candidate. */
static json_t *op_inbox(struct node *n, json_t *req)
{
    struct node_inbox ib = {n, NULL, NULL, 0, 0, 0, 0};
    struct replica_query q = {0};
    json_t *o, *v, *arr, *ej;
    const char *k;
    long long limit = 50;
    uint64_t now = node_clock_wall_ms();
    size_t i;

    if (node_arg_page(req, &limit, NULL) != 0)
        return api_error("bad_request", "limit must be 1 to %d", NODE_LIST_MAX);
    /* now_ms: a test hook (docs/API.md) to see reminders and escalations as at that time. */
    if (node_arg_now(req, &now) != 0)
        return api_error("bad_request", "now_ms must be a time in ms");
    /* Only now: the early returns above must not leak them. */
    ib.index = json_object();
    arr = json_array();
    node_watch_load_areas(n);
    q.kind = ENTRY_QUESTION;
    q.limit = NODE_LIST_MAX;
    json_object_foreach(n->areas, k, v)
    {
        q.tag = k;
        node_inbox_read(&ib, &q, INBOX_AREA);
    }
    /* And the newest questions addressed to me, whatever their tags. */
    memset(&q, 0, sizeof(q));
    q.kind = ENTRY_QUESTION;
    q.limit = NODE_LIST_MAX;
    node_inbox_read(&ib, &q, INBOX_TO);
    /* And urgent questions nobody answered that reached everyone (node_foryou_question), page
     * by page as node_peopleview_list_all reads them. */
    q.open_only = 1;
    q.since_ms = now - NODE_FORYOU_ESCALATE_WINDOW_MS;
    for (q.offset = 0; q.offset < PEOPLE_SCAN_MAX; q.offset += NODE_LIST_MAX) {
        node_inbox_read(&ib, &q, INBOX_URGENT);
        if (ib.rows < NODE_LIST_MAX)
            break;
    }
    if (ib.ncands > 0)
        qsort(ib.cands, ib.ncands, sizeof(*ib.cands), node_inbox_cmp);
    for (i = 0; i < ib.ncands && json_array_size(arr) < (size_t)limit; i++) {
        ej = node_inbox_judge(n, &ib.cands[i], now);
        if (ej != NULL)
            json_array_append_new(arr, ej);
    }
    free(ib.cands);
    json_decref(ib.index);
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
