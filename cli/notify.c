#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-bus.h>
#endif

#include "errmsg.h"
#include "out.h"
#include "text.h"
#include "xmalloc.h"

#define NOTIFY_SUMMARY_MAX 200    /* bytes of a summary we send, NUL included */
#define NOTIFY_BODY_MAX 600       /* bytes of a body we send (escaped), NUL included */
#define NOTIFY_EXPIRE_MS 15000    /* a normal notification's time on screen */
#define NOTIFY_CALL_US 5000000ULL /* a notification server that does not answer in 5 s is gone */
#define NOTIFY_URGENCY_CRITICAL 2 /* the spec's urgency levels: 0 low, 1 normal, 2 critical */
#define NOTIFY_URGENCY_NORMAL 1
#define NOTIFY_BURST 8     /* notifications shown back to back, at most */
#define NOTIFY_REFILL_S 15 /* then one more every 15 s; the rest are counted, not shown */
#define NOTIFY_SERVICE "org.freedesktop.Notifications"
#define NOTIFY_PATH "/org/freedesktop/Notifications"

struct notify {
    enum notify_mode mode;
    struct dayspan quiet;
    int warned; /* a warning was printed and nothing has gone through since */
    /* The budget: a flood of events for me (say, a member's script commenting on my question)
     * is not a flood of notifications. */
    unsigned tokens;  /* notifications that may go now */
    time_t refill_at; /* when the next token comes */
    unsigned held;    /* events not shown since the last notification that was */
#ifdef HAVE_SYSTEMD
    sd_bus *bus; /* the session bus, or NULL until it is (again) open */
#endif
};

int notify_mode_parse(const char *s, enum notify_mode *out)
{
    if (strcmp(s, "off") == 0)
        *out = NOTIFY_OFF;
    else if (strcmp(s, "urgent") == 0)
        *out = NOTIFY_URGENT;
    else if (strcmp(s, "all") == 0)
        *out = NOTIFY_ALL;
    else
        return -1;
    return 0;
}

/* The entry an event is about: "entry", or a reminder's "question"; NULL if neither. */
static json_t *notify_subject(json_t *ev)
{
    json_t *e = json_object_get(ev, "entry");

    if (!json_is_object(e))
        e = json_object_get(ev, "question");
    return json_is_object(e) ? e : NULL;
}

static int notify_is_urgent(json_t *e)
{
    const char *attr = json_string_value(json_object_get(json_object_get(e, "attrs"), "urgent"));

    return json_is_true(json_object_get(e, "urgent")) || (attr != NULL && strcmp(attr, "1") == 0);
}

int notify_wanted(enum notify_mode mode, json_t *ev)
{
    json_t *e = notify_subject(ev);
    const char *reason = json_string_value(json_object_get(ev, "reason"));
    int urgent, direct;

    if (mode == NOTIFY_OFF || !json_is_object(ev) || !json_is_true(json_object_get(ev, "for_you")))
        return 0;
    urgent = (e != NULL && notify_is_urgent(e)) || json_is_true(json_object_get(ev, "escalated"));
    direct = reason != NULL && strcmp(reason, "asked you directly") == 0;
    if (mode == NOTIFY_URGENT && !urgent && !direct)
        return 0;
    return urgent ? NOTIFY_URGENCY_CRITICAL : NOTIFY_URGENCY_NORMAL;
}

/* The length of the UTF-8 sequence a lead byte starts (1 for a byte that starts none). */
static size_t notify_seq_len(unsigned char c)
{
    if (c >= 0xc2 && c <= 0xdf)
        return 2;
    if (c >= 0xe0 && c <= 0xef)
        return 3;
    if (c >= 0xf0 && c <= 0xf4)
        return 4;
    return 1;
}

/* A bidirectional override or isolate (U+202A..U+202E, U+2066..U+2069) at p (3 bytes there). */
static int notify_is_bidi(const unsigned char *p)
{
    return p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
                            (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9));
}

