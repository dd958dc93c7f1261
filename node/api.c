/* accept4, struct ucred */
#define _GNU_SOURCE

#include "api.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "errmsg.h"
#include "log.h"
#include "xmalloc.h"

/*
 * Clients live on a list. A client can be dropped while code for it is on the stack (a handler
 * broadcasts and overflows the very client whose request it is handling), so dropping only closes
 * the fd and marks the client dead; the memory is reaped when no api callback is running.
 */

#define API_LISTEN_BACKLOG 64
#define API_READ_CHUNK 65536
#define API_ACCEPTS_PER_WAKEUP 64
#define API_READS_PER_WAKEUP 16
/* After an error that ends a connection, how long we wait for the client to take the reply. */
#define API_LINGER_MS 5000
/* After EMFILE/ENFILE with no reserve fd to spare, how long we stop accepting, rather than spin on
 * a full backlog. */
#define API_ACCEPT_PAUSE_MS 1000
/* Each client may buffer this much of a request whatever the others hold; beyond it, its buffer
 * counts against the shared budget (api->limits.max_buffered). */
#define API_FREE_SHARE (64u * 1024)
/* At most one line per this interval for each kind of repeated warning (accept failures, refused
 * peers, busy refusals); the next line says how many were left out. */
#define API_LOG_INTERVAL_MS 10000

struct api_client {
    struct api *api;
    struct api_client *prev, *next;
    int fd;
    unsigned events; /* what the loop watches now */
    struct buf in;
    struct buf out;
    size_t out_sent; /* bytes at the start of out already sent (and wiped) */
    size_t scanned;  /* bytes at the start of in known to hold no '\n' */
    int subscribed;
    int closing; /* no more input; close once out is flushed */
    int dead;    /* fd closed; waiting to be reaped */
    uint64_t linger_timer;
    uint64_t partial_timer; /* running while in holds a partial request */
    size_t charged;         /* what this client's input buffer counts in api->buffered */
};

/* A rate-limited warning: one line per API_LOG_INTERVAL_MS, then a count of the ones left out. */
struct api_logger {
    uint64_t last_ms;
    unsigned long suppressed;
};

struct api {
    struct loop *loop;
    char *path;
    dev_t dev;
    ino_t ino;
    int fd;
    api_handler_fn handler;
    void *ctx;
    struct api_client *clients;
    size_t nclients;     /* live ones */
    size_t nsubscribers; /* live ones */
    size_t max_pending;
    struct api_limits limits;
    size_t buffered; /* request bytes charged to clients beyond their free share (capacity) */
    int reserve_fd;  /* /dev/null, given up to accept and refuse a client on EMFILE */
    int depth;       /* api callbacks on the stack */
    uint64_t accept_timer;
    struct api_logger log_accept, log_busy, log_refused;
};

static void api_client_flush(struct api_client *c);

