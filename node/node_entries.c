/* node_entries: the ops on entries themselves — init (a profile), post, accept, get, list, search,
 * check (docs/API.md). */
#include "node_entries.h"

#include "api_error.h"
#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_hidden.h"
#include "node_json.h"
#include "node_peopleview.h"
#include "node_publish.h"
#include "node_rank.h"
#include "node_resolve.h"
#include "node_view.h"
#include "xmalloc.h"
#include <stdlib.h>
#include <string.h>

/* Accept an answer to one of our own questions. */
static json_t *op_accept(struct node *n, json_t *req)
{
    struct entry *answer = NULL, *question = NULL;
    uint8_t id[ENTRY_ID_LEN], qid[ENTRY_ID_LEN];
    const char *text;
    char err[ERRMSG_MAX], qhex[2 * ENTRY_ID_LEN + 1];
    enum replica_lookup l;
    json_t *res = NULL;

    if (node_arg_str(req, "id", &text) != 0)
        return api_error("bad_request", "id must be a string");
    res = node_resolve_id(n, text, id);
    if (res != NULL)
        return res;
    l = replica_get(n->replica, id, &answer, err, sizeof(err));
    if (l == REPLICA_CORRUPT || l == REPLICA_FAILED) {
        res = node_resolve_error(l, text, err);
        goto out;
    }
    if (l != REPLICA_FOUND || entry_kind(answer) != ENTRY_ANSWER) {
        res = api_error("invalid", "%s is not an answer", text);
        goto out;
    }
    memcpy(qid, entry_ref(answer, 0), ENTRY_ID_LEN);
    hex_encode(qid, ENTRY_ID_LEN, qhex);
    l = replica_get(n->replica, qid, &question, err, sizeof(err));
    if (l != REPLICA_FOUND) {
        hex_encode(qid, ENTRY_ID_LEN, qhex);
        res = l == REPLICA_NOT_FOUND
                  ? api_error("not_found", "the question this answers is not here (yet)")
                  : node_resolve_error(l, qhex, err);
        goto out;
    }
    if (memcmp(entry_author(question), identity_public_key(n->id), ENTRY_KEY_LEN) != 0) {
        res = api_error("invalid", "only the person who asked can accept an answer");
        goto out;
    }
    res = node_publish_ref(n, ENTRY_ACCEPT, id, 0, NULL, NULL, NULL);
out:
    entry_destroy(&answer);
    entry_destroy(&question);
    return res;
}

static json_t *op_init(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    const char *name;
    char *bio;
    json_t *o;

    if (node_arg_str(req, "name", &name) != 0 || name == NULL || name[0] == '\0' ||
        strlen(name) > NODE_NAME_MAX)
        return api_error("bad_request", "init needs a name of 1 to %d bytes", NODE_NAME_MAX);
    bio = node_peopleview_bio(n, identity_public_key(n->id)); /* a new name keeps the bio */
    f.kind = ENTRY_PROFILE;
    f.created_ms = node_clock_wall_ms();
    f.title = name;
    f.body = bio;
    o = node_publish(n, &f);
    free(bio);
    if (json_is_true(json_object_get(o, "ok"))) {
        json_object_set_new(o, "public_key",
                            node_json_hex(identity_public_key(n->id), ENTRY_KEY_LEN));
        json_object_set_new(o, "name", json_string(name));
    }
    return o;
}

/* The creation time of a post: now, or for a note the request's created_ms — an imported note
 * keeps its date (lore import, front matter date:). In the past only, so it is never held back,
 * and from 2020 on like every entry (docs/PROTOCOL.md, "Time"). NULL, or the error response. */
static json_t *node_post_created(json_t *req, struct entry_fields *f)
{
    long long ms;

    f->created_ms = node_clock_wall_ms();
    ms = (long long)f->created_ms;
    if (node_arg_int(req, "created_ms", (long long)ENTRY_MIN_TIME_MS, ms, &ms) != 0)
        return api_error("invalid", "created_ms must be a time from 2020 to now, in ms");
    if (ms != (long long)f->created_ms && f->kind != ENTRY_NOTE)
        return api_error("invalid", "only notes can be dated (created_ms)");
    f->created_ms = (uint64_t)ms;
    return NULL;
}

