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

/* One list of candidates read page by page, newest first: the newest NODE_LIST_MAX questions of
 * one of my areas (tag set) or of all (tag NULL: those addressed to me are kept). */
struct node_inbox_list {
    const char *tag;
    size_t read;           /* rows read so far */
    int done;              /* read to its end or to NODE_LIST_MAX rows */
    uint64_t effective_ms; /* of the last row read: what is left is effective no later */
};

struct node_inbox {
    struct node *n;
    json_t *index; /* id hex -> its place in cands: each question once */
    struct node_inbox_cand *cands;
    size_t ncands, cap;
    size_t page;                /* a list's first page (then each is twice as long) */
    int from;                   /* the list being read (INBOX_*) */
    size_t rows;                /* rows of it read */
    uint8_t last[ENTRY_ID_LEN]; /* the last row read */
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
    memcpy(ib->last, entry_id(e), ENTRY_ID_LEN);
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

/* Every urgent candidate, first (the few urgent questions have their own index): urgent ones of
 * my areas and addressed to me, and urgent open ones of the last day that reached everyone
 * (node_foryou_question), page by page as node_peopleview_list_all reads them. */
static void node_inbox_read_urgent(struct node_inbox *ib, const struct node_inbox_list *lists,
                                   size_t nlists, uint64_t now)
{
    struct replica_query q = {0};
    size_t i;

    q.kind = ENTRY_QUESTION;
    q.limit = NODE_LIST_MAX;
    q.urgent_only = 1;
    for (i = 0; i < nlists; i++) {
        q.tag = lists[i].tag;
        node_inbox_read(ib, &q, lists[i].tag != NULL ? INBOX_AREA : INBOX_TO);
    }
    q.tag = NULL;
    q.open_only = 1;
    q.since_ms = now - NODE_FORYOU_ESCALATE_WINDOW_MS;
    for (q.offset = 0; q.offset < PEOPLE_SCAN_MAX; q.offset += NODE_LIST_MAX) {
        node_inbox_read(ib, &q, INBOX_URGENT);
        if (ib->rows < NODE_LIST_MAX)
            break;
    }
}

/* Read the next page of the list that may still hold the newest candidate (the one whose last
 * row is the latest); 0, or -1 when every list is done. The pages double, up to NODE_LIST_MAX
 * rows a list in all. */
static int node_inbox_read_more(struct node_inbox *ib, struct node_inbox_list *lists, size_t nlists)
{
    struct node_inbox_list *l = NULL;
    struct replica_query q = {0};
    struct replica_entry_times tm;
    size_t i;

    for (i = 0; i < nlists; i++)
        if (!lists[i].done && (l == NULL || lists[i].effective_ms > l->effective_ms))
            l = &lists[i];
    if (l == NULL)
        return -1;
    q.kind = ENTRY_QUESTION;
    q.tag = l->tag;
    q.offset = l->read;
    q.limit = l->read > 0 ? l->read : ib->page;
    if (q.limit > NODE_LIST_MAX - l->read)
        q.limit = NODE_LIST_MAX - l->read;
    node_inbox_read(ib, &q, l->tag != NULL ? INBOX_AREA : INBOX_TO);
    l->read += ib->rows;
    l->done = ib->rows < q.limit || l->read >= NODE_LIST_MAX;
    if (ib->rows > 0 && replica_times(ib->n->replica, ib->last, &tm) == REPLICA_FOUND)
        l->effective_ms = tm.effective_ms;
    return 0;
}

/* The newest effective time a row not read yet may have (0: none is left). */
static uint64_t node_inbox_bound(const struct node_inbox_list *lists, size_t nlists)
{
    uint64_t b = 0;
    size_t i;

    for (i = 0; i < nlists; i++)
        if (!lists[i].done && lists[i].effective_ms > b)
            b = lists[i].effective_ms;
    return b;
}

/*
 * Questions for me (node_watch_reason, each with its reason) that are not mine and not resolved:
 * urgent first, then newest; what happened to my entries lately (on_yours). The candidates are
 * the urgent ones (node_inbox_read_urgent), and the newest NODE_LIST_MAX questions of each of my
 * areas and the newest questions addressed to me. Those lists are read page by page, newest
 * first, only as far as the page shown needs: a candidate is judged once no row still unread can
 * come before it (a question is created no later than it is effective, and each list's rest is
 * effective no later than its last row), and only the page shown is read and judged.
 */
static json_t *op_inbox(struct node *n, json_t *req)
{
    struct node_inbox ib = {n, NULL, NULL, 0, 0, 0, 0, 0, {0}};
    struct node_inbox_list *lists;
    json_t *o, *v, *arr, *ej;
    const char *k;
    long long limit = 50;
    uint64_t now = node_clock_wall_ms();
    size_t nlists = 0, next = 0, sorted = 0;
    int all_read = 0;

    if (node_arg_page(req, &limit, NULL) != 0)
        return api_error("bad_request", "limit must be 1 to %d", NODE_LIST_MAX);
    /* now_ms: a test hook (docs/API.md) to see reminders and escalations as at that time. */
    if (node_arg_now(req, &now) != 0)
        return api_error("bad_request", "now_ms must be a time in ms");
    /* Only now: the early returns above must not leak them. */
    ib.index = json_object();
    ib.page = (size_t)limit + 8; /* a few more: some are judged not for me */
    arr = json_array();
    node_watch_load_areas(n);
    lists = xcalloc(json_object_size(n->areas) + 1, sizeof(*lists));
    json_object_foreach(n->areas, k, v) lists[nlists++].tag = k;
    lists[nlists++].tag = NULL; /* the newest questions, for those addressed to me */
    for (next = 0; next < nlists; next++)
        lists[next].effective_ms = UINT64_MAX; /* not read yet: anything may come */
    node_inbox_read_urgent(&ib, lists, nlists, now);
    next = 0;
    while (json_array_size(arr) < (size_t)limit) {
        if (sorted < ib.ncands) { /* new rows come after every one judged (see above) */
            qsort(ib.cands + next, ib.ncands - next, sizeof(*ib.cands), node_inbox_cmp);
            sorted = ib.ncands;
        }
        if (next < ib.ncands && (all_read || ib.cands[next].urgent ||
                                 ib.cands[next].created_ms > node_inbox_bound(lists, nlists))) {
            ej = node_inbox_judge(n, &ib.cands[next++], now);
            if (ej != NULL)
                json_array_append_new(arr, ej);
        } else if (all_read || node_inbox_read_more(&ib, lists, nlists) != 0) {
            if (next >= ib.ncands)
                break;
            all_read = 1;
        }
    }
    free(lists);
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
