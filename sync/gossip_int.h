/*
 * gossip_int: what the files of the gossip module share (private to gossip*.c; callers use
 * gossip.h).
 *   gossip.c         lifecycle and glue: per-link state, link callbacks (up, down, message), the
 *                    tick, team vetting (ZAP, HELLO), statistics
 *   gossip_push.c    push (IHAVE, GRAFT, PRUNE, eager and lazy peers) and bootstrap streams
 *   gossip_recon.c   driving a reconciliation with a peer, and the WANTs it leads to
 *   gossip_ingest.c  taking entries from peers: the per-author limit, the ingest pipeline and its
 *                    results, the retry ring of refused entries, storage failures
 *   gossip_clock.c   the team's clock, the sync horizon and releasing held-back entries
 *   gossip_presence.c presence beacons: ours sent, others' taken and passed on (sync/presence.h)
 * Include gossip.h first: this header uses its types but does not include it, so the module's
 * own files do not count as an include cycle (tests/include_cycles.py).
 */
#ifndef LORE_GOSSIP_INT_H
#define LORE_GOSSIP_INT_H

#ifndef LORE_GOSSIP_H
#error "include gossip.h before gossip_int.h"
#endif

#include <stddef.h>
#include <stdint.h>

#include "bucket.h"
#include "buf.h"
#include "presence.h"
#include "recon.h"

#define GOSSIP_TICK_MS 1000     /* housekeeping: periodic sync, timeouts */
#define GOSSIP_FLUSH_MS 5       /* IHAVE batching delay */
#define GOSSIP_GRAFT_MS 40      /* wait for an eager copy before fetching an announced id */
#define GOSSIP_MAX_MISSING 8192 /* announced ids we wait for at most */
/* The ingest pipeline's capacity, and a bootstrap's window: what is in flight is a receiving
 * node's largest memory use. 8,192 / 4,096 made a 100k bootstrap peak at 39-41 MiB RSS; 4,096 /
 * 2,048 at 34 MiB, as fast (the window is asked for again while 2,048 entries, a quarter of a
 * second's work, still wait), and a bulk pull on an online peer ~0.1 s slower (bench_sync). */
#define GOSSIP_QUEUE 4096             /* ingest pipeline capacity, entries */
#define GOSSIP_WINDOW 2048            /* bootstrap entries asked for at a time */
#define GOSSIP_SERVE_PER_TICK 4       /* stream batches sent per wake-up, to stay responsive */
#define GOSSIP_RECON_TIMEOUT_MS 15000 /* a reconciliation that stalls is abandoned */
#define GOSSIP_RECON_MAX_MSG (512u * 1024)
#define GOSSIP_DEFAULT_INTERVAL_MS 30000
#define GOSSIP_CURSOR_KEY "bootstrap_cursor"
#define GOSSIP_WANT_CHUNK 512       /* ids per WANT */
#define GOSSIP_FETCH_STALL_MS 10000 /* outstanding fetches without news are given up */
/* Per-author limit on pushed (live) entries: past it, an author's entries are not taken from
 * pushes, nor relayed eagerly; they are pulled instead: the push a peer sent past the limit makes
 * us reconcile with that peer soon (at most once per GOSSIP_PULL_MS, one reconciliation at a time,
 * its fetches paced by the pipeline's room), so a bulk import reaches an online peer at the
 * pipeline's pace, not after the interval. So one member writing in a loop costs each node what
 * its pipeline takes, relayed lazily (IHAVE), never an eager flood; and nothing valid is lost. */
#define GOSSIP_AUTHOR_RATE 20   /* entries per second, sustained */
#define GOSSIP_AUTHOR_BURST 200 /* at once */
#define GOSSIP_AUTHORS 256      /* authors tracked (the least recently seen one makes room) */
#define GOSSIP_PULL_MS 250      /* pull reconciliations with one peer start this far apart */
/* What we push eagerly to one peer, all authors together: below the per-author limit peers apply
 * (with a margin for delays that bunch messages up on the way), so a node that writes or relays a
 * bulk never has its pushes dropped. The rest is announced by id (IHAVE) and fetched by the peer
 * at its pipeline's pace. */
#define GOSSIP_PUSH_RATE 16   /* entries per second, sustained */
#define GOSSIP_PUSH_BURST 160 /* at once */
/* Entries refused because their author is not (yet) a member are kept, this many at most, and
 * tried again when the team state changes: an entry may outrun its author's certificate. */
#define GOSSIP_RETRY_MAX 512
#define GOSSIP_RETRY_BYTES (4u << 20)
#define GOSSIP_CLOCKS_MAX 256 /* peer clocks compared at most */

