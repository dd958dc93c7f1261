#include "recon.h"
#include "recon_int.h"

#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "xmalloc.h"

/* The wire format of docs/RECON.md: keys and bounds, range lists, varints, the strict decoder and
 * the bound encoder. What to say is decided in recon.c. */

/* ---- Keys ---- */

int recon_item_cmp(const struct recon_item *a, const struct recon_item *b)
{
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return memcmp(a->id, b->id, RECON_ID_LEN);
}

/* <0, 0, >0 as the item sorts before, at, or after the bound. */
int recon_item_bound_cmp(const struct recon_item *it, const struct recon_bound *b)
{
    if (b->inf)
        return -1;
    if (it->ts != b->ts)
        return it->ts < b->ts ? -1 : 1;
    return memcmp(it->id, b->id, RECON_ID_LEN);
}

int recon_bound_cmp(const struct recon_bound *a, const struct recon_bound *b)
{
    if (a->inf || b->inf)
        return (int)a->inf - (int)b->inf;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return memcmp(a->id, b->id, RECON_ID_LEN);
}

void recon_bound_min(struct recon_bound *b)
{
    memset(b, 0, sizeof(*b));
}

void recon_bound_inf(struct recon_bound *b)
{
    memset(b, 0, sizeof(*b));
    b->inf = 1;
}

/* The least bound above prev and at most cur (prev < cur): cur's timestamp alone if they differ,
 * else the shortest prefix of cur's id that exceeds prev's id. */
void recon_bound_between(const struct recon_item *prev, const struct recon_item *cur,
                         struct recon_bound *b)
{
    size_t i = 0;

    memset(b, 0, sizeof(*b));
    b->ts = cur->ts;
    if (prev->ts != cur->ts)
        return;
    while (i < RECON_ID_LEN - 1 && prev->id[i] == cur->id[i])
        i++;
    memcpy(b->id, cur->id, i + 1);
}

/* Significant bytes of a bound's id: trailing zeros are implied by the padding. */
static size_t recon_bound_prefix_len(const struct recon_bound *b)
{
    size_t n = RECON_ID_LEN;

    while (n > 0 && b->id[n - 1] == 0)
        n--;
    return n;
}

/* ---- Range lists ---- */

void recon_rlist_reset(struct recon_rlist *l)
{
    l->n = 0;
    l->nitems = 0;
    l->nbytes = 0;
}

void recon_rlist_free(struct recon_rlist *l)
{
    free(l->r);
    free(l->items);
    free(l->bits);
    memset(l, 0, sizeof(*l));
}

void recon_rlist_swap(struct recon_rlist *a, struct recon_rlist *b)
{
    struct recon_rlist t = *a;

    *a = *b;
    *b = t;
}

/* Append a copy of rg and of its n items (which replace rg's own item reference). */
void recon_rlist_push(struct recon_rlist *l, const struct recon_range *rg,
                      const struct recon_item *items, size_t n)
{
    struct recon_range *d;

    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->r = xreallocarray(l->r, l->cap, sizeof(*l->r));
    }
    if (n > l->capitems - l->nitems) {
        while (n > l->capitems - l->nitems)
            l->capitems = l->capitems ? 2 * l->capitems : 64;
        l->items = xreallocarray(l->items, l->capitems, sizeof(*l->items));
    }
    d = &l->r[l->n++];
    *d = *rg;
    d->off = l->nitems;
    d->n = n;
    if (n > 0)
        memcpy(l->items + l->nitems, items, n * sizeof(*items));
    l->nitems += n;
}

/* Append one item to the list's item storage (for the last range, which counts it itself). */
static void recon_rlist_add_item(struct recon_rlist *l, const struct recon_item *it)
{
    if (l->nitems == l->capitems) {
        l->capitems = l->capitems ? 2 * l->capitems : 64;
        l->items = xreallocarray(l->items, l->capitems, sizeof(*l->items));
    }
    l->items[l->nitems++] = *it;
}

/* ---- Varints: unsigned LEB128, at most 10 bytes, shortest form only ---- */

int recon_put_varint(struct buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;

    do {
        tmp[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v != 0)
            tmp[n] |= 0x80;
        n++;
    } while (v != 0);
    return buf_append(b, tmp, n);
}