void notify_text(const char *in, int markup, char *out, size_t outlen)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0, n, k, rlen;
    const char *rep;

    if (outlen == 0)
        return;
    while (*p != '\0') {
        n = notify_seq_len(*p);
        for (k = 1; k < n && p[k] != '\0'; k++)
            ;
        rep = NULL;
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
            rep = " "; /* a C0 or C1 control, DEL, a tab or a newline */
        } else if (*p >= 0x80 && (n == 1 || k < n || !text_valid(p, n, 0))) {
            rep = "?"; /* not UTF-8: resynchronise on the next byte */
            n = 1;
        } else if (n == 3 && notify_is_bidi(p)) {
            rep = "";
        } else if (markup && *p == '<') {
            rep = "&lt;";
        } else if (markup && *p == '>') {
            rep = "&gt;";
        } else if (markup && *p == '&') {
            rep = "&amp;";
        }
        if (rep == NULL)
            rep = (const char *)p;
        rlen = rep == (const char *)p ? n : strlen(rep);
        if (o + rlen >= outlen)
            break;
        memcpy(out + o, rep, rlen);
        o += rlen;
        p += n;
    }
    out[o] = '\0';
}

/* "Urgent question from Ada (in your areas)", or for a reminder "Reminder: REASON". */
static void notify_summary(json_t *ev, json_t *e, int urgency, char *out, size_t outlen)
{
    const char *kind = e != NULL ? out_jstr(e, "kind") : "";
    const char *who = e != NULL ? out_jstr(e, "author_name") : "";
    const char *reason = out_jstr(ev, "reason");
    char raw[NOTIFY_SUMMARY_MAX * 2], word[40];

    if (strcmp(out_jstr(ev, "event"), "reminder") == 0) {
        snprintf(raw, sizeof(raw), "Reminder: %s", reason);
    } else {
        if (strcmp(kind, "mentor") == 0)
            kind = "mentoring request";
        else if (strcmp(kind, "revision") == 0)
            kind = "edit";
        else if (kind[0] == '\0')
            kind = "entry";
        snprintf(word, sizeof(word), "%s%s", urgency == NOTIFY_URGENCY_CRITICAL ? "urgent " : "",
                 kind);
        if (word[0] >= 'a' && word[0] <= 'z')
            word[0] = (char)(word[0] - 'a' + 'A');
        snprintf(raw, sizeof(raw), "%s from %s%s%s%s", word, who[0] != '\0' ? who : "someone",
                 reason[0] != '\0' ? " (" : "", reason, reason[0] != '\0' ? ")" : "");
    }
    notify_text(raw, 0, out, outlen);
}

