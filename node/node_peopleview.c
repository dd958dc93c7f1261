/* node_peopleview: what the replica says of people, for the ops that show them: a voter's weight,
 * profiles and bios, mentoring offers and requests, session RSVPs, badges and reminders.
 *
 * Every view is computed from the signed entries held, so nodes holding the same entries agree.
 * Rules that a hostile node could try to bend are enforced when reading, not only when writing:
 * self-endorsements and RSVPs or votes beyond a person's latest do not count. */
#include "node_peopleview.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "kinds.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_json.h"
#include "node_view.h"
#include "timeunits.h"
#include "xmalloc.h"

/* ---- helpers ---- */

/* The one place a voter's weight is decided (node_int.h): top, who-knows, profiles and the
 * ledger count recognition by this identity. */
void node_peopleview_voter(struct node *n, const uint8_t key[ENTRY_KEY_LEN],
                           char out[NODE_VOTER_MAX])
{
    uint8_t pool[ENTRY_ID_LEN];

    if (n->team == NULL || team_trust(n->team, identity_public_key(n->id), key, pool)) {
        hex_encode(key, ENTRY_KEY_LEN, out);
        return;
    }
    memcpy(out, "pool:", 5);
    hex_encode(pool, ENTRY_ID_LEN, out + 5);
}

int node_peopleview_is_me(struct node *n, const uint8_t *key)
{
    return memcmp(key, identity_public_key(n->id), ENTRY_KEY_LEN) == 0;
}

/* {"key", "name"} of a person (name null without a profile). */
json_t *node_peopleview_person_json(struct node *n, const uint8_t *key)
{
    json_t *o = json_object();

    json_object_set_new(o, "key", node_json_hex(key, ENTRY_KEY_LEN));
    json_object_set_new(o, "name", node_view_name(n, key));
    return o;
}

struct people_page {
    replica_row_fn fn;
    void *ctx;
    size_t rows;
};

static int people_page_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_page *pg = ctx;

    pg->rows++;
    return pg->fn(pg->ctx, e, snippet, rank);
}

/* replica_list over every matching entry (page by page, at most PEOPLE_SCAN_MAX), in q's order.
 * Returns 0, or -1 on storage error (logged). */
int node_peopleview_list_all(struct node *n, struct replica_query *q, replica_row_fn fn, void *ctx)
{
    struct people_page pg = {fn, ctx, 0};

    q->limit = NODE_LIST_MAX;
    for (q->offset = 0; q->offset < PEOPLE_SCAN_MAX; q->offset += NODE_LIST_MAX) {
        pg.rows = 0;
        if (replica_list(n->replica, q, people_page_row, &pg, NULL) != 0) {
            log_warnx("node: people: listing kind %u failed", (unsigned)q->kind);
            return -1;
        }
        if (pg.rows < NODE_LIST_MAX)
            break;
    }
    return 0;
}

/* The value of a session's "at" (valid: kinds_check made sure), or 0. */
uint64_t node_peopleview_session_at(const struct entry *e)
{
    uint64_t at = 0;

    if (kinds_attr_u64(e, "at", &at) != 0)
        return 0;
    return at;
}

/* A revision of a session that keeps the session's rules (title, at, where; cancelled=1 or
 * nothing). */
static int people_session_rev_valid(const struct entry *r)
{
    const char *where = entry_attr_get(r, "where"), *c = entry_attr_get(r, "cancelled");
    uint64_t at = 0;

    return entry_title(r)[0] != '\0' && where != NULL && where[0] != '\0' &&
           kinds_attr_u64(r, "at", &at) == 0 && at >= ENTRY_MIN_TIME_MS &&
           at <= ENTRY_MAX_TIME_MS && (c == NULL || strcmp(c, "1") == 0);
}

/* Keeps the latest valid revision by (created_ms, id): order-independent. */
static int people_session_rev_row(void *ctx, const struct entry *e, const char *snippet,
                                  double rank)
{
    struct node_session_now *cur = ctx;
    size_t len;
    const uint8_t *bytes;

    (void)snippet;
    (void)rank;
    if (!people_session_rev_valid(e))
        return 0;
    if (cur->rev != NULL && (entry_created_ms(e) < entry_created_ms(cur->rev) ||
                             (entry_created_ms(e) == entry_created_ms(cur->rev) &&
                              memcmp(entry_id(e), entry_id(cur->rev), ENTRY_ID_LEN) < 0)))
        return 0;
    entry_destroy(&cur->rev);
    bytes = entry_bytes(e, &len);
    cur->rev = entry_decode(bytes, len, NULL, 0);
    return 0;
}

