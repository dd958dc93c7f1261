/*
 * web_auth: who may use the web interface. Three secrets, all in sodium memory:
 *   - the login token: 32 random bytes, hex in DIR/web_token (0600, in the 0700 identity
 *     directory), made on first start and read at every start; it opens a session from
 *     /login?token=HEX and does not change;
 *   - one-time login tokens: what `lore web` puts in its URL (web_login), each good for one
 *     login within WEB_AUTH_ONCE_MS, so a URL seen in a process list is spent or soon stale;
 *   - sessions: a random id (the HttpOnly cookie) and a CSRF token (the forms' hidden field),
 *     kept in memory only, at most WEB_AUTH_SESSIONS (the least recently used goes first).
 * Every comparison of a secret is constant-time (sodium_memcmp) over all slots.
 */
#ifndef LORE_WEB_AUTH_H
#define LORE_WEB_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define WEB_AUTH_LEN 32                     /* bytes of every secret */
#define WEB_AUTH_HEX (WEB_AUTH_LEN * 2 + 1) /* its hex and a NUL */
#define WEB_AUTH_SESSIONS 32
#define WEB_AUTH_ONCE 8
#define WEB_AUTH_ONCE_MS (120 * 1000)
#define WEB_AUTH_IDLE_MS (7ull * 24 * 3600 * 1000) /* a session unused this long is gone */
#define WEB_AUTH_TOKEN_FILE "web_token"
#define WEB_AUTH_LABEL_HEX 10                       /* hex digits of the host label */
#define WEB_AUTH_LABEL (5 + WEB_AUTH_LABEL_HEX + 1) /* "lore-", the digits and a NUL */

struct web_auth;

/* Load DIR/web_token, or create it (0600) if there is none. A token file that is a symlink, not
 * ours, readable by others, or not 64 hex digits is refused. NULL with a message in err. */
struct web_auth *web_auth_new(const char *dir, char *err, size_t errlen);
/* Wipe and free every secret. Accepts NULL and *ap == NULL; sets *ap = NULL. */
void web_auth_destroy(struct web_auth **ap);

/* The node's private host label, "lore-" and WEB_AUTH_LABEL_HEX hex digits: a keyed hash of the
 * login token (random per node, the same at every start, and saying nothing of the token). The
 * web interface is served at LABEL.localhost:PORT only, so that its cookie, which browsers keep
 * per host and not per port, goes to no other server on loopback. */
void web_auth_label(const struct web_auth *a, char out[WEB_AUTH_LABEL]);

/* A new one-time login token (hex into out), good for one login until now_ms + WEB_AUTH_ONCE_MS;
 * the oldest is dropped when WEB_AUTH_ONCE are outstanding. */
void web_auth_once(struct web_auth *a, uint64_t now_ms, char out[WEB_AUTH_HEX]);
/* 1 if token (NUL-terminated, from the request) is the login token or an unspent, unexpired
 * one-time token (which it spends), else 0. */
int web_auth_login(struct web_auth *a, const char *token, uint64_t now_ms);

/* Open a session: its id (the cookie's value) into cookie. Returns its slot, which may have
 * been the least recently used session's (evicted: the caller ends what it held). */
int web_auth_session_new(struct web_auth *a, uint64_t now_ms, char cookie[WEB_AUTH_HEX]);
/* The session whose id is cookie (a request's cookie value; may be NULL): its slot (>= 0), its
 * last use set to now_ms; -1 if none. */
int web_auth_session_find(struct web_auth *a, const char *cookie, uint64_t now_ms);
/* The CSRF token of session slot s, hex (owned by a; valid until the session ends). */
const char *web_auth_csrf(const struct web_auth *a, int s);
/* 1 if given (may be NULL) is session slot s's CSRF token, else 0. */
int web_auth_csrf_ok(const struct web_auth *a, int s, const char *given);
/* End session slot s (logout). */
void web_auth_session_end(struct web_auth *a, int s);

#endif
