/* cmd_node: the commands about this node and its network: init, status, check, watch, stop,
 * peers, team. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "hex.h"
#include "notify.h"
#include "xmalloc.h"

#define LORE_NAME_MAX 100
#define LORE_CHECK_TIMEOUT_MS (10 * 60 * 1000)

/* The default name: the GECOS full name up to the first comma, else $USER, else the login. */
static char *lore_default_name(void)
{
    struct passwd *pw = getpwuid(getuid());
    const char *user = getenv("USER");
    size_t n;

    if (pw != NULL && pw->pw_gecos != NULL) {
        n = strcspn(pw->pw_gecos, ",");
        while (n > 0 && pw->pw_gecos[n - 1] == ' ')
            n--;
        if (n > 0)
            return xstrndup(pw->pw_gecos, n);
    }
    if (user != NULL && user[0] != '\0')
        return xstrdup(user);
    if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
        return xstrdup(pw->pw_name);
    return NULL;
}

int cmd_init(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *req = NULL, *resp = NULL;
    const char *name_opt = NULL;
    char *name = NULL;
    int c, rc = LORE_EXIT_OK, people;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":n:h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'n':
            name_opt = optarg;
            break;
        case ARGS_OPT_JSON:
            l->json = true;
            break;
        case 'h':
            rc = call_help(l);
            goto out;
        default:
            rc = args_bad_option(l->cmd, c, argv);
            goto out;
        }
    }
    rc = args_none(l->cmd, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    name = name_opt != NULL ? xstrdup(name_opt) : lore_default_name();
    if (name == NULL) {
        rc = args_usage_error(l->cmd, "cannot guess your name; give it with --name NAME");
        goto out;
    }
    if (name[0] == '\0' || strlen(name) > LORE_NAME_MAX) {
        rc = args_usage_error(l->cmd, "the name must be 1 to %d bytes long", LORE_NAME_MAX);
        goto out;
    }
    req = json_pack("{s:s}", "op", "init");
    if (req != NULL && args_set_string(req, "name", name) != 0) {
        rc = args_usage_error(l->cmd, "the name is not UTF-8 text");
        goto out;
    }
    people = call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    fputs("Initialised as ", stdout);
    text_sanitize_term(stdout, out_jstr(resp, "name"), TEXT_TERM_ONE_LINE, NULL);
    printf(", key %.16s…\n%s\n", out_jstr(resp, "public_key"), out_jstr(resp, "id"));
out:
    json_decref(req);
    json_decref(resp);
    free(name);
    return rc;
}

/* The storage line of status: "storage:   ok", or what fails, since when, and what to do. */
static void lore_status_storage(json_t *st)
{
    char since[32] = "";
    time_t t;
    struct tm tm;

    if (!json_is_true(json_object_get(st, "failing"))) {
        fputs("storage:   ok\n", stdout);
        return;
    }
    t = (time_t)(out_jint(st, "since_ms") / 1000);
    if (json_is_integer(json_object_get(st, "since_ms")) && localtime_r(&t, &tm) != NULL &&
        strftime(since, sizeof(since), "since %H:%M:%S, ", &tm) == 0)
        since[0] = '\0';
    fputs("storage failing: ", stdout);
    text_sanitize_term(stdout, out_jstr(st, "reason"), TEXT_TERM_ONE_LINE, NULL);
    printf(" (%s%lld retries)\n           ", since, out_jint(st, "retries"));
    text_sanitize_term(stdout, out_jstr(st, "error"), TEXT_TERM_ONE_LINE, NULL);
    fputs("\n           nothing is lost: the node stores what waits once it can write again\n",
          stdout);
}

