#include "link.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "entry.h"
#include "errmsg.h"
#include "hex.h"
#include "hostport.h"
#include "log.h"
#include "xmalloc.h"

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
    struct link_stats st;
    uint64_t last_tx_ms, ping_sent_ms, hello_tx_ms;
    uint64_t hello_timer, hello_backoff_ms; /* quick HELLO retries right after dialling */
    uint64_t peers_sent_ms;                 /* last PEERS we sent it */
    unsigned penalties;
    uint64_t penalty_window_ms, shun_until_ms, shun_ms;
    double tokens;            /* rate limit bucket */
    uint64_t tokens_ms;       /* when it was last refilled */
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
};

#define LINK_SECRET_SERVER 0
#define LINK_SECRET_NODE LINK_CURVE_LEN
#define LINK_SECRET_JOIN (2 * LINK_CURVE_LEN)

static int link_send_raw(struct link *l, const void *frame, size_t len);
static void link_shun(struct link *l, const char *why, const char *bye);
static int link_open(struct link *l, int use_join, char *err, size_t errlen);
static int link_redial_as_member(struct link *l, const char *why);

static void link_set_state(struct link *l, enum link_state s)
{
    l->state = s;
    l->st.since_ms = loop_now_ms();
}

const char *link_state_name(enum link_state s)
{
    switch (s) {
    case LINK_CONNECTING:
        return "connecting";
    case LINK_UP:
        return "up";
    case LINK_DOWN:
        return "down";
    case LINK_SHUNNED:
        return "shunned";
    }
    return "?";
}

const char *link_origin_name(enum link_origin o)
{
    switch (o) {
    case LINK_STATIC:
        return "static";
    case LINK_INBOUND:
        return "inbound";
    case LINK_MDNS:
        return "mdns";
    case LINK_EXCHANGE:
        return "exchange";
    }
    return "?";
}

void links_note_found(struct links *ls, const uint8_t key[WIRE_KEY_LEN], enum link_origin origin)
{
    struct link *l;

    for (l = ls->head; l != NULL; l = l->next)
        if (l->has_key && memcmp(l->key, key, WIRE_KEY_LEN) == 0 &&
            (l->found_by == LINK_INBOUND || l->found_by == LINK_EXCHANGE))
            l->found_by = origin;
}

enum link_origin link_found_by(const struct link *l)
{
    return l->found_by;
}

int links_have_key(const struct links *ls, const uint8_t key[WIRE_KEY_LEN])
{
    const struct link *l;

    for (l = ls->head; l != NULL; l = l->next)
        if (l->has_key && l->state == LINK_UP && memcmp(l->key, key, WIRE_KEY_LEN) == 0)
            return 1;
    return 0;
}

static int link_is_loopback(const char *addr)
{
    return strncmp(addr, "127.", 4) == 0 || strncmp(addr, "[::1]", 5) == 0 ||
           strncmp(addr, "localhost:", 10) == 0;
}

/* Tell this peer whom else we are linked to (peer exchange): one static link between two
 * subnets then lets every node on both sides find the others. Loopback addresses only go to
 * peers that are themselves on loopback. */
static void link_send_peers(struct link *to)
{
    struct links *ls = to->ls;
    struct link *l;
    int any = 0;

    to->peers_sent_ms = loop_now_ms();
    if (ls->no_exchange)
        return;
    buf_reset(&ls->out);
    if (wire_peers_begin(&ls->out) != 0)
        return;
    for (l = ls->head; l != NULL; l = l->next) {
        if (l == to || !l->primary || l->state != LINK_UP || l->is_self)
            continue;
        if (l->origin == LINK_INBOUND && l->peer_port == 0)
            continue; /* it does not listen: nobody can dial it */
        if (link_is_loopback(l->addr) && !link_is_loopback(to->addr))
            continue;
        if (wire_peers_add(&ls->out, l->key, l->addr) == 0)
            any = 1;
    }
    if (any)
        (void)link_send_raw(to, ls->out.data, ls->out.len);
}

size_t links_found_dialled(const struct links *ls)
{
    const struct link *l;
    size_t n = 0;

    for (l = ls->head; l != NULL; l = l->next)
        n += l->sock != NULL && l->origin == LINK_MDNS;
    return n;
}

static size_t links_found_count(const struct links *ls)
{
    const struct link *l;
    size_t n = 0;

    for (l = ls->head; l != NULL; l = l->next)
        n += l->sock != NULL && l->origin == LINK_EXCHANGE;
    return n;
}

static void link_on_peers(struct link *from, const struct wire_msg *m)
{
    struct links *ls = from->ls;
    char addr[WIRE_MAX_ADDR + 1], err[160];
    const uint8_t *key;
    size_t pos = 0;

    while (wire_peers_next(m, &pos, &key, addr)) {
        if (memcmp(key, ls->key, WIRE_KEY_LEN) == 0 || links_have_key(ls, key))
            continue;
        if (links_found_count(ls) >= LINK_MAX_DIALLED)
            return;
        if (links_dial(ls, addr, LINK_EXCHANGE, err, sizeof(err)) != NULL)
            log_debug("link: %s told us about %s", from->addr, addr);
    }
}

static void link_hex_key(const struct link *l, char out[17])
{
    if (l->has_key) {
        hex_encode(l->key, 8, out);
    } else {
        snprintf(out, 17, "%s", "(unknown)");
    }
}

/* ---- sending ---- */

static int link_send_raw(struct link *l, const void *frame, size_t len)
{
    void *sock = l->sock != NULL ? l->sock : l->ls->router;
    int rc;

    if (l->is_self)
        return -1;
    if (l->sock == NULL &&
        zmq_send(sock, l->rid, l->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) != (int)l->rid_len) {
        l->st.dropped_tx++;
        return -1;
    }
    rc = zmq_send(sock, frame, len, ZMQ_DONTWAIT);
    if (rc != (int)len) {
        l->st.dropped_tx++;
        return -1;
    }
    l->st.msgs_tx++;
    l->st.bytes_tx += len;
    l->last_tx_ms = loop_now_ms();
    return 0;
}

int link_send(struct link *l, const struct buf *frame)
{
    if (l->state != LINK_UP)
        return -1;
    return link_send_raw(l, frame->data, frame->len);
}

/* The wall clock (not the loop's monotonic one): what HELLO tells peers and compares theirs to. */
static uint64_t link_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* HELLO: who we are, a challenge for the peer, our signature over its challenge once we have
 * one, and our credentials when the peer may not know us: always from the listening side (its
 * dialler may be a newcomer that knows nothing yet), and from a newcomer dialling. */
