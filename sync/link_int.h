/*
 * link_int: what the files of the link module share (private to link*.c; callers use link.h).
 *   link.c       the link table: sending, HELLO and its proofs, primary links, dispatching a
 *                received frame, peer exchange, accessors
 *   link_sock.c  ZeroMQ: the ROUTER and DEALER sockets, CURVE keys, the ZAP handler and the
 *                handshake monitor, admitting inbound links; links_new, links_destroy, links_dial
 *   link_shun.c  backoff and shunning: the per-peer rate limit, penalties, bans (per link and per
 *                address), and the tick (heartbeats, ban ends, dialling with the other key)
 * Include link.h first: this header uses its types but does not include it, so the module's own
 * files do not count as an include cycle (tests/include_cycles.py).
 */
#ifndef LORE_LINK_INT_H
#define LORE_LINK_INT_H

#ifndef LORE_LINK_H
#error "include link.h before link_int.h"
#endif

#include <stddef.h>
#include <stdint.h>

#include "bucket.h"
#include "buf.h"
#include "hostport.h"
#include "loop.h"
#include "wire.h"

#define LINK_TICK_MS 250
#define LINK_HELLO_RETRY_MS 500
#define LINK_HWM 1000
#define LINK_RECV_BUDGET 256  /* messages per socket per wake-up: fairness */
#define LINK_PENALTY_LIMIT 20 /* invalid items per window before shunning */
#define LINK_PENALTY_WINDOW_MS 60000
#define LINK_SHUN_MIN_MS 30000
#define LINK_SHUN_MAX_MS 600000
#define LINK_INBOUND_FORGET_MS 60000 /* a dead inbound link is forgotten after this */
#define LINK_MAX_RID 255
#define LINK_MAX_INBOUND 64 /* links others dialled: beyond, newcomers are told BYE */
#define LINK_ADDR_MAX (HOSTPORT_MAX + 1)

struct link {
    struct links *ls;
    struct link *next;
    enum link_origin origin;
    enum link_origin found_by; /* for people: origin, or better (see links_note_found) */
    enum link_state state;
    void *sock; /* our DEALER for a dialled link; NULL for inbound (the ROUTER) */
    char endpoint[LINK_ADDR_MAX + 8];
    uint8_t rid[LINK_MAX_RID]; /* inbound: the ROUTER's routing id of the peer */
    size_t rid_len;
    char addr[LINK_ADDR_MAX];
    char peer_ip[64]; /* inbound: the remote address ZeroMQ reports */
    int has_key, is_self, primary;
    uint8_t key[WIRE_KEY_LEN];
    uint64_t nonce;
    char name[WIRE_MAX_NAME + 1];
    uint64_t peer_entries;
    uint16_t peer_port;
    int64_t clock_offset_ms; /* the peer's wall clock minus ours, from its last HELLO */
    int has_clock;
    uint64_t peer_features; /* from its FEATURES in this session; 0 until then */
    struct link_stats st;
    uint64_t last_tx_ms, ping_sent_ms, hello_tx_ms;
    uint64_t hello_timer, hello_backoff_ms; /* quick HELLO retries right after dialling */
    uint64_t peers_sent_ms;                 /* last PEERS we sent it */
    unsigned penalties;
    uint64_t penalty_window_ms, shun_until_ms, shun_ms;
    struct bucket rate;       /* its messages (LINK_RATE_PER_S) */
    uint64_t limit_logged_ms; /* last time the limit was logged and penalized */
    /* Authentication. */
    uint8_t challenge[WIRE_CHALLENGE_LEN];      /* ours, for this link: the peer signs it */
    uint8_t peer_challenge[WIRE_CHALLENGE_LEN]; /* theirs, from their last HELLO */
    int has_peer_challenge;
    int joined;                           /* inbound: it authenticated with the join key */
    uint8_t zap_key[WIRE_KEY_LEN];        /* inbound member: the node key CURVE authenticated */
    uint8_t client_curve[LINK_CURVE_LEN]; /* the connection's CURVE client key (the dialler's) */
    uint8_t claim[WIRE_KEY_LEN];          /* the node key its last HELLO claims (unproven) */
    int has_claim;
    int dial_join;     /* dialled: we use the join key as our client key */
    int join_fallback; /* dialled: on the join key because the peer ignored our node key */
    uint64_t dial_ms;  /* dialled: when the socket was (re)opened */
    void *dial_mon;    /* dialled: PAIR reading the DEALER's handshake events (link_unmonitor) */
    void *data;
};

