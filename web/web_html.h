/*
 * web_html: the building blocks every page of the web interface shares — output into a page's
 * bounded body (an overflow is recorded in p->overflow, never returned), escaping and Markdown
 * (render.c), asking the node (node_call), and the layout: head with the nav, foot, the CSRF
 * field, and how an entry shows in a list. Every byte of content passes web_esc or web_md.
 */
#ifndef LORE_WEB_HTML_H
#define LORE_WEB_HTML_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>

#include "buf.h"
#include "node_int.h"
#include "web_form.h"

#define WEB_PAGE_MAX (4 * 1024 * 1024) /* bytes of one page */

struct web_needs;

/* One request as a page sees it, and its answer. */
struct web_page {
    struct node *n;
    struct MHD_Connection *c;    /* for the query string */
    const char *csrf;            /* the session's CSRF token, for forms */
    const struct web_form *form; /* a POST's fields, else NULL */
    struct web_needs *needs;     /* the needs map's cache (web_needs.c), or NULL */
    /* OUT: */
    unsigned status;          /* HTTP status (200 unless set) */
    const char *content_type; /* a static string; NULL: text/html */
    struct buf body;          /* initialised by the caller to WEB_PAGE_MAX */
    char *location;           /* a redirect's target (owned), or NULL */
    int overflow;             /* the body did not fit */
};

#define WEB_HL_OPEN '\x01' /* search match markers: control bytes entry text never holds */
#define WEB_HL_CLOSE '\x02'
#define WEB_ID_MAX 64

/* ---- output ---- */

/* Append s (trusted markup) to the page. */
void web_out(struct web_page *p, const char *s);
/* Append a short formatted string (under 512 bytes; longer is an overflow). */
void web_outf(struct web_page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s (may be NULL) escaped for text and double-quoted attributes. */
void web_esc(struct web_page *p, const char *s);
/* Append s (may be NULL) percent-encoded for a URL's path segment or query value (all but
 * A-Z a-z 0-9 - . _ ~ escaped: safe in an attribute too). */
void web_url(struct web_page *p, const char *s);
/* Append Markdown s (may be NULL) rendered safe. */
void web_md(struct web_page *p, const char *s);

/* ---- the node ---- */

/* The string member key of o (borrowed), or NULL. */
const char *web_jstr(json_t *o, const char *key);
/* Ask the node: {"op": op, ...args} (args: a new object, taken; may be NULL). The reply is the
 * caller's. */
json_t *web_call(struct web_page *p, const char *op, json_t *args);
/* 1 if resp says ok. */
int web_ok(json_t *resp);

/* ---- layout ---- */

/* The page head up to <main>, titled "TITLE · lore", with the nav. */
void web_head(struct web_page *p, const char *title);
/* Close <main> and the page. */
void web_foot(struct web_page *p);
/* The hidden CSRF field of a form. */
void web_hidden_csrf(struct web_page *p);
/* "by NAME on DATE" of an entry. */
void web_byline(struct web_page *p, json_t *e);
/* The tags of an entry, each a span. */
void web_tags(struct web_page *p, json_t *e);
/* One <li> of a list: title link, status, tags, byline; snippet (may be NULL) with its matches
 * between WEB_HL_OPEN and WEB_HL_CLOSE marked. */
void web_entry_item(struct web_page *p, json_t *e, const char *snippet);
/* An entry's name in a link: its title, or (answers, comments) its kind and the start of its body.
 */
void web_entry_label(struct web_page *p, json_t *e);
/* A list of entries (a JSON array), or the line none when it is empty. */
void web_entry_list(struct web_page *p, json_t *entries, const char *none);
/* A tag (may be NULL) as a link to its page /t/TAG. */
void web_tag_link(struct web_page *p, const char *tag);
/* A person as a link to their profile (key: 64 lowercase hex, else no link; name may be NULL:
 * the key's first 12 digits). */
void web_person_link(struct web_page *p, const char *key, const char *name);
/* An op's error, for people (role=alert). */
void web_error_line(struct web_page *p, json_t *resp);
/* A 404 page. */
void web_not_found(struct web_page *p);

/* After a POST that asked the node (resp, borrowed): 303 to back if it went well, else a page
 * titled what (e.g. "Not endorsed") with the node's reason and a link back; status 403 for
 * code forbidden, 404 for not_found, else 400. */
void web_done(struct web_page *p, json_t *resp, const char *back, const char *what);

/* ---- parsing ---- */

/* The query-string value name of a GET (borrowed), or NULL (also without a connection). */
const char *web_arg(struct web_page *p, const char *name);
/* The form field name of a POST (borrowed), or NULL when absent or empty. */
const char *web_field(struct web_page *p, const char *name);

/* A form's tags field, split at spaces and commas: a new array (empty for NULL). */
json_t *web_split_tags(const char *s);
/* An id at the start of s: 4 to WEB_ID_MAX hex digits (the node resolves a prefix); its length,
 * or 0. */
size_t web_path_id(const char *s);

#endif
