/* node_core: a node's own state in its data directory, without a loop, a socket or networking. */
#include "node_core.h"

#include <malloc.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>

#include "hex.h"
#include "log.h"
#include "node_synonyms.h"
#include "node_teamstate.h"
#include "node_watch.h"
#include "xmalloc.h"

/* Ids of the entries this node wrote, remembered as verified (replica_remember_verified). */
#define NODE_VERIFIED_IDS 32768

int node_core_open(struct node *n, const char *data_dir, int cache_mb, char *err, size_t errlen)
{
    char pk[2 * ENTRY_KEY_LEN + 1];
    int created = 0;

    n->iddir = xasprintf("%s/identity", data_dir);
    n->id = identity_open(n->iddir, &created, err, errlen);
    if (n->id == NULL)
        return -1;
    buf_init(&n->own_cert, ENTRY_MAX_SIZE);
    n->curve_sk = sodium_malloc(TEAM_CURVE_LEN);
    if (n->curve_sk == NULL || identity_curve_secret(n->id, n->curve_sk) != 0 ||
        team_node_curve_public(identity_public_key(n->id), n->curve_pk) != 0) {
        errmsg_set(err, errlen, "cannot derive the node's CURVE key from its identity");
        return -1;
    }
    hex_encode(identity_public_key(n->id), ENTRY_KEY_LEN, pk);
    log_info("node: identity %s (%s)", pk, created ? "new" : "loaded");
    n->db_path = xasprintf("%s/replica.db", data_dir);
    n->replica = replica_open(n->db_path, cache_mb, err, errlen);
    if (n->replica == NULL)
        return -1;
    /* what we write here we signed: a peer fetching our fresh entries is served without
     * verifying each again (1 MiB of ids: a 10,000-note import is mostly still there when
     * a peer asks) */
    replica_remember_verified(n->replica, NODE_VERIFIED_IDS);
    return 0;
}

size_t node_core_idle(struct node *n)
{
    size_t cache;

    if (n->calls != n->idle.calls_seen) {
        n->idle.calls_seen = n->calls;
        n->idle.trimmed = 0;
        return SIZE_MAX;
    }
    cache = replica_release_memory(n->replica);
    if (!n->idle.trimmed) {
        (void)malloc_trim(0);
        n->idle.trimmed = 1;
    }
    return cache;
}

void node_core_close(struct node *n)
{
    json_decref(n->areas);
    n->areas = NULL;
    node_syn_destroy(&n->syn);
    replica_close(&n->replica);
    team_destroy(&n->team);
    team_invite_destroy(&n->invite);
    buf_free(&n->own_cert);
    sodium_free(n->curve_sk);
    n->curve_sk = NULL;
    free(n->iddir);
    n->iddir = NULL;
    identity_destroy(&n->id);
    free(n->db_path);
    n->db_path = NULL;
}

struct node *node_core_new(const char *data_dir, char *err, size_t errlen)
{
    struct node *n = xcalloc(1, sizeof(*n));

    n->sigfd = -1;
    n->lock_fd = -1;
    if (node_core_open(n, data_dir, 8, err, errlen) != 0 ||
        node_teamstate_open(n, err, errlen) != 0) {
        node_core_destroy(&n);
        return NULL;
    }
    node_watch_load_areas(n);
    return n;
}

void node_core_destroy(struct node **np)
{
    if (np == NULL || *np == NULL)
        return;
    node_core_close(*np);
    free(*np);
    *np = NULL;
}
