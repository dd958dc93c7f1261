/*
 * api: the local control socket (docs/API.md).
 *
 * A Unix stream socket in a 0700 directory, created under umask 077. At start it refuses to run if
 * another process is listening on the path, and removes a stale socket file. Each connection's peer
 * uid (SO_PEERCRED) must equal ours. The protocol is newline-delimited JSON: one request object per
 * line with a string "op"; one response object per line, in order. A client may subscribe: from
 * then on it receives every api_broadcast event as a line. Requests are capped (API_MAX_REQUEST
 * bytes), and a client that does not read its output fast enough (more than API_MAX_PENDING bytes
 * queued) is disconnected rather than let the node's memory grow. Clients together buffer at most
 * API_MAX_BUFFERED bytes of partial requests beyond a 64 KiB share each, a partial request must
 * end within API_PARTIAL_TIMEOUT_MS, and a reserve descriptor lets the node accept and answer
 * "busy" even when it is out of descriptors.
 */
#ifndef LORE_API_H
#define LORE_API_H

#include <jansson.h>
#include <stddef.h>

#include "api_error.h"
#include "loop.h"

#define API_MAX_REQUEST (4u * 1024 * 1024)
#define API_MAX_PENDING (16u * 1024 * 1024)
/* Request bytes all clients together may have buffered beyond a small share each (64 KiB, always
 * theirs); a client that would pass it is answered "busy" and closed. */
#define API_MAX_BUFFERED (64u * 1024 * 1024)
/* A request's line must end within this long of its first byte, or the client is closed. */
#define API_PARTIAL_TIMEOUT_MS 10000u
/* Most clients at once (and at most half the RLIMIT_NOFILE soft limit); more are answered "busy".
 */
#define API_MAX_CLIENTS 512u

/* Limits on what clients may hold (docs/API.md, "Limits"). */
struct api_limits {
    size_t max_buffered;         /* API_MAX_BUFFERED */
    unsigned partial_timeout_ms; /* API_PARTIAL_TIMEOUT_MS */
    size_t max_clients;          /* API_MAX_CLIENTS, or less under a low RLIMIT_NOFILE */
};

struct api;
struct api_client;

/* Handle one request (a JSON object with a string "op"; already validated). Return a new
 * reference to the response object, which the api sends and releases; NULL makes the api answer
 * with an "internal" error. request is borrowed. The handler may call api_client_subscribe(client)
 * and api_broadcast. */
typedef json_t *(*api_handler_fn)(void *ctx, struct api_client *client, json_t *request);

/* Bind path and start accepting on loop (kept, not owned; it must outlive the api). path is copied.
 * The directory holding path must exist, be ours and have mode 0700 (paths_mkdir_private). A stale
 * socket file at path is removed. handler is called with ctx for every valid request. Returns NULL
 * with a message in err if another node is listening, the directory is not private, path exists and
 * is not a socket, or the socket cannot be created. */
struct api *api_new(struct loop *loop, const char *path, api_handler_fn handler, void *ctx,
                    char *err, size_t errlen);
/* Close every connection, remove the socket file (if it is still the one we created). Not from
 * inside a handler: a "stop" handler should call loop_stop and destroy the api after loop_run. */
void api_destroy(struct api **ap);

/* From now on, the client receives broadcast events. client is valid only during the handler call
 * it was passed to. */
void api_client_subscribe(struct api_client *client);

/* Send event (borrowed) as one line to every subscribed client. A subscriber whose queue would pass
 * the cap is disconnected. Safe from inside a handler. */
void api_broadcast(struct api *api, json_t *event);

/* Number of connected clients and of subscribers, for status. */
size_t api_client_count(const struct api *api);
size_t api_subscriber_count(const struct api *api);

/* Set the per-client output cap (default API_MAX_PENDING); meant for tests. */
void api_set_max_pending(struct api *api, size_t max);

/* Fill l (OUT) with the defaults, the client count bounded by the current RLIMIT_NOFILE. */
void api_default_limits(struct api_limits *l);
/* Replace the limits (copied); meant for tests. Clients already over a new limit keep what they
 * have until their next read. */
void api_set_limits(struct api *api, const struct api_limits *limits);
/* Memory held for partial requests beyond each client's free share: what max_buffered bounds. */
size_t api_buffered_bytes(const struct api *api);

/* Validate one request line: parse it as JSON and check it is an object whose "op" is a non-empty
 * string. Returns a new reference, or NULL with a message in err. Exposed for the fuzz harness. */
json_t *api_parse_request(const char *line, size_t len, char *err, size_t errlen);

#endif
