#include "web_sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hex.h"
#include "node_clock.h"
#include "web_html.h"
#include "xmalloc.h"

#define ICS_LINE_OCTETS 75 /* RFC 5545 3.1: lines longer than this are folded */

/* ---- iCalendar (RFC 5545) ---- */

/* Append line (a whole content line, unfolded) folded at ICS_LINE_OCTETS octets, never inside a
 * UTF-8 sequence, each piece ended by CRLF and each continuation led by one space. */
static int ics_fold(struct buf *b, const struct buf *line)
{
    const char *s = line->data != NULL ? (const char *)line->data : "";
    size_t len = line->len, at = 0, room = ICS_LINE_OCTETS, n;

    while (at < len) {
        n = len - at < room ? len - at : room;
        /* Back off to the start of a UTF-8 sequence (a byte 10xxxxxx continues one). */
        while (at + n < len && n > 1 && ((unsigned char)s[at + n] & 0xC0) == 0x80)
            n--;
        if ((at > 0 && buf_append_str(b, " ") != 0) || buf_append(b, s + at, n) != 0 ||
            buf_append_str(b, "\r\n") != 0)
            return -1;
        at += n;
        room = ICS_LINE_OCTETS - 1; /* the leading space counts */
    }
    return len == 0 ? buf_append_str(b, "\r\n") : 0;
}

/* Append s (may be NULL) as a TEXT value (3.3.11): \ ; , escaped, a newline as \n, other
 * control bytes dropped. */
static int ics_text(struct buf *line, const char *s)
{
    const char *esc;
    int rc = 0;

    for (; s != NULL && *s != '\0' && rc == 0; s++) {
        unsigned char c = (unsigned char)*s;
        esc = c == '\\' ? "\\\\" : c == ';' ? "\\;" : c == ',' ? "\\," : c == '\n' ? "\\n" : NULL;
        if (esc != NULL)
            rc = buf_append_str(line, esc);
        else if (c >= 0x20 && c != 0x7F)
            rc = buf_append(line, s, 1);
    }
    return rc;
}

/* One property: NAME:VALUE, the value escaped as TEXT unless raw. */
static int ics_prop(struct buf *b, const char *name, const char *value, int raw)
{
    struct buf line;
    int rc;

    buf_init(&line, b->max);
    rc = buf_append_str(&line, name) != 0 || buf_append_str(&line, ":") != 0 ||
                 (raw ? buf_append_str(&line, value) : ics_text(&line, value)) != 0 ||
                 ics_fold(b, &line) != 0
             ? -1
             : 0;
    buf_free(&line);
    return rc;
}

/* A UTC DATE-TIME (3.3.5, form 2): 19970714T173000Z. */
static void ics_time(uint64_t ms, char out[20])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, 20, "%Y%m%dT%H%M%SZ", &tm) == 0)
        snprintf(out, 20, "19700101T000000Z");
}

int web_sessions_ics(struct buf *b, json_t *s, uint64_t now_ms)
{
    const char *id = web_jstr(s, "id");
    json_t *host = json_object_get(s, "host"), *t;
    char start[20], stamp[20], *uid;
    struct buf cats, desc;
    size_t i;
    int rc = -1;

    if (id == NULL || !hex_is_lower(id, 32) || !json_is_integer(json_object_get(s, "at_ms")))
        return -1;
    ics_time((uint64_t)json_integer_value(json_object_get(s, "at_ms")), start);
    ics_time(now_ms, stamp);
    uid = xasprintf("%s@lore", id);
    buf_init(&cats, b->max);
    buf_init(&desc, b->max);
    json_array_foreach(json_object_get(s, "tags"), i, t)
    {
        if ((i > 0 && buf_append_str(&cats, ",") != 0) ||
            ics_text(&cats, json_string_value(t)) != 0)
            goto out;
    }
    if (buf_printf(&desc, "%s%sHost: %s", web_jstr(s, "body") != NULL ? web_jstr(s, "body") : "",
                   web_jstr(s, "body") != NULL ? "\n\n" : "",
                   web_jstr(host, "name") != NULL ? web_jstr(host, "name") : "?") != 0)
        goto out;
    if (buf_append_str(b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//lore//lore//EN\r\n"
                          "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nBEGIN:VEVENT\r\n") != 0 ||
        ics_prop(b, "UID", uid, 1) != 0 || ics_prop(b, "DTSTAMP", stamp, 1) != 0 ||
        ics_prop(b, "DTSTART", start, 1) != 0 ||
        ics_prop(b, "SUMMARY", web_jstr(s, "title"), 0) != 0 ||
        (web_jstr(s, "where") != NULL && ics_prop(b, "LOCATION", web_jstr(s, "where"), 0) != 0) ||
        ics_prop(b, "DESCRIPTION", (const char *)desc.data, 0) != 0 ||
        (cats.len > 0 && ics_prop(b, "CATEGORIES", (const char *)cats.data, 1) != 0) ||
        ics_prop(b, "STATUS",
                 json_is_true(json_object_get(s, "cancelled")) ? "CANCELLED" : "CONFIRMED",
                 1) != 0 ||
        buf_append_str(b, "END:VEVENT\r\nEND:VCALENDAR\r\n") != 0)
        goto out;
    rc = 0;
out:
    buf_free(&cats);
    buf_free(&desc);
    free(uid);
    return rc;
}

