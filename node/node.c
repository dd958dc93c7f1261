#include "node.h"
#include "node_int.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "api.h"
#include "config.h"
#include "errmsg.h"
#include "gossip.h"
#include "hex.h"
#include "identity.h"
#include "kinds.h"
#include "loop.h"
#include "mdns.h"
#include "paths.h"
#include "replica.h"
#include "team.h"
#include "teamfile.h"
#include "xmalloc.h"

static char *node_saved_peers(struct node *n);
static int node_dial(struct node *n, const char *addr, char *err, size_t errlen);

uint64_t node_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "3 days", "5 h", "12 min", "40 s": how far a clock is off, for people. */
static void node_duration(uint64_t ms, char *out, size_t outlen)
{
    uint64_t s = ms / 1000;

    if (s >= 2 * 86400)
        snprintf(out, outlen, "%llu days", (unsigned long long)(s / 86400));
    else if (s >= 2 * 3600)
        snprintf(out, outlen, "%llu h", (unsigned long long)(s / 3600));
    else if (s >= 120)
        snprintf(out, outlen, "%llu min", (unsigned long long)(s / 60));
    else
        snprintf(out, outlen, "%llu s", (unsigned long long)s);
}

/*
 * Is our clock right? Two witnesses (docs/PROTOCOL.md, "Time"): the peers' clocks from their
 * HELLOs (their median with ours: a majority of peers must agree that we are off), and the team's
 * genesis (a clock before the team was created is wrong, whatever the peers say or if there are
 * none). Either one past ENTRY_CLOCK_TOLERANCE_MS makes the node refuse to write.
 */
void node_clock_check(struct node *n, struct node_clock *c)
{
    struct gossip_clock gc;
    char d[32];
    uint64_t tol = ENTRY_CLOCK_TOLERANCE_MS;

    memset(c, 0, sizeof(*c));
    c->wall_ms = node_wall_ms();
    c->team_ms = c->wall_ms;
    c->ok = 1;
    if (n->gossip != NULL) {
        gossip_clock(n->gossip, &gc);
        c->team_ms = gc.team_ms;
        c->skew_ms = -gc.offset_ms;
        c->peers = gc.peers;
        c->disagreeing = gc.peers_disagreeing;
    }
    if (c->skew_ms > (int64_t)tol || c->skew_ms < -(int64_t)tol) {
        c->ok = 0;
        node_duration((uint64_t)(c->skew_ms < 0 ? -c->skew_ms : c->skew_ms), d, sizeof(d));
        snprintf(c->why, sizeof(c->why),
                 "this machine's clock is %s %s the team's (by the clocks of %zu of %zu "
                 "peers); set the clock right (NTP)",
                 d, c->skew_ms > 0 ? "ahead of" : "behind", c->disagreeing, c->peers);
    }
    if (n->team != NULL && replica_newest_created(n->replica, ENTRY_TEAM, &c->genesis_ms) == 0 &&
        c->genesis_ms > c->wall_ms + tol) {
        if (c->team_ms < c->genesis_ms) { /* no peer told us better: we know this much */
            c->team_ms = c->genesis_ms;
            c->skew_ms = (int64_t)c->wall_ms - (int64_t)c->genesis_ms;
        }
        c->ok = 0;
        node_duration(c->genesis_ms - c->wall_ms, d, sizeof(d));
        snprintf(c->why, sizeof(c->why),
                 "this machine's clock is at least %s behind: it says a time before the team "
                 "was created; set the clock right (NTP)",
                 d);
    }
}

static void node_notify(const char *state)
{
#ifdef HAVE_SYSTEMD
    (void)sd_notify(0, state);
#else
    (void)state;
#endif
}

/* When e counts in views: its effective time (never before what it references), or with
 * recognition set, when recognition counts here: no earlier than it arrived (docs/PROTOCOL.md,
 * "Time"). Falls back to its created time if the replica cannot say. */
uint64_t node_entry_time(struct node *n, const struct entry *e, int recognition)
{
    struct replica_entry_times t;

    if (replica_times(n->replica, entry_id(e), &t) != REPLICA_FOUND)
        return entry_created_ms(e);
    return recognition ? t.recognized_ms : t.effective_ms;
}

/* ---- entries as JSON ---- */

json_t *node_hex(const uint8_t *p, size_t n)
{
    char hex[2 * ENTRY_SIG_LEN + 1];

    hex_encode(p, n, hex);
    return json_string(hex);
}

json_t *node_time_json(uint64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char s[64];

    gmtime_r(&secs, &tm);
    snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
    return json_string(s);
}

/* The JSON form of an entry (docs/API.md). Only verified entries get here. */
json_t *node_entry_json(struct node *n, const struct entry *e)
{
    json_t *o = json_object(), *a;
    const char *kind = kinds_name(entry_kind(e));
    char name[NODE_NAME_MAX * 4 + 1];
    size_t i, len;

    json_object_set_new(o, "id", node_hex(entry_id(e), ENTRY_ID_LEN));
    json_object_set_new(o, "kind", kind != NULL ? json_string(kind) : json_null());
    json_object_set_new(o, "kind_id", json_integer(entry_kind(e)));
    json_object_set_new(o, "version", json_integer(entry_version(e)));
    json_object_set_new(o, "author", node_hex(entry_author(e), ENTRY_KEY_LEN));
    json_object_set_new(o, "author_name",
                        replica_author_name(n->replica, entry_author(e), name, sizeof(name)) == 0
                            ? json_string(name)
                            : json_null());
    json_object_set_new(o, "created_ms", json_integer((json_int_t)entry_created_ms(e)));
    json_object_set_new(o, "created", node_time_json(entry_created_ms(e)));
    a = json_array();
    for (i = 0; i < entry_nrefs(e); i++)
        json_array_append_new(a, node_hex(entry_ref(e, i), ENTRY_ID_LEN));
    json_object_set_new(o, "refs", a);
    a = json_array();
    for (i = 0; i < entry_ntags(e); i++)
        json_array_append_new(a, json_string(entry_tag(e, i)));
    json_object_set_new(o, "tags", a);
    json_object_set_new(o, "title", json_string(entry_title(e)));
    json_object_set_new(o, "body", json_stringn(entry_body(e), entry_body_len(e)));
    a = json_object();
    for (i = 0; i < entry_nattrs(e); i++)
        json_object_set_new(a, entry_attr_key(e, i), json_string(entry_attr_value(e, i)));
    json_object_set_new(o, "attrs", a);
    json_object_set_new(o, "urgent",
                        json_boolean(entry_attr_get(e, "urgent") != NULL &&
                                     strcmp(entry_attr_get(e, "urgent"), "1") == 0));
    json_object_set_new(o, "to",
                        entry_attr_get(e, "to") != NULL ? json_string(entry_attr_get(e, "to"))
                                                        : json_null());
    json_object_set_new(o, "signature", node_hex(entry_signature(e), ENTRY_SIG_LEN));
    json_object_set_new(o, "verified", json_true());
    entry_bytes(e, &len);
    json_object_set_new(o, "size", json_integer((json_int_t)len));
    if (entry_kind(e) == ENTRY_QUESTION) {
        long long answers = replica_count_refs(n->replica, entry_id(e), ENTRY_ANSWER);
        uint8_t accepted[ENTRY_ID_LEN];
        int has = replica_accepted(n->replica, entry_id(e), entry_author(e), accepted) == 1;
        json_object_set_new(o, "answers", json_integer(answers));
        /* open: nobody answered; answered: answers, none accepted; resolved: the asker accepted
         * one (only the asker's accept counts). */
        json_object_set_new(o, "status",
                            json_string(has           ? "resolved"
                                        : answers > 0 ? "answered"
                                                      : "open"));
        json_object_set_new(o, "accepted", has ? node_hex(accepted, ENTRY_ID_LEN) : json_null());
    }
    if (entry_kind(e) >= ENTRY_QUESTION && entry_kind(e) <= ENTRY_COMMENT)
        node_content_decorate(n, e, o); /* current version, flags, votes, pin (node_content.c) */
    return o;
}

/* ---- request arguments ---- */

