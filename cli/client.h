/*
 * client: one connection to a node's local API (docs/API.md) — newline-delimited JSON over a Unix
 * stream socket. Requests are written as one compact line; responses and events are read one line
 * at a time, each at most CLIENT_MAX_LINE bytes, with a poll()ed timeout.
 */
#ifndef LORE_CLIENT_H
#define LORE_CLIENT_H

#include <jansson.h>
#include <stddef.h>

/* Longest response or event line accepted from the node (without the newline). */
#define CLIENT_MAX_LINE (64u * 1024 * 1024)
/* Default time client_call waits for a response. */
#define CLIENT_DEFAULT_TIMEOUT_MS 30000

struct client;

/* Why client_connect failed. */
enum client_connect_error {
    CLIENT_CONNECT_OK = 0,
    CLIENT_CONNECT_NO_NODE, /* nothing listens there: the socket is missing or refuses (no node) */
    CLIENT_CONNECT_FAILED,  /* any other failure (permissions, path too long, ...) */
};

/* Connect to the node listening on socket_path (borrowed). Before a byte is sent it checks that
 * nobody else can have put the socket there or be listening on it: the socket's directory must be
 * ours and closed to others (0700, as lored makes it), the socket file ours, and the listener's
 * uid (SO_PEERCRED) ours. Returns a new client, or NULL with *why (OUT, may be NULL) saying whether
 * no node is running, and a message in err (for a failed check: "refusing to use PATH: ..." naming
 * the owner and what to do). */
struct client *client_connect(const char *socket_path, enum client_connect_error *why, char *err,
                              size_t errlen);

/* Close the connection and free *cp. Accepts NULL and *cp == NULL; sets *cp = NULL. */
void client_destroy(struct client **cp);

/* Set how long client_call waits for each response (milliseconds; -1 = forever). */
void client_set_timeout(struct client *c, int timeout_ms);

/* Send request (borrowed; a JSON object) and wait for its response. Event lines that arrive
 * meanwhile are kept for client_next_event. Returns a new reference to the response object (which
 * may say "ok": false — that is the caller's to interpret), or NULL with a message in err if the
 * request could not be sent, the node closed the connection, timed out, or sent something that is
 * not a JSON object. After a NULL return the connection is unusable. */
json_t *client_call(struct client *c, json_t *request, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* client_call in two halves, so a caller can prepare its next request while the node works on
 * this one (lore import: the next batch of notes is read and parsed meanwhile). The node answers
 * requests in the order they were sent. Each returns as client_call: 0 / a new reference, or -1 /
 * NULL with a message in err, and the connection is then unusable. */
int client_send(struct client *c, json_t *request, char *err, size_t errlen)
    __attribute__((warn_unused_result));
json_t *client_receive(struct client *c, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Wait up to timeout_ms (-1 = forever) for the next event line (an object with "event") after a
 * "subscribe" call. Returns 1 with a new reference in *event (OUT), 0 if the time passed or a
 * signal interrupted the wait (*event untouched), or -1 with a message in err if the node closed
 * the connection or sent garbage. */
int client_next_event(struct client *c, int timeout_ms, json_t **event, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