static void link_send_hello(struct link *l, int is_reply)
{
    struct links *ls = l->ls;
    struct wire_hello_fields h = {0};
    uint8_t msg[WIRE_PROOF_MSG_LEN], sig[WIRE_PROOF_LEN];
    int n = 0;

    h.key = ls->key;
    h.nonce = ls->nonce;
    h.is_reply = is_reply;
    h.listen_port = ls->port;
    h.entries = ls->entries != NULL ? ls->entries(ls->cb_ctx) : 0;
    h.clock_ms = link_wall_ms();
    h.name = ls->name;
    h.challenge = l->challenge;
    /* A listener proves itself to its dialler; a dialler only when it came with the join key
     * (otherwise CURVE authenticated it). The proof names the role and the connection's client
     * key, so it is no use on any other connection. */
    if (l->has_peer_challenge && l->has_claim && ls->sign != NULL &&
        (l->sock == NULL || l->dial_join)) {
        wire_proof_message(ls->team, l->peer_challenge,
                           l->sock == NULL ? WIRE_LISTENER : WIRE_DIALLER, ls->key, l->claim,
                           l->client_curve, msg);
        if (ls->sign(ls->sign_ctx, msg, sizeof(msg), sig) == 0)
            h.proof = sig;
    }
    buf_reset(&ls->creds);
    if ((l->sock == NULL || l->dial_join) && ls->cb.creds != NULL)
        n = ls->cb.creds(ls->cb_ctx, &ls->creds);
    if (n > 0) {
        h.creds = ls->creds.data;
        h.creds_len = ls->creds.len;
        h.ncreds = (size_t)n;
    }
    buf_reset(&ls->out);
    if (wire_hello(&ls->out, &h) != 0) {
        /* Credentials beyond the HELLO's limits: go without (the peer may know us anyway). */
        h.creds = NULL;
        h.creds_len = h.ncreds = 0;
        buf_reset(&ls->out);
        if (wire_hello(&ls->out, &h) != 0)
            return;
    }
    l->hello_tx_ms = loop_now_ms();
    (void)link_send_raw(l, ls->out.data, ls->out.len);
}

static void link_send_bye(struct link *l, const char *reason)
{
    buf_reset(&l->ls->out);
    if (wire_bye(&l->ls->out, reason) == 0)
        (void)link_send_raw(l, l->ls->out.data, l->ls->out.len);
}

/* Right after dialling (or losing the peer), try HELLO after 5, 10, 20... ms, so a link comes up
 * as soon as TCP connects rather than on the next quarter-second tick. */
static void link_hello_fire(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct link *l = arg;

    (void)loop;
    (void)timer_id;
    l->hello_timer = 0;
    if (l->sock == NULL || l->is_self || (l->state != LINK_CONNECTING && l->state != LINK_DOWN))
        return;
    link_send_hello(l, 0);
    l->hello_backoff_ms *= 2;
    if (l->hello_backoff_ms <= LINK_HELLO_RETRY_MS)
        l->hello_timer = loop_add_timer(l->ls->loop, l->hello_backoff_ms, 0, link_hello_fire, l);
}

static void link_hello_soon(struct link *l)
{
    if (l->hello_timer != 0 || l->sock == NULL)
        return;
    l->hello_backoff_ms = 5;
    l->hello_timer = loop_add_timer(l->ls->loop, l->hello_backoff_ms, 0, link_hello_fire, l);
}

static void link_free(struct links *ls, struct link *l)
{
    if (l->hello_timer != 0)
        loop_cancel_timer(ls->loop, l->hello_timer);
    if (l->sock != NULL) {
        loop_remove(ls->loop, -1, l->sock);
        zmq_close(l->sock);
        l->sock = NULL;
    }
    if (ls->cb.forget != NULL)
        ls->cb.forget(ls->cb_ctx, l);
    free(l);
}

/* ---- primary links ---- */

/* The link dialled by the node with the smaller key wins; both ends agree without talking. */
static int link_preferred(const struct link *a, const struct link *b)
{
    int we_are_smaller = memcmp(a->ls->key, a->key, WIRE_KEY_LEN) < 0;
    int a_dialled_by_smaller = (a->origin != LINK_INBOUND) == we_are_smaller;
    int b_dialled_by_smaller = (b->origin != LINK_INBOUND) == we_are_smaller;

    if (a_dialled_by_smaller != b_dialled_by_smaller)
        return a_dialled_by_smaller;
    return a < b; /* same direction twice: any stable choice */
}

/* Recompute which up link to the node with this key is primary; tell the protocol above. */
static void links_elect(struct links *ls, const uint8_t key[WIRE_KEY_LEN])
{
    struct link *l, *best = NULL;

    for (l = ls->head; l != NULL; l = l->next)
        if (l->has_key && !l->is_self && l->state == LINK_UP &&
            memcmp(l->key, key, WIRE_KEY_LEN) == 0 && (best == NULL || link_preferred(l, best)))
            best = l;
    for (l = ls->head; l != NULL; l = l->next) {
        if (!l->has_key || memcmp(l->key, key, WIRE_KEY_LEN) != 0 || !l->primary || l == best)
            continue;
        l->primary = 0;
        if (ls->cb.down != NULL)
            ls->cb.down(ls->cb_ctx, l);
    }
    if (best != NULL && !best->primary) {
        best->primary = 1;
        if (ls->cb.up != NULL)
            ls->cb.up(ls->cb_ctx, best);
    }
}

static void link_go_down(struct link *l, const char *why)
{
    char key[17];

    if (l->state != LINK_UP)
        return;
    link_hex_key(l, key);
    log_info("link: %s (%s, %s) is down: %s", l->addr, l->name[0] ? l->name : "?", key, why);
    link_set_state(l, LINK_DOWN);
    /* Its challenge belonged to that session: a proof over it would not convince the next one
     * (after a restart, or on a new connection). Wait for its next HELLO to sign. */
    l->has_peer_challenge = 0;
    links_elect(l->ls, l->key);
    link_hello_soon(l);
}

/*
 * A dialled link still on the join key once we are a member (the team state has our certificate,
 * so our peers know our node key): reopen it with the node key, so that CURVE authenticates us as
 * the member we are on every connection from now on. Not while the peer ignored our node key
 * (join_fallback): it has not heard of us yet and takes us with the join key and our credentials.
 * Returns 1 if the link was reopened.
 */
static int link_redial_as_member(struct link *l, const char *why)
{
    struct links *ls = l->ls;
    char err[160];

    if (l->sock == NULL || !l->dial_join || l->join_fallback || ls->cb.known == NULL ||
        !ls->cb.known(ls->cb_ctx))
        return 0;
    link_go_down(l, why);
    if (link_open(l, 0, err, sizeof(err)) != 0) {
        log_warnx("link: %s", err);
        return 0;
    }
    log_info("link: dialling %s as a member (node key) now: %s", l->addr, why);
    link_hello_soon(l);
    return 1;
}

/* ---- receiving ---- */

/*
 * Who is at the other end, before anything else happens on the link. A peer that dialled us
 * proved its CURVE key to the ZAP handler: a member's HELLO must carry that member's key; a
 * newcomer (join key) is who its credentials say. A peer we dialled listens with the team's
 * shared server key, so it must sign our challenge with its node key. Then the protocol above
 * decides whether that key is a member (vet).
 */
