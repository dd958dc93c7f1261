/* web_edit: GET /e/ID/edit — the form to edit one of my entries, and its history: every version,
 * each diffed against the one before (the `get` op's history, as `lore show --history` shows
 * it); POST /e/ID/edit — the op edit, then back to the question (form field q). */
#ifndef LORE_WEB_EDIT_H
#define LORE_WEB_EDIT_H

#include <jansson.h>

#include "web_html.h"

/* The edit page of entry id; error (borrowed, may be NULL): a refused edit's reply, shown above
 * the form, which then holds what was typed. */
void web_edit_form(struct web_page *p, const char *id, json_t *error);
/* Post the edit; back to the question, or the form again with the op's message. */
void web_edit_post(struct web_page *p, const char *id);

#endif
