#include "web_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hex.h"
#include "node_clock.h"
#include "render.h"
#include "web_html.h"

#define SVG_LABEL_W 160 /* the tag column */
#define SVG_BAR_W 320   /* the longest bar */
#define SVG_ROW_H 24
#define SVG_DAY_MS (24ull * 3600 * 1000)

int web_stats_svg_needs(struct buf *b, json_t *needs)
{
    long long max = 1, asked, open;
    size_t i, n = json_array_size(needs);
    json_t *t;
    unsigned h = (unsigned)(n * SVG_ROW_H + 8);

    json_array_foreach(needs, i, t)
    {
        if (json_integer_value(json_object_get(t, "asked")) > max)
            max = json_integer_value(json_object_get(t, "asked"));
    }
    if (buf_printf(b,
                   "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
                   "aria-labelledby=\"needs-title\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u "
                   "%u\"><title id=\"needs-title\">Questions asked per tag (dark: still "
                   "unanswered)</title>",
                   SVG_LABEL_W + SVG_BAR_W + 120, h, SVG_LABEL_W + SVG_BAR_W + 120, h) != 0)
        return -1;
    json_array_foreach(needs, i, t)
    {
        unsigned y = (unsigned)(i * SVG_ROW_H + 4);
        asked = json_integer_value(json_object_get(t, "asked"));
        open = json_integer_value(json_object_get(t, "unanswered"));
        if (asked < 0 || open < 0 || open > asked)
            asked = open = 0; /* not what the op says: draw nothing rather than nonsense */
        if (buf_printf(b, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">", SVG_LABEL_W - 8,
                       y + 16) != 0 ||
            render_escape(b, json_string_value(json_object_get(t, "tag"))) != 0 ||
            buf_printf(b,
                       "</text><rect x=\"%u\" y=\"%u\" width=\"%lld\" height=\"%u\" "
                       "fill=\"#9ab8d8\"/><rect x=\"%u\" y=\"%u\" width=\"%lld\" height=\"%u\" "
                       "fill=\"#1f4e79\"/><text x=\"%lld\" y=\"%u\">%lld (%lld open)</text>",
                       SVG_LABEL_W, y, asked * SVG_BAR_W / max, SVG_ROW_H - 6, SVG_LABEL_W, y,
                       open * SVG_BAR_W / max, SVG_ROW_H - 6,
                       SVG_LABEL_W + asked * SVG_BAR_W / max + 6, y + 16, asked, open) != 0)
            return -1;
    }
    return buf_append_str(b, "</svg>");
}

/* since_ms from a "days" query value (1 to 3650; else all time: 0). */
static long long web_since_days(struct web_page *p, long long *days)
{
    const char *d = web_arg(p, "days");
    char *end = NULL;

    *days = d != NULL ? strtoll(d, &end, 10) : 0;
    if (d == NULL || end == d || *end != '\0' || *days < 1 || *days > 3650) {
        *days = 0;
        return 0;
    }
    return (long long)node_clock_wall_ms() - *days * (long long)SVG_DAY_MS;
}

/* The filter form of /stats and /top. */
static void web_period_form(struct web_page *p, const char *action, const char *tag, long long days)
{
    web_outf(p,
             "<form class=\"filters\" action=\"%s\" method=\"get\"><label for=\"f-tag\">Tag"
             "</label><input id=\"f-tag\" name=\"tag\" value=\"",
             action);
    web_esc(p, tag);
    web_out(p, "\"><label for=\"f-days\">Last days (empty: all time)</label><input id=\"f-days\" "
               "name=\"days\" type=\"number\" min=\"1\" max=\"3650\" value=\"");
    if (days > 0)
        web_outf(p, "%lld", days);
    web_out(p, "\"><button>Show</button></form>\n");
}

static void web_number(struct web_page *p, const char *label, json_t *v, const char *unit)
{
    web_out(p, "<dt>");
    web_esc(p, label);
    web_out(p, "</dt><dd>");
    if (json_is_integer(v))
        web_outf(p, "%lld%s", json_integer_value(v), unit);
    else if (json_is_number(v))
        web_outf(p, "%.1f%s", json_number_value(v), unit);
    else
        web_out(p, "—");
    web_out(p, "</dd>");
}

/* The needs-by-tag table, as a chart and as a table (for screen readers and copying). */
static void web_needs(struct web_page *p, json_t *needs)
{
    json_t *t;
    size_t i;

    web_out(p, "<h2>Needs by tag</h2>\n");
    if (json_array_size(needs) == 0) {
        web_out(p, "<p class=\"none\">No questions in this period.</p>\n");
        return;
    }
    if (web_stats_svg_needs(&p->body, needs) != 0)
        p->overflow = 1;
    web_out(p, "\n<table class=\"needs\"><thead><tr><th scope=\"col\">Tag</th><th scope=\"col\">"
               "Asked</th><th scope=\"col\">Unanswered</th></tr></thead><tbody>\n");
    json_array_foreach(needs, i, t)
    {
        web_out(p, "<tr><td>");
        web_tag_link(p, web_jstr(t, "tag"));
        web_outf(p, "</td><td>%lld</td><td>%lld</td></tr>\n",
                 json_integer_value(json_object_get(t, "asked")),
                 json_integer_value(json_object_get(t, "unanswered")));
    }
    web_out(p, "</tbody></table>\n");
}