static int link_authenticate(struct link *l, const struct wire_msg *m)
{
    struct links *ls = l->ls;
    uint8_t msg[WIRE_PROOF_MSG_LEN];
    char why[200];

    if (l->sock != NULL && l->dial_join && l->has_key && l->nonce != m->u.hello.nonce &&
        link_redial_as_member(l, "it restarted"))
        return -1; /* a new session of the peer: meet it with our node key */
    memcpy(l->peer_challenge, m->u.hello.challenge, WIRE_CHALLENGE_LEN);
    l->has_peer_challenge = 1;
    /* What it claims is only used to address our proof to it; l->key changes once proven. */
    memcpy(l->claim, m->u.hello.key, WIRE_KEY_LEN);
    l->has_claim = 1;
    if (l->sock == NULL && !l->joined) {
        if (memcmp(l->zap_key, m->u.hello.key, WIRE_KEY_LEN) != 0) {
            link_refuse(l, "its HELLO names another key than the one it connected with");
            return -1;
        }
    } else if (m->u.hello.proof == NULL) {
        /* No proof of its key yet (it spoke first, or it is a newcomer whose key CURVE did not
         * authenticate): send a HELLO of our own, which its answer must sign. */
        if (l->hello_tx_ms == 0 || loop_now_ms() - l->hello_tx_ms >= 50)
            link_send_hello(l, 0);
        return -1;
    } else {
        wire_proof_message(ls->team, l->challenge, l->sock != NULL ? WIRE_LISTENER : WIRE_DIALLER,
                           m->u.hello.key, ls->key, l->client_curve, msg);
        if (crypto_sign_verify_detached(m->u.hello.proof, msg, sizeof(msg), m->u.hello.key) != 0) {
            /* An honest peer signs a challenge of ours it no longer knows is stale (we restarted,
             * or it reconnected): it proves nothing, and it is no offence either. Send our
             * challenge again; only a peer that keeps failing ends up shunned (penalties). */
            log_debug("link: %s: its HELLO proof does not verify (a stale challenge?)", l->addr);
            if (!link_penalize(l, "its HELLO proofs do not verify") &&
                (l->hello_tx_ms == 0 || loop_now_ms() - l->hello_tx_ms >= 50))
                link_send_hello(l, 0);
            return -1;
        }
    }
    why[0] = '\0';
    if (ls->cb.vet == NULL ||
        ls->cb.vet(ls->cb_ctx, l, m->u.hello.key, m, l->joined, why, sizeof(why)) != 0) {
        link_refuse(l, why[0] != '\0' ? why : "not a member of the team");
        return -1;
    }
    return 0;
}

static void link_on_hello(struct link *l, const struct wire_msg *m)
{
    struct links *ls = l->ls;
    struct link *other;
    char key[17];
    int restarted;

    if (m->u.hello.nonce == ls->nonce) {
        if (!l->is_self)
            log_info("link: %s is this node itself; not using it", l->addr);
        l->is_self = 1;
        return;
    }
    if (link_authenticate(l, m) != 0)
        return;
    if (l->has_key && memcmp(l->key, m->u.hello.key, WIRE_KEY_LEN) != 0 && l->state == LINK_UP)
        link_go_down(l, "it now has another key");
    restarted = l->state == LINK_UP && l->nonce != m->u.hello.nonce;
    if (restarted)
        link_go_down(l, "it restarted");
    memcpy(l->key, m->u.hello.key, WIRE_KEY_LEN);
    l->has_key = 1;
    l->nonce = m->u.hello.nonce;
    /* Other links to the same node from an earlier session of it (it restarted, or crashed and
     * came back) are dead even if their heartbeat timeout has not run out yet. */
    for (other = ls->head; other != NULL; other = other->next)
        if (other != l && other->has_key && other->state == LINK_UP &&
            memcmp(other->key, l->key, WIRE_KEY_LEN) == 0 && other->nonce != l->nonce)
            link_go_down(other, "replaced by a new session of the same node");
    l->peer_entries = m->u.hello.entries;
    l->peer_port = m->u.hello.listen_port;
    /* Its clock, as an offset from ours (the transit time, a few ms, is noise next to the
     * tolerance it is compared with). A time outside the entry range says nothing. */
    l->has_clock =
        m->u.hello.clock_ms >= ENTRY_MIN_TIME_MS && m->u.hello.clock_ms <= ENTRY_MAX_TIME_MS;
    l->clock_offset_ms = l->has_clock ? (int64_t)m->u.hello.clock_ms - (int64_t)link_wall_ms() : 0;
    if (l->origin == LINK_INBOUND)
        snprintf(l->addr, sizeof(l->addr), strchr(l->peer_ip, ':') ? "[%s]:%u" : "%s:%u",
                 l->peer_ip, (unsigned)l->peer_port);
    memcpy(l->name, m->u.hello.name, m->u.hello.name_len);
    l->name[m->u.hello.name_len] = '\0';
    if (!m->u.hello.is_reply)
        link_send_hello(l, 1);
    if (l->state == LINK_UP)
        return;
    link_set_state(l, LINK_UP);
    l->st.ups++;
    l->join_fallback = 0; /* it knows us now: next time, our node key may do */
    link_hex_key(l, key);
    log_info("link: %s (%s, %s) is up: %llu entries there", l->addr,
             l->name[0] ? l->name : "no name", key, (unsigned long long)l->peer_entries);
    links_elect(ls, l->key);
    if (l->primary)
        link_send_peers(l);
}

/* One message's worth of the peer's rate budget. Returns 0 (drop it) when a peer floods us; that
 * is logged and counted against it at most once a second, so a flood ends in a shun. */
static int link_take_token(struct link *l)
{
    uint64_t now = loop_now_ms();

    if (l->tokens_ms == 0) {
        l->tokens = LINK_RATE_BURST;
        l->tokens_ms = now;
    }
    l->tokens += (double)(now - l->tokens_ms) * LINK_RATE_PER_S / 1000.0;
    if (l->tokens > LINK_RATE_BURST)
        l->tokens = LINK_RATE_BURST;
    l->tokens_ms = now;
    if (l->tokens >= 1) {
        l->tokens -= 1;
        return 1;
    }
    l->st.limited++;
    if (now - l->limit_logged_ms >= 1000) {
        l->limit_logged_ms = now;
        log_info("link: %s sends faster than %d messages/s; dropping the excess", l->addr,
                 LINK_RATE_PER_S);
        (void)link_penalize(l, "message flood");
    }
    return 0;
}

