/* node_people: the API ops profile, endorse, mentor_*, session_announce, rsvp, sessions, digest,
 * remind (docs/API.md). */
#ifndef LORE_NODE_PEOPLE_H
#define LORE_NODE_PEOPLE_H

#include "node_int.h"

extern const struct node_op node_people_ops[];
/* At start: the reminder timer (watch events for answers waiting for an accept). */
void node_people_start(struct node *n);

#endif
