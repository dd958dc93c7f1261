/* cmd_people: the commands for people and programs: profiles, endorsements, mentoring, sessions,
 * digests. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "text.h"
#include "when.h"

/* ---- printing ---- */

static void people_put_tags(json_t *tags)
{
    json_t *t;
    size_t i;

    json_array_foreach(tags, i, t)
    {
        fputs(i > 0 ? " #" : "#", stdout);
        out_put_text(json_string_value(t));
    }
}

/* "2026-12-03 15:00" (local) for ms. */
static void people_put_time(long long ms)
{
    char when[64];

    out_format_date(ms, true, when, sizeof(when));
    fputs(when, stdout);
}

static void people_put_session(json_t *s)
{
    const char *mine = json_string_value(json_object_get(s, "mine"));

    printf("%s ", mine != NULL && strcmp(mine, "yes") == 0 ? "*" : " ");
    if (json_is_true(json_object_get(s, "cancelled")))
        fputs("CANCELLED ", stdout);
    people_put_time(out_jint(s, "at_ms"));
    fputs("  ", stdout);
    out_put_text(out_jstr(s, "title"));
    fputs(" @ ", stdout);
    out_put_text(out_jstr(s, "where"));
    printf("\n    %.*s  host ", LORE_SHORT_ID, out_jstr(s, "id"));
    out_put_person(json_object_get(s, "host"));
    printf("  %lld going", out_jint(s, "yes"));
    if (json_array_size(json_object_get(s, "tags")) > 0) {
        fputs("  ", stdout);
        people_put_tags(json_object_get(s, "tags"));
    }
    if (mine != NULL)
        printf("  (you said %s)", strcmp(mine, "yes") == 0 ? "yes" : "no");
    fputc('\n', stdout);
}

/* A mentoring request entry: "Ann asks you to mentor them (#vpn): words". */
static void people_put_request(json_t *e)
{
    char tmp[64], age[32];

    fputs("  ", stdout);
    out_put_text(view_author(e, tmp, sizeof(tmp)));
    fputs(" asks you to mentor them", stdout);
    if (json_array_size(json_object_get(e, "tags")) > 0) {
        fputs(" on ", stdout);
        people_put_tags(json_object_get(e, "tags"));
    }
    out_format_age(out_jint(e, "created_ms"), age, sizeof(age));
    printf(" (%s)", age);
    if (out_jstr(e, "body")[0] != '\0') {
        fputs(": ", stdout);
        out_put_text(out_jstr(e, "body"));
    }
    fputc('\n', stdout);
}

static void people_put_reminder(json_t *r)
{
    json_t *q = json_object_get(r, "question");

    printf("  %.*s  ", LORE_SHORT_ID, out_jstr(q, "id"));
    out_put_text(out_jstr(q, "title"));
    printf("  (%lld answer%s, the first %lld days ago; accept the one that helped: lore accept "
           "ANSWER)\n",
           out_jint(r, "answers"), out_jint(r, "answers") == 1 ? "" : "s",
           out_jint(r, "waiting_days"));
}

/* The inbox sections this module adds (new on my entries, mentoring requests, reminders), for
 * `lore inbox`. */
static void people_print_inbox(json_t *resp)
{
    json_t *arr, *x;
    size_t i;

    arr = json_object_get(resp, "on_yours");
    if (json_array_size(arr) > 0) {
        printf("\nNew on your questions:\n");
        json_array_foreach(arr, i, x) view_foryou_item(stdout, x);
    }
    arr = json_object_get(resp, "mentoring_requests");
    if (json_array_size(arr) > 0) {
        printf("\nMentoring requests:\n");
        json_array_foreach(arr, i, x) people_put_request(x);
    }
    arr = json_object_get(resp, "reminders");
    if (json_array_size(arr) > 0) {
        printf("\nReminders (answered, not accepted):\n");
        json_array_foreach(arr, i, x) people_put_reminder(x);
    }
}

/* ---- argument helpers ---- */

/* A hidden test hook: --now MS (ms since the epoch), passed to the node as now_ms. */
static int people_parse_now(const struct lore *l, const char *s, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0)
        return args_usage_error(l->cmd, "--now takes a time in ms since the epoch");
    *out = v;
    return LORE_EXIT_OK;
}

/* Call the node with req (stolen); print JSON if asked. Returns 1 with *resp to print as text,
 * or 0 with the exit status in *rc. */
/* ---- profile ---- */

