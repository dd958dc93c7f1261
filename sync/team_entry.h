/*
 * team_entry: the pure half of team (team.h): join codes, the keys a team derives, and the team
 * entries (kinds 11, 14-17, 23): their form and how to make them. No state, no locks.
 */
#ifndef LORE_TEAM_ENTRY_H
#define LORE_TEAM_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"

#define TEAM_ID_LEN 16
#define TEAM_SECRET_LEN 16
#define TEAM_CODE_MAX 96  /* a join code as text, NUL included */
#define TEAM_TAG_LEN 16   /* hex characters of the mDNS tag (NUL not included) */
#define TEAM_CURVE_LEN 32 /* CURVE (X25519) keys, raw */
#define TEAM_NAME_MAX 64  /* bytes of a team name */
#define TEAM_MAX_ADMINS 16
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
 * unique, ...), the team kinds' row of the kinds table (kinds.c). Returns 0, or -1 with a message
 * in err. */
int team_check_kind(const struct entry *e, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The team id a team entry belongs to (genesis: its own id's prefix; others: attribute "team").
 * Returns 0, or -1 if e is not a team entry. */
int team_entry_team(const struct entry *e, uint8_t id[TEAM_ID_LEN])
    __attribute__((warn_unused_result));

/* ---- shared with team.c ---- */

/* Bytes of what the invite key signs: "lore-member-v1", the team id and the joiner's key. */
#define TEAM_PROOF_MSG_LEN (14 + TEAM_ID_LEN + ENTRY_KEY_LEN)
/* Write that message for key joining team id to msg. */
void team_proof_msg(const uint8_t id[TEAM_ID_LEN], const uint8_t key[ENTRY_KEY_LEN],
                    uint8_t msg[TEAM_PROOF_MSG_LEN]);
/* 1 if key is one of the lines of a body team_check_kind accepted, else 0. */
int team_body_has(const char *body, size_t len, const uint8_t key[ENTRY_KEY_LEN]);

#endif
