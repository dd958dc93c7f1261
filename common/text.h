/* text: the rules for text lore stores: valid UTF-8 without control characters, and tags. */
#ifndef LORE_TEXT_H
#define LORE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* 1 if s[0..n) is valid UTF-8 (shortest form, no surrogates) with no C0/C1 control characters
 * and no DEL; multiline also allows tab, newline and carriage return. Else 0. */
int text_valid(const uint8_t *s, size_t n, int multiline);

/* 1 if s[0..n) is a tag of at most max bytes: [a-z0-9] then [a-z0-9.+#_-]*. Else 0. */
int text_tag_valid(const char *s, size_t n, size_t max);

/* Flags of text_sanitize_term. */
enum text_term_flags {
    TEXT_TERM_ONE_LINE = 1, /* newlines and tabs become spaces */
    TEXT_TERM_BOLD = 2,     /* let TEXT_TERM_BOLD_ON and TEXT_TERM_BOLD_OFF through */
    TEXT_TERM_STRICT = 4,   /* newlines, tabs and carriage returns too become '?' */
};
#define TEXT_TERM_BOLD_ON "\x1b[1m"
#define TEXT_TERM_BOLD_OFF "\x1b[0m"

/* Write the NUL-terminated s to f without anything a terminal would interpret: control characters
 * (C0, DEL, C1) and bidirectional overrides (U+202A..U+202E, U+2066..U+2069) become '?'. Text
 * comes from other people on the network and from files, so a title must not be able to move the
 * cursor or retitle the terminal. Without flags a newline stays, followed by indent (may be NULL)
 * unless the next line is empty, a tab stays and a carriage return is dropped; flags (an OR of
 * enum text_term_flags) change that. The one sanitiser of every printer in the CLI. */
void text_sanitize_term(FILE *f, const char *s, int flags, const char *indent);

#endif
