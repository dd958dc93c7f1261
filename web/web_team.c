#include "web_team.h"

#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "web_html.h"

/* The members table; admins get a revoke button for each current member but themselves. */
static void web_members(struct web_page *p, json_t *team, const char *me)
{
    int admin = json_is_true(json_object_get(team, "admin"));
    json_t *m;
    size_t i;

    web_out(p, "<h2>Members</h2>\n<table class=\"members\"><thead><tr><th scope=\"col\">Name"
               "</th><th scope=\"col\">Key</th><th scope=\"col\">Role</th>");
    if (admin)
        web_out(p, "<th scope=\"col\">Admin</th>");
    web_out(p, "</tr></thead><tbody>\n");
    json_array_foreach(json_object_get(team, "members"), i, m)
    {
        const char *key = web_jstr(m, "key");
        int revoked = json_integer_value(json_object_get(m, "revoked_ms")) > 0;

        if (key == NULL || !hex_is_lower(key, 32))
            continue;
        web_outf(p, "<tr%s><td><a href=\"/p/%s\">", revoked ? " class=\"revoked\"" : "", key);
        web_esc(p, web_jstr(m, "name") != NULL ? web_jstr(m, "name") : "(no name yet)");
        web_outf(p, "</a></td><td><code>%.16s</code></td><td>%s%s%s%s</td>", key,
                 json_is_true(json_object_get(m, "admin")) ? "admin" : "member",
                 json_is_true(json_object_get(m, "vouched")) ? ", vouched" : "",
                 revoked ? ", revoked" : "", strcmp(key, me) == 0 ? " (you)" : "");
        if (admin) {
            web_out(p, "<td>");
            if (!revoked && strcmp(key, me) != 0) {
                web_out(p, "<form class=\"revoke\" action=\"/team/revoke\" method=\"post\">");
                web_hidden_csrf(p);
                web_outf(p,
                         "<input type=\"hidden\" name=\"who\" value=\"%s\"><button>Revoke…"
                         "</button></form>",
                         key);
            }
            web_out(p, "</td>");
        }
        web_out(p, "</tr>\n");
    }
    web_out(p, "</tbody></table>\n");
}

/* Peers and sync state (ops peers and status). */
static void web_sync(struct web_page *p)
{
    json_t *peers = web_call(p, "peers", NULL), *status = web_call(p, "status", NULL), *x;
    json_t *sync = json_object_get(status, "sync");
    size_t i;

    web_out(p, "<h2>Sync</h2>\n<dl class=\"sync\">");
    web_outf(p,
             "<dt>Entries here</dt><dd>%lld</dd><dt>Peers up</dt><dd>%lld</dd><dt>Members "
             "online</dt><dd>%lld</dd><dt>Entries still to fetch</dt><dd>%lld</dd>",
             json_integer_value(json_object_get(status, "entries")),
             json_integer_value(json_object_get(sync, "peers_up")),
             json_integer_value(json_object_get(sync, "online")),
             json_integer_value(json_object_get(sync, "to_fetch")));
    if (web_jstr(json_object_get(status, "clock"), "problem") != NULL) {
        web_out(p, "<dt>Clock</dt><dd class=\"error\">");
        web_esc(p, web_jstr(json_object_get(status, "clock"), "problem"));
        web_out(p, "</dd>");
    }
    if (json_is_true(json_object_get(json_object_get(status, "storage"), "failing"))) {
        web_out(p, "<dt>Storage</dt><dd class=\"error\">");
        web_esc(p, web_jstr(json_object_get(status, "storage"), "error"));
        web_out(p, "</dd>");
    }
    web_out(p, "</dl>\n<table class=\"peers\"><thead><tr><th scope=\"col\">Peer</th><th "
               "scope=\"col\">Address</th><th scope=\"col\">State</th><th scope=\"col\">Sync"
               "</th><th scope=\"col\">Round trip</th></tr></thead><tbody>\n");
    json_array_foreach(json_object_get(peers, "peers"), i, x)
    {
        web_out(p, "<tr><td>");
        web_esc(p, web_jstr(x, "name") != NULL ? web_jstr(x, "name") : "?");
        web_out(p, "</td><td>");
        web_esc(p, web_jstr(x, "address"));
        web_out(p, "</td><td>");
        web_esc(p, web_jstr(x, "state"));
        web_out(p, "</td><td>");
        web_esc(p, web_jstr(x, "sync"));
        web_out(p, "</td><td>");
        if (json_is_number(json_object_get(x, "rtt_ms")))
            web_outf(p, "%.0f ms", json_number_value(json_object_get(x, "rtt_ms")));
        web_out(p, "</td></tr>\n");
    }
    web_out(p, "</tbody></table>\n");
    if (json_array_size(json_object_get(peers, "peers")) == 0)
        web_out(p, "<p class=\"none\">No peers yet.</p>\n");
    json_decref(peers);
    json_decref(status);
}

