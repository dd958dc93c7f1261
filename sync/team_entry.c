/* team_entry: join codes, derived keys, the form of team entries and how to make them. */
#include "team_entry.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "hex.h"
#include "xmalloc.h"

#define TEAM_KEY_HEX (2 * ENTRY_KEY_LEN)
#define TEAM_LINE (TEAM_KEY_HEX + 1) /* one key of a body: 64 hex digits and a newline */
#define TEAM_SUM_LEN 2
#define TEAM_CODE_BYTES (TEAM_ID_LEN + TEAM_SECRET_LEN + TEAM_SUM_LEN)
#define TEAM_CODE_SYMS ((TEAM_CODE_BYTES * 8 + 4) / 5) /* 55 */
#define TEAM_CODE_PREFIX "LORE"
#define TEAM_CODE_PREFIX_LEN 4

/* What the invite key signs: this prefix, the team id and the joiner's key. */
static const char team_member_domain[] = "lore-member-v1";
#define TEAM_MEMBER_DOMAIN_LEN (sizeof(team_member_domain) - 1)
_Static_assert(TEAM_PROOF_MSG_LEN == TEAM_MEMBER_DOMAIN_LEN + TEAM_ID_LEN + ENTRY_KEY_LEN,
               "the proof message is the domain, the team id and the key");

/* Crockford's base32: no I, L, O or U, so a code read aloud or retyped survives. */
static const char team_b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int team_is_team_kind(uint16_t kind)
{
    return kind == ENTRY_MEMBERSHIP || (kind >= ENTRY_TEAM && kind <= ENTRY_REVOCATION) ||
           kind == ENTRY_VOUCH;
}

/* ---- join codes ---- */

/* CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xffff) of id || secret, big-endian. A CRC
 * catches every burst of up to 16 wrong bits: every mistyped symbol (5 bits) and every swap of
 * two neighbouring symbols (10 bits) is caught, which a 2-byte hash would not promise. */
