/* cmd_recognition: the commands for areas, expertise and recognition: skills, follow,
 * unfollow, who-knows, stats, vote, thank, top, accept. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "when.h"

/* `lore skills`: mine, with their levels, then the tags I follow. */
static int lore_skills_list(struct lore *l)
{
    json_t *resp = NULL, *v;
    size_t i;
    int rc = call_node(l, json_pack("{s:s}", "op", "skills"), &resp);

    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json) {
        out_print_json(resp);
        goto out;
    }
    if (json_array_size(json_object_get(resp, "skills")) == 0)
        printf("No skills declared (add one with `lore skills add TAG`).\n");
    else
        printf("Your skills:\n");
    json_array_foreach(json_object_get(resp, "skills"), i, v)
    {
        fputs("  #", stdout);
        text_sanitize_term(stdout, out_jstr(v, "tag"), TEXT_TERM_ONE_LINE, NULL);
        printf("  level %lld\n", out_jint(v, "level"));
    }
    if (json_array_size(json_object_get(resp, "follows")) > 0)
        printf("Tags you follow (not skills):\n");
    json_array_foreach(json_object_get(resp, "follows"), i, v)
    {
        fputs("  #", stdout);
        text_sanitize_term(stdout, json_string_value(v), TEXT_TERM_ONE_LINE, NULL);
        fputc('\n', stdout);
    }
out:
    json_decref(resp);
    return rc;
}

int cmd_skills(struct lore *l, int argc, char **argv)
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
    if (optind == argc) {
        rc = lore_skills_list(l);
        goto out;
    }
    if (optind + 2 != argc ||
        (strcmp(argv[optind], "add") != 0 && strcmp(argv[optind], "remove") != 0)) {
        rc = args_usage_error(l->cmd, "usage: lore skills [add TAG [--level 1-5] | remove TAG]");
        goto out;
    }
    if (strcmp(argv[optind], "remove") == 0)
        rc = call_node(l, json_pack("{s:s,s:s}", "op", "skill_remove", "tag", argv[optind + 1]),
                       &resp);
    else
        rc = call_node(
            l,
            json_pack("{s:s,s:s,s:i}", "op", "skill", "tag", argv[optind + 1], "level", (int)level),
            &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json) {
        out_print_json(resp);
        goto out;
    }
    if (json_is_string(json_object_get(resp, "removed"))) {
        fputs("Removed the skill ", stdout);
        text_sanitize_term(stdout, out_jstr(resp, "removed"), TEXT_TERM_ONE_LINE, NULL);
        fputs(".\n", stdout);
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

int cmd_follow(struct lore *l, int argc, char **argv)
{
    return lore_follow(l, argc, argv, 0);
}

int cmd_unfollow(struct lore *l, int argc, char **argv)
{
    return lore_follow(l, argc, argv, 1);
}

/* who-knows' options: --online, --exact, --json, --help. Returns 1 to go on, else 0 with the exit
 * status in *rc. */
static int lore_who_knows_opts(struct lore *l, int argc, char **argv, bool *online, bool *exact,
                               int *rc)
{
    struct option opts[] = {{"json", no_argument, NULL, ARGS_OPT_JSON},
                            {"help", no_argument, NULL, 'h'},
                            {"online", no_argument, NULL, 'o'},
                            {"exact", no_argument, NULL, 'x'},
                            {NULL, 0, NULL, 0}};
    int c;

    args_reset();
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case ARGS_OPT_JSON:
            l->json = true;
            break;
        case 'o':
            *online = true;
            break;
        case 'x':
            *exact = true;
            break;
        case 'h':
            *rc = call_help(l);
            return 0;
        default:
            *rc = args_bad_option(l->cmd, c, argv);
            return 0;
        }
    }
    return 1;
}

