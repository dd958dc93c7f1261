#include "mdns.h"

#include <arpa/inet.h>
#include <assert.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/strlst.h>

#include "errmsg.h"
#include "hex.h"
#include "log.h"
#include "loop.h"
#include "mdns_poll.h"
#include "xmalloc.h"

/*
 * Life of the Avahi client. mdns_connect calls avahi_client_new with AVAHI_CLIENT_NO_FAIL:
 *  - NULL (no system D-Bus, or the bus refused us): retry with backoff (phase RETRY);
 *  - CONNECTING (the bus is there, avahi-daemon is not): libavahi watches the bus and moves on by
 *    itself when the daemon appears (phase WAITING);
 *  - S_RUNNING: browse, publish (phase RUNNING). S_REGISTERING/S_COLLISION (the daemon renames the
 *    host) empty the entry group, which is filled again at the next S_RUNNING.
 *  - FAILURE (AVAHI_ERR_DISCONNECTED when the daemon restarts or D-Bus goes away), or a failed
 *    browser or entry group: the client is freed by a 0 ms timer (never from inside Avahi's own
 *    callbacks) and recreated after the backoff, which publishes and browses again.
 * The backoff starts at 1 s, doubles to 60 s, and starts over after a connection that lasted
 * MDNS_STABLE_MS, so a flapping daemon is not hammered.
 */

#define MDNS_MAX_IFACES 16
#define MDNS_MAX_RESOLVERS 64 /* resolvers in flight; more services are skipped (and logged) */
#define MDNS_RECENT_MAX 256   /* (addr, key) pairs remembered for MDNS_SUPPRESS_MS */
#define MDNS_TXT_STRINGS_MAX 64
#define MDNS_STABLE_MS 60000
#define MDNS_IFACE_RECHECK_MS 30000 /* with an interface list: republish when one (re)appears */
#define MDNS_BUS_DEFAULT "unix:path=/run/dbus/system_bus_socket"

enum mdns_phase {
    MDNS_PHASE_STARTING,
    MDNS_PHASE_RETRY,       /* no usable client; retry_timer is armed */
    MDNS_PHASE_WAITING,     /* connected to D-Bus, waiting for avahi-daemon to appear */
    MDNS_PHASE_REGISTERING, /* the daemon is (re)registering its host name */
    MDNS_PHASE_RUNNING,
};

struct mdns_recent {
    char addr[MDNS_ADDR_MAX];
    uint8_t key[MDNS_KEY_LEN];
    uint64_t at_ms;
};

struct mdns {
    struct loop *loop;
    uint16_t port;
    uint8_t key[MDNS_KEY_LEN];
    char key_hex[2 * MDNS_KEY_LEN + 1];
    char *name; /* NULL if none */
    char *team; /* never NULL */
    char ifaces[MDNS_MAX_IFACES][IF_NAMESIZE];
    size_t nifaces; /* 0 = all interfaces */
    char *iface_desc;
    mdns_found_fn found;
    void *ctx;

    struct mdns_poll *poll;
    AvahiClient *client;
    AvahiEntryGroup *group;
    AvahiServiceBrowser *browser;
    unsigned nresolvers;
    char service_name[MDNS_INSTANCE_MAX + 1]; /* "" until chosen for the current client */
    unsigned pub_idx[MDNS_MAX_IFACES];        /* ifindex each listed interface is published on */
    int published;                            /* the entry group holds our service */

    enum mdns_phase phase;
    char reason[256]; /* detail of the phase; a change of phase or reason is logged at info */
    char state[512];
    unsigned attempts;
    uint64_t backoff_ms;
    uint64_t retry_timer;
    uint64_t reset_timer;
    uint64_t iface_timer;
    uint64_t running_since;

    struct mdns_recent recent[MDNS_RECENT_MAX];
    size_t nrecent;
};

static void mdns_connect(struct mdns *m);

/*
 * Pure helpers.
 */

static int mdns_ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Whether the TXT key data[0..klen) is k, compared case-insensitively (RFC 6763 6.4). */
static int mdns_txt_key_is(const uint8_t *data, size_t klen, const char *k)
{
    size_t i;

    if (klen != strlen(k))
        return 0;
    for (i = 0; i < klen; i++) {
        if (mdns_ascii_lower(data[i]) != k[i])
            return 0;
    }
    return 1;
}

