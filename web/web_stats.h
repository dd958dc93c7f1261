/*
 * web_stats: /stats (the stats op: answered, how fast, needs by tag as an SVG bar chart drawn
 * here — no script, every label escaped — and a table, the most helpful) and /top (the top op's
 * leaderboard), both filtered by ?tag= and ?days=.
 */
#ifndef LORE_WEB_STATS_H
#define LORE_WEB_STATS_H

#include <jansson.h>

#include "buf.h"
#include "web_html.h"

/* Serve path if it is one of these pages: 1 (p filled), else 0 (p untouched). */
int web_stats_serve(struct web_page *p, int post, const char *path);

/* Append to b an inline <svg> bar chart of needs (the stats op's array of {tag, asked,
 * unanswered}, borrowed): one row per tag, its label escaped, a bar for asked and a darker one
 * for unanswered. Only <svg>, <title>, <text> and <rect>: nothing that runs. 0, or -1 if b is
 * full. */
int web_stats_svg_needs(struct buf *b, json_t *needs) __attribute__((warn_unused_result));

#endif
