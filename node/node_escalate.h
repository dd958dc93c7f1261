/* node_escalate: the escalation pass — urgent questions nobody answered reach the next circle
 * (node_foryou_question) as watch events, once per question and circle on this node — its timer,
 * and the API op escalate (a test hook; docs/API.md). */
#ifndef LORE_NODE_ESCALATE_H
#define LORE_NODE_ESCALATE_H

#include "node_int.h"

extern const struct node_op node_escalate_ops[];
/* At start: the pass every min(escalate_after, escalate_again) / 4, at least every 30 s. */
void node_escalate_start(struct node *n);

#endif