int mdns_parse_txt(const struct mdns_txt_string *strs, size_t n, const char *team,
                   uint8_t key_out[MDNS_KEY_LEN], const char **why)
{
    const char *w = NULL;
    const uint8_t *eq, *val;
    size_t i, klen, vlen, teamlen = team != NULL ? strlen(team) : 0;
    int have_v = 0, have_key = 0, have_team = 0, rc = -1;

    if (n > MDNS_TXT_STRINGS_MAX) {
        w = "too many TXT strings";
        goto out;
    }
    for (i = 0; i < n; i++) {
        if (strs[i].len == 0)
            continue;
        if (strs[i].data == NULL || strs[i].len > MDNS_TXT_MAX) {
            w = "malformed TXT string";
            goto out;
        }
        eq = memchr(strs[i].data, '=', strs[i].len);
        klen = eq != NULL ? (size_t)(eq - strs[i].data) : strs[i].len;
        val = eq != NULL ? eq + 1 : NULL;
        vlen = eq != NULL ? strs[i].len - klen - 1 : 0;
        if (mdns_txt_key_is(strs[i].data, klen, "v")) {
            if (have_v++) {
                w = "duplicate v";
                goto out;
            }
            if (val == NULL || vlen != 1 || val[0] != '0' + MDNS_PROTOCOL_VERSION) {
                w = "unsupported protocol version";
                goto out;
            }
        } else if (mdns_txt_key_is(strs[i].data, klen, "key")) {
            if (have_key++) {
                w = "duplicate key";
                goto out;
            }
            if (val == NULL || vlen != 2 * MDNS_KEY_LEN ||
                hex_decode((const char *)val, vlen, key_out, MDNS_KEY_LEN) != 0) {
                w = "key is not 64 hex digits";
                goto out;
            }
        } else if (mdns_txt_key_is(strs[i].data, klen, "team")) {
            if (have_team++) {
                w = "duplicate team";
                goto out;
            }
            if (val == NULL || vlen != teamlen || (vlen > 0 && memcmp(val, team, vlen) != 0)) {
                w = "another team";
                goto out;
            }
        }
        /* Anything else (name, later additions, keyless strings) is not needed here. */
    }
    if (!have_v)
        w = "no protocol version";
    else if (!have_key)
        w = "no key";
    else if (!have_team)
        w = "no team tag";
    else
        rc = 0;
out:
    if (why != NULL)
        *why = rc == 0 ? "ok" : w;
    return rc;
}

/* Append s to out[*len..cap), control bytes made spaces, stopping at cap (no NUL written). */
static void mdns_append_clean(char *out, size_t *len, size_t cap, const char *s)
{
    unsigned char c;

    for (; *s != '\0' && *len < cap; s++) {
        c = (unsigned char)*s;
        out[(*len)++] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
    }
}

void mdns_instance_name(const char *name, const uint8_t key[MDNS_KEY_LEN], const char *host,
                        char out[MDNS_INSTANCE_MAX + 1])
{
    /* Room for one byte past the maximum, to see whether the cut splits a character. */
    char full[MDNS_INSTANCE_MAX + 1], hex[2 * MDNS_KEY_LEN + 1];
    size_t len = 0, cut;

    if (name != NULL && *name != '\0') {
        mdns_append_clean(full, &len, sizeof(full), name);
    } else {
        hex_encode(key, MDNS_KEY_LEN, hex);
        hex[8] = '\0';
        mdns_append_clean(full, &len, sizeof(full), hex);
    }
    if (host != NULL && *host != '\0') {
        mdns_append_clean(full, &len, sizeof(full), " on ");
        mdns_append_clean(full, &len, sizeof(full), host);
    }
    cut = len;
    if (len > MDNS_INSTANCE_MAX) {
        cut = MDNS_INSTANCE_MAX;
        while (cut > 0 && ((unsigned char)full[cut] & 0xc0) == 0x80)
            cut--; /* full[cut] continues a character: cut before that character starts */
    }
    while (cut > 1 && full[cut - 1] == ' ')
        cut--;
    memcpy(out, full, cut);
    out[cut] = '\0';
}

