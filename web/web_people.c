#include "web_people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "identity.h"
#include "web_html.h"
#include "web_learn.h"
#include "xmalloc.h"

#define WEB_PEOPLE_MAX 200 /* members shown on /people (one profile op each) */
#define WEB_KEY_HEX 65

/* The skills of a profile: "tag (level 3, 2 endorsements)". */
static void web_skill_list(struct web_page *p, json_t *skills)
{
    json_t *s;
    size_t i;

    json_array_foreach(skills, i, s)
    {
        long long level = json_integer_value(json_object_get(s, "level"));
        long long endorsers = json_integer_value(json_object_get(s, "endorsers"));

        web_out(p, i > 0 ? ", " : "");
        web_tag_link(p, web_jstr(s, "tag"));
        web_out(p, " <span class=\"level\">(");
        if (level > 0)
            web_outf(p, "level %lld, ", level);
        web_outf(p, "%lld endorsement%s)</span>", endorsers, endorsers == 1 ? "" : "s");
    }
}

/* /people: the team's members with their skills (or only me, in no team). */
static void web_people(struct web_page *p)
{
    json_t *team = web_call(p, "team_show", NULL), *members, *m, *prof;
    char me[WEB_KEY_HEX];
    size_t i, shown = 0;

    hex_encode(identity_public_key(p->n->id), IDENTITY_PUBLIC_KEY_LEN, me);
    members = json_object_get(json_object_get(team, "team"), "members");
    web_head(p, "People");
    web_out(p, "<h1>People</h1>\n<p><a href=\"/who\">Who knows…?</a> · <a href=\"/mentors\">"
               "Mentoring</a></p>\n<table class=\"people\"><thead><tr><th scope=\"col\">Name"
               "</th><th scope=\"col\">Skills</th><th scope=\"col\">Answers</th><th scope=\"col\">"
               "Accepted</th></tr></thead><tbody>\n");
    if (!web_ok(team))
        members = NULL; /* in no team: only me */
    for (i = 0; i == 0 || i < json_array_size(members); i++) {
        const char *key = members != NULL ? web_jstr(json_array_get(members, i), "key") : me;

        m = json_array_get(members, i);
        if (key == NULL || json_integer_value(json_object_get(m, "revoked_ms")) > 0)
            continue;
        if (++shown > WEB_PEOPLE_MAX)
            break;
        prof = web_call(p, "profile", json_pack("{s:s}", "person", key));
        web_out(p, "<tr><td>");
        web_person_link(p, key,
                        web_jstr(json_object_get(prof, "profile"), "name") != NULL
                            ? web_jstr(json_object_get(prof, "profile"), "name")
                            : web_jstr(m, "name"));
        if (strcmp(key, me) == 0)
            web_out(p, " <span class=\"me\">(you)</span>");
        web_out(p, "</td><td>");
        web_skill_list(p, json_object_get(json_object_get(prof, "profile"), "skills"));
        web_outf(p, "</td><td>%lld</td><td>%lld</td></tr>\n",
                 json_integer_value(json_object_get(json_object_get(prof, "profile"), "answers")),
                 json_integer_value(
                     json_object_get(json_object_get(prof, "profile"), "accepted_answers")));
        json_decref(prof);
        if (members == NULL)
            break;
    }
    web_out(p, "</tbody></table>\n");
    web_foot(p);
    json_decref(team);
}

