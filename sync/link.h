/*
 * link: peer connections over ZeroMQ TCP — the transport under the sync protocol.
 *
 * Each node binds one ROUTER socket (its listen address) and opens one DEALER per peer it dials.
 * Either kind of connection is a link and carries messages both ways. A link is up once both
 * sides exchanged HELLO (protocol version, node key, entry count). Liveness comes from our own
 * heartbeats: a PING after a second of silence, and a link silent for LINK_DEAD_MS is down
 * (mDNS would keep a crashed host listed for an hour). Dialled links reconnect by themselves with
 * ZeroMQ's exponential backoff. A peer that keeps sending invalid data is told BYE and shunned
 * for a while, doubling each time.
 *
 * Two links to the same node (both sides dialled each other) are allowed; only one, the
 * "primary", is used by the sync protocol (link_is_primary).
 */
#ifndef LORE_LINK_H
#define LORE_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "loop.h"
#include "wire.h"

#define LINK_PING_MS 1000
#define LINK_DEAD_MS 3500
#define LINK_DEFAULT_PORT 5673
#define LINK_GIVE_UP_MS 120000 /* found (not static) links that never come up are closed */
#define LINK_MAX_DIALLED 6     /* links we dial because a peer told us about them, at most */
/* ... and only while we have fewer links than this (up, or dialled by exchange and coming up):
 * each link carries an IHAVE per new entry, so a dense mesh costs every node per entry. */
#define LINK_EXCHANGE_DEGREE 5
/* Links we dial because mDNS found them, at most: in an office of hundreds, random links keep
 * the graph connected without a full mesh. */
#define LINK_MAX_FOUND 8
#define LINK_PEERS_EVERY_MS 60000 /* how often peers tell each other whom they know */
/* Per-peer message rate limit (token bucket): a bootstrap stream needs ~20 frames/s, gossip in a
 * busy office a few hundred; a peer above this is flooding. Excess is dropped and counted. */
#define LINK_RATE_PER_S 2000
#define LINK_RATE_BURST 4000
#define LINK_CURVE_LEN 32
/* A dial that gets no answer for this long is retried with the other client key (own <-> join):
 * a node that just joined is not known to every peer yet, and a peer's ZAP refuses it silently. */
#define LINK_KEY_SWITCH_MS 1500

/* What a CURVE client key is, as the ZAP handler asks the protocol above. */
enum link_zap {
    LINK_ZAP_NO = 0,     /* refuse the connection */
    LINK_ZAP_MEMBER = 1, /* a member's node key */
    LINK_ZAP_JOIN = 2,   /* the join key: a newcomer that must show credentials in HELLO */
};

enum link_state {
    LINK_CONNECTING, /* dialled, no HELLO answered yet */
    LINK_UP,
    LINK_DOWN,    /* was up; silent or disconnected; dialled links retry by themselves */
    LINK_SHUNNED, /* misbehaved: ignored until the ban ends */
};

enum link_origin {
    LINK_STATIC,   /* --peer, peer = in lore.conf, lore peers add */
    LINK_INBOUND,  /* it dialled us */
    LINK_MDNS,     /* found on the LAN by mDNS/DNS-SD */
    LINK_EXCHANGE, /* a peer told us about it (PEERS) */
};

struct links;
struct link;

struct links_config {
    const char *listen;             /* "HOST:PORT" (port 0 = ephemeral), or NULL/"" to not listen */
    const uint8_t *key;             /* our node key, WIRE_KEY_LEN bytes (borrowed) */
    const char *name;               /* our display name for HELLO (borrowed; may be NULL) */
    uint64_t (*entries)(void *ctx); /* how many entries we hold, for HELLO */
    int no_exchange;                /* neither tell peers whom we know nor dial whom they know */
    uint64_t features; /* our FEATURES bits (WIRE_FEATURE_*), sent after every HELLO we receive */
    /* Security: every link is CurveZMQ (encrypted, client authenticated by the ZAP handler,
     * which is bound before anything listens). All keys are copied; secrets into sodium memory.
     * Required: team, server_*, node_*; join_* may be NULL. */
    const uint8_t *team;          /* WIRE_TEAM_LEN: HELLO proofs are bound to it */
    const uint8_t *server_public; /* the team's CURVE server pair: we listen with it, and dial */
    const uint8_t *server_secret; /*   every peer with its public half */
    const uint8_t *node_public;   /* our own CURVE pair: our client key */
    const uint8_t *node_secret;
    const uint8_t *join_public; /* the join pair from a join code, or NULL */
    const uint8_t *join_secret;
    /* Sign msg with our node key (for HELLO proofs). Returns 0, or -1. */
    int (*sign)(void *sign_ctx, const uint8_t *msg, size_t len, uint8_t sig[WIRE_PROOF_LEN]);
    void *sign_ctx;
};

