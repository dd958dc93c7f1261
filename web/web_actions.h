/*
 * web_actions: the question page's answers and what a person does there, each a plain form POST
 * (CSRF-checked by web.c) that works without JavaScript and goes back to the question (303):
 *   POST /q/ID/accept (answer=AID)            accept
 *   POST /e/ID/vote (value=up|down|none)      vote
 *   POST /e/ID/thank                          thank
 *   POST /e/ID/comment (body)                 comment
 *   GET/POST /e/ID/edit (title, body, tags)   edit, with the history and its diffs
 *   POST /e/ID/flag (flag=obsolete|verified|none)
 *   POST /e/ID/retract                        retract (mine)
 *   POST /e/ID/pin (off)                      pin or unpin (team admins; shown only to them)
 * Forms carry q, the question to go back to. An op's refusal is a page with its message (400),
 * never a 500. GET /q/ID/answers is the answers section alone (lore.js swaps it in live).
 */
#ifndef LORE_WEB_ACTIONS_H
#define LORE_WEB_ACTIONS_H

#include <jansson.h>

#include "web_html.h"

/* The answers section of a question page: <section id="answers" data-question="QID">, each answer
 * an <article class="answer" id="a-AID"> (plus "accepted"), the accepted one first, with its
 * comments and actions. get is the `get` op's reply for the question (borrowed). */
void web_actions_answers(struct web_page *p, json_t *get);
/* The actions of the question itself (e, borrowed), and its comments (get's, borrowed). */
void web_actions_question(struct web_page *p, json_t *e, json_t *comments);
/* Serve path if it is one of the above: 1 with p filled, or 0 (p untouched). */
int web_actions_serve(struct web_page *p, int post, const char *path);

#endif
