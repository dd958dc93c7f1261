/*
 * recon: range-based set reconciliation of (created_ms, id) items between two peers, in the spirit
 * of Negentropy but with its own wire format (docs/RECON.md).
 *
 * Each side holds a recon_set. The initiator sends a first message (recon_initiate); the two sides
 * then answer each other's messages (recon_reply) until the initiator has nothing left to send.
 * By then the initiator has been told, through its callbacks, every item it holds that the peer
 * lacks ("have") and every item the peer holds that it lacks ("need"), each exactly once. The
 * responder learns nothing through callbacks: the initiator pushes and pulls what it was told.
 *
 * Messages compare fingerprints of key ranges and recurse only into ranges that differ, so the
 * bytes exchanged grow with the number of differences, not with the size of the sets; small
 * differing ranges are settled by short salted hashes of the initiator's items. The initiator
 * speaks format version 2; a responder answers versions 1 and 2. The decoder
 * is strict and total: any bytes either decode or are rejected with a message, and a rejected
 * message has no effect (no callback runs). Nothing here does I/O.
 */
#ifndef LORE_RECON_H
#define LORE_RECON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define RECON_VERSION 2               /* first byte of every message (a responder also answers 1) */
#define RECON_ID_LEN 32               /* item ids: BLAKE2b-256 entry ids */
#define RECON_FP_LEN 16               /* range fingerprints on the wire */
#define RECON_MAX_TS (UINT64_MAX - 1) /* larger timestamps are refused */
#define RECON_DEFAULT_MSG (512u * 1024)   /* max_msg when 0 is given */
#define RECON_MIN_MSG (8u * 1024)         /* smaller max_msg values are raised to this */
#define RECON_MAX_MSG (64u * 1024 * 1024) /* larger max_msg values are lowered to this */

/* One item: 40 bytes, ordered by ts, then by id bytes (memcmp). */
struct recon_item {
    uint64_t ts;
    uint8_t id[RECON_ID_LEN];
};

/* ---- Sets ---- */

/* An in-memory set of items: an array sorted lazily (adds append; the next use sorts the new
 * items, merges them in and drops duplicates), 40 bytes per item. */
struct recon_set;

/* A new empty set. Never NULL (aborts on out-of-memory). */
struct recon_set *recon_set_new(void);
/* Free the set. Accepts NULL and *sp == NULL; sets *sp = NULL. No recon may still borrow it. */
void recon_set_destroy(struct recon_set **sp);
/* Empty the set (it stays usable, and borrowers keep their pointer). */
void recon_set_clear(struct recon_set *s);
/* Make room for n more items (optional; avoids regrowth when building a large set). */
void recon_set_reserve(struct recon_set *s, size_t n);
/* Add an item (copied). Adding an item already present is harmless. Returns 0, or -1 if
 * ts > RECON_MAX_TS. O(1); the sort is paid once, at the next recon_set_sort or exchange. */
int recon_set_add(struct recon_set *s, uint64_t ts, const uint8_t id[RECON_ID_LEN])
    __attribute__((warn_unused_result));
/* Add n items (copied). Returns 0, or -1 (nothing added) if one has ts > RECON_MAX_TS. */
int recon_set_add_items(struct recon_set *s, const struct recon_item *items, size_t n)
    __attribute__((warn_unused_result));
/* Sort and deduplicate now (otherwise done on first use). O(n + k log k) for k new items. */
void recon_set_sort(struct recon_set *s);
/* Number of distinct items (sorts first). */
size_t recon_set_size(struct recon_set *s);
/* 1 if the set holds (ts, id), else 0 (sorts first). */
int recon_set_contains(struct recon_set *s, uint64_t ts, const uint8_t id[RECON_ID_LEN]);
/* The fingerprint of the whole set (the one on the wire for the range [min, infinity)). */
void recon_set_fingerprint(struct recon_set *s, uint8_t fp[RECON_FP_LEN]);

/* ---- Sessions ---- */

/* Called once per differing item: ts, and the id (valid during the call only). */
typedef void (*recon_item_fn)(void *ctx, uint64_t ts, const uint8_t id[RECON_ID_LEN]);

/* One side of one reconciliation session. */
struct recon;

/*
 * A new session over set, which is borrowed: it must outlive the session. The set may gain
 * items between calls (e.g. entries arriving from elsewhere); an item added mid-session may then
 * be reported or not, and is settled by the next session. initiator: 1 for the side that starts
 * and learns the differences, 0 for the side that answers. max_msg: the largest message this
 * side sends or accepts, in bytes; 0 means RECON_DEFAULT_MSG, and the value is clamped to
 * [RECON_MIN_MSG, RECON_MAX_MSG]. Both peers must use the same value. Never NULL.
 */
struct recon *recon_new(struct recon_set *set, int initiator, size_t max_msg);
/* Free the session. Accepts NULL and *rp == NULL; sets *rp = NULL. */
void recon_destroy(struct recon **rp);

/* Initiator callbacks: have = an item of ours the peer lacks, need = an item of the peer's we
 * lack. Either may be NULL. ctx is passed through (borrowed). Ignored on a responder. A callback
 * must not add to this session's set (queue the item and add it after recon_reply returns). */
void recon_set_callbacks(struct recon *r, recon_item_fn have, recon_item_fn need, void *ctx);

/* Initiator only, once: write the first message into out (reset first; its max must allow
 * max_msg bytes). Returns 0, or -1 with a message in err. */
int recon_initiate(struct recon *r, struct buf *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Process the peer's message msg[0..len) (borrowed) and write the answer into out (reset first;
 * its max must allow max_msg bytes). On the initiator, callbacks run during this call, and an
 * empty out means the session is over (recon_done is then 1): send nothing. A responder always
 * writes an answer, which must be sent. Returns 0, or -1 with a message in err if the message is
 * malformed, breaks the protocol, or comes after the end; then no callback ran, out is empty, and
 * the session should be dropped.
 */
int recon_reply(struct recon *r, const uint8_t *msg, size_t len, struct buf *out, char *err,
                size_t errlen) __attribute__((warn_unused_result));

/* 1 when the session is over: on the initiator, when recon_reply produced no message; on the
 * responder, when its last answer left nothing open (the initiator will not send again). */
int recon_done(const struct recon *r);

#endif
