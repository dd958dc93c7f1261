/* node_publish: writing an entry of ours — signed, checked against the clock, stored, fed to the
 * team state, announced to watchers and gossiped. */
#include "node_publish.h"

#include "api_error.h"
#include "log.h"
#include "node_clock.h"
#include "node_json.h"
#include "node_synonyms.h"
#include "node_teamstate.h"
#include "node_view.h"
#include "node_watch.h"
#include "xmalloc.h"

#include <stdlib.h>

json_t *node_publish_storage_error(struct node *n, const char *err)
{
    enum replica_fault f = replica_last_fault(n->replica);

    if (f == REPLICA_FAULT_GONE)
        return api_error("storage", "%s", err);
    if (f == REPLICA_FAULT_OTHER || f == REPLICA_FAULT_NONE)
        return api_error("internal", "storing the entry failed: %s", err);
    return api_error("storage", "storing the entry failed: %s (%s)", replica_fault_text(f),
                     n->db_path);
}

/* Entries of ours created in the minute before now (the row function's count). */
static int node_publish_recent_row(void *ctx, const struct entry *e, const char *snippet,
                                   double rank)
{
    const uint64_t *since = ctx;

    (void)snippet;
    (void)rank;
    if (entry_created_ms(e) >= since[0])
        ((uint64_t *)ctx)[1]++;
    return 0;
}

/* Comments, votes and thanks are cheap to write in a loop: at most NODE_PUBLISH_RATE of each kind
 * a minute (by created_ms) from this node's person; pending: those of its kind written with it
 * (a batch), not yet stored. NULL, or the error response. */
static json_t *node_publish_rate(struct node *n, const struct entry *e, uint64_t pending)
{
    struct replica_query q = {0};
    uint64_t ctx[2] = {0, 0}, now = entry_created_ms(e);
    uint16_t kind = entry_kind(e);

    if (kind != ENTRY_COMMENT && kind != ENTRY_VOTE && kind != ENTRY_THANKS)
        return NULL;
    ctx[0] = now > NODE_PUBLISH_RATE_MS ? now - NODE_PUBLISH_RATE_MS : 0;
    q.kind = kind;
    q.author = entry_author(e);
    q.since_ms = ctx[0];
    q.limit = NODE_PUBLISH_RATE + 1;
    if (replica_list(n->replica, &q, node_publish_recent_row, ctx, NULL) != 0 ||
        ctx[1] + pending < NODE_PUBLISH_RATE)
        return NULL;
    return api_error("rate_limited", "at most %d %s a minute; wait a little", NODE_PUBLISH_RATE,
                     kind == ENTRY_COMMENT ? "comments"
                     : kind == ENTRY_VOTE  ? "votes"
                                           : "thanks");
}

/* Store and announce a new entry of ours (e is freed). Returns the response. */
json_t *node_publish_entry(struct node *n, struct entry *e)
{
    char err[ERRMSG_MAX];
    json_t *o, *ej;
    struct node_clock c;

    o = node_publish_rate(n, e, 0);
    if (o != NULL) {
        entry_destroy(&e);
        return o;
    }

    /* An entry dated by a wrong clock would be held back by everyone (ahead) or count at a time
     * that never was (behind): refuse, and say why (docs/PROTOCOL.md, "Time"). */
    node_clock_check(n, &c);
    if (!c.ok) {
        log_warnx("node: not writing: %s", c.why);
        entry_destroy(&e);
        return api_error("clock", "not written: %s", c.why);
    }

    if (replica_add(n->replica, e, err, sizeof(err)) == REPLICA_ERROR) {
        log_warnx("node: storing a new entry failed: %s", err);
        entry_destroy(&e);
        return node_publish_storage_error(n, err);
    }
    if (n->team != NULL && team_is_team_kind(entry_kind(e)))
        node_teamstate_learn(n, e);
    ej = node_view_entry(n, e);
    o = node_json_ok();
    json_object_set_new(o, "id", node_json_hex(entry_id(e), ENTRY_ID_LEN));
    json_object_set_new(o, "entry", ej);
    node_watch_announce(n, ej, 1);
    if (n->gossip != NULL)
        gossip_publish(n->gossip, e);
    log_info("node: new %s %.16s… by us", kinds_name(entry_kind(e)),
             json_string_value(json_object_get(o, "id")));
    entry_destroy(&e);
    return o;
}

