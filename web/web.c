#include "web.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_error.h"
#include "errmsg.h"
#include "hostport.h"
#include "loop.h"
#include "node_call.h"
#include "node_json.h"
#include "web_auth.h"
#include "web_form.h"
#include "web_live.h"
#include "web_needs.h"
#include "web_pages.h"
#include "web_static.h"
#include "xmalloc.h"

#define WEB_TICK_MS 1000 /* MHD_run at least this often (connection timeouts) */

struct web {
    struct node *n;
    struct MHD_Daemon *d;
    struct web_auth *auth;
    int epfd;
    uint64_t timer;
    struct web_live *live;   /* the event streams of GET /events */
    uint64_t keepalive;      /* their keep-alive timer */
    uint64_t kick;           /* a run soon: a stream was resumed */
    struct web_needs *needs; /* the needs map, kept a while (web_needs.h) */
    unsigned port;
    char host[HOSTPORT_MAX + 1];    /* as web_listen names it: 127.0.0.1, [::1], localhost */
    char name[WEB_AUTH_LABEL + 16]; /* the private name served at: lore-HEX.localhost */
};

/* A request in progress: its body as it comes. */
struct web_req {
    struct buf body;
    int too_big;
    int answered; /* a refusal was queued at the first call */
};

/* ---- responses ---- */

/* The headers every response carries, and its type (NULL: HTML). */
static void web_headers(struct MHD_Response *r, const char *type)
{
    MHD_add_response_header(r, "Content-Type", type != NULL ? type : "text/html; charset=utf-8");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    /* Not no-referrer: with it a browser sends "Origin: null" on our own form posts (Fetch,
     * "append a request Origin header"), and the Origin check below needs the real one.
     * same-origin sends nothing to any other site. */
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(r, "Cache-Control", "no-store");
}

/* Queue status with len bytes of body (copied) and the headers every response carries. */
static enum MHD_Result web_send(struct MHD_Connection *c, unsigned status, const void *body,
                                size_t len, const char *type, const char *location,
                                const char *cookie)
{
    struct MHD_Response *r;
    enum MHD_Result rc;

    r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    web_headers(r, type);
    if (location != NULL)
        MHD_add_response_header(r, "Location", location);
    if (cookie != NULL)
        MHD_add_response_header(r, "Set-Cookie", cookie);
    rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

/* An error page for status with message. */
static enum MHD_Result web_refuse(struct MHD_Connection *c, unsigned status, const char *message)
{
    struct buf b;
    enum MHD_Result rc;

    buf_init(&b, WEB_PAGE_MAX);
    if (status == MHD_HTTP_UNAUTHORIZED)
        rc = web_pages_login_needed(&b) == 0 ? MHD_YES : MHD_NO;
    else
        rc = web_pages_error(&b, status, message) == 0 ? MHD_YES : MHD_NO;
    if (rc == MHD_YES)
        rc = web_send(c, status, b.data, b.len, NULL, NULL, NULL);
    buf_free(&b);
    return rc;
}

/* ---- checks ---- */

enum web_host { WEB_HOST_OURS, WEB_HOST_SHARED, WEB_HOST_OTHER };

/* What the Host header names: our private name with our port (the only one served); a loopback
 * name every local server shares, with our port (a cookie set there would go to them all:
 * refused with a word on where lore is); anything else (DNS rebinding: a name of the attacker's
 * pointing at 127.0.0.1). */
static enum web_host web_host_of(const struct web *w, const char *host)
{
    const char *shared[] = {"127.0.0.1", "localhost", "[::1]", w->host};
    char want[HOSTPORT_MAX + 32];
    size_t i;

    if (host == NULL)
        return WEB_HOST_OTHER;
    snprintf(want, sizeof(want), "%s:%u", w->name, w->port);
    if (strcasecmp(host, want) == 0)
        return WEB_HOST_OURS;
    for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
        snprintf(want, sizeof(want), "%s:%u", shared[i], w->port);
        if (strcasecmp(host, want) == 0)
            return WEB_HOST_SHARED;
    }
    return WEB_HOST_OTHER;
}

/* 1 if a POST comes from our own pages: its Origin is http://HOST (HOST the checked Host
 * header: our private name and port); without an Origin, its Referer starts with http://HOST/. */
static int web_origin_ok(struct MHD_Connection *c)
{
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    const char *referer = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Referer");
    char want[HOSTPORT_MAX + 32];
    size_t n;

    if (host == NULL)
        return 0;
    n = (size_t)snprintf(want, sizeof(want), "http://%s", host);
    if (n >= sizeof(want) - 1)
        return 0;
    if (origin != NULL)
        return strcasecmp(origin, want) == 0;
    want[n] = '/';
    want[n + 1] = '\0';
    return referer != NULL && strncasecmp(referer, want, n + 1) == 0;
}