/* /team: the team, its members, my join code and the admin's forms, peers and sync. */
static void web_team(struct web_page *p)
{
    json_t *resp = web_call(p, "team_show", NULL), *team = json_object_get(resp, "team");
    char me[IDENTITY_PUBLIC_KEY_LEN * 2 + 1];
    int admin = json_is_true(json_object_get(team, "admin"));

    hex_encode(identity_public_key(p->n->id), IDENTITY_PUBLIC_KEY_LEN, me);
    web_head(p, "Team");
    if (!web_ok(resp) || !json_is_object(team)) {
        web_out(p, "<h1>Team</h1>\n<p>This node is in no team yet. Create one with <code>lore "
                   "team create NAME</code> or join one with <code>lore team join CODE</code>."
                   "</p>\n");
        web_sync(p);
        web_foot(p);
        json_decref(resp);
        return;
    }
    web_out(p, "<h1>Team ");
    web_esc(p, web_jstr(team, "name") != NULL ? web_jstr(team, "name") : "(not seen yet)");
    web_out(p, "</h1>\n");
    if (web_jstr(team, "join_reason") != NULL) {
        web_out(p, "<p class=\"status\">");
        web_esc(p, web_jstr(team, "join_reason"));
        web_out(p, "</p>\n");
    }
    if (admin && web_jstr(team, "code") != NULL) {
        web_out(p, "<h2>Join code</h2>\n<p>A colleague joins with <code>lore team join "
                   "CODE</code>:</p><p><code class=\"join-code\">");
        web_esc(p, web_jstr(team, "code"));
        web_out(p, "</code></p>\n");
    }
    if (admin) {
        web_out(p, "<form class=\"rotate\" action=\"/team/rotate\" method=\"post\">");
        web_hidden_csrf(p);
        web_out(p, "<button>Rotate the join code…</button></form>\n");
    } else {
        web_out(p, "<p>To bring in a colleague, ask a team admin for the join code.</p>\n");
    }
    web_members(p, team, me);
    web_sync(p);
    web_foot(p);
    json_decref(resp);
}

/* A page asking to confirm an admin action: the same form again with confirm=yes. */
static void web_confirm(struct web_page *p, const char *action, const char *who,
                        const char *question, const char *button)
{
    web_head(p, "Confirm");
    web_out(p, "<h1>");
    web_esc(p, question);
    web_outf(p, "</h1>\n<form class=\"confirm\" action=\"%s\" method=\"post\">", action);
    web_hidden_csrf(p);
    if (who != NULL) {
        web_out(p, "<input type=\"hidden\" name=\"who\" value=\"");
        web_esc(p, who);
        web_out(p, "\">");
    }
    web_out(p, "<input type=\"hidden\" name=\"confirm\" value=\"yes\"><button>");
    web_esc(p, button);
    web_out(p, "</button> <a href=\"/team\">Cancel</a></form>\n");
    web_foot(p);
}

/* POST /team/revoke (who) and /team/rotate: first a confirmation page, then the op (which
 * refuses anyone but an admin). */
static void web_team_post(struct web_page *p, const char *path)
{
    const char *who = web_field(p, "who"), *confirm = web_field(p, "confirm");
    int rotate = strcmp(path, "/team/rotate") == 0;
    json_t *resp;

    if (confirm == NULL || strcmp(confirm, "yes") != 0) {
        if (rotate)
            web_confirm(p, path, NULL,
                        "Rotate the join code? The current code stops admitting anyone.",
                        "Yes, rotate the code");
        else
            web_confirm(p, path, who,
                        "Revoke this member? Their node is cut off and nothing they write after "
                        "now is taken.",
                        "Yes, revoke");
        return;
    }
    if (rotate)
        resp = web_call(p, "team_rotate", NULL);
    else
        resp = web_call(p, "team_revoke", json_pack("{s:s?}", "who", who));
    web_done(p, resp, "/team", rotate ? "Code not rotated" : "Member not revoked");
    json_decref(resp);
}

int web_team_serve(struct web_page *p, int post, const char *path)
{
    if (!post && strcmp(path, "/team") == 0)
        web_team(p);
    else if (post && (strcmp(path, "/team/revoke") == 0 || strcmp(path, "/team/rotate") == 0))
        web_team_post(p, path);
    else
        return 0;
    return 1;
}
