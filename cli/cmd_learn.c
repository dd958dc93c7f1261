/* cmd_learn: learning goals and circles — `lore learn` (set, list, done, drop, show) and
 * `lore circle`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "text.h"
#include "when.h"

/* ---- printing ---- */

static void learn_put_goal(json_t *g)
{
    char date[32];

    printf("  #");
    out_put_text(out_jstr(g, "tag"));
    if (strcmp(out_jstr(g, "state"), "active") != 0)
        printf("  (%s)", out_jstr(g, "state"));
    out_format_date(out_jint(g, "set_ms"), false, date, sizeof(date));
    printf("  since %s", date);
    if (json_is_integer(json_object_get(g, "until_ms"))) {
        out_format_date(out_jint(g, "until_ms"), false, date, sizeof(date));
        printf("  until %s%s", date,
               json_is_true(json_object_get(g, "overdue")) ? " (overdue)" : "");
    }
    if (out_jstr(g, "why")[0] != '\0') {
        printf("  — ");
        out_put_text(out_jstr(g, "why"));
    }
    fputc('\n', stdout);
}

/* "  experts:  Bob (why); Ann (why)" for an array of people. */
static void learn_put_people(const char *label, json_t *people, const char *none)
{
    json_t *p;
    size_t i;

    printf("  %-10s", label);
    if (json_array_size(people) == 0)
        printf("%s", none);
    json_array_foreach(people, i, p)
    {
        printf("%s", i > 0 ? "\n            " : "");
        out_put_person(p);
        if (out_jstr(p, "why")[0] != '\0') {
            printf(" — ");
            out_put_text(out_jstr(p, "why"));
        }
    }
    fputc('\n', stdout);
}

static void learn_put_sessions(json_t *sessions)
{
    json_t *s;
    size_t i;
    char when[64];

    printf("  %-10s", "sessions");
    if (json_array_size(sessions) == 0)
        printf("none coming (propose one: lore session announce ... --circle TAG)");
    json_array_foreach(sessions, i, s)
    {
        out_format_date(out_jint(s, "at_ms"), true, when, sizeof(when));
        printf("%s%s  ", i > 0 ? "\n            " : "", when);
        out_put_text(out_jstr(s, "title"));
        printf(" (");
        out_put_text(out_jstr(s, "where"));
        printf(")%s  %.*s", json_is_string(json_object_get(s, "circle")) ? " circle meeting" : "",
               LORE_SHORT_ID, out_jstr(s, "id"));
    }
    fputc('\n', stdout);
}

static void learn_put_match(json_t *m)
{
    json_t *c, *e;
    size_t i;

    printf("Who and what can help with #");
    out_put_text(out_jstr(m, "tag"));
    printf(":\n");
    learn_put_people("mentors", json_object_get(m, "mentors"), "nobody offers mentoring on it yet");
    learn_put_people("experts", json_object_get(m, "experts"), "nobody has answered on it yet");
    learn_put_sessions(json_object_get(m, "sessions"));
    printf("  %-10s", "content");
    if (json_array_size(json_object_get(m, "content")) == 0)
        printf("no accepted answer or verified note on it yet");
    json_array_foreach(json_object_get(m, "content"), i, c)
    {
        e = json_object_get(c, "entry");
        printf("%s%.*s  %s: ", i > 0 ? "\n            " : "", LORE_SHORT_ID, out_jstr(e, "id"),
               out_jstr(c, "why"));
        out_put_text(out_jstr(e, "title")[0] != '\0' ? out_jstr(e, "title") : out_jstr(e, "body"));
    }
    fputc('\n', stdout);
}

/* ---- learn ---- */

/* --until: "YYYY-MM-DD" (00:00 UTC) or anything --at takes. */
static int learn_until(const char *s, long long *ms)
{
    if (strlen(s) == 10 && s[4] == '-' && s[7] == '-')
        return when_since(s, when_now_ms(), ms);
    return when_at(s, when_now_ms(), ms);
}

