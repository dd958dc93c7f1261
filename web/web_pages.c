#include "web_pages.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "identity.h"
#include "node_call.h"
#include "render.h"
#include "web_static.h"
#include "xmalloc.h"

#define WEB_HL_OPEN '\x01' /* search match markers: control bytes entry text never holds */
#define WEB_HL_CLOSE '\x02'
#define WEB_ID_MAX 64

/* ---- output: each helper records an overflow instead of returning it ---- */

static void out(struct web_page *p, const char *s)
{
    if (buf_append_str(&p->body, s) != 0)
        p->overflow = 1;
}

static void outf(struct web_page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(struct web_page *p, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line))
        p->overflow = 1; /* callers format only short, fixed things */
    else
        out(p, line);
}

static void esc(struct web_page *p, const char *s)
{
    if (render_escape(&p->body, s) != 0)
        p->overflow = 1;
}

static void md(struct web_page *p, const char *s)
{
    if (render_markdown(&p->body, s) != 0)
        p->overflow = 1;
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Ask the node: {"op": op, ...args} (args: a new object, taken; may be NULL). */
static json_t *web_call(struct web_page *p, const char *op, json_t *args)
{
    json_t *req = args != NULL ? args : json_object();
    json_t *resp;

    json_object_set_new(req, "op", json_string(op));
    resp = node_call(p->n, req);
    json_decref(req);
    return resp;
}

static int web_ok(json_t *resp)
{
    return json_is_true(json_object_get(resp, "ok"));
}

/* ---- layout ---- */

static void web_head(struct web_page *p, const char *title)
{
    out(p, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
    esc(p, title);
    out(p, " · lore</title><link rel=\"stylesheet\" href=\"/static/lore.css\"></head><body>"
           "<header><nav aria-label=\"main\"><a class=\"brand\" href=\"/\">lore</a> "
           "<a href=\"/ask\">Ask</a> <form class=\"search\" action=\"/search\" method=\"get\" "
           "role=\"search\"><label for=\"nav-q\">Search</label> <input id=\"nav-q\" name=\"q\" "
           "type=\"search\"> <button>Search</button></form> <form class=\"logout\" "
           "action=\"/logout\" method=\"post\"><input type=\"hidden\" name=\"csrf\" value=\"");
    esc(p, p->csrf);
    out(p, "\"><button>Log out</button></form></nav></header><main>\n");
}

static void web_foot(struct web_page *p)
{
    out(p, "</main></body></html>\n");
}

static void web_hidden_csrf(struct web_page *p)
{
    out(p, "<input type=\"hidden\" name=\"csrf\" value=\"");
    esc(p, p->csrf);
    out(p, "\">");
}

/* "by NAME on DATE" of an entry. */
static void web_byline(struct web_page *p, json_t *e)
{
    const char *name = jstr(e, "author_name"), *created = jstr(e, "created");
    const char *author = jstr(e, "author");

    out(p, "<span class=\"by\">by ");
    if (name != NULL)
        esc(p, name);
    else
        outf(p, "%.12s", author != NULL ? author : "?");
    if (created != NULL) {
        out(p, " on <time>");
        esc(p, created);
        out(p, "</time>");
    }
    out(p, "</span>");
}

static void web_tags(struct web_page *p, json_t *e)
{
    json_t *t;
    size_t i;

    json_array_foreach(json_object_get(e, "tags"), i, t)
    {
        out(p, " <span class=\"tag\">");
        esc(p, json_string_value(t));
        out(p, "</span>");
    }
}

/* One line of a list: the question's title as a link, its status, tags and author. */
static void web_entry_item(struct web_page *p, json_t *e, const char *snippet)
{
    const char *id = jstr(e, "id"), *status = jstr(e, "status");

    out(p, "<li>");
    if (json_is_true(json_object_get(e, "urgent")))
        out(p, "<strong class=\"urgent\">urgent</strong> ");
    outf(p, "<a href=\"/q/%.64s\">", id != NULL && hex_is_lower(id, 32) ? id : "");
    esc(p, jstr(e, "title") != NULL ? jstr(e, "title") : "(untitled)");
    out(p, "</a> ");
    if (status != NULL) {
        out(p, "<span class=\"status\">");
        esc(p, status);
        outf(p, ", %lld answers</span>",
             (long long)json_integer_value(json_object_get(e, "answers")));
    }
    web_tags(p, e);
    out(p, " ");
    web_byline(p, e);
    if (snippet != NULL) {
        out(p, "<p class=\"snippet\">");
        if (render_escape_marked(&p->body, snippet, WEB_HL_OPEN, WEB_HL_CLOSE) != 0)
            p->overflow = 1;
        out(p, "</p>");
    }
    out(p, "</li>\n");
}

/* A list of entries (a JSON array), or a line saying there are none. */
static void web_entry_list(struct web_page *p, json_t *entries, const char *none)
{
    json_t *e;
    size_t i;

    if (json_array_size(entries) == 0) {
        out(p, "<p class=\"none\">");
        esc(p, none);
        out(p, "</p>\n");
        return;
    }
    out(p, "<ul class=\"entries\">\n");
    json_array_foreach(entries, i, e) web_entry_item(p, e, NULL);
    out(p, "</ul>\n");
}

/* An op's error, for people. */
static void web_error_line(struct web_page *p, json_t *resp)
{
    out(p, "<p class=\"error\" role=\"alert\">");
    esc(p, jstr(resp, "error") != NULL ? jstr(resp, "error") : "the node did not answer");
    out(p, "</p>\n");
}

/* ---- pages ---- */

/* /: my inbox (questions in my areas and to me, urgent first) and my questions. */
static void web_home(struct web_page *p)
{
    char key[IDENTITY_PUBLIC_KEY_LEN * 2 + 1];
    json_t *inbox, *mine;

    hex_encode(identity_public_key(p->n->id), IDENTITY_PUBLIC_KEY_LEN, key);
    inbox = web_call(p, "inbox", json_pack("{s:i}", "limit", 30));
    mine = web_call(p, "list",
                    json_pack("{s:s,s:s,s:i}", "kind", "question", "author", key, "limit", 30));
    web_head(p, "Home");
    out(p, "<h1>Your inbox</h1>\n");
    if (web_ok(inbox))
        web_entry_list(p, json_object_get(inbox, "entries"),
                       "Nothing waits for you: no open question in your areas or to you.");
    else
        web_error_line(p, inbox);
    out(p, "<h2>Your questions</h2>\n");
    /* Without a profile the author filter knows nobody by our key: nothing asked yet. */
    if (web_ok(mine) ||
        strcmp(jstr(mine, "code") != NULL ? jstr(mine, "code") : "", "not_found") == 0)
        web_entry_list(p, json_object_get(mine, "entries"), "You have not asked anything yet.");
    else
        web_error_line(p, mine);
    web_foot(p);
    json_decref(inbox);
    json_decref(mine);
}

/* The comments of comments (a JSON array) on the entry target. */
static void web_comments(struct web_page *p, json_t *comments, const char *target)
{
    json_t *c;
    size_t i;
    int any = 0;

    json_array_foreach(comments, i, c)
    {
        const char *ref = json_string_value(json_array_get(json_object_get(c, "refs"), 0));
        if (ref == NULL || target == NULL || strcmp(ref, target) != 0)
            continue;
        if (!any)
            out(p, "<ul class=\"comments\">\n");
        any = 1;
        out(p, "<li>");
        md(p, jstr(c, "body"));
        web_byline(p, c);
        out(p, "</li>\n");
    }
    if (any)
        out(p, "</ul>\n");
}

static void web_answer(struct web_page *p, json_t *a, json_t *comments)
{
    int accepted = json_is_true(json_object_get(a, "is_accepted"));

    outf(p, "<article class=\"answer%s\">", accepted ? " accepted" : "");
    if (accepted)
        out(p, "<p class=\"badge\">Accepted answer</p>");
    md(p, jstr(a, "body"));
    out(p, "<p>");
    web_byline(p, a);
    out(p, "</p>");
    web_comments(p, comments, jstr(a, "id"));
    out(p, "</article>\n");
}

/* /q/ID: the question, its answers (the accepted one first), comments, and a form to answer. */
static void web_question(struct web_page *p, const char *id)
{
    json_t *resp = web_call(p, "get", json_pack("{s:s}", "id", id));
    json_t *e = json_object_get(resp, "entry"), *answers = json_object_get(resp, "answers");
    json_t *comments = json_object_get(resp, "comments"), *a;
    const char *eid = jstr(e, "id");
    size_t i;
    int pass;

    if (!web_ok(resp) || eid == NULL || !hex_is_lower(eid, 32)) {
        p->status = MHD_HTTP_NOT_FOUND;
        web_head(p, "Not found");
        out(p, "<h1>Not found</h1>\n");
        web_error_line(p, resp);
        web_foot(p);
        json_decref(resp);
        return;
    }
    web_head(p, jstr(e, "title") != NULL ? jstr(e, "title") : "Entry");
    out(p, "<article class=\"question\"><h1>");
    esc(p, jstr(e, "title") != NULL ? jstr(e, "title") : "(untitled)");
    out(p, "</h1><p>");
    if (jstr(e, "status") != NULL) {
        out(p, "<span class=\"status\">");
        esc(p, jstr(e, "status"));
        out(p, "</span> ");
    }
    web_tags(p, e);
    out(p, " ");
    web_byline(p, e);
    out(p, "</p>");
    md(p, jstr(e, "body"));
    web_comments(p, comments, eid);
    out(p, "</article>\n");
    outf(p, "<h2>%zu answer%s</h2>\n", json_array_size(answers),
         json_array_size(answers) == 1 ? "" : "s");
    /* The accepted answer first, then the rest in order. */
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < json_array_size(answers); i++) {
            a = json_array_get(answers, i);
            if (json_is_true(json_object_get(a, "is_accepted")) == (pass == 0))
                web_answer(p, a, comments);
        }
    }
    if (strcmp(jstr(e, "kind") != NULL ? jstr(e, "kind") : "", "question") == 0) {
        outf(p, "<form class=\"answer-form\" action=\"/q/%s/answer\" method=\"post\">", eid);
        web_hidden_csrf(p);
        out(p, "<label for=\"body\">Your answer (Markdown)</label><textarea id=\"body\" "
               "name=\"body\" rows=\"8\" required></textarea><button>Post your answer</button>"
               "</form>\n");
    }
    web_foot(p);
    json_decref(resp);
}