/* The view for watchers, made only when someone watches: a batch writes many at once. */
static void node_publish_announce(struct node *n, const struct entry *e)
{
    json_t *ej;

    if (n->hooks.subscribers == NULL || n->hooks.subscribers(n) == 0)
        return;
    ej = node_view_entry(n, e);
    node_watch_announce(n, ej, 0);
    json_decref(ej);
}

json_t *node_publish_batch(struct node *n, struct entry **es, size_t k, json_t **items)
{
    char err[ERRMSG_MAX];
    struct node_clock c;
    enum replica_merge_result *res = xcalloc(k ? k : 1, sizeof(*res));
    const struct entry **kept = xcalloc(k ? k : 1, sizeof(*kept));
    uint64_t counts[4] = {0, 0, 0, 0}; /* comments, votes, thanks, the rest in this batch */
    size_t i, nk = 0, slot;
    json_t *o = NULL;

    for (i = 0; i < k; i++)
        items[i] = NULL;
    node_clock_check(n, &c);
    if (!c.ok) {
        log_warnx("node: not writing a batch: %s", c.why);
        o = api_error("clock", "not written: %s", c.why);
        goto out;
    }
    for (i = 0; i < k; i++) {
        uint16_t kind = entry_kind(es[i]);
        slot = kind == ENTRY_COMMENT ? 0 : kind == ENTRY_VOTE ? 1 : kind == ENTRY_THANKS ? 2 : 3;
        items[i] = node_publish_rate(n, es[i], counts[slot]);
        if (items[i] != NULL)
            continue;
        counts[slot]++;
        kept[nk++] = es[i];
    }
    if (replica_add_batch(n->replica, kept, nk, res, NULL, 0, err, sizeof(err)) != 0) {
        log_warnx("node: storing a batch of %zu entries failed: %s", nk, err);
        o = node_publish_storage_error(n, err);
        for (i = 0; i < k; i++)
            json_decref(items[i]);
        goto out;
    }
    for (i = 0; i < k; i++) {
        if (items[i] != NULL)
            continue;
        if (n->team != NULL && team_is_team_kind(entry_kind(es[i])))
            node_teamstate_learn(n, es[i]);
        items[i] = node_json_ok();
        json_object_set_new(items[i], "id", node_json_hex(entry_id(es[i]), ENTRY_ID_LEN));
        if (n->gossip != NULL)
            gossip_publish(n->gossip, es[i]);
    }
    /* The watchers' views only read: one read transaction for them all. */
    if (n->hooks.subscribers != NULL && n->hooks.subscribers(n) > 0) {
        int began = replica_read_begin(n->replica);
        node_syn_refresh(n); /* once for the batch, which may have held synonyms */
        for (i = 0; i < k; i++)
            if (json_is_true(json_object_get(items[i], "ok")))
                node_publish_announce(n, es[i]);
        replica_read_end(n->replica, began);
    }
    log_info("node: a batch of %zu new entries by us", nk);
out:
    for (i = 0; i < k; i++) {
        if (o != NULL)
            items[i] = NULL;
        entry_destroy(&es[i]);
    }
    free(res);
    free(kept);
    return o;
}

/* Sign, store and announce a new entry. Returns the response. */
json_t *node_publish(struct node *n, const struct entry_fields *f)
{
    char err[ERRMSG_MAX];
    struct entry *e;

    e = kinds_create(f, identity_public_key(n->id), identity_sign_entry, n->id, err, sizeof(err));
    if (e == NULL)
        return api_error("invalid", "%s", err);
    return node_publish_entry(n, e);
}

json_t *node_publish_ref(struct node *n, uint16_t kind, const uint8_t id[ENTRY_ID_LEN],
                         uint64_t created_ms, const char *key, const char *value, const char *body)
{
    struct entry_fields f = {0};
    struct entry_attr attr = {key, value};

    f.kind = kind;
    f.created_ms = created_ms != 0 ? created_ms : node_clock_wall_ms();
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])id;
    f.nrefs = 1;
    f.body = body;
    if (key != NULL) {
        f.attrs = &attr;
        f.nattrs = 1;
    }
    return node_publish(n, &f);
}
