/*
 * web_team: /team — the team (team_show), its members, my join code (shown to admins), the
 * admins' revoke and rotate forms (each confirmed on a second page; the ops refuse anyone but an
 * admin), and peers and sync state (peers, status).
 */
#ifndef LORE_WEB_TEAM_H
#define LORE_WEB_TEAM_H

#include "web_html.h"

/* Serve path if it is one of these pages: 1 (p filled), else 0 (p untouched). */
int web_team_serve(struct web_page *p, int post, const char *path);

#endif
