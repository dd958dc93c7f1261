#include "entry.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errmsg.h"
#include "text.h"
#include "xmalloc.h"

/* Prefix of every signed message, so an entry signature can never be mistaken for a signature
 * over anything else made with the same key. */
static const uint8_t entry_domain[] = "lore/entry/v1";
#define ENTRY_DOMAIN_LEN sizeof(entry_domain) /* includes the NUL */

struct entry {
    uint8_t *bytes; /* the encoded entry, signature included */
    size_t len;
    uint8_t id[ENTRY_ID_LEN];
    uint8_t version;
    uint16_t kind;
    const uint8_t *author; /* into bytes */
    uint64_t created_ms;
    size_t nrefs;
    const uint8_t *refs; /* into bytes, nrefs * ENTRY_ID_LEN */
    size_t ntags;
    const char *tags[ENTRY_MAX_TAGS];
    size_t nattrs;
    const char *attr_keys[ENTRY_MAX_ATTRS];
    const char *attr_values[ENTRY_MAX_ATTRS];
    const char *title;
    const char *body;
    size_t body_len;
    const uint8_t *sig; /* into bytes */
    char *strings;      /* NUL-terminated copies of every string field */
};

/*
 * Text rules shared by every string field: strict UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF), no NUL, no C0 or C1 control characters and no DEL — except tab, LF and CR where
 * multiline is set. Keeping control characters out means no entry can drive a colleague's terminal.
 */

int entry_tag_valid(const char *s)
{
    return text_tag_valid(s, strlen(s), ENTRY_TAG_MAX);
}

/* The offset of the reference count: version, kind, author, created_ms. */
#define ENTRY_REFS_AT (1 + 2 + ENTRY_KEY_LEN + 8)

int entry_tags_plain(const uint8_t *bytes, size_t len)
{
    size_t off = ENTRY_REFS_AT, ntags, tlen, i, k;

    if (len <= off)
        return 0;
    off += 1 + (size_t)bytes[off] * ENTRY_ID_LEN; /* the references */
    if (len <= off)
        return 0;
    ntags = bytes[off++];
    if (ntags > ENTRY_MAX_TAGS)
        return 0;
    for (i = 0; i < ntags; i++) {
        if (off >= len)
            return 0;
        tlen = bytes[off++];
        if (tlen == 0 || tlen > len - off)
            return 0;
        for (k = 0; k < tlen; k++) {
            uint8_t c = bytes[off + k];
            int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!alnum && (k == 0 || memchr(".+#_-", c, 5) == NULL))
                return 0;
        }
        off += tlen;
    }
    return 1;
}

static int entry_attr_key_valid_n(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > ENTRY_ATTR_KEY_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

/* Lexicographic order of byte strings (a proper prefix sorts first). */
static int entry_bytes_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);

    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* ---- decoding ---- */

struct entry_reader {
    const uint8_t *p;
    size_t len;
    size_t off;
};

static int reader_take(struct entry_reader *r, size_t n, const uint8_t **out)
{
    if (r->len - r->off < n)
        return -1;
    *out = r->p + r->off;
    r->off += n;
    return 0;
}

static int reader_uint(struct entry_reader *r, size_t width, uint64_t *v)
{
    const uint8_t *p;
    size_t i;

    if (reader_take(r, width, &p) != 0)
        return -1;
    *v = 0;
    for (i = 0; i < width; i++)
        *v = *v << 8 | p[i];
    return 0;
}

/* Copy n bytes into the string arena as a NUL-terminated string. */
static const char *entry_arena_put(char **cursor, const uint8_t *p, size_t n)
{
    char *s = *cursor;

    memcpy(s, p, n);
    s[n] = '\0';
    *cursor += n + 1;
    return s;
}

struct entry *entry_decode(const uint8_t *bytes, size_t len, char *err, size_t errlen)
{
    struct entry *e = NULL;
    struct entry_reader r = {bytes, len, 0};
    const uint8_t *p, *prev = NULL;
    size_t prevlen = 0, i;
    uint64_t v, n;
    char *cursor;
    int ok = 0;