json_t *node_entries_post_parse(struct node *n, json_t *req, struct node_post *p)
{
    struct entry_fields *f = &p->f;
    const char *kind, *title, *body;
    json_t *tags = json_object_get(req, "tags"), *refs = json_object_get(req, "refs"), *v, *res;
    size_t nattrs = 0;
    const char *to;
    struct entry *target = NULL;
    size_t i;
    char err[ERRMSG_MAX];

    memset(p, 0, sizeof(*p));
    if (!json_is_object(req))
        return api_error("bad_request", "a post is a JSON object");
    if (node_arg_str(req, "kind", &kind) != 0 || kind == NULL || kinds_parse(kind, &f->kind) != 0 ||
        (f->kind != ENTRY_QUESTION && f->kind != ENTRY_ANSWER && f->kind != ENTRY_NOTE &&
         f->kind != ENTRY_COMMENT))
        return api_error("bad_request", "kind must be question, answer, note or comment");
    if (node_arg_str(req, "title", &title) != 0 || node_arg_str(req, "body", &body) != 0 ||
        node_arg_str(req, "to", &to) != 0 || node_arg_bool(req, "urgent", &p->urgent) != 0)
        return api_error("bad_request", "title, body and to must be strings, urgent a boolean");
    if ((tags != NULL && !json_is_array(tags) && !json_is_null(tags)) ||
        (refs != NULL && !json_is_array(refs) && !json_is_null(refs)))
        return api_error("bad_request", "tags and refs must be arrays of strings");
    if (json_array_size(tags) > ENTRY_MAX_TAGS)
        return api_error("invalid", "at most %d tags", ENTRY_MAX_TAGS);
    if (json_array_size(refs) > ENTRY_MAX_REFS)
        return api_error("invalid", "at most %d references", ENTRY_MAX_REFS);
    json_array_foreach(tags, i, v)
    {
        const char *t = json_string_value(v);
        if (t == NULL)
            return api_error("bad_request", "tags must be strings");
        /* People type "VPN " or "#vpn": the one rule (node_arg_tag_norm). */
        if (node_arg_tag_norm(t, p->tagbuf[i]) != 0)
            return node_arg_tag_invalid(t);
        p->tagp[i] = p->tagbuf[i];
    }
    f->tags = p->tagp;
    f->ntags = json_array_size(tags);
    json_array_foreach(refs, i, v)
    {
        if (!json_is_string(v))
            return api_error("bad_request", "refs must be strings");
        res = node_resolve_id(n, json_string_value(v), p->refids[i]);
        if (res != NULL)
            return res;
    }
    f->refs = (const uint8_t(*)[ENTRY_ID_LEN])p->refids;
    f->nrefs = json_array_size(refs);
    if ((f->kind == ENTRY_ANSWER || f->kind == ENTRY_COMMENT) && f->nrefs != 1)
        return api_error("bad_request", "an %s needs the id of the entry it responds to", kind);
    if (f->kind == ENTRY_ANSWER) {
        enum replica_lookup l = replica_get(n->replica, p->refids[0], &target, err, sizeof(err));
        int is_question = l == REPLICA_FOUND && entry_kind(target) == ENTRY_QUESTION;
        entry_destroy(&target);
        if (l == REPLICA_CORRUPT)
            return api_error("corrupt", "the question failed verification; run `lore check`");
        if (!is_question)
            return api_error("invalid", "only questions can be answered; use a comment");
    }
    if ((f->kind == ENTRY_QUESTION || f->kind == ENTRY_NOTE) && node_arg_blank(title))
        return api_error("invalid", "a %s needs a title: " NODE_ARG_TITLE_EMPTY, kind);
    if (f->kind != ENTRY_QUESTION && (body == NULL || body[0] == '\0'))
        return api_error("invalid", "a %s needs a body", kind);
    if (p->urgent && f->kind != ENTRY_QUESTION)
        return api_error("invalid", "only questions can be urgent");
    if (p->urgent) {
        p->attrs[nattrs].key = "urgent";
        p->attrs[nattrs++].value = "1";
    }
    if (to != NULL) {
        uint8_t key[ENTRY_KEY_LEN];
        if (f->kind != ENTRY_QUESTION)
            return api_error("invalid", "only questions can be addressed to someone");
        res = node_resolve_person(n, to, key);
        if (res != NULL)
            return res;
        hex_encode(key, ENTRY_KEY_LEN, p->tohex);
        p->attrs[nattrs].key = "to";
        p->attrs[nattrs++].value = p->tohex;
    }
    f->attrs = p->attrs;
    f->nattrs = nattrs;
    f->title = title;
    f->body = body;
    return node_post_created(req, f);
}

static json_t *op_post(struct node *n, json_t *req)
{
    struct node_post *p = xmalloc(sizeof(*p));
    json_t *res;

    res = node_entries_post_parse(n, req, p);
    if (res != NULL)
        goto out;
    res = node_publish(n, &p->f);
    /* An urgent question says how many who know its tags could answer now. */
    if (p->urgent && p->f.ntags > 0 && json_is_true(json_object_get(res, "ok")))
        json_object_set_new(
            res, "online_experts",
            json_integer((json_int_t)node_rank_online_experts(n, p->f.tags, p->f.ntags)));
out:
    free(p);
    return res;
}