int mdns_should_report(struct mdns *m, const char *addr, const uint8_t key[MDNS_KEY_LEN],
                       uint64_t now_ms)
{
    struct mdns_recent *r, *slot;
    size_t i;

    for (i = 0; i < m->nrecent; i++) {
        r = &m->recent[i];
        if (strcmp(r->addr, addr) == 0 && memcmp(r->key, key, MDNS_KEY_LEN) == 0) {
            if (now_ms - r->at_ms < MDNS_SUPPRESS_MS)
                return 0;
            r->at_ms = now_ms;
            return 1;
        }
    }
    if (m->nrecent < MDNS_RECENT_MAX) {
        slot = &m->recent[m->nrecent++];
    } else {
        slot = &m->recent[0]; /* full: forget the oldest */
        for (i = 1; i < m->nrecent; i++) {
            if (m->recent[i].at_ms < slot->at_ms)
                slot = &m->recent[i];
        }
    }
    snprintf(slot->addr, sizeof(slot->addr), "%s", addr);
    memcpy(slot->key, key, MDNS_KEY_LEN);
    slot->at_ms = now_ms;
    return 1;
}

/*
 * State and logging.
 */

static int mdns_iface_allowed(const struct mdns *m, const char *ifname)
{
    size_t i;

    if (m->nifaces == 0)
        return 1;
    for (i = 0; i < m->nifaces; i++) {
        if (strcmp(m->ifaces[i], ifname) == 0)
            return 1;
    }
    return 0;
}

