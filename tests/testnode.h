/* A node for the op tests (header-only): its own state in a temporary directory — identity,
 * replica, team — with no loop, socket or networking, and its ops called through node_call, the
 * function every transport calls. */
#ifndef LORE_TESTNODE_H
#define LORE_TESTNODE_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "node_call.h"
#include "node_core.h"
#include "testutil.h"
#include "xmalloc.h"

struct test_node {
    char dir[64];
    struct node *n;
};

/* Open a node in a new temporary directory; aborts on failure. */
static inline struct test_node *test_node_new(void)
{
    struct test_node *t = xcalloc(1, sizeof(*t));
    char err[ERRMSG_MAX];

    snprintf(t->dir, sizeof(t->dir), "/tmp/lore-test-node-XXXXXX");
    if (mkdtemp(t->dir) == NULL)
        abort();
    t->n = node_core_new(t->dir, err, sizeof(err));
    if (t->n == NULL) {
        fprintf(stderr, "node_core_new: %s\n", err);
        abort();
    }
    return t;
}

static inline void test_node_destroy(struct test_node *t)
{
    char cmd[128];

    node_core_destroy(&t->n);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    if (system(cmd) != 0)
        abort();
    free(t);
}

/* node_call with the request text (JSON); returns the response (the caller decrefs). */
static inline json_t *test_call(struct test_node *t, const char *request)
{
    json_error_t jerr;
    json_t *req = json_loads(request, 0, &jerr), *res;

    if (req == NULL) {
        fprintf(stderr, "bad test request %s: %s\n", request, jerr.text);
        abort();
    }
    res = node_call(t->n, req);
    json_decref(req);
    return res;
}

/* test_call that must succeed ({"ok": true}); aborts with the response otherwise. */
static inline json_t *test_call_ok(struct test_node *t, const char *request)
{
    json_t *res = test_call(t, request);

    if (!json_is_true(json_object_get(res, "ok"))) {
        char *s = json_dumps(res, 0);
        fprintf(stderr, "%s failed: %s\n", request, s != NULL ? s : "?");
        abort();
    }
    return res;
}

/* The error code of a response, or "" if it succeeded. */
static inline const char *test_code(json_t *res)
{
    const char *c = json_string_value(json_object_get(res, "code"));

    return c != NULL ? c : "";
}

/* Store an entry by another author (as if it arrived from a peer); its id in hex (65 bytes). */
static inline void test_node_add(struct test_node *t, struct test_author *a,
                                 const struct entry_fields *f, char idhex[2 * ENTRY_ID_LEN + 1])
{
    struct entry *e = test_entry(a, f);
    char err[ERRMSG_MAX];

    if (replica_add(t->n->replica, e, err, sizeof(err)) == REPLICA_ERROR) {
        fprintf(stderr, "replica_add: %s\n", err);
        abort();
    }
    if (idhex != NULL)
        hex_encode(entry_id(e), ENTRY_ID_LEN, idhex);
    entry_destroy(&e);
}

#endif
