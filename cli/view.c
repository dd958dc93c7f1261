/* view: entries as people read them: one line per entry, or in full with replies (see view.h). */
#include "view.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hex.h"
#include "out.h"
#include "text.h"
#include "xmalloc.h"

const char *view_kind(json_t *e, char *tmp, size_t n)
{
    const char *k = json_string_value(json_object_get(e, "kind"));

    if (k != NULL)
        return k;
    snprintf(tmp, n, "kind#%lld", out_jint(e, "kind_id"));
    return tmp;
}

/* The author's name, or a short form of their key if no profile is known. */
const char *view_author(json_t *e, char *tmp, size_t n)
{
    const char *name = json_string_value(json_object_get(e, "author_name"));

    if (name != NULL && name[0] != '\0')
        return name;
    snprintf(tmp, n, "%.8s…", out_jstr(e, "author"));
    return tmp;
}

void view_put_tags(FILE *f, json_t *e)
{
    json_t *t;
    size_t i;

    json_array_foreach(json_object_get(e, "tags"), i, t)
    {
        if (i > 0)
            fputc(' ', f);
        fputc('#', f);
        text_sanitize_term(f, json_string_value(t) ? json_string_value(t) : "", TEXT_TERM_ONE_LINE,
                           NULL);
    }
}

static void view_put_answers(FILE *f, json_t *e)
{
    json_t *a = json_object_get(e, "answers");
    long long n;

    if (!json_is_integer(a))
        return;
    n = (long long)json_integer_value(a);
    if (n == 0)
        fputs("  (no answers)", f);
    else if (json_is_string(json_object_get(e, "accepted")))
        fprintf(f, "  (%lld answer%s, resolved)", n, n == 1 ? "" : "s");
    else
        fprintf(f, "  (%lld answer%s)", n, n == 1 ? "" : "s");
}

/* For entries without a title (answers, comments): "re <short ref>: " and the start of the body. */
static void view_put_untitled(FILE *f, json_t *e)
{
    const char *ref = json_string_value(json_array_get(json_object_get(e, "refs"), 0));
    const char *body = out_jstr(e, "body");
    size_t n = 0, cols = 0;
    char *start;

    if (ref != NULL && hex_is_hex(ref))
        fprintf(f, "re %.*s: ", LORE_SHORT_ID, ref);
    /* The first line, cut at about 60 columns on a UTF-8 boundary. */
    while (body[n] != '\0' && body[n] != '\n' && cols < 60) {
        n++;
        while (((unsigned char)body[n] & 0xc0) == 0x80)
            n++;
        cols++;
    }
    start = xstrndup(body, n);
    text_sanitize_term(f, start, TEXT_TERM_ONE_LINE, NULL);
    if (body[n] != '\0')
        fputs("…", f);
    free(start);
}

/* What keeping content says of an entry, for its line: pinned, flags, edited. */
static void view_put_marks(FILE *f, json_t *e)
{
    json_t *flags = json_object_get(e, "flags");
    long long verified = out_jint(flags, "verified"), obsolete = out_jint(flags, "obsolete");

    if (json_is_true(json_object_get(e, "pinned")))
        fputs("  [pinned]", f);
    if (verified > 0)
        fprintf(f, "  [verified by %lld]", verified);
    if (obsolete > 0)
        fprintf(f, "  [obsolete (%lld)]", obsolete);
    if (out_jint(e, "edits") > 0)
        fputs("  (edited)", f);
}

/* One line per entry: short id, kind, age, author, tags, title, answers, urgency, marks.
 * author_width pads the author column (0: no padding). */
void view_entry_line(FILE *f, json_t *e, size_t author_width)
{
    char kind[32], author[32], age[32];
    const char *a;

    out_format_age(out_jint(e, "created_ms"), age, sizeof(age));
    a = view_author(e, author, sizeof(author));
    fprintf(f, "%.*s  %-8s  %-10s  ", LORE_SHORT_ID, out_jstr(e, "id"),
            view_kind(e, kind, sizeof(kind)), age);
    text_sanitize_term(f, a, TEXT_TERM_ONE_LINE, NULL);
    out_pad(f, out_text_width(a), author_width);
    if (json_array_size(json_object_get(e, "tags")) > 0) {
        fputs("  ", f);
        view_put_tags(f, e);
    }
    fputs("  ", f);
    if (out_jstr(e, "title")[0] != '\0')
        text_sanitize_term(f, out_jstr(e, "title"), TEXT_TERM_ONE_LINE, NULL);
    else
        view_put_untitled(f, e);
    view_put_answers(f, e);
    if (json_is_true(json_object_get(e, "urgent")))
        fputs("  [urgent]", f);
    view_put_marks(f, e);
    fputc('\n', f);
}

void view_reason_line(FILE *f, const char *reason, json_t *e)
{
    text_sanitize_term(f, reason != NULL ? reason : "", TEXT_TERM_ONE_LINE, NULL);
    fputs(": ", f);
    view_entry_line(f, e, 0);
}

void view_foryou_item(FILE *f, json_t *item)
{
    json_t *about = json_object_get(item, "about");

    fputs("  ", f);
    text_sanitize_term(f, out_jstr(item, "reason"), TEXT_TERM_ONE_LINE, NULL);
    if (json_is_object(about) && out_jstr(about, "title")[0] != '\0') {
        fputs(" \"", f);
        text_sanitize_term(f, out_jstr(about, "title"), TEXT_TERM_ONE_LINE, NULL);
        fputc('"', f);
    }
    fputs("\n    ", f);
    view_entry_line(f, json_object_get(item, "entry"), 0);
}