/* POST /q/ID/answer: post the answer, then back to the question. */
static void web_answer_post(struct web_page *p, const char *id)
{
    const char *body = web_form_get(p->form, "body");
    json_t *resp = web_call(p, "post",
                            json_pack("{s:s,s:s,s:[s]}", "kind", "answer", "body",
                                      body != NULL ? body : "", "refs", id));

    if (web_ok(resp)) {
        p->status = MHD_HTTP_SEE_OTHER;
        p->location = xasprintf("/q/%s", id);
    } else {
        p->status = MHD_HTTP_BAD_REQUEST;
        web_head(p, "Answer not posted");
        out(p, "<h1>Your answer was not posted</h1>\n");
        web_error_line(p, resp);
        outf(p, "<p><a href=\"/q/%s\">Back to the question</a></p>\n", id);
        web_foot(p);
    }
    json_decref(resp);
}

/* The ask form, filled with what was typed (after an error). */
static void web_ask_form(struct web_page *p, json_t *error)
{
    const char *f[] = {"title", "body", "tags", "to"};
    const char *v[4] = {NULL, NULL, NULL, NULL};
    size_t i;

    for (i = 0; p->form != NULL && i < 4; i++)
        v[i] = web_form_get(p->form, f[i]);
    web_head(p, "Ask a question");
    out(p, "<h1>Ask a question</h1>\n");
    if (error != NULL)
        web_error_line(p, error);
    out(p, "<form class=\"ask\" action=\"/ask\" method=\"post\">");
    web_hidden_csrf(p);
    out(p, "<label for=\"title\">Title</label><input id=\"title\" name=\"title\" required "
           "maxlength=\"1000\" value=\"");
    esc(p, v[0]);
    out(p, "\"><label for=\"body\">Details (Markdown)</label><textarea id=\"body\" name=\"body\" "
           "rows=\"10\">");
    esc(p, v[1]);
    out(p, "</textarea><label for=\"tags\">Tags (separated by spaces or commas)</label><input "
           "id=\"tags\" name=\"tags\" value=\"");
    esc(p, v[2]);
    out(p, "\"><label for=\"to\">Ask a person (a name or key prefix; optional)</label><input "
           "id=\"to\" name=\"to\" value=\"");
    esc(p, v[3]);
    out(p, "\"><label class=\"check\"><input type=\"checkbox\" name=\"urgent\" value=\"1\"");
    if (p->form != NULL && web_form_get(p->form, "urgent") != NULL)
        out(p, " checked");
    out(p, "> Urgent</label><button>Ask</button></form>\n");
    web_foot(p);
}

