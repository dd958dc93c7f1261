#include "web_needs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "loop.h"
#include "node_clock.h"
#include "render.h"
#include "web_html.h"
#include "xmalloc.h"

#define NEEDS_LABEL_W 160 /* the tag column */
#define NEEDS_BAR_W 320   /* the longest bar */
#define NEEDS_ROW_H 36    /* two bars of NEEDS_BAR_H and a gap */
#define NEEDS_BAR_H 14

struct web_needs {
    json_t *resp;     /* the op's last answer, or NULL */
    uint64_t at_ms;   /* when it was computed (loop_now_ms) */
    uint64_t wall_ms; /* the same, on the wall clock (shown) */
    uint64_t took_ms; /* how long the op took */
};

struct web_needs *web_needs_new(void)
{
    return xcalloc(1, sizeof(struct web_needs));
}

void web_needs_destroy(struct web_needs **np)
{
    if (np == NULL || *np == NULL)
        return;
    json_decref((*np)->resp);
    free(*np);
    *np = NULL;
}

/* A non-negative integer member of o, else 0 (not what the op says: draw nothing). */
static long long needs_int(json_t *o, const char *key)
{
    long long v = (long long)json_integer_value(json_object_get(o, key));

    return v > 0 ? v : 0;
}

/* One row: the label, the demand bar, the supply bar, and their numbers. */
static int needs_svg_row(struct buf *b, json_t *t, size_t i, long long max)
{
    unsigned y = (unsigned)(i * NEEDS_ROW_H + 4);
    long long d = needs_int(t, "demand"), s = needs_int(t, "supply");
    long long dw = d * NEEDS_BAR_W / max, sw = s * NEEDS_BAR_W / max;

    return buf_printf(b, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">", NEEDS_LABEL_W - 8,
                      y + 20) != 0 ||
                   render_escape(b, json_string_value(json_object_get(t, "tag"))) != 0 ||
                   buf_printf(b,
                              "</text><rect class=\"demand\" x=\"%u\" y=\"%u\" width=\"%lld\" "
                              "height=\"%u\" fill=\"#1f4e79\"/><rect class=\"supply\" x=\"%u\" "
                              "y=\"%u\" width=\"%lld\" height=\"%u\" fill=\"#7fb07f\"/>",
                              NEEDS_LABEL_W, y, dw, NEEDS_BAR_H, NEEDS_LABEL_W, y + NEEDS_BAR_H + 2,
                              sw, NEEDS_BAR_H) != 0 ||
                   buf_printf(b, "<text x=\"%lld\" y=\"%u\">%lld / %lld</text>",
                              NEEDS_LABEL_W + (dw > sw ? dw : sw) + 6, y + 20, d, s) != 0
               ? -1
               : 0;
}

int web_needs_svg(struct buf *b, json_t *topics)
{
    long long max = 1;
    size_t i, n = json_array_size(topics);
    unsigned w = NEEDS_LABEL_W + NEEDS_BAR_W + 90, h = (unsigned)(n * NEEDS_ROW_H + 8);
    json_t *t;

    json_array_foreach(topics, i, t)
    {
        if (needs_int(t, "demand") > max)
            max = needs_int(t, "demand");
        if (needs_int(t, "supply") > max)
            max = needs_int(t, "supply");
    }
    if (buf_printf(b,
                   "<svg class=\"chart needs-map\" xmlns=\"http://www.w3.org/2000/svg\" "
                   "role=\"img\" aria-labelledby=\"needs-map-title needs-map-desc\" width=\"%u\" "
                   "height=\"%u\" viewBox=\"0 0 %u %u\"><title id=\"needs-map-title\">Demand "
                   "against supply per topic</title><desc id=\"needs-map-desc\">For each topic, "
                   "a dark bar for demand (learners and questions asked) and a light bar for "
                   "supply (experts and mentors); the numbers are demand / supply. The table "
                   "below has the same figures.</desc>",
                   w, h, w, h) != 0)
        return -1;
    json_array_foreach(topics, i, t)
    {
        if (needs_svg_row(b, t, i, max) != 0)
            return -1;
    }
    return buf_append_str(b, "</svg>");
}

/* A number cell: an integer, a real with one decimal, or a dash for null. */
static void needs_cell(struct web_page *p, json_t *v, const char *unit)
{
    web_out(p, "<td>");
    if (json_is_integer(v))
        web_outf(p, "%lld%s", (long long)json_integer_value(v), unit);
    else if (json_is_number(v))
        web_outf(p, "%.1f%s", json_number_value(v), unit);
    else
        web_out(p, "—");
    web_out(p, "</td>");
}