static void people_print_profile(json_t *p)
{
    json_t *arr, *x, *by;
    size_t i, k;

    out_put_person(p);
    if (json_is_true(json_object_get(p, "me")))
        fputs(" (you)", stdout);
    printf("\n  key       %s\n", out_jstr(p, "key"));
    if (json_is_string(json_object_get(p, "team"))) {
        fputs("  team      ", stdout);
        out_put_text(out_jstr(p, "team"));
        fputc('\n', stdout);
    }
    if (out_jstr(p, "bio")[0] != '\0') {
        fputs("  bio       ", stdout);
        text_sanitize_term(stdout, out_jstr(p, "bio"), 0, "            ");
        fputc('\n', stdout);
    }
    arr = json_object_get(p, "skills");
    printf("  skills%s\n", json_array_size(arr) == 0 ? "    none declared or endorsed yet" : "");
    json_array_foreach(arr, i, x)
    {
        fputs("    #", stdout);
        out_put_text(out_jstr(x, "tag"));
        if (out_jint(x, "level") > 0)
            printf("  level %lld", out_jint(x, "level"));
        if (out_jint(x, "endorsers") > 0) {
            printf("  endorsed by %lld (", out_jint(x, "endorsers"));
            json_array_foreach(json_object_get(x, "endorsed_by"), k, by)
            {
                if (k > 0)
                    fputs(", ", stdout);
                out_put_person(by);
            }
            fputc(')', stdout);
        }
        fputc('\n', stdout);
    }
    printf("  answers   %lld (%lld accepted)\n", out_jint(p, "answers"),
           out_jint(p, "accepted_answers"));
    arr = json_object_get(p, "mentor_offers");
    if (json_array_size(arr) > 0) {
        fputs("  mentors   ", stdout);
        json_array_foreach(arr, i, x)
        {
            char date[32];
            if (i > 0)
                fputs("; ", stdout);
            people_put_tags(json_object_get(x, "tags"));
            out_format_date(out_jint(x, "created_ms"), false, date, sizeof(date));
            printf(" (since %s)", date);
        }
        fputc('\n', stdout);
    }
    printf("  sessions  %lld hosted\n", out_jint(p, "sessions_hosted"));
    if (json_is_array(json_object_get(p, "follows"))) {
        fputs("  follows   ", stdout);
        if (json_array_size(json_object_get(p, "follows")) == 0)
            fputs("nothing", stdout);
        people_put_tags(json_object_get(p, "follows"));
        fputc('\n', stdout);
    }
}

static int cmd_profile(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'}, {"bio", required_argument, NULL, 'b'},
        {"file", required_argument, NULL, 'f'}, {"json", no_argument, NULL, ARGS_OPT_JSON},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    struct body_opts bo = {0};
    json_t *req = NULL, *resp = NULL, *bio = NULL;
    const char *name = NULL, *person = NULL;
    int c, k, rc = LORE_EXIT_OK, people;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":n:b:f:h", opts, NULL);
        if (c == -1)
            break;
        if (c == ARGS_OPT_JSON) {
            l->json = true;
        } else if (c == 'n') {
            name = optarg;
        } else if (c == 'b') {
            bo.text = optarg;
        } else if (c == 'f') {
            bo.file = optarg;
        } else if (c == 'h') {
            rc = call_help(l);
            goto out;
        } else {
            rc = args_bad_option(l->cmd, c, argv);
            goto out;
        }
    }
    for (k = optind; k < argc; k++) {
        if (strcmp(argv[k], "-") == 0)
            bo.from_stdin = true;
        else if (person == NULL)
            person = argv[k];
        else {
            rc = args_usage_error(l->cmd, "unexpected argument '%s'", argv[k]);
            goto out;
        }
    }
    if ((bo.text != NULL) + (bo.file != NULL) + bo.from_stdin > 1) {
        rc = args_usage_error(l->cmd, "give the bio one way: --bio, --file or -");
        goto out;
    }
    if (person != NULL && (name != NULL || bo.text != NULL || bo.file != NULL || bo.from_stdin)) {
        rc =
            args_usage_error(l->cmd, "you can only change your own profile (no PERSON with --name, "
                                     "--bio)");
        goto out;
    }
    req = json_pack("{s:s}", "op", "profile");
    if (person != NULL && args_set_string(req, "person", person) != 0) {
        rc = args_usage_error(l->cmd, "PERSON is not UTF-8 text");
        goto out;
    }
    if (name != NULL && args_set_string(req, "name", name) != 0) {
        rc = args_usage_error(l->cmd, "--name is not UTF-8 text");
        goto out;
    }
    if (bo.text != NULL || bo.file != NULL || bo.from_stdin) {
        rc = body_get(l->cmd, &bo, false, &bio);
        if (rc != LORE_EXIT_OK)
            goto out;
        json_object_set_new(req, "bio", bio);
    }
    people = call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    if (json_is_string(json_object_get(resp, "id")))
        printf("Profile published.\n");
    people_print_profile(json_object_get(resp, "profile"));
    if (json_is_string(json_object_get(resp, "id")))
        printf("%s\n", out_jstr(resp, "id"));