static json_t *op_get(struct node *n, json_t *req)
{
    uint8_t id[ENTRY_ID_LEN];
    const char *text;
    struct entry *e = NULL;
    struct replica_query q = {0};
    struct node_view_rows rows = {n, NULL, 0, 0};
    json_t *o, *res, *gone;
    size_t corrupt = 0, c2 = 0;
    int history;

    if (node_arg_str(req, "id", &text) != 0 || node_arg_bool(req, "history", &history) != 0)
        return api_error("bad_request", "id must be a string, history a boolean");
    res = node_resolve_id(n, text, id);
    if (res != NULL) {
        gone = node_view_retracted(n, text); /* "retracted by its author on DATE" */
        if (gone != NULL) {
            json_decref(res);
            return gone;
        }
        return res;
    }
    res = node_resolve_entry(n, id, text, &e);
    if (res != NULL)
        return res;
    o = node_json_ok();
    json_object_set_new(o, "entry", node_view_entry(n, e));
    if (history)
        json_object_set_new(o, "history", node_view_history(n, e));
    q.ref = id;
    q.oldest_first = 1;
    q.limit = NODE_LIST_MAX;
    q.kind = ENTRY_ANSWER;
    rows.array = json_array();
    if (replica_list(n->replica, &q, node_view_row, &rows, &corrupt) != 0)
        log_warnx("node: listing answers failed");
    json_object_set_new(o, "answers", rows.array);
    q.kind = ENTRY_COMMENT;
    rows.array = json_array();
    if (replica_list(n->replica, &q, node_view_row, &rows, &c2) != 0)
        log_warnx("node: listing comments failed");
    json_object_set_new(o, "comments", rows.array);
    json_object_set_new(o, "corrupt", json_integer((json_int_t)(corrupt + c2)));
    entry_destroy(&e);
    return o;
}

/* list rows after the pinned ones: those not shown already, up to max in all. */
struct node_list_rows {
    struct node_view_rows rows;
    const uint8_t (*skip)[ENTRY_ID_LEN];
    size_t nskip, max;
};

static int node_list_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_list_rows *lr = ctx;
    size_t i;

    for (i = 0; i < lr->nskip; i++)
        if (memcmp(lr->skip[i], entry_id(e), ENTRY_ID_LEN) == 0)
            return 0;
    if (json_array_size(lr->rows.array) >= lr->max)
        return 1;
    return node_view_row(&lr->rows, e, snippet, rank);
}

/* list's "titles" (absent: any) into titles (REPLICA_MAX_TITLES of room, borrowed from req) and
 * q: 1 to REPLICA_MAX_TITLES strings of 1 to ENTRY_TITLE_MAX bytes, on content kinds only. NULL,
 * or the error to answer. */
static json_t *node_list_titles(json_t *req, struct replica_query *q, const char **titles)
{
    json_t *a = json_object_get(req, "titles"), *t;
    size_t i;

    if (a == NULL)
        return NULL;
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > REPLICA_MAX_TITLES)
        return api_error("bad_request", "titles must be an array of 1 to %d titles",
                         REPLICA_MAX_TITLES);
    if (q->kind > ENTRY_COMMENT)
        return api_error("bad_request",
                         "titles filters questions, answers, notes and comments only");
    json_array_foreach(a, i, t)
    {
        if (!json_is_string(t) || json_string_length(t) == 0 ||
            json_string_length(t) > ENTRY_TITLE_MAX ||
            strlen(json_string_value(t)) != json_string_length(t))
            return api_error("bad_request",
                             "titles[%zu] must be a title: a string of 1 to %d bytes, no NUL", i,
                             ENTRY_TITLE_MAX);
        titles[i] = json_string_value(t);
    }
    q->titles = titles;
    q->ntitles = json_array_size(a);
    return NULL;
}

