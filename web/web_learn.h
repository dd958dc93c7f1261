/*
 * web_learn: /learn, my learning goals (the goals op; active first, then ended), the form that
 * sets one (POST /learn: learn), done and drop per goal (POST /learn/done, /learn/drop), and after
 * done who helped, each with a thank button and one to thank them all (POST /learn/thank: thank);
 * for each active goal who and what can help (learn_match). Also the pieces the circle page and
 * profiles share: a list of goals, of people with why, of sessions.
 */
#ifndef LORE_WEB_LEARN_H
#define LORE_WEB_LEARN_H

#include <jansson.h>
#include <stdint.h>

#include "web_html.h"

/* Active goals shown with their matches: one learn_match each, about 0.6 s at 100k entries on
 * the node's one loop; the circle page has the same for any topic. */
#define WEB_LEARN_MATCHED 3
#define WEB_LEARN_THANKS 16 /* helpers one "thank them all" thanks */

/* Serve path if it is one of these pages: 1 (p filled), else 0 (p untouched). */
int web_learn_serve(struct web_page *p, int post, const char *path);

/* Parse what an <input type="date"> sends (YYYY-MM-DD) into *ms: the end of that day (23:59) in
 * this machine's local time, the browser's. Returns 0, or -1 for anything else. */
int web_learn_parse_until(const char *s, uint64_t *ms) __attribute__((warn_unused_result));

/* A list of goals (the goals op's array, borrowed): each topic linking to its circle, its state,
 * target date (overdue marked), why. mine: with the done and drop buttons of the active ones. */
void web_learn_goals(struct web_page *p, json_t *goals, int mine);
/* After learn_done on tag: who helped (the op's helpers, borrowed), each with why and a thank
 * button, and one button that thanks them all. */
void web_learn_helpers(struct web_page *p, const char *tag, json_t *helpers);
/* People ({key, name, why}, and set_ms for a circle's members; borrowed) as a list of profile
 * links with why (and since when), or the line none. */
void web_learn_people(struct web_page *p, json_t *people, const char *none);
/* Sessions (as the sessions op shows them, borrowed): title, time, host, linking to /sessions;
 * circle meetings marked. Or the line none. */
void web_learn_sessions(struct web_page *p, json_t *sessions, const char *none);
/* A date for people ("5 Dec 2026"), this machine's local time; nothing for ms 0. */
void web_learn_date(struct web_page *p, json_int_t ms);
/* "/circle/TAG" with tag percent-encoded: a new string. */
char *web_learn_circle_href(const char *tag);

#endif
