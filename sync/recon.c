#include "recon.h"

#include <endian.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "log.h"
#include "xmalloc.h"

/*
 * Design notes (the wire format itself is in docs/RECON.md).
 *
 * A message is a list of consecutive key ranges covering [min, infinity), each with a mode. The
 * peers alternate: initiator message j = 0, responder j = 1, initiator j = 2, ... A side answers
 * each FINGERPRINT range by comparing it with its own fingerprint of that range: equal ranges
 * are settled (SKIP); a differing range is listed (IDLIST) if it is small, otherwise split into
 * sub-ranges with their fingerprints. An IDLIST reaching the initiator settles its range (the
 * callbacks run); one reaching the responder is answered with the responder's own list, or with
 * a split if that list would be too long. Only the ranges a side sent as FINGERPRINT or IDLIST
 * may come back with work in them ("open" ranges); anything else is a protocol error, so a range
 * is settled (and its callbacks run) once.
 *
 * The branching factor shrinks with j so that a pair of sets differing in a few items reaches
 * lists of about RECON_LEAF items in the responder's third answer (j = 5): three round trips.
 * Later messages (many differences, or deferred work) split by the square root of what is left.
 *
 * When an answer would exceed max_msg, the work that does not fit is kept locally (the
 * "pending" list) and the message ends with one DEFER range from the first postponed range to
 * infinity: the peer answers it with SKIP, and the work is sent in the following messages.
 */

enum recon_mode {
    RECON_SKIP = 0,
    RECON_FINGERPRINT = 1,
    RECON_IDLIST = 2,
    RECON_DEFER = 3,
};

#define RECON_LEAF 4         /* target items per list after the last split */
#define RECON_ROUNDS_SPLIT 5 /* messages j = 0..4 split; j = 5 lists */
#define RECON_BRANCH_MAX 64  /* most sub-ranges per split */
#define RECON_LIST_INIT 2    /* the initiator lists a differing range of at most this many */
#define RECON_LIST_RESP 16   /* the responder lists a differing range of at most this many */
#define RECON_ITEM_MAX 42    /* longest encoded list item: 10-byte varint + id */
#define RECON_ITEM_MIN 33    /* shortest encoded list item: 1-byte varint + id */
#define RECON_BOUND_MAX 43   /* longest encoded bound: 10-byte varint + header + prefix */
#define RECON_RESERVE 64     /* room kept for the closing SKIP/DEFER ranges */
#define RECON_SPLIT_COST_MAX (RECON_BRANCH_MAX * (RECON_BOUND_MAX + RECON_FP_LEN))

_Static_assert(RECON_SPLIT_COST_MAX + RECON_RESERVE + 1 < RECON_MIN_MSG,
               "any split fits in an empty message");
_Static_assert(sizeof(struct recon_item) == 40, "items are 40 bytes");

/* A range bound: the least key of what follows it. An id shorter than 32 bytes on the wire is
 * padded with zeros; inf is the bound above every key. */
struct recon_bound {
    uint64_t ts;
    uint8_t id[RECON_ID_LEN];
    uint8_t inf;
};

/* A range [lo, hi) with its mode, fingerprint, and list items (items[off .. off + n) of its
 * list). */
struct recon_range {
    struct recon_bound lo, hi;
    uint8_t mode;
    uint8_t fp[RECON_FP_LEN];
    size_t off, n;
};

/* A growable list of ranges with the items of their lists. */
struct recon_rlist {
    struct recon_range *r;
    size_t n, cap;
    struct recon_item *items;
    size_t nitems, capitems;
};

struct recon_set {
    struct recon_item *items;
    size_t n, cap;
    size_t sorted; /* items[0 .. sorted) are sorted and distinct */
};

void recon_set_clear(struct recon_set *s)
{
    s->n = 0;
    s->sorted = 0;
}