struct links {
    struct loop *loop;
    void *ctx;
    void *router;
    uint16_t port;
    uint8_t key[WIRE_KEY_LEN];
    uint64_t nonce;
    char *name;
    uint64_t (*entries)(void *ctx);
    int no_exchange;
    uint64_t features; /* ours, for FEATURES */
    struct links_callbacks cb;
    void *cb_ctx;
    struct link *head;
    uint64_t tick;
    struct buf out;
    struct {
        char ip[64];
        uint64_t until_ms;
    } shunned[LINK_MAX_INBOUND]; /* addresses of shunned inbound peers: no new links from them */
    size_t nshunned;
    /* Security. */
    void *zap;     /* REP socket on inproc://zeromq.zap.01, bound before the ROUTER */
    void *monitor; /* PAIR: the ROUTER's failed handshakes (a client without our team's keys) */
    uint8_t team[WIRE_TEAM_LEN];
    uint8_t server_public[LINK_CURVE_LEN], node_public[LINK_CURVE_LEN], join_public[LINK_CURVE_LEN];
    uint8_t *secrets; /* sodium_malloc: server, node, join secret keys (LINK_CURVE_LEN each) */
    int has_join;
    int (*sign)(void *sign_ctx, const uint8_t *msg, size_t len, uint8_t sig[WIRE_PROOF_LEN]);
    void *sign_ctx;
    struct buf creds;
    uint64_t zap_logged_ms[2]; /* refusals (ZAP, handshake) are logged at most once a second */
    uint64_t zap_refused, zap_unlogged;
    /* Our join key as peers' ZAP handlers see it (links_join_refusal): refused by the last
     * handshake that decided (an authentication failure while we were a newcomer), or taken. */
    uint64_t join_refused_ms, join_taken_ms;
    char join_refused_by[LINK_ADDR_MAX];
    unsigned mon_seq; /* names the dial monitors' inproc endpoints */
};

#define LINK_SECRET_SERVER 0
#define LINK_SECRET_NODE LINK_CURVE_LEN
#define LINK_SECRET_JOIN (2 * LINK_CURVE_LEN)

/* link.c: the link table */
void link_set_state(struct link *l, enum link_state s);
int link_is_loopback(const char *addr);
/* Tell this peer whom else we are linked to (peer exchange): one static link between two
 * subnets then lets every node on both sides find the others. Loopback addresses only go to
 * peers that are themselves on loopback. */
void link_send_peers(struct link *to);
int link_send_raw(struct link *l, const void *frame, size_t len);
/* HELLO: who we are, a challenge for the peer, our signature over its challenge once we have
 * one, and our credentials when the peer may not know us: always from the listening side (its
 * dialler may be a newcomer that knows nothing yet), and from a newcomer dialling. */
void link_send_hello(struct link *l, int is_reply);
void link_send_bye(struct link *l, const char *reason);
void link_hello_soon(struct link *l);
void link_free(struct links *ls, struct link *l);
void link_go_down(struct link *l, const char *why);
/*
 * A dialled link still on the join key once we are a member (the team state has our certificate,
 * so our peers know our node key): reopen it with the node key, so that CURVE authenticates us as
 * the member we are on every connection from now on. Not while the peer ignored our node key
 * (join_fallback): it has not heard of us yet and takes us with the join key and our credentials.
 * Returns 1 if the link was reopened.
 */
int link_redial_as_member(struct link *l, const char *why);
void link_dispatch(struct link *l, const uint8_t *frame, size_t len);
struct link *link_alloc(struct links *ls, enum link_origin origin);

/* link_sock.c: sockets */
/* Open (or reopen) a dialled link's DEALER as a CURVE client: with the join key while we are a
 * newcomer, else with our node key. */
int link_open(struct link *l, int use_join, char *err, size_t errlen);
/* Stop watching a dialled link's handshakes (before its DEALER closes). NULL-safe. */
void link_unmonitor(struct link *l);

/* link_shun.c: backoff and shunning */
/* One message's worth of the peer's rate budget. Returns 0 (drop it) when a peer floods us; that
 * is logged and counted against it at most once a second, so a flood ends in a shun. */
int link_take_token(struct link *l);
/* Is this address shunned? Expired entries are dropped on the way. */
int links_ip_shunned(struct links *ls, const char *ip);
void links_tick(struct loop *loop, uint64_t timer_id, void *arg);

#endif
