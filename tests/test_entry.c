/* Entry codec: the documented test vectors, round trips, strictness and total rejection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "testdoc.h"

#include "buf.h"
#include "hex.h"
#include "testutil.h"
#include "xmalloc.h"

#define VEC_QUESTION_MS 1795000000000ull
static const char *const vec_tags[] = {"vpn", "certificates"};
static const struct entry_attr vec_attrs[] = {{"urgent", "1"}};

/* The vectors of docs/PROTOCOL.md, made here from their fields. */
static struct entry *vector_entry(struct test_author *a, const char *name)
{
    static uint8_t question_id[ENTRY_ID_LEN];
    struct entry_fields f = {0};
    struct entry *e;

    if (strcmp(name, "question") == 0) {
        f.kind = ENTRY_QUESTION;
        f.created_ms = VEC_QUESTION_MS;
        f.tags = vec_tags;
        f.ntags = 2;
        f.attrs = vec_attrs;
        f.nattrs = 1;
        f.title = "How do I rotate the VPN certificate?";
        f.body = "It expires on Friday.";
        e = test_entry(a, &f);
        memcpy(question_id, entry_id(e), ENTRY_ID_LEN);
        return e;
    }
    if (strcmp(name, "answer") == 0) {
        struct entry *q = vector_entry(a, "question");
        entry_destroy(&q);
        f.kind = ENTRY_ANSWER;
        f.created_ms = VEC_QUESTION_MS + 60000;
        f.refs = (const uint8_t(*)[ENTRY_ID_LEN])question_id;
        f.nrefs = 1;
        f.body = "Run `vpnctl rotate`, then restart the client.\n";
        return test_entry(a, &f);
    }
    if (strcmp(name, "unicode-tags") == 0) {
        /* Tags in any language, given in their normal forms (the node's post normalises "#태그"
         * and "ETİKET" into these; the codec takes tags only as they are). */
        static const char *const tags[] = {"태그", "eti\xcc\x87ket"};
        f.kind = ENTRY_NOTE;
        f.created_ms = VEC_QUESTION_MS + 180000;
        f.tags = tags;
        f.ntags = 2;
        f.title = "Etiketler ve 태그";
        f.body = "Tags in any language.";
        return test_entry(a, &f);
    }
    f.kind = 4096; /* a kind from the future */
    f.created_ms = VEC_QUESTION_MS + 120000;
    f.title = "Bücher für Anfänger";
    return test_entry(a, &f);
}

static const char *const vector_names[] = {"question", "answer", "future-kind", "unicode-tags"};

static void test_vectors_match_doc(void **state)
{
    struct test_author a;
    size_t i, len;
    char *doc_hex, *doc_id;
    char *hex;

    (void)state;
    test_author_init(&a, 1);
    for (i = 0; i < sizeof(vector_names) / sizeof(vector_names[0]); i++) {
        struct entry *e = vector_entry(&a, vector_names[i]);
        const uint8_t *bytes = entry_bytes(e, &len);
        char id_hex[2 * ENTRY_ID_LEN + 1];

        hex = xmalloc(2 * len + 1);
        hex_encode(bytes, len, hex);
        hex_encode(entry_id(e), ENTRY_ID_LEN, id_hex);
        if (getenv("LORE_PRINT_VECTORS") != NULL) {
            printf("```vector %s\nentry:\n", vector_names[i]);
            for (size_t off = 0; off < 2 * len; off += 64)
                printf("%.64s\n", hex + off);
            printf("id: %s\n```\n\n", id_hex);
            free(hex);
            entry_destroy(&e);
            continue;
        }
        doc_hex = doc_vector("PROTOCOL.md", vector_names[i], "entry");
        doc_id = doc_vector("PROTOCOL.md", vector_names[i], "id");
        assert_non_null(doc_hex);
        assert_non_null(doc_id);
        assert_string_equal(doc_hex, hex);
        assert_string_equal(doc_id, id_hex);

        /* And the documented bytes decode, verify and hash to the documented id. */
        uint8_t *raw = xmalloc(len);
        char err[256];
        assert_int_equal(hex_decode(doc_hex, strlen(doc_hex), raw, len), 0);
        struct entry *d = entry_decode(raw, len, err, sizeof(err));
        assert_non_null(d);
        assert_int_equal(kinds_verify(d, err, sizeof(err)), 0);
        assert_memory_equal(entry_id(d), entry_id(e), ENTRY_ID_LEN);
        entry_destroy(&d);
        free(raw);
        free(doc_hex);
        free(doc_id);
        free(hex);
        entry_destroy(&e);
    }
}