static void link_dispatch(struct link *l, const uint8_t *frame, size_t len)
{
    struct links *ls = l->ls;
    struct wire_msg m;
    char err[160];

    l->st.msgs_rx++;
    l->st.bytes_rx += len;
    l->st.last_rx_ms = loop_now_ms();
    if (l->state == LINK_SHUNNED || l->is_self)
        return;
    if (!link_take_token(l))
        return;
    if (wire_decode(frame, len, &m, err, sizeof(err)) != 0) {
        log_debug("link: %s: invalid message: %s", l->addr, err);
        (void)link_penalize(l, err);
        return;
    }
    switch (m.type) {
    case WIRE_HELLO:
        link_on_hello(l, &m);
        return;
    case WIRE_PING:
        if (l->state != LINK_UP)
            break; /* a session we do not have: introduce ourselves (below) */
        buf_reset(&ls->out);
        if (wire_ping(&ls->out, WIRE_PONG, m.u.ping) == 0)
            (void)link_send_raw(l, ls->out.data, ls->out.len);
        return;
    case WIRE_PONG:
        if (m.u.ping == l->ping_sent_ms)
            l->st.rtt_ms = loop_now_ms() - l->ping_sent_ms;
        return;
    case WIRE_BYE:
        log_info("link: %s said goodbye: %.*s", l->addr, (int)m.u.bye.len, m.u.bye.reason);
        link_go_down(l, "it said goodbye");
        l->has_peer_challenge = 0; /* also when it left before the link came up */
        return;
    case WIRE_PEERS:
        if (l->state == LINK_UP && !ls->no_exchange)
            link_on_peers(l, &m);
        return;
    default:
        break;
    }
    if (l->state != LINK_UP) {
        /* It talks to a session we do not have (we restarted, or it reconnected): introduce
         * ourselves, it will answer. */
        if (ls->loop != NULL && loop_now_ms() - l->hello_tx_ms >= LINK_HELLO_RETRY_MS)
            link_send_hello(l, 0);
        return;
    }
    if (ls->cb.message != NULL)
        ls->cb.message(ls->cb_ctx, l, &m);
}

static struct link *link_alloc(struct links *ls, enum link_origin origin)
{
    struct link *l = xcalloc(1, sizeof(*l));

    l->ls = ls;
    l->origin = origin;
    randombytes_buf(l->challenge, sizeof(l->challenge));
    l->found_by = origin;
    l->next = ls->head;
    ls->head = l;
    link_set_state(l, LINK_CONNECTING);
    return l;
}

static struct link *links_find_rid(struct links *ls, const uint8_t *rid, size_t len)
{
    struct link *l;

    for (l = ls->head; l != NULL; l = l->next)
        if (l->sock == NULL && l->rid_len == len && memcmp(l->rid, rid, len) == 0)
            return l;
    return NULL;
}

/* Read one multipart message into frames; returns the number of parts (at most max), -1 when
 * nothing is waiting. Extra parts are read and dropped. */
static int links_recv(void *sock, zmq_msg_t *parts, int max)
{
    int n = 0, more = 1;
    size_t moresz;

    while (more) {
        zmq_msg_t *msg = &parts[n < max ? n : max - 1];
        if (n >= max)
            zmq_msg_close(msg);
        zmq_msg_init(msg);
        if (zmq_msg_recv(msg, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(msg);
            return n == 0 ? -1 : n;
        }
        moresz = sizeof(more);
        if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &moresz) != 0)
            more = 0;
        n++;
    }
    return n;
}

/* Take l out of the list and free it. */
static void links_unlink(struct links *ls, struct link *l)
{
    struct link **pp;

    for (pp = &ls->head; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == l) {
            *pp = l->next;
            link_free(ls, l);
            return;
        }
    }
}

static size_t links_inbound_count(const struct links *ls)
{
    const struct link *l;
    size_t n = 0;

    for (l = ls->head; l != NULL; l = l->next)
        n += l->sock == NULL;
    return n;
}

/* Say BYE to a stranger we will not take, without making a link for it. */
static void links_refuse(struct links *ls, const uint8_t *rid, size_t rid_len, const char *why)
{
    buf_reset(&ls->out);
    if (wire_bye(&ls->out, why) != 0)
        return;
    if (zmq_send(ls->router, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) == (int)rid_len)
        (void)zmq_send(ls->router, ls->out.data, ls->out.len, ZMQ_DONTWAIT);
}

/* Is this address shunned? Expired entries are dropped on the way. */
static int links_ip_shunned(struct links *ls, const char *ip)
{
    uint64_t now = loop_now_ms();
    size_t i;

    for (i = 0; i < ls->nshunned; i++) {
        if (now >= ls->shunned[i].until_ms) {
            ls->shunned[i--] = ls->shunned[--ls->nshunned];
            continue;
        }
        if (strcmp(ls->shunned[i].ip, ip) == 0)
            return 1;
    }
    return 0;
}

/*
 * A frame from a connection we have no link for. Only a stranger whose frame is a valid message
 * of our version, from an address not shunned, gets a link: HELLO opens it, anything else (a peer
 * whose session we lost, e.g. because we restarted) is answered with our HELLO. Garbage from
 * strangers costs a decode and nothing else, so reconnecting does not buy a flooder new links.
 * When all inbound places are taken, a link that is not up makes room; else the newcomer is told
 * BYE.
 */
/* Who the ZAP handler said a frame's sender is (links_on_zap's User-Id): the connection's CURVE
 * client key, then a member's node key, or nothing more for a newcomer (*joined). Returns 0, or
 * -1 if the frame carries no such User-Id (it cannot: ZAP answered before any frame). */
static int links_frame_user(zmq_msg_t *frame, int *joined, uint8_t curve[LINK_CURVE_LEN],
                            uint8_t key[WIRE_KEY_LEN])
{
    const char *uid = zmq_msg_gets(frame, "User-Id");
    size_t len = uid != NULL ? strlen(uid) : 0;

    if (len != 2 * LINK_CURVE_LEN && len != 2 * (LINK_CURVE_LEN + WIRE_KEY_LEN))
        return -1;
    *joined = len == 2 * LINK_CURVE_LEN;
    if (hex_decode(uid, 2 * LINK_CURVE_LEN, curve, LINK_CURVE_LEN) != 0)
        return -1;
    if (*joined)
        return 0;
    return hex_decode(uid + 2 * LINK_CURVE_LEN, 2 * WIRE_KEY_LEN, key, WIRE_KEY_LEN);
}

static struct link *links_admit(struct links *ls, const uint8_t *rid, size_t rid_len,
                                zmq_msg_t *frame)
{
    const char *ip = zmq_msg_gets(frame, "Peer-Address");
    struct wire_msg m;
    struct link *l, *victim = NULL;
    uint8_t key[WIRE_KEY_LEN] = {0}, curve[LINK_CURVE_LEN];
    int joined;

    if (links_frame_user(frame, &joined, curve, key) != 0)
        return NULL;
    if (wire_decode(zmq_msg_data(frame), zmq_msg_size(frame), &m, NULL, 0) != 0)
        return NULL;
    if (ip == NULL)
        ip = "?";
    if (links_ip_shunned(ls, ip))
        return NULL;
    if (links_inbound_count(ls) >= LINK_MAX_INBOUND) {
        for (l = ls->head; l != NULL; l = l->next)
            if (l->sock == NULL && l->state != LINK_UP &&
                (victim == NULL || l->st.since_ms < victim->st.since_ms))
                victim = l;
        if (victim == NULL) {
            links_refuse(ls, rid, rid_len, "too many peers here; try another");
            return NULL;
        }
        links_unlink(ls, victim);
    }
    l = link_alloc(ls, LINK_INBOUND);
    memcpy(l->rid, rid, rid_len);
    l->rid_len = rid_len;
    l->joined = joined;
    memcpy(l->zap_key, key, WIRE_KEY_LEN);
    memcpy(l->client_curve, curve, LINK_CURVE_LEN);
    /* Its address; the port becomes its listening port once HELLO says it. */
    snprintf(l->peer_ip, sizeof(l->peer_ip), "%s", ip);
    snprintf(l->addr, sizeof(l->addr), "%s", l->peer_ip);
    return l;
}

