#include "node.h"
#include "node_int.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "api.h"
#include "config.h"
#include "errmsg.h"
#include "gossip.h"
#include "hex.h"
#include "identity.h"
#include "kinds.h"
#include "loop.h"
#include "mdns.h"
#include "node_call.h"
#include "node_clock.h"
#include "node_core.h"
#include "node_escalate.h"
#include "node_integrity.h"
#include "node_json.h"
#include "node_net.h"
#include "node_people.h"
#include "node_publish.h"
#include "node_teamstate.h"
#include "node_watch.h"
#include "paths.h"
#include "replica.h"
#include "team.h"
#include "teamfile.h"
#include "web.h"
#include "xmalloc.h"

/* How long a new node waits for one that is stopping on the same data directory (it closes its
 * replica, checkpointing the log: seconds at most on a large one). */
#define NODE_LOCK_WAIT_MS 10000

static void node_notify(const char *state)
{
#ifdef HAVE_SYSTEMD
    (void)sd_notify(0, state);
#else
    (void)state;
#endif
}

static void node_stop_timer(struct loop *loop, uint64_t timer_id, void *arg)
{
    (void)timer_id;
    (void)arg;
    loop_stop(loop);
}

static json_t *node_op_stop(struct node *n, json_t *req)
{
    json_t *o;

    (void)req;
    log_info("node: stop requested through the local API");
    /* Let the response reach the client before the loop ends. */
    (void)loop_add_timer(n->loop, 50, 0, node_stop_timer, n);
    o = node_json_ok();
    json_object_set_new(o, "stopping", json_true());
    return o;
}

/* The ops of the process itself; subscribe needs the client's connection (node_handle). */
static const struct node_op node_lifecycle_ops[] = {
    {"subscribe", NULL, "receive every new entry as an event, for lore watch", NODE_OP_CONNECTION},
    {"stop", node_op_stop, "stop the node", 0},
    {NULL, NULL, NULL, 0},
};
static const struct node_op *const node_upper_ops[] = {node_lifecycle_ops, node_net_ops, web_ops,
                                                       NULL};

/* The socket's handler: node_call, but for ops that need the client's connection. */
static json_t *node_handle(void *ctx, struct api_client *client, json_t *req)
{
    struct node *n = ctx;
    const struct node_op *op = node_call_find(n, json_string_value(json_object_get(req, "op")));
    json_t *o;

    if (op != NULL && (op->flags & NODE_OP_CONNECTION) != 0) {
        api_client_subscribe(client);
        o = node_json_ok();
        json_object_set_new(o, "subscribed", json_true());
        /* What `lore watch --notify` sends, from the config (lore(1), lored(1)). */
        json_object_set_new(
            o, "notify",
            json_pack("{s:s,s:s}", "mode", n->cfg->notify, "quiet_hours", n->cfg->quiet_hours));
        return o;
    }
    return node_call(n, req);
}

static void node_broadcast(struct node *n, json_t *event)
{
    api_broadcast(n->api, event);
    web_broadcast(n->web, event); /* the browsers' GET /events streams: the same events */
}

static size_t node_subscribers(struct node *n)
{
    return (n->api != NULL ? api_subscriber_count(n->api) : 0) + web_subscribers(n->web);
}

/* ---- lifecycle ---- */

static void node_on_signal(struct loop *loop, int fd, void *zsock, unsigned events, void *arg)
{
    struct signalfd_siginfo si;

    (void)zsock;
    (void)events;
    (void)arg;
    if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return;
    log_info("node: %s received, shutting down", strsignal((int)si.ssi_signo));
    loop_stop(loop);
}

/* The profile is what turns a key into a name people recognise. Publish one on first start if
 * the config names us and no profile exists yet. */
static void node_initial_profile(struct node *n)
{
    char name[NODE_NAME_MAX * 4 + 1];
    struct entry_fields f = {0};
    json_t *o;

    if (n->cfg->name == NULL || n->cfg->name[0] == '\0' ||
        replica_author_name(n->replica, identity_public_key(n->id), name, sizeof(name)) == 0)
        return;
    f.kind = ENTRY_PROFILE;
    f.created_ms = node_clock_wall_ms();
    f.title = n->cfg->name;
    o = node_publish(n, &f);
    if (!json_is_true(json_object_get(o, "ok")))
        log_warnx("node: publishing the profile for name '%s' failed: %s", n->cfg->name,
                  json_string_value(json_object_get(o, "error")));
    json_decref(o);
}

/* "key=value" from the command line, applied over the config file. */
static int node_apply_set(struct config *cfg, const char *kv, char *err, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    char key[64];

    if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
        errmsg_set(err, errlen, "'%s' is not KEY=VALUE", kv);
        return -1;
    }
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    if (config_set(cfg, key, eq + 1, err, errlen) != 0)
        return -1;
    return 0;
}

