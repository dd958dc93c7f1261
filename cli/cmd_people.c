/* cmd_people: the commands for people and programs: profiles, endorsements, mentoring, sessions,
 * digests. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lore_int.h"
#include "text.h"

#define PEOPLE_DAY_MS 86400000LL

/* ---- printing ---- */

static void people_put(const char *s)
{
    text_sanitize_term(stdout, s != NULL ? s : "", TEXT_TERM_ONE_LINE, NULL);
}

/* A person object {key, name}: the name, else a short key. */
static void people_put_person(json_t *p)
{
    const char *name = json_string_value(json_object_get(p, "name"));

    if (name != NULL && name[0] != '\0')
        people_put(name);
    else
        printf("%.12s…", lore_jstr(p, "key"));
}

static void people_put_tags(json_t *tags)
{
    json_t *t;
    size_t i;

    json_array_foreach(tags, i, t)
    {
        fputs(i > 0 ? " #" : "#", stdout);
        people_put(json_string_value(t));
    }
}

/* "2026-12-03 15:00" (local) for ms. */
static void people_put_time(long long ms)
{
    char when[64];

    lore_format_date(ms, true, when, sizeof(when));
    fputs(when, stdout);
}

static void people_put_session(json_t *s)
{
    const char *mine = json_string_value(json_object_get(s, "mine"));

    printf("%s ", mine != NULL && strcmp(mine, "yes") == 0 ? "*" : " ");
    people_put_time(lore_jint(s, "at_ms"));
    fputs("  ", stdout);
    people_put(lore_jstr(s, "title"));
    fputs(" @ ", stdout);
    people_put(lore_jstr(s, "where"));
    printf("\n    %.*s  host ", LORE_SHORT_ID, lore_jstr(s, "id"));
    people_put_person(json_object_get(s, "host"));
    printf("  %lld going", lore_jint(s, "yes"));
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
    people_put(lore_author(e, tmp, sizeof(tmp)));
    fputs(" asks you to mentor them", stdout);
    if (json_array_size(json_object_get(e, "tags")) > 0) {
        fputs(" on ", stdout);
        people_put_tags(json_object_get(e, "tags"));
    }
    lore_format_age(lore_jint(e, "created_ms"), age, sizeof(age));
    printf(" (%s)", age);
    if (lore_jstr(e, "body")[0] != '\0') {
        fputs(": ", stdout);
        people_put(lore_jstr(e, "body"));
    }
    fputc('\n', stdout);
}

static void people_put_reminder(json_t *r)
{
    json_t *q = json_object_get(r, "question");

    printf("  %.*s  ", LORE_SHORT_ID, lore_jstr(q, "id"));
    people_put(lore_jstr(q, "title"));
    printf("  (%lld answer%s, the first %lld days ago; accept the one that helped: lore accept "
           "ANSWER)\n",
           lore_jint(r, "answers"), lore_jint(r, "answers") == 1 ? "" : "s",
           lore_jint(r, "waiting_days"));
}

