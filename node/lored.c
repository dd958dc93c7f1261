/* lored: the lore node. Runs in the foreground (systemd, or `lored &`); logs to stderr. */
#include <getopt.h>
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "errmsg.h"
#include "log.h"
#include "node.h"
#include "version.h"
#include "xmalloc.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lored [--home DIR] [--config FILE] [--log-level LEVEL] [--listen HOST:PORT]\n"
            "             [--peer HOST:PORT]... [--set KEY=VALUE]... [--print-config]\n"
            "\n"
            "Run a lore node: keep this person's replica of the team's knowledge and serve\n"
            "the `lore` command through a local socket.\n"
            "\n"
            "  --home DIR         keep config, data and socket under DIR (also LORE_HOME)\n"
            "  --config FILE      read FILE instead of the default lore.conf (must exist)\n"
            "  --log-level LEVEL  error, warn, info or debug (overrides the config)\n"
            "  --listen HOST:PORT where peers reach this node (port 0: any free port)\n"
            "  --peer HOST:PORT   dial this peer (repeatable)\n"
            "  --set KEY=VALUE    set any config option (repeatable)\n"
            "  --print-config     print every option with its effective value and exit\n"
            "  --version          print the version and exit\n"
            "  -h, --help         print this help and exit\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"home", required_argument, NULL, 'H'},
        {"config", required_argument, NULL, 'c'},
        {"log-level", required_argument, NULL, 'l'},
        {"print-config", no_argument, NULL, 'p'},
        {"listen", required_argument, NULL, 'L'},
        {"peer", required_argument, NULL, 'P'},
        {"set", required_argument, NULL, 'S'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct node_options opts = {0};
    char *sets[64];
    size_t nsets = 0, i;
    struct node *n = NULL;
    char err[ERRMSG_MAX];
    int c, print_config = 0, rc = 1;

    /* One malloc arena, not eight per core: the pipeline's threads (verify, write, ZeroMQ's) each
     * took one and kept its free memory, tens of MiB after a bootstrap. Not two either: malloc_trim
     * gives back the top of the main arena only, and a second one kept ~1 MiB of free pages after
     * a 100k bootstrap (idle RSS 19.2-19.5 MiB; one arena: 18.3-18.5, as fast: bench_sync). */
    (void)mallopt(M_ARENA_MAX, 1);
    log_init(argv[0], LOG_LEVEL_INFO);
    /* jansson allocates through the same policy as the rest of the tree: out of memory aborts; and
     * what it frees is wiped, since requests and replies may carry a join code. */
    json_set_alloc_funcs(xmalloc, xfree_wiped);
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'H':
            opts.home = optarg;
            break;
        case 'c':
            opts.config_file = optarg;
            break;
        case 'l':
            if (log_level_parse(optarg, &opts.log_level) != 0) {
                fprintf(stderr, "lored: --log-level takes error, warn, info or debug\n");
                return 2;
            }
            opts.log_level_set = 1;
            log_set_level(opts.log_level);
            break;
        case 'p':
            print_config = 1;
            break;
        case 'L':
        case 'P':
        case 'S':
            if (nsets == sizeof(sets) / sizeof(sets[0])) {
                fprintf(stderr, "lored: too many --listen/--peer/--set options\n");
                return 2;
            }
            sets[nsets++] = c == 'S' ? xstrdup(optarg)
                                     : xasprintf("%s=%s", c == 'L' ? "listen" : "peer", optarg);
            break;
        case 'V':
            printf("lored %s\n", lore_version());
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "lored: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    opts.sets = (const char *const *)sets;
    opts.nsets = nsets;
    if (print_config) {
        rc = node_print_config(&opts, stdout, err, sizeof(err)) == 0 ? 0 : 1;
        if (rc != 0)
            fprintf(stderr, "lored: %s\n", err);
        goto out;
    }
    n = node_new(&opts, err, sizeof(err));
    if (n == NULL) {
        log_error("%s", err);
        rc = 1;
        goto out;
    }
    rc = node_run(n) == 0 ? 0 : 1;
    node_destroy(&n);
out:
    for (i = 0; i < nsets; i++)
        free(sets[i]);
    return rc;
}
