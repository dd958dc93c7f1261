/*
 * entry: the signed, content-addressed, immutable unit of everything lore stores and gossips.
 *
 * The canonical binary encoding (docs/PROTOCOL.md) gives every entry exactly one valid byte form.
 * The id is BLAKE2b-256 of the complete encoded entry, signature included. The decoder is strict
 * and total: any input either decodes to an entry whose re-encoding is byte-identical, or is
 * rejected with a message; it never crashes. Kinds the decoder does not know are accepted (so a
 * node can store and relay them); versions it does not know are not.
 */
#ifndef LORE_ENTRY_H
#define LORE_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#define ENTRY_VERSION 1
#define ENTRY_MAX_SIZE (256u * 1024) /* whole encoded entry, signature included */
#define ENTRY_ID_LEN 32
#define ENTRY_KEY_LEN 32
#define ENTRY_SIG_LEN 64
#define ENTRY_MAX_REFS 32
#define ENTRY_MAX_TAGS 16
#define ENTRY_TAG_MAX 32    /* bytes; a tag is its own normal form (text_tag_valid) */
#define ENTRY_TITLE_MAX 400 /* bytes of UTF-8, no control characters */
#define ENTRY_MAX_ATTRS 16
#define ENTRY_ATTR_KEY_MAX 32                 /* bytes; [a-z][a-z0-9_]* */
#define ENTRY_ATTR_VALUE_MAX 1024             /* bytes of UTF-8, no control characters */
#define ENTRY_MIN_TIME_MS 1577836800000ull    /* 2020-01-01: earlier creation times are rejected */
#define ENTRY_MAX_TIME_MS 9007199254740991ull /* 2^53-1: exact in JSON numbers */
/* How far ahead of the team's clock an entry may be dated and still count now; later ones are
 * held back until their time (docs/PROTOCOL.md, "Time"). Also how far a node's clock may be off
 * before it refuses to write. */
#define ENTRY_CLOCK_TOLERANCE_MS 600000ull /* 10 minutes */

/* Numbers are part of the format and never reused. Unknown numbers decode fine. Each kind's name
 * and rules are in one table, kinds.c (kinds.h). */
enum entry_kind {
    ENTRY_QUESTION = 1,    /* a help request: title required */
    ENTRY_ANSWER = 2,      /* refs[0] is the question answered; body required */
    ENTRY_NOTE = 3,        /* a knowledge article: title and body required */
    ENTRY_COMMENT = 4,     /* refs[0] is the entry commented on */
    ENTRY_ACCEPT = 5,      /* refs: the answer accepted */
    ENTRY_VOTE = 6,        /* refs: the entry; attr value=+1|-1|0 */
    ENTRY_SKILL = 7,       /* tags: the skill; attr level=1..5 */
    ENTRY_ENDORSEMENT = 8, /* tags: exactly one, the skill; attr person=<64 hex>: who is endorsed */
    ENTRY_REVISION = 9, /* refs[0]: the entry revised (its author's count); title/body/tags: new */
    ENTRY_RETRACTION = 10, /* refs[0]: the entry its author takes back */
    ENTRY_MEMBERSHIP = 11, /* a team certificate: attrs team, invite, proof (team.h) */
    ENTRY_PROFILE = 12,    /* title: the author's display name */
    ENTRY_THANKS = 13,     /* refs[0]: the entry someone is thanked for; body: optional words */
    ENTRY_TEAM = 14,       /* a team's genesis: title the name, body the admins (team.h) */
    ENTRY_ROTATION = 15,   /* a new join secret for a team; body the roster (team.h) */
    ENTRY_ADMIN = 16,      /* attrs team, key: key becomes an admin (team.h) */
    ENTRY_REVOCATION = 17, /* attrs team, key: key's membership ends (team.h) */
    ENTRY_FLAG = 18,    /* refs[0]: the entry; attr flag=obsolete|verified|none (latest counts) */
    ENTRY_PIN = 19,     /* refs[0]: the entry; attr pinned=1|0; counts only by a team admin */
    ENTRY_MENTOR = 20,  /* attr role=offer (tags) | request (attr to=<64 hex>) | withdraw */
    ENTRY_SESSION = 21, /* title; attr at=<ms since the epoch>, where=<place>; tags: topics */
    ENTRY_RSVP = 22,    /* refs[0]: the session; attr value=yes|no (latest counts) */
    ENTRY_VOUCH = 23,   /* attr team; body: the keys the author vouches for (team.h) */
    ENTRY_MODERATION = 24, /* refs[0]: the entry; attr action=hide|unhide; body: the reason (hide);
                              counts only by a team admin at its time */
    ENTRY_GOAL = 25,       /* tags: exactly one, the topic; attr state=active|done|dropped, optional
                              until=<ms>; body: why. The author's latest per tag counts */
    ENTRY_SYNONYM = 26,    /* attr alias=<tag>, action=add (attr canonical=<tag>) | drop; counts
                              only by a team admin at its time; the latest per alias decides */
};

