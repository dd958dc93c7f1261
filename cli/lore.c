/*
 * lore: the command-line client. It only speaks the node's local API (docs/API.md); everything it
 * knows comes from the node's responses.
 *
 * Exit status: 0 ok; 1 the node answered with an error (or a local failure such as an unreadable
 * file); 2 usage error; 3 no node is running.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "out.h"
#include "paths.h"
#include "vault_export.h"
#include "vault_import.h"
#include "version.h"
#include "xmalloc.h"

static const struct lore_command *lore_find_command(const char *name);

static void lore_print_usage(FILE *f);

static void lore_help_json(const char *name);

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

static int cmd_help(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c, rc = LORE_EXIT_OK;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
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
    if (optind >= argc) {
        if (l->json)
            lore_help_json(NULL);
        else
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
    if (l->json)
        lore_help_json(argv[optind]);
    else
        rc = lore_command_help(argv[optind]);
out:
    return rc;
}

static int cmd_export(struct lore *l, int argc, char **argv)
{
    return vault_export_main(l, argc, argv);
}

static int cmd_import(struct lore *l, int argc, char **argv)
{
    return vault_import_main(l, argc, argv);
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
     "  -u, --urgent      mark the question urgent; says how many who know its tags are\n"
     "                    online now\n"
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
     "\nThe words of QUERY are joined with spaces. Every word must match, and the last also\n"
     "as a prefix; also: \"a phrase\", OR (either side), NOT word or -word (not that),\n"
     "word* (a prefix) and ( ) to group: lore search '\"wifi password\" OR vpn -guest'.\n"
     "A query that cannot be read is an error saying where. Accepted answers, upvoted\n"
     "and verified entries rank higher, obsolete ones lower (--json shows each result's\n"
     "bm25, boost and rank).\n"},
    {"check", cmd_check, "check [--json]",
     "Re-verify every stored entry and the database (exit status 1 if anything is wrong)",
     "Options:\n" JSON_HELP HELP_HELP},
    {"watch", cmd_watch, "watch [--mine] [--notify[=MODE]] [--json]",
     "Print new entries as they arrive, until interrupted",
     "Options:\n"
     "  -m, --mine        only what is for you, with the reason: questions in your areas\n"
     "                    or to you, answers/comments/accepts/thanks on yours, @mentions,\n"
     "                    urgent questions escalated to you, reminders\n"
     "  -n, --notify      desktop notifications (session D-Bus) of events for you, as\n"
     "                    the node's notify setting says; --notify=all|urgent|off overrides\n"
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
    {"who-knows", cmd_who_knows, "who-knows TOPIC... [--online] [--exact] [--json]",
     "Who can help with a topic: answers (accepted ones count most), then declared skills",
     "Options:\n"
     "      --online      people whose node is up now first\n"
     "      --exact       only the topic itself, not the topics related to it\n" JSON_HELP HELP_HELP
     "\nTOPIC is a tag and/or words; each result says why it ranks where it does. Recent\n"
     "help counts more than old help. People whose node is up now are marked online.\n"
     "Answers on related topics count too: the tags the team uses beside TOPIC's tag,\n"
     "and the tags that go with each of TOPIC's words (listed first).\n"},
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
    {"stats", cmd_stats, "stats [--since 24h|7d|2w|YYYY-MM-DD] [--tag T] | stats --needs [--json]",
     "Are questions answered, and how fast? Learning needs by tag; most active helpers",
     "Options:\n"
     "  -s, --since WHEN  only questions asked since then (default: all)\n"
     "  -t, --tag T       only questions tagged T\n"
     "      --needs       the needs-vs-experts map: per topic, people learning it and\n"
     "                    questions asked against experts and mentors, biggest gap "
     "first\n" JSON_HELP HELP_HELP
     "\nWith --needs, gap = (learners + asked) / (experts + mentors + 1). Experts are people\n"
     "who answered a question tagged with the topic, not their own (not declared skills).\n"
     "Every node holding the same entries prints the same map.\n"},
    {"inbox", cmd_inbox, "inbox [--json]",
     "Questions for you not yet resolved, urgent first; new on your questions (14 days)",
     "Options:\n" JSON_HELP HELP_HELP},
    {"team", cmd_team,
     "team create NAME [--admin KEY]... | join CODE [--no-wait | --timeout S] | show | rotate | "
     "revoke PERSON | admin PERSON | vouch PERSON... | vouch --all [--json]",
     "Create or join a team, show it, vouch for people, and (admins) rotate its join code or "
     "revoke a member",
     "Options:\n"
     "  -a, --admin KEY   create: another admin besides you (64 hex digits; repeatable)\n"
     "      --all         vouch: every current member this node knows\n"
     "      --no-wait     join: return at once, without waiting to reach the team\n"
     "      --timeout S   join: wait at most S seconds (default 5) to reach a team node;\n"
     "                    a refused code (rotated away) exits 1 with the reason\n" JSON_HELP
         HELP_HELP "\nA node syncs only with members of its team, over encrypted links. `create` "
     "prints the join code\n(its last line); colleagues run `lore team join CODE`. "
     "`rotate` replaces a leaked\ncode; members keep syncing. `revoke` ends a "
     "member's access on every node.\n`vouch` says you know these people: the votes, thanks "
     "and endorsements of people\nnobody vouched for count together as one person per join "
     "code; an admin's vouch\ncounts for everyone, yours for what you see.\n"},
    {"peers", cmd_peers, "peers [add HOST:PORT | remove HOST:PORT] [--json]",
     "Show the peers and how far each is in sync; add or remove one",
     "Options:\n" JSON_HELP HELP_HELP
     "\nWith `add HOST:PORT`, dial that peer now and on every start of the node.\n"
     "With `remove HOST:PORT`, forget a peer added that way (a mistyped address) and close\n"
     "its link; peers from lore.conf or --peer are removed there.\n"},
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
     "text (ones lore cannot take are dropped with a warning). The front matter's date\n"
     "(YYYY-MM-DD, or with a time) is the note's creation time. Embeds (![[file]]) are\n"
     "not copied: a warning names them. A file whose title and\n"
     "body are already a note here is skipped, so importing again adds only what is new;\n"
     "so are empty files and files over lore's size limits, each with the reason.\n"},
    {"web", cmd_web, "web [--open] [--json]",
     "Print the address that opens lore in your browser (the node's web interface)",
     "Options:\n      --open        also open it with xdg-open\n" JSON_HELP HELP_HELP
     "\nThe address carries a one-time login token: it logs one browser in, once, within\n"
     "two minutes; the browser then keeps a session cookie. The node serves the web\n"
     "interface on web_listen (lored(1)), 127.0.0.1:5680 by default.\n"},
    {"stop", cmd_stop, "stop [--json]", "Ask the node to shut down",
     "Options:\n" JSON_HELP HELP_HELP},
    {"help", cmd_help, "help [COMMAND] [--json]", "Show help for lore or for one command",
     "Options:\n      --json        the commands (or one command) as JSON: name, usage, summary\n"
     "                    (and help)\n" HELP_HELP},
    {NULL, NULL, NULL, NULL, NULL},
};

/* Every command: this file's, then the modules' (each table ends with a NULL name). */
static const struct lore_command *const lore_tables[] = {
    lore_commands,       lore_content_commands, lore_people_commands,
    lore_learn_commands, lore_tags_commands,    NULL};

