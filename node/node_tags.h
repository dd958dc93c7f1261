/* node_tags: the API op tags (docs/API.md): tags in use, for the suggestions of the web's ask
 * form. */
#ifndef LORE_NODE_TAGS_H
#define LORE_NODE_TAGS_H

#include "node_int.h"

extern const struct node_op node_tags_ops[];

#endif
