/* cmd_content: the commands for keeping content: edits, history, retractions, flags, pins. */
#include "lore_int.h"

const struct lore_command lore_content_commands[] = {
    {NULL, NULL, NULL, NULL, NULL},
};