/* Rebuild the state line; log it at info if the phase or its reason changed, else at debug. */
static void mdns_set_phase(struct mdns *m, enum mdns_phase phase, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void mdns_set_phase(struct mdns *m, enum mdns_phase phase, const char *fmt, ...)
{
    char reason[sizeof(m->reason)];
    va_list ap;
    int changed;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    changed = phase != m->phase || strcmp(reason, m->reason) != 0;
    m->phase = phase;
    memcpy(m->reason, reason, sizeof(reason));
    switch (phase) {
    case MDNS_PHASE_STARTING:
        snprintf(m->state, sizeof(m->state), "starting");
        break;
    case MDNS_PHASE_RETRY:
        snprintf(m->state, sizeof(m->state), "unavailable: %s; retrying in %llu s", m->reason,
                 (unsigned long long)(m->backoff_ms / 1000));
        break;
    case MDNS_PHASE_WAITING:
        snprintf(m->state, sizeof(m->state),
                 "unavailable: avahi-daemon is not running (waiting for it on the system D-Bus)");
        break;
    case MDNS_PHASE_REGISTERING:
        snprintf(m->state, sizeof(m->state), "waiting: avahi-daemon is %s", m->reason);
        break;
    case MDNS_PHASE_RUNNING:
        snprintf(m->state, sizeof(m->state), "%s on %s, IPv4 only (%s)",
                 m->published ? "publishing and browsing" : "browsing", m->iface_desc, m->reason);
        break;
    }
    if (changed)
        log_info("mdns: %s", m->state);
    else
        log_debug("mdns: %s", m->state);
}

/* Show the running state (unless a failure is being handled). */
static void mdns_show_running(struct mdns *m)
{
    if (m->retry_timer != 0 || m->reset_timer != 0)
        return;
    if (m->published)
        mdns_set_phase(m, MDNS_PHASE_RUNNING, "name '%s'", m->service_name);
    else if (m->nifaces > 0)
        mdns_set_phase(m, MDNS_PHASE_RUNNING, "not publishing: none of the interfaces exists");
    else
        mdns_set_phase(m, MDNS_PHASE_RUNNING, "not publishing");
}

/*
 * Client lifecycle.
 */

/* Free the client and everything hanging off it. Not from inside an Avahi callback. */
static void mdns_teardown(struct mdns *m)
{
    if (m->reset_timer != 0)
        loop_cancel_timer(m->loop, m->reset_timer);
    if (m->iface_timer != 0)
        loop_cancel_timer(m->loop, m->iface_timer);
    m->reset_timer = m->iface_timer = 0;
    if (m->client != NULL)
        avahi_client_free(m->client); /* frees the group, browser and resolvers too */
    m->client = NULL;
    m->group = NULL;
    m->browser = NULL;
    m->nresolvers = 0;
    m->published = 0;
    m->service_name[0] = '\0';
    memset(m->pub_idx, 0, sizeof(m->pub_idx));
}

static void mdns_retry_cb(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct mdns *m = arg;

    (void)loop;
    (void)timer_id;
    m->retry_timer = 0;
    mdns_teardown(m);
    mdns_connect(m);
}

static void mdns_reset_cb(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct mdns *m = arg;

    (void)loop;
    (void)timer_id;
    m->reset_timer = 0;
    mdns_teardown(m);
}

/* Arm the retry after the current backoff (shown in the state), then double the backoff. */
static void mdns_schedule_retry(struct mdns *m, const char *reason)
{
    if (m->retry_timer != 0)
        return;
    m->retry_timer = loop_add_timer(m->loop, m->backoff_ms, 0, mdns_retry_cb, m);
    mdns_set_phase(m, MDNS_PHASE_RETRY, "%s", reason);
    m->backoff_ms =
        m->backoff_ms >= MDNS_BACKOFF_MAX_MS / 2 ? MDNS_BACKOFF_MAX_MS : m->backoff_ms * 2;
}

/* The client (or its browser or entry group) failed: drop it soon, reconnect after the backoff.
 * Safe from inside Avahi's callbacks. */
static void mdns_client_failed(struct mdns *m, const char *what, int err)
{
    char reason[sizeof(m->reason)];

    if (m->retry_timer != 0)
        return; /* already on it */
    if (m->running_since != 0 && loop_now_ms() - m->running_since >= MDNS_STABLE_MS)
        m->backoff_ms = MDNS_BACKOFF_MIN_MS;
    m->running_since = 0;
    if (m->reset_timer == 0)
        m->reset_timer = loop_add_timer(m->loop, 0, 0, mdns_reset_cb, m);
    errmsg_set(reason, sizeof(reason), "%s (%s)", what, avahi_strerror(err));
    mdns_schedule_retry(m, reason);
}

static void mdns_group_cb(AvahiEntryGroup *g, AvahiEntryGroupState state, void *userdata);

/* Build our TXT strings in order: v, key, team, name (if it fits). */
static AvahiStringList *mdns_txt(const struct mdns *m)
{
    AvahiStringList *txt = NULL;

    txt = avahi_string_list_add_printf(txt, "v=%d", MDNS_PROTOCOL_VERSION);
    if (txt != NULL)
        txt = avahi_string_list_add_pair(txt, "key", m->key_hex);
    if (txt != NULL)
        txt = avahi_string_list_add_pair(txt, "team", m->team);
    if (txt != NULL && m->name != NULL && strlen("name=") + strlen(m->name) <= MDNS_TXT_MAX)
        txt = avahi_string_list_add_pair(txt, "name", m->name);
    if (txt == NULL)
        fatalx("mdns: out of memory");
    return avahi_string_list_reverse(txt); /* add_* prepend */
}

/* Fill the empty entry group with our service (on every listed interface that exists, or on all)
 * and commit it. A name collision at this point picks the alternative name and tries again. */
static void mdns_publish(struct mdns *m)
{
    AvahiStringList *txt = NULL;
    const char *host;
    char *alt;
    unsigned idx;
    size_t i, added;
    int ret = 0, tries;

    if (m->client == NULL || m->group == NULL || !avahi_entry_group_is_empty(m->group))
        goto out;
    if (m->service_name[0] == '\0') {
        host = avahi_client_get_host_name(m->client);
        mdns_instance_name(m->name, m->key, host, m->service_name);
    }
    txt = mdns_txt(m);
    for (tries = 0; tries < 16; tries++) {
        ret = AVAHI_OK;
        added = 0;
        memset(m->pub_idx, 0, sizeof(m->pub_idx));
        if (m->nifaces == 0) {
            ret = avahi_entry_group_add_service_strlst(m->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET,
                                                       0, m->service_name, MDNS_SERVICE_TYPE, NULL,
                                                       NULL, m->port, txt);
            added = ret == AVAHI_OK;
        }
        for (i = 0; i < m->nifaces && ret == AVAHI_OK; i++) {
            idx = if_nametoindex(m->ifaces[i]);
            if (idx == 0)
                continue;
            ret = avahi_entry_group_add_service_strlst(m->group, (AvahiIfIndex)idx,
                                                       AVAHI_PROTO_INET, 0, m->service_name,
                                                       MDNS_SERVICE_TYPE, NULL, NULL, m->port, txt);
            if (ret == AVAHI_OK) {
                m->pub_idx[i] = idx;
                added++;
            }
        }
        if (ret != AVAHI_ERR_COLLISION)
            break;
        alt = avahi_alternative_service_name(m->service_name);
        if (alt == NULL)
            fatalx("mdns: out of memory");
        log_info("mdns: the name '%s' is taken; trying '%s'", m->service_name, alt);
        snprintf(m->service_name, sizeof(m->service_name), "%s", alt);
        avahi_free(alt);
        avahi_entry_group_reset(m->group);
    }
    if (ret != AVAHI_OK) {
        log_warnx("mdns: cannot publish '%s': %s", m->service_name, avahi_strerror(ret));
        mdns_client_failed(m, "publishing failed", ret);
        goto out;
    }
    if (added == 0) {
        log_debug("mdns: none of the interfaces %s exists: not publishing for now", m->iface_desc);
        goto out;
    }
    ret = avahi_entry_group_commit(m->group);
    if (ret != AVAHI_OK) {
        log_warnx("mdns: cannot publish '%s': %s", m->service_name, avahi_strerror(ret));
        mdns_client_failed(m, "publishing failed", ret);
        goto out;
    }
    m->published = 1;
    log_debug("mdns: registering '%s' (%s, port %u)", m->service_name, MDNS_SERVICE_TYPE, m->port);
out:
    avahi_string_list_free(txt);
}

static void mdns_group_cb(AvahiEntryGroup *g, AvahiEntryGroupState state, void *userdata)
{
    struct mdns *m = userdata;
    char *alt;

    m->group = g;
    switch (state) {
    case AVAHI_ENTRY_GROUP_ESTABLISHED:
        log_info("mdns: published '%s' (%s, port %u)", m->service_name, MDNS_SERVICE_TYPE, m->port);
        break;
    case AVAHI_ENTRY_GROUP_COLLISION:
        /* Another host probed the same name first: take "<name> #2" and go on. */
        alt = avahi_alternative_service_name(m->service_name);
        if (alt == NULL)
            fatalx("mdns: out of memory");
        log_info("mdns: name collision on '%s'; renaming to '%s'", m->service_name, alt);
        snprintf(m->service_name, sizeof(m->service_name), "%s", alt);
        avahi_free(alt);
        avahi_entry_group_reset(g);
        m->published = 0;
        mdns_publish(m);
        if (m->phase == MDNS_PHASE_RUNNING)
            mdns_show_running(m);
        break;
    case AVAHI_ENTRY_GROUP_FAILURE:
        log_warnx("mdns: publishing '%s' failed: %s", m->service_name,
                  avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
        mdns_client_failed(m, "publishing failed",
                           avahi_client_errno(avahi_entry_group_get_client(g)));
        break;
    case AVAHI_ENTRY_GROUP_UNCOMMITED:
    case AVAHI_ENTRY_GROUP_REGISTERING:
        break;
    }
}

/* Copy a string from the network for a log line: bounded, control bytes made spaces. */
static void mdns_clean(const char *s, char *out, size_t outlen)
{
    size_t len = 0;

    if (outlen == 0)
        return;
    mdns_append_clean(out, &len, outlen - 1, s != NULL ? s : "");
    out[len] = '\0';
}

static void mdns_resolved(struct mdns *m, AvahiIfIndex interface, const char *name,
                          const AvahiAddress *a, uint16_t port, AvahiStringList *txt)
{
    struct mdns_txt_string strs[MDNS_TXT_STRINGS_MAX + 1];
    AvahiStringList *l;
    uint8_t key[MDNS_KEY_LEN];
    char ifname[IF_NAMESIZE], ip[INET_ADDRSTRLEN], addr[MDNS_ADDR_MAX], safe[MDNS_INSTANCE_MAX + 1];
    const char *why;
    uint32_t host;
    size_t n = 0;

    mdns_clean(name, safe, sizeof(safe));
    if (interface < 0 || if_indextoname((unsigned)interface, ifname) == NULL) {
        log_debug("mdns: ignoring '%s': unknown interface %d", safe, interface);
        return;
    }
    if (!mdns_iface_allowed(m, ifname)) {
        log_debug("mdns: ignoring '%s' on %s: not a configured interface", safe, ifname);
        return;
    }
    for (l = txt; l != NULL && n <= MDNS_TXT_STRINGS_MAX; l = avahi_string_list_get_next(l)) {
        strs[n].data = avahi_string_list_get_text(l);
        strs[n].len = avahi_string_list_get_size(l);
        n++;
    }
    if (mdns_parse_txt(strs, n, m->team, key, &why) != 0) {
        log_debug("mdns: ignoring '%s' on %s: %s", safe, ifname, why);
        return;
    }
    if (memcmp(key, m->key, MDNS_KEY_LEN) == 0) {
        log_debug("mdns: ignoring '%s' on %s: ourselves", safe, ifname);
        return;
    }
    if (a == NULL || a->proto != AVAHI_PROTO_INET || port == 0) {
        log_debug("mdns: ignoring '%s' on %s: no IPv4 address and port", safe, ifname);
        return;
    }
    host = ntohl(a->data.ipv4.address);
    if (host == 0 || host == 0xffffffffu || (host >> 28) == 0xe) {
        log_debug("mdns: ignoring '%s' on %s: unusable address", safe, ifname);
        return;
    }
    if (inet_ntop(AF_INET, &a->data.ipv4.address, ip, sizeof(ip)) == NULL)
        return;
    snprintf(addr, sizeof(addr), "%s:%u", ip, port);
    if (!mdns_should_report(m, addr, key, loop_now_ms())) {
        log_debug("mdns: '%s' at %s on %s: already reported", safe, addr, ifname);
        return;
    }
    log_info("mdns: found '%s' at %s on %s", safe, addr, ifname);
    if (m->found != NULL)
        m->found(m->ctx, addr, key, ifname);
}

static void mdns_resolve_cb(AvahiServiceResolver *r, AvahiIfIndex interface, AvahiProtocol protocol,
                            AvahiResolverEvent event, const char *name, const char *type,
                            const char *domain, const char *host_name, const AvahiAddress *a,
                            uint16_t port, AvahiStringList *txt, AvahiLookupResultFlags flags,
                            void *userdata)
{
    struct mdns *m = userdata;
    char safe[MDNS_INSTANCE_MAX + 1];

    (void)protocol;
    (void)type;
    (void)domain;
    (void)host_name;
    (void)flags;
    if (m->nresolvers > 0)
        m->nresolvers--;
    if (event == AVAHI_RESOLVER_FOUND) {
        mdns_resolved(m, interface, name, a, port, txt);
    } else {
        mdns_clean(name, safe, sizeof(safe));
        log_debug("mdns: cannot resolve '%s': %s", safe,
                  avahi_strerror(avahi_client_errno(avahi_service_resolver_get_client(r))));
    }
    avahi_service_resolver_free(r);
}

static void mdns_browse_cb(AvahiServiceBrowser *b, AvahiIfIndex interface, AvahiProtocol protocol,
                           AvahiBrowserEvent event, const char *name, const char *type,
                           const char *domain, AvahiLookupResultFlags flags, void *userdata)
{
    struct mdns *m = userdata;
    AvahiClient *c = avahi_service_browser_get_client(b);
    char ifname[IF_NAMESIZE] = "?", safe[MDNS_INSTANCE_MAX + 1];

    (void)flags;
    mdns_clean(name, safe, sizeof(safe));
    if (interface >= 0 && if_indextoname((unsigned)interface, ifname) == NULL)
        snprintf(ifname, sizeof(ifname), "#%d", interface);
    switch (event) {
    case AVAHI_BROWSER_NEW:
        if (!mdns_iface_allowed(m, ifname)) {
            log_debug("mdns: ignoring '%s' on %s: not a configured interface", safe, ifname);
            break;
        }
        if (m->nresolvers >= MDNS_MAX_RESOLVERS) {
            log_debug("mdns: ignoring '%s' on %s: %u resolutions in flight", safe, ifname,
                      m->nresolvers);
            break;
        }
        if (avahi_service_resolver_new(c, interface, protocol, name, type, domain, AVAHI_PROTO_INET,
                                       0, mdns_resolve_cb, m) == NULL) {
            log_debug("mdns: cannot resolve '%s' on %s: %s", safe, ifname,
                      avahi_strerror(avahi_client_errno(c)));
            break;
        }
        m->nresolvers++;
        break;
    case AVAHI_BROWSER_REMOVE:
        /* Not a peer death: a crashed host stays listed for an hour, and a live one may blink;
         * liveness comes from the sync layer's heartbeats. */
        log_debug("mdns: '%s' on %s withdrawn", safe, ifname);
        break;
    case AVAHI_BROWSER_ALL_FOR_NOW:
    case AVAHI_BROWSER_CACHE_EXHAUSTED:
        break;
    case AVAHI_BROWSER_FAILURE:
        log_warnx("mdns: browsing failed: %s", avahi_strerror(avahi_client_errno(c)));
        mdns_client_failed(m, "browsing failed", avahi_client_errno(c));
        break;
    }
}

/* With an interface list: republish when a listed interface appeared or changed index. */
static void mdns_iface_cb(struct loop *loop, uint64_t timer_id, void *arg)
{
    struct mdns *m = arg;
    size_t i;

    (void)loop;
    (void)timer_id;
    if (m->phase != MDNS_PHASE_RUNNING || m->group == NULL)
        return;
    for (i = 0; i < m->nifaces; i++) {
        if (if_nametoindex(m->ifaces[i]) != m->pub_idx[i])
            break;
    }
    if (i == m->nifaces)
        return;
    log_info("mdns: interfaces changed: publishing again");
    avahi_entry_group_reset(m->group);
    m->published = 0;
    mdns_publish(m);
    mdns_show_running(m);
}

static void mdns_running(struct mdns *m, AvahiClient *c)
{
    if (m->running_since == 0)
        m->running_since = loop_now_ms();
    if (m->browser == NULL) {
        m->browser = avahi_service_browser_new(c, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET,
                                               MDNS_SERVICE_TYPE, NULL, 0, mdns_browse_cb, m);
        if (m->browser == NULL) {
            mdns_client_failed(m, "cannot browse", avahi_client_errno(c));
            return;
        }
    }
    if (m->group == NULL) {
        m->group = avahi_entry_group_new(c, mdns_group_cb, m);
        if (m->group == NULL) {
            mdns_client_failed(m, "cannot publish", avahi_client_errno(c));
            return;
        }
    }
    if (m->nifaces > 0 && m->iface_timer == 0)
        m->iface_timer = loop_add_timer(m->loop, MDNS_IFACE_RECHECK_MS, 1, mdns_iface_cb, m);
    mdns_publish(m);
    mdns_show_running(m);
}

static void mdns_client_cb(AvahiClient *c, AvahiClientState state, void *userdata)
{
    struct mdns *m = userdata;

    m->client = c; /* the first call may come from inside avahi_client_new */
    switch (state) {
    case AVAHI_CLIENT_S_RUNNING:
        mdns_running(m, c);
        break;
    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
        /* The daemon is renaming the host: withdraw, and publish again at S_RUNNING. */
        if (m->group != NULL)
            avahi_entry_group_reset(m->group);
        m->published = 0;
        mdns_set_phase(m, MDNS_PHASE_REGISTERING, "%s",
                       state == AVAHI_CLIENT_S_COLLISION
                           ? "renaming the host after a host name collision"
                           : "registering its host name");
        break;
    case AVAHI_CLIENT_CONNECTING:
        mdns_set_phase(m, MDNS_PHASE_WAITING, "no daemon");
        break;
    case AVAHI_CLIENT_FAILURE:
        mdns_client_failed(m,
                           avahi_client_errno(c) == AVAHI_ERR_DISCONNECTED
                               ? "lost the connection to avahi-daemon"
                               : "avahi-daemon failed",
                           avahi_client_errno(c));
        break;
    }
}

static void mdns_connect(struct mdns *m)
{
    AvahiClient *c;
    const char *bus;
    char reason[sizeof(m->reason)];
    int err = AVAHI_OK;

    m->attempts++;
    c = avahi_client_new(mdns_poll_api(m->poll), AVAHI_CLIENT_NO_FAIL, mdns_client_cb, m, &err);
    if (c != NULL) {
        m->client = c;
        return;
    }
    /* Whatever a callback from inside the failed call pointed at is gone with it. */
    m->client = NULL;
    m->group = NULL;
    m->browser = NULL;
    m->nresolvers = 0;
    /* With AVAHI_CLIENT_NO_FAIL a missing avahi-daemon is not an error (the client waits in
     * CONNECTING), so "Daemon not running" here means the system bus itself is missing. */
    bus = getenv("DBUS_SYSTEM_BUS_ADDRESS");
    if (bus == NULL || *bus == '\0')
        bus = MDNS_BUS_DEFAULT;
    if (err == AVAHI_ERR_NO_DAEMON)
        errmsg_set(reason, sizeof(reason), "no system D-Bus at %.120s (%s)", bus,
                   avahi_strerror(err));
    else
        errmsg_set(reason, sizeof(reason), "cannot connect to avahi-daemon over D-Bus (%s)",
                   avahi_strerror(err));
    mdns_schedule_retry(m, reason);
}

/*
 * Public API.
 */

/* Parse "eth0, wlan0" into m->ifaces. Returns 0, or -1 for an invalid list. */
static int mdns_parse_ifaces(struct mdns *m, const char *list)
{
    const char *p = list, *start, *end;
    size_t len, i;
    int rc = -1;

    m->nifaces = 0;
    while (p != NULL && *p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '\0')
            break;
        start = p;
        while (*p != '\0' && *p != ',')
            p++;
        end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        len = (size_t)(end - start);
        if (len >= IF_NAMESIZE || m->nifaces == MDNS_MAX_IFACES) {
            log_warnx("mdns: bad interface list '%s': name too long or too many", list);
            goto out;
        }
        for (i = 0; i < len; i++) {
            if ((unsigned char)start[i] <= ' ' || start[i] == '/' || start[i] == 0x7f) {
                log_warnx("mdns: bad interface name in '%s'", list);
                goto out;
            }
        }
        memcpy(m->ifaces[m->nifaces], start, len);
        m->ifaces[m->nifaces][len] = '\0';
        m->nifaces++;
    }
    rc = 0;
out:
    return rc;
}

struct mdns *mdns_new(const struct mdns_config *cfg, mdns_found_fn found, void *ctx)
{
    struct mdns *m = NULL;
    const char *team = cfg != NULL && cfg->team_tag != NULL ? cfg->team_tag : "";
    char *desc;
    size_t i;
    int ok = 0;

    if (cfg == NULL || cfg->loop == NULL || cfg->port == 0 || cfg->key == NULL) {
        log_warnx("mdns: invalid configuration (loop, port and key are required)");
        goto out;
    }
    if (strlen(team) > MDNS_TEAM_MAX) {
        log_warnx("mdns: team tag longer than %d bytes", MDNS_TEAM_MAX);
        goto out;
    }
    for (i = 0; team[i] != '\0'; i++) {
        if ((unsigned char)team[i] < 0x20 || team[i] == 0x7f) {
            log_warnx("mdns: team tag holds a control character");
            goto out;
        }
    }
    m = xcalloc(1, sizeof(*m));
    m->loop = cfg->loop;
    m->port = cfg->port;
    memcpy(m->key, cfg->key, MDNS_KEY_LEN);
    hex_encode(m->key, MDNS_KEY_LEN, m->key_hex);
    if (cfg->name != NULL && *cfg->name != '\0') {
        m->name = xstrdup(cfg->name);
        for (i = 0; m->name[i] != '\0'; i++) {
            if ((unsigned char)m->name[i] < 0x20 || m->name[i] == 0x7f)
                m->name[i] = ' '; /* it is shown to people, in the instance name and TXT */
        }
    }
    m->team = xstrdup(team);
    if (mdns_parse_ifaces(m, cfg->interfaces) != 0)
        goto out;
    m->iface_desc = xstrdup(m->nifaces == 0 ? "all interfaces" : m->ifaces[0]);
    for (i = 1; i < m->nifaces; i++) {
        desc = xasprintf("%s, %s", m->iface_desc, m->ifaces[i]);
        free(m->iface_desc);
        m->iface_desc = desc;
    }
    m->found = found;
    m->ctx = ctx;
    m->poll = mdns_poll_new(m->loop);
    m->backoff_ms = MDNS_BACKOFF_MIN_MS;
    m->phase = MDNS_PHASE_STARTING;
    snprintf(m->state, sizeof(m->state), "starting");
    log_info("mdns: discovery of %s on %s, IPv4 only (IPv6 link-local addresses need scope ids)",
             MDNS_SERVICE_TYPE, m->iface_desc);
    mdns_connect(m);
    ok = 1;
out:
    if (!ok)
        mdns_destroy(&m);
    return m;
}

const char *mdns_state(const struct mdns *m)
{
    return m->state;
}

int mdns_working(const struct mdns *m)
{
    return (m->phase == MDNS_PHASE_RUNNING || m->phase == MDNS_PHASE_REGISTERING) &&
           m->browser != NULL && m->retry_timer == 0;
}

unsigned mdns_attempts(const struct mdns *m)
{
    return m->attempts;
}

void mdns_destroy(struct mdns **mp)
{
    struct mdns *m;

    if (mp == NULL || *mp == NULL)
        return;
    m = *mp;
    if (m->retry_timer != 0)
        loop_cancel_timer(m->loop, m->retry_timer);
    m->retry_timer = 0;
    mdns_teardown(m);
    mdns_poll_destroy(&m->poll);
    free(m->name);
    free(m->team);
    free(m->iface_desc);
    free(m);
    *mp = NULL;
}
