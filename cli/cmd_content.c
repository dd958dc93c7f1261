/* cmd_content: the commands for keeping content: edits, history, retractions, flags, pins. */
#include "lore_int.h"
#include "text.h"

#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#define DIFF_MAX_LINES 2000 /* above this (either side), a change is not diffed */
#define DIFF_CONTEXT 3

/* ---- a small line diff (longest common subsequence) ---- */

struct diff_lines {
    const char **start; /* each line's first byte */
    size_t *len;        /* its length without the newline */
    size_t n;
};

/* Split s into lines (views into s). A final newline does not start an empty line. */
static void diff_split(const char *s, struct diff_lines *dl)
{
    size_t cap = 16;
    const char *p = s, *nl;

    dl->n = 0;
    dl->start = xreallocarray(NULL, cap, sizeof(*dl->start));
    dl->len = xreallocarray(NULL, cap, sizeof(*dl->len));
    while (*p != '\0') {
        if (dl->n == cap) {
            cap *= 2;
            dl->start = xreallocarray(dl->start, cap, sizeof(*dl->start));
            dl->len = xreallocarray(dl->len, cap, sizeof(*dl->len));
        }
        nl = strchr(p, '\n');
        dl->start[dl->n] = p;
        dl->len[dl->n] = nl != NULL ? (size_t)(nl - p) : strlen(p);
        dl->n++;
        if (nl == NULL)
            break;
        p = nl + 1;
    }
}

static void diff_lines_free(struct diff_lines *dl)
{
    free(dl->start);
    free(dl->len);
}

static bool diff_same(const struct diff_lines *a, size_t i, const struct diff_lines *b, size_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->start[i], b->start[j], a->len[i]) == 0;
}

/* One step of the edit script: ' ' keeps a line (both sides), '-' drops old line i, '+' adds new
 * line j. */
struct diff_op {
    char op;
    size_t i, j;
};

static void diff_put_line(char op, const struct diff_lines *dl, size_t k)
{
    char *line = xstrndup(dl->start[k], dl->len[k]);

    printf("    %c", op);
    text_sanitize_term(stdout, line, TEXT_TERM_ONE_LINE, NULL);
    fputc('\n', stdout);
    free(line);
}

/* Print the script as unified hunks with DIFF_CONTEXT lines of context. */
static void diff_print_hunks(const struct diff_op *ops, size_t nops, const struct diff_lines *a,
                             const struct diff_lines *b)
{
    size_t k = 0, start, end, last, x, oi, oj, ni, nj;

    while (k < nops) {
        while (k < nops && ops[k].op == ' ')
            k++;
        if (k == nops)
            break;
        start = k > DIFF_CONTEXT ? k - DIFF_CONTEXT : 0;
        /* Extend the hunk while the next change is within 2 x context. */
        last = k;
        for (x = k; x < nops; x++) {
            if (ops[x].op != ' ')
                last = x;
            else if (x - last > 2 * DIFF_CONTEXT)
                break;
        }
        end = last + DIFF_CONTEXT + 1 < nops ? last + DIFF_CONTEXT + 1 : nops;
        oi = ops[start].i;
        oj = ops[start].j;
        ni = nj = 0;
        for (x = start; x < end; x++) {
            ni += ops[x].op != '+';
            nj += ops[x].op != '-';
        }
        printf("    @@ -%zu,%zu +%zu,%zu @@\n", ni > 0 ? oi + 1 : oi, ni, nj > 0 ? oj + 1 : oj, nj);
        for (x = start; x < end; x++)
            diff_put_line(ops[x].op, ops[x].op == '+' ? b : a,
                          ops[x].op == '+' ? ops[x].j : ops[x].i);
        k = end;
    }
}

/* Print a unified line diff from old to new (indented), or a note when too large to diff. */
static void lore_diff(const char *old, const char *new)
{
    struct diff_lines a, b;
    struct diff_op *ops = NULL;
    uint16_t *t = NULL; /* (n+1) x (m+1) LCS lengths of the suffixes, after common ends */
    size_t pre = 0, suf = 0, n, m, i, j, w, nops = 0;

    diff_split(old, &a);
    diff_split(new, &b);
    if (a.n > DIFF_MAX_LINES || b.n > DIFF_MAX_LINES) {
        printf("    body changed (too large to diff: %zu and %zu lines)\n", a.n, b.n);
        goto out;
    }
    while (pre < a.n && pre < b.n && diff_same(&a, pre, &b, pre))
        pre++;
    while (suf < a.n - pre && suf < b.n - pre && diff_same(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
        suf++;
    n = a.n - pre - suf;
    m = b.n - pre - suf;
    w = m + 1;
    t = xreallocarray(NULL, (n + 1) * w, sizeof(*t));
    for (i = n + 1; i-- > 0;) {
        for (j = m + 1; j-- > 0;) {
            if (i == n || j == m)
                t[i * w + j] = 0;
            else if (diff_same(&a, pre + i, &b, pre + j))
                t[i * w + j] = (uint16_t)(t[(i + 1) * w + j + 1] + 1);
            else
                t[i * w + j] =
                    t[(i + 1) * w + j] >= t[i * w + j + 1] ? t[(i + 1) * w + j] : t[i * w + j + 1];
        }
    }
    ops = xreallocarray(NULL, a.n + b.n + 1, sizeof(*ops));
    for (i = 0; i < pre; i++)
        ops[nops++] = (struct diff_op){' ', i, i};
    i = j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && diff_same(&a, pre + i, &b, pre + j)) {
            ops[nops++] = (struct diff_op){' ', pre + i, pre + j};
            i++;
            j++;
        } else if (j < m && (i == n || t[i * w + j + 1] >= t[(i + 1) * w + j])) {
            ops[nops++] = (struct diff_op){'+', pre + i, pre + j};
            j++;
        } else {
            ops[nops++] = (struct diff_op){'-', pre + i, pre + j};
            i++;
        }
    }
    for (i = 0; i < suf; i++)
        ops[nops++] = (struct diff_op){' ', pre + n + i, pre + m + i};
    diff_print_hunks(ops, nops, &a, &b);
out:
    free(ops);
    free(t);
    diff_lines_free(&a);
    diff_lines_free(&b);
}

