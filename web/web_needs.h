/*
 * web_needs: /needs, the needs map (the needs op: per topic, learners and questions against
 * experts and mentors) as a table and an SVG bar chart of demand against supply drawn here — no
 * script, every label escaped —, each topic linking to its learning circle (/circle/TAG).
 *
 * The op reads every question in view from the indexes (0.1 s at 100k entries) and every page
 * runs on the node's one loop, so the answer is kept for WEB_NEEDS_TTL_MS: however often the page
 * is opened, the loop is held at most once per period, and a new goal shows within it.
 */
#ifndef LORE_WEB_NEEDS_H
#define LORE_WEB_NEEDS_H

#include <jansson.h>
#include <stdint.h>

#include "buf.h"
#include "web_html.h"

#define WEB_NEEDS_TTL_MS (30 * 1000) /* how long a computed map is shown */
#define WEB_NEEDS_TOPICS 30          /* topics asked of the op */

struct web_needs;

/* A cache of the needs op's answer, empty; web_needs_destroy frees it. */
struct web_needs *web_needs_new(void);
/* Free *np (NULL and *np NULL are fine) and set *np = NULL. */
void web_needs_destroy(struct web_needs **np);

/* Serve path if it is /needs: 1 (p filled), else 0 (p untouched). */
int web_needs_serve(struct web_page *p, int post, const char *path);

/* Append to b an inline <svg> bar chart of topics (the needs op's array, borrowed): a row per
 * topic, its tag escaped, a dark bar for demand and a light one for supply, scaled to the largest
 * number. role="img" named by its <title> and <desc>; only <svg>, <title>, <desc>, <text> and
 * <rect>: nothing that runs. 0, or -1 if b is full. */
int web_needs_svg(struct buf *b, json_t *topics) __attribute__((warn_unused_result));

/* The needs table of topics (borrowed): one row per topic, the tag linking to /circle/TAG. */
void web_needs_table(struct web_page *p, json_t *topics);

#endif