/* Fetch an optional string argument. Returns 0 (and *out = NULL when absent), -1 if mistyped. */
int node_arg_str(json_t *req, const char *key, const char **out)
{
    json_t *v = json_object_get(req, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    return 0;
}

int node_arg_bool(json_t *req, const char *key, int *out)
{
    json_t *v = json_object_get(req, key);

    *out = 0;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return -1;
    *out = json_is_true(v);
    return 0;
}

int node_arg_int(json_t *req, const char *key, long long lo, long long hi, long long *out)
{
    json_t *v = json_object_get(req, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return -1;
    *out = json_integer_value(v);
    return 0;
}

/* Resolve an id or prefix argument to a full id. On failure returns the error response. */
json_t *node_resolve(struct node *n, const char *text, uint8_t id[ENTRY_ID_LEN])
{
    uint8_t cand[NODE_MAX_CANDIDATES][ENTRY_ID_LEN];
    size_t ncand = 0, i;
    json_t *err, *a;

    if (text == NULL)
        return api_error("bad_request", "an entry id is required");
    if (strlen(text) < REPLICA_MIN_PREFIX || strlen(text) > 2 * ENTRY_ID_LEN || !hex_is_hex(text))
        return api_error("bad_request",
                         "'%.80s' is not an id: give 4 to 64 hex digits of an entry id", text);
    switch (replica_resolve(n->replica, text, id, cand, NODE_MAX_CANDIDATES, &ncand)) {
    case REPLICA_FOUND:
        return NULL;
    case REPLICA_NOT_FOUND:
        return api_error("not_found", "no entry has an id starting with %s", text);
    case REPLICA_AMBIGUOUS:
        err = api_error("ambiguous", "%s matches several entries; give more digits", text);
        a = json_array();
        for (i = 0; i < ncand; i++)
            json_array_append_new(a, node_hex(cand[i], ENTRY_ID_LEN));
        json_object_set_new(err, "candidates", a);
        return err;
    default:
        return api_error("internal", "looking up %s failed; see the node's log", text);
    }
}

json_t *node_ok(void)
{
    json_t *o = json_object();

    json_object_set_new(o, "ok", json_true());
    return o;
}

/* ---- ops ---- */

/* The storage part of status: can the replica be written? Failing when the pipeline's writes
 * fail (it tries again by itself) or the replica file was deleted or replaced under the node. */
static void node_status_storage(struct node *n, json_t *o)
{
    struct ingest_counters ic;
    char err[512];
    json_t *st = json_object();
    int gone = replica_file_check(n->replica, err, sizeof(err)) != 0;

    gossip_ingest_counters(n->gossip, &ic);
    json_object_set_new(st, "failing", json_boolean(gone || ic.failing));
    json_object_set_new(st, "reason",
                        gone         ? json_string(replica_fault_text(REPLICA_FAULT_GONE))
                        : ic.failing ? json_string(replica_fault_text(ic.fault))
                                     : json_null());
    json_object_set_new(st, "error",
                        gone         ? json_string(err)
                        : ic.failing ? json_string(ic.failure)
                                     : json_null());
    json_object_set_new(st, "since_ms",
                        ic.failing ? json_integer((json_int_t)ic.failing_since_ms) : json_null());
    json_object_set_new(st, "retries", json_integer((json_int_t)ic.retries));
    json_object_set_new(st, "failures", json_integer((json_int_t)ic.storage_failures));
    json_object_set_new(o, "storage", st);
}

/* The sync part of status: where peers reach us, how many are up, what is in flight. */
static void node_status_sync(struct node *n, json_t *o)
{
    struct gossip_stats gs;
    struct gossip_peer_info info;
    struct link *l;
    uint64_t stream_entries = 0, stream_bytes = 0, to_fetch = 0;
    json_t *sync = json_object(), *mdns;

    gossip_stats(n->gossip, &gs);
    for (l = links_first(gossip_links(n->gossip)); l != NULL; l = links_next(l)) {
        gossip_peer_info(n->gossip, l, &info);
        stream_entries += info.stream_entries;
        stream_bytes += info.stream_bytes;
        to_fetch += info.to_fetch;
    }
    json_object_set_new(sync, "listen_port", json_integer(gossip_port(n->gossip)));
    json_object_set_new(sync, "peers_up",
                        json_integer((json_int_t)links_up_count(gossip_links(n->gossip))));
    json_object_set_new(sync, "merged", json_integer((json_int_t)gs.merged));
    json_object_set_new(sync, "duplicates", json_integer((json_int_t)gs.duplicates));
    json_object_set_new(sync, "invalid", json_integer((json_int_t)gs.invalid));
    json_object_set_new(sync, "ingest_queued", json_integer((json_int_t)gs.queued));
    json_object_set_new(sync, "bootstrap_entries_to_go", json_integer((json_int_t)stream_entries));
    json_object_set_new(sync, "bootstrap_bytes_to_go", json_integer((json_int_t)stream_bytes));
    json_object_set_new(sync, "to_fetch", json_integer((json_int_t)to_fetch));
    json_object_set_new(sync, "reconciliations", json_integer((json_int_t)gs.recon_runs));
    {
        struct ingest_counters ic;
        gossip_ingest_counters(n->gossip, &ic);
        json_object_set_new(sync, "refused_entries", json_integer((json_int_t)ic.refused));
        json_object_set_new(sync, "purged_entries", json_integer((json_int_t)ic.purged));
        json_object_set_new(sync, "author_limited", json_integer((json_int_t)gs.author_limited));
        json_object_set_new(sync, "held_back", json_integer((json_int_t)gs.held_back));
        json_object_set_new(sync, "refused_connections",
                            json_integer((json_int_t)links_refused(gossip_links(n->gossip))));
    }
    json_object_set_new(o, "sync", sync);
    node_status_storage(n, o);
    json_object_set_new(o, "team", node_team_json(n, 0));
    mdns = json_object();
    json_object_set_new(mdns, "enabled", json_boolean(n->mdns != NULL));
    json_object_set_new(mdns, "working", json_boolean(n->mdns != NULL && mdns_working(n->mdns)));
    json_object_set_new(mdns, "state",
                        json_string(n->mdns != NULL ? mdns_state(n->mdns)
                                    : !n->cfg->mdns ? "off (mdns = off in the config)"
                                                    : "off: this node does not listen for peers"));
    json_object_set_new(o, "mdns", mdns);
}

static json_t *op_status(struct node *n, json_t *req)
{
    json_t *o = node_ok();
    char name[NODE_NAME_MAX * 4 + 1];
    const uint8_t *pk = identity_public_key(n->id);

    (void)req;
    json_object_set_new(o, "version", json_string(LORE_VERSION));
    json_object_set_new(o, "pid", json_integer(getpid()));
    json_object_set_new(o, "public_key", node_hex(pk, ENTRY_KEY_LEN));
    json_object_set_new(o, "name",
                        replica_author_name(n->replica, pk, name, sizeof(name)) == 0
                            ? json_string(name)
                            : json_null());
    json_object_set_new(o, "entries", json_integer((json_int_t)gossip_entry_count(n->gossip)));
    json_object_set_new(o, "data_dir", json_string(n->paths.data_dir));
    json_object_set_new(o, "socket", json_string(n->paths.socket_path));
    json_object_set_new(o, "config_file", json_string(n->paths.config_file));
    json_object_set_new(o, "uptime_s",
                        json_integer((json_int_t)((loop_now_ms() - n->started_ms) / 1000)));
    json_object_set_new(o, "clients", json_integer((json_int_t)api_client_count(n->api)));
    json_object_set_new(o, "subscribers", json_integer((json_int_t)api_subscriber_count(n->api)));
    {
        struct node_clock c;
        json_t *cj = json_object();
        node_clock_check(n, &c);
        json_object_set_new(cj, "ok", json_boolean(c.ok));
        json_object_set_new(cj, "now_ms", json_integer((json_int_t)c.wall_ms));
        json_object_set_new(cj, "now", node_time_json(c.wall_ms));
        json_object_set_new(cj, "team_ms", json_integer((json_int_t)c.team_ms));
        json_object_set_new(cj, "team", node_time_json(c.team_ms));
        json_object_set_new(cj, "skew_ms", json_integer((json_int_t)c.skew_ms));
        json_object_set_new(cj, "peers_compared", json_integer((json_int_t)c.peers));
        json_object_set_new(cj, "peers_disagreeing", json_integer((json_int_t)c.disagreeing));
        json_object_set_new(cj, "tolerance_ms", json_integer((json_int_t)ENTRY_CLOCK_TOLERANCE_MS));
        json_object_set_new(cj, "problem", c.ok ? json_null() : json_string(c.why));
        json_object_set_new(o, "clock", cj);
    }
    node_status_sync(n, o);
    return o;
}

/* Is this entry (as JSON) addressed to me (attr "to" = my key)? */
int node_to_me(struct node *n, json_t *ej)
{
    const char *to = json_string_value(json_object_get(json_object_get(ej, "attrs"), "to"));
    char me[2 * ENTRY_KEY_LEN + 1];

    if (to == NULL || n->id == NULL)
        return 0;
    hex_encode(identity_public_key(n->id), ENTRY_KEY_LEN, me);
    return strcmp(to, me) == 0;
}

/* Why this entry (as JSON) is for me, or NULL: a question someone else asked addressed to me or
 * in my areas, a revision of a question I answered, a mentoring request to me, or a session in my
 * areas. */
static const char *node_for_me_reason(struct node *n, json_t *ej)
{
    json_t *t;
    size_t i;
    const char *why = node_content_changed_for_me(n, ej);

    if (why != NULL)
        return why;
    if (node_people_for_me(n, ej, &why))
        return why;
    if (n->areas == NULL || strcmp(json_string_value(json_object_get(ej, "kind")) != NULL
                                       ? json_string_value(json_object_get(ej, "kind"))
                                       : "",
                                   "question") != 0)
        return NULL;
    if (n->id != NULL) {
        char me[2 * ENTRY_KEY_LEN + 1];
        hex_encode(identity_public_key(n->id), ENTRY_KEY_LEN, me);
        if (strcmp(json_string_value(json_object_get(ej, "author")), me) == 0)
            return NULL;
    }
    if (node_to_me(n, ej))
        return "asked you directly";
    json_array_foreach(json_object_get(ej, "tags"), i, t)
    {
        if (json_object_get(n->areas, json_string_value(t)) != NULL)
            return "in your areas";
    }
    return NULL;
}

/* Is this entry (as JSON) for me (node_for_me_reason)? */
int node_for_me(struct node *n, json_t *ej)
{
    return node_for_me_reason(n, ej) != NULL;
}

/* Tell `lore watch` subscribers about an entry (ej is borrowed). */
void node_announce(struct node *n, json_t *ej)
{
    json_t *ev;
    const char *why;

    if (node_content_is_retracted(n, ej))
        return; /* it arrived after its retraction: it was never stored */
    ev = json_object();
    why = node_for_me_reason(n, ej);
    json_object_set_new(ev, "event", json_string("entry"));
    json_object_set_new(ev, "for_you", json_boolean(why != NULL));
    json_object_set_new(ev, "reason", why != NULL ? json_string(why) : json_null());
    json_object_set(ev, "entry", ej);
    api_broadcast(n->api, ev);
    json_decref(ev);
}

/* An entry from a peer was stored. */
static void node_on_peer_entry(void *ctx, const struct entry *e)
{
    struct node *n = ctx;
    json_t *ej;

    if (api_subscriber_count(n->api) == 0)
        return;
    ej = node_entry_json(n, e);
    node_announce(n, ej);
    json_decref(ej);
}

json_t *node_storage_error(struct node *n, const char *err)
{
    enum replica_fault f = replica_last_fault(n->replica);

    if (f == REPLICA_FAULT_GONE)
        return api_error("storage", "%s", err);
    if (f == REPLICA_FAULT_OTHER || f == REPLICA_FAULT_NONE)
        return api_error("internal", "storing the entry failed: %s", err);
    return api_error("storage", "storing the entry failed: %s (%s)", replica_fault_text(f),
                     n->db_path);
}

/* Store and announce a new entry of ours (e is freed). Returns the response. */
json_t *node_publish_entry(struct node *n, struct entry *e)
{
    char err[256];
    json_t *o, *ej;
    struct node_clock c;

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
        return node_storage_error(n, err);
    }
    if (n->team != NULL && team_is_team_kind(entry_kind(e)))
        node_team_learn(n, e);
    ej = node_entry_json(n, e);
    o = node_ok();
    json_object_set_new(o, "id", node_hex(entry_id(e), ENTRY_ID_LEN));
    json_object_set_new(o, "entry", ej);
    node_announce(n, ej);
    if (n->gossip != NULL)
        gossip_publish(n->gossip, e);
    log_info("node: new %s %.16s… by us", kinds_name(entry_kind(e)),
             json_string_value(json_object_get(o, "id")));
    entry_destroy(&e);
    return o;
}

/* Sign, store and announce a new entry. Returns the response. */
json_t *node_publish(struct node *n, const struct entry_fields *f)
{
    char err[256];
    struct entry *e;

    e = kinds_create(f, identity_public_key(n->id), identity_sign, n->id, err, sizeof(err));
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
    f.created_ms = created_ms != 0 ? created_ms : node_wall_ms();
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])id;
    f.nrefs = 1;
    f.body = body;
    if (key != NULL) {
        f.attrs = &attr;
        f.nattrs = 1;
    }
    return node_publish(n, &f);
}

