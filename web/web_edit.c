#include "web_edit.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "linediff.h"
#include "web_html.h"
#include "xmalloc.h"

#define WEB_EDIT_DIFF_LINES 2000 /* above this (either side), a change is not diffed */
#define WEB_EDIT_CONTEXT 3

/* The q of the request (a form's field, or the query string's): a question's full id, or NULL. */
static const char *web_edit_q(struct web_page *p)
{
    const char *q = p->form != NULL ? web_form_get(p->form, "q")
                                    : MHD_lookup_connection_value(p->c, MHD_GET_ARGUMENT_KIND, "q");

    return q != NULL && hex_is_lower(q, 32) ? q : NULL;
}

/* One line of the script, escaped: <ins>+ added, <del>- dropped, <span>  kept. */
static void web_edit_line(struct web_page *p, const struct linediff *d, const struct linediff_op *o)
{
    const struct linediff_lines *side = o->op == '+' ? &d->b : &d->a;
    size_t k = o->op == '+' ? o->j : o->i;
    char *line = xstrndup(side->start[k], side->len[k]);

    web_out(p, o->op == '+' ? "<ins>+" : o->op == '-' ? "<del>-" : "<span> ");
    web_esc(p, line);
    web_out(p, o->op == '+' ? "</ins>\n" : o->op == '-' ? "</del>\n" : "</span>\n");
    free(line);
}

/* The body's change from old to new, as hunks. */
static void web_edit_diff(struct web_page *p, const char *old, const char *new)
{
    struct linediff d;
    size_t k = 0, start, end, x;

    if (linediff_make(&d, old, new, WEB_EDIT_DIFF_LINES) != 0) {
        web_outf(p, "<p>The text changed (too long to compare: %zu and %zu lines).</p>", d.a.n,
                 d.b.n);
        linediff_free(&d);
        return;
    }
    web_out(p, "<pre class=\"diff\">");
    while (linediff_hunk(&d, WEB_EDIT_CONTEXT, &k, &start, &end)) {
        web_out(p, "<span class=\"hunk\">…</span>\n");
        for (x = start; x < end; x++)
            web_edit_line(p, &d, &d.ops[x]);
    }
    web_out(p, "</pre>");
    linediff_free(&d);
}

static const char *web_edit_str(json_t *o, const char *key)
{
    return web_jstr(o, key) != NULL ? web_jstr(o, key) : "";
}

/* The tags of v, space-separated, escaped. */
static void web_edit_tags(struct web_page *p, json_t *v)
{
    json_t *t;
    size_t i;

    json_array_foreach(json_object_get(v, "tags"), i, t)
    {
        if (i > 0)
            web_out(p, " ");
        web_esc(p, json_string_value(t));
    }
}

/* Every version, oldest first, each against the one before. */
static void web_edit_history(struct web_page *p, json_t *versions)
{
    json_t *v, *prev = NULL;
    size_t i;

    web_outf(p, "<section id=\"history\"><h2>History (%zu version%s)</h2>\n",
             json_array_size(versions), json_array_size(versions) == 1 ? "" : "s");
    json_array_foreach(versions, i, v)
    {
        web_outf(p, "<article class=\"version\"><h3>Version %zu%s</h3><p>", i + 1,
                 i == 0 ? " (original)" : "");
        web_byline(p, v);
        web_out(p, "</p>");
        if (prev == NULL || strcmp(web_edit_str(prev, "title"), web_edit_str(v, "title")) != 0) {
            web_out(p, "<p>Title: ");
            web_esc(p, web_edit_str(v, "title"));
            web_out(p, "</p>");
        }
        if (prev == NULL ||
            !json_equal(json_object_get(prev, "tags"), json_object_get(v, "tags"))) {
            web_out(p, "<p>Tags: ");
            web_edit_tags(p, v);
            web_out(p, "</p>");
        }
        if (prev == NULL) {
            web_out(p, "<pre class=\"diff\">");
            web_esc(p, web_edit_str(v, "body"));
            web_out(p, "</pre>");
        } else if (strcmp(web_edit_str(prev, "body"), web_edit_str(v, "body")) != 0) {
            web_edit_diff(p, web_edit_str(prev, "body"), web_edit_str(v, "body"));
        }
        web_out(p, "</article>\n");
        prev = v;
    }
    web_out(p, "</section>\n");
}

