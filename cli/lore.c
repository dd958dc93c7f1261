/*
 * lore: the command-line client. It only speaks the node's local API (docs/API.md); everything it
 * knows comes from the node's responses.
 *
 * Exit status: 0 ok; 1 the node answered with an error (or a local failure such as an unreadable
 * file); 2 usage error; 3 no node is running.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "buf.h"
#include "client.h"
#include "cmd.h"
#include "hex.h"
#include "history.h"
#include "paths.h"
#include "vault.h"
#include "when.h"
#include "xmalloc.h"

#define LORE_NAME_MAX 100
#define LORE_CHECK_TIMEOUT_MS (10 * 60 * 1000)

#ifndef LORE_VERSION

#define LORE_VERSION "0.0.0"

#endif

static const struct lore_command *lore_find_command(const char *name);

static void lore_print_usage(FILE *f);

/* Print the help of command name on stdout (struct lore's help hook). */
static int lore_command_help(const char *name)
{
    const struct lore_command *c = lore_find_command(name);

    if (c == NULL)
        return LORE_EXIT_USAGE;
    printf("usage: lore %s\n\n%s.\n", c->synopsis, c->summary);
    if (c->help[0] != '\0')
        printf("\n%s", c->help);
    return LORE_EXIT_OK;
}

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

static int cmd_init(struct lore *l, int argc, char **argv)
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

static int cmd_status(struct lore *l, int argc, char **argv)
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
    sync = json_object_get(resp, "sync");
    if (sync != NULL) {
        printf("peers:     %lld up, listening on port %lld\n", out_jint(sync, "peers_up"),
               out_jint(sync, "listen_port"));
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

enum lore_post_kind {
    POST_QUESTION,
    POST_ANSWER,
    POST_NOTE,
    POST_COMMENT,
};

/* ask, answer, note and comment: one parser, with the options each kind allows. */
/* Before a question is posted: the most similar questions already asked, with their status, on
 * stderr (stdout stays the new id), so a person sees an existing answer before waiting for one. */
static void lore_show_similar(struct lore *l, const char *title)
{
    json_t *req = NULL, *resp = NULL, *res, *r, *e;
    char err[256];
    size_t i;

    /* Quietly: if this fails (say, a title with no searchable words) the post itself speaks. */
    if (l->client == NULL)
        goto out;
    req = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:b}", "op", "search", "query", title, "kind",
                    "question", "limit", 3, "hl_open", "", "hl_close", "", "any", 1);
    if (req == NULL)
        goto out;
    resp = client_call(l->client, req, err, sizeof(err));
    if (resp == NULL || !json_is_true(json_object_get(resp, "ok")))
        goto out;
    res = json_object_get(resp, "results");
    if (json_array_size(res) == 0)
        goto out;
    fprintf(stderr, "Similar questions already asked (`lore show ID`):\n");
    json_array_foreach(res, i, r)
    {
        e = json_object_get(r, "entry");
        fprintf(stderr, "  %.*s  %-8s  ", LORE_SHORT_ID, out_jstr(e, "id"), out_jstr(e, "status"));
        text_sanitize_term(stderr, out_jstr(e, "title"), TEXT_TERM_ONE_LINE, NULL);
        if (json_is_string(json_object_get(e, "accepted")))
            fprintf(stderr, "  (accepted answer %.*s)", LORE_SHORT_ID, out_jstr(e, "accepted"));
        fputc('\n', stderr);
    }
out:
    json_decref(req);
    json_decref(resp);
}

