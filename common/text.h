/* text: the rules for text lore stores: valid UTF-8 without control characters, and tags. */
#ifndef LORE_TEXT_H
#define LORE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* 1 if s[0..n) is valid UTF-8 (shortest form, no surrogates) with no C0/C1 control characters
 * and no DEL; multiline also allows tab, newline and carriage return. Else 0. */
int text_valid(const uint8_t *s, size_t n, int multiline);

/* 1 if s[0..n) is a tag of at most max bytes: [a-z0-9] then [a-z0-9.+#_-]*. Else 0. */
int text_tag_valid(const char *s, size_t n, size_t max);

#endif