int cmd_status(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *sync;
    const char *name;
    char up[64];
    int rc = LORE_EXIT_OK;

    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    rc = args_none(l->cmd, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (!call_for_people(l, json_pack("{s:s}", "op", "status"), &resp, &rc))
        goto out;
    name = json_string_value(json_object_get(resp, "name"));
    out_format_duration(out_jint(resp, "uptime_s"), up, sizeof(up));
    printf("node:      lored %s\n", out_jstr(resp, "version"));
    printf("pid:       %lld\n", out_jint(resp, "pid"));
    fputs("name:      ", stdout);
    text_sanitize_term(stdout, name != NULL ? name : "(none yet: run `lore init`)",
                       TEXT_TERM_ONE_LINE, NULL);
    printf("\nkey:       %s\n", out_jstr(resp, "public_key"));
    printf("entries:   %lld\n", out_jint(resp, "entries"));
    if (json_is_object(json_object_get(resp, "storage")))
        lore_status_storage(json_object_get(resp, "storage"));
    printf("data dir:  %s\n", out_jstr(resp, "data_dir"));
    if (json_string_value(json_object_get(resp, "config_file")) != NULL)
        printf("config:    %s\n", out_jstr(resp, "config_file"));
    printf("socket:    %s\n", out_jstr(resp, "socket"));
    printf("uptime:    %s\n", up);
    if (json_object_get(resp, "clock") != NULL) {
        json_t *clock = json_object_get(resp, "clock");
        printf("clock:     %s", out_jstr(clock, "now"));
        if (json_is_true(json_object_get(clock, "ok"))) {
            printf(" (agrees with %lld peer%s)\n", out_jint(clock, "peers_compared"),
                   out_jint(clock, "peers_compared") == 1 ? "" : "s");
        } else {
            fputs(", WRONG: ", stdout);
            text_sanitize_term(stdout, out_jstr(clock, "problem"), TEXT_TERM_ONE_LINE, NULL);
            fputs("\n           (this node refuses to write until it is right)\n", stdout);
        }
    }
    printf("clients:   %lld (%lld watching)\n", out_jint(resp, "clients"),
           out_jint(resp, "subscribers"));
    if (json_object_get(resp, "mdns") != NULL) {
        fputs("discovery: ", stdout);
        text_sanitize_term(stdout, out_jstr(json_object_get(resp, "mdns"), "state"),
                           TEXT_TERM_ONE_LINE, NULL);
        fputs("\n", stdout);
        if (!json_is_true(json_object_get(json_object_get(resp, "mdns"), "working")))
            fputs("           (colleagues' nodes can still be added: lore peers add HOST:PORT)\n",
                  stdout);
    }
    if (out_jstr(json_object_get(resp, "team"), "join_reason")[0] != '\0') {
        fputs("joining:   ", stdout); /* refused, waiting to be confirmed, or searching */
        text_sanitize_term(stdout, out_jstr(json_object_get(resp, "team"), "join_reason"),
                           TEXT_TERM_ONE_LINE, NULL);
        fputc('\n', stdout);
    }
    sync = json_object_get(resp, "sync");
    if (sync != NULL) {
        printf("peers:     %lld up, listening on port %lld\n", out_jint(sync, "peers_up"),
               out_jint(sync, "listen_port"));
        if (json_is_integer(json_object_get(sync, "online")))
            printf("online:    %lld member%s across the team, you included\n",
                   out_jint(sync, "online"), out_jint(sync, "online") == 1 ? "" : "s");
        if (out_jint(sync, "bootstrap_entries_to_go") > 0) {
            char bytes[32];
            out_format_bytes(out_jint(sync, "bootstrap_bytes_to_go"), bytes, sizeof(bytes));
            printf("sync:      bootstrapping, %lld entries (%s) to go\n",
                   out_jint(sync, "bootstrap_entries_to_go"), bytes);
        } else {
            printf("sync:      %lld merged from peers, %lld to fetch, %lld queued\n",
                   out_jint(sync, "merged"), out_jint(sync, "to_fetch"),
                   out_jint(sync, "ingest_queued"));
        }
    }
out:
    json_decref(resp);
    return rc;
}

int cmd_check(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *problems, *p;
    long long bad;
    bool integrity;
    size_t i;
    int rc = LORE_EXIT_OK;

    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    rc = args_none(l->cmd, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = call_connect(l);
    if (rc != LORE_EXIT_OK)
        goto out;
    /* Verifying every signature of a large replica takes a while. */
    client_set_timeout(l->client, LORE_CHECK_TIMEOUT_MS);
    rc = call_node(l, json_pack("{s:s}", "op", "check"), &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    bad = out_jint(resp, "bad");
    integrity = json_is_true(json_object_get(resp, "integrity_ok"));
    if (l->json) {
        out_print_json(resp);
    } else {
        printf("entries:   %lld\n", out_jint(resp, "entries"));
        printf("bad:       %lld", bad);
        if (bad > 0)
            printf(" (%lld undecodable, %lld wrong id, %lld bad signature, %lld bad columns)",
                   out_jint(resp, "bad_decode"), out_jint(resp, "bad_id"),
                   out_jint(resp, "bad_signature"), out_jint(resp, "bad_columns"));
        printf("\ndatabase:  %s\n", integrity ? "integrity ok" : "INTEGRITY CHECK FAILED");
        problems = json_object_get(resp, "problems");
        if (json_array_size(problems) > 0)
            printf("problems:\n");
        json_array_foreach(problems, i, p)
        {
            printf("  %.*s  ", LORE_SHORT_ID,
                   hex_is_hex(out_jstr(p, "id")) ? out_jstr(p, "id") : "?");
            text_sanitize_term(stdout, out_jstr(p, "why"), TEXT_TERM_ONE_LINE, NULL);
            fputc('\n', stdout);
        }
    }
    if (bad > 0 || !integrity) {
        out_errorf("check failed: %lld bad entr%s%s", bad, bad == 1 ? "y" : "ies",
                   integrity ? "" : ", database integrity check failed");
        rc = LORE_EXIT_FAIL;
    }
out:
    json_decref(resp);
    return rc;
}

static volatile sig_atomic_t lore_interrupted;

static void lore_on_signal(int sig)
{
    (void)sig;
    lore_interrupted = 1;
}

/* The notifier of `watch --notify`: the mode and quiet hours the node's config gives in the
 * subscribe reply, the mode overridden by --notify=MODE (override < 0: none). */
static struct notify *lore_notifier(json_t *resp, int override)
{
    json_t *cfg = json_object_get(resp, "notify");
    const char *mode = json_string_value(json_object_get(cfg, "mode"));
    const char *quiet = json_string_value(json_object_get(cfg, "quiet_hours"));
    enum notify_mode m = NOTIFY_ALL;
    struct dayspan span = {0};
    char err[ERRMSG_MAX];

    if (mode != NULL && notify_mode_parse(mode, &m) != 0)
        out_errorf("the node's notify mode is not all, urgent or off; using all");
    if (quiet != NULL && dayspan_parse(quiet, &span, err, sizeof(err)) != 0)
        out_errorf("the node's quiet hours are not HH:MM-HH:MM; ignoring them");
    if (override >= 0)
        m = (enum notify_mode) override;
    if (m == NOTIFY_OFF)
        out_errorf("notifications are off (notify = off in the node's config; --notify=all or "
                   "--notify=urgent overrides it)");
    return notify_new(m, &span);
}

int cmd_watch(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"mine", no_argument, NULL, 'm'},
                                         {"notify", optional_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct sigaction sa;
    json_t *resp = NULL, *ev = NULL, *e;
    struct notify *nt = NULL;
    enum notify_mode mode;
    char err[ERRMSG_MAX];
    int c, r, rc = LORE_EXIT_OK, mine = 0, notify = 0, override = -1;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":mnh", opts, NULL);
        if (c == -1)
            break;
        if (c == ARGS_OPT_JSON) {
            l->json = true;
        } else if (c == 'm') {
            mine = 1;
        } else if (c == 'n') {
            notify = 1;
            if (optarg != NULL && notify_mode_parse(optarg, &mode) != 0) {
                rc = args_usage_error(l->cmd, "--notify is all, urgent or off (not '%.40s')",
                                      optarg);
                goto out;
            }
            if (optarg != NULL)
                override = (int)mode;
        } else if (c == 'h') {
            rc = call_help(l);
            goto out;
        } else {
            rc = args_bad_option(l->cmd, c, argv);
            goto out;
        }
    }
    rc = args_none(l->cmd, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = call_node(l, json_pack("{s:s}", "op", "subscribe"), &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (notify)
        nt = lore_notifier(resp, override);

    /* No SA_RESTART: Ctrl-C interrupts the poll and we leave cleanly with status 0. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = lore_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (!l->json && isatty(STDOUT_FILENO))
        fprintf(stderr, "Watching for new entries (Ctrl-C to stop)...\n");
    while (!lore_interrupted) {
        r = client_next_event(l->client, -1, &ev, err, sizeof(err));
        if (r == 0)
            continue;
        if (r < 0) {
            out_errorf("%s", err);
            rc = LORE_EXIT_FAIL;
            goto out;
        }
        if (mine && !json_is_true(json_object_get(ev, "for_you"))) {
            json_decref(ev);
            ev = NULL;
            continue;
        }
        if (nt != NULL)
            (void)notify_event(nt, ev, time(NULL)); /* before printing: the tests rely on it */
        if (l->json) {
            json_dumpf(ev, stdout, JSON_COMPACT);
            fputc('\n', stdout);
        } else if (strcmp(out_jstr(ev, "event"), "entry") == 0) {
            e = json_object_get(ev, "entry");
            if (json_is_object(e) && json_is_true(json_object_get(ev, "for_you")))
                view_reason_line(stdout, out_jstr(ev, "reason"), e);
            else if (json_is_object(e))
                view_entry_line(stdout, e, 0);
        } else if (strcmp(out_jstr(ev, "event"), "reminder") == 0) {
            e = json_object_get(ev, "question");
            if (json_is_object(e))
                view_reason_line(stdout, out_jstr(ev, "reason"), e);
        }
        json_decref(ev);
        ev = NULL;
        if (fflush(stdout) != 0) {
            out_errorf("cannot write to stdout: %s", strerror(errno));
            rc = LORE_EXIT_FAIL;
            goto out;
        }
    }
out:
    notify_destroy(&nt);
    json_decref(ev);
    json_decref(resp);
    return rc;
}

int cmd_stop(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL;
    int rc = LORE_EXIT_OK;

    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    rc = args_none(l->cmd, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = call_node(l, json_pack("{s:s}", "op", "stop"), &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        out_print_json(resp);
    else
        printf("The node is stopping.\n");
out:
    json_decref(resp);
    return rc;
}

/* lore web [--open]: the web interface's login address (a one-time token: web_login), and with
 * --open the browser at it (xdg-open). */
int cmd_web(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL;
    const char *url;
    bool open_it = false;
    int rc = LORE_EXIT_OK, st = 0;
    pid_t pid;

    if (!call_json_help_flag_opts(l, argc, argv, "open", &open_it, &rc))
        goto out;
    rc = args_none(l->cmd, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = call_node(l, json_pack("{s:s}", "op", "web_login"), &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    url = out_jstr(resp, "url");
    if (l->json)
        out_print_json(resp);
    else
        printf("Open this address in your browser (it logs you in once, within %lld s):\n%s\n",
               out_jint(resp, "expires_s"), url);
    if (!open_it)
        goto out;
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        out_errorf("cannot start xdg-open: fork: %s", strerror(errno));
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    if (pid == 0) {
        execlp("xdg-open", "xdg-open", url, (char *)NULL);
        _exit(127);
    }
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        out_errorf("xdg-open could not open the browser%s; open the address above yourself",
                   WIFEXITED(st) && WEXITSTATUS(st) == 127 ? " (is xdg-utils installed?)" : "");
        rc = LORE_EXIT_FAIL;
    }
out:
    json_decref(resp);
    return rc;
}

static void lore_print_peer(json_t *p)
{
    char seen[64], bytes[32];
    long long ago = out_jint(p, "last_seen_ms_ago");
    const char *name = json_string_value(json_object_get(p, "name"));
    const char *key = json_string_value(json_object_get(p, "key"));
    const char *sync = out_jstr(p, "sync");

    if (json_is_null(json_object_get(p, "last_seen_ms_ago")))
        snprintf(seen, sizeof(seen), "never");
    else
        out_format_duration(ago / 1000, seen, sizeof(seen));
    printf("%-22s  %-8s  %-10s  ", out_jstr(p, "address"), out_jstr(p, "found_by"),
           out_jstr(p, "state"));
    text_sanitize_term(stdout, name != NULL ? name : "?", TEXT_TERM_ONE_LINE, NULL);
    printf("  key %.12s  seen %s%s\n", key != NULL ? key : "(unknown)", seen,
           json_is_null(json_object_get(p, "last_seen_ms_ago")) ? "" : " ago");
    if (strcmp(out_jstr(p, "state"), "up") != 0)
        return;
    printf("    %s", sync);
    if (strcmp(sync, "bootstrapping") == 0) {
        out_format_bytes(out_jint(p, "bootstrap_bytes_to_go"), bytes, sizeof(bytes));
        printf(": %lld entries (%s) to go", out_jint(p, "bootstrap_entries_to_go"), bytes);
    } else if (out_jint(p, "to_fetch") > 0) {
        printf(", %lld entries on their way", out_jint(p, "to_fetch"));
    }
    printf("; sent %lld, received %lld entries; rtt %lld ms", out_jint(p, "entries_sent"),
           out_jint(p, "entries_received"), out_jint(p, "rtt_ms"));
    if (out_jint(p, "invalid_received") > 0)
        printf("; %lld invalid", out_jint(p, "invalid_received"));
    if (!json_is_true(json_object_get(p, "primary")))
        printf(" (duplicate link, idle)");
    printf("\n");
}

int cmd_peers(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *peers, *p;
    size_t i;
    int rc = LORE_EXIT_OK;

    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind < argc &&
        (strcmp(argv[optind], "add") == 0 || strcmp(argv[optind], "remove") == 0)) {
        bool add = strcmp(argv[optind], "add") == 0;
        if (optind + 2 != argc) {
            rc = args_usage_error(l->cmd, "usage: lore peers %s HOST:PORT", argv[optind]);
            goto out;
        }
        rc = call_node(l,
                       json_pack("{s:s,s:s}", "op", add ? "peers_add" : "peers_remove", "address",
                                 argv[optind + 1]),
                       &resp);
        if (rc != LORE_EXIT_OK)
            goto out;
        if (l->json)
            out_print_json(resp);
        else if (add)
            printf("Added peer %s; it is remembered across restarts.\n", argv[optind + 1]);
        else
            printf("Removed peer %s: no longer dialled or remembered%s.\n", argv[optind + 1],
                   json_is_true(json_object_get(resp, "link_closed")) ? "; its link is closed"
                                                                      : "");
        goto out;
    }
    rc = args_none(l->cmd, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (!call_for_people(l, json_pack("{s:s}", "op", "peers"), &resp, &rc))
        goto out;
    peers = json_object_get(resp, "peers");
    printf("listening on port %lld; %lld entries here\n", out_jint(resp, "listen_port"),
           out_jint(resp, "entries"));
    if (json_array_size(peers) == 0)
        printf("no peers yet: add one with `lore peers add HOST:PORT`\n");
    json_array_foreach(peers, i, p) lore_print_peer(p);
out:
    json_decref(resp);
    return rc;
}

static void lore_print_team(json_t *t, int with_members)
{
    json_t *members = json_object_get(t, "members"), *m;
    const char *name = out_jstr(t, "name");
    size_t i;

    printf("team:   %s (id %s)\n", name[0] ? name : "(not seen yet: waiting to meet a member)",
           out_jstr(t, "id"));
    printf("you:    %s%s\n",
           json_is_true(json_object_get(t, "member")) ? "member"
           : json_is_true(json_object_get(t, "seen")) ? "NOT a member"
                                                      : "joining (not confirmed yet)",
           json_is_true(json_object_get(t, "admin")) ? ", admin" : "");
    if (out_jstr(t, "join_reason")[0] != '\0') {
        fputs("join:   ", stdout);
        text_sanitize_term(stdout, out_jstr(t, "join_reason"), TEXT_TERM_ONE_LINE, NULL);
        fputc('\n', stdout);
    }
    printf("mDNS:   tag %s\n", out_jstr(t, "mdns_tag"));
    if (!with_members)
        return;
    if (json_array_size(members) > 0) {
        printf("members (%zu):\n", json_array_size(members));
        json_array_foreach(members, i, m)
        {
            const char *who = out_jstr(m, "name");
            printf("  %.16s  %-24s%s%s%s\n", out_jstr(m, "key"), who[0] ? who : "?",
                   json_is_true(json_object_get(m, "admin")) ? " admin" : "",
                   json_is_true(json_object_get(m, "vouched")) ? " vouched" : "",
                   json_is_integer(json_object_get(m, "revoked_ms")) ? " REVOKED" : "");
        }
    }
    if (out_jstr(t, "code")[0] != '\0')
        printf("join code (keep it to the team; anyone who has it can join):\n%s\n",
               out_jstr(t, "code"));
}

#define TEAM_JOIN_WAIT_S 5 /* team join waits this long for a link, or a refusal, by default */

/* Join with code, then (unless wait_s is 0) wait up to wait_s seconds for the node to reach the
 * team: a link up, or a refusal of the code (rotated away) — asking status, whose team's
 * join_state says which. Prints the outcome; returns the exit status (1 if the code was refused).
 */
static int team_join(struct lore *l, char *code, long wait_s)
{
    json_t *req = json_pack("{s:s,s:s}", "op", "team_join", "code", code), *resp = NULL, *s = NULL;
    struct timespec pause = {0, 100 * 1000 * 1000};
    const char *state = "searching";
    long i;
    int rc;

    explicit_bzero(code, strlen(code)); /* the request has its copy; this one is in cmdline */
    rc = call_node(l, req, &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    for (i = 0; i < wait_s * 10 && strcmp(state, "searching") == 0; i++) {
        json_decref(s);
        s = NULL;
        (void)nanosleep(&pause, NULL);
        /* status, not team_show: its team part has no join code to carry around. */
        rc = call_node(l, json_pack("{s:s}", "op", "status"), &s);
        if (rc != LORE_EXIT_OK)
            goto out;
        state = out_jstr(json_object_get(s, "team"), "join_state");
        if (state[0] == '\0')
            state = "searching";
        json_object_set(resp, "team", json_object_get(s, "team"));
    }
    if (strcmp(state, "refused") == 0)
        rc = LORE_EXIT_FAIL;
    if (l->json) {
        out_print_json(resp);
    } else if (rc != LORE_EXIT_OK) {
        out_errorf("%s", out_jstr(json_object_get(resp, "team"), "join_reason"));
    } else {
        printf("Joined team %s", out_jstr(json_object_get(resp, "team"), "id"));
        if (wait_s == 0)
            printf(". This node now looks for members (mDNS and your peers); `lore team show` "
                   "says when a member has confirmed you.\n");
        else if (strcmp(state, "searching") == 0)
            printf("; no team node reached yet; still trying (mDNS and your peers): `lore team "
                   "show` says when a member has confirmed you, or if the code is refused.\n");
        else if (strcmp(state, "member") == 0)
            printf(": linked, and you are a member.\n");
        else
            printf(": linked; `lore team show` says when a member has confirmed you.\n");
    }
out:
    json_decref(s);
    json_decref(resp);
    return rc;
}

int cmd_team(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"admin", required_argument, NULL, 'a'},
                                         {"all", no_argument, NULL, 'A'},
                                         {"no-wait", no_argument, NULL, 'W'},
                                         {"timeout", required_argument, NULL, 'T'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *resp = NULL, *req = NULL, *admins = json_array(), *t, *v;
    const char *sub;
    int c, rc = LORE_EXIT_OK, people, all = 0, i;
    long wait_s = TEAM_JOIN_WAIT_S;
    size_t k;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":a:h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'a':
            json_array_append_new(admins, json_string(optarg));
            break;
        case 'A':
            all = 1;
            break;
        case 'W':
            wait_s = 0;
            break;
        case 'T': {
            char *end = NULL;
            errno = 0;
            wait_s = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || errno != 0 || wait_s < 0 || wait_s > 600) {
                rc = args_usage_error(l->cmd, "--timeout takes whole seconds, 0 to 600");
                goto out;
            }
            break;
        }
        case ARGS_OPT_JSON:
            l->json = true;
            break;
        case 'h':
            rc = call_help(l);
            goto out;
        default:
            rc = args_bad_option(l->cmd, c, argv);
            goto out;
        }
    }
    sub = optind < argc ? argv[optind] : "show";
    if (strcmp(sub, "create") == 0 && optind + 2 == argc) {
        req = json_pack("{s:s,s:s,s:O}", "op", "team_create", "name", argv[optind + 1], "admins",
                        admins);
    } else if (strcmp(sub, "join") == 0 && optind + 2 == argc) {
        rc = team_join(l, argv[optind + 1], wait_s);
        goto out;
    } else if (optind >= argc || (strcmp(sub, "show") == 0 && optind + 1 == argc)) {
        req = json_pack("{s:s}", "op", "team_show");
    } else if (strcmp(sub, "rotate") == 0 && optind + 1 == argc) {
        req = json_pack("{s:s}", "op", "team_rotate");
    } else if ((strcmp(sub, "revoke") == 0 || strcmp(sub, "admin") == 0) && optind + 2 == argc) {
        req =
            json_pack("{s:s,s:s}", "op", strcmp(sub, "revoke") == 0 ? "team_revoke" : "team_admin",
                      "who", argv[optind + 1]);
    } else if (strcmp(sub, "vouch") == 0 && (optind + 1 < argc) != all) {
        req = json_pack("{s:s,s:b,s:[]}", "op", "team_vouch", "all", all, "who");
        for (i = optind + 1; i < argc; i++)
            json_array_append_new(json_object_get(req, "who"), json_string(argv[i]));
    } else {
        rc = args_usage_error(l->cmd,
                              "usage: lore team create NAME | join CODE | show | rotate | "
                              "revoke PERSON | admin PERSON | vouch PERSON... | vouch --all");
        goto out;
    }
    people = call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    t = json_object_get(resp, "team");
    if (strcmp(sub, "create") == 0) {
        printf("Created team \"%s\" (id %s); you are its admin.\n", out_jstr(t, "name"),
               out_jstr(t, "id"));
        printf("Colleagues join with `lore team join CODE`. Anyone who has the code can join: "
               "share it only with the team. The join code:\n%s\n",
               out_jstr(t, "code"));
    } else if (strcmp(sub, "rotate") == 0) {
        printf("Rotated: the old join code admits nobody new; the %lld current members keep "
               "syncing. The new join code:\n%s\n",
               out_jint(resp, "roster"), out_jstr(t, "code"));
    } else if (strcmp(sub, "revoke") == 0) {
        printf("Revoked %.16s: every node refuses its links, and its entries made from now on.\n"
               "If it knows the join code, run `lore team rotate` too.\n",
               out_jstr(resp, "member"));
    } else if (strcmp(sub, "admin") == 0) {
        printf("%.16s is now an admin of the team.\n", out_jstr(resp, "member"));
    } else if (strcmp(sub, "vouch") == 0) {
        printf("You vouch for %zu %s:", json_array_size(json_object_get(resp, "vouched")),
               json_array_size(json_object_get(resp, "vouched")) == 1 ? "person" : "people");
        json_array_foreach(json_object_get(resp, "vouched"), k, v)
        {
            const char *who = out_jstr(v, "name");
            printf("%s %s", k > 0 ? "," : "", who[0] ? who : out_jstr(v, "key"));
        }
        printf(".\n%s\n",
               json_is_true(json_object_get(resp, "admin"))
                   ? "Their votes, thanks and endorsements now count fully on every node."
                   : "Their votes, thanks and endorsements now count fully in what you see; an "
                     "admin's vouch makes them count for everyone.");
    } else {
        lore_print_team(t, 1);
    }
out:
    json_decref(req);
    json_decref(admins);
    json_decref(resp);
    return rc;
}
