/*
 * node: lored composed — paths, config, identity, replica, event loop and local API — and the
 * handlers of the local API's ops (docs/API.md).
 */
#ifndef LORE_NODE_H
#define LORE_NODE_H

#include <stddef.h>
#include <stdio.h>

#include "log.h"

struct node_options {
    const char *home;        /* --home, or NULL for LORE_HOME / XDG directories */
    const char *config_file; /* --config: must exist; NULL = the default path, may be absent */
    int log_level_set;       /* --log-level given: it overrides the config file */
    enum log_level log_level;
    const char *const *sets; /* "key=value" config overrides (--listen, --peer, --set) */
    size_t nsets;
};

struct node;

/* Set everything up: directories, config, identity (created on first start), replica, control
 * socket. Returns NULL with one line for people in err. */
struct node *node_new(const struct node_options *opts, char *err, size_t errlen);

/* Serve until SIGINT/SIGTERM or a `stop` request. Returns 0 on a clean stop, -1 on failure. */
int node_run(struct node *n) __attribute__((warn_unused_result));

void node_destroy(struct node **np);

/* Print the effective configuration (file and overrides) as lored --print-config does. */
int node_print_config(const struct node_options *opts, FILE *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