/* Accept an answer to one of our own questions. */
static json_t *op_accept(struct node *n, json_t *req)
{
    struct entry *answer = NULL, *question = NULL;
    uint8_t id[ENTRY_ID_LEN], qid[ENTRY_ID_LEN];
    const char *text;
    char err[256];
    json_t *res = NULL;

    if (node_arg_str(req, "id", &text) != 0)
        return api_error("bad_request", "id must be a string");
    res = node_resolve(n, text, id);
    if (res != NULL)
        return res;
    if (replica_get(n->replica, id, &answer, err, sizeof(err)) != REPLICA_FOUND ||
        entry_kind(answer) != ENTRY_ANSWER) {
        res = api_error("invalid", "%s is not an answer", text);
        goto out;
    }
    memcpy(qid, entry_ref(answer, 0), ENTRY_ID_LEN);
    if (replica_get(n->replica, qid, &question, err, sizeof(err)) != REPLICA_FOUND) {
        res = api_error("not_found", "the question this answers is not here (yet)");
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

static int node_area_add(void *ctx, const char *tag)
{
    json_object_set_new(ctx, tag, json_true());
    return 0;
}

/* My areas: tags of my skill entries and the tags I follow. */
static void node_load_areas(struct node *n)
{
    uint8_t *v = NULL;
    size_t len = 0;
    char *line, *next;

    json_decref(n->areas);
    n->areas = json_object();
    if (replica_tags_of(n->replica, identity_public_key(n->id), ENTRY_SKILL, node_area_add,
                        n->areas) != 0)
        log_warnx("node: cannot read my skills");
    if (replica_meta_get(n->replica, NODE_FOLLOWS_META, &v, &len, NULL, NULL, 0) != REPLICA_FOUND)
        return;
    for (line = (char *)v; line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (entry_tag_valid(line))
            json_object_set_new(n->areas, line, json_true());
    }
    free(v);
}

static json_t *node_areas_json(struct node *n, json_t *o)
{
    json_t *a = json_array(), *v;
    const char *k;

    json_object_foreach(n->areas, k, v) json_array_append_new(a, json_string(k));
    json_object_set_new(o, "areas", a);
    return o;
}

/* Normalise text into a tag as post does: trimmed, one leading '#' dropped, lower-case; the first
 * word only. Returns 0, or -1 if that is not a valid tag. */
int node_tag_norm(const char *t, char tag[ENTRY_TAG_MAX + 1])
{
    size_t i, k = 0;

    t += strspn(t, " \t#");
    for (i = 0; t[i] != '\0' && t[i] != ' ' && k < ENTRY_TAG_MAX; i++)
        tag[k++] = (char)(t[i] >= 'A' && t[i] <= 'Z' ? t[i] - 'A' + 'a' : t[i]);
    tag[k] = '\0';
    return entry_tag_valid(tag) ? 0 : -1;
}

int node_tag_arg(json_t *req, char tag[ENTRY_TAG_MAX + 1])
{
    const char *t;

    if (node_arg_str(req, "tag", &t) != 0 || t == NULL)
        return -1;
    return node_tag_norm(t, tag);
}

/* Declare a skill: a signed entry, so colleagues see it too (tags: the skill, attr level). */
static json_t *op_skill(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    char tag[ENTRY_TAG_MAX + 1], level[2] = "3";
    const char *tags[1] = {tag};
    struct entry_attr attr = {"level", level};
    long long lv = 3;
    json_t *o;

    if (node_tag_arg(req, tag) != 0)
        return api_error("invalid",
                         "a skill is a tag: lower-case letters and digits, then also "
                         ". + # _ - (at most %d characters)",
                         ENTRY_TAG_MAX);
    if (node_arg_int(req, "level", 1, 5, &lv) != 0)
        return api_error("bad_request", "level must be 1 to 5");
    level[0] = (char)('0' + lv);
    f.kind = ENTRY_SKILL;
    f.created_ms = node_wall_ms();
    f.tags = tags;
    f.ntags = 1;
    f.attrs = &attr;
    f.nattrs = 1;
    o = node_publish(n, &f);
    node_load_areas(n);
    return json_is_true(json_object_get(o, "ok")) ? node_areas_json(n, o) : o;
}

/* Follow or stop following a tag: personal, kept on this node only. */
static json_t *op_follow(struct node *n, json_t *req)
{
    char tag[ENTRY_TAG_MAX + 1], err[160];
    struct buf text;
    struct replica_meta m;
    int off, rc;

    if (node_tag_arg(req, tag) != 0)
        return api_error("invalid", "follow needs a tag");
    if (node_arg_bool(req, "off", &off) != 0)
        return api_error("bad_request", "off must be a boolean");
    node_load_areas(n);
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
    node_load_areas(n);
    return node_areas_json(n, node_ok());
}

struct node_inbox {
    struct node *n;
    json_t *seen;       /* id -> entry */
    int addressed_only; /* keep only questions addressed to me */
};

static int node_inbox_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_inbox *ib = ctx;
    char hex[2 * ENTRY_ID_LEN + 1];
    json_t *ej;

    (void)snippet;
    (void)rank;
    if (memcmp(entry_author(e), identity_public_key(ib->n->id), ENTRY_KEY_LEN) == 0)
        return 0;
    hex_encode(entry_id(e), ENTRY_ID_LEN, hex);
    if (json_object_get(ib->seen, hex) != NULL)
        return 0;
    ej = node_entry_json(ib->n, e);
    if (strcmp(json_string_value(json_object_get(ej, "status")), "resolved") == 0 ||
        (ib->addressed_only && !node_to_me(ib->n, ej))) {
        json_decref(ej);
        return 0;
    }
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

/* Questions in my areas that are not mine and not resolved: urgent first, then newest. */
static json_t *op_inbox(struct node *n, json_t *req)
{
    struct node_inbox ib = {n, json_object(), 0};
    struct replica_query q = {0};
    json_t *o, *v, **items, *arr = json_array();
    const char *k;
    long long limit = 50, now = (long long)node_wall_ms();
    size_t i = 0, count;

    if (node_arg_int(req, "limit", 1, NODE_LIST_MAX, &limit) != 0)
        return api_error("bad_request", "limit must be 1 to %d", NODE_LIST_MAX);
    /* now_ms: a test hook (docs/API.md) to see the reminders as they will be at that time. */
    if (node_arg_int(req, "now_ms", (long long)ENTRY_MIN_TIME_MS, (long long)ENTRY_MAX_TIME_MS,
                     &now) != 0)
        return api_error("bad_request", "now_ms must be a time in ms");
    node_load_areas(n);
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
    count = json_object_size(ib.seen);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    json_object_foreach(ib.seen, k, v) items[i++] = v;
    qsort(items, count, sizeof(*items), node_inbox_cmp);
    for (i = 0; i < count && i < (size_t)limit; i++)
        json_array_append(arr, items[i]);
    free(items);
    json_decref(ib.seen);
    o = node_areas_json(n, node_ok());
    json_object_set_new(o, "entries", arr);
    json_object_set_new(o, "mentoring_requests", node_people_mentor_requests(n, 0, 20));
    json_object_set_new(o, "reminders", node_people_reminders(n, (uint64_t)now));
    return o;
}

/* ---- who knows ---- */

#define NODE_DAY_MS 86400000.0
/* A contribution's weight: its recent part halves every 90 days; a floor share stays for good. */
#define NODE_HALF_LIFE_DAYS 90.0
#define NODE_DECAY_FLOOR 0.25
#define NODE_W_ACCEPTED 10.0 /* an accepted answer */
#define NODE_W_ANSWER 3.0    /* an answer the asker did not accept */
#define NODE_W_UPVOTE 1.0    /* a net upvote on an answer (at most NODE_MAX_UPVOTES each) */
#define NODE_MAX_UPVOTES 5
#define NODE_W_ENDORSER 2.0 /* a distinct colleague endorsing the skill */
/* A declared level counts 0.4 a step: at most 2.0, below what even an old accepted answer keeps
 * (10 x 0.25), so a self-declared skill alone never outranks demonstrated help. */
#define NODE_W_LEVEL 0.4

struct node_expert {
    json_t *people; /* author hex -> {declared, answers, accepted, upvotes, endorsers, last_ms,
                       score, components} */
    json_t *seen;   /* "q:<id>", "a:<id>", "e:<person>:<endorser>" already counted */
    json_t *pooled; /* "<answerer>:<pool>" -> {id, accepted, at}: the one answer that counts */
    uint64_t now_ms;
    struct node *n;
};

static json_t *node_expert(struct node_expert *x, const uint8_t *author)
{
    char hex[2 * ENTRY_KEY_LEN + 1];
    json_t *p;

    hex_encode(author, ENTRY_KEY_LEN, hex);
    p = json_object_get(x->people, hex);
    if (p == NULL) {
        p = json_pack("{s:i,s:i,s:i,s:i,s:i,s:I,s:f,s:{s:f,s:f,s:f,s:f,s:f}}", "declared", 0,
                      "answers", 0, "accepted", 0, "upvotes", 0, "endorsers", 0, "last_ms",
                      (json_int_t)0, "score", 0.0, "components", "accepted", 0.0, "answers", 0.0,
                      "upvotes", 0.0, "endorsements", 0.0, "declared", 0.0);
        json_object_set_new(x->people, hex, p);
    }
    return p;
}

/* 1 the first time key is seen (and remember it), else 0. */
static int node_expert_first(struct node_expert *x, const char *key)
{
    if (json_object_get(x->seen, key) != NULL)
        return 0;
    json_object_set_new(x->seen, key, json_true());
    return 1;
}

static void node_expert_count(json_t *p, const char *field, long long by)
{
    json_object_set_new(p, field, json_integer(json_integer_value(json_object_get(p, field)) + by));
}

/* Add weight w (decayed by age) to component comp of a person's score. active: the contribution
 * is the person's own doing (it moves their "last active" time). */
static void node_expert_add(struct node_expert *x, json_t *p, const char *comp, double w,
                            uint64_t at_ms, int active)
{
    double age_days = x->now_ms > at_ms ? (double)(x->now_ms - at_ms) / NODE_DAY_MS : 0;
    double decayed =
        w * (NODE_DECAY_FLOOR + (1 - NODE_DECAY_FLOOR) * pow(0.5, age_days / NODE_HALF_LIFE_DAYS));
    json_t *c = json_object_get(p, "components");

    json_object_set_new(c, comp, json_real(json_real_value(json_object_get(c, comp)) + decayed));
    json_object_set_new(p, "score",
                        json_real(json_real_value(json_object_get(p, "score")) + decayed));
    if (active && (json_int_t)at_ms > json_integer_value(json_object_get(p, "last_ms")))
        json_object_set_new(p, "last_ms", json_integer((json_int_t)at_ms));
}

static int node_expert_skill(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_expert *x = ctx;
    const char *lv = entry_attr_get(e, "level");
    long level = lv != NULL && lv[0] >= '1' && lv[0] <= '5' && lv[1] == '\0' ? lv[0] - '0' : 3;
    json_t *p = node_expert(x, entry_author(e));
    char key[2 * ENTRY_KEY_LEN + 8];

    (void)snippet;
    (void)rank;
    /* Newest first: a person's latest declaration is the one that counts. */
    hex_encode(entry_author(e), ENTRY_KEY_LEN, key + 2);
    memcpy(key, "s:", 2);
    if (!node_expert_first(x, key))
        return 0;
    json_object_set_new(p, "declared", json_integer(level));
    node_expert_add(x, p, "declared", NODE_W_LEVEL * (double)level, node_entry_time(x->n, e, 0), 1);
    return 0;
}

/* Endorsements of the topic's skill: each colleague counts once per person (the newest of their
 * endorsements), and nobody endorses themselves. */
static int node_expert_endorsement(void *ctx, const struct entry *e, const char *snippet,
                                   double rank)
{
    struct node_expert *x = ctx;
    const char *person = entry_attr_get(e, "person");
    char author[2 * ENTRY_KEY_LEN + 1], key[4 * ENTRY_KEY_LEN + 8 + NODE_VOTER_MAX],
        voter[NODE_VOTER_MAX];
    uint8_t raw[ENTRY_KEY_LEN];
    json_t *p;

    (void)snippet;
    (void)rank;
    hex_encode(entry_author(e), ENTRY_KEY_LEN, author);
    if (person == NULL || strcmp(person, author) == 0 ||
        hex_decode(person, strlen(person), raw, ENTRY_KEY_LEN) != 0)
        return 0;
    node_people_voter(x->n, entry_author(e), voter);
    snprintf(key, sizeof(key), "e:%s:%s", person, voter);
    if (!node_expert_first(x, key))
        return 0;
    p = node_expert(x, raw);
    node_expert_count(p, "endorsers", 1);
    node_expert_add(x, p, "endorsements", NODE_W_ENDORSER, node_entry_time(x->n, e, 1), 0);
    return 0;
}

struct node_expert_votes {
    struct node *n;
    json_t *voters; /* voter identity (node_people_voter) -> seen */
    const char *author;
    long long net;
};

/* Votes on an answer, newest first: each voter's latest counts; the author's own do not. */
static int node_expert_vote(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_expert_votes *v = ctx;
    const char *value = entry_attr_get(e, "value");
    char author[2 * ENTRY_KEY_LEN + 1], voter[NODE_VOTER_MAX];

    (void)snippet;
    (void)rank;
    hex_encode(entry_author(e), ENTRY_KEY_LEN, author);
    node_people_voter(v->n, entry_author(e), voter);
    if (strcmp(author, v->author) == 0 || json_object_get(v->voters, voter) != NULL)
        return 0;
    json_object_set_new(v->voters, voter, json_true());
    if (value != NULL && strcmp(value, "1") == 0)
        v->net++;
    else if (value != NULL && strcmp(value, "-1") == 0)
        v->net--;
    return 0;
}

/* Net upvotes of an answer, 0 to NODE_MAX_UPVOTES. */
static long long node_expert_upvotes(struct node *n, const struct entry *answer)
{
    struct node_expert_votes v = {n, json_object(), NULL, 0};
    struct replica_query q = {0};
    char author[2 * ENTRY_KEY_LEN + 1];

    hex_encode(entry_author(answer), ENTRY_KEY_LEN, author);
    v.author = author;
    q.kind = ENTRY_VOTE;
    q.ref = entry_id(answer);
    q.limit = NODE_LIST_MAX;
    if (replica_list(n->replica, &q, node_expert_vote, &v, NULL) != 0)
        log_warnx("node: who-knows: listing votes failed");
    json_decref(v.voters);
    return v.net < 0 ? 0 : v.net > NODE_MAX_UPVOTES ? NODE_MAX_UPVOTES : v.net;
}

struct node_expert_q {
    struct node_expert *x;
    uint8_t accepted[ENTRY_ID_LEN];
    int has_accepted;
    char asker[NODE_VOTER_MAX]; /* the question's asker as a voter identity, "" if unknown */
};

/* Count one answer: its weight (accepted or not) and its upvotes. */
static void node_expert_answer_count(struct node_expert *x, const struct entry *e, int accepted)
{
    json_t *p = node_expert(x, entry_author(e));
    long long up;

    node_expert_count(p, "answers", 1);
    if (accepted)
        node_expert_count(p, "accepted", 1);
    node_expert_add(x, p, accepted ? "accepted" : "answers",
                    accepted ? NODE_W_ACCEPTED : NODE_W_ANSWER, node_entry_time(x->n, e, 0), 1);
    up = node_expert_upvotes(x->n, e);
    if (up > 0) {
        node_expert_count(p, "upvotes", up);
        node_expert_add(x, p, "upvotes", NODE_W_UPVOTE * (double)up, node_entry_time(x->n, e, 0),
                        0);
    }
}

/* An answer counts once. Answers to askers of one pool (node_people_voter) count, for one
 * answerer, as one honest asker's question would: only the best of them (accepted first, then
 * the newest, then the lowest id, so every node picks the same), counted at the end. */
static int node_expert_answer(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_expert_q *xq = ctx;
    int accepted = xq->has_accepted && memcmp(entry_id(e), xq->accepted, ENTRY_ID_LEN) == 0;
    char key[2 * ENTRY_ID_LEN + 3] = "a:", pkey[2 * ENTRY_KEY_LEN + 1 + NODE_VOTER_MAX];
    json_int_t at = (json_int_t)node_entry_time(xq->x->n, e, 0);
    json_t *best;

    (void)snippet;
    (void)rank;
    hex_encode(entry_id(e), ENTRY_ID_LEN, key + 2);
    hex_encode(entry_author(e), ENTRY_KEY_LEN, pkey);
    if (strcmp(pkey, xq->asker) == 0)
        return 0; /* an answer to one's own question shows no expertise */
    if (!node_expert_first(xq->x, key))
        return 0;
    if (!node_people_pooled(xq->asker)) {
        node_expert_answer_count(xq->x, e, accepted);
        return 0;
    }
    snprintf(pkey + 2 * ENTRY_KEY_LEN, sizeof(pkey) - 2 * ENTRY_KEY_LEN, ":%s", xq->asker);
    best = json_object_get(xq->x->pooled, pkey);
    if (best != NULL) {
        int b_acc = json_is_true(json_object_get(best, "accepted"));
        json_int_t b_at = json_integer_value(json_object_get(best, "at"));
        if (b_acc != accepted ? b_acc
            : b_at != at      ? b_at > at
                              : strcmp(json_string_value(json_object_get(best, "id")), key + 2) < 0)
            return 0;
    }
    json_object_set_new(xq->x->pooled, pkey,
                        json_pack("{s:s,s:b,s:I}", "id", key + 2, "accepted", accepted, "at", at));
    return 0;
}

/* Count the one answer kept for each (answerer, pool). */
static void node_expert_pooled_count(struct node_expert *x)
{
    const char *k;
    json_t *best;
    uint8_t id[ENTRY_ID_LEN];
    struct entry *e;

    json_object_foreach(x->pooled, k, best)
    {
        e = NULL;
        if (hex_decode(json_string_value(json_object_get(best, "id")), 2 * ENTRY_ID_LEN, id,
                       ENTRY_ID_LEN) == 0 &&
            replica_get(x->n->replica, id, &e, NULL, 0) == REPLICA_FOUND)
            node_expert_answer_count(x, e, json_is_true(json_object_get(best, "accepted")));
        entry_destroy(&e);
    }
}

/* A question on the topic: everyone who answered it earns weight. Each question counts once. */
static int node_expert_question(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_expert *x = ctx;
    struct node_expert_q xq = {x, {0}, 0, ""};
    struct replica_query q = {0};
    char key[2 * ENTRY_ID_LEN + 3] = "q:";

    (void)snippet;
    (void)rank;
    hex_encode(entry_id(e), ENTRY_ID_LEN, key + 2);
    if (!node_expert_first(x, key))
        return 0;
    node_people_voter(x->n, entry_author(e), xq.asker);
    xq.has_accepted =
        replica_accepted(x->n->replica, entry_id(e), entry_author(e), xq.accepted) == 1;
    q.kind = ENTRY_ANSWER;
    q.ref = entry_id(e);
    q.limit = NODE_LIST_MAX;
    if (replica_list(x->n->replica, &q, node_expert_answer, &xq, NULL) != 0)
        log_warnx("node: who-knows: listing answers failed");
    return 0;
}

/* An answer whose own text matches the topic (its question may not): that answer counts. */
static int node_expert_matching_answer(void *ctx, const struct entry *e, const char *snippet,
                                       double rank)
{
    struct node_expert *x = ctx;
    struct node_expert_q xq = {x, {0}, 0, ""};
    struct entry *question = NULL;

    if (replica_get(x->n->replica, entry_ref(e, 0), &question, NULL, 0) == REPLICA_FOUND) {
        xq.has_accepted = replica_accepted(x->n->replica, entry_id(question),
                                           entry_author(question), xq.accepted) == 1;
        node_people_voter(x->n, entry_author(question), xq.asker);
    }
    entry_destroy(&question);
    return node_expert_answer(&xq, e, snippet, rank);
}

static int node_expert_cmp_points(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "points"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "points"));

    if (x != y)
        return x < y ? 1 : -1;
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "key")),
                  json_string_value(json_object_get(*(json_t *const *)b, "key")));
}

