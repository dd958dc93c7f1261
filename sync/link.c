#include "link.h"
#include "errmsg.h"
#include "link_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "entry.h"
#include "hex.h"
#include "log.h"
#include "xmalloc.h"

void link_set_state(struct link *l, enum link_state s)
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

int link_is_loopback(const char *addr)
{
    return strncmp(addr, "127.", 4) == 0 || strncmp(addr, "[::1]", 5) == 0 ||
           strncmp(addr, "localhost:", 10) == 0;
}

/* Tell this peer whom else we are linked to (peer exchange): one static link between two
 * subnets then lets every node on both sides find the others. Loopback addresses only go to
 * peers that are themselves on loopback. */
void link_send_peers(struct link *to)
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

/* Links that count towards LINK_EXCHANGE_DEGREE: up, or dialled by exchange and not up yet. */
static size_t links_degree(const struct links *ls)
{
    const struct link *l;
    size_t n = 0;

    for (l = ls->head; l != NULL; l = l->next)
        n += (l->state == LINK_UP && l->primary) ||
             (l->origin == LINK_EXCHANGE && l->state == LINK_CONNECTING);
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
        if (links_found_count(ls) >= LINK_MAX_DIALLED || links_degree(ls) >= LINK_EXCHANGE_DEGREE)
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

int link_send_raw(struct link *l, const void *frame, size_t len)
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
void link_send_hello(struct link *l, int is_reply)
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

void link_send_bye(struct link *l, const char *reason)
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

void link_hello_soon(struct link *l)
{
    if (l->hello_timer != 0 || l->sock == NULL)
        return;
    l->hello_backoff_ms = 5;
    l->hello_timer = loop_add_timer(l->ls->loop, l->hello_backoff_ms, 0, link_hello_fire, l);
}

void link_free(struct links *ls, struct link *l)
{
    if (l->hello_timer != 0)
        loop_cancel_timer(ls->loop, l->hello_timer);
    link_unmonitor(l);
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

void link_go_down(struct link *l, const char *why)
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
int link_redial_as_member(struct link *l, const char *why)
{
    struct links *ls = l->ls;
    char err[ERRMSG_MAX];

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
    char why[ERRMSG_MAX];

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

/* FEATURES after every HELLO we take, so the peer has it whichever of its HELLOs brought its side
 * up: it follows our HELLO reply on the connection, which brings a peer that sent us its first
 * HELLO up, and a peer that replied to ours is up already. Repeats cost 10 bytes. */
static void link_send_features(struct link *l)
{
    struct links *ls = l->ls;

    buf_reset(&ls->out);
    if (wire_features(&ls->out, ls->features) == 0)
        (void)link_send_raw(l, ls->out.data, ls->out.len);
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
    if (l->state != LINK_UP)
        l->peer_features = 0; /* a new session: none until its FEATURES says */
    if (!m->u.hello.is_reply)
        link_send_hello(l, 1);
    link_send_features(l);
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

void link_dispatch(struct link *l, const uint8_t *frame, size_t len)
{
    struct links *ls = l->ls;
    struct wire_msg m;
    char err[ERRMSG_MAX];

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
    case WIRE_LATER:
        return; /* a type a later node added within our version: not for us */
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
    case WIRE_FEATURES:
        if (l->state == LINK_UP)
            l->peer_features = m.u.features;
        break; /* the protocol above hears of it too */
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

struct link *link_alloc(struct links *ls, enum link_origin origin)
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

int link_joined(const struct link *l)
{
    return l->joined;
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

uint64_t link_peer_features(const struct link *l)
{
    return l->peer_features;
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
