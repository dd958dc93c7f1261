#include "loop.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <zmq.h>

#include "log.h"
#include "xmalloc.h"

/*
 * Watches and timers are heap objects referenced from arrays. A callback may remove any of them, so
 * removal only marks the object; the arrays are compacted (and the objects freed) once no dispatch
 * is on the stack. The zmq_pollitem_t array is a snapshot rebuilt before a poll whenever the watch
 * set changed; the parallel item_watch array keeps the snapshot's watches alive until compaction.
 *
 * loop_wait does what zmq_poll does, with half the system calls: zmq_poll checks every ZeroMQ
 * socket's events (ZMQ_EVENTS: a getpid and a poll each, in libzmq's signaler) before and after
 * one poll() of all descriptors. Here the check before is the same (it catches what the callbacks
 * left or caused: ZeroMQ's descriptor signals edge-triggered), and after poll() only the sockets
 * whose descriptor (ZMQ_FD) became readable are checked: a socket's events change only through a
 * command to its own mailbox, which makes that descriptor readable.
 */

/* Upper bound of one zmq_poll wait, so a far-away timer never overflows zmq_poll's arithmetic. */
#define LOOP_MAX_WAIT_MS 60000

struct loop_watch {
    int fd;
    void *zsock;
    unsigned events;
    loop_io_fn fn;
    void *arg;
    int removed;
};

struct loop_timer {
    uint64_t id;
    uint64_t due_ms;
    uint64_t interval_ms;
    int repeat;
    loop_timer_fn fn;
    void *arg;
    int removed;
};

struct loop {
    struct loop_watch **watches;
    size_t nwatches, watches_cap;

    struct loop_timer **timers;
    size_t ntimers, timers_cap;
    uint64_t next_timer_id;

    zmq_pollitem_t *items; /* snapshot polled by loop_wait */
    struct pollfd *pfds;   /* the same, for poll(): a ZeroMQ socket's ZMQ_FD */
    struct loop_watch **item_watch;
    size_t nitems, items_cap;
    int items_dirty;

    int depth;        /* dispatches on the stack; compaction waits for 0 */
    int need_compact; /* something was marked removed */
    int running;
    int stop;
};

uint64_t loop_now_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        fatal("clock_gettime(CLOCK_MONOTONIC)");
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct loop *loop_new(void)
{
    struct loop *loop = xcalloc(1, sizeof(*loop));

    loop->next_timer_id = 1;
    return loop;
}

void loop_destroy(struct loop **lp)
{
    struct loop *loop;
    size_t i;

    if (lp == NULL || *lp == NULL)
        return;
    loop = *lp;
    assert(loop->depth == 0 && "loop_destroy from inside a callback");
    for (i = 0; i < loop->nwatches; i++)
        free(loop->watches[i]);
    for (i = 0; i < loop->ntimers; i++)
        free(loop->timers[i]);
    free(loop->watches);
    free(loop->timers);
    free(loop->items);
    free(loop->pfds);
    free(loop->item_watch);
    free(loop);
    *lp = NULL;
}

/* Drop removed watches and timers, unless a dispatch still holds pointers to them. */
static void loop_compact(struct loop *loop)
{
    size_t i, j;

    if (loop->depth > 0 || !loop->need_compact)
        return;
    for (i = 0, j = 0; i < loop->nwatches; i++) {
        if (loop->watches[i]->removed)
            free(loop->watches[i]);
        else
            loop->watches[j++] = loop->watches[i];
    }
    loop->nwatches = j;
    for (i = 0, j = 0; i < loop->ntimers; i++) {
        if (loop->timers[i]->removed)
            free(loop->timers[i]);
        else
            loop->timers[j++] = loop->timers[i];
    }
    loop->ntimers = j;
    /* The snapshot may point at freed watches: it must be rebuilt before the next poll. */
    loop->nitems = 0;
    loop->items_dirty = 1;
    loop->need_compact = 0;
}

static struct loop_watch *loop_find_watch(struct loop *loop, int fd, void *zsock)
{
    size_t i;
    struct loop_watch *w;

    for (i = 0; i < loop->nwatches; i++) {
        w = loop->watches[i];
        if (w->removed)
            continue;
        if (zsock != NULL ? w->zsock == zsock : (w->zsock == NULL && w->fd == fd))
            return w;
    }
    return NULL;
}

static int loop_add_watch(struct loop *loop, int fd, void *zsock, unsigned events, loop_io_fn fn,
                          void *arg)
{
    struct loop_watch *w;
    int rc = -1;

    assert(fn != NULL);
    if (zsock == NULL && fd < 0)
        goto out;
    if (loop_find_watch(loop, fd, zsock) != NULL)
        goto out;
    if (loop->nwatches == loop->watches_cap) {
        loop->watches_cap = loop->watches_cap ? loop->watches_cap * 2 : 8;
        loop->watches = xreallocarray(loop->watches, loop->watches_cap, sizeof(*loop->watches));
    }
    w = xcalloc(1, sizeof(*w));
    w->fd = zsock != NULL ? -1 : fd;
    w->zsock = zsock;
    w->events = events;
    w->fn = fn;
    w->arg = arg;
    loop->watches[loop->nwatches++] = w;
    loop->items_dirty = 1;
    rc = 0;
out:
    return rc;
}