static int learn_set(struct lore *l, int argc, char **argv, const char *why, const char *until)
{
    json_t *req = json_pack("{s:s,s:[]}", "op", "learn", "tags"), *resp = NULL, *m;
    long long ms = 0;
    size_t i;
    int k, rc = LORE_EXIT_OK;

    if (until != NULL && learn_until(until, &ms) != 0) {
        json_decref(req);
        return args_usage_error(l->cmd, "--until takes YYYY-MM-DD, \"2027-03-31 17:00\" or +4w");
    }
    for (k = optind; k < argc; k++)
        if (args_add_tag(l->cmd, json_object_get(req, "tags"), argv[k]) != LORE_EXIT_OK) {
            json_decref(req);
            return LORE_EXIT_USAGE;
        }
    if ((why != NULL && args_set_string(req, "why", why) != 0) ||
        (ms != 0 && json_object_set_new(req, "until_ms", json_integer(ms)) != 0)) {
        json_decref(req);
        return args_usage_error(l->cmd, "--why must be UTF-8 text");
    }
    if (!call_for_people(l, req, &resp, &rc))
        goto out;
    printf("Your learning goals (public to the team):\n");
    json_array_foreach(json_object_get(resp, "goals"), i, m) learn_put_goal(m);
    json_array_foreach(json_object_get(resp, "matches"), i, m)
    {
        fputc('\n', stdout);
        learn_put_match(m);
    }
    json_array_foreach(json_object_get(resp, "ids"), i, m) printf("%s\n", json_string_value(m));
out:
    json_decref(resp);
    return rc;
}

static int learn_list(struct lore *l, bool all)
{
    json_t *resp = NULL, *g;
    size_t i;
    int rc = LORE_EXIT_OK;

    if (!call_for_people(l, json_pack("{s:s,s:b}", "op", "goals", "all", all), &resp, &rc))
        goto out;
    if (json_array_size(json_object_get(resp, "goals")) == 0)
        printf("No %slearning goals. Set one: lore learn TAG [--why TEXT] [--until DATE]\n",
               all ? "" : "active ");
    json_array_foreach(json_object_get(resp, "goals"), i, g) learn_put_goal(g);
out:
    json_decref(resp);
    return rc;
}

/* Thank everyone in resp's helpers (the entry of theirs each names), marking each helper with
 * "thanked": "thanked", "already" (thanked before: a thanks counts once) or "failed". Returns the
 * exit status (the first failure's). */
static int learn_thank(struct lore *l, json_t *resp)
{
    json_t *h, *tres;
    size_t i;
    int rc = LORE_EXIT_OK, one;
    bool json = l->json;

    l->json = false; /* a failure is said on standard error, not as the output */
    json_array_foreach(json_object_get(resp, "helpers"), i, h)
    {
        tres = NULL;
        one = call_node(l,
                        json_pack("{s:s,s:s,s:s+}", "op", "thank", "id", out_jstr(h, "entry"),
                                  "body", "Thanks for helping me learn #", out_jstr(resp, "tag")),
                        &tres);
        json_object_set_new(h, "thanked",
                            json_string(one != LORE_EXIT_OK ? "failed"
                                        : json_is_true(json_object_get(tres, "already"))
                                            ? "already"
                                            : "thanked"));
        if (one != LORE_EXIT_OK && rc == LORE_EXIT_OK)
            rc = one;
        json_decref(tres);
    }
    l->json = json;
    return rc;
}