void node_peopleview_session_now(struct node *n, const struct entry *s,
                                 struct node_session_now *cur)
{
    struct replica_query q = {0};
    const struct entry *from = s;

    memset(cur, 0, sizeof(*cur));
    if (replica_count_refs(n->replica, entry_id(s), ENTRY_REVISION) > 0) {
        q.kind = ENTRY_REVISION;
        q.ref = entry_id(s);
        q.author = entry_author(s); /* only the host's revisions count */
        (void)node_peopleview_list_all(n, &q, people_session_rev_row, cur);
    }
    if (cur->rev != NULL) {
        from = cur->rev;
        cur->edited_ms = entry_created_ms(cur->rev);
        cur->cancelled = entry_attr_get(cur->rev, "cancelled") != NULL;
    }
    cur->title = entry_title(from);
    cur->where = entry_attr_get(from, "where");
    cur->at_ms = node_peopleview_session_at(from);
}

void node_peopleview_session_done(struct node_session_now *cur)
{
    entry_destroy(&cur->rev);
}

struct people_rsvp_of {
    const uint8_t *key;
    const char *value;
    uint64_t created_ms;
};

static int people_rsvp_of_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_rsvp_of *r = ctx;
    const char *v = entry_attr_get(e, "value");

    (void)snippet;
    (void)rank;
    if (r->value != NULL || v == NULL || memcmp(entry_author(e), r->key, ENTRY_KEY_LEN) != 0)
        return 0;
    r->value = strcmp(v, "yes") == 0 ? "yes" : "no";
    r->created_ms = entry_created_ms(e);
    return 1;
}

int node_peopleview_rsvp_of(struct node *n, const struct entry *s, const uint8_t *key,
                            const char **value, uint64_t *created_ms)
{
    struct people_rsvp_of r = {key, NULL, 0};
    struct replica_query q = {0};

    q.kind = ENTRY_RSVP;
    q.ref = entry_id(s);
    q.author = key;
    (void)node_peopleview_list_all(n, &q, people_rsvp_of_row, &r);
    *value = r.value;
    *created_ms = r.created_ms;
    return r.value != NULL;
}

/* 1 if the entry's role attribute is role. */
int node_peopleview_role(const struct entry *e, const char *role)
{
    const char *r = entry_attr_get(e, "role");

    return r != NULL && strcmp(r, role) == 0;
}

int node_peopleview_collect_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_peopleview_collect *c = ctx;
    const char *to = entry_attr_get(e, "to");

    (void)snippet;
    (void)rank;
    if (json_array_size(c->array) >= c->max ||
        (c->not_mine && node_peopleview_is_me(c->n, entry_author(e))))
        return 0;
    if (c->to != NULL && (to == NULL || strcmp(to, c->to) != 0))
        return 0;
    if (c->role != NULL && !node_peopleview_role(e, c->role))
        return 0;
    json_array_append_new(c->array, node_view_entry(c->n, e));
    return 0;
}

/* ---- profiles ---- */

struct people_latest {
    struct entry *e; /* the first row seen (the newest), a copy */
};

static int people_latest_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_latest *l = ctx;
    size_t len;
    const uint8_t *bytes = entry_bytes(e, &len);

    (void)snippet;
    (void)rank;
    if (l->e == NULL)
        l->e = entry_decode(bytes, len, NULL, 0);
    return 1;
}

/* The newest profile entry of key (a new entry), or NULL. */
struct entry *node_peopleview_profile(struct node *n, const uint8_t key[ENTRY_KEY_LEN])
{
    struct people_latest l = {NULL};
    struct replica_query q = {0};

    q.kind = ENTRY_PROFILE;
    q.author = key;
    q.limit = 1;
    if (replica_list(n->replica, &q, people_latest_row, &l, NULL) != 0)
        log_warnx("node: reading a profile failed");
    return l.e;
}