/* My own profile's forms: add a skill, remove one, offer mentoring. */
static void web_profile_mine(struct web_page *p, json_t *prof)
{
    json_t *s;
    size_t i;

    web_out(p, "<h2>Your skills</h2>\n<form class=\"skill-add\" action=\"/skills\" "
               "method=\"post\">");
    web_hidden_csrf(p);
    web_out(p, "<label for=\"skill-tag\">Skill (a tag)</label><input id=\"skill-tag\" "
               "name=\"tag\" required maxlength=\"64\"><label for=\"skill-level\">Level (1–5)"
               "</label><input id=\"skill-level\" name=\"level\" type=\"number\" min=\"1\" "
               "max=\"5\" value=\"3\"><button>Add skill</button></form>\n");
    json_array_foreach(json_object_get(prof, "skills"), i, s)
    {
        if (json_integer_value(json_object_get(s, "level")) <= 0)
            continue;
        web_out(p, "<form class=\"skill-remove\" action=\"/skills/remove\" method=\"post\">");
        web_hidden_csrf(p);
        web_out(p, "<input type=\"hidden\" name=\"tag\" value=\"");
        web_esc(p, web_jstr(s, "tag"));
        web_out(p, "\"><button>Remove ");
        web_esc(p, web_jstr(s, "tag"));
        web_out(p, "</button></form>\n");
    }
    web_out(p, "<h2>Offer mentoring</h2>\n<form class=\"mentor-offer\" action=\"/mentors/offer\" "
               "method=\"post\">");
    web_hidden_csrf(p);
    web_out(p, "<label for=\"mo-tags\">Tags (separated by spaces or commas)</label><input "
               "id=\"mo-tags\" name=\"tags\" required><label for=\"mo-body\">What you offer"
               "</label><textarea id=\"mo-body\" name=\"body\" rows=\"3\"></textarea><button>"
               "Offer</button></form>\n");
    if (json_array_size(json_object_get(prof, "mentor_offers")) > 0) {
        web_out(p, "<form action=\"/mentors/withdraw\" method=\"post\">");
        web_hidden_csrf(p);
        web_out(p, "<button>Withdraw my mentoring offers</button></form>\n");
    }
}

/* Someone else's profile's forms: endorse, ask for mentoring. */
static void web_profile_theirs(struct web_page *p, const char *key)
{
    web_outf(p,
             "<h2>Endorse</h2>\n<form class=\"endorse\" action=\"/p/%s/endorse\" "
             "method=\"post\">",
             key);
    web_hidden_csrf(p);
    web_out(p, "<label for=\"en-tag\">Skill (a tag)</label><input id=\"en-tag\" name=\"tag\" "
               "required maxlength=\"64\"><button>Endorse</button></form>\n");
    web_outf(p,
             "<h2>Ask for mentoring</h2>\n<form class=\"mentor-request\" "
             "action=\"/p/%s/mentor\" method=\"post\">",
             key);
    web_hidden_csrf(p);
    web_out(p, "<label for=\"mr-tag\">Topic (a tag)</label><input id=\"mr-tag\" name=\"tag\" "
               "required maxlength=\"64\"><label for=\"mr-body\">Your request</label><textarea "
               "id=\"mr-body\" name=\"body\" rows=\"3\" required></textarea><button>Ask"
               "</button></form>\n");
}

/* A person's active learning goals (the goals op), each linking to its circle. */
static void web_person_goals(struct web_page *p, const char *key, int me)
{
    json_t *resp = web_call(p, "goals", json_pack("{s:s}", "person", key));

    web_out(p, "<h2>Learning</h2>");
    if (!web_ok(resp))
        web_error_line(p, resp);
    else if (json_array_size(json_object_get(resp, "goals")) == 0)
        web_out(p, "<p class=\"none\">No active learning goal.</p>");
    else
        web_learn_goals(p, json_object_get(resp, "goals"), 0);
    if (me)
        web_out(p, "<p><a href=\"/learn\">Your learning goals</a></p>");
    json_decref(resp);
}

