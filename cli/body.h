/*
 * body: the text of a post, from --body, --file, standard input or the user's editor, as a JSON
 * string; at most BODY_MAX bytes.
 */
#ifndef LORE_BODY_H
#define LORE_BODY_H

#include <jansson.h>
#include <stdbool.h>

#include "buf.h"

/* A body is at most what fits in one entry (ENTRY_MAX_SIZE, which title, tags and signature
 * share): the node refuses anything larger, so the CLI stops there too. BODY_MAX_KIB spelled out
 * for the help text, which a macro cannot compute; body.c checks it against entry.h. */
#define BODY_MAX_KIB 256
#define BODY_MAX (BODY_MAX_KIB * 1024u)
#define BODY_STR_(x) #x
#define BODY_STR(x) BODY_STR_(x)
#define BODY_MAX_TEXT BODY_STR(BODY_MAX_KIB) " KiB"

struct body_opts {
    const char *text;    /* --body */
    const char *file;    /* --file */
    bool from_stdin;     /* "-" */
    bool edit;           /* --edit */
    const char *initial; /* with edit: the text the editor starts from (NULL: empty) */
};

#define BODY_HELP                                                                                  \
    "  -b, --body TEXT   the body text\n"                                                          \
    "  -f, --file F      read the body from file F (at most " BODY_MAX_TEXT ")\n"                  \
    "  -                 read the body from standard input (at most " BODY_MAX_TEXT ")\n"          \
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
