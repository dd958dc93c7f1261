/* node_integrity: the background integrity pass — every stored entry verified again (signature
 * included), a few per second, quarantining what fails — and its op integrity (docs/API.md). */
#ifndef LORE_NODE_INTEGRITY_H
#define LORE_NODE_INTEGRITY_H

#include "node_int.h"

extern const struct node_op node_integrity_ops[];
/* At start: resume the pass where the replica's meta says it stopped, on a timer (the config's
 * integrity_per_second entries each second; 0: off). */
void node_integrity_start(struct node *n);

#endif