/* The tags field, split at spaces and commas. */
static json_t *web_split_tags(const char *s)
{
    json_t *tags = json_array();
    size_t n;

    while (s != NULL && *s != '\0') {
        s += strspn(s, " ,\t\r\n");
        n = strcspn(s, " ,\t\r\n");
        if (n > 0)
            json_array_append_new(tags, json_stringn(s, n));
        s += n;
    }
    return tags;
}

/* POST /ask: post the question, then to its page; the form again with the error if refused. */
static void web_ask_post(struct web_page *p)
{
    const char *title = web_form_get(p->form, "title"), *body = web_form_get(p->form, "body");
    const char *to = web_form_get(p->form, "to");
    json_t *args, *resp;

    args = json_pack("{s:s,s:s,s:o,s:b}", "kind", "question", "title", title != NULL ? title : "",
                     "tags", web_split_tags(web_form_get(p->form, "tags")), "urgent",
                     web_form_get(p->form, "urgent") != NULL);
    if (args == NULL) { /* bytes that are not text */
        resp = json_pack("{s:b,s:s}", "ok", 0, "error", "the form holds bytes that are not text");
        goto refused;
    }
    /* A field that is not UTF-8 text (json_string NULL) is refused, not dropped. */
    if ((body != NULL && body[0] != '\0' &&
         json_object_set_new(args, "body", json_string(body)) != 0) ||
        (to != NULL && to[0] != '\0' && json_object_set_new(args, "to", json_string(to)) != 0)) {
        json_decref(args);
        resp = json_pack("{s:b,s:s}", "ok", 0, "error", "the form holds bytes that are not text");
        goto refused;
    }
    resp = web_call(p, "post", args);
    if (web_ok(resp) && jstr(resp, "id") != NULL) {
        p->status = MHD_HTTP_SEE_OTHER;
        p->location = xasprintf("/q/%.64s", jstr(resp, "id"));
        json_decref(resp);
        return;
    }
refused:
    p->status = MHD_HTTP_BAD_REQUEST;
    web_ask_form(p, resp);
    json_decref(resp);
}