static void test_round_trip_fields(void **state)
{
    struct test_author a;
    const char *tags[] = {"zeta", "alpha", "zeta", "c++"};
    struct entry_attr attrs[] = {{"urgent", "1"}, {"level", "3"}};
    uint8_t refs[3][ENTRY_ID_LEN];
    struct entry_fields f = {0};
    struct entry *e, *d;
    const uint8_t *bytes;
    size_t len;
    char err[256];

    (void)state;
    test_author_init(&a, 7);
    memset(refs[0], 0xcc, ENTRY_ID_LEN);
    memset(refs[1], 0x11, ENTRY_ID_LEN);
    memset(refs[2], 0xcc, ENTRY_ID_LEN);
    f.kind = ENTRY_NOTE;
    f.created_ms = VEC_QUESTION_MS;
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])refs;
    f.nrefs = 3;
    f.tags = tags;
    f.ntags = 4;
    f.attrs = attrs;
    f.nattrs = 2;
    f.title = "Title ✓";
    f.body = "line one\n\ttabbed\r\nend";
    e = test_entry(&a, &f);
    assert_int_equal(entry_version(e), ENTRY_VERSION);
    assert_int_equal(entry_kind(e), ENTRY_NOTE);
    assert_int_equal(entry_nrefs(e), 2); /* sorted, deduplicated */
    assert_int_equal(entry_ref(e, 0)[0], 0x11);
    assert_int_equal(entry_ntags(e), 3);
    assert_string_equal(entry_tag(e, 0), "alpha");
    assert_string_equal(entry_tag(e, 1), "c++");
    assert_string_equal(entry_tag(e, 2), "zeta");
    assert_string_equal(entry_attr_key(e, 0), "level");
    assert_string_equal(entry_attr_get(e, "urgent"), "1");
    assert_null(entry_attr_get(e, "missing"));
    assert_string_equal(entry_title(e), "Title ✓");
    assert_string_equal(entry_body(e), "line one\n\ttabbed\r\nend");
    assert_memory_equal(entry_author(e), a.pk, ENTRY_KEY_LEN);

    bytes = entry_bytes(e, &len);
    d = entry_decode(bytes, len, err, sizeof(err));
    assert_non_null(d);
    size_t dlen;
    assert_int_equal(dlen = (entry_bytes(d, &dlen), dlen), len);
    assert_memory_equal(entry_bytes(d, NULL), bytes, len);
    assert_memory_equal(entry_id(d), entry_id(e), ENTRY_ID_LEN);
    assert_int_equal(kinds_verify(d, err, sizeof(err)), 0);

    /* The id is BLAKE2b-256 of the whole encoding. */
    uint8_t id[ENTRY_ID_LEN];
    crypto_generichash(id, sizeof(id), bytes, len, NULL, 0);
    assert_memory_equal(id, entry_id(e), ENTRY_ID_LEN);
    entry_destroy(&d);
    entry_destroy(&e);
}

/* Flip every bit of a valid entry: each result must fail decoding or verification. */
static void test_every_bit_flip_rejected(void **state)
{
    struct test_author a;
    struct entry *e, *d;
    uint8_t *copy;
    size_t len, bit, accepted = 0;

    (void)state;
    test_author_init(&a, 1);
    e = vector_entry(&a, "question");
    copy = xmalloc(entry_bytes(e, &len) ? len : 0);
    for (bit = 0; bit < len * 8; bit++) {
        memcpy(copy, entry_bytes(e, NULL), len);
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        d = entry_decode(copy, len, NULL, 0);
        if (d != NULL && kinds_verify(d, NULL, 0) == 0)
            accepted++;
        entry_destroy(&d);
    }
    assert_int_equal(accepted, 0);
    free(copy);
    entry_destroy(&e);
}

static void test_truncation_and_trailing_rejected(void **state)
{
    struct test_author a;
    struct entry *e, *d;
    uint8_t *copy;
    size_t len, n;
    char err[256];

    (void)state;
    test_author_init(&a, 1);
    e = vector_entry(&a, "answer");
    entry_bytes(e, &len);
    copy = xmalloc(len + 1);
    memcpy(copy, entry_bytes(e, NULL), len);
    for (n = 0; n < len; n++) {
        d = entry_decode(copy, n, NULL, 0);
        assert_null(d);
    }
    copy[len] = 0;
    d = entry_decode(copy, len + 1, err, sizeof(err));
    assert_null(d);
    assert_non_null(strstr(err, "trailing"));
    free(copy);
    entry_destroy(&e);
}

