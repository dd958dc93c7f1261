/* history: the versions of an entry, each diffed against the one before (see history.h). */
#include "history.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "out.h"
#include "text.h"
#include "view.h"
#include "xmalloc.h"

#define DIFF_MAX_LINES 2000 /* above this (either side), a change is not diffed */
#define DIFF_CONTEXT 3

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
static void history_diff(const char *old, const char *new)
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

static bool history_same_tags(json_t *a, json_t *b)
{
    return (json_array_size(a) == 0 && json_array_size(b) == 0) || json_equal(a, b);
}

void history_print(json_t *resp)
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
        out_format_date(out_jint(v, "created_ms"), true, date, sizeof(date));
        printf("\n  Version %zu%s  %s  by ", i + 1, i == 0 ? " (original)" : "", date);
        text_sanitize_term(stdout, view_author(v, author, sizeof(author)), TEXT_TERM_ONE_LINE,
                           NULL);
        printf("  %.*s\n", LORE_SHORT_ID, out_jstr(v, "id"));
        if (prev == NULL) {
            if (out_jstr(v, "title")[0] != '\0') {
                printf("    Title: ");
                text_sanitize_term(stdout, out_jstr(v, "title"), TEXT_TERM_ONE_LINE, NULL);
                fputc('\n', stdout);
            }
            if (json_array_size(json_object_get(v, "tags")) > 0) {
                printf("    Tags:  ");
                view_put_tags(stdout, v);
                fputc('\n', stdout);
            }
            if (out_jstr(v, "body")[0] != '\0') {
                printf("\n    ");
                text_sanitize_term(stdout, out_jstr(v, "body"), 0, "    ");
                fputc('\n', stdout);
            }
        } else {
            if (strcmp(out_jstr(prev, "title"), out_jstr(v, "title")) != 0) {
                printf("    Title: ");
                text_sanitize_term(stdout, out_jstr(prev, "title"), TEXT_TERM_ONE_LINE, NULL);
                printf("\n        -> ");
                text_sanitize_term(stdout, out_jstr(v, "title"), TEXT_TERM_ONE_LINE, NULL);
                fputc('\n', stdout);
            }
            if (!history_same_tags(json_object_get(prev, "tags"), json_object_get(v, "tags"))) {
                printf("    Tags:  ");
                view_put_tags(stdout, prev);
                printf(" -> ");
                view_put_tags(stdout, v);
                fputc('\n', stdout);
            }
            if (strcmp(out_jstr(prev, "body"), out_jstr(v, "body")) != 0) {
                printf("    --- version %zu\n    +++ version %zu\n", i, i + 1);
                history_diff(out_jstr(prev, "body"), out_jstr(v, "body"));
            }
        }
        prev = v;
    }
}
