/* cmd_people: the commands for people and programs: profiles, endorsements, mentoring, sessions,
 * digests. */
#include "lore_int.h"

const struct lore_command lore_people_commands[] = {
    {NULL, NULL, NULL, NULL, NULL},
};