/* What a submitted entry came as: decides PRUNE on duplicates and whether to pass it on. */
enum gossip_via { VIA_PUSH = 0, VIA_FETCH = 1, VIA_STREAM = 2 };

/* Per-link protocol state, in link_data. Lives as long as the link. */
struct gpeer {
    struct link *link;
    uint64_t seq; /* stable number for ingest sources */
    int eager;
    uint8_t ihave[WIRE_MAX_IDS * WIRE_ID_LEN];
    size_t nihave;
    /* reconciliation */
    struct recon *recon;
    uint32_t session;
    int initiator;
    uint64_t recon_started_ms, last_sync_ms, last_diff;
    uint8_t *want; /* ids to ask for, not asked yet (flow control: the pipeline must have room) */
    size_t nwant, capwant;
    uint64_t outstanding;  /* asked for, no result yet */
    int pull;              /* it pushed past the per-author limit: reconcile with it soon */
    struct bucket push;    /* eager pushes we may send it now (GOSSIP_PUSH_RATE) */
    uint64_t graft_round;  /* the flush that last sent it a GRAFT */
    uint64_t pull_next_ms; /* not before this (loop clock) */
    uint64_t last_fetch_ms;
    int stream_done; /* the stream ended; reconcile once the pipeline has taken it all */
    /* bootstrap, as the one catching up */
    int streaming;
    uint64_t stream_entries, stream_bytes, window_left;
    uint64_t last_batch_ms; /* when the stream last moved: a stalled one is asked again */
    uint64_t cursor_ts;
    uint8_t cursor_id[ENTRY_ID_LEN];
    /* bootstrap, as the one serving */
    int serving; /* a stream was asked of us; serve_* hold where it is */
    uint64_t serve_credit, serve_ts, serve_left_entries, serve_left_bytes;
    uint8_t serve_id[ENTRY_ID_LEN];
    /* counters */
    uint64_t entries_rx, entries_tx, invalid;
    /* Entries not sent because it cannot take them (gossip_takes), and whether one was since its
     * link came up: its FEATURES, once it comes, has it reconcile with us at once. */
    uint64_t withheld;
    int withheld_since_up;
};

struct missing {
    uint8_t id[ENTRY_ID_LEN];
    uint64_t peer_seq;
    uint64_t deadline_ms;
};

struct gossip {
    struct gossip_config cfg;
    struct links *links;
    struct ingest *ingest;
    struct recon_set *set;
    uint64_t next_seq;
    uint64_t tick_timer, flush_timer;
    uint64_t flush_round; /* flushes so far */
    uint64_t last_periodic_ms;
    struct missing *missing;
    size_t nmissing;
    struct gossip_stats stats;
    int streaming;         /* some peer is streaming to us */
    int storage_failing;   /* the pipeline's writes failed when last looked at */
    struct buf out;        /* the frame being built */
    struct buf rbuf;       /* a reconciliation message, before it goes in a frame */
    uint64_t team_version; /* of the team state we last checked links against */
    uint64_t purged_seen;  /* ingest's purged + retractions when the set was last loaded */
    uint8_t *own_cert;
    size_t own_cert_len;
    struct {
        uint8_t key[ENTRY_KEY_LEN];
        struct bucket pushes; /* its at_ms: when last seen (the least recent makes room) */
    } authors[GOSSIP_AUTHORS];
    size_t nauthors;
    uint64_t author_limited, author_logged_ms;
    /* Entries created after this time (the team's clock plus the tolerance, never lowered) are
     * held back: not taken from peers, not in the reconciliation set, not served. */
    uint64_t horizon_ms;
    uint64_t held_back, held_logged_ms;
    struct {
        uint8_t *bytes;
        size_t len;
    } retry[GOSSIP_RETRY_MAX]; /* a ring of refused entries */
    size_t nretry, retry_head, retry_bytes;
    /* presence (gossip_presence.c) */
    struct presence *presence;
    struct buf beacon;         /* our newest beacon's frame */
    uint64_t beacon_ms;        /* loop clock when it was made, 0 = never */
    uint64_t presence_refused; /* beacons refused, not counting duplicates */
    uint64_t presence_logged_ms;
};

/* gossip.c: lifecycle and glue */
struct gpeer *gossip_peer_by_seq(struct gossip *g, uint64_t seq);
struct gpeer *gossip_peer(struct gossip *g, struct link *l);
int gossip_load_key(void *ctx, uint64_t ts, const uint8_t *id);