static int lore_post(struct lore *l, int argc, char **argv, enum lore_post_kind kind)
{
    static const struct option opts_titled[] = {{"body", required_argument, NULL, 'b'},
                                                {"file", required_argument, NULL, 'f'},
                                                {"edit", no_argument, NULL, 'e'},
                                                {"tag", required_argument, NULL, 't'},
                                                {"urgent", no_argument, NULL, 'u'},
                                                {"json", no_argument, NULL, ARGS_OPT_JSON},
                                                {"to", required_argument, NULL, 'T'},
                                                {"help", no_argument, NULL, 'h'},
                                                {NULL, 0, NULL, 0}};
    static const struct option opts_note[] = {{"body", required_argument, NULL, 'b'},
                                              {"file", required_argument, NULL, 'f'},
                                              {"edit", no_argument, NULL, 'e'},
                                              {"tag", required_argument, NULL, 't'},
                                              {"json", no_argument, NULL, ARGS_OPT_JSON},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    static const struct option opts_reply[] = {
        {"body", required_argument, NULL, 'b'}, {"file", required_argument, NULL, 'f'},
        {"edit", no_argument, NULL, 'e'},       {"json", no_argument, NULL, ARGS_OPT_JSON},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    static const char *const kinds[] = {"question", "answer", "note", "comment"};
    const struct option *opts;
    const char *shortopts, *target = NULL, *to = NULL;
    struct body_opts bo = {0};
    json_t *req = NULL, *resp = NULL, *tags = NULL, *body = NULL, *tag;
    bool urgent = false, reply = kind == POST_ANSWER || kind == POST_COMMENT;
    int c, i, sources, rc = LORE_EXIT_OK, people;

    if (kind == POST_QUESTION) {
        opts = opts_titled;
        shortopts = ":b:f:et:uT:h";
    } else if (kind == POST_NOTE) {
        opts = opts_note;
        shortopts = ":b:f:et:h";
    } else {
        opts = opts_reply;
        shortopts = ":b:f:eh";
    }
    tags = json_array();
    if (tags == NULL) {
        out_errorf("out of memory");
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, shortopts, opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'b':
            bo.text = optarg;
            break;
        case 'f':
            bo.file = optarg;
            break;
        case 'e':
            bo.edit = true;
            break;
        case 't':
            tag = args_user_string(optarg, strlen(optarg));
            if (tag == NULL || json_array_append_new(tags, tag) != 0) {
                rc = args_usage_error(l->cmd, "the tag '%s' is not UTF-8 text", optarg);
                goto out;
            }
            break;
        case 'u':
            urgent = true;
            break;
        case 'T':
            to = optarg;
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
    /* Positionals: the title (or the id replied to), and optionally "-" for stdin. */
    for (i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0 && !bo.from_stdin) {
            bo.from_stdin = true;
        } else if (target == NULL) {
            target = argv[i];
        } else {
            rc = args_usage_error(l->cmd, "unexpected argument '%s'%s", argv[i],
                                  reply ? "" : "; quote a title of several words");
            goto out;
        }
    }
    if (target == NULL) {
        rc = args_usage_error(l->cmd, "missing %s", reply ? "ID" : "TITLE");
        goto out;
    }
    if (reply) {
        rc = args_check_id(l->cmd, target);
        if (rc != LORE_EXIT_OK)
            goto out;
    } else if (target[0] == '\0') {
        rc = args_usage_error(l->cmd, "the title is empty");
        goto out;
    }
    sources = (bo.text != NULL) + (bo.file != NULL) + bo.from_stdin + bo.edit;
    if (sources > 1) {
        rc = args_usage_error(l->cmd, "give only one of --body, --file, - (stdin) and --edit");
        goto out;
    }
    rc = body_get(l->cmd, &bo, kind != POST_QUESTION, &body);
    if (rc != LORE_EXIT_OK)
        goto out;

    req = json_pack("{s:s, s:s, s:o}", "op", "post", "kind", kinds[kind], "body", body);
    body = NULL;
    if (req == NULL) {
        out_errorf("out of memory");
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    if (reply) {
        if (json_object_set_new(req, "refs", json_pack("[s]", target)) != 0) {
            out_errorf("out of memory");
            rc = LORE_EXIT_FAIL;
            goto out;
        }
    } else {
        if (args_set_string(req, "title", target) != 0) {
            rc = args_usage_error(l->cmd, "the title is not UTF-8 text");
            goto out;
        }
        if (json_object_set(req, "tags", tags) != 0 ||
            (kind == POST_QUESTION &&
             json_object_set_new(req, "urgent", json_boolean(urgent)) != 0) ||
            (to != NULL && json_object_set_new(req, "to", json_string(to)) != 0)) {
            out_errorf("out of memory");
            rc = LORE_EXIT_FAIL;
            goto out;
        }
    }
    if (kind == POST_QUESTION) {
        rc = call_connect(l); /* says once, clearly, when no node runs */
        if (rc != LORE_EXIT_OK)
            goto out;
        lore_show_similar(l, target);
    }
    people = call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    /* The full id is always the last line, so `id=$(lore ask ... | tail -n 1)` works. */
    printf("Posted %s %.*s.\n%s\n", kinds[kind], LORE_SHORT_ID, out_jstr(resp, "id"),
           out_jstr(resp, "id"));
out:
    json_decref(req);
    json_decref(resp);
    json_decref(tags);
    json_decref(body);
    return rc;
}

static int cmd_ask(struct lore *l, int argc, char **argv)
{
    return lore_post(l, argc, argv, POST_QUESTION);
}

static int cmd_answer(struct lore *l, int argc, char **argv)
{
    return lore_post(l, argc, argv, POST_ANSWER);
}

static int cmd_note(struct lore *l, int argc, char **argv)
{
    return lore_post(l, argc, argv, POST_NOTE);
}

static int cmd_comment(struct lore *l, int argc, char **argv)
{
    return lore_post(l, argc, argv, POST_COMMENT);
}

static int cmd_show(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"history", no_argument, NULL, 'H'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *req = NULL, *resp = NULL;
    bool history = false;
    int c, rc = LORE_EXIT_OK, people;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            break;
        if (c == 'H') {
            history = true;
        } else if (c == ARGS_OPT_JSON) {
            l->json = true;
        } else if (c == 'h') {
            rc = call_help(l);
            goto out;
        } else {
            rc = args_bad_option(l->cmd, c, argv);
            goto out;
        }
    }
    if (optind >= argc) {
        rc = args_usage_error(l->cmd, "missing ID");
        goto out;
    }
    if (optind + 1 < argc) {
        rc = args_usage_error(l->cmd, "unexpected argument '%s'", argv[optind + 1]);
        goto out;
    }
    rc = args_check_id(l->cmd, argv[optind]);
    if (rc != LORE_EXIT_OK)
        goto out;
    req = json_pack("{s:s, s:s, s:b}", "op", "get", "id", argv[optind], "history", history);
    people = call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    view_entry_full(json_object_get(resp, "entry"), "");
    view_replies(resp, "answers", "answer");
    view_replies(resp, "comments", "comment");
    if (history)
        history_print(resp);
out:
    json_decref(req);
    json_decref(resp);
    return rc;
}

static void lore_warn_corrupt(json_t *resp)
{
    long long n = out_jint(resp, "corrupt");

    if (n > 0)
        fprintf(stderr,
                "lore: warning: %lld stored entr%s failed verification and %s left out "
                "(see `lore check`)\n",
                n, n == 1 ? "y" : "ies", n == 1 ? "was" : "were");
}

/* The filters list and search share. */
struct lore_filter {
    const char *kind, *tag, *author, *status;
    bool open, pinned;
    long limit;
    long long since_ms; /* 0: any */
};

/* Parse --kind, --tag, --limit, --json, --help (and --open/--unanswered when allow_open). Leaves
 * optind at the first argument. Returns 1 to go on, or 0 with the exit status in *rc. */
static int lore_filter_opts(struct lore *l, int argc, char **argv, int allow_open,
                            struct lore_filter *f, int *rc)
{
    static const struct option opts[] = {
        {"kind", required_argument, NULL, 'k'},   {"tag", required_argument, NULL, 't'},
        {"open", no_argument, NULL, 'o'},         {"unanswered", no_argument, NULL, 'o'},
        {"limit", required_argument, NULL, 'n'},  {"json", no_argument, NULL, ARGS_OPT_JSON},
        {"author", required_argument, NULL, 'a'}, {"status", required_argument, NULL, 's'},
        {"since", required_argument, NULL, 'S'},  {"pinned", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int c;

    memset(f, 0, sizeof(*f));
    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, allow_open ? ":k:t:on:a:s:h" : ":k:t:n:a:s:h", opts, NULL);
        if (c == -1)
            return 1;
        if ((c == 'o' || c == 'p') && !allow_open)
            c = '?'; /* getopt_long matched the long name; this command has no such option */
        switch (c) {
        case 'a':
            f->author = optarg;
            break;
        case 's':
            if (strcmp(optarg, "open") != 0 && strcmp(optarg, "answered") != 0 &&
                strcmp(optarg, "resolved") != 0) {
                *rc = args_usage_error(l->cmd, "--status is open, answered or resolved, not '%s'",
                                       optarg);
                return 0;
            }
            f->status = optarg;
            break;
        case 'S':
            if (when_since(optarg, &f->since_ms) != 0 || f->since_ms <= 0) {
                *rc = args_usage_error(l->cmd, "--since takes 24h, 7d, 2w or YYYY-MM-DD, not '%s'",
                                       optarg);
                return 0;
            }
            break;
        case 'p':
            f->pinned = true;
            break;
        case 'k':
            f->kind = optarg;
            break;
        case 't':
            f->tag = optarg;
            break;
        case 'o':
            f->open = true;
            break;
        case 'n':
            *rc = args_limit(l->cmd, optarg, &f->limit);
            if (*rc != LORE_EXIT_OK)
                return 0;
            break;
        case ARGS_OPT_JSON:
            l->json = true;
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

/* Put the filters into a request. Returns 0, or -1 (not UTF-8, or out of memory). */
static int lore_filter_req(json_t *req, const struct lore_filter *f)
{
    if ((f->kind != NULL && args_set_string(req, "kind", f->kind) != 0) ||
        (f->tag != NULL && args_set_string(req, "tag", f->tag) != 0))
        return -1;
    if ((f->open && json_object_set_new(req, "open", json_true()) != 0) ||
        (f->limit > 0 && json_object_set_new(req, "limit", json_integer(f->limit)) != 0))
        return -1;
    if ((f->author != NULL && args_set_string(req, "author", f->author) != 0) ||
        (f->status != NULL && json_object_set_new(req, "status", json_string(f->status)) != 0) ||
        (f->since_ms > 0 && json_object_set_new(req, "since_ms", json_integer(f->since_ms)) != 0) ||
        (f->pinned && json_object_set_new(req, "pinned", json_true()) != 0))
        return -1;
    return 0;
}

static int cmd_list(struct lore *l, int argc, char **argv)
{
    json_t *req = NULL, *resp = NULL, *entries, *e;
    struct lore_filter f;
    size_t i, width;
    int rc = LORE_EXIT_OK, people;

    if (!lore_filter_opts(l, argc, argv, 1, &f, &rc))
        goto out;
    rc = args_none(l->cmd, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    req = json_pack("{s:s,s:b}", "op", "list", "pinned_first", 1);
    if (req == NULL || lore_filter_req(req, &f) != 0) {
        rc = args_usage_error(l->cmd, "--kind, --tag and --author must be UTF-8 text");
        goto out;
    }
    people = call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    entries = json_object_get(resp, "entries");
    width = view_author_width(entries, NULL);
    json_array_foreach(entries, i, e)
    {
        view_entry_line(stdout, e, width);
    }
    if (json_array_size(entries) == 0)
        printf(f.pinned ? "No pinned entries.\n" : "No entries.\n");
    lore_warn_corrupt(resp);
out:
    json_decref(req);
    json_decref(resp);
    return rc;
}

static int cmd_search(struct lore *l, int argc, char **argv)
{
    json_t *req = NULL, *resp = NULL, *results, *r;
    struct lore_filter f;
    struct buf query;
    size_t i, width;
    int rc = LORE_EXIT_OK, people;
    bool hl;

    buf_init(&query, 64 * 1024);
    if (!lore_filter_opts(l, argc, argv, 0, &f, &rc))
        goto out;
    for (; optind < argc; optind++) {
        if ((query.len > 0 && buf_append_str(&query, " ") != 0) ||
            buf_append_str(&query, argv[optind]) != 0) {
            rc = args_usage_error(l->cmd, "the query is too long");
            goto out;
        }
    }
    if (query.len == 0) {
        rc = args_usage_error(l->cmd, "missing QUERY");
        goto out;
    }
    hl = !l->json && out_use_color();
    req = json_pack("{s:s}", "op", "search");
    if (req == NULL || args_set_string(req, "query", (const char *)query.data) != 0 ||
        lore_filter_req(req, &f) != 0) {
        rc = args_usage_error(l->cmd, "the query, --kind, --tag and --author must be UTF-8 text");
        goto out;
    }
    if (hl && (json_object_set_new(req, "hl_open", json_string(LORE_HL_OPEN)) != 0 ||
               json_object_set_new(req, "hl_close", json_string(LORE_HL_CLOSE)) != 0)) {
        out_errorf("out of memory");
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    people = call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    results = json_object_get(resp, "results");
    width = view_author_width(results, "entry");
    json_array_foreach(results, i, r)
    {
        view_entry_line(stdout, json_object_get(r, "entry"), width);
        if (out_jstr(r, "snippet")[0] != '\0') {
            fputs("    ", stdout);
            text_sanitize_term(stdout, out_jstr(r, "snippet"),
                               TEXT_TERM_ONE_LINE | (hl ? TEXT_TERM_BOLD : 0), NULL);
            if (hl)
                fputs(LORE_HL_CLOSE, stdout); /* never leave a snippet's bold switched on */
            fputc('\n', stdout);
        }
    }
    if (json_array_size(results) == 0)
        printf("No matches.\n");
    lore_warn_corrupt(resp);
out:
    json_decref(req);
    json_decref(resp);
    buf_free(&query);
    return rc;
}

static int cmd_check(struct lore *l, int argc, char **argv)
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

/* A desktop notification for a request in my areas, where notify-send exists (its absence is
 * said once). The text goes as arguments, never through a shell. */
static void lore_notify(json_t *e)
{
    static int missing;
    char title[160];
    pid_t pid;
    int status;

    if (missing || !json_is_object(e))
        return;
    snprintf(title, sizeof(title), "lore: %s%s",
             json_is_true(json_object_get(e, "urgent")) ? "urgent " : "", "question for you");
    pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
        }
        execlp("notify-send", "notify-send", "--app-name=lore", title, out_jstr(e, "title"),
               (char *)NULL);
        _exit(127);
    }
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
        WEXITSTATUS(status) == 127) {
        missing = 1;
        fprintf(stderr, "lore: notify-send is not installed; no desktop notifications\n");
    }
}

static int cmd_watch(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"mine", no_argument, NULL, 'm'},
                                         {"notify", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct sigaction sa;
    json_t *resp = NULL, *ev = NULL, *e;
    char err[512];
    int c, r, rc = LORE_EXIT_OK, mine = 0, notify = 0;

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
        if (notify && json_is_true(json_object_get(ev, "for_you")))
            lore_notify(json_object_get(ev, "entry"));
        if (l->json) {
            json_dumpf(ev, stdout, JSON_COMPACT);
            fputc('\n', stdout);
        } else if (strcmp(out_jstr(ev, "event"), "entry") == 0) {
            e = json_object_get(ev, "entry");
            if (json_is_object(e))
                view_entry_line(stdout, e, 0);
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
    json_decref(ev);
    json_decref(resp);
    return rc;
}

static int cmd_skills(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"level", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *resp = NULL;
    long level = 3;
    char *end;
    int c, rc = LORE_EXIT_OK;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":l:h", opts, NULL);
        if (c == -1)
            break;
        if (c == ARGS_OPT_JSON) {
            l->json = true;
        } else if (c == 'l') {
            errno = 0;
            level = strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || level < 1 || level > 5) {
                rc = args_usage_error(l->cmd, "--level takes 1 to 5");
                goto out;
            }
        } else if (c == 'h') {
            rc = call_help(l);
            goto out;
        } else {
            rc = args_bad_option(l->cmd, c, argv);
            goto out;
        }
    }
    if (optind + 2 != argc || strcmp(argv[optind], "add") != 0) {
        rc = args_usage_error(l->cmd, "usage: lore skills add TAG [--level 1-5]");
        goto out;
    }
    rc = call_node(
        l, json_pack("{s:s,s:s,s:i}", "op", "skill", "tag", argv[optind + 1], "level", (int)level),
        &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json) {
        out_print_json(resp);
        goto out;
    }
    view_areas(resp);
    printf("%s\n", out_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

/* follow TAG and unfollow TAG. */
static int lore_follow(struct lore *l, int argc, char **argv, int off)
{
    json_t *resp = NULL;
    int rc = LORE_EXIT_OK;

    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind + 1 != argc) {
        rc = args_usage_error(l->cmd, optind >= argc ? "missing TAG" : "too many arguments");
        goto out;
    }
    rc = call_node(l, json_pack("{s:s,s:s,s:b}", "op", "follow", "tag", argv[optind], "off", off),
                   &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        out_print_json(resp);
    else
        view_areas(resp);
out:
    json_decref(resp);
    return rc;
}

static int cmd_follow(struct lore *l, int argc, char **argv)
{
    return lore_follow(l, argc, argv, 0);
}

static int cmd_unfollow(struct lore *l, int argc, char **argv)
{
    return lore_follow(l, argc, argv, 1);
}

static int cmd_inbox(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *arr, *e;
    size_t i;
    int rc = LORE_EXIT_OK;

    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    rc = args_none(l->cmd, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (!call_for_people(l, json_pack("{s:s}", "op", "inbox"), &resp, &rc))
        goto out;
    view_areas(resp);
    arr = json_object_get(resp, "entries");
    if (json_array_size(arr) == 0)
        printf("nothing waiting for you\n");
    json_array_foreach(arr, i, e) view_entry_line(stdout, e, 0);
    lore_people_print_inbox(resp);
out:
    json_decref(resp);
    return rc;
}

static int cmd_who_knows(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *people, *p;
    struct buf topic;
    size_t i;
    int k, rc = LORE_EXIT_OK;

    buf_init(&topic, 4096);
    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind >= argc) {
        rc = args_usage_error(l->cmd, "missing TOPIC");
        goto out;
    }
    for (k = optind; k < argc; k++)
        if ((k > optind && buf_append_str(&topic, " ") != 0) ||
            buf_append_str(&topic, argv[k]) != 0) {
            rc = args_usage_error(l->cmd, "the topic is too long");
            goto out;
        }
    rc = call_node(l, json_pack("{s:s,s:s}", "op", "who_knows", "topic", (const char *)topic.data),
                   &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json) {
        out_print_json(resp);
        goto out;
    }
    people = json_object_get(resp, "people");
    if (json_array_size(people) == 0)
        printf("nobody yet: ask the question, and whoever answers will show here next time\n");
    json_array_foreach(people, i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        printf("%2zu. ", i + 1);
        if (name != NULL)
            text_sanitize_term(stdout, name, TEXT_TERM_ONE_LINE, NULL);
        else
            printf("%.12s", out_jstr(p, "key"));
        printf("  (score %.1f)\n    ", json_real_value(json_object_get(p, "score")));
        text_sanitize_term(stdout, out_jstr(p, "why"), TEXT_TERM_ONE_LINE, NULL);
        fputc('\n', stdout);
    }
out:
    buf_free(&topic);
    json_decref(resp);
    return rc;
}

static void lore_print_hours(const char *label, json_t *v)
{
    printf("%-34s", label);
    if (!json_is_number(v))
        printf("-\n");
    else if (json_number_value(v) < 1)
        printf("%.0f min\n", json_number_value(v) * 60);
    else if (json_number_value(v) < 48)
        printf("%.1f h\n", json_number_value(v));
    else
        printf("%.1f days\n", json_number_value(v) / 24);
}

/* stats and top: parse --since, --tag, --json and --help, and call op. Returns 1 with *resp on
 * success, or 0 with the exit status in *rc. */
static int lore_since_tag_call(struct lore *l, int argc, char **argv, const char *op, json_t **resp,
                               int *rc)
{
    static const struct option opts[] = {{"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"since", required_argument, NULL, 's'},
                                         {"tag", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    long long since = 0;
    const char *tag = NULL;
    json_t *req;
    int c;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":s:t:h", opts, NULL);
        if (c == -1)
            break;
        if (c == ARGS_OPT_JSON) {
            l->json = true;
        } else if (c == 's') {
            if (when_since(optarg, &since) != 0) {
                *rc = args_usage_error(l->cmd, "--since takes 24h, 7d, 2w or YYYY-MM-DD");
                return 0;
            }
        } else if (c == 't') {
            tag = optarg;
        } else if (c == 'h') {
            *rc = call_help(l);
            return 0;
        } else {
            *rc = args_bad_option(l->cmd, c, argv);
            return 0;
        }
    }
    *rc = args_none(l->cmd, argc, argv);
    if (*rc != LORE_EXIT_OK)
        return 0;
    req = json_pack("{s:s,s:I}", "op", op, "since_ms", (json_int_t)since);
    if (req != NULL && tag != NULL)
        json_object_set_new(req, "tag", json_string(tag));
    *rc = call_node(l, req, resp);
    return *rc == LORE_EXIT_OK;
}

static int cmd_stats(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *arr, *x;
    size_t i;
    int rc = LORE_EXIT_OK;

    if (!lore_since_tag_call(l, argc, argv, "stats", &resp, &rc))
        goto out;
    if (l->json) {
        out_print_json(resp);
        goto out;
    }
    printf("%-34s%lld\n", "questions asked", out_jint(resp, "asked"));
    x = json_object_get(resp, "answered_pct");
    printf("%-34s", "answered");
    json_is_number(x) ? printf("%.0f%%\n", json_number_value(x)) : printf("-\n");
    x = json_object_get(resp, "answered_24h_pct");
    printf("%-34s", "answered within 24 h");
    json_is_number(x) ? printf("%.0f%%\n", json_number_value(x)) : printf("-\n");
    lore_print_hours("median time to first answer",
                     json_object_get(resp, "median_hours_to_first_answer"));
    lore_print_hours("median time to accepted answer",
                     json_object_get(resp, "median_hours_to_accepted_answer"));
    printf("%-34s%lld\n", "unanswered after 7 days", out_jint(resp, "unanswered_after_7_days"));
    arr = json_object_get(resp, "needs");
    if (json_array_size(arr) > 0) {
        printf("\nlearning needs (questions by tag):\n  %-24s %6s %11s\n", "tag", "asked",
               "unanswered");
        json_array_foreach(arr, i, x) printf("  #%-23s %6lld %11lld\n", out_jstr(x, "tag"),
                                             out_jint(x, "asked"), out_jint(x, "unanswered"));
    }
    arr = json_object_get(resp, "helpers");
    if (json_array_size(arr) > 0) {
        printf("\nmost active helpers:\n");
        json_array_foreach(arr, i, x)
        {
            const char *name = json_string_value(json_object_get(x, "name"));
            printf("  %-24.24s %lld answer%s\n", name != NULL ? name : out_jstr(x, "key"),
                   out_jint(x, "answers"), out_jint(x, "answers") == 1 ? "" : "s");
        }
    }
out:
    json_decref(resp);
    return rc;
}

static int cmd_vote(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL;
    int rc = LORE_EXIT_OK;

    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind + 2 != argc ||
        (strcmp(argv[optind + 1], "up") != 0 && strcmp(argv[optind + 1], "down") != 0 &&
         strcmp(argv[optind + 1], "none") != 0)) {
        rc = args_usage_error(l->cmd, "usage: lore vote ID up|down|none");
        goto out;
    }
    rc = args_check_id(l->cmd, argv[optind]);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = call_node(
        l, json_pack("{s:s,s:s,s:s}", "op", "vote", "id", argv[optind], "value", argv[optind + 1]),
        &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        out_print_json(resp);
    else
        printf("Voted %s on %.*s.\n%s\n", argv[optind + 1], LORE_SHORT_ID, argv[optind],
               out_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

static int cmd_thank(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"body", required_argument, NULL, 'b'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *resp = NULL, *req;
    const char *body = NULL;
    int c, rc = LORE_EXIT_OK;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":b:h", opts, NULL);
        if (c == -1)
            break;
        if (c == ARGS_OPT_JSON) {
            l->json = true;
        } else if (c == 'b') {
            body = optarg;
        } else if (c == 'h') {
            rc = call_help(l);
            goto out;
        } else {
            rc = args_bad_option(l->cmd, c, argv);
            goto out;
        }
    }
    if (optind + 1 != argc) {
        rc = args_usage_error(l->cmd, optind >= argc ? "missing ID" : "too many arguments");
        goto out;
    }
    rc = args_check_id(l->cmd, argv[optind]);
    if (rc != LORE_EXIT_OK)
        goto out;
    req = json_pack("{s:s,s:s}", "op", "thank", "id", argv[optind]);
    if (req != NULL && body != NULL && args_set_string(req, "body", body) != 0) {
        json_decref(req);
        rc = args_usage_error(l->cmd, "the message is not UTF-8 text");
        goto out;
    }
    rc = call_node(l, req, &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        out_print_json(resp);
    else
        printf("Thanked the author of %.*s.\n%s\n", LORE_SHORT_ID, argv[optind],
               out_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

static int cmd_top(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *p, *b;
    size_t i, k;
    int rc = LORE_EXIT_OK;

    if (!lore_since_tag_call(l, argc, argv, "top", &resp, &rc))
        goto out;
    if (l->json) {
        out_print_json(resp);
        goto out;
    }
    if (json_array_size(json_object_get(resp, "people")) == 0)
        printf("no points yet: vote, thank and accept answers to recognise helpers\n");
    json_array_foreach(json_object_get(resp, "people"), i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        printf("%2zu. %-24.24s %5lld points  (%lld accepted, %lld up, %lld down, %lld thanks)",
               i + 1, name != NULL ? name : out_jstr(p, "key"), out_jint(p, "points"),
               out_jint(p, "accepted"), out_jint(p, "upvotes"), out_jint(p, "downvotes"),
               out_jint(p, "thanks"));
        json_array_foreach(json_object_get(p, "badges"), k, b)
            printf("  [%s]", json_string_value(b));
        fputc('\n', stdout);
    }
out:
    json_decref(resp);
    return rc;
}

static int cmd_accept(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL;
    int rc = LORE_EXIT_OK;

    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind + 1 != argc) {
        rc = args_usage_error(l->cmd, optind >= argc ? "missing ANSWER id" : "too many arguments");
        goto out;
    }
    rc = args_check_id(l->cmd, argv[optind]);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (!call_for_people(l, json_pack("{s:s,s:s}", "op", "accept", "id", argv[optind]), &resp, &rc))
        goto out;
    printf("Accepted answer %.*s; the question is resolved.\n", LORE_SHORT_ID, argv[optind]);
    printf("%s\n", out_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

static int cmd_stop(struct lore *l, int argc, char **argv)
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

static int cmd_peers(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *peers, *p;
    size_t i;
    int rc = LORE_EXIT_OK;

    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind < argc && strcmp(argv[optind], "add") == 0) {
        if (optind + 2 != argc) {
            rc = args_usage_error(l->cmd, "usage: lore peers add HOST:PORT");
            goto out;
        }
        rc = call_node(l, json_pack("{s:s,s:s}", "op", "peers_add", "address", argv[optind + 1]),
                       &resp);
        if (rc != LORE_EXIT_OK)
            goto out;
        if (l->json)
            out_print_json(resp);
        else
            printf("Added peer %s; it is remembered across restarts.\n", argv[optind + 1]);
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

static int cmd_team(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"admin", required_argument, NULL, 'a'},
                                         {"all", no_argument, NULL, 'A'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *resp = NULL, *req = NULL, *admins = json_array(), *t, *v;
    const char *sub;
    int c, rc = LORE_EXIT_OK, people, all = 0, i;
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
        req = json_pack("{s:s,s:s}", "op", "team_join", "code", argv[optind + 1]);
        /* The request has its copy: wipe ours (it also leaves /proc/PID/cmdline). */
        explicit_bzero(argv[optind + 1], strlen(argv[optind + 1]));
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
    } else if (strcmp(sub, "join") == 0) {
        printf("Joined team %s. This node now looks for members (mDNS and your peers); "
               "`lore team show` says when a member has confirmed you.\n",
               out_jstr(t, "id"));
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

static int cmd_help(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c, rc = LORE_EXIT_OK;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'h':
            rc = call_help(l);
            goto out;
        default:
            rc = args_bad_option(l->cmd, c, argv);
            goto out;
        }
    }
    if (optind >= argc) {
        lore_print_usage(stdout);
        goto out;
    }
    if (optind + 1 < argc) {
        rc = args_usage_error(l->cmd, "unexpected argument '%s'", argv[optind + 1]);
        goto out;
    }
    if (lore_find_command(argv[optind]) == NULL) {
        out_errorf("unknown command '%s' (see `lore help`)", argv[optind]);
        rc = LORE_EXIT_USAGE;
        goto out;
    }
    rc = lore_command_help(argv[optind]);
out:
    return rc;
}

/* export and import live in vault.c; it reaches the node through call_connect. */
static int lore_vault_connect(void *arg, struct client **client)
{
    struct lore *l = arg;
    int rc = call_connect(l);

    *client = l->client;
    return rc;
}

static int lore_vault_help(void *arg)
{
    return lore_command_help(((struct lore *)arg)->cmd);
}

static int cmd_export(struct lore *l, int argc, char **argv)
{
    struct vault_env env = {l->cmd, lore_vault_connect, lore_vault_help, l};

    return vault_export_main(&env, argc, argv);
}

static int cmd_import(struct lore *l, int argc, char **argv)
{
    struct vault_env env = {l->cmd, lore_vault_connect, lore_vault_help, l};

    return vault_import_main(&env, argc, argv);
}

static const struct lore_command lore_commands[] = {
    {"init", cmd_init, "init [--name NAME] [--json]",
     "Create this node's identity and publish your profile",
     "Options:\n"
     "  -n, --name NAME   your name as others will see it (default: your full name\n"
     "                    from the password database, else $USER)\n" JSON_HELP HELP_HELP
     "\nPrints the new profile entry's id as the last line.\n"},
    {"status", cmd_status, "status [--json]", "Show what the node is doing",
     "Options:\n" JSON_HELP HELP_HELP},
    {"ask", cmd_ask,
     "ask TITLE [--body TEXT | --file F | - | --edit] [--tag T]... [--urgent] [--to PERSON]",
     "Ask a question",
     "Options:\n" BODY_HELP "  -t, --tag T       tag the question (repeatable)\n"
     "  -u, --urgent      mark the question urgent\n"
     "      --to PERSON   ask someone directly (a name from their profile, or a key "
     "prefix)\n" JSON_HELP HELP_HELP
     "\nThe body is optional. Prints the new entry's full id as the last line.\n"
     "\nExample:\n  lore ask \"How do I reset the VPN?\" --tag vpn --body \"It hangs.\"\n"},
    {"answer", cmd_answer, "answer ID [--body TEXT | --file F | - | --edit]",
     "Answer the question ID (a unique prefix of at least 4 hex digits will do)",
     "Options:\n" BODY_HELP JSON_HELP HELP_HELP
     "\nWithout a body option, the editor opens when standard input is a terminal.\n"
     "Prints the new entry's full id as the last line.\n"},
    {"note", cmd_note, "note TITLE [--body TEXT | --file F | - | --edit] [--tag T]...",
     "Share a piece of knowledge nobody asked for yet",
     "Options:\n" BODY_HELP "  -t, --tag T       tag the note (repeatable)\n" JSON_HELP HELP_HELP
     "\nWithout a body option, the editor opens when standard input is a terminal.\n"
     "Prints the new entry's full id as the last line.\n"},
    {"comment", cmd_comment, "comment ID [--body TEXT | --file F | - | --edit]",
     "Comment on the entry ID",
     "Options:\n" BODY_HELP JSON_HELP HELP_HELP
     "\nWithout a body option, the editor opens when standard input is a terminal.\n"
     "Prints the new entry's full id as the last line.\n"},
    {"show", cmd_show, "show ID [--history] [--json]",
     "Show an entry (its current version) with its answers and comments",
     "Options:\n"
     "      --history     also every version, each diffed against the one before\n" JSON_HELP
         HELP_HELP},
    {"list", cmd_list,
     "list [--kind K] [--tag T] [--author PERSON] [--status S] [--since WHEN] [--open] "
     "[--pinned] [--limit N] [--json]",
     "List entries, newest first (pinned ones first)",
     "Options:\n"
     "  -k, --kind K      only entries of kind K (question, answer, note, comment, ...)\n"
     "  -t, --tag T       only entries tagged T\n"
     "  -a, --author PERSON\n"
     "                    only entries by PERSON (a name from their profile, or a key prefix)\n"
     "  -s, --status S    only questions that are open, answered or resolved\n"
     "      --since WHEN  only entries created since 24h, 7d, 2w or YYYY-MM-DD\n"
     "  -o, --open, --unanswered\n"
     "                    only questions without answers\n"
     "      --pinned      only entries the team's admins pinned\n"
     "  -n, --limit N     at most N entries (1 to 500; default 50)\n" JSON_HELP HELP_HELP},
    {"search", cmd_search,
     "search QUERY... [--kind K] [--tag T] [--author PERSON] [--status S] [--since WHEN] "
     "[--limit N] [--json]",
     "Search the current titles, bodies and tags, best match first",
     "Options:\n"
     "  -k, --kind K      only entries of kind K\n"
     "  -t, --tag T       only entries tagged T\n"
     "  -a, --author PERSON\n"
     "                    only entries by PERSON (a name from their profile, or a key prefix)\n"
     "  -s, --status S    only questions that are open, answered or resolved\n"
     "      --since WHEN  only entries created since 24h, 7d, 2w or YYYY-MM-DD\n"
     "  -n, --limit N     at most N results (1 to 500; default 50)\n" JSON_HELP HELP_HELP
     "\nThe words of QUERY are joined with spaces. Accepted answers, upvoted and verified\n"
     "entries rank higher, obsolete ones lower (--json shows each result's bm25, boost and\n"
     "rank).\n"},
    {"check", cmd_check, "check [--json]",
     "Re-verify every stored entry and the database (exit status 1 if anything is wrong)",
     "Options:\n" JSON_HELP HELP_HELP},
    {"watch", cmd_watch, "watch [--mine] [--notify] [--json]",
     "Print new entries as they arrive, until interrupted",
     "Options:\n"
     "  -m, --mine        only questions for you: in your skills or followed tags\n"
     "  -n, --notify      also a desktop notification (notify-send) for those\n"
     "      --json        print each event as one line of JSON (with \"for_you\")\n" HELP_HELP},
    {"accept", cmd_accept, "accept ANSWER [--json]",
     "Accept an answer to a question you asked: the question is then resolved",
     "Options:\n" JSON_HELP HELP_HELP
     "\nOnly the person who asked can accept; prints the accept entry's id as the last line.\n"},
    {"skills", cmd_skills, "skills add TAG [--level 1-5] [--json]",
     "Declare a skill: questions tagged with it come to your inbox and watch",
     "Options:\n"
     "  -l, --level N     how well you know it, 1 to 5 (default 3)\n" JSON_HELP HELP_HELP
     "\nA skill is a signed entry: colleagues see it. Prints its id as the last line.\n"},
    {"follow", cmd_follow, "follow TAG [--json]",
     "Follow a tag: its questions come to your inbox and watch (kept on this node only)",
     "Options:\n" JSON_HELP HELP_HELP},
    {"unfollow", cmd_unfollow, "unfollow TAG [--json]", "Stop following a tag",
     "Options:\n" JSON_HELP HELP_HELP},
    {"who-knows", cmd_who_knows, "who-knows TOPIC... [--json]",
     "Who can help with a topic: answers (accepted ones count most), then declared skills",
     "Options:\n" JSON_HELP HELP_HELP
     "\nTOPIC is a tag and/or words; each result says why it ranks where it does. Recent\n"
     "help counts more than old help.\n"},
    {"vote", cmd_vote, "vote ID up|down|none [--json]",
     "Vote on an entry; one vote per person and entry, the latest counts",
     "Options:\n" JSON_HELP HELP_HELP},
    {"thank", cmd_thank, "thank ID [--body TEXT] [--json]", "Thank the author of an entry",
     "Options:\n  -b, --body TEXT   a few words of thanks\n" JSON_HELP HELP_HELP},
    {"top", cmd_top, "top [--since 24h|7d|2w|YYYY-MM-DD] [--tag T] [--json]",
     "The leaderboard: points from accepted answers, votes and thanks, with badges",
     "Options:\n"
     "  -s, --since WHEN  only points earned since then\n"
     "  -t, --tag T       only for entries tagged T\n" JSON_HELP HELP_HELP
     "\nAccepted answer 15, upvote 10, thanks 5, downvote -2. One vote per person and entry\n"
     "(the latest), thanks once; nobody can award themselves; a person gives at most 30\n"
     "points a day and receives at most 200.\n"},
    {"stats", cmd_stats, "stats [--since 24h|7d|2w|YYYY-MM-DD] [--tag T] [--json]",
     "Are questions answered, and how fast? Learning needs by tag; most active helpers",
     "Options:\n"
     "  -s, --since WHEN  only questions asked since then (default: all)\n"
     "  -t, --tag T       only questions tagged T\n" JSON_HELP HELP_HELP},
    {"inbox", cmd_inbox, "inbox [--json]",
     "Questions in your areas (skills, followed tags) not yet resolved; urgent first",
     "Options:\n" JSON_HELP HELP_HELP},
    {"team", cmd_team,
     "team create NAME [--admin KEY]... | join CODE | show | rotate | revoke PERSON | admin PERSON "
     "| vouch PERSON... | vouch --all [--json]",
     "Create or join a team, show it, vouch for people, and (admins) rotate its join code or "
     "revoke a member",
     "Options:\n"
     "  -a, --admin KEY   create: another admin besides you (64 hex digits; repeatable)\n"
     "      --all         vouch: every current member this node knows\n" JSON_HELP HELP_HELP
     "\nA node syncs only with members of its team, over encrypted links. `create` "
     "prints the join code\n(its last line); colleagues run `lore team join CODE`. "
     "`rotate` replaces a leaked\ncode; members keep syncing. `revoke` ends a "
     "member's access on every node.\n`vouch` says you know these people: the votes, thanks "
     "and endorsements of people\nnobody vouched for count together as one person per join "
     "code; an admin's vouch\ncounts for everyone, yours for what you see.\n"},
    {"peers", cmd_peers, "peers [add HOST:PORT] [--json]",
     "Show the peers and how far each is in sync; add one",
     "Options:\n" JSON_HELP HELP_HELP
     "\nWith `add HOST:PORT`, dial that peer now and on every start of the node.\n"},
    {"export", cmd_export, "export DIR [--json]",
     "Write every question, answer, note and comment to DIR as Markdown files",
     "Options:\n"
     "      --json        print a summary {dir, files, entries} as JSON\n" HELP_HELP
     "\nOne file per question (its answers and comments below it, the accepted one marked)\n"
     "and one per note, named after the title and the id, with YAML front matter (id,\n"
     "kind, title, author, author_name, created, tags, refs, status, accepted); and\n"
     "DIR/lore-export.json with every entry as the API gives it. DIR is created if\n"
     "missing; a non-empty DIR must hold an earlier export. Progress goes to stderr.\n"},
    {"import", cmd_import, "import DIR [--tag T]... [--dry-run] [--json]",
     "Post the Markdown files of a folder (an Obsidian vault, an export) as notes",
     "Options:\n"
     "  -t, --tag T       also tag every note T (repeatable)\n"
     "      --dry-run     only list what would be imported\n"
     "      --json        print a summary {imported, notes, skipped, warnings} as JSON\n" HELP_HELP
     "\nEvery *.md below DIR (hidden folders such as .obsidian are passed over, links are\n"
     "not followed) becomes a note. Title: the front matter's title, else the first\n"
     "# heading, else the file name. Tags: the front matter's tags and the #tags in the\n"
     "text (ones lore cannot take are dropped with a warning). A file whose title and\n"
     "body are already a note here is skipped, so importing again adds only what is new;\n"
     "so are empty files and files over lore's size limits, each with the reason.\n"},
    {"stop", cmd_stop, "stop [--json]", "Ask the node to shut down",
     "Options:\n" JSON_HELP HELP_HELP},
    {"help", cmd_help, "help [COMMAND]", "Show help for lore or for one command", ""},
    {NULL, NULL, NULL, NULL, NULL},
};

/* Every command: this file's, then the modules' (each table ends with a NULL name). */
static const struct lore_command *const lore_tables[] = {lore_commands, lore_content_commands,
                                                         lore_people_commands, NULL};

static const struct lore_command *lore_find_command(const char *name)
{
    size_t t, i;

    for (t = 0; lore_tables[t] != NULL; t++)
        for (i = 0; lore_tables[t][i].name != NULL; i++)
            if (strcmp(lore_tables[t][i].name, name) == 0)
                return &lore_tables[t][i];
    return NULL;
}

static void lore_print_usage(FILE *f)
{
    size_t t, i;

    fprintf(f, "usage: lore [--home DIR] COMMAND [ARGS]\n"
               "       lore --version | --help\n\n"
               "Commands:\n");
    for (t = 0; lore_tables[t] != NULL; t++)
        for (i = 0; lore_tables[t][i].name != NULL; i++)
            fprintf(f, "  %-8s  %s\n", lore_tables[t][i].name, lore_tables[t][i].summary);
    fprintf(f, "\nGlobal options:\n"
               "  --home DIR        use the node whose home is DIR (default: $LORE_HOME,\n"
               "                    else the XDG directories)\n"
               "  --version         print the version\n"
               "  -h, --help        show this help\n\n"
               "Run `lore COMMAND --help` for a command's options. See lore(1).\n");
}

static void *lore_json_malloc(size_t n)
{
    return xmalloc(n);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"home", required_argument, NULL, 'H'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct lore l = {0};
    const struct lore_command *cmd;
    const char *arg;
    int c, rc = LORE_EXIT_OK;

    /* What jansson frees is wiped: requests and replies may carry a join code. */
    json_set_alloc_funcs(lore_json_malloc, xfree_wiped);
    l.cmd = "lore";
    l.help = lore_command_help;
    opterr = 0;
    /* "+": stop at the command; its own options are its business. */
    for (;;) {
        c = getopt_long(argc, argv, "+:h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'H':
            l.home = optarg;
            break;
        case 'V':
            printf("lore %s\n", LORE_VERSION);
            goto out;
        case 'h':
            lore_print_usage(stdout);
            goto out;
        case ':':
            out_errorf("option '%s' needs an argument (see `lore --help`)", argv[optind - 1]);
            rc = LORE_EXIT_USAGE;
            goto out;
        default:
            arg = argv[optind - 1];
            if (strncmp(arg, "--", 2) == 0)
                out_errorf("unknown option '%.*s' (see `lore --help`)", (int)strcspn(arg, "="),
                           arg);
            else
                out_errorf("unknown option '-%c' (see `lore --help`)", optopt);
            rc = LORE_EXIT_USAGE;
            goto out;
        }
    }
    if (l.home != NULL && l.home[0] == '\0') {
        out_errorf("--home needs a directory (see `lore --help`)");
        rc = LORE_EXIT_USAGE;
        goto out;
    }
    if (optind >= argc) {
        lore_print_usage(stderr);
        rc = LORE_EXIT_USAGE;
        goto out;
    }
    cmd = lore_find_command(argv[optind]);
    if (cmd == NULL) {
        out_errorf("unknown command '%s' (see `lore help`)", argv[optind]);
        rc = LORE_EXIT_USAGE;
        goto out;
    }
    l.cmd = cmd->name;
    rc = cmd->run(&l, argc - optind, argv + optind);
out:
    client_destroy(&l.client);
    if (l.have_paths)
        paths_free(&l.paths);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        out_errorf("cannot write to stdout: %s", strerror(errno));
        if (rc == LORE_EXIT_OK)
            rc = LORE_EXIT_FAIL;
    }
    return rc;
}
