/*
 * web_search: /search with its filters (words, and kind, tag, author, status, since: the search
 * op's arguments; without words the list op's, newest first) and the tag pages /t/TAG (list by
 * tag, pinned first).
 */
#ifndef LORE_WEB_SEARCH_H
#define LORE_WEB_SEARCH_H

#include "web_html.h"

/* Serve path if it is one of these pages: 1 (p filled), else 0 (p untouched). */
int web_search_serve(struct web_page *p, int post, const char *path);

#endif
