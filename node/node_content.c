/* node_content: the API ops for keeping content (edits, retractions, flags, pins). */
#include "node_int.h"

const struct node_op node_content_ops[] = {
    {NULL, NULL},
};
