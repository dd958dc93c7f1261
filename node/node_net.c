/* node_net: networking — gossip, links and mDNS started and stopped for the team, peers dialled and
 * remembered — and its ops: status, peers, peers_add, peers_remove. */
#include "node_net.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_json.h"
#include "node_teamstate.h"
#include "node_view.h"
#include "node_watch.h"
#include "version.h"
#include "xmalloc.h"

static char *node_saved_peers(struct node *n);
static int node_dial(struct node *n, const char *addr, char *err, size_t errlen);

/* The storage part of status: can the replica be written? Failing when the pipeline's writes
 * fail (it tries again by itself) or the replica file was deleted or replaced under the node. */
static void node_status_storage(struct node *n, json_t *o)
{
    struct ingest_counters ic;
    char err[ERRMSG_MAX];
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
        json_object_set_new(sync, "pulls", json_integer((json_int_t)gs.pulls));
        json_object_set_new(sync, "paced", json_integer((json_int_t)gs.paced));
        json_object_set_new(sync, "held_back", json_integer((json_int_t)gs.held_back));
        json_object_set_new(sync, "withheld", json_integer((json_int_t)gs.withheld));
        json_object_set_new(sync, "refused_connections",
                            json_integer((json_int_t)links_refused(gossip_links(n->gossip))));
    }
    /* Members online now, us included (presence beacons, docs/PROTOCOL.md "Presence"). */
    json_object_set_new(sync, "online", json_integer((json_int_t)gossip_online_count(n->gossip)));
    json_object_set_new(sync, "presence_refused", json_integer((json_int_t)gs.presence_refused));
    json_object_set_new(o, "sync", sync);
    node_status_storage(n, o);
    json_object_set_new(o, "team", node_teamstate_json(n, 0));
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
    json_t *o = node_json_ok();
    const uint8_t *pk = identity_public_key(n->id);

    (void)req;
    json_object_set_new(o, "version", json_string(lore_version()));
    json_object_set_new(o, "pid", json_integer(getpid()));
    json_object_set_new(o, "public_key", node_json_hex(pk, ENTRY_KEY_LEN));
    json_object_set_new(o, "name", node_view_name(n, pk));
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
        json_object_set_new(cj, "now", node_json_time(c.wall_ms));
        json_object_set_new(cj, "team_ms", json_integer((json_int_t)c.team_ms));
        json_object_set_new(cj, "team", node_json_time(c.team_ms));
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

/* An entry from a peer was stored. */
static void node_on_peer_entry(void *ctx, const struct entry *e)
{
    struct node *n = ctx;
    json_t *ej;

    if (n->hooks.subscribers == NULL || n->hooks.subscribers(n) == 0)
        return; /* nobody watches: neither the socket's subscribers nor the web's streams */
    ej = node_view_entry(n, e);
    node_watch_announce(n, ej, 1);
    json_decref(ej);
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
        json_object_set_new(p, "key",
                            link_key(l) != NULL ? node_json_hex(link_key(l), ENTRY_KEY_LEN)
                                                : json_null());
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
        /* What it announced (FEATURES): a node from before them announces nothing. */
        json_object_set_new(p, "unicode_tags",
                            json_boolean((info.features & WIRE_FEATURE_UNICODE_TAGS) != 0));
        json_object_set_new(p, "withheld", json_integer((json_int_t)info.withheld));
        json_object_set_new(p, "bytes_received", json_integer((json_int_t)st->bytes_rx));
        json_object_set_new(p, "bytes_sent", json_integer((json_int_t)st->bytes_tx));
        json_array_append_new(a, p);
    }
    o = node_json_ok();
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
    char err[ERRMSG_MAX], *saved, *joined;
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
    return node_json_ok();
}

/* Forget a peer added with `lore peers add` (a mistyped address, a machine gone): no longer
 * remembered, and its link closed. One from lore.conf or --peer cannot be forgotten here. */
static json_t *op_peers_remove(struct node *n, json_t *req)
{
    const char *addr;
    char err[ERRMSG_MAX], *saved, *p, *nl;
    struct replica_meta m;
    size_t i, len;
    int closed = 0;
    json_t *o;

    if (node_arg_str(req, "address", &addr) != 0 || addr == NULL || addr[0] == '\0' ||
        strchr(addr, '\n') != NULL)
        return api_error("bad_request", "peers_remove needs an address (HOST:PORT)");
    for (i = 0; i < n->cfg->peers.n; i++)
        if (strcmp(n->cfg->peers.items[i], addr) == 0)
            return api_error("invalid",
                             "%.300s comes from the configuration (peer = in lore.conf, or "
                             "--peer): remove it there and restart the node",
                             addr);
    saved = node_saved_peers(n);
    if (!node_has_line(saved, addr)) {
        free(saved);
        return api_error("not_found",
                         "%.300s is not a peer added with `lore peers add` (see `lore peers`)",
                         addr);
    }
    /* Take its line out, in place. */
    len = strlen(addr);
    for (p = saved; *p != '\0'; p = nl) {
        nl = strchr(p, '\n');
        nl = nl != NULL ? nl + 1 : p + strlen(p);
        if (strncmp(p, addr, len) == 0 && (p[len] == '\n' || p[len] == '\0')) {
            memmove(p, nl, strlen(nl) + 1);
            nl = p;
        }
    }
    m.key = NODE_PEERS_META;
    m.value = saved;
    m.len = strlen(saved);
    m.text = 1;
    if (replica_meta_set(n->replica, &m, err, sizeof(err)) != 0) {
        free(saved);
        return api_error("internal", "forgetting the peer failed: %s", err);
    }
    free(saved);
    if (n->gossip != NULL)
        closed = gossip_forget(n->gossip, addr);
    log_info("node: peer %s removed%s", addr, closed ? ", its link closed" : "");
    o = node_json_ok();
    json_object_set_new(o, "address", json_string(addr));
    json_object_set_new(o, "link_closed", json_boolean(closed));
    return o;
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
    char err[ERRMSG_MAX];

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
    char err[ERRMSG_MAX];

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
    char *line, *next, *sp, err[ERRMSG_MAX];
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
    char err[ERRMSG_MAX];

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

int node_net_start(struct node *n, char *err, size_t errlen)
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
    gc.push_unpaced = !n->cfg->push_pacing;
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
void node_net_stop(struct node *n)
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
int node_net_restart(struct node *n, char *err, size_t errlen)
{
    node_net_stop(n);
    return node_net_start(n, err, errlen);
}

const struct node_op node_net_ops[] = {
    {"status", op_status, "the node: identity, clock, storage, sync, team, discovery", 0},
    {"peers", op_peers, "the links to peers and their sync state", 0},
    {"peers_add", op_peers_add, "dial a peer (HOST:PORT) and remember it", 0},
    {"peers_remove", op_peers_remove, "forget a peer added with peers_add, and close its link", 0},
    {NULL, NULL, NULL, 0},
};