/* list, leaving out the hidden entries (nhidden ids). */
static json_t *node_list(struct node *n, json_t *req, const uint8_t (*hidden)[ENTRY_ID_LEN],
                         size_t nhidden)
{
    struct replica_query q, pq;
    struct node_list_rows lr = {{n, NULL, 0, 0}, NULL, 0, 0};
    uint8_t key[ENTRY_KEY_LEN], pins[NODE_MAX_PINNED][ENTRY_ID_LEN];
    size_t corrupt = 0, c2 = 0, npins = 0;
    char tag[ENTRY_TAG_MAX + 1];
    const char *titles[REPLICA_MAX_TITLES];
    json_t *o;
    int open, pinned, pinned_first, brief;

    o = node_arg_query(req, &q, tag);
    if (o == NULL)
        o = node_list_titles(req, &q, titles);
    if (o == NULL)
        o = node_resolve_author(n, req, &q, key);
    if (o != NULL)
        return o;
    q.not_ids = nhidden > 0 ? hidden : NULL; /* admins hid them (node_hidden) */
    q.nnot_ids = nhidden;
    if (node_arg_bool(req, "open", &open) != 0 || node_arg_bool(req, "pinned", &pinned) != 0 ||
        node_arg_bool(req, "pinned_first", &pinned_first) != 0 ||
        node_arg_bool(req, "brief", &brief) != 0)
        return api_error("bad_request", "open, pinned, pinned_first and brief must be booleans");
    q.open_only = open;
    /* With pinned_first (what a person's `lore list` asks), pinned entries that pass the filters
     * come first on the first page; pinned: only them. Without it, plain order: paging through
     * everything (an export) sees every entry exactly once. */
    if (pinned || (pinned_first && q.offset == 0))
        npins = node_view_pinned(n, pins, NODE_MAX_PINNED);
    lr.rows.array = json_array();
    lr.rows.brief = brief;
    lr.max = q.limit;
    pq = q;
    pq.ids = (const uint8_t(*)[ENTRY_ID_LEN])pins;
    pq.nids = npins;
    if ((pinned || npins > 0) &&
        replica_list(n->replica, &pq, node_view_row, &lr.rows, &corrupt) != 0) {
        json_decref(lr.rows.array);
        return api_error("internal", "listing failed; see the node's log");
    }
    lr.skip = (const uint8_t(*)[ENTRY_ID_LEN])pins;
    lr.nskip = npins;
    if (!pinned && json_array_size(lr.rows.array) < q.limit &&
        replica_list(n->replica, &q, node_list_row, &lr, &c2) != 0) {
        json_decref(lr.rows.array);
        return api_error("internal", "listing failed; see the node's log");
    }
    corrupt += c2;
    o = node_json_ok();
    json_object_set_new(o, "entries", lr.rows.array);
    json_object_set_new(o, "corrupt", json_integer((json_int_t)corrupt));
    return o;
}

/* One search result of the page, as the API shows it. */
static int node_search_row(void *ctx, const struct entry *e, const char *snippet, double bm25,
                           double boost)
{
    struct node_view_rows *rows = ctx;
    json_t *r = json_object();

    json_object_set_new(r, "entry", node_view_entry(rows->n, e));
    json_object_set_new(r, "snippet", json_string(snippet != NULL ? snippet : ""));
    json_object_set_new(r, "bm25", json_real(bm25));
    json_object_set_new(r, "boost", json_real(boost));
    json_object_set_new(r, "rank", json_real(bm25 * boost));
    json_array_append_new(rows->array, r);
    return 0;
}

/* search, leaving out the hidden entries (nhidden ids). */
static json_t *node_search(struct node *n, json_t *req, const uint8_t (*hidden)[ENTRY_ID_LEN],
                           size_t nhidden)
{
    struct replica_query q;
    struct replica_rank rank = {NODE_RERANK_EXTRA, node_view_boost, NULL};
    struct node_view_rows rows = {n, NULL, 1, 0};
    struct buf match;
    const char *query, *hl_open, *hl_close;
    uint8_t key[ENTRY_KEY_LEN];
    size_t corrupt = 0;
    char err[ERRMSG_MAX], tag[ENTRY_TAG_MAX + 1];
    json_t *o;

    o = node_arg_query(req, &q, tag);
    if (o == NULL)
        o = node_resolve_author(n, req, &q, key);
    if (o != NULL)
        return o;
    q.not_ids = nhidden > 0 ? hidden : NULL; /* admins hid them (node_hidden) */
    q.nnot_ids = nhidden;
    if (q.offset > NODE_SEARCH_DEPTH)
        return api_error("bad_request", "search goes at most %d results deep (offset)",
                         NODE_SEARCH_DEPTH);
    if (node_arg_str(req, "query", &query) != 0 || query == NULL)
        return api_error("bad_request", "search needs a query string");
    if (node_arg_str(req, "hl_open", &hl_open) != 0 ||
        node_arg_str(req, "hl_close", &hl_close) != 0 ||
        (hl_open != NULL && strlen(hl_open) > 32) || (hl_close != NULL && strlen(hl_close) > 32))
        return api_error("bad_request", "hl_open and hl_close must be strings of at most 32 bytes");
    if (node_arg_bool(req, "any", &q.any_word) != 0)
        return api_error("bad_request", "any must be a boolean");
    if (replica_search_query(query, q.any_word, &match, err, sizeof(err)) != 0)
        return api_error("invalid", "%s", err); /* says what and at which character */
    buf_free(&match);
    /* Re-rank (docs/API.md, search): the best bm25 matches, the page and NODE_RERANK_EXTRA
     * beyond, get their boost from accepted answers, votes and flags (read in SQL); rank = bm25 x
     * boost. Only the page is then loaded and turned into full entries. */
    rows.array = json_array();
    if (replica_search_ranked(n->replica, query, &q, &rank, hl_open, hl_close, node_search_row,
                              &rows, &corrupt, err, sizeof(err)) != 0) {
        json_decref(rows.array);
        return api_error("bad_request", "search failed: %s", err);
    }
    o = node_json_ok();
    json_object_set_new(o, "results", rows.array);
    json_object_set_new(o, "corrupt", json_integer((json_int_t)corrupt));
    return o;
}