/* /search?q=WORDS: the results, best first, with the matches marked. */
static void web_search(struct web_page *p)
{
    const char *q = MHD_lookup_connection_value(p->c, MHD_GET_ARGUMENT_KIND, "q");
    char hl_open[2] = {WEB_HL_OPEN, '\0'}, hl_close[2] = {WEB_HL_CLOSE, '\0'};
    json_t *resp = NULL, *r;
    size_t i;

    web_head(p, q != NULL && q[0] != '\0' ? q : "Search");
    out(p, "<h1>Search</h1>\n<form action=\"/search\" method=\"get\" role=\"search\"><label "
           "for=\"q\">Words</label><input id=\"q\" name=\"q\" type=\"search\" value=\"");
    esc(p, q);
    out(p, "\"><button>Search</button></form>\n");
    if (q != NULL && q[0] != '\0') {
        resp = web_call(p, "search",
                        json_pack("{s:s?,s:i,s:s,s:s}", "query", q, "limit", 50, "hl_open", hl_open,
                                  "hl_close", hl_close));
        if (!web_ok(resp)) {
            web_error_line(p, resp);
        } else if (json_array_size(json_object_get(resp, "results")) == 0) {
            out(p, "<p class=\"none\">Nothing matches.</p>\n");
        } else {
            out(p, "<ul class=\"entries\">\n");
            json_array_foreach(json_object_get(resp, "results"), i, r)
                web_entry_item(p, json_object_get(r, "entry"), jstr(r, "snippet"));
            out(p, "</ul>\n");
        }
    }
    web_foot(p);
    json_decref(resp);
}

