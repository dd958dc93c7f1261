/*
 * wire: the messages peers exchange over ZeroMQ (docs/PROTOCOL.md, "Peer protocol").
 *
 * Every message is one ZeroMQ frame: a version byte, a type byte, then the type's fields. The
 * decoder is strict and total: it checks every length against the frame before reading, rejects
 * trailing bytes, unknown versions and types, and never allocates: decoded messages point into
 * the frame, which must outlive them.
 */
#ifndef LORE_WIRE_H
#define LORE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* 2: HELLO carries a challenge, a proof and credentials (teams); 3: and the sender's clock;
 * 4: PRESENCE beacons (a version 3 node would count each one as invalid data) */
#define WIRE_VERSION 4
#define WIRE_MAX_FRAME (1024u * 1024 + 4096) /* larger frames are refused by ZeroMQ itself */
#define WIRE_MAX_IDS 1024                    /* ids in one IHAVE / WANT */
#define WIRE_MAX_BATCH_BYTES (1024u * 1024)  /* entries in one BATCH */
#define WIRE_MAX_NAME 100
#define WIRE_KEY_LEN 32
#define WIRE_CHALLENGE_LEN 16
#define WIRE_PROOF_LEN 64
#define WIRE_TEAM_LEN 16
#define WIRE_MAX_CREDS 64                  /* entries in one HELLO's credentials */
#define WIRE_MAX_CREDS_BYTES (512u * 1024) /* their bytes */
#define WIRE_ID_LEN 32

enum wire_type {
    WIRE_HELLO = 1,
    WIRE_PING = 2,
    WIRE_PONG = 3,
    WIRE_ENTRY = 4,
    WIRE_IHAVE = 5,
    WIRE_WANT = 6,
    WIRE_PRUNE = 7,
    WIRE_GRAFT = 8,
    WIRE_RECON = 9,
    WIRE_BATCH = 10,
    WIRE_STREAM = 11,
    WIRE_BYE = 12,
    WIRE_PEERS = 13,
    WIRE_PRESENCE = 14,
    WIRE_FEATURES = 15, /* within version 4: what else the sender understands (WIRE_FEATURE_*) */
    /* A type this version does not know (16 to 254): sent by a later node within version 4. It
     * decodes to WIRE_LATER with no fields, and is ignored: new message types need no new version
     * (docs/PROTOCOL.md, *Versioning*). Type 0 stays invalid. */
    WIRE_LATER = 255,
};

/* FEATURES bits (docs/PROTOCOL.md, *Features*). A receiver ignores bits it does not know. */
#define WIRE_FEATURE_UNICODE_TAGS (1ull << 0) /* takes entries with tags in any language */
#define WIRE_FEATURES_OURS WIRE_FEATURE_UNICODE_TAGS

#define WIRE_MAX_PEERS 32 /* addresses in one PEERS */
#define WIRE_MAX_ADDR 64  /* "IPv4:PORT" or "[IPv6]:PORT" */
#define WIRE_SIG_LEN 64
#define WIRE_MAX_PRESENCE_TTL_MS 60000u /* a beacon claims to hold at most this long */

/* A PRESENCE beacon: a member's node says it is up (docs/PROTOCOL.md, "Presence"). */
struct wire_presence_fields {
    const uint8_t *key; /* WIRE_KEY_LEN: the member whose node is up */
    uint64_t time_ms;   /* its wall clock when it made the beacon, ms since the epoch */
    uint32_t ttl_ms;    /* how long the beacon holds: 1 .. WIRE_MAX_PRESENCE_TTL_MS */
    uint32_t seq;       /* counts up per beacon within one process of the sender */
    const uint8_t *sig; /* WIRE_SIG_LEN: by key, over wire_presence_message */
};