struct entry_attr {
    const char *key;
    const char *value;
};

/* What an author writes. All pointers are borrowed. refs, tags and attrs may come in any order;
 * entry_create sorts them and drops exact duplicates. Strings are NUL-terminated. */
struct entry_fields {
    uint16_t kind;
    uint64_t created_ms;
    const uint8_t (*refs)[ENTRY_ID_LEN];
    size_t nrefs;
    const char *const *tags;
    size_t ntags;
    const char *title; /* NULL = "" */
    const char *body;  /* NULL = "" */
    const struct entry_attr *attrs;
    size_t nattrs;
};

/* Signs msg with the author's key. Returns 0 (entry_create then verifies the signature against
 * the author it names), ENTRY_SIGNED_BY_AUTHOR when the signer checked that the author named in
 * msg (entry_signed_author) is its own key, whose secret half made the signature (a verification
 * costs twice a signature: a batch of posts pays it for nothing), or -1. */
typedef int (*entry_signer_fn)(void *ctx, const uint8_t *msg, size_t len,
                               uint8_t sig[ENTRY_SIG_LEN]);
#define ENTRY_SIGNED_BY_AUTHOR 1

/* The author key an entry's signed message (as an entry_signer_fn receives it) names, or NULL if
 * msg is not an entry's signed message. */
const uint8_t *entry_signed_author(const uint8_t *msg, size_t len);

struct entry;

/* Encode f for author, sign it with sign(ctx, ...), and return the entry (decoded form of the
 * result). Returns NULL with a message in err if a field is invalid or signing fails. Checks the
 * form every entry shares, not the rules of its kind: authors write through kinds_create. */
struct entry *entry_create(const struct entry_fields *f, const uint8_t author[ENTRY_KEY_LEN],
                           entry_signer_fn sign, void *ctx, char *err, size_t errlen);

/* Strictly decode len bytes (copied). Checks the form only, not the signature: see
 * entry_check_signature and kinds_verify.
 * Returns NULL with a message in err. */
struct entry *entry_decode(const uint8_t *bytes, size_t len, char *err, size_t errlen);

/* Check the signature against the author key, only: kinds_verify (kinds.h) adds the rules of the
 * entry's kind. Returns 0 if it verifies, or -1 with a message in err. */
int entry_check_signature(const struct entry *e, char *err, size_t errlen)
    __attribute__((warn_unused_result));

void entry_destroy(struct entry **ep);

/* Accessors. Returned pointers live as long as the entry. Strings are NUL-terminated. */
const uint8_t *entry_id(const struct entry *e);
const uint8_t *entry_bytes(const struct entry *e, size_t *len);
uint8_t entry_version(const struct entry *e);
uint16_t entry_kind(const struct entry *e);
const uint8_t *entry_author(const struct entry *e);
uint64_t entry_created_ms(const struct entry *e);
size_t entry_nrefs(const struct entry *e);
const uint8_t *entry_ref(const struct entry *e, size_t i);
size_t entry_ntags(const struct entry *e);
const char *entry_tag(const struct entry *e, size_t i);
const char *entry_title(const struct entry *e);
const char *entry_body(const struct entry *e);
size_t entry_body_len(const struct entry *e);
size_t entry_nattrs(const struct entry *e);
const char *entry_attr_key(const struct entry *e, size_t i);
const char *entry_attr_value(const struct entry *e, size_t i);
/* The value of attribute key, or NULL. */
const char *entry_attr_get(const struct entry *e, const char *key);
const uint8_t *entry_signature(const struct entry *e);

/* 1 if s is a valid tag, else 0. */
int entry_tag_valid(const char *s);

/* 1 if every tag of the encoded entry bytes[0..len) is a tag by the rule before tags in any
 * language ([a-z0-9] then [a-z0-9.+#_-]*, ASCII only), which nodes that do not announce
 * WIRE_FEATURE_UNICODE_TAGS apply: such a node can take the entry. 0 if a tag is not, or if the
 * bytes end before the tags do. Reads only the header up to the tags: no decoding, no copy. */
int entry_tags_plain(const uint8_t *bytes, size_t len);

#endif