/* The session of the request's cookie: its slot, or -1. */
static int web_session(struct web *w, struct MHD_Connection *c)
{
    return web_auth_session_find(
        w->auth, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, WEB_COOKIE), loop_now_ms());
}

/* GET /login?token=HEX: a session for a valid login token, then to / (the token leaves the
 * address bar); else 401. */
static enum MHD_Result web_login(struct web *w, struct MHD_Connection *c)
{
    const char *token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    char id[WEB_AUTH_HEX], cookie[WEB_AUTH_HEX + 80];
    enum MHD_Result rc;

    if (!web_auth_login(w->auth, token, loop_now_ms())) {
        log_warnx("web: a login with a wrong or spent token was refused");
        return web_refuse(c, MHD_HTTP_UNAUTHORIZED, NULL);
    }
    /* The slot may be an evicted session's: its event streams end now, not at their next
     * reconnect (they would carry events to a session that no longer exists). */
    web_live_end_session(w->live, web_auth_session_new(w->auth, loop_now_ms(), id));
    snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Strict", WEB_COOKIE, id);
    /* No Domain: host-only, for our private name alone. */
    rc = web_send(c, MHD_HTTP_SEE_OTHER, "", 0, NULL, "/", cookie);
    sodium_memzero(id, sizeof(id));
    sodium_memzero(cookie, sizeof(cookie));
    return rc;
}

/* GET /events: a stream of watch events (web_live.c). */
static enum MHD_Result web_events(struct web *w, struct MHD_Connection *c, int s)
{
    struct MHD_Response *r = web_live_open(w->live, c, s);
    enum MHD_Result rc;