/* The inbox sections this module adds (mentoring requests, reminders), for `lore inbox`. */
void lore_people_print_inbox(json_t *resp)
{
    json_t *arr, *x;
    size_t i;

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

/* Parse exactly n digits at s into *out. Returns 0 or -1. */
static int people_digits(const char *s, size_t n, int *out)
{
    size_t i;
    int v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* "HH:MM" into tm (local). Returns 0 or -1. */
static int people_hhmm(const char *s, struct tm *tm)
{
    int h, m;

    if (strlen(s) != 5 || s[2] != ':' || people_digits(s, 2, &h) != 0 ||
        people_digits(s + 3, 2, &m) != 0 || h > 23 || m > 59)
        return -1;
    tm->tm_hour = h;
    tm->tm_min = m;
    tm->tm_sec = 0;
    return 0;
}

/* A session time: "2026-12-03 15:00" or "2026-12-03T15:00" (local), "2026-12-03T15:00Z" (UTC),
 * "today 15:00", "tomorrow 15:00" (local), "+2h", "+30m", "+1d". Returns 0 with ms, or -1. */
static int people_parse_time(const char *s, long long *ms)
{
    struct tm tm;
    time_t now = time(NULL), t;
    char *end;
    long v;
    int y, mo, d, utc = 0;

    memset(&tm, 0, sizeof(tm));
    if (s[0] == '+') {
        errno = 0;
        v = strtol(s + 1, &end, 10);
        if (errno != 0 || end == s + 1 || v < 0 || v > 100000 ||
            (strcmp(end, "m") != 0 && strcmp(end, "h") != 0 && strcmp(end, "d") != 0))
            return -1;
        *ms = (long long)now * 1000 + v * (*end == 'm'   ? 60000LL
                                           : *end == 'h' ? 3600000LL
                                                         : PEOPLE_DAY_MS);
        return 0;
    }
    if (strncmp(s, "today ", 6) == 0 || strncmp(s, "tomorrow ", 9) == 0) {
        int days = s[1] == 'o' && s[2] == 'm' ? 1 : 0;
        if (localtime_r(&now, &tm) == NULL || people_hhmm(s + (days ? 9 : 6), &tm) != 0)
            return -1;
        tm.tm_mday += days;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        if (t == (time_t)-1)
            return -1;
        *ms = (long long)t * 1000;
        return 0;
    }
    /* YYYY-MM-DD then ' ' or 'T', HH:MM, and an optional Z. */
    if (strlen(s) < 16 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
        people_digits(s, 4, &y) != 0 || people_digits(s + 5, 2, &mo) != 0 ||
        people_digits(s + 8, 2, &d) != 0 || mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    if (strcmp(s + 16, "Z") == 0)
        utc = 1;
    else if (s[16] != '\0')
        return -1;
    {
        char hm[6];
        memcpy(hm, s + 11, 5);
        hm[5] = '\0';
        if (people_hhmm(hm, &tm) != 0)
            return -1;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_isdst = -1;
    t = utc ? timegm(&tm) : mktime(&tm);
    /* mktime/timegm roll 31 February over into March: such a date does not exist. */
    if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
        return -1;
    *ms = (long long)t * 1000;
    return 0;
}

/* A hidden test hook: --now MS (ms since the epoch), passed to the node as now_ms. */
static int people_parse_now(const struct lore *l, const char *s, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0)
        return lore_usage_error(l, "--now takes a time in ms since the epoch");
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

    people_put_person(p);
    if (json_is_true(json_object_get(p, "me")))
        fputs(" (you)", stdout);
    printf("\n  key       %s\n", lore_jstr(p, "key"));
    if (json_is_string(json_object_get(p, "team"))) {
        fputs("  team      ", stdout);
        people_put(lore_jstr(p, "team"));
        fputc('\n', stdout);
    }
    if (lore_jstr(p, "bio")[0] != '\0') {
        fputs("  bio       ", stdout);
        text_sanitize_term(stdout, lore_jstr(p, "bio"), 0, "            ");
        fputc('\n', stdout);
    }
    arr = json_object_get(p, "skills");
    printf("  skills%s\n", json_array_size(arr) == 0 ? "    none declared or endorsed yet" : "");
    json_array_foreach(arr, i, x)
    {
        fputs("    #", stdout);
        people_put(lore_jstr(x, "tag"));
        if (lore_jint(x, "level") > 0)
            printf("  level %lld", lore_jint(x, "level"));
        if (lore_jint(x, "endorsers") > 0) {
            printf("  endorsed by %lld (", lore_jint(x, "endorsers"));
            json_array_foreach(json_object_get(x, "endorsed_by"), k, by)
            {
                if (k > 0)
                    fputs(", ", stdout);
                people_put_person(by);
            }
            fputc(')', stdout);
        }
        fputc('\n', stdout);
    }
    printf("  answers   %lld (%lld accepted)\n", lore_jint(p, "answers"),
           lore_jint(p, "accepted_answers"));
    arr = json_object_get(p, "mentor_offers");
    if (json_array_size(arr) > 0) {
        fputs("  mentors   ", stdout);
        json_array_foreach(arr, i, x)
        {
            char date[32];
            if (i > 0)
                fputs("; ", stdout);
            people_put_tags(json_object_get(x, "tags"));
            lore_format_date(lore_jint(x, "created_ms"), false, date, sizeof(date));
            printf(" (since %s)", date);
        }
        fputc('\n', stdout);
    }
    printf("  sessions  %lld hosted\n", lore_jint(p, "sessions_hosted"));
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
        {"file", required_argument, NULL, 'f'}, {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    struct lore_body_opts bo = {0};
    json_t *req = NULL, *resp = NULL, *bio = NULL;
    const char *name = NULL, *person = NULL;
    int c, k, rc = LORE_EXIT_OK, people;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":n:b:f:h", opts, NULL);
        if (c == -1)
            break;
        if (c == OPT_JSON) {
            l->json = true;
        } else if (c == 'n') {
            name = optarg;
        } else if (c == 'b') {
            bo.text = optarg;
        } else if (c == 'f') {
            bo.file = optarg;
        } else if (c == 'h') {
            rc = lore_command_help(l->cmd);
            goto out;
        } else {
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    for (k = optind; k < argc; k++) {
        if (strcmp(argv[k], "-") == 0)
            bo.from_stdin = true;
        else if (person == NULL)
            person = argv[k];
        else {
            rc = lore_usage_error(l, "unexpected argument '%s'", argv[k]);
            goto out;
        }
    }
    if ((bo.text != NULL) + (bo.file != NULL) + bo.from_stdin > 1) {
        rc = lore_usage_error(l, "give the bio one way: --bio, --file or -");
        goto out;
    }
    if (person != NULL && (name != NULL || bo.text != NULL || bo.file != NULL || bo.from_stdin)) {
        rc = lore_usage_error(l, "you can only change your own profile (no PERSON with --name, "
                                 "--bio)");
        goto out;
    }
    req = json_pack("{s:s}", "op", "profile");
    if (person != NULL && lore_set_string(req, "person", person) != 0) {
        rc = lore_usage_error(l, "PERSON is not UTF-8 text");
        goto out;
    }
    if (name != NULL && lore_set_string(req, "name", name) != 0) {
        rc = lore_usage_error(l, "--name is not UTF-8 text");
        goto out;
    }
    if (bo.text != NULL || bo.file != NULL || bo.from_stdin) {
        rc = lore_get_body(l, &bo, false, &bio);
        if (rc != LORE_EXIT_OK)
            goto out;
        json_object_set_new(req, "bio", bio);
    }
    people = lore_call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    if (json_is_string(json_object_get(resp, "id")))
        printf("Profile published.\n");
    people_print_profile(json_object_get(resp, "profile"));
    if (json_is_string(json_object_get(resp, "id")))
        printf("%s\n", lore_jstr(resp, "id"));
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

    if (!lore_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind + 2 != argc) {
        rc = lore_usage_error(l,
                              optind + 2 > argc ? "give a PERSON and a TAG" : "too many arguments");
        goto out;
    }
    req = json_pack("{s:s,s:s}", "op", "endorse", "tag", argv[optind + 1]);
    if (req != NULL && lore_set_string(req, "person", argv[optind]) != 0) {
        json_decref(req);
        rc = lore_usage_error(l, "PERSON is not UTF-8 text");
        goto out;
    }
    if (!lore_call_for_people(l, req, &resp, &rc))
        goto out;
    printf("Endorsed ");
    people_put_person(json_object_get(resp, "person"));
    printf(" for #%s: %lld colleague%s endorse%s them for it%s.\n", lore_jstr(resp, "tag"),
           lore_jint(resp, "endorsers"), lore_jint(resp, "endorsers") == 1 ? "" : "s",
           lore_jint(resp, "endorsers") == 1 ? "s" : "",
           json_is_true(json_object_get(resp, "already")) ? " (you had already; it counts once)"
                                                          : "");
    printf("%s\n", lore_jstr(resp, "id"));
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
        return lore_usage_error(l, "mentor offer needs at least one TAG");
    }
    for (k = first; k < argc; k++)
        json_array_append_new(json_object_get(req, "tags"), json_string(argv[k]));
    if (body != NULL && lore_set_string(req, "body", body) != 0) {
        json_decref(req);
        return lore_usage_error(l, "--body is not UTF-8 text");
    }
    if (lore_call_for_people(l, req, &resp, &rc)) {
        printf("You offer mentoring on ");
        people_put_tags(json_object_get(json_object_get(resp, "entry"), "tags"));
        printf("; colleagues find you with `lore mentor find TAG`.\n%s\n", lore_jstr(resp, "id"));
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

    if (!lore_call_for_people(l, json_pack("{s:s,s:s}", "op", "mentor_find", "tag", tag), &resp,
                              &rc))
        goto out;
    arr = json_object_get(resp, "mentors");
    if (json_array_size(arr) == 0)
        printf("nobody offers mentoring on #%s yet (offer it: lore mentor offer %s)\n",
               lore_jstr(resp, "tag"), lore_jstr(resp, "tag"));
    json_array_foreach(arr, i, m)
    {
        printf("%2zu. ", i + 1);
        people_put_person(m);
        lore_format_date(lore_jint(m, "offered_ms"), false, date, sizeof(date));
        printf("  offers ");
        people_put_tags(json_object_get(m, "tags"));
        printf(" since %s  (score %.1f)\n    ", date,
               json_number_value(json_object_get(m, "score")));
        people_put(lore_jstr(m, "why"));
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

    if (lore_set_string(req, "person", person) != 0 ||
        (tag != NULL && lore_set_string(req, "tag", tag) != 0) ||
        (body != NULL && lore_set_string(req, "body", body) != 0)) {
        json_decref(req);
        return lore_usage_error(l, "PERSON, --tag and --body must be UTF-8 text");
    }
    if (lore_call_for_people(l, req, &resp, &rc)) {
        printf("Asked ");
        people_put_person(json_object_get(resp, "person"));
        printf(" to mentor you; it reaches their inbox.%s\n%s\n",
               json_is_true(json_object_get(resp, "has_offer"))
                   ? ""
                   : " (They have not offered mentoring yet.)",
               lore_jstr(resp, "id"));
    }
    json_decref(resp);
    return rc;
}

static int cmd_mentor(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"tag", required_argument, NULL, 't'},
                                         {"body", required_argument, NULL, 'b'},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *tag = NULL, *body = NULL, *sub;
    int c;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":t:b:h", opts, NULL);
        if (c == -1)
            break;
        if (c == OPT_JSON)
            l->json = true;
        else if (c == 't')
            tag = optarg;
        else if (c == 'b')
            body = optarg;
        else if (c == 'h')
            return lore_command_help(l->cmd);
        else
            return lore_bad_option(l, c, argv);
    }
    if (optind >= argc)
        return lore_usage_error(l, "give offer, find or request");
    sub = argv[optind];
    if (strcmp(sub, "offer") == 0) {
        if (tag != NULL)
            return lore_usage_error(l, "mentor offer takes its topics as TAG... (no --tag)");
        return people_mentor_offer(l, argc, argv, body, optind + 1);
    }
    if (strcmp(sub, "find") == 0) {
        if (tag != NULL || body != NULL || optind + 2 != argc)
            return lore_usage_error(l, "usage: lore mentor find TAG");
        return people_mentor_find(l, argv[optind + 1]);
    }
    if (strcmp(sub, "request") == 0) {
        if (optind + 2 != argc)
            return lore_usage_error(l, "usage: lore mentor request PERSON [--tag T] [--body TEXT]");
        return people_mentor_request(l, argv[optind + 1], tag, body);
    }
    return lore_usage_error(l, "unknown subcommand '%s': give offer, find or request", sub);
}

/* ---- sessions ---- */

static int people_session_announce(struct lore *l, int argc, char **argv, const char *at,
                                   const char *where, json_t *tags, const char *body)
{
    json_t *req, *resp = NULL;
    long long ms;
    int rc = LORE_EXIT_OK;

    if (optind + 2 != argc)
        return lore_usage_error(l, optind + 2 > argc ? "missing TITLE"
                                                     : "too many arguments (quote the TITLE)");
    if (at == NULL || where == NULL)
        return lore_usage_error(l, "a session needs --at TIME and --where PLACE");
    if (people_parse_time(at, &ms) != 0)
        return lore_usage_error(l,
                                "--at takes \"2026-12-03 15:00\" (local), 2026-12-03T15:00Z, "
                                "\"tomorrow 15:00\" or +2h, not '%s'",
                                at);
    if (ms <= (long long)time(NULL) * 1000) {
        lore_errorf("%s: that time is in the past; give a time to come", l->cmd);
        return LORE_EXIT_USAGE;
    }
    req =
        json_pack("{s:s,s:I,s:O}", "op", "session_announce", "at_ms", (json_int_t)ms, "tags", tags);
    if (req == NULL || lore_set_string(req, "title", argv[optind + 1]) != 0 ||
        lore_set_string(req, "where", where) != 0 ||
        (body != NULL && lore_set_string(req, "body", body) != 0)) {
        json_decref(req);
        return lore_usage_error(l, "TITLE, --where and --body must be UTF-8 text");
    }
    if (lore_call_for_people(l, req, &resp, &rc)) {
        printf("Session announced for ");
        people_put_time(ms);
        printf("; colleagues answer with `lore session rsvp ID`.\n%s\n", lore_jstr(resp, "id"));
    }
    json_decref(resp);
    return rc;
}

static int cmd_session(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {
        {"at", required_argument, NULL, 'a'},  {"where", required_argument, NULL, 'w'},
        {"tag", required_argument, NULL, 't'}, {"body", required_argument, NULL, 'b'},
        {"no", no_argument, NULL, 'n'},        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
    const char *at = NULL, *where = NULL, *body = NULL;
    json_t *tags = json_array(), *resp = NULL;
    int c, no = 0, rc = LORE_EXIT_OK;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":a:w:t:b:nh", opts, NULL);
        if (c == -1)
            break;
        if (c == OPT_JSON) {
            l->json = true;
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
            rc = lore_command_help(l->cmd);
            goto out;
        } else {
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    if (optind >= argc) {
        rc = lore_usage_error(l, "give announce or rsvp");
        goto out;
    }
    if (strcmp(argv[optind], "announce") == 0) {
        if (no) {
            rc = lore_usage_error(l, "--no is for rsvp");
            goto out;
        }
        rc = people_session_announce(l, argc, argv, at, where, tags, body);
        goto out;
    }
    if (strcmp(argv[optind], "rsvp") != 0) {
        rc = lore_usage_error(l, "unknown subcommand '%s': give announce or rsvp", argv[optind]);
        goto out;
    }
    if (at != NULL || where != NULL || body != NULL || json_array_size(tags) > 0 ||
        optind + 2 != argc) {
        rc = lore_usage_error(l, "usage: lore session rsvp ID [--no]");
        goto out;
    }
    rc = lore_check_id(l, argv[optind + 1]);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (lore_call_for_people(l,
                             json_pack("{s:s,s:s,s:s}", "op", "rsvp", "id", argv[optind + 1],
                                       "value", no ? "no" : "yes"),
                             &resp, &rc))
        printf("You said %s to session %.*s.\n%s\n", no ? "no" : "yes", LORE_SHORT_ID,
               argv[optind + 1], lore_jstr(resp, "id"));
out:
    json_decref(tags);
    json_decref(resp);
    return rc;
}

static int cmd_sessions(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                         {"tag", required_argument, NULL, 't'},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *req, *resp = NULL, *s;
    const char *tag = NULL;
    int c, all = 0, rc = LORE_EXIT_OK;
    size_t i;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":at:h", opts, NULL);
        if (c == -1)
            break;
        if (c == OPT_JSON) {
            l->json = true;
        } else if (c == 'a') {
            all = 1;
        } else if (c == 't') {
            tag = optarg;
        } else if (c == 'h') {
            rc = lore_command_help(l->cmd);
            goto out;
        } else {
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    rc = lore_no_args(l, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    req = json_pack("{s:s,s:b}", "op", "sessions", "all", all);
    if (req != NULL && tag != NULL && lore_set_string(req, "tag", tag) != 0) {
        json_decref(req);
        rc = lore_usage_error(l, "--tag is not UTF-8 text");
        goto out;
    }
    if (!lore_call_for_people(l, req, &resp, &rc))
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
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *req, *resp = NULL, *arr, *x;
    long long since = -1, now = 0;
    const char *since_text = "1d";
    int c, rc = LORE_EXIT_OK;
    size_t i;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":s:h", opts, NULL);
        if (c == -1)
            break;
        if (c == OPT_JSON) {
            l->json = true;
        } else if (c == 's') {
            if (lore_parse_since(optarg, &since) != 0) {
                rc = lore_usage_error(l, "--since takes 24h, 1d, 7d, 2w or YYYY-MM-DD");
                goto out;
            }
            since_text = optarg;
        } else if (c == 'N') {
            rc = people_parse_now(l, optarg, &now);
            if (rc != LORE_EXIT_OK)
                goto out;
        } else if (c == 'h') {
            rc = lore_command_help(l->cmd);
            goto out;
        } else {
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    rc = lore_no_args(l, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    req = json_pack("{s:s}", "op", "digest");
    if (req != NULL && now > 0)
        json_object_set_new(req, "now_ms", json_integer(now));
    if (req != NULL && since >= 0)
        json_object_set_new(req, "since_ms", json_integer(since));
    if (!lore_call_for_people(l, req, &resp, &rc))
        goto out;
    printf("Digest since %s\n", since_text);
    arr = json_object_get(resp, "questions");
    printf("\nNew questions in your areas (%zu):\n", json_array_size(arr));
    json_array_foreach(arr, i, x)
    {
        fputs("  ", stdout);
        lore_print_entry_line(stdout, x, 0);
    }
    arr = json_object_get(resp, "my_answered");
    printf("\nYour questions that got answers (%zu):\n", json_array_size(arr));
    json_array_foreach(arr, i, x)
    {
        printf("  %.*s  ", LORE_SHORT_ID, lore_jstr(json_object_get(x, "question"), "id"));
        people_put(lore_jstr(json_object_get(x, "question"), "title"));
        printf("  (%lld new answer%s)\n", lore_jint(x, "new_answers"),
               lore_jint(x, "new_answers") == 1 ? "" : "s");
    }
    arr = json_object_get(resp, "reminders");
    printf("\nReminders: answered, not accepted (%zu):\n", json_array_size(arr));
    json_array_foreach(arr, i, x) people_put_reminder(x);
    arr = json_object_get(resp, "accepted");
    printf("\nAnswers accepted (%zu):\n", json_array_size(arr));
    json_array_foreach(arr, i, x)
    {
        fputs("  ", stdout);
        people_put_person(json_object_get(x, "helper"));
        fputs(" helped ", stdout);
        people_put_person(json_object_get(x, "asker"));
        fputs(": ", stdout);
        people_put(lore_jstr(x, "title"));
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
        people_put_person(x);
        printf("  %lld answer%s\n", lore_jint(x, "answers"),
               lore_jint(x, "answers") == 1 ? "" : "s");
    }
out:
    json_decref(resp);
    return rc;
}

/* ---- remind (a test hook and an operator's "now") ---- */

static int cmd_remind(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"now", required_argument, NULL, 'N'},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *req, *resp = NULL;
    long long now = 0;
    int c, rc = LORE_EXIT_OK;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            break;
        if (c == OPT_JSON) {
            l->json = true;
        } else if (c == 'N') {
            rc = people_parse_now(l, optarg, &now);
            if (rc != LORE_EXIT_OK)
                goto out;
        } else if (c == 'h') {
            rc = lore_command_help(l->cmd);
            goto out;
        } else {
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    rc = lore_no_args(l, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    req = json_pack("{s:s}", "op", "remind");
    if (req != NULL && now > 0)
        json_object_set_new(req, "now_ms", json_integer(now));
    if (lore_call_for_people(l, req, &resp, &rc))
        printf("%lld reminder%s sent to watchers\n", lore_jint(resp, "sent"),
               lore_jint(resp, "sent") == 1 ? "" : "s");
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
     "[--json]",
     "Offer mentoring on topics, find mentors for one, or ask someone to mentor you",
     "Options:\n"
     "  -t, --tag T       request: the topic you want help with\n"
     "  -b, --body TEXT   offer, request: a few words\n" JSON_HELP HELP_HELP
     "\n`find` ranks the people offering mentoring on TAG as who-knows does, with the date\n"
     "of their offer. A request reaches the person's inbox and `lore watch` at once.\n"},
    {"session", cmd_session,
     "session announce TITLE --at TIME --where PLACE [--tag T]... [--body TEXT] | rsvp ID [--no] "
     "[--json]",
     "Announce a learning session, or say whether you will come to one",
     "Options:\n"
     "  -a, --at TIME     when: \"2026-12-03 15:00\" (local), 2026-12-03T15:00Z (UTC),\n"
     "                    \"tomorrow 15:00\", \"today 15:00\", +2h, +30m, +1d\n"
     "  -w, --where PLACE where (a room, a call link)\n"
     "  -t, --tag T       a topic (repeatable)\n"
     "  -b, --body TEXT   what it is about\n"
     "  -n, --no          rsvp: you will not come (the default is yes)\n" JSON_HELP HELP_HELP
     "\nTimes in the past are refused. Each person's latest rsvp counts.\n"},
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
     "\nSections: new questions in your areas (urgent first), your questions that got\n"
     "answers, reminders (answered over 3 days ago, not accepted), answers accepted,\n"
     "sessions in the next 7 days, mentoring requests to you, top helpers of the period.\n"},
    {"remind", cmd_remind, "remind [--json]",
     "Send the due reminders (answered, not accepted after 3 days) to watchers now",
     "Options:\n" JSON_HELP HELP_HELP
     "\nThe node does this by itself every 10 minutes, at most once a day per question.\n"},
    {NULL, NULL, NULL, NULL, NULL},
};