/* ---- history ---- */

static bool lore_same_tags(json_t *a, json_t *b)
{
    return (json_array_size(a) == 0 && json_array_size(b) == 0) || json_equal(a, b);
}

void lore_print_history(json_t *resp)
{
    json_t *versions = json_object_get(resp, "history"), *v, *prev = NULL;
    char date[64], author[32];
    size_t i;

    if (json_array_size(versions) == 0)
        return;
    printf("\nHistory (%zu version%s):\n", json_array_size(versions),
           json_array_size(versions) == 1 ? "" : "s");
    json_array_foreach(versions, i, v)
    {
        lore_format_date(lore_jint(v, "created_ms"), true, date, sizeof(date));
        printf("\n  Version %zu%s  %s  by ", i + 1, i == 0 ? " (original)" : "", date);
        text_sanitize_term(stdout, lore_author(v, author, sizeof(author)), TEXT_TERM_ONE_LINE,
                           NULL);
        printf("  %.*s\n", LORE_SHORT_ID, lore_jstr(v, "id"));
        if (prev == NULL) {
            if (lore_jstr(v, "title")[0] != '\0') {
                printf("    Title: ");
                text_sanitize_term(stdout, lore_jstr(v, "title"), TEXT_TERM_ONE_LINE, NULL);
                fputc('\n', stdout);
            }
            if (json_array_size(json_object_get(v, "tags")) > 0) {
                printf("    Tags:  ");
                lore_put_tags(stdout, v);
                fputc('\n', stdout);
            }
            if (lore_jstr(v, "body")[0] != '\0') {
                printf("\n    ");
                text_sanitize_term(stdout, lore_jstr(v, "body"), 0, "    ");
                fputc('\n', stdout);
            }
        } else {
            if (strcmp(lore_jstr(prev, "title"), lore_jstr(v, "title")) != 0) {
                printf("    Title: ");
                text_sanitize_term(stdout, lore_jstr(prev, "title"), TEXT_TERM_ONE_LINE, NULL);
                printf("\n        -> ");
                text_sanitize_term(stdout, lore_jstr(v, "title"), TEXT_TERM_ONE_LINE, NULL);
                fputc('\n', stdout);
            }
            if (!lore_same_tags(json_object_get(prev, "tags"), json_object_get(v, "tags"))) {
                printf("    Tags:  ");
                lore_put_tags(stdout, prev);
                printf(" -> ");
                lore_put_tags(stdout, v);
                fputc('\n', stdout);
            }
            if (strcmp(lore_jstr(prev, "body"), lore_jstr(v, "body")) != 0) {
                printf("    --- version %zu\n    +++ version %zu\n", i, i + 1);
                lore_diff(lore_jstr(prev, "body"), lore_jstr(v, "body"));
            }
        }
        prev = v;
    }
}

/* ---- commands ---- */

/* The one ID argument (and nothing else) of a command. Returns an exit code. */
static int lore_one_id(const struct lore *l, int argc, char **argv, const char **id)
{
    if (optind >= argc)
        return lore_usage_error(l, "missing ID");
    if (optind + 1 < argc)
        return lore_usage_error(l, "unexpected argument '%s'", argv[optind + 1]);
    *id = argv[optind];
    return lore_check_id(l, *id);
}