/* gossip_push.c: push and streams */
void gossip_send(struct gossip *g, struct gpeer *p);
/* May this encoded entry go to p? 1 unless it has a tag in any language (not ASCII by the rule
 * before them) and p did not announce WIRE_FEATURE_UNICODE_TAGS: such a peer would refuse it as
 * invalid data and count it against us. A 0 is counted as withheld. */
int gossip_takes(struct gossip *g, struct gpeer *p, const uint8_t *raw, size_t len);
/* Its FEATURES arrived: if it takes what we withheld from it, reconcile with it soon. */
void gossip_on_features(struct gossip *g, struct gpeer *p);
/* Make sure the flush timer runs soon. */
void gossip_kick(struct gossip *g, uint64_t ms);
/* Send the entries with these ids (that we have) in as many BATCHes as needed. */
/* Answer a WANT (or GRAFT) with the entries we hold. Ids we cannot serve (a retracted entry's
 * tombstone, or gone) are counted in the last BATCH's remaining_entries, which a fetch answer
 * does not otherwise use, so the asker stops waiting for them at once. */
void gossip_send_ids(struct gossip *g, struct gpeer *p, const uint8_t *ids, size_t n);
/* Offer an entry to every primary peer but the one it came from. */
void gossip_spread(struct gossip *g, const uint8_t id[ENTRY_ID_LEN], const uint8_t *raw, size_t len,
                   struct gpeer *from, int eager_allowed);
void gossip_cursor_load(struct gossip *g, struct gpeer *p);
void gossip_stream_ask(struct gossip *g, struct gpeer *p);
/* Is this peer so far ahead that streaming beats reconciling? */
int gossip_should_stream(struct gossip *g, struct gpeer *p);
void gossip_on_batch(struct gossip *g, struct gpeer *p, const struct wire_msg *m);
void gossip_on_stream(struct gossip *g, struct gpeer *p, const struct wire_msg *m);
void gossip_on_ihave(struct gossip *g, struct gpeer *p, const struct wire_msg *m);
/* p pushed an entry past its author's limit: pull the rest from p by reconciliation, soon. */
void gossip_pull_later(struct gossip *g, struct gpeer *p);
/* Start the pull reconciliation with p if one is due and none is running. */
void gossip_pull_due(struct gossip *g, struct gpeer *p);

/* gossip_recon.c: reconciliation */
void gossip_recon_start(struct gossip *g, struct gpeer *p);
/* Ask for queued ids while the ingest pipeline has room for the answers. */
void gossip_pump_wants(struct gossip *g, struct gpeer *p);
/* Queue ids to ask this peer for (gossip_pump_wants sends them). */
void gossip_want_ids(struct gpeer *p, const uint8_t *ids, size_t n);
void gossip_on_recon(struct gossip *g, struct gpeer *p, const struct wire_msg *m);

/* gossip_ingest.c: taking entries */
/* The team changed: submit the refused entries again (those still refused come back). */
void gossip_retry_all(struct gossip *g);
/* While the replica cannot be written, reconciling would only fetch what cannot be stored (the
 * entries not stored are not in the set, so they count as not held and are fetched again once
 * it can). When writes work again, reconcile with every peer at once. */
int gossip_storage_failing(struct gossip *g);
void gossip_storage_watch(struct gossip *g);
void gossip_on_ingest(struct loop *loop, int fd, void *zsock, unsigned events, void *arg);
int gossip_ingest(struct gossip *g, struct gpeer *p, const uint8_t *bytes, size_t len,
                  enum gossip_via via);

/* gossip_presence.c: presence beacons */
/* Each tick: make and send our beacon when it is due (only once the team knows us). */
void gossip_presence_tick(struct gossip *g);
/* We stop: tell every link we are offline now (a last beacon with PRESENCE_LEAVE_TTL_MS). */
void gossip_presence_leave(struct gossip *g);
/* A link came up: it gets our newest beacon at once. */
void gossip_presence_up(struct gossip *g, struct gpeer *p);
void gossip_on_presence(struct gossip *g, struct gpeer *p, const struct wire_msg *m);
/* 1 if we are a member the team knows (our beacons would be taken). */
int gossip_is_known(struct gossip *g);

/* gossip_clock.c: time */
uint64_t gossip_wall_ms(void);
/* The sync horizon: the team's clock plus the tolerance, never lowered (what was released stays
 * released, so the set and what we serve agree). */
uint64_t gossip_horizon(struct gossip *g);
/* Entries whose time has come since the last call join the reconciliation set (peers then get
 * them by reconciliation, like any entry they lack). */
void gossip_release(struct gossip *g);

#endif
