/* Team: join codes, derived keys, the form of team entries and the membership state computed
 * from them (real libsodium, real signatures). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "buf.h"
#include "hex.h"
#include "team.h"
#include "testdoc.h"
#include "testutil.h"
#include "xmalloc.h"

#define T0 1795000000000ull /* a fixed base time, after 2020 */

/* ---- helpers ---- */

static void fill(uint8_t *p, size_t n, uint8_t start)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(start + 7 * i);
}

static struct team_invite *invite(uint8_t start)
{
    uint8_t secret[TEAM_SECRET_LEN];
    struct team_invite *inv;

    fill(secret, sizeof(secret), start);
    inv = team_invite_new(secret);
    assert_non_null(inv);
    return inv;
}

static struct entry *must(struct entry *e, const char *err)
{
    if (e == NULL)
        fprintf(stderr, "team entry: %s\n", err);
    assert_non_null(e);
    return e;
}

static struct entry *genesis(struct test_author *by, const struct test_author *const *admins,
                             size_t n, const struct team_invite *inv, uint64_t ms)
{
    uint8_t keys[TEAM_MAX_ADMINS + 1][ENTRY_KEY_LEN];
    char err[256];

    for (size_t i = 0; i < n; i++)
        memcpy(keys[i], admins[i]->pk, ENTRY_KEY_LEN);
    return must(team_genesis_create("Platform", (const uint8_t(*)[ENTRY_KEY_LEN])keys, n, inv, ms,
                                    by->pk, test_author_sign, by, err, sizeof(err)),
                err);
}

static struct entry *cert(const uint8_t *id, const struct team_invite *inv, struct test_author *by,
                          uint64_t ms)
{
    char err[256];

    return must(team_cert_create(id, inv, ms, by->pk, test_author_sign, by, err, sizeof(err)), err);
}

static struct entry *rotation(const uint8_t *id, const uint8_t *prev, const struct team_invite *inv,
                              const struct test_author *const *roster, size_t n,
                              struct test_author *by, uint64_t ms)
{
    uint8_t(*keys)[ENTRY_KEY_LEN] = xreallocarray(NULL, n + 1, ENTRY_KEY_LEN);
    char err[256];
    struct entry *e;

    for (size_t i = 0; i < n; i++)
        memcpy(keys[i], roster[i]->pk, ENTRY_KEY_LEN);
    e = must(team_rotation_create(id, prev, inv, (const uint8_t(*)[ENTRY_KEY_LEN])keys, n, ms,
                                  by->pk, test_author_sign, by, err, sizeof(err)),
             err);
    free(keys);
    return e;
}

static struct entry *grant(const uint8_t *id, const struct test_author *to, struct test_author *by,
                           uint64_t ms)
{
    char err[256];

    return must(team_admin_create(id, to->pk, ms, by->pk, test_author_sign, by, err, sizeof(err)),
                err);
}

static struct entry *revoke(const uint8_t *id, const struct test_author *who,
                            struct test_author *by, uint64_t ms)
{
    char err[256];

    return must(
        team_revocation_create(id, who->pk, ms, by->pk, test_author_sign, by, err, sizeof(err)),
        err);
}

static struct entry *question(struct test_author *by, uint64_t ms)
{
    struct entry_fields f = {0};

    f.kind = ENTRY_QUESTION;
    f.created_ms = ms;
    f.title = "who has the VPN certificate?";
    return test_entry(by, &f);
}

/* Add e (a fresh entry, consumed) and expect rc. */
static void add(struct team *t, struct entry *e, int expect)
{
    char err[256] = "";
    int rc = team_add(t, e, err, sizeof(err));

    if (rc != expect)
        fprintf(stderr, "team_add: %d (%s)\n", rc, err);
    assert_int_equal(rc, expect);
    entry_destroy(&e);
}

/* A copy of e (the state tests consume what they add). */
static struct entry *dup(const struct entry *e)
{
    size_t len;
    const uint8_t *b = entry_bytes(e, &len);
    struct entry *d = entry_decode(b, len, NULL, 0);

    assert_non_null(d);
    return d;
}

static void curve_of(const struct test_author *a, uint8_t out[TEAM_CURVE_LEN])
{
    assert_int_equal(team_node_curve_public(a->pk, out), 0);
}

/* Decode (u32 length, entry) records into verified entries; returns how many. */
static size_t parse_records(const struct buf *b, struct entry **out, size_t max)
{
    size_t off = 0, n = 0;
    char err[256];

    while (off < b->len) {
        uint32_t len;
        assert_true(b->len - off >= 4);
        len = (uint32_t)b->data[off] << 24 | (uint32_t)b->data[off + 1] << 16 |
              (uint32_t)b->data[off + 2] << 8 | b->data[off + 3];
        off += 4;
        assert_true(b->len - off >= len);
        assert_true(n < max);
        out[n] = entry_decode(b->data + off, len, err, sizeof(err));
        assert_non_null(out[n]);
        assert_int_equal(kinds_verify(out[n], err, sizeof(err)), 0);
        n++;
        off += len;
    }
    return n;
}

static void free_entries(struct entry **e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        entry_destroy(&e[i]);
}