int cmd_who_knows(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *people, *p, *rel;
    struct buf topic;
    size_t i;
    bool online = false, exact = false;
    int k, rc = LORE_EXIT_OK;

    buf_init(&topic, 4096);
    if (!lore_who_knows_opts(l, argc, argv, &online, &exact, &rc))
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
    rc = call_node(l,
                   json_pack("{s:s,s:s,s:b,s:b}", "op", "who_knows", "topic",
                             (const char *)topic.data, "online", online, "related", !exact),
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
    json_array_foreach(json_object_get(resp, "related"), i, rel)
    {
        printf(i == 0 ? "related topics: " : ", ");
        text_sanitize_term(stdout, out_jstr(rel, "tag"), TEXT_TERM_ONE_LINE, NULL);
        if (i + 1 == json_array_size(json_object_get(resp, "related")))
            fputc('\n', stdout);
    }
    json_array_foreach(people, i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        printf("%2zu. ", i + 1);
        if (name != NULL)
            text_sanitize_term(stdout, name, TEXT_TERM_ONE_LINE, NULL);
        else
            printf("%.12s", out_jstr(p, "key"));
        printf("  (score %.1f)%s\n    ", json_real_value(json_object_get(p, "score")),
               json_is_true(json_object_get(p, "online")) ? "  \u25cf online" : "");
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
                               int *rc, bool *needs)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, ARGS_OPT_JSON}, {"since", required_argument, NULL, 's'},
        {"tag", required_argument, NULL, 't'},      {"needs", no_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
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
            if (when_since(optarg, when_now_ms(), &since) != 0) {
                *rc = args_usage_error(l->cmd, "--since takes 24h, 7d, 2w or YYYY-MM-DD");
                return 0;
            }
        } else if (c == 't') {
            tag = optarg;
        } else if (c == 'N' && needs != NULL) {
            *needs = true; /* stats --needs: the needs-vs-experts map, over everything */
            op = "needs";
        } else if (c == 'h') {
            *rc = call_help(l);
            return 0;
        } else {
            *rc = args_bad_option(l->cmd, c, argv);
            return 0;
        }
    }
    *rc = args_none(l->cmd, argc, argv);
    if (*rc == LORE_EXIT_OK && needs != NULL && *needs && (since != 0 || tag != NULL))
        *rc =
            args_usage_error(l->cmd, "--needs maps every topic over all time (no --since, --tag)");
    if (*rc != LORE_EXIT_OK)
        return 0;
    req = needs != NULL && *needs ? json_pack("{s:s}", "op", op)
                                  : json_pack("{s:s,s:I}", "op", op, "since_ms", (json_int_t)since);
    if (req != NULL && tag != NULL)
        json_object_set_new(req, "tag", json_string(tag));
    *rc = call_node(l, req, resp);
    return *rc == LORE_EXIT_OK;
}

/* stats --needs: a row per topic, biggest gap first. */
static void lore_print_needs(json_t *resp)
{
    json_t *arr = json_object_get(resp, "topics"), *x, *v;
    size_t i;

    if (json_array_size(arr) == 0) {
        printf("No learning goals or questions yet.\n");
        return;
    }
    printf("%-22s %8s %6s %9s %10s %8s %8s %6s\n", "topic", "learners", "asked", "answered",
           "1st answer", "experts", "mentors", "gap");
    json_array_foreach(arr, i, x)
    {
        printf("#%-21.21s %8lld %6lld ", out_jstr(x, "tag"), out_jint(x, "learners"),
               out_jint(x, "asked"));
        v = json_object_get(x, "answered_pct");
        json_is_number(v) ? printf("%8.0f%% ", json_number_value(v)) : printf("%9s ", "-");
        v = json_object_get(x, "median_hours_to_first_answer");
        json_is_number(v) ? printf("%9.1fh ", json_number_value(v)) : printf("%10s ", "-");
        printf("%8lld %8lld %6.2f\n", out_jint(x, "experts"), out_jint(x, "mentors"),
               json_number_value(json_object_get(x, "gap")));
    }
    printf("\ngap = %s\n", out_jstr(resp, "gap"));
}

int cmd_stats(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *arr, *x;
    size_t i;
    int rc = LORE_EXIT_OK;
    bool needs = false;

    if (!lore_since_tag_call(l, argc, argv, "stats", &resp, &rc, &needs))
        goto out;
    if (l->json) {
        out_print_json(resp);
        goto out;
    }
    if (needs) {
        lore_print_needs(resp);
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

int cmd_vote(struct lore *l, int argc, char **argv)
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

int cmd_thank(struct lore *l, int argc, char **argv)
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
    else if (json_is_true(json_object_get(resp, "already")))
        printf("You already thanked the author of %.*s (thanks count once); nothing posted.\n%s\n",
               LORE_SHORT_ID, argv[optind], out_jstr(resp, "id"));
    else
        printf("Thanked the author of %.*s.\n%s\n", LORE_SHORT_ID, argv[optind],
               out_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

int cmd_top(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *p, *b;
    size_t i, k;
    int rc = LORE_EXIT_OK;

    if (!lore_since_tag_call(l, argc, argv, "top", &resp, &rc, NULL))
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

int cmd_accept(struct lore *l, int argc, char **argv)
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