/*
 * Hand-built encodings, each signed correctly but breaking one canonical rule: the decoder must
 * refuse them all, so no entry has two byte forms.
 */
struct raw_fields {
    uint8_t version;
    uint16_t kind;
    uint64_t created;
    int nrefs;
    uint8_t refs[2][ENTRY_ID_LEN];
    int ntags;
    const char *tags[3];
    int nattrs;
    const char *keys[2];
    const char *values[2];
    const char *title;
    const char *body;
};

static uint8_t *raw_encode(struct test_author *a, const struct raw_fields *r, size_t *len)
{
    struct buf b;
    uint8_t sig[64];
    static const uint8_t domain[] = "lore/entry/v1";
    uint8_t *m;
    int i, rc = 0;

    buf_init(&b, 1 << 20);
    rc |= buf_append_u8(&b, r->version) | buf_append_u16be(&b, r->kind) |
          buf_append(&b, a->pk, 32) | buf_append_u64be(&b, r->created) |
          buf_append_u8(&b, (uint8_t)r->nrefs);
    for (i = 0; i < r->nrefs; i++)
        rc |= buf_append(&b, r->refs[i], ENTRY_ID_LEN);
    rc |= buf_append_u8(&b, (uint8_t)r->ntags);
    for (i = 0; i < r->ntags; i++)
        rc |= buf_append_u8(&b, (uint8_t)strlen(r->tags[i])) | buf_append_str(&b, r->tags[i]);
    rc |= buf_append_u8(&b, (uint8_t)r->nattrs);
    for (i = 0; i < r->nattrs; i++)
        rc |= buf_append_u8(&b, (uint8_t)strlen(r->keys[i])) | buf_append_str(&b, r->keys[i]) |
              buf_append_u16be(&b, (uint16_t)strlen(r->values[i])) |
              buf_append_str(&b, r->values[i]);
    rc |= buf_append_u16be(&b, (uint16_t)strlen(r->title)) | buf_append_str(&b, r->title) |
          buf_append_u32be(&b, (uint32_t)strlen(r->body)) | buf_append_str(&b, r->body);
    assert_int_equal(rc, 0);
    m = xmalloc(sizeof(domain) + b.len);
    memcpy(m, domain, sizeof(domain));
    memcpy(m + sizeof(domain), b.data, b.len);
    assert_int_equal(test_author_sign(a, m, sizeof(domain) + b.len, sig), 0);
    free(m);
    assert_int_equal(buf_append(&b, sig, sizeof(sig)), 0);
    return buf_steal(&b, len);
}

static struct raw_fields raw_good(void)
{
    struct raw_fields r = {0};

    r.version = 1;
    r.kind = ENTRY_QUESTION;
    r.created = VEC_QUESTION_MS;
    r.ntags = 2;
    r.tags[0] = "a";
    r.tags[1] = "b";
    r.nattrs = 1;
    r.keys[0] = "urgent";
    r.values[0] = "1";
    r.title = "t";
    r.body = "b";
    return r;
}

static void expect_decode(struct test_author *a, const struct raw_fields *r, int ok,
                          const char *what)
{
    size_t len;
    uint8_t *raw = raw_encode(a, r, &len);
    char err[256] = "";
    struct entry *e = entry_decode(raw, len, err, sizeof(err));

    if ((e != NULL) != ok)
        fail_msg("%s: expected %s, got %s (%s)", what, ok ? "accept" : "reject",
                 e != NULL ? "accept" : "reject", err);
    entry_destroy(&e);
    free(raw);
}

