/* A node for the op tests (header-only): its own state in a temporary directory — identity,
 * replica, team — with no loop, socket or networking, and its ops called through node_call, the
 * function every transport calls. */
#ifndef LORE_TESTNODE_H
#define LORE_TESTNODE_H

#include <jansson.h>
#include <stdarg.h>
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

/* cmocka fixtures, entries by other authors, and formatted calls. */
#define T0 1795000000000ull

static inline int setup(void **state)
{
    *state = test_node_new();
    return 0;
}

static inline int teardown(void **state)
{
    test_node_destroy(*state);
    return 0;
}

/* An entry of kind by author a created at created_ms: title, body, one tag, one ref (hex or NULL),
 * nattrs attributes. */
static inline void add_at(struct test_node *t, struct test_author *a, uint16_t kind,
                          uint64_t created_ms, const char *title, const char *body, const char *tag,
                          const char *ref, const struct entry_attr *attrs, size_t nattrs,
                          char idhex[2 * ENTRY_ID_LEN + 1])
{
    struct entry_fields f = {0};
    const char *tags[1] = {tag};
    uint8_t rid[ENTRY_ID_LEN];

    f.kind = kind;
    f.created_ms = created_ms;
    f.title = title;
    f.body = body;
    if (tag != NULL) {
        f.tags = tags;
        f.ntags = 1;
    }
    if (ref != NULL) {
        if (hex_decode(ref, 2 * ENTRY_ID_LEN, rid, ENTRY_ID_LEN) != 0)
            abort();
        f.refs = (const uint8_t(*)[ENTRY_ID_LEN])rid;
        f.nrefs = 1;
    }
    f.attrs = nattrs > 0 ? attrs : NULL;
    f.nattrs = nattrs;
    test_node_add(t, a, &f, idhex);
}

/* An entry of kind by author a at T0 + dt_ms: title, body, one tag, one ref (hex or NULL). */
static inline void add(struct test_node *t, struct test_author *a, uint16_t kind, uint64_t dt_ms,
                       const char *title, const char *body, const char *tag, const char *ref,
                       char idhex[2 * ENTRY_ID_LEN + 1])
{
    add_at(t, a, kind, T0 + dt_ms, title, body, tag, ref, NULL, 0, idhex);
}

static inline json_t *callf(struct test_node *t, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline json_t *callf(struct test_node *t, int ok, const char *fmt, ...)
{
    char req[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(req, sizeof(req), fmt, ap);
    va_end(ap);
    return ok ? test_call_ok(t, req) : test_call(t, req);
}

#endif