/* Write a file of the fuzz corpus when LORE_TEAM_CORPUS names a directory. */
static void corpus_write(const char *name, const void *p, size_t n)
{
    const char *dir = getenv("LORE_TEAM_CORPUS");
    char path[1024];
    FILE *f;

    if (dir == NULL)
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* ---- join codes ---- */

static void decode_ok(const char *code, const uint8_t *id, const uint8_t *secret)
{
    uint8_t id2[TEAM_ID_LEN], secret2[TEAM_SECRET_LEN];
    char err[256] = "";

    if (team_code_decode(code, id2, secret2, err, sizeof(err)) != 0)
        fprintf(stderr, "decode '%s': %s\n", code, err);
    assert_int_equal(team_code_decode(code, id2, secret2, err, sizeof(err)), 0);
    assert_memory_equal(id2, id, TEAM_ID_LEN);
    assert_memory_equal(secret2, secret, TEAM_SECRET_LEN);
}

static void decode_fails(const char *code, const char *why)
{
    uint8_t id[TEAM_ID_LEN], secret[TEAM_SECRET_LEN];
    char err[256] = "";

    assert_int_equal(team_code_decode(code, id, secret, err, sizeof(err)), -1);
    if (strstr(err, why) == NULL)
        fprintf(stderr, "decode error '%s' lacks '%s'\n", err, why);
    assert_non_null(strstr(err, why));
}

static void test_code_round_trip(void **state)
{
    uint8_t id[TEAM_ID_LEN], secret[TEAM_SECRET_LEN];
    char code[TEAM_CODE_MAX], alt[TEAM_CODE_MAX];
    size_t i, j, n;

    (void)state;
    for (i = 0; i < 64; i++) {
        randombytes_buf(id, sizeof(id));
        randombytes_buf(secret, sizeof(secret));
        if (i == 0)
            memset(id, 0, sizeof(id)), memset(secret, 0, sizeof(secret));
        if (i == 1)
            memset(id, 0xff, sizeof(id)), memset(secret, 0xff, sizeof(secret));
        team_code_encode(id, secret, code);
        /* "LORE-" then 13 groups of 4 and one of 3. */
        assert_int_equal(strlen(code), 4 + 14 + 55);
        assert_memory_equal(code, "LORE", 4);
        for (j = 4; code[j] != '\0'; j++) {
            if ((j - 4) % 5 == 0)
                assert_int_equal(code[j], '-');
            else
                assert_non_null(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", code[j]));
        }
        decode_ok(code, id, secret);
        decode_ok(code + 5, id, secret); /* without the prefix */

        /* Lower case, spaces for dashes, O for 0 and I or L for 1. */
        for (j = 0; code[j] != '\0'; j++) {
            char c = code[j];
            if (c == '-')
                c = ' ';
            else if (c == '0' && j > 4)
                c = 'o';
            else if (c == '1' && j > 4)
                c = (j % 2) ? 'I' : 'l';
            else if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            alt[j] = c;
        }
        alt[j] = '\0';
        decode_ok(alt, id, secret);

        /* No dashes at all, and surrounding whitespace. */
        n = 0;
        alt[n++] = ' ';
        for (j = 0; code[j] != '\0'; j++)
            if (code[j] != '-')
                alt[n++] = code[j];
        alt[n++] = '\n';
        alt[n] = '\0';
        decode_ok(alt, id, secret);
    }
}

/* The canonical spelling of a typed code: what encoding its decoded bytes gives. */
static void canonical(const char *typed, char *out)
{
    size_t n = 0;

    for (; *typed != '\0'; typed++) {
        char c = *typed;
        if (c == '-')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c == 'O')
            c = '0';
        if (c == 'I' || c == 'L')
            c = '1';
        out[n++] = c;
    }
    out[n] = '\0';
}

/*
 * Every single-character substitution, and every swap of two neighbouring symbols, is caught or
 * is another spelling of the same code: the CRC-16 checksum catches every burst of up to 16 bits
 * (team.h). A decoder bug would show as a success with other bytes.
 */
static void test_code_typos(void **state)
{
    static const char subst[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyzOoIiLlUu!";
    uint8_t id[TEAM_ID_LEN], secret[TEAM_SECRET_LEN], id2[TEAM_ID_LEN], s2[TEAM_SECRET_LEN];
    char code[TEAM_CODE_MAX], typo[TEAM_CODE_MAX + 8], back[TEAM_CODE_MAX], err[256];
    char c1[TEAM_CODE_MAX + 8], c2[TEAM_CODE_MAX + 8];
    size_t r, j, k, caught = 0, same = 0, collided = 0;

    (void)state;
    for (r = 0; r < 16; r++) {
        fill(id, sizeof(id), (uint8_t)(3 * r + 1));
        fill(secret, sizeof(secret), (uint8_t)(11 * r + 5));
        team_code_encode(id, secret, code);
        for (j = 5; code[j] != '\0'; j++) {
            if (code[j] == '-')
                continue;
            for (k = 0; subst[k] != '\0'; k++) {
                if (subst[k] == code[j])
                    continue;
                memcpy(typo, code, sizeof(code));
                typo[j] = subst[k];
                if (team_code_decode(typo, id2, s2, err, sizeof(err)) != 0) {
                    assert_true(strstr(err, "typo") != NULL || strstr(err, "character") != NULL);
                    caught++;
                    continue;
                }
                if (memcmp(id2, id, TEAM_ID_LEN) == 0 && memcmp(s2, secret, TEAM_SECRET_LEN) == 0) {
                    same++;
                    continue;
                }
                team_code_encode(id2, s2, back);
                canonical(typo, c1);
                canonical(back, c2);
                assert_string_equal(c1, c2);
                collided++;
            }
        }
    }
    /* 16 codes x 55 places x ~60 characters: all caught (or the same code spelled otherwise). */
    assert_true(caught > 40000);
    assert_true(same > 0);
    assert_int_equal(collided, 0);
    /* Swaps of neighbouring symbols (across a dash too). */
    for (r = 0; r < 16; r++) {
        fill(id, sizeof(id), (uint8_t)(5 * r + 2));
        fill(secret, sizeof(secret), (uint8_t)(7 * r + 3));
        team_code_encode(id, secret, code);
        for (j = 5; code[j] != '\0'; j++) {
            size_t next = code[j + 1] == '-' ? j + 2 : j + 1;
            if (code[j] == '-' || code[next - 1] == '\0' || code[next] == '\0' ||
                code[j] == code[next])
                continue;
            memcpy(typo, code, sizeof(code));
            typo[j] = code[next];
            typo[next] = code[j];
            if (team_code_decode(typo, id2, s2, err, sizeof(err)) == 0)
                assert_true(memcmp(id2, id, TEAM_ID_LEN) == 0 &&
                            memcmp(s2, secret, TEAM_SECRET_LEN) == 0);
        }
    }

    /* The messages a person sees. */
    fill(id, sizeof(id), 1);
    fill(secret, sizeof(secret), 2);
    team_code_encode(id, secret, code);
    memcpy(typo, code, sizeof(code));
    typo[10] = typo[10] == '7' ? '8' : '7';
    decode_fails(typo, "join code checksum does not match: a typo?");
    typo[10] = 'U';
    decode_fails(typo, "'U' is not a join code character");
    typo[10] = (char)0xc3;
    decode_fails(typo, "byte 0xc3");
    decode_fails(code + 6, "characters, not 55"); /* one character short */
    snprintf(typo, sizeof(typo), "%sA", code);    /* one too many */
    decode_fails(typo, "too long");
    decode_fails("", "characters, not 55");
    decode_fails("LORE", "characters, not 55");
    decode_fails("----", "characters, not 55");
    decode_fails(NULL, "no join code");

    /* Anything at all is answered, however long. */
    char *huge = xmalloc(100000);
    memset(huge, 'A', 99999);
    huge[99999] = '\0';
    decode_fails(huge, "too long");
    memset(huge, '-', 99999);
    decode_fails(huge, "characters, not 55");
    free(huge);
}

/* Fixed inputs give fixed outputs: the code, the tag and the keys are part of the format. The
 * values were checked against an independent implementation (Python hashlib BLAKE2b and the
 * cryptography package's Ed25519/X25519). */
static void test_vectors(void **state)
{
    uint8_t id[TEAM_ID_LEN], secret[TEAM_SECRET_LEN], pk[TEAM_CURVE_LEN], sk[TEAM_CURVE_LEN];
    char code[TEAM_CODE_MAX], tag[TEAM_TAG_LEN + 1], hex[65];
    struct team_invite *inv;

    (void)state;
    for (size_t i = 0; i < TEAM_ID_LEN; i++) {
        id[i] = (uint8_t)i;
        secret[i] = (uint8_t)(0x80 + i);
    }
    team_code_encode(id, secret, code);
    team_mdns_tag(id, tag);
    if (getenv("LORE_PRINT_VECTORS") != NULL) {
        printf("code %s\ntag %s\n", code, tag);
        inv = team_invite_new(secret);
        hex_encode(team_invite_public(inv), 32, hex);
        printf("invite %s\n", hex);
        hex_encode(team_invite_join_public(inv), 32, hex);
        printf("join %s\n", hex);
        team_server_keys(id, pk, sk);
        hex_encode(pk, 32, hex);
        printf("server %s\n", hex);
        team_invite_destroy(&inv);
        return;
    }
    assert_string_equal(
        code, "LORE-000G-40R4-0M30-E209-185G-R38E-1Y08-30M3-GJ2R-D1W8-H658-Q34D-HT7P-RA0");
    assert_string_equal(tag, "ddd322c826f812c9");
    inv = team_invite_new(secret);
    hex_encode(team_invite_public(inv), 32, hex);
    assert_string_equal(hex, "c6795338495c104de118f8ce5a3ae70155b129103f011e09b07f7141ef1020a4");
    hex_encode(team_invite_join_public(inv), 32, hex);
    assert_string_equal(hex, "231334303f8f9d0de6690ba67475abbd0c2bd0c14de683c0495726a8bca21a00");
    team_server_keys(id, pk, sk);
    hex_encode(pk, 32, hex);
    assert_string_equal(hex, "4a438121436cbfc0eb3b2cae32a077e72475afb48f45e0ac9e8d8c50ec5bf465");
    team_invite_destroy(&inv);
}

static void test_derivations(void **state)
{
    uint8_t s1[TEAM_SECRET_LEN], s2[TEAM_SECRET_LEN], id1[TEAM_ID_LEN], id2[TEAM_ID_LEN];
    uint8_t pk1[32], sk1[32], pk2[32], sk2[32], pk3[32], sk3[32], x[32], zero[32] = {0};
    char tag1[TEAM_TAG_LEN + 1], tag2[TEAM_TAG_LEN + 1], tag3[TEAM_TAG_LEN + 1];
    struct team_invite *a, *b, *c;
    struct test_author p;

    (void)state;
    fill(s1, sizeof(s1), 1);
    fill(s2, sizeof(s2), 2);
    a = team_invite_new(s1);
    b = team_invite_new(s1);
    c = team_invite_new(s2);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_memory_equal(team_invite_public(a), team_invite_public(b), 32);
    assert_memory_equal(team_invite_join_public(a), team_invite_join_public(b), 32);
    assert_memory_not_equal(team_invite_public(a), team_invite_public(c), 32);
    assert_memory_not_equal(team_invite_join_public(a), team_invite_join_public(c), 32);
    assert_memory_not_equal(team_invite_public(a), team_invite_join_public(a), 32);
    /* The join secret belongs to the join public key. */
    team_invite_join_secret(a, x);
    assert_int_equal(crypto_scalarmult_base(pk1, x), 0);
    assert_memory_equal(pk1, team_invite_join_public(a), 32);
    sodium_memzero(x, sizeof(x));
    team_invite_destroy(&a);
    team_invite_destroy(&b);
    team_invite_destroy(&c);
    assert_null(a);
    team_invite_destroy(&a);
    team_invite_destroy(NULL);

    fill(id1, sizeof(id1), 9);
    fill(id2, sizeof(id2), 10);
    team_server_keys(id1, pk1, sk1);
    team_server_keys(id1, pk2, sk2);
    team_server_keys(id2, pk3, sk3);
    assert_memory_equal(pk1, pk2, 32);
    assert_memory_equal(sk1, sk2, 32);
    assert_memory_not_equal(pk1, pk3, 32);
    assert_int_equal(crypto_scalarmult_base(x, sk1), 0);
    assert_memory_equal(x, pk1, 32);

    team_mdns_tag(id1, tag1);
    team_mdns_tag(id1, tag2);
    team_mdns_tag(id2, tag3);
    assert_string_equal(tag1, tag2);
    assert_string_not_equal(tag1, tag3);
    assert_int_equal(strlen(tag1), TEAM_TAG_LEN);
    for (size_t i = 0; i < TEAM_TAG_LEN; i++)
        assert_non_null(strchr("0123456789abcdef", tag1[i]));

    test_author_init(&p, 42);
    assert_int_equal(team_node_curve_public(p.pk, x), 0);
    assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(pk1, p.pk), 0);
    assert_memory_equal(x, pk1, 32);
    assert_int_equal(team_node_curve_public(zero, x), -1); /* a small-order point */
}

/* ---- the form of team entries ---- */

static struct entry *raw(struct test_author *a, uint16_t kind, const char *title, const char *body,
                         const struct entry_attr *attrs, size_t nattrs, char *err, size_t errlen)
{
    struct entry_fields f = {0};

    f.kind = kind;
    f.created_ms = T0;
    f.title = title;
    f.body = body;
    f.attrs = attrs;
    f.nattrs = nattrs;
    return kinds_create(&f, a->pk, test_author_sign, a, err, errlen);
}

static void expect_rejected(struct entry *e, const char *err, const char *why)
{
    if (e != NULL || strstr(err, why) == NULL)
        fprintf(stderr, "expected '%s', got '%s'\n", why, e != NULL ? "(accepted)" : err);
    assert_null(e);
    assert_non_null(strstr(err, why));
}

static void test_check_kind(void **state)
{
    struct test_author a, b;
    struct team_invite *inv = invite(1);
    char err[256], pk_hex[65], b_hex[65], inv_hex[65], up_hex[65], body[3 * 65 + 1];
    char team_hex[33] = "00112233445566778899aabbccddeeff", proof[129];
    uint8_t id[TEAM_ID_LEN], keys[17][ENTRY_KEY_LEN], prev[ENTRY_ID_LEN];
    struct entry *e;
    uint16_t k;

    (void)state;
    assert_string_equal(kinds_name(ENTRY_MEMBERSHIP), "membership");
    assert_string_equal(kinds_name(ENTRY_TEAM), "team");
    assert_string_equal(kinds_name(ENTRY_ROTATION), "rotation");
    assert_string_equal(kinds_name(ENTRY_ADMIN), "admin");
    assert_string_equal(kinds_name(ENTRY_REVOCATION), "revocation");
    assert_int_equal(kinds_parse("revocation", &k), 0);
    assert_int_equal(k, 17);
    assert_true(team_is_team_kind(11) && team_is_team_kind(14) && team_is_team_kind(17));
    assert_false(team_is_team_kind(12) || team_is_team_kind(13) || team_is_team_kind(18));

    test_author_init(&a, 1);
    test_author_init(&b, 2);
    hex_encode(a.pk, 32, pk_hex);
    hex_encode(b.pk, 32, b_hex);
    hex_encode(team_invite_public(inv), 32, inv_hex);
    memset(proof, 'a', 128);
    proof[128] = '\0';
    memcpy(up_hex, pk_hex, sizeof(up_hex));
    for (char *p = up_hex; *p != '\0'; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');

    /* A certificate: exactly team, invite, proof; lowercase; nothing else. The form does not
     * judge the proof (the state does). */
    struct entry_attr cert[4] = {{"team", team_hex}, {"invite", inv_hex}, {"proof", proof}};
    e = raw(&a, ENTRY_MEMBERSHIP, NULL, NULL, cert, 3, err, sizeof(err));
    assert_non_null(e);
    assert_int_equal(team_entry_team(e, id), 0);
    assert_int_equal(id[0], 0x00);
    assert_int_equal(id[15], 0xff);
    entry_destroy(&e);
    expect_rejected(raw(&a, ENTRY_MEMBERSHIP, NULL, NULL, cert, 2, err, sizeof(err)), err,
                    "exactly the attributes invite, proof and team");
    cert[3] = (struct entry_attr){"extra", "1"};
    expect_rejected(raw(&a, ENTRY_MEMBERSHIP, NULL, NULL, cert, 4, err, sizeof(err)), err,
                    "exactly the attributes");
    cert[1].value = up_hex;
    expect_rejected(raw(&a, ENTRY_MEMBERSHIP, NULL, NULL, cert, 3, err, sizeof(err)), err,
                    "'invite' of a membership entry must be 64 lowercase hex digits");
    cert[1].value = inv_hex;
    cert[0].value = "0011";
    expect_rejected(raw(&a, ENTRY_MEMBERSHIP, NULL, NULL, cert, 3, err, sizeof(err)), err,
                    "'team' of a membership entry must be 32");
    cert[0].value = team_hex;
    expect_rejected(raw(&a, ENTRY_MEMBERSHIP, "hello", NULL, cert, 3, err, sizeof(err)), err,
                    "no title");
    expect_rejected(raw(&a, ENTRY_MEMBERSHIP, NULL, "hello", cert, 3, err, sizeof(err)), err,
                    "no body");
    {
        struct entry_fields f = {0};
        const char *tags[] = {"x"};
        f.kind = ENTRY_MEMBERSHIP;
        f.created_ms = T0;
        f.attrs = cert;
        f.nattrs = 3;
        f.tags = tags;
        f.ntags = 1;
        expect_rejected(kinds_create(&f, a.pk, test_author_sign, &a, err, sizeof(err)), err,
                        "no references and no tags");
    }

    /* A genesis: a name, invite and join, and the admins with the author among them. */
    struct entry_attr gen[2] = {{"invite", inv_hex}, {"join", inv_hex}};
    snprintf(body, sizeof(body), "%s\n%s\n", pk_hex, b_hex);
    if (strcmp(pk_hex, b_hex) > 0)
        snprintf(body, sizeof(body), "%s\n%s\n", b_hex, pk_hex);
    e = raw(&a, ENTRY_TEAM, "eng", body, gen, 2, err, sizeof(err));
    assert_non_null(e);
    assert_int_equal(team_entry_team(e, id), 0);
    assert_memory_equal(id, entry_id(e), TEAM_ID_LEN);
    entry_destroy(&e);
    expect_rejected(raw(&a, ENTRY_TEAM, "", body, gen, 2, err, sizeof(err)), err, "1 to 64");
    expect_rejected(raw(&a, ENTRY_TEAM,
                        "a name of sixty-five bytes is one byte too long for a team name!!", body,
                        gen, 2, err, sizeof(err)),
                    err, "1 to 64");
    if (strcmp(pk_hex, b_hex) > 0) /* the other order */
        snprintf(body, sizeof(body), "%s\n%s\n", pk_hex, b_hex);
    else
        snprintf(body, sizeof(body), "%s\n%s\n", b_hex, pk_hex);
    expect_rejected(raw(&a, ENTRY_TEAM, "eng", body, gen, 2, err, sizeof(err)), err,
                    "sorted and without duplicates");
    snprintf(body, sizeof(body), "%s\n%s\n", pk_hex, pk_hex);
    expect_rejected(raw(&a, ENTRY_TEAM, "eng", body, gen, 2, err, sizeof(err)), err,
                    "sorted and without duplicates");
    snprintf(body, sizeof(body), "%s\r\n", pk_hex);
    expect_rejected(raw(&a, ENTRY_TEAM, "eng", body, gen, 2, err, sizeof(err)), err,
                    "64 lowercase hex digits");
    snprintf(body, sizeof(body), "%s", pk_hex); /* no final newline */
    expect_rejected(raw(&a, ENTRY_TEAM, "eng", body, gen, 2, err, sizeof(err)), err,
                    "64 lowercase hex digits");
    snprintf(body, sizeof(body), "%s\n", up_hex);
    expect_rejected(raw(&a, ENTRY_TEAM, "eng", body, gen, 2, err, sizeof(err)), err,
                    "64 lowercase hex digits");
    snprintf(body, sizeof(body), "%s\n", b_hex);
    expect_rejected(raw(&a, ENTRY_TEAM, "eng", body, gen, 2, err, sizeof(err)), err,
                    "author of a team entry must be one of its admins");
    expect_rejected(raw(&a, ENTRY_TEAM, "eng", "", gen, 2, err, sizeof(err)), err,
                    "1 to 16 admins");

    /* The builders check the same, with their own words. */
    for (size_t i = 0; i < 17; i++)
        fill(keys[i], ENTRY_KEY_LEN, (uint8_t)(i + 100));
    memcpy(keys[0], a.pk, ENTRY_KEY_LEN);
    expect_rejected(team_genesis_create("eng", (const uint8_t(*)[ENTRY_KEY_LEN])keys, 17, inv, T0,
                                        a.pk, test_author_sign, &a, err, sizeof(err)),
                    err, "1 to 16 admins");
    expect_rejected(team_genesis_create("eng", (const uint8_t(*)[ENTRY_KEY_LEN])keys + 1, 3, inv,
                                        T0, a.pk, test_author_sign, &a, err, sizeof(err)),
                    err, "creator must be one of its admins");
    expect_rejected(team_genesis_create("", (const uint8_t(*)[ENTRY_KEY_LEN])keys, 1, inv, T0, a.pk,
                                        test_author_sign, &a, err, sizeof(err)),
                    err, "1 to 64 bytes");
    expect_rejected(team_genesis_create("bad\x01name", (const uint8_t(*)[ENTRY_KEY_LEN])keys, 1,
                                        inv, T0, a.pk, test_author_sign, &a, err, sizeof(err)),
                    err, "title");
    /* Sixteen admins, given in any order and twice over, are fine. */
    memcpy(keys[16], keys[3], ENTRY_KEY_LEN);
    e = team_genesis_create("eng", (const uint8_t(*)[ENTRY_KEY_LEN])keys, 17, inv, T0, a.pk,
                            test_author_sign, &a, err, sizeof(err));
    assert_non_null(e);
    assert_int_equal(entry_body_len(e), 16 * 65);
    entry_destroy(&e);

    /* A rotation's roster may be empty; the builder sorts and deduplicates it. */
    struct entry_attr rot[4] = {
        {"team", team_hex}, {"prev", proof + 64}, {"invite", inv_hex}, {"join", inv_hex}};
    e = raw(&a, ENTRY_ROTATION, NULL, NULL, rot, 4, err, sizeof(err));
    assert_non_null(e);
    entry_destroy(&e);
    expect_rejected(raw(&a, ENTRY_ROTATION, NULL, NULL, rot, 3, err, sizeof(err)), err,
                    "invite, join, prev and team");
    memcpy(keys[1], keys[5], ENTRY_KEY_LEN);
    fill(prev, sizeof(prev), 77);
    e = team_rotation_create(id, prev, inv, (const uint8_t(*)[ENTRY_KEY_LEN])keys + 1, 6, T0, a.pk,
                             test_author_sign, &a, err, sizeof(err));
    assert_non_null(e);
    assert_int_equal(entry_body_len(e), 5 * 65); /* keys 5, 2, 3, 4, 5, 6: 5 distinct */
    entry_destroy(&e);

    /* ADMIN and REVOCATION: key and team only. */
    struct entry_attr adm[3] = {{"team", team_hex}, {"key", b_hex}, {"note", "x"}};
    e = raw(&a, ENTRY_ADMIN, NULL, NULL, adm, 2, err, sizeof(err));
    assert_non_null(e);
    entry_destroy(&e);
    expect_rejected(raw(&a, ENTRY_REVOCATION, NULL, NULL, adm, 3, err, sizeof(err)), err,
                    "exactly the attributes key and team");
    expect_rejected(raw(&a, ENTRY_REVOCATION, NULL, "why", adm, 2, err, sizeof(err)), err,
                    "no body");
    adm[1].value = up_hex;
    expect_rejected(raw(&a, ENTRY_ADMIN, NULL, NULL, adm, 2, err, sizeof(err)), err, "lowercase");

    e = question(&a, T0);
    assert_int_equal(team_entry_team(e, id), -1);
    entry_destroy(&e);
    team_invite_destroy(&inv);
}

/* ---- the state ---- */

struct fx {
    struct test_author p[12]; /* p[0] creates the team */
    struct team_invite *inv[5];
    struct entry *g;
    uint8_t id[TEAM_ID_LEN];
    struct team *t;
};

static void fx_init(struct fx *f, size_t nadmins)
{
    const struct test_author *admins[4];

    for (size_t i = 0; i < 12; i++)
        test_author_init(&f->p[i], (uint8_t)(10 * i + 1));
    for (size_t i = 0; i < 5; i++)
        f->inv[i] = invite((uint8_t)(i + 1));
    for (size_t i = 0; i < nadmins; i++)
        admins[i] = &f->p[i];
    f->g = genesis(&f->p[0], admins, nadmins, f->inv[0], T0);
    memcpy(f->id, entry_id(f->g), TEAM_ID_LEN);
    f->t = team_new(f->id);
    assert_non_null(f->t);
}

static void fx_free(struct fx *f)
{
    for (size_t i = 0; i < 5; i++)
        team_invite_destroy(&f->inv[i]);
    entry_destroy(&f->g);
    team_destroy(&f->t);
    assert_null(f->t);
}

static int member(struct fx *f, size_t i)
{
    return team_is_member(f->t, f->p[i].pk, T0 + 1000000);
}

static void test_genesis_and_certs(void **state)
{
    struct fx f;
    uint8_t head[ENTRY_ID_LEN], other[TEAM_ID_LEN];
    char name[TEAM_NAME_MAX + 1], why[256], err[256];
    struct entry *e;
    struct team *t2;
    uint64_t v;

    (void)state;
    fx_init(&f, 1);
    assert_memory_equal(team_id(f.t), f.id, TEAM_ID_LEN);
    assert_int_equal(team_has_genesis(f.t), 0);
    team_name(f.t, name, sizeof(name));
    assert_string_equal(name, "");
    assert_int_equal(team_head(f.t, head), -1);
    assert_int_equal(member(&f, 0), 0);
    /* A certificate before the genesis is kept, and counts once the genesis arrives. */
    add(f.t, cert(f.id, f.inv[0], &f.p[2], T0 + 20), 1);
    assert_int_equal(member(&f, 2), 0);

    v = team_version(f.t);
    add(f.t, dup(f.g), 1);
    assert_true(team_version(f.t) > v);
    assert_int_equal(team_has_genesis(f.t), 1);
    team_name(f.t, name, sizeof(name));
    assert_string_equal(name, "Platform");
    team_name(f.t, name, 4);
    assert_string_equal(name, "Pla");
    assert_int_equal(team_head(f.t, head), 0);
    assert_memory_equal(head, entry_id(f.g), ENTRY_ID_LEN);
    assert_int_equal(team_invite_current(f.t, f.inv[0]), 1);
    assert_int_equal(team_invite_current(f.t, f.inv[1]), 0);
    assert_int_equal(member(&f, 0), 1);
    assert_int_equal(team_is_admin(f.t, f.p[0].pk, T0), 1);
    assert_int_equal(member(&f, 2), 1);

    add(f.t, cert(f.id, f.inv[0], &f.p[1], T0 + 10), 1);
    assert_int_equal(member(&f, 1), 1);
    assert_int_equal(team_is_admin(f.t, f.p[1].pk, T0 + 100), 0);
    assert_int_equal(member(&f, 3), 0);

    /* Held already; not a team entry; another team's. */
    v = team_version(f.t);
    add(f.t, cert(f.id, f.inv[0], &f.p[1], T0 + 10), 0);
    assert_int_equal(team_version(f.t), v);
    e = question(&f.p[1], T0 + 30);
    assert_int_equal(team_add(f.t, e, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a team kind"));
    assert_int_equal(team_admits(f.t, e, why, sizeof(why)), 1);
    entry_destroy(&e);
    e = question(&f.p[3], T0 + 30);
    assert_int_equal(team_admits(f.t, e, why, sizeof(why)), 0);
    assert_string_equal(why, "author is not a member of the team");
    entry_destroy(&e);
    memset(other, 0x5a, sizeof(other));
    e = cert(other, f.inv[0], &f.p[3], T0 + 40);
    assert_int_equal(team_add(f.t, e, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "another team"));
    assert_int_equal(team_admits(f.t, e, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "another team"));
    entry_destroy(&e);
    assert_int_equal(member(&f, 3), 0);
    /* Team entries of our team are admitted whoever wrote them: the state judges them. */
    e = grant(f.id, &f.p[4], &f.p[3], T0 + 50);
    assert_int_equal(team_admits(f.t, e, why, sizeof(why)), 1);
    entry_destroy(&e);

    /* The same entries on another state for another team id: nothing is ours. */
    t2 = team_new(other);
    e = cert(f.id, f.inv[0], &f.p[1], T0 + 10);
    assert_int_equal(team_add(t2, e, err, sizeof(err)), -1);
    entry_destroy(&e);
    team_destroy(&t2);
    team_destroy(&t2);
    team_destroy(NULL);
    fx_free(&f);
}

/* A certificate by `by` that copies another certificate's attributes (its proof is for someone
 * else's key). */
static struct entry *copied_cert(const struct entry *from, struct test_author *by, uint64_t ms)
{
    struct entry_attr attrs[3] = {{"team", entry_attr_get(from, "team")},
                                  {"invite", entry_attr_get(from, "invite")},
                                  {"proof", entry_attr_get(from, "proof")}};
    struct entry_fields fl = {0};

    fl.kind = ENTRY_MEMBERSHIP;
    fl.created_ms = ms;
    fl.attrs = attrs;
    fl.nattrs = 3;
    return test_entry(by, &fl);
}

static void test_bad_certs(void **state)
{
    struct fx f;
    struct entry *good, *other, *e;
    struct entry_attr attrs[3];
    struct entry_fields fl = {0};

    (void)state;
    fx_init(&f, 1);
    add(f.t, dup(f.g), 1);
    /* Made with a secret that is not the team's. */
    add(f.t, cert(f.id, f.inv[1], &f.p[3], T0 + 10), 1);
    assert_int_equal(member(&f, 3), 0);
    /* A proof copied from someone else's certificate. */
    good = cert(f.id, f.inv[0], &f.p[1], T0 + 10);
    add(f.t, dup(good), 1);
    assert_int_equal(member(&f, 1), 1);
    add(f.t, copied_cert(good, &f.p[4], T0 + 11), 1);
    assert_int_equal(member(&f, 4), 0);
    /* The team's invite key named, but the proof made by another invite key. */
    other = cert(f.id, f.inv[1], &f.p[5], T0 + 12);
    attrs[0] = (struct entry_attr){"team", entry_attr_get(other, "team")};
    attrs[1] = (struct entry_attr){"invite", entry_attr_get(good, "invite")};
    attrs[2] = (struct entry_attr){"proof", entry_attr_get(other, "proof")};
    fl.kind = ENTRY_MEMBERSHIP;
    fl.created_ms = T0 + 13;
    fl.attrs = attrs;
    fl.nattrs = 3;
    e = test_entry(&f.p[5], &fl);
    add(f.t, e, 1);
    assert_int_equal(member(&f, 5), 0);
    entry_destroy(&good);
    entry_destroy(&other);
    fx_free(&f);
}

static void test_admin_grant(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, 1);
    add(f.t, dup(f.g), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[1], T0 + 1), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[2], T0 + 1), 1);
    /* B is not an admin (yet): its grant is ignored, and stays so once B becomes one. */
    add(f.t, grant(f.id, &f.p[2], &f.p[1], T0 + 10), 1);
    assert_int_equal(team_is_admin(f.t, f.p[2].pk, T0 + 1000), 0);
    add(f.t, grant(f.id, &f.p[1], &f.p[0], T0 + 20), 1);
    assert_int_equal(team_is_admin(f.t, f.p[1].pk, T0 + 1000), 1);
    assert_int_equal(team_is_admin(f.t, f.p[2].pk, T0 + 1000), 0);
    /* Now B's grants count, and an admin is a member without a certificate. */
    add(f.t, grant(f.id, &f.p[3], &f.p[1], T0 + 30), 1);
    assert_int_equal(team_is_admin(f.t, f.p[3].pk, T0 + 1000), 1);
    assert_int_equal(member(&f, 3), 1);
    /* A stranger's grant is nothing. */
    add(f.t, grant(f.id, &f.p[6], &f.p[5], T0 + 40), 1);
    assert_int_equal(member(&f, 6), 0);
    assert_int_equal(member(&f, 5), 0);
    fx_free(&f);
}

static void test_revocation(void **state)
{
    struct fx f;
    struct team_purge pg[4];
    struct entry *e;
    char why[256];

    (void)state;
    fx_init(&f, 1);
    add(f.t, dup(f.g), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[1], T0 + 1), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[2], T0 + 1), 1);
    add(f.t, grant(f.id, &f.p[1], &f.p[0], T0 + 20), 1);
    assert_int_equal(team_take_purges(f.t, pg, 4), 0);

    add(f.t, revoke(f.id, &f.p[2], &f.p[0], T0 + 100), 1);
    assert_int_equal(team_is_member(f.t, f.p[2].pk, T0 + 100), 1);
    assert_int_equal(team_is_member(f.t, f.p[2].pk, T0 + 101), 0);
    assert_int_equal(team_take_purges(f.t, pg, 4), 1);
    assert_memory_equal(pg[0].key, f.p[2].pk, ENTRY_KEY_LEN);
    assert_int_equal(pg[0].after_ms, T0 + 100);
    assert_int_equal(team_take_purges(f.t, pg, 4), 0);
    e = question(&f.p[2], T0 + 100);
    assert_int_equal(team_admits(f.t, e, why, sizeof(why)), 1);
    entry_destroy(&e);
    e = question(&f.p[2], T0 + 101);
    assert_int_equal(team_admits(f.t, e, why, sizeof(why)), 0);
    assert_string_equal(why, "author was revoked at 1795000000100");
    entry_destroy(&e);

    /* A revoked non-admin cannot revoke; an earlier revocation moves the end earlier; a later
     * one changes nothing. */
    add(f.t, revoke(f.id, &f.p[0], &f.p[2], T0 + 50), 1);
    assert_int_equal(member(&f, 0), 1);
    add(f.t, revoke(f.id, &f.p[2], &f.p[0], T0 + 60), 1);
    assert_int_equal(team_is_member(f.t, f.p[2].pk, T0 + 61), 0);
    assert_int_equal(team_take_purges(f.t, pg, 4), 1);
    assert_int_equal(pg[0].after_ms, T0 + 60);
    add(f.t, revoke(f.id, &f.p[2], &f.p[1], T0 + 200), 1);
    assert_int_equal(team_take_purges(f.t, pg, 4), 0);
    assert_int_equal(team_is_member(f.t, f.p[2].pk, T0 + 60), 1);

    /* A revoked admin's operations count up to its revocation, not after. */
    add(f.t, revoke(f.id, &f.p[1], &f.p[0], T0 + 300), 1);
    assert_int_equal(team_take_purges(f.t, pg, 4), 1);
    assert_memory_equal(pg[0].key, f.p[1].pk, ENTRY_KEY_LEN);
    assert_int_equal(pg[0].after_ms, T0 + 300);
    add(f.t, grant(f.id, &f.p[4], &f.p[1], T0 + 300), 1);
    add(f.t, grant(f.id, &f.p[5], &f.p[1], T0 + 301), 1);
    assert_int_equal(team_is_admin(f.t, f.p[4].pk, T0 + 1000), 1);
    assert_int_equal(team_is_admin(f.t, f.p[5].pk, T0 + 1000), 0);
    assert_int_equal(team_is_admin(f.t, f.p[1].pk, T0 + 300), 1);
    assert_int_equal(team_is_admin(f.t, f.p[1].pk, T0 + 301), 0);
    fx_free(&f);
}

