/*
 * team: who belongs to a team, computed from signed team entries; join codes; the keys a team
 * derives.
 *
 * A team is created by a TEAM entry (the genesis, kind 14) naming its admins and the public keys
 * of its first join secret. Its id is the first TEAM_ID_LEN bytes of the genesis entry id. The
 * join code carries (team id, join secret); from the secret a node derives
 *   - the invite key (ed25519), which signs membership proofs: a joiner writes a MEMBERSHIP entry
 *     (kind 11, the certificate) that it signs as author and that carries the invite key's
 *     signature over its key, so no admin needs to be online;
 *   - the join key (a CURVE key pair) with which a node that is not known yet may open a link.
 * An epoch is the genesis or a ROTATION (kind 15, by an admin) that names the previous epoch and
 * brings a new secret's public keys plus a roster of the members known when it was made.
 * ADMIN (kind 16) makes another key an admin; REVOCATION (kind 17) ends a key's membership at its
 * created time. VOUCH (kind 23, by any member) says "I know these people": it does not change
 * membership, only how much their recognition counts (team_trust).
 *
 * The state is a pure function of the set of team entries held (order of arrival does not
 * matter), so every node that holds the same entries agrees:
 *   - admins: the genesis admins, plus keys named by valid ADMIN entries. Admin operations
 *     (ADMIN, ROTATION, REVOCATION) are applied in (created_ms, id) order; one is valid if its
 *     author is an admin and not revoked at its created time. A ROTATION is also valid only if
 *     the epoch it names as previous is valid and was applied before it.
 *   - members: every admin, and the author of every certificate whose invite key belongs to a
 *     valid epoch E, whose proof verifies, and where E is a head (no valid rotation names E as
 *     previous) or the author is on the roster of a valid rotation that names E. So after a
 *     rotation, certificates made with the old secret are valid only for the members the rotating
 *     admin knew: a leaked old code admits no one new.
 *   - revocation: a valid REVOCATION of K at time t ends K's membership (and adminship) at t;
 *     the earliest valid one counts. Entries by K created after t are not admitted, and those
 *     stored before the revocation arrived are purged (team_take_purges). A revoked key's
 *     certificate is judged by the epochs as they stood at t: rotations created after t do not
 *     apply to it, so a later roster that leaves K out (as a rotating admin's would, K being
 *     gone) never takes away what K wrote before t. A revocation does not admit a key that was
 *     not a member at t (a certificate made with an old code after a rotation stays invalid).
 *
 * Thread safety: every function taking a struct team may be called from any thread; the state is
 * guarded by a mutex inside. Derivation and code functions are pure.
 */
#ifndef LORE_TEAM_H
#define LORE_TEAM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "entry.h"

#define TEAM_ID_LEN 16
#define TEAM_SECRET_LEN 16
#define TEAM_CODE_MAX 96  /* a join code as text, NUL included */
#define TEAM_TAG_LEN 16   /* hex characters of the mDNS tag (NUL not included) */
#define TEAM_CURVE_LEN 32 /* CURVE (X25519) keys, raw */
#define TEAM_NAME_MAX 64  /* bytes of a team name */
#define TEAM_MAX_ADMINS 16
/* Team entry kinds (ENTRY_MEMBERSHIP is 11). Numbers are part of the format. */
#define TEAM_KIND_TEAM 14
#define TEAM_KIND_ROTATION 15
#define TEAM_KIND_ADMIN 16
#define TEAM_KIND_REVOCATION 17
#define TEAM_KIND_VOUCH 23
#define TEAM_VOUCH_MAX 1000 /* keys one VOUCH entry names at most */

/* 1 if kind is one of the team kinds (ENTRY_MEMBERSHIP, ENTRY_TEAM to ENTRY_REVOCATION,
 * ENTRY_VOUCH), else 0. */
int team_is_team_kind(uint16_t kind);

/* ---- join codes ---- */