static int node_expert_cmp(const void *a, const void *b)
{
    double x = json_real_value(json_object_get(*(json_t *const *)a, "score"));
    double y = json_real_value(json_object_get(*(json_t *const *)b, "score"));
    const char *ka = json_string_value(json_object_get(*(json_t *const *)a, "key"));
    const char *kb = json_string_value(json_object_get(*(json_t *const *)b, "key"));

    if (x != y)
        return x < y ? 1 : -1;
    return strcmp(ka, kb); /* the same order on every node */
}

/* Append one part of a "why" text, after ", " unless it is the first. */
static void node_why_part(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void node_why_part(struct buf *b, const char *fmt, ...)
{
    char part[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(part, sizeof(part), fmt, ap);
    va_end(ap);
    /* A full buffer just cuts the text short. */
    if ((b->len > 0 && buf_append_str(b, ", ") != 0) || buf_append_str(b, part) != 0)
        return;
}

/* "3 accepted answers on vpn, 1 other answer on vpn, 4 upvotes, endorsed by 2, declared level 4,
 * active 3 days ago". topic: tlen bytes. Written to why (len bytes, cut if longer). */
static void node_expert_why(json_t *p, const char *topic, int tlen, uint64_t now_ms, char *why,
                            size_t len)
{
    long long ans = json_integer_value(json_object_get(p, "answers"));
    long long acc = json_integer_value(json_object_get(p, "accepted"));
    long long up = json_integer_value(json_object_get(p, "upvotes"));
    long long endo = json_integer_value(json_object_get(p, "endorsers"));
    long long dec = json_integer_value(json_object_get(p, "declared"));
    long long last = json_integer_value(json_object_get(p, "last_ms"));
    long long days = (long long)((double)((long long)now_ms - last) / NODE_DAY_MS);
    struct buf b;

    buf_init(&b, 4096);
    if (acc > 0)
        node_why_part(&b, "%lld accepted answer%s on %.*s", acc, acc == 1 ? "" : "s", tlen, topic);
    if (ans - acc > 0)
        node_why_part(&b, "%lld %sanswer%s on %.*s", ans - acc, acc > 0 ? "other " : "",
                      ans - acc == 1 ? "" : "s", tlen, topic);
    if (up > 0)
        node_why_part(&b, "%lld upvote%s", up, up == 1 ? "" : "s");
    if (endo > 0)
        node_why_part(&b, "endorsed by %lld", endo);
    if (dec > 0)
        node_why_part(&b, "declared level %lld", dec);
    if (last > 0 && days <= 0)
        node_why_part(&b, "active today");
    else if (last > 0)
        node_why_part(&b, "active %lld day%s ago", days, days == 1 ? "" : "s");
    snprintf(why, len, "%.*s", (int)b.len, b.len > 0 ? (const char *)b.data : "");
    buf_free(&b);
}

/* Rank people for a topic: accepted answers, other answers and their upvotes on questions tagged
 * with it or matching it (and answers matching it), distinct endorsers of the skill, then declared
 * skill; every contribution decays with age. At most max people, best first (a new array). */
json_t *node_expert_rank(struct node *n, const char *topic, size_t max)
{
    struct node_expert x = {json_object(), json_object(), json_object(), node_wall_ms(), n};
    struct replica_query q = {0};
    char tag[ENTRY_TAG_MAX + 1], name[NODE_NAME_MAX * 4 + 1], why[512], err[256];
    json_t *arr = json_array(), *p, **items;
    const char *k, *shown;
    uint8_t key[ENTRY_KEY_LEN];
    size_t i = 0, count;
    int shown_len;

    if (node_tag_norm(topic, tag) == 0) {
        q.kind = ENTRY_SKILL;
        q.tag = tag;
        q.limit = NODE_LIST_MAX;
        if (replica_list(n->replica, &q, node_expert_skill, &x, NULL) != 0)
            log_warnx("node: who-knows: skills failed");
        q.kind = ENTRY_ENDORSEMENT;
        if (replica_list(n->replica, &q, node_expert_endorsement, &x, NULL) != 0)
            log_warnx("node: who-knows: endorsements failed");
        q.kind = ENTRY_QUESTION;
        if (replica_list(n->replica, &q, node_expert_question, &x, NULL) != 0)
            log_warnx("node: who-knows: questions failed");
    }
    memset(&q, 0, sizeof(q));
    q.kind = ENTRY_QUESTION;
    q.limit = 200;
    q.any_word = 1;
    if (replica_search(n->replica, topic, &q, NULL, NULL, node_expert_question, &x, NULL, err,
                       sizeof(err)) != 0)
        log_debug("node: who-knows: search: %s", err);
    q.kind = ENTRY_ANSWER;
    if (replica_search(n->replica, topic, &q, NULL, NULL, node_expert_matching_answer, &x, NULL,
                       err, sizeof(err)) != 0)
        log_debug("node: who-knows: search: %s", err);
    node_expert_pooled_count(&x);
    /* The topic as the reasons name it: the tag, else the words (cut at a character, not inside
     * one). */
    if (node_tag_norm(topic, tag) == 0) {
        shown = tag;
    } else {
        shown = topic;
    }
    shown_len = (int)strlen(shown);
    if (shown_len > 40) {
        shown_len = 40;
        while (shown_len > 0 && ((unsigned char)shown[shown_len] & 0xc0) == 0x80)
            shown_len--;
    }
    count = json_object_size(x.people);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    json_object_foreach(x.people, k, p)
    {
        json_object_set_new(p, "key", json_string(k));
        items[i++] = p;
    }
    qsort(items, count, sizeof(*items), node_expert_cmp);
    for (i = 0; i < count && i < max; i++) {
        p = items[i];
        node_expert_why(p, shown, shown_len, x.now_ms, why, sizeof(why));
        json_object_set_new(p, "why", json_string(why));
        if (hex_decode(json_string_value(json_object_get(p, "key")), 2 * ENTRY_KEY_LEN, key,
                       ENTRY_KEY_LEN) == 0 &&
            replica_author_name(n->replica, key, name, sizeof(name)) == 0)
            json_object_set_new(p, "name", json_string(name));
        else
            json_object_set_new(p, "name", json_null());
        json_array_append(arr, p);
    }
    free(items);
    json_decref(x.people);
    json_decref(x.seen);
    json_decref(x.pooled);
    return arr;
}

static json_t *op_who_knows(struct node *n, json_t *req)
{
    const char *topic;
    json_t *o;

    if (node_arg_str(req, "topic", &topic) != 0 || topic == NULL || topic[0] == '\0')
        return api_error("bad_request", "who-knows needs a topic");
    if (strlen(topic) > 1000)
        return api_error("bad_request", "the topic is too long (at most 1000 bytes)");
    o = node_ok();
    json_object_set_new(o, "topic", json_string(topic));
    json_object_set_new(o, "people", node_expert_rank(n, topic, 20));
    return o;
}

/* ---- stats ---- */

#define NODE_HOUR_MS 3600000ull

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
        st->within_24h += first - created <= 24 * NODE_HOUR_MS;
        st->first[st->nfirst++] = (double)(first - created) / (double)NODE_HOUR_MS;
    } else if (st->now_ms - created > 7 * 24 * NODE_HOUR_MS) {
        st->unanswered_7d++;
    }
    if (accepted != 0 && accepted >= created) {
        st->resolved++;
        st->accept[st->naccept++] = (double)(accepted - created) / (double)NODE_HOUR_MS;
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

static int node_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static json_t *node_median_json(double *v, size_t n)
{
    if (n == 0)
        return json_null();
    qsort(v, n, sizeof(*v), node_cmp_double);
    return json_real(n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

static int node_stats_helper(void *ctx, const uint8_t *author, long long answers)
{
    struct node *n = ((void **)ctx)[0];
    json_t *arr = ((void **)ctx)[1];
    char name[NODE_NAME_MAX * 4 + 1];
    json_t *h = json_object();

    json_object_set_new(h, "key", node_hex(author, ENTRY_KEY_LEN));
    json_object_set_new(h, "name",
                        replica_author_name(n->replica, author, name, sizeof(name)) == 0
                            ? json_string(name)
                            : json_null());
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
    const char *tagarg, *k;
    json_t *o, *needs, *helpers = json_array(), *v, **items;
    void *hctx[2] = {n, helpers};
    size_t i = 0, count;
    int has_tag;

    if (node_arg_int(req, "since_ms", 0, (long long)ENTRY_MAX_TIME_MS, &since) != 0 ||
        node_arg_str(req, "tag", &tagarg) != 0) {
        json_decref(helpers);
        return api_error("bad_request", "since_ms must be a time in ms, tag a string");
    }
    has_tag = tagarg != NULL && node_tag_norm(tagarg, tag) == 0;
    st.now_ms = node_wall_ms();
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
    o = node_ok();
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
    json_object_set_new(o, "median_hours_to_first_answer", node_median_json(st.first, st.nfirst));
    json_object_set_new(o, "median_hours_to_accepted_answer",
                        node_median_json(st.accept, st.naccept));
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

/* ---- recognition: votes, thanks, the reputation ledger ---- */

static int node_count_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    (void)e;
    (void)snippet;
    (void)rank;
    (*(size_t *)ctx)++;
    return 0;
}

/* Vote on an entry (up, down, or none to withdraw): one per person and entry, the latest counts. */
static json_t *op_vote(struct node *n, json_t *req, int thanks)
{
    struct entry *target = NULL;
    uint8_t id[ENTRY_ID_LEN];
    const char *text, *value = NULL, *body = NULL, *vote = NULL;
    char err[256];
    json_t *res;

    if (node_arg_str(req, "id", &text) != 0 || (!thanks && node_arg_str(req, "value", &value)) ||
        (thanks && node_arg_str(req, "body", &body) != 0))
        return api_error("bad_request", "id, value and body must be strings");
    res = node_resolve(n, text, id);
    if (res != NULL)
        return res;
    if (!thanks) {
        if (value == NULL ||
            (strcmp(value, "up") != 0 && strcmp(value, "down") != 0 && strcmp(value, "none") != 0))
            return api_error("bad_request", "a vote is up, down or none");
        vote = strcmp(value, "up") == 0 ? "1" : strcmp(value, "down") == 0 ? "-1" : "0";
    }
    if (replica_get(n->replica, id, &target, err, sizeof(err)) != REPLICA_FOUND)
        return api_error("not_found", "no entry %s here", text);
    if (memcmp(entry_author(target), identity_public_key(n->id), ENTRY_KEY_LEN) == 0) {
        entry_destroy(&target);
        return api_error("invalid", "you cannot %s your own entry", thanks ? "thank" : "vote on");
    }
    entry_destroy(&target);
    return thanks ? node_publish_ref(n, ENTRY_THANKS, id, 0, NULL, NULL, body)
                  : node_publish_ref(n, ENTRY_VOTE, id, 0, "value", vote, NULL);
}

#define NODE_PTS_UP 10
#define NODE_PTS_DOWN (-2)
#define NODE_PTS_THANKS 5
#define NODE_PTS_ACCEPTED 15
#define NODE_CAP_VOTER_DAY 30      /* points one person can give per day */
#define NODE_CAP_RECIPIENT_DAY 200 /* points one person can get per day */

struct node_ledger {
    struct node *n;
    json_t *events; /* array of {at, id, from, kind, target, value} from vote/thanks/accept */
};

static int node_ledger_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_ledger *lg = ctx;
    const char *v = entry_attr_get(e, "value");
    char voter[NODE_VOTER_MAX];
    json_t *ev;

    (void)snippet;
    (void)rank;
    ev = json_object();
    /* Recognition counts on the day it arrived at the earliest, and never before its target:
     * a backdated vote cannot slip under an earlier day's cap. */
    json_object_set_new(ev, "at", json_integer((json_int_t)node_entry_time(lg->n, e, 1)));
    json_object_set_new(ev, "id", node_hex(entry_id(e), ENTRY_ID_LEN));
    json_object_set_new(ev, "from", node_hex(entry_author(e), ENTRY_KEY_LEN));
    node_people_voter(lg->n, entry_author(e), voter);
    json_object_set_new(ev, "voter", json_string(voter));
    json_object_set_new(ev, "kind", json_integer(entry_kind(e)));
    json_object_set_new(ev, "target", node_hex(entry_ref(e, 0), ENTRY_ID_LEN));
    json_object_set_new(ev, "value", json_integer(v != NULL ? strtol(v, NULL, 10) : 0));
    json_array_append_new(lg->events, ev);
    return 0;
}

int node_json_cmp_by(json_t *x, json_t *y, const char *field)
{
    json_int_t ax = json_integer_value(json_object_get(x, field));
    json_int_t ay = json_integer_value(json_object_get(y, field));
    const char *ix = json_string_value(json_object_get(x, "id"));
    const char *iy = json_string_value(json_object_get(y, "id"));

    if (ax != ay)
        return ax < ay ? -1 : 1;
    return strcmp(ix != NULL ? ix : "", iy != NULL ? iy : "");
}

static int node_ledger_cmp(const void *a, const void *b)
{
    return node_json_cmp_by(*(json_t *const *)a, *(json_t *const *)b, "at");
}

/* Who a target entry's points go to, and whether it is in the tag (answers: their question's). */
static const char *node_ledger_target(struct node *n, json_t *cache, const char *target_hex,
                                      const char *tag)
{
    json_t *c = json_object_get(cache, target_hex);
    uint8_t id[ENTRY_ID_LEN];
    struct entry *e = NULL, *q = NULL;
    int in_tag;
    size_t i;

    if (c == NULL) {
        c = json_object();
        if (hex_decode(target_hex, 2 * ENTRY_ID_LEN, id, ENTRY_ID_LEN) == 0 &&
            replica_get(n->replica, id, &e, NULL, 0) == REPLICA_FOUND) {
            json_object_set_new(c, "author", node_hex(entry_author(e), ENTRY_KEY_LEN));
            json_object_set_new(c, "kind", json_integer(entry_kind(e)));
            in_tag = tag == NULL;
            for (i = 0; !in_tag && i < entry_ntags(e); i++)
                in_tag = strcmp(entry_tag(e, i), tag) == 0;
            if (!in_tag && entry_kind(e) == ENTRY_ANSWER &&
                replica_get(n->replica, entry_ref(e, 0), &q, NULL, 0) == REPLICA_FOUND) {
                for (i = 0; !in_tag && i < entry_ntags(q); i++)
                    in_tag = strcmp(entry_tag(q, i), tag) == 0;
                json_object_set_new(c, "asker", node_hex(entry_author(q), ENTRY_KEY_LEN));
            }
            if (entry_kind(e) == ENTRY_ANSWER && q == NULL &&
                replica_get(n->replica, entry_ref(e, 0), &q, NULL, 0) == REPLICA_FOUND)
                json_object_set_new(c, "asker", node_hex(entry_author(q), ENTRY_KEY_LEN));
            json_object_set_new(c, "in_tag", json_boolean(in_tag));
        }
        entry_destroy(&e);
        entry_destroy(&q);
        json_object_set_new(cache, target_hex, c);
    }
    if (!json_is_true(json_object_get(c, "in_tag")))
        return NULL;
    return json_string_value(json_object_get(c, "author"));
}

/* The reputation ledger: every vote (the latest per person and entry), thanks (once per person
 * and entry) and accepted answer (by the asker), in time order, each worth points to the target's
 * author, with daily caps per giver and per receiver; self-awarded points never count. Then the
 * leaderboard, with badges. */
static json_t *op_top(struct node *n, json_t *req)
{
    struct node_ledger lg = {n, json_array()};
    struct replica_query q = {0};
    long long since = 0, limit = 20;
    const char *tagarg, *k, *to, *from, *target;
    char tag[ENTRY_TAG_MAX + 1], day[32], key[160], name[NODE_NAME_MAX * 4 + 1];
    json_t *latest = json_object(), *cache = json_object(), *people = json_object(),
           *given = json_object(), *got = json_object(), *pooled = json_object(), *ev, *p, *o, *arr,
           **items;
    uint16_t kinds[3] = {ENTRY_VOTE, ENTRY_THANKS, ENTRY_ACCEPT};
    size_t i, k2, count;
    int has_tag;

    if (node_arg_int(req, "since_ms", 0, (long long)ENTRY_MAX_TIME_MS, &since) != 0 ||
        node_arg_int(req, "limit", 1, NODE_LIST_MAX, &limit) != 0 ||
        node_arg_str(req, "tag", &tagarg) != 0) {
        json_decref(latest), json_decref(cache), json_decref(people), json_decref(given),
            json_decref(got), json_decref(pooled), json_decref(lg.events);
        return api_error("bad_request", "since_ms, limit and tag are a time, a count, a string");
    }
    has_tag = tagarg != NULL && node_tag_norm(tagarg, tag) == 0;
    for (k2 = 0; k2 < 3; k2++) {
        q.kind = kinds[k2];
        q.since_ms = (uint64_t)since;
        q.oldest_first = 1;
        q.limit = NODE_LIST_MAX;
        for (q.offset = 0;; q.offset += NODE_LIST_MAX) {
            size_t before = json_array_size(lg.events);
            if (replica_list(n->replica, &q, node_ledger_row, &lg, NULL) != 0 ||
                json_array_size(lg.events) - before < NODE_LIST_MAX)
                break;
        }
    }
    count = json_array_size(lg.events);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    for (i = 0; i < count; i++)
        items[i] = json_array_get(lg.events, i);
    qsort(items, count, sizeof(*items), node_ledger_cmp);
    /* Latest vote per (voter, target); first thanks per (thanker, target). A voter is an
     * identity (node_people_voter): keys minted from one code vote, thank and give as one. */
    for (i = 0; i < count; i++) {
        ev = items[i];
        snprintf(key, sizeof(key), "%lld:%s:%s",
                 (long long)json_integer_value(json_object_get(ev, "kind")),
                 json_string_value(json_object_get(ev, "voter")),
                 json_string_value(json_object_get(ev, "target")));
        if (json_integer_value(json_object_get(ev, "kind")) == ENTRY_VOTE ||
            json_object_get(latest, key) == NULL)
            json_object_set(latest, key, ev);
    }
    for (i = 0; i < count; i++) {
        long long pts = 0, cap_give, cap_get;
        json_int_t kind, value, at;
        ev = items[i];
        snprintf(key, sizeof(key), "%lld:%s:%s",
                 (long long)json_integer_value(json_object_get(ev, "kind")),
                 json_string_value(json_object_get(ev, "voter")),
                 json_string_value(json_object_get(ev, "target")));
        if (json_object_get(latest, key) != ev)
            continue; /* superseded or repeated */
        kind = json_integer_value(json_object_get(ev, "kind"));
        value = json_integer_value(json_object_get(ev, "value"));
        at = json_integer_value(json_object_get(ev, "at"));
        from = json_string_value(json_object_get(ev, "from"));
        target = json_string_value(json_object_get(ev, "target"));
        to = node_ledger_target(n, cache, target, has_tag ? tag : NULL);
        if (to == NULL || strcmp(to, from) == 0)
            continue;
        if (kind == ENTRY_ACCEPT) {
            const char *asker =
                json_string_value(json_object_get(json_object_get(cache, target), "asker"));
            if (asker == NULL || strcmp(asker, from) != 0)
                continue; /* only the asker's accept counts */
            /* Askers of one pool accept, for one answerer, as one honest asker does: once. */
            snprintf(key, sizeof(key), "%s:%s", json_string_value(json_object_get(ev, "voter")),
                     to);
            if (node_people_pooled(json_string_value(json_object_get(ev, "voter")))) {
                if (json_object_get(pooled, key) != NULL)
                    continue;
                json_object_set_new(pooled, key, json_true());
            }
            pts = NODE_PTS_ACCEPTED;
        } else if (kind == ENTRY_THANKS) {
            pts = NODE_PTS_THANKS;
        } else {
            pts = value > 0 ? NODE_PTS_UP : value < 0 ? NODE_PTS_DOWN : 0;
        }
        snprintf(day, sizeof(day), "%lld", (long long)(at / 86400000));
        snprintf(key, sizeof(key), "%s:%s", json_string_value(json_object_get(ev, "voter")), day);
        cap_give = NODE_CAP_VOTER_DAY - json_integer_value(json_object_get(given, key));
        if (pts > cap_give)
            pts = cap_give > 0 ? cap_give : 0;
        if (pts > 0)
            json_object_set_new(
                given, key, json_integer(json_integer_value(json_object_get(given, key)) + pts));
        snprintf(key, sizeof(key), "%s:%s", to, day);
        cap_get = NODE_CAP_RECIPIENT_DAY - json_integer_value(json_object_get(got, key));
        if (pts > cap_get)
            pts = cap_get > 0 ? cap_get : 0;
        if (pts > 0)
            json_object_set_new(got, key,
                                json_integer(json_integer_value(json_object_get(got, key)) + pts));
        p = json_object_get(people, to);
        if (p == NULL) {
            p = json_pack("{s:s,s:i,s:i,s:i,s:i,s:i}", "key", to, "points", 0, "upvotes", 0,
                          "downvotes", 0, "thanks", 0, "accepted", 0);
            json_object_set_new(people, to, p);
        }
        json_object_set_new(p, "points",
                            json_integer(json_integer_value(json_object_get(p, "points")) + pts));
        {
            const char *field = kind == ENTRY_ACCEPT   ? "accepted"
                                : kind == ENTRY_THANKS ? "thanks"
                                : value > 0            ? "upvotes"
                                : value < 0            ? "downvotes"
                                                       : NULL;
            if (field != NULL)
                json_object_set_new(
                    p, field, json_integer(json_integer_value(json_object_get(p, field)) + 1));
        }
    }
    free(items);
    count = json_object_size(people);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    i = 0;
    json_object_foreach(people, k, p) items[i++] = p;
    qsort(items, count, sizeof(*items), node_expert_cmp_points);
    arr = json_array();
    for (i = 0; i < count && i < (size_t)limit; i++) {
        uint8_t raw[ENTRY_KEY_LEN];
        struct replica_query aq = {0};
        json_t *badges = json_array();
        p = items[i];
        if (hex_decode(json_string_value(json_object_get(p, "key")), 2 * ENTRY_KEY_LEN, raw,
                       ENTRY_KEY_LEN) == 0) {
            json_object_set_new(p, "name",
                                replica_author_name(n->replica, raw, name, sizeof(name)) == 0
                                    ? json_string(name)
                                    : json_null());
            aq.kind = ENTRY_ANSWER;
            aq.author = raw;
            aq.limit = 1;
            size_t answers = 0;
            if (replica_list(n->replica, &aq, node_count_row, &answers, NULL) == 0 && answers > 0)
                json_array_append_new(badges, json_string("first answer"));
        }
        if (json_integer_value(json_object_get(p, "accepted")) >= 10)
            json_array_append_new(badges, json_string("10 accepted answers"));
        if (hex_decode(json_string_value(json_object_get(p, "key")), 2 * ENTRY_KEY_LEN, raw,
                       ENTRY_KEY_LEN) == 0)
            node_people_badges(n, raw, badges);
        json_object_set_new(p, "badges", badges);
        json_array_append(arr, p);
    }
    free(items);
    o = node_ok();
    json_object_set_new(o, "people", arr);
    json_decref(latest), json_decref(cache), json_decref(people), json_decref(given),
        json_decref(got), json_decref(pooled), json_decref(lg.events);
    return o;
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
    bio = node_people_bio(n, identity_public_key(n->id)); /* a new name keeps the bio */
    f.kind = ENTRY_PROFILE;
    f.created_ms = node_wall_ms();
    f.title = name;
    f.body = bio;
    o = node_publish(n, &f);
    free(bio);
    if (json_is_true(json_object_get(o, "ok"))) {
        json_object_set_new(o, "public_key", node_hex(identity_public_key(n->id), ENTRY_KEY_LEN));
        json_object_set_new(o, "name", json_string(name));
    }
    return o;
}

static json_t *op_post(struct node *n, json_t *req)
{
    struct entry_fields f = {0};
    const char *kind, *title, *body;
    json_t *tags = json_object_get(req, "tags"), *refs = json_object_get(req, "refs"), *v, *res;
    char tagbuf[ENTRY_MAX_TAGS][ENTRY_TAG_MAX + 1];
    const char *tagp[ENTRY_MAX_TAGS];
    uint8_t refids[ENTRY_MAX_REFS][ENTRY_ID_LEN];
    struct entry_attr urgent_attr = {"urgent", "1"}, attrs[2];
    size_t nattrs = 0;
    char tohex[2 * ENTRY_KEY_LEN + 1];
    const char *to;
    struct entry *target = NULL;
    int urgent;
    size_t i, j, k;
    char err[256];

    if (node_arg_str(req, "kind", &kind) != 0 || kind == NULL || kinds_parse(kind, &f.kind) != 0 ||
        (f.kind != ENTRY_QUESTION && f.kind != ENTRY_ANSWER && f.kind != ENTRY_NOTE &&
         f.kind != ENTRY_COMMENT))
        return api_error("bad_request", "kind must be question, answer, note or comment");
    if (node_arg_str(req, "title", &title) != 0 || node_arg_str(req, "body", &body) != 0 ||
        node_arg_str(req, "to", &to) != 0 || node_arg_bool(req, "urgent", &urgent) != 0)
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
        /* People type "VPN " or "#vpn": trim, drop one leading '#', lower-case. */
        t += strspn(t, " \t");
        for (j = 0, k = 0; t[j] != '\0' && k < ENTRY_TAG_MAX + 1; j++) {
            char c = t[j];
            if (c == ' ' || c == '\t')
                break;
            tagbuf[i][k++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
        tagbuf[i][k < ENTRY_TAG_MAX + 1 ? k : ENTRY_TAG_MAX] = '\0';
        if (k > ENTRY_TAG_MAX || t[j + strspn(t + j, " \t")] != '\0' || !entry_tag_valid(tagbuf[i]))
            return api_error("invalid",
                             "'%.40s' is not a valid tag: use lower-case letters and digits, then "
                             "also . + # _ - (at most %d characters, no spaces)",
                             json_string_value(v), ENTRY_TAG_MAX);
        tagp[i] = tagbuf[i];
    }
    f.tags = tagp;
    f.ntags = json_array_size(tags);
    json_array_foreach(refs, i, v)
    {
        if (!json_is_string(v))
            return api_error("bad_request", "refs must be strings");
        res = node_resolve(n, json_string_value(v), refids[i]);
        if (res != NULL)
            return res;
    }
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])refids;
    f.nrefs = json_array_size(refs);
    if ((f.kind == ENTRY_ANSWER || f.kind == ENTRY_COMMENT) && f.nrefs != 1)
        return api_error("bad_request", "an %s needs the id of the entry it responds to", kind);
    if (f.kind == ENTRY_ANSWER) {
        enum replica_lookup l = replica_get(n->replica, refids[0], &target, err, sizeof(err));
        int is_question = l == REPLICA_FOUND && entry_kind(target) == ENTRY_QUESTION;
        entry_destroy(&target);
        if (l == REPLICA_CORRUPT)
            return api_error("corrupt", "the question failed verification; run `lore check`");
        if (!is_question)
            return api_error("invalid", "only questions can be answered; use a comment");
    }
    if ((f.kind == ENTRY_QUESTION || f.kind == ENTRY_NOTE) && (title == NULL || title[0] == '\0'))
        return api_error("invalid", "a %s needs a title", kind);
    if (f.kind != ENTRY_QUESTION && (body == NULL || body[0] == '\0'))
        return api_error("invalid", "a %s needs a body", kind);
    if (urgent && f.kind != ENTRY_QUESTION)
        return api_error("invalid", "only questions can be urgent");
    if (urgent)
        attrs[nattrs++] = urgent_attr;
    if (to != NULL) {
        uint8_t key[ENTRY_KEY_LEN];
        if (f.kind != ENTRY_QUESTION)
            return api_error("invalid", "only questions can be addressed to someone");
        switch (replica_find_person(n->replica, to, key)) {
        case REPLICA_FOUND:
            break;
        case REPLICA_AMBIGUOUS:
            return api_error("ambiguous", "'%.80s' names several people; give more of the key", to);
        case REPLICA_NOT_FOUND:
            return api_error("not_found", "nobody called '%.80s' is known here (name or key)", to);
        default:
            return api_error("internal", "looking up '%.80s' failed", to);
        }
        hex_encode(key, ENTRY_KEY_LEN, tohex);
        attrs[nattrs].key = "to";
        attrs[nattrs++].value = tohex;
    }
    f.attrs = attrs;
    f.nattrs = nattrs;
    f.title = title;
    f.body = body;
    f.created_ms = node_wall_ms();
    return node_publish(n, &f);
}

int node_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_rows *rows = ctx;
    json_t *ej = node_entry_json(rows->n, e), *o;

    if (!rows->with_snippet) {
        json_array_append_new(rows->array, ej);
        return 0;
    }
    o = json_object();
    json_object_set_new(o, "entry", ej);
    json_object_set_new(o, "snippet", json_string(snippet != NULL ? snippet : ""));
    json_object_set_new(o, "rank", json_real(rank));
    json_array_append_new(rows->array, o);
    return 0;
}

static json_t *op_get(struct node *n, json_t *req)
{
    uint8_t id[ENTRY_ID_LEN];
    const char *text;
    struct entry *e = NULL;
    struct replica_query q = {0};
    struct node_rows rows = {n, NULL, 0};
    json_t *o, *res, *gone;
    char err[256];
    size_t corrupt = 0, c2 = 0;
    int history;

    if (node_arg_str(req, "id", &text) != 0 || node_arg_bool(req, "history", &history) != 0)
        return api_error("bad_request", "id must be a string, history a boolean");
    res = node_resolve(n, text, id);
    if (res != NULL) {
        gone = node_content_retracted(n, text); /* "retracted by its author on DATE" */
        if (gone != NULL) {
            json_decref(res);
            return gone;
        }
        return res;
    }
    switch (replica_get(n->replica, id, &e, err, sizeof(err))) {
    case REPLICA_FOUND:
        break;
    case REPLICA_CORRUPT:
        return api_error("corrupt",
                         "entry %s failed verification (%s) and is not served; run "
                         "`lore check`",
                         text, err);
    case REPLICA_NOT_FOUND:
        return api_error("not_found", "no entry has an id starting with %s", text);
    default:
        return api_error("internal", "reading the entry failed; see the node's log");
    }
    o = node_ok();
    json_object_set_new(o, "entry", node_entry_json(n, e));
    if (history)
        json_object_set_new(o, "history", node_content_history(n, e));
    q.ref = id;
    q.oldest_first = 1;
    q.limit = NODE_LIST_MAX;
    q.kind = ENTRY_ANSWER;
    rows.array = json_array();
    if (replica_list(n->replica, &q, node_row, &rows, &corrupt) != 0)
        log_warnx("node: listing answers failed");
    json_object_set_new(o, "answers", rows.array);
    q.kind = ENTRY_COMMENT;
    rows.array = json_array();
    if (replica_list(n->replica, &q, node_row, &rows, &c2) != 0)
        log_warnx("node: listing comments failed");
    json_object_set_new(o, "comments", rows.array);
    json_object_set_new(o, "corrupt", json_integer((json_int_t)(corrupt + c2)));
    entry_destroy(&e);
    return o;
}

/* Filters shared by list and search. Returns NULL, or the error response. */
json_t *node_query_args(json_t *req, struct replica_query *q)
{
    const char *kind, *tag, *status;
    long long limit = 50, offset = 0, since = 0;

    memset(q, 0, sizeof(*q));
    if (node_arg_str(req, "kind", &kind) != 0 || node_arg_str(req, "tag", &tag) != 0 ||
        node_arg_str(req, "status", &status) != 0)
        return api_error("bad_request", "kind, tag and status must be strings");
    if (status != NULL) {
        if (strcmp(status, "open") == 0)
            q->status = REPLICA_STATUS_OPEN;
        else if (strcmp(status, "answered") == 0)
            q->status = REPLICA_STATUS_ANSWERED;
        else if (strcmp(status, "resolved") == 0)
            q->status = REPLICA_STATUS_RESOLVED;
        else
            return api_error("bad_request", "status is open, answered or resolved");
    }
    if (node_arg_int(req, "since_ms", 0, (long long)ENTRY_MAX_TIME_MS, &since) != 0)
        return api_error("bad_request", "since_ms must be a time in ms since the epoch");
    q->since_ms = (uint64_t)since;
    if (kind != NULL && kinds_parse(kind, &q->kind) != 0)
        return api_error("bad_request", "unknown kind '%.40s'", kind);
    if (node_arg_int(req, "limit", 1, NODE_LIST_MAX, &limit) != 0 ||
        node_arg_int(req, "offset", 0, 1000000000, &offset) != 0)
        return api_error("bad_request", "limit must be 1 to %d, offset 0 or more", NODE_LIST_MAX);
    q->tag = tag;
    q->limit = (size_t)limit;
    q->offset = (size_t)offset;
    return NULL;
}

/* The author filter of list and search: a display name or key prefix, resolved like ask --to,
 * into key (which q->author then points to). Returns NULL, or the error response. */
static json_t *node_query_author(struct node *n, json_t *req, struct replica_query *q,
                                 uint8_t key[ENTRY_KEY_LEN])
{
    const char *who;

    if (node_arg_str(req, "author", &who) != 0)
        return api_error("bad_request", "author must be a string");
    if (who == NULL)
        return NULL;
    switch (replica_find_person(n->replica, who, key)) {
    case REPLICA_FOUND:
        q->author = key;
        return NULL;
    case REPLICA_AMBIGUOUS:
        return api_error("ambiguous", "'%.80s' names several people; give more of the key", who);
    case REPLICA_NOT_FOUND:
        return api_error("not_found", "nobody called '%.80s' is known here (name or key)", who);
    default:
        return api_error("internal", "looking up '%.80s' failed", who);
    }
}

/* list rows after the pinned ones: those not shown already, up to max in all. */
struct node_list_rows {
    struct node_rows rows;
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
    return node_row(&lr->rows, e, snippet, rank);
}

static json_t *op_list(struct node *n, json_t *req)
{
    struct replica_query q, pq;
    struct node_list_rows lr = {{n, NULL, 0}, NULL, 0, 0};
    uint8_t key[ENTRY_KEY_LEN], pins[NODE_MAX_PINNED][ENTRY_ID_LEN];
    size_t corrupt = 0, c2 = 0, npins = 0;
    json_t *o;
    int open, pinned, pinned_first;

    o = node_query_args(req, &q);
    if (o == NULL)
        o = node_query_author(n, req, &q, key);
    if (o != NULL)
        return o;
    if (node_arg_bool(req, "open", &open) != 0 || node_arg_bool(req, "pinned", &pinned) != 0 ||
        node_arg_bool(req, "pinned_first", &pinned_first) != 0)
        return api_error("bad_request", "open, pinned and pinned_first must be booleans");
    q.open_only = open;
    /* With pinned_first (what a person's `lore list` asks), pinned entries that pass the filters
     * come first on the first page; pinned: only them. Without it, plain order: paging through
     * everything (an export) sees every entry exactly once. */
    if (pinned || (pinned_first && q.offset == 0))
        npins = node_content_pinned(n, pins, NODE_MAX_PINNED);
    lr.rows.array = json_array();
    lr.max = q.limit;
    pq = q;
    pq.ids = (const uint8_t(*)[ENTRY_ID_LEN])pins;
    pq.nids = npins;
    if ((pinned || npins > 0) && replica_list(n->replica, &pq, node_row, &lr.rows, &corrupt) != 0) {
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
    o = node_ok();
    json_object_set_new(o, "entries", lr.rows.array);
    json_object_set_new(o, "corrupt", json_integer((json_int_t)corrupt));
    return o;
}

/* A search match before the page is built: the entry, its snippet, bm25 and boost. */
struct node_cand {
    struct entry *e;
    uint64_t at; /* effective time */
    char *snippet;
    double bm25, boost, rank;
};

struct node_cands {
    struct node *node;
    struct node_cand *c;
    size_t n, cap;
};

static int node_cand_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_cands *cs = ctx;
    const uint8_t *raw;
    size_t len;

    if (cs->n == cs->cap) {
        cs->cap = cs->cap != 0 ? 2 * cs->cap : 64;
        cs->c = xreallocarray(cs->c, cs->cap, sizeof(*cs->c));
    }
    raw = entry_bytes(e, &len);
    cs->c[cs->n].e = entry_decode(raw, len, NULL, 0);
    if (cs->c[cs->n].e == NULL)
        return 0;
    cs->c[cs->n].at = node_entry_time(cs->node, e, 0);
    cs->c[cs->n].snippet = xstrdup(snippet != NULL ? snippet : "");
    cs->c[cs->n].bm25 = rank;
    cs->n++;
    return 0;
}

/* Search results order: best rank, then newest, then highest id; the same on every node. */
static int node_search_cmp(const void *a, const void *b)
{
    const struct node_cand *x = a, *y = b;
    uint64_t cx = x->at, cy = y->at;

    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return -memcmp(entry_id(x->e), entry_id(y->e), ENTRY_ID_LEN);
}

static json_t *op_search(struct node *n, json_t *req)
{
    struct replica_query q;
    struct node_cands cs = {n, NULL, 0, 0};
    const char *query, *hl_open, *hl_close;
    uint8_t key[ENTRY_KEY_LEN];
    size_t corrupt = 0, offset, limit, i;
    char err[256];
    json_t *o, *r, *page, *marks;

    o = node_query_args(req, &q);
    if (o == NULL)
        o = node_query_author(n, req, &q, key);
    if (o != NULL)
        return o;
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
    /* Re-rank (docs/API.md, search): the best bm25 matches, the page and NODE_RERANK_EXTRA
     * beyond, get their boost from accepted answers, votes and flags; rank = bm25 x boost. Only
     * the page is then turned into full entries. */
    offset = q.offset;
    limit = q.limit != 0 ? q.limit : 50;
    q.offset = 0;
    q.limit = offset + limit + NODE_RERANK_EXTRA;
    if (replica_search(n->replica, query, &q, hl_open, hl_close, node_cand_row, &cs, &corrupt, err,
                       sizeof(err)) != 0) {
        o = api_error("bad_request", "search failed: %s", err);
        goto out;
    }
    for (i = 0; i < cs.n; i++) {
        marks = json_object();
        node_content_decorate(n, cs.c[i].e, marks);
        cs.c[i].boost = node_content_boost(marks);
        cs.c[i].rank = cs.c[i].bm25 * cs.c[i].boost;
        json_decref(marks);
    }
    if (cs.n > 0)
        qsort(cs.c, cs.n, sizeof(*cs.c), node_search_cmp);
    page = json_array();
    for (i = offset; i < cs.n && i < offset + limit; i++) {
        r = json_object();
        json_object_set_new(r, "entry", node_entry_json(n, cs.c[i].e));
        json_object_set_new(r, "snippet", json_string(cs.c[i].snippet));
        json_object_set_new(r, "bm25", json_real(cs.c[i].bm25));
        json_object_set_new(r, "boost", json_real(cs.c[i].boost));
        json_object_set_new(r, "rank", json_real(cs.c[i].rank));
        json_array_append_new(page, r);
    }
    o = node_ok();
    json_object_set_new(o, "results", page);
    json_object_set_new(o, "corrupt", json_integer((json_int_t)corrupt));
out:
    for (i = 0; i < cs.n; i++) {
        entry_destroy(&cs.c[i].e);
        free(cs.c[i].snippet);
    }
    free(cs.c);
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
    o = node_ok();
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

static json_t *op_peers(struct node *n, json_t *req)
{
    struct gossip_peer_info info;
    const struct link_stats *st;
    struct link *l;
    json_t *o, *a = json_array(), *p;
    uint64_t now = loop_now_ms();
    char name[NODE_NAME_MAX * 4 + 1];

    (void)req;
    for (l = links_first(gossip_links(n->gossip)); l != NULL; l = links_next(l)) {
        gossip_peer_info(n->gossip, l, &info);
        st = link_stats(l);
        p = json_object();
        json_object_set_new(p, "address", json_string(link_addr(l)));
        json_object_set_new(
            p, "key", link_key(l) != NULL ? node_hex(link_key(l), ENTRY_KEY_LEN) : json_null());
        if (link_key(l) != NULL &&
            replica_author_name(n->replica, link_key(l), name, sizeof(name)) == 0)
            json_object_set_new(p, "name", json_string(name));
        else
            json_object_set_new(p, "name",
                                link_name(l)[0] ? json_string(link_name(l)) : json_null());
        json_object_set_new(p, "found_by", json_string(link_origin_name(link_found_by(l))));
        json_object_set_new(p, "state", json_string(link_state_name(link_state(l))));
        json_object_set_new(p, "primary", json_boolean(link_is_primary(l)));
        json_object_set_new(p, "sync", json_string(link_state(l) == LINK_UP ? info.state : "-"));
        json_object_set_new(p, "state_for_s",
                            json_integer((json_int_t)((now - st->since_ms) / 1000)));
        json_object_set_new(p, "last_seen_ms_ago",
                            st->last_rx_ms ? json_integer((json_int_t)(now - st->last_rx_ms))
                                           : json_null());
        json_object_set_new(p, "rtt_ms", json_integer((json_int_t)st->rtt_ms));
        json_object_set_new(p, "their_entries_at_connect",
                            json_integer((json_int_t)link_peer_entries(l)));
        json_object_set_new(p, "entries_received", json_integer((json_int_t)info.entries_rx));
        json_object_set_new(p, "entries_sent", json_integer((json_int_t)info.entries_tx));
        json_object_set_new(p, "invalid_received", json_integer((json_int_t)st->invalid));
        json_object_set_new(p, "to_fetch", json_integer((json_int_t)info.to_fetch));
        json_object_set_new(p, "bootstrap_entries_to_go",
                            json_integer((json_int_t)info.stream_entries));
        json_object_set_new(p, "bootstrap_bytes_to_go",
                            json_integer((json_int_t)info.stream_bytes));
        json_object_set_new(p, "last_sync_s_ago",
                            info.last_sync_ms
                                ? json_integer((json_int_t)((now - info.last_sync_ms) / 1000))
                                : json_null());
        json_object_set_new(p, "last_sync_differences", json_integer((json_int_t)info.last_diff));
        json_object_set_new(p, "eager", json_boolean(info.eager));
        json_object_set_new(p, "bytes_received", json_integer((json_int_t)st->bytes_rx));
        json_object_set_new(p, "bytes_sent", json_integer((json_int_t)st->bytes_tx));
        json_array_append_new(a, p);
    }
    o = node_ok();
    json_object_set_new(o, "listen_port", json_integer(gossip_port(n->gossip)));
    json_object_set_new(o, "entries", json_integer((json_int_t)gossip_entry_count(n->gossip)));
    json_object_set_new(o, "peers", a);
    return o;
}

/* 1 if text (lines ending in '\n') has a line equal to line. */
static int node_has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    const char *p;

    for (p = text; *p != '\0'; p = strchr(p, '\n') + 1) {
        if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
            return 1;
        if (strchr(p, '\n') == NULL)
            break;
    }
    return 0;
}

static json_t *op_peers_add(struct node *n, json_t *req)
{
    const char *addr;
    char err[256], *saved, *joined;
    struct replica_meta m;
    int rc;

    if (node_arg_str(req, "address", &addr) != 0 || addr == NULL)
        return api_error("bad_request", "peers_add needs an address (HOST:PORT)");
    if (node_dial(n, addr, err, sizeof(err)) != 0)
        return api_error("invalid", "%s", err);
    saved = node_saved_peers(n);
    if (!node_has_line(saved, addr)) {
        joined = xasprintf("%s%s\n", saved, addr);
        m.key = NODE_PEERS_META;
        m.value = joined;
        m.len = strlen(joined);
        m.text = 1;
        rc = replica_meta_set(n->replica, &m, err, sizeof(err));
        if (rc != 0)
            log_warnx("node: remembering peer %s failed: %s", addr, err);
        free(joined);
    }
    free(saved);
    log_info("node: peer %s added", addr);
    return node_ok();
}

static void node_stop_timer(struct loop *loop, uint64_t timer_id, void *arg)
{
    (void)timer_id;
    (void)arg;
    loop_stop(loop);
}

/* The ops of the modules that keep their own (node_int.h). */
static const struct node_op *const node_op_tables[] = {node_team_ops, node_content_ops,
                                                       node_people_ops, NULL};

static json_t *node_handle(void *ctx, struct api_client *client, json_t *req)
{
    struct node *n = ctx;
    const char *op = json_string_value(json_object_get(req, "op"));
    json_t *o;
    size_t t, i;

    log_debug("api: op %s", op);
    {
        /* Views hold back what is dated after the team's clock plus the tolerance. */
        struct node_clock c;
        node_clock_check(n, &c);
        replica_set_horizon(n->replica, c.team_ms + ENTRY_CLOCK_TOLERANCE_MS);
    }
    if (strcmp(op, "status") == 0)
        return op_status(n, req);
    if (strcmp(op, "init") == 0)
        return op_init(n, req);
    if (strcmp(op, "post") == 0)
        return op_post(n, req);
    if (strcmp(op, "accept") == 0)
        return op_accept(n, req);
    if (strcmp(op, "skill") == 0)
        return op_skill(n, req);
    if (strcmp(op, "follow") == 0)
        return op_follow(n, req);
    if (strcmp(op, "inbox") == 0)
        return op_inbox(n, req);
    if (strcmp(op, "who_knows") == 0)
        return op_who_knows(n, req);
    if (strcmp(op, "stats") == 0)
        return op_stats(n, req);
    if (strcmp(op, "vote") == 0)
        return op_vote(n, req, 0);
    if (strcmp(op, "thank") == 0)
        return op_vote(n, req, 1);
    if (strcmp(op, "top") == 0)
        return op_top(n, req);
    if (strcmp(op, "get") == 0)
        return op_get(n, req);
    if (strcmp(op, "list") == 0)
        return op_list(n, req);
    if (strcmp(op, "search") == 0)
        return op_search(n, req);
    if (strcmp(op, "check") == 0)
        return op_check(n, req);
    if (strcmp(op, "peers") == 0)
        return op_peers(n, req);
    if (strcmp(op, "peers_add") == 0)
        return op_peers_add(n, req);
    for (t = 0; node_op_tables[t] != NULL; t++)
        for (i = 0; node_op_tables[t][i].name != NULL; i++)
            if (strcmp(op, node_op_tables[t][i].name) == 0)
                return node_op_tables[t][i].fn(n, req);
    if (strcmp(op, "subscribe") == 0) {
        api_client_subscribe(client);
        o = node_ok();
        json_object_set_new(o, "subscribed", json_true());
        return o;
    }
    if (strcmp(op, "stop") == 0) {
        log_info("node: stop requested through the local API");
        /* Let the response reach the client before the loop ends. */
        (void)loop_add_timer(n->loop, 50, 0, node_stop_timer, n);
        o = node_ok();
        json_object_set_new(o, "stopping", json_true());
        return o;
    }
    return api_error("unknown_op", "unknown op '%.40s'", op);
}

/* ---- lifecycle ---- */

static void node_on_signal(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct signalfd_siginfo si;

    (void)zsock;
    (void)events;
    (void)arg;
    if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return;
    log_info("node: %s received, shutting down", strsignal((int)si.ssi_signo));
    loop_stop(loop);
}

/* The profile is what turns a key into a name people recognise. Publish one on first start if
 * the config names us and no profile exists yet. */
static void node_initial_profile(struct node *n)
{
    char name[NODE_NAME_MAX * 4 + 1];
    struct entry_fields f = {0};
    json_t *o;

    if (n->cfg->name == NULL || n->cfg->name[0] == '\0' ||
        replica_author_name(n->replica, identity_public_key(n->id), name, sizeof(name)) == 0)
        return;
    f.kind = ENTRY_PROFILE;
    f.created_ms = node_wall_ms();
    f.title = n->cfg->name;
    o = node_publish(n, &f);
    if (!json_is_true(json_object_get(o, "ok")))
        log_warnx("node: publishing the profile for name '%s' failed: %s", n->cfg->name,
                  json_string_value(json_object_get(o, "error")));
    json_decref(o);
}

/* "key=value" from the command line, applied over the config file. */
static int node_apply_set(struct config *cfg, const char *kv, char *err, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    char key[64];

    if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
        errmsg_set(err, errlen, "'%s' is not KEY=VALUE", kv);
        return -1;
    }
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    if (config_set(cfg, key, eq + 1, err, errlen) != 0)
        return -1;
    return 0;
}