static const struct lore_command *lore_find_command(const char *name)
{
    size_t t, i;

    for (t = 0; lore_tables[t] != NULL; t++)
        for (i = 0; lore_tables[t][i].name != NULL; i++)
            if (strcmp(lore_tables[t][i].name, name) == 0)
                return &lore_tables[t][i];
    return NULL;
}

/* A command as `help --json` shows it: name, usage, summary and (with full) its help text. */
static json_t *lore_command_json(const struct lore_command *c, bool full)
{
    json_t *o = json_pack("{s:s,s:s+,s:s}", "name", c->name, "usage", "lore ", c->synopsis,
                          "summary", c->summary);

    if (o != NULL && full)
        json_object_set_new(o, "help", json_string(c->help));
    return o;
}

/* `help --json`: {"commands": [...]}, or one command's object. */
static void lore_help_json(const char *name)
{
    json_t *o, *a;
    size_t t, i;

    if (name != NULL) {
        o = lore_command_json(lore_find_command(name), true);
    } else {
        a = json_array();
        for (t = 0; lore_tables[t] != NULL; t++)
            for (i = 0; lore_tables[t][i].name != NULL; i++)
                json_array_append_new(a, lore_command_json(&lore_tables[t][i], false));
        o = json_pack("{s:s,s:o}", "version", lore_version(), "commands", a);
    }
    out_print_json(o);
    json_decref(o);
}

static void lore_print_usage(FILE *f)
{
    size_t t, i;

    fprintf(f, "usage: lore [--home DIR] [--wait SECONDS] COMMAND [ARGS]\n"
               "       lore --version | --help\n\n"
               "Commands:\n");
    for (t = 0; lore_tables[t] != NULL; t++)
        for (i = 0; lore_tables[t][i].name != NULL; i++)
            fprintf(f, "  %-8s  %s\n", lore_tables[t][i].name, lore_tables[t][i].summary);
    fprintf(f,
            "\nGlobal options:\n"
            "  --home DIR        use the node whose home is DIR (default: $LORE_HOME,\n"
            "                    else the XDG directories)\n"
            "  --wait SECONDS    wait this long for a node that is starting (default %d;\n"
            "                    0: fail at once when no node runs)\n"
            "  --version         print the version\n"
            "  -h, --help        show this help\n\n"
            "Run `lore COMMAND --help` for a command's options. See lore(1).\n",
            CALL_WAIT_DEFAULT_S);
}

static void *lore_json_malloc(size_t n)
{
    return xmalloc(n);
}

/* --wait SECONDS: a whole number in 0..CALL_WAIT_MAX_S. Returns 0, or -1. */
static int lore_wait_seconds(const char *s, long *out)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || v < 0 || v > CALL_WAIT_MAX_S)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"home", required_argument, NULL, 'H'},
                                         {"wait", required_argument, NULL, 'W'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct lore l = {0};
    const struct lore_command *cmd;
    long wait_s;
    int c, rc = LORE_EXIT_OK;

    /* What jansson frees is wiped: requests and replies may carry a join code. */
    json_set_alloc_funcs(lore_json_malloc, xfree_wiped);
    l.cmd = "lore";
    l.help = lore_command_help;
    l.wait_ms = CALL_WAIT_DEFAULT_S * 1000;
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
        case 'W':
            if (lore_wait_seconds(optarg, &wait_s) != 0) {
                out_errorf("--wait needs a number of seconds from 0 to %d (see `lore --help`)",
                           CALL_WAIT_MAX_S);
                rc = LORE_EXIT_USAGE;
                goto out;
            }
            l.wait_ms = (long)wait_s * 1000;
            break;
        case 'V':
            printf("lore %s\n", lore_version());
            goto out;
        case 'h':
            lore_print_usage(stdout);
            goto out;
        default:
            rc = args_bad_option(NULL, c, argv);
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
