/*
 * cmd: the command layer — the entry of lore's command table, and the commands of each cmd_*.c
 * module. Commands use the library below (call, args, body, out, view, ...); lore.c holds the
 * table and main. Private to cli/.
 */
#ifndef LORE_CMD_H
#define LORE_CMD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "args.h"
#include "body.h"
#include "call.h"
#include "cli.h"
#include "out.h"
#include "text.h"
#include "view.h"

struct lore_command {
    const char *name;
    int (*run)(struct lore *l, int argc, char **argv);
    const char *synopsis; /* after "lore " */
    const char *summary;  /* one line for `lore help` */
    const char *help;     /* options and notes for `lore COMMAND --help` */
};

#define JSON_HELP "      --json        print the node's response as JSON\n"
#define HELP_HELP "  -h, --help        show this help\n"

/* cmd_people.c: print the inbox's "Mentoring requests" and "Reminders" sections. */
void lore_people_print_inbox(json_t *resp);

/* Command tables of the modules, each ending with a NULL name. */
extern const struct lore_command lore_content_commands[]; /* cmd_content.c */
extern const struct lore_command lore_people_commands[];  /* cmd_people.c */

#endif
