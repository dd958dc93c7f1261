/*
 * presence: which members' nodes are up now, across the mesh and not only over direct links
 * (docs/PROTOCOL.md, "Presence").
 *
 * Every node makes a signed PRESENCE beacon every PRESENCE_EVERY_MS and sends it to its links; a
 * node that takes a beacon (presence_take: fresh, newer than the last one of its key, not too
 * fast, from a member, signature valid) passes it on once to its other links, so beacons flood
 * the mesh and the per-key order stops them going round. The table here keeps, per member key,
 * the newest beacon taken and until when the key counts as online (the caller's monotonic clock).
 * Nothing is written anywhere: a restarted node starts with an empty table. Not thread safe: the
 * loop thread only.
 */
#ifndef LORE_PRESENCE_H
#define LORE_PRESENCE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "wire.h"

#define PRESENCE_EVERY_MS 3000 /* a node sends its beacon this often, up to 16 nodes online */
/* A beacon keeps its key online this long after it arrives: three beacons' worth, so one lost
 * beacon does not make anyone flicker, and a node that vanishes is offline within 9 s. */
#define PRESENCE_TTL_MS 9000
/* Every node relays every member's beacon on each of its links, so with more nodes online each
 * beacons less often: 3 s more per 16 nodes online, at most every 20 s (a ttl of 60 s, the most
 * the wire allows). A node then relays about 5 beacons a second up to 106 nodes online, 13 at 256,
 * instead of 33 with 100 nodes every 3 s; a vanished node is offline within three periods. */
#define PRESENCE_NODES_PER_STEP 16
#define PRESENCE_EVERY_MAX_MS 20000
/* Per key, beacons closer than this (by the sender's clock) are refused: at most one a second,
 * whatever a member's node or a link does. Arrivals closer than half of it on our clock too. */
#define PRESENCE_MIN_GAP_MS 1000
/* How far a beacon's time may be from the team's clock: ahead by at most this, behind by at most
 * this plus its ttl. A node whose clock is further off shows as online only to its direct links. */
#define PRESENCE_SKEW_MS 60000
#define PRESENCE_MAX_KEYS 4096 /* keys remembered at most (expired ones make room) */

/* What presence_take made of a beacon. */
enum presence_verdict {
    PRESENCE_NEW = 0,       /* taken: pass it on */
    PRESENCE_DUPLICATE,     /* this beacon or a newer one of its key was taken already */
    PRESENCE_TOO_FAST,      /* newer, but within PRESENCE_MIN_GAP_MS of the last one: abuse */
    PRESENCE_BAD_SIGNATURE, /* not signed by its key for this team: abuse */
    PRESENCE_NOT_MEMBER,    /* the key is not (or no longer) a member of the team */
    PRESENCE_STALE,         /* older than its ttl by the team's clock */
    PRESENCE_FUTURE,        /* dated too far ahead of the team's clock */
    PRESENCE_FULL,          /* PRESENCE_MAX_KEYS keys online already */
};

/* "taken", "duplicate", "too fast", "bad signature", "not a member", "stale", "future", "full". */
const char *presence_verdict_text(enum presence_verdict v);

struct presence;

/* An empty table for beacons of team (copied). */
struct presence *presence_new(const uint8_t team[WIRE_TEAM_LEN]);
void presence_destroy(struct presence **pp);

/* Sign with the member key whose beacons we make: 0, or -1. */
typedef int (*presence_sign_fn)(void *ctx, const uint8_t *msg, size_t len,
                                uint8_t sig[WIRE_SIG_LEN]);
/* Whether key is a current member (not revoked): 1 or 0. */
typedef int (*presence_member_fn)(void *ctx, const uint8_t key[WIRE_KEY_LEN]);

/* How often a node beacons with online nodes online (itself included; 0 counts as 1). */
uint32_t presence_every_ms(size_t online);
/* The ttl of its beacons then: three periods. */
uint32_t presence_ttl_ms(size_t online);

/* The ttl of the last beacon of a node that stops cleanly: it is offline at once everywhere. */
#define PRESENCE_LEAVE_TTL_MS 1

/*
 * Make our own beacon for key (a member's, the one sign signs with) dated time_ms (our wall
 * clock; moved to PRESENCE_MIN_GAP_MS after our last beacon if it is closer, so peers never find
 * ours too fast), with this ttl (PRESENCE_TTL_MS, or PRESENCE_LEAVE_TTL_MS when we stop) and the
 * next sequence number, and append its frame to out. It is recorded as taken at now_ms, so its
 * echoes from peers are duplicates. Returns 0, or -1 (signing failed, or out is full).
 */
int presence_make(struct presence *p, const uint8_t key[WIRE_KEY_LEN], uint64_t time_ms,
                  uint32_t ttl_ms, uint64_t now_ms, presence_sign_fn sign, void *sign_ctx,
                  struct buf *out) __attribute__((warn_unused_result));

/*
 * Judge a decoded beacon (borrowed) that arrived at now_ms (monotonic), the team's clock being
 * team_ms; the cheap checks come first, the signature last. Only PRESENCE_NEW changes the table.
 */
enum presence_verdict presence_take(struct presence *p, const struct wire_presence_fields *f,
                                    presence_member_fn is_member, void *member_ctx,
                                    uint64_t team_ms, uint64_t now_ms);

/* 1 if a beacon of key taken within its ttl keeps it online at now_ms, else 0. */
int presence_online(const struct presence *p, const uint8_t key[WIRE_KEY_LEN], uint64_t now_ms);

/* Call fn with every key online at now_ms; returns how many. */
size_t presence_each(const struct presence *p, uint64_t now_ms,
                     void (*fn)(void *ctx, const uint8_t key[WIRE_KEY_LEN]), void *ctx);

#endif
