#include "web_html.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hex.h"
#include "node_call.h"
#include "render.h"
#include "xmalloc.h"

/* ---- output: each helper records an overflow instead of returning it ---- */

void web_out(struct web_page *p, const char *s)
{
    if (buf_append_str(&p->body, s) != 0)
        p->overflow = 1;
}

void web_outf(struct web_page *p, const char *fmt, ...)
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
        web_out(p, line);
}

void web_esc(struct web_page *p, const char *s)
{
    if (render_escape(&p->body, s) != 0)
        p->overflow = 1;
}

void web_url(struct web_page *p, const char *s)
{
    static const char hexd[] = "0123456789ABCDEF";
    char e[4] = {'%', 0, 0, 0};

    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            if (buf_append(&p->body, s, 1) != 0)
                p->overflow = 1;
            continue;
        }
        e[1] = hexd[c >> 4];
        e[2] = hexd[c & 15];
        web_out(p, e);
    }
}

void web_md(struct web_page *p, const char *s)
{
    if (render_markdown(&p->body, s) != 0)
        p->overflow = 1;
}

const char *web_jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Ask the node: {"op": op, ...args} (args: a new object, taken; may be NULL). */
json_t *web_call(struct web_page *p, const char *op, json_t *args)
{
    json_t *req = args != NULL ? args : json_object();
    json_t *resp;

    json_object_set_new(req, "op", json_string(op));
    resp = node_call(p->n, req);
    json_decref(req);
    return resp;
}

int web_ok(json_t *resp)
{
    return json_is_true(json_object_get(resp, "ok"));
}

/* ---- layout ---- */

void web_head(struct web_page *p, const char *title)
{
    web_out(p, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
    web_esc(p, title);
    web_out(p, " · lore</title><link rel=\"stylesheet\" href=\"/static/lore.css\">"
               "<script src=\"/static/lore.js\" defer></script></head><body>"
               "<header><nav aria-label=\"main\"><a class=\"brand\" href=\"/\">lore</a> "
               "<a href=\"/ask\">Ask</a> <a href=\"/people\">People</a> "
               "<a href=\"/sessions\">Sessions</a> <a href=\"/learn\">Learn</a> "
               "<a href=\"/needs\">Needs</a> <a href=\"/stats\">Stats</a> "
               "<a href=\"/top\">Top</a> <a href=\"/team\">Team</a> <form class=\"search\" "
               "action=\"/search\" method=\"get\" "
               "role=\"search\"><label for=\"nav-q\">Search</label> <input id=\"nav-q\" name=\"q\" "
               "type=\"search\"> <button>Search</button></form> <form class=\"logout\" "
               "action=\"/logout\" method=\"post\"><input type=\"hidden\" name=\"csrf\" value=\"");
    web_esc(p, p->csrf);
    web_out(p, "\"><button>Log out</button></form></nav></header><main>\n");
}

void web_foot(struct web_page *p)
{
    web_out(p, "</main></body></html>\n");
}

void web_hidden_csrf(struct web_page *p)
{
    web_out(p, "<input type=\"hidden\" name=\"csrf\" value=\"");
    web_esc(p, p->csrf);
    web_out(p, "\">");
}

/* "by NAME on DATE" of an entry. */
/* A time for people: the node's local time ("5 Dec 2026, 13:46"; its user's zone), or iso. */
static void web_when(struct web_page *p, json_int_t ms, const char *iso)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char s[64];

    if (ms > 0 && localtime_r(&t, &tm) != NULL &&
        strftime(s, sizeof(s), "%-d %b %Y, %H:%M", &tm) > 0)
        web_esc(p, s);
    else
        web_esc(p, iso);
}

void web_byline(struct web_page *p, json_t *e)
{
    const char *name = web_jstr(e, "author_name"), *created = web_jstr(e, "created");
    const char *author = web_jstr(e, "author");

    web_out(p, "<span class=\"by\">by ");
    if (name != NULL)
        web_esc(p, name);
    else
        web_outf(p, "%.12s", author != NULL ? author : "?");
    if (created != NULL) {
        web_out(p, " on <time datetime=\"");
        web_esc(p, created);
        web_out(p, "\">");
        web_when(p, json_integer_value(json_object_get(e, "created_ms")), created);
        web_out(p, "</time>");
    }
    web_out(p, "</span>");
}

void web_tags(struct web_page *p, json_t *e)
{
    json_t *t;
    size_t i;

    json_array_foreach(json_object_get(e, "tags"), i, t)
    {
        web_out(p, " ");
        web_tag_link(p, json_string_value(t));
    }
}

/* For an entry without a title (an answer, a comment): its kind and the start of its body's first
 * line, cut at a character boundary. */
