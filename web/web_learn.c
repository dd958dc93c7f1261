#include "web_learn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hex.h"
#include "web_sessions.h"
#include "xmalloc.h"

/* ---- pieces ---- */

int web_learn_parse_until(const char *s, uint64_t *ms)
{
    char at[32];

    /* A date and nothing else; web_sessions_parse_at checks the digits and the day. */
    if (s == NULL || strlen(s) != 10)
        return -1;
    snprintf(at, sizeof(at), "%sT23:59", s);
    return web_sessions_parse_at(at, ms);
}

char *web_learn_circle_href(const char *tag)
{
    static const char hexd[] = "0123456789ABCDEF";
    size_t len = tag != NULL ? strlen(tag) : 0, o = 8;
    char *out = xmalloc(8 + 3 * len + 1);

    memcpy(out, "/circle/", 8);
    for (; tag != NULL && *tag != '\0'; tag++) {
        unsigned char c = (unsigned char)*tag;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out[o++] = (char)c;
            continue;
        }
        out[o++] = '%';
        out[o++] = hexd[c >> 4];
        out[o++] = hexd[c & 15];
    }
    out[o] = '\0';
    return out;
}

/* A date for people ("5 Dec 2026"), local time; nothing for 0. */
/* ms as a date (and with clock, its time) in local time; nothing for 0. */
static void learn_time(struct web_page *p, json_int_t ms, int clock)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char s[32];

    if (ms <= 0 || localtime_r(&t, &tm) == NULL)
        return;
    if ((clock ? strftime(s, sizeof(s), "%-d %b %Y, %H:%M", &tm)
               : strftime(s, sizeof(s), "%-d %b %Y", &tm)) > 0)
        web_esc(p, s);
}

void web_learn_date(struct web_page *p, json_int_t ms)
{
    learn_time(p, ms, 0);
}

/* A button posting tag to action (done, drop). */
static void learn_tag_button(struct web_page *p, const char *action, const char *tag,
                             const char *label)
{
    web_outf(p, "<form class=\"goal-action\" action=\"%s\" method=\"post\">", action);
    web_hidden_csrf(p);
    web_out(p, "<input type=\"hidden\" name=\"tag\" value=\"");
    web_esc(p, tag);
    web_outf(p, "\"><button>%s</button></form>", label);
}

static void learn_goal_item(struct web_page *p, json_t *g, int mine)
{
    const char *tag = web_jstr(g, "tag"), *state = web_jstr(g, "state");
    int active = state != NULL && strcmp(state, "active") == 0;

    web_out(p, "<li class=\"goal\"><a class=\"tag\" href=\"/circle/");
    web_url(p, tag);
    web_out(p, "\">");
    web_esc(p, tag);
    web_out(p, "</a> <span class=\"status\">");
    web_esc(p, state != NULL ? state : "?");
    web_out(p, "</span>");
    if (json_is_integer(json_object_get(g, "until_ms"))) {
        web_out(p, " until ");
        web_learn_date(p, json_integer_value(json_object_get(g, "until_ms")));
    }
    if (json_is_true(json_object_get(g, "overdue")))
        web_out(p, " <strong class=\"urgent\">overdue</strong>");
    web_out(p, " <span class=\"by\">set ");
    web_learn_date(p, json_integer_value(json_object_get(g, "set_ms")));
    web_out(p, "</span>");
    if (web_jstr(g, "why") != NULL && web_jstr(g, "why")[0] != '\0') {
        web_out(p, "<p class=\"why\">");
        web_esc(p, web_jstr(g, "why"));
        web_out(p, "</p>");
    }
    if (mine && active) {
        learn_tag_button(p, "/learn/done", tag, "I learnt it (done)");
        learn_tag_button(p, "/learn/drop", tag, "Drop it");
    }
    web_out(p, "</li>\n");
}

