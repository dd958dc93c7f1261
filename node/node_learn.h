/* node_learn: the API ops of learning goals and circles — learn, learn_done, learn_drop, goals,
 * learn_match, circle (docs/API.md, Learning). */
#ifndef LORE_NODE_LEARN_H
#define LORE_NODE_LEARN_H

#include "node_int.h"

extern const struct node_op node_learn_ops[];

#endif
