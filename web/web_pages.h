/*
 * web_pages: the pages of the web interface, server-rendered HTML that works without JavaScript.
 * Each page asks the node through node_call — the ops of docs/API.md, nothing else — and escapes
 * or renders (render.c) every byte of content it shows. web.c has already checked the Host,
 * the session and, for a POST, the CSRF token and the Origin.
 */
#ifndef LORE_WEB_PAGES_H
#define LORE_WEB_PAGES_H

#include "buf.h"
#include "web_html.h"

/* Answer a GET or POST (method) of path: fill p. Returns 0, or -1 if the page did not fit. */
int web_pages_serve(struct web_page *p, const char *method, const char *path)
    __attribute__((warn_unused_result));
/* The page answering a request without a session (401): run `lore web`. */
int web_pages_login_needed(struct buf *b) __attribute__((warn_unused_result));
/* A small page for an error status with a one-line message (escaped). */
int web_pages_error(struct buf *b, unsigned status, const char *message)
    __attribute__((warn_unused_result));

#endif
