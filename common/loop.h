/*
 * loop: the node's single event loop, so that plain file descriptors (the control socket, signalfd)
 * and ZeroMQ sockets (peer links) are waited on together: one poll() over the descriptors and each
 * ZeroMQ socket's ZMQ_FD, with ZMQ_EVENTS checked as zmq_poll would, less often (loop.c). Timers
 * are millisecond one-shots or repeating. Callbacks run on the loop's thread only; a callback may
 * add or remove any watch or timer, including its own.
 */
#ifndef LORE_LOOP_H
#define LORE_LOOP_H

#include <stdint.h>

#define LOOP_READ 1u
#define LOOP_WRITE 2u
#define LOOP_ERROR 4u

struct loop;

/* fd is the descriptor (or -1 for a ZeroMQ socket), zsock the ZeroMQ socket (or NULL). events holds
 * what is ready among those watched, plus LOOP_ERROR (always reported: error, hang-up or a closed
 * fd), so an fd's callback must handle LOOP_ERROR alone, e.g. by reading to find EOF. */
typedef void (*loop_io_fn)(struct loop *loop, int fd, void *zsock, unsigned events, void *arg);
typedef void (*loop_timer_fn)(struct loop *loop, uint64_t timer_id, void *arg);

/* A loop with nothing to watch. Never NULL (allocation failure aborts). */
struct loop *loop_new(void);
/* Free the loop and its watches and timers (not the fds, sockets or args). Accepts NULL and
 * *lp == NULL; sets *lp = NULL. Not from inside a callback. */
void loop_destroy(struct loop **lp);

/* Watch fd for events (LOOP_READ|LOOP_WRITE; 0 watches errors only). Level-triggered. One watch per
 * fd. The loop keeps arg but does not own it, nor the fd (remove the watch before closing the fd).
 * Returns 0, or -1 if already watched. */
int loop_add_fd(struct loop *loop, int fd, unsigned events, loop_io_fn fn, void *arg)
    __attribute__((warn_unused_result));
/* Watch a ZeroMQ socket. Same contract as loop_add_fd. */
int loop_add_zsock(struct loop *loop, void *zsock, unsigned events, loop_io_fn fn, void *arg)
    __attribute__((warn_unused_result));
/* Change the events of a watched fd or socket (pass fd=-1 for a socket). Unknown ones are
 * ignored. */
void loop_set_events(struct loop *loop, int fd, void *zsock, unsigned events);
/* Stop watching. Safe to call from any callback; unknown ones are ignored. */
void loop_remove(struct loop *loop, int fd, void *zsock);

/* Call fn after ms milliseconds, then every ms if repeat (a repeating 0 is taken as 1). Timers due
 * together fire in creation order; a timer created by a callback fires on a later iteration at the
 * earliest. A repeating timer keeps a fixed rate from its creation but never fires twice to catch
 * up. A one-shot timer is gone once it fires. Returns a non-zero timer id, never reused. */
uint64_t loop_add_timer(struct loop *loop, uint64_t ms, int repeat, loop_timer_fn fn, void *arg);
/* Safe from any callback, including the timer's own; unknown or fired ids are ignored. */
void loop_cancel_timer(struct loop *loop, uint64_t timer_id);

/* Monotonic milliseconds. */
uint64_t loop_now_ms(void);

/* Run until loop_stop, or until there is nothing left to wait for (no watch, no timer). Not
 * re-entrant. Returns 0, or -1 if polling failed for a reason other than EINTR. */
int loop_run(struct loop *loop) __attribute__((warn_unused_result));
/* Make loop_run return 0 once the current iteration's callbacks are done. Called while the loop is
 * not running, the next loop_run returns at once. */
void loop_stop(struct loop *loop);

#endif