out:
    json_decref(req);
    json_decref(resp);
    return rc;
}

/* ---- endorse ---- */

static int cmd_endorse(struct lore *l, int argc, char **argv)
{
    json_t *req, *resp = NULL;
    int rc = LORE_EXIT_OK;

    if (!call_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind + 2 != argc) {
        rc = args_usage_error(l->cmd,
                              optind + 2 > argc ? "give a PERSON and a TAG" : "too many arguments");
        goto out;
    }
    req = json_pack("{s:s,s:s}", "op", "endorse", "tag", argv[optind + 1]);
    if (req != NULL && args_set_string(req, "person", argv[optind]) != 0) {
        json_decref(req);
        rc = args_usage_error(l->cmd, "PERSON is not UTF-8 text");
        goto out;
    }
    if (!call_for_people(l, req, &resp, &rc))
        goto out;
    printf("Endorsed ");
    out_put_person(json_object_get(resp, "person"));
    printf(" for #%s: %lld colleague%s endorse%s them for it%s.\n", out_jstr(resp, "tag"),
           out_jint(resp, "endorsers"), out_jint(resp, "endorsers") == 1 ? "" : "s",
           out_jint(resp, "endorsers") == 1 ? "s" : "",
           json_is_true(json_object_get(resp, "already")) ? " (you had already; it counts once)"
                                                          : "");
    printf("%s\n", out_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

/* ---- mentor ---- */

static int people_mentor_offer(struct lore *l, int argc, char **argv, const char *body, int first)
{
    json_t *req = json_pack("{s:s,s:[]}", "op", "mentor_offer", "tags"), *resp = NULL;
    int k, rc = LORE_EXIT_OK;

    if (first >= argc) {
        json_decref(req);
        return args_usage_error(l->cmd, "mentor offer needs at least one TAG");
    }
    for (k = first; k < argc; k++)
        json_array_append_new(json_object_get(req, "tags"), json_string(argv[k]));
    if (body != NULL && args_set_string(req, "body", body) != 0) {
        json_decref(req);
        return args_usage_error(l->cmd, "--body is not UTF-8 text");
    }
    if (call_for_people(l, req, &resp, &rc)) {
        printf("You offer mentoring on ");
        people_put_tags(json_object_get(json_object_get(resp, "entry"), "tags"));
        printf("; colleagues find you with `lore mentor find TAG`.\n%s\n", out_jstr(resp, "id"));
    }
    json_decref(resp);
    return rc;
}

static int people_mentor_find(struct lore *l, const char *tag)
{
    json_t *resp = NULL, *arr, *m;
    size_t i;
    int rc = LORE_EXIT_OK;
    char date[32];

    if (!call_for_people(l, json_pack("{s:s,s:s}", "op", "mentor_find", "tag", tag), &resp, &rc))
        goto out;
    arr = json_object_get(resp, "mentors");
    if (json_array_size(arr) == 0)
        printf("nobody offers mentoring on #%s yet (offer it: lore mentor offer %s)\n",
               out_jstr(resp, "tag"), out_jstr(resp, "tag"));
    json_array_foreach(arr, i, m)
    {
        printf("%2zu. ", i + 1);
        out_put_person(m);
        out_format_date(out_jint(m, "offered_ms"), false, date, sizeof(date));
        printf("  offers ");
        people_put_tags(json_object_get(m, "tags"));
        printf(" since %s  (score %.1f)\n    ", date,
               json_number_value(json_object_get(m, "score")));
        out_put_text(out_jstr(m, "why"));
        fputc('\n', stdout);
    }
out:
    json_decref(resp);
    return rc;
}

static int people_mentor_request(struct lore *l, const char *person, const char *tag,
                                 const char *body)
{
    json_t *req = json_pack("{s:s}", "op", "mentor_request"), *resp = NULL;
    int rc = LORE_EXIT_OK;

    if (args_set_string(req, "person", person) != 0 ||
        (tag != NULL && args_set_string(req, "tag", tag) != 0) ||
        (body != NULL && args_set_string(req, "body", body) != 0)) {
        json_decref(req);
        return args_usage_error(l->cmd, "PERSON, --tag and --body must be UTF-8 text");
    }
    if (call_for_people(l, req, &resp, &rc)) {
        printf("Asked ");
        out_put_person(json_object_get(resp, "person"));
        printf(" to mentor you; it reaches their inbox.%s\n%s\n",
               json_is_true(json_object_get(resp, "has_offer"))
                   ? ""
                   : " (They have not offered mentoring yet.)",
               out_jstr(resp, "id"));
    }
    json_decref(resp);
    return rc;
}

static int cmd_mentor(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"tag", required_argument, NULL, 't'},
                                         {"body", required_argument, NULL, 'b'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *tag = NULL, *body = NULL, *sub;
    int c;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":t:b:h", opts, NULL);
        if (c == -1)
            break;
        if (c == ARGS_OPT_JSON)
            l->json = true;
        else if (c == 't')
            tag = optarg;
        else if (c == 'b')
            body = optarg;
        else if (c == 'h')
            return call_help(l);
        else
            return args_bad_option(l->cmd, c, argv);
    }
    if (optind >= argc)
        return args_usage_error(l->cmd, "give offer, find, request or withdraw");
    sub = argv[optind];
    if (strcmp(sub, "offer") == 0) {
        if (tag != NULL)
            return args_usage_error(l->cmd, "mentor offer takes its topics as TAG... (no --tag)");
        return people_mentor_offer(l, argc, argv, body, optind + 1);
    }
    if (strcmp(sub, "find") == 0) {
        if (tag != NULL || body != NULL || optind + 2 != argc)
            return args_usage_error(l->cmd, "usage: lore mentor find TAG");
        return people_mentor_find(l, argv[optind + 1]);
    }
    if (strcmp(sub, "withdraw") == 0) {
        json_t *resp = NULL;
        int rc = LORE_EXIT_OK;
        if (tag != NULL || body != NULL || optind + 1 != argc)
            return args_usage_error(l->cmd, "usage: lore mentor withdraw");
        if (call_for_people(l, json_pack("{s:s}", "op", "mentor_withdraw"), &resp, &rc))
            printf("Withdrew your mentoring offers.\n%s\n", out_jstr(resp, "id"));
        json_decref(resp);
        return rc;
    }
    if (strcmp(sub, "request") == 0) {
        if (optind + 2 != argc)
            return args_usage_error(l->cmd,
                                    "usage: lore mentor request PERSON [--tag T] [--body TEXT]");
        return people_mentor_request(l, argv[optind + 1], tag, body);
    }
    return args_usage_error(l->cmd,
                            "unknown subcommand '%s': give offer, find, request or withdraw", sub);
}