struct recon {
    struct recon_set *set; /* borrowed */
    int initiator;
    size_t max_msg;
    recon_item_fn have, need;
    void *ctx;
    unsigned msgno; /* messages so far in the session, both directions */
    int started, done;
    struct recon_rlist open;    /* my last message's ranges the peer may answer with work */
    struct recon_rlist pending; /* work postponed behind my last DEFER, in key order */
    struct recon_rlist in;      /* the decoded incoming message (scratch) */
    struct recon_rlist nopen, npending;
    struct buf scratch;
};

/* Where a message is being written, and what it said so far. */
struct recon_emit {
    struct buf *b;
    struct recon_bound cursor; /* upper bound of the last range written */
    uint64_t prev_ts;          /* timestamp of the last finite bound written */
    size_t nfp, nlist;
    int defer;
};

/* ---- Keys ---- */

static int recon_item_cmp(const struct recon_item *a, const struct recon_item *b)
{
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return memcmp(a->id, b->id, RECON_ID_LEN);
}

static int recon_item_qcmp(const void *a, const void *b)
{
    return recon_item_cmp(a, b);
}

/* <0, 0, >0 as the item sorts before, at, or after the bound. */
static int recon_item_bound_cmp(const struct recon_item *it, const struct recon_bound *b)
{
    if (b->inf)
        return -1;
    if (it->ts != b->ts)
        return it->ts < b->ts ? -1 : 1;
    return memcmp(it->id, b->id, RECON_ID_LEN);
}

static int recon_bound_cmp(const struct recon_bound *a, const struct recon_bound *b)
{
    if (a->inf || b->inf)
        return (int)a->inf - (int)b->inf;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return memcmp(a->id, b->id, RECON_ID_LEN);
}

static void recon_bound_min(struct recon_bound *b)
{
    memset(b, 0, sizeof(*b));
}

static void recon_bound_inf(struct recon_bound *b)
{
    memset(b, 0, sizeof(*b));
    b->inf = 1;
}

/* The least bound above prev and at most cur (prev < cur): cur's timestamp alone if they differ,
 * else the shortest prefix of cur's id that exceeds prev's id. */
