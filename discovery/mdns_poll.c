#include "mdns_poll.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>

#include <avahi-common/timeval.h>

#include "log.h"
#include "loop.h"
#include "xmalloc.h"

/*
 * A watch freed while a dispatch for its fd is on the stack is only marked dead (the dispatch
 * walks the list); it is unlinked and freed once no dispatch is running. Timeouts are freed at
 * once: a loop timer is cancelled safely from any callback, and a firing timeout is not touched
 * after its callback returns.
 */

struct AvahiWatch {
    struct mdns_poll *p;
    int fd;
    AvahiWatchEvent events;  /* what Avahi asked for */
    AvahiWatchEvent revents; /* what happened, during the callback only */
    AvahiWatchCallback cb;
    void *userdata;
    int dead;
    struct AvahiWatch *next;
};

struct AvahiTimeout {
    struct mdns_poll *p;
    uint64_t timer_id; /* 0 when disarmed */
    AvahiTimeoutCallback cb;
    void *userdata;
    struct AvahiTimeout *next;
};

struct mdns_poll {
    AvahiPoll api; /* api.userdata points back here */
    struct loop *loop;
    struct AvahiWatch *watches;
    struct AvahiTimeout *timeouts;
    int depth;      /* fd dispatches on the stack */
    int need_sweep; /* a watch was marked dead during a dispatch */
};

static unsigned poll_to_loop(AvahiWatchEvent ev)
{
    return ((ev & AVAHI_WATCH_IN) ? LOOP_READ : 0u) | ((ev & AVAHI_WATCH_OUT) ? LOOP_WRITE : 0u);
}

static AvahiWatchEvent poll_from_loop(unsigned events)
{
    AvahiWatchEvent ev = 0;

    if (events & LOOP_READ)
        ev |= AVAHI_WATCH_IN;
    if (events & LOOP_WRITE)
        ev |= AVAHI_WATCH_OUT;
    /* zmq_poll folds POLLHUP into POLLERR; libdbus treats both alike. */
    if (events & LOOP_ERROR)
        ev |= AVAHI_WATCH_ERR | AVAHI_WATCH_HUP;
    return ev;
}

static void poll_io_cb(struct loop *loop, int fd, void *zsock, unsigned events, void *arg);

/* Make the loop watch fd for the union of its live AvahiWatches, or stop watching it. */
static void poll_sync_fd(struct mdns_poll *p, int fd)
{
    struct AvahiWatch *w;
    unsigned events = 0;
    int any = 0;

    for (w = p->watches; w != NULL; w = w->next) {
        if (w->dead || w->fd != fd)
            continue;
        any = 1;
        events |= poll_to_loop(w->events);
    }
    if (!any) {
        loop_remove(p->loop, fd, NULL);
        return;
    }
    if (loop_add_fd(p->loop, fd, events, poll_io_cb, p) != 0)
        loop_set_events(p->loop, fd, NULL, events); /* already watched for another AvahiWatch */
}

static void poll_sweep(struct mdns_poll *p)
{
    struct AvahiWatch **link = &p->watches, *w;

    if (p->depth > 0 || !p->need_sweep)
        return;
    while (*link != NULL) {
        w = *link;
        if (w->dead) {
            *link = w->next;
            free(w);
        } else {
            link = &w->next;
        }
    }
    p->need_sweep = 0;
}

static void poll_io_cb(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct mdns_poll *p = arg;
    struct AvahiWatch *w;
    AvahiWatchEvent ev = poll_from_loop(events), got;

    (void)loop;
    (void)zsock;
    p->depth++;
    /* Watches added by a callback go to the head of the list, so this walk does not reach them. */
    for (w = p->watches; w != NULL; w = w->next) {
        if (w->dead || w->fd != fd)
            continue;
        got = ev & (w->events | AVAHI_WATCH_ERR | AVAHI_WATCH_HUP);
        if (got == 0)
            continue;
        w->revents = got;
        w->cb(w, fd, got, w->userdata);
        w->revents = 0; /* still allocated even if the callback freed it */
    }
    p->depth--;
    poll_sweep(p);
}

static AvahiWatch *poll_watch_new(const AvahiPoll *api, int fd, AvahiWatchEvent event,
                                  AvahiWatchCallback cb, void *userdata)
{
    struct mdns_poll *p = api->userdata;
    struct AvahiWatch *w;

    if (fd < 0 || cb == NULL)
        return NULL;
    w = xcalloc(1, sizeof(*w));
    w->p = p;
    w->fd = fd;
    w->events = event;
    w->cb = cb;
    w->userdata = userdata;
    w->next = p->watches;
    p->watches = w;
    poll_sync_fd(p, fd);
    return w;
}

