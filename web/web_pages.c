#include "web_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "identity.h"
#include "render.h"
#include "web_actions.h"
#include "web_circle.h"
#include "web_hints.h"
#include "web_html.h"
#include "web_learn.h"
#include "web_needs.h"
#include "web_people.h"
#include "web_search.h"
#include "web_sessions.h"
#include "web_static.h"
#include "web_stats.h"
#include "web_team.h"
#include "xmalloc.h"

/* ---- pages ---- */

/* One "new on yours" item of the inbox: why it is for me, on which of my entries, and the entry
 * (its link leads to its question: web_question redirects answers and comments there). */
static void web_foryou_item(struct web_page *p, json_t *item)
{
    json_t *about = json_object_get(item, "about"), *e = json_object_get(item, "entry");
    const char *aid = web_jstr(about, "id"), *eid = web_jstr(e, "id");

    web_out(p, "<li><span class=\"reason\">");
    web_esc(p, web_jstr(item, "reason") != NULL ? web_jstr(item, "reason") : "");
    web_out(p, "</span>");
    if (aid != NULL && hex_is_lower(aid, 32) && web_jstr(about, "title") != NULL &&
        web_jstr(about, "title")[0] != '\0') {
        web_outf(p, " on <a href=\"/q/%s\">", aid);
        web_esc(p, web_jstr(about, "title"));
        web_out(p, "</a>");
    }
    if (eid != NULL && hex_is_lower(eid, 32)) {
        web_outf(p, ": <a href=\"/q/%s\">", eid);
        web_entry_label(p, e);
        web_out(p, "</a> ");
        web_byline(p, e);
    }
    web_out(p, "</li>\n");
}

/* /: my inbox (questions in my areas and to me, urgent first, each with why it is for me), what
 * happened on my entries, my questions, and what is new in the team. */
static void web_home(struct web_page *p)
{
    char key[IDENTITY_PUBLIC_KEY_LEN * 2 + 1];
    json_t *inbox, *mine, *news, *x;
    size_t i;

    hex_encode(identity_public_key(p->n->id), IDENTITY_PUBLIC_KEY_LEN, key);
    inbox = web_call(p, "inbox", json_pack("{s:i}", "limit", 30));
    mine = web_call(p, "list",
                    json_pack("{s:s,s:s,s:i}", "kind", "question", "author", key, "limit", 30));
    news = web_call(p, "list", json_pack("{s:s,s:i}", "kind", "question", "limit", 10));
    web_head(p, "Home");
    web_out(p, "<h1>Your inbox</h1>\n");
    if (web_ok(inbox))
        web_entry_list(p, json_object_get(inbox, "entries"),
                       "Nothing waits for you: no open question in your areas or to you.");
    else
        web_error_line(p, inbox);
    if (json_array_size(json_object_get(inbox, "on_yours")) > 0) {
        web_out(p, "<h2>New on your questions</h2>\n<ul class=\"on-yours\">\n");
        json_array_foreach(json_object_get(inbox, "on_yours"), i, x) web_foryou_item(p, x);
        web_out(p, "</ul>\n");
    }
    web_out(p, "<h2>Your questions</h2>\n");
    /* Without a profile the author filter knows nobody by our key: nothing asked yet. */
    if (web_ok(mine) ||
        strcmp(web_jstr(mine, "code") != NULL ? web_jstr(mine, "code") : "", "not_found") == 0)
        web_entry_list(p, json_object_get(mine, "entries"), "You have not asked anything yet.");
    else
        web_error_line(p, mine);
    web_out(p, "<h2>New in the team</h2>\n");
    if (web_ok(news))
        web_entry_list(p, json_object_get(news, "entries"), "Nobody has asked anything yet.");
    else
        web_error_line(p, news);
    web_foot(p);
    json_decref(inbox);
    json_decref(mine);
    json_decref(news);
}

/* An answer or a comment has no page of its own: 303 to what it refers to, at its place
 * (#a-ID, #cm-ID); a comment on an answer takes one more hop. Returns 1 when redirected. */
static int web_in_thread(struct web_page *p, json_t *e)
{
    const char *kind = web_jstr(e, "kind"), *ref, *eid = web_jstr(e, "id");
    json_t *refs = json_object_get(e, "refs");
    int answer = kind != NULL && strcmp(kind, "answer") == 0,
        comment = kind != NULL && strcmp(kind, "comment") == 0;

    if (!(answer || comment) || json_array_size(refs) < 1)
        return 0;
    ref = json_string_value(json_array_get(refs, 0));
    if (ref == NULL || !hex_is_lower(ref, 32))
        return 0;
    p->status = MHD_HTTP_SEE_OTHER;
    p->location = xasprintf("/q/%s#%s-%s", ref, answer ? "a" : "cm", eid);
    return 1;
}