static void api_log_limited(struct api_logger *lg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void api_log_limited(struct api_logger *lg, const char *fmt, ...)
{
    uint64_t now = loop_now_ms();
    char line[512];
    va_list ap;

    if (lg->last_ms != 0 && now - lg->last_ms < API_LOG_INTERVAL_MS) {
        lg->suppressed++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (lg->suppressed > 0)
        log_warnx("%s (and %lu more like it in the last %u s)", line, lg->suppressed,
                  API_LOG_INTERVAL_MS / 1000);
    else
        log_warnx("%s", line);
    lg->last_ms = now;
    lg->suppressed = 0;
}

/* What an input buffer of capacity cap counts against the shared budget. */
static size_t api_charge_of(size_t cap)
{
    return cap > API_FREE_SHARE ? cap : 0;
}

/* The capacity b would have after appending n bytes (buf doubles from 64, plus a NUL). */
static size_t api_cap_after(const struct buf *b, size_t n)
{
    size_t want = b->len + n + 1, cap = b->cap ? b->cap : 64;

    if (want <= b->cap)
        return b->cap;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    return cap;
}

/* Bring api->buffered up to date with c's input buffer. */
static void api_client_charge(struct api_client *c)
{
    size_t now = c->dead ? 0 : api_charge_of(c->in.cap);

    c->api->buffered -= c->charged;
    c->api->buffered += now;
    c->charged = now;
}

/* A one-line error for a client we will not serve, written straight to its fd (non-blocking; a
 * client that has no room for it just sees the close). */
static void api_refuse_fd(int fd, const char *code, const char *message)
{
    char line[256];
    int n;

    n = snprintf(line, sizeof(line), "{\"ok\":false,\"error\":\"%s\",\"code\":\"%s\"}\n", message,
                 code);
    if (n > 0 && (size_t)n < sizeof(line))
        (void)!send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

json_t *api_parse_request(const char *line, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root, *op, *result = NULL;

    root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        api_error_sanitize(jerr.text);
        errmsg_set(err, errlen, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        errmsg_set(err, errlen, "a request must be a JSON object");
        goto out;
    }
    op = json_object_get(root, "op");
    if (!json_is_string(op)) {
        errmsg_set(err, errlen, "a request needs a string \"op\"");
        goto out;
    }
    if (json_string_length(op) == 0) {
        errmsg_set(err, errlen, "\"op\" is empty");
        goto out;
    }
    result = root;
    root = NULL;
out:
    json_decref(root);
    return result;
}

static int api_dump_cb(const char *data, size_t size, void *arg)
{
    return buf_append(arg, data, size);
}

/* Append j to b as one compact line ending in '\n'. Returns 0, or -1 if it cannot be encoded. */
static int api_encode(json_t *j, struct buf *b)
{
    int rc = -1;

    if (json_dump_callback(j, api_dump_cb, b, JSON_COMPACT) != 0)
        goto out;
    if (buf_append_u8(b, '\n') != 0)
        goto out;
    rc = 0;
out:
    return rc;
}

/* Requests and replies may carry a join code: wipe a buffer's storage before giving it back. */
static void api_buf_release(struct buf *b)
{
    buf_wipe(b);
    buf_free(b);
}

static void api_client_free(struct api_client *c)
{
    if (c->linger_timer != 0)
        loop_cancel_timer(c->api->loop, c->linger_timer);
    if (c->partial_timer != 0)
        loop_cancel_timer(c->api->loop, c->partial_timer);
    api_buf_release(&c->in);
    api_buf_release(&c->out);
    free(c);
}

/* Free dead clients, unless an api callback may still hold a pointer to one. */
static void api_reap(struct api *api)
{
    struct api_client *c, *next;

    if (api->depth > 0)
        return;
    for (c = api->clients; c != NULL; c = next) {
        next = c->next;
        if (!c->dead)
            continue;
        if (c->prev != NULL)
            c->prev->next = c->next;
        else
            api->clients = c->next;
        if (c->next != NULL)
            c->next->prev = c->prev;
        api_client_free(c);
    }
}

/* End the connection now. Safe from anywhere; the memory goes at the next reap. */
static void api_client_drop(struct api_client *c)
{
    struct api *api = c->api;

    if (c->dead)
        return;
    loop_remove(api->loop, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->dead = 1;
    if (c->partial_timer != 0) {
        loop_cancel_timer(api->loop, c->partial_timer);
        c->partial_timer = 0;
    }
    api_buf_release(&c->in); /* its memory is no longer held for it */
    api_client_charge(c);
    api->nclients--;
    if (c->subscribed)
        api->nsubscribers--;
    api_reap(api);
}

static void api_client_update_events(struct api_client *c)
{
    unsigned events;

    if (c->dead)
        return;
    events = (c->closing ? 0 : LOOP_READ) | (c->out.len > c->out_sent ? LOOP_WRITE : 0);
    if (events != c->events) {
        loop_set_events(c->api->loop, c->fd, NULL, events);
        c->events = events;
    }
}

/* Queue bytes for the client and try to send them. A client whose queue would pass the cap is
 * dropped: it is not reading, and the node's memory must not grow for it. */
static void api_client_queue(struct api_client *c, const void *data, size_t len)
{
    if (c->dead)
        return;
    if (len > c->api->max_pending || c->out.len - c->out_sent > c->api->max_pending - len ||
        buf_append(&c->out, data, len) != 0) {
        log_warnx("api: dropping client fd %d: its output queue is full (%zu bytes pending)", c->fd,
                  c->out.len - c->out_sent);
        api_client_drop(c);
        return;
    }
    api_client_flush(c);
}

static void api_client_respond(struct api_client *c, json_t *resp)
{
    struct buf line;
    json_t *fallback = NULL;

    buf_init(&line, SIZE_MAX);
    if (resp == NULL || api_encode(resp, &line) != 0) {
        log_warnx("api: cannot encode a response; sending an internal error");
        buf_reset(&line);
        fallback = api_error("internal", "internal error");
        if (fallback == NULL || api_encode(fallback, &line) != 0) {
            api_client_drop(c);
            goto out;
        }
    }
    api_client_queue(c, line.data, line.len);
out:
    json_decref(fallback);
    api_buf_release(&line);
}

static void api_client_linger_expired(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct api_client *c = arg;

    (void)loop;
    (void)timer_id;
    c->linger_timer = 0;
    log_debug("api: client fd %d did not take its last reply; closing", c->fd);
    api_client_drop(c);
}

/* Read no more; close once the output is flushed (or after API_LINGER_MS). */
static void api_client_close_after_flush(struct api_client *c)
{
    if (c->dead || c->closing)
        return;
    c->closing = 1;
    if (c->partial_timer != 0) {
        loop_cancel_timer(c->api->loop, c->partial_timer);
        c->partial_timer = 0;
    }
    shutdown(c->fd, SHUT_RD);
    if (c->out.len == c->out_sent) {
        api_client_drop(c);
        return;
    }
    c->linger_timer = loop_add_timer(c->api->loop, API_LINGER_MS, 0, api_client_linger_expired, c);
    api_client_update_events(c);
}

/* n more bytes of out went to the socket: wipe them (a response may hold a join code) and move
 * past them. The queue is compacted only once what was sent outweighs what is left, so a slow
 * subscriber behind a burst of events costs linear time, not a move of the whole queue per send. */
static void api_client_sent(struct api_client *c, size_t n)
{
    size_t left;

    explicit_bzero(c->out.data + c->out_sent, n);
    c->out_sent += n;
    left = c->out.len - c->out_sent;
    if (left == 0) {
        buf_reset(&c->out);
        c->out_sent = 0;
    } else if (c->out_sent >= left) {
        buf_consume_wiped(&c->out, c->out_sent);
        c->out_sent = 0;
    }
}

static void api_client_flush(struct api_client *c)
{
    ssize_t n;

    while (!c->dead && c->out.len > c->out_sent) {
        n = send(c->fd, c->out.data + c->out_sent, c->out.len - c->out_sent,
                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno != EPIPE && errno != ECONNRESET)
                log_warn("api: send to client fd %d", c->fd);
            api_client_drop(c);
            return;
        }
        api_client_sent(c, (size_t)n);
    }
    if (c->dead)
        return;
    if (c->closing && c->out.len == c->out_sent) {
        api_client_drop(c);
        return;
    }
    api_client_update_events(c);
}

static int api_line_is_blank(const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return 0;
    }
    return 1;
}

static void api_client_handle_line(struct api_client *c, const uint8_t *line, size_t len)
{
    char err[ERRMSG_MAX];
    json_t *req, *resp;

    if (api_line_is_blank(line, len)) {
        /* Answered like any other bad request: a client waiting for a reply gets one. */
        req = NULL;
        errmsg_set(err, sizeof(err), "empty request (a blank line)");
    } else {
        req = api_parse_request((const char *)line, len, err, sizeof(err));
    }
    if (req == NULL) {
        log_debug("api: bad request from fd %d: %s", c->fd, err);
        resp = api_error("bad_request", "%s", err);
    } else {
        resp = c->api->handler(c->api->ctx, c, req);
        json_decref(req);
        if (resp == NULL) {
            log_warnx("api: the handler gave no response");
            resp = api_error("internal", "internal error");
        }
    }
    api_client_respond(c, resp);
    json_decref(resp);
}

static void api_client_partial_expired(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct api_client *c = arg;
    struct api *api = c->api;
    json_t *resp;

    (void)loop;
    (void)timer_id;
    c->partial_timer = 0;
    api->depth++;
    api_log_limited(
        &api->log_busy,
        "api: client fd %d sent %zu bytes of a request and no end of line within %u ms; "
        "closing",
        c->fd, c->in.len, api->limits.partial_timeout_ms);
    resp = api_error("bad_request", "incomplete request: no end of line within %u ms",
                     api->limits.partial_timeout_ms);
    api_client_respond(c, resp);
    json_decref(resp);
    api_buf_release(&c->in);
    api_client_charge(c);
    api_client_close_after_flush(c);
    api->depth--;
    api_reap(api);
}

/* A partial request must be complete within limits.partial_timeout_ms of its first byte (or of the
 * end of the request before it, restart). */
static void api_client_watch_partial(struct api_client *c, int restart)
{
    struct api *api = c->api;

    if (c->partial_timer != 0 && (c->in.len == 0 || restart)) {
        loop_cancel_timer(api->loop, c->partial_timer);
        c->partial_timer = 0;
    }
    if (c->in.len > 0 && c->partial_timer == 0 && !c->closing)
        c->partial_timer = loop_add_timer(api->loop, api->limits.partial_timeout_ms, 0,
                                          api_client_partial_expired, c);
}

/* Handle every complete line in c->in. At eof, a final line without '\n' counts too. */
static void api_client_handle_input(struct api_client *c, int eof)
{
    size_t off = 0, from;
    const uint8_t *nl;

    while (!c->dead && !c->closing && off < c->in.len) {
        /* A long line arrives in many reads: do not search its start again each time. */
        from = off == 0 && c->scanned < c->in.len ? c->scanned : off;
        nl = memchr(c->in.data + from, '\n', c->in.len - from);
        if (nl == NULL) {
            if (eof) {
                api_client_handle_line(c, c->in.data + off, c->in.len - off);
                off = c->in.len;
            }
            break; /* else keep the partial line for the next read */
        }
        api_client_handle_line(c, c->in.data + off, (size_t)(nl - (c->in.data + off)));
        off = (size_t)(nl - c->in.data) + 1;
    }
    if (c->dead)
        return;
    buf_consume_wiped(&c->in, off); /* a request may hold a join code */
    c->scanned = c->in.len;         /* what is left is a partial line */
    if (c->in.len == 0 && c->in.cap > API_FREE_SHARE)
        api_buf_release(&c->in); /* an idle client does not keep a big request's memory */
    api_client_charge(c);
    api_client_watch_partial(c, off > 0);
}

static void api_client_read(struct api_client *c)
{
    struct api *api = c->api;
    uint8_t chunk[API_READ_CHUNK];
    size_t room;
    ssize_t n;
    int i, r;
    json_t *resp;

    for (i = 0; i < API_READS_PER_WAKEUP && !c->dead && !c->closing; i++) {
        room = c->in.max - c->in.len;
        if (room == 0) {
            /* The buffer holds API_MAX_REQUEST + 1 bytes and no newline. */
            log_warnx("api: client fd %d sent a request longer than %u bytes; closing", c->fd,
                      API_MAX_REQUEST);
            resp = api_error("bad_request", "request longer than %u bytes", API_MAX_REQUEST);
            api_client_respond(c, resp);
            json_decref(resp);
            api_client_close_after_flush(c);
            return;
        }
        n = read(c->fd, chunk, room < sizeof(chunk) ? room : sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno != ECONNRESET)
                log_warn("api: read from client fd %d", c->fd);
            api_client_drop(c);
            return;
        }
        if (n == 0) {
            /* The client may have only shut down its writing side and still wait for replies. */
            api_client_handle_input(c, 1);
            api_client_close_after_flush(c);
            return;
        }
        if (api->buffered - c->charged + api_charge_of(api_cap_after(&c->in, (size_t)n)) >
            api->limits.max_buffered) {
            /* The clients together hold all the node will buffer: this one must wait its turn. */
            api_log_limited(&api->log_busy,
                            "api: client fd %d refused: clients hold %zu bytes of partial requests "
                            "(at most %zu)",
                            c->fd, api->buffered, api->limits.max_buffered);
            explicit_bzero(chunk, (size_t)n);
            resp = api_error("busy",
                             "busy: the node holds too many partial requests; try again later");
            api_client_respond(c, resp);
            json_decref(resp);
            api_buf_release(&c->in);
            api_client_charge(c);
            api_client_close_after_flush(c);
            return;
        }
        r = buf_append(&c->in, chunk, (size_t)n);
        explicit_bzero(chunk, (size_t)n); /* the request may hold a join code */
        if (r != 0) {
            /* Cannot happen: we never read more than the room left. */
            api_client_drop(c);
            return;
        }
        api_client_handle_input(c, 0);
    }
}

static void api_client_io(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct api_client *c = arg;
    struct api *api = c->api;

    (void)loop;
    (void)fd;
    (void)zsock;
    api->depth++;
    if ((events & LOOP_WRITE) && !c->dead)
        api_client_flush(c);
    if ((events & (LOOP_READ | LOOP_ERROR)) && !c->dead && !c->closing)
        api_client_read(c);
    else if ((events & LOOP_ERROR) && !c->dead)
        api_client_flush(c); /* closing: the send tells us whether the peer is gone */
    api->depth--;
    api_reap(api);
}

static void api_accept_resume(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct api *api = arg;

    (void)timer_id;
    api->accept_timer = 0;
    loop_set_events(loop, api->fd, NULL, LOOP_READ);
}

static void api_accept_one(struct api *api, int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    struct api_client *c = NULL;

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
        log_warn("api: SO_PEERCRED");
        goto out;
    }
    if (cred.uid != geteuid()) {
        api_log_limited(&api->log_refused, "api: refusing a connection from uid %lu (pid %ld)",
                        (unsigned long)cred.uid, (long)cred.pid);
        goto out;
    }
    if (api->nclients >= api->limits.max_clients) {
        api_log_limited(&api->log_busy, "api: refusing a client: %zu are connected (at most %zu)",
                        api->nclients, api->limits.max_clients);
        api_refuse_fd(fd, "busy", "busy: too many clients; try again later");
        goto out;
    }
    c = xcalloc(1, sizeof(*c));
    c->api = api;
    c->fd = fd;
    c->events = LOOP_READ;
    buf_init(&c->in, (size_t)API_MAX_REQUEST + 1); /* one line plus its '\n' */
    buf_init(&c->out, SIZE_MAX);                   /* capped by api->max_pending */
    if (loop_add_fd(api->loop, fd, LOOP_READ, api_client_io, c) != 0) {
        log_warnx("api: fd %d is already watched", fd);
        free(c);
        goto out;
    }
    c->next = api->clients;
    if (api->clients != NULL)
        api->clients->prev = c;
    api->clients = c;
    api->nclients++;
    log_debug("api: client fd %d connected (pid %ld)", fd, (long)cred.pid);
    fd = -1; /* the client owns it now */
out:
    if (fd >= 0)
        close(fd);
}

