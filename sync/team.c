/* team: membership computed from signed team entries (see team.h; codes, keys and the form of
 * team entries are team_entry.c). */
#include "team.h"

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

/* ---- held entries ---- */

/* A team entry of this team, parsed once (form checked, certificate proof verified). */
struct team_rec {
    struct entry *own; /* the state's copy; NULL for an extra borrowed by team_check_with */
    const struct entry *e;
    uint16_t kind;
    uint64_t created_ms;
    const uint8_t *id;
    const uint8_t *author;
    uint8_t key[ENTRY_KEY_LEN];    /* ADMIN, REVOCATION: the key named */
    uint8_t invite[ENTRY_KEY_LEN]; /* MEMBERSHIP, TEAM, ROTATION */
    uint8_t join[TEAM_CURVE_LEN];  /* TEAM, ROTATION */
    uint8_t prev[ENTRY_ID_LEN];    /* ROTATION */
    int proof_ok;                  /* MEMBERSHIP: the invite key signed the author's key */
};

static int team_attr_bin(const struct entry *e, const char *key, uint8_t *out, size_t n)
{
    const char *v = entry_attr_get(e, key);

    return v != NULL && hex_decode(v, strlen(v), out, n) == 0 ? 0 : -1;
}

/* Parse e (borrowed: r points into it) as an entry of team. Returns 0, or -1 with a message. */
static int team_rec_init(struct team_rec *r, const uint8_t team[TEAM_ID_LEN], const struct entry *e,
                         char *err, size_t errlen)
{
    uint8_t id[TEAM_ID_LEN], msg[TEAM_PROOF_MSG_LEN], proof[crypto_sign_BYTES];
    int bad = 0;

    memset(r, 0, sizeof(*r));
    if (!team_is_team_kind(entry_kind(e))) {
        errmsg_set(err, errlen, "kind %u is not a team kind", (unsigned)entry_kind(e));
        return -1;
    }
    if (team_check_kind(e, err, errlen) != 0)
        return -1;
    if (team_entry_team(e, id) != 0 || memcmp(id, team, TEAM_ID_LEN) != 0) {
        errmsg_set(err, errlen, "belongs to another team");
        return -1;
    }
    r->e = e;
    r->kind = entry_kind(e);
    r->created_ms = entry_created_ms(e);
    r->id = entry_id(e);
    r->author = entry_author(e);
    switch (r->kind) {
    case ENTRY_MEMBERSHIP:
        bad = team_attr_bin(e, "invite", r->invite, ENTRY_KEY_LEN) != 0 ||
              team_attr_bin(e, "proof", proof, sizeof(proof)) != 0;
        if (!bad) {
            team_proof_msg(team, r->author, msg);
            r->proof_ok = crypto_sign_verify_detached(proof, msg, sizeof(msg), r->invite) == 0;
        }
        break;
    case ENTRY_ROTATION:
        bad = team_attr_bin(e, "prev", r->prev, ENTRY_ID_LEN) != 0;
        /* fall through */
    case ENTRY_TEAM:
        bad = bad || team_attr_bin(e, "invite", r->invite, ENTRY_KEY_LEN) != 0 ||
              team_attr_bin(e, "join", r->join, TEAM_CURVE_LEN) != 0;
        break;
    case ENTRY_VOUCH:
        break; /* the body was checked */
    default:
        bad = team_attr_bin(e, "key", r->key, ENTRY_KEY_LEN) != 0;
        break;
    }
    if (bad) {
        errmsg_set(err, errlen, "malformed team entry");
        return -1;
    }
    return 0;
}

static int team_rec_cmp_id(const void *a, const void *b)
{
    const struct team_rec *x = *(const struct team_rec *const *)a;
    const struct team_rec *y = *(const struct team_rec *const *)b;

    return memcmp(x->id, y->id, ENTRY_ID_LEN);
}

/* (created_ms, id): the order admin operations apply in. */
static int team_rec_cmp_order(const void *a, const void *b)
{
    const struct team_rec *x = *(const struct team_rec *const *)a;
    const struct team_rec *y = *(const struct team_rec *const *)b;

    if (x->created_ms != y->created_ms)
        return x->created_ms < y->created_ms ? -1 : 1;
    return memcmp(x->id, y->id, ENTRY_ID_LEN);
}

/* ---- the computed state ---- */

struct team_epoch {
    const struct team_rec *rec; /* the genesis or a rotation */
    struct team_epoch *prev;    /* for a valid rotation */
    int valid;
    size_t nnext; /* valid rotations naming it as previous: 0 for a head */
};

/* One key the entries speak of. A member is an admin or has a valid certificate. */
struct team_key {
    uint8_t key[ENTRY_KEY_LEN];
    int is_admin;
    int genesis_admin;
    const struct team_rec *granted; /* the ADMIN entry that made it an admin */
    uint64_t revoked_ms;            /* 0 = not revoked */
    const struct team_rec *cert;    /* the first valid certificate by (created_ms, id) */
    const struct team_epoch *epoch; /* the epoch of cert */
    const struct team_rec *via;     /* the rotation whose roster keeps cert valid, if needed */
    int vouched;                    /* named by a VOUCH of an admin (an admin at its time) */
    int curve_done;                 /* curve computed; curve_ok if it converted */
    int curve_ok;
    uint8_t curve[TEAM_CURVE_LEN];
};