int loop_add_fd(struct loop *loop, int fd, unsigned events, loop_io_fn fn, void *arg)
{
    return loop_add_watch(loop, fd, NULL, events, fn, arg);
}

int loop_add_zsock(struct loop *loop, void *zsock, unsigned events, loop_io_fn fn, void *arg)
{
    if (zsock == NULL)
        return -1;
    return loop_add_watch(loop, -1, zsock, events, fn, arg);
}

void loop_set_events(struct loop *loop, int fd, void *zsock, unsigned events)
{
    struct loop_watch *w = loop_find_watch(loop, fd, zsock);

    if (w == NULL || w->events == events)
        return;
    w->events = events;
    loop->items_dirty = 1;
}

void loop_remove(struct loop *loop, int fd, void *zsock)
{
    struct loop_watch *w = loop_find_watch(loop, fd, zsock);

    if (w == NULL)
        return;
    w->removed = 1;
    loop->items_dirty = 1;
    loop->need_compact = 1;
    loop_compact(loop);
}

uint64_t loop_add_timer(struct loop *loop, uint64_t ms, int repeat, loop_timer_fn fn, void *arg)
{
    struct loop_timer *t;
    uint64_t now = loop_now_ms();

    assert(fn != NULL);
    if (loop->ntimers == loop->timers_cap) {
        loop->timers_cap = loop->timers_cap ? loop->timers_cap * 2 : 8;
        loop->timers = xreallocarray(loop->timers, loop->timers_cap, sizeof(*loop->timers));
    }
    t = xcalloc(1, sizeof(*t));
    t->id = loop->next_timer_id++;
    /* A repeating timer of 0 ms would fire on every iteration without ever waiting. */
    t->interval_ms = repeat && ms == 0 ? 1 : ms;
    t->due_ms = t->interval_ms > UINT64_MAX - now ? UINT64_MAX : now + t->interval_ms;
    t->repeat = repeat != 0;
    t->fn = fn;
    t->arg = arg;
    loop->timers[loop->ntimers++] = t;
    return t->id;
}

void loop_cancel_timer(struct loop *loop, uint64_t timer_id)
{
    size_t i;

    for (i = 0; i < loop->ntimers; i++) {
        if (loop->timers[i]->id == timer_id && !loop->timers[i]->removed) {
            loop->timers[i]->removed = 1;
            loop->need_compact = 1;
            loop_compact(loop);
            return;
        }
    }
}

void loop_stop(struct loop *loop)
{
    loop->stop = 1;
}

static void loop_rebuild_items(struct loop *loop)
{
    size_t i, n = 0;
    struct loop_watch *w;
    zmq_pollitem_t *it;

    if (loop->nwatches > loop->items_cap) {
        loop->items_cap = loop->nwatches;
        loop->items = xreallocarray(loop->items, loop->items_cap, sizeof(*loop->items));
        loop->item_watch =
            xreallocarray(loop->item_watch, loop->items_cap, sizeof(*loop->item_watch));
        loop->pfds = xreallocarray(loop->pfds, loop->items_cap, sizeof(*loop->pfds));
    }
    for (i = 0; i < loop->nwatches; i++) {
        w = loop->watches[i];
        if (w->removed)
            continue;
        it = &loop->items[n];
        it->socket = w->zsock;
        it->fd = w->zsock != NULL ? 0 : w->fd;
        it->events = (short)(((w->events & LOOP_READ) ? ZMQ_POLLIN : 0) |
                             ((w->events & LOOP_WRITE) ? ZMQ_POLLOUT : 0));
        it->revents = 0;
        loop->pfds[n].fd = w->fd;
        loop->pfds[n].events = (short)(((w->events & LOOP_READ) ? POLLIN : 0) |
                                       ((w->events & LOOP_WRITE) ? POLLOUT : 0));
        if (w->zsock != NULL) {
            size_t sz = sizeof(loop->pfds[n].fd);
            if (zmq_getsockopt(w->zsock, ZMQ_FD, &loop->pfds[n].fd, &sz) != 0)
                loop->pfds[n].fd = -1; /* checked by its events alone */
            loop->pfds[n].events = POLLIN;
        }
        loop->item_watch[n++] = w;
    }
    loop->nitems = n;
    loop->items_dirty = 0;
}

/* Milliseconds until the earliest timer (0 if one is due), or -1 if there is none. */
static long loop_poll_timeout(struct loop *loop)
{
    size_t i;
    uint64_t now, first = UINT64_MAX;
    int any = 0;

    for (i = 0; i < loop->ntimers; i++) {
        if (loop->timers[i]->removed)
            continue;
        any = 1;
        if (loop->timers[i]->due_ms < first)
            first = loop->timers[i]->due_ms;
    }
    if (!any)
        return -1;
    now = loop_now_ms();
    if (first <= now)
        return 0;
    return first - now > LOOP_MAX_WAIT_MS ? LOOP_MAX_WAIT_MS : (long)(first - now);
}