/* Revoke, then rotate (docs/SECURITY.md, "Responding to a lost laptop"): the rotating admin's
 * roster leaves the revoked member out, yet the revocation alone decides what goes — only what
 * the member made after it. A revocation never lets in a key the old code should not admit. */
static void test_revoke_then_rotate(void **state)
{
    const struct test_author *roster[3];
    struct fx f;
    struct team_purge pg[4];
    struct entry *e;
    char why[256];

    (void)state;
    fx_init(&f, 1);
    add(f.t, dup(f.g), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[1], T0 + 10), 1); /* Bob, the lost laptop */
    add(f.t, cert(f.id, f.inv[0], &f.p[2], T0 + 10), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[5], T0 + 15), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[6], T0 + 20), 1);
    (void)team_take_purges(f.t, pg, 4);
    add(f.t, revoke(f.id, &f.p[1], &f.p[0], T0 + 100), 1);
    assert_int_equal(team_take_purges(f.t, pg, 4), 1);
    assert_int_equal(pg[0].after_ms, T0 + 100);
    add(f.t, revoke(f.id, &f.p[5], &f.p[0], T0 + 160), 1);
    (void)team_take_purges(f.t, pg, 4);

    /* The roster the admin knew: Bob and p5 revoked, p6 unknown to it. */
    roster[0] = &f.p[0];
    roster[1] = &f.p[2];
    add(f.t, rotation(f.id, entry_id(f.g), f.inv[1], roster, 2, &f.p[0], T0 + 200), 1);
    assert_int_equal(team_take_purges(f.t, pg, 4), 1);
    assert_memory_equal(pg[0].key, f.p[6].pk, ENTRY_KEY_LEN); /* not Bob, not p5 */
    assert_int_equal(pg[0].after_ms, 0);
    assert_int_equal(team_is_member(f.t, f.p[1].pk, T0 + 100), 1);
    assert_int_equal(team_is_member(f.t, f.p[1].pk, T0 + 101), 0);
    assert_int_equal(team_is_member(f.t, f.p[5].pk, T0 + 160), 1);
    assert_int_equal(team_is_member(f.t, f.p[5].pk, T0 + 161), 0);
    e = question(&f.p[1], T0 + 50);
    assert_int_equal(team_admits(f.t, e, why, sizeof(why)), 1);
    entry_destroy(&e);
    e = question(&f.p[1], T0 + 101);
    assert_int_equal(team_admits(f.t, e, why, sizeof(why)), 0);
    entry_destroy(&e);

    /* The leaked old code: a key not on the roster and not revoked stays out (p6, p3), and a
     * revocation made after the rotation does not let it in (p6), nor one of a certificate made
     * with the old code after it (p3). */
    assert_int_equal(member(&f, 6), 0);
    add(f.t, cert(f.id, f.inv[0], &f.p[3], T0 + 300), 1);
    assert_int_equal(member(&f, 3), 0);
    add(f.t, revoke(f.id, &f.p[3], &f.p[0], T0 + 400), 1);
    add(f.t, revoke(f.id, &f.p[6], &f.p[0], T0 + 400), 1);
    assert_int_equal(team_is_member(f.t, f.p[3].pk, T0 + 300), 0);
    assert_int_equal(team_is_member(f.t, f.p[6].pk, T0 + 30), 0);
    assert_int_equal(team_take_purges(f.t, pg, 4), 0);
    /* A second rotation changes nothing for Bob either. */
    roster[0] = &f.p[2];
    {
        uint8_t head[ENTRY_ID_LEN];
        assert_int_equal(team_head(f.t, head), 0);
        add(f.t, rotation(f.id, head, f.inv[2], roster, 1, &f.p[0], T0 + 500), 1);
    }
    assert_int_equal(team_take_purges(f.t, pg, 4), 0);
    assert_int_equal(team_is_member(f.t, f.p[1].pk, T0 + 100), 1);
    assert_int_equal(member(&f, 2), 1);
    fx_free(&f);
}

