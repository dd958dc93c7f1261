/* cmd_entries: the commands for entries: ask, answer, note, comment, show, list, search. */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "client.h"
#include "cmd.h"
#include "history.h"
#include "when.h"

enum lore_post_kind {
    POST_QUESTION,
    POST_ANSWER,
    POST_NOTE,
    POST_COMMENT,
};

static const char *const lore_post_kinds[] = {"question", "answer", "note", "comment"};

/* ask, answer, note and comment: one parser, with the options each kind allows. */
/* Once a question is posted (so never for a refused one): the questions already asked that look
 * like it (op similar), with their status, on stderr (stdout stays the new id), so a person sees
 * an existing answer before waiting for one. */
static void lore_show_similar(struct lore *l, const char *title, const char *posted)
{
    json_t *req = NULL, *resp = NULL, *res, *r, *e;
    char err[ERRMSG_MAX];
    size_t i;

    /* Quietly: if this fails (say, a title with no searchable words) the post itself speaks. */
    if (l->client == NULL)
        goto out;
    req = json_pack("{s:s,s:s,s:s,s:i}", "op", "similar", "title", title, "exclude", posted,
                    "limit", 3);
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

/* The positionals of a post: the title (or the id replied to), and optionally "-" for stdin;
 * and at most one body source. Returns an exit status. */
static int lore_post_positionals(const struct lore *l, int argc, char **argv, bool reply,
                                 struct body_opts *bo, const char **target)
{
    int i, rc, sources;

    for (i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0 && !bo->from_stdin) {
            bo->from_stdin = true;
        } else if (*target == NULL) {
            *target = argv[i];
        } else {
            return args_usage_error(l->cmd, "unexpected argument '%s'%s", argv[i],
                                    reply ? "" : "; quote a title of several words");
        }
    }
    if (*target == NULL)
        return args_usage_error(l->cmd, "missing %s", reply ? "ID" : "TITLE");
    if (reply) {
        rc = args_check_id(l->cmd, *target);
        if (rc != LORE_EXIT_OK)
            return rc;
    } else if ((*target)[0] == '\0') {
        return args_usage_error(l->cmd, "the title is empty");
    }
    sources = (bo->text != NULL) + (bo->file != NULL) + bo->from_stdin + bo->edit;
    if (sources > 1)
        return args_usage_error(l->cmd, "give only one of --body, --file, - (stdin) and --edit");
    return LORE_EXIT_OK;
}

/* The post request (*req, the caller's) for a post of kind with body (stolen). Returns an exit
 * status. */
static int lore_post_request(const struct lore *l, enum lore_post_kind kind, const char *target,
                             const char *to, bool urgent, json_t *tags, json_t *body, json_t **req)
{
    bool reply = kind == POST_ANSWER || kind == POST_COMMENT;

    *req = json_pack("{s:s, s:s, s:o}", "op", "post", "kind", lore_post_kinds[kind], "body", body);
    if (*req == NULL) {
        out_errorf("out of memory");
        return LORE_EXIT_FAIL;
    }
    if (reply) {
        if (json_object_set_new(*req, "refs", json_pack("[s]", target)) != 0) {
            out_errorf("out of memory");
            return LORE_EXIT_FAIL;
        }
    } else {
        if (args_set_string(*req, "title", target) != 0)
            return args_usage_error(l->cmd, "the title is not UTF-8 text");
        if (to != NULL && args_set_string(*req, "to", to) != 0)
            return args_usage_error(l->cmd, "--to is not UTF-8 text");
        if (json_object_set(*req, "tags", tags) != 0 ||
            (kind == POST_QUESTION &&
             json_object_set_new(*req, "urgent", json_boolean(urgent)) != 0)) {
            out_errorf("out of memory");
            return LORE_EXIT_FAIL;
        }
    }
    return LORE_EXIT_OK;
}