static void node_check_bad(void *ctx, const uint8_t *id, size_t idlen, const char *why)
{
    json_t *problems = ctx, *p;
    char hex[2 * ENTRY_ID_LEN + 1] = "";

    if (json_array_size(problems) >= NODE_MAX_PROBLEMS)
        return;
    if (id != NULL && idlen <= ENTRY_ID_LEN)
        hex_encode(id, idlen, hex);
    p = json_object();
    json_object_set_new(p, "id", json_string(hex));
    json_object_set_new(p, "why", json_string(why));
    json_array_append_new(problems, p);
    log_warnx("node: check: entry %s: %s", hex, why);
}

static json_t *op_check(struct node *n, json_t *req)
{
    struct replica_check rep;
    json_t *o, *problems = json_array();

    (void)req;
    log_info("node: checking every stored entry");
    if (replica_check(n->replica, &rep, node_check_bad, problems) != 0) {
        json_decref(problems);
        return api_error("internal", "the check could not run; see the node's log");
    }
    log_info("node: check done: %llu entries, %llu bad, integrity %s",
             (unsigned long long)rep.entries, (unsigned long long)rep.bad,
             rep.integrity_ok ? "ok" : "FAILED");
    o = node_json_ok();
    json_object_set_new(o, "entries", json_integer((json_int_t)rep.entries));
    json_object_set_new(o, "bad", json_integer((json_int_t)rep.bad));
    json_object_set_new(o, "bad_decode", json_integer((json_int_t)rep.bad_decode));
    json_object_set_new(o, "bad_id", json_integer((json_int_t)rep.bad_id));
    json_object_set_new(o, "bad_signature", json_integer((json_int_t)rep.bad_signature));
    json_object_set_new(o, "bad_columns", json_integer((json_int_t)rep.bad_columns));
    json_object_set_new(o, "integrity_ok", json_boolean(rep.integrity_ok));
    json_object_set_new(o, "problems", problems);
    return o;
}

/* list and search without what admins hid: every node leaves out the same entries. */
static json_t *node_unhidden(struct node *n, json_t *req,
                             json_t *(*fn)(struct node *, json_t *, const uint8_t (*)[ENTRY_ID_LEN],
                                           size_t))
{
    uint8_t(*hidden)[ENTRY_ID_LEN] = NULL;
    size_t nhidden = 0;
    json_t *o;

    if (n->team != NULL) {
        hidden = xreallocarray(NULL, NODE_HIDDEN_MAX, sizeof(*hidden));
        nhidden = node_hidden_ids(n, hidden, NODE_HIDDEN_MAX);
    }
    o = fn(n, req, (const uint8_t(*)[ENTRY_ID_LEN])hidden, nhidden);
    free(hidden);
    return o;
}

static json_t *op_list(struct node *n, json_t *req)
{
    return node_unhidden(n, req, node_list);
}

static json_t *op_search(struct node *n, json_t *req)
{
    return node_unhidden(n, req, node_search);
}

const struct node_op node_entries_ops[] = {
    {"init", op_init, "set my name (a profile entry)", 0},
    {"post", op_post, "write a question, answer, note or comment", 0},
    {"accept", op_accept, "accept an answer to one of my questions", 0},
    {"get", op_get, "an entry with its answers and comments (and history)", 0},
    {"list", op_list, "entries by filters, newest first (pinned first on request)", 0},
    {"search", op_search, "full-text search, ranked by relevance and recognition", 0},
    {"check", op_check, "verify every stored entry and the database", 0},
    {NULL, NULL, NULL, 0},
};
