/*
 * when: the times options take, in one grammar. Pure: no I/O; "now" is passed in.
 */
#ifndef LORE_WHEN_H
#define LORE_WHEN_H

/* "7d", "24h", "2w" (ago) or "YYYY-MM-DD" (UTC) into ms since the epoch. Returns 0 or -1. */
int when_since(const char *s, long long *ms) __attribute__((warn_unused_result));

/* A time to come: "2026-12-03 15:00" or "2026-12-03T15:00" (local), "2026-12-03T15:00Z" (UTC),
 * "today 15:00", "tomorrow 15:00" (local), "+2h", "+30m", "+1d". Returns 0 with ms, or -1. */
int when_at(const char *s, long long *ms) __attribute__((warn_unused_result));

#endif