/* An urgent question's reply says how many people who know its tags are online now:
 * "3 people who know #kubernetes are online". */
static void lore_post_online(json_t *resp)
{
    json_t *n = json_object_get(resp, "online_experts"), *tag;
    json_t *tags = json_object_get(json_object_get(resp, "entry"), "tags");
    long long count = json_integer_value(n);
    size_t i;

    if (!json_is_integer(n) || json_array_size(tags) == 0)
        return;
    if (count == 0)
        printf("Nobody who knows");
    else
        printf("%lld %s who know%s", count, count == 1 ? "person" : "people",
               count == 1 ? "s" : "");
    json_array_foreach(tags, i, tag)
    {
        printf("%s#", i == 0 ? " " : " or ");
        text_sanitize_term(stdout, json_string_value(tag), TEXT_TERM_ONE_LINE, NULL);
    }
    if (count == 0)
        printf(" is online now: it will wait in their inbox.\n");
    else
        printf(" %s online now.\n", count == 1 ? "is" : "are");
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
    const struct option *opts;
    const char *shortopts, *target = NULL, *to = NULL;
    struct body_opts bo = {0};
    json_t *req = NULL, *resp = NULL, *tags = NULL, *body = NULL;
    bool urgent = false, reply = kind == POST_ANSWER || kind == POST_COMMENT;
    int c, rc = LORE_EXIT_OK, people;

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
            rc = args_add_tag(l->cmd, tags, optarg);
            if (rc != LORE_EXIT_OK)
                goto out;
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
    rc = lore_post_positionals(l, argc, argv, reply, &bo, &target);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = body_get(l->cmd, &bo, kind != POST_QUESTION, &body);
    if (rc != LORE_EXIT_OK)
        goto out;

    rc = lore_post_request(l, kind, target, to, urgent, tags, body, &req);
    body = NULL; /* consumed */
    if (rc != LORE_EXIT_OK)
        goto out;
    people = call_for_people(l, req, &resp, &rc);
    req = NULL;                                      /* consumed */
    if (kind == POST_QUESTION && rc == LORE_EXIT_OK) /* posted: with --json too (on stderr) */
        lore_show_similar(l, target, out_jstr(resp, "id"));
    if (!people)
        goto out;
    /* The full id is always the last line, so `id=$(lore ask ... | tail -n 1)` works. */
    printf("Posted %s %.*s.\n", lore_post_kinds[kind], LORE_SHORT_ID, out_jstr(resp, "id"));
    lore_post_online(resp);
    printf("%s\n", out_jstr(resp, "id"));
out:
    json_decref(req);
    json_decref(resp);
    json_decref(tags);
    json_decref(body);
    return rc;
}

int cmd_ask(struct lore *l, int argc, char **argv)
{
    return lore_post(l, argc, argv, POST_QUESTION);
}

int cmd_answer(struct lore *l, int argc, char **argv)
{
    return lore_post(l, argc, argv, POST_ANSWER);
}

int cmd_note(struct lore *l, int argc, char **argv)
{
    return lore_post(l, argc, argv, POST_NOTE);
}

int cmd_comment(struct lore *l, int argc, char **argv)
{
    return lore_post(l, argc, argv, POST_COMMENT);
}

int cmd_show(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"history", no_argument, NULL, 'H'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *req = NULL, *resp = NULL;
    const char *id;
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
    rc = args_one(l->cmd, argc, argv, "ID", &id);
    if (rc == LORE_EXIT_OK)
        rc = args_check_id(l->cmd, id);
    if (rc != LORE_EXIT_OK)
        goto out;
    req = json_pack("{s:s, s:s, s:b}", "op", "get", "id", id, "history", history);
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
            if (when_since(optarg, when_now_ms(), &f->since_ms) != 0 || f->since_ms <= 0) {
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

int cmd_list(struct lore *l, int argc, char **argv)
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

int cmd_search(struct lore *l, int argc, char **argv)
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
