/* node_escalate: urgent questions nobody answered, sent to the next circle as they wait. Every
 * node decides from the entries it holds and its own clock; what it sent is kept in the replica's
 * meta table, so nothing is sent twice, restarts included; an answer takes a question out of the
 * pass (it lists open questions only). */
#include "node_escalate.h"

#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_foryou.h"
#include "node_json.h"
#include "node_peopleview.h"
#include "node_view.h"
#include "node_watch.h"

#define ESCALATE_META "escalated" /* "<question id hex> <circle> <created_ms>\n" per question */
#define ESCALATE_MAX 45           /* lines that fit in REPLICA_META_VALUE_MAX */
#define ESCALATE_TICK_MAX_MS (30 * LORE_SECOND_MS)
#define ESCALATE_TICK_MIN_MS 250

struct escalate_pass {
    struct node *n;
    uint64_t now_ms;
    json_t *sent; /* question id -> [circle, created_ms] */
    size_t count;
    int full;
};

/* What was sent, from the meta table: questions still inside the window (older ones can no
 * longer escalate, so forgetting them repeats nothing). */
static json_t *escalate_load(struct node *n, uint64_t now_ms)
{
    json_t *sent = json_object();
    uint8_t *v = NULL;
    size_t len = 0;
    char *line, *next, *end;
    unsigned long circle;
    unsigned long long created;

    if (replica_meta_get(n->replica, ESCALATE_META, &v, &len, NULL, NULL, 0) != REPLICA_FOUND)
        return sent;
    for (line = (char *)v; *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next == NULL)
            break;
        *next++ = '\0';
        if (strlen(line) < 2 * ENTRY_ID_LEN + 4 || line[2 * ENTRY_ID_LEN] != ' ')
            continue;
        line[2 * ENTRY_ID_LEN] = '\0';
        circle = strtoul(line + 2 * ENTRY_ID_LEN + 1, &end, 10);
        if (!hex_is_hex(line) || *end != ' ' || circle < NODE_FORYOU_FOLLOWERS ||
            circle > NODE_FORYOU_EVERYONE)
            continue;
        created = strtoull(end + 1, &end, 10);
        if (*end == '\0' && created + NODE_FORYOU_ESCALATE_WINDOW_MS > now_ms)
            json_object_set_new(sent, line, json_pack("[i, I]", (int)circle, (json_int_t)created));
    }
    free(v);
    return sent;
}

static void escalate_save(struct node *n, json_t *sent)
{
    struct replica_meta m;
    struct buf text;
    const char *k;
    json_t *v;
    char err[ERRMSG_MAX];

    buf_init(&text, REPLICA_META_VALUE_MAX);
    json_object_foreach(sent, k, v)
    {
        if (buf_printf(&text, "%s %lld %lld\n", k,
                       (long long)json_integer_value(json_array_get(v, 0)),
                       (long long)json_integer_value(json_array_get(v, 1))) != 0)
            break;
    }
    m.key = ESCALATE_META;
    m.value = text.len > 0 ? text.data : (const uint8_t *)"";
    m.len = text.len;
    m.text = 1;
    if (replica_meta_set(n->replica, &m, err, sizeof(err)) != 0)
        log_warnx("node: remembering escalations failed: %s", err);
    buf_free(&text);
}