void web_learn_goals(struct web_page *p, json_t *goals, int mine)
{
    json_t *g;
    size_t i;

    web_out(p, "<ul class=\"goals\">\n");
    json_array_foreach(goals, i, g)
    {
        if (web_jstr(g, "tag") != NULL)
            learn_goal_item(p, g, mine);
    }
    web_out(p, "</ul>\n");
}

/* The line saying a list is empty. */
static void learn_none(struct web_page *p, const char *none)
{
    web_out(p, "<p class=\"none\">");
    web_esc(p, none);
    web_out(p, "</p>\n");
}

void web_learn_people(struct web_page *p, json_t *people, const char *none)
{
    json_t *pe;
    size_t i;

    if (json_array_size(people) == 0) {
        learn_none(p, none);
        return;
    }
    web_out(p, "<ul class=\"people\">\n");
    json_array_foreach(people, i, pe)
    {
        web_out(p, "<li>");
        web_person_link(p, web_jstr(pe, "key"), web_jstr(pe, "name"));
        if (json_is_integer(json_object_get(pe, "set_ms"))) { /* a circle's member */
            web_out(p, " <span class=\"by\">since ");
            web_learn_date(p, json_integer_value(json_object_get(pe, "set_ms")));
            web_out(p, "</span>");
        }
        if (web_jstr(pe, "why") != NULL && web_jstr(pe, "why")[0] != '\0') {
            web_out(p, " <span class=\"why\">");
            web_esc(p, web_jstr(pe, "why"));
            web_out(p, "</span>");
        }
        web_out(p, "</li>\n");
    }
    web_out(p, "</ul>\n");
}

void web_learn_sessions(struct web_page *p, json_t *sessions, const char *none)
{
    json_t *s;
    size_t i;
    const char *id;

    if (json_array_size(sessions) == 0) {
        learn_none(p, none);
        return;
    }
    web_out(p, "<ul class=\"sessions\">\n");
    json_array_foreach(sessions, i, s)
    {
        id = web_jstr(s, "id");
        if (id == NULL || !hex_is_lower(id, 32))
            continue;
        web_outf(p, "<li><a href=\"/sessions#s-%s\">", id);
        web_esc(p, web_jstr(s, "title"));
        web_out(p, "</a> ");
        if (web_jstr(s, "circle") != NULL)
            web_out(p, "<span class=\"status\">circle meeting</span> ");
        if (json_is_true(json_object_get(s, "cancelled")))
            web_out(p, "<span class=\"status\">cancelled</span> ");
        web_out(p, "<time datetime=\"");
        web_esc(p, web_jstr(s, "at"));
        web_out(p, "\">");
        learn_time(p, json_integer_value(json_object_get(s, "at_ms")), 1);
        web_out(p, "</time> <span class=\"by\">hosted by ");
        web_esc(p, web_jstr(json_object_get(s, "host"), "name") != NULL
                       ? web_jstr(json_object_get(s, "host"), "name")
                       : "?");
        web_out(p, "</span></li>\n");
    }
    web_out(p, "</ul>\n");
}

/* Useful content: accepted answers and verified notes, each a link to its place. */
static void learn_content(struct web_page *p, json_t *content)
{
    json_t *c, *e;
    const char *id;
    size_t i;

    if (json_array_size(content) == 0) {
        web_out(p, "<p class=\"none\">No accepted answer or verified note on it yet.</p>\n");
        return;
    }
    web_out(p, "<ul class=\"content\">\n");
    json_array_foreach(content, i, c)
    {
        e = json_object_get(c, "entry");
        id = web_jstr(e, "id");
        if (id == NULL || !hex_is_lower(id, 32))
            continue;
        web_outf(p, "<li><a href=\"/q/%s\">", id);
        web_entry_label(p, e);
        web_out(p, "</a> <span class=\"why\">");
        web_esc(p, web_jstr(c, "why"));
        web_out(p, "</span> ");
        web_byline(p, e);
        web_out(p, "</li>\n");
    }
    web_out(p, "</ul>\n");
}

