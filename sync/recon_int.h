/*
 * recon internals shared by recon.c (sets, sessions, what to answer) and recon_codec.c (keys,
 * range lists, and the wire format of docs/RECON.md). Not for other modules.
 */
#ifndef LORE_RECON_INT_H
#define LORE_RECON_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h" /* and recon.h, included first by the two users (not here: no include cycle) */

enum recon_mode {
    RECON_SKIP = 0,
    RECON_FINGERPRINT = 1,
    RECON_IDLIST = 2,
    RECON_DEFER = 3,
    RECON_HASHLIST = 4, /* version 2, initiator only */
    RECON_DIFF = 5,     /* version 2, responder only, answering a HASHLIST */
    RECON_MODES_V2 = 6,
    RECON_WHOLE = 7, /* internal work mode: the initiator's whole set, treated as differing */
};

#define RECON_HASH_LEN 4   /* short item hashes in a HASHLIST */
#define RECON_ITEM_MIN 33  /* shortest encoded list item: 1-byte varint + id */
#define RECON_ITEM_MAX 42  /* longest encoded list item: 10-byte varint + id */
#define RECON_BOUND_MAX 43 /* longest encoded bound: 10-byte varint + header + prefix */

/* A range bound: the least key of what follows it. An id shorter than 32 bytes on the wire is
 * padded with zeros; inf is the bound above every key. */
struct recon_bound {
    uint64_t ts;
    uint8_t id[RECON_ID_LEN];
    uint8_t inf;
};

/* A range [lo, hi) with its mode and payload. Items are items[off .. off + n) of its list: an
 * IDLIST's items; a HASHLIST's hashes (in id[0 .. RECON_HASH_LEN), ts 0) as decoded, or the
 * hashed items themselves in the initiator's open list; a DIFF's items the initiator lacks. A
 * DIFF's bitmap is bits[boff ..], nbits bits (the HASHLIST's count). */
struct recon_range {
    struct recon_bound lo, hi;
    uint8_t mode;
    uint8_t differ; /* FINGERPRINT work: my fingerprint differs (computed once, by the plan) */
    uint8_t fp[RECON_FP_LEN];
    size_t off, n;
    size_t boff, nbits;
    size_t oidx; /* DIFF received: the index of its HASHLIST in my open list */
};

/* A growable list of ranges with the items and bitmaps of their payloads. */
struct recon_rlist {
    struct recon_range *r;
    size_t n, cap;
    struct recon_item *items;
    size_t nitems, capitems;
    uint8_t *bits;
    size_t nbytes, capbytes;
};

/* Where a message is being written, and what it said so far. */
struct recon_emit {
    struct buf *b;
    unsigned version;
    struct recon_bound cursor; /* upper bound of the last range written */
    uint64_t prev_ts;          /* timestamp of the last finite bound written */
    size_t nfp, nlist;
    int defer;
};

/* Keys */
int recon_item_cmp(const struct recon_item *a, const struct recon_item *b);
int recon_item_bound_cmp(const struct recon_item *it, const struct recon_bound *b);
int recon_bound_cmp(const struct recon_bound *a, const struct recon_bound *b);
void recon_bound_min(struct recon_bound *b);
void recon_bound_inf(struct recon_bound *b);
void recon_bound_between(const struct recon_item *prev, const struct recon_item *cur,
                         struct recon_bound *b);

/* Range lists */
void recon_rlist_reset(struct recon_rlist *l);
void recon_rlist_free(struct recon_rlist *l);
void recon_rlist_swap(struct recon_rlist *a, struct recon_rlist *b);
void recon_rlist_push(struct recon_rlist *l, const struct recon_range *rg,
                      const struct recon_item *items, size_t n);

/* Wire */
int recon_put_varint(struct buf *b, uint64_t v);
/* Strictly decode a whole message into l. version: the session's (0 on a responder's first
 * message: 1 and 2 are accepted, and *version is set). from_initiator: who sent it (version 2
 * allows each side its own modes). Returns 0, or -1 with a message in err. */
int recon_decode(const uint8_t *p, size_t len, unsigned *version, int from_initiator,
                 struct recon_rlist *l, char *err, size_t errlen);
const char *recon_mode_name(uint8_t mode);
int recon_emit_bound(struct recon_emit *e, const struct recon_bound *b, uint8_t mode);
int recon_emit_range(struct recon_emit *e, const struct recon_bound *lo,
                     const struct recon_bound *hi, uint8_t mode);

#endif
