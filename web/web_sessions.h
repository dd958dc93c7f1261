/*
 * web_sessions: /sessions (upcoming ones; ?all=1 past ones too), the announce form (POST
 * /sessions: session_announce), RSVP (POST /s/ID/rsvp: rsvp) and /s/ID.ics, a session as an
 * iCalendar file (RFC 5545) for any calendar program.
 */
#ifndef LORE_WEB_SESSIONS_H
#define LORE_WEB_SESSIONS_H

#include <jansson.h>
#include <stdint.h>

#include "buf.h"
#include "web_html.h"

/* Serve path if it is one of these pages: 1 (p filled), else 0 (p untouched). */
int web_sessions_serve(struct web_page *p, int post, const char *path);

/* Append session s (an element of the sessions op's array, borrowed) to b as an iCalendar
 * VCALENDAR with one VEVENT: UID ID@lore, DTSTAMP now_ms, DTSTART at_ms in UTC, SUMMARY,
 * LOCATION, DESCRIPTION (details and host), CATEGORIES (tags), STATUS (CANCELLED or CONFIRMED).
 * Text values are escaped (\ ; , and newlines; other control bytes dropped), lines end in CRLF
 * and are folded at 75 octets, never inside a UTF-8 character. Returns 0, or -1 if s has no
 * 64-hex id or no at_ms, or b is full. */
int web_sessions_ics(struct buf *b, json_t *s, uint64_t now_ms) __attribute__((warn_unused_result));

/* Parse what an <input type="datetime-local"> sends (YYYY-MM-DDTHH:MM, this machine's local
 * time: the browser is on it) into *ms since the epoch. Returns 0, or -1 for anything else, a
 * year before 2020 or a day that does not exist. */
int web_sessions_parse_at(const char *s, uint64_t *ms) __attribute__((warn_unused_result));

#endif