/* The widest author name among entries (or among results' "entry"), capped so one long name does
 * not push every title off the screen. */
size_t view_author_width(json_t *arr, const char *inner)
{
    char tmp[32];
    size_t w = 0, aw, i;
    json_t *e;

    json_array_foreach(arr, i, e)
    {
        if (inner != NULL)
            e = json_object_get(e, inner);
        aw = out_text_width(view_author(e, tmp, sizeof(tmp)));
        if (aw > w)
            w = aw;
    }
    return w > 24 ? 24 : w;
}

/* An entry in full: header lines, title, body. Every line after the first starts with indent. */
void view_entry_full(json_t *e, const char *indent)
{
    char kind[32], author[32], age[32], date[64];
    const char *name = json_string_value(json_object_get(e, "author_name"));
    const char *title = out_jstr(e, "title"), *body = out_jstr(e, "body");
    json_t *refs = json_object_get(e, "refs"), *r;
    size_t i;

    out_format_age(out_jint(e, "created_ms"), age, sizeof(age));
    out_format_date(out_jint(e, "created_ms"), true, date, sizeof(date));
    printf("%s%s %s%s\n", indent, view_kind(e, kind, sizeof(kind)), out_jstr(e, "id"),
           json_is_true(json_object_get(e, "urgent")) ? "  [urgent]" : "");
    printf("%sAuthor:    ", indent);
    text_sanitize_term(stdout, view_author(e, author, sizeof(author)), TEXT_TERM_ONE_LINE, NULL);
    if (name != NULL && name[0] != '\0')
        printf(" (key %.16s…)", out_jstr(e, "author"));
    printf("\n%sDate:      %s (%s)\n", indent, date, age);
    if (out_jint(e, "edits") > 0) {
        out_format_date(out_jint(e, "edited_ms"), true, date, sizeof(date));
        printf("%sEdited:    %lld time%s, last %s\n", indent, out_jint(e, "edits"),
               out_jint(e, "edits") == 1 ? "" : "s", date);
    }
    if (out_jint(json_object_get(e, "flags"), "verified") > 0 ||
        out_jint(json_object_get(e, "flags"), "obsolete") > 0 ||
        json_is_true(json_object_get(e, "pinned"))) {
        printf("%sMarks:   ", indent);
        view_put_marks(stdout, e);
        fputc('\n', stdout);
    }
    if (json_array_size(json_object_get(e, "tags")) > 0) {
        printf("%sTags:      ", indent);
        view_put_tags(stdout, e);
        fputc('\n', stdout);
    }
    if (json_array_size(refs) > 0) {
        printf("%sRefs:      ", indent);
        json_array_foreach(refs, i, r)
        {
            printf("%s%.*s", i > 0 ? ", " : "", LORE_SHORT_ID,
                   json_string_value(r) != NULL && hex_is_hex(json_string_value(r))
                       ? json_string_value(r)
                       : "?");
        }
        fputc('\n', stdout);
    }
    if (json_is_string(json_object_get(e, "status"))) {
        printf("%sStatus:    %s", indent, out_jstr(e, "status"));
        if (json_is_string(json_object_get(e, "accepted")))
            printf(" (accepted answer %.*s)", LORE_SHORT_ID, out_jstr(e, "accepted"));
        fputc('\n', stdout);
    }
    printf("%sCheck:     %s\n", indent,
           json_is_true(json_object_get(e, "verified")) ? "signature verified"
                                                        : "signature NOT verified");
    if (title[0] != '\0') {
        printf("\n%s", indent);
        text_sanitize_term(stdout, title, TEXT_TERM_ONE_LINE, NULL);
        fputc('\n', stdout);
    }
    if (body[0] != '\0') {
        printf("\n%s", indent);
        text_sanitize_term(stdout, body, 0, indent);
        fputc('\n', stdout);
    }
}

void view_replies(json_t *resp, const char *key, const char *singular)
{
    json_t *arr = json_object_get(resp, key), *e;
    const char *accepted =
        json_string_value(json_object_get(json_object_get(resp, "entry"), "accepted"));
    size_t i, n = json_array_size(arr);

    if (n == 0)
        return;
    printf("\n%zu %s%s:\n", n, singular, n == 1 ? "" : "s");
    json_array_foreach(arr, i, e)
    {
        fputc('\n', stdout);
        if (accepted != NULL && strcmp(accepted, out_jstr(e, "id")) == 0)
            printf("    ✓ accepted by the asker\n");
        view_entry_full(e, "    ");
    }
}

/* Print the areas (skills and followed tags) a response carries. */
void view_areas(json_t *resp)
{
    json_t *a = json_object_get(resp, "areas"), *t;
    size_t i;

    printf("your areas:");
    if (json_array_size(a) == 0)
        printf(" none yet (lore skills add TAG, lore follow TAG)");
    json_array_foreach(a, i, t)
    {
        fputs(" #", stdout);
        text_sanitize_term(stdout, json_string_value(t) ? json_string_value(t) : "",
                           TEXT_TERM_ONE_LINE, NULL);
    }
    fputc('\n', stdout);
}