/* The config as node_new would see it: file, then overrides. */
static struct config *node_load_config(const struct node_options *opts, const struct paths *p,
                                       char *err, size_t errlen)
{
    struct config *cfg = config_new();
    size_t i;

    if (config_load(cfg, opts->config_file != NULL ? opts->config_file : p->config_file,
                    opts->config_file != NULL, err, errlen) != 0)
        goto fail;
    for (i = 0; i < opts->nsets; i++)
        if (node_apply_set(cfg, opts->sets[i], err, errlen) != 0)
            goto fail;
    return cfg;
fail:
    config_destroy(&cfg);
    return NULL;
}

int node_print_config(const struct node_options *opts, FILE *out, char *err, size_t errlen)
{
    struct paths p;
    struct config *cfg;

    if (paths_resolve(opts->home, &p, err, errlen) != 0)
        return -1;
    cfg = node_load_config(opts, &p, err, errlen);
    if (cfg != NULL) {
        fprintf(out, "# %s\n", opts->config_file != NULL ? opts->config_file : p.config_file);
        config_dump(cfg, out);
    }
    paths_free(&p);
    if (cfg == NULL)
        return -1;
    config_destroy(&cfg);
    return 0;
}

/* Peers added with `lore peers add`, one HOST:PORT per line in the replica's meta table. */
static char *node_saved_peers(struct node *n)
{
    uint8_t *v = NULL;
    size_t len = 0;

    if (replica_meta_get(n->replica, NODE_PEERS_META, &v, &len, NULL, NULL, 0) != REPLICA_FOUND)
        return xstrdup("");
    return (char *)v;
}