static void test_rotation(void **state)
{
    const struct test_author *roster[3];
    struct fx f;
    struct team_purge pg[4];
    struct entry *r1, *r2;
    uint8_t head[ENTRY_ID_LEN], nowhere[ENTRY_ID_LEN];

    (void)state;
    fx_init(&f, 1);
    add(f.t, dup(f.g), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[1], T0 + 10), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[2], T0 + 10), 1);
    (void)team_take_purges(f.t, pg, 4);

    /* A rotation keeps the old certificates of the members on its roster, no others. */
    roster[0] = &f.p[0];
    roster[1] = &f.p[1];
    r1 = rotation(f.id, entry_id(f.g), f.inv[1], roster, 2, &f.p[0], T0 + 100);
    add(f.t, dup(r1), 1);
    assert_int_equal(member(&f, 1), 1);
    assert_int_equal(member(&f, 2), 0);
    assert_int_equal(team_take_purges(f.t, pg, 4), 1);
    assert_memory_equal(pg[0].key, f.p[2].pk, ENTRY_KEY_LEN);
    assert_int_equal(pg[0].after_ms, 0);
    /* The new code admits; the old one admits no one new. */
    add(f.t, cert(f.id, f.inv[1], &f.p[3], T0 + 110), 1);
    assert_int_equal(member(&f, 3), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[4], T0 + 120), 1);
    assert_int_equal(member(&f, 4), 0);
    assert_int_equal(team_head(f.t, head), 0);
    assert_memory_equal(head, entry_id(r1), ENTRY_ID_LEN);
    assert_int_equal(team_invite_current(f.t, f.inv[1]), 1);
    assert_int_equal(team_invite_current(f.t, f.inv[0]), 0);

    /* A second rotation after the first. */
    roster[2] = &f.p[3];
    r2 = rotation(f.id, entry_id(r1), f.inv[2], roster, 3, &f.p[0], T0 + 200);
    add(f.t, dup(r2), 1);
    assert_int_equal(member(&f, 1), 1);
    assert_int_equal(member(&f, 3), 1);
    add(f.t, cert(f.id, f.inv[2], &f.p[5], T0 + 210), 1);
    assert_int_equal(member(&f, 5), 1);
    add(f.t, cert(f.id, f.inv[1], &f.p[6], T0 + 210), 1);
    assert_int_equal(member(&f, 6), 0);

    /* Not rotations: by a non-admin, after an unknown epoch, before the epoch it follows. */
    add(f.t, rotation(f.id, entry_id(r2), f.inv[3], roster, 1, &f.p[1], T0 + 300), 1);
    fill(nowhere, sizeof(nowhere), 3);
    add(f.t, rotation(f.id, nowhere, f.inv[3], roster, 1, &f.p[0], T0 + 300), 1);
    add(f.t, rotation(f.id, entry_id(r2), f.inv[4], roster, 1, &f.p[0], T0 + 150), 1);
    assert_int_equal(team_head(f.t, head), 0);
    assert_memory_equal(head, entry_id(r2), ENTRY_ID_LEN);
    assert_int_equal(team_invite_current(f.t, f.inv[2]), 1);
    assert_int_equal(team_invite_current(f.t, f.inv[3]), 0);
    assert_int_equal(team_invite_current(f.t, f.inv[4]), 0);
    entry_destroy(&r1);
    entry_destroy(&r2);
    fx_free(&f);
}