static void links_on_router(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct links *ls = arg;
    zmq_msg_t parts[3];
    int i, n, budget;

    (void)loop;
    (void)fd;
    (void)events;
    for (budget = 0; budget < LINK_RECV_BUDGET; budget++) {
        n = links_recv(zsock, parts, 3);
        if (n < 0)
            break;
        if (n == 2 && zmq_msg_size(&parts[0]) <= LINK_MAX_RID) {
            const uint8_t *rid = zmq_msg_data(&parts[0]);
            size_t rid_len = zmq_msg_size(&parts[0]);
            struct link *l = links_find_rid(ls, rid, rid_len);
            const uint8_t *frame = zmq_msg_data(&parts[1]);
            size_t len = zmq_msg_size(&parts[1]);
            uint8_t key[WIRE_KEY_LEN] = {0}, curve[LINK_CURVE_LEN];
            int joined;
            if (l == NULL)
                l = links_admit(ls, rid, rid_len, &parts[1]);
            else if (links_frame_user(&parts[1], &joined, curve, key) != 0 || joined != l->joined ||
                     memcmp(curve, l->client_curve, LINK_CURVE_LEN) != 0 ||
                     (!joined && memcmp(key, l->zap_key, WIRE_KEY_LEN) != 0))
                l = NULL; /* another connection took this routing id: not the link's peer */
            if (l != NULL)
                link_dispatch(l, frame, len);
        }
        for (i = 0; i < (n < 3 ? n : 3); i++)
            zmq_msg_close(&parts[i]);
    }
}

static void links_on_dealer(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct link *l = arg;
    zmq_msg_t parts[1];
    int budget;

    (void)loop;
    (void)fd;
    (void)events;
    for (budget = 0; budget < LINK_RECV_BUDGET; budget++) {
        if (links_recv(zsock, parts, 1) < 0)
            break;
        link_dispatch(l, zmq_msg_data(&parts[0]), zmq_msg_size(&parts[0]));
        zmq_msg_close(&parts[0]);
    }
}

/* ---- penalties ---- */

int link_penalize(struct link *l, const char *why)
{
    uint64_t now = loop_now_ms();

    l->st.invalid++;
    if (now - l->penalty_window_ms > LINK_PENALTY_WINDOW_MS) {
        l->penalty_window_ms = now;
        l->penalties = 0;
    }
    if (++l->penalties < LINK_PENALTY_LIMIT || l->state == LINK_SHUNNED)
        return 0;
    link_shun(l, why, "too much invalid data");
    return 1;
}

void link_refuse(struct link *l, const char *why)
{
    if (l->state != LINK_SHUNNED)
        link_shun(l, why, why);
}

int link_joined(const struct link *l)
{
    return l->joined;
}

/* Tell the peer BYE and ignore it for a while, doubling each time. */
static void link_shun(struct link *l, const char *why, const char *bye)
{
    struct links *ls = l->ls;
    uint64_t now = loop_now_ms();

    l->shun_ms = l->shun_ms == 0
                     ? LINK_SHUN_MIN_MS
                     : (l->shun_ms * 2 > LINK_SHUN_MAX_MS ? LINK_SHUN_MAX_MS : l->shun_ms * 2);
    if (l->penalties >= LINK_PENALTY_LIMIT)
        log_warnx("link: %s sent %u invalid messages or entries within a minute (last: %s); "
                  "ignoring it for %llu s",
                  l->addr, l->penalties, why, (unsigned long long)(l->shun_ms / 1000));
    else
        log_warnx("link: %s refused: %s; ignoring it for %llu s", l->addr, why,
                  (unsigned long long)(l->shun_ms / 1000));
    link_send_bye(l, bye);
    link_go_down(l, "shunned");
    link_set_state(l, LINK_SHUNNED);
    l->shun_until_ms = now + l->shun_ms;
    if (l->sock != NULL)
        (void)zmq_disconnect(l->sock, l->endpoint);
    else if (ls->nshunned < LINK_MAX_INBOUND && !link_is_loopback(l->peer_ip) &&
             !links_ip_shunned(ls, l->peer_ip)) {
        /* Not loopback: several nodes of one machine share it (tests, several users). */
        snprintf(ls->shunned[ls->nshunned].ip, sizeof(ls->shunned[0].ip), "%s", l->peer_ip);
        ls->shunned[ls->nshunned++].until_ms = l->shun_until_ms;
    }
}

/* ---- timers ---- */

static void links_tick(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct links *ls = arg;
    struct link *l, **pp;
    uint64_t now = loop_now_ms(), quiet;

    (void)loop;
    (void)timer_id;
    for (l = ls->head; l != NULL; l = l->next) {
        if (l->is_self)
            continue;
        switch (l->state) {
        case LINK_SHUNNED:
            if (now >= l->shun_until_ms) {
                log_info("link: %s: ban over, trying again", l->addr);
                l->penalties = 0;
                link_set_state(l, l->sock != NULL ? LINK_CONNECTING : LINK_DOWN);
                if (l->sock != NULL)
                    (void)zmq_connect(l->sock, l->endpoint);
            }
            break;
        case LINK_CONNECTING:
        case LINK_DOWN:
            if (link_redial_as_member(l, "we are a member"))
                break;
            /* Silent since we dialled, or since the link went down (the peer restarted and
             * its ZAP may not know the key we dial with any more): try the other key. */
            quiet = l->dial_ms > l->st.since_ms ? l->dial_ms : l->st.since_ms;
            if (l->sock != NULL && ls->has_join && now - quiet >= LINK_KEY_SWITCH_MS &&
                l->st.last_rx_ms <= quiet) {
                char err[160];
                log_debug("link: %s does not answer; dialling with the %s key", l->addr,
                          l->dial_join ? "node" : "join");
                if (link_open(l, !l->dial_join, err, sizeof(err)) != 0)
                    log_warnx("link: %s", err);
                l->join_fallback = l->dial_join;
                link_hello_soon(l);
            }
            if (l->sock != NULL && now - l->hello_tx_ms >= LINK_HELLO_RETRY_MS)
                link_send_hello(l, 0);
            break;
        case LINK_UP:
            if (now - l->st.last_rx_ms > LINK_DEAD_MS) {
                link_go_down(l, "no answer to heartbeats");
                break;
            }
            /* Up and well behaved for as long as the longest ban: the next ban starts short. */
            if (l->shun_ms != 0 && now - l->st.since_ms >= LINK_SHUN_MAX_MS)
                l->shun_ms = 0;
            if (l->primary && now - l->peers_sent_ms >= LINK_PEERS_EVERY_MS)
                link_send_peers(l);
            if (now - l->last_tx_ms >= LINK_PING_MS || now - l->st.last_rx_ms >= LINK_PING_MS) {
                if (now - l->ping_sent_ms >= LINK_PING_MS) {
                    buf_reset(&ls->out);
                    l->ping_sent_ms = now;
                    if (wire_ping(&ls->out, WIRE_PING, now) == 0)
                        (void)link_send_raw(l, ls->out.data, ls->out.len);
                }
            }
            break;
        }
    }
    /* Forget inbound links that have been dead for a while: the peer will dial again. (The clock
     * again: a link that went down above has a since_ms later than the now of the start.) */
    now = loop_now_ms();
    for (pp = &ls->head; *pp != NULL;) {
        l = *pp;
        if (l->sock == NULL &&
            (l->state == LINK_DOWN || l->state == LINK_CONNECTING || l->is_self) &&
            now - l->st.since_ms > LINK_INBOUND_FORGET_MS) {
            *pp = l->next;
            link_free(ls, l);
            continue;
        }
        pp = &l->next;
    }
}

