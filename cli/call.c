/* call: one invocation of lore and its connection to the node (see call.h). */
#include "call.h"

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cli.h"
#include "client.h"
#include "out.h"
#include "paths.h"

/* Connect on first use. Returns an exit code (0 when connected), having printed any error. */
int call_connect(struct lore *l)
{
    enum client_connect_error why;
    char err[ERRMSG_MAX];
    struct timespec start, now, pause = {0, 50 * 1000 * 1000};
    long waited_ms;

    if (l->client != NULL)
        return LORE_EXIT_OK;
    if (!l->have_paths) {
        if (paths_resolve(l->home, &l->paths, err, sizeof(err)) != 0) {
            out_errorf("%s", err);
            return LORE_EXIT_FAIL;
        }
        l->have_paths = true;
    }
    /* A node started just before us (`lored &` then `lore team create`) has no socket yet. */
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        l->client = client_connect(l->paths.socket_path, &why, err, sizeof(err));
        if (l->client != NULL)
            return LORE_EXIT_OK;
        clock_gettime(CLOCK_MONOTONIC, &now);
        waited_ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (why != CLIENT_CONNECT_NO_NODE || waited_ms >= l->wait_ms)
            break;
        nanosleep(&pause, NULL);
    }
    if (why == CLIENT_CONNECT_NO_NODE) {
        if (l->home != NULL)
            out_errorf("no node is running at %s — start one with `lored --home %s &`",
                       l->paths.socket_path, l->home);
        else
            out_errorf("no node is running at %s — start one with `lored &` (or `systemctl "
                       "--user start lored`)",
                       l->paths.socket_path);
        return LORE_EXIT_NO_NODE;
    }
    out_errorf("%s", err);
    return LORE_EXIT_FAIL;
}

/* Send req (stolen) and wait for the response. On success returns 0 with *resp (an "ok" response,
 * caller's reference). Otherwise prints the error (and, with --json, the error object on stdout)
 * and returns the exit code. */
int call_node(struct lore *l, json_t *req, json_t **resp)
{
    json_t *r = NULL;
    char err[ERRMSG_MAX];
    int rc;

    *resp = NULL;
    /* jansson's allocator aborts when memory runs out (lore.c), so a request that could not be
     * built holds text that is not UTF-8 (or a NUL): the user's, not the machine's, fault. */
    if (req == NULL) {
        rc = args_usage_error(l->cmd, "an argument is not UTF-8 text");
        goto out;
    }
    rc = call_connect(l);
    if (rc != LORE_EXIT_OK)
        goto out;
    r = client_call(l->client, req, err, sizeof(err));
    if (r == NULL) {
        out_errorf("%s", err);
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    if (!json_is_true(json_object_get(r, "ok"))) {
        out_print_node_error(r);
        if (l->json)
            out_print_json(r);
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    *resp = r;
    r = NULL;
    rc = LORE_EXIT_OK;
out:
    json_decref(req);
    json_decref(r);
    return rc;
}

int call_for_people(struct lore *l, json_t *req, json_t **resp, int *rc)
{
    *rc = call_node(l, req, resp);
    if (*rc != LORE_EXIT_OK)
        return 0;
    if (l->json) {
        out_print_json(*resp);
        return 0;
    }
    return 1;
}

/* Options of commands that take only --json and --help. Returns 1 to go on, or 0 with the exit
 * status in *rc (help printed, or a usage error reported). Leaves optind at the first argument. */
int call_help(const struct lore *l)
{
    return l->help(l->cmd);
}

int call_json_help_opts(struct lore *l, int argc, char **argv, int *rc)
{
    return call_json_help_flag_opts(l, argc, argv, NULL, NULL, rc);
}

int call_json_help_flag_opts(struct lore *l, int argc, char **argv, const char *flag, bool *set,
                             int *rc)
{
    struct option opts[] = {{"json", no_argument, NULL, ARGS_OPT_JSON},
                            {"help", no_argument, NULL, 'h'},
                            {flag, no_argument, NULL, 'f'},
                            {NULL, 0, NULL, 0}};
    int c;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            return 1;
        switch (c) {
        case ARGS_OPT_JSON:
            l->json = true;
            break;
        case 'f':
            *set = true;
            break;
        case 'h':
            *rc = call_help(l);
            return 0;
        default:
            *rc = args_bad_option(l->cmd, c, argv);
            return 0;
        }
    }
}