/* ---- the announce form's time ---- */

/* n decimal digits at s into *v; 0 or -1. */
static int digits(const char *s, int n, int *v)
{
    int i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

int web_sessions_parse_at(const char *s, uint64_t *ms)
{
    struct tm tm = {0};
    int y, mo, d, h, mi;
    time_t t;

    /* What <input type="datetime-local"> sends: YYYY-MM-DDTHH:MM (seconds, if any, ignored). */
    if (s == NULL || strlen(s) < 16 || digits(s, 4, &y) != 0 || s[4] != '-' ||
        digits(s + 5, 2, &mo) != 0 || s[7] != '-' || digits(s + 8, 2, &d) != 0 ||
        (s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) != 0 || s[13] != ':' ||
        digits(s + 14, 2, &mi) != 0)
        return -1;
    if (y < 2020 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_isdst = -1;
    /* The browser is on this machine (loopback only): its local time is ours. */
    t = mktime(&tm);
    if (t == (time_t)-1 || tm.tm_mday != d)
        return -1; /* no such day (Feb 30) */
    *ms = (uint64_t)t * 1000;
    return 0;
}

/* ---- pages ---- */

/* A time for people, in this machine's local time. */
static void web_local_time(struct web_page *p, json_t *s)
{
    time_t t = (time_t)(json_integer_value(json_object_get(s, "at_ms")) / 1000);
    char when[64];
    struct tm tm;

    if (localtime_r(&t, &tm) == NULL ||
        strftime(when, sizeof(when), "%a %e %b %Y, %H:%M", &tm) == 0)
        snprintf(when, sizeof(when), "?");
    web_out(p, "<time datetime=\"");
    web_esc(p, web_jstr(s, "at"));
    web_out(p, "\">");
    web_esc(p, when);
    web_out(p, "</time>");
}

static void web_rsvp_form(struct web_page *p, const char *id, const char *value, const char *label)
{
    web_outf(p, "<form class=\"rsvp\" action=\"/s/%s/rsvp\" method=\"post\">", id);
    web_hidden_csrf(p);
    web_outf(p, "<button name=\"value\" value=\"%s\">%s</button></form>", value, label);
}

static void web_session_item(struct web_page *p, json_t *s)
{
    const char *id = web_jstr(s, "id"), *mine = web_jstr(s, "mine");
    int cancelled = json_is_true(json_object_get(s, "cancelled"));

    if (id == NULL || !hex_is_lower(id, 32))
        return;
    web_outf(p, "<li class=\"session%s\" id=\"s-%s\"><strong>", cancelled ? " cancelled" : "", id);
    web_esc(p, web_jstr(s, "title"));
    web_out(p, "</strong> ");
    if (cancelled)
        web_out(p, "<span class=\"status\">cancelled</span> ");
    web_local_time(p, s);
    if (web_jstr(s, "where") != NULL) {
        web_out(p, " · ");
        web_esc(p, web_jstr(s, "where"));
    }
    web_tags(p, s);
    web_out(p, " <span class=\"by\">hosted by ");
    web_esc(p, web_jstr(json_object_get(s, "host"), "name") != NULL
                   ? web_jstr(json_object_get(s, "host"), "name")
                   : "?");
    web_outf(p, "</span> <span class=\"rsvps\">%lld going, %lld not</span>",
             json_integer_value(json_object_get(s, "yes")),
             json_integer_value(json_object_get(s, "no")));
    web_md(p, web_jstr(s, "body"));
    if (mine != NULL)
        web_outf(p, "<p>You said <strong>%s</strong>.</p>",
                 strcmp(mine, "yes") == 0 ? "yes" : "no");
    if (!cancelled) {
        web_rsvp_form(p, id, "yes", "I'll come");
        web_rsvp_form(p, id, "no", "I can't come");
    }
    web_outf(p, " <a class=\"ics\" href=\"/s/%s.ics\" download>Add to calendar (.ics)</a></li>\n",
             id);
}

static void web_announce_form(struct web_page *p)
{
    web_out(p, "<h2>Announce a session</h2>\n<form class=\"announce\" action=\"/sessions\" "
               "method=\"post\">");
    web_hidden_csrf(p);
    web_out(p, "<label for=\"s-title\">Title</label><input id=\"s-title\" name=\"title\" "
               "required maxlength=\"1000\"><label for=\"s-at\">When (your local time)</label>"
               "<input id=\"s-at\" name=\"at\" type=\"datetime-local\" required><label "
               "for=\"s-where\">Where</label><input id=\"s-where\" name=\"where\" "
               "maxlength=\"200\"><label for=\"s-tags\">Tags (separated by spaces or commas)"
               "</label><input id=\"s-tags\" name=\"tags\"><label for=\"s-body\">Details "
               "(Markdown)</label><textarea id=\"s-body\" name=\"body\" rows=\"4\"></textarea>"
               "<button>Announce</button></form>\n");
}

/* /sessions (?all=1: past ones too). */
static void web_sessions(struct web_page *p)
{
    const char *all = web_arg(p, "all");
    int everything = all != NULL && strcmp(all, "1") == 0;
    json_t *resp = web_call(p, "sessions", json_pack("{s:b,s:i}", "all", everything, "limit", 200));
    json_t *s;
    size_t i;

    web_head(p, "Sessions");
    web_out(p, everything
                   ? "<h1>All sessions</h1>\n<p><a href=\"/sessions\">Upcoming only</a></p>\n"
                   : "<h1>Upcoming sessions</h1>\n<p><a href=\"/sessions?all=1\">Past ones "
                     "too</a></p>\n");
    if (!web_ok(resp))
        web_error_line(p, resp);
    else if (json_array_size(json_object_get(resp, "sessions")) == 0)
        web_out(p, "<p class=\"none\">No sessions.</p>\n");
    else {
        web_out(p, "<ul class=\"sessions\">\n");
        json_array_foreach(json_object_get(resp, "sessions"), i, s) web_session_item(p, s);
        web_out(p, "</ul>\n");
    }
    web_announce_form(p);
    web_foot(p);
    json_decref(resp);
}

/* POST /sessions: announce. */
static void web_announce_post(struct web_page *p)
{
    uint64_t at_ms;
    json_t *resp;

    if (web_sessions_parse_at(web_field(p, "at"), &at_ms) != 0)
        resp = json_pack("{s:b,s:s}", "ok", 0, "error",
                         "the time is not a date and time such as 2026-12-24T15:30");
    else
        resp =
            web_call(p, "session_announce",
                     json_pack("{s:s?,s:I,s:s?,s:o,s:s?}", "title", web_field(p, "title"), "at_ms",
                               (json_int_t)at_ms, "where", web_field(p, "where"), "tags",
                               web_split_tags(web_field(p, "tags")), "body", web_field(p, "body")));
    web_done(p, resp, "/sessions", "Session not announced");
    json_decref(resp);
}

/* The session whose id starts with id, upcoming or past (borrowed from *resp), or NULL. */
static json_t *web_session_find(struct web_page *p, const char *id, json_t **resp)
{
    json_t *s;
    size_t i;
    int all;

    for (all = 0; all < 2; all++) {
        *resp = web_call(p, "sessions", json_pack("{s:b,s:i}", "all", all, "limit", 500));
        json_array_foreach(json_object_get(*resp, "sessions"), i, s)
        {
            const char *sid = web_jstr(s, "id");
            if (sid != NULL && strncmp(sid, id, strlen(id)) == 0)
                return s;
        }
        json_decref(*resp);
        *resp = NULL;
    }
    return NULL;
}

/* /s/ID.ics: the session as an iCalendar file. */
static void web_session_ics(struct web_page *p, const char *id)
{
    json_t *resp = NULL, *s = web_session_find(p, id, &resp);

    if (s == NULL) {
        web_not_found(p);
        return;
    }
    p->content_type = "text/calendar; charset=utf-8";
    if (web_sessions_ics(&p->body, s, node_clock_wall_ms()) != 0)
        p->overflow = 1;
    json_decref(resp);
}

int web_sessions_serve(struct web_page *p, int post, const char *path)
{
    char id[WEB_ID_MAX + 1], back[96];
    json_t *resp;
    size_t n;

    if (strcmp(path, "/sessions") == 0) {
        if (post)
            web_announce_post(p);
        else
            web_sessions(p);
        return 1;
    }
    if (strncmp(path, "/s/", 3) != 0 || (n = web_path_id(path + 3)) == 0)
        return 0;
    memcpy(id, path + 3, n);
    id[n] = '\0';
    if (!post && strcmp(path + 3 + n, ".ics") == 0) {
        web_session_ics(p, id);
    } else if (post && strcmp(path + 3 + n, "/rsvp") == 0) {
        resp =
            web_call(p, "rsvp", json_pack("{s:s,s:s?}", "id", id, "value", web_field(p, "value")));
        snprintf(back, sizeof(back), "/sessions#s-%s", id);
        web_done(p, resp, back, "Answer not sent");
        json_decref(resp);
    } else {
        return 0;
    }
    return 1;
}