static void notify_warn(struct notify *nt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Say on stderr why notifications do not go out, once until one goes through again. The message
 * may quote the bus (another program): it goes through the terminal sanitiser. */
static void notify_warn(struct notify *nt, const char *fmt, ...)
{
    char msg[ERRMSG_MAX];
    va_list ap;

    if (nt->warned)
        return;
    nt->warned = 1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fputs("lore: ", stderr);
    text_sanitize_term(stderr, msg, TEXT_TERM_ONE_LINE | TEXT_TERM_STRICT, NULL);
    fputc('\n', stderr);
}

#ifdef HAVE_SYSTEMD
/* Open the session bus if it is not open. 0, or -1 (warned). */
static int notify_open(struct notify *nt)
{
    const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
    int r;

    if (nt->bus != NULL && sd_bus_is_open(nt->bus) > 0)
        return 0;
    nt->bus = sd_bus_flush_close_unref(nt->bus);
    r = sd_bus_open_user(&nt->bus);
    if (r >= 0)
        r = sd_bus_set_method_call_timeout(nt->bus, NOTIFY_CALL_US);
    if (r < 0) {
        nt->bus = sd_bus_flush_close_unref(nt->bus);
        notify_warn(nt, "no session bus (%s): %s; no desktop notifications until there is one",
                    addr != NULL ? addr : "DBUS_SESSION_BUS_ADDRESS is not set", strerror(-r));
        return -1;
    }
    return 0;
}

/* The bus itself failed (it went away), as opposed to the call (no server, a refusal). */
static int notify_bus_gone(int r)
{
    return r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE || r == -ESHUTDOWN ||
           r == -ECONNREFUSED || r == -ENOENT;
}

/* One Notify call. r of sd-bus (the reply's id is not needed). */
static int notify_call(struct notify *nt, const char *summary, const char *body, int urgency,
                       sd_bus_error *error)
{
    sd_bus_message *reply = NULL;
    int r;

    r = sd_bus_call_method(nt->bus, NOTIFY_SERVICE, NOTIFY_PATH, NOTIFY_SERVICE, "Notify", error,
                           &reply, "susssasa{sv}i", "lore", (uint32_t)0, "", summary, body, 0, 1,
                           "urgency", "y", (uint8_t)urgency,
                           urgency == NOTIFY_URGENCY_CRITICAL ? 0 : NOTIFY_EXPIRE_MS);
    sd_bus_message_unref(reply);
    /* Drop what else arrived (NameAcquired and the like): nobody reads it. */
    while (r >= 0 && sd_bus_process(nt->bus, NULL) > 0)
        ;
    return r;
}

static int notify_send(struct notify *nt, const char *summary, const char *body, int urgency)
{
    sd_bus_error error = SD_BUS_ERROR_NULL;
    int r, rc = -1, attempt;

    for (attempt = 0; attempt < 2; attempt++) {
        if (notify_open(nt) != 0)
            goto out;
        sd_bus_error_free(&error);
        r = notify_call(nt, summary, body, urgency, &error);
        if (r >= 0) {
            nt->warned = 0;
            rc = 1;
            goto out;
        }
        if (!notify_bus_gone(r) && sd_bus_is_open(nt->bus) > 0)
            break;
        nt->bus = sd_bus_flush_close_unref(nt->bus); /* the bus went away: open it again */
    }
    notify_warn(nt,
                "cannot send a desktop notification (is a notification server running, "
                "owning " NOTIFY_SERVICE " on the session bus?): %s",
                sd_bus_error_is_set(&error) ? error.message : strerror(-r));
out:
    sd_bus_error_free(&error);
    return rc;
}
#else
static int notify_open(struct notify *nt)
{
    notify_warn(nt, "built without libsystemd (sd-bus): no desktop notifications");
    return -1;
}

static int notify_send(struct notify *nt, const char *summary, const char *body, int urgency)
{
    (void)summary;
    (void)body;
    (void)urgency;
    return notify_open(nt);
}
#endif

struct notify *notify_new(enum notify_mode mode, const struct dayspan *quiet)
{
    struct notify *nt = xcalloc(1, sizeof(*nt));

    nt->mode = mode;
    nt->tokens = NOTIFY_BURST;
    if (quiet != NULL)
        nt->quiet = *quiet;
    if (mode != NOTIFY_OFF)
        (void)notify_open(nt); /* to say at once when there is no bus */
    return nt;
}

void notify_destroy(struct notify **np)
{
    if (np == NULL || *np == NULL)
        return;
#ifdef HAVE_SYSTEMD
    sd_bus_flush_close_unref((*np)->bus);
#endif
    free(*np);
    *np = NULL;
}

/* May a notification go at now? Takes a token if so; else counts the event as held. */
static int notify_budget(struct notify *nt, time_t now)
{
    /* Full, first use, or the clock went back: the next token comes a period from now. */
    if (nt->tokens >= NOTIFY_BURST || nt->refill_at == 0 || nt->refill_at > now + NOTIFY_REFILL_S)
        nt->refill_at = now + NOTIFY_REFILL_S;
    while (nt->tokens < NOTIFY_BURST && now >= nt->refill_at) {
        nt->tokens++;
        nt->refill_at += NOTIFY_REFILL_S;
    }
    if (nt->tokens == 0) {
        nt->held++;
        return 0;
    }
    nt->tokens--;
    return 1;
}

int notify_event(struct notify *nt, json_t *ev, time_t now)
{
    json_t *e = notify_subject(ev);
    char summary[NOTIFY_SUMMARY_MAX], body[NOTIFY_BODY_MAX];
    const char *text;
    int urgency = notify_wanted(nt->mode, ev);

    if (urgency == 0 || dayspan_contains(&nt->quiet, now))
        return 0;
    if (!notify_budget(nt, now))
        return 0;
    notify_summary(ev, e, urgency, summary, sizeof(summary));
    text = e != NULL ? out_jstr(e, "title") : "";
    if (text[0] == '\0' && e != NULL)
        text = out_jstr(e, "body");
    notify_text(text, 1, body, sizeof(body));
    if (nt->held > 0) {
        size_t len = strlen(body);
        snprintf(body + len, sizeof(body) - len, " (and %u more for you meanwhile: lore inbox)",
                 nt->held);
    }
    nt->held = 0;
    return notify_send(nt, summary, body, urgency);
}