/*
 * Encode (id, secret) as a join code: "LORE-" then Crockford base32 of (id, secret, a CRC-16
 * checksum, which catches every single mistyped symbol and every swap of neighbours) in
 * dash-separated groups of 4. Writes at most TEAM_CODE_MAX bytes to out.
 */
void team_code_encode(const uint8_t id[TEAM_ID_LEN], const uint8_t secret[TEAM_SECRET_LEN],
                      char out[TEAM_CODE_MAX]);
/*
 * Decode a join code typed by a person: case, dashes and spaces are ignored; O reads as 0, I and
 * L as 1; the "LORE" prefix is optional. Returns 0, or -1 with a message in err (wrong length,
 * bad character, checksum mismatch: "a typo?").
 */
int team_code_decode(const char *code, uint8_t id[TEAM_ID_LEN], uint8_t secret[TEAM_SECRET_LEN],
                     char *err, size_t errlen) __attribute__((warn_unused_result));

/* ---- derived keys ---- */

/*
 * The team-wide CURVE server key pair every node of the team binds with, derived from the team
 * id. It is not a secret from members: a node proves who it is with a signature in HELLO, and
 * clients are authenticated by their own CURVE keys.
 */
void team_server_keys(const uint8_t id[TEAM_ID_LEN], uint8_t pk[TEAM_CURVE_LEN],
                      uint8_t sk[TEAM_CURVE_LEN]);

/* The tag published in mDNS TXT records: 16 lowercase hex characters, one-way from the id. */
void team_mdns_tag(const uint8_t id[TEAM_ID_LEN], char out[TEAM_TAG_LEN + 1]);

/* The CURVE public key of a node, from its ed25519 identity key (libsodium's conversion).
 * Returns 0, or -1 if the key does not convert. */
int team_node_curve_public(const uint8_t ed_pk[ENTRY_KEY_LEN], uint8_t pk[TEAM_CURVE_LEN])
    __attribute__((warn_unused_result));

/* What a join secret gives: the invite signing key and the join CURVE key pair, in sodium_malloc
 * memory, wiped on destroy. */
struct team_invite;

/* Derive from secret (copied). Returns NULL only if sodium_malloc fails. */
struct team_invite *team_invite_new(const uint8_t secret[TEAM_SECRET_LEN]);
void team_invite_destroy(struct team_invite **ip);
const uint8_t *team_invite_public(const struct team_invite *inv);      /* ed25519, 32 bytes */
const uint8_t *team_invite_join_public(const struct team_invite *inv); /* CURVE, 32 bytes */
/* Copy the join CURVE secret key to out (the caller wipes it after use). */
void team_invite_join_secret(const struct team_invite *inv, uint8_t out[TEAM_CURVE_LEN]);

/* ---- team entries ---- */

/* Each builds, signs (sign(ctx, ...) as author) and returns a team entry, or NULL with a message
 * in err. created_ms is the entry's creation time. */

/* Genesis: name (1..TEAM_NAME_MAX bytes, no control characters), admins (nadmins keys, 1 to
 * TEAM_MAX_ADMINS, the author among them), inv the first secret's keys. The team id is the
 * first TEAM_ID_LEN bytes of the returned entry's id. */
struct entry *team_genesis_create(const char *name, const uint8_t (*admins)[ENTRY_KEY_LEN],
                                  size_t nadmins, const struct team_invite *inv,
                                  uint64_t created_ms, const uint8_t author[ENTRY_KEY_LEN],
                                  entry_signer_fn sign, void *ctx, char *err, size_t errlen);
/* Certificate: the author joins team id with the secret behind inv. */
struct entry *team_cert_create(const uint8_t id[TEAM_ID_LEN], const struct team_invite *inv,
                               uint64_t created_ms, const uint8_t author[ENTRY_KEY_LEN],
                               entry_signer_fn sign, void *ctx, char *err, size_t errlen);
