#include "recon.h"

#include <endian.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "log.h"
#include "recon_int.h"
#include "xmalloc.h"

/*
 * Design notes (the wire format itself is in docs/RECON.md; recon_codec.c encodes and decodes).
 *
 * A message is a list of consecutive key ranges covering [min, infinity), each with a mode. The
 * peers alternate: initiator message j = 0, responder j = 1, initiator j = 2, ... A side answers
 * each FINGERPRINT range by comparing it with its own fingerprint of that range: equal ranges
 * are settled (SKIP); a differing range is split into sub-ranges with their fingerprints, unless
 * it is small: then the responder lists its items (IDLIST), which settles the range on the
 * initiator, and the initiator sends short salted hashes of its items (HASHLIST), which the
 * responder answers with what differs (DIFF: which hashed items it lacks, and its items whose
 * hash was not listed), which settles the range. Only the ranges a side sent as FINGERPRINT or
 * HASHLIST may come back with work in them ("open" ranges); anything else is a protocol error,
 * so a range is settled (and its callbacks run) once.
 *
 * The branching factor shrinks with j so that a pair of sets differing in a few items reaches
 * small ranges in the third round trip. When every one of many fingerprints the peer sent
 * differs, the differences are many: the split goes as wide as the message allows. The width of
 * every split is bounded by the room in the message shared among the ranges being split, so a
 * message rarely overflows.
 *
 * When an answer would exceed max_msg, the work that does not fit is kept locally (the
 * "pending" list) and the message ends with one DEFER range from the first postponed range to
 * infinity: the peer answers it with SKIP, and the work is sent in the following messages.
 */

#define RECON_LEAF 4         /* target items per list after the last split */
#define RECON_ROUNDS_SPLIT 5 /* messages j = 0..4 split; j = 5 lists */
#define RECON_BRANCH_MAX 64  /* most sub-ranges per split by the schedule */
#define RECON_LIST_RESP 16   /* the responder lists a differing range of at most this many */
#define RECON_HASH_LEAF 32   /* the initiator hashes a differing range of at most this many */
#define RECON_WIDE_MIN 64    /* at least this many fingerprints, all differing: split wide */
#define RECON_FP_COST 22     /* bytes of a typical FINGERPRINT range, for planning */
#define RECON_RESERVE 64     /* room kept for the closing SKIP/DEFER ranges */
#define RECON_SPLIT_COST_MAX (RECON_BRANCH_MAX * (RECON_BOUND_MAX + RECON_FP_LEN))

_Static_assert(RECON_SPLIT_COST_MAX + RECON_RESERVE + 1 < RECON_MIN_MSG,
               "any split fits in an empty message");
_Static_assert(RECON_HASH_LEAF *RECON_HASH_LEN + 2 * RECON_BOUND_MAX + 10 + RECON_RESERVE + 1 <
                   RECON_MIN_MSG,
               "any hash list fits in an empty message");
_Static_assert(sizeof(struct recon_item) == 40, "items are 40 bytes");
_Static_assert(RECON_HASH_LEN <= 8, "hashes compare as u64");

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
    unsigned version; /* of the session's messages: 2, or 1 when a version 1 peer initiated */
    size_t max_msg;
    recon_item_fn have, need;
    void *ctx;
    unsigned msgno; /* messages so far in the session, both directions */
    int started, done;
    uint8_t salt[16];           /* keys the item hashes: BLAKE2b-128 of message 0 */
    size_t bcap;                /* this message: most sub-ranges per split (the room shared out) */
    int wide;                   /* this message: split as wide as bcap allows */
    struct recon_rlist open;    /* my last message's ranges the peer may answer with work */
    struct recon_rlist pending; /* work postponed behind my last DEFER, in key order */
    struct recon_rlist in;      /* the decoded incoming message (scratch) */
    struct recon_rlist nopen, npending;
    struct buf scratch;
    uint64_t *keys; /* answering a HASHLIST: its hashes (high bits) and indexes, sorted */
    uint8_t *bits;  /* ... its bitmap, and my unmatched items */
    struct recon_item *unmatched;
    size_t capkeys, capbits, capunmatched;
};

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