struct team_view {
    const struct team_rec *genesis;
    struct team_epoch *epochs; /* sorted by id */
    size_t nepochs;
    struct team_key *keys; /* sorted by key */
    size_t nkeys;
    const struct team_rec **vouches; /* VOUCH entries, sorted by (author, id) */
    size_t nvouches;
};

/* An index of epochs by a 32-byte value (invite key, previous epoch id). */
struct team_idx {
    uint8_t k[ENTRY_ID_LEN];
    struct team_epoch *ep;
};

static int team_is_member_key(const struct team_key *k)
{
    return k->is_admin || k->cert != NULL;
}

static int team_key_cmp(const void *a, const void *b)
{
    return memcmp(((const struct team_key *)a)->key, ((const struct team_key *)b)->key,
                  ENTRY_KEY_LEN);
}

static int team_key_find(const void *key, const void *elem)
{
    return memcmp(key, ((const struct team_key *)elem)->key, ENTRY_KEY_LEN);
}

static int team_epoch_cmp(const void *a, const void *b)
{
    return memcmp(((const struct team_epoch *)a)->rec->id, ((const struct team_epoch *)b)->rec->id,
                  ENTRY_ID_LEN);
}

static int team_epoch_find(const void *id, const void *elem)
{
    return memcmp(id, ((const struct team_epoch *)elem)->rec->id, ENTRY_ID_LEN);
}

static int team_idx_cmp(const void *a, const void *b)
{
    const struct team_idx *x = a, *y = b;
    int c = memcmp(x->k, y->k, sizeof(x->k));

    return c != 0 ? c : memcmp(x->ep->rec->id, y->ep->rec->id, ENTRY_ID_LEN);
}

