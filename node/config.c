#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dayspan.h"
#include "errmsg.h"
#include "hostport.h"
#include "text.h"
#include "xmalloc.h"

/*
 * The option table. To add an option: add the field to struct config, a row here, and (for a new
 * type) a case in config_parse_value, config_format_value and config_destroy. A repeatable option
 * such as `peer` would be a new type (say CONFIG_STRING_LIST) whose parser appends instead of
 * replacing; everything else (lookup, errors with FILE:LINE, dump) stays as it is.
 */
enum config_type {
    CONFIG_STRING,    /* char *; min/max bound the length in bytes */
    CONFIG_INT,       /* int; min/max bound the value */
    CONFIG_LOG_LEVEL, /* enum log_level: error|warn|info|debug */
    CONFIG_LIST,      /* struct config_list; each line appends; min/max bound each item */
    CONFIG_BOOL,      /* int 0/1: on|off, yes|no, true|false, 1|0 */
};

struct config_option {
    const char *name;
    enum config_type type;
    size_t offset;   /* of the field in struct config */
    const char *def; /* default, written as it would be in the file */
    long min, max;
    const char *doc; /* one line, shown by config_dump */
    /* Optional extra check of a string value; fills err and returns -1 to refuse it. */
    int (*check)(const char *value, char *err, size_t errlen);
};

/* HOST:PORT (hostport_parse; port 0 is any free port), or "" where listening can be turned off. */
static int config_check_addr(const char *value, char *err, size_t errlen)
{
    if (value[0] == '\0')
        return 0;
    return hostport_parse(value, 0, NULL, NULL, err, errlen);
}

/* "" (no web interface) or a loopback HOST:PORT: 127.0.0.0/8, [::1] or localhost. The web
 * interface serves this person's node and nobody else: another address is refused. */
static int config_check_web_listen(const char *value, char *err, size_t errlen)
{
    struct in_addr a4;
    char host[HOSTPORT_MAX + 1];
    size_t hostlen;

    if (value[0] == '\0')
        return 0;
    if (hostport_parse(value, 0, &hostlen, NULL, err, errlen) != 0)
        return -1;
    memcpy(host, value, hostlen);
    host[hostlen] = '\0';
    if (strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
        (inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127))
        return 0;
    errmsg_set(err, errlen,
               "web_listen must be a loopback address (127.0.0.1, [::1] or localhost), not "
               "'%.60s': the web interface is for this computer's person only",
               host);
    return -1;
}

/* Text lore can store and show: valid UTF-8 without control characters. */
static int config_check_name(const char *value, char *err, size_t errlen)
{
    if (!text_valid((const uint8_t *)value, strlen(value), 0)) {
        errmsg_set(err, errlen, "name must be valid UTF-8 without control characters");
        return -1;
    }
    return 0;
}

/* Which watch events `lore watch --notify` turns into desktop notifications. */
static int config_check_notify(const char *value, char *err, size_t errlen)
{
    if (strcmp(value, "all") != 0 && strcmp(value, "urgent") != 0 && strcmp(value, "off") != 0) {
        errmsg_set(err, errlen, "notify must be all, urgent or off (not '%.40s')", value);
        return -1;
    }
    return 0;
}

/* Quiet hours: "" or HH:MM-HH:MM of local time (dayspan_parse). */
static int config_check_quiet_hours(const char *value, char *err, size_t errlen)
{
    struct dayspan d;
    char msg[ERRMSG_MAX];

    if (dayspan_parse(value, &d, msg, sizeof(msg)) != 0) {
        errmsg_set(err, errlen, "quiet_hours: %s", msg);
        return -1;
    }
    return 0;
}