/* Who and what can help with tag (learn_match). */
static void learn_match(struct web_page *p, const char *tag)
{
    json_t *m = web_call(p, "learn_match", json_pack("{s:s}", "tag", tag));

    web_out(p, "<section class=\"match\"><h3>Help with <a class=\"tag\" href=\"/circle/");
    web_url(p, tag);
    web_out(p, "\">");
    web_esc(p, tag);
    web_out(p, "</a></h3>\n");
    if (!web_ok(m)) {
        web_error_line(p, m);
    } else {
        web_out(p, "<h4>Mentors</h4>\n");
        web_learn_people(p, json_object_get(m, "mentors"), "Nobody offers mentoring on it yet.");
        web_out(p, "<h4>Experts</h4>\n");
        web_learn_people(p, json_object_get(m, "experts"), "Nobody has answers on it yet.");
        web_out(p, "<h4>Upcoming sessions</h4>\n");
        web_learn_sessions(p, json_object_get(m, "sessions"), "No session on it is coming up.");
        web_out(p, "<h4>Best content</h4>\n");
        learn_content(p, json_object_get(m, "content"));
    }
    web_out(p, "</section>\n");
    json_decref(m);
}

void web_learn_helpers(struct web_page *p, const char *tag, json_t *helpers)
{
    json_t *h;
    size_t i, n = 0;
    const char *entry;

    if (json_array_size(helpers) == 0) {
        web_out(p, "<p class=\"none\">Nobody is on record as having helped you with it: no "
                   "answer to your questions on it, no mentor you asked, no session you went "
                   "to.</p>\n");
        return;
    }
    web_out(p, "<p>Who helped you learn it — thank them:</p>\n<ul class=\"helpers\">\n");
    json_array_foreach(helpers, i, h)
    {
        entry = web_jstr(h, "entry");
        web_out(p, "<li>");
        web_person_link(p, web_jstr(h, "key"), web_jstr(h, "name"));
        web_out(p, " <span class=\"why\">");
        web_esc(p, web_jstr(h, "why"));
        web_out(p, "</span>");
        if (entry != NULL && hex_is_lower(entry, 32)) {
            web_out(p, "<form class=\"thank\" action=\"/learn/thank\" method=\"post\">");
            web_hidden_csrf(p);
            web_out(p, "<input type=\"hidden\" name=\"tag\" value=\"");
            web_esc(p, tag);
            web_outf(p, "\"><input type=\"hidden\" name=\"entry\" value=\"%s\"><button>Thank ",
                     entry);
            web_esc(p, web_jstr(h, "name") != NULL ? web_jstr(h, "name") : "them");
            web_out(p, "</button></form>");
        }
        web_out(p, "</li>\n");
    }
    web_out(p, "</ul>\n<form class=\"thank-all\" action=\"/learn/thank\" method=\"post\">");
    web_hidden_csrf(p);
    web_out(p, "<input type=\"hidden\" name=\"tag\" value=\"");
    web_esc(p, tag);
    web_out(p, "\">");
    json_array_foreach(helpers, i, h)
    {
        entry = web_jstr(h, "entry");
        if (entry != NULL && hex_is_lower(entry, 32) && n++ < WEB_LEARN_THANKS)
            web_outf(p, "<input type=\"hidden\" name=\"entry\" value=\"%s\">", entry);
    }
    web_out(p, "<button>Thank them all</button></form>\n");
}

/* ---- /learn ---- */

