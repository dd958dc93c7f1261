/*
 * mdns: LAN discovery with mDNS/DNS-SD through the system's avahi-daemon.
 *
 * Publishes `_lore._tcp` on our peer port, with TXT records v=1, key=<64 hex>, team=<tag> and
 * name=<display name>, and browses for other nodes of the same team, handing each one found to a
 * callback as "a.b.c.d:port" plus its key. IPv4 only (IPv6 link-local addresses would need scope
 * ids that a "host:port" string cannot carry).
 *
 * Everything runs on the caller's event loop (common/loop.h), in its callbacks, on its thread:
 * Avahi's poll API is implemented on top of the loop (discovery/mdns_poll.h). Note that
 * avahi-client talks to the daemon over the local system D-Bus with short blocking calls.
 *
 * Missing Avahi is not an error: with no system D-Bus, the module says why in mdns_state() and
 * retries with exponential backoff (1 s doubling to 60 s); with D-Bus but no avahi-daemon, it waits
 * for the daemon to appear; when the daemon restarts, it reconnects, publishes and browses again.
 */
#ifndef LORE_MDNS_H
#define LORE_MDNS_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct mdns;

#define MDNS_SERVICE_TYPE "_lore._tcp"
#define MDNS_PROTOCOL_VERSION 1
#define MDNS_KEY_LEN 32
#define MDNS_TEAM_MAX 32         /* bytes of a team tag */
#define MDNS_INSTANCE_MAX 63     /* bytes of a DNS-SD instance name */
#define MDNS_TXT_MAX 255         /* bytes of one TXT string */
#define MDNS_ADDR_MAX 22         /* "255.255.255.255:65535" and a NUL */
#define MDNS_SUPPRESS_MS 10000   /* found() is not repeated for the same (addr, key) within this */
#define MDNS_BACKOFF_MIN_MS 1000 /* first retry after a failure */
#define MDNS_BACKOFF_MAX_MS 60000

struct mdns_config {
    struct loop *loop;      /* kept, not owned: must outlive the mdns */
    uint16_t port;          /* our peer port, published (not 0) */
    const uint8_t *key;     /* our 32-byte node key (copied); our own service is ignored by it */
    const char *name;       /* display name (copied); NULL or "" for none */
    const char *team_tag;   /* team tag (copied), at most MDNS_TEAM_MAX bytes, no control bytes;
                             * NULL = "". Nodes publishing another tag are ignored. */
    const char *interfaces; /* comma-separated interface names (copied) to publish and browse on;
                             * NULL or "" = all */
};

/* A node was found. addr is "a.b.c.d:port", key its 32-byte key (validated TXT, never ours),
 * ifname the interface it was seen on. All three are valid during the call only. Called on the
 * loop's thread from inside mdns's own callbacks: it must not call mdns_destroy. It may be called
 * again for the same node (another interface, a new address, the service reappearing), but not
 * for the same (addr, key) within MDNS_SUPPRESS_MS. */
typedef void (*mdns_found_fn)(void *ctx, const char *addr, const uint8_t key[MDNS_KEY_LEN],
                              const char *ifname);

/* Start publishing and browsing on cfg->loop (found may be NULL: publish only; ctx is passed to
 * it untouched). Never fails because Avahi is missing (see above). Returns NULL, with a warning
 * logged, only for an invalid cfg (no loop, port 0, no key, team tag too long, bad interface
 * list). */
struct mdns *mdns_new(const struct mdns_config *cfg, mdns_found_fn found, void *ctx);

/* One line for people about what discovery is doing, e.g. "publishing and browsing on all
 * interfaces, IPv4 only (name 'Ada on host1')" or "unavailable: no system D-Bus at
 * unix:path=/run/dbus/system_bus_socket (Daemon not running); retrying in 16 s". Owned by m,
 * valid until m next runs a callback (copy it to keep it). */
const char *mdns_state(const struct mdns *m);

/* 1 while connected to avahi-daemon and browsing (publishing may still be probing), else 0. */
int mdns_working(const struct mdns *m);

/* How many times a connection to avahi-daemon has been attempted (avahi_client_new calls). */
unsigned mdns_attempts(const struct mdns *m);

/* Stop: withdraw our service (a goodbye if the daemon is there), free everything. Accepts NULL
 * and *mp == NULL; sets *mp = NULL. Not from inside found(). Call before destroying the loop. */
void mdns_destroy(struct mdns **mp);

/*
 * Pure helpers, exposed for tests.
 */

/* One TXT string as received (not NUL-terminated, may hold any byte). */
struct mdns_txt_string {
    const uint8_t *data;
    size_t len;
};

/* Validate the TXT strings of a resolved service strictly: "v" must be "1", "key" exactly 64 hex
 * digits, "team" byte-equal to team (NULL = ""); each of these present once (keys compare
 * case-insensitively, as DNS-SD says). Other keys are ignored, as are empty strings. On success
 * writes the key to key_out and returns 0; otherwise returns -1 and points *why (may be NULL) at
 * a static reason. */
int mdns_parse_txt(const struct mdns_txt_string *strs, size_t n, const char *team,
                   uint8_t key_out[MDNS_KEY_LEN], const char **why)
    __attribute__((warn_unused_result));

/* Build the instance name "<name> on <host>" (or "<first 8 key hex digits> on <host>" when name
 * is NULL or empty, and without " on <host>" when host is NULL or empty) into out, truncated to
 * MDNS_INSTANCE_MAX bytes on a UTF-8 character boundary, control bytes replaced by spaces. out
 * must hold MDNS_INSTANCE_MAX + 1 bytes. */
void mdns_instance_name(const char *name, const uint8_t key[MDNS_KEY_LEN], const char *host,
                        char out[MDNS_INSTANCE_MAX + 1]);

/* Whether found() should be told about (addr, key) at now_ms: 0 if it was told within
 * MDNS_SUPPRESS_MS, else 1 (and now_ms is remembered). The module calls it itself; exposed for
 * tests. */
int mdns_should_report(struct mdns *m, const char *addr, const uint8_t key[MDNS_KEY_LEN],
                       uint64_t now_ms);

#endif