/* Out of descriptors: give up the reserve for a moment to accept one client and tell it the node
 * is busy, so it is not left hanging in the backlog. Returns 0 if a client was refused, -1 if that
 * did not work (the caller pauses accepting). */
static int api_accept_with_reserve(struct api *api, int lfd)
{
    int fd, rc = -1;

    if (api->reserve_fd < 0)
        goto out;
    close(api->reserve_fd);
    api->reserve_fd = -1;
    fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
        api_refuse_fd(fd, "busy",
                      "busy: too many clients (the node is out of file descriptors); "
                      "try again later");
        close(fd);
        rc = 0;
    }
    api->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
out:
    return rc;
}

static void api_accept(struct loop *loop, int lfd, void *zsock, unsigned events, void *arg)
{
    struct api *api = arg;
    int fd, i, e;

    (void)zsock;
    (void)events;
    for (i = 0; i < API_ACCEPTS_PER_WAKEUP; i++) {
        fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            e = errno;
            if (e == EINTR || e == ECONNABORTED)
                continue;
            if (e == EAGAIN || e == EWOULDBLOCK)
                return;
            if ((e == EMFILE || e == ENFILE) && api_accept_with_reserve(api, lfd) == 0) {
                api_log_limited(&api->log_accept,
                                "api: out of file descriptors (%s); refusing clients with \"busy\"",
                                strerror(e));
                continue;
            }
            api_log_limited(&api->log_accept, "api: accept: %s; pausing for %u ms", strerror(e),
                            API_ACCEPT_PAUSE_MS);
            if (api->accept_timer == 0) {
                loop_set_events(loop, lfd, NULL, 0);
                api->accept_timer =
                    loop_add_timer(loop, API_ACCEPT_PAUSE_MS, 0, api_accept_resume, api);
            }
            return;
        }
        api_accept_one(api, fd);
    }
}