/* One open question: send it if it reached a circle beyond what was sent for it. */
static int escalate_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct escalate_pass *p = ctx;
    char id[2 * ENTRY_ID_LEN + 1], why[NODE_FORYOU_WHY_MAX];
    const char *urgent = entry_attr_get(e, "urgent");
    enum node_foryou_level level;
    json_t *ej, *ev, *was;

    (void)snippet;
    (void)rank;
    if (urgent == NULL || strcmp(urgent, "1") != 0 || node_peopleview_is_me(p->n, entry_author(e)))
        return 0;
    hex_encode(entry_id(e), ENTRY_ID_LEN, id);
    was = json_object_get(p->sent, id);
    ej = node_view_entry(p->n, e);
    level = node_watch_reason(p->n, ej, p->now_ms, why);
    if (level < NODE_FORYOU_FOLLOWERS || node_view_hidden(ej) ||
        (was != NULL && json_integer_value(json_array_get(was, 0)) >= (json_int_t)level))
        goto out;
    if (was == NULL && json_object_size(p->sent) >= ESCALATE_MAX) {
        p->full = 1; /* sending without remembering could send it twice */
        goto out;
    }
    ev = json_object();
    json_object_set_new(ev, "event", json_string("entry"));
    json_object_set_new(ev, "for_you", json_true());
    json_object_set_new(ev, "reason", json_string(why));
    json_object_set_new(ev, "escalated", json_true());
    json_object_set_new(ev, "circle", json_integer(level));
    json_object_set(ev, "entry", ej);
    if (p->n->hooks.broadcast != NULL)
        p->n->hooks.broadcast(p->n, ev);
    json_decref(ev);
    json_object_set_new(p->sent, id,
                        json_pack("[i, I]", (int)level, (json_int_t)entry_created_ms(e)));
    p->count++;
out:
    json_decref(ej);
    return 0;
}

/* The pass: a watch event per urgent question that reached a new circle for me at now_ms (only
 * the highest one due: a node that was down does not send both). Nothing is sent, nor marked,
 * while nobody watches. Returns how many were sent. */
static size_t escalate_run(struct node *n, uint64_t now_ms)
{
    struct escalate_pass p = {n, now_ms, NULL, 0, 0};
    struct replica_query q = {0};

    if (n->id == NULL || n->hooks.subscribers == NULL || n->hooks.subscribers(n) == 0)
        return 0;
    p.sent = escalate_load(n, now_ms);
    q.kind = ENTRY_QUESTION;
    q.open_only = 1; /* an answer stops it */
    q.since_ms =
        now_ms > NODE_FORYOU_ESCALATE_WINDOW_MS ? now_ms - NODE_FORYOU_ESCALATE_WINDOW_MS : 1;
    (void)node_peopleview_list_all(n, &q, escalate_row, &p);
    if (p.full)
        log_warnx("node: more than %d urgent questions escalating at once; some wait",
                  ESCALATE_MAX);
    if (p.count > 0) {
        escalate_save(n, p.sent);
        log_info("node: %zu urgent question%s escalated", p.count, p.count == 1 ? "" : "s");
    }
    json_decref(p.sent);
    return p.count;
}

static void escalate_tick(struct loop *loop, uint64_t timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    (void)escalate_run(arg, node_clock_wall_ms());
}

void node_escalate_start(struct node *n)
{
    uint64_t d = node_foryou_after_ms(n), again = node_foryou_again_ms(n);

    if (again < d)
        d = again;
    d /= 4;
    if (d > ESCALATE_TICK_MAX_MS)
        d = ESCALATE_TICK_MAX_MS;
    if (d < ESCALATE_TICK_MIN_MS)
        d = ESCALATE_TICK_MIN_MS;
    (void)loop_add_timer(n->loop, d, 1, escalate_tick, n);
}

/* Test hook (docs/API.md): run the escalation pass now, as if the time were now_ms. */
static json_t *op_escalate(struct node *n, json_t *req)
{
    uint64_t now = node_clock_wall_ms();
    json_t *o;

    if (node_arg_now(req, &now) != 0)
        return api_error("bad_request", "now_ms must be a time in ms");
    o = node_json_ok();
    json_object_set_new(o, "sent", json_integer((json_int_t)escalate_run(n, now)));
    return o;
}

const struct node_op node_escalate_ops[] = {
    {"escalate", op_escalate, "run the escalation of urgent questions now (a test hook)", 0},
    {NULL, NULL, NULL, 0},
};
