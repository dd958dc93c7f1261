/*
 * when: the times options take, in one grammar (docs/lore.1.scd, TIMES). No I/O: "now" is passed
 * in (local times read the time zone).
 */
#ifndef LORE_WHEN_H
#define LORE_WHEN_H

/* The wall clock: ms since the epoch. */
long long when_now_ms(void);

/* A duration: a whole number from 0 to 100000 and a unit, m (minutes), h (hours), d (days) or
 * w (weeks): "30m", "24h", "7d", "2w". Into *ms. Returns 0, or -1 if s is anything else. */
int when_duration(const char *s, long long *ms) __attribute__((warn_unused_result));

/* A time past, for --since: a duration ago ("24h", "7d"; see when_duration) or "YYYY-MM-DD"
 * (00:00 UTC). Into *ms (ms since the epoch). Returns 0 or -1. */
int when_since(const char *s, long long now_ms, long long *ms) __attribute__((warn_unused_result));

/* A time to come, for --at: "+" and a duration ("+2h", "+30m", "+1w"), "2026-12-03 15:00" or
 * "2026-12-03T15:00" (local), "2026-12-03T15:00Z" (UTC), "today 15:00", "tomorrow 15:00"
 * (local). Into *ms. Returns 0 or -1. */
int when_at(const char *s, long long now_ms, long long *ms) __attribute__((warn_unused_result));

#endif
