/*
 * body: the text of a post, from --body, --file, standard input or the user's editor, as a JSON
 * string; at most BODY_MAX bytes.
 */
#ifndef LORE_BODY_H
#define LORE_BODY_H

#include <jansson.h>
#include <stdbool.h>

#include "buf.h"

#define BODY_MAX (1024u * 1024)

struct body_opts {
    const char *text;    /* --body */
    const char *file;    /* --file */
    bool from_stdin;     /* "-" */
    bool edit;           /* --edit */
    const char *initial; /* with edit: the text the editor starts from (NULL: empty) */
};

#define BODY_HELP                                                                                  \
    "  -b, --body TEXT   the body text\n"                                                          \
    "  -f, --file F      read the body from file F (at most 1 MiB)\n"                              \
    "  -                 read the body from standard input (at most 1 MiB)\n"                      \
    "  -e, --edit        write the body in $VISUAL or $EDITOR\n"

/* Read all of fd into b (whose max is the limit). Returns 0, or -1 with errno set (EFBIG if the
 * limit was exceeded). */
int body_read_fd(int fd, struct buf *b) __attribute__((warn_unused_result));

/* Get the body as a JSON string in *out (new reference) according to o. If no source is given:
 * with required, open the editor when stdin is a terminal, else fail; without required, *out is
 * an empty string. cmd names the command in messages. Returns an exit status (cli.h), having
 * printed any error. */
int body_get(const char *cmd, const struct body_opts *o, bool required, json_t **out);

#endif