/* ---- ZAP: who may connect ---- */

/* Count a refused connection and log it, at most once a second per kind (ZAP, handshake); the
 * rest are counted. */
static void links_count_refusal(struct links *ls, int kind, const char *what)
{
    uint64_t now = loop_now_ms();

    ls->zap_refused++;
    if (now - ls->zap_logged_ms[kind] < 1000) {
        ls->zap_unlogged++;
        return;
    }
    log_warnx("link: refused a connection %s (%llu refused so far, %llu not logged)", what,
              (unsigned long long)ls->zap_refused, (unsigned long long)ls->zap_unlogged);
    ls->zap_logged_ms[kind] = now;
    ls->zap_unlogged = 0;
}

/* Send one ZAP reply (RFC 27): version, request id, status, text, user id, metadata. */
static void links_zap_reply(void *zap, const zmq_msg_t *reqid, const char *status, const char *text,
                            const char *user)
{
    (void)zmq_send(zap, "1.0", 3, ZMQ_SNDMORE);
    (void)zmq_send(zap, zmq_msg_data((zmq_msg_t *)reqid), zmq_msg_size((zmq_msg_t *)reqid),
                   ZMQ_SNDMORE);
    (void)zmq_send(zap, status, strlen(status), ZMQ_SNDMORE);
    (void)zmq_send(zap, text, strlen(text), ZMQ_SNDMORE);
    (void)zmq_send(zap, user, strlen(user), ZMQ_SNDMORE);
    (void)zmq_send(zap, "", 0, 0);
}

/*
 * libzmq asks here, for every CURVE client that connects to our ROUTER, whether to take it. The
 * answer comes from the protocol above (team membership). Everything that is not a well-formed
 * CURVE request with a known key gets 400: the handler fails closed. It is bound before the
 * ROUTER, because libzmq lets every client in when no handler is bound.
 */
static void links_on_zap(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct links *ls = arg;
    zmq_msg_t parts[8];
    uint8_t member[WIRE_KEY_LEN];
    char user[2 * (LINK_CURVE_LEN + WIRE_KEY_LEN) + 1], who[80], keyhex[17], why[200];
    enum link_zap verdict = LINK_ZAP_NO;
    const char *addr;
    int i, n, budget;

    (void)loop;
    (void)fd;
    (void)events;
    for (budget = 0; budget < LINK_RECV_BUDGET; budget++) {
        n = links_recv(zsock, parts, 8);
        if (n < 0)
            break;
        if (n < 2) { /* not even a request id: nothing to answer (REP needs a reply anyway) */
            (void)zmq_send(zsock, "", 0, 0);
            goto next;
        }
        verdict = LINK_ZAP_NO;
        if (n == 7 && zmq_msg_size(&parts[0]) == 3 &&
            memcmp(zmq_msg_data(&parts[0]), "1.0", 3) == 0 && zmq_msg_size(&parts[5]) == 5 &&
            memcmp(zmq_msg_data(&parts[5]), "CURVE", 5) == 0 &&
            zmq_msg_size(&parts[6]) == LINK_CURVE_LEN && ls->cb.zap != NULL)
            verdict = ls->cb.zap(ls->cb_ctx, zmq_msg_data(&parts[6]), member);
        /* User-Id: the client's CURVE key in hex, then a member's node key (links_frame_user). */
        if (verdict == LINK_ZAP_MEMBER || verdict == LINK_ZAP_JOIN) {
            hex_encode(zmq_msg_data(&parts[6]), LINK_CURVE_LEN, user);
            if (verdict == LINK_ZAP_MEMBER)
                hex_encode(member, WIRE_KEY_LEN, user + 2 * LINK_CURVE_LEN);
            links_zap_reply(zsock, &parts[1], "200", "OK", user);
        } else {
            links_zap_reply(zsock, &parts[1], "400", "not a member of this team", "");
            addr = "?";
            if (n >= 4 && zmq_msg_size(&parts[3]) < 64) {
                snprintf(who, sizeof(who), "%.*s", (int)zmq_msg_size(&parts[3]),
                         (const char *)zmq_msg_data(&parts[3]));
                addr = who;
            }
            keyhex[0] = '\0';
            if (n == 7 && zmq_msg_size(&parts[6]) == LINK_CURVE_LEN)
                hex_encode(zmq_msg_data(&parts[6]), 8, keyhex);
            errmsg_set(why, sizeof(why), "from %s: CURVE key %s%s is not a member of the team",
                       addr, keyhex[0] ? keyhex : "(none)", keyhex[0] ? "..." : "");
            links_count_refusal(ls, 0, why);
        }
    next:
        for (i = 0; i < (n < 8 ? n : 8); i++)
            zmq_msg_close(&parts[i]);
    }
}

/* A client that does not even complete the CurveZMQ handshake (it lacks the team's server key,
 * or speaks no CURVE) never reaches the ZAP handler; the ROUTER's monitor tells us. */
static void links_on_monitor(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct links *ls = arg;
    zmq_msg_t parts[2];
    uint16_t event;
    int i, n, budget;

    (void)loop;
    (void)fd;
    (void)events;
    for (budget = 0; budget < LINK_RECV_BUDGET; budget++) {
        n = links_recv(zsock, parts, 2);
        if (n < 0)
            break;
        if (n >= 1 && zmq_msg_size(&parts[0]) >= 2) {
            memcpy(&event, zmq_msg_data(&parts[0]), sizeof(event));
            if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
                event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
                links_count_refusal(ls, 1, "that failed the CurveZMQ handshake (no team keys)");
            }
        }
        for (i = 0; i < (n < 2 ? n : 2); i++)
            zmq_msg_close(&parts[i]);
    }
}

