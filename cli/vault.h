/*
 * vault: what `lore export` (vault_export.c) and `lore import` (vault_import.c) share — one run's
 * state, its progress line on stderr, its messages, and its calls to the node. Like the rest of
 * the CLI a vault run speaks only the node's local API (docs/API.md).
 */
#ifndef LORE_VAULT_H
#define LORE_VAULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lore;

/* One run of export or import. */
struct vault_run {
    struct lore *l;        /* the invocation (borrowed): its connection and command name */
    struct client *client; /* l's connection, once made */
    bool json;
    bool tty;             /* stderr is a terminal: progress is shown */
    bool progress_shown;  /* a progress line is on the terminal */
    uint64_t progress_ms; /* when it was last updated */
};

/* Take the progress line off the terminal before anything else goes to stderr. */
void vault_progress_clear(struct vault_run *r);
/* "VERB DONE/TOTAL", updated in place, when stderr is a terminal. */
void vault_progress(struct vault_run *r, const char *verb, size_t done, size_t total);
/* "lore: MESSAGE" on stderr, after clearing the progress line. */
void vault_errorf(struct vault_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Send req (stolen) and wait for the answer. Returns LORE_EXIT_OK with *resp (the caller's
 * reference) whether the node said ok or not — *ok says which — or an exit status after printing
 * why the exchange itself failed (the connection is then unusable). */
int vault_exchange(struct vault_run *r, json_t *req, json_t **resp, bool *ok);
/* As vault_exchange, but an error answer is printed and fails. */
int vault_call(struct vault_run *r, json_t *req, json_t **resp);
/* Connect on first use. Returns an exit status. */
int vault_connect(struct vault_run *r);
/* Page through `list` for every entry of kind, appending each (new references) to out unless its
 * id is in seen already; brief: the node's brief views (no counts, flags or votes: cheap to
 * make and to read when only the content matters). *done counts them for the progress line.
 * Returns an exit status. */
int vault_fetch_kind(struct vault_run *r, const char *kind, int brief, json_t *out, json_t *seen,
                     size_t *done);
/* A path as a JSON string, or null if it is not UTF-8. */
json_t *vault_json_path(const char *path);

#endif