char *node_peopleview_bio(struct node *n, const uint8_t key[ENTRY_KEY_LEN])
{
    struct entry *e = node_peopleview_profile(n, key);
    char *bio = NULL;

    if (e != NULL && entry_body_len(e) > 0)
        bio = xstrdup(entry_body(e));
    entry_destroy(&e);
    return bio;
}

static int people_has_offer_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    (void)snippet;
    (void)rank;
    /* Newest first: the latest offer or withdrawal decides (requests do not). */
    if (node_peopleview_role(e, "offer"))
        *(int *)ctx = 1;
    return node_peopleview_role(e, "offer") || node_peopleview_role(e, "withdraw");
}

/* 1 if key offers mentoring (on anything): an offer not withdrawn since. */
int node_peopleview_has_offer(struct node *n, const uint8_t key[ENTRY_KEY_LEN])
{
    struct replica_query q = {0};
    int has = 0;

    q.kind = ENTRY_MENTOR;
    q.author = key;
    (void)node_peopleview_list_all(n, &q, people_has_offer_row, &has);
    return has;
}

struct people_withdrawn {
    uint64_t after_ms;
    int yes;
};

static int people_withdrawn_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_withdrawn *w = ctx;

    (void)snippet;
    (void)rank;
    if (node_peopleview_role(e, "withdraw") && entry_created_ms(e) > w->after_ms)
        w->yes = 1;
    return w->yes;
}

int node_peopleview_withdrawn_after(struct node *n, const uint8_t key[ENTRY_KEY_LEN],
                                    uint64_t after_ms)
{
    struct people_withdrawn w = {after_ms, 0};
    struct replica_query q = {0};

    q.kind = ENTRY_MENTOR;
    q.author = key;
    q.since_ms = after_ms; /* effective times are never before created times */
    (void)node_peopleview_list_all(n, &q, people_withdrawn_row, &w);
    return w.yes;
}

/* Mentoring requests addressed to me (not by me), created at or after since_ms, newest first. */
json_t *node_peopleview_mentor_requests(struct node *n, uint64_t since_ms, size_t max)
{
    struct node_peopleview_collect c = {n, json_array(), NULL, "request", 1, max};
    struct replica_query q = {0};
    node_keyhex me;

    hex_encode(identity_public_key(n->id), ENTRY_KEY_LEN, me);
    c.to = me;
    q.kind = ENTRY_MENTOR;
    q.since_ms = since_ms;
    (void)node_peopleview_list_all(n, &q, node_peopleview_collect_row, &c);
    return c.array;
}

/* RSVPs newest first: each person's latest counts. */
static int people_rsvp_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_peopleview_rsvps *r = ctx;
    const char *v = entry_attr_get(e, "value");
    node_keyhex hex;

    (void)snippet;
    (void)rank;
    hex_encode(entry_author(e), ENTRY_KEY_LEN, hex);
    if (v == NULL || json_object_get(r->seen, hex) != NULL)
        return 0;
    json_object_set_new(r->seen, hex, json_string(v));
    if (strcmp(v, "yes") == 0) {
        r->yes++;
        if (memcmp(entry_author(e), r->host, ENTRY_KEY_LEN) != 0)
            r->yes_others++;
        if (r->going != NULL)
            json_array_append_new(r->going, node_peopleview_person_json(r->n, entry_author(e)));
    } else {
        r->no++;
    }
    return 0;
}

/* Tally the RSVPs of session s. r->seen and r->going are set up by the caller (going may be
 * NULL). */
void node_peopleview_tally(struct node *n, const struct entry *s, struct node_peopleview_rsvps *r)
{
    struct replica_query q = {0};

    r->n = n;
    r->host = entry_author(s);
    q.kind = ENTRY_RSVP;
    q.ref = entry_id(s);
    (void)node_peopleview_list_all(n, &q, people_rsvp_row, r);
}

/* ---- badges ---- */

struct people_badge {
    struct node *n;
    const char *key; /* hex */
    int requested, hosted;
};