/* The first index of x[0..n) whose value is not below k. */
static size_t team_idx_lower(const struct team_idx *x, size_t n, const uint8_t *k)
{
    size_t lo = 0, hi = n, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (memcmp(x[mid].k, k, sizeof(x[mid].k)) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct team_key *team_view_key(const struct team_view *v, const uint8_t *key)
{
    if (v->nkeys == 0)
        return NULL;
    return bsearch(key, v->keys, v->nkeys, sizeof(*v->keys), team_key_find);
}

static struct team_epoch *team_view_epoch(const struct team_view *v, const uint8_t *id)
{
    if (v->nepochs == 0)
        return NULL;
    return bsearch(id, v->epochs, v->nepochs, sizeof(*v->epochs), team_epoch_find);
}

static void team_view_free(struct team_view *v)
{
    free(v->epochs);
    free(v->keys);
    free(v->vouches);
    memset(v, 0, sizeof(*v));
}

/* The key on line i of a checked body. */
static void team_line_key(const char *body, size_t i, uint8_t key[ENTRY_KEY_LEN])
{
    if (hex_decode(body + i * TEAM_LINE, TEAM_KEY_HEX, key, ENTRY_KEY_LEN) != 0)
        memset(key, 0, ENTRY_KEY_LEN); /* not reached: the body was checked */
}

/* Collect every key the entries name, sorted and unique, into v->keys. */
static void team_view_keys(struct team_view *v, struct team_rec *const *recs, size_t n)
{
    const struct entry *g = v->genesis->e;
    size_t i, m = 0, nadmins = entry_body_len(g) / TEAM_LINE;

    v->keys = xcalloc(2 * n + nadmins + 1, sizeof(*v->keys));
    for (i = 0; i < nadmins; i++)
        team_line_key(entry_body(g), i, v->keys[v->nkeys++].key);
    for (i = 0; i < n; i++) {
        if (recs[i]->kind == ENTRY_TEAM)
            continue;
        memcpy(v->keys[v->nkeys++].key, recs[i]->author, ENTRY_KEY_LEN);
        if (recs[i]->kind == ENTRY_ADMIN || recs[i]->kind == ENTRY_REVOCATION)
            memcpy(v->keys[v->nkeys++].key, recs[i]->key, ENTRY_KEY_LEN);
    }
    qsort(v->keys, v->nkeys, sizeof(*v->keys), team_key_cmp);
    for (i = 0; i < v->nkeys; i++)
        if (m == 0 || memcmp(v->keys[m - 1].key, v->keys[i].key, ENTRY_KEY_LEN) != 0)
            v->keys[m++] = v->keys[i];
    v->nkeys = m;
    for (i = 0; i < nadmins; i++) {
        uint8_t key[ENTRY_KEY_LEN];
        struct team_key *k;

        team_line_key(entry_body(g), i, key);
        k = team_view_key(v, key);
        k->is_admin = 1;
        k->genesis_admin = 1;
    }
}

/* Apply ADMIN, ROTATION and REVOCATION entries in (created_ms, id) order. */
static void team_view_ops(struct team_view *v, struct team_rec *const *recs, size_t n)
{
    const struct team_rec **ops = xreallocarray(NULL, n + 1, sizeof(*ops));
    size_t i, nops = 0;

    for (i = 0; i < n; i++)
        if (recs[i]->kind == ENTRY_ADMIN || recs[i]->kind == ENTRY_ROTATION ||
            recs[i]->kind == ENTRY_REVOCATION)
            ops[nops++] = recs[i];
    qsort(ops, nops, sizeof(*ops), team_rec_cmp_order);
    for (i = 0; i < nops; i++) {
        const struct team_rec *r = ops[i];
        struct team_key *a = team_view_key(v, r->author), *k;
        struct team_epoch *ep, *prev;

        /* Revoked at t: still an admin at t, not after. */
        if (a == NULL || !a->is_admin || (a->revoked_ms != 0 && a->revoked_ms < r->created_ms))
            continue;
        switch (r->kind) {
        case ENTRY_ADMIN:
            k = team_view_key(v, r->key);
            if (!k->is_admin) {
                k->is_admin = 1;
                k->granted = r;
            }
            break;
        case ENTRY_REVOCATION:
            k = team_view_key(v, r->key);
            if (k->revoked_ms == 0)
                k->revoked_ms = r->created_ms;
            break;
        default:
            ep = team_view_epoch(v, r->id);
            prev = team_view_epoch(v, r->prev);
            if (ep != NULL && !ep->valid && prev != NULL && prev->valid) {
                ep->valid = 1;
                ep->prev = prev;
                prev->nnext++;
            }
            break;
        }
    }
    free(ops);
}

/* Give each certificate's author a membership if the certificate is valid. */
static void team_view_certs(struct team_view *v, struct team_rec *const *recs, size_t n)
{
    const struct team_rec **certs = xreallocarray(NULL, n + 1, sizeof(*certs));
    struct team_idx *byinv = xreallocarray(NULL, v->nepochs + 1, sizeof(*byinv));
    struct team_idx *byprev = xreallocarray(NULL, v->nepochs + 1, sizeof(*byprev));
    size_t i, j, l, ncerts = 0, ninv = 0, nprev = 0;

    for (i = 0; i < v->nepochs; i++) {
        struct team_epoch *ep = &v->epochs[i];
        if (!ep->valid)
            continue;
        memcpy(byinv[ninv].k, ep->rec->invite, ENTRY_KEY_LEN);
        byinv[ninv++].ep = ep;
        if (ep->prev != NULL) {
            memcpy(byprev[nprev].k, ep->prev->rec->id, ENTRY_ID_LEN);
            byprev[nprev++].ep = ep;
        }
    }
    qsort(byinv, ninv, sizeof(*byinv), team_idx_cmp);
    qsort(byprev, nprev, sizeof(*byprev), team_idx_cmp);
    for (i = 0; i < n; i++)
        if (recs[i]->kind == ENTRY_MEMBERSHIP && recs[i]->proof_ok)
            certs[ncerts++] = recs[i];
    qsort(certs, ncerts, sizeof(*certs), team_rec_cmp_order);

    for (i = 0; i < ncerts; i++) {
        const struct team_rec *c = certs[i];
        struct team_key *k = team_view_key(v, c->author);
        /* Where the author's membership ends: the epochs are judged as they stood then. */
        uint64_t end = k->revoked_ms != 0 ? k->revoked_ms : UINT64_MAX;

        if (k->cert != NULL)
            continue;
        for (j = team_idx_lower(byinv, ninv, c->invite);
             j < ninv && k->cert == NULL && memcmp(byinv[j].k, c->invite, ENTRY_KEY_LEN) == 0;
             j++) {
            const struct team_epoch *ep = byinv[j].ep;
            int head = 1;
            /* A head at the end: its code still admits anyone (or did until the revocation,
             * which vouches for the key up to then, whatever rosters come later). */
            for (l = team_idx_lower(byprev, nprev, ep->rec->id);
                 l < nprev && memcmp(byprev[l].k, ep->rec->id, ENTRY_ID_LEN) == 0; l++)
                if (byprev[l].ep->rec->created_ms <= end)
                    head = 0;
            if (head) {
                k->cert = c;
                k->epoch = ep;
                break;
            }
            for (l = team_idx_lower(byprev, nprev, ep->rec->id);
                 l < nprev && memcmp(byprev[l].k, ep->rec->id, ENTRY_ID_LEN) == 0; l++) {
                const struct entry *re = byprev[l].ep->rec->e;
                if (team_body_has(entry_body(re), entry_body_len(re), c->author)) {
                    k->cert = c;
                    k->epoch = ep;
                    k->via = byprev[l].ep->rec;
                    break;
                }
            }
        }
    }
    free(certs);
    free(byinv);
    free(byprev);
}

/* 1 if k is an admin at time at_ms (granted by then, not revoked before). */
static int team_key_admin_at(const struct team_key *k, uint64_t at_ms)
{
    if (k == NULL || !k->is_admin || (k->revoked_ms != 0 && k->revoked_ms < at_ms))
        return 0;
    return k->genesis_admin || (k->granted != NULL && k->granted->created_ms <= at_ms);
}

static int team_rec_cmp_author(const void *a, const void *b)
{
    const struct team_rec *x = *(const struct team_rec *const *)a;
    const struct team_rec *y = *(const struct team_rec *const *)b;
    int c = memcmp(x->author, y->author, ENTRY_KEY_LEN);

    return c != 0 ? c : memcmp(x->id, y->id, ENTRY_ID_LEN);
}

/* Index the VOUCH entries by author and mark the keys admins vouched for. */
static void team_view_vouches(struct team_view *v, struct team_rec *const *recs, size_t n)
{
    size_t i, l, nlines;

    v->vouches = xreallocarray(NULL, n + 1, sizeof(*v->vouches));
    for (i = 0; i < n; i++)
        if (recs[i]->kind == ENTRY_VOUCH)
            v->vouches[v->nvouches++] = recs[i];
    qsort(v->vouches, v->nvouches, sizeof(*v->vouches), team_rec_cmp_author);
    for (i = 0; i < v->nvouches; i++) {
        const struct team_rec *r = v->vouches[i];
        if (!team_key_admin_at(team_view_key(v, r->author), r->created_ms))
            continue;
        nlines = entry_body_len(r->e) / TEAM_LINE;
        for (l = 0; l < nlines; l++) {
            uint8_t key[ENTRY_KEY_LEN];
            struct team_key *k;
            team_line_key(entry_body(r->e), l, key);
            k = team_view_key(v, key);
            if (k != NULL)
                k->vouched = 1;
        }
    }
}

/* Without a genesis, but trusting our join code (assumed): its certificates' authors are
 * members, and nobody is an admin. */
static void team_view_assumed(struct team_view *v, struct team_rec *const *recs, size_t n,
                              struct team_rec *assumed)
{
    size_t i, m = 0;

    v->keys = xcalloc(n + 1, sizeof(*v->keys));
    for (i = 0; i < n; i++)
        if (recs[i]->kind == ENTRY_MEMBERSHIP)
            memcpy(v->keys[v->nkeys++].key, recs[i]->author, ENTRY_KEY_LEN);
    qsort(v->keys, v->nkeys, sizeof(*v->keys), team_key_cmp);
    for (i = 0; i < v->nkeys; i++)
        if (m == 0 || memcmp(v->keys[m - 1].key, v->keys[i].key, ENTRY_KEY_LEN) != 0)
            v->keys[m++] = v->keys[i];
    v->nkeys = m;
    v->epochs = xcalloc(1, sizeof(*v->epochs));
    v->epochs[0].rec = assumed;
    v->epochs[0].valid = 1;
    v->nepochs = 1;
    team_view_certs(v, recs, n);
}

/* Compute the state of the entries recs[0..n) (all of one team, no two with the same id); with
 * no genesis among them, from the assumed epoch if there is one. */
static void team_view_compute(struct team_view *v, struct team_rec *const *recs, size_t n,
                              struct team_rec *assumed)
{
    const struct team_rec *g = NULL;
    size_t i, nep = 0;

    memset(v, 0, sizeof(*v));
    for (i = 0; i < n; i++)
        if (recs[i]->kind == ENTRY_TEAM &&
            (g == NULL || memcmp(recs[i]->id, g->id, ENTRY_ID_LEN) < 0))
            g = recs[i];
    if (g == NULL) {
        if (assumed != NULL)
            team_view_assumed(v, recs, n, assumed);
        return; /* without a genesis (or a trusted code) nobody is anything */
    }
    v->genesis = g;
    team_view_keys(v, recs, n);

    v->epochs = xcalloc(n + 1, sizeof(*v->epochs));
    v->epochs[nep++].rec = g;
    for (i = 0; i < n; i++)
        if (recs[i]->kind == ENTRY_ROTATION)
            v->epochs[nep++].rec = recs[i];
    v->nepochs = nep;
    qsort(v->epochs, nep, sizeof(*v->epochs), team_epoch_cmp);
    team_view_epoch(v, g->id)->valid = 1;

    team_view_ops(v, recs, n);
    team_view_certs(v, recs, n);
    team_view_vouches(v, recs, n);
}

static void team_digest_u64(crypto_generichash_state *st, uint64_t x)
{
    uint8_t b[8];
    int i;

    for (i = 0; i < 8; i++)
        b[i] = (uint8_t)(x >> (56 - 8 * i));
    crypto_generichash_update(st, b, sizeof(b));
}

static void team_digest_rec(crypto_generichash_state *st, const struct team_rec *r)
{
    static const uint8_t none[ENTRY_ID_LEN];

    crypto_generichash_update(st, r != NULL ? r->id : none, ENTRY_ID_LEN);
}

/* A digest of everything the view decides, to notice when it changes. */
static void team_view_digest(const struct team_view *v, uint8_t out[crypto_generichash_BYTES])
{
    crypto_generichash_state st;
    size_t i;

    crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES);
    team_digest_rec(&st, v->genesis);
    for (i = 0; i < v->nepochs; i++) {
        if (!v->epochs[i].valid)
            continue;
        team_digest_rec(&st, v->epochs[i].rec);
        team_digest_u64(&st, v->epochs[i].nnext == 0);
    }
    for (i = 0; i < v->nkeys; i++) {
        const struct team_key *k = &v->keys[i];
        if (!team_is_member_key(k) && k->revoked_ms == 0)
            continue;
        crypto_generichash_update(&st, k->key, ENTRY_KEY_LEN);
        team_digest_u64(&st, (uint64_t)k->is_admin << 1 | (uint64_t)team_is_member_key(k));
        team_digest_u64(&st, k->revoked_ms);
        team_digest_rec(&st, k->granted);
        team_digest_rec(&st, k->cert);
        team_digest_rec(&st, k->via);
        team_digest_u64(&st, (uint64_t)k->vouched);
    }
    for (i = 0; i < v->nvouches; i++)
        team_digest_rec(&st, v->vouches[i]);
    crypto_generichash_final(&st, out, crypto_generichash_BYTES);
}

/* ---- the state ---- */

struct team_zapkey {
    uint8_t curve[TEAM_CURVE_LEN];
    uint8_t key[ENTRY_KEY_LEN];
};

struct team {
    pthread_mutex_t mu;
    uint8_t id[TEAM_ID_LEN];
    struct team_rec **recs; /* sorted by entry id */
    size_t nrecs, caprecs;
    struct team_view view;
    uint8_t digest[crypto_generichash_BYTES];
    uint64_t version;
    struct team_purge *purges;
    size_t npurges;
    struct team_zapkey *zap; /* current members' node keys, sorted by curve */
    size_t nzap;
    uint8_t (*joins)[TEAM_CURVE_LEN]; /* join keys of head epochs, sorted */
    size_t njoins;
    int has_assumed; /* team_assume: our join code's epoch, until a genesis */
    struct team_rec assumed;
    uint8_t assumed_id[ENTRY_ID_LEN];
};

struct team *team_new(const uint8_t id[TEAM_ID_LEN])
{
    struct team *t;

    if (sodium_init() < 0)
        return NULL;
    t = xcalloc(1, sizeof(*t));
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        free(t);
        return NULL;
    }
    memcpy(t->id, id, TEAM_ID_LEN);
    team_view_digest(&t->view, t->digest);
    return t;
}