static void test_non_canonical_rejected(void **state)
{
    struct test_author a;
    struct raw_fields r;

    (void)state;
    test_author_init(&a, 3);
    r = raw_good();
    expect_decode(&a, &r, 1, "baseline");

    r = raw_good(), r.version = 2;
    expect_decode(&a, &r, 0, "unknown version");
    r = raw_good(), r.kind = 0;
    expect_decode(&a, &r, 0, "kind 0");
    r = raw_good(), r.kind = 0xfffe;
    expect_decode(&a, &r, 1, "unknown kind is stored and relayed");
    r = raw_good(), r.created = 1000;
    expect_decode(&a, &r, 0, "time before 2020");
    r = raw_good(), r.tags[0] = "b", r.tags[1] = "a";
    expect_decode(&a, &r, 0, "unsorted tags");
    r = raw_good(), r.tags[1] = "a";
    expect_decode(&a, &r, 0, "duplicate tags");
    r = raw_good(), r.tags[0] = "A";
    expect_decode(&a, &r, 0, "upper-case tag");
    r = raw_good(), r.tags[0] = "-a";
    expect_decode(&a, &r, 0, "tag starting with punctuation");
    r = raw_good(), r.tags[0] = "";
    expect_decode(&a, &r, 0, "empty tag");
    /* Tags in any language: each must be its own normal form (NFC, Unicode lower case). */
    r = raw_good(), r.tags[0] = "a", r.tags[1] = "태그";
    expect_decode(&a, &r, 1, "Korean tag");
    r = raw_good(), r.tags[0] = "eti\xcc\x87ket", r.tags[1] = "οδος";
    expect_decode(&a, &r, 1, "Turkish (i + U+0307) and Greek tags");
    r = raw_good(), r.tags[0] = "a", r.tags[1] = "ETİKET";
    expect_decode(&a, &r, 0, "upper-case Turkish tag");
    r = raw_good(), r.tags[0] = "a", r.tags[1] = "ΟΔΟΣ";
    expect_decode(&a, &r, 0, "upper-case Greek tag");
    r = raw_good(), r.tags[0] = "a", r.tags[1] = "cafe\xcc\x81";
    expect_decode(&a, &r, 0, "tag in NFD");
    r = raw_good(), r.tags[0] = "a", r.tags[1] = "\xe1\x84\x90\xe1\x85\xa2\xe1\x84\x80\xe1\x85\xb3";
    expect_decode(&a, &r, 0, "Korean tag as conjoining jamo (NFD)");
    r = raw_good(), r.tags[0] = "a", r.tags[1] = "\xe2\x84\xaa";
    expect_decode(&a, &r, 0, "KELVIN SIGN (not NFC)");
    r = raw_good(), r.tags[0] = "a", r.tags[1] = "ｖｐｎ";
    expect_decode(&a, &r, 1, "full-width letters (NFC keeps them)");
    r = raw_good(), r.tags[0] = "a", r.tags[1] = "b😀";
    expect_decode(&a, &r, 0, "symbol in a tag");
    r = raw_good(), r.tags[0] = "a", r.tags[1] = "태 그";
    expect_decode(&a, &r, 0, "space in a tag");
    r = raw_good(), r.tags[0] = "a", r.tags[1] = "\xcc\x87\x61"; /* U+0307, then a */
    expect_decode(&a, &r, 0, "tag starting with a combining mark");
    r = raw_good(), r.tags[0] = "a", r.tags[1] = "\xea\xb7";
    expect_decode(&a, &r, 0, "truncated UTF-8 in a tag");
    r = raw_good(), r.tags[0] = "a", r.tags[1] = "\xc2\x9b";
    expect_decode(&a, &r, 0, "C1 control as a tag");
    r = raw_good(), r.tags[0] = "가나다라마바사아자차카";
    expect_decode(&a, &r, 0, "tag over 32 bytes (11 syllables)");
    r = raw_good(), r.tags[0] = "태그", r.tags[1] = "eti\xcc\x87ket";
    expect_decode(&a, &r, 0, "Unicode tags not in byte order");
    r = raw_good(), r.nrefs = 2, memset(r.refs[0], 2, 32), memset(r.refs[1], 1, 32);
    expect_decode(&a, &r, 0, "unsorted refs");
    r = raw_good(), r.nrefs = 2, memset(r.refs[0], 1, 32), memset(r.refs[1], 1, 32);
    expect_decode(&a, &r, 0, "duplicate refs");
    r = raw_good(), r.nattrs = 2, r.keys[0] = "z", r.values[0] = "", r.keys[1] = "a",
    r.values[1] = "";
    expect_decode(&a, &r, 0, "unsorted attribute keys");
    r = raw_good(), r.keys[0] = "Urgent";
    expect_decode(&a, &r, 0, "bad attribute key");
    r = raw_good(), r.title = "two\nlines";
    expect_decode(&a, &r, 0, "newline in title");
    r = raw_good(), r.title = "\xc0\xaf";
    expect_decode(&a, &r, 0, "overlong UTF-8 in title");
    r = raw_good(), r.body = "\xed\xa0\x80";
    expect_decode(&a, &r, 0, "surrogate in body");
    r = raw_good(), r.body = "\xf4\x90\x80\x80";
    expect_decode(&a, &r, 0, "code point above U+10FFFF");
    r = raw_good(), r.body = "\xe2\x82";
    expect_decode(&a, &r, 0, "truncated UTF-8 sequence");
    r = raw_good(), r.body = "esc \x1b[31m";
    expect_decode(&a, &r, 0, "terminal escape in body");
    r = raw_good(), r.body = "c1 \xc2\x9b";
    expect_decode(&a, &r, 0, "C1 control in body");
    r = raw_good(), r.body = "ok ünïcödé ✓ 𝄞\n";
    expect_decode(&a, &r, 1, "valid multilingual body");
}

