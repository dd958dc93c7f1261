/*
 * gossip: the sync protocol — how a node's replica converges with its peers' (docs/PROTOCOL.md).
 *
 *  - Push: a new entry (written here or just merged from a peer) goes at once, whole, to "eager"
 *    peers and as an id (IHAVE, batched) to "lazy" ones. A peer that sends us an entry we already
 *    had is told PRUNE and becomes lazy; an id announced by a lazy peer that does not arrive
 *    eagerly soon is fetched with GRAFT, which makes that peer eager again. The eager links settle
 *    into a spanning tree (Plumtree): each node receives each entry about once.
 *  - Anti-entropy: on every new link and then periodically, one side runs a range-based set
 *    reconciliation (recon) over the (created_ms, id) of all entries; what one side lacks is sent
 *    in BATCHes, what it needs is asked for with WANT. Cost grows with the difference.
 *  - Bootstrap: a node far behind a peer asks for a STREAM of everything after its cursor, in
 *    windows it can ingest; the cursor commits with the entries, so a crash resumes where it was.
 *  - Everything received goes through the ingest pipeline (decode, verify, store off the loop);
 *    invalid data counts against the peer (link_penalize).
 *
 * gossip owns the links (sync/link.h) and the reconciliation set; the node hands it the loop, the
 * replica (read-only use on the loop thread) and the path for the ingest pipeline.
 */
#ifndef LORE_GOSSIP_H
#define LORE_GOSSIP_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "ingest.h"
#include "link.h"
#include "loop.h"
#include "replica.h"
#include "team.h"

struct gossip;

/* Called on the loop thread for every entry merged from a peer: stored and verified (borrowed). */
typedef void (*gossip_entry_fn)(void *ctx, const struct entry *e);

struct gossip_config {
    struct loop *loop;
    struct replica *replica;   /* borrowed; reads only */
    const char *db_path;       /* the replica's file, for the ingest pipeline's connection */
    const char *listen;        /* "HOST:PORT", port 0 = ephemeral; NULL/"" = do not listen */
    const uint8_t *key;        /* node key (ENTRY_KEY_LEN) */
    const char *name;          /* display name for HELLO (may be NULL) */
    uint64_t sync_interval_ms; /* periodic reconciliation; 0 = default (30 s) */
    int peer_exchange;         /* tell and learn whom peers know */
    int verify_threads;        /* 0 = one fewer than the CPUs, at least 1 */
    int push_unpaced; /* push every entry eagerly, past what peers take (tests of their limit) */
    gossip_entry_fn on_entry;
    void *ctx;
    /* The team (borrowed; must outlive gossip). NULL: the node is in no team, and links neither
     * listen nor dial (nothing would be safe to say to anyone). */
    struct team *team;
    const uint8_t *node_curve_public; /* our CURVE pair, from the node key (copied) */
    const uint8_t *node_curve_secret;
    const struct team_invite *invite; /* the join code's keys, or NULL (borrowed) */
    const uint8_t *own_cert;          /* our certificate, encoded (copied), or NULL */
    size_t own_cert_len;
    /* Sign with the node key (HELLO proofs). */
    int (*sign)(void *sign_ctx, const uint8_t *msg, size_t len, uint8_t sig[64]);
    void *sign_ctx;
};

/* Returns NULL with a message in err (e.g. the listen address is taken). */
struct gossip *gossip_new(const struct gossip_config *cfg, char *err, size_t errlen);
void gossip_destroy(struct gossip **gp);