/* ---- sessions ---- */

static int people_session_announce(struct lore *l, int argc, char **argv, const char *at,
                                   const char *where, json_t *tags, const char *body,
                                   const char *circle)
{
    json_t *req, *resp = NULL;
    long long ms;
    int rc = LORE_EXIT_OK;

    if (optind + 2 != argc)
        return args_usage_error(l->cmd, optind + 2 > argc ? "missing TITLE"
                                                          : "too many arguments (quote the TITLE)");
    if (at == NULL || where == NULL)
        return args_usage_error(l->cmd, "a session needs --at TIME and --where PLACE");
    if (when_at(at, when_now_ms(), &ms) != 0)
        return args_usage_error(l->cmd,
                                "--at takes \"2026-12-03 15:00\" (local), 2026-12-03T15:00Z, "
                                "\"tomorrow 15:00\" or +2h, not '%s'",
                                at);
    if (ms <= when_now_ms()) {
        out_errorf("%s: that time is in the past; give a time to come", l->cmd);
        return LORE_EXIT_USAGE;
    }
    req =
        json_pack("{s:s,s:I,s:O}", "op", "session_announce", "at_ms", (json_int_t)ms, "tags", tags);
    if (req == NULL || args_set_string(req, "title", argv[optind + 1]) != 0 ||
        args_set_string(req, "where", where) != 0 ||
        (body != NULL && args_set_string(req, "body", body) != 0) ||
        (circle != NULL && args_set_string(req, "circle", circle) != 0)) {
        json_decref(req);
        return args_usage_error(l->cmd, "TITLE, --where, --body and --circle must be UTF-8 text");
    }
    if (call_for_people(l, req, &resp, &rc)) {
        printf("Session announced for ");
        people_put_time(ms);
        printf("; colleagues answer with `lore session rsvp ID`.\n%s\n", out_jstr(resp, "id"));
    }
    json_decref(resp);
    return rc;
}