/* /stats?tag=&days=: are questions answered, and fast; what is needed; who helps. */
static void web_stats(struct web_page *p)
{
    const char *tag = web_arg(p, "tag");
    long long days, since = web_since_days(p, &days);
    json_t *resp, *h;
    size_t i;

    resp = web_call(p, "stats",
                    json_pack("{s:I,s:s?}", "since_ms", (json_int_t)since, "tag",
                              tag != NULL && tag[0] != '\0' ? tag : NULL));
    web_head(p, "Stats");
    web_out(p, "<h1>Stats</h1>\n");
    web_period_form(p, "/stats", tag, days);
    if (!web_ok(resp)) {
        web_error_line(p, resp);
    } else {
        web_out(p, "<dl class=\"stats\">");
        web_number(p, "Questions asked", json_object_get(resp, "asked"), "");
        web_number(p, "Answered", json_object_get(resp, "answered_pct"), " %");
        web_number(p, "Answered within 24 hours", json_object_get(resp, "answered_24h_pct"), " %");
        web_number(p, "Resolved (an answer accepted)", json_object_get(resp, "resolved"), "");
        web_number(p, "Median time to a first answer",
                   json_object_get(resp, "median_hours_to_first_answer"), " h");
        web_number(p, "Median time to an accepted answer",
                   json_object_get(resp, "median_hours_to_accepted_answer"), " h");
        web_number(p, "Unanswered after 7 days", json_object_get(resp, "unanswered_after_7_days"),
                   "");
        web_out(p, "</dl>\n");
        web_needs(p, json_object_get(resp, "needs"));
        web_out(p, "<p><a href=\"/needs\">The needs map</a>: learners and questions against "
                   "experts and mentors, per topic.</p>\n");
        web_out(p, "<h2>Most helpful</h2>\n<ol class=\"helpers\">\n");
        json_array_foreach(json_object_get(resp, "helpers"), i, h)
        {
            web_out(p, "<li>");
            web_person_link(p, web_jstr(h, "key"), web_jstr(h, "name"));
            web_outf(p, ": %lld answers</li>\n", json_integer_value(json_object_get(h, "answers")));
        }
        web_out(p, "</ol>\n");
    }
    web_foot(p);
    json_decref(resp);
}

/* /top?tag=&days=: the leaderboard. */
static void web_top(struct web_page *p)
{
    const char *tag = web_arg(p, "tag");
    long long days, since = web_since_days(p, &days);
    json_t *resp, *pe, *b;
    size_t i, k;

    resp = web_call(p, "top",
                    json_pack("{s:I,s:s?,s:i}", "since_ms", (json_int_t)since, "tag",
                              tag != NULL && tag[0] != '\0' ? tag : NULL, "limit", 50));
    web_head(p, "Leaderboard");
    web_out(p, "<h1>Leaderboard</h1>\n");
    web_period_form(p, "/top", tag, days);
    if (!web_ok(resp)) {
        web_error_line(p, resp);
    } else if (json_array_size(json_object_get(resp, "people")) == 0) {
        web_out(p, "<p class=\"none\">No points yet.</p>\n");
    } else {
        web_out(p, "<table class=\"top\"><thead><tr><th scope=\"col\">#</th><th scope=\"col\">"
                   "Person</th><th scope=\"col\">Points</th><th scope=\"col\">Accepted</th><th "
                   "scope=\"col\">Upvotes</th><th scope=\"col\">Thanks</th><th scope=\"col\">"
                   "Badges</th></tr></thead><tbody>\n");
        json_array_foreach(json_object_get(resp, "people"), i, pe)
        {
            web_outf(p, "<tr><td>%zu</td><td>", i + 1);
            web_person_link(p, web_jstr(pe, "key"), web_jstr(pe, "name"));
            web_outf(p, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>",
                     json_integer_value(json_object_get(pe, "points")),
                     json_integer_value(json_object_get(pe, "accepted")),
                     json_integer_value(json_object_get(pe, "upvotes")),
                     json_integer_value(json_object_get(pe, "thanks")));
            json_array_foreach(json_object_get(pe, "badges"), k, b)
            {
                web_out(p, k > 0 ? ", " : "");
                web_out(p, "<span class=\"badge\">");
                web_esc(p, json_string_value(b));
                web_out(p, "</span>");
            }
            web_out(p, "</td></tr>\n");
        }
        web_out(p, "</tbody></table>\n");
    }
    web_foot(p);
    json_decref(resp);
}

int web_stats_serve(struct web_page *p, int post, const char *path)
{
    if (post)
        return 0;
    if (strcmp(path, "/stats") == 0)
        web_stats(p);
    else if (strcmp(path, "/top") == 0)
        web_top(p);
    else
        return 0;
    return 1;
}