void web_needs_table(struct web_page *p, json_t *topics)
{
    json_t *t;
    size_t i;

    web_out(p, "<div class=\"wide\" role=\"region\" aria-label=\"The needs map as a table\" "
               "tabindex=\"0\"><table class=\"needs-map\"><caption>The needs map, biggest gap "
               "first</caption>"
               "<thead><tr><th scope=\"col\">Topic</th><th scope=\"col\">Learners</th><th "
               "scope=\"col\">Asked</th><th scope=\"col\">Answered</th><th scope=\"col\">Median "
               "to a first answer</th><th scope=\"col\">Experts</th><th scope=\"col\">Mentors"
               "</th><th scope=\"col\">Demand</th><th scope=\"col\">Supply</th><th scope=\"col\">"
               "Gap</th></tr></thead><tbody>\n");
    json_array_foreach(topics, i, t)
    {
        web_out(p, "<tr><th scope=\"row\"><a href=\"/circle/");
        web_url(p, web_jstr(t, "tag"));
        web_out(p, "\">");
        web_esc(p, web_jstr(t, "tag"));
        web_out(p, "</a></th>");
        needs_cell(p, json_object_get(t, "learners"), "");
        needs_cell(p, json_object_get(t, "asked"), "");
        needs_cell(p, json_object_get(t, "answered_pct"), " %");
        needs_cell(p, json_object_get(t, "median_hours_to_first_answer"), " h");
        needs_cell(p, json_object_get(t, "experts"), "");
        needs_cell(p, json_object_get(t, "mentors"), "");
        needs_cell(p, json_object_get(t, "demand"), "");
        needs_cell(p, json_object_get(t, "supply"), "");
        needs_cell(p, json_object_get(t, "gap"), "");
        web_out(p, "</tr>\n");
    }
    web_out(p, "</tbody></table></div>\n");
}

/* The op's answer: the cached one while fresh, else computed now (and kept if it went well). */
static json_t *needs_get(struct web_page *p)
{
    struct web_needs *c = p->needs;
    uint64_t t0 = loop_now_ms();
    json_t *resp;

    if (c != NULL && c->resp != NULL && t0 - c->at_ms < WEB_NEEDS_TTL_MS)
        return json_incref(c->resp);
    resp = web_call(p, "needs", json_pack("{s:i}", "limit", WEB_NEEDS_TOPICS));
    if (c != NULL && web_ok(resp)) {
        json_decref(c->resp);
        c->resp = json_incref(resp);
        c->at_ms = loop_now_ms();
        c->wall_ms = node_clock_wall_ms();
        c->took_ms = c->at_ms - t0;
        if (c->took_ms >= 1000)
            log_info("web: the needs map took %llu ms; it is kept for %d s",
                     (unsigned long long)c->took_ms, WEB_NEEDS_TTL_MS / 1000);
    }
    return resp;
}

/* When the map shown was computed, for people. */
static void needs_when(struct web_page *p)
{
    time_t t = p->needs != NULL ? (time_t)(p->needs->wall_ms / 1000) : 0;
    char s[32];
    struct tm tm;

    if (t == 0 || localtime_r(&t, &tm) == NULL || strftime(s, sizeof(s), "%H:%M:%S", &tm) == 0)
        return;
    web_outf(p,
             "<p class=\"why\">Computed at %s; the map is recomputed at most every %d "
             "seconds.</p>\n",
             s, WEB_NEEDS_TTL_MS / 1000);
}

/* /needs: the needs map. */
static void web_needs_page(struct web_page *p)
{
    json_t *resp = needs_get(p), *topics = json_object_get(resp, "topics");

    web_head(p, "Needs map");
    web_out(p,
            "<h1>Needs map</h1>\n<p>What people want to learn and ask about, against who can "
            "help: <strong>demand</strong> is learners (active goals) and questions asked, "
            "<strong>supply</strong> is experts (who answered its questions) and mentors; the gap "
            "is demand / (supply + 1). Each topic leads to its learning circle.</p>\n");
    if (!web_ok(resp)) {
        web_error_line(p, resp);
    } else if (json_array_size(topics) == 0) {
        web_out(p, "<p class=\"none\">No demand yet: nobody has set a learning goal or asked a "
                   "tagged question.</p>\n");
    } else {
        needs_when(p);
        web_out(p, "<figure class=\"needs-map\">");
        if (web_needs_svg(&p->body, topics) != 0)
            p->overflow = 1;
        web_out(p, "<figcaption>Dark bars: demand; light bars: supply; the numbers are demand / "
                   "supply.</figcaption></figure>\n");
        web_needs_table(p, topics);
    }
    web_out(p,
            "<p><a href=\"/learn\">Your learning goals</a> · <a href=\"/stats\">Stats</a></p>\n");
    web_foot(p);
    json_decref(resp);
}

int web_needs_serve(struct web_page *p, int post, const char *path)
{
    if (post || strcmp(path, "/needs") != 0)
        return 0;
    web_needs_page(p);
    return 1;
}