/* A ZeroMQ item's events of interest now (ZMQ_POLLIN/ZMQ_POLLOUT), or -1 (errno set). */
static int loop_zsock_events(zmq_pollitem_t *it)
{
    uint32_t ev = 0;
    size_t sz = sizeof(ev);

    if (zmq_getsockopt(it->socket, ZMQ_EVENTS, &ev, &sz) != 0)
        return -1;
    return (int)(ev & (uint32_t)it->events & (ZMQ_POLLIN | ZMQ_POLLOUT));
}

/* zmq_poll, with fewer system calls (see the top of the file). Returns how many items have events
 * (in their revents), or -1 (errno set). */
static int loop_wait(struct loop *loop, long timeout)
{
    size_t i;
    int n = 0, ev;

    for (i = 0; i < loop->nitems; i++) {
        zmq_pollitem_t *it = &loop->items[i];
        it->revents = 0;
        loop->pfds[i].revents = 0;
        if (it->socket == NULL)
            continue;
        if ((ev = loop_zsock_events(it)) < 0)
            return -1;
        it->revents = (short)ev;
        n += ev != 0;
    }
    if (poll(loop->pfds, loop->nitems, n > 0 ? 0 : (int)timeout) < 0)
        return -1;
    for (i = 0; i < loop->nitems; i++) {
        zmq_pollitem_t *it = &loop->items[i];
        short rev = loop->pfds[i].revents;
        if (it->socket == NULL) {
            it->revents =
                (short)(((rev & POLLIN) ? ZMQ_POLLIN : 0) | ((rev & POLLOUT) ? ZMQ_POLLOUT : 0) |
                        ((rev & (POLLERR | POLLHUP | POLLNVAL)) ? ZMQ_POLLERR : 0));
            n += it->revents != 0;
        } else if (it->revents == 0 && (rev & POLLIN)) {
            if ((ev = loop_zsock_events(it)) < 0)
                return -1;
            it->revents = (short)ev;
            n += ev != 0;
        }
    }
    return n;
}

static void loop_dispatch_io(struct loop *loop)
{
    size_t i;
    struct loop_watch *w;
    unsigned events;
    short rev;

    for (i = 0; i < loop->nitems; i++) {
        rev = loop->items[i].revents;
        w = loop->item_watch[i];
        if (rev == 0 || w->removed)
            continue;
        events = 0;
        if (rev & ZMQ_POLLIN)
            events |= LOOP_READ;
        if (rev & ZMQ_POLLOUT)
            events |= LOOP_WRITE;
        if (rev & ZMQ_POLLERR)
            events |= LOOP_ERROR;
        /* Report only what the watch asks for now (a previous callback may have changed it),
         * plus errors, which are always reported. */
        events &= w->events | LOOP_ERROR;
        if (events != 0)
            w->fn(loop, w->fd, w->zsock, events, w->arg);
    }
}

/* Fire every timer that is due, earliest first (ties by creation). Timers created during this
 * pass wait for the next iteration, so a callback re-arming a 0 ms timer cannot starve I/O. */
static void loop_dispatch_timers(struct loop *loop)
{
    uint64_t now = loop_now_ms();
    uint64_t last_id = loop->next_timer_id - 1;
    struct loop_timer *t, *best;
    size_t i;

    for (;;) {
        best = NULL;
        for (i = 0; i < loop->ntimers; i++) {
            t = loop->timers[i];
            if (t->removed || t->id > last_id || t->due_ms > now)
                continue;
            if (best == NULL || t->due_ms < best->due_ms ||
                (t->due_ms == best->due_ms && t->id < best->id))
                best = t;
        }
        if (best == NULL)
            break;
        /* Re-arm (or retire) before the callback, so it may cancel its own timer. */
        if (best->repeat) {
            best->due_ms += best->interval_ms;
            if (best->due_ms <= now)
                best->due_ms = now + best->interval_ms; /* fell behind: do not burst */
        } else {
            best->removed = 1;
            loop->need_compact = 1;
        }
        best->fn(loop, best->id, best->arg);
    }
}

int loop_run(struct loop *loop)
{
    long timeout;
    int n, rc = -1;

    assert(!loop->running && "loop_run is not re-entrant");
    loop->running = 1;
    while (!loop->stop) {
        if (loop->items_dirty)
            loop_rebuild_items(loop);
        timeout = loop_poll_timeout(loop);
        if (loop->nitems == 0 && timeout < 0) {
            log_debug("loop: nothing left to wait for");
            break;
        }
        n = loop_wait(loop, timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_warnx("loop: poll: %s", zmq_strerror(errno));
            goto out;
        }
        loop->depth++;
        if (n > 0)
            loop_dispatch_io(loop);
        loop_dispatch_timers(loop);
        loop->depth--;
        loop_compact(loop);
    }
    rc = 0;
out:
    loop->running = 0;
    loop->stop = 0;
    return rc;
}
