/*
 * vault: `lore export` and `lore import` — the replica's questions, answers, notes and comments as
 * a folder of Markdown files with YAML front matter, and a folder of Markdown notes (an Obsidian
 * vault, say) posted as notes. Like the rest of the CLI it speaks only the node's local API
 * (docs/API.md): export pages through `list`, import posts through `post`.
 *
 * Re-importing is idempotent without any state kept next to the files: before posting, the
 * importer lists every note in the replica and skips a file whose exact title and body are already
 * there (or whose front matter names an entry, by its full id, that the replica already holds —
 * a file written by `lore export`).
 */
#ifndef LORE_VAULT_H
#define LORE_VAULT_H

struct client;

/* Exit statuses; the same numbers as lore's own (cli/lore.c). */
enum vault_exit {
    VAULT_EXIT_OK = 0,
    VAULT_EXIT_FAIL = 1,    /* the node answered with an error, or a local failure */
    VAULT_EXIT_USAGE = 2,   /* bad command line */
    VAULT_EXIT_NO_NODE = 3, /* nothing listens on the socket */
};

/* What the commands need from lore's main program. */
struct vault_env {
    const char *cmd; /* "export" or "import": names the command in messages */
    /* Connect on first use. Returns VAULT_EXIT_OK with *client set (still owned by the caller of
     * vault_*_main), or another exit status after printing why. */
    int (*connect)(void *arg, struct client **client);
    /* Print `lore CMD --help` on stdout and return the exit status. */
    int (*help)(void *arg);
    void *arg; /* passed to connect and help */
};

/* `lore export DIR [--json]`: argv[0] is the command name; options follow getopt_long rules.
 * Returns an exit status, having printed any error. env is borrowed. */
int vault_export_main(const struct vault_env *env, int argc, char **argv)
    __attribute__((warn_unused_result));

/* `lore import DIR [--tag T]... [--dry-run] [--json]`: as vault_export_main. */
int vault_import_main(const struct vault_env *env, int argc, char **argv)
    __attribute__((warn_unused_result));

#endif