static void team_code_sum(const uint8_t id[TEAM_ID_LEN], const uint8_t secret[TEAM_SECRET_LEN],
                          uint8_t out[TEAM_SUM_LEN])
{
    uint16_t crc = 0xffff;
    size_t i;
    int b;

    for (i = 0; i < TEAM_ID_LEN + TEAM_SECRET_LEN; i++) {
        crc ^= (uint16_t)((i < TEAM_ID_LEN ? id[i] : secret[i - TEAM_ID_LEN]) << 8);
        for (b = 0; b < 8; b++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    out[0] = (uint8_t)(crc >> 8);
    out[1] = (uint8_t)crc;
}

void team_code_encode(const uint8_t id[TEAM_ID_LEN], const uint8_t secret[TEAM_SECRET_LEN],
                      char out[TEAM_CODE_MAX])
{
    uint8_t raw[TEAM_CODE_BYTES];
    char sym[TEAM_CODE_SYMS];
    uint32_t acc = 0;
    unsigned nbits = 0;
    size_t i, n = 0, o;

    memcpy(raw, id, TEAM_ID_LEN);
    memcpy(raw + TEAM_ID_LEN, secret, TEAM_SECRET_LEN);
    team_code_sum(id, secret, raw + TEAM_ID_LEN + TEAM_SECRET_LEN);
    /* Big-endian bits, 5 at a time; at most 12 bits are ever pending. */
    for (i = 0; i < sizeof(raw); i++) {
        acc = (acc << 8 | raw[i]) & 0xfff;
        nbits += 8;
        while (nbits >= 5) {
            nbits -= 5;
            sym[n++] = team_b32[(acc >> nbits) & 31];
        }
    }
    if (nbits > 0)
        sym[n++] = team_b32[(acc << (5 - nbits)) & 31];
    memcpy(out, TEAM_CODE_PREFIX, TEAM_CODE_PREFIX_LEN);
    o = TEAM_CODE_PREFIX_LEN;
    for (i = 0; i < n; i++) {
        if (i % 4 == 0)
            out[o++] = '-';
        out[o++] = sym[i];
    }
    out[o] = '\0';
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(sym, sizeof(sym));
    sodium_memzero(&acc, sizeof(acc));
}

/* The value of a base32 character (upper case), reading O as 0 and I, L as 1; -1 if none. */
static int team_b32_value(char c)
{
    const char *p;

    if (c == 'O')
        return 0;
    if (c == 'I' || c == 'L')
        return 1;
    if (c == '\0')
        return -1;
    p = memchr(team_b32, c, 32);
    return p != NULL ? (int)(p - team_b32) : -1;
}

int team_code_decode(const char *code, uint8_t id[TEAM_ID_LEN], uint8_t secret[TEAM_SECRET_LEN],
                     char *err, size_t errlen)
{
    char sym[TEAM_CODE_PREFIX_LEN + TEAM_CODE_SYMS];
    uint8_t raw[TEAM_CODE_BYTES], sum[TEAM_SUM_LEN];
    const unsigned char *p;
    uint32_t acc = 0;
    unsigned nbits = 0;
    size_t n = 0, start = 0, i, k = 0;
    int v, rc = -1;

    if (code == NULL) {
        errmsg_set(err, errlen, "no join code");
        goto out;
    }
    for (p = (const unsigned char *)code; *p != '\0'; p++) {
        char c = (char)*p;
        if (c == '-' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (n == sizeof(sym)) {
            errmsg_set(err, errlen, "the join code is too long: a code has %d characters",
                       TEAM_CODE_SYMS);
            goto out;
        }
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        sym[n++] = c;
    }
    if (n == sizeof(sym) && memcmp(sym, TEAM_CODE_PREFIX, TEAM_CODE_PREFIX_LEN) == 0)
        start = TEAM_CODE_PREFIX_LEN;
    if (n - start != TEAM_CODE_SYMS) {
        errmsg_set(err, errlen, "the join code has %zu characters, not %d: a typo?", n - start,
                   TEAM_CODE_SYMS);
        goto out;
    }
    for (i = start; i < n; i++) {
        v = team_b32_value(sym[i]);
        if (v < 0) {
            unsigned char c = (unsigned char)sym[i];
            if (c > 0x20 && c < 0x7f)
                errmsg_set(err, errlen, "'%c' is not a join code character", c);
            else
                errmsg_set(err, errlen, "byte 0x%02x is not a join code character", c);
            goto out;
        }
        acc = (acc << 5 | (uint32_t)v) & 0xfff;
        nbits += 5;
        if (nbits >= 8) {
            nbits -= 8;
            raw[k++] = (uint8_t)(acc >> nbits);
        }
    }
    /* 55 characters carry 275 bits: the 3 after the checksum must be the zero padding. */
    team_code_sum(raw, raw + TEAM_ID_LEN, sum);
    if ((acc & ((1u << nbits) - 1)) != 0 ||
        sodium_memcmp(sum, raw + TEAM_ID_LEN + TEAM_SECRET_LEN, TEAM_SUM_LEN) != 0) {
        errmsg_set(err, errlen, "join code checksum does not match: a typo?");
        goto out;
    }
    memcpy(id, raw, TEAM_ID_LEN);
    memcpy(secret, raw + TEAM_ID_LEN, TEAM_SECRET_LEN);
    rc = 0;
out:
    sodium_memzero(sym, sizeof(sym));
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(&acc, sizeof(acc));
    return rc;
}

/* ---- derived keys ---- */

/* BLAKE2b of label keyed with key (at least crypto_generichash_KEYBYTES_MIN bytes). */
static void team_derive(const char *label, const uint8_t *key, size_t keylen, uint8_t *out,
                        size_t outlen)
{
    crypto_generichash(out, outlen, (const uint8_t *)label, strlen(label), key, keylen);
}

void team_server_keys(const uint8_t id[TEAM_ID_LEN], uint8_t pk[TEAM_CURVE_LEN],
                      uint8_t sk[TEAM_CURVE_LEN])
{
    team_derive("lore-server-v1", id, TEAM_ID_LEN, sk, TEAM_CURVE_LEN);
    (void)crypto_scalarmult_base(pk, sk);
}

void team_mdns_tag(const uint8_t id[TEAM_ID_LEN], char out[TEAM_TAG_LEN + 1])
{
    uint8_t h[crypto_generichash_BYTES_MIN];

    team_derive("lore-mdns-v1", id, TEAM_ID_LEN, h, sizeof(h));
    hex_encode(h, TEAM_TAG_LEN / 2, out);
}

int team_node_curve_public(const uint8_t ed_pk[ENTRY_KEY_LEN], uint8_t pk[TEAM_CURVE_LEN])
{
    return crypto_sign_ed25519_pk_to_curve25519(pk, ed_pk) == 0 ? 0 : -1;
}

struct team_invite {
    uint8_t secret[TEAM_SECRET_LEN];
    uint8_t seed[crypto_sign_SEEDBYTES];
    uint8_t invite_pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t invite_sk[crypto_sign_SECRETKEYBYTES];
    uint8_t join_pk[TEAM_CURVE_LEN];
    uint8_t join_sk[TEAM_CURVE_LEN];
};

struct team_invite *team_invite_new(const uint8_t secret[TEAM_SECRET_LEN])
{
    struct team_invite *inv;

    if (sodium_init() < 0)
        return NULL;
    inv = sodium_malloc(sizeof(*inv));
    if (inv == NULL)
        return NULL;
    memcpy(inv->secret, secret, TEAM_SECRET_LEN);
    team_derive("lore-invite-v1", inv->secret, TEAM_SECRET_LEN, inv->seed, sizeof(inv->seed));
    (void)crypto_sign_seed_keypair(inv->invite_pk, inv->invite_sk, inv->seed);
    team_derive("lore-join-v1", inv->secret, TEAM_SECRET_LEN, inv->join_sk, TEAM_CURVE_LEN);
    (void)crypto_scalarmult_base(inv->join_pk, inv->join_sk);
    (void)sodium_mprotect_readonly(inv);
    return inv;
}

void team_invite_destroy(struct team_invite **ip)
{
    if (ip == NULL || *ip == NULL)
        return;
    sodium_free(*ip); /* wipes */
    *ip = NULL;
}

const uint8_t *team_invite_public(const struct team_invite *inv)
{
    return inv->invite_pk;
}

const uint8_t *team_invite_join_public(const struct team_invite *inv)
{
    return inv->join_pk;
}

void team_invite_join_secret(const struct team_invite *inv, uint8_t out[TEAM_CURVE_LEN])
{
    memcpy(out, inv->join_sk, TEAM_CURVE_LEN);
}

/* ---- form of the team entries ---- */

/* Check a body of keys: lines of 64 lowercase hex digits, each ending in '\n', strictly
 * ascending. Returns the number of keys, or -1. */
static long team_body_count(const char *body, size_t len)
{
    size_t off, i;

    if (len % TEAM_LINE != 0)
        return -1;
    for (off = 0; off < len; off += TEAM_LINE) {
        if (body[off + TEAM_KEY_HEX] != '\n')
            return -1;
        for (i = 0; i < TEAM_KEY_HEX; i++) {
            char c = body[off + i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                return -1;
        }
        if (off > 0 && memcmp(body + off - TEAM_LINE, body + off, TEAM_KEY_HEX) >= 0)
            return -1;
    }
    return (long)(len / TEAM_LINE);
}

/* 1 if key is one of the lines of a checked body. Lowercase hex sorts as the bytes do. */
int team_body_has(const char *body, size_t len, const uint8_t key[ENTRY_KEY_LEN])
{
    char hex[TEAM_KEY_HEX + 1];
    size_t lo = 0, hi = len / TEAM_LINE, mid;
    int c;

    hex_encode(key, ENTRY_KEY_LEN, hex);
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = memcmp(body + mid * TEAM_LINE, hex, TEAM_KEY_HEX);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

struct team_attr_rule {
    const char *key;
    size_t nbytes; /* the value is twice this many lowercase hex digits */
};

static const struct team_attr_rule team_rules_cert[] = {
    {"invite", ENTRY_KEY_LEN}, {"proof", ENTRY_SIG_LEN}, {"team", TEAM_ID_LEN}};
static const struct team_attr_rule team_rules_genesis[] = {{"invite", ENTRY_KEY_LEN},
                                                           {"join", TEAM_CURVE_LEN}};
static const struct team_attr_rule team_rules_rotation[] = {{"invite", ENTRY_KEY_LEN},
                                                            {"join", TEAM_CURVE_LEN},
                                                            {"prev", ENTRY_ID_LEN},
                                                            {"team", TEAM_ID_LEN}};
static const struct team_attr_rule team_rules_key[] = {{"key", ENTRY_KEY_LEN},
                                                       {"team", TEAM_ID_LEN}};
static const struct team_attr_rule team_rules_vouch[] = {{"team", TEAM_ID_LEN}};

/* The form of each team kind: its name in messages and its attributes. */
struct team_form {
    uint16_t kind;
    const char *what;
    const struct team_attr_rule *rules;
    size_t nrules;
    const char *names;
};

static const struct team_form team_forms[] = {
    {ENTRY_MEMBERSHIP, "membership", team_rules_cert, 3, "invite, proof and team"},
    {ENTRY_TEAM, "team", team_rules_genesis, 2, "invite and join"},
    {ENTRY_ROTATION, "rotation", team_rules_rotation, 4, "invite, join, prev and team"},
    {ENTRY_ADMIN, "admin", team_rules_key, 2, "key and team"},
    {ENTRY_REVOCATION, "revocation", team_rules_key, 2, "key and team"},
    {ENTRY_VOUCH, "vouch", team_rules_vouch, 1, "team"},
};

int team_check_kind(const struct entry *e, char *err, size_t errlen)
{
    const struct team_attr_rule *rules = NULL;
    size_t nrules = 0, i, titlelen = strlen(entry_title(e));
    const char *what = NULL, *names = NULL;
    long count;

    for (i = 0; i < sizeof(team_forms) / sizeof(team_forms[0]); i++) {
        if (team_forms[i].kind == entry_kind(e)) {
            what = team_forms[i].what;
            rules = team_forms[i].rules;
            nrules = team_forms[i].nrules;
            names = team_forms[i].names;
        }
    }
    if (what == NULL)
        return 0; /* not a team kind */
    if (entry_nrefs(e) != 0 || entry_ntags(e) != 0) {
        errmsg_set(err, errlen, "a %s entry has no references and no tags", what);
        return -1;
    }
    if (entry_nattrs(e) != nrules) {
        errmsg_set(err, errlen, "a %s entry has exactly the attributes %s", what, names);
        return -1;
    }
    for (i = 0; i < nrules; i++) {
        const char *v = entry_attr_get(e, rules[i].key);
        if (v == NULL) {
            errmsg_set(err, errlen, "a %s entry has exactly the attributes %s", what, names);
            return -1;
        }
        if (!hex_is_lower(v, rules[i].nbytes)) {
            errmsg_set(err, errlen, "attribute '%s' of a %s entry must be %zu lowercase hex digits",
                       rules[i].key, what, 2 * rules[i].nbytes);
            return -1;
        }
    }
    if (entry_kind(e) == ENTRY_TEAM) {
        if (titlelen == 0 || titlelen > TEAM_NAME_MAX) {
            errmsg_set(err, errlen, "a team entry's title is the team name, 1 to %d bytes",
                       TEAM_NAME_MAX);
            return -1;
        }
    } else if (titlelen != 0) {
        errmsg_set(err, errlen, "a %s entry has no title", what);
        return -1;
    }
    if (entry_kind(e) != ENTRY_TEAM && entry_kind(e) != ENTRY_ROTATION &&
        entry_kind(e) != ENTRY_VOUCH) {
        if (entry_body_len(e) != 0) {
            errmsg_set(err, errlen, "a %s entry has no body", what);
            return -1;
        }
        return 0;
    }
    count = team_body_count(entry_body(e), entry_body_len(e));
    if (count < 0) {
        errmsg_set(err, errlen,
                   "the body of a %s entry is keys, one per line as 64 lowercase hex digits, "
                   "sorted and without duplicates",
                   what);
        return -1;
    }
    if (entry_kind(e) == ENTRY_VOUCH && (count < 1 || count > TEAM_VOUCH_MAX)) {
        errmsg_set(err, errlen, "a vouch entry names 1 to %d keys, not %ld", TEAM_VOUCH_MAX, count);
        return -1;
    }
    if (entry_kind(e) == ENTRY_TEAM) {
        if (count < 1 || count > TEAM_MAX_ADMINS) {
            errmsg_set(err, errlen, "a team has 1 to %d admins, not %ld", TEAM_MAX_ADMINS, count);
            return -1;
        }
        if (!team_body_has(entry_body(e), entry_body_len(e), entry_author(e))) {
            errmsg_set(err, errlen, "the author of a team entry must be one of its admins");
            return -1;
        }
    }
    return 0;
}

int team_entry_team(const struct entry *e, uint8_t id[TEAM_ID_LEN])
{
    const char *v;

    if (!team_is_team_kind(entry_kind(e)))
        return -1;
    if (entry_kind(e) == ENTRY_TEAM) {
        memcpy(id, entry_id(e), TEAM_ID_LEN);
        return 0;
    }
    v = entry_attr_get(e, "team");
    if (v == NULL || !hex_is_lower(v, TEAM_ID_LEN) ||
        hex_decode(v, strlen(v), id, TEAM_ID_LEN) != 0)
        return -1;
    return 0;
}

/* ---- making team entries ---- */

static struct entry *team_make(uint16_t kind, uint64_t created_ms, const char *title,
                               const char *body, const struct entry_attr *attrs, size_t nattrs,
                               const uint8_t author[ENTRY_KEY_LEN], entry_signer_fn sign, void *ctx,
                               char *err, size_t errlen)
{
    struct entry_fields f = {0};
    struct entry *e;

    f.kind = kind;
    f.created_ms = created_ms;
    f.title = title;
    f.body = body;
    f.attrs = attrs;
    f.nattrs = nattrs;
    e = entry_create(&f, author, sign, ctx, err, errlen);
    if (e != NULL && team_check_kind(e, err, errlen) != 0)
        entry_destroy(&e);
    return e;
}

static int team_cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, ENTRY_KEY_LEN);
}

/* The body of a TEAM or ROTATION entry: keys sorted, deduplicated, one hex line each. The
 * caller frees the result; *count gets the number of distinct keys. */
static char *team_keys_body(const uint8_t (*keys)[ENTRY_KEY_LEN], size_t n, size_t *count)
{
    uint8_t(*s)[ENTRY_KEY_LEN] = xreallocarray(NULL, n + 1, ENTRY_KEY_LEN);
    char *body;
    size_t i, m = 0;

    if (n > 0)
        memcpy(s, keys, n * ENTRY_KEY_LEN);
    qsort(s, n, ENTRY_KEY_LEN, team_cmp_key);
    for (i = 0; i < n; i++)
        if (m == 0 || memcmp(s[m - 1], s[i], ENTRY_KEY_LEN) != 0)
            memmove(s[m++], s[i], ENTRY_KEY_LEN);
    body = xreallocarray(NULL, m + 1, TEAM_LINE);
    for (i = 0; i < m; i++) {
        hex_encode(s[i], ENTRY_KEY_LEN, body + i * TEAM_LINE);
        body[i * TEAM_LINE + TEAM_KEY_HEX] = '\n';
    }
    body[m * TEAM_LINE] = '\0';
    free(s);
    *count = m;
    return body;
}

struct entry *team_genesis_create(const char *name, const uint8_t (*admins)[ENTRY_KEY_LEN],
                                  size_t nadmins, const struct team_invite *inv,
                                  uint64_t created_ms, const uint8_t author[ENTRY_KEY_LEN],
                                  entry_signer_fn sign, void *ctx, char *err, size_t errlen)
{
    char inv_hex[TEAM_KEY_HEX + 1], join_hex[2 * TEAM_CURVE_LEN + 1], *body = NULL;
    struct entry_attr attrs[2];
    struct entry *e = NULL;
    size_t namelen = name != NULL ? strlen(name) : 0, count;

    if (namelen == 0 || namelen > TEAM_NAME_MAX) {
        errmsg_set(err, errlen, "a team name has 1 to %d bytes", TEAM_NAME_MAX);
        goto out;
    }
    body = team_keys_body(admins, nadmins, &count);
    if (count == 0 || count > TEAM_MAX_ADMINS) {
        errmsg_set(err, errlen, "a team has 1 to %d admins", TEAM_MAX_ADMINS);
        goto out;
    }
    if (!team_body_has(body, strlen(body), author)) {
        errmsg_set(err, errlen, "the team's creator must be one of its admins");
        goto out;
    }
    hex_encode(inv->invite_pk, ENTRY_KEY_LEN, inv_hex);
    hex_encode(inv->join_pk, TEAM_CURVE_LEN, join_hex);
    attrs[0] = (struct entry_attr){"invite", inv_hex};
    attrs[1] = (struct entry_attr){"join", join_hex};
    e = team_make(ENTRY_TEAM, created_ms, name, body, attrs, 2, author, sign, ctx, err, errlen);
out:
    free(body);
    return e;
}

/* The message an invite key signs for a joiner. */
void team_proof_msg(const uint8_t id[TEAM_ID_LEN], const uint8_t key[ENTRY_KEY_LEN],
                    uint8_t msg[TEAM_PROOF_MSG_LEN])
{
    memcpy(msg, team_member_domain, TEAM_MEMBER_DOMAIN_LEN);
    memcpy(msg + TEAM_MEMBER_DOMAIN_LEN, id, TEAM_ID_LEN);
    memcpy(msg + TEAM_MEMBER_DOMAIN_LEN + TEAM_ID_LEN, key, ENTRY_KEY_LEN);
}

struct entry *team_cert_create(const uint8_t id[TEAM_ID_LEN], const struct team_invite *inv,
                               uint64_t created_ms, const uint8_t author[ENTRY_KEY_LEN],
                               entry_signer_fn sign, void *ctx, char *err, size_t errlen)
{
    uint8_t msg[TEAM_PROOF_MSG_LEN], proof[crypto_sign_BYTES];
    char team_hex[2 * TEAM_ID_LEN + 1], inv_hex[TEAM_KEY_HEX + 1], proof_hex[2 * sizeof(proof) + 1];
    struct entry_attr attrs[3];

    team_proof_msg(id, author, msg);
    if (crypto_sign_detached(proof, NULL, msg, sizeof(msg), inv->invite_sk) != 0) {
        errmsg_set(err, errlen, "signing the membership proof failed");
        return NULL;
    }
    hex_encode(id, TEAM_ID_LEN, team_hex);
    hex_encode(inv->invite_pk, ENTRY_KEY_LEN, inv_hex);
    hex_encode(proof, sizeof(proof), proof_hex);
    attrs[0] = (struct entry_attr){"team", team_hex};
    attrs[1] = (struct entry_attr){"invite", inv_hex};
    attrs[2] = (struct entry_attr){"proof", proof_hex};
    return team_make(ENTRY_MEMBERSHIP, created_ms, NULL, NULL, attrs, 3, author, sign, ctx, err,
                     errlen);
}

struct entry *team_rotation_create(const uint8_t id[TEAM_ID_LEN], const uint8_t prev[ENTRY_ID_LEN],
                                   const struct team_invite *inv,
                                   const uint8_t (*roster)[ENTRY_KEY_LEN], size_t nroster,
                                   uint64_t created_ms, const uint8_t author[ENTRY_KEY_LEN],
                                   entry_signer_fn sign, void *ctx, char *err, size_t errlen)
{
    char team_hex[2 * TEAM_ID_LEN + 1], prev_hex[2 * ENTRY_ID_LEN + 1];
    char inv_hex[TEAM_KEY_HEX + 1], join_hex[2 * TEAM_CURVE_LEN + 1], *body;
    struct entry_attr attrs[4];
    struct entry *e;
    size_t count;

    body = team_keys_body(roster, nroster, &count);
    hex_encode(id, TEAM_ID_LEN, team_hex);
    hex_encode(prev, ENTRY_ID_LEN, prev_hex);
    hex_encode(inv->invite_pk, ENTRY_KEY_LEN, inv_hex);
    hex_encode(inv->join_pk, TEAM_CURVE_LEN, join_hex);
    attrs[0] = (struct entry_attr){"team", team_hex};
    attrs[1] = (struct entry_attr){"prev", prev_hex};
    attrs[2] = (struct entry_attr){"invite", inv_hex};
    attrs[3] = (struct entry_attr){"join", join_hex};
    e = team_make(ENTRY_ROTATION, created_ms, NULL, body, attrs, 4, author, sign, ctx, err, errlen);
    free(body);
    return e;
}

static struct entry *team_key_create(uint16_t kind, const uint8_t id[TEAM_ID_LEN],
                                     const uint8_t key[ENTRY_KEY_LEN], uint64_t created_ms,
                                     const uint8_t author[ENTRY_KEY_LEN], entry_signer_fn sign,
                                     void *ctx, char *err, size_t errlen)
{
    char team_hex[2 * TEAM_ID_LEN + 1], key_hex[TEAM_KEY_HEX + 1];
    struct entry_attr attrs[2];

    hex_encode(id, TEAM_ID_LEN, team_hex);
    hex_encode(key, ENTRY_KEY_LEN, key_hex);
    attrs[0] = (struct entry_attr){"team", team_hex};
    attrs[1] = (struct entry_attr){"key", key_hex};
    return team_make(kind, created_ms, NULL, NULL, attrs, 2, author, sign, ctx, err, errlen);
}

struct entry *team_admin_create(const uint8_t id[TEAM_ID_LEN], const uint8_t key[ENTRY_KEY_LEN],
                                uint64_t created_ms, const uint8_t author[ENTRY_KEY_LEN],
                                entry_signer_fn sign, void *ctx, char *err, size_t errlen)
{
    return team_key_create(ENTRY_ADMIN, id, key, created_ms, author, sign, ctx, err, errlen);
}

struct entry *team_revocation_create(const uint8_t id[TEAM_ID_LEN],
                                     const uint8_t key[ENTRY_KEY_LEN], uint64_t created_ms,
                                     const uint8_t author[ENTRY_KEY_LEN], entry_signer_fn sign,
                                     void *ctx, char *err, size_t errlen)
{
    return team_key_create(ENTRY_REVOCATION, id, key, created_ms, author, sign, ctx, err, errlen);
}

struct entry *team_vouch_create(const uint8_t id[TEAM_ID_LEN], const uint8_t (*keys)[ENTRY_KEY_LEN],
                                size_t nkeys, uint64_t created_ms,
                                const uint8_t author[ENTRY_KEY_LEN], entry_signer_fn sign,
                                void *ctx, char *err, size_t errlen)
{
    char team_hex[2 * TEAM_ID_LEN + 1], *body;
    struct entry_attr attr;
    struct entry *e = NULL;
    size_t count;

    body = team_keys_body(keys, nkeys, &count);
    if (count == 0 || count > TEAM_VOUCH_MAX) {
        errmsg_set(err, errlen, "a vouch names 1 to %d people", TEAM_VOUCH_MAX);
        goto out;
    }
    hex_encode(id, TEAM_ID_LEN, team_hex);
    attr = (struct entry_attr){"team", team_hex};
    e = team_make(ENTRY_VOUCH, created_ms, NULL, body, &attr, 1, author, sign, ctx, err, errlen);
out:
    free(body);
    return e;
}
