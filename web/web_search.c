#include "web_search.h"

#include <stdio.h>
#include <string.h>

#include "web_html.h"
#include "web_sessions.h"

#define WEB_SEARCH_LIMIT 50

static const char *const web_kinds[] = {"question", "answer", "note", "comment", NULL};
static const char *const web_statuses[] = {"open", "answered", "resolved", NULL};

/* v if it is one of allowed, else NULL. */
static const char *web_one_of(const char *v, const char *const *allowed)
{
    size_t i;

    for (i = 0; v != NULL && allowed[i] != NULL; i++)
        if (strcmp(v, allowed[i]) == 0)
            return allowed[i];
    return NULL;
}

/* A query value, NULL when absent or empty. */
static const char *web_arg_set(struct web_page *p, const char *name)
{
    const char *v = web_arg(p, name);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

static void web_select(struct web_page *p, const char *name, const char *label,
                       const char *const *options, const char *chosen)
{
    size_t i;

    web_outf(p,
             "<label for=\"f-%s\">%s</label><select id=\"f-%s\" name=\"%s\"><option "
             "value=\"\">any</option>",
             name, label, name, name);
    for (i = 0; options[i] != NULL; i++)
        web_outf(p, "<option%s>%s</option>",
                 chosen != NULL && strcmp(chosen, options[i]) == 0 ? " selected" : "", options[i]);
    web_out(p, "</select>");
}

static void web_text_field(struct web_page *p, const char *name, const char *label,
                           const char *type, const char *value)
{
    web_outf(p,
             "<label for=\"f-%s\">%s</label><input id=\"f-%s\" name=\"%s\" type=\"%s\" "
             "value=\"",
             name, label, name, name, type);
    web_esc(p, value);
    web_out(p, "\">");
}

/* The filters as op arguments (kind, tag, author, status, since_ms) into args; -1 with a reason
 * in *why for a since that is not a date. */
static int web_filters(struct web_page *p, json_t *args, const char **why)
{
    const char *kind = web_one_of(web_arg_set(p, "kind"), web_kinds);
    const char *status = web_one_of(web_arg_set(p, "status"), web_statuses);
    const char *tag = web_arg_set(p, "tag"), *author = web_arg_set(p, "author");
    const char *since = web_arg_set(p, "since");
    char at[32];
    uint64_t ms;

    if (kind != NULL)
        json_object_set_new(args, "kind", json_string(kind));
    if (status != NULL)
        json_object_set_new(args, "status", json_string(status));
    /* json_string is NULL for bytes that are not UTF-8: then the filter is refused. */
    if ((tag != NULL && json_object_set_new(args, "tag", json_string(tag)) != 0) ||
        (author != NULL && json_object_set_new(args, "author", json_string(author)) != 0)) {
        *why = "a filter holds bytes that are not text";
        return -1;
    }
    if (since != NULL) {
        /* A date (YYYY-MM-DD, what <input type="date"> sends): from its local midnight. */
        if (strlen(since) != 10 || snprintf(at, sizeof(at), "%sT00:00", since) >= (int)sizeof(at) ||
            web_sessions_parse_at(at, &ms) != 0) {
            *why = "since is not a date such as 2026-11-30";
            return -1;
        }
        json_object_set_new(args, "since_ms", json_integer((json_int_t)ms));
    }
    return 0;
}

static void web_search_form(struct web_page *p, const char *q)
{
    web_out(p, "<form class=\"search-form\" action=\"/search\" method=\"get\" role=\"search\">"
               "<label for=\"q\">Words</label><input id=\"q\" name=\"q\" type=\"search\" "
               "value=\"");
    web_esc(p, q);
    web_out(p, "\"><fieldset class=\"filters\"><legend>Filters</legend>");
    web_select(p, "kind", "Kind", web_kinds, web_one_of(web_arg(p, "kind"), web_kinds));
    web_text_field(p, "tag", "Tag", "text", web_arg(p, "tag"));
    web_text_field(p, "author", "Author (a name or key prefix)", "text", web_arg(p, "author"));
    web_select(p, "status", "Status", web_statuses, web_one_of(web_arg(p, "status"), web_statuses));
    web_text_field(p, "since", "Since", "date", web_arg(p, "since"));
    web_out(p, "</fieldset><button>Search</button></form>\n");
}

/* /search?q=WORDS&kind=&tag=&author=&status=&since=: the results, best first, with the matches
 * marked; without words, the entries that pass the filters, newest first. */
static void web_search(struct web_page *p)
{
    const char *q = web_arg_set(p, "q"), *why = NULL;
    char hl_open[2] = {WEB_HL_OPEN, '\0'}, hl_close[2] = {WEB_HL_CLOSE, '\0'};
    json_t *args = json_object(), *resp = NULL, *r, *list;
    size_t i;
    int filtered;

    web_head(p, q != NULL ? q : "Search");
    web_out(p, "<h1>Search</h1>\n");
    web_search_form(p, q);
    if (web_filters(p, args, &why) != 0) {
        resp = json_pack("{s:b,s:s}", "ok", 0, "error", why);
        web_error_line(p, resp);
        goto out;
    }
    filtered = json_object_size(args) > 0;
    json_object_set_new(args, "limit", json_integer(WEB_SEARCH_LIMIT));
    if (q != NULL) {
        if (json_object_set_new(args, "query", json_string(q)) != 0) {
            resp = json_pack("{s:b,s:s}", "ok", 0, "error", "the words are not text");
            web_error_line(p, resp);
            goto out;
        }
        json_object_set_new(args, "hl_open", json_string(hl_open));
        json_object_set_new(args, "hl_close", json_string(hl_close));
        resp = web_call(p, "search", json_incref(args));
        list = json_object_get(resp, "results");
    } else if (filtered) {
        resp = web_call(p, "list", json_incref(args));
        list = json_object_get(resp, "entries");
    } else {
        goto out;
    }
    if (!web_ok(resp)) {
        web_error_line(p, resp);
    } else if (json_array_size(list) == 0) {
        web_out(p, "<p class=\"none\">Nothing matches.</p>\n");
    } else {
        web_out(p, "<ol class=\"results\">\n");
        json_array_foreach(list, i, r)
        {
            if (q != NULL)
                web_entry_item(p, json_object_get(r, "entry"), web_jstr(r, "snippet"));
            else
                web_entry_item(p, r, NULL);
        }
        web_out(p, "</ol>\n");
    }
out:
    web_foot(p);
    json_decref(args);
    json_decref(resp);
}

/* /t/TAG: the entries with a tag, pinned first, and where to go from there. */
static void web_tag(struct web_page *p, const char *tag)
{
    json_t *args = json_pack("{s:s,s:i,s:b}", "tag", tag, "limit", 100, "pinned_first", 1);
    json_t *resp;

    if (args == NULL) { /* not UTF-8 text: no such tag */
        web_not_found(p);
        return;
    }
    resp = web_call(p, "list", args);
    web_head(p, tag);
    web_out(p, "<h1>Tagged <span class=\"tag\">");
    web_esc(p, tag);
    web_out(p, "</span></h1>\n<p><a href=\"/who?topic=");
    web_url(p, tag);
    web_out(p, "\">Who knows about it</a> · <a href=\"/mentors?tag=");
    web_url(p, tag);
    web_out(p, "\">Mentors</a> · <a href=\"/circle/");
    web_url(p, tag);
    web_out(p, "\">Learning circle</a> · <a href=\"/stats?tag=");
    web_url(p, tag);
    web_out(p, "\">Stats</a> · <a href=\"/search?tag=");
    web_url(p, tag);
    web_out(p, "\">Search within it</a></p>\n");
    if (web_ok(resp))
        web_entry_list(p, json_object_get(resp, "entries"), "Nothing has this tag yet.");
    else
        web_error_line(p, resp);
    web_foot(p);
    json_decref(resp);
}

int web_search_serve(struct web_page *p, int post, const char *path)
{
    if (post)
        return 0;
    if (strcmp(path, "/search") == 0)
        web_search(p);
    else if (strncmp(path, "/t/", 3) == 0 && path[3] != '\0' && strchr(path + 3, '/') == NULL &&
             strlen(path + 3) <= 256)
        web_tag(p, path + 3);
    else
        return 0;
    return 1;
}
