/*
 * web_pages: the pages of the web interface, server-rendered HTML that works without JavaScript.
 * Each page asks the node through node_call — the ops of docs/API.md, nothing else — and escapes
 * or renders (render.c) every byte of content it shows. web.c has already checked the Host,
 * the session and, for a POST, the CSRF token and the Origin.
 */
#ifndef LORE_WEB_PAGES_H
#define LORE_WEB_PAGES_H

#include <microhttpd.h>

#include "buf.h"
#include "node_int.h"
#include "web_form.h"

#define WEB_PAGE_MAX (4 * 1024 * 1024) /* bytes of one page */

/* One request as a page sees it, and its answer. */
struct web_page {
    struct node *n;
    struct MHD_Connection *c;    /* for the query string */
    const char *csrf;            /* the session's CSRF token, for forms */
    const struct web_form *form; /* a POST's fields, else NULL */
    /* OUT: */
    unsigned status;          /* HTTP status (200 unless set) */
    const char *content_type; /* a static string; NULL: text/html */
    struct buf body;          /* initialised by the caller to WEB_PAGE_MAX */
    char *location;           /* a redirect's target (owned), or NULL */
    int overflow;             /* the body did not fit */
};

/* Answer a GET or POST (method) of path: fill p. Returns 0, or -1 if the page did not fit. */
int web_pages_serve(struct web_page *p, const char *method, const char *path)
    __attribute__((warn_unused_result));
/* The page answering a request without a session (401): run `lore web`. */
int web_pages_login_needed(struct buf *b) __attribute__((warn_unused_result));
/* A small page for an error status with a one-line message (escaped). */
int web_pages_error(struct buf *b, unsigned status, const char *message)
    __attribute__((warn_unused_result));

#endif
