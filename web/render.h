/*
 * render: text from entries into HTML that can do nothing but be read. Markdown goes through
 * cmark-gfm in its safe mode (raw HTML becomes a comment, javascript:, vbscript:, file: and
 * non-image data: links lose their target); everything else (titles, names, tags, snippets) is
 * escaped. All output is appended to a struct buf (bounded: -1 when it is full).
 */
#ifndef LORE_RENDER_H
#define LORE_RENDER_H

#include <stddef.h>

#include "buf.h"

/* Append s[0..len) escaped for HTML text and double-quoted attributes (& < > " '). */
int render_escape_n(struct buf *b, const char *s, size_t len) __attribute__((warn_unused_result));
/* The same for a NUL-terminated s (NULL appends nothing). */
int render_escape(struct buf *b, const char *s) __attribute__((warn_unused_result));
/* As render_escape, with open (a byte) turned into <mark> and close into </mark>: a search
 * snippet whose markers are bytes that entry text never holds. */
int render_escape_marked(struct buf *b, const char *s, char open, char close)
    __attribute__((warn_unused_result));
/* Append Markdown text (NULL: nothing) rendered to safe HTML. */
int render_markdown(struct buf *b, const char *md) __attribute__((warn_unused_result));

#endif
