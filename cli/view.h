/*
 * view: entries of the node's answers as people read them — one line per entry in lists, an
 * entry in full with its answers and comments, and a person's areas. Writes on stdout (or f).
 */
#ifndef LORE_VIEW_H
#define LORE_VIEW_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* The kind's name, or "kind#N" written into tmp. */
const char *view_kind(json_t *e, char *tmp, size_t n);
/* The author's name, or a short form of their key (written into tmp) if no profile is known. */
const char *view_author(json_t *e, char *tmp, size_t n);
/* "#a #b": the entry's tags. */
void view_put_tags(FILE *f, json_t *e);
/* One line per entry: short id, kind, age, author, tags, title, answers, urgency, marks.
 * author_width pads the author column (0: no padding). */
void view_entry_line(FILE *f, json_t *e, size_t author_width);
/* An event for me: "REASON: " (sanitised), then view_entry_line of the entry. */
void view_reason_line(FILE *f, const char *reason, json_t *e);
/* An item of a "new on your questions" section ({"reason", "entry", "about"}): the reason and
 * the title of my entry it is about, then the entry's line, indented. */
void view_foryou_item(FILE *f, json_t *item);
/* The widest author name among entries (or among elements' member inner), at most 24. */
size_t view_author_width(json_t *arr, const char *inner);
/* An entry in full on stdout: header lines, title, body. Every line after the first starts with
 * indent. */
void view_entry_full(json_t *e, const char *indent);
/* The replies of resp's array key ("answers", "comments"), each in full, the accepted marked. */
void view_replies(json_t *resp, const char *key, const char *singular);
/* "your areas: #a #b": the skills and followed tags a response carries. */
void view_areas(json_t *resp);

#endif
