#include "dayspan.h"

#include <string.h>

#include "errmsg.h"

/* "HH:MM" at s (exactly five bytes, already known to be there) as a minute of the day, or -1. */
static int dayspan_time(const char *s)
{
    int i, h, m;

    for (i = 0; i < 5; i++) {
        if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
            return -1;
    }
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59)
        return -1;
    return h * 60 + m;
}

int dayspan_parse(const char *s, struct dayspan *out, char *err, size_t errlen)
{
    int from, to;

    if (s[0] == '\0') {
        memset(out, 0, sizeof(*out));
        return 0;
    }
    if (strlen(s) != DAYSPAN_MAX || s[5] != '-') {
        errmsg_set(err, errlen, "'%.40s' is not HH:MM-HH:MM (say 22:00-07:00)", s);
        return -1;
    }
    from = dayspan_time(s);
    to = dayspan_time(s + 6);
    if (from < 0 || to < 0) {
        errmsg_set(err, errlen, "'%.40s': times go from 00:00 to 23:59", s);
        return -1;
    }
    if (from == to) {
        errmsg_set(err, errlen, "'%.40s': the window starts where it ends", s);
        return -1;
    }
    out->set = 1;
    out->from_min = from;
    out->to_min = to;
    return 0;
}

int dayspan_contains_min(const struct dayspan *d, int minute)
{
    if (!d->set || minute < 0 || minute >= 24 * 60)
        return 0;
    if (d->from_min < d->to_min)
        return minute >= d->from_min && minute < d->to_min;
    return minute >= d->from_min || minute < d->to_min; /* spans midnight */
}

int dayspan_contains(const struct dayspan *d, time_t t)
{
    struct tm tm;

    if (!d->set || localtime_r(&t, &tm) == NULL)
        return 0;
    return dayspan_contains_min(d, tm.tm_hour * 60 + tm.tm_min);
}
