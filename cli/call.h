/*
 * call: one invocation of lore (struct lore) and its connection to the node — connect on first
 * use, send a request and print the node's error, --json output, and the options every command
 * shares. Functions returning an int return an exit status (cli.h) after printing any error.
 */
#ifndef LORE_CALL_H
#define LORE_CALL_H

#include <jansson.h>
#include <stdbool.h>

#include "client.h"
#include "paths.h"

/* State of one invocation. */
struct lore {
    const char *home; /* --home DIR, or NULL (paths_resolve then reads LORE_HOME) */
    const char *cmd;  /* the command being run */
    bool json;        /* --json */
    bool have_paths;
    struct paths paths;
    struct client *client; /* connected on first use */
    long wait_ms; /* --wait: how long to wait for a node that is starting (0: not at all) */
    /* Print `lore CMD --help` on stdout and return the exit status (the command table is above
     * this layer: main sets the hook). */
    int (*help)(const char *cmd);
};

/* How long lore waits for a node that is starting, unless --wait says otherwise. */
#define CALL_WAIT_DEFAULT_S 5
#define CALL_WAIT_MAX_S 600

/* Connect on first use. While the socket is absent or refuses (a node starting, or none), try
 * again every 50 ms for up to l->wait_ms; then say that no node runs. */
int call_connect(struct lore *l);
/* Send req (stolen; NULL is "out of memory") and wait for the response. On success returns
 * LORE_EXIT_OK with *resp (an "ok" response, caller's reference). Otherwise prints the error
 * (and, with --json, the error object on stdout). */
int call_node(struct lore *l, json_t *req, json_t **resp);
/* call_node, then with --json print the response. Returns 1 when the caller should print *resp
 * for people, else 0 with the exit status in *rc (OK after --json output). */
int call_for_people(struct lore *l, json_t *req, json_t **resp, int *rc);
/* Print the help of the current command (l->help). */
int call_help(const struct lore *l);
/* Options of commands that take only --json and --help. Returns 1 to go on, or 0 with the exit
 * status in *rc (help printed, or a usage error reported). Leaves optind at the first argument. */
int call_json_help_opts(struct lore *l, int argc, char **argv, int *rc);
/* The same, and one more option without an argument, --flag (NULL: none), which sets *set. */
int call_json_help_flag_opts(struct lore *l, int argc, char **argv, const char *flag, bool *set,
                             int *rc);

#endif
