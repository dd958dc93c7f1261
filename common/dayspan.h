/* dayspan: the one parser of a daily window of local time, "HH:MM-HH:MM" (quiet hours: lored's
 * config checks it, `lore watch --notify` applies it). */
#ifndef LORE_DAYSPAN_H
#define LORE_DAYSPAN_H

#include <stddef.h>
#include <time.h>

#define DAYSPAN_MAX 11 /* bytes of "HH:MM-HH:MM", NUL not included */

/* A window from one minute of the day up to (not including) another; it spans midnight when
 * from > to. An empty text parses to none (set = 0), which contains no time. */
struct dayspan {
    int set;
    int from_min; /* 0..1439 */
    int to_min;   /* 0..1439, never equal to from_min */
};

/*
 * Parse s: "" (no window) or "HH:MM-HH:MM" with 24-hour times (00:00 to 23:59, two digits each),
 * the two times different ("22:00-07:00" spans midnight). Returns 0 with *out set, or -1 with a
 * message quoting s in err (*out unchanged).
 */
int dayspan_parse(const char *s, struct dayspan *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* 1 if the minute of the day (0..1439) is inside d, else 0. */
int dayspan_contains_min(const struct dayspan *d, int minute);

/* 1 if the local time of t is inside d, else 0 (also when the local time cannot be had). */
int dayspan_contains(const struct dayspan *d, time_t t);

#endif