static int people_request_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_badge *b = ctx;
    const char *to = entry_attr_get(e, "to");
    node_keyhex author;

    (void)snippet;
    (void)rank;
    hex_encode(entry_author(e), ENTRY_KEY_LEN, author);
    if (node_peopleview_role(e, "request") && to != NULL && strcmp(to, b->key) == 0 &&
        strcmp(author, b->key) != 0)
        b->requested = 1;
    return b->requested;
}

static int people_hosted_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_badge *b = ctx;
    struct node_peopleview_rsvps r = {0};

    (void)snippet;
    (void)rank;
    r.seen = json_object();
    node_peopleview_tally(b->n, e, &r);
    json_decref(r.seen);
    if (r.yes_others >= PEOPLE_HOST_BADGE_YES)
        b->hosted = 1;
    return b->hosted;
}

/* "mentor": offered mentoring and someone asked them for it. "session host": hosted a session
 * at least PEOPLE_HOST_BADGE_YES colleagues said yes to. */
void node_peopleview_badges(struct node *n, const uint8_t key[ENTRY_KEY_LEN], json_t *badges)
{
    node_keyhex hex;
    struct people_badge b = {n, hex, 0, 0};
    struct replica_query q = {0};

    hex_encode(key, ENTRY_KEY_LEN, hex);
    if (node_peopleview_has_offer(n, key)) {
        q.kind = ENTRY_MENTOR;
        (void)node_peopleview_list_all(n, &q, people_request_row,
                                       &b); /* stops at the first request */
        if (b.requested)
            json_array_append_new(badges, json_string("mentor"));
    }
    memset(&q, 0, sizeof(q));
    q.kind = ENTRY_SESSION;
    q.author = key;
    (void)node_peopleview_list_all(n, &q, people_hosted_row, &b);
    if (b.hosted)
        json_array_append_new(badges, json_string("session host"));
}

/* ---- reminders ---- */

struct people_remind {
    struct node *n;
    uint64_t now_ms;
    json_t *array;
};

struct people_first {
    struct node *n;
    uint64_t first_ms;
    long long others;
};

/* Answers oldest first: the first one by someone other than the asker (me). */
static int people_first_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_first *f = ctx;

    (void)snippet;
    (void)rank;
    if (node_peopleview_is_me(f->n, entry_author(e)))
        return 0;
    /* When it arrived here at the earliest, never before the question (docs/PROTOCOL.md,
     * "Time"): a backdated answer does not make a reminder due at once. */
    if (f->others++ == 0)
        f->first_ms = node_clock_entry_time(f->n, e, 1);
    return 0;
}

static int people_remind_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct people_remind *r = ctx;
    struct people_first f = {r->n, 0, 0};
    struct replica_query q = {0};
    uint8_t accepted[ENTRY_ID_LEN];
    json_t *o;

    (void)snippet;
    (void)rank;
    if (json_array_size(r->array) >= PEOPLE_SECTION_MAX ||
        replica_accepted(r->n->replica, entry_id(e), entry_author(e), accepted) != 0)
        return 0;
    q.kind = ENTRY_ANSWER;
    q.ref = entry_id(e);
    q.oldest_first = 1;
    (void)node_peopleview_list_all(r->n, &q, people_first_row, &f);
    if (f.others == 0 || f.first_ms + PEOPLE_REMIND_AFTER_MS > r->now_ms)
        return 0;
    o = json_object();
    json_object_set_new(o, "question", node_view_entry(r->n, e));
    json_object_set_new(o, "answers", json_integer(f.others));
    json_object_set_new(o, "first_answer_ms", json_integer((json_int_t)f.first_ms));
    json_object_set_new(o, "waiting_days",
                        json_integer((json_int_t)((r->now_ms - f.first_ms) / LORE_DAY_MS)));
    json_array_append_new(r->array, o);
    return 0;
}

/* My questions with an answer (by someone else) older than 3 days at now_ms, and no accept. */
json_t *node_peopleview_reminders(struct node *n, uint64_t now_ms)
{
    struct people_remind r = {n, now_ms, json_array()};
    struct replica_query q = {0};

    q.kind = ENTRY_QUESTION;
    q.author = identity_public_key(n->id);
    (void)node_peopleview_list_all(n, &q, people_remind_row, &r);
    return r.array;
}