static void team_rec_free(struct team_rec *r)
{
    if (r == NULL)
        return;
    entry_destroy(&r->own);
    free(r);
}

void team_destroy(struct team **tp)
{
    struct team *t;
    size_t i;

    if (tp == NULL || *tp == NULL)
        return;
    t = *tp;
    for (i = 0; i < t->nrecs; i++)
        team_rec_free(t->recs[i]);
    free(t->recs);
    team_view_free(&t->view);
    free(t->purges);
    free(t->zap);
    free(t->joins);
    pthread_mutex_destroy(&t->mu);
    free(t);
    *tp = NULL;
}

const uint8_t *team_id(const struct team *t)
{
    return t->id;
}

/* Where id is or would go in the held entries. */
static size_t team_rec_lower(const struct team *t, const uint8_t *id, int *found)
{
    size_t lo = 0, hi = t->nrecs, mid;
    int c;

    *found = 0;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = memcmp(t->recs[mid]->id, id, ENTRY_ID_LEN);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void team_purge_add(struct team *t, const uint8_t key[ENTRY_KEY_LEN], uint64_t after_ms)
{
    size_t i;

    for (i = 0; i < t->npurges; i++) {
        if (memcmp(t->purges[i].key, key, ENTRY_KEY_LEN) == 0) {
            if (after_ms < t->purges[i].after_ms)
                t->purges[i].after_ms = after_ms;
            return;
        }
    }
    t->purges = xreallocarray(t->purges, t->npurges + 1, sizeof(*t->purges));
    memcpy(t->purges[t->npurges].key, key, ENTRY_KEY_LEN);
    t->purges[t->npurges++].after_ms = after_ms;
}

/* Queue a purge for every key whose membership ends earlier in nv than in old. */
static void team_queue_purges(struct team *t, const struct team_view *old,
                              const struct team_view *nv)
{
    size_t i;

    for (i = 0; i < old->nkeys; i++) {
        const struct team_key *ok = &old->keys[i], *nk;
        uint64_t old_end, new_end;

        if (!team_is_member_key(ok))
            continue;
        old_end = ok->revoked_ms != 0 ? ok->revoked_ms : UINT64_MAX;
        nk = team_view_key(nv, ok->key);
        if (nk == NULL || !team_is_member_key(nk))
            new_end = 0;
        else
            new_end = nk->revoked_ms != 0 ? nk->revoked_ms : UINT64_MAX;
        if (new_end < old_end)
            team_purge_add(t, ok->key, new_end);
    }
}

static int team_zap_cmp(const void *a, const void *b)
{
    return memcmp(a, b, TEAM_CURVE_LEN); /* curve is the first member */
}

/* Rebuild the ZAP lookups from t->view, reusing the key conversions of old. */
static void team_build_zap(struct team *t, const struct team_view *old)
{
    const struct team_view *v = &t->view;
    size_t i;

    free(t->zap);
    free(t->joins);
    t->nzap = t->njoins = 0;
    t->zap = xreallocarray(NULL, v->nkeys + 1, sizeof(*t->zap));
    t->joins = xreallocarray(NULL, v->nepochs + 1, TEAM_CURVE_LEN);
    for (i = 0; i < v->nkeys; i++) {
        struct team_key *k = &v->keys[i];
        const struct team_key *ok;

        if (!team_is_member_key(k) || k->revoked_ms != 0)
            continue;
        if (!k->curve_done) {
            ok = team_view_key(old, k->key);
            if (ok != NULL && ok->curve_done) {
                k->curve_ok = ok->curve_ok;
                memcpy(k->curve, ok->curve, TEAM_CURVE_LEN);
            } else {
                k->curve_ok = team_node_curve_public(k->key, k->curve) == 0;
            }
            k->curve_done = 1;
        }
        if (k->curve_ok) {
            memcpy(t->zap[t->nzap].curve, k->curve, TEAM_CURVE_LEN);
            memcpy(t->zap[t->nzap++].key, k->key, ENTRY_KEY_LEN);
        }
    }
    qsort(t->zap, t->nzap, sizeof(*t->zap), team_zap_cmp);
    for (i = 0; i < v->nepochs; i++)
        if (v->epochs[i].valid && v->epochs[i].nnext == 0)
            memcpy(t->joins[t->njoins++], v->epochs[i].rec->join, TEAM_CURVE_LEN);
    qsort(t->joins, t->njoins, TEAM_CURVE_LEN, team_zap_cmp);
}

/* Recompute the state from the held entries (t->mu held). */
static void team_recompute(struct team *t)
{
    struct team_view old = t->view;
    uint8_t digest[crypto_generichash_BYTES];

    team_view_compute(&t->view, t->recs, t->nrecs, t->has_assumed ? &t->assumed : NULL);
    team_queue_purges(t, &old, &t->view);
    team_build_zap(t, &old);
    team_view_free(&old);
    team_view_digest(&t->view, digest);
    if (memcmp(digest, t->digest, sizeof(digest)) != 0) {
        memcpy(t->digest, digest, sizeof(digest));
        t->version++;
    }
}

int team_add(struct team *t, const struct entry *e, char *err, size_t errlen)
{
    struct team_rec *r = xcalloc(1, sizeof(*r));
    struct entry *own = NULL;
    const uint8_t *bytes;
    size_t len, pos;
    int found, rc = -1;

    if (!team_is_team_kind(entry_kind(e))) {
        errmsg_set(err, errlen, "kind %u is not a team kind", (unsigned)entry_kind(e));
        goto out;
    }
    bytes = entry_bytes(e, &len);
    own = entry_decode(bytes, len, err, errlen);
    /* Parse and verify the proof before taking the lock. */
    if (own == NULL || team_rec_init(r, t->id, own, err, errlen) != 0)
        goto out;
    r->own = own;
    own = NULL;
    pthread_mutex_lock(&t->mu);
    pos = team_rec_lower(t, r->id, &found);
    if (found) {
        rc = 0;
    } else {
        if (t->nrecs == t->caprecs) {
            t->caprecs = t->caprecs != 0 ? 2 * t->caprecs : 16;
            t->recs = xreallocarray(t->recs, t->caprecs, sizeof(*t->recs));
        }
        memmove(t->recs + pos + 1, t->recs + pos, (t->nrecs - pos) * sizeof(*t->recs));
        t->recs[pos] = r;
        t->nrecs++;
        r = NULL;
        team_recompute(t);
        rc = 1;
    }
    pthread_mutex_unlock(&t->mu);
out:
    entry_destroy(&own);
    team_rec_free(r);
    return rc;
}

int team_admits(struct team *t, const struct entry *e, char *why, size_t whylen)
{
    uint8_t id[TEAM_ID_LEN];
    const struct team_key *k;
    uint64_t at = entry_created_ms(e);
    int rc = 0;

    if (team_is_team_kind(entry_kind(e))) {
        if (team_entry_team(e, id) != 0) {
            errmsg_set(why, whylen, "not a well-formed team entry");
            return 0;
        }
        if (memcmp(id, t->id, TEAM_ID_LEN) != 0) {
            errmsg_set(why, whylen, "belongs to another team");
            return 0;
        }
        return 1;
    }
    pthread_mutex_lock(&t->mu);
    k = team_view_key(&t->view, entry_author(e));
    if (k == NULL || !team_is_member_key(k))
        errmsg_set(why, whylen, "author is not a member of the team");
    else if (k->revoked_ms != 0 && at > k->revoked_ms)
        errmsg_set(why, whylen, "author was revoked at %llu", (unsigned long long)k->revoked_ms);
    else
        rc = 1;
    pthread_mutex_unlock(&t->mu);
    return rc;
}

int team_is_member(struct team *t, const uint8_t key[ENTRY_KEY_LEN], uint64_t at_ms)
{
    const struct team_key *k;
    int rc;

    pthread_mutex_lock(&t->mu);
    k = team_view_key(&t->view, key);
    rc = k != NULL && team_is_member_key(k) && (k->revoked_ms == 0 || at_ms <= k->revoked_ms);
    pthread_mutex_unlock(&t->mu);
    return rc;
}

int team_is_admin(struct team *t, const uint8_t key[ENTRY_KEY_LEN], uint64_t at_ms)
{
    const struct team_key *k;
    int rc;

    pthread_mutex_lock(&t->mu);
    k = team_view_key(&t->view, key);
    rc = k != NULL && k->is_admin && (k->revoked_ms == 0 || at_ms <= k->revoked_ms);
    pthread_mutex_unlock(&t->mu);
    return rc;
}

int team_has_genesis(struct team *t)
{
    int rc;

    pthread_mutex_lock(&t->mu);
    rc = t->view.genesis != NULL;
    pthread_mutex_unlock(&t->mu);
    return rc;
}

void team_name(struct team *t, char *out, size_t outlen)
{
    if (outlen == 0)
        return;
    pthread_mutex_lock(&t->mu);
    snprintf(out, outlen, "%s", t->view.genesis != NULL ? entry_title(t->view.genesis->e) : "");
    pthread_mutex_unlock(&t->mu);
}

uint64_t team_version(struct team *t)
{
    uint64_t v;

    pthread_mutex_lock(&t->mu);
    v = t->version;
    pthread_mutex_unlock(&t->mu);
    return v;
}

enum team_zap team_zap(struct team *t, const uint8_t curve_pk[TEAM_CURVE_LEN],
                       uint8_t member[ENTRY_KEY_LEN])
{
    const struct team_zapkey *z = NULL;
    enum team_zap rc = TEAM_ZAP_NO;

    pthread_mutex_lock(&t->mu);
    if (t->nzap > 0)
        z = bsearch(curve_pk, t->zap, t->nzap, sizeof(*t->zap), team_zap_cmp);
    if (z != NULL) {
        if (member != NULL)
            memcpy(member, z->key, ENTRY_KEY_LEN);
        rc = TEAM_ZAP_MEMBER;
    } else if (t->njoins > 0 &&
               bsearch(curve_pk, t->joins, t->njoins, TEAM_CURVE_LEN, team_zap_cmp) != NULL) {
        rc = TEAM_ZAP_JOIN;
    }
    pthread_mutex_unlock(&t->mu);
    return rc;
}

/* A growing list of records (credentials). */
struct team_recset {
    const struct team_rec **r;
    size_t n, cap;
};

static void team_recset_add(struct team_recset *s, const struct team_rec *r)
{
    if (r == NULL || r->e == NULL) /* no genesis (an assumed epoch): nothing to show */
        return;
    if (s->n == s->cap) {
        s->cap = s->cap != 0 ? 2 * s->cap : 16;
        s->r = xreallocarray(s->r, s->cap, sizeof(*s->r));
    }
    s->r[s->n++] = r;
}

/* The ADMIN entries that made k an admin, and their authors, back to a genesis admin. */
static void team_recset_admin(struct team_recset *s, const struct team_view *v,
                              const struct team_key *k, size_t limit)
{
    while (k != NULL && !k->genesis_admin && k->granted != NULL && limit-- > 0) {
        team_recset_add(s, k->granted);
        k = team_view_key(v, k->granted->author);
    }
}

int team_credentials(struct team *t, const uint8_t key[ENTRY_KEY_LEN], struct buf *out)
{
    struct team_recset s = {0};
    const struct team_view *v = &t->view;
    const struct team_key *k;
    const struct team_epoch *ep;
    struct buf tmp;
    size_t i, m = 0, len;
    int rc = -1;

    buf_init(&tmp, SIZE_MAX / 2);
    pthread_mutex_lock(&t->mu);
    k = team_view_key(v, key);
    if (k == NULL || !team_is_member_key(k) || k->revoked_ms != 0)
        goto out;
    team_recset_add(&s, v->genesis);
    if (k->is_admin) {
        team_recset_admin(&s, v, k, t->nrecs);
    } else {
        team_recset_add(&s, k->cert);
        for (ep = k->epoch; ep->prev != NULL; ep = ep->prev) {
            team_recset_add(&s, ep->rec);
            team_recset_admin(&s, v, team_view_key(v, ep->rec->author), t->nrecs);
        }
        if (k->via != NULL) {
            team_recset_add(&s, k->via);
            team_recset_admin(&s, v, team_view_key(v, k->via->author), t->nrecs);
        }
    }
    qsort(s.r, s.n, sizeof(*s.r), team_rec_cmp_id);
    for (i = 0; i < s.n; i++) {
        const uint8_t *bytes;
        if (i > 0 && s.r[i] == s.r[i - 1])
            continue;
        bytes = entry_bytes(s.r[i]->e, &len);
        if (buf_append_u32be(&tmp, (uint32_t)len) != 0 || buf_append(&tmp, bytes, len) != 0)
            goto out;
        m++;
    }
    if (buf_append(out, tmp.data, tmp.len) != 0)
        goto out;
    rc = (int)m;
out:
    pthread_mutex_unlock(&t->mu);
    free(s.r);
    buf_free(&tmp);
    return rc;
}

int team_check_with(struct team *t, const uint8_t key[ENTRY_KEY_LEN],
                    const struct entry *const *extra, size_t nextra, char *why, size_t whylen)
{
    struct team_rec *xr = xcalloc(nextra + 1, sizeof(*xr));
    struct team_rec **all = NULL;
    struct team_view v = {0};
    const struct team_key *k;
    size_t i, nx = 0, nall = 0, m = 0;
    int found, rc = 0;

    /* Verify the certificates' proofs before taking the lock. */
    for (i = 0; i < nextra; i++)
        if (extra[i] != NULL && team_rec_init(&xr[nx], t->id, extra[i], NULL, 0) == 0)
            nx++;
    pthread_mutex_lock(&t->mu);
    all = xreallocarray(NULL, t->nrecs + nx + 1, sizeof(*all));
    for (i = 0; i < t->nrecs; i++)
        all[nall++] = t->recs[i];
    for (i = 0; i < nx; i++) {
        (void)team_rec_lower(t, xr[i].id, &found);
        if (!found)
            all[nall++] = &xr[i];
    }
    qsort(all, nall, sizeof(*all), team_rec_cmp_id);
    for (i = 0; i < nall; i++)
        if (m == 0 || memcmp(all[m - 1]->id, all[i]->id, ENTRY_ID_LEN) != 0)
            all[m++] = all[i];
    team_view_compute(&v, all, m, t->has_assumed ? &t->assumed : NULL);
    k = team_view_key(&v, key);
    if (v.genesis == NULL && v.nepochs == 0)
        errmsg_set(why, whylen, "the team's genesis entry is not known");
    else if (k == NULL || !team_is_member_key(k))
        errmsg_set(why, whylen, "not a member of the team");
    else if (k->revoked_ms != 0)
        errmsg_set(why, whylen, "revoked at %llu", (unsigned long long)k->revoked_ms);
    else
        rc = 1;
    pthread_mutex_unlock(&t->mu);
    team_view_free(&v);
    free(all);
    free(xr);
    return rc;
}

size_t team_take_purges(struct team *t, struct team_purge *out, size_t max)
{
    size_t n;

    pthread_mutex_lock(&t->mu);
    n = t->npurges < max ? t->npurges : max;
    if (n > 0) {
        memcpy(out, t->purges, n * sizeof(*out));
        memmove(t->purges, t->purges + n, (t->npurges - n) * sizeof(*t->purges));
        t->npurges -= n;
    }
    pthread_mutex_unlock(&t->mu);
    return n;
}

void team_purge_why(const struct team_purge *p, char *out, size_t outlen)
{
    if (p->after_ms == 0)
        snprintf(out, outlen, "no longer a member (not on a rotation's roster)");
    else
        snprintf(out, outlen, "created after its membership ended at %llu",
                 (unsigned long long)p->after_ms);
}

void team_members(struct team *t, void (*fn)(void *ctx, const struct team_member_info *m),
                  void *ctx)
{
    struct team_member_info *list;
    size_t i, n = 0;
    int pass;

    pthread_mutex_lock(&t->mu);
    list = xreallocarray(NULL, t->view.nkeys + 1, sizeof(*list));
    for (pass = 1; pass >= 0; pass--) { /* admins first, then the others; by key in each */
        for (i = 0; i < t->view.nkeys; i++) {
            const struct team_key *k = &t->view.keys[i];
            if (!team_is_member_key(k) || k->is_admin != pass)
                continue;
            memcpy(list[n].key, k->key, ENTRY_KEY_LEN);
            list[n].is_admin = k->is_admin;
            list[n].vouched = k->vouched;
            list[n++].revoked_ms = k->revoked_ms;
        }
    }
    pthread_mutex_unlock(&t->mu);
    /* Unlocked, so fn may call back into the team. */
    for (i = 0; i < n; i++)
        fn(ctx, &list[i]);
    free(list);
}

/* 1 if the VOUCH entries of viewer (in the index) name voter. */
static int team_view_vouched_by(const struct team_view *v, const uint8_t *viewer,
                                const uint8_t *voter)
{
    size_t lo = 0, hi = v->nvouches, mid;

    while (lo < hi) { /* the first VOUCH by viewer */
        mid = lo + (hi - lo) / 2;
        if (memcmp(v->vouches[mid]->author, viewer, ENTRY_KEY_LEN) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < v->nvouches && memcmp(v->vouches[lo]->author, viewer, ENTRY_KEY_LEN) == 0; lo++)
        if (team_body_has(entry_body(v->vouches[lo]->e), entry_body_len(v->vouches[lo]->e), voter))
            return 1;
    return 0;
}

int team_trust(struct team *t, const uint8_t viewer[ENTRY_KEY_LEN],
               const uint8_t voter[ENTRY_KEY_LEN], uint8_t pool[ENTRY_ID_LEN])
{
    const struct team_key *k;
    int rc;

    memset(pool, 0, ENTRY_ID_LEN);
    if (memcmp(viewer, voter, ENTRY_KEY_LEN) == 0)
        return 1;
    pthread_mutex_lock(&t->mu);
    k = team_view_key(&t->view, voter);
    rc =
        (k != NULL && (k->is_admin || k->vouched)) || team_view_vouched_by(&t->view, viewer, voter);
    if (!rc && k != NULL && k->epoch != NULL && k->epoch->rec->id != NULL)
        memcpy(pool, k->epoch->rec->id, ENTRY_ID_LEN);
    pthread_mutex_unlock(&t->mu);
    return rc;
}

int team_head(struct team *t, uint8_t id[ENTRY_ID_LEN])
{
    const struct team_rec *best = NULL;
    size_t i;

    pthread_mutex_lock(&t->mu);
    for (i = 0; i < t->view.nepochs; i++) {
        const struct team_epoch *ep = &t->view.epochs[i];
        if (ep->valid && ep->nnext == 0 &&
            (best == NULL || team_rec_cmp_order(&ep->rec, &best) > 0))
            best = ep->rec;
    }
    if (best != NULL)
        memcpy(id, best->id, ENTRY_ID_LEN);
    pthread_mutex_unlock(&t->mu);
    return best != NULL ? 0 : -1;
}

void team_assume(struct team *t, const struct team_invite *inv)
{
    pthread_mutex_lock(&t->mu);
    memset(&t->assumed, 0, sizeof(t->assumed));
    memset(t->assumed_id, 0, sizeof(t->assumed_id)); /* no entry has this id */
    t->assumed.kind = ENTRY_TEAM;
    t->assumed.id = t->assumed_id;
    t->assumed.author = t->assumed_id;
    memcpy(t->assumed.invite, team_invite_public(inv), ENTRY_KEY_LEN);
    memcpy(t->assumed.join, team_invite_join_public(inv), TEAM_CURVE_LEN);
    t->has_assumed = 1;
    team_recompute(t);
    pthread_mutex_unlock(&t->mu);
}

int team_invite_current(struct team *t, const struct team_invite *inv)
{
    size_t i;
    int rc = 0;

    pthread_mutex_lock(&t->mu);
    for (i = 0; i < t->view.nepochs && !rc; i++) {
        const struct team_epoch *ep = &t->view.epochs[i];
        rc = ep->valid && ep->nnext == 0 &&
             memcmp(ep->rec->invite, team_invite_public(inv), ENTRY_KEY_LEN) == 0 &&
             memcmp(ep->rec->join, team_invite_join_public(inv), TEAM_CURVE_LEN) == 0;
    }
    pthread_mutex_unlock(&t->mu);
    return rc;
}
