/* node_needs: the needs-vs-experts map (op needs, `lore stats --needs`): per topic, the people
 * who want to learn it and the questions asked, against the experts and mentors there are. */
#ifndef LORE_NODE_NEEDS_H
#define LORE_NODE_NEEDS_H

#include "node_int.h"

extern const struct node_op node_needs_ops[];

#endif