static void test_size_cap(void **state)
{
    struct test_author a;
    struct entry_fields f = {0};
    char *body = xmalloc(ENTRY_MAX_SIZE + 1);
    char err[256];
    struct entry *e;
    uint8_t *big;

    (void)state;
    test_author_init(&a, 4);
    memset(body, 'x', ENTRY_MAX_SIZE);
    body[ENTRY_MAX_SIZE] = '\0';
    f.kind = ENTRY_NOTE;
    f.created_ms = VEC_QUESTION_MS;
    f.title = "big";
    f.body = body;
    e = kinds_create(&f, a.pk, test_author_sign, &a, err, sizeof(err));
    assert_null(e);
    assert_non_null(strstr(err, "exceed"));
    body[ENTRY_MAX_SIZE - 200] = '\0';
    e = kinds_create(&f, a.pk, test_author_sign, &a, err, sizeof(err));
    assert_non_null(e);
    entry_destroy(&e);

    big = xcalloc(1, ENTRY_MAX_SIZE + 1);
    e = entry_decode(big, ENTRY_MAX_SIZE + 1, err, sizeof(err));
    assert_null(e);
    assert_non_null(strstr(err, "limit"));
    free(big);
    free(body);
}

static void test_kind_rules(void **state)
{
    struct test_author a;
    struct entry_fields f = {0};
    char err[256];
    struct entry *e;
    uint16_t k;

    (void)state;
    test_author_init(&a, 5);
    f.created_ms = VEC_QUESTION_MS;
    f.kind = ENTRY_ANSWER;
    f.body = "an answer to nothing";
    e = kinds_create(&f, a.pk, test_author_sign, &a, err, sizeof(err));
    assert_null(e);
    assert_non_null(strstr(err, "exactly one"));
    f.kind = ENTRY_QUESTION;
    f.body = NULL;
    e = kinds_create(&f, a.pk, test_author_sign, &a, err, sizeof(err));
    assert_null(e);
    assert_non_null(strstr(err, "title"));
    const char *bad_tags[] = {"Has Space"};
    f.title = "q";
    f.tags = bad_tags;
    f.ntags = 1;
    e = kinds_create(&f, a.pk, test_author_sign, &a, err, sizeof(err));
    assert_null(e);
    assert_non_null(strstr(err, "not a valid tag"));

    f.kind = ENTRY_ACCEPT;
    f.tags = NULL;
    f.ntags = 0;
    e = kinds_create(&f, a.pk, test_author_sign, &a, err, sizeof(err));
    assert_null(e);
    assert_non_null(strstr(err, "accept references exactly one"));

    assert_int_equal(kinds_parse("note", &k), 0);
    assert_int_equal(k, ENTRY_NOTE);
    assert_string_equal(kinds_name(ENTRY_ANSWER), "answer");
    assert_null(kinds_name(4096));
    assert_int_equal(kinds_parse("nonsense", &k), -1);
}

/* A signature by another key than the claimed author is rejected. */
static void test_wrong_signer_rejected(void **state)
{
    struct test_author a, b;
    struct entry_fields f = {0};
    char err[256];
    struct entry *e;

    (void)state;
    test_author_init(&a, 1);
    test_author_init(&b, 2);
    f.kind = ENTRY_QUESTION;
    f.created_ms = VEC_QUESTION_MS;
    f.title = "claims to be a, signed by b";
    e = kinds_create(&f, a.pk, test_author_sign, &b, err, sizeof(err));
    assert_null(e);
    assert_non_null(strstr(err, "signature"));
}

/* A signer that vouches for its key (ENTRY_SIGNED_BY_AUTHOR) is not verified again: entry_create
 * keeps what it returned (here a signature made over other bytes, to show no check ran). */
static int vouching_signer(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    static const uint8_t other[] = "not the message";

    (void)msg;
    (void)len;
    if (test_author_sign(ctx, other, sizeof(other), sig) != 0)
        return -1;
    return ENTRY_SIGNED_BY_AUTHOR;
}

