/* cmd_content: the commands for keeping content: edits, history, retractions, flags, pins. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "xmalloc.h"

/* ---- commands ---- */

/* The one ID argument (and nothing else) of a command. Returns an exit code. */
static int lore_one_id(const struct lore *l, int argc, char **argv, const char **id)
{
    int rc = args_one(l->cmd, argc, argv, "ID", id);

    return rc != LORE_EXIT_OK ? rc : args_check_id(l->cmd, *id);
}

static int cmd_edit(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {
        {"title", required_argument, NULL, 'T'}, {"body", required_argument, NULL, 'b'},
        {"file", required_argument, NULL, 'f'},  {"edit", no_argument, NULL, 'e'},
        {"tag", required_argument, NULL, 't'},   {"json", no_argument, NULL, ARGS_OPT_JSON},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    struct body_opts bo = {0};
    json_t *req = NULL, *resp = NULL, *cur = NULL, *tags = NULL, *body = NULL;
    const char *id = NULL, *title = NULL;
    int c, i, sources, rc = LORE_EXIT_OK, people;

    tags = json_array();
    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":T:b:f:et:h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'T':
            title = optarg;
            break;
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
    for (i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0 && !bo.from_stdin) {
            bo.from_stdin = true;
        } else if (id == NULL) {
            id = argv[i];
        } else {
            rc = args_usage_error(l->cmd, "unexpected argument '%s'", argv[i]);
            goto out;
        }
    }
    if (id == NULL) {
        rc = args_usage_error(l->cmd, "missing ID");
        goto out;
    }
    rc = args_check_id(l->cmd, id);
    if (rc != LORE_EXIT_OK)
        goto out;
    sources = (bo.text != NULL) + (bo.file != NULL) + bo.from_stdin + bo.edit;
    if (sources > 1) {
        rc = args_usage_error(l->cmd, "give only one of --body, --file, - (stdin) and --edit");
        goto out;
    }
    if (sources == 0 && title == NULL && json_array_size(tags) == 0) {
        rc = args_usage_error(l->cmd, "nothing to change: give --title, --tag, or a new body "
                                      "(--body, --file, - or --edit)");
        goto out;
    }
    if (bo.edit) { /* the editor starts from the current body */
        rc = call_node(l, json_pack("{s:s, s:s}", "op", "get", "id", id), &cur);
        if (rc != LORE_EXIT_OK)
            goto out;
        bo.initial = out_jstr(json_object_get(cur, "entry"), "body");
    }
    if (sources > 0) {
        rc = body_get(l->cmd, &bo, false, &body);
        if (rc != LORE_EXIT_OK)
            goto out;
    }
    req = json_pack("{s:s, s:s}", "op", "edit", "id", id);
    if (req == NULL || (title != NULL && args_set_string(req, "title", title) != 0)) {
        rc = args_usage_error(l->cmd, "the title is not UTF-8 text");
        goto out;
    }
    if ((body != NULL && json_object_set(req, "body", body) != 0) ||
        (json_array_size(tags) > 0 && json_object_set(req, "tags", tags) != 0)) {
        out_errorf("out of memory");
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    people = call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    printf("Edited %.*s: the new version is revision %.*s.\n%s\n", LORE_SHORT_ID, id, LORE_SHORT_ID,
           out_jstr(resp, "id"), out_jstr(resp, "id"));
out:
    json_decref(req);
    json_decref(resp);
    json_decref(cur);
    json_decref(tags);
    json_decref(body);
    return rc;
}

static int cmd_retract(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL;
    const char *id;
    int rc = LORE_EXIT_OK;

    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    rc = lore_one_id(l, argc, argv, &id);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (!call_for_people(l, json_pack("{s:s, s:s}", "op", "retract", "id", id), &resp, &rc))
        goto out;
    printf("Retracted. Nodes that honour retractions drop it; copies may persist on replicas that "
           "already have it, and anyone may have copied it.\n%s\n",
           out_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

static int cmd_flag(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL;
    const char *flag;
    int rc = LORE_EXIT_OK;

    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind + 2 != argc) {
        rc = args_usage_error(l->cmd, "usage: lore flag ID obsolete|verified|none");
        goto out;
    }
    flag = argv[optind + 1];
    if (strcmp(flag, "obsolete") != 0 && strcmp(flag, "verified") != 0 &&
        strcmp(flag, "none") != 0) {
        rc = args_usage_error(l->cmd, "a flag is obsolete, verified or none, not '%s'", flag);
        goto out;
    }
    rc = args_check_id(l->cmd, argv[optind]);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = call_node(l, json_pack("{s:s, s:s, s:s}", "op", "flag", "id", argv[optind], "flag", flag),
                   &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        out_print_json(resp);
    else if (strcmp(flag, "none") == 0)
        printf("Withdrew your flag on %.*s.\n%s\n", LORE_SHORT_ID, argv[optind],
               out_jstr(resp, "id"));
    else
        printf("Flagged %.*s %s.\n%s\n", LORE_SHORT_ID, argv[optind], flag, out_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

static int cmd_pin(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"off", no_argument, NULL, 'o'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *resp = NULL;
    const char *id;
    bool off = false;
    int c, rc = LORE_EXIT_OK;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            break;
        if (c == 'o') {
            off = true;
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
    rc = lore_one_id(l, argc, argv, &id);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = call_node(l, json_pack("{s:s, s:s, s:b}", "op", "pin", "id", id, "off", off), &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        out_print_json(resp);
    else
        printf("%s %.*s for the team.\n%s\n", off ? "Unpinned" : "Pinned", LORE_SHORT_ID, id,
               out_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

/* hide ID --reason R and unhide ID: team admins' moderation (docs/PROTOCOL.md, kind 24). */
static int lore_moderate(struct lore *l, int argc, char **argv, int hide)
{
    static const struct option opts[] = {{"reason", required_argument, NULL, 'r'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *req = NULL, *resp = NULL;
    const char *id, *reason = NULL;
    int c, rc = LORE_EXIT_OK;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, hide ? ":r:h" : ":h", opts, NULL);
        if (c == -1)
            break;
        if (c == 'r' && hide) {
            reason = optarg;
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
    rc = lore_one_id(l, argc, argv, &id);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (hide && (reason == NULL || reason[strspn(reason, " \t\n")] == '\0')) {
        rc = args_usage_error(l->cmd, "hiding an entry needs --reason TEXT (everyone sees it)");
        goto out;
    }
    req = json_pack("{s:s, s:s}", "op", hide ? "hide" : "unhide", "id", id);
    if (reason != NULL && args_set_string(req, "reason", reason) != 0) {
        rc = args_usage_error(l->cmd, "--reason must be UTF-8 text");
        goto out;
    }
    rc = call_node(l, req, &resp);
    req = NULL; /* consumed */
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        out_print_json(resp);
    else
        printf("%s %.*s for the whole team.\n%s\n", hide ? "Hid" : "Unhid", LORE_SHORT_ID, id,
               out_jstr(resp, "id"));
out:
    json_decref(req);
    json_decref(resp);
    return rc;
}

static int cmd_hide(struct lore *l, int argc, char **argv)
{
    return lore_moderate(l, argc, argv, 1);
}

static int cmd_unhide(struct lore *l, int argc, char **argv)
{
    return lore_moderate(l, argc, argv, 0);
}

const struct lore_command lore_content_commands[] = {
    {"edit", cmd_edit,
     "edit ID [--title T] [--body TEXT | --file F | - | --edit] [--tag T]... [--json]",
     "Publish a new version of one of your entries",
     "Options:\n"
     "  -T, --title T     the new title (questions and notes)\n" BODY_HELP
     "  -t, --tag T       the new tags (repeatable; they replace the old ones)\n" JSON_HELP
         HELP_HELP "\nWhat you do not give stays as the current version has it; --edit opens the\n"
     "current body in your editor. Only the author can edit; everyone then sees the new\n"
     "version (`lore show ID --history` shows every one). Prints the revision's id last.\n"},
    {"retract", cmd_retract, "retract ID [--json]", "Take back one of your entries",
     "Options:\n" JSON_HELP HELP_HELP
     "\nNodes that honour retractions drop the entry and never take it again; copies\n"
     "may persist on replicas that already have it, and anyone may have copied it.\n"},
    {"flag", cmd_flag, "flag ID obsolete|verified|none [--json]",
     "Flag an entry obsolete or verified (none withdraws your flag)",
     "Options:\n" JSON_HELP HELP_HELP
     "\nOne flag per person and entry, the latest counts. Verified entries rank higher in\n"
     "search, obsolete ones lower.\n"},
    {"pin", cmd_pin, "pin ID [--off] [--json]",
     "Pin an entry for the whole team (team admins only)",
     "Options:\n"
     "      --off         unpin it\n" JSON_HELP HELP_HELP
     "\nPinned entries come first in `lore list`; `lore list --pinned` lists only them.\n"},
    {"hide", cmd_hide, "hide ID --reason TEXT [--json]",
     "Hide another member's entry for the whole team (team admins only)",
     "Options:\n"
     "  -r, --reason TEXT why (required; everyone sees it)\n" JSON_HELP HELP_HELP
     "\nA hidden entry leaves list, search, inbox, watch and digest on every node; show\n"
     "says \"hidden by an admin: REASON\" instead of its text. `lore unhide ID` undoes it.\n"},
    {"unhide", cmd_unhide, "unhide ID [--json]",
     "Show an entry an admin hid again (team admins only)", "Options:\n" JSON_HELP HELP_HELP},
    {NULL, NULL, NULL, NULL, NULL},
};