/* /q/ID: the question, its answers (the accepted one first), comments, and a form to answer. */
static void web_question(struct web_page *p, const char *id)
{
    json_t *resp = web_call(p, "get", json_pack("{s:s}", "id", id));
    json_t *e = json_object_get(resp, "entry");
    const char *eid = web_jstr(e, "id");

    if (!web_ok(resp) || eid == NULL || !hex_is_lower(eid, 32)) {
        p->status = MHD_HTTP_NOT_FOUND;
        web_head(p, "Not found");
        web_out(p, "<h1>Not found</h1>\n");
        web_error_line(p, resp);
        web_foot(p);
        json_decref(resp);
        return;
    }
    if (web_in_thread(p, e)) {
        json_decref(resp);
        return;
    }
    web_head(p, web_jstr(e, "title") != NULL ? web_jstr(e, "title") : "Entry");
    web_out(p, "<article class=\"question\"><h1>");
    web_esc(p, web_jstr(e, "title") != NULL ? web_jstr(e, "title") : "(untitled)");
    web_out(p, "</h1><p>");
    if (web_jstr(e, "status") != NULL) {
        web_out(p, "<span class=\"status\">");
        web_esc(p, web_jstr(e, "status"));
        web_out(p, "</span> ");
    }
    web_tags(p, e);
    web_out(p, " ");
    web_byline(p, e);
    web_out(p, "</p>");
    web_md(p, web_jstr(e, "body"));
    web_actions_question(p, e, json_object_get(resp, "comments"));
    web_out(p, "</article>\n");
    web_actions_answers(p, resp);
    if (strcmp(web_jstr(e, "kind") != NULL ? web_jstr(e, "kind") : "", "question") == 0) {
        web_outf(p, "<form class=\"answer-form\" action=\"/q/%s/answer\" method=\"post\">", eid);
        web_hidden_csrf(p);
        web_out(p, "<label for=\"body\">Your answer (Markdown)</label><textarea id=\"body\" "
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
        web_out(p, "<h1>Your answer was not posted</h1>\n");
        web_error_line(p, resp);
        web_outf(p, "<p><a href=\"/q/%s\">Back to the question</a></p>\n", id);
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
    web_out(p, "<h1>Ask a question</h1>\n");
    if (error != NULL)
        web_error_line(p, error);
    web_out(p, "<form class=\"ask\" action=\"/ask\" method=\"post\">");
    web_hidden_csrf(p);
    web_out(p, "<label for=\"title\">Title</label><input id=\"title\" name=\"title\" required "
               "maxlength=\"1000\" value=\"");
    web_esc(p, v[0]);
    web_out(p,
            "\"><label for=\"body\">Details (Markdown)</label><textarea id=\"body\" name=\"body\" "
            "rows=\"10\">");
    web_esc(p, v[1]);
    web_out(p, "</textarea><label for=\"tags\">Tags (separated by spaces or commas)</label><input "
               "id=\"tags\" name=\"tags\" value=\"");
    web_esc(p, v[2]);
    web_out(p, "\"><label for=\"to\">Ask a person (a name or key prefix; optional)</label><input "
               "id=\"to\" name=\"to\" value=\"");
    web_esc(p, v[3]);
    web_out(p, "\"><label class=\"check\"><input type=\"checkbox\" name=\"urgent\" value=\"1\"");
    if (p->form != NULL && web_form_get(p->form, "urgent") != NULL)
        web_out(p, " checked");
    web_out(p, "> Urgent</label><button>Ask</button></form>\n");
    web_foot(p);
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
    if (web_ok(resp) && web_jstr(resp, "id") != NULL) {
        p->status = MHD_HTTP_SEE_OTHER;
        p->location = xasprintf("/q/%.64s", web_jstr(resp, "id"));
        json_decref(resp);
        return;
    }
refused:
    p->status = MHD_HTTP_BAD_REQUEST;
    web_ask_form(p, resp);
    json_decref(resp);
}

int web_pages_serve(struct web_page *p, const char *method, const char *path)
{
    int post = strcmp(method, "POST") == 0;
    const struct web_asset *a = post ? NULL : web_static_find(path);
    char id[WEB_ID_MAX + 1];
    size_t n;

    if (!post && strcmp(path, "/") == 0) {
        web_home(p);
    } else if (a != NULL) {
        p->content_type = a->type;
        web_out(p, a->body);
    } else if (web_hints_serve(p, post, path) || web_actions_serve(p, post, path)) {
        /* served: the ask form's hints; the question page's actions */
    } else if (strcmp(path, "/ask") == 0) {
        if (post)
            web_ask_post(p);
        else
            web_ask_form(p, NULL);
    } else if (strncmp(path, "/q/", 3) == 0 && (n = web_path_id(path + 3)) > 0) {
        memcpy(id, path + 3, n);
        id[n] = '\0';
        if (!post && path[3 + n] == '\0')
            web_question(p, id);
        else if (post && strcmp(path + 3 + n, "/answer") == 0)
            web_answer_post(p, id);
        else
            web_not_found(p);
    } else if (web_search_serve(p, post, path) || web_people_serve(p, post, path) ||
               web_sessions_serve(p, post, path) || web_stats_serve(p, post, path) ||
               web_team_serve(p, post, path) || web_learn_serve(p, post, path) ||
               web_circle_serve(p, post, path) || web_needs_serve(p, post, path)) {
        /* served by the page's own module */
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