static void test_concurrent_rotations(void **state)
{
    const struct test_author *roster[1];
    struct fx f;
    struct entry *r1, *r2;
    uint8_t head[ENTRY_ID_LEN];
    const uint8_t *newest;

    (void)state;
    fx_init(&f, 2); /* admins p0 and p1 */
    add(f.t, dup(f.g), 1);
    for (size_t i = 2; i <= 4; i++)
        add(f.t, cert(f.id, f.inv[0], &f.p[i], T0 + 10), 1);
    roster[0] = &f.p[2];
    r1 = rotation(f.id, entry_id(f.g), f.inv[1], roster, 1, &f.p[0], T0 + 100);
    roster[0] = &f.p[3];
    r2 = rotation(f.id, entry_id(f.g), f.inv[2], roster, 1, &f.p[1], T0 + 100);
    add(f.t, dup(r1), 1);
    add(f.t, dup(r2), 1);
    assert_int_equal(member(&f, 2), 1);
    assert_int_equal(member(&f, 3), 1);
    assert_int_equal(member(&f, 4), 0);
    /* Both are heads: both codes admit. */
    add(f.t, cert(f.id, f.inv[1], &f.p[5], T0 + 110), 1);
    add(f.t, cert(f.id, f.inv[2], &f.p[6], T0 + 110), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[7], T0 + 110), 1);
    assert_int_equal(member(&f, 5), 1);
    assert_int_equal(member(&f, 6), 1);
    assert_int_equal(member(&f, 7), 0);
    assert_int_equal(team_invite_current(f.t, f.inv[1]), 1);
    assert_int_equal(team_invite_current(f.t, f.inv[2]), 1);
    assert_int_equal(team_invite_current(f.t, f.inv[0]), 0);
    assert_int_equal(team_zap(f.t, team_invite_join_public(f.inv[1]), NULL), TEAM_ZAP_JOIN);
    assert_int_equal(team_zap(f.t, team_invite_join_public(f.inv[2]), NULL), TEAM_ZAP_JOIN);
    assert_int_equal(team_zap(f.t, team_invite_join_public(f.inv[0]), NULL), TEAM_ZAP_NO);
    /* The newest head by (created_ms, id): same time, so the larger id. */
    newest = memcmp(entry_id(r1), entry_id(r2), ENTRY_ID_LEN) > 0 ? entry_id(r1) : entry_id(r2);
    assert_int_equal(team_head(f.t, head), 0);
    assert_memory_equal(head, newest, ENTRY_ID_LEN);
    entry_destroy(&r1);
    entry_destroy(&r2);
    fx_free(&f);
}

