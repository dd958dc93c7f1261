/*
 * kinds: what each entry kind means, above the codec (entry.h).
 *
 * One table (kinds.c) holds, per kind number, its one name, which references, tags, title, body
 * and attributes it needs and their types, and for the team kinds the check team.c provides. The
 * codec knows only the form every entry shares; an entry is valid when its signature verifies
 * (entry_check_signature) and the rules of its kind hold (kinds_check): kinds_verify does both.
 * Unknown kinds decode and pass, so a node stores and relays kinds newer than itself.
 *
 * Attribute values are parsed here and nowhere else: kinds_attr_u64, kinds_attr_i64,
 * kinds_attr_key, kinds_attr_bool.
 */
#ifndef LORE_KINDS_H
#define LORE_KINDS_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"

/* "question", ... for known kinds, NULL otherwise. */
const char *kinds_name(uint16_t kind);
/* Parse a kind name. Returns 0, or -1 if unknown. */
int kinds_parse(const char *name, uint16_t *out) __attribute__((warn_unused_result));

/* The rules of e's kind (e.g. an answer references exactly one entry). Unknown kinds pass.
 * Returns 0, or -1 with a message in err. */
int kinds_check(const struct entry *e, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The signature (entry_check_signature), then the kind's rules (kinds_check). Returns 0 if e is
 * valid, or -1 with a message in err. */
int kinds_verify(const struct entry *e, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* entry_create, then kinds_check on the result: an entry that breaks its kind's rules is never
 * made. Returns the entry (the caller owns it), or NULL with a message in err. */
struct entry *kinds_create(const struct entry_fields *f, const uint8_t author[ENTRY_KEY_LEN],
                           entry_signer_fn sign, void *ctx, char *err, size_t errlen);

/* ---- typed attribute accessors: each returns 0 and sets *out, or -1 (and leaves *out alone) if
 * the attribute is absent or not of the type ---- */

/* A decimal unsigned number that fits 64 bits (strtoull's grammar, the whole value consumed:
 * the grammar the session rule has always used, so the set of valid entries does not change). */
int kinds_attr_u64(const struct entry *e, const char *key, uint64_t *out)
    __attribute__((warn_unused_result));
/* A decimal signed number that fits 64 bits (strtoll's grammar, the whole value consumed). */
int kinds_attr_i64(const struct entry *e, const char *key, int64_t *out)
    __attribute__((warn_unused_result));
/* A node key: exactly 64 lowercase hex digits, decoded into out. */
int kinds_attr_key(const struct entry *e, const char *key, uint8_t out[ENTRY_KEY_LEN])
    __attribute__((warn_unused_result));
/* "1" (true) or "0" (false). */
int kinds_attr_bool(const struct entry *e, const char *key, int *out)
    __attribute__((warn_unused_result));

#endif
