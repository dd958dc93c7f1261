/*
 * vault_export: `lore export DIR` — the replica's questions, answers, notes and comments as a
 * folder of Markdown files with YAML front matter, paged through the API's `list`.
 */
#ifndef LORE_VAULT_EXPORT_H
#define LORE_VAULT_EXPORT_H

#include <stddef.h>

struct lore;

/* The file name part of a title: "printer-on-floor-2", "naïve-café". ASCII letters (lower-cased)
 * and digits, and valid UTF-8 letters, digits and marks as they are; every other run (spaces,
 * punctuation, '/', '.', controls, invalid bytes) becomes one '-' between words, none at either
 * end. Stops at a newline once something is written (untitled entries use their body). At most
 * VAULT_SLUG_MAX (60) bytes and n - 1, cut on a character boundary; out is NUL-terminated; n >= 1.
 * The result never starts with '.', never holds '/' and may be empty. */
void vault_export_slug(const char *text, char *out, size_t n);

/* `lore export DIR [--json]`: argv[0] is the command name; options follow getopt_long rules.
 * Returns an exit status (cli.h), having printed any error. l is borrowed. */
int vault_export_main(struct lore *l, int argc, char **argv) __attribute__((warn_unused_result));

#endif