static void web_untitled(struct web_page *p, json_t *e)
{
    const char *kind = web_jstr(e, "kind"), *body = web_jstr(e, "body");
    char cut[84];
    size_t n;

    web_esc(p, kind != NULL ? kind : "entry");
    if (body == NULL)
        return;
    n = strcspn(body, "\n");
    if (n >= sizeof(cut) - 4) {
        n = sizeof(cut) - 4;
        while (n > 0 && ((unsigned char)body[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(cut, sizeof(cut), "%.*s%s", (int)n, body, body[n] != '\0' ? "…" : "");
    web_out(p, ": ");
    web_esc(p, cut);
}

void web_entry_label(struct web_page *p, json_t *e)
{
    if (web_jstr(e, "title") != NULL && web_jstr(e, "title")[0] != '\0')
        web_esc(p, web_jstr(e, "title"));
    else
        web_untitled(p, e);
}

/* One line of a list: the question's title as a link, its status, tags and author. */
void web_entry_item(struct web_page *p, json_t *e, const char *snippet)
{
    const char *id = web_jstr(e, "id"), *status = web_jstr(e, "status");
    long long n;

    web_out(p, "<li>");
    if (json_is_true(json_object_get(e, "urgent")))
        web_out(p, "<strong class=\"urgent\">urgent</strong> ");
    web_outf(p, "<a href=\"/q/%.64s\">", id != NULL && hex_is_lower(id, 32) ? id : "");
    web_entry_label(p, e);
    web_out(p, "</a> ");
    if (status != NULL) {
        web_out(p, "<span class=\"status\">");
        web_esc(p, status);
        n = (long long)json_integer_value(json_object_get(e, "answers"));
        web_outf(p, ", %lld answer%s</span>", n, n == 1 ? "" : "s");
    }
    web_tags(p, e);
    web_out(p, " ");
    web_byline(p, e);
    if (web_jstr(e, "reason") != NULL) { /* the inbox's: why it is for me */
        web_out(p, " <span class=\"reason\">");
        web_esc(p, web_jstr(e, "reason"));
        web_out(p, "</span>");
    }
    if (snippet != NULL) {
        web_out(p, "<p class=\"snippet\">");
        if (render_escape_marked(&p->body, snippet, WEB_HL_OPEN, WEB_HL_CLOSE) != 0)
            p->overflow = 1;
        web_out(p, "</p>");
    }
    web_out(p, "</li>\n");
}

/* A list of entries (a JSON array), or a line saying there are none. */
void web_entry_list(struct web_page *p, json_t *entries, const char *none)
{
    json_t *e;
    size_t i;

    if (json_array_size(entries) == 0) {
        web_out(p, "<p class=\"none\">");
        web_esc(p, none);
        web_out(p, "</p>\n");
        return;
    }
    web_out(p, "<ul class=\"entries\">\n");
    json_array_foreach(entries, i, e) web_entry_item(p, e, NULL);
    web_out(p, "</ul>\n");
}

/* An op's error, for people. */
void web_error_line(struct web_page *p, json_t *resp)
{
    web_out(p, "<p class=\"error\" role=\"alert\">");
    web_esc(p,
            web_jstr(resp, "error") != NULL ? web_jstr(resp, "error") : "the node did not answer");
    web_out(p, "</p>\n");
}

/* The tags field, split at spaces and commas. */
json_t *web_split_tags(const char *s)
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

void web_not_found(struct web_page *p)
{
    p->status = MHD_HTTP_NOT_FOUND;
    web_head(p, "Not found");
    web_out(p, "<h1>Not found</h1><p>There is no such page. <a href=\"/\">Home</a></p>\n");
    web_foot(p);
}

/* An id in a path: 4 to 64 hex digits (the node resolves a prefix); its length, or 0. */
size_t web_path_id(const char *s)
{
    size_t n = strspn(s, "0123456789abcdefABCDEF");

    return n >= 4 && n <= WEB_ID_MAX ? n : 0;
}

const char *web_arg(struct web_page *p, const char *name)
{
    if (p->c == NULL)
        return NULL;
    return MHD_lookup_connection_value(p->c, MHD_GET_ARGUMENT_KIND, name);
}

const char *web_field(struct web_page *p, const char *name)
{
    const char *v = p->form != NULL ? web_form_get(p->form, name) : NULL;

    return v != NULL && v[0] != '\0' ? v : NULL;
}

void web_done(struct web_page *p, json_t *resp, const char *back, const char *what)
{
    const char *code = web_jstr(resp, "code") != NULL ? web_jstr(resp, "code") : "";

    if (web_ok(resp)) {
        p->status = MHD_HTTP_SEE_OTHER;
        p->location = xstrdup(back);
        return;
    }
    if (strcmp(code, "forbidden") == 0)
        p->status = MHD_HTTP_FORBIDDEN;
    else if (strcmp(code, "not_found") == 0)
        p->status = MHD_HTTP_NOT_FOUND;
    else
        p->status = MHD_HTTP_BAD_REQUEST;
    web_head(p, what);
    web_out(p, "<h1>");
    web_esc(p, what);
    web_out(p, "</h1>\n");
    web_error_line(p, resp);
    web_out(p, "<p><a href=\"");
    web_esc(p, back);
    web_out(p, "\">Back</a></p>\n");
    web_foot(p);
}

void web_tag_link(struct web_page *p, const char *tag)
{
    web_out(p, "<a class=\"tag\" href=\"/t/");
    web_url(p, tag);
    web_out(p, "\">");
    web_esc(p, tag);
    web_out(p, "</a>");
}

void web_person_link(struct web_page *p, const char *key, const char *name)
{
    if (key == NULL || !hex_is_lower(key, 32)) {
        web_esc(p, name != NULL ? name : "?");
        return;
    }
    web_outf(p, "<a href=\"/p/%s\">", key);
    if (name != NULL)
        web_esc(p, name);
    else
        web_outf(p, "%.12s", key);
    web_out(p, "</a>");
}
