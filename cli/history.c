/* history: the versions of an entry, each diffed against the one before (see history.h). */
#include "history.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "linediff.h"
#include "out.h"
#include "text.h"
#include "view.h"
#include "xmalloc.h"

#define DIFF_MAX_LINES 2000 /* above this (either side), a change is not diffed */
#define DIFF_CONTEXT 3

/* Print a line of side dl with its op. */
static void diff_put_line(char op, const struct linediff_lines *dl, size_t k)
{
    char *line = xstrndup(dl->start[k], dl->len[k]);

    printf("    %c", op);
    text_sanitize_term(stdout, line, TEXT_TERM_ONE_LINE, NULL);
    fputc('\n', stdout);
    free(line);
}

/* Print a unified line diff from old to new (indented), or a note when too large to diff. */
static void history_diff(const char *old, const char *new)
{
    struct linediff d;
    size_t k = 0, start, end, x, ni, nj;

    if (linediff_make(&d, old, new, DIFF_MAX_LINES) != 0) {
        printf("    body changed (too large to diff: %zu and %zu lines)\n", d.a.n, d.b.n);
        goto out;
    }
    while (linediff_hunk(&d, DIFF_CONTEXT, &k, &start, &end)) {
        ni = nj = 0;
        for (x = start; x < end; x++) {
            ni += d.ops[x].op != '+';
            nj += d.ops[x].op != '-';
        }
        printf("    @@ -%zu,%zu +%zu,%zu @@\n", ni > 0 ? d.ops[start].i + 1 : d.ops[start].i, ni,
               nj > 0 ? d.ops[start].j + 1 : d.ops[start].j, nj);
        for (x = start; x < end; x++)
            diff_put_line(d.ops[x].op, d.ops[x].op == '+' ? &d.b : &d.a,
                          d.ops[x].op == '+' ? d.ops[x].j : d.ops[x].i);
    }
out:
    linediff_free(&d);
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
