/*
 * notify: desktop notifications for `lore watch --notify` — org.freedesktop.Notifications.Notify
 * on the session D-Bus through sd-bus (libsystemd). Which watch events notify (the mode), quiet
 * hours, and the text: another person's words, so control characters go and markup is escaped.
 */
#ifndef LORE_NOTIFY_H
#define LORE_NOTIFY_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "dayspan.h"

enum notify_mode {
    NOTIFY_OFF,    /* nothing */
    NOTIFY_URGENT, /* urgent requests for me, direct asks and escalations */
    NOTIFY_ALL,    /* every event for me */
};

/* "off", "urgent" or "all" into *out. Returns 0, or -1 (*out unchanged). */
int notify_mode_parse(const char *s, enum notify_mode *out) __attribute__((warn_unused_result));

/* Whether the watch event ev (borrowed) notifies under mode: 0 if not, else the urgency to send,
 * 2 (critical) for an urgent request or an escalation and 1 (normal) for the rest. Only events
 * with "for_you": true notify. */
int notify_wanted(enum notify_mode mode, json_t *ev);

/*
 * Text another person wrote, for a notification, into out (always NUL-terminated; cut at a whole
 * character when it does not fit): control characters, tabs and newlines become spaces,
 * bidirectional overrides go, bytes that are not UTF-8 become '?', and with markup (the body,
 * which servers may parse as a small HTML subset) '<', '>' and '&' become entities.
 */
void notify_text(const char *in, int markup, char *out, size_t outlen);

struct notify;

/* A notifier with mode and quiet hours (copied). It opens the session bus at once and says so
 * once on stderr if there is none; it tries again on each notification. Never NULL. */
struct notify *notify_new(enum notify_mode mode, const struct dayspan *quiet);
void notify_destroy(struct notify **np);

/*
 * Send the notification for the watch event ev (borrowed) if the mode wants it and now is outside
 * the quiet hours. Returns 1 if sent, 0 if not wanted, -1 if it could not be sent: no session bus
 * or no notification server (said once on stderr until a notification goes through again). A bus
 * that went away is opened again. A budget holds floods back: 8 notifications back to back, then
 * one per 15 s; events beyond it are counted (0 returned) and the next notification says how many
 * more there were.
 */
int notify_event(struct notify *nt, json_t *ev, time_t now);

#endif
