/* web_hints: what the ask form's script asks while the person types (lore.js): a Markdown preview
 * (POST /preview: the HTML render.c makes, a fragment), the tags in use (GET /tags?prefix=: op
 * tags, JSON) and questions already asked (GET /similar?title=: op similar, JSON); and the script
 * itself (GET /static/lore.js). */
#ifndef LORE_WEB_HINTS_H
#define LORE_WEB_HINTS_H

#include "web_html.h"

/* Serve path if it is one of the above (post: the request is a POST): 1, with p filled; 0 if it
 * is not (p untouched). */
int web_hints_serve(struct web_page *p, int post, const char *path);

#endif