/* The config as node_new would see it: file, then overrides. */
static struct config *node_load_config(const struct node_options *opts, const struct paths *p,
                                       char *err, size_t errlen)
{
    struct config *cfg = config_new();
    size_t i;

    if (config_load(cfg, opts->config_file != NULL ? opts->config_file : p->config_file,
                    opts->config_file != NULL, err, errlen) != 0)
        goto fail;
    for (i = 0; i < opts->nsets; i++)
        if (node_apply_set(cfg, opts->sets[i], err, errlen) != 0)
            goto fail;
    return cfg;
fail:
    config_destroy(&cfg);
    return NULL;
}

int node_print_config(const struct node_options *opts, FILE *out, char *err, size_t errlen)
{
    struct paths p;
    struct config *cfg;

    if (paths_resolve(opts->home, &p, err, errlen) != 0)
        return -1;
    cfg = node_load_config(opts, &p, err, errlen);
    if (cfg != NULL) {
        fprintf(out, "# %s\n", opts->config_file != NULL ? opts->config_file : p.config_file);
        config_dump(cfg, out);
    }
    paths_free(&p);
    if (cfg == NULL)
        return -1;
    config_destroy(&cfg);
    return 0;
}

struct node *node_new(const struct node_options *opts, char *err, size_t errlen)
{
    struct node *n = xcalloc(1, sizeof(*n));
    sigset_t mask;
    int ok = 0;

    n->sigfd = -1;
    n->lock_fd = -1;
    n->started_ms = loop_now_ms();
    if (paths_resolve(opts->home, &n->paths, err, errlen) != 0)
        goto out;
    n->cfg = node_load_config(opts, &n->paths, err, errlen);
    if (n->cfg == NULL)
        goto out;
    log_set_level(opts->log_level_set ? opts->log_level : n->cfg->log_level);
    if (paths_mkdir_private(n->paths.data_dir, err, errlen) != 0 ||
        paths_mkdir_private(n->paths.runtime_dir, err, errlen) != 0)
        goto out;
    /* Before anything in the data directory is read or written: one node per directory. */
    /* a node stopping on this directory (lore stop, then lored at once) is waited for */
    n->lock_fd = paths_lock_dir_wait(n->paths.data_dir, NODE_LOCK_WAIT_MS, err, errlen);
    if (n->lock_fd < 0)
        goto out;
    if (node_core_open(n, n->paths.data_dir, n->cfg->cache_mb, err, errlen) != 0)
        goto out;
    n->loop = loop_new();

    /* Signals arrive as readable data on the loop, never in the middle of a handler. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &mask, &n->oldmask) != 0) {
        errmsg_set(err, errlen, "sigprocmask: %s", strerror(errno));
        goto out;
    }
    n->mask_set = 1;
    n->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (n->sigfd < 0 || loop_add_fd(n->loop, n->sigfd, LOOP_READ, node_on_signal, n) != 0) {
        errmsg_set(err, errlen, "signalfd: %s", strerror(errno));
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);

    n->hooks.restart_sync = node_net_restart;
    n->hooks.stop_sync = node_net_stop;
    n->hooks.broadcast = node_broadcast;
    n->hooks.subscribers = node_subscribers;
    n->hooks.ops = node_upper_ops;
    n->api = api_new(n->loop, n->paths.socket_path, node_handle, n, err, errlen);
    if (n->api == NULL)
        goto out;
    if (node_teamstate_open(n, err, errlen) != 0)
        goto out;
    if (node_net_start(n, err, errlen) != 0)
        goto out;
    /* The web interface is an extra: without it (its port taken, say) the node serves the CLI. */
    if (web_start(n, err, errlen) != 0)
        log_warnx("%s; the web interface is off", err);
    node_watch_load_areas(n);
    node_people_start(n);
    node_escalate_start(n);
    node_integrity_start(n);
    node_initial_profile(n);
    ok = 1;
out:
    if (!ok)
        node_destroy(&n);
    return n;
}

int node_run(struct node *n)
{
    char *status;
    int rc;

    log_info("node: serving %lld entries; local API on %s", replica_count(n->replica),
             n->paths.socket_path);
    status = xasprintf("READY=1\nSTATUS=serving on %s", n->paths.socket_path);
    node_notify(status);
    free(status);
    rc = loop_run(n->loop);
    node_notify("STOPPING=1");
    paths_lock_stopping(n->lock_fd); /* a lored started now waits for us to close (node_destroy) */
    log_info("node: stopped");
    return rc;
}

void node_destroy(struct node **np)
{
    struct node *n;

    if (np == NULL || *np == NULL)
        return;
    n = *np;
    web_stop(n);
    node_net_stop(n);
    api_destroy(&n->api);
    if (n->loop != NULL && n->sigfd >= 0)
        loop_remove(n->loop, n->sigfd, NULL);
    loop_destroy(&n->loop);
    if (n->sigfd >= 0)
        close(n->sigfd);
    if (n->mask_set)
        sigprocmask(SIG_SETMASK, &n->oldmask, NULL);
    node_core_close(n);
    config_destroy(&n->cfg);
    paths_free(&n->paths);
    if (n->lock_fd >= 0)
        close(n->lock_fd); /* last: everything in the data directory is closed */
    free(n);
    *np = NULL;
}