uint64_t links_refused(const struct links *ls)
{
    return ls->zap_refused;
}

/* ---- setup ---- */

/* The options every link socket has. Returns 0, or -1 (errno set) if one cannot be set: a socket
 * without ZMQ_MAXMSGSIZE would allocate any frame a peer sends, so it is never used. */
static int links_sockopts(void *sock)
{
    int hwm = LINK_HWM, zero = 0;
    int64_t maxmsg = WIRE_MAX_FRAME;

    if (zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) != 0 ||
        zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof(hwm)) != 0 ||
        zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
        /* Oversized frames are dropped by ZeroMQ before they are allocated. */
        zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) != 0)
        return -1;
    return 0;
}

/* Open (or reopen) a dialled link's DEALER as a CURVE client: with the join key while we are a
 * newcomer, else with our node key. */
static int link_open(struct link *l, int use_join, char *err, size_t errlen)
{
    struct links *ls = l->ls;
    int one = 1, ivl = 200, ivl_max = 5000;
    void *sock = zmq_socket(ls->ctx, ZMQ_DEALER);

    if (sock == NULL) { /* keep the old socket: the link stays a dialled one */
        errmsg_set(err, errlen, "cannot dial %s: %s", l->addr, zmq_strerror(errno));
        return -1;
    }
    /* Queue nothing for a connection that is not there: gossip should not pile up. */
    if (links_sockopts(sock) != 0 || zmq_setsockopt(sock, ZMQ_IMMEDIATE, &one, sizeof(one)) != 0 ||
        zmq_setsockopt(sock, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl)) != 0 ||
        zmq_setsockopt(sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof(ivl_max)) != 0) {
        errmsg_set(err, errlen, "cannot dial %s: cannot set socket options: %s", l->addr,
                   zmq_strerror(errno));
        zmq_close(sock); /* as above: the old socket, if any, stays */
        return -1;
    }
    if (l->sock != NULL) {
        loop_remove(ls->loop, -1, l->sock);
        zmq_close(l->sock);
    }
    l->sock = sock;
    l->dial_join = use_join && ls->has_join;
    l->dial_ms = loop_now_ms();
    l->has_peer_challenge = 0; /* the peer's challenge and claim were for the old connection */
    l->has_claim = 0;
    memcpy(l->client_curve, l->dial_join ? ls->join_public : ls->node_public, LINK_CURVE_LEN);
    if (zmq_setsockopt(l->sock, ZMQ_CURVE_SERVERKEY, ls->server_public, LINK_CURVE_LEN) != 0 ||
        zmq_setsockopt(l->sock, ZMQ_CURVE_PUBLICKEY,
                       l->dial_join ? ls->join_public : ls->node_public, LINK_CURVE_LEN) != 0 ||
        zmq_setsockopt(l->sock, ZMQ_CURVE_SECRETKEY,
                       ls->secrets + (l->dial_join ? LINK_SECRET_JOIN : LINK_SECRET_NODE),
                       LINK_CURVE_LEN) != 0 ||
        zmq_connect(l->sock, l->endpoint) != 0 ||
        loop_add_zsock(ls->loop, l->sock, LOOP_READ, links_on_dealer, l) != 0) {
        errmsg_set(err, errlen, "cannot dial %s: %s", l->addr, zmq_strerror(errno));
        return -1;
    }
    return 0;
}

/* "host:port" or "[v6]:port" (hostport_parse) -> "tcp://host:port". port "*" allowed when
 * ephemeral_ok. */
static int links_endpoint(const char *addr, int ephemeral_ok, char *out, size_t outlen, char *err,
                          size_t errlen)
{
    size_t hostlen;
    uint16_t port;

    if (hostport_parse(addr, ephemeral_ok ? 0 : 1, &hostlen, &port, err, errlen) != 0)
        return -1;
    if (port == 0)
        snprintf(out, outlen, "tcp://%.*s:*", (int)hostlen, addr);
    else
        snprintf(out, outlen, "tcp://%.*s:%u", (int)hostlen, addr, (unsigned)port);
    return 0;
}