    if (r == NULL)
        return web_refuse(c, MHD_HTTP_SERVICE_UNAVAILABLE, "Too many live pages are open.");
    web_headers(r, "text/event-stream; charset=utf-8");
    rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

/* The first call of a request, headers in: refuse what is not for us before any body is read.
 * MHD_YES with r->answered 0 lets the request go on. */
static enum MHD_Result web_first(struct web *w, struct MHD_Connection *c, struct web_req *r,
                                 const char *url, const char *method)
{
    const char *len, *type;
    const struct web_asset *a;
    enum web_host host = web_host_of(w, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"));
    int post = strcmp(method, "POST") == 0;

    r->answered = 1;
    if (!post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return web_refuse(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Only GET and POST are served here.");
    /* Not our name in the page: it is what keeps other local servers from our cookie. */
    if (host == WEB_HOST_SHARED)
        return web_refuse(c, MHD_HTTP_MISDIRECTED_REQUEST,
                          "lore is served at a private address of its own, not at this one: run "
                          "lore web in a terminal and open the address it prints.");
    if (host != WEB_HOST_OURS)
        return web_refuse(c, MHD_HTTP_MISDIRECTED_REQUEST,
                          "This server answers only to its own loopback name.");
    /* The CSS, the script, the favicon: nothing private, so no session (the 401 page's too). */
    a = post ? NULL : web_static_find(url);
    if (a != NULL)
        return web_send(c, MHD_HTTP_OK, a->body, strlen(a->body), a->type, NULL, NULL);
    if (!post && strcmp(url, "/login") == 0)
        return web_login(w, c);
    if (web_session(w, c) < 0)
        return web_refuse(c, MHD_HTTP_UNAUTHORIZED, NULL);
    if (post) {
        len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        if (len != NULL && strtoull(len, NULL, 10) > WEB_POST_MAX)
            return web_refuse(c, MHD_HTTP_CONTENT_TOO_LARGE, "That is more than a form may send.");
        if (type == NULL || strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0)
            return web_refuse(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Forms only.");
    }
    r->answered = 0;
    return MHD_YES;
}

/* The last call: the body is in. A POST's CSRF token and Origin, then the page. */
static enum MHD_Result web_serve(struct web *w, struct MHD_Connection *c, struct web_req *r,
                                 const char *url, const char *method)
{
    struct web_form form = {0};
    struct web_page p = {0};
    enum MHD_Result rc;
    int s = web_session(w, c), post = strcmp(method, "POST") == 0;

    if (s < 0) /* ended meanwhile (logout elsewhere, evicted) */
        return web_refuse(c, MHD_HTTP_UNAUTHORIZED, NULL);
    if (r->too_big)
        return web_refuse(c, MHD_HTTP_CONTENT_TOO_LARGE, "That is more than a form may send.");
    if (post && web_form_parse(&form, (const char *)r->body.data, r->body.len) != 0)
        return web_refuse(c, MHD_HTTP_BAD_REQUEST, "The form could not be read.");
    if (post && (!web_auth_csrf_ok(w->auth, s, web_form_get(&form, "csrf")) || !web_origin_ok(c))) {
        web_form_free(&form);
        log_warnx("web: a POST to %.80s without our CSRF token or Origin was refused", url);
        return web_refuse(c, MHD_HTTP_FORBIDDEN,
                          "This form did not come from this page (reload it and try again).");
    }
    if (post && strcmp(url, "/logout") == 0) {
        web_form_free(&form);
        web_auth_session_end(w->auth, s);
        web_live_end_session(w->live, s);
        return web_refuse(c, MHD_HTTP_UNAUTHORIZED, NULL);
    }
    if (!post && strcmp(url, "/events") == 0)
        return web_events(w, c, s);
    p.n = w->n;
    p.c = c;
    p.csrf = web_auth_csrf(w->auth, s);
    p.form = post ? &form : NULL;
    p.needs = w->needs;
    p.status = MHD_HTTP_OK;
    buf_init(&p.body, WEB_PAGE_MAX);
    if (web_pages_serve(&p, post ? "POST" : "GET", url) != 0)
        rc = web_refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "The page is too large to show.");
    else
        rc = web_send(c, p.status, p.body.data, p.body.len, p.content_type, p.location, NULL);
    buf_free(&p.body);
    free(p.location);
    web_form_free(&form);
    return rc;
}

static enum MHD_Result web_access(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct web *w = cls;
    struct web_req *r = *con_cls;

    (void)version;
    if (r == NULL) {
        r = xcalloc(1, sizeof(*r));
        buf_init(&r->body, WEB_POST_MAX);
        *con_cls = r;
        return web_first(w, c, r, url, method);
    }
    if (r->answered) { /* refused: what still comes is dropped */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!r->too_big && buf_append(&r->body, upload, *upload_size) != 0) {
            r->too_big = 1;
            buf_wipe(&r->body);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    r->answered = 1;
    return web_serve(w, c, r, url, method);
}

static void web_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                          enum MHD_RequestTerminationCode toe)
{
    struct web_req *r = *con_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (r == NULL)
        return;
    buf_wipe(&r->body); /* may have held form text */
    buf_free(&r->body);
    free(r);
    *con_cls = NULL;
}

/* libmicrohttpd's messages: a printf format of its own, hence the attribute (clang checks it). */
static void web_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void web_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];

    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    /* A browser closing a tab or a live stream is no news: said only at log level debug. */
    if (strstr(line, "no longer available") != NULL || strstr(line, "reset by peer") != NULL ||
        strstr(line, "Broken pipe") != NULL)
        log_debug("web: %s", line);
    else
        log_warnx("web: %s", line);
}

/* ---- the loop ---- */

static void web_run(struct web *w);

static void web_on_timer(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct web *w = arg;

    (void)loop;
    (void)timer_id;
    w->timer = 0;
    web_run(w);
}

static void web_on_epoll(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    (void)loop;
    (void)fd;
    (void)zsock;
    (void)events;
    web_run(arg);
}

static void web_on_kick(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct web *w = arg;

    (void)loop;
    (void)timer_id;
    w->kick = 0;
    web_run(w);
}

/* A stream was resumed: run MHD on the next turn of the loop (not now: this may be inside an MHD
 * callback, where MHD_run must not be called). */
static void web_kick(void *arg)
{
    struct web *w = arg;

    if (w->kick == 0)
        w->kick = loop_add_timer(w->n->loop, 0, 0, web_on_kick, w);
}

static void web_on_keepalive(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct web *w = arg;

    (void)loop;
    (void)timer_id;
    web_live_keepalive(w->live);
}

/* Let MHD do what is ready, then wake again when it says (at least every WEB_TICK_MS). */
static void web_run(struct web *w)
{
    MHD_UNSIGNED_LONG_LONG to = WEB_TICK_MS;

    if (MHD_run(w->d) != MHD_YES)
        log_warnx("web: MHD_run failed");
    if (w->timer != 0)
        loop_cancel_timer(w->n->loop, w->timer);
    if (MHD_get_timeout(w->d, &to) != MHD_YES || to > WEB_TICK_MS)
        to = WEB_TICK_MS;
    w->timer = loop_add_timer(w->n->loop, (uint64_t)to, 0, web_on_timer, w);
}

/* The address web_listen names, into ss; the host part into w->host. */
static int web_address(struct web *w, const char *listen, struct sockaddr_storage *ss, char *err,
                       size_t errlen)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    size_t hostlen;
    uint16_t port;

    if (hostport_parse(listen, 0, &hostlen, &port, err, errlen) != 0)
        return -1;
    memcpy(w->host, listen, hostlen);
    w->host[hostlen] = '\0';
    memset(ss, 0, sizeof(*ss));
    if (strcmp(w->host, "[::1]") == 0) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        in6->sin6_addr = in6addr_loopback;
        return 0;
    }
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    if (strcmp(w->host, "localhost") == 0)
        in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, w->host, &in4->sin_addr) != 1 ||
             (ntohl(in4->sin_addr.s_addr) >> 24) != 127) {
        errmsg_set(err, errlen, "web_listen: '%s' is not a loopback address", w->host);
        return -1;
    }
    return 0;
}