    if (len > ENTRY_MAX_SIZE) {
        errmsg_set(err, errlen, "entry of %zu bytes exceeds the %u-byte limit", len,
                   ENTRY_MAX_SIZE);
        goto out;
    }
    if (len < 1 + 2 + ENTRY_KEY_LEN + 8 + 1 + 1 + 2 + 4 + 1 + ENTRY_SIG_LEN) {
        errmsg_set(err, errlen, "entry of %zu bytes is too short", len);
        goto out;
    }
    e = xcalloc(1, sizeof(*e));
    e->bytes = xmalloc(len);
    memcpy(e->bytes, bytes, len);
    e->len = len;
    r.p = e->bytes;
    /* Every string is shorter than the input and there are at most this many of them. */
    e->strings = xmalloc(len + 4 + ENTRY_MAX_TAGS + 2 * ENTRY_MAX_ATTRS);
    cursor = e->strings;

    e->version = e->bytes[0];
    r.off = 1;
    if (e->version != ENTRY_VERSION) {
        errmsg_set(err, errlen, "unknown entry format version %u", e->version);
        goto out;
    }
    (void)reader_uint(&r, 2, &v);
    e->kind = (uint16_t)v;
    if (e->kind == 0) {
        errmsg_set(err, errlen, "kind 0 is reserved");
        goto out;
    }
    (void)reader_take(&r, ENTRY_KEY_LEN, &e->author);
    (void)reader_uint(&r, 8, &e->created_ms);
    if (e->created_ms < ENTRY_MIN_TIME_MS || e->created_ms > ENTRY_MAX_TIME_MS) {
        errmsg_set(err, errlen, "creation time %llu ms is out of range",
                   (unsigned long long)e->created_ms);
        goto out;
    }

    if (reader_uint(&r, 1, &n) != 0 || n > ENTRY_MAX_REFS) {
        errmsg_set(err, errlen, "bad reference count");
        goto out;
    }
    e->nrefs = n;
    if (reader_take(&r, n * ENTRY_ID_LEN, &e->refs) != 0) {
        errmsg_set(err, errlen, "truncated references");
        goto out;
    }
    for (i = 1; i < e->nrefs; i++) {
        if (memcmp(e->refs + (i - 1) * ENTRY_ID_LEN, e->refs + i * ENTRY_ID_LEN, ENTRY_ID_LEN) >=
            0) {
            errmsg_set(err, errlen, "references are not in strictly ascending order");
            goto out;
        }
    }

    if (reader_uint(&r, 1, &n) != 0 || n > ENTRY_MAX_TAGS) {
        errmsg_set(err, errlen, "bad tag count");
        goto out;
    }
    e->ntags = n;
    for (i = 0; i < e->ntags; i++) {
        if (reader_uint(&r, 1, &v) != 0 || reader_take(&r, v, &p) != 0) {
            errmsg_set(err, errlen, "truncated tag");
            goto out;
        }
        if (!text_tag_valid((const char *)p, v, ENTRY_TAG_MAX)) {
            errmsg_set(err, errlen, "tag %zu is not a valid tag", i);
            goto out;
        }
        if (prev != NULL && entry_bytes_cmp(prev, prevlen, p, v) >= 0) {
            errmsg_set(err, errlen, "tags are not in strictly ascending order");
            goto out;
        }
        prev = p;
        prevlen = v;
        e->tags[i] = entry_arena_put(&cursor, p, v);
    }

    if (reader_uint(&r, 1, &n) != 0 || n > ENTRY_MAX_ATTRS) {
        errmsg_set(err, errlen, "bad attribute count");
        goto out;
    }
    e->nattrs = n;
    prev = NULL;
    for (i = 0; i < e->nattrs; i++) {
        if (reader_uint(&r, 1, &v) != 0 || reader_take(&r, v, &p) != 0) {
            errmsg_set(err, errlen, "truncated attribute key");
            goto out;
        }
        if (!entry_attr_key_valid_n((const char *)p, v)) {
            errmsg_set(err, errlen, "attribute key %zu is not valid", i);
            goto out;
        }
        if (prev != NULL && entry_bytes_cmp(prev, prevlen, p, v) >= 0) {
            errmsg_set(err, errlen, "attribute keys are not in strictly ascending order");
            goto out;
        }
        prev = p;
        prevlen = v;
        e->attr_keys[i] = entry_arena_put(&cursor, p, v);
        if (reader_uint(&r, 2, &v) != 0 || v > ENTRY_ATTR_VALUE_MAX ||
            reader_take(&r, v, &p) != 0) {
            errmsg_set(err, errlen, "truncated or oversize attribute value");
            goto out;
        }
        if (!text_valid(p, v, 0)) {
            errmsg_set(err, errlen, "attribute '%s' is not valid text", e->attr_keys[i]);
            goto out;
        }
        e->attr_values[i] = entry_arena_put(&cursor, p, v);
    }

