/*
 * mdns_poll: Avahi's AvahiPoll abstraction on top of our event loop (common/loop.h), so that the
 * Avahi client and its D-Bus connection run on the loop's thread, inside its callbacks, with no
 * thread and no lock of their own.
 *
 * Several AvahiWatch may share one fd (libdbus keeps a read watch and a write watch on its
 * socket), while the loop takes one watch per fd: the fd is watched for the union of their events
 * and each AvahiWatch is told about its own. AvahiTimeout deadlines (wall-clock timevals) become
 * one-shot loop timers.
 */
#ifndef LORE_MDNS_POLL_H
#define LORE_MDNS_POLL_H

#include <avahi-common/watch.h>

struct loop;
struct mdns_poll;

/* An adapter for loop, which it keeps (the loop must outlive it). Never NULL (allocation
 * failure aborts). */
struct mdns_poll *mdns_poll_new(struct loop *loop);

/* The AvahiPoll to hand to avahi_client_new. Owned by p: valid until mdns_poll_destroy. */
const AvahiPoll *mdns_poll_api(struct mdns_poll *p);

/* Number of live watches and timeouts (for tests and leak checks). */
unsigned mdns_poll_count(const struct mdns_poll *p);

/* Free the adapter and whatever Avahi left in it (free the AvahiClient first). Accepts NULL and
 * *pp == NULL; sets *pp = NULL. Not from inside one of its own callbacks. */
void mdns_poll_destroy(struct mdns_poll **pp);

#endif