static int node_dial(struct node *n, const char *addr, char *err, size_t errlen)
{
    if (gossip_dial(n->gossip, addr, err, errlen) != 0) {
        log_warnx("node: peer %s: %s", addr, err);
        return -1;
    }
    return 0;
}

/* Known peers are remembered across restarts: the found (not static) ones that are up now. */
static void node_remember_peers(struct node *n)
{
    struct buf text;
    struct link *l;
    struct replica_meta m;
    uint8_t *old = NULL;
    size_t oldlen = 0, count = 0;
    char err[160];

    buf_init(&text, 64 * 1024);
    for (l = links_first(gossip_links(n->gossip)); l != NULL && count < NODE_MAX_KNOWN;
         l = links_next(l)) {
        enum link_origin o = link_origin(l);
        if (!link_is_primary(l) || o == LINK_STATIC || o == LINK_INBOUND)
            continue;
        if (buf_printf(&text, "%s %s\n", link_origin_name(o), link_addr(l)) != 0)
            break;
        count++;
    }
    if (replica_meta_get(n->replica, NODE_KNOWN_META, &old, &oldlen, NULL, NULL, 0) ==
            REPLICA_FOUND &&
        oldlen == text.len && (text.len == 0 || memcmp(old, text.data, text.len) == 0))
        goto out; /* nothing new */
    if (count == 0)
        goto out; /* keep what we knew: an empty moment (say, a network outage) forgets nothing */
    m.key = NODE_KNOWN_META;
    m.value = text.data;
    m.len = text.len;
    m.text = 1;
    if (replica_meta_set(n->replica, &m, err, sizeof(err)) != 0)
        log_warnx("node: remembering peers failed: %s", err);
out:
    free(old);
    buf_free(&text);
}