/* Who helped, after learn done (with what learn_thank did, if it ran). */
static void learn_put_helpers(json_t *resp)
{
    json_t *h, *name;
    size_t i;

    if (json_array_size(json_object_get(resp, "helpers")) == 0)
        return;
    printf("Who helped you learn it:\n");
    json_array_foreach(json_object_get(resp, "helpers"), i, h)
    {
        name = json_object_get(h, "name");
        printf("  ");
        text_sanitize_term(stdout,
                           json_is_string(name) ? json_string_value(name) : out_jstr(h, "key"),
                           TEXT_TERM_ONE_LINE, NULL);
        printf(" \u2014 ");
        text_sanitize_term(stdout, out_jstr(h, "why"), TEXT_TERM_ONE_LINE, NULL);
        if (json_object_get(h, "thanked") != NULL && strcmp(out_jstr(h, "thanked"), "failed") != 0)
            printf(" (%s)\n", strcmp(out_jstr(h, "thanked"), "already") == 0
                                  ? "thanked before"
                                  : out_jstr(h, "thanked"));
        else /* not asked to thank, or it failed: how to, later (done cannot be run twice) */
            printf("%s\n    lore thank %.12s\n",
                   json_object_get(h, "thanked") != NULL ? " (not thanked)" : "",
                   out_jstr(h, "entry"));
    }
}

/* learn done|drop|show TAG */
static int learn_sub(struct lore *l, const char *sub, const char *tag, bool thank)
{
    const char *op = strcmp(sub, "done") == 0   ? "learn_done"
                     : strcmp(sub, "drop") == 0 ? "learn_drop"
                                                : "learn_match";
    json_t *req = json_pack("{s:s}", "op", op), *resp = NULL;
    int rc = LORE_EXIT_OK;

    if (args_set_string(req, "tag", tag) != 0) {
        json_decref(req);
        return args_usage_error(l->cmd, "the tag '%s' is not UTF-8 text", tag);
    }
    rc = call_node(l, req, &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (thank)
        rc = learn_thank(l, resp);
    if (l->json) {
        out_print_json(resp);
        goto out;
    }
    if (strcmp(op, "learn_match") == 0) {
        learn_put_match(resp);
        goto out;
    }
    printf("Your goal #");
    out_put_text(out_jstr(resp, "tag"));
    printf(" is %s.\n%s\n", out_jstr(resp, "state"), out_jstr(resp, "id"));
    learn_put_helpers(resp);
out:
    json_decref(resp);
    return rc;
}

static int cmd_learn(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"why", required_argument, NULL, 'w'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"thank", no_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *why = NULL, *until = NULL, *sub;
    bool all = false, thank = false;
    int c;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":w:u:aht", opts, NULL);
        if (c == -1)
            break;
        if (c == ARGS_OPT_JSON)
            l->json = true;
        else if (c == 'w')
            why = optarg;
        else if (c == 'u')
            until = optarg;
        else if (c == 'a')
            all = true;
        else if (c == 't')
            thank = true;
        else if (c == 'h')
            return call_help(l);
        else
            return args_bad_option(l->cmd, c, argv);
    }
    if (thank && (optind >= argc || strcmp(argv[optind], "done") != 0))
        return args_usage_error(l->cmd, "--thank goes with done: lore learn done TAG --thank");
    if (optind >= argc) {
        if (why != NULL || until != NULL)
            return args_usage_error(l->cmd, "--why and --until go with the TAGs of a new goal");
        return learn_list(l, all);
    }
    sub = argv[optind];
    if (strcmp(sub, "done") == 0 || strcmp(sub, "drop") == 0 || strcmp(sub, "show") == 0) {
        if (optind + 2 != argc || why != NULL || until != NULL || all)
            return args_usage_error(l->cmd, "usage: lore learn %s TAG", sub);
        return learn_sub(l, sub, argv[optind + 1], thank);
    }
    if (all)
        return args_usage_error(l->cmd, "--all goes with the list (lore learn --all)");
    return learn_set(l, argc, argv, why, until);
}

/* ---- circle ---- */

static void circle_put_questions(json_t *qs)
{
    json_t *q;
    size_t i;

    printf("  %-10s", "questions");
    if (json_array_size(qs) == 0)
        printf("none yet");
    json_array_foreach(qs, i, q)
    {
        printf("%s%.*s  %s  ", i > 0 ? "\n            " : "", LORE_SHORT_ID, out_jstr(q, "id"),
               out_jstr(q, "status"));
        out_put_text(out_jstr(q, "title"));
    }
    fputc('\n', stdout);
}