static int recon_item_qcmp(const void *a, const void *b)
{
    return recon_item_cmp(a, b);
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

static void recon_open_add(struct recon_rlist *open, const struct recon_bound *lo,
                           const struct recon_bound *hi, uint8_t mode,
                           const struct recon_item *items, size_t n)
{
    struct recon_range rg;

    memset(&rg, 0, sizeof(rg));
    rg.lo = *lo;
    rg.hi = *hi;
    rg.mode = mode;
    recon_rlist_push(open, &rg, items, n);
}

/* An item list's payload: the count, then each item as (timestamp delta, id). */
static int recon_put_items(struct buf *b, uint64_t prev, const struct recon_item *it, size_t n)
{
    size_t i;

    if (recon_put_varint(b, n) != 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (recon_put_varint(b, it[i].ts - prev) != 0 || buf_append(b, it[i].id, RECON_ID_LEN) != 0)
            return -1;
        prev = it[i].ts;
    }
    return 0;
}

/* List my items [a, b) as the range [lo, hi) (the responder's IDLIST). */
static int recon_emit_list(struct recon *r, struct recon_emit *e, const struct recon_bound *lo,
                           const struct recon_bound *hi, size_t a, size_t b)
{
    if (recon_emit_range(e, lo, hi, RECON_IDLIST) != 0 ||
        recon_put_items(e->b, lo->ts, r->set->items + a, b - a) != 0)
        return -1;
    return 0;
}

/* An item's short hash: the first RECON_HASH_LEN bytes of BLAKE2b-128 keyed with the session's
 * salt, of ts (u64 LE) || id; as a big-endian number. */
static uint32_t recon_item_hash(const struct recon *r, const struct recon_item *it)
{
    uint8_t in[8 + RECON_ID_LEN], h[16];
    uint64_t x = htole64(it->ts);

    memcpy(in, &x, 8);
    memcpy(in + 8, it->id, RECON_ID_LEN);
    crypto_generichash(h, sizeof(h), in, sizeof(in), r->salt, sizeof(r->salt));
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/* Send the hashes of my items [a, b) as the range [lo, hi) (the initiator's HASHLIST), keeping
 * the items to read the answer. */
static int recon_emit_hashlist(struct recon *r, struct recon_emit *e, const struct recon_bound *lo,
                               const struct recon_bound *hi, size_t a, size_t b)
{
    const struct recon_item *it = r->set->items;
    uint8_t hb[RECON_HASH_LEN];
    uint32_t h;
    size_t i;

    if (recon_emit_range(e, lo, hi, RECON_HASHLIST) != 0 || recon_put_varint(e->b, b - a) != 0)
        return -1;
    for (i = a; i < b; i++) {
        h = recon_item_hash(r, &it[i]);
        hb[0] = (uint8_t)(h >> 24);
        hb[1] = (uint8_t)(h >> 16);
        hb[2] = (uint8_t)(h >> 8);
        hb[3] = (uint8_t)h;
        if (buf_append(e->b, hb, RECON_HASH_LEN) != 0)
            return -1;
    }
    recon_open_add(&r->nopen, lo, hi, RECON_HASHLIST, it + a, b - a);
    return 0;
}

/* How many sub-ranges to split n items into in message j: enough that the splits left before
 * message RECON_ROUNDS_SPLIT bring ranges down to about RECON_LEAF items; as many as the room
 * allows when the differences are many (r->wide); never more than the room shared out. */
static size_t recon_branches(const struct recon *r, size_t n, unsigned j)
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
    if (r->wide && b < r->bcap)
        b = r->bcap;
    if (b > r->bcap)
        b = r->bcap;
    return b < n ? b : n;
}

/* Split my items [a, b) (b - a >= 2) of the range [lo, hi) into sub-ranges with fingerprints. */
static int recon_emit_split(struct recon *r, struct recon_emit *e, const struct recon_bound *lo,
                            const struct recon_bound *hi, size_t a, size_t b, unsigned j)
{
    const struct recon_item *it = r->set->items;
    size_t n = b - a, nb = recon_branches(r, n, j), k, s, t;
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
        recon_open_add(&r->nopen, &sublo, &subhi, RECON_FINGERPRINT, NULL, 0);
        sublo = subhi;
    }
    return 0;
}

