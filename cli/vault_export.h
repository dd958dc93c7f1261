/*
 * vault_export: `lore export DIR` — the replica's questions, answers, notes and comments as a
 * folder of Markdown files with YAML front matter, paged through the API's `list`.
 */
#ifndef LORE_VAULT_EXPORT_H
#define LORE_VAULT_EXPORT_H

struct lore;

/* `lore export DIR [--json]`: argv[0] is the command name; options follow getopt_long rules.
 * Returns an exit status (cli.h), having printed any error. l is borrowed. */
int vault_export_main(struct lore *l, int argc, char **argv) __attribute__((warn_unused_result));

#endif