/* Check that the directory holding path is a directory of ours that nobody else can enter. */
static int api_check_dir(const char *path, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    struct stat st;
    int rc = -1;

    if (slash == NULL)
        dir = xstrdup(".");
    else if (slash == path)
        dir = xstrdup("/");
    else
        dir = xstrndup(path, (size_t)(slash - path));
    if (lstat(dir, &st) != 0) {
        errmsg_set(err, errlen, "%s: %s", dir, strerror(errno));
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        errmsg_set(err, errlen, "%s is not a directory", dir);
        goto out;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
        errmsg_set(err, errlen, "%s must be owned by us with mode 0700 (it is %04o, uid %lu)", dir,
                   (unsigned)(st.st_mode & 07777), (unsigned long)st.st_uid);
        goto out;
    }
    rc = 0;
out:
    free(dir);
    return rc;
}

/* If a socket file is at path, refuse if someone listens on it, else remove it. */
static int api_clear_stale(const struct sockaddr_un *sun, char *err, size_t errlen)
{
    const char *path = sun->sun_path;
    struct stat st;
    int fd = -1, rc = -1;

    if (lstat(path, &st) != 0) {
        if (errno == ENOENT) {
            rc = 0;
        } else {
            errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
        }
        goto out;
    }
    if (!S_ISSOCK(st.st_mode)) {
        errmsg_set(err, errlen, "%s exists and is not a socket", path);
        goto out;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        errmsg_set(err, errlen, "socket: %s", strerror(errno));
        goto out;
    }
    if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 || errno == EAGAIN) {
        /* EAGAIN: the listener's backlog is full, so it is very much alive. */
        errmsg_set(err, errlen, "another lored is already listening on %s", path);
        goto out;
    }
    if (errno == ENOENT) {
        rc = 0; /* gone meanwhile */
        goto out;
    }
    if (errno != ECONNREFUSED) {
        errmsg_set(err, errlen, "cannot probe %s: %s", path, strerror(errno));
        goto out;
    }
    log_info("api: removing stale socket %s", path);
    if (unlink(path) != 0 && errno != ENOENT) {
        errmsg_set(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

struct api *api_new(struct loop *loop, const char *path, api_handler_fn handler, void *ctx,
                    char *err, size_t errlen)
{
    struct api *api = NULL;
    struct sockaddr_un sun;
    struct stat st;
    mode_t old_umask;
    int fd = -1, bound = 0, ok = 0, r;

    assert(loop != NULL && handler != NULL);
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path)) {
        errmsg_set(err, errlen, "socket path is empty or longer than %zu bytes",
                   sizeof(sun.sun_path) - 1);
        goto out;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    if (api_check_dir(path, err, errlen) != 0)
        goto out;
    if (api_clear_stale(&sun, err, errlen) != 0)
        goto out;

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        errmsg_set(err, errlen, "socket: %s", strerror(errno));
        goto out;
    }
    old_umask = umask(077);
    r = bind(fd, (const struct sockaddr *)&sun, sizeof(sun));
    umask(old_umask);
    if (r != 0) {
        errmsg_set(err, errlen, "bind %s: %s", path, strerror(errno));
        goto out;
    }
    bound = 1;
    if (listen(fd, API_LISTEN_BACKLOG) != 0) {
        errmsg_set(err, errlen, "listen %s: %s", path, strerror(errno));
        goto out;
    }
    if (lstat(path, &st) != 0) {
        errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }

    api = xcalloc(1, sizeof(*api));
    api->loop = loop;
    api->path = xstrdup(path);
    api->dev = st.st_dev;
    api->ino = st.st_ino;
    api->fd = fd;
    api->handler = handler;
    api->ctx = ctx;
    api->max_pending = API_MAX_PENDING;
    api_default_limits(&api->limits);
    api->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (api->reserve_fd < 0) {
        errmsg_set(err, errlen, "/dev/null: %s", strerror(errno));
        goto out;
    }
    if (loop_add_fd(loop, fd, LOOP_READ, api_accept, api) != 0) {
        errmsg_set(err, errlen, "fd %d is already watched", fd);
        goto out;
    }
    log_info("api: listening on %s", path);
    ok = 1;
out:
    if (!ok) {
        if (api != NULL) {
            if (api->reserve_fd >= 0)
                close(api->reserve_fd);
            free(api->path);
            free(api);
            api = NULL;
        }
        if (bound)
            unlink(path);
        if (fd >= 0)
            close(fd);
    }
    return api;
}