    if (reader_uint(&r, 2, &v) != 0 || v > ENTRY_TITLE_MAX || reader_take(&r, v, &p) != 0) {
        errmsg_set(err, errlen, "truncated or oversize title");
        goto out;
    }
    if (!text_valid(p, v, 0)) {
        errmsg_set(err, errlen, "title is not valid single-line UTF-8 text");
        goto out;
    }
    e->title = entry_arena_put(&cursor, p, v);

    if (reader_uint(&r, 4, &v) != 0 || reader_take(&r, v, &p) != 0) {
        errmsg_set(err, errlen, "truncated body");
        goto out;
    }
    if (!text_valid(p, v, 1)) {
        errmsg_set(err, errlen, "body is not valid UTF-8 text");
        goto out;
    }
    e->body = entry_arena_put(&cursor, p, v);
    e->body_len = v;

    if (reader_take(&r, ENTRY_SIG_LEN, &e->sig) != 0) {
        errmsg_set(err, errlen, "truncated signature");
        goto out;
    }
    if (r.off != r.len) {
        errmsg_set(err, errlen, "%zu trailing bytes after the signature", r.len - r.off);
        goto out;
    }
    crypto_generichash(e->id, sizeof(e->id), e->bytes, e->len, NULL, 0);
    ok = 1;
out:
    if (!ok)
        entry_destroy(&e);
    return e;
}

void entry_destroy(struct entry **ep)
{
    struct entry *e;

    if (ep == NULL || *ep == NULL)
        return;
    e = *ep;
    free(e->bytes);
    free(e->strings);
    free(e);
    *ep = NULL;
}

/* The message an author signs: the domain prefix, then every byte before the signature. */
static uint8_t *entry_signed_message(const uint8_t *bytes, size_t len, size_t *mlen)
{
    uint8_t *m = xmalloc(ENTRY_DOMAIN_LEN + len);

    memcpy(m, entry_domain, ENTRY_DOMAIN_LEN);
    memcpy(m + ENTRY_DOMAIN_LEN, bytes, len);
    *mlen = ENTRY_DOMAIN_LEN + len;
    return m;
}

const uint8_t *entry_signed_author(const uint8_t *msg, size_t len)
{
    /* the domain, then the entry: version (1 byte), kind (2), author */
    if (len < ENTRY_DOMAIN_LEN + 3 + ENTRY_KEY_LEN ||
        memcmp(msg, entry_domain, ENTRY_DOMAIN_LEN) != 0)
        return NULL;
    return msg + ENTRY_DOMAIN_LEN + 3;
}

int entry_check_signature(const struct entry *e, char *err, size_t errlen)
{
    uint8_t *m;
    size_t mlen;
    int rc;

    m = entry_signed_message(e->bytes, e->len - ENTRY_SIG_LEN, &mlen);
    rc = crypto_sign_verify_detached(e->sig, m, mlen, e->author);
    free(m);
    if (rc != 0) {
        errmsg_set(err, errlen, "signature does not verify against the author's key");
        return -1;
    }
    return 0;
}

/* ---- encoding ---- */

static int entry_cmp_ref(const void *a, const void *b)
{
    return memcmp(a, b, ENTRY_ID_LEN);
}

static int entry_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int entry_cmp_attr(const void *a, const void *b)
{
    return strcmp(((const struct entry_attr *)a)->key, ((const struct entry_attr *)b)->key);
}

static int entry_put_str(struct buf *b, const char *s, size_t width)
{
    size_t n = strlen(s);
    int rc = -1;

    if (width == 1)
        rc = buf_append_u8(b, (uint8_t)n);
    else if (width == 2)
        rc = buf_append_u16be(b, (uint16_t)n);
    else
        rc = buf_append_u32be(b, (uint32_t)n);
    if (rc == 0)
        rc = buf_append(b, s, n);
    return rc;
}

