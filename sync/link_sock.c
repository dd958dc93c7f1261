#include "link.h"
#include "link_int.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "errmsg.h"
#include "hex.h"
#include "hostport.h"
#include "log.h"
#include "xmalloc.h"

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

/* Read the events a socket monitor (PAIR) has for us, at most LINK_RECV_BUDGET, calling fn with
 * each event's code. */
static void links_monitor_read(void *zsock, void (*fn)(void *arg, uint16_t event), void *arg)
{
    zmq_msg_t parts[2];
    uint16_t event;
    int i, n, budget;

    for (budget = 0; budget < LINK_RECV_BUDGET; budget++) {
        n = links_recv(zsock, parts, 2);
        if (n < 0)
            break;
        if (n >= 1 && zmq_msg_size(&parts[0]) >= 2) {
            memcpy(&event, zmq_msg_data(&parts[0]), sizeof(event));
            fn(arg, event);
        }
        for (i = 0; i < (n < 2 ? n : 2); i++)
            zmq_msg_close(&parts[i]);
    }
}

static void links_router_event(void *arg, uint16_t event)
{
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
        event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        links_count_refusal(arg, 1, "that failed the CurveZMQ handshake (no team keys)");
}

/* A client that does not even complete the CurveZMQ handshake (it lacks the team's server key,
 * or speaks no CURVE) never reaches the ZAP handler; the ROUTER's monitor tells us. */
static void links_on_monitor(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    (void)loop;
    (void)fd;
    (void)events;
    links_monitor_read(zsock, links_router_event, arg);
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

/* What the peer's ZAP handler made of our CURVE key on a dialled link: it refused it (an
 * authentication failure: ZAP said 400) or the handshake succeeded. Only our join key, while we
 * are a newcomer, matters here: a refused join key means the code we joined with admits nobody
 * (rotated away), and the person who ran `lore team join` must hear so. */
static void links_dial_event(void *arg, uint16_t event)
{
    struct link *l = arg;
    struct links *ls = l->ls;

    if (!l->dial_join || (ls->cb.known != NULL && ls->cb.known(ls->cb_ctx)))
        return; /* only our join key, while we are a newcomer */
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
        if (ls->join_refused_ms <= ls->join_taken_ms)
            log_warnx("link: %s refused our join key: the join code is no longer valid "
                      "(rotated?)",
                      l->addr);
        ls->join_refused_ms = loop_now_ms();
        snprintf(ls->join_refused_by, sizeof(ls->join_refused_by), "%s", l->addr);
    } else if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        ls->join_taken_ms = loop_now_ms();
    }
}

static void links_on_dial_monitor(struct loop *loop, int fd, void *zsock, unsigned events,
                                  void *arg)
{
    (void)loop;
    (void)fd;
    (void)events;
    links_monitor_read(zsock, links_dial_event, arg);
}

/* Watch a new DEALER's handshakes (links_on_dial_monitor): only one dialling with the join key,
 * to learn whether the key was taken (links_dial_event). Every watched socket costs each loop
 * wake-up (zmq_poll checks them all), so the other links have no monitor. Returns 0, or -1 (errno
 * set). */
static int link_monitor(struct link *l)
{
    struct links *ls = l->ls;
    char ep[64];
    int zero = 0;

    snprintf(ep, sizeof(ep), "inproc://lore.dial.%u", ++ls->mon_seq);
    if (zmq_socket_monitor(l->sock, ep,
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED) != 0)
        return -1;
    l->dial_mon = zmq_socket(ls->ctx, ZMQ_PAIR);
    if (l->dial_mon == NULL || zmq_setsockopt(l->dial_mon, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
        zmq_connect(l->dial_mon, ep) != 0 ||
        loop_add_zsock(ls->loop, l->dial_mon, LOOP_READ, links_on_dial_monitor, l) != 0) {
        if (l->dial_mon != NULL)
            zmq_close(l->dial_mon);
        l->dial_mon = NULL;
        (void)zmq_socket_monitor(l->sock, NULL, 0);
        return -1;
    }
    return 0;
}

void link_unmonitor(struct link *l)
{
    if (l->dial_mon == NULL)
        return;
    if (l->sock != NULL)
        (void)zmq_socket_monitor(l->sock, NULL, 0);
    loop_remove(l->ls->loop, -1, l->dial_mon);
    zmq_close(l->dial_mon);
    l->dial_mon = NULL;
}

uint64_t links_join_refusal(const struct links *ls, char *by, size_t bylen)
{
    if (ls->join_refused_ms == 0 || ls->join_refused_ms <= ls->join_taken_ms)
        return 0;
    if (by != NULL && bylen > 0)
        snprintf(by, bylen, "%s", ls->join_refused_by);
    return ls->join_refused_ms;
}

/* Open (or reopen) a dialled link's DEALER as a CURVE client: with the join key while we are a
 * newcomer, else with our node key. */
int link_open(struct link *l, int use_join, char *err, size_t errlen)
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
    link_unmonitor(l);
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
        (l->dial_join && link_monitor(l) != 0) || zmq_connect(l->sock, l->endpoint) != 0 ||
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
    ls->features = cfg->features;
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

int links_forget(struct links *ls, const char *addr)
{
    struct link *l;

    for (l = ls->head; l != NULL; l = l->next) {
        if (l->sock == NULL || l->origin != LINK_STATIC || strcmp(l->addr, addr) != 0)
            continue;
        if (l->state == LINK_UP)
            link_send_bye(l, "forgotten: removed from this node's peers");
        link_go_down(l, "removed from the peers");
        links_unlink(ls, l);
        log_info("link: %s forgotten", addr);
        return 1;
    }
    return 0;
}