static const struct config_option config_options[] = {
    {"name", CONFIG_STRING, offsetof(struct config, name), "", 0, 128,
     "display name used when the identity is first created", config_check_name},
    {"log_level", CONFIG_LOG_LEVEL, offsetof(struct config, log_level), "info", 0, 0,
     "least severe messages logged: error, warn, info or debug", NULL},
    {"cache_mb", CONFIG_INT, offsetof(struct config, cache_mb), "16", 1, 1024,
     "SQLite page cache in MiB", NULL},
    {"listen", CONFIG_STRING, offsetof(struct config, listen), "0.0.0.0:5673", 0, HOSTPORT_MAX,
     "HOST:PORT where peers reach this node (port 0: any free port; empty: do not listen)",
     config_check_addr},
    {"peer", CONFIG_LIST, offsetof(struct config, peers), "", 1, HOSTPORT_MAX,
     "HOST:PORT of a peer to dial; repeat the line for more", config_check_addr},
    {"sync_interval", CONFIG_INT, offsetof(struct config, sync_interval), "30", 1, 3600,
     "seconds between reconciliations with each peer", NULL},
    {"mdns", CONFIG_BOOL, offsetof(struct config, mdns), "on", 0, 0,
     "find peers on the local network with mDNS/DNS-SD (needs avahi-daemon)", NULL},
    {"mdns_interfaces", CONFIG_STRING, offsetof(struct config, mdns_interfaces), "", 0, 200,
     "comma-separated network interfaces for mDNS (empty: all)", NULL},
    {"peer_exchange", CONFIG_BOOL, offsetof(struct config, peer_exchange), "on", 0, 0,
     "tell peers whom we know and dial whom they know (one link then joins two subnets)", NULL},
    {"push_pacing", CONFIG_BOOL, offsetof(struct config, push_pacing), "on", 0, 0,
     "push entries whole to a peer at most 16 a second, the rest by id (off: push all, as a "
     "client ignoring peers' limits would; for tests)",
     NULL},
    {"verify_threads", CONFIG_INT, offsetof(struct config, verify_threads), "0", 0, 64,
     "threads checking signatures of entries from peers (0: one fewer than the CPUs, at least 1)",
     NULL},
    {"notify", CONFIG_STRING, offsetof(struct config, notify), "all", 0, 6,
     "desktop notifications of `lore watch --notify`: all (every event for you), urgent (urgent "
     "requests and direct asks) or off",
     config_check_notify},
    {"quiet_hours", CONFIG_STRING, offsetof(struct config, quiet_hours), "", 0, DAYSPAN_MAX,
     "HH:MM-HH:MM of local time without desktop notifications, e.g. 22:00-07:00 (empty: none)",
     config_check_quiet_hours},
    {"escalate_after", CONFIG_INT, offsetof(struct config, escalate_after), "600", 1, 43200,
     "seconds an urgent question waits for an answer before it reaches who follows its tags", NULL},
    {"escalate_again", CONFIG_INT, offsetof(struct config, escalate_again), "600", 1, 43200,
     "seconds more before an unanswered urgent question reaches everyone whose node is up", NULL},
    {"web_listen", CONFIG_STRING, offsetof(struct config, web_listen), "127.0.0.1:5680", 0,
     HOSTPORT_MAX,
     "HOST:PORT of the web interface, a loopback address only (port 0: any free port; empty: "
     "off); lore web prints its address",
     config_check_web_listen},
    {"integrity_per_second", CONFIG_INT, offsetof(struct config, integrity_per_second), "200", 0,
     100000,
     "entries the background integrity pass verifies again each second, signature included "
     "(0: off; `lore check` does them all at once)",
     NULL},
};

#define CONFIG_NOPTIONS (sizeof(config_options) / sizeof(config_options[0]))

static const struct config_option *config_find(const char *name)
{
    size_t i;

    for (i = 0; i < CONFIG_NOPTIONS; i++)
        if (strcmp(config_options[i].name, name) == 0)
            return &config_options[i];
    return NULL;
}

/* Parse a whole decimal integer (optional sign, no spaces or trailing text) within [min, max]. */
static int config_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    if (s[0] == '\0' || isspace((unsigned char)s[0]))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Check and store value into the field of opt. The field is unchanged on error. */
static int config_parse_value(struct config *cfg, const struct config_option *opt,
                              const char *value, char *err, size_t errlen)
{
    void *field = (char *)cfg + opt->offset;
    enum log_level level;
    size_t len;
    long v;
    int rc = -1;

    if (opt->check != NULL && opt->check(value, err, errlen) != 0)
        goto out;
    switch (opt->type) {
    case CONFIG_STRING:
        len = strlen(value);
        if ((long)len < opt->min || len > (size_t)opt->max) {
            errmsg_set(err, errlen, "%s must be from %ld to %ld bytes long", opt->name, opt->min,
                       opt->max);
            goto out;
        }
        free(*(char **)field);
        *(char **)field = xstrdup(value);
        break;
    case CONFIG_LIST: {
        struct config_list *list = field;
        len = strlen(value);
        if ((long)len < opt->min || len > (size_t)opt->max) {
            errmsg_set(err, errlen, "%s must be from %ld to %ld bytes long", opt->name, opt->min,
                       opt->max);
            goto out;
        }
        if (list->n == CONFIG_LIST_MAX) {
            errmsg_set(err, errlen, "at most %d %s lines", CONFIG_LIST_MAX, opt->name);
            goto out;
        }
        list->items = xreallocarray(list->items, list->n + 1, sizeof(*list->items));
        list->items[list->n++] = xstrdup(value);
        break;
    }
    case CONFIG_INT:
        if (config_parse_long(value, opt->min, opt->max, &v) != 0) {
            errmsg_set(err, errlen, "%s must be an integer from %ld to %ld", opt->name, opt->min,
                       opt->max);
            goto out;
        }
        *(int *)field = (int)v;
        break;
    case CONFIG_BOOL:
        if (strcmp(value, "on") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 ||
            strcmp(value, "1") == 0) {
            *(int *)field = 1;
        } else if (strcmp(value, "off") == 0 || strcmp(value, "no") == 0 ||
                   strcmp(value, "false") == 0 || strcmp(value, "0") == 0) {
            *(int *)field = 0;
        } else {
            errmsg_set(err, errlen, "%s must be on or off", opt->name);
            goto out;
        }
        break;
    case CONFIG_LOG_LEVEL:
        if (log_level_parse(value, &level) != 0) {
            errmsg_set(err, errlen, "%s must be one of error, warn, info, debug", opt->name);
            goto out;
        }
        *(enum log_level *)field = level;
        break;
    default:
        errmsg_set(err, errlen, "%s: option has an unknown type", opt->name);
        goto out;
    }
    rc = 0;
out:
    return rc;
}