/* A decoded message. Pointers point into the decoded frame. */
struct wire_msg {
    enum wire_type type;
    union {
        struct {
            const uint8_t *key; /* WIRE_KEY_LEN bytes: the node's public key */
            uint64_t nonce;     /* random per process start: detects a link to ourselves */
            int is_reply;       /* this HELLO answers one: it gets no answer itself */
            uint16_t listen_port;
            uint64_t entries;  /* how many entries the sender holds */
            uint64_t clock_ms; /* the sender's wall clock when it sent this, ms since the epoch */
            const char *name;  /* not NUL-terminated */
            size_t name_len;
            const uint8_t *challenge; /* WIRE_CHALLENGE_LEN random bytes the peer must sign */
            const uint8_t *proof;     /* NULL, or WIRE_PROOF_LEN: signature over our challenge */
            size_t ncreds;            /* encoded team entries: iterate with wire_creds_next */
            const uint8_t *creds;
            size_t creds_len;
        } hello;
        uint64_t ping; /* PING and PONG */
        struct {
            const uint8_t *bytes;
            size_t len;
        } entry;
        struct {
            const uint8_t *ids; /* n * WIRE_ID_LEN: IHAVE, WANT, GRAFT */
            size_t n;
        } ids;
        struct {
            uint32_t session;
            const uint8_t *msg;
            size_t len;
        } recon;
        struct {
            uint64_t remaining_entries; /* after this batch, in this stream; 0 = the end */
            uint64_t remaining_bytes;
            size_t n;
            const uint8_t *data; /* n * (u32 len, bytes): iterate with wire_batch_next */
            size_t len;
        } batch;
        struct {
            uint64_t after_ts; /* exclusive cursor: entries ordered by (created_ms, id) */
            const uint8_t *after_id;
            uint32_t max_entries; /* how many the requester can take now */
        } stream;
        struct {
            const char *reason; /* not NUL-terminated */
            size_t len;
        } bye;
        struct {
            size_t n;
            const uint8_t *data; /* n * (key 32, u8 len, addr): iterate with wire_peers_next */
            size_t len;
        } peers;
        struct wire_presence_fields presence;
        uint64_t features; /* FEATURES: the sender's bits, unknown ones included */
    } u;
};

