/* node_people: the API ops for people and programs (profiles, endorsements, mentoring, sessions,
 * digests). */
#include "node_int.h"

const struct node_op node_people_ops[] = {
    {NULL, NULL},
};