/* The form that sets a goal, filled with what was typed (after an error). */
static void learn_form(struct web_page *p)
{
    web_out(p, "<h2>Set a learning goal</h2>\n<form class=\"learn\" action=\"/learn\" "
               "method=\"post\">");
    web_hidden_csrf(p);
    web_out(p, "<label for=\"l-tags\">Topics (tags, separated by spaces or commas)</label><input "
               "id=\"l-tags\" name=\"tags\" required value=\"");
    web_esc(p, web_field(p, "tags"));
    web_out(p, "\"><label for=\"l-why\">Why (optional)</label><textarea id=\"l-why\" name=\"why\" "
               "rows=\"3\" maxlength=\"2000\">");
    web_esc(p, web_field(p, "why"));
    web_out(p, "</textarea><label for=\"l-until\">Target date (optional)</label><input "
               "id=\"l-until\" name=\"until\" type=\"date\" value=\"");
    web_esc(p, web_field(p, "until"));
    web_out(p, "\"><button>Set the goal</button></form>\n");
}

/* The goals of state (active or not) in goals (borrowed): a new array. */
static json_t *learn_of_state(json_t *goals, int active)
{
    json_t *out = json_array(), *g;
    size_t i;

    json_array_foreach(goals, i, g)
    {
        const char *st = web_jstr(g, "state");
        if ((st != NULL && strcmp(st, "active") == 0) == active)
            json_array_append(out, g);
    }
    return out;
}

/* /learn (and POST /learn refused: error is the op's answer, shown above the form). */
static void learn_page(struct web_page *p, json_t *error)
{
    json_t *resp = web_call(p, "goals", json_pack("{s:b}", "all", 1));
    json_t *active = learn_of_state(json_object_get(resp, "goals"), 1);
    json_t *ended = learn_of_state(json_object_get(resp, "goals"), 0), *g;
    const char *thanked = web_arg(p, "thanked");
    size_t i;

    web_head(p, "Learning goals");
    web_out(p, "<h1>Learning goals</h1>\n");
    if (error != NULL)
        web_error_line(p, error);
    if (thanked != NULL && strspn(thanked, "0123456789") == strlen(thanked) && thanked[0] != '\0' &&
        strlen(thanked) < 4)
        web_outf(p, "<p class=\"notice\" role=\"status\">Thanks sent: %s.</p>\n", thanked);
    if (!web_ok(resp))
        web_error_line(p, resp);
    web_out(p, "<h2>Active</h2>\n");
    if (json_array_size(active) == 0)
        web_out(p, "<p class=\"none\">No active learning goal. Set one below.</p>\n");
    web_learn_goals(p, active, 1);
    learn_form(p);
    json_array_foreach(active, i, g)
    {
        if (i < WEB_LEARN_MATCHED)
            learn_match(p, web_jstr(g, "tag"));
    }
    if (json_array_size(active) > WEB_LEARN_MATCHED)
        web_outf(p,
                 "<p class=\"none\">Help is shown here for your first %d goals; each topic's "
                 "circle (its link) shows the experts, mentors and sessions of the rest.</p>\n",
                 WEB_LEARN_MATCHED);
    if (json_array_size(ended) > 0) {
        web_out(p, "<h2>Ended</h2>\n");
        web_learn_goals(p, ended, 1);
    }
    web_out(p, "<p><a href=\"/needs\">The needs map</a>: what the team wants to learn.</p>\n");
    web_foot(p);
    json_decref(active);
    json_decref(ended);
    json_decref(resp);
}

/* POST /learn: set goals; to /learn (or the circle it came from), or the form with the error. */
static void learn_post(struct web_page *p)
{
    const char *until = web_field(p, "until"), *why = web_field(p, "why");
    uint64_t until_ms = 0;
    json_t *args, *resp;

    if (until != NULL && web_learn_parse_until(until, &until_ms) != 0) {
        resp = json_pack("{s:b,s:s}", "ok", 0, "error",
                         "the target date is not a date such as 2027-03-31");
    } else {
        args = json_pack("{s:o}", "tags", web_split_tags(web_field(p, "tags")));
        if (why != NULL && json_object_set_new(args, "why", json_string(why)) != 0) {
            json_decref(args);
            args = NULL;
        }
        if (args != NULL && until_ms > 0)
            json_object_set_new(args, "until_ms", json_integer((json_int_t)until_ms));
        resp = args != NULL ? web_call(p, "learn", args)
                            : json_pack("{s:b,s:s}", "ok", 0, "error",
                                        "the form holds bytes that are not text");
    }
    if (web_ok(resp)) {
        p->status = MHD_HTTP_SEE_OTHER;
        p->location = web_field(p, "circle") != NULL ? web_learn_circle_href(web_field(p, "tags"))
                                                     : xstrdup("/learn");
    } else {
        p->status = MHD_HTTP_BAD_REQUEST;
        learn_page(p, resp);
    }
    json_decref(resp);
}