/* session move ID [--at TIME] [--where PLACE] and session cancel ID: a revision of my session. */
static int people_session_edit(struct lore *l, int argc, char **argv, const char *at,
                               const char *where, int cancel)
{
    json_t *req, *resp = NULL;
    long long ms = 0;
    int rc;

    if (optind + 2 != argc)
        return args_usage_error(l->cmd, cancel ? "usage: lore session cancel ID"
                                               : "usage: lore session move ID [--at TIME] "
                                                 "[--where PLACE]");
    if (!cancel && at == NULL && where == NULL)
        return args_usage_error(l->cmd, "session move needs --at TIME or --where PLACE");
    if (at != NULL && when_at(at, when_now_ms(), &ms) != 0)
        return args_usage_error(l->cmd,
                                "--at takes a time such as \"tomorrow 15:00\" or +2h, "
                                "not '%s'",
                                at);
    rc = args_check_id(l->cmd, argv[optind + 1]);
    if (rc != LORE_EXIT_OK)
        return rc;
    req =
        json_pack("{s:s,s:s,s:b}", "op", "session_edit", "id", argv[optind + 1], "cancel", cancel);
    if (ms != 0)
        json_object_set_new(req, "at_ms", json_integer(ms));
    if (where != NULL && args_set_string(req, "where", where) != 0) {
        json_decref(req);
        return args_usage_error(l->cmd, "--where must be UTF-8 text");
    }
    if (call_for_people(l, req, &resp, &rc)) {
        if (cancel) {
            printf("Cancelled session %.*s; those who said yes see it cancelled.\n", LORE_SHORT_ID,
                   argv[optind + 1]);
        } else {
            printf("Moved session %.*s to ", LORE_SHORT_ID, argv[optind + 1]);
            people_put_time(out_jint(resp, "at_ms"));
            fputs(" @ ", stdout);
            out_put_text(out_jstr(resp, "where"));
            printf("; the RSVPs stay.\n");
        }
        printf("%s\n", out_jstr(resp, "id"));
    }
    json_decref(resp);
    return rc;
}

/* The answer to rsvp: new, changed, or the same as before (nothing written). */
static void people_put_rsvp(json_t *resp, const char *id, int no)
{
    const char *prev = out_jstr(resp, "previous");

    if (json_is_null(json_object_get(resp, "id"))) {
        printf("You already said %s to session %.*s; nothing changed.\n", no ? "no" : "yes",
               LORE_SHORT_ID, id);
        return;
    }
    if (json_is_true(json_object_get(resp, "changed")))
        printf("Changed your answer to session %.*s from %s to %s.\n%s\n", LORE_SHORT_ID, id, prev,
               no ? "no" : "yes", out_jstr(resp, "id"));
    else
        printf("You said %s to session %.*s.\n%s\n", no ? "no" : "yes", LORE_SHORT_ID, id,
               out_jstr(resp, "id"));
}