static void test_zap(void **state)
{
    const struct test_author *roster[2];
    struct fx f;
    uint8_t c[TEAM_CURVE_LEN], key[ENTRY_KEY_LEN], rnd[TEAM_CURVE_LEN];

    (void)state;
    fx_init(&f, 1);
    assert_int_equal(team_zap(f.t, team_invite_join_public(f.inv[0]), key), TEAM_ZAP_NO);
    add(f.t, dup(f.g), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[1], T0 + 10), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[2], T0 + 10), 1);
    add(f.t, revoke(f.id, &f.p[2], &f.p[0], T0 + 100), 1);
    curve_of(&f.p[0], c);
    assert_int_equal(team_zap(f.t, c, key), TEAM_ZAP_MEMBER);
    assert_memory_equal(key, f.p[0].pk, ENTRY_KEY_LEN);
    curve_of(&f.p[1], c);
    assert_int_equal(team_zap(f.t, c, key), TEAM_ZAP_MEMBER);
    assert_memory_equal(key, f.p[1].pk, ENTRY_KEY_LEN);
    assert_int_equal(team_zap(f.t, c, NULL), TEAM_ZAP_MEMBER);
    curve_of(&f.p[2], c); /* revoked */
    assert_int_equal(team_zap(f.t, c, key), TEAM_ZAP_NO);
    curve_of(&f.p[3], c); /* never a member */
    assert_int_equal(team_zap(f.t, c, key), TEAM_ZAP_NO);
    assert_int_equal(team_zap(f.t, f.p[1].pk, key), TEAM_ZAP_NO); /* not a CURVE key */
    assert_int_equal(team_zap(f.t, team_invite_join_public(f.inv[0]), key), TEAM_ZAP_JOIN);
    randombytes_buf(rnd, sizeof(rnd));
    assert_int_equal(team_zap(f.t, rnd, key), TEAM_ZAP_NO);

    /* After a rotation the old join key is refused, the new one is a joiner's. */
    roster[0] = &f.p[0];
    roster[1] = &f.p[1];
    add(f.t, rotation(f.id, entry_id(f.g), f.inv[1], roster, 2, &f.p[0], T0 + 200), 1);
    assert_int_equal(team_zap(f.t, team_invite_join_public(f.inv[0]), key), TEAM_ZAP_NO);
    assert_int_equal(team_zap(f.t, team_invite_join_public(f.inv[1]), key), TEAM_ZAP_JOIN);
    curve_of(&f.p[1], c);
    assert_int_equal(team_zap(f.t, c, key), TEAM_ZAP_MEMBER);
    fx_free(&f);
}

/* Check that key's credentials from the full state t prove membership to a state that holds
 * nothing, and nothing for `not`. Returns the number of records. */
static int check_credentials(struct fx *f, const struct test_author *who,
                             const struct test_author * not, const char *corpus)
{
    struct entry *recs[32];
    struct team *empty = team_new(f->id);
    struct buf b;
    char why[256];
    size_t n;
    int count;

    buf_init(&b, 1 << 20);
    count = team_credentials(f->t, who->pk, &b);
    assert_true(count > 0);
    if (corpus != NULL)
        corpus_write(corpus, b.data, b.len);
    n = parse_records(&b, recs, 32);
    assert_int_equal(n, (size_t)count);
    assert_int_equal(
        team_check_with(empty, who->pk, (const struct entry *const *)recs, n, why, sizeof(why)), 1);
    assert_int_equal(
        team_check_with(empty, not ->pk, (const struct entry *const *)recs, n, why, sizeof(why)),
        0);
    assert_string_equal(why, "not a member of the team");
    /* The state itself did not change. */
    assert_int_equal(team_has_genesis(empty), 0);
    assert_int_equal(team_version(empty), 0);
    assert_int_equal(team_is_member(empty, who->pk, T0), 0);
    free_entries(recs, n);
    buf_free(&b);
    team_destroy(&empty);
    return count;
}

static void test_credentials(void **state)
{
    const struct test_author *roster[2];
    struct fx f;
    struct entry *r, *adm, *cd, *q, *foreign, *extra[5];
    uint8_t other[TEAM_ID_LEN], secret[TEAM_SECRET_LEN];
    char code[TEAM_CODE_MAX], why[256];
    struct team *t2;
    struct buf b;

    (void)state;
    fx_init(&f, 1);
    add(f.t, dup(f.g), 1);
    adm = grant(f.id, &f.p[1], &f.p[0], T0 + 10); /* p1 an admin */
    add(f.t, dup(adm), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[2], T0 + 20), 1);
    add(f.t, cert(f.id, f.inv[0], &f.p[3], T0 + 20), 1);
    roster[0] = &f.p[0];
    roster[1] = &f.p[2];
    r = rotation(f.id, entry_id(f.g), f.inv[1], roster, 2, &f.p[1], T0 + 100);
    add(f.t, dup(r), 1);
    cd = cert(f.id, f.inv[1], &f.p[4], T0 + 110);
    add(f.t, dup(cd), 1);
    add(f.t, cert(f.id, f.inv[1], &f.p[5], T0 + 120), 1);
    add(f.t, revoke(f.id, &f.p[5], &f.p[0], T0 + 130), 1);

    /* genesis, ADMIN p1, the rotation (by p1) and the certificate */
    assert_int_equal(check_credentials(&f, &f.p[4], &f.p[3], "creds-head.bin"), 4);
    /* an old certificate kept by the rotation's roster: the same four */
    assert_int_equal(check_credentials(&f, &f.p[2], &f.p[3], "creds-roster.bin"), 4);
    assert_int_equal(check_credentials(&f, &f.p[1], &f.p[3], "creds-admin.bin"), 2);
    assert_int_equal(check_credentials(&f, &f.p[0], &f.p[3], "creds-genesis.bin"), 1);

    /* Not current members: nothing, and nothing written. */
    buf_init(&b, 1 << 20);
    assert_int_equal(team_credentials(f.t, f.p[3].pk, &b), -1);
    assert_int_equal(team_credentials(f.t, f.p[5].pk, &b), -1);
    assert_int_equal(team_credentials(f.t, f.p[9].pk, &b), -1);
    assert_int_equal(b.len, 0);
    buf_free(&b);
    buf_init(&b, 100); /* too small: fails whole */
    assert_int_equal(team_credentials(f.t, f.p[4].pk, &b), -1);
    assert_int_equal(b.len, 0);
    buf_free(&b);

    /* On the full state, without extras. */
    assert_int_equal(team_check_with(f.t, f.p[2].pk, NULL, 0, why, sizeof(why)), 1);
    assert_int_equal(team_check_with(f.t, f.p[3].pk, NULL, 0, why, sizeof(why)), 0);
    assert_int_equal(team_check_with(f.t, f.p[5].pk, NULL, 0, why, sizeof(why)), 0);
    assert_string_equal(why, "revoked at 1795000000130");

    /* A state with the genesis only, plus extras; what is not ours is ignored. */
    t2 = team_new(f.id);
    assert_int_equal(team_check_with(t2, f.p[0].pk, NULL, 0, why, sizeof(why)), 0);
    assert_string_equal(why, "the team's genesis entry is not known");
    add(t2, dup(f.g), 1);
    q = question(&f.p[4], T0);
    memset(other, 7, sizeof(other));
    foreign = cert(other, f.inv[1], &f.p[4], T0 + 110);
    extra[0] = q;
    extra[1] = foreign;
    extra[2] = NULL;
    extra[3] = r;
    extra[4] = cd;
    assert_int_equal(
        team_check_with(t2, f.p[4].pk, (const struct entry *const *)extra, 5, why, sizeof(why)),
        0); /* the rotation's author is no admin without the ADMIN entry */
    extra[2] = adm;
    assert_int_equal(
        team_check_with(t2, f.p[4].pk, (const struct entry *const *)extra, 5, why, sizeof(why)), 1);
    extra[0] = adm; /* twice, and already held */
    extra[1] = f.g;
    assert_int_equal(
        team_check_with(t2, f.p[4].pk, (const struct entry *const *)extra, 5, why, sizeof(why)), 1);
    assert_int_equal(team_is_member(t2, f.p[4].pk, T0 + 200), 0);
    team_destroy(&t2);

    /* Seeds for the fuzzer: a join code of this team. */
    fill(secret, sizeof(secret), 1);
    team_code_encode(f.id, secret, code);
    corpus_write("code.txt", code, strlen(code));
    entry_destroy(&q);
    entry_destroy(&foreign);
    entry_destroy(&r);
    entry_destroy(&adm);
    entry_destroy(&cd);
    fx_free(&f);
}

static struct entry *vouch(const uint8_t *id, const struct test_author *const *who, size_t n,
                           struct test_author *by, uint64_t ms)
{
    uint8_t keys[12][ENTRY_KEY_LEN];
    char err[256];

    for (size_t i = 0; i < n; i++)
        memcpy(keys[i], who[i]->pk, ENTRY_KEY_LEN);
    return must(team_vouch_create(id, (const uint8_t(*)[ENTRY_KEY_LEN])keys, n, ms, by->pk,
                                  test_author_sign, by, err, sizeof(err)),
                err);
}