static int cmd_circle(struct lore *l, int argc, char **argv)
{
    json_t *req, *resp = NULL, *p, *members;
    size_t i;
    int rc = LORE_EXIT_OK;
    char date[32];

    if (!call_json_help_opts(l, argc, argv, &rc))
        return rc;
    if (optind + 1 != argc)
        return args_usage_error(l->cmd, "usage: lore circle TAG");
    req = json_pack("{s:s}", "op", "circle");
    if (args_set_string(req, "tag", argv[optind]) != 0) {
        json_decref(req);
        return args_usage_error(l->cmd, "the tag '%s' is not UTF-8 text", argv[optind]);
    }
    if (!call_for_people(l, req, &resp, &rc))
        goto out;
    members = json_object_get(resp, "members");
    printf("Learning circle #");
    out_put_text(out_jstr(resp, "tag"));
    printf(": %zu member%s", json_array_size(members), json_array_size(members) == 1 ? "" : "s");
    if (json_is_true(json_object_get(resp, "member"))) {
        printf(" (you are one)\n");
    } else {
        printf(" (join: lore learn ");
        out_put_text(out_jstr(resp, "tag"));
        printf(")\n");
    }
    json_array_foreach(members, i, p)
    {
        out_format_date(out_jint(p, "set_ms"), false, date, sizeof(date));
        printf("  ");
        out_put_person(p);
        printf("  since %s", date);
        if (out_jstr(p, "why")[0] != '\0') {
            printf("  — ");
            out_put_text(out_jstr(p, "why"));
        }
        fputc('\n', stdout);
    }
    learn_put_people("experts", json_object_get(resp, "experts"), "nobody has answered on it yet");
    learn_put_people("mentors", json_object_get(resp, "mentors"),
                     "nobody offers mentoring on it yet");
    learn_put_sessions(json_object_get(resp, "sessions"));
    circle_put_questions(json_object_get(resp, "questions"));
out:
    json_decref(resp);
    return rc;
}

const struct lore_command lore_learn_commands[] = {
    {"learn", cmd_learn,
     "learn [TAG... [--why TEXT] [--until DATE]] | learn done|drop|show TAG [--thank] | learn "
     "[--all] [--json]",
     "Say what you want to learn (a public goal) and see who and what can help",
     "Options:\n"
     "  -w, --why TEXT    why you want to learn it (colleagues see it)\n"
     "  -u, --until DATE  a target date: YYYY-MM-DD, \"2027-03-31 17:00\", +4w\n"
     "  -a, --all         list: your ended goals (done, dropped) too\n"
     "  -t, --thank       done: thank everyone who helped you learn it\n" JSON_HELP HELP_HELP
     "\nWith TAGs, sets a goal per topic (setting it again replaces it) and shows at once\n"
     "the mentors offering it, the experts (by their answers), upcoming sessions and the\n"
     "best content (accepted answers, verified notes). Without: your active goals.\n"
     "`done` and `drop` end a goal; `done` lists who helped since you set it (answers to\n"
     "your questions on it, mentors you asked, sessions you went to), thanked with --thank;\n"
     "`show` is the help for a topic again. People with a\n"
     "goal get `lore watch` events when a session on it is announced, a mentor offers\n"
     "it or a note on it is verified. A tag named done, drop or show: write it #done.\n"},
    {"circle", cmd_circle, "circle TAG [--json]",
     "A learning circle: everyone learning TAG, its experts, mentors, sessions, questions",
     "Options:\n" JSON_HELP HELP_HELP
     "\nThe members are everyone with an active goal on TAG (lore learn TAG joins). A\n"
     "member proposes a circle meeting with `lore session announce ... --circle TAG`.\n"},
    {NULL, NULL, NULL, NULL, NULL},
};