/* Dial a peer ("HOST:PORT"). Returns 0, or -1 with a message in err. */
int gossip_dial(struct gossip *g, const char *addr, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Stop dialling a peer gossip_dial dialled, and close that link. Returns 1 if there was one. */
int gossip_forget(struct gossip *g, const char *addr);

/* A new entry stored locally: announce it. */
void gossip_publish(struct gossip *g, const struct entry *e);

uint16_t gossip_port(const struct gossip *g);
/* How many entries the replica holds, from memory (the reconciliation set): no SQL. */
uint64_t gossip_entry_count(struct gossip *g);
struct links *gossip_links(struct gossip *g);

/* The team state changed (e.g. a revocation this node wrote itself): drop links to peers that
 * are no longer members, and reload the reconciliation set if entries were purged (or
 * reload_set: the caller purged some itself). */
void gossip_team_changed(struct gossip *g, int reload_set);

/* The ingest pipeline's counters (refused, purged, ...). */
void gossip_ingest_counters(struct gossip *g, struct ingest_counters *out);

/* What `lore peers` shows about one link's sync. */
struct gossip_peer_info {
    const char *state;       /* "bootstrapping", "reconciling", "fetching", "in sync", "idle", or
                                "storage failing" (this node cannot store what it receives) */
    int eager;               /* we push whole entries to it */
    uint64_t entries_rx;     /* entries received from it (valid, new or not) */
    uint64_t entries_tx;     /* entries sent to it */
    uint64_t invalid;        /* invalid entries received from it */
    uint64_t to_fetch;       /* entries we know it has and we lack, still on their way */
    uint64_t stream_entries; /* bootstrap: entries still to come */
    uint64_t stream_bytes;   /* bootstrap: bytes still to come */
    uint64_t last_sync_ms;   /* loop clock of the last completed reconciliation, 0 = never */
    uint64_t last_diff;      /* entries the last reconciliation found missing, both ways */
    uint64_t features;       /* the FEATURES bits it announced on this link (link_peer_features) */
    uint64_t withheld;       /* entries not sent to it: it cannot take them (tags in any
                                language, and it did not announce WIRE_FEATURE_UNICODE_TAGS) */
};
void gossip_peer_info(struct gossip *g, struct link *l, struct gossip_peer_info *info);

/*
 * Presence (sync/presence.h): is the member with this key online now? Ourselves always; another
 * member if an up link leads to its node or one of its beacons, flooded across the mesh, arrived
 * within the last PRESENCE_TTL_MS. Revoked keys and non-members never are.
 */
int gossip_online(struct gossip *g, const uint8_t key[ENTRY_KEY_LEN]);
/* How many members are online now, ourselves included. */
size_t gossip_online_count(struct gossip *g);

struct gossip_stats {
    uint64_t merged;         /* entries from peers stored */
    uint64_t duplicates;     /* entries from peers we had */
    uint64_t invalid;        /* entries from peers rejected */
    uint64_t refused;        /* valid entries whose author is not a member */
    uint64_t author_limited; /* pushes left to reconciliation: their author wrote too fast */
    uint64_t paced;      /* entries announced by id, not pushed: the peer's push budget was spent */
    uint64_t held_back;  /* entries from peers dated after the horizon: not taken */
    uint64_t queued;     /* in the ingest pipeline now */
    uint64_t recon_runs; /* reconciliations completed */
    uint64_t pulls; /* reconciliations started to pull what a peer pushed past the author limit */
    uint64_t presence_refused; /* presence beacons refused (duplicates are not counted) */
    uint64_t withheld; /* entries not sent to a peer that cannot take them, all peers together */
};
void gossip_stats(struct gossip *g, struct gossip_stats *out);

/*
 * Time (docs/PROTOCOL.md, "Time"). Each peer's HELLO carries its wall clock; the team's clock is
 * ours plus the median of the offsets of the primary up links and our own (0), of two middle
 * values the one nearer ours.
 */
struct gossip_clock {
    uint64_t wall_ms;         /* our wall clock */
    int64_t offset_ms;        /* the team's clock minus ours */
    uint64_t team_ms;         /* wall_ms + offset_ms */
    size_t peers;             /* peers whose clock was compared */
    size_t peers_disagreeing; /* of those, how many differ from ours by more than the tolerance */
};
void gossip_clock(struct gossip *g, struct gossip_clock *out);

/* The median of {0} and n offsets, of two middle values the one nearer 0 (for tests). */
int64_t gossip_clock_median(const int64_t *offsets, size_t n);

/* Entries created after this are held back (not taken, offered or served): the team's clock plus
 * ENTRY_CLOCK_TOLERANCE_MS, never lowered while gossip runs. */
uint64_t gossip_sync_horizon(struct gossip *g);

#endif