struct entry *entry_create(const struct entry_fields *f, const uint8_t author[ENTRY_KEY_LEN],
                           entry_signer_fn sign, void *ctx, char *err, size_t errlen)
{
    struct entry *e = NULL;
    struct buf b;
    uint8_t(*refs)[ENTRY_ID_LEN] = NULL;
    const char **tags = NULL;
    struct entry_attr *attrs = NULL;
    const char *title = f->title != NULL ? f->title : "";
    const char *body = f->body != NULL ? f->body : "";
    uint8_t sig[ENTRY_SIG_LEN], *m = NULL;
    size_t i, nrefs = 0, ntags = 0, nattrs = 0, mlen;
    int signed_by;

    buf_init(&b, ENTRY_MAX_SIZE - ENTRY_SIG_LEN);
    if (f->kind == 0) {
        errmsg_set(err, errlen, "kind 0 is reserved");
        goto out;
    }
    if (f->nrefs > ENTRY_MAX_REFS || f->ntags > ENTRY_MAX_TAGS || f->nattrs > ENTRY_MAX_ATTRS) {
        errmsg_set(err, errlen, "too many references, tags or attributes (max %d, %d, %d)",
                   ENTRY_MAX_REFS, ENTRY_MAX_TAGS, ENTRY_MAX_ATTRS);
        goto out;
    }
    if (f->nrefs > 0) {
        refs = xreallocarray(NULL, f->nrefs, ENTRY_ID_LEN);
        memcpy(refs, f->refs, f->nrefs * ENTRY_ID_LEN);
        qsort(refs, f->nrefs, ENTRY_ID_LEN, entry_cmp_ref);
        for (i = 0; i < f->nrefs; i++)
            if (nrefs == 0 || memcmp(refs[nrefs - 1], refs[i], ENTRY_ID_LEN) != 0)
                memmove(refs[nrefs++], refs[i], ENTRY_ID_LEN);
    }
    tags = xreallocarray(NULL, f->ntags + 1, sizeof(*tags));
    for (i = 0; i < f->ntags; i++) {
        if (!entry_tag_valid(f->tags[i])) {
            errmsg_set(err, errlen,
                       "'%.*s' is not a valid tag (" TEXT_TAG_RULE ", at most %d bytes)",
                       text_prefix_len(f->tags[i], 40), f->tags[i], ENTRY_TAG_MAX);
            goto out;
        }
        tags[i] = f->tags[i];
    }
    qsort(tags, f->ntags, sizeof(*tags), entry_cmp_str);
    for (i = 0; i < f->ntags; i++)
        if (ntags == 0 || strcmp(tags[ntags - 1], tags[i]) != 0)
            tags[ntags++] = tags[i];
    attrs = xreallocarray(NULL, f->nattrs + 1, sizeof(*attrs));
    for (i = 0; i < f->nattrs; i++) {
        if (!entry_attr_key_valid_n(f->attrs[i].key, strlen(f->attrs[i].key)) ||
            strlen(f->attrs[i].value) > ENTRY_ATTR_VALUE_MAX ||
            !text_valid((const uint8_t *)f->attrs[i].value, strlen(f->attrs[i].value), 0)) {
            errmsg_set(err, errlen, "attribute '%.40s' is not valid", f->attrs[i].key);
            goto out;
        }
        attrs[i] = f->attrs[i];
    }
    qsort(attrs, f->nattrs, sizeof(*attrs), entry_cmp_attr);
    for (i = 0; i < f->nattrs; i++) {
        if (nattrs > 0 && strcmp(attrs[nattrs - 1].key, attrs[i].key) == 0) {
            if (strcmp(attrs[nattrs - 1].value, attrs[i].value) != 0) {
                errmsg_set(err, errlen, "attribute '%s' given twice", attrs[i].key);
                goto out;
            }
            continue;
        }
        attrs[nattrs++] = attrs[i];
    }
    if (strlen(title) > ENTRY_TITLE_MAX || !text_valid((const uint8_t *)title, strlen(title), 0)) {
        errmsg_set(err, errlen, "the title must be one line of UTF-8 text of at most %d bytes",
                   ENTRY_TITLE_MAX);
        goto out;
    }
    if (!text_valid((const uint8_t *)body, strlen(body), 1)) {
        errmsg_set(err, errlen, "the body must be UTF-8 text without control characters");
        goto out;
    }

    if (buf_append_u8(&b, ENTRY_VERSION) != 0 || buf_append_u16be(&b, f->kind) != 0 ||
        buf_append(&b, author, ENTRY_KEY_LEN) != 0 || buf_append_u64be(&b, f->created_ms) != 0 ||
        buf_append_u8(&b, (uint8_t)nrefs) != 0 || buf_append(&b, refs, nrefs * ENTRY_ID_LEN) != 0 ||
        buf_append_u8(&b, (uint8_t)ntags) != 0)
        goto toobig;
    for (i = 0; i < ntags; i++)
        if (entry_put_str(&b, tags[i], 1) != 0)
            goto toobig;
    if (buf_append_u8(&b, (uint8_t)nattrs) != 0)
        goto toobig;
    for (i = 0; i < nattrs; i++)
        if (entry_put_str(&b, attrs[i].key, 1) != 0 || entry_put_str(&b, attrs[i].value, 2) != 0)
            goto toobig;
    if (entry_put_str(&b, title, 2) != 0 || entry_put_str(&b, body, 4) != 0)
        goto toobig;

    m = entry_signed_message(b.data, b.len, &mlen);
    signed_by = sign(ctx, m, mlen, sig);
    if (signed_by != 0 && signed_by != ENTRY_SIGNED_BY_AUTHOR) {
        errmsg_set(err, errlen, "signing failed");
        goto out;
    }
    if (buf_append(&b, sig, sizeof(sig)) != 0)
        goto toobig;
    e = entry_decode(b.data, b.len, err, errlen);
    if (e != NULL && signed_by != ENTRY_SIGNED_BY_AUTHOR &&
        entry_check_signature(e, err, errlen) != 0)
        entry_destroy(&e);
    goto out;
toobig:
    errmsg_set(err, errlen, "the entry would exceed %u bytes", ENTRY_MAX_SIZE);
out:
    free(m);
    free(refs);
    free(tags);
    free(attrs);
    buf_free(&b);
    sodium_memzero(sig, sizeof(sig));
    return e;
}

