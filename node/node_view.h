/* node_view: an entry as the API shows it (docs/API.md) with what the replica says of it. Reads
 * only; calls no op module. */
#ifndef LORE_NODE_VIEW_H
#define LORE_NODE_VIEW_H

#include "node_int.h"

#define NODE_MAX_PINNED 50   /* pinned entries list shows */
#define NODE_RERANK_EXTRA 20 /* search re-ranks this many matches beyond the page */

/* Rows appended as JSON by node_view_row. */
struct node_view_rows {
    struct node *n;
    json_t *array;
    int with_snippet; /* {entry, snippet, rank} instead of the entry */
    int brief;        /* node_view_brief instead of node_view_entry */
};

/* The display name of key (from their newest profile) as a JSON string, or null. */
json_t *node_view_name(struct node *n, const uint8_t key[ENTRY_KEY_LEN]);
/* 1 if kind can be edited, retracted, flagged and pinned (question, answer, note, comment). */
int node_view_is_content(uint16_t kind);
/* An entry as the API shows it: fields, names, status and answers (questions), and for content
 * the current version, edits, flags, votes, pinned, is_accepted, hidden (null, or why an admin
 * hid it: then title and body say so instead). A new object. */
json_t *node_view_entry(struct node *n, const struct entry *e);
/* What an entry is, without what others did with it: id, kind, author, author_name, created_ms,
 * and the current version's title, body and tags (masked, and hidden set, if an admin hid it). For
 * callers that read many (an import's duplicate check): no names, counts, flags or votes. */
json_t *node_view_brief(struct node *n, const struct entry *e);
/* The title e shows now: its author's latest revision's, else its own (what list and get show).
 * A new JSON string. */
json_t *node_view_title(struct node *n, const struct entry *e);
/* Add to o (the JSON of content entry e) the current version's title, body and tags, edits,
 * edited_ms, edited, revision, flags, votes, pinned, is_accepted. */
void node_view_decorate(struct node *n, const struct entry *e, json_t *o);
/* The versions of e: e, then its author's revisions, oldest first (a new array). */
json_t *node_view_history(struct node *n, const struct entry *e);
/* The search boost of an entry from its rank signals (docs/API.md, search); ctx is unused (the
 * shape of struct replica_rank's boost). */
double node_view_boost(void *ctx, const struct replica_signals *s);
/* Up to max pinned entries, most recently pinned first, into ids. Returns how many. */
size_t node_view_pinned(struct node *n, uint8_t (*ids)[ENTRY_ID_LEN], size_t max);
/* If text names a retracted entry: the API error saying so, with when. Else NULL. */
json_t *node_view_retracted(struct node *n, const char *text);
/* 1 if the entry (JSON) was retracted, so is not to be shown. */
int node_view_is_retracted(struct node *n, json_t *ej);
/* 1 if the entry (JSON from node_view_entry) was hidden by an admin (node_hidden). */
int node_view_hidden(json_t *ej);
/* replica_row_fn appending entries as JSON to a struct node_view_rows. */
int node_view_row(void *ctx, const struct entry *e, const char *snippet, double rank);
/* replica_row_fn counting rows into a size_t. */
int node_view_count_row(void *ctx, const struct entry *e, const char *snippet, double rank);

#endif
