#include "web_actions.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "identity.h"
#include "node_clock.h"
#include "team.h"
#include "web_edit.h"
#include "web_html.h"
#include "xmalloc.h"

#define WEB_HEX_ID 65 /* 64 hex digits and a NUL */

/* Who looks: my key (hex) and whether I am a team admin now (pins are shown to admins only). */
struct web_who {
    char me[WEB_HEX_ID];
    int admin;
};

static void web_who(struct web_page *p, struct web_who *w)
{
    hex_encode(identity_public_key(p->n->id), IDENTITY_PUBLIC_KEY_LEN, w->me);
    w->admin = p->n->team != NULL &&
               team_is_admin(p->n->team, identity_public_key(p->n->id), node_clock_wall_ms());
}

static int web_is(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The start of a small form posting to /e/ID/action, with the CSRF token and q. */
static void web_act_form(struct web_page *p, const char *id, const char *action, const char *q)
{
    web_outf(p, "<form class=\"act\" action=\"/e/%s/%s\" method=\"post\">", id, action);
    web_hidden_csrf(p);
    web_outf(p, "<input type=\"hidden\" name=\"q\" value=\"%s\">", q);
}

/* The buttons under an entry (e, a question or an answer of question q). */
static void web_act_bar(struct web_page *p, const struct web_who *w, json_t *e, const char *q)
{
    const char *id = web_jstr(e, "id");
    json_t *votes = json_object_get(e, "votes"), *flags = json_object_get(e, "flags");
    int mine = web_is(web_jstr(e, "author"), w->me);

    web_out(p, "<div class=\"actions\">");
    if (!mine) {
        web_act_form(p, id, "vote", q);
        web_outf(p,
                 "<button name=\"value\" value=\"up\" aria-label=\"Vote up\">▲ %lld</button>"
                 "<button name=\"value\" value=\"down\" aria-label=\"Vote down\">▼ %lld</button>"
                 "</form>",
                 (long long)json_integer_value(json_object_get(votes, "up")),
                 (long long)json_integer_value(json_object_get(votes, "down")));
        web_act_form(p, id, "thank", q);
        web_out(p, "<button>Thank</button></form>");
    } else {
        web_outf(p, "<span class=\"votes\">▲ %lld ▼ %lld</span>",
                 (long long)json_integer_value(json_object_get(votes, "up")),
                 (long long)json_integer_value(json_object_get(votes, "down")));
    }
    web_act_form(p, id, "flag", q);
    web_outf(p,
             "<button name=\"flag\" value=\"verified\">Verified (%lld)</button>"
             "<button name=\"flag\" value=\"obsolete\">Obsolete (%lld)</button></form>",
             (long long)json_integer_value(json_object_get(flags, "verified")),
             (long long)json_integer_value(json_object_get(flags, "obsolete")));
    if (mine) {
        web_outf(p, "<a class=\"edit\" href=\"/e/%s/edit?q=%s\">Edit</a>", id, q);
        web_act_form(p, id, "retract", q);
        web_out(p, "<button>Retract</button></form>");
    }
    if (w->admin) {
        web_act_form(p, id, "pin", q);
        if (json_is_true(json_object_get(e, "pinned")))
            web_out(p, "<input type=\"hidden\" name=\"off\" value=\"1\"><button>Unpin</button>");
        else
            web_out(p, "<button>Pin</button>");
        web_out(p, "</form>");
    }
    if (json_integer_value(json_object_get(e, "edits")) > 0)
        web_outf(p, "<a class=\"history\" href=\"/e/%s/edit?q=%s#history\">edited</a>", id, q);
    web_out(p, "</div>");
}

/* The comments (an array) on the entry target, then a form to add one. */
static void web_act_comments(struct web_page *p, json_t *comments, const char *target,
                             const char *q)
{
    json_t *c;
    size_t i;
    int any = 0;

    json_array_foreach(comments, i, c)
    {
        if (!web_is(json_string_value(json_array_get(json_object_get(c, "refs"), 0)), target))
            continue;
        if (!any)
            web_out(p, "<ul class=\"comments\">\n");
        any = 1;
        if (web_jstr(c, "id") != NULL && hex_is_lower(web_jstr(c, "id"), 32))
            web_outf(p, "<li id=\"cm-%s\">", web_jstr(c, "id"));
        else
            web_out(p, "<li>");
        web_md(p, web_jstr(c, "body"));
        web_byline(p, c);
        web_out(p, "</li>\n");
    }
    if (any)
        web_out(p, "</ul>\n");
    web_out(p, "<details class=\"comment\"><summary>Comment</summary>");
    web_act_form(p, target, "comment", q);
    web_outf(p,
             "<label for=\"c-%s\">Your comment (Markdown)</label><textarea id=\"c-%s\" "
             "name=\"body\" rows=\"3\" required></textarea><button>Post the comment</button>"
             "</form></details>\n",
             target, target);
}

static void web_act_answer(struct web_page *p, const struct web_who *w, json_t *a, json_t *get)
{
    json_t *q = json_object_get(get, "entry"), *mine;
    const char *id = web_jstr(a, "id"), *qid = web_jstr(q, "id");
    int accepted = json_is_true(json_object_get(a, "is_accepted"));

    if (id == NULL || !hex_is_lower(id, 32))
        return;
    web_outf(p, "<article class=\"answer%s\" id=\"a-%s\">", accepted ? " accepted" : "", id);
    if (accepted)
        web_out(p, "<p class=\"badge\">Accepted answer</p>");
    web_md(p, web_jstr(a, "body"));
    web_out(p, "<p>");
    web_byline(p, a);
    web_out(p, "</p>");
    if (!accepted && web_is(web_jstr(q, "author"), w->me)) {
        web_outf(p, "<form class=\"act\" action=\"/q/%s/accept\" method=\"post\">", qid);
        web_hidden_csrf(p);
        web_outf(p,
                 "<input type=\"hidden\" name=\"answer\" value=\"%s\"><button name=\"accept\" "
                 "value=\"1\">Accept this answer</button></form>",
                 id);
    }
    web_act_bar(p, w, a, qid);
    /* The question's get lists the question's comments only: an answer's come with its own. */
    mine = web_call(p, "get", json_pack("{s:s}", "id", id));
    web_act_comments(p, json_object_get(mine, "comments"), id, qid);
    json_decref(mine);
    web_out(p, "</article>\n");
}

void web_actions_answers(struct web_page *p, json_t *get)
{
    json_t *answers = json_object_get(get, "answers"), *a;
    const char *qid = web_jstr(json_object_get(get, "entry"), "id");
    struct web_who w;
    size_t i;
    int pass;

    if (qid == NULL || !hex_is_lower(qid, 32))
        return;
    web_who(p, &w);
    web_outf(p, "<section id=\"answers\" data-question=\"%s\" aria-live=\"polite\">", qid);
    web_outf(p, "<h2>%zu answer%s</h2>\n", json_array_size(answers),
             json_array_size(answers) == 1 ? "" : "s");
    /* The accepted answer first, then the rest in order. */
    for (pass = 0; pass < 2; pass++) {
        json_array_foreach(answers, i, a)
        {
            if (json_is_true(json_object_get(a, "is_accepted")) == (pass == 0))
                web_act_answer(p, &w, a, get);
        }
    }
    web_out(p, "</section>\n");
}

void web_actions_question(struct web_page *p, json_t *e, json_t *comments)
{
    const char *id = web_jstr(e, "id");
    struct web_who w;

    if (id == NULL || !hex_is_lower(id, 32))
        return;
    web_who(p, &w);
    web_act_bar(p, &w, e, id);
    web_act_comments(p, comments, id, id);
}

/* ---- the actions ---- */

/* Where a form goes back to: its q (a question's full id), else the home page. */
static char *web_act_back(struct web_page *p)
{
    const char *q = web_form_get(p->form, "q");

    return q != NULL && hex_is_lower(q, 32) ? xasprintf("/q/%s", q) : xasprintf("/");
}

/* Done: back to the question (303). Refused: a page with the op's message and a way back
 * (web_done). Takes resp. */
static void web_act_done(struct web_page *p, json_t *resp, const char *what)
{
    char *back = web_act_back(p);

    web_done(p, resp, back, what);
    free(back);
    json_decref(resp);
}

/* A reply for a form that could not become a request (bytes that are not text). */
static json_t *web_act_unreadable(void)
{
    return json_pack("{s:b,s:s,s:s}", "ok", 0, "code", "invalid", "error",
                     "the form holds bytes that are not text");
}

/* The op's args with id, and field name copied as key when the form has it (a new object, or
 * NULL when the field is not text). */
static json_t *web_act_args(struct web_page *p, const char *id, const char *field, const char *key)
{
    const char *v = field != NULL ? web_form_get(p->form, field) : NULL;
    json_t *args = json_pack("{s:s}", "id", id);

    if (v != NULL && json_object_set_new(args, key, json_string(v)) != 0) {
        json_decref(args);
        return NULL;
    }
    return args;
}

/* POST /e/ID/ACTION for one of the simple ones: one op, one optional field. */
static void web_act_simple(struct web_page *p, const char *id, const char *action)
{
    static const struct {
        const char *action, *op, *field, *key, *what;
    } acts[] = {
        {"vote", "vote", "value", "value", "Your vote was not counted"},
        {"thank", "thank", NULL, NULL, "Your thanks were not sent"},
        {"flag", "flag", "flag", "flag", "The flag was not set"},
        {"retract", "retract", NULL, NULL, "It was not retracted"},
        {"pin", "pin", NULL, NULL, "The pin was not changed"},
    };
    json_t *args, *resp;
    size_t i;

    for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
        if (strcmp(action, acts[i].action) != 0)
            continue;
        args = web_act_args(p, id, acts[i].field, acts[i].key);
        if (args != NULL && strcmp(action, "pin") == 0)
            json_object_set_new(args, "off", json_boolean(web_form_get(p->form, "off") != NULL));
        resp = args != NULL ? web_call(p, acts[i].op, args) : web_act_unreadable();
        if (web_ok(resp) && strcmp(action, "retract") == 0 &&
            web_is(web_form_get(p->form, "q"), web_jstr(resp, "retracted"))) {
            p->status = MHD_HTTP_SEE_OTHER; /* the question itself is gone: home */
            p->location = xasprintf("/");
            json_decref(resp);
            return;
        }
        web_act_done(p, resp, acts[i].what);
        return;
    }
    web_not_found(p);
}