/* The effective value of opt as a config-file string, into buf. */
static const char *config_format_value(const struct config *cfg, const struct config_option *opt,
                                       char *buf, size_t buflen)
{
    const void *field = (const char *)cfg + opt->offset;
    const char *s;

    switch (opt->type) {
    case CONFIG_STRING:
        s = *(char *const *)field;
        return s != NULL ? s : "";
    case CONFIG_INT:
        snprintf(buf, buflen, "%d", *(const int *)field);
        return buf;
    case CONFIG_LOG_LEVEL:
        return log_level_name(*(const enum log_level *)field);
    case CONFIG_LIST:
        break; /* written line by line by config_dump */
    case CONFIG_BOOL:
        return *(const int *)field ? "on" : "off";
    }
    return "";
}

struct config *config_new(void)
{
    struct config *cfg = xcalloc(1, sizeof(*cfg));
    char err[ERRMSG_MAX];
    size_t i;

    for (i = 0; i < CONFIG_NOPTIONS; i++) {
        if (config_options[i].type == CONFIG_LIST && config_options[i].def[0] == '\0')
            continue; /* an empty list */
        if (config_parse_value(cfg, &config_options[i], config_options[i].def, err, sizeof(err)) !=
            0)
            fatalx("config: bad built-in default: %s", err);
    }
    return cfg;
}

void config_destroy(struct config **cp)
{
    struct config *cfg;
    size_t i;

    if (cp == NULL || *cp == NULL)
        return;
    cfg = *cp;
    for (i = 0; i < CONFIG_NOPTIONS; i++) {
        void *field = (char *)cfg + config_options[i].offset;
        if (config_options[i].type == CONFIG_STRING) {
            free(*(char **)field);
        } else if (config_options[i].type == CONFIG_LIST) {
            struct config_list *list = field;
            for (size_t k = 0; k < list->n; k++)
                free(list->items[k]);
            free(list->items);
        }
    }
    free(cfg);
    *cp = NULL;
}

int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    const struct config_option *opt = config_find(key);

    if (opt == NULL) {
        errmsg_set(err, errlen, "unknown option '%s'", key);
        return -1;
    }
    return config_parse_value(cfg, opt, value, err, errlen);
}

/*
 * Loading. inih does not tell the handler which line it is on, so we feed it through our own
 * line reader, which counts lines (inih calls it once per line) and takes care of what inih would
 * accept silently: section headers, over-long lines, NUL bytes, and indented lines (which inih
 * would treat as continuations of the previous value; we strip the indentation instead).
 */
struct config_load_state {
    struct config *cfg;
    const char *path;
    FILE *fp;
    int lineno;           /* of the line last handed to inih */
    int err_line;         /* first error we found ourselves, 0 if none */
    char err[ERRMSG_MAX]; /* its message, without "FILE:LINE: " */
    int read_errno;       /* errno of a read error, 0 if none */
};

