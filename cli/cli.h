/*
 * cli: what every layer of the command-line client shares: its exit statuses and display
 * constants. Header only.
 */
#ifndef LORE_CLI_H
#define LORE_CLI_H

#include "errmsg.h"
#include "text.h"

enum lore_exit {
    LORE_EXIT_OK = 0,
    LORE_EXIT_FAIL = 1,    /* the node answered with an error, or a local failure */
    LORE_EXIT_USAGE = 2,   /* bad command line */
    LORE_EXIT_NO_NODE = 3, /* nothing listens on the socket */
};

#define LORE_SHORT_ID 12 /* hex digits of an id shown in lists */
#define LORE_HL_OPEN TEXT_TERM_BOLD_ON
#define LORE_HL_CLOSE TEXT_TERM_BOLD_OFF

#endif
