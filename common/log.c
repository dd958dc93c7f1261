#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *log_progname = "lore";
static enum log_level log_current = LOG_LEVEL_INFO;
static int log_journal = -1; /* -1 = not yet probed */

void log_init(const char *progname, enum log_level level)
{
    const char *slash;

    if (progname != NULL) {
        slash = strrchr(progname, '/');
        log_progname = slash != NULL ? slash + 1 : progname;
    }
    log_current = level;
    log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_set_level(enum log_level level)
{
    log_current = level;
}

enum log_level log_get_level(void)
{
    return log_current;
}

static const struct {
    const char *name;
    enum log_level level;
} log_names[] = {
    {"error", LOG_LEVEL_ERROR},
    {"warn", LOG_LEVEL_WARN},
    {"info", LOG_LEVEL_INFO},
    {"debug", LOG_LEVEL_DEBUG},
};

int log_level_parse(const char *s, enum log_level *out)
{
    size_t i;

    for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
        if (strcasecmp(s, log_names[i].name) == 0) {
            *out = log_names[i].level;
            return 0;
        }
    }
    return -1;
}

const char *log_level_name(enum log_level level)
{
    size_t i;

    for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
        if (log_names[i].level == level)
            return log_names[i].name;
    return "info";
}

static void log_vemit(enum log_level level, int with_errno, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void log_vemit(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
    int saved = errno;
    char msg[2048];
    struct timespec ts;
    struct tm tm;

    if (level > log_current)
        return;
    if (log_journal < 0)
        log_journal = getenv("JOURNAL_STREAM") != NULL;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (log_journal) {
        if (with_errno)
            fprintf(stderr, "<%d>%s: %s\n", (int)level, msg, strerror(saved));
        else
            fprintf(stderr, "<%d>%s\n", (int)level, msg);
    } else {
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: %s%s%s\n", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
                log_progname, log_level_name(level), msg, with_errno ? ": " : "",
                with_errno ? strerror(saved) : "");
    }
    errno = saved;
}

#define LOG_FN(fname, level, with_errno)                                                           \
    void fname(const char *fmt, ...)                                                               \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_vemit(level, with_errno, fmt, ap);                                                     \
        va_end(ap);                                                                                \
    }

LOG_FN(log_error, LOG_LEVEL_ERROR, 0)
LOG_FN(log_warn, LOG_LEVEL_WARN, 1)
LOG_FN(log_warnx, LOG_LEVEL_WARN, 0)
LOG_FN(log_info, LOG_LEVEL_INFO, 0)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, 0)

void fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vemit(LOG_LEVEL_ERROR, 1, fmt, ap);
    va_end(ap);
    exit(1);
}

void fatalx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vemit(LOG_LEVEL_ERROR, 0, fmt, ap);
    va_end(ap);
    exit(1);
}