static int failing_signer(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    (void)ctx;
    (void)msg;
    (void)len;
    memset(sig, 0, 64);
    return 2; /* neither 0 nor ENTRY_SIGNED_BY_AUTHOR: a failure */
}

static void test_vouching_signer_not_reverified(void **state)
{
    struct test_author a;
    struct entry_fields f = {0};
    char err[256];
    struct entry *e;

    (void)state;
    test_author_init(&a, 1);
    f.kind = ENTRY_QUESTION;
    f.created_ms = VEC_QUESTION_MS;
    f.title = "vouched for";
    e = kinds_create(&f, a.pk, vouching_signer, &a, err, sizeof(err));
    assert_non_null(e);
    assert_int_equal(entry_check_signature(e, err, sizeof(err)), -1);
    entry_destroy(&e);
    e = kinds_create(&f, a.pk, failing_signer, &a, err, sizeof(err));
    assert_null(e);
    assert_non_null(strstr(err, "signing failed"));
}

/* What a node from before tags in any language can take (entry_tags_plain): ASCII tags by the
 * old rule, refs or not; not a tag in any other language, nor bytes that end before the tags. */
static void test_tags_plain(void **state)
{
    struct test_author a;
    struct raw_fields r;
    size_t len, i, tags_end;
    uint8_t *raw;
    struct entry *e;
    const uint8_t *b;
    struct timespec t0, t1, t2;
    long plain = 0;

    (void)state;
    test_author_init(&a, 1);
    r = raw_good();
    raw = raw_encode(&a, &r, &len);
    assert_int_equal(entry_tags_plain(raw, len), 1);
    free(raw);
    r = raw_good(), r.nrefs = 2, memset(r.refs[0], 1, 32), memset(r.refs[1], 0xe1, 32);
    r.tags[0] = "c++", r.tags[1] = "k8s.io_x-y#z";
    raw = raw_encode(&a, &r, &len); /* refs full of bytes above 0x7f do not count */
    assert_int_equal(entry_tags_plain(raw, len), 1);
    free(raw);
    r = raw_good(), r.ntags = 0, r.title = "Etiketler ve 태그";
    raw = raw_encode(&a, &r, &len);
    assert_int_equal(entry_tags_plain(raw, len), 1); /* no tags; a Unicode title is fine */
    free(raw);
    r = raw_good(), r.nrefs = 1, memset(r.refs[0], 7, 32), r.kind = ENTRY_REVISION;
    r.tags[0] = "a", r.tags[1] = "태그";
    raw = raw_encode(&a, &r, &len); /* a revision's new tags, after a ref */
    assert_int_equal(entry_tags_plain(raw, len), 0);
    tags_end = 1 + 2 + 32 + 8 + 1 + 32 + 1 + 2 + 1 + strlen("태그");
    for (i = 0; i < tags_end; i++)
        assert_int_equal(entry_tags_plain(raw, i), 0);
    free(raw);
    e = vector_entry(&a, "unicode-tags");
    b = entry_bytes(e, &len);
    assert_int_equal(entry_tags_plain(b, len), 0);
    /* What it costs next to a decode (printed, not asserted: machines differ). */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < 20000; i++)
        plain += entry_tags_plain(b, len);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (i = 0; i < 20000; i++) {
        struct entry *d = entry_decode(b, len, NULL, 0);
        plain += d != NULL;
        entry_destroy(&d);
    }
    clock_gettime(CLOCK_MONOTONIC, &t2);
    assert_int_equal(plain, 20000);
    printf("entry_tags_plain %.0f ns, entry_decode %.0f ns (an entry with two Unicode tags)\n",
           ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 20000,
           ((double)(t2.tv_sec - t1.tv_sec) * 1e9 + (double)(t2.tv_nsec - t1.tv_nsec)) / 20000);
    entry_destroy(&e);
    e = vector_entry(&a, "question");
    b = entry_bytes(e, &len);
    assert_int_equal(entry_tags_plain(b, len), 1);
    entry_destroy(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_match_doc),
        cmocka_unit_test(test_round_trip_fields),
        cmocka_unit_test(test_every_bit_flip_rejected),
        cmocka_unit_test(test_truncation_and_trailing_rejected),
        cmocka_unit_test(test_non_canonical_rejected),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_kind_rules),
        cmocka_unit_test(test_wrong_signer_rejected),
        cmocka_unit_test(test_vouching_signer_not_reverified),
        cmocka_unit_test(test_tags_plain),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
