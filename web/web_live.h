/*
 * web_live: Server-Sent Events at GET /events — the events `lore watch` receives (the node's
 * broadcast hook feeds both), one `event: NAME` / `data: JSON` frame each. MHD runs in external
 * epoll mode, so a stream with nothing to send is suspended (MHD_suspend_connection: no busy
 * loop) and resumed when an event is queued or the keep-alive comment is due.
 * Bounds: WEB_LIVE_PER_SESSION streams a session (a new one ends that session's oldest),
 * WEB_LIVE_MAX in all (beyond: 503), and a queue per stream of WEB_LIVE_QUEUE_ITEMS frames or
 * WEB_LIVE_QUEUE_BYTES bytes — past it the oldest go and the browser gets `event: reload`.
 */
#ifndef LORE_WEB_LIVE_H
#define LORE_WEB_LIVE_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>

#include "buf.h"

#define WEB_LIVE_PER_SESSION 8
#define WEB_LIVE_MAX 32
#define WEB_LIVE_QUEUE_ITEMS 64
#define WEB_LIVE_QUEUE_BYTES (1024 * 1024)
#define WEB_LIVE_KEEPALIVE_MS 20000 /* a comment line this often keeps proxies and tabs awake */
#define WEB_LIVE_TIMEOUT_S 90       /* a stream's connection timeout (above the keep-alive) */

struct web_live;

/* An empty set of streams. kick(arg) is called when a suspended stream is resumed: MHD in
 * external mode must then be run soon (not from inside kick: it may come from an MHD callback). */
struct web_live *web_live_new(void (*kick)(void *arg), void *arg);
/* Free l. Every stream must be gone (MHD stopped after web_live_end_all). Accepts NULL and
 * *lp == NULL; sets *lp = NULL. */
void web_live_destroy(struct web_live **lp);

/* Append one SSE frame for a watch event (borrowed) to b: "event: NAME\ndata: JSON\n\n", NAME its
 * "event" member ([a-z_], else "message"), the JSON on one line. -1 if b is full or the event
 * cannot be encoded. */
int web_live_frame(struct buf *b, json_t *event) __attribute__((warn_unused_result));

/* A new stream for connection c of session slot session: the response to queue (the caller adds
 * its headers and destroys its reference), or NULL when WEB_LIVE_MAX streams are open. */
struct MHD_Response *web_live_open(struct web_live *l, struct MHD_Connection *c, int session);
/* Queue event (borrowed) on every stream. */
void web_live_send(struct web_live *l, json_t *event);
/* Queue a comment line on every stream (the keep-alive). */
void web_live_keepalive(struct web_live *l);
/* End the streams of session slot session (logout). */
void web_live_end_session(struct web_live *l, int session);
/* End every stream (before MHD_stop_daemon, which refuses suspended connections). */
void web_live_end_all(struct web_live *l);
/* How many streams are open. */
size_t web_live_count(const struct web_live *l);

#endif