/* Vouches: the form, the documented vector, and whose recognition counts for whom (team_trust). */
static void test_vouch(void **state)
{
    const struct test_author *who[3];
    struct fx f;
    struct entry *e;
    uint8_t pool[ENTRY_ID_LEN], pool2[ENTRY_ID_LEN], zero[ENTRY_ID_LEN] = {0};
    char err[256], hex[2048];
    size_t len;

    (void)state;
    fx_init(&f, 1);
    /* The documented vector: author seed 01..20, team id 00..0f, two keys. */
    {
        struct test_author a;
        uint8_t id[TEAM_ID_LEN];
        char *doc_entry = doc_vector("PROTOCOL.md", "vouch", "entry");
        char *doc_id = doc_vector("PROTOCOL.md", "vouch", "id");
        test_author_init(&a, 1);
        for (size_t i = 0; i < TEAM_ID_LEN; i++)
            id[i] = (uint8_t)i;
        who[0] = &f.p[2];
        who[1] = &f.p[1];
        e = vouch(id, who, 2, &a, 1795000180000ull);
        const uint8_t *b = entry_bytes(e, &len);
        assert_true(2 * len < sizeof(hex));
        hex_encode(b, len, hex);
        if (getenv("LORE_PRINT_VECTORS") != NULL) {
            printf("```vector vouch\nentry:\n");
            for (size_t off = 0; off < 2 * len; off += 64)
                printf("%.64s\n", hex + off);
            hex_encode(entry_id(e), ENTRY_ID_LEN, hex);
            printf("id: %s\n```\n", hex);
        } else {
            assert_non_null(doc_entry);
            assert_string_equal(doc_entry, hex);
            hex_encode(entry_id(e), ENTRY_ID_LEN, hex);
            assert_string_equal(doc_id, hex);
        }
        assert_int_equal(entry_kind(e), ENTRY_VOUCH);
        assert_int_equal(entry_body_len(e), 2 * 65);
        assert_int_equal(team_check_kind(e, err, sizeof(err)), 0);
        free(doc_entry);
        free(doc_id);
        entry_destroy(&e);
    }
    /* Form: at least one key; no other attributes. */
    assert_null(team_vouch_create(f.id, NULL, 0, T0, f.p[0].pk, test_author_sign, &f.p[0], err,
                                  sizeof(err)));
    assert_non_null(strstr(err, "1 to"));
    assert_true(team_is_team_kind(ENTRY_VOUCH));
    assert_string_equal(kinds_name(ENTRY_VOUCH), "vouch");

    /* p0 admin; p1..p4 join with the first code, p5 with the second (after a rotation). */
    add(f.t, dup(f.g), 1);
    for (size_t i = 1; i <= 4; i++)
        add(f.t, cert(f.id, f.inv[0], &f.p[i], T0 + 10), 1);
    who[0] = &f.p[1];
    who[1] = &f.p[2];
    who[2] = &f.p[3];
    e = rotation(f.id, entry_id(f.g), f.inv[1], who, 3, &f.p[0], T0 + 50);
    add(f.t, cert(f.id, f.inv[1], &f.p[5], T0 + 60), 1);
    add(f.t, e, 1);
    /* Nobody vouched: for p1, p2 is pooled with p3 (same code); p5 in another pool. */
    assert_int_equal(team_trust(f.t, f.p[1].pk, f.p[1].pk, pool), 1);
    assert_int_equal(team_trust(f.t, f.p[1].pk, f.p[0].pk, pool), 1); /* an admin */
    assert_int_equal(team_trust(f.t, f.p[1].pk, f.p[2].pk, pool), 0);
    assert_memory_equal(pool, entry_id(f.g), ENTRY_ID_LEN);
    assert_int_equal(team_trust(f.t, f.p[1].pk, f.p[3].pk, pool2), 0);
    assert_memory_equal(pool, pool2, ENTRY_ID_LEN);
    assert_int_equal(team_trust(f.t, f.p[1].pk, f.p[5].pk, pool2), 0);
    assert_memory_not_equal(pool, pool2, ENTRY_ID_LEN);
    assert_int_equal(team_trust(f.t, f.p[1].pk, f.p[9].pk, pool2), 0); /* no certificate */
    assert_memory_equal(pool2, zero, ENTRY_ID_LEN);
    /* p1 vouches for p2: counts for p1 only. */
    who[0] = &f.p[2];
    add(f.t, vouch(f.id, who, 1, &f.p[1], T0 + 70), 1);
    assert_int_equal(team_trust(f.t, f.p[1].pk, f.p[2].pk, pool), 1);
    assert_int_equal(team_trust(f.t, f.p[3].pk, f.p[2].pk, pool), 0);
    /* p6's vouch before it was an admin counts for nobody else; the admin's counts for all. */
    who[0] = &f.p[3];
    add(f.t, vouch(f.id, who, 1, &f.p[6], T0 + 80), 1);
    add(f.t, grant(f.id, &f.p[6], &f.p[0], T0 + 90), 1);
    assert_int_equal(team_trust(f.t, f.p[1].pk, f.p[3].pk, pool), 0);
    who[0] = &f.p[3];
    who[1] = &f.p[4];
    add(f.t, vouch(f.id, who, 2, &f.p[0], T0 + 100), 1);
    assert_int_equal(team_trust(f.t, f.p[1].pk, f.p[3].pk, pool), 1);
    assert_int_equal(team_trust(f.t, f.p[5].pk, f.p[4].pk, pool), 1);
    /* An admin revoked before its vouch vouches for nobody. */
    add(f.t, revoke(f.id, &f.p[6], &f.p[0], T0 + 200), 1);
    who[0] = &f.p[5];
    add(f.t, vouch(f.id, who, 1, &f.p[6], T0 + 300), 1);
    assert_int_equal(team_trust(f.t, f.p[1].pk, f.p[5].pk, pool), 0);
    fx_free(&f);
}

/* ---- order independence ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void member_line(void *ctx, const struct team_member_info *m)
{
    struct buf *b = ctx;
    char hex[65];

    hex_encode(m->key, ENTRY_KEY_LEN, hex);
    assert_int_equal(
        buf_printf(b, "%s %d %llu\n", hex, m->is_admin, (unsigned long long)m->revoked_ms), 0);
}

/* Everything the state answers that does not depend on arrival order, as bytes. */
static void snapshot(struct fx *f, struct team *t, struct buf *out)
{
    static const uint64_t times[] = {T0, T0 + 100, T0 + 170, T0 + 171, T0 + 400, T0 + 1000000};
    uint8_t c[TEAM_CURVE_LEN], key[ENTRY_KEY_LEN], head[ENTRY_ID_LEN];
    char name[TEAM_NAME_MAX + 1];
    size_t i, j;

    team_members(t, member_line, out);
    for (i = 0; i < 12; i++) {
        for (j = 0; j < sizeof(times) / sizeof(times[0]); j++)
            assert_int_equal(buf_printf(out, "%d%d", team_is_member(t, f->p[i].pk, times[j]),
                                        team_is_admin(t, f->p[i].pk, times[j])),
                             0);
        curve_of(&f->p[i], c);
        memset(key, 0, sizeof(key));
        assert_int_equal(buf_printf(out, " zap %d ", (int)team_zap(t, c, key)), 0);
        assert_int_equal(buf_append(out, key, sizeof(key)), 0);
        assert_int_equal(buf_printf(out, " creds %d ", team_credentials(t, f->p[i].pk, out)), 0);
    }
    for (i = 0; i < 5; i++)
        assert_int_equal(buf_printf(out, "inv %d %d\n", team_invite_current(t, f->inv[i]),
                                    (int)team_zap(t, team_invite_join_public(f->inv[i]), NULL)),
                         0);
    assert_int_equal(team_head(t, head), 0);
    assert_int_equal(buf_append(out, head, sizeof(head)), 0);
    team_name(t, name, sizeof(name));
    assert_int_equal(buf_printf(out, "%s %d", name, team_has_genesis(t)), 0);
}

static void test_order_independence(void **state)
{
    const struct test_author *ro[2];
    struct entry *e[40], *r1, *r2, *r3, *r4, *c4;
    struct fx f;
    struct buf first, snap, all;
    size_t n = 0, i, perm;

    (void)state;
    fx_init(&f, 2); /* admins p0 and p1 */
    e[n++] = dup(f.g);
    e[n++] = grant(f.id, &f.p[2], &f.p[0], T0 + 10);
    e[n++] = grant(f.id, &f.p[3], &f.p[4], T0 + 11); /* by a non-admin */
    for (i = 4; i <= 7; i++)
        e[n++] = cert(f.id, f.inv[0], &f.p[i], T0 + 16 + i);
    c4 = e[n - 4];
    e[n++] = copied_cert(c4, &f.p[8], T0 + 24);
    ro[0] = &f.p[4];
    ro[1] = &f.p[5];
    e[n++] = r1 = rotation(f.id, entry_id(f.g), f.inv[1], ro, 2, &f.p[0], T0 + 100);
    ro[0] = &f.p[6];
    e[n++] = r2 = rotation(f.id, entry_id(f.g), f.inv[2], ro, 1, &f.p[1], T0 + 100);
    e[n++] = cert(f.id, f.inv[1], &f.p[9], T0 + 110);
    e[n++] = cert(f.id, f.inv[2], &f.p[10], T0 + 111);
    ro[0] = &f.p[9];
    e[n++] = r3 = rotation(f.id, entry_id(r1), f.inv[3], ro, 1, &f.p[2], T0 + 150);
    e[n++] = cert(f.id, f.inv[3], &f.p[11], T0 + 160);
    e[n++] = cert(f.id, f.inv[1], &f.p[7], T0 + 161);
    e[n++] = revoke(f.id, &f.p[5], &f.p[1], T0 + 170);
    e[n++] = revoke(f.id, &f.p[4], &f.p[6], T0 + 171); /* by a non-admin */
    e[n++] = revoke(f.id, &f.p[2], &f.p[0], T0 + 200);
    e[n++] = grant(f.id, &f.p[6], &f.p[2], T0 + 250); /* after its author's revocation */
    e[n++] = grant(f.id, &f.p[9], &f.p[2], T0 + 190);
    ro[0] = &f.p[11];
    e[n++] = r4 = rotation(f.id, entry_id(r3), f.inv[4], ro, 1, &f.p[9], T0 + 300);
    e[n++] = cert(f.id, f.inv[4], &f.p[3], T0 + 310);
    e[n++] = cert(f.id, f.inv[4], &f.p[5], T0 + 320);
    e[n++] = revoke(f.id, &f.p[10], &f.p[9], T0 + 400);
    e[n++] = rotation(f.id, entry_id(r2), f.inv[3], ro, 1, &f.p[0], T0 + 50); /* before prev */
    e[n++] = cert(f.id, f.inv[0], &f.p[2], T0 + 30);
    e[n++] = grant(f.id, &f.p[7], &f.p[1], T0 + 500);
    e[n++] = revoke(f.id, &f.p[0], &f.p[1], T0 + 600);
    e[n++] = rotation(f.id, entry_id(r4), f.inv[0], ro, 1, &f.p[0], T0 + 700); /* revoked author */
    e[n++] = cert(f.id, f.inv[2], &f.p[6], T0 + 40);
    e[n++] = cert(f.id, f.inv[3], &f.p[9], T0 + 155);
    assert_true(n >= 30);

    buf_init(&first, 1 << 22);
    buf_init(&snap, 1 << 22);
    buf_init(&all, 1 << 22);
    for (perm = 0; perm < 20; perm++) {
        struct team *t = team_new(f.id);
        struct team_purge pg[16];

        if (perm > 0) {
            for (i = n - 1; i > 0; i--) {
                size_t j = (size_t)(rng() % (i + 1));
                struct entry *x = e[i];
                e[i] = e[j];
                e[j] = x;
            }
        }
        for (i = 0; i < n; i++) {
            char err[256];
            assert_int_equal(team_add(t, e[i], err, sizeof(err)), 1);
            (void)team_take_purges(t, pg, 16);
        }
        assert_true(team_version(t) > 0);
        buf_reset(&snap);
        snapshot(&f, t, &snap);
        if (perm == 0) {
            assert_int_equal(buf_append(&first, snap.data, snap.len), 0);
            /* What the entries mean (see the comments above). */
            assert_int_equal(team_is_member(t, f.p[4].pk, T0 + 1000000), 1);  /* on R1 */
            assert_int_equal(team_is_member(t, f.p[5].pk, T0 + 171), 0);      /* revoked */
            assert_int_equal(team_is_member(t, f.p[8].pk, T0), 0);            /* copied */
            assert_int_equal(team_is_admin(t, f.p[7].pk, T0 + 1000000), 1);   /* by p1 */
            assert_int_equal(team_is_member(t, f.p[11].pk, T0 + 1000000), 1); /* on R4 */
            assert_int_equal(team_is_member(t, f.p[3].pk, T0 + 1000000), 1);  /* R4 head */
            assert_int_equal(team_is_admin(t, f.p[3].pk, T0), 0);             /* bad grant */
            assert_int_equal(team_is_admin(t, f.p[9].pk, T0 + 1000000), 1);   /* by p2 */
            assert_int_equal(team_is_admin(t, f.p[6].pk, T0), 0);             /* too late */
            assert_int_equal(team_is_member(t, f.p[6].pk, T0 + 1000000), 1);  /* on R2 */
            assert_int_equal(team_is_member(t, f.p[10].pk, T0 + 401), 0);     /* by p9 */
            assert_int_equal(team_is_member(t, f.p[0].pk, T0 + 601), 0);      /* by p1 */
            assert_int_equal(team_invite_current(t, f.inv[4]), 1);            /* R4 */
            assert_int_equal(team_invite_current(t, f.inv[2]), 1);            /* R2 */
            assert_int_equal(team_invite_current(t, f.inv[3]), 0);            /* bad R */
            assert_int_equal(team_invite_current(t, f.inv[0]), 0);
            for (i = 0; i < n; i++) {
                size_t len;
                const uint8_t *b = entry_bytes(e[i], &len);
                assert_int_equal(buf_append_u32be(&all, (uint32_t)len), 0);
                assert_int_equal(buf_append(&all, b, len), 0);
            }
            corpus_write("all.bin", all.data, all.len);
        } else {
            assert_int_equal(snap.len, first.len);
            assert_memory_equal(snap.data, first.data, first.len);
        }
        team_destroy(&t);
    }
    buf_free(&first);
    buf_free(&snap);
    buf_free(&all);
    free_entries(e, n);
    fx_free(&f);
}