static void recon_bound_between(const struct recon_item *prev, const struct recon_item *cur,
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

/* ---- Sets ---- */

struct recon_set *recon_set_new(void)
{
    if (sodium_init() < 0)
        fatalx("recon: libsodium initialisation failed");
    return xcalloc(1, sizeof(struct recon_set));
}

void recon_set_destroy(struct recon_set **sp)
{
    if (sp == NULL || *sp == NULL)
        return;
    free((*sp)->items);
    free(*sp);
    *sp = NULL;
}

void recon_set_reserve(struct recon_set *s, size_t n)
{
    if (n <= s->cap - s->n)
        return;
    s->cap = s->n + n;
    s->items = xreallocarray(s->items, s->cap, sizeof(*s->items));
}

static void recon_set_grow(struct recon_set *s)
{
    if (s->n < s->cap)
        return;
    recon_set_reserve(s, s->cap < 1024 ? 1024 : s->cap);
}

int recon_set_add(struct recon_set *s, uint64_t ts, const uint8_t id[RECON_ID_LEN])
{
    struct recon_item *it;

    if (ts > RECON_MAX_TS)
        return -1;
    recon_set_grow(s);
    it = &s->items[s->n++];
    it->ts = ts;
    memcpy(it->id, id, RECON_ID_LEN);
    return 0;
}

int recon_set_add_items(struct recon_set *s, const struct recon_item *items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (items[i].ts > RECON_MAX_TS)
            return -1;
    recon_set_reserve(s, n);
    if (n > 0)
        memcpy(s->items + s->n, items, n * sizeof(*items));
    s->n += n;
    return 0;
}

void recon_set_sort(struct recon_set *s)
{
    size_t k = s->n - s->sorted, i, j, w, out;
    struct recon_item *tail;

    if (k == 0)
        return;
    qsort(s->items + s->sorted, k, sizeof(*s->items), recon_item_qcmp);
    if (s->sorted > 0) {
        /* Merge the sorted tail into the sorted head, from the back. */
        tail = xreallocarray(NULL, k, sizeof(*tail));
        memcpy(tail, s->items + s->sorted, k * sizeof(*tail));
        i = s->sorted;
        j = k;
        w = s->n;
        while (j > 0) {
            if (i > 0 && recon_item_cmp(&s->items[i - 1], &tail[j - 1]) > 0)
                s->items[--w] = s->items[--i];
            else
                s->items[--w] = tail[--j];
        }
        free(tail);
    }
    for (i = 1, out = 1; i < s->n; i++)
        if (recon_item_cmp(&s->items[out - 1], &s->items[i]) != 0)
            s->items[out++] = s->items[i];
    s->n = out;
    s->sorted = out;
}

size_t recon_set_size(struct recon_set *s)
{
    recon_set_sort(s);
    return s->n;
}

/* First index whose item is >= b (s sorted). */
static size_t recon_set_lower(const struct recon_set *s, const struct recon_bound *b)
{
    size_t lo = 0, hi = s->n, mid;

    if (b->inf)
        return s->n;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (recon_item_bound_cmp(&s->items[mid], b) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int recon_set_contains(struct recon_set *s, uint64_t ts, const uint8_t id[RECON_ID_LEN])
{
    struct recon_bound b = {0};
    size_t i;

    recon_set_sort(s);
    b.ts = ts;
    memcpy(b.id, id, RECON_ID_LEN);
    i = recon_set_lower(s, &b);
    return i < s->n && recon_item_bound_cmp(&s->items[i], &b) == 0;
}

/* Fingerprint of n items: BLAKE2b-256 of (sum of the ids as 256-bit little-endian integers mod
 * 2^256, 32 bytes LE) || (n as u64 LE), truncated to 16 bytes. */
static void recon_fingerprint(const struct recon_item *it, size_t n, uint8_t fp[RECON_FP_LEN])
{
    uint64_t sum[4] = {0, 0, 0, 0}, x, t, u, carry;
    uint8_t in[40], h[crypto_generichash_BYTES];
    size_t i, k;

    for (i = 0; i < n; i++) {
        carry = 0;
        for (k = 0; k < 4; k++) {
            memcpy(&x, it[i].id + 8 * k, 8);
            x = le64toh(x);
            t = sum[k] + x;
            u = t + carry;
            carry = (uint64_t)(t < x) | (uint64_t)(u < t);
            sum[k] = u;
        }
    }
    for (k = 0; k < 4; k++) {
        x = htole64(sum[k]);
        memcpy(in + 8 * k, &x, 8);
    }
    x = htole64((uint64_t)n);
    memcpy(in + 32, &x, 8);
    crypto_generichash(h, sizeof(h), in, sizeof(in), NULL, 0);
    memcpy(fp, h, RECON_FP_LEN);
}

void recon_set_fingerprint(struct recon_set *s, uint8_t fp[RECON_FP_LEN])
{
    recon_set_sort(s);
    recon_fingerprint(s->items, s->n, fp);
}

/* ---- Range lists ---- */

static void recon_rlist_reset(struct recon_rlist *l)
{
    l->n = 0;
    l->nitems = 0;
}

static void recon_rlist_free(struct recon_rlist *l)
{
    free(l->r);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

static void recon_rlist_swap(struct recon_rlist *a, struct recon_rlist *b)
{
    struct recon_rlist t = *a;

    *a = *b;
    *b = t;
}

/* Append a copy of rg and of its n items (which replace rg's own item reference). */
static void recon_rlist_push(struct recon_rlist *l, const struct recon_range *rg,
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

static int recon_put_varint(struct buf *b, uint64_t v)
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

static const char *recon_mode_name(uint8_t mode)
{
    static const char *const names[] = {"skip", "fingerprint", "idlist", "defer"};

    return mode < 4 ? names[mode] : "?";
}

/* Strictly decode a whole message into l. Returns 0, or -1 with a message in err. */
static int recon_decode(const uint8_t *p, size_t len, struct recon_rlist *l, char *err,
                        size_t errlen)
{
    struct recon_range rg;
    struct recon_item it, prev_it;
    uint64_t v, count, prev_ts = 0, ts;
    size_t pos = 1, plen, i, nranges = 0;
    int prev_mode = -1, rc = -1;
    uint8_t h;

    recon_rlist_reset(l);
    if (len == 0) {
        errmsg_set(err, errlen, "empty message");
        goto out;
    }
    if (p[0] != RECON_VERSION) {
        errmsg_set(err, errlen, "unsupported reconciliation version %u", p[0]);
        goto out;
    }
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
        rg.mode = h & 3;
        plen = h >> 2;
        if (plen > RECON_ID_LEN || (rg.hi.inf && plen != 0)) {
            errmsg_set(err, errlen, "range %zu: bad bound prefix length %zu", nranges, plen);
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
        count = 0;
        if (rg.mode == RECON_FINGERPRINT) {
            if (len - pos < RECON_FP_LEN) {
                errmsg_set(err, errlen, "range %zu: truncated fingerprint", nranges);
                goto out;
            }
            memcpy(rg.fp, p + pos, RECON_FP_LEN);
            pos += RECON_FP_LEN;
        } else {
            memset(rg.fp, 0, sizeof(rg.fp));
        }
        rg.off = l->nitems;
        rg.n = 0;
        recon_rlist_push(l, &rg, NULL, 0);
        if (rg.mode == RECON_IDLIST) {
            if (recon_get_varint(p, len, &pos, &count) != 0) {
                errmsg_set(err, errlen, "range %zu: bad varint in id count", nranges);
                goto out;
            }
            /* Every item takes at least RECON_ITEM_MIN bytes: this bounds the allocation. */
            if (count > (len - pos) / RECON_ITEM_MIN) {
                errmsg_set(err, errlen, "range %zu: id list too long (%llu) for the message",
                           nranges, (unsigned long long)count);
                goto out;
            }
            ts = rg.lo.ts;
            for (i = 0; i < count; i++) {
                if (recon_get_varint(p, len, &pos, &v) != 0 || v > RECON_MAX_TS - ts) {
                    errmsg_set(err, errlen, "range %zu: bad timestamp of item %zu", nranges, i);
                    goto out;
                }
                ts += v;
                if (len - pos < RECON_ID_LEN) {
                    errmsg_set(err, errlen, "range %zu: truncated id of item %zu", nranges, i);
                    goto out;
                }
                it.ts = ts;
                memcpy(it.id, p + pos, RECON_ID_LEN);
                pos += RECON_ID_LEN;
                if (recon_item_bound_cmp(&it, &rg.lo) < 0 ||
                    recon_item_bound_cmp(&it, &rg.hi) >= 0 ||
                    (i > 0 && recon_item_cmp(&prev_it, &it) >= 0)) {
                    errmsg_set(err, errlen, "range %zu: item %zu out of order or outside its range",
                               nranges, i);
                    goto out;
                }
                recon_rlist_add_item(l, &it);
                prev_it = it;
            }
            l->r[l->n - 1].n = (size_t)count;
        }
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
static int recon_emit_bound(struct recon_emit *e, const struct recon_bound *b, uint8_t mode)
{
    size_t plen = b->inf ? 0 : recon_bound_prefix_len(b);
    int rc = -1;

    /* Bounds only increase within a message, and ts <= RECON_MAX_TS: no overflow here. */
    if (recon_put_varint(e->b, b->inf ? 0 : b->ts - e->prev_ts + 1) != 0 ||
        buf_append_u8(e->b, (uint8_t)(plen << 2 | mode)) != 0 || buf_append(e->b, b->id, plen) != 0)
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
static int recon_emit_range(struct recon_emit *e, const struct recon_bound *lo,
                            const struct recon_bound *hi, uint8_t mode)
{
    if (recon_bound_cmp(lo, &e->cursor) != 0 && recon_emit_bound(e, lo, RECON_SKIP) != 0)
        return -1;
    if (mode == RECON_FINGERPRINT)
        e->nfp++;
    else if (mode == RECON_IDLIST)
        e->nlist++;
    else if (mode == RECON_DEFER)
        e->defer = 1;
    return recon_emit_bound(e, hi, mode);
}

static void recon_open_add(struct recon_rlist *open, const struct recon_bound *lo,
                           const struct recon_bound *hi)
{
    struct recon_range rg;

    memset(&rg, 0, sizeof(rg));
    rg.lo = *lo;
    rg.hi = *hi;
    recon_rlist_push(open, &rg, NULL, 0);
}

/* List my items [a, b) as the range [lo, hi). */
static int recon_emit_list(struct recon *r, struct recon_emit *e, const struct recon_bound *lo,
                           const struct recon_bound *hi, size_t a, size_t b)
{
    const struct recon_item *it = r->set->items;
    uint64_t prev = lo->ts;
    size_t i;

    if (recon_emit_range(e, lo, hi, RECON_IDLIST) != 0 || recon_put_varint(e->b, b - a) != 0)
        return -1;
    for (i = a; i < b; i++) {
        if (recon_put_varint(e->b, it[i].ts - prev) != 0 ||
            buf_append(e->b, it[i].id, RECON_ID_LEN) != 0)
            return -1;
        prev = it[i].ts;
    }
    if (r->initiator)
        recon_open_add(&r->nopen, lo, hi); /* the responder answers it */
    return 0;
}

/* How many sub-ranges to split n items into in message j: enough that the splits left before
 * message RECON_ROUNDS_SPLIT bring ranges down to about RECON_LEAF items. */
static size_t recon_branches(size_t n, unsigned j)
{
    unsigned levels = j < RECON_ROUNDS_SPLIT ? RECON_ROUNDS_SPLIT - j : 2, k;
    size_t b;
    uint64_t reach;

    for (b = 2; b < RECON_BRANCH_MAX; b++) {
        reach = RECON_LEAF;
        for (k = 0; k < levels && reach < n; k++)
            reach *= b;
        if (reach >= n)
            break;
    }
    return b < n ? b : n;
}

/* Split my items [a, b) (b - a >= 2) of the range [lo, hi) into sub-ranges with fingerprints. */
static int recon_emit_split(struct recon *r, struct recon_emit *e, const struct recon_bound *lo,
                            const struct recon_bound *hi, size_t a, size_t b, unsigned j)
{
    const struct recon_item *it = r->set->items;
    size_t n = b - a, nb = recon_branches(n, j), k, s, t;
    struct recon_bound sublo = *lo, subhi;
    uint8_t fp[RECON_FP_LEN];

    for (k = 0; k < nb; k++) {
        s = a + (size_t)((uint64_t)n * k / nb);
        t = a + (size_t)((uint64_t)n * (k + 1) / nb);
        if (k + 1 == nb)
            subhi = *hi;
        else
            recon_bound_between(&it[t - 1], &it[t], &subhi);
        recon_fingerprint(it + s, t - s, fp);
        if (recon_emit_range(e, &sublo, &subhi, RECON_FINGERPRINT) != 0 ||
            buf_append(e->b, fp, RECON_FP_LEN) != 0)
            return -1;
        recon_open_add(&r->nopen, &sublo, &subhi);
        sublo = subhi;
    }
    return 0;
}

/* My items [a, b) differ from the peer's in [lo, hi): list them if few, else split. */
static int recon_emit_differ(struct recon *r, struct recon_emit *e, const struct recon_bound *lo,
                             const struct recon_bound *hi, size_t a, size_t b, unsigned j)
{
    size_t limit = r->initiator ? RECON_LIST_INIT : RECON_LIST_RESP;

    if (b - a <= limit)
        return recon_emit_list(r, e, lo, hi, a, b);
    return recon_emit_split(r, e, lo, hi, a, b, j);
}

/* The initiator settles a range from the peer's complete list of it. */
static void recon_settle(struct recon *r, size_t a, size_t b, const struct recon_item *theirs,
                         size_t n)
{
    const struct recon_item *mine = r->set->items;
    size_t i = a, k = 0;
    int c;

    while (i < b || k < n) {
        c = i == b ? 1 : k == n ? -1 : recon_item_cmp(&mine[i], &theirs[k]);
        if (c < 0) {
            if (r->have != NULL)
                r->have(r->ctx, mine[i].ts, mine[i].id);
            i++;
        } else if (c > 0) {
            if (r->need != NULL)
                r->need(r->ctx, theirs[k].ts, theirs[k].id);
            k++;
        } else {
            i++;
            k++;
        }
    }
}

/* Internal work mode: the initiator's whole set, treated as differing. */
#define RECON_WHOLE 4

/* Answer one work range w (my items [a, b)) into e. */
static int recon_answer(struct recon *r, struct recon_emit *e, const struct recon_range *w,
                        const struct recon_item *witems, unsigned j)
{
    const struct recon_item *mine = r->set->items;
    size_t a = recon_set_lower(r->set, &w->lo), b = recon_set_lower(r->set, &w->hi), i;
    uint8_t fp[RECON_FP_LEN];

    if (w->mode == RECON_WHOLE)
        return recon_emit_differ(r, e, &w->lo, &w->hi, a, b, j);
    if (w->mode == RECON_FINGERPRINT) {
        recon_fingerprint(mine + a, b - a, fp);
        if (sodium_memcmp(fp, w->fp, RECON_FP_LEN) == 0)
            return 0;
        return recon_emit_differ(r, e, &w->lo, &w->hi, a, b, j);
    }
    /* The responder got the initiator's list: equal lists settle the range; otherwise send
     * mine, all of it (what the initiator lacks is among it), unless that is too long. */
    if (b - a == w->n) {
        for (i = 0; i < w->n && recon_item_cmp(&mine[a + i], &witems[i]) == 0; i++)
            ;
        if (i == w->n)
            return 0;
    }
    if (b - a <= RECON_LIST_RESP || b - a <= r->max_msg / 2 / RECON_ITEM_MAX)
        return recon_emit_list(r, e, &w->lo, &w->hi, a, b);
    return recon_emit_split(r, e, &w->lo, &w->hi, a, b, j);
}

static int recon_range_qcmp(const void *a, const void *b)
{
    return recon_bound_cmp(&((const struct recon_range *)a)->lo,
                           &((const struct recon_range *)b)->lo);
}

/* Check that every work range of the peer's message lies inside one of my open ranges. */
static int recon_check_open(const struct recon *r, char *err, size_t errlen)
{
    const struct recon_rlist *in = &r->in;
    size_t i, o = 0;

    for (i = 0; i < in->n; i++) {
        const struct recon_range *rg = &in->r[i];
        if (rg->mode != RECON_FINGERPRINT && rg->mode != RECON_IDLIST)
            continue;
        while (o < r->open.n && recon_bound_cmp(&r->open.r[o].hi, &rg->lo) <= 0)
            o++;
        if (o == r->open.n || recon_bound_cmp(&r->open.r[o].lo, &rg->lo) > 0 ||
            recon_bound_cmp(&rg->hi, &r->open.r[o].hi) > 0) {
            errmsg_set(err, errlen, "range %zu: %s where nothing was asked", i,
                       recon_mode_name(rg->mode));
            return -1;
        }
    }
    return 0;
}

/*
 * Answer the work in r->in (the peer's message; NULL work list for the first message) and in
 * r->pending, in key order, into out. peer_defer: the peer's message ended with DEFER from
 * defer_lo.
 */
static int recon_run(struct recon *r, const struct recon_range *whole, int peer_defer,
                     const struct recon_bound *defer_lo, struct buf *out, char *err, size_t errlen)
{
    struct recon_emit e, se;
    const struct recon_range *w;
    const struct recon_item *witems;
    size_t ii = 0, pi = 0, saved_open, i;
    unsigned j = r->msgno;
    int overflow = 0, rc = -1, from_in;

    recon_set_sort(r->set);
    recon_rlist_reset(&r->nopen);
    recon_rlist_reset(&r->npending);
    memset(&e, 0, sizeof(e));
    e.b = out;
    recon_bound_min(&e.cursor);
    if (buf_append_u8(out, RECON_VERSION) != 0)
        goto fail;
    for (;;) {
        /* Next work range in key order: the peer's, or one I postponed. */
        while (ii < r->in.n && r->in.r[ii].mode != RECON_FINGERPRINT &&
               r->in.r[ii].mode != RECON_IDLIST)
            ii++;
        if (whole != NULL) {
            w = whole;
            witems = NULL;
            from_in = 0;
        } else if (ii < r->in.n && (pi == r->pending.n ||
                                    recon_bound_cmp(&r->in.r[ii].lo, &r->pending.r[pi].lo) < 0)) {
            w = &r->in.r[ii++];
            witems = r->in.items + w->off;
            from_in = 1;
        } else if (pi < r->pending.n) {
            w = &r->pending.r[pi++];
            witems = r->pending.items + w->off;
            from_in = 0;
        } else {
            break;
        }
        if (from_in && r->initiator && w->mode == RECON_IDLIST) {
            recon_settle(r, recon_set_lower(r->set, &w->lo), recon_set_lower(r->set, &w->hi),
                         witems, w->n);
        } else if (overflow) {
            recon_rlist_push(&r->npending, w, witems, w->n);
        } else {
            se = e;
            se.b = &r->scratch;
            buf_reset(&r->scratch);
            saved_open = r->nopen.n;
            if (recon_answer(r, &se, w, witems, j) != 0 ||
                out->len + r->scratch.len + RECON_RESERVE > r->max_msg) {
                if (out->len == 1) {
                    errmsg_set(err, errlen, "internal: one range's answer exceeds max_msg");
                    goto fail;
                }
                r->nopen.n = saved_open;
                overflow = 1;
                recon_rlist_push(&r->npending, w, witems, w->n);
            } else {
                if (buf_append(out, r->scratch.data, r->scratch.len) != 0)
                    goto fail;
                se.b = out;
                e = se;
            }
        }
        if (whole != NULL)
            break;
    }
    if (r->npending.n > 0) {
        if (recon_emit_range(&e, &r->npending.r[0].lo, &(struct recon_bound){.inf = 1},
                             RECON_DEFER) != 0)
            goto fail;
    } else if (!e.cursor.inf) {
        struct recon_bound inf;
        recon_bound_inf(&inf);
        if (recon_emit_bound(&e, &inf, RECON_SKIP) != 0)
            goto fail;
    }
    /* Ranges of my last message that the peer postponed stay open. */
    if (peer_defer)
        for (i = 0; i < r->open.n; i++)
            if (recon_bound_cmp(&r->open.r[i].lo, defer_lo) >= 0)
                recon_open_add(&r->nopen, &r->open.r[i].lo, &r->open.r[i].hi);
    /* Disjoint, but the kept ones may lie between the new ones (my postponed work comes from
     * older messages): sort by lower bound for recon_check_open. */
    if (peer_defer && r->nopen.n > 1)
        qsort(r->nopen.r, r->nopen.n, sizeof(*r->nopen.r), recon_range_qcmp);
    recon_rlist_swap(&r->open, &r->nopen);
    recon_rlist_swap(&r->pending, &r->npending);
    r->msgno++;
    if (r->initiator) {
        if (e.nfp == 0 && e.nlist == 0 && !e.defer && !peer_defer) {
            r->done = 1;
            buf_reset(out);
        }
    } else {
        r->done = e.nfp == 0 && !e.defer && !peer_defer;
    }
    rc = 0;
    goto out;
fail:
    if (err != NULL && errlen > 0 && err[0] == '\0')
        errmsg_set(err, errlen, "answer does not fit the output buffer");
    buf_reset(out);
out:
    return rc;
}

/* ---- Sessions ---- */

struct recon *recon_new(struct recon_set *set, int initiator, size_t max_msg)
{
    struct recon *r = xcalloc(1, sizeof(*r));
    struct recon_bound lo, hi;

    if (sodium_init() < 0)
        fatalx("recon: libsodium initialisation failed");
    if (max_msg == 0)
        max_msg = RECON_DEFAULT_MSG;
    if (max_msg < RECON_MIN_MSG)
        max_msg = RECON_MIN_MSG;
    if (max_msg > RECON_MAX_MSG)
        max_msg = RECON_MAX_MSG;
    r->set = set;
    r->initiator = initiator != 0;
    r->max_msg = max_msg;
    buf_init(&r->scratch, max_msg);
    if (!r->initiator) {
        /* The initiator's first message may put work anywhere. */
        recon_bound_min(&lo);
        recon_bound_inf(&hi);
        recon_open_add(&r->open, &lo, &hi);
    }
    return r;
}

void recon_destroy(struct recon **rp)
{
    struct recon *r;

    if (rp == NULL || *rp == NULL)
        return;
    r = *rp;
    recon_rlist_free(&r->open);
    recon_rlist_free(&r->pending);
    recon_rlist_free(&r->in);
    recon_rlist_free(&r->nopen);
    recon_rlist_free(&r->npending);
    buf_free(&r->scratch);
    free(r);
    *rp = NULL;
}

void recon_set_callbacks(struct recon *r, recon_item_fn have, recon_item_fn need, void *ctx)
{
    r->have = have;
    r->need = need;
    r->ctx = ctx;
}

int recon_done(const struct recon *r)
{
    return r->done;
}

int recon_initiate(struct recon *r, struct buf *out, char *err, size_t errlen)
{
    struct recon_range whole;
    int rc = -1;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    buf_reset(out);
    if (!r->initiator || r->started) {
        errmsg_set(err, errlen, "recon_initiate: only once, and only on the initiator");
        goto out;
    }
    if (out->max < r->max_msg) {
        errmsg_set(err, errlen, "output buffer smaller than max_msg");
        goto out;
    }
    memset(&whole, 0, sizeof(whole));
    recon_bound_min(&whole.lo);
    recon_bound_inf(&whole.hi);
    whole.mode = RECON_WHOLE;
    recon_rlist_reset(&r->in);
    if (recon_run(r, &whole, 0, NULL, out, err, errlen) != 0)
        goto out;
    r->started = 1;
    r->done = 0; /* the first message always waits for an answer */
    rc = 0;
out:
    return rc;
}

int recon_reply(struct recon *r, const uint8_t *msg, size_t len, struct buf *out, char *err,
                size_t errlen)
{
    const struct recon_range *last;
    int rc = -1, peer_defer;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    buf_reset(out);
    if (r->initiator && (!r->started || r->done)) {
        errmsg_set(err, errlen,
                   r->done ? "message after the end of the session"
                           : "message before recon_initiate");
        goto out;
    }
    if (out->max < r->max_msg) {
        errmsg_set(err, errlen, "output buffer smaller than max_msg");
        goto out;
    }
    if (len > r->max_msg) {
        errmsg_set(err, errlen, "message of %zu bytes exceeds the %zu-byte limit", len, r->max_msg);
        goto out;
    }
    if (recon_decode(msg, len, &r->in, err, errlen) != 0 || recon_check_open(r, err, errlen) != 0)
        goto out;
    r->msgno++;
    last = &r->in.r[r->in.n - 1];
    peer_defer = last->mode == RECON_DEFER;
    if (recon_run(r, NULL, peer_defer, &last->lo, out, err, errlen) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        log_debug("recon: %s", err != NULL ? err : "error");
    return rc;
}