/* Decode one frame. Returns 0, or -1 with a message in err. */
int wire_decode(const uint8_t *frame, size_t len, struct wire_msg *msg, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Step through a decoded BATCH: *pos starts at 0. Returns 1 with the next entry, 0 at the end. */
int wire_batch_next(const struct wire_msg *msg, size_t *pos, const uint8_t **bytes, size_t *len);

const char *wire_type_name(enum wire_type type);

/* Step through a decoded HELLO's credentials: *pos starts at 0. Returns 1 with the next encoded
 * entry, 0 at the end. */
int wire_creds_next(const struct wire_msg *msg, size_t *pos, const uint8_t **bytes, size_t *len);

/* What a HELLO says. Pointers are borrowed. */
struct wire_hello_fields {
    const uint8_t *key; /* WIRE_KEY_LEN */
    uint64_t nonce;
    int is_reply;
    uint16_t listen_port;
    uint64_t entries;
    uint64_t clock_ms;        /* our wall clock, ms since the epoch */
    const char *name;         /* may be NULL; cut at WIRE_MAX_NAME bytes */
    const uint8_t *challenge; /* WIRE_CHALLENGE_LEN */
    const uint8_t *proof;     /* NULL or WIRE_PROOF_LEN */
    const uint8_t *creds; /* ncreds records of (u32 big-endian length, bytes), creds_len bytes */
    size_t ncreds, creds_len;
};

/* Who signs a HELLO proof: the side that listens, or the side that dialled. */
enum wire_role { WIRE_LISTENER = 'L', WIRE_DIALLER = 'D' };

/* The bytes a HELLO proof signs: "lore-hello-v2", the team id, the challenge it answers, the
 * signer's role, the signer's key, the key of the node it answers, and the CURVE client key of
 * the connection (the dialler's). The role and the client key bind a proof to one connection: it
 * cannot be relayed to another, nor a dialler's proof passed off as a listener's. Writes
 * WIRE_PROOF_MSG_LEN bytes. */
#define WIRE_PROOF_MSG_LEN (13 + WIRE_TEAM_LEN + WIRE_CHALLENGE_LEN + 1 + 3 * WIRE_KEY_LEN)
void wire_proof_message(const uint8_t team[WIRE_TEAM_LEN],
                        const uint8_t challenge[WIRE_CHALLENGE_LEN], enum wire_role role,
                        const uint8_t signer[WIRE_KEY_LEN], const uint8_t peer[WIRE_KEY_LEN],
                        const uint8_t client_curve[WIRE_KEY_LEN], uint8_t out[WIRE_PROOF_MSG_LEN]);

/* The bytes a PRESENCE beacon's signature covers: "lore-presence-v1", the team id, then key,
 * time_ms (u64), ttl_ms (u32) and seq (u32), big-endian. The team id keeps a beacon from being
 * replayed into another team the member belongs to. Writes WIRE_PRESENCE_MSG_LEN bytes. */
#define WIRE_PRESENCE_MSG_LEN (16 + WIRE_TEAM_LEN + WIRE_KEY_LEN + 8 + 4 + 4)
void wire_presence_message(const uint8_t team[WIRE_TEAM_LEN], const struct wire_presence_fields *f,
                           uint8_t out[WIRE_PRESENCE_MSG_LEN]);

/* Encoders append one frame to out (reset it first). Return 0, or -1 if out's max is exceeded. */
int wire_hello(struct buf *out, const struct wire_hello_fields *h)
    __attribute__((warn_unused_result));
int wire_ping(struct buf *out, enum wire_type type, uint64_t value)
    __attribute__((warn_unused_result));
int wire_entry(struct buf *out, const uint8_t *bytes, size_t len)
    __attribute__((warn_unused_result));
/* IHAVE, WANT or GRAFT with n ids (n <= WIRE_MAX_IDS). */
int wire_ids(struct buf *out, enum wire_type type, const uint8_t *ids, size_t n)
    __attribute__((warn_unused_result));
int wire_empty(struct buf *out, enum wire_type type) __attribute__((warn_unused_result));
int wire_recon(struct buf *out, uint32_t session, const uint8_t *msg, size_t len)
    __attribute__((warn_unused_result));
/* Start a BATCH; then wire_batch_add entries (each fails if the batch would pass
 * WIRE_MAX_BATCH_BYTES) and wire_batch_finish to write the final count. */
int wire_batch_begin(struct buf *out, uint64_t remaining_entries, uint64_t remaining_bytes)
    __attribute__((warn_unused_result));
int wire_batch_add(struct buf *out, const uint8_t *bytes, size_t len)
    __attribute__((warn_unused_result));
void wire_batch_finish(struct buf *out, uint64_t remaining_entries, uint64_t remaining_bytes);
int wire_stream(struct buf *out, uint64_t after_ts, const uint8_t after_id[WIRE_ID_LEN],
                uint32_t max_entries) __attribute__((warn_unused_result));
int wire_bye(struct buf *out, const char *reason) __attribute__((warn_unused_result));
/* PRESENCE with f's fields (all of them set; ttl_ms within 1 .. WIRE_MAX_PRESENCE_TTL_MS). */
int wire_presence(struct buf *out, const struct wire_presence_fields *f)
    __attribute__((warn_unused_result));

/* FEATURES with these bits. */
int wire_features(struct buf *out, uint64_t bits) __attribute__((warn_unused_result));

/* PEERS: start with wire_peers_begin, add each with wire_peers_add (fails past WIRE_MAX_PEERS or
 * for an address longer than WIRE_MAX_ADDR), then send. */
int wire_peers_begin(struct buf *out) __attribute__((warn_unused_result));
int wire_peers_add(struct buf *out, const uint8_t key[WIRE_KEY_LEN], const char *addr)
    __attribute__((warn_unused_result));
/* Step through a decoded PEERS: *pos starts at 0. Returns 1 with the next key and address (a
 * NUL-terminated copy in addr, which holds WIRE_MAX_ADDR + 1 bytes), 0 at the end. */
int wire_peers_next(const struct wire_msg *msg, size_t *pos, const uint8_t **key,
                    char addr[WIRE_MAX_ADDR + 1]);

#endif
