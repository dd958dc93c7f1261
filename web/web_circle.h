/*
 * web_circle: /circle/TAG, a learning circle (the circle op): whether I am a member (an active
 * goal on the topic) with a button to join (POST /learn), its members, the experts and mentors
 * near it, its sessions (circle meetings marked) and recent questions; and for a member the form
 * proposing a circle meeting (POST /circle/TAG/meet: session_announce with circle = TAG).
 */
#ifndef LORE_WEB_CIRCLE_H
#define LORE_WEB_CIRCLE_H

#include <jansson.h>

#include "web_html.h"

/* Serve path if it is one of these pages: 1 (p filled), else 0 (p untouched). */
int web_circle_serve(struct web_page *p, int post, const char *path);

#endif
