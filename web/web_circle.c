#include "web_circle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_learn.h"
#include "web_sessions.h"
#include "xmalloc.h"

#define CIRCLE_TAG_ARG 256 /* bytes of a path's tag passed on (the op's rule is stricter) */

/* Member or not: the state, and the way in (a goal on the topic) or to my goals. */
static void circle_membership(struct web_page *p, const char *tag, int member)
{
    if (member) {
        web_out(p, "<p class=\"member\" role=\"status\"><strong>You are a member</strong>: you "
                   "have an active learning goal on it (<a href=\"/learn\">your goals</a>).</p>\n");
        return;
    }
    web_out(p, "<form class=\"join\" action=\"/learn\" method=\"post\">");
    web_hidden_csrf(p);
    web_out(p, "<input type=\"hidden\" name=\"circle\" value=\"1\"><input type=\"hidden\" "
               "name=\"tags\" value=\"");
    web_esc(p, tag);
    web_out(p, "\"><p>You are not a member: members are the people with an active learning goal "
               "on it.</p><button>Join: set a learning goal on ");
    web_esc(p, tag);
    web_out(p, "</button></form>\n");
}

/* The form proposing a circle meeting (a session scoped to the circle). */
static void circle_meet_form(struct web_page *p, const char *tag)
{
    char *href = web_learn_circle_href(tag);

    web_out(p, "<h2>Propose a circle meeting</h2>\n<form class=\"announce meet\" action=\"");
    web_esc(p, href);
    web_out(p, "/meet\" method=\"post\">");
    web_hidden_csrf(p);
    web_out(p, "<label for=\"m-title\">Title</label><input id=\"m-title\" name=\"title\" "
               "required maxlength=\"1000\"><label for=\"m-at\">When (your local time)</label>"
               "<input id=\"m-at\" name=\"at\" type=\"datetime-local\" required><label "
               "for=\"m-where\">Where</label><input id=\"m-where\" name=\"where\" required "
               "maxlength=\"200\"><label for=\"m-body\">Details (Markdown)</label><textarea "
               "id=\"m-body\" name=\"body\" rows=\"3\"></textarea><button>Propose the meeting"
               "</button></form>\n");
    free(href);
}

/* /circle/TAG. */
static void circle_page(struct web_page *p, const char *arg)
{
    json_t *args = json_pack("{s:s}", "tag", arg);
    json_t *resp = args != NULL ? web_call(p, "circle", args)
                                : json_pack("{s:b,s:s}", "ok", 0, "error", "that is not a tag");
    const char *tag = web_jstr(resp, "tag");
    int member = json_is_true(json_object_get(resp, "member"));

    if (!web_ok(resp) || tag == NULL) {
        p->status = MHD_HTTP_BAD_REQUEST;
        web_head(p, "No such circle");
        web_out(p, "<h1>No such circle</h1>\n");
        web_error_line(p, resp);
        web_foot(p);
        json_decref(resp);
        return;
    }
    web_head(p, tag);
    web_out(p, "<h1>Learning circle <span class=\"tag\">");
    web_esc(p, tag);
    web_out(p, "</span></h1>\n");
    circle_membership(p, tag, member);
    web_out(p, "<p>");
    web_tag_link(p, tag);
    web_out(p, " · <a href=\"/needs\">The needs map</a></p>\n<h2>Members</h2>\n");
    web_learn_people(p, json_object_get(resp, "members"), "Nobody has a learning goal on it yet.");
    web_out(p, "<h2>Experts nearby</h2>\n");
    web_learn_people(p, json_object_get(resp, "experts"), "Nobody has answers on it yet.");
    web_out(p, "<h2>Mentors</h2>\n");
    web_learn_people(p, json_object_get(resp, "mentors"), "Nobody offers mentoring on it yet.");
    web_out(p, "<h2>Sessions</h2>\n");
    web_learn_sessions(p, json_object_get(resp, "sessions"), "No session on it is coming up.");
    web_out(p, "<h2>Recent questions</h2>\n");
    web_entry_list(p, json_object_get(resp, "questions"), "Nobody has asked about it yet.");
    if (member)
        circle_meet_form(p, tag);
    else
        web_out(p, "<p class=\"none\">Members can propose circle meetings.</p>\n");
    web_foot(p);
    json_decref(resp);
}

/* POST /circle/TAG/meet: a circle meeting; back to the circle, or the refusal. */
static void circle_meet_post(struct web_page *p, const char *tag)
{
    char *back = web_learn_circle_href(tag);
    uint64_t at_ms;
    json_t *resp;

    json_t *args = NULL;

    if (web_sessions_parse_at(web_field(p, "at"), &at_ms) != 0) {
        resp = json_pack("{s:b,s:s}", "ok", 0, "error",
                         "the time is not a date and time such as 2026-12-24T15:30");
    } else {
        args = json_pack("{s:s?,s:I,s:s?,s:[],s:s?,s:s}", "title", web_field(p, "title"), "at_ms",
                         (json_int_t)at_ms, "where", web_field(p, "where"), "tags", "body",
                         web_field(p, "body"), "circle", tag);
        resp = args != NULL ? web_call(p, "session_announce", args)
                            : json_pack("{s:b,s:s}", "ok", 0, "error",
                                        "the form holds bytes that are not text");
    }
    web_done(p, resp, back, "Meeting not proposed");
    json_decref(resp);
    free(back);
}

int web_circle_serve(struct web_page *p, int post, const char *path)
{
    char tag[CIRCLE_TAG_ARG + 1];
    const char *rest;
    size_t n;

    if (strncmp(path, "/circle/", 8) != 0)
        return 0;
    rest = path + 8;
    n = strcspn(rest, "/");
    if (n == 0 || n > CIRCLE_TAG_ARG) {
        web_not_found(p);
        return 1;
    }
    memcpy(tag, rest, n);
    tag[n] = '\0';
    if (!post && rest[n] == '\0')
        circle_page(p, tag);
    else if (post && strcmp(rest + n, "/meet") == 0)
        circle_meet_post(p, tag);
    else
        web_not_found(p);
    return 1;
}
