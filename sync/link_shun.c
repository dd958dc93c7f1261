#include "errmsg.h"
#include "link.h"
#include "link_int.h"

#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "log.h"

static void link_shun(struct link *l, const char *why, const char *bye);

/* One message's worth of the peer's rate budget. Returns 0 (drop it) when a peer floods us; that
 * is logged and counted against it at most once a second, so a flood ends in a shun. */
int link_take_token(struct link *l)
{
    uint64_t now = loop_now_ms();

    if (bucket_take(&l->rate, now, LINK_RATE_PER_S, LINK_RATE_BURST))
        return 1;
    l->st.limited++;
    if (now - l->limit_logged_ms >= 1000) {
        l->limit_logged_ms = now;
        log_info("link: %s sends faster than %d messages/s; dropping the excess", l->addr,
                 LINK_RATE_PER_S);
        (void)link_penalize(l, "message flood");
    }
    return 0;
}

/* Is this address shunned? Expired entries are dropped on the way. */
int links_ip_shunned(struct links *ls, const char *ip)
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

void links_tick(struct loop *loop, uint64_t timer_id, void *arg)
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
                char err[ERRMSG_MAX];
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
            /* The side that dialled keeps the link alive: it pings when it heard nothing for
             * LINK_PING_MS, and each ping's PONG and the pings themselves keep both sides' rx
             * fresh. The dialled side pings only when the dialler went quiet for twice that
             * (it still notices a dead peer within LINK_DEAD_MS), and every 10 s to know its
             * round-trip time. Before, both sides pinged every second: four messages per link per
             * second, for nothing, on every link of a dense office mesh. */
            if (now - l->st.last_rx_ms >= (l->sock != NULL ? LINK_PING_MS : 2 * LINK_PING_MS) ||
                now - l->ping_sent_ms >= 10 * LINK_PING_MS) {
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