static int recon_get_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;
    uint8_t c;

    for (i = 0; i < 10; i++) {
        if (*pos >= len)
            return -1;
        c = p[(*pos)++];
        if (i == 9 && c > 1)
            return -1; /* more than 64 bits */
        v |= (uint64_t)(c & 0x7f) << (7 * i);
        if ((c & 0x80) == 0) {
            if (c == 0 && i > 0)
                return -1; /* not the shortest form */
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* ---- Decoding ---- */

const char *recon_mode_name(uint8_t mode)
{
    static const char *const names[] = {"skip",  "fingerprint", "idlist",
                                        "defer", "hashlist",    "diff"};

    return mode < RECON_MODES_V2 ? names[mode] : "?";
}

/* The modes each side may send in each version. */
static int recon_mode_allowed(unsigned version, int from_initiator, uint8_t mode)
{
    if (version == 1)
        return mode <= RECON_DEFER;
    if (mode == RECON_SKIP || mode == RECON_FINGERPRINT || mode == RECON_DEFER)
        return 1;
    return from_initiator ? mode == RECON_HASHLIST : mode == RECON_IDLIST || mode == RECON_DIFF;
}

/* Append the bitmap bytes of the last range. */
static void recon_rlist_add_bits(struct recon_rlist *l, const uint8_t *p, size_t n)
{
    if (n > l->capbytes - l->nbytes) {
        while (n > l->capbytes - l->nbytes)
            l->capbytes = l->capbytes ? 2 * l->capbytes : 64;
        l->bits = xreallocarray(l->bits, l->capbytes, 1);
    }
    l->r[l->n - 1].boff = l->nbytes;
    if (n > 0)
        memcpy(l->bits + l->nbytes, p, n);
    l->nbytes += n;
}

/* Decode the items of the last range of l (an IDLIST or a DIFF's list) at *pos. */
static int recon_decode_items(const uint8_t *p, size_t len, size_t *pos, struct recon_rlist *l,
                              size_t nr, char *err, size_t errlen)
{
    struct recon_range *rg = &l->r[l->n - 1];
    struct recon_item it, prev_it;
    uint64_t count, v, ts = rg->lo.ts;
    size_t i;

    if (recon_get_varint(p, len, pos, &count) != 0) {
        errmsg_set(err, errlen, "range %zu: bad varint in id count", nr);
        return -1;
    }
    /* Every item takes at least RECON_ITEM_MIN bytes: this bounds the allocation. */
    if (count > (len - *pos) / RECON_ITEM_MIN) {
        errmsg_set(err, errlen, "range %zu: id list too long (%llu) for the message", nr,
                   (unsigned long long)count);
        return -1;
    }
    for (i = 0; i < count; i++) {
        if (recon_get_varint(p, len, pos, &v) != 0 || v > RECON_MAX_TS - ts) {
            errmsg_set(err, errlen, "range %zu: bad timestamp of item %zu", nr, i);
            return -1;
        }
        ts += v;
        if (len - *pos < RECON_ID_LEN) {
            errmsg_set(err, errlen, "range %zu: truncated id of item %zu", nr, i);
            return -1;
        }
        it.ts = ts;
        memcpy(it.id, p + *pos, RECON_ID_LEN);
        *pos += RECON_ID_LEN;
        if (recon_item_bound_cmp(&it, &rg->lo) < 0 || recon_item_bound_cmp(&it, &rg->hi) >= 0 ||
            (i > 0 && recon_item_cmp(&prev_it, &it) >= 0)) {
            errmsg_set(err, errlen, "range %zu: item %zu out of order or outside its range", nr, i);
            return -1;
        }
        recon_rlist_add_item(l, &it);
        rg = &l->r[l->n - 1];
        prev_it = it;
    }
    rg->n = (size_t)count;
    return 0;
}

/* Decode a HASHLIST's hashes (kept in the ids of items) at *pos. */
static int recon_decode_hashes(const uint8_t *p, size_t len, size_t *pos, struct recon_rlist *l,
                               size_t nr, char *err, size_t errlen)
{
    struct recon_item it;
    uint64_t count, i;

    if (recon_get_varint(p, len, pos, &count) != 0) {
        errmsg_set(err, errlen, "range %zu: bad varint in hash count", nr);
        return -1;
    }
    if (count > (len - *pos) / RECON_HASH_LEN) {
        errmsg_set(err, errlen, "range %zu: hash list too long (%llu) for the message", nr,
                   (unsigned long long)count);
        return -1;
    }
    memset(&it, 0, sizeof(it));
    for (i = 0; i < count; i++) {
        memcpy(it.id, p + *pos, RECON_HASH_LEN);
        *pos += RECON_HASH_LEN;
        recon_rlist_add_item(l, &it);
    }
    l->r[l->n - 1].n = (size_t)count;
    return 0;
}

/* Decode a DIFF's bitmap (then its items) at *pos. */
static int recon_decode_diff(const uint8_t *p, size_t len, size_t *pos, struct recon_rlist *l,
                             size_t nr, char *err, size_t errlen)
{
    uint64_t nbits;
    size_t nbytes;

    if (recon_get_varint(p, len, pos, &nbits) != 0) {
        errmsg_set(err, errlen, "range %zu: bad varint in bitmap length", nr);
        return -1;
    }
    if (nbits / 8 >= len - *pos) {
        errmsg_set(err, errlen, "range %zu: truncated bitmap", nr);
        return -1;
    }
    nbytes = (size_t)(nbits + 7) / 8;
    if (nbytes > len - *pos) {
        errmsg_set(err, errlen, "range %zu: truncated bitmap", nr);
        return -1;
    }
    if (nbits % 8 != 0 && (p[*pos + nbytes - 1] >> (nbits % 8)) != 0) {
        errmsg_set(err, errlen, "range %zu: bitmap bits set past its length", nr);
        return -1;
    }
    recon_rlist_add_bits(l, p + *pos, nbytes);
    l->r[l->n - 1].nbits = (size_t)nbits;
    *pos += nbytes;
    return recon_decode_items(p, len, pos, l, nr, err, errlen);
}

/* Decode a range's header byte: version 1 packs len << 2 | mode, version 2 len * 6 + mode. */
static int recon_decode_header(unsigned version, uint8_t h, uint8_t *mode, size_t *plen)
{
    if (version == 1) {
        *mode = h & 3;
        *plen = h >> 2;
    } else {
        *mode = h % RECON_MODES_V2;
        *plen = h / RECON_MODES_V2;
    }
    return *plen <= RECON_ID_LEN ? 0 : -1;
}

int recon_decode(const uint8_t *p, size_t len, unsigned *version, int from_initiator,
                 struct recon_rlist *l, char *err, size_t errlen)
{
    struct recon_range rg;
    uint64_t v, prev_ts = 0;
    size_t pos = 1, plen, nranges = 0;
    int prev_mode = -1, rc = -1;
    uint8_t h;

    recon_rlist_reset(l);
    if (len == 0) {
        errmsg_set(err, errlen, "empty message");
        goto out;
    }
    if ((*version == 0 && p[0] != 1 && p[0] != RECON_VERSION) ||
        (*version != 0 && p[0] != *version)) {
        errmsg_set(err, errlen, "unsupported reconciliation version %u", p[0]);
        goto out;
    }
    *version = p[0];
    memset(&rg, 0, sizeof(rg));
    recon_bound_min(&rg.lo);
    for (;;) {
        if (pos == len) {
            errmsg_set(err, errlen, "truncated message: no range reaches infinity");
            goto out;
        }
        if (recon_get_varint(p, len, &pos, &v) != 0) {
            errmsg_set(err, errlen, "range %zu: bad varint in bound", nranges);
            goto out;
        }
        memset(&rg.hi, 0, sizeof(rg.hi));
        if (v == 0) {
            rg.hi.inf = 1;
        } else if (v - 1 > RECON_MAX_TS - prev_ts) {
            errmsg_set(err, errlen, "range %zu: bound timestamp out of range", nranges);
            goto out;
        } else {
            rg.hi.ts = prev_ts + (v - 1);
        }
        if (pos == len) {
            errmsg_set(err, errlen, "range %zu: truncated header", nranges);
            goto out;
        }
        h = p[pos++];
        if (recon_decode_header(*version, h, &rg.mode, &plen) != 0 || (rg.hi.inf && plen != 0)) {
            errmsg_set(err, errlen, "range %zu: bad bound prefix length %zu", nranges, plen);
            goto out;
        }
        if (!recon_mode_allowed(*version, from_initiator, rg.mode)) {
            errmsg_set(err, errlen, "range %zu: %s not allowed from the %s", nranges,
                       recon_mode_name(rg.mode), from_initiator ? "initiator" : "responder");
            goto out;
        }
        if (plen > len - pos) {
            errmsg_set(err, errlen, "range %zu: truncated bound prefix", nranges);
            goto out;
        }
        memcpy(rg.hi.id, p + pos, plen);
        pos += plen;
        if (plen > 0 && rg.hi.id[plen - 1] == 0) {
            errmsg_set(err, errlen, "range %zu: bound prefix ends in a zero byte", nranges);
            goto out;
        }
        if (recon_bound_cmp(&rg.hi, &rg.lo) <= 0) {
            errmsg_set(err, errlen, "range %zu: bounds not increasing", nranges);
            goto out;
        }
        if (!rg.hi.inf)
            prev_ts = rg.hi.ts;
        if (rg.mode == RECON_SKIP && prev_mode == RECON_SKIP) {
            errmsg_set(err, errlen, "range %zu: two consecutive skip ranges", nranges);
            goto out;
        }
        if (rg.mode == RECON_DEFER && !rg.hi.inf) {
            errmsg_set(err, errlen, "range %zu: a defer range must be the last", nranges);
            goto out;
        }
        memset(rg.fp, 0, sizeof(rg.fp));
        if (rg.mode == RECON_FINGERPRINT) {
            if (len - pos < RECON_FP_LEN) {
                errmsg_set(err, errlen, "range %zu: truncated fingerprint", nranges);
                goto out;
            }
            memcpy(rg.fp, p + pos, RECON_FP_LEN);
            pos += RECON_FP_LEN;
        }
        recon_rlist_push(l, &rg, NULL, 0);
        if ((rg.mode == RECON_IDLIST &&
             recon_decode_items(p, len, &pos, l, nranges, err, errlen) != 0) ||
            (rg.mode == RECON_HASHLIST &&
             recon_decode_hashes(p, len, &pos, l, nranges, err, errlen) != 0) ||
            (rg.mode == RECON_DIFF &&
             recon_decode_diff(p, len, &pos, l, nranges, err, errlen) != 0))
            goto out;
        prev_mode = rg.mode;
        nranges++;
        if (rg.hi.inf)
            break;
        rg.lo = rg.hi;
    }
    if (pos != len) {
        errmsg_set(err, errlen, "%zu trailing bytes after the last range", len - pos);
        goto out;
    }
    rc = 0;
out:
    return rc;
}

/* ---- Encoding ---- */

/* Write bound b closing a range of the given mode. */
int recon_emit_bound(struct recon_emit *e, const struct recon_bound *b, uint8_t mode)
{
    size_t plen = b->inf ? 0 : recon_bound_prefix_len(b);
    int rc = -1;

    /* Bounds only increase within a message, and ts <= RECON_MAX_TS: no overflow here. */
    if (recon_put_varint(e->b, b->inf ? 0 : b->ts - e->prev_ts + 1) != 0 ||
        buf_append_u8(e->b, (uint8_t)(e->version == 1 ? plen << 2 | mode
                                                      : plen * RECON_MODES_V2 + mode)) != 0 ||
        buf_append(e->b, b->id, plen) != 0)
        goto out;
    if (!b->inf)
        e->prev_ts = b->ts;
    e->cursor = *b;
    rc = 0;
out:
    return rc;
}

/* Write the range [lo, hi) with mode, preceded by a SKIP range over any gap since the last one.
 * The caller writes the payload. */
int recon_emit_range(struct recon_emit *e, const struct recon_bound *lo,
                     const struct recon_bound *hi, uint8_t mode)
{
    if (recon_bound_cmp(lo, &e->cursor) != 0 && recon_emit_bound(e, lo, RECON_SKIP) != 0)
        return -1;
    if (mode == RECON_FINGERPRINT)
        e->nfp++;
    else if (mode == RECON_IDLIST || mode == RECON_HASHLIST)
        e->nlist++;
    else if (mode == RECON_DEFER)
        e->defer = 1;
    return recon_emit_bound(e, hi, mode);
}
