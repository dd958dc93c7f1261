/* args: the command line: usage errors, getopt, and the values options take (see args.h). */
#include "args.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hex.h"

/* Print "lore: CMD: MESSAGE (see `lore CMD --help`)" (cmd NULL: "lore: MESSAGE (see `lore
 * --help`)", lore's own options) and return the usage exit code. */
int args_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fputs("lore: ", stderr);
    if (cmd != NULL)
        fprintf(stderr, "%s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see `lore %s%s--help`)\n", cmd != NULL ? cmd : "", cmd != NULL ? " " : "");
    return LORE_EXIT_USAGE;
}

/* Explain what getopt_long (with opterr = 0 and a leading ':') objected to. */
int args_bad_option(const char *cmd, int c, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    bool is_long = arg != NULL && strncmp(arg, "--", 2) == 0;
    size_t n;

    if (c == ':') {
        if (is_long) {
            n = strcspn(arg, "=");
            return args_usage_error(cmd, "option '%.*s' needs an argument", (int)n, arg);
        }
        return args_usage_error(cmd, "option '-%c' needs an argument", optopt);
    }
    if (is_long) {
        n = strcspn(arg, "=");
        if (arg[n] == '=' && optopt != 0)
            return args_usage_error(cmd, "option '%.*s' takes no argument", (int)n, arg);
        return args_usage_error(cmd, "unknown option '%.*s'", (int)n, arg);
    }
    if (optopt != 0)
        return args_usage_error(cmd, "unknown option '-%c'", optopt);
    return args_usage_error(cmd, "unknown option '%s'", arg);
}

/* Reset getopt for a command's own argv (glibc reinitialises on optind = 0). */
void args_reset(void)
{
    optind = 0;
    opterr = 0;
}

int args_none(const char *cmd, int argc, char **argv)
{
    if (optind < argc)
        return args_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return LORE_EXIT_OK;
}

int args_one(const char *cmd, int argc, char **argv, const char *what, const char **out)
{
    if (optind >= argc)
        return args_usage_error(cmd, "missing %s", what);
    if (optind + 1 < argc)
        return args_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
    *out = argv[optind];
    return LORE_EXIT_OK;
}

/* --limit N: a whole number in 1..ARGS_LIMIT_MAX. */
int args_limit(const char *cmd, const char *s, long *out)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || v < 1 || v > ARGS_LIMIT_MAX)
        return args_usage_error(cmd, "--limit must be a whole number from 1 to %d, not '%s'",
                                ARGS_LIMIT_MAX, s);
    *out = v;
    return LORE_EXIT_OK;
}

/* An id or prefix the node can resolve: 4 to 64 hex digits. */
int args_check_id(const char *cmd, const char *id)
{
    size_t n = strlen(id);

    if (n < 4 || n > 64 || !hex_is_hex(id))
        return args_usage_error(cmd, "'%s' is not an entry id (give 4 to 64 hex digits of one)",
                                id);
    return LORE_EXIT_OK;
}

/* A JSON string from user text, or NULL if it is not valid UTF-8 (or holds a NUL). */
json_t *args_user_string(const char *s, size_t len)
{
    if (memchr(s, '\0', len) != NULL)
        return NULL;
    return json_stringn(s, len);
}

int args_set_string(json_t *o, const char *key, const char *value)
{
    json_t *v = args_user_string(value, strlen(value));

    if (v == NULL)
        return -1;
    return json_object_set_new(o, key, v);
}

int args_add_tag(const char *cmd, json_t *tags, const char *s)
{
    json_t *tag = args_user_string(s, strlen(s));

    if (tag == NULL || json_array_append_new(tags, tag) != 0)
        return args_usage_error(cmd, "the tag '%s' is not UTF-8 text", s);
    return LORE_EXIT_OK;
}