/* Rotation: a new secret (inv) after epoch prev (the id of the genesis or of a rotation), with
 * the roster of current members (nroster keys, any order; sorted and deduplicated here). */
struct entry *team_rotation_create(const uint8_t id[TEAM_ID_LEN], const uint8_t prev[ENTRY_ID_LEN],
                                   const struct team_invite *inv,
                                   const uint8_t (*roster)[ENTRY_KEY_LEN], size_t nroster,
                                   uint64_t created_ms, const uint8_t author[ENTRY_KEY_LEN],
                                   entry_signer_fn sign, void *ctx, char *err, size_t errlen);
/* ADMIN (make key an admin) or REVOCATION (end key's membership at created_ms). */
struct entry *team_admin_create(const uint8_t id[TEAM_ID_LEN], const uint8_t key[ENTRY_KEY_LEN],
                                uint64_t created_ms, const uint8_t author[ENTRY_KEY_LEN],
                                entry_signer_fn sign, void *ctx, char *err, size_t errlen);
struct entry *team_revocation_create(const uint8_t id[TEAM_ID_LEN],
                                     const uint8_t key[ENTRY_KEY_LEN], uint64_t created_ms,
                                     const uint8_t author[ENTRY_KEY_LEN], entry_signer_fn sign,
                                     void *ctx, char *err, size_t errlen);

/* VOUCH: the author vouches for keys (nkeys, 1 to TEAM_VOUCH_MAX; sorted and deduplicated
 * here). */
struct entry *team_vouch_create(const uint8_t id[TEAM_ID_LEN], const uint8_t (*keys)[ENTRY_KEY_LEN],
                                size_t nkeys, uint64_t created_ms,
                                const uint8_t author[ENTRY_KEY_LEN], entry_signer_fn sign,
                                void *ctx, char *err, size_t errlen);

/* Form rules of the team kinds (attributes present, hex of the right length, roster sorted and
 * unique, ...), called by entry_check_kind. Returns 0, or -1 with a message in err. */