static int cmd_session(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"at", required_argument, NULL, 'a'},
                                         {"where", required_argument, NULL, 'w'},
                                         {"tag", required_argument, NULL, 't'},
                                         {"body", required_argument, NULL, 'b'},
                                         {"no", no_argument, NULL, 'n'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"circle", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *at = NULL, *where = NULL, *body = NULL, *circle = NULL;
    json_t *tags = json_array(), *resp = NULL;
    int c, no = 0, rc = LORE_EXIT_OK;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":a:w:t:b:c:nh", opts, NULL);
        if (c == -1)
            break;
        if (c == ARGS_OPT_JSON) {
            l->json = true;
        } else if (c == 'c') {
            circle = optarg;
        } else if (c == 'a') {
            at = optarg;
        } else if (c == 'w') {
            where = optarg;
        } else if (c == 't') {
            json_array_append_new(tags, json_string(optarg));
        } else if (c == 'b') {
            body = optarg;
        } else if (c == 'n') {
            no = 1;
        } else if (c == 'h') {
            rc = call_help(l);
            goto out;
        } else {
            rc = args_bad_option(l->cmd, c, argv);
            goto out;
        }
    }
    if (optind >= argc) {
        rc = args_usage_error(l->cmd, "give announce, rsvp, move or cancel");
        goto out;
    }
    if (strcmp(argv[optind], "announce") == 0) {
        if (no) {
            rc = args_usage_error(l->cmd, "--no is for rsvp");
            goto out;
        }
        rc = people_session_announce(l, argc, argv, at, where, tags, body, circle);
        goto out;
    }
    if (circle != NULL) {
        rc = args_usage_error(l->cmd, "--circle is for announce");
        goto out;
    }
    if (strcmp(argv[optind], "move") == 0 || strcmp(argv[optind], "cancel") == 0) {
        int cancel = strcmp(argv[optind], "cancel") == 0;
        if (no || body != NULL || json_array_size(tags) > 0 ||
            (cancel && (at != NULL || where != NULL)))
            rc = args_usage_error(l->cmd, "usage: lore session move ID [--at TIME] [--where "
                                          "PLACE] | cancel ID");
        else
            rc = people_session_edit(l, argc, argv, at, where, cancel);
        goto out;
    }
    if (strcmp(argv[optind], "rsvp") != 0) {
        rc = args_usage_error(
            l->cmd, "unknown subcommand '%s': give announce, rsvp, move or cancel", argv[optind]);
        goto out;
    }
    if (at != NULL || where != NULL || body != NULL || json_array_size(tags) > 0 ||
        optind + 2 != argc) {
        rc = args_usage_error(l->cmd, "usage: lore session rsvp ID [--no]");
        goto out;
    }
    rc = args_check_id(l->cmd, argv[optind + 1]);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (call_for_people(l,
                        json_pack("{s:s,s:s,s:s}", "op", "rsvp", "id", argv[optind + 1], "value",
                                  no ? "no" : "yes"),
                        &resp, &rc))
        people_put_rsvp(resp, argv[optind + 1], no);
out:
    json_decref(tags);
    json_decref(resp);
    return rc;
}

