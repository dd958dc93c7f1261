#include "presence.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* One key's newest beacon. */
struct presence_key {
    uint8_t key[WIRE_KEY_LEN];
    uint64_t time_ms;    /* the sender's time of the newest beacon taken */
    uint64_t taken_ms;   /* our monotonic clock when it was taken */
    uint64_t expires_ms; /* online until then (monotonic) */
};

struct presence {
    uint8_t team[WIRE_TEAM_LEN];
    struct presence_key *keys;
    size_t nkeys, cap;
    uint32_t seq; /* of our own beacons */
};

static const char *const presence_texts[] = {
    [PRESENCE_NEW] = "taken",
    [PRESENCE_DUPLICATE] = "duplicate",
    [PRESENCE_TOO_FAST] = "too fast",
    [PRESENCE_BAD_SIGNATURE] = "bad signature",
    [PRESENCE_NOT_MEMBER] = "not a member",
    [PRESENCE_STALE] = "stale",
    [PRESENCE_FUTURE] = "dated in the future",
    [PRESENCE_FULL] = "too many keys online",
};

const char *presence_verdict_text(enum presence_verdict v)
{
    if ((size_t)v < sizeof(presence_texts) / sizeof(presence_texts[0]))
        return presence_texts[v];
    return "?";
}

uint32_t presence_every_ms(size_t online)
{
    size_t steps = online <= PRESENCE_NODES_PER_STEP
                       ? 1
                       : (online + PRESENCE_NODES_PER_STEP - 1) / PRESENCE_NODES_PER_STEP;

    if (steps >= PRESENCE_EVERY_MAX_MS / PRESENCE_EVERY_MS)
        return PRESENCE_EVERY_MAX_MS;
    return (uint32_t)steps * PRESENCE_EVERY_MS;
}

uint32_t presence_ttl_ms(size_t online)
{
    return 3 * presence_every_ms(online);
}

struct presence *presence_new(const uint8_t team[WIRE_TEAM_LEN])
{
    struct presence *p = xcalloc(1, sizeof(*p));

    memcpy(p->team, team, WIRE_TEAM_LEN);
    return p;
}

void presence_destroy(struct presence **pp)
{
    if (pp == NULL || *pp == NULL)
        return;
    free((*pp)->keys);
    free(*pp);
    *pp = NULL;
}

static struct presence_key *presence_find(const struct presence *p, const uint8_t key[WIRE_KEY_LEN])
{
    size_t i;

    for (i = 0; i < p->nkeys; i++)
        if (memcmp(p->keys[i].key, key, WIRE_KEY_LEN) == 0)
            return &p->keys[i];
    return NULL;
}

/* A slot for a new key: a free one, or the one that expired longest ago; NULL when the table is
 * full of keys online. */
static struct presence_key *presence_slot(struct presence *p, uint64_t now_ms)
{
    struct presence_key *old = NULL;
    size_t i;

    if (p->nkeys < PRESENCE_MAX_KEYS) {
        if (p->nkeys == p->cap) {
            p->cap = p->cap ? 2 * p->cap : 16;
            p->keys = xreallocarray(p->keys, p->cap, sizeof(*p->keys));
        }
        memset(&p->keys[p->nkeys], 0, sizeof(p->keys[0]));
        return &p->keys[p->nkeys++];
    }
    for (i = 0; i < p->nkeys; i++)
        if (p->keys[i].expires_ms <= now_ms &&
            (old == NULL || p->keys[i].expires_ms < old->expires_ms))
            old = &p->keys[i];
    return old;
}

static void presence_record(struct presence_key *k, const struct wire_presence_fields *f,
                            uint64_t now_ms)
{
    memcpy(k->key, f->key, WIRE_KEY_LEN);
    k->time_ms = f->time_ms;
    k->taken_ms = now_ms;
    k->expires_ms = now_ms + f->ttl_ms;
}

int presence_make(struct presence *p, const uint8_t key[WIRE_KEY_LEN], uint64_t time_ms,
                  uint32_t ttl_ms, uint64_t now_ms, presence_sign_fn sign, void *sign_ctx,
                  struct buf *out)
{
    uint8_t msg[WIRE_PRESENCE_MSG_LEN], sig[WIRE_SIG_LEN];
    struct presence_key *k = presence_find(p, key);
    struct wire_presence_fields f;

    if (k != NULL && time_ms < k->time_ms + PRESENCE_MIN_GAP_MS)
        time_ms = k->time_ms + PRESENCE_MIN_GAP_MS;
    f = (struct wire_presence_fields){key, time_ms, ttl_ms, ++p->seq, sig};
    wire_presence_message(p->team, &f, msg);
    if (sign(sign_ctx, msg, sizeof(msg), sig) != 0 || wire_presence(out, &f) != 0)
        return -1;
    if (k == NULL)
        k = presence_slot(p, now_ms);
    if (k != NULL)
        presence_record(k, &f, now_ms);
    return 0;
}

enum presence_verdict presence_take(struct presence *p, const struct wire_presence_fields *f,
                                    presence_member_fn is_member, void *member_ctx,
                                    uint64_t team_ms, uint64_t now_ms)
{
    uint8_t msg[WIRE_PRESENCE_MSG_LEN];
    struct presence_key *k;

    if (f->time_ms > team_ms + PRESENCE_SKEW_MS)
        return PRESENCE_FUTURE;
    if (f->time_ms + f->ttl_ms + PRESENCE_SKEW_MS < team_ms)
        return PRESENCE_STALE;
    k = presence_find(p, f->key);
    if (k != NULL && f->time_ms <= k->time_ms)
        return PRESENCE_DUPLICATE;
    if (k != NULL && (f->time_ms - k->time_ms < PRESENCE_MIN_GAP_MS ||
                      now_ms - k->taken_ms < PRESENCE_MIN_GAP_MS / 2))
        return PRESENCE_TOO_FAST;
    if (!is_member(member_ctx, f->key))
        return PRESENCE_NOT_MEMBER;
    wire_presence_message(p->team, f, msg);
    if (crypto_sign_verify_detached(f->sig, msg, sizeof(msg), f->key) != 0)
        return PRESENCE_BAD_SIGNATURE;
    if (k == NULL)
        k = presence_slot(p, now_ms);
    if (k == NULL)
        return PRESENCE_FULL;
    presence_record(k, f, now_ms);
    return PRESENCE_NEW;
}

int presence_online(const struct presence *p, const uint8_t key[WIRE_KEY_LEN], uint64_t now_ms)
{
    const struct presence_key *k = presence_find(p, key);

    return k != NULL && now_ms < k->expires_ms;
}

size_t presence_each(const struct presence *p, uint64_t now_ms,
                     void (*fn)(void *ctx, const uint8_t key[WIRE_KEY_LEN]), void *ctx)
{
    size_t i, n = 0;

    for (i = 0; i < p->nkeys; i++) {
        if (now_ms >= p->keys[i].expires_ms)
            continue;
        if (fn != NULL)
            fn(ctx, p->keys[i].key);
        n++;
    }
    return n;
}
