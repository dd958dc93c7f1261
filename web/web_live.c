#include "web_live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

#define WEB_LIVE_BLOCK 8192 /* bytes MHD asks for at a time */
#define WEB_LIVE_NAME_MAX 32
#define WEB_LIVE_HELLO ": lore\n\n" /* the first bytes: the stream is open */
#define WEB_LIVE_KEEPALIVE ": keep-alive\n\n"

/* One frame waiting to be sent; sent bytes of the first one may have gone already. */
struct web_live_item {
    struct web_live_item *next;
    size_t len, sent;
    char data[];
};

struct web_live_stream {
    struct web_live *l;
    struct MHD_Connection *c;
    int session;
    struct web_live_item *head, *tail;
    size_t items, bytes;
    size_t dropped; /* frames lost to the queue's bound since the last reload */
    int suspended;  /* MHD_suspend_connection'd: waiting for a frame */
    int ended;      /* send what is queued (nothing, when ended by a bound), then close */
    struct web_live_stream *prev, *next;
};

struct web_live {
    struct web_live_stream *streams; /* newest first */
    size_t n;
    void (*kick)(void *arg);
    void *arg;
};

struct web_live *web_live_new(void (*kick)(void *arg), void *arg)
{
    struct web_live *l = xcalloc(1, sizeof(*l));

    l->kick = kick;
    l->arg = arg;
    return l;
}

void web_live_destroy(struct web_live **lp)
{
    if (lp == NULL || *lp == NULL)
        return;
    if ((*lp)->n != 0)
        log_warnx("web: %zu event streams still open at exit", (*lp)->n);
    free(*lp);
    *lp = NULL;
}

int web_live_frame(struct buf *b, json_t *event)
{
    const char *name = json_string_value(json_object_get(event, "event"));
    char *json;
    int rc;

    if (name == NULL || name[0] == '\0' || strlen(name) > WEB_LIVE_NAME_MAX ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz_") != strlen(name))
        name = "message";
    /* Compact JSON holds no newline (jansson escapes them in strings): one data line. */
    json = json_dumps(event, JSON_COMPACT);
    if (json == NULL)
        return -1;
    rc = buf_printf(b, "event: %s\ndata: %s\n\n", name, json);
    free(json);
    return rc;
}

/* ---- a stream's queue ---- */

static void web_live_wake(struct web_live_stream *s)
{
    if (s->suspended) {
        s->suspended = 0;
        MHD_resume_connection(s->c);
        if (s->l->kick != NULL)
            s->l->kick(s->l->arg); /* MHD_run takes the connection back */
    }
}

static void web_live_drop_head(struct web_live_stream *s)
{
    struct web_live_item *it = s->head;

    s->head = it->next;
    if (s->head == NULL)
        s->tail = NULL;
    s->items--;
    s->bytes -= it->len;
    free(it);
}

static void web_live_clear(struct web_live_stream *s)
{
    while (s->head != NULL)
        web_live_drop_head(s);
}

/* Queue len bytes of data at the tail (at the head with first, for a reload ahead of the rest). */
static void web_live_push(struct web_live_stream *s, const char *data, size_t len, int first)
{
    struct web_live_item *it = xmalloc(sizeof(*it) + len);

    memcpy(it->data, data, len);
    it->len = len;
    it->sent = 0;
    it->next = NULL;
    if (first) {
        it->next = s->head;
        s->head = it;
        if (s->tail == NULL)
            s->tail = it;
    } else {
        if (s->tail != NULL)
            s->tail->next = it;
        else
            s->head = it;
        s->tail = it;
    }
    s->items++;
    s->bytes += len;
}

/* Queue a frame; past the bound the oldest whole frames go (never one half sent). */
static void web_live_queue(struct web_live_stream *s, const char *data, size_t len)
{
    if (s->ended)
        return;
    web_live_push(s, data, len, 0);
    while ((s->items > WEB_LIVE_QUEUE_ITEMS || s->bytes > WEB_LIVE_QUEUE_BYTES) &&
           s->head != s->tail && s->head->sent == 0) {
        web_live_drop_head(s);
        s->dropped++;
    }
    web_live_wake(s);
}

static ssize_t web_live_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct web_live_stream *s = cls;
    struct web_live_item *it;
    char reload[64];
    size_t n;

    (void)pos;
    if (s->dropped > 0 && (s->head == NULL || s->head->sent == 0)) {
        n = (size_t)snprintf(reload, sizeof(reload), "event: reload\ndata: {\"dropped\":%zu}\n\n",
                             s->dropped);
        s->dropped = 0;
        web_live_push(s, reload, n, 1);
    }
    it = s->head;
    if (it == NULL) {
        if (s->ended)
            return MHD_CONTENT_READER_END_OF_STREAM;
        s->suspended = 1; /* no busy loop: MHD leaves the connection alone until we resume it */
        MHD_suspend_connection(s->c);
        return 0;
    }
    n = it->len - it->sent < max ? it->len - it->sent : max;
    memcpy(out, it->data + it->sent, n);
    it->sent += n;
    if (it->sent == it->len)
        web_live_drop_head(s);
    return (ssize_t)n;
}

