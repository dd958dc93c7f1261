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

/* The commands of lore.c's table, by module. Each takes its own argv (argv[0] is the command's
 * name) and returns an exit status (cli.h), having printed any error. */
#define CMD_RUNNER(name) int name(struct lore *l, int argc, char **argv)
/* cmd_entries.c */
CMD_RUNNER(cmd_ask);
CMD_RUNNER(cmd_answer);
CMD_RUNNER(cmd_note);
CMD_RUNNER(cmd_comment);
CMD_RUNNER(cmd_show);
CMD_RUNNER(cmd_list);
CMD_RUNNER(cmd_search);
/* cmd_node.c */
CMD_RUNNER(cmd_init);
CMD_RUNNER(cmd_status);
CMD_RUNNER(cmd_check);
CMD_RUNNER(cmd_watch);
CMD_RUNNER(cmd_stop);
CMD_RUNNER(cmd_web);
CMD_RUNNER(cmd_peers);
CMD_RUNNER(cmd_team);
/* cmd_recognition.c */
CMD_RUNNER(cmd_skills);
CMD_RUNNER(cmd_follow);
CMD_RUNNER(cmd_unfollow);
CMD_RUNNER(cmd_who_knows);
CMD_RUNNER(cmd_stats);
CMD_RUNNER(cmd_vote);
CMD_RUNNER(cmd_thank);
CMD_RUNNER(cmd_top);
CMD_RUNNER(cmd_accept);
/* cmd_people.c */
CMD_RUNNER(cmd_inbox);

/* Command tables of the modules, each ending with a NULL name. */
extern const struct lore_command lore_content_commands[]; /* cmd_content.c */
extern const struct lore_command lore_people_commands[];  /* cmd_people.c */
extern const struct lore_command lore_learn_commands[];   /* cmd_learn.c */
extern const struct lore_command lore_tags_commands[];    /* cmd_tags.c */

#endif