static void web_not_found(struct web_page *p)
{
    p->status = MHD_HTTP_NOT_FOUND;
    web_head(p, "Not found");
    out(p, "<h1>Not found</h1><p>There is no such page. <a href=\"/\">Home</a></p>\n");
    web_foot(p);
}

/* An id in a path: 4 to 64 hex digits (the node resolves a prefix); its length, or 0. */
static size_t web_path_id(const char *s)
{
    size_t n = strspn(s, "0123456789abcdefABCDEF");

    return n >= 4 && n <= WEB_ID_MAX ? n : 0;
}

int web_pages_serve(struct web_page *p, const char *method, const char *path)
{
    int post = strcmp(method, "POST") == 0;
    char id[WEB_ID_MAX + 1];
    size_t n;

    if (!post && strcmp(path, "/") == 0) {
        web_home(p);
    } else if (!post && strcmp(path, "/static/lore.css") == 0) {
        p->content_type = "text/css; charset=utf-8";
        out(p, web_static_css);
    } else if (strcmp(path, "/ask") == 0) {
        if (post)
            web_ask_post(p);
        else
            web_ask_form(p, NULL);
    } else if (!post && strcmp(path, "/search") == 0) {
        web_search(p);
    } else if (strncmp(path, "/q/", 3) == 0 && (n = web_path_id(path + 3)) > 0) {
        memcpy(id, path + 3, n);
        id[n] = '\0';
        if (!post && path[3 + n] == '\0')
            web_question(p, id);
        else if (post && strcmp(path + 3 + n, "/answer") == 0)
            web_answer_post(p, id);
        else
            web_not_found(p);
    } else {
        web_not_found(p);
    }
    return p->overflow ? -1 : 0;
}

/* A page outside a session: only the loopback-safe minimum. */
static int web_small_page(struct buf *b, const char *title, const char *html)
{
    return buf_printf(b,
                      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta "
                      "name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>"
                      "%s · lore</title></head><body><main><h1>%s</h1>%s</main></body></html>\n",
                      title, title, html);
}

int web_pages_login_needed(struct buf *b)
{
    return web_small_page(b, "Log in to lore",
                          "<p>To open lore in your browser, run <code>lore web</code> in a "
                          "terminal and open the address it prints (or run <code>lore web "
                          "--open</code>).</p>");
}

int web_pages_error(struct buf *b, unsigned status, const char *message)
{
    struct buf m;
    char title[32];
    int rc;

    buf_init(&m, 4096);
    snprintf(title, sizeof(title), "Error %u", status);
    rc = buf_append_str(&m, "<p>") != 0 || render_escape(&m, message) != 0 ||
                 buf_append_str(&m, "</p>") != 0
             ? -1
             : web_small_page(b, title, (const char *)m.data);
    buf_free(&m);
    return rc;
}