int web_start(struct node *n, char *err, size_t errlen)
{
    struct web *w;
    struct sockaddr_storage ss;
    const union MHD_DaemonInfo *info;
    char label[WEB_AUTH_LABEL];
    int rc = -1;

    n->web = NULL;
    if (n->cfg->web_listen == NULL || n->cfg->web_listen[0] == '\0')
        return 0;
    w = xcalloc(1, sizeof(*w));
    w->n = n;
    w->epfd = -1;
    if (web_address(w, n->cfg->web_listen, &ss, err, errlen) != 0)
        goto out;
    w->auth = web_auth_new(n->iddir, err, errlen);
    if (w->auth == NULL)
        goto out;
    web_auth_label(w->auth, label);
    snprintf(w->name, sizeof(w->name), "%s.localhost", label);
    w->live = web_live_new(web_kick, w);
    w->needs = web_needs_new();
    /* The logger first, so that MHD's own messages go to our log too. */
    w->d = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
            (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
        0, NULL, NULL, web_access, w, MHD_OPTION_EXTERNAL_LOGGER, web_log, w, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_MAX_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)WEB_MAX_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)WEB_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WEB_HEADER_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, web_completed, w, MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
        MHD_OPTION_END);
    if (w->d == NULL) {
        errmsg_set(err, errlen, "web: cannot listen on %s (in use? set web_listen)",
                   n->cfg->web_listen);
        goto out;
    }
    info = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_EPOLL_FD);
    w->epfd = info != NULL ? info->epoll_fd : -1;
    info = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_BIND_PORT);
    w->port = info != NULL ? info->port : 0;
    if (w->epfd < 0 || w->port == 0 ||
        loop_add_fd(n->loop, w->epfd, LOOP_READ, web_on_epoll, w) != 0) {
        errmsg_set(err, errlen, "web: cannot watch the server's descriptor");
        w->epfd = -1;
        goto out;
    }
    n->web = w;
    w->keepalive = loop_add_timer(n->loop, WEB_LIVE_KEEPALIVE_MS, 1, web_on_keepalive, w);
    web_run(w);
    log_info("web: serving http://%s:%u/ (on %s; lore web prints the login address)", w->name,
             w->port, w->host);
    rc = 0;
out:
    if (rc != 0) {
        n->web = w;
        web_stop(n);
    }
    return rc;
}

void web_stop(struct node *n)
{
    struct web *w = n->web;

    if (w == NULL)
        return;
    if (w->timer != 0)
        loop_cancel_timer(n->loop, w->timer);
    if (w->keepalive != 0)
        loop_cancel_timer(n->loop, w->keepalive);
    if (w->kick != 0)
        loop_cancel_timer(n->loop, w->kick);
    if (w->epfd >= 0)
        loop_remove(n->loop, w->epfd, NULL);
    web_live_end_all(w->live); /* MHD stops no daemon with suspended connections */
    if (w->d != NULL)
        MHD_stop_daemon(w->d);
    web_live_destroy(&w->live);
    web_needs_destroy(&w->needs);
    web_auth_destroy(&w->auth);
    free(w);
    n->web = NULL;
}

unsigned web_port(const struct web *w)
{
    return w->port;
}

void web_broadcast(struct web *w, json_t *event)
{
    if (w != NULL)
        web_live_send(w->live, event);
}

size_t web_subscribers(const struct web *w)
{
    return w != NULL ? web_live_count(w->live) : 0;
}

/* web_login: the address of the web interface with a one-time login token (lore web). */
static json_t *web_op_login(struct node *n, json_t *req)
{
    struct web *w = n->web;
    char once[WEB_AUTH_HEX];
    json_t *o;

    (void)req;
    if (w == NULL)
        return api_error("off", "the web interface is off (web_listen is empty in the config, or "
                                "its address could not be listened on: see the node's log)");
    web_auth_once(w->auth, loop_now_ms(), once);
    o = node_json_ok();
    json_object_set_new(o, "address", json_sprintf("http://%s:%u/", w->name, w->port));
    json_object_set_new(o, "url",
                        json_sprintf("http://%s:%u/login?token=%s", w->name, w->port, once));
    json_object_set_new(o, "expires_s", json_integer(WEB_AUTH_ONCE_MS / 1000));
    sodium_memzero(once, sizeof(once));
    return o;
}

const struct node_op web_ops[] = {
    {"web_login", web_op_login,
     "the web interface's address with a one-time login token (lore web)", 0},
    {NULL, NULL, NULL, 0},
};
