/* when: the times options take, in one grammar (see when.h). */
#include "when.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeunits.h"

#define WHEN_MAX 100000 /* units in a duration */

long long when_now_ms(void)
{
    return (long long)time(NULL) * 1000;
}

int when_duration(const char *s, long long *ms)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || v < 0 || v > WHEN_MAX || end[0] == '\0' || end[1] != '\0')
        return -1;
    switch (end[0]) {
    case 'm':
        *ms = v * (long long)LORE_MINUTE_MS;
        return 0;
    case 'h':
        *ms = v * (long long)LORE_HOUR_MS;
        return 0;
    case 'd':
        *ms = v * (long long)LORE_DAY_MS;
        return 0;
    case 'w':
        *ms = v * (long long)LORE_WEEK_MS;
        return 0;
    default:
        return -1;
    }
}

int when_since(const char *s, long long now_ms, long long *ms)
{
    long long d;
    long v;
    struct tm tm;
    time_t t;

    if (when_duration(s, &d) == 0) {
        *ms = now_ms - d;
        return 0;
    }
    /* YYYY-MM-DD, checked field by field. */
    memset(&tm, 0, sizeof(tm));
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (v = 0; v < 10; v++)
        if (v != 4 && v != 7 && (s[v] < '0' || s[v] > '9'))
            return -1;
    tm.tm_year = (int)strtol(s, NULL, 10) - 1900;
    tm.tm_mon = (int)strtol(s + 5, NULL, 10) - 1;
    tm.tm_mday = (int)strtol(s + 8, NULL, 10);
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return -1;
    t = timegm(&tm);
    if (t < 0)
        return -1;
    *ms = (long long)t * 1000;
    return 0;
}

/* Parse exactly n digits at s into *out. Returns 0 or -1. */
static int when_digits(const char *s, size_t n, int *out)
{
    size_t i;
    int v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* "HH:MM" into tm (local). Returns 0 or -1. */
static int when_hhmm(const char *s, struct tm *tm)
{
    int h, m;

    if (strlen(s) != 5 || s[2] != ':' || when_digits(s, 2, &h) != 0 ||
        when_digits(s + 3, 2, &m) != 0 || h > 23 || m > 59)
        return -1;
    tm->tm_hour = h;
    tm->tm_min = m;
    tm->tm_sec = 0;
    return 0;
}

/* A session time: "2026-12-03 15:00" or "2026-12-03T15:00" (local), "2026-12-03T15:00Z" (UTC),
 * "today 15:00", "tomorrow 15:00" (local), "+2h", "+30m", "+1d". Returns 0 with ms, or -1. */
int when_at(const char *s, long long now_ms, long long *ms)
{
    struct tm tm;
    time_t now = (time_t)(now_ms / 1000), t;
    long long d_ms;
    int y, mo, d, utc = 0;

    memset(&tm, 0, sizeof(tm));
    if (s[0] == '+') {
        if (when_duration(s + 1, &d_ms) != 0)
            return -1;
        *ms = now_ms + d_ms;
        return 0;
    }
    if (strncmp(s, "today ", 6) == 0 || strncmp(s, "tomorrow ", 9) == 0) {
        int days = s[1] == 'o' && s[2] == 'm' ? 1 : 0;
        if (localtime_r(&now, &tm) == NULL || when_hhmm(s + (days ? 9 : 6), &tm) != 0)
            return -1;
        tm.tm_mday += days;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        if (t == (time_t)-1)
            return -1;
        *ms = (long long)t * 1000;
        return 0;
    }
    /* YYYY-MM-DD then ' ' or 'T', HH:MM, and an optional Z. */
    if (strlen(s) < 16 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
        when_digits(s, 4, &y) != 0 || when_digits(s + 5, 2, &mo) != 0 ||
        when_digits(s + 8, 2, &d) != 0 || mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    if (strcmp(s + 16, "Z") == 0)
        utc = 1;
    else if (s[16] != '\0')
        return -1;
    {
        char hm[6];
        memcpy(hm, s + 11, 5);
        hm[5] = '\0';
        if (when_hhmm(hm, &tm) != 0)
            return -1;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_isdst = -1;
    t = utc ? timegm(&tm) : mktime(&tm);
    /* mktime/timegm roll 31 February over into March: such a date does not exist. */
    if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
        return -1;
    *ms = (long long)t * 1000;
    return 0;
}