/* ---- accessors ---- */

const uint8_t *entry_id(const struct entry *e)
{
    return e->id;
}

const uint8_t *entry_bytes(const struct entry *e, size_t *len)
{
    if (len != NULL)
        *len = e->len;
    return e->bytes;
}

uint8_t entry_version(const struct entry *e)
{
    return e->version;
}

uint16_t entry_kind(const struct entry *e)
{
    return e->kind;
}

const uint8_t *entry_author(const struct entry *e)
{
    return e->author;
}

uint64_t entry_created_ms(const struct entry *e)
{
    return e->created_ms;
}

size_t entry_nrefs(const struct entry *e)
{
    return e->nrefs;
}

const uint8_t *entry_ref(const struct entry *e, size_t i)
{
    return i < e->nrefs ? e->refs + i * ENTRY_ID_LEN : NULL;
}

size_t entry_ntags(const struct entry *e)
{
    return e->ntags;
}

const char *entry_tag(const struct entry *e, size_t i)
{
    return i < e->ntags ? e->tags[i] : NULL;
}

const char *entry_title(const struct entry *e)
{
    return e->title;
}

const char *entry_body(const struct entry *e)
{
    return e->body;
}

size_t entry_body_len(const struct entry *e)
{
    return e->body_len;
}

size_t entry_nattrs(const struct entry *e)
{
    return e->nattrs;
}

const char *entry_attr_key(const struct entry *e, size_t i)
{
    return i < e->nattrs ? e->attr_keys[i] : NULL;
}

const char *entry_attr_value(const struct entry *e, size_t i)
{
    return i < e->nattrs ? e->attr_values[i] : NULL;
}

const char *entry_attr_get(const struct entry *e, const char *key)
{
    size_t i;

    for (i = 0; i < e->nattrs; i++)
        if (strcmp(e->attr_keys[i], key) == 0)
            return e->attr_values[i];
    return NULL;
}

const uint8_t *entry_signature(const struct entry *e)
{
    return e->sig;
}
