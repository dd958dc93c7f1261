/*
 * web: the web interface, served by lored itself on its event loop (docs/ARCHITECTURE.md, "The
 * web interface"). libmicrohttpd runs without a thread of its own: its epoll descriptor is one
 * more watch of the node's loop, and MHD_run is called when it is readable and when its timeout
 * comes. Every page answers through node_call, the same ops as the socket (web_pages.c).
 *
 * Security (docs/SECURITY.md): loopback only (config.c refuses any other web_listen); every
 * route but /login needs the session cookie that a login token opens (web_auth.c); the Host
 * header must name us (DNS rebinding); a POST needs the session's CSRF token and our own Origin;
 * every response carries a strict CSP and friends; connections, headers and bodies are bounded.
 */
#ifndef LORE_WEB_H
#define LORE_WEB_H

#include <stddef.h>

#include "node_int.h"

#define WEB_POST_MAX (300 * 1024)     /* bytes of a request body */
#define WEB_MAX_CONNECTIONS 64        /* at once, all clients */
#define WEB_MAX_PER_IP 48             /* at once from one address (all of them are loopback) */
#define WEB_TIMEOUT_S 10              /* an idle connection is closed after this */
#define WEB_HEADER_MEMORY (32 * 1024) /* a connection's buffer: request line and headers */
#define WEB_COOKIE "lore_session"

struct web;

/* Start the web interface of n on n->loop at n->cfg->web_listen, and set n->web. With web_listen
 * "" there is none: returns 0 with n->web NULL. Returns -1 with a message in err if the token
 * file cannot be had or the address cannot be listened on. */
int web_start(struct node *n, char *err, size_t errlen) __attribute__((warn_unused_result));
/* Stop serving and free n->web (NULL is fine); sets n->web = NULL. */
void web_stop(struct node *n);
/* The port listened on (the actual one when web_listen asks for port 0). */
unsigned web_port(const struct web *w);

/* Send a watch event (borrowed) to the browsers' event streams (GET /events); w may be NULL. */
void web_broadcast(struct web *w, json_t *event);
/* How many event streams are open (0 for NULL). */
size_t web_subscribers(const struct web *w);

/* The ops of the web interface: web_login. */
extern const struct node_op web_ops[];

#endif
