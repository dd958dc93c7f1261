/*
 * node_int: the node itself — the struct every node/ module works on, its hooks and the op table
 * type. Private to node/; no functions (each module has its own header). Layers, bottom up:
 *   helpers   node_clock, node_json, node_args, node_resolve, api_error
 *   state     node_teamstate (the team), node_view (an entry as JSON), node_watch (for me? my
 *             areas), node_foryou (for me because of mine; escalation circles), node_peopleview
 *             (people as views show them), node_rank (who knows)
 *   write     node_publish (sign, store, announce, gossip)
 *   ops       node_entries, node_ledger, node_expertise, node_inbox, node_content, node_people,
 *             node_team, node_escalate, node_tags: each exports a table of struct node_op
 *   dispatch  node_call (one JSON request in, one JSON response out)
 *   process   node_net (networking; status, peers), node (lifecycle), api (the socket)
 * A module calls only modules on its own line or below; what an op needs from above (networking,
 * broadcasting to watchers) comes through struct node_hooks.
 */
#ifndef LORE_NODE_INT_H
#define LORE_NODE_INT_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "api_error.h"
#include "buf.h"
#include "config.h"
#include "errmsg.h"
#include "gossip.h"
#include "identity.h"
#include "kinds.h"
#include "loop.h"
#include "mdns.h"
#include "paths.h"
#include "replica.h"
#include "team.h"

struct node;
struct node_syn;
struct web;

/* An API op a module serves (docs/API.md): fn answers req (borrowed) with a new response. Tables
 * end with {NULL}. */
struct node_op {
    const char *name;
    json_t *(*fn)(struct node *n, json_t *req);
    const char *help; /* one line for people */
    unsigned flags;   /* NODE_OP_* */
};
/* The op needs the caller's connection (subscribe): its transport serves it; node_call refuses. */
#define NODE_OP_CONNECTION 1u

/* What the layers above the ops lend them. Any may be NULL (a node without networking or
 * watchers, as in the unit tests): then that part is skipped. */
struct node_hooks {
    /* Stop networking and start it again on the current team state. 0, or -1 with err. */
    int (*restart_sync)(struct node *n, char *err, size_t errlen);
    /* Stop networking. */
    void (*stop_sync)(struct node *n);
    /* Send a watch event (borrowed) to every subscriber; how many there are. */
    void (*broadcast)(struct node *n, json_t *event);
    size_t (*subscribers)(struct node *n);
    /* More ops, served by the layers above (lifecycle, networking): a NULL-terminated list of
     * tables, searched after node_call's own. */
    const struct node_op *const *ops;
};

#define NODE_NAME_MAX 100
#define NODE_MAX_CANDIDATES 10
#define NODE_MAX_PROBLEMS 100

#define NODE_MAX_CANDIDATES_FOUND 256 /* nodes found by mDNS beyond LINK_MAX_FOUND, kept */

struct node {
    struct paths paths;
    struct config *cfg;
    struct identity *id;
    struct replica *replica;
    struct loop *loop;
    struct api *api;
    int sigfd;
    int lock_fd; /* holds the data directory's lock (paths_lock_dir) while open */
    sigset_t oldmask;
    int mask_set;
    uint64_t started_ms;
    char *db_path;
    struct gossip *gossip;
    struct mdns *mdns;
    uint64_t remember_timer;
    json_t *areas; /* my skills and followed tags: a JSON object used as a set */
    /* Nodes mDNS found while we already had LINK_MAX_FOUND such links: dialled as others go. */
    struct {
        char addr[MDNS_ADDR_MAX];
        uint8_t key[MDNS_KEY_LEN];
    } candidates[NODE_MAX_CANDIDATES_FOUND];
    size_t ncandidates;
    /* Team: NULL when the node is in none (then it neither listens nor dials). */
    char *iddir;
    struct team *team;
    struct team_invite *invite; /* from the join secret we hold, or NULL */
    struct buf own_cert;        /* our certificate, encoded; empty if we have none */
    uint8_t curve_pk[TEAM_CURVE_LEN];
    uint8_t *curve_sk;       /* sodium memory */
    struct node_hooks hooks; /* what the layers above lend the ops (node.c sets them) */
    struct web *web;         /* the web interface (web/web.h), or NULL when off */
    struct node_syn *syn;    /* the tag synonyms decided (node_synonyms), or NULL */
    uint64_t calls;          /* ops run (node_call), to tell when the node is idle */
    struct {
        uint64_t calls_seen; /* n->calls at the last node_core_idle */
        int trimmed;         /* the heap was trimmed since the last op */
    } idle;
    /* The background integrity pass (node_integrity): where it is and what it found. */
    struct {
        int64_t after_seq;      /* the pass goes on after this row (0: from the start) */
        uint64_t checked, bad;  /* since the node started */
        uint64_t passes;        /* whole passes finished since the node started */
        uint64_t rest_until_ms; /* after a whole pass: idle until then */
        double credit;          /* entries the next slice may check (integrity_per_second) */
        uint64_t ticks;         /* slices so far */
        uint64_t busy_ticks;    /* slices skipped: the ingest pipeline held entries */
        uint64_t timer;
    } integrity;
};

#define NODE_PEERS_META "static_peers" /* peers added with `lore peers add`, one per line */
#define NODE_FOLLOWS_META "follows"    /* tags followed here, one per line (personal, not synced) */
#define NODE_MAX_FOLLOWS 64
#define NODE_KNOWN_META "known_peers" /* peers found by mDNS or exchange: "origin addr" lines */
#define NODE_REMEMBER_MS 30000
#define NODE_MAX_KNOWN 64

#endif