static int cmd_sessions(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                         {"tag", required_argument, NULL, 't'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *req, *resp = NULL, *s;
    const char *tag = NULL;
    int c, all = 0, rc = LORE_EXIT_OK;
    size_t i;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":at:h", opts, NULL);
        if (c == -1)
            break;
        if (c == ARGS_OPT_JSON) {
            l->json = true;
        } else if (c == 'a') {
            all = 1;
        } else if (c == 't') {
            tag = optarg;
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
    req = json_pack("{s:s,s:b}", "op", "sessions", "all", all);
    if (req != NULL && tag != NULL && args_set_string(req, "tag", tag) != 0) {
        json_decref(req);
        rc = args_usage_error(l->cmd, "--tag is not UTF-8 text");
        goto out;
    }
    if (!call_for_people(l, req, &resp, &rc))
        goto out;
    if (json_array_size(json_object_get(resp, "sessions")) == 0)
        printf("no %ssessions%s (announce one: lore session announce TITLE --at TIME --where "
               "PLACE)\n",
               all ? "" : "upcoming ", tag != NULL ? " with that tag" : "");
    json_array_foreach(json_object_get(resp, "sessions"), i, s) people_put_session(s);
out:
    json_decref(resp);
    return rc;
}

/* ---- digest ---- */

static int cmd_digest(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"since", required_argument, NULL, 's'},
                                         {"now", required_argument, NULL, 'N'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *req, *resp = NULL, *arr, *x;
    long long since = -1, now = 0;
    const char *since_text = "1d";
    int c, rc = LORE_EXIT_OK;
    size_t i;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":s:h", opts, NULL);
        if (c == -1)
            break;
        if (c == ARGS_OPT_JSON) {
            l->json = true;
        } else if (c == 's') {
            if (when_since(optarg, when_now_ms(), &since) != 0) {
                rc = args_usage_error(l->cmd, "--since takes 24h, 1d, 7d, 2w or YYYY-MM-DD");
                goto out;
            }
            since_text = optarg;
        } else if (c == 'N') {
            rc = people_parse_now(l, optarg, &now);
            if (rc != LORE_EXIT_OK)
                goto out;
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
    req = json_pack("{s:s}", "op", "digest");
    if (req != NULL && now > 0)
        json_object_set_new(req, "now_ms", json_integer(now));
    if (req != NULL && since >= 0)
        json_object_set_new(req, "since_ms", json_integer(since));
    if (!call_for_people(l, req, &resp, &rc))
        goto out;
    printf("Digest since %s\n", since_text);
    arr = json_object_get(resp, "questions");
    printf("\nNew questions in your areas (%zu):\n", json_array_size(arr));
    json_array_foreach(arr, i, x)
    {
        fputs("  ", stdout);
        view_entry_line(stdout, x, 0);
    }
    arr = json_object_get(resp, "on_yours");
    printf("\nNew on your questions (%zu):\n", json_array_size(arr));
    json_array_foreach(arr, i, x) view_foryou_item(stdout, x);
    arr = json_object_get(resp, "my_answered");
    printf("\nYour questions that got answers (%zu):\n", json_array_size(arr));
    json_array_foreach(arr, i, x)
    {
        printf("  %.*s  ", LORE_SHORT_ID, out_jstr(json_object_get(x, "question"), "id"));
        out_put_text(out_jstr(json_object_get(x, "question"), "title"));
        printf("  (%lld new answer%s)\n", out_jint(x, "new_answers"),
               out_jint(x, "new_answers") == 1 ? "" : "s");
    }
    arr = json_object_get(resp, "reminders");
    printf("\nReminders: answered, not accepted (%zu):\n", json_array_size(arr));
    json_array_foreach(arr, i, x) people_put_reminder(x);
    arr = json_object_get(resp, "accepted");
    printf("\nAnswers accepted (%zu):\n", json_array_size(arr));
    json_array_foreach(arr, i, x)
    {
        fputs("  ", stdout);
        out_put_person(json_object_get(x, "helper"));
        fputs(" helped ", stdout);
        out_put_person(json_object_get(x, "asker"));
        fputs(": ", stdout);
        out_put_text(out_jstr(x, "title"));
        fputc('\n', stdout);
    }
    arr = json_object_get(resp, "sessions");
    printf("\nSessions in the next 7 days (%zu):\n", json_array_size(arr));
    json_array_foreach(arr, i, x) people_put_session(x);
    arr = json_object_get(resp, "mentoring_requests");
    printf("\nMentoring requests (%zu):\n", json_array_size(arr));
    json_array_foreach(arr, i, x) people_put_request(x);
    arr = json_object_get(resp, "helpers");
    printf("\nTop helpers (%zu):\n", json_array_size(arr));
    json_array_foreach(arr, i, x)
    {
        fputs("  ", stdout);
        out_put_person(x);
        printf("  %lld answer%s\n", out_jint(x, "answers"), out_jint(x, "answers") == 1 ? "" : "s");
    }
out:
    json_decref(resp);
    return rc;
}

/* ---- remind (a test hook and an operator's "now") ---- */

static int cmd_remind(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"now", required_argument, NULL, 'N'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *req, *resp = NULL;
    long long now = 0;
    int c, rc = LORE_EXIT_OK;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            break;
        if (c == ARGS_OPT_JSON) {
            l->json = true;
        } else if (c == 'N') {
            rc = people_parse_now(l, optarg, &now);
            if (rc != LORE_EXIT_OK)
                goto out;
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
    req = json_pack("{s:s}", "op", "remind");
    if (req != NULL && now > 0)
        json_object_set_new(req, "now_ms", json_integer(now));
    if (call_for_people(l, req, &resp, &rc))
        printf("%lld reminder%s sent to watchers\n", out_jint(resp, "sent"),
               out_jint(resp, "sent") == 1 ? "" : "s");
out:
    json_decref(resp);
    return rc;
}

int cmd_inbox(struct lore *l, int argc, char **argv)
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
    if (json_array_size(arr) == 0 && json_array_size(json_object_get(resp, "on_yours")) == 0 &&
        json_array_size(json_object_get(resp, "mentoring_requests")) == 0 &&
        json_array_size(json_object_get(resp, "reminders")) == 0)
        printf("nothing waiting for you\n");
    json_array_foreach(arr, i, e)
    {
        if (json_is_true(json_object_get(e, "escalated")))
            view_reason_line(stdout, out_jstr(e, "reason"), e);
        else
            view_entry_line(stdout, e, 0);
    }
    people_print_inbox(resp);
out:
    json_decref(resp);
    return rc;
}

const struct lore_command lore_people_commands[] = {
    {"profile", cmd_profile, "profile [PERSON] [--name N] [--bio TEXT | --file F | -] [--json]",
     "Show your profile or a colleague's; with --name or a bio, publish yours",
     "Options:\n"
     "  -n, --name N      your display name\n"
     "  -b, --bio TEXT    a few lines about you\n"
     "  -f, --file F      read the bio from file F\n"
     "  -                 read the bio from standard input\n" JSON_HELP HELP_HELP
     "\nWithout options: your profile (name, team, bio, key, skills, follows). With PERSON (a\n"
     "name or a key prefix): theirs, with skills and levels, endorsements per skill, accepted\n"
     "answers, mentoring offers and sessions hosted. Giving only --name or only a bio keeps\n"
     "the other as it was.\n"},
    {"endorse", cmd_endorse, "endorse PERSON TAG [--json]",
     "Endorse a colleague for a skill you have seen them use",
     "Options:\n" JSON_HELP HELP_HELP
     "\nNot yourself. Each colleague's endorsement counts once per person and skill, however\n"
     "often it is given; who-knows ranks by the number of distinct endorsers.\n"},
    {"mentor", cmd_mentor,
     "mentor offer TAG... [--body TEXT] | find TAG | request PERSON [--tag T] [--body TEXT] "
     "| withdraw [--json]",
     "Offer mentoring on topics (or withdraw your offers), find mentors, or ask for one",
     "Options:\n"
     "  -t, --tag T       request: the topic you want help with\n"
     "  -b, --body TEXT   offer, request: a few words\n" JSON_HELP HELP_HELP
     "\n`find` ranks the people offering mentoring on TAG as who-knows does, with the date\n"
     "of their offer. A request reaches the person's inbox and `lore watch` at once.\n"
     "`withdraw` takes back every offer you made; a later offer counts again.\n"},
    {"session", cmd_session,
     "session announce TITLE --at TIME --where PLACE [--tag T]... [--body TEXT] [--circle TAG] | "
     "rsvp ID [--no] | move ID [--at TIME] [--where PLACE] | cancel ID [--json]",
     "Announce, move or cancel a learning session, or say whether you will come to one",
     "Options:\n"
     "  -a, --at TIME     when: \"2026-12-03 15:00\" (local), 2026-12-03T15:00Z (UTC),\n"
     "                    \"tomorrow 15:00\", \"today 15:00\", +2h, +30m, +1d\n"
     "  -w, --where PLACE where (a room, a call link)\n"
     "  -t, --tag T       a topic (repeatable)\n"
     "  -b, --body TEXT   what it is about\n"
     "  -c, --circle TAG  announce: a meeting of the learning circle TAG (you are a\n"
     "                    member: lore learn TAG); TAG becomes one of its topics\n"
     "  -n, --no          rsvp: you will not come (the default is yes)\n" JSON_HELP HELP_HELP
     "\nTimes in the past are refused. Each person's latest rsvp counts: rsvp again to\n"
     "change it. Only the host moves or cancels a session; the RSVPs follow a move, and a\n"
     "cancelled session shows as CANCELLED in `lore sessions` and leaves the digest.\n"},
    {"sessions", cmd_sessions, "sessions [--all] [--tag T] [--json]",
     "Upcoming learning sessions: time, place, host, topics and how many are coming",
     "Options:\n"
     "  -a, --all         past sessions too\n"
     "  -t, --tag T       only sessions tagged T\n" JSON_HELP HELP_HELP
     "\nSessions you said yes to are marked with *.\n"},
    {"digest", cmd_digest, "digest [--since 1d|24h|7d|YYYY-MM-DD] [--json]",
     "The day in one screen: new questions for you, answers, reminders, sessions, requests",
     "Options:\n"
     "  -s, --since WHEN  the period (default 1d)\n" JSON_HELP HELP_HELP
     "\nSections: new questions in your areas (urgent first), new on your questions\n"
     "(answers, comments, accepts, thanks, mentions), your questions that got\n"
     "answers, reminders (answered over 3 days ago, not accepted), answers accepted,\n"
     "sessions in the next 7 days, mentoring requests to you, top helpers of the period.\n"},
    {"remind", cmd_remind, "remind [--json]",
     "Send the due reminders (answered, not accepted after 3 days) to watchers now",
     "Options:\n" JSON_HELP HELP_HELP
     "\nThe node does this by itself every 10 minutes, at most once a day per question.\n"},
    {NULL, NULL, NULL, NULL, NULL},
};