static void config_load_fail(struct config_load_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record an error on the current line, unless an earlier one is already recorded. */
static void config_load_fail(struct config_load_state *st, const char *fmt, ...)
{
    va_list ap;

    if (st->err_line != 0)
        return;
    st->err_line = st->lineno;
    va_start(ap, fmt);
    vsnprintf(st->err, sizeof(st->err), fmt, ap);
    va_end(ap);
}

/* fgets-like: one line into str (at most num-1 bytes, with its newline). */
static char *config_reader(char *str, int num, void *stream)
{
    struct config_load_state *st = stream;
    size_t n = 0, cap = num > 1 ? (size_t)num - 2 : 0; /* room for '\n' and NUL */
    int c, any = 0, too_long = 0, nul = 0;
    char *start;

    if (num < 2)
        return NULL;
    for (;;) {
        c = getc(st->fp);
        if (c == EOF)
            break;
        any = 1;
        if (c == '\n')
            break;
        if (c == '\0')
            nul = 1;
        else if (n < cap)
            str[n++] = (char)c;
        else
            too_long = 1;
    }
    if (!any) {
        if (ferror(st->fp))
            st->read_errno = errno != 0 ? errno : EIO;
        return NULL;
    }
    st->lineno++;
    str[n] = '\0';
    start = str;
    if (st->lineno == 1 && n >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0)
        start += 3; /* a UTF-8 byte order mark */
    start += strspn(start, " \t\r\v\f");
    if (too_long) {
        config_load_fail(st, "line is longer than %zu bytes", cap);
        start[0] = '\0';
    } else if (nul) {
        config_load_fail(st, "line contains a NUL byte");
        start[0] = '\0';
    } else if (start[0] == '[') {
        config_load_fail(st, "sections are not supported (the file is flat `key = value` lines)");
        start[0] = '\0';
    }
    if (start != str)
        memmove(str, start, strlen(start) + 1);
    n = strlen(str);
    str[n] = '\n';
    str[n + 1] = '\0';
    return str;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
    struct config_load_state *st = user;
    char msg[256];

    (void)section;       /* always "": the reader hides section headers from inih */
    if (value == NULL) { /* only if inih was built with INI_ALLOW_NO_VALUE */
        config_load_fail(st, "'%s' has no value (expected `key = value`)", name);
        return 0;
    }
    if (config_set(st->cfg, name, value, msg, sizeof(msg)) != 0) {
        config_load_fail(st, "%s", msg);
        return 0;
    }
    return 1;
}

int config_load(struct config *cfg, const char *path, int must_exist, char *err, size_t errlen)
{
    struct config_load_state st;
    struct stat sb;
    int rc = -1, line;

    memset(&st, 0, sizeof(st));
    st.cfg = cfg;
    st.path = path;
    st.fp = fopen(path, "re");
    if (st.fp == NULL) {
        if (errno == ENOENT && !must_exist)
            rc = 0;
        else
            errmsg_set(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fileno(st.fp), &sb) != 0) {
        errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (S_ISDIR(sb.st_mode)) {
        errmsg_set(err, errlen, "%s: is a directory", path);
        goto out;
    }
    /* Whoever can write the config chooses our peers and name: as with key files, only we may. */
    if (sb.st_uid != geteuid()) {
        errmsg_set(err, errlen, "%s: owned by uid %lu, not by us (uid %lu); refusing it", path,
                   (unsigned long)sb.st_uid, (unsigned long)geteuid());
        goto out;
    }
    if ((sb.st_mode & 022) != 0) {
        errmsg_set(err, errlen,
                   "%s: permissions %04o make it writable by others; refusing it (run: chmod go-w "
                   "%s)",
                   path, (unsigned)(sb.st_mode & 07777), path);
        goto out;
    }

    line = ini_parse_stream(config_reader, &st, config_handler, &st);
    if (st.read_errno != 0) {
        errmsg_set(err, errlen, "%s: read error: %s", path, strerror(st.read_errno));
        goto out;
    }
    if (line < 0) {
        errmsg_set(err, errlen, "%s: cannot parse (error %d from inih)", path, line);
        goto out;
    }
    /* inih returns the line of its first error, which is either one the handler refused (we hold
     * the message) or a syntax error of its own; report whichever came first. */
    if (line > 0 && (st.err_line == 0 || line < st.err_line)) {
        errmsg_set(err, errlen, "%s:%d: syntax error (expected `key = value`)", path, line);
        goto out;
    }
    if (st.err_line != 0) {
        errmsg_set(err, errlen, "%s:%d: %s", path, st.err_line, st.err);
        goto out;
    }
    rc = 0;
out:
    if (st.fp != NULL)
        fclose(st.fp);
    return rc;
}

void config_dump(const struct config *cfg, FILE *out)
{
    const struct config_option *opt;
    char buf[32];
    size_t i;

    for (i = 0; i < CONFIG_NOPTIONS; i++) {
        opt = &config_options[i];
        if (opt->type == CONFIG_LIST) {
            const struct config_list *list =
                (const struct config_list *)((const char *)cfg + opt->offset);
            fprintf(out, "# %s (default: none)\n", opt->doc);
            if (list->n == 0)
                fprintf(out, "#%s = HOST:PORT\n", opt->name);
            for (size_t k = 0; k < list->n; k++)
                fprintf(out, "%s = %s\n", opt->name, list->items[k]);
            continue;
        }
        if (opt->type == CONFIG_STRING)
            fprintf(out, "# %s (default \"%s\")\n", opt->doc, opt->def);
        else if (opt->type == CONFIG_INT)
            fprintf(out, "# %s, %ld to %ld (default %s)\n", opt->doc, opt->min, opt->max, opt->def);
        else
            fprintf(out, "# %s (default %s)\n", opt->doc, opt->def);
        fprintf(out, "%s = %s\n", opt->name, config_format_value(cfg, opt, buf, sizeof(buf)));
    }
}
