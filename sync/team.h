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
#include "team_entry.h"

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