/* When found links have gone (given up, or the cap has room), dial candidates mDNS reported. */
static void node_dial_candidates(struct node *n)
{
    struct links *ls = gossip_links(n->gossip);
    char err[160];

    while (n->ncandidates > 0 && links_found_dialled(ls) < LINK_MAX_FOUND) {
        size_t i = randombytes_uniform((uint32_t)n->ncandidates);
        if (!links_have_key(ls, n->candidates[i].key) &&
            links_dial(ls, n->candidates[i].addr, LINK_MDNS, err, sizeof(err)) != NULL)
            log_info("node: dialling %s, found by mDNS earlier", n->candidates[i].addr);
        n->candidates[i] = n->candidates[--n->ncandidates];
    }
}

static void node_remember_tick(struct loop *loop, uint64_t timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    node_remember_peers(arg);
    node_dial_candidates(arg);
}

static void node_redial_known(struct node *n)
{
    uint8_t *v = NULL;
    size_t len = 0;
    char *line, *next, *sp, err[160];
    enum link_origin o;

    if (replica_meta_get(n->replica, NODE_KNOWN_META, &v, &len, NULL, NULL, 0) != REPLICA_FOUND)
        return;
    for (line = (char *)v; *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next == NULL)
            break;
        *next++ = '\0';
        sp = strchr(line, ' ');
        if (sp == NULL)
            continue;
        *sp = '\0';
        o = strcmp(line, "mdns") == 0 ? LINK_MDNS : LINK_EXCHANGE;
        if (links_dial(gossip_links(n->gossip), sp + 1, o, err, sizeof(err)) == NULL)
            log_debug("node: remembered peer %s: %s", sp + 1, err);
    }
    free(v);
}