/* /p/KEY: a profile; my own has the forms that change it. */
static void web_profile(struct web_page *p, const char *who)
{
    json_t *resp = web_call(p, "profile", json_pack("{s:s}", "person", who));
    json_t *prof = json_object_get(resp, "profile"), *o;
    const char *key = web_jstr(prof, "key"), *name = web_jstr(prof, "name");
    size_t i;

    if (!web_ok(resp) || key == NULL || !hex_is_lower(key, 32)) {
        p->status = MHD_HTTP_NOT_FOUND;
        web_head(p, "Not found");
        web_out(p, "<h1>No such person</h1>\n");
        web_error_line(p, resp);
        web_foot(p);
        json_decref(resp);
        return;
    }
    web_head(p, name != NULL ? name : "Profile");
    web_out(p, "<article class=\"profile\"><h1>");
    web_esc(p, name != NULL ? name : "(no name yet)");
    web_outf(p, "</h1><p class=\"key\"><code>%s</code></p>", key);
    if (web_jstr(prof, "bio") != NULL)
        web_md(p, web_jstr(prof, "bio"));
    web_out(p, "<dl><dt>Skills</dt><dd>");
    web_skill_list(p, json_object_get(prof, "skills"));
    web_outf(p,
             "</dd><dt>Answers</dt><dd>%lld (%lld accepted)</dd><dt>Sessions hosted</dt>"
             "<dd>%lld</dd></dl>\n",
             json_integer_value(json_object_get(prof, "answers")),
             json_integer_value(json_object_get(prof, "accepted_answers")),
             json_integer_value(json_object_get(prof, "sessions_hosted")));
    if (json_array_size(json_object_get(prof, "mentor_offers")) > 0) {
        web_out(p, "<h2>Offers mentoring</h2><ul class=\"offers\">");
        json_array_foreach(json_object_get(prof, "mentor_offers"), i, o)
        {
            web_out(p, "<li>");
            web_tags(p, o);
            web_out(p, "</li>");
        }
        web_out(p, "</ul>\n");
    }
    web_person_goals(p, key, json_is_true(json_object_get(prof, "me")));
    web_out(p, "</article>\n");
    if (json_is_true(json_object_get(prof, "me")))
        web_profile_mine(p, prof);
    else
        web_profile_theirs(p, key);
    web_foot(p);
    json_decref(resp);
}

/* /who?topic=: who knows about it, with the reasons, online people first. */
static void web_who(struct web_page *p)
{
    const char *topic = web_arg(p, "topic");
    json_t *resp = NULL, *pe;
    size_t i;

    web_head(p, "Who knows");
    web_out(p, "<h1>Who knows…?</h1>\n<form class=\"who\" action=\"/who\" method=\"get\"><label "
               "for=\"topic\">Topic (a tag or words)</label><input id=\"topic\" name=\"topic\" "
               "required value=\"");
    web_esc(p, topic);
    web_out(p, "\"><button>Find people</button></form>\n");
    if (topic != NULL && topic[0] != '\0') {
        resp = web_call(p, "who_knows", json_pack("{s:s,s:b}", "topic", topic, "online", 1));
        if (!web_ok(resp)) {
            web_error_line(p, resp);
        } else if (json_array_size(json_object_get(resp, "people")) == 0) {
            web_out(p, "<p class=\"none\">Nobody is known for that yet.</p>\n");
        } else {
            web_out(p, "<ol class=\"people\">\n");
            json_array_foreach(json_object_get(resp, "people"), i, pe)
            {
                web_out(p, "<li>");
                web_person_link(p, web_jstr(pe, "key"), web_jstr(pe, "name"));
                if (json_is_true(json_object_get(pe, "online")))
                    web_out(p, " <span class=\"online\" title=\"online now\">● online</span>");
                web_out(p, " <span class=\"why\">");
                web_esc(p, web_jstr(pe, "why"));
                web_out(p, "</span></li>\n");
            }
            web_out(p, "</ol>\n");
        }
    }
    web_foot(p);
    json_decref(resp);
}

/* /mentors?tag=: mentors for a tag, and the requests for mentoring sent to me. */
static void web_mentors(struct web_page *p)
{
    const char *tag = web_arg(p, "tag");
    json_t *inbox = web_call(p, "inbox", json_pack("{s:i}", "limit", 1)), *resp = NULL, *m;
    size_t i;

    web_head(p, "Mentoring");
    web_out(p, "<h1>Mentoring</h1>\n<form class=\"mentor-find\" action=\"/mentors\" "
               "method=\"get\"><label for=\"mtag\">Find a mentor for (a tag)</label><input "
               "id=\"mtag\" name=\"tag\" required value=\"");
    web_esc(p, tag);
    web_out(p, "\"><button>Find</button></form>\n");
    if (tag != NULL && tag[0] != '\0') {
        resp = web_call(p, "mentor_find", json_pack("{s:s}", "tag", tag));
        if (!web_ok(resp))
            web_error_line(p, resp);
        else if (json_array_size(json_object_get(resp, "mentors")) == 0)
            web_out(p, "<p class=\"none\">Nobody offers mentoring for that yet.</p>\n");
        web_out(p, "<ol class=\"mentors\">\n");
        json_array_foreach(json_object_get(resp, "mentors"), i, m)
        {
            web_out(p, "<li>");
            web_person_link(p, web_jstr(m, "key"), web_jstr(m, "name"));
            web_tags(p, m);
            web_out(p, " <span class=\"why\">");
            web_esc(p, web_jstr(m, "why"));
            web_out(p, "</span>");
            web_md(p, web_jstr(m, "body"));
            web_out(p, "</li>\n");
        }
        web_out(p, "</ol>\n");
    }
    web_out(p, "<h2>Requests to you</h2>\n");
    web_entry_list(p, json_object_get(inbox, "mentoring_requests"),
                   "Nobody has asked you for mentoring.");
    web_out(p, "<p>To offer mentoring, or withdraw an offer, see <a href=\"/p/me\">your "
               "profile</a>.</p>\n");
    web_foot(p);
    json_decref(inbox);
    json_decref(resp);
}