struct links_callbacks {
    void (*up)(void *ctx, struct link *l);   /* HELLO exchanged */
    void (*down)(void *ctx, struct link *l); /* was up, now is not */
    /* Every message other than HELLO, PING, PONG and BYE, on an up link (FEATURES after
     * link_peer_features has taken its bits). m points into a frame that lives only during the
     * call. */
    void (*message)(void *ctx, struct link *l, const struct wire_msg *m);
    /* The link is about to be freed (a dead inbound link): release link_data. */
    void (*forget)(void *ctx, struct link *l);
    /* The ZAP handler asks what a client's CURVE key is; for LINK_ZAP_MEMBER, member gets the
     * node key. NULL refuses everyone. */
    enum link_zap (*zap)(void *ctx, const uint8_t curve[LINK_CURVE_LEN],
                         uint8_t member[WIRE_KEY_LEN]);
    /* A HELLO from the node with this key, whose identity is proven (CURVE for a member that
     * dialled us, the HELLO proof for one we dialled): may the link go up? joined: it dialled
     * with the join key, so its membership rests on hello's credentials. Return 0, or -1 with
     * the reason in why: the peer is told, refused and backed off. NULL refuses everyone. */
    int (*vet)(void *ctx, struct link *l, const uint8_t key[WIRE_KEY_LEN],
               const struct wire_msg *hello, int joined, char *why, size_t whylen);
    /* Append the credentials that prove our membership to out, as (u32 length, entry) records.
     * Returns how many, or -1. NULL sends none. */
    int (*creds)(void *ctx, struct buf *out);
    /* 1 if our peers should know our node key (dial with it), 0 to dial with the join key. */
    int (*known)(void *ctx);
};

/* Bind the listen address (if any) and watch it on loop. Returns NULL with a message in err. */
struct links *links_new(struct loop *loop, const struct links_config *cfg,
                        const struct links_callbacks *cb, void *ctx, char *err, size_t errlen);
/* Say BYE on every link, close everything. */
void links_destroy(struct links **lsp);

/* Record that the node with this key was also found by origin (e.g. mDNS saw a node that had
 * dialled us): `lore peers` then says so. Only replaces "inbound" and "exchange". */
void links_note_found(struct links *ls, const uint8_t key[WIRE_KEY_LEN], enum link_origin origin);
/* How the node at the other end was found, for people: the dialling origin, or a better one
 * recorded by links_note_found. */
enum link_origin link_found_by(const struct link *l);

/* How many links we dialled because they were found (mDNS or exchange) and still hold. */
size_t links_found_dialled(const struct links *ls);

/* 1 if some up link leads to the node with this key. */
int links_have_key(const struct links *ls, const uint8_t key[WIRE_KEY_LEN]);

/* How many connections the ZAP handler refused so far. */
uint64_t links_refused(const struct links *ls);

/* The TCP port we listen on (the real one when 0 was asked), or 0. */
uint16_t links_port(const struct links *ls);

/* Dial HOST:PORT. Returns the link (also if it exists already: a static dial makes a found link
 * static), or NULL with a message in err for an address that does not parse. Links found by mDNS
 * or exchange that stay unreachable for LINK_GIVE_UP_MS are closed; static ones never are. */
struct link *links_dial(struct links *ls, const char *addr, enum link_origin origin, char *err,
                        size_t errlen);
/* When a peer last refused our join key (we, a newcomer, dialled with it and its ZAP handler said
 * no: the join code admits nobody, rotated away), with the peer's address in by; 0 if none did, or
 * a handshake with the join key succeeded since. */
uint64_t links_join_refusal(const struct links *ls, char *by, size_t bylen);
/* Close and free the static link dialled to addr (told BYE if up), as if never dialled. Returns 1
 * if there was one, else 0. */
int links_forget(struct links *ls, const char *addr);

/* Iterate: first link, then next. */
struct link *links_first(struct links *ls);
struct link *links_next(struct link *l);
size_t links_up_count(const struct links *ls);

/* Send one frame. Returns 0, or -1 if the link is not up or its queue is full (the message is
 * dropped; anti-entropy repairs what gossip loses). */
int link_send(struct link *l, const struct buf *frame) __attribute__((warn_unused_result));

/* Count one piece of invalid data from this peer; past a threshold the peer is told BYE and
 * shunned. Returns 1 if the link was just shunned. */
int link_penalize(struct link *l, const char *why);

/* Refuse the peer now: log, tell it BYE with why, drop the link and ignore the peer for a while
 * (doubling each time), e.g. because it is no longer a member. */
void link_refuse(struct link *l, const char *why);

/* 1 if the peer dialled us with the join key (a newcomer), else 0. */
int link_joined(const struct link *l);

enum link_state link_state(const struct link *l);
const char *link_state_name(enum link_state s);
enum link_origin link_origin(const struct link *l);
const char *link_origin_name(enum link_origin o);
int link_is_primary(const struct link *l);
const char *link_addr(const struct link *l);      /* "host:port" dialled, or the remote's */
const uint8_t *link_key(const struct link *l);    /* NULL before HELLO */
const char *link_name(const struct link *l);      /* from HELLO, "" if none */
uint64_t link_peer_entries(const struct link *l); /* from HELLO */
uint16_t link_peer_port(const struct link *l);    /* the peer's listen port, from HELLO */
/* The FEATURES bits the peer announced on this link in its current session (unknown bits
 * included), or 0 until its FEATURES arrives: a node from before FEATURES never sends one. */
uint64_t link_peer_features(const struct link *l);
/* The peer's wall clock minus ours (ms), measured when its last HELLO arrived. Returns 1 with
 * *offset_ms set, or 0 if its HELLO gave no usable time. */
int link_peer_clock(const struct link *l, int64_t *offset_ms);

struct link_stats {
    uint64_t since_ms;   /* when the current state began (loop clock) */
    uint64_t last_rx_ms; /* last message received (loop clock), 0 = never */
    uint64_t rtt_ms;     /* last PING round trip */
    uint64_t msgs_rx, msgs_tx, bytes_rx, bytes_tx, dropped_tx;
    uint64_t invalid; /* invalid messages or entries received */
    uint64_t limited; /* messages dropped by the per-peer rate limit */
    uint64_t ups;     /* times the link came up */
};
const struct link_stats *link_stats(const struct link *l);

/* A slot for the protocol above (per-link state). Not touched by link. */
void link_set_data(struct link *l, void *data);
void *link_data(const struct link *l);

#endif