/* Revoke, rotate and content in every order of arrival: the membership intervals, and what a
 * replica keeps after the purges, are the same whatever the order. Content a node refused
 * (its author not known yet) is offered again at the end, as sync would; purged content is
 * not. new_roster: rotations list revoked members too (as `lore team rotate` now does); else
 * they leave them out (as before), which gives the same final state. */
static void revoke_rotate_orders(int new_roster)
{
    const struct test_author *ro[5];
    struct entry *e[32];
    struct fx f;
    struct buf first, snap;
    size_t n = 0, nteam, i, perm, nro;
    /* Content: (author, created) and whether it must stay. */
    static const struct {
        size_t who;
        uint64_t at;
        int stays;
    } content[] = {
        {1, T0 + 50, 1},  /* Bob, before his revocation */
        {1, T0 + 100, 1}, /* at it */
        {1, T0 + 150, 0}, /* after it */
        {2, T0 + 250, 1}, /* p2 before its own revocation */
        {2, T0 + 350, 0}, /* after it */
        {3, T0 + 260, 1}, /* p3, joined with the new code */
        {4, T0 + 220, 0}, /* p4, the old code after the rotation */
        {0, T0 + 500, 1}, /* the admin */
    };
    const size_t ncontent = sizeof(content) / sizeof(content[0]);
    int stored[16], refused[16];

    fx_init(&f, 1);
    e[n++] = dup(f.g);
    e[n++] = cert(f.id, f.inv[0], &f.p[1], T0 + 10);
    e[n++] = cert(f.id, f.inv[0], &f.p[2], T0 + 10);
    e[n++] = revoke(f.id, &f.p[1], &f.p[0], T0 + 100);
    nro = 0;
    ro[nro++] = &f.p[0];
    if (new_roster)
        ro[nro++] = &f.p[1];
    ro[nro++] = &f.p[2];
    e[n] = rotation(f.id, entry_id(f.g), f.inv[1], ro, nro, &f.p[0], T0 + 200);
    {
        const uint8_t *r1 = entry_id(e[n++]);
        e[n++] = cert(f.id, f.inv[0], &f.p[4], T0 + 210);
        e[n++] = cert(f.id, f.inv[1], &f.p[3], T0 + 240);
        e[n++] = revoke(f.id, &f.p[2], &f.p[0], T0 + 300);
        ro[nro++] = &f.p[3];
        if (!new_roster) { /* p2 revoked now: left out */
            ro[1] = &f.p[3];
            nro = 2;
        }
        e[n++] = rotation(f.id, r1, f.inv[2], ro, nro, &f.p[0], T0 + 400);
    }
    nteam = n;
    for (i = 0; i < ncontent; i++) {
        struct entry_fields fl = {0};
        fl.kind = ENTRY_NOTE;
        fl.created_ms = content[i].at;
        fl.title = "how to reach the VPN";
        fl.body = "ask the admin";
        e[n++] = test_entry(&f.p[content[i].who], &fl);
    }

    buf_init(&first, 1 << 20);
    buf_init(&snap, 1 << 20);
    for (perm = 0; perm < 40; perm++) {
        struct team *t = team_new(f.id);
        struct team_purge pg[16];
        size_t np, k, c;
        char err[256], why[256];

        if (perm > 0) {
            for (i = n - 1; i > 0; i--) {
                size_t j = (size_t)(rng() % (i + 1));
                struct entry *x = e[i];
                e[i] = e[j];
                e[j] = x;
            }
        }
        memset(stored, 0, sizeof(stored));
        memset(refused, 0, sizeof(refused));
        for (i = 0; i < n; i++) {
            if (team_is_team_kind(entry_kind(e[i]))) {
                assert_int_equal(team_add(t, e[i], err, sizeof(err)), 1);
            } else {
                for (c = 0; c < ncontent; c++)
                    if (memcmp(entry_author(e[i]), f.p[content[c].who].pk, ENTRY_KEY_LEN) == 0 &&
                        entry_created_ms(e[i]) == content[c].at)
                        break;
                assert_true(c < ncontent);
                if (team_admits(t, e[i], why, sizeof(why)))
                    stored[c] = 1;
                else
                    refused[c] = 1;
            }
            while ((np = team_take_purges(t, pg, 16)) > 0)
                for (k = 0; k < np; k++)
                    for (c = 0; c < ncontent; c++)
                        if (stored[c] &&
                            memcmp(pg[k].key, f.p[content[c].who].pk, ENTRY_KEY_LEN) == 0 &&
                            content[c].at > pg[k].after_ms)
                            stored[c] = 0; /* gone for good */
        }
        /* Sync offers again what was refused. */
        for (i = 0; i < n; i++) {
            if (team_is_team_kind(entry_kind(e[i])))
                continue;
            for (c = 0; c < ncontent; c++)
                if (memcmp(entry_author(e[i]), f.p[content[c].who].pk, ENTRY_KEY_LEN) == 0 &&
                    entry_created_ms(e[i]) == content[c].at)
                    break;
            if (refused[c] && !stored[c] && team_admits(t, e[i], why, sizeof(why)))
                stored[c] = 1;
        }
        buf_reset(&snap);
        snapshot(&f, t, &snap);
        if (new_roster) /* with the old rosters, what goes depends on the order (see above) */
            for (c = 0; c < ncontent; c++)
                assert_int_equal(buf_printf(&snap, "%d", stored[c]), 0);
        if (perm == 0) {
            assert_int_equal(buf_append(&first, snap.data, snap.len), 0);
            assert_int_equal(team_is_member(t, f.p[1].pk, T0 + 100), 1);
            assert_int_equal(team_is_member(t, f.p[1].pk, T0 + 101), 0);
            assert_int_equal(team_is_member(t, f.p[2].pk, T0 + 300), 1);
            assert_int_equal(team_is_member(t, f.p[2].pk, T0 + 301), 0);
            assert_int_equal(team_is_member(t, f.p[3].pk, T0 + 1000000), 1);
            assert_int_equal(team_is_member(t, f.p[4].pk, T0), 0);
        } else {
            assert_int_equal(snap.len, first.len);
            assert_memory_equal(snap.data, first.data, first.len);
        }
        if (new_roster)
            for (c = 0; c < ncontent; c++)
                assert_int_equal(stored[c], content[c].stays);
        team_destroy(&t);
    }
    (void)nteam;
    buf_free(&first);
    buf_free(&snap);
    free_entries(e, n);
    fx_free(&f);
}

static void test_revoke_rotate_orders(void **state)
{
    (void)state;
    revoke_rotate_orders(1);
    revoke_rotate_orders(0);
}

/* ---- threads ---- */

struct worker {
    struct fx *f;
    size_t who;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    char err[256], why[256];
    struct buf b;

    buf_init(&b, 1 << 20);
    for (int i = 0; i < 20; i++) {
        struct entry *e = cert(w->f->id, w->f->inv[0], &w->f->p[w->who], T0 + (uint64_t)i);
        if (team_add(w->f->t, e, err, sizeof(err)) < 0)
            abort();
        entry_destroy(&e);
        (void)team_is_member(w->f->t, w->f->p[w->who].pk, T0);
        (void)team_check_with(w->f->t, w->f->p[w->who].pk, NULL, 0, why, sizeof(why));
        buf_reset(&b);
        (void)team_credentials(w->f->t, w->f->p[w->who].pk, &b);
    }
    buf_free(&b);
    return NULL;
}

static void test_threads(void **state)
{
    struct fx f;
    struct worker w[4];
    pthread_t th[4];

    (void)state;
    fx_init(&f, 1);
    add(f.t, dup(f.g), 1);
    for (size_t i = 0; i < 4; i++) {
        w[i] = (struct worker){&f, i + 1};
        assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
    }
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (size_t i = 1; i <= 4; i++)
        assert_int_equal(member(&f, i), 1);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_round_trip),
        cmocka_unit_test(test_code_typos),
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_derivations),
        cmocka_unit_test(test_check_kind),
        cmocka_unit_test(test_genesis_and_certs),
        cmocka_unit_test(test_bad_certs),
        cmocka_unit_test(test_admin_grant),
        cmocka_unit_test(test_revocation),
        cmocka_unit_test(test_revoke_then_rotate),
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_concurrent_rotations),
        cmocka_unit_test(test_zap),
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_vouch),
        cmocka_unit_test(test_order_independence),
        cmocka_unit_test(test_revoke_rotate_orders),
        cmocka_unit_test(test_threads),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
