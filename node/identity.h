/*
 * identity: this person's ed25519 key pair.
 *
 * Stored as DIR/secret.key (the 32-byte seed, raw; mode 0600) in DIR (mode 0700); loading refuses
 * a file or directory with looser permissions or another owner. The seed and secret key live in
 * sodium_malloc memory, kept PROT_NOACCESS except while signing (one entry, or a batch between
 * identity_unlock and identity_lock), and are wiped on destroy.
 */
#ifndef LORE_IDENTITY_H
#define LORE_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#define IDENTITY_PUBLIC_KEY_LEN 32
#define IDENTITY_SIGNATURE_LEN 64
#define IDENTITY_CURVE_LEN 32

struct identity;

/* Load the key from dir, creating dir and a new key if there is none (*created set to 1, else 0;
 * created may be NULL). Returns NULL with a message in err on failure (bad permissions, short or
 * unreadable file, ...). */
struct identity *identity_open(const char *dir, int *created, char *err, size_t errlen);
void identity_destroy(struct identity **idp);

/* The 32-byte public key; valid while the identity lives. */
const uint8_t *identity_public_key(const struct identity *id);

/* Keep the secret key readable from identity_unlock until the matching identity_lock, for a run
 * of signatures (post_batch signs up to 1,000 in a row; each would otherwise cost two mprotect
 * calls and a TLB flush on every core). Calls nest. Each returns 0, or -1 (logged): after a
 * failed identity_lock the key may stay readable, and the caller should refuse to go on. */
int identity_unlock(struct identity *id) __attribute__((warn_unused_result));
int identity_lock(struct identity *id) __attribute__((warn_unused_result));

/* Detached ed25519 signature of msg. Returns 0, or -1. Matches entry_signer_fn (ctx = identity). */
int identity_sign(void *id, const uint8_t *msg, size_t len, uint8_t sig[IDENTITY_SIGNATURE_LEN])
    __attribute__((warn_unused_result));

/* identity_sign for entries (an entry_signer_fn, ctx = identity): returns ENTRY_SIGNED_BY_AUTHOR
 * when the entry names this identity as its author (the key pair is made from one seed, so the
 * signature verifies and entry_create need not check it), 0 when it names another key (then
 * entry_create verifies, and refuses), or -1. */
int identity_sign_entry(void *id, const uint8_t *msg, size_t len,
                        uint8_t sig[IDENTITY_SIGNATURE_LEN]) __attribute__((warn_unused_result));

/* The X25519 (CurveZMQ) secret key that matches the ed25519 key, written to out: the caller
 * keeps it in sodium memory and wipes it. Returns 0, or -1. */
int identity_curve_secret(struct identity *id, uint8_t out[IDENTITY_CURVE_LEN])
    __attribute__((warn_unused_result));

#endif
