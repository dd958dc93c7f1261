/* text: the rules for text lore stores: valid UTF-8 without control characters, and tags. */
#ifndef LORE_TEXT_H
#define LORE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* 1 if s[0..n) is valid UTF-8 (shortest form, no surrogates) with no C0/C1 control characters
 * and no DEL; multiline also allows tab, newline and carriage return. Else 0. */
int text_valid(const uint8_t *s, size_t n, int multiline);

/* The tag rule in words, for messages to people (the byte limit is the caller's to add). */
#define TEXT_TAG_RULE "letters and digits of any script, lower-cased, then also . + # _ -"

/* Normalise s[0..n), what a person or a file calls a tag, into a tag of at most max bytes:
 * Unicode white space around it trimmed and one leading '#' dropped; then Unicode NFC, then
 * Unicode's default full lower-case mapping (no language tailoring, so it is the same on every
 * node: "ETİKET" becomes "eti̇ket", i + U+0307, not Turkish "etiket"; a final capital sigma
 * becomes 'ς'), then NFC again (libunistring: u8_normalize, u8_tolower). What is left must be a
 * letter (L*) or decimal digit (Nd) of any script, then letters, decimal digits, combining marks
 * (M*) and . + # _ -. No compatibility folding (NFC, not NFKC): full-width "ＶＰＮ" stays
 * full-width. Writes the tag, NUL-terminated, to out (max + 1 bytes) and returns 0; else out is
 * "", err (may be NULL) says why — not UTF-8 text, empty, too long, or the first character a tag
 * cannot hold — and returns -1. */
int text_tag_norm(const char *s, size_t n, char *out, size_t max, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* 1 if s[0..n) is a tag of at most max bytes: exactly its own normal form (text_tag_norm), so
 * UTF-8, NFC, lower case, nothing around it, and only the characters a tag holds. Else 0. For
 * ASCII that is [a-z0-9] then [a-z0-9.+#_-]*. */
int text_tag_valid(const char *s, size_t n, size_t max);

/* The length in bytes of the letter (L*), decimal digit (Nd) or combining mark (M*) s[0..n)
 * begins with, or 0 if it begins with anything else (or is not UTF-8): a word's characters.
 * *digit (may be NULL) is set to whether it is a decimal digit. */
size_t text_word_char(const char *s, size_t n, int *digit);

/* The longest prefix of the UTF-8 text s of at most max bytes that ends at a character boundary:
 * how much of s to quote in a message without cutting a character in two. */
int text_prefix_len(const char *s, int max);

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