/* My items [a, b) differ from the peer's in [lo, hi): list or hash them if few, else split. */
static int recon_emit_differ(struct recon *r, struct recon_emit *e, const struct recon_bound *lo,
                             const struct recon_bound *hi, size_t a, size_t b, unsigned j)
{
    if (r->initiator && b - a <= RECON_HASH_LEAF)
        return recon_emit_hashlist(r, e, lo, hi, a, b);
    if (!r->initiator && b - a <= RECON_LIST_RESP)
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

/* The initiator settles a range it hashed from the responder's DIFF: the items whose bit is set
 * are mine alone; the listed items are the responder's alone (unless I hold one by now). */
static void recon_settle_diff(struct recon *r, const struct recon_range *w)
{
    const struct recon_range *o = &r->open.r[w->oidx];
    const struct recon_item *mine = r->open.items + o->off, *theirs = r->in.items + w->off;
    size_t i;

    for (i = 0; i < o->n; i++)
        if ((r->in.bits[w->boff + i / 8] >> (i % 8) & 1) != 0 && r->have != NULL)
            r->have(r->ctx, mine[i].ts, mine[i].id);
    for (i = 0; i < w->n; i++)
        if (!recon_set_contains(r->set, theirs[i].ts, theirs[i].id) && r->need != NULL)
            r->need(r->ctx, theirs[i].ts, theirs[i].id);
}

static int recon_u64_qcmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* First index of keys[0 .. n) whose hash (high 32 bits) is h, or n. */
static size_t recon_key_find(const uint64_t *keys, size_t n, uint32_t h)
{
    size_t lo = 0, hi = n, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if ((uint32_t)(keys[mid] >> 32) < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && (uint32_t)(keys[lo] >> 32) == h ? lo : n;
}

/* Match my items [a, b) against the n hashes of a HASHLIST: r->bits gets a bit set for every
 * hash none of mine has, r->unmatched my items whose hash is not listed. Returns how many are
 * unmatched, or limit + 1 as soon as more than limit are. */
static size_t recon_match_hashes(struct recon *r, const struct recon_item *hashes, size_t n,
                                 size_t a, size_t b, size_t limit)
{
    const struct recon_item *mine = r->set->items;
    size_t i, k, m = 0;
    uint32_t h;

    if (n > r->capkeys) {
        r->capkeys = n;
        r->keys = xreallocarray(r->keys, n, sizeof(*r->keys));
    }
    if ((n + 7) / 8 > r->capbits) {
        r->capbits = (n + 7) / 8;
        r->bits = xreallocarray(r->bits, r->capbits, 1);
    }
    if (b - a > r->capunmatched) {
        r->capunmatched = b - a;
        r->unmatched = xreallocarray(r->unmatched, b - a, sizeof(*r->unmatched));
    }
    for (i = 0; i < n; i++)
        r->keys[i] = (uint64_t)((uint32_t)hashes[i].id[0] << 24 | (uint32_t)hashes[i].id[1] << 16 |
                                (uint32_t)hashes[i].id[2] << 8 | hashes[i].id[3])
                         << 32 |
                     i;
    if (n > 0) {
        qsort(r->keys, n, sizeof(*r->keys), recon_u64_qcmp);
        memset(r->bits, 0xff, (n + 7) / 8);
        if (n % 8 != 0)
            r->bits[n / 8] = (uint8_t)((1u << (n % 8)) - 1);
    }
    for (i = a; i < b; i++) {
        h = recon_item_hash(r, &mine[i]);
        k = recon_key_find(r->keys, n, h);
        if (k == n) {
            if (m == limit)
                return limit + 1;
            r->unmatched[m++] = mine[i];
        }
        for (; k < n && (uint32_t)(r->keys[k] >> 32) == h; k++)
            r->bits[(r->keys[k] & 0xffffffffu) / 8] &= (uint8_t) ~(1u << (r->keys[k] & 7));
    }
    return m;
}

/* The responder answers the initiator's HASHLIST w over my items [a, b): SKIP if they match,
 * else a DIFF, or a split if I hold too many the initiator did not hash. */
static int recon_answer_hashlist(struct recon *r, struct recon_emit *e, const struct recon_range *w,
                                 const struct recon_item *hashes, size_t a, size_t b, unsigned j)
{
    size_t limit = r->max_msg / 2 / RECON_ITEM_MAX, m, i, nbytes = (w->n + 7) / 8;
    int differ = 0;

    if (limit < RECON_LIST_RESP)
        limit = RECON_LIST_RESP;
    if (b - a > w->n && b - a - w->n > limit)
        return recon_emit_split(r, e, &w->lo, &w->hi, a, b, j);
    m = recon_match_hashes(r, hashes, w->n, a, b, limit);
    if (m > limit)
        return recon_emit_split(r, e, &w->lo, &w->hi, a, b, j);
    for (i = 0; i < nbytes && !differ; i++)
        differ = r->bits[i] != 0;
    if (m == 0 && !differ)
        return 0;
    if (recon_emit_range(e, &w->lo, &w->hi, RECON_DIFF) != 0 || recon_put_varint(e->b, w->n) != 0 ||
        (nbytes > 0 && buf_append(e->b, r->bits, nbytes) != 0) ||
        recon_put_items(e->b, w->lo.ts, r->unmatched, m) != 0)
        return -1;
    return 0;
}

/* Answer one work range w (my items [a, b)) into e. */
static int recon_answer(struct recon *r, struct recon_emit *e, const struct recon_range *w,
                        const struct recon_item *witems, unsigned j)
{
    const struct recon_item *mine = r->set->items;
    size_t a = recon_set_lower(r->set, &w->lo), b = recon_set_lower(r->set, &w->hi), i;

    if (w->mode == RECON_WHOLE)
        return recon_emit_differ(r, e, &w->lo, &w->hi, a, b, j);
    if (w->mode == RECON_FINGERPRINT)
        return w->differ ? recon_emit_differ(r, e, &w->lo, &w->hi, a, b, j) : 0;
    if (w->mode == RECON_HASHLIST)
        return recon_answer_hashlist(r, e, w, witems, a, b, j);
    /* Version 1: the responder got the initiator's list: equal lists settle the range;
     * otherwise send mine, all of it (what the initiator lacks is among it), unless that is too
     * long. */
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

/*
 * Before answering: compare every FINGERPRINT of the work (the peer's message and what I
 * postponed) with mine, once, and share the message's room among the ranges that will be split.
 * When many fingerprints came and all differ, the differences are many: split wide.
 */
static void recon_plan(struct recon *r)
{
    struct recon_rlist *lists[2] = {&r->in, &r->pending};
    size_t limit = r->initiator ? RECON_HASH_LEAF : RECON_LIST_RESP, nfp = 0, ndiff = 0;
    size_t nsplit = 0, room = (r->max_msg - RECON_RESERVE - 1) / RECON_FP_COST, most, a, b, k, i;
    uint8_t fp[RECON_FP_LEN];
    struct recon_range *rg;

    for (k = 0; k < 2; k++) {
        for (i = 0; i < lists[k]->n; i++) {
            rg = &lists[k]->r[i];
            if (rg->mode != RECON_FINGERPRINT)
                continue;
            a = recon_set_lower(r->set, &rg->lo);
            b = recon_set_lower(r->set, &rg->hi);
            recon_fingerprint(r->set->items + a, b - a, fp);
            rg->differ = sodium_memcmp(fp, rg->fp, RECON_FP_LEN) != 0;
            nfp += k == 0;
            ndiff += k == 0 && rg->differ;
            nsplit += rg->differ && b - a > limit;
        }
    }
    most = (r->max_msg - RECON_RESERVE - 1) / (RECON_BOUND_MAX + RECON_FP_LEN);
    r->bcap = nsplit > 0 ? room / nsplit : room;
    r->bcap = r->bcap < 2 ? 2 : r->bcap > most ? most : r->bcap;
    r->wide = nfp >= RECON_WIDE_MIN && ndiff == nfp;
}

static int recon_range_qcmp(const void *a, const void *b)
{
    return recon_bound_cmp(&((const struct recon_range *)a)->lo,
                           &((const struct recon_range *)b)->lo);
}

/* Check that every work range of the peer's message lies inside one of my open ranges: an
 * IDLIST only inside a FINGERPRINT, a DIFF exactly on a HASHLIST of as many items. */
static int recon_check_open(struct recon *r, char *err, size_t errlen)
{
    struct recon_rlist *in = &r->in;
    const struct recon_range *o;
    size_t i, k = 0;

    for (i = 0; i < in->n; i++) {
        struct recon_range *rg = &in->r[i];
        if (rg->mode == RECON_SKIP || rg->mode == RECON_DEFER)
            continue;
        while (k < r->open.n && recon_bound_cmp(&r->open.r[k].hi, &rg->lo) <= 0)
            k++;
        o = &r->open.r[k];
        if (k == r->open.n || recon_bound_cmp(&o->lo, &rg->lo) > 0 ||
            recon_bound_cmp(&rg->hi, &o->hi) > 0 ||
            (rg->mode == RECON_IDLIST && r->initiator && o->mode != RECON_FINGERPRINT)) {
            errmsg_set(err, errlen, "range %zu: %s where nothing was asked", i,
                       recon_mode_name(rg->mode));
            return -1;
        }
        if (rg->mode == RECON_DIFF &&
            (o->mode != RECON_HASHLIST || recon_bound_cmp(&o->lo, &rg->lo) != 0 ||
             recon_bound_cmp(&o->hi, &rg->hi) != 0 || o->n != rg->nbits)) {
            errmsg_set(err, errlen, "range %zu: diff that does not answer a hash list", i);
            return -1;
        }
        rg->oidx = k;
    }
    return 0;
}

/* Close my message (DEFER from my first postponed range, or SKIP to infinity), keep open what
 * the peer postponed, and take the new open and pending lists. */
static int recon_finish(struct recon *r, struct recon_emit *e, int peer_defer,
                        const struct recon_bound *defer_lo)
{
    struct recon_bound inf;
    const struct recon_range *o;
    size_t i;

    recon_bound_inf(&inf);
    if (r->npending.n > 0) {
        if (recon_emit_range(e, &r->npending.r[0].lo, &inf, RECON_DEFER) != 0)
            return -1;
    } else if (!e->cursor.inf) {
        if (recon_emit_bound(e, &inf, RECON_SKIP) != 0)
            return -1;
    }
    /* Ranges of my last message that the peer postponed stay open. */
    if (peer_defer)
        for (i = 0; i < r->open.n; i++) {
            o = &r->open.r[i];
            if (recon_bound_cmp(&o->lo, defer_lo) >= 0)
                recon_rlist_push(&r->nopen, o, r->open.items + o->off, o->n);
        }
    /* Disjoint, but the kept ones may lie between the new ones (my postponed work comes from
     * older messages): sort by lower bound for recon_check_open. */
    if (peer_defer && r->nopen.n > 1)
        qsort(r->nopen.r, r->nopen.n, sizeof(*r->nopen.r), recon_range_qcmp);
    recon_rlist_swap(&r->open, &r->nopen);
    recon_rlist_swap(&r->pending, &r->npending);
    r->msgno++;
    if (r->initiator)
        r->done = e->nfp == 0 && e->nlist == 0 && !e->defer && !peer_defer;
    else
        r->done = e->nfp == 0 && !e->defer && !peer_defer;
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
    size_t ii = 0, pi = 0, saved_open, saved_items;
    unsigned j = r->msgno;
    int overflow = 0, rc = -1, from_in;

    recon_set_sort(r->set);
    recon_plan(r);
    recon_rlist_reset(&r->nopen);
    recon_rlist_reset(&r->npending);
    memset(&e, 0, sizeof(e));
    e.b = out;
    e.version = r->version;
    recon_bound_min(&e.cursor);
    if (buf_append_u8(out, (uint8_t)r->version) != 0)
        goto fail;
    for (;;) {
        /* Next work range in key order: the peer's, or one I postponed. */
        while (ii < r->in.n && (r->in.r[ii].mode == RECON_SKIP || r->in.r[ii].mode == RECON_DEFER))
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
        } else if (from_in && r->initiator && w->mode == RECON_DIFF) {
            recon_settle_diff(r, w);
        } else if (overflow) {
            recon_rlist_push(&r->npending, w, witems, w->n);
        } else {
            se = e;
            se.b = &r->scratch;
            buf_reset(&r->scratch);
            saved_open = r->nopen.n;
            saved_items = r->nopen.nitems;
            if (recon_answer(r, &se, w, witems, j) != 0 ||
                out->len + r->scratch.len + RECON_RESERVE > r->max_msg) {
                if (out->len == 1) {
                    errmsg_set(err, errlen, "internal: one range's answer exceeds max_msg");
                    goto fail;
                }
                r->nopen.n = saved_open;
                r->nopen.nitems = saved_items;
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
    if (recon_finish(r, &e, peer_defer, defer_lo) != 0)
        goto fail;
    if (r->initiator && r->done)
        buf_reset(out);
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
        recon_open_add(&r->open, &lo, &hi, RECON_FINGERPRINT, NULL, 0);
    } else {
        r->version = RECON_VERSION;
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
    free(r->keys);
    free(r->bits);
    free(r->unmatched);
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
    /* Message 0 hashes with an all-zero salt; every later message with this one. A HASHLIST in
     * message 0 is its only range, whose answer always fits one message: the responder never
     * postpones it past the change of salt. */
    crypto_generichash(r->salt, sizeof(r->salt), out->data, out->len, NULL, 0);
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
    unsigned version = r->version, first = !r->initiator && r->msgno == 0;
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
    if (recon_decode(msg, len, &version, !r->initiator, &r->in, err, errlen) != 0 ||
        recon_check_open(r, err, errlen) != 0)
        goto out;
    r->version = version;
    r->msgno++;
    last = &r->in.r[r->in.n - 1];
    peer_defer = last->mode == RECON_DEFER;
    if (recon_run(r, NULL, peer_defer, &last->lo, out, err, errlen) != 0)
        goto out;
    if (first)
        crypto_generichash(r->salt, sizeof(r->salt), msg, len, NULL, 0);
    rc = 0;
out:
    if (rc != 0)
        log_debug("recon: %s", err != NULL ? err : "error");
    return rc;
}