/* MHD is done with the response (the connection closed): the stream goes. */
static void web_live_free(void *cls)
{
    struct web_live_stream *s = cls;

    web_live_clear(s);
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        s->l->streams = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    s->l->n--;
    free(s);
}

static void web_live_end(struct web_live_stream *s, int drop)
{
    if (drop)
        web_live_clear(s);
    s->ended = 1;
    web_live_wake(s);
}

/* ---- the set ---- */

struct MHD_Response *web_live_open(struct web_live *l, struct MHD_Connection *c, int session)
{
    struct web_live_stream *s, *oldest = NULL;
    struct MHD_Response *r;
    size_t mine = 0;

    for (s = l->streams; s != NULL; s = s->next) {
        if (s->session == session && !s->ended) {
            mine++;
            oldest = s;
        }
    }
    if (mine >= WEB_LIVE_PER_SESSION)
        web_live_end(oldest, 1); /* a reloading tab's old stream, most likely */
    if (l->n >= WEB_LIVE_MAX)
        return NULL;
    s = xcalloc(1, sizeof(*s));
    s->l = l;
    s->c = c;
    s->session = session;
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, WEB_LIVE_BLOCK, web_live_read, s,
                                          web_live_free);
    if (r == NULL) {
        free(s);
        return NULL;
    }
    s->next = l->streams;
    if (l->streams != NULL)
        l->streams->prev = s;
    l->streams = s;
    l->n++;
    /* Longer than the keep-alive's period, so an idle stream stays. */
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)WEB_LIVE_TIMEOUT_S);
    /* The first bytes at once: the browser's EventSource opens, and the client knows it is in. */
    web_live_queue(s, WEB_LIVE_HELLO, sizeof(WEB_LIVE_HELLO) - 1);
    return r;
}

void web_live_send(struct web_live *l, json_t *event)
{
    struct web_live_stream *s;
    struct buf b;

    if (l == NULL || l->streams == NULL)
        return;
    buf_init(&b, WEB_LIVE_QUEUE_BYTES);
    if (web_live_frame(&b, event) != 0) {
        log_warnx("web: an event too large for the event streams was not sent");
        buf_free(&b);
        return;
    }
    for (s = l->streams; s != NULL; s = s->next)
        web_live_queue(s, (const char *)b.data, b.len);
    buf_free(&b);
}

void web_live_keepalive(struct web_live *l)
{
    struct web_live_stream *s;

    for (s = l != NULL ? l->streams : NULL; s != NULL; s = s->next)
        web_live_queue(s, WEB_LIVE_KEEPALIVE, sizeof(WEB_LIVE_KEEPALIVE) - 1);
}

void web_live_end_session(struct web_live *l, int session)
{
    struct web_live_stream *s;

    for (s = l != NULL ? l->streams : NULL; s != NULL; s = s->next)
        if (s->session == session)
            web_live_end(s, 1);
}

void web_live_end_all(struct web_live *l)
{
    struct web_live_stream *s;

    for (s = l != NULL ? l->streams : NULL; s != NULL; s = s->next)
        web_live_end(s, 1);
}

size_t web_live_count(const struct web_live *l)
{
    return l != NULL ? l->n : 0;
}
