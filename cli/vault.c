/* vault: what lore export and lore import share (see vault.h). */
#include "vault.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "call.h"
#include "cli.h"
#include "client.h"
#include "out.h"
#include "vault_md.h"

#define VAULT_PAGE 500        /* the API's largest list page */
#define VAULT_PROGRESS_MS 100 /* least time between progress updates */

static uint64_t vault_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Take the progress line off the terminal before anything else goes to stderr. */
void vault_progress_clear(struct vault_run *r)
{
    if (r->progress_shown) {
        fputs("\r\x1b[K", stderr);
        r->progress_shown = false;
    }
}

/* "VERB DONE/TOTAL", updated in place, when stderr is a terminal. */
void vault_progress(struct vault_run *r, const char *verb, size_t done, size_t total)
{
    uint64_t now;

    if (!r->tty)
        return;
    now = vault_now_ms();
    if (done != total && r->progress_shown && now - r->progress_ms < VAULT_PROGRESS_MS)
        return;
    fprintf(stderr, "\r%s %zu/%zu\x1b[K", verb, done, total);
    fflush(stderr);
    r->progress_shown = true;
    r->progress_ms = now;
}

/* "lore: MESSAGE" on stderr. */
void vault_errorf(struct vault_run *r, const char *fmt, ...)
{
    va_list ap;

    vault_progress_clear(r);
    va_start(ap, fmt);
    out_verrorf(fmt, ap);
    va_end(ap);
}

int vault_connect(struct vault_run *r)
{
    int rc;

    if (r->client != NULL)
        return LORE_EXIT_OK;
    rc = call_connect(r->l);
    r->client = r->l->client;
    return rc;
}

/* Send req (stolen) and wait for the answer. Returns LORE_EXIT_OK with *resp (the caller's
 * reference) whether the node said ok or not — *ok says which — or an exit status after printing
 * why the exchange itself failed (the connection is then unusable). */
int vault_exchange(struct vault_run *r, json_t *req, json_t **resp, bool *ok)
{
    char err[ERRMSG_MAX];
    int rc;

    *resp = NULL;
    *ok = false;
    if (req == NULL) {
        vault_errorf(r, "out of memory");
        return LORE_EXIT_FAIL;
    }
    rc = vault_connect(r);
    if (rc != LORE_EXIT_OK) {
        json_decref(req);
        return rc;
    }
    *resp = client_call(r->client, req, err, sizeof(err));
    json_decref(req);
    if (*resp == NULL) {
        vault_errorf(r, "%s", err);
        return LORE_EXIT_FAIL;
    }
    *ok = json_is_true(json_object_get(*resp, "ok"));
    return LORE_EXIT_OK;
}

/* As vault_exchange, but an error answer is printed and fails. */
int vault_call(struct vault_run *r, json_t *req, json_t **resp)
{
    bool ok;
    int rc = vault_exchange(r, req, resp, &ok);

    if (rc == LORE_EXIT_OK && !ok) {
        vault_progress_clear(r);
        out_print_node_error(*resp);
        if (r->json)
            out_print_json(*resp);
        json_decref(*resp);
        *resp = NULL;
        rc = LORE_EXIT_FAIL;
    }
    return rc;
}

/* Page through `list` for every entry of kind, appending each (new references) to out unless its
 * id is in seen already (a new entry arriving mid-way shifts the pages by one). verb and *done
 * drive the progress line. Returns an exit status. */
int vault_fetch_kind(struct vault_run *r, const char *kind, int brief, json_t *out, json_t *seen,
                     size_t *done)
{
    json_t *resp = NULL, *entries, *e;
    size_t i, n, offset = 0;
    const char *id;
    int rc = LORE_EXIT_OK;

    for (;;) {
        rc = vault_call(r,
                        json_pack("{s:s,s:s,s:i,s:I,s:b}", "op", "list", "kind", kind, "limit",
                                  VAULT_PAGE, "offset", (json_int_t)offset, "brief", brief),
                        &resp);
        if (rc != LORE_EXIT_OK)
            goto out;
        entries = json_object_get(resp, "entries");
        if (!json_is_array(entries)) {
            vault_errorf(r, "the node's list answer has no entries");
            rc = LORE_EXIT_FAIL;
            goto out;
        }
        n = json_array_size(entries);
        json_array_foreach(entries, i, e)
        {
            id = json_string_value(json_object_get(e, "id"));
            if (!json_is_object(e) || !vault_md_is_id(id) || json_object_get(seen, id) != NULL)
                continue;
            json_object_set_new(seen, id, json_true());
            json_array_append(out, e);
            (*done)++;
        }
        if (r->tty && !r->json) {
            vault_progress_clear(r);
            fprintf(stderr, "read %zu entries", *done);
            fflush(stderr);
            r->progress_shown = true;
        }
        json_decref(resp);
        resp = NULL;
        if (n < VAULT_PAGE)
            break;
        offset += n;
    }
out:
    json_decref(resp);
    return rc;
}

/* A path as a JSON string, or null if it is not UTF-8. */
json_t *vault_json_path(const char *path)
{
    json_t *v = json_string(path);

    return v != NULL ? v : json_null();
}