/* A field of the form: what was typed (after a refusal), else the current version's. */
static const char *web_edit_value(struct web_page *p, json_t *e, const char *key)
{
    const char *typed = p->form != NULL ? web_form_get(p->form, key) : NULL;

    return typed != NULL ? typed : web_edit_str(e, key);
}

void web_edit_form(struct web_page *p, const char *id, json_t *error)
{
    json_t *resp = web_call(p, "get", json_pack("{s:s,s:b}", "id", id, "history", 1));
    json_t *e = json_object_get(resp, "entry");
    const char *eid = web_jstr(e, "id"), *q = web_edit_q(p), *kind = web_edit_str(e, "kind");
    int titled = strcmp(kind, "question") == 0 || strcmp(kind, "note") == 0;

    if (!web_ok(resp) || eid == NULL || !hex_is_lower(eid, 32)) {
        json_decref(resp);
        web_not_found(p);
        return;
    }
    web_head(p, "Edit");
    web_out(p, "<h1>Edit</h1>\n");
    if (error != NULL)
        web_error_line(p, error);
    web_outf(p, "<form class=\"edit\" action=\"/e/%s/edit\" method=\"post\">", eid);
    web_hidden_csrf(p);
    if (q != NULL)
        web_outf(p, "<input type=\"hidden\" name=\"q\" value=\"%s\">", q);
    if (titled) {
        web_out(p, "<label for=\"title\">Title</label><input id=\"title\" name=\"title\" "
                   "maxlength=\"1000\" value=\"");
        web_esc(p, web_edit_value(p, e, "title"));
        web_out(p, "\">");
    }
    web_out(p, "<label for=\"body\">Text (Markdown)</label><textarea id=\"body\" name=\"body\" "
               "rows=\"12\">");
    web_esc(p, web_edit_value(p, e, "body"));
    web_out(p, "</textarea>");
    if (titled) {
        web_out(p, "<label for=\"tags\">Tags (separated by spaces or commas)</label><input "
                   "id=\"tags\" name=\"tags\" value=\"");
        if (p->form != NULL && web_form_get(p->form, "tags") != NULL)
            web_esc(p, web_form_get(p->form, "tags"));
        else
            web_edit_tags(p, e);
        web_out(p, "\">");
    }
    web_out(p, "<button>Save</button></form>\n");
    web_edit_history(p, json_object_get(resp, "history"));
    web_foot(p);
    json_decref(resp);
}

void web_edit_post(struct web_page *p, const char *id)
{
    const char *title = web_form_get(p->form, "title"), *body = web_form_get(p->form, "body");
    const char *tags = web_form_get(p->form, "tags"), *q = web_edit_q(p);
    json_t *args = json_pack("{s:s}", "id", id), *resp;

    /* What the form does not hold stays as it is; a field that is not text is refused. */
    if ((title != NULL && json_object_set_new(args, "title", json_string(title)) != 0) ||
        (body != NULL && json_object_set_new(args, "body", json_string(body)) != 0)) {
        json_decref(args);
        resp = json_pack("{s:b,s:s,s:s}", "ok", 0, "code", "invalid", "error",
                         "the form holds bytes that are not text");
    } else {
        if (tags != NULL)
            json_object_set_new(args, "tags", web_split_tags(tags));
        resp = web_call(p, "edit", args);
    }
    if (web_ok(resp)) {
        p->status = MHD_HTTP_SEE_OTHER;
        p->location = q != NULL ? xasprintf("/q/%s", q) : xasprintf("/");
    } else {
        p->status = MHD_HTTP_BAD_REQUEST;
        web_edit_form(p, id, resp);
    }
    json_decref(resp);
}
