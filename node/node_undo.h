/* node_undo: the API ops that take something back or change it — my skills (list, remove), a
 * mentoring offer withdrawn, a session moved or cancelled, an RSVP changed — and moderation (an
 * admin hides or unhides an entry). Entries are immutable: each is a new entry whose rule is
 * written in docs/PROTOCOL.md. */
#ifndef LORE_NODE_UNDO_H
#define LORE_NODE_UNDO_H

#include "node_int.h"

/* RSVP value ("yes"/"no") to session s (borrowed, a session entry): refused if it was cancelled;
 * nothing written if my latest RSVP says the same ({ok, changed: false}); else a new RSVP, later
 * than my previous one ({ok, id, entry, changed, previous}). */
json_t *node_undo_rsvp(struct node *n, const struct entry *s, const char *value);

extern const struct node_op node_undo_ops[];

#endif