/* POST /e/ID/comment: a comment on the entry. */
static void web_act_comment(struct web_page *p, const char *id)
{
    const char *body = web_form_get(p->form, "body");
    json_t *args = json_pack("{s:s,s:s,s:[s]}", "kind", "comment", "body", body != NULL ? body : "",
                             "refs", id);

    web_act_done(p, args != NULL ? web_call(p, "post", args) : web_act_unreadable(),
                 "Your comment was not posted");
}

/* POST /q/ID/accept (answer=AID): the asker accepts an answer. */
static void web_act_accept(struct web_page *p, const char *qid)
{
    const char *answer = web_form_get(p->form, "answer");
    json_t *resp;

    if (answer == NULL || web_path_id(answer) != strlen(answer))
        resp = json_pack("{s:b,s:s,s:s}", "ok", 0, "code", "invalid", "error",
                         "which answer? (the form names none)");
    else
        resp = web_call(p, "accept", json_pack("{s:s}", "id", answer));
    if (web_ok(resp)) {
        p->status = MHD_HTTP_SEE_OTHER;
        p->location = xasprintf("/q/%s", qid);
        json_decref(resp);
        return;
    }
    web_act_done(p, resp, "The answer was not accepted");
}

/* GET /q/ID/answers: the answers section alone, for lore.js. */
static void web_act_fragment(struct web_page *p, const char *qid)
{
    json_t *resp = web_call(p, "get", json_pack("{s:s}", "id", qid));

    if (!web_ok(resp)) {
        p->status = MHD_HTTP_NOT_FOUND;
        web_error_line(p, resp);
    } else {
        web_actions_answers(p, resp);
    }
    json_decref(resp);
}

int web_actions_serve(struct web_page *p, int post, const char *path)
{
    char id[WEB_ID_MAX + 1];
    const char *rest;
    size_t n;

    if (strncmp(path, "/q/", 3) != 0 && strncmp(path, "/e/", 3) != 0)
        return 0;
    n = web_path_id(path + 3);
    if (n == 0 || path[3 + n] != '/')
        return 0;
    memcpy(id, path + 3, n);
    id[n] = '\0';
    rest = path + 3 + n + 1;
    if (path[1] == 'q') {
        if (!post && strcmp(rest, "answers") == 0)
            web_act_fragment(p, id);
        else if (post && strcmp(rest, "accept") == 0)
            web_act_accept(p, id);
        else
            return 0;
    } else if (strcmp(rest, "edit") == 0) {
        if (post)
            web_edit_post(p, id);
        else
            web_edit_form(p, id, NULL);
    } else if (!post) {
        web_not_found(p);
    } else if (strcmp(rest, "comment") == 0) {
        web_act_comment(p, id);
    } else {
        web_act_simple(p, id, rest);
    }
    return 1;
}
