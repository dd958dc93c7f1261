/*
 * lore_int: what the CLI's modules share — the invocation state, the command table entry, and the
 * helpers commands use to talk to the node and print. Private to cli/.
 */
#ifndef LORE_LORE_INT_H
#define LORE_LORE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "client.h"
#include "paths.h"
#include "text.h"

#ifndef LORE_VERSION
#define LORE_VERSION "0.0.0"
#endif

enum lore_exit {
    LORE_EXIT_OK = 0,
    LORE_EXIT_FAIL = 1,    /* the node answered with an error, or a local failure */
    LORE_EXIT_USAGE = 2,   /* bad command line */
    LORE_EXIT_NO_NODE = 3, /* nothing listens on the socket */
};

#define LORE_BODY_MAX (1024u * 1024)
#define LORE_NAME_MAX 100
#define LORE_LIMIT_MAX 500
#define LORE_CHECK_TIMEOUT_MS (10 * 60 * 1000)
#define LORE_HL_OPEN TEXT_TERM_BOLD_ON
#define LORE_HL_CLOSE TEXT_TERM_BOLD_OFF
#define LORE_SHORT_ID 12

/* Long-only options. */
enum {
    OPT_JSON = 1000,
};

/* State of one invocation. */
struct lore {
    const char *home; /* --home DIR, or NULL (paths_resolve then reads LORE_HOME) */
    const char *cmd;  /* the command being run */
    bool json;        /* --json */
    bool have_paths;
    struct paths paths;
    struct client *client; /* connected on first use */
};

struct lore_command {
    const char *name;
    int (*run)(struct lore *l, int argc, char **argv);
    const char *synopsis; /* after "lore " */
    const char *summary;  /* one line for `lore help` */
    const char *help;     /* options and notes for `lore COMMAND --help` */
};

struct lore_body_opts {
    const char *text;    /* --body */
    const char *file;    /* --file */
    bool from_stdin;     /* "-" */
    bool edit;           /* --edit */
    const char *initial; /* with edit: the text the editor starts from (NULL: empty) */
};

#define BODY_HELP                                                                                  \
    "  -b, --body TEXT   the body text\n"                                                          \
    "  -f, --file F      read the body from file F (at most 1 MiB)\n"                              \
    "  -                 read the body from standard input (at most 1 MiB)\n"                      \
    "  -e, --edit        write the body in $VISUAL or $EDITOR\n"
#define JSON_HELP "      --json        print the node's response as JSON\n"
#define HELP_HELP "  -h, --help        show this help\n"

/* Print "lore: MESSAGE" on stderr. */
void lore_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: the message and a hint; returns LORE_EXIT_USAGE. */
int lore_usage_error(const struct lore *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int lore_bad_option(const struct lore *l, int c, char **argv);
size_t lore_text_width(const char *s);
void lore_pad(FILE *f, size_t have, size_t want);
const char *lore_jstr(json_t *o, const char *key);
long long lore_jint(json_t *o, const char *key);
const char *lore_kind(json_t *e, char *tmp, size_t n);
const char *lore_author(json_t *e, char *tmp, size_t n);
void lore_format_date(long long ms, bool with_time, char *out, size_t n);
void lore_format_age(long long created_ms, char *out, size_t n);
void lore_format_duration(long long s, char *out, size_t n);
void lore_put_tags(FILE *f, json_t *e);
void lore_print_entry_line(FILE *f, json_t *e, size_t author_width);
size_t lore_author_width(json_t *arr, const char *inner);
void lore_print_json(json_t *resp);
void lore_print_node_error(json_t *resp);
int lore_connect(struct lore *l);
int lore_call(struct lore *l, json_t *req, json_t **resp);
/* lore_call (req is consumed), then with --json print the response. Returns 1 when the caller
 * should print *resp for people, else 0 with the exit code in *rc (OK after --json output). */
int lore_call_for_people(struct lore *l, json_t *req, json_t **resp, int *rc);
int lore_command_help(const char *name);
void lore_getopt_reset(void);
int lore_no_args(const struct lore *l, int argc, char **argv);
int lore_parse_limit(const struct lore *l, const char *s, long *out);
int lore_check_id(const struct lore *l, const char *id);
json_t *lore_user_string(const char *s, size_t len);
int lore_set_string(json_t *o, const char *key, const char *value);
bool lore_use_color(void);
int lore_get_body(const struct lore *l, const struct lore_body_opts *o, bool required,
                  json_t **out);
int lore_json_help_opts(struct lore *l, int argc, char **argv, int *rc);
int lore_parse_since(const char *s, long long *ms);
void lore_print_entry_full(json_t *e, const char *indent);
void lore_print_replies(json_t *resp, const char *key, const char *singular);
/* cmd_content.c: print the "history" of a get response, each version diffed against the last. */
void lore_print_history(json_t *resp);

/* cmd_people.c: print the inbox's "Mentoring requests" and "Reminders" sections. */
void lore_people_print_inbox(json_t *resp);

/* Command tables of the modules, each ending with a NULL name. */
extern const struct lore_command lore_content_commands[]; /* cmd_content.c */
extern const struct lore_command lore_people_commands[];  /* cmd_people.c */

#endif