int team_check_kind(const struct entry *e, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The team id a team entry belongs to (genesis: its own id's prefix; others: attribute "team").
 * Returns 0, or -1 if e is not a team entry. */
int team_entry_team(const struct entry *e, uint8_t id[TEAM_ID_LEN])
    __attribute__((warn_unused_result));

/* ---- the state ---- */

struct team;

/* An empty state for team id (copied). */
struct team *team_new(const uint8_t id[TEAM_ID_LEN]);
void team_destroy(struct team **tp);
const uint8_t *team_id(const struct team *t);

/*
 * Add a verified team entry (kinds_verify passed) of this team; the state keeps a copy and is
 * recomputed. Returns 1 if added, 0 if it was already held, -1 with a message in err if it is
 * not a team entry or belongs to another team (not kept).
 */
int team_add(struct team *t, const struct entry *e, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Whether a verified entry may be stored: a team entry of this team (whatever its validity: the
 * state decides what it means), or another kind whose author is a member at its created time.
 * Returns 1, or 0 with the reason in why ("author is not a member of the team", "author was
 * revoked at ...", "belongs to another team").
 */
int team_admits(struct team *t, const struct entry *e, char *why, size_t whylen);

/* 1 if key is a member at time at_ms, else 0. */
int team_is_member(struct team *t, const uint8_t key[ENTRY_KEY_LEN], uint64_t at_ms);
/* 1 if key is an admin at time at_ms, else 0. */
int team_is_admin(struct team *t, const uint8_t key[ENTRY_KEY_LEN], uint64_t at_ms);
/* 1 once the genesis is held, else 0. */
int team_has_genesis(struct team *t);
/* Copy the team's name (from the genesis) to out; "" without genesis. */
void team_name(struct team *t, char *out, size_t outlen);
/* A number that changes whenever the computed state changes (for callers that cache). */
uint64_t team_version(struct team *t);

/* For the ZAP handler: what a client's CURVE public key is. */
enum team_zap {
    TEAM_ZAP_NO = 0,     /* unknown, or revoked: refuse */
    TEAM_ZAP_MEMBER = 1, /* a current member's node key; *member gets the ed25519 key */
    TEAM_ZAP_JOIN = 2,   /* the join key of a head epoch: a joiner, who must show a certificate */
};
enum team_zap team_zap(struct team *t, const uint8_t curve_pk[TEAM_CURVE_LEN],
                       uint8_t member[ENTRY_KEY_LEN]);

/*
 * The encoded team entries that prove key's membership to a node that holds none of them: the
 * genesis, the rotations on the way to key's epoch, key's certificate (if any) and the ADMIN
 * entries that made it (and their authors) admins. Appended to out as (u32 big-endian length,
 * bytes) records. Returns how many records, or -1 if key is not a current member.
 */
int team_credentials(struct team *t, const uint8_t key[ENTRY_KEY_LEN], struct buf *out);

/*
 * Whether key is a current member given the state plus extra verified team entries (e.g. the
 * credentials in a HELLO), without changing the state. Returns 1, or 0 with the reason in why.
 */
int team_check_with(struct team *t, const uint8_t key[ENTRY_KEY_LEN],
                    const struct entry *const *extra, size_t nextra, char *why, size_t whylen);

/* A key whose membership now ends earlier than it did: its entries created after after_ms must
 * go. */
struct team_purge {
    uint8_t key[ENTRY_KEY_LEN];
    uint64_t after_ms;
};
/* Take (and forget) up to max pending purges. Returns how many were written to out. */
size_t team_take_purges(struct team *t, struct team_purge *out, size_t max);
#define TEAM_PURGE_WHY_MAX 96
/* Why a purge removes entries, for the log: "created after its membership ended at <ms>", or
 * "no longer a member (not on a rotation's roster)" when it ends at 0. */
void team_purge_why(const struct team_purge *p, char *out, size_t outlen);

/* One member, for `lore team show`. */
struct team_member_info {
    uint8_t key[ENTRY_KEY_LEN];
    int is_admin;
    int vouched;         /* an admin vouched for it (while an admin) */
    uint64_t revoked_ms; /* 0 = not revoked */
};
/* Call fn for every key that is or was a member (admins first, then by key). */
void team_members(struct team *t, void (*fn)(void *ctx, const struct team_member_info *m),
                  void *ctx);

/*
 * How much voter's recognition (votes, thanks, endorsements, accepts) counts for viewer: 1 if
 * fully — voter is viewer, an admin, vouched for by an admin (who was one when vouching) or by
 * viewer. Else 0: the voter is pooled with the other such keys whose certificate was made with
 * the same code, and a view counts a pool as one person; pool gets the id of that code's epoch
 * (genesis or rotation; all zero for a key without a valid certificate). A code holder can mint
 * any number of keys, but not vouches: twenty keys from one code weigh one person.
 */
int team_trust(struct team *t, const uint8_t viewer[ENTRY_KEY_LEN],
               const uint8_t voter[ENTRY_KEY_LEN], uint8_t pool[ENTRY_ID_LEN]);

/* The id of the newest head epoch (genesis or rotation) by (created_ms, id), the previous epoch
 * of a new rotation. Returns 0, or -1 without genesis. */
int team_head(struct team *t, uint8_t id[ENTRY_ID_LEN]) __attribute__((warn_unused_result));
/*
 * Trust inv's keys as the team's epoch while no genesis is held: a newcomer trusts its join code,
 * so certificates made with it count as members (no one is an admin), and newcomers who meet
 * before any of them has met an older member can already sync. Once a genesis is held, only the
 * entries count again (members the code admitted wrongly are purged).
 */
void team_assume(struct team *t, const struct team_invite *inv);

/* 1 if inv's keys are those of a head epoch (its code still admits new members), else 0. */
int team_invite_current(struct team *t, const struct team_invite *inv);

#endif
