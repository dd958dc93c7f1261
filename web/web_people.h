/*
 * web_people: the people pages — /people (members and their skills), /p/KEY (a profile; /p/me
 * is mine, with forms to add and remove skills and offer mentoring; anyone else's with forms to
 * endorse and ask for mentoring), /who?topic= (who_knows with its reasons, online first) and
 * /mentors?tag= (mentor_find, and the requests sent to me). Every change is a POST through the
 * ops skill, skill_remove, endorse, mentor_offer, mentor_withdraw, mentor_request.
 */
#ifndef LORE_WEB_PEOPLE_H
#define LORE_WEB_PEOPLE_H

#include "web_html.h"

/* Serve path if it is one of these pages: 1 (p filled), else 0 (p untouched). */
int web_people_serve(struct web_page *p, int post, const char *path);

#endif