/* A node of our team was found on the LAN: dial it unless we are linked to it already. */
static void node_on_found(void *ctx, const char *addr, const uint8_t key[MDNS_KEY_LEN],
                          const char *ifname)
{
    struct node *n = ctx;
    char err[160];

    links_note_found(gossip_links(n->gossip), key, LINK_MDNS);
    if (links_have_key(gossip_links(n->gossip), key))
        return;
    if (links_found_dialled(gossip_links(n->gossip)) >= LINK_MAX_FOUND) {
        /* Enough links already: keep it as a candidate (newest first out when full). */
        size_t i = n->ncandidates < NODE_MAX_CANDIDATES_FOUND
                       ? n->ncandidates++
                       : randombytes_uniform(NODE_MAX_CANDIDATES_FOUND);
        snprintf(n->candidates[i].addr, sizeof(n->candidates[i].addr), "%s", addr);
        memcpy(n->candidates[i].key, key, MDNS_KEY_LEN);
        return;
    }
    log_info("node: found %s on %s by mDNS", addr, ifname != NULL ? ifname : "?");
    if (links_dial(gossip_links(n->gossip), addr, LINK_MDNS, err, sizeof(err)) == NULL)
        log_warnx("node: cannot dial %s: %s", addr, err);
}

static void node_start_mdns(struct node *n, const char *name)
{
    struct mdns_config mc = {0};

    char tag[TEAM_TAG_LEN + 1];

    if (!n->cfg->mdns || n->team == NULL || gossip_port(n->gossip) == 0)
        return;
    team_mdns_tag(team_id(n->team), tag);
    mc.loop = n->loop;
    mc.port = gossip_port(n->gossip);
    mc.key = identity_public_key(n->id);
    mc.name = name;
    mc.team_tag = tag;
    mc.interfaces = n->cfg->mdns_interfaces;
    n->mdns = mdns_new(&mc, node_on_found, n);
}

static int node_start_sync(struct node *n, char *err, size_t errlen)
{
    struct gossip_config gc = {0};
    char name[NODE_NAME_MAX * 4 + 1] = "", *saved, *line, *next;
    size_t i;

    if (replica_author_name(n->replica, identity_public_key(n->id), name, sizeof(name)) != 0)
        snprintf(name, sizeof(name), "%s", n->cfg->name);
    gc.loop = n->loop;
    gc.replica = n->replica;
    gc.db_path = n->db_path;
    gc.listen = n->cfg->listen;
    gc.key = identity_public_key(n->id);
    gc.name = name;
    gc.sync_interval_ms = (uint64_t)n->cfg->sync_interval * 1000;
    gc.verify_threads = n->cfg->verify_threads;
    gc.peer_exchange = n->cfg->peer_exchange;
    gc.on_entry = node_on_peer_entry;
    gc.ctx = n;
    gc.team = n->team;
    gc.node_curve_public = n->curve_pk;
    gc.node_curve_secret = n->curve_sk;
    gc.invite = n->invite;
    gc.own_cert = n->own_cert.len > 0 ? n->own_cert.data : NULL;
    gc.own_cert_len = n->own_cert.len;
    gc.sign = identity_sign;
    gc.sign_ctx = n->id;
    n->gossip = gossip_new(&gc, err, errlen);
    if (n->gossip == NULL)
        return -1;
    n->remember_timer = loop_add_timer(n->loop, NODE_REMEMBER_MS, 1, node_remember_tick, n);
    if (n->team == NULL)
        return 0; /* nobody to talk to safely: no dials, no discovery */
    for (i = 0; i < n->cfg->peers.n; i++)
        (void)node_dial(n, n->cfg->peers.items[i], err, errlen);
    saved = node_saved_peers(n);
    for (line = saved; line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (*line != '\0')
            (void)node_dial(n, line, err, errlen);
    }
    free(saved);
    node_start_mdns(n, name);
    node_redial_known(n);
    return 0;
}

/* Stop networking: links, gossip (and its ingest pipeline) and discovery. */
void node_stop_sync(struct node *n)
{
    if (n->gossip != NULL)
        node_remember_peers(n);
    if (n->remember_timer != 0)
        loop_cancel_timer(n->loop, n->remember_timer);
    n->remember_timer = 0;
    mdns_destroy(&n->mdns);
    gossip_destroy(&n->gossip);
    n->ncandidates = 0;
}

/* Start networking again (the team changed): links, gossip and discovery are rebuilt. */
int node_restart_sync(struct node *n, char *err, size_t errlen)
{
    node_stop_sync(n);
    return node_start_sync(n, err, errlen);
}

struct node *node_new(const struct node_options *opts, char *err, size_t errlen)
{
    struct node *n = xcalloc(1, sizeof(*n));
    char *iddir = NULL, pk[2 * ENTRY_KEY_LEN + 1];
    sigset_t mask;
    int created = 0, ok = 0;

    n->sigfd = -1;
    n->lock_fd = -1;
    n->started_ms = loop_now_ms();
    if (paths_resolve(opts->home, &n->paths, err, errlen) != 0)
        goto out;
    n->cfg = node_load_config(opts, &n->paths, err, errlen);
    if (n->cfg == NULL)
        goto out;
    log_set_level(opts->log_level_set ? opts->log_level : n->cfg->log_level);
    if (paths_mkdir_private(n->paths.data_dir, err, errlen) != 0 ||
        paths_mkdir_private(n->paths.runtime_dir, err, errlen) != 0)
        goto out;
    /* Before anything in the data directory is read or written: one node per directory. */
    n->lock_fd = paths_lock_dir(n->paths.data_dir, err, errlen);
    if (n->lock_fd < 0)
        goto out;
    iddir = xasprintf("%s/identity", n->paths.data_dir);
    n->id = identity_open(iddir, &created, err, errlen);
    if (n->id == NULL)
        goto out;
    n->iddir = xstrdup(iddir);
    buf_init(&n->own_cert, ENTRY_MAX_SIZE);
    n->curve_sk = sodium_malloc(TEAM_CURVE_LEN);
    if (n->curve_sk == NULL || identity_curve_secret(n->id, n->curve_sk) != 0 ||
        team_node_curve_public(identity_public_key(n->id), n->curve_pk) != 0) {
        errmsg_set(err, errlen, "cannot derive the node's CURVE key from its identity");
        goto out;
    }
    hex_encode(identity_public_key(n->id), ENTRY_KEY_LEN, pk);
    log_info("node: identity %s (%s)", pk, created ? "new" : "loaded");
    n->db_path = xasprintf("%s/replica.db", n->paths.data_dir);
    n->replica = replica_open(n->db_path, n->cfg->cache_mb, err, errlen);
    if (n->replica == NULL)
        goto out;
    n->loop = loop_new();

    /* Signals arrive as readable data on the loop, never in the middle of a handler. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &mask, &n->oldmask) != 0) {
        errmsg_set(err, errlen, "sigprocmask: %s", strerror(errno));
        goto out;
    }
    n->mask_set = 1;
    n->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (n->sigfd < 0 || loop_add_fd(n->loop, n->sigfd, LOOP_READ, node_on_signal, n) != 0) {
        errmsg_set(err, errlen, "signalfd: %s", strerror(errno));
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);

    n->api = api_new(n->loop, n->paths.socket_path, node_handle, n, err, errlen);
    if (n->api == NULL)
        goto out;
    if (node_team_open(n, err, errlen) != 0)
        goto out;
    if (node_start_sync(n, err, errlen) != 0)
        goto out;
    node_load_areas(n);
    node_people_start(n);
    node_initial_profile(n);
    ok = 1;
out:
    free(iddir);
    if (!ok)
        node_destroy(&n);
    return n;
}

int node_run(struct node *n)
{
    char *status;
    int rc;

    log_info("node: serving %lld entries; local API on %s", replica_count(n->replica),
             n->paths.socket_path);
    status = xasprintf("READY=1\nSTATUS=serving on %s", n->paths.socket_path);
    node_notify(status);
    free(status);
    rc = loop_run(n->loop);
    node_notify("STOPPING=1");
    log_info("node: stopped");
    return rc;
}

void node_destroy(struct node **np)
{
    struct node *n;

    if (np == NULL || *np == NULL)
        return;
    n = *np;
    if (n->gossip != NULL)
        node_remember_peers(n);
    if (n->remember_timer != 0)
        loop_cancel_timer(n->loop, n->remember_timer);
    mdns_destroy(&n->mdns);
    gossip_destroy(&n->gossip);
    api_destroy(&n->api);
    if (n->loop != NULL && n->sigfd >= 0)
        loop_remove(n->loop, n->sigfd, NULL);
    loop_destroy(&n->loop);
    if (n->sigfd >= 0)
        close(n->sigfd);
    if (n->mask_set)
        sigprocmask(SIG_SETMASK, &n->oldmask, NULL);
    json_decref(n->areas);
    replica_close(&n->replica);
    team_destroy(&n->team);
    team_invite_destroy(&n->invite);
    buf_free(&n->own_cert);
    sodium_free(n->curve_sk);
    free(n->iddir);
    identity_destroy(&n->id);
    config_destroy(&n->cfg);
    paths_free(&n->paths);
    free(n->db_path);
    if (n->lock_fd >= 0)
        close(n->lock_fd); /* last: everything in the data directory is closed */
    free(n);
    *np = NULL;
}