static void poll_watch_update(AvahiWatch *w, AvahiWatchEvent event)
{
    if (w->dead)
        return;
    w->events = event;
    poll_sync_fd(w->p, w->fd);
}

static AvahiWatchEvent poll_watch_get_events(AvahiWatch *w)
{
    return w->revents;
}

static void poll_watch_free(AvahiWatch *w)
{
    struct mdns_poll *p = w->p;

    if (w->dead)
        return;
    w->dead = 1;
    p->need_sweep = 1;
    poll_sync_fd(p, w->fd);
    poll_sweep(p);
}

static void poll_timer_cb(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct AvahiTimeout *t = arg;

    (void)loop;
    (void)timer_id;
    t->timer_id = 0; /* one-shot: gone once fired; the callback may re-arm or free t */
    t->cb(t, t->userdata);
}

/* Milliseconds from now until the wall-clock deadline tv, rounded up; 0 if it has passed. */
static uint64_t poll_delay_ms(const struct timeval *tv)
{
    AvahiUsec age = avahi_age(tv); /* now - tv */

    if (age >= 0)
        return 0;
    return ((uint64_t)(-age) + 999u) / 1000u;
}

static void poll_arm(struct AvahiTimeout *t, const struct timeval *tv)
{
    if (t->timer_id != 0) {
        loop_cancel_timer(t->p->loop, t->timer_id);
        t->timer_id = 0;
    }
    if (tv != NULL)
        t->timer_id = loop_add_timer(t->p->loop, poll_delay_ms(tv), 0, poll_timer_cb, t);
}

static AvahiTimeout *poll_timeout_new(const AvahiPoll *api, const struct timeval *tv,
                                      AvahiTimeoutCallback cb, void *userdata)
{
    struct mdns_poll *p = api->userdata;
    struct AvahiTimeout *t;

    if (cb == NULL)
        return NULL;
    t = xcalloc(1, sizeof(*t));
    t->p = p;
    t->cb = cb;
    t->userdata = userdata;
    t->next = p->timeouts;
    p->timeouts = t;
    poll_arm(t, tv);
    return t;
}

static void poll_timeout_update(AvahiTimeout *t, const struct timeval *tv)
{
    poll_arm(t, tv);
}

static void poll_timeout_free(AvahiTimeout *t)
{
    struct AvahiTimeout **link;

    poll_arm(t, NULL);
    for (link = &t->p->timeouts; *link != NULL; link = &(*link)->next) {
        if (*link == t) {
            *link = t->next;
            break;
        }
    }
    free(t);
}

struct mdns_poll *mdns_poll_new(struct loop *loop)
{
    struct mdns_poll *p = xcalloc(1, sizeof(*p));

    assert(loop != NULL);
    p->loop = loop;
    p->api.userdata = p;
    p->api.watch_new = poll_watch_new;
    p->api.watch_update = poll_watch_update;
    p->api.watch_get_events = poll_watch_get_events;
    p->api.watch_free = poll_watch_free;
    p->api.timeout_new = poll_timeout_new;
    p->api.timeout_update = poll_timeout_update;
    p->api.timeout_free = poll_timeout_free;
    return p;
}

const AvahiPoll *mdns_poll_api(struct mdns_poll *p)
{
    return &p->api;
}

unsigned mdns_poll_count(const struct mdns_poll *p)
{
    const struct AvahiWatch *w;
    const struct AvahiTimeout *t;
    unsigned n = 0;

    for (w = p->watches; w != NULL; w = w->next)
        n += !w->dead;
    for (t = p->timeouts; t != NULL; t = t->next)
        n++;
    return n;
}

void mdns_poll_destroy(struct mdns_poll **pp)
{
    struct mdns_poll *p;
    struct AvahiWatch *w;
    unsigned left;

    if (pp == NULL || *pp == NULL)
        return;
    p = *pp;
    assert(p->depth == 0 && "mdns_poll_destroy from inside a callback");
    left = mdns_poll_count(p);
    if (left > 0)
        log_debug("mdns: %u Avahi watches or timeouts left at exit", left);
    while (p->timeouts != NULL)
        poll_timeout_free(p->timeouts);
    for (w = p->watches; w != NULL; w = w->next) {
        if (!w->dead) {
            w->dead = 1;
            loop_remove(p->loop, w->fd, NULL);
        }
    }
    p->need_sweep = 1;
    poll_sweep(p);
    free(p);
    *pp = NULL;
}