static int cmd_edit(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {
        {"title", required_argument, NULL, 'T'}, {"body", required_argument, NULL, 'b'},
        {"file", required_argument, NULL, 'f'},  {"edit", no_argument, NULL, 'e'},
        {"tag", required_argument, NULL, 't'},   {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    struct lore_body_opts bo = {0};
    json_t *req = NULL, *resp = NULL, *cur = NULL, *tags = NULL, *body = NULL, *tag;
    const char *id = NULL, *title = NULL;
    int c, i, sources, rc = LORE_EXIT_OK, people;

    tags = json_array();
    lore_getopt_reset();
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
            tag = lore_user_string(optarg, strlen(optarg));
            if (tag == NULL || json_array_append_new(tags, tag) != 0) {
                rc = lore_usage_error(l, "the tag '%s' is not UTF-8 text", optarg);
                goto out;
            }
            break;
        case OPT_JSON:
            l->json = true;
            break;
        case 'h':
            rc = lore_command_help(l->cmd);
            goto out;
        default:
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    for (i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0 && !bo.from_stdin) {
            bo.from_stdin = true;
        } else if (id == NULL) {
            id = argv[i];
        } else {
            rc = lore_usage_error(l, "unexpected argument '%s'", argv[i]);
            goto out;
        }
    }
    if (id == NULL) {
        rc = lore_usage_error(l, "missing ID");
        goto out;
    }
    rc = lore_check_id(l, id);
    if (rc != LORE_EXIT_OK)
        goto out;
    sources = (bo.text != NULL) + (bo.file != NULL) + bo.from_stdin + bo.edit;
    if (sources > 1) {
        rc = lore_usage_error(l, "give only one of --body, --file, - (stdin) and --edit");
        goto out;
    }
    if (sources == 0 && title == NULL && json_array_size(tags) == 0) {
        rc = lore_usage_error(l, "nothing to change: give --title, --tag, or a new body "
                                 "(--body, --file, - or --edit)");
        goto out;
    }
    if (bo.edit) { /* the editor starts from the current body */
        rc = lore_call(l, json_pack("{s:s, s:s}", "op", "get", "id", id), &cur);
        if (rc != LORE_EXIT_OK)
            goto out;
        bo.initial = lore_jstr(json_object_get(cur, "entry"), "body");
    }
    if (sources > 0) {
        rc = lore_get_body(l, &bo, false, &body);
        if (rc != LORE_EXIT_OK)
            goto out;
    }
    req = json_pack("{s:s, s:s}", "op", "edit", "id", id);
    if (req == NULL || (title != NULL && lore_set_string(req, "title", title) != 0)) {
        rc = lore_usage_error(l, "the title is not UTF-8 text");
        goto out;
    }
    if ((body != NULL && json_object_set(req, "body", body) != 0) ||
        (json_array_size(tags) > 0 && json_object_set(req, "tags", tags) != 0)) {
        lore_errorf("out of memory");
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    people = lore_call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    printf("Edited %.*s: the new version is revision %.*s.\n%s\n", LORE_SHORT_ID, id, LORE_SHORT_ID,
           lore_jstr(resp, "id"), lore_jstr(resp, "id"));
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

    if (!lore_json_help_opts(l, argc, argv, &rc))
        goto out;
    rc = lore_one_id(l, argc, argv, &id);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (!lore_call_for_people(l, json_pack("{s:s, s:s}", "op", "retract", "id", id), &resp, &rc))
        goto out;
    printf("Retracted. Nodes that honour retractions drop it; copies may persist on replicas that "
           "already have it, and anyone may have copied it.\n%s\n",
           lore_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

static int cmd_flag(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL;
    const char *flag;
    int rc = LORE_EXIT_OK;

    if (!lore_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind + 2 != argc) {
        rc = lore_usage_error(l, "usage: lore flag ID obsolete|verified|none");
        goto out;
    }
    flag = argv[optind + 1];
    if (strcmp(flag, "obsolete") != 0 && strcmp(flag, "verified") != 0 &&
        strcmp(flag, "none") != 0) {
        rc = lore_usage_error(l, "a flag is obsolete, verified or none, not '%s'", flag);
        goto out;
    }
    rc = lore_check_id(l, argv[optind]);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = lore_call(l, json_pack("{s:s, s:s, s:s}", "op", "flag", "id", argv[optind], "flag", flag),
                   &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        lore_print_json(resp);
    else if (strcmp(flag, "none") == 0)
        printf("Withdrew your flag on %.*s.\n%s\n", LORE_SHORT_ID, argv[optind],
               lore_jstr(resp, "id"));
    else
        printf("Flagged %.*s %s.\n%s\n", LORE_SHORT_ID, argv[optind], flag, lore_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

static int cmd_pin(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"off", no_argument, NULL, 'o'},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *resp = NULL;
    const char *id;
    bool off = false;
    int c, rc = LORE_EXIT_OK;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            break;
        if (c == 'o') {
            off = true;
        } else if (c == OPT_JSON) {
            l->json = true;
        } else if (c == 'h') {
            rc = lore_command_help(l->cmd);
            goto out;
        } else {
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    rc = lore_one_id(l, argc, argv, &id);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = lore_call(l, json_pack("{s:s, s:s, s:b}", "op", "pin", "id", id, "off", off), &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        lore_print_json(resp);
    else
        printf("%s %.*s for the team.\n%s\n", off ? "Unpinned" : "Pinned", LORE_SHORT_ID, id,
               lore_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
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
    {NULL, NULL, NULL, NULL, NULL},
};