void api_destroy(struct api **ap)
{
    struct api *api;
    struct api_client *c;
    struct stat st;

    if (ap == NULL || *ap == NULL)
        return;
    api = *ap;
    assert(api->depth == 0 && "api_destroy from inside a handler");
    api->depth++; /* keep the list intact while walking it */
    for (c = api->clients; c != NULL; c = c->next)
        api_client_drop(c);
    api->depth--;
    api_reap(api);
    if (api->accept_timer != 0)
        loop_cancel_timer(api->loop, api->accept_timer);
    loop_remove(api->loop, api->fd, NULL);
    close(api->fd);
    if (api->reserve_fd >= 0)
        close(api->reserve_fd);
    /* Remove the file only if it is still ours. */
    if (lstat(api->path, &st) == 0 && st.st_dev == api->dev && st.st_ino == api->ino)
        unlink(api->path);
    free(api->path);
    free(api);
    *ap = NULL;
}

void api_client_subscribe(struct api_client *client)
{
    if (client->dead || client->subscribed)
        return;
    client->subscribed = 1;
    client->api->nsubscribers++;
}

void api_broadcast(struct api *api, json_t *event)
{
    struct buf line;
    struct api_client *c;

    if (api->nsubscribers == 0)
        return;
    buf_init(&line, SIZE_MAX);
    if (api_encode(event, &line) != 0) {
        log_warnx("api: cannot encode an event");
        goto out;
    }
    api->depth++; /* a client dropped here stays on the list until we are done walking it */
    for (c = api->clients; c != NULL; c = c->next) {
        if (c->subscribed && !c->dead && !c->closing)
            api_client_queue(c, line.data, line.len);
    }
    api->depth--;
    api_reap(api);
out:
    buf_free(&line);
}

size_t api_client_count(const struct api *api)
{
    return api->nclients;
}

size_t api_subscriber_count(const struct api *api)
{
    return api->nsubscribers;
}

void api_set_max_pending(struct api *api, size_t max)
{
    api->max_pending = max;
}

void api_default_limits(struct api_limits *l)
{
    struct rlimit rl;
    size_t max = API_MAX_CLIENTS;

    /* Clients may use half the descriptors; the rest stay for the replica, peers and discovery. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 < max)
        max = rl.rlim_cur / 2 > 4 ? (size_t)(rl.rlim_cur / 2) : 4;
    l->max_buffered = API_MAX_BUFFERED;
    l->partial_timeout_ms = API_PARTIAL_TIMEOUT_MS;
    l->max_clients = max;
}

void api_set_limits(struct api *api, const struct api_limits *limits)
{
    api->limits = *limits;
}

size_t api_buffered_bytes(const struct api *api)
{
    return api->buffered;
}
