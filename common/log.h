/*
 * log: leveled logging to stderr.
 *
 * Under systemd (JOURNAL_STREAM set) each line starts with a "<N>" priority prefix (sd-daemon.h) so
 * journald keeps the severity; otherwise lines carry a UTC timestamp, the program name and the
 * level. The level is tested before anything is formatted.
 */
#ifndef LORE_LOG_H
#define LORE_LOG_H

#include <stdarg.h>

/* Values are syslog priorities, so they double as sd-daemon prefixes. */
enum log_level {
    LOG_LEVEL_ERROR = 3,
    LOG_LEVEL_WARN = 4,
    LOG_LEVEL_INFO = 6,
    LOG_LEVEL_DEBUG = 7,
};

/* Set the program name shown in lines (not copied: pass a string literal or argv[0]) and level. */
void log_init(const char *progname, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parse "error", "warn", "info" or "debug". Returns 0, or -1 for anything else. */
int log_level_parse(const char *s, enum log_level *out) __attribute__((warn_unused_result));
const char *log_level_name(enum log_level level);

/* log_warn appends ": <strerror(errno)>"; the x variants do not. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log at error level and exit(1). fatal appends strerror(errno), fatalx does not. */
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
