/* node_core: a node's own state in its data directory — identity, CURVE keys, replica, team,
 * areas — opened without a loop, a socket or networking. node_new builds the daemon on it; unit
 * tests call the ops (node_call) on it directly. */
#ifndef LORE_NODE_CORE_H
#define LORE_NODE_CORE_H

#include "node_int.h"

/* Open into n (zeroed, or with other fields set by the caller) the identity in data_dir/identity
 * (created on first open), its CURVE keys, and the replica data_dir/replica.db (cache_mb of page
 * cache). Returns 0, or -1 with a message in err; n is then for node_core_close. */
int node_core_open(struct node *n, const char *data_dir, int cache_mb, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Called every second (the integrity pass's tick): when no op ran since the last call, give back
 * the replica connection's page cache (what a bootstrap's, a search's or the pass's reads left:
 * up to cache_mb) and, once per quiet spell, the heap's free memory (malloc_trim). Returns the
 * bytes the page cache still holds, or SIZE_MAX when an op ran since the last call. */
size_t node_core_idle(struct node *n);

/* Close what node_core_open opened (safe on a partly opened n). */
void node_core_close(struct node *n);

/* A node for tests and tools: node_core_open on data_dir (which must exist, mode 0700), then the
 * team state and my areas; no hooks. Returns NULL with a message in err. */
struct node *node_core_new(const char *data_dir, char *err, size_t errlen);
void node_core_destroy(struct node **np);

#endif