struct links *links_new(struct loop *loop, const struct links_config *cfg,
                        const struct links_callbacks *cb, void *ctx, char *err, size_t errlen)
{
    struct links *ls = xcalloc(1, sizeof(*ls));
    char endpoint[LINK_ADDR_MAX + 8], last[LINK_ADDR_MAX + 8];
    size_t lastlen = sizeof(last);
    int one = 1, ok = 0;

    ls->loop = loop;
    ls->cb = *cb;
    ls->cb_ctx = ctx;
    memcpy(ls->key, cfg->key, WIRE_KEY_LEN);
    randombytes_buf(&ls->nonce, sizeof(ls->nonce));
    ls->name = xstrdup(cfg->name != NULL ? cfg->name : "");
    ls->entries = cfg->entries;
    ls->no_exchange = cfg->no_exchange;
    buf_init(&ls->out, WIRE_MAX_FRAME);
    buf_init(&ls->creds, WIRE_MAX_CREDS_BYTES);
    ls->secrets = sodium_malloc(3 * LINK_CURVE_LEN);
    if (ls->secrets == NULL || cfg->team == NULL || cfg->server_public == NULL ||
        cfg->server_secret == NULL || cfg->node_public == NULL || cfg->node_secret == NULL) {
        errmsg_set(err, errlen, "links need a team and CURVE keys");
        goto out;
    }
    sodium_memzero(ls->secrets, 3 * LINK_CURVE_LEN);
    memcpy(ls->team, cfg->team, WIRE_TEAM_LEN);
    memcpy(ls->server_public, cfg->server_public, LINK_CURVE_LEN);
    memcpy(ls->node_public, cfg->node_public, LINK_CURVE_LEN);
    memcpy(ls->secrets + LINK_SECRET_SERVER, cfg->server_secret, LINK_CURVE_LEN);
    memcpy(ls->secrets + LINK_SECRET_NODE, cfg->node_secret, LINK_CURVE_LEN);
    if (cfg->join_public != NULL && cfg->join_secret != NULL) {
        ls->has_join = 1;
        memcpy(ls->join_public, cfg->join_public, LINK_CURVE_LEN);
        memcpy(ls->secrets + LINK_SECRET_JOIN, cfg->join_secret, LINK_CURVE_LEN);
    }
    ls->sign = cfg->sign;
    ls->sign_ctx = cfg->sign_ctx;
    ls->ctx = zmq_ctx_new();
    if (ls->ctx == NULL) {
        errmsg_set(err, errlen, "zmq_ctx_new: %s", zmq_strerror(errno));
        goto out;
    }
    /* The ZAP handler first: a CURVE server with no handler bound lets every client in. */
    ls->zap = zmq_socket(ls->ctx, ZMQ_REP);
    if (ls->zap == NULL || zmq_bind(ls->zap, "inproc://zeromq.zap.01") != 0 ||
        loop_add_zsock(loop, ls->zap, LOOP_READ, links_on_zap, ls) != 0) {
        errmsg_set(err, errlen, "cannot install the ZAP handler: %s", zmq_strerror(errno));
        goto out;
    }
    if (cfg->listen != NULL && cfg->listen[0] != '\0') {
        if (links_endpoint(cfg->listen, 1, endpoint, sizeof(endpoint), err, errlen) != 0)
            goto out;
        ls->router = zmq_socket(ls->ctx, ZMQ_ROUTER);
        if (ls->router == NULL || links_sockopts(ls->router) != 0 ||
            zmq_setsockopt(ls->router, ZMQ_ROUTER_MANDATORY, &one, sizeof(one)) != 0) {
            errmsg_set(err, errlen, "cannot listen on %s: cannot set socket options: %s",
                       cfg->listen, zmq_strerror(errno));
            goto out;
        }
        if (zmq_setsockopt(ls->router, ZMQ_CURVE_SERVER, &one, sizeof(one)) != 0 ||
            zmq_setsockopt(ls->router, ZMQ_CURVE_SECRETKEY, ls->secrets + LINK_SECRET_SERVER,
                           LINK_CURVE_LEN) != 0 ||
            zmq_setsockopt(ls->router, ZMQ_ZAP_DOMAIN, "lore", 4) != 0) {
            errmsg_set(err, errlen, "CurveZMQ is not available: %s", zmq_strerror(errno));
            goto out;
        }
        ls->monitor = zmq_socket(ls->ctx, ZMQ_PAIR);
        if (ls->monitor == NULL ||
            zmq_socket_monitor(ls->router, "inproc://lore.monitor",
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                                   ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0 ||
            zmq_connect(ls->monitor, "inproc://lore.monitor") != 0 ||
            loop_add_zsock(loop, ls->monitor, LOOP_READ, links_on_monitor, ls) != 0) {
            errmsg_set(err, errlen, "cannot monitor the listening socket: %s", zmq_strerror(errno));
            goto out;
        }
        if (zmq_bind(ls->router, endpoint) != 0) {
            errmsg_set(err, errlen, "cannot listen on %s: %s", cfg->listen, zmq_strerror(errno));
            goto out;
        }
        /* "tcp://ADDRESS:PORT": the port the system chose for port 0 */
        if (zmq_getsockopt(ls->router, ZMQ_LAST_ENDPOINT, last, &lastlen) != 0 ||
            hostport_parse(last, 1, NULL, &ls->port, NULL, 0) != 0)
            ls->port = 0;
        if (loop_add_zsock(loop, ls->router, LOOP_READ, links_on_router, ls) != 0) {
            errmsg_set(err, errlen, "cannot watch the listening socket");
            goto out;
        }
        log_info("link: listening on %s (port %u)", cfg->listen, ls->port);
    }
    ls->tick = loop_add_timer(loop, LINK_TICK_MS, 1, links_tick, ls);
    ok = 1;
out:
    if (!ok)
        links_destroy(&ls);
    return ls;
}

void links_destroy(struct links **lsp)
{
    struct links *ls;
    struct link *l, *next;

    if (lsp == NULL || *lsp == NULL)
        return;
    ls = *lsp;
    for (l = ls->head; l != NULL; l = next) {
        next = l->next;
        if (l->state == LINK_UP)
            link_send_bye(l, "shutting down");
        link_free(ls, l);
    }
    if (ls->tick != 0)
        loop_cancel_timer(ls->loop, ls->tick);
    if (ls->router != NULL) {
        loop_remove(ls->loop, -1, ls->router);
        zmq_close(ls->router);
    }
    if (ls->zap != NULL) {
        loop_remove(ls->loop, -1, ls->zap);
        zmq_close(ls->zap);
    }
    if (ls->monitor != NULL) {
        loop_remove(ls->loop, -1, ls->monitor);
        zmq_close(ls->monitor);
    }
    if (ls->ctx != NULL)
        zmq_ctx_term(ls->ctx);
    sodium_free(ls->secrets);
    buf_free(&ls->creds);
    buf_free(&ls->out);
    free(ls->name);
    free(ls);
    *lsp = NULL;
}

uint16_t links_port(const struct links *ls)
{
    return ls->port;
}

struct link *links_dial(struct links *ls, const char *addr, enum link_origin origin, char *err,
                        size_t errlen)
{
    char endpoint[LINK_ADDR_MAX + 8];
    struct link *l;

    if (links_endpoint(addr, 0, endpoint, sizeof(endpoint), err, errlen) != 0)
        return NULL;
    for (l = ls->head; l != NULL; l = l->next) {
        if (l->sock != NULL && strcmp(l->addr, addr) == 0) {
            if (origin == LINK_STATIC)
                l->origin = l->found_by = LINK_STATIC; /* a person asked: never give up on it */
            else if (origin == LINK_MDNS && l->found_by == LINK_EXCHANGE)
                l->found_by = LINK_MDNS; /* dialled on a peer's word first, now seen on the LAN */
            return l;
        }
    }
    l = link_alloc(ls, origin);
    snprintf(l->addr, sizeof(l->addr), "%s", addr);
    snprintf(l->endpoint, sizeof(l->endpoint), "%s", endpoint);
    if (link_open(l, ls->cb.known == NULL || !ls->cb.known(ls->cb_ctx), err, errlen) != 0) {
        /* Leave the link in the list, down: it shows in `lore peers` with the reason logged. */
        log_warnx("link: %s", err);
        return l;
    }
    log_info("link: dialling %s%s", addr, l->dial_join ? " as a newcomer (join key)" : "");
    link_hello_soon(l);
    return l;
}

struct link *links_first(struct links *ls)
{
    return ls->head;
}

struct link *links_next(struct link *l)
{
    return l->next;
}

size_t links_up_count(const struct links *ls)
{
    const struct link *l;
    size_t n = 0;

    for (l = ls->head; l != NULL; l = l->next)
        n += l->state == LINK_UP && l->primary;
    return n;
}

enum link_state link_state(const struct link *l)
{
    return l->state;
}

enum link_origin link_origin(const struct link *l)
{
    return l->origin;
}

int link_is_primary(const struct link *l)
{
    return l->primary && l->state == LINK_UP;
}

const char *link_addr(const struct link *l)
{
    return l->addr;
}

const uint8_t *link_key(const struct link *l)
{
    return l->has_key ? l->key : NULL;
}

const char *link_name(const struct link *l)
{
    return l->name;
}

int link_peer_clock(const struct link *l, int64_t *offset_ms)
{
    *offset_ms = l->clock_offset_ms;
    return l->has_clock;
}

uint64_t link_peer_entries(const struct link *l)
{
    return l->peer_entries;
}

uint16_t link_peer_port(const struct link *l)
{
    return l->peer_port;
}

const struct link_stats *link_stats(const struct link *l)
{
    return &l->st;
}

void link_set_data(struct link *l, void *data)
{
    l->data = data;
}

void *link_data(const struct link *l)
{
    return l->data;
}