/* POST /p/KEY/endorse and /p/KEY/mentor. */
static void web_person_post(struct web_page *p, const char *key, const char *action)
{
    char back[80];
    json_t *resp;

    snprintf(back, sizeof(back), "/p/%s", key);
    if (strcmp(action, "endorse") == 0) {
        resp = web_call(p, "endorse",
                        json_pack("{s:s,s:s?}", "person", key, "tag", web_field(p, "tag")));
        web_done(p, resp, back, "Not endorsed");
    } else {
        resp = web_call(p, "mentor_request",
                        json_pack("{s:s,s:s?,s:s?}", "person", key, "tag", web_field(p, "tag"),
                                  "body", web_field(p, "body")));
        web_done(p, resp, back, "Mentoring not requested");
    }
    json_decref(resp);
}

/* POST /skills, /skills/remove, /mentors/offer, /mentors/withdraw: my own. */
static void web_mine_post(struct web_page *p, const char *path)
{
    const char *level = web_field(p, "level");
    json_t *resp;

    if (strcmp(path, "/skills") == 0) {
        resp = web_call(p, "skill",
                        json_pack("{s:s?,s:i}", "tag", web_field(p, "tag"), "level",
                                  level != NULL ? (int)strtol(level, NULL, 10) : 3));
        web_done(p, resp, "/p/me", "Skill not added");
    } else if (strcmp(path, "/skills/remove") == 0) {
        resp = web_call(p, "skill_remove", json_pack("{s:s?}", "tag", web_field(p, "tag")));
        web_done(p, resp, "/p/me", "Skill not removed");
    } else if (strcmp(path, "/mentors/offer") == 0) {
        resp = web_call(p, "mentor_offer",
                        json_pack("{s:o,s:s?}", "tags", web_split_tags(web_field(p, "tags")),
                                  "body", web_field(p, "body")));
        web_done(p, resp, "/p/me", "Mentoring not offered");
    } else {
        resp = web_call(p, "mentor_withdraw", NULL);
        web_done(p, resp, "/p/me", "Mentoring offers not withdrawn");
    }
    json_decref(resp);
}

int web_people_serve(struct web_page *p, int post, const char *path)
{
    char key[WEB_KEY_HEX];
    size_t n;

    if (!post && strcmp(path, "/people") == 0) {
        web_people(p);
    } else if (!post && strcmp(path, "/who") == 0) {
        web_who(p);
    } else if (!post && strcmp(path, "/mentors") == 0) {
        web_mentors(p);
    } else if (post &&
               (strcmp(path, "/skills") == 0 || strcmp(path, "/skills/remove") == 0 ||
                strcmp(path, "/mentors/offer") == 0 || strcmp(path, "/mentors/withdraw") == 0)) {
        web_mine_post(p, path);
    } else if (!post && strcmp(path, "/p/me") == 0) {
        hex_encode(identity_public_key(p->n->id), IDENTITY_PUBLIC_KEY_LEN, key);
        web_profile(p, key);
    } else if (strncmp(path, "/p/", 3) == 0 && (n = web_path_id(path + 3)) > 0) {
        memcpy(key, path + 3, n);
        key[n] = '\0';
        if (!post && path[3 + n] == '\0')
            web_profile(p, key);
        else if (post &&
                 (strcmp(path + 3 + n, "/endorse") == 0 || strcmp(path + 3 + n, "/mentor") == 0))
            web_person_post(p, key, path + 4 + n);
        else
            return 0;
    } else {
        return 0;
    }
    return 1;
}