/* POST /learn/done: the goal done, then who helped, to thank. */
static void learn_done_post(struct web_page *p)
{
    json_t *resp = web_call(p, "learn_done", json_pack("{s:s?}", "tag", web_field(p, "tag")));
    const char *tag = web_jstr(resp, "tag");

    if (!web_ok(resp) || tag == NULL) {
        web_done(p, resp, "/learn", "Goal not marked done");
        json_decref(resp);
        return;
    }
    web_head(p, "Goal done");
    web_out(p, "<h1>Learnt: <a class=\"tag\" href=\"/circle/");
    web_url(p, tag);
    web_out(p, "\">");
    web_esc(p, tag);
    web_out(p, "</a></h1>\n<p class=\"notice\" role=\"status\">Your goal is marked done.</p>\n");
    web_learn_helpers(p, tag, json_object_get(resp, "helpers"));
    web_out(p, "<p><a href=\"/learn\">Back to your learning goals</a></p>\n");
    web_foot(p);
    json_decref(resp);
}

/* POST /learn/thank (entry, once or more; tag): thank each entry's author. */
static void learn_thank_post(struct web_page *p)
{
    const char *tag = web_field(p, "tag");
    char body[96], back[32];
    json_t *resp = NULL;
    size_t i, sent = 0;

    if (tag != NULL && strlen(tag) <= 64 && strpbrk(tag, "\r\n") == NULL)
        snprintf(body, sizeof(body), "Thanks for helping me learn #%s", tag);
    else
        snprintf(body, sizeof(body), "Thanks for helping me learn it");
    for (i = 0; p->form != NULL && i < p->form->n; i++) {
        const char *id = p->form->values[i];
        if (strcmp(p->form->names[i], "entry") != 0)
            continue;
        json_decref(resp);
        resp = id[0] != '\0' && web_path_id(id) == strlen(id) && sent < WEB_LEARN_THANKS
                   ? web_call(p, "thank", json_pack("{s:s,s:s}", "id", id, "body", body))
                   : json_pack("{s:b,s:s}", "ok", 0, "error", "that is not an entry to thank");
        if (!web_ok(resp))
            break;
        sent++;
    }
    if (resp == NULL)
        resp = json_pack("{s:b,s:s}", "ok", 0, "error", "nobody was named to thank");
    snprintf(back, sizeof(back), "/learn?thanked=%zu", sent);
    web_done(p, resp, back, sent > 0 ? "Not everyone was thanked" : "Thanks not sent");
    json_decref(resp);
}

int web_learn_serve(struct web_page *p, int post, const char *path)
{
    json_t *resp;

    if (strcmp(path, "/learn") == 0) {
        if (post)
            learn_post(p);
        else
            learn_page(p, NULL);
    } else if (post && strcmp(path, "/learn/done") == 0) {
        learn_done_post(p);
    } else if (post && strcmp(path, "/learn/drop") == 0) {
        resp = web_call(p, "learn_drop", json_pack("{s:s?}", "tag", web_field(p, "tag")));
        web_done(p, resp, "/learn", "Goal not dropped");
        json_decref(resp);
    } else if (post && strcmp(path, "/learn/thank") == 0) {
        learn_thank_post(p);
    } else {
        return 0;
    }
    return 1;
}
