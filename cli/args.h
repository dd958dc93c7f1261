/*
 * args: the command line of one command — usage errors in one form ("lore: CMD: ... (see `lore
 * CMD --help`)"), getopt_long's objections explained, and the values options take. cmd names the
 * command in messages; functions returning an int return an exit status (cli.h) after printing
 * any error.
 */
#ifndef LORE_ARGS_H
#define LORE_ARGS_H

#include <jansson.h>
#include <stddef.h>

#define ARGS_LIMIT_MAX 500 /* --limit */

/* Long-only options every command may share. */
enum {
    ARGS_OPT_JSON = 1000,
};

/* Print "lore: CMD: MESSAGE (see `lore CMD --help`)" and return LORE_EXIT_USAGE. With cmd NULL
 * (lore's own options, before the command): "lore: MESSAGE (see `lore --help`)". Every usage
 * message goes through here, so one mistake reads the same in every command. */
int args_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Explain what getopt_long (with opterr = 0 and a leading ':' in its short options) objected
 * to, as returned in c (a missing argument, a value given to a flag, an unknown option); returns
 * LORE_EXIT_USAGE. cmd as args_usage_error's. */
int args_bad_option(const char *cmd, int c, char **argv);
/* Reset getopt for a command's own argv (glibc reinitialises on optind = 0; opterr = 0). */
void args_reset(void);
/* A usage error if any argument is left after optind. */
int args_none(const char *cmd, int argc, char **argv);
/* Exactly one argument left after optind, into *out; else a usage error ("missing WHAT"). */
int args_one(const char *cmd, int argc, char **argv, const char *what, const char **out);
/* --limit N: a whole number in 1..ARGS_LIMIT_MAX into *out. */
int args_limit(const char *cmd, const char *s, long *out);
/* An id or prefix the node can resolve: 4 to 64 hex digits. */
int args_check_id(const char *cmd, const char *id);
/* A JSON string from user text (new reference), or NULL if it is not UTF-8 or holds a NUL. */
json_t *args_user_string(const char *s, size_t len);
/* Set o[key] to the user text value. Returns 0, or -1 if it is not UTF-8 (or out of memory). */
int args_set_string(json_t *o, const char *key, const char *value);
/* --tag TAG: append the user text s to the array tags. Returns LORE_EXIT_OK, or a usage error
 * if it is not UTF-8 (or out of memory). */
int args_add_tag(const char *cmd, json_t *tags, const char *s);

#endif
