/*
 * vault_import: `lore import DIR` — a folder of Markdown notes (an Obsidian vault, say) posted as
 * notes through the API's `post`.
 *
 * Re-importing is idempotent without any state kept next to the files: before posting, the
 * importer lists every note in the replica and skips a file whose exact title and body are already
 * there (or whose front matter names an entry, by its full id, that the replica already holds —
 * a file written by `lore export`).
 */
#ifndef LORE_VAULT_IMPORT_H
#define LORE_VAULT_IMPORT_H

struct lore;

/* `lore import DIR [--tag T]... [--dry-run] [--json]`: as vault_export_main. */
int vault_import_main(struct lore *l, int argc, char **argv) __attribute__((warn_unused_result));

#endif
