/* Presence beacons: the documented vector, and what presence_take takes and refuses — bad
 * signatures, another team's beacons, non-members and revoked keys, stale and future times,
 * duplicates and beacons faster than one a second — and how long a key stays online. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "errmsg.h"
#include "hex.h"
#include "presence.h"
#include "team.h"
#include "testdoc.h"
#include "testutil.h"
#include "xmalloc.h"

#define T0 1795000000000ull /* the vector's time, and the team's clock in these tests */
#define NOW 5000000ull      /* a monotonic clock */

static const uint8_t vector_team[WIRE_TEAM_LEN] = {0, 1, 2,  3,  4,  5,  6,  7,
                                                   8, 9, 10, 11, 12, 13, 14, 15};

static int always_member(void *ctx, const uint8_t key[WIRE_KEY_LEN])
{
    (void)ctx;
    (void)key;
    return 1;
}

/* As gossip judges it: a current member, revocations included. */
static int team_member(void *ctx, const uint8_t key[WIRE_KEY_LEN])
{
    return team_is_member(ctx, key, UINT64_MAX);
}

/* A beacon of a, signed for team, encoded into b and decoded into m (pointing into b). */
static void beacon(struct test_author *a, const uint8_t *team, uint64_t time_ms, uint32_t ttl_ms,
                   uint32_t seq, struct buf *b, struct wire_msg *m)
{
    uint8_t msg[WIRE_PRESENCE_MSG_LEN], sig[WIRE_SIG_LEN];
    struct wire_presence_fields f = {a->pk, time_ms, ttl_ms, seq, sig};
    char err[ERRMSG_MAX];

    wire_presence_message(team, &f, msg);
    assert_int_equal(test_author_sign(a, msg, sizeof(msg), sig), 0);
    buf_reset(b);
    assert_int_equal(wire_presence(b, &f), 0);
    assert_int_equal(wire_decode(b->data, b->len, m, err, sizeof(err)), 0);
    assert_int_equal(m->type, WIRE_PRESENCE);
}

static enum presence_verdict take(struct presence *p, struct wire_msg *m, uint64_t team_ms,
                                  uint64_t now_ms)
{
    return presence_take(p, &m->u.presence, always_member, NULL, team_ms, now_ms);
}

/* docs/PROTOCOL.md's vector: the entry vectors' author, the team id 00..0f, T0, 9 s, seq 1. */
static void test_vector_matches_doc(void **state)
{
    struct test_author a;
    struct buf b;
    struct wire_msg m;
    uint8_t msg[WIRE_PRESENCE_MSG_LEN];
    char *hex = xmalloc(2 * WIRE_MAX_FRAME + 1), *doc_frame, *doc_msg;

    (void)state;
    test_author_init(&a, 1);
    buf_init(&b, WIRE_MAX_FRAME);
    beacon(&a, vector_team, T0, PRESENCE_TTL_MS, 1, &b, &m);
    assert_int_equal(b.len, 2 + 32 + 8 + 4 + 4 + 64);
    wire_presence_message(vector_team, &m.u.presence, msg);
    if (getenv("LORE_PRINT_VECTORS") != NULL) {
        hex_encode(msg, sizeof(msg), hex);
        printf("message: %s\n", hex);
        hex_encode(b.data, b.len, hex);
        printf("frame: %s\n", hex);
    }
    doc_frame = doc_vector("PROTOCOL.md", "presence", "frame");
    doc_msg = doc_vector("PROTOCOL.md", "presence", "message");
    assert_non_null(doc_frame);
    assert_non_null(doc_msg);
    hex_encode(b.data, b.len, hex);
    assert_string_equal(doc_frame, hex);
    hex_encode(msg, sizeof(msg), hex);
    assert_string_equal(doc_msg, hex);
    /* And it verifies as the vector's team's. */
    struct presence *p = presence_new(vector_team);
    assert_int_equal(take(p, &m, T0, NOW), PRESENCE_NEW);
    presence_destroy(&p);
    free(doc_frame);
    free(doc_msg);
    free(hex);
    buf_free(&b);
}

static void test_signature_and_team(void **state)
{
    struct test_author a, mallory;
    struct presence *p = presence_new(vector_team), *other;
    uint8_t team2[WIRE_TEAM_LEN];
    struct buf b;
    struct wire_msg m;

    (void)state;
    test_author_init(&a, 1);
    test_author_init(&mallory, 66);
    buf_init(&b, WIRE_MAX_FRAME);

    /* Any bit of the signed part changed: refused, and nothing is taken. */
    beacon(&a, vector_team, T0, PRESENCE_TTL_MS, 1, &b, &m);
    b.data[2 + 32 + 8 + 4 + 3] ^= 1; /* seq */
    assert_int_equal(wire_decode(b.data, b.len, &m, NULL, 0), 0);
    assert_int_equal(take(p, &m, T0, NOW), PRESENCE_BAD_SIGNATURE);
    beacon(&a, vector_team, T0, PRESENCE_TTL_MS, 1, &b, &m);
    b.data[b.len - 1] ^= 0x80; /* the signature */
    assert_int_equal(wire_decode(b.data, b.len, &m, NULL, 0), 0);
    assert_int_equal(take(p, &m, T0, NOW), PRESENCE_BAD_SIGNATURE);
    assert_int_equal(presence_online(p, a.pk, NOW), 0);

    /* Signed by someone else in a's name. */
    beacon(&mallory, vector_team, T0, PRESENCE_TTL_MS, 1, &b, &m);
    memcpy(b.data + 2, a.pk, WIRE_KEY_LEN);
    assert_int_equal(wire_decode(b.data, b.len, &m, NULL, 0), 0);
    assert_int_equal(take(p, &m, T0, NOW), PRESENCE_BAD_SIGNATURE);

    /* A's genuine beacon for another team does not count in this one. */
    memset(team2, 0x77, sizeof(team2));
    beacon(&a, team2, T0, PRESENCE_TTL_MS, 1, &b, &m);
    assert_int_equal(take(p, &m, T0, NOW), PRESENCE_BAD_SIGNATURE);
    other = presence_new(team2);
    assert_int_equal(take(other, &m, T0, NOW), PRESENCE_NEW);
    presence_destroy(&other);

    /* The genuine one for this team is taken after all those. */
    beacon(&a, vector_team, T0, PRESENCE_TTL_MS, 1, &b, &m);
    assert_int_equal(take(p, &m, T0, NOW), PRESENCE_NEW);
    assert_int_equal(presence_online(p, a.pk, NOW), 1);
    presence_destroy(&p);
    buf_free(&b);
}

/* Members only: a key the team does not know, and a revoked one, are refused. */
static void test_members_only(void **state)
{
    struct test_author admin, gone, stranger;
    uint8_t admins[2][ENTRY_KEY_LEN];
    struct team_invite *inv;
    struct entry *g, *r;
    struct team *t;
    struct presence *p;
    uint8_t secret[TEAM_SECRET_LEN], tid[TEAM_ID_LEN];
    char err[ERRMSG_MAX];
    struct buf b;
    struct wire_msg m;

    (void)state;
    test_author_init(&admin, 1);
    test_author_init(&gone, 33);
    test_author_init(&stranger, 99);
    memset(secret, 5, sizeof(secret));
    inv = team_invite_new(secret);
    assert_non_null(inv);
    memcpy(admins[0], admin.pk, ENTRY_KEY_LEN);
    memcpy(admins[1], gone.pk, ENTRY_KEY_LEN);
    g = team_genesis_create("Platform", (const uint8_t(*)[ENTRY_KEY_LEN])admins, 2, inv, T0 - 60000,
                            admin.pk, test_author_sign, &admin, err, sizeof(err));
    assert_non_null(g);
    memcpy(tid, entry_id(g), TEAM_ID_LEN);
    t = team_new(tid);
    assert_int_equal(team_add(t, g, err, sizeof(err)), 1);
    p = presence_new(tid);
    buf_init(&b, WIRE_MAX_FRAME);

    beacon(&stranger, tid, T0, PRESENCE_TTL_MS, 1, &b, &m);
    assert_int_equal(presence_take(p, &m.u.presence, team_member, t, T0, NOW), PRESENCE_NOT_MEMBER);
    beacon(&gone, tid, T0, PRESENCE_TTL_MS, 1, &b, &m);
    assert_int_equal(presence_take(p, &m.u.presence, team_member, t, T0, NOW), PRESENCE_NEW);

    r = team_revocation_create(tid, gone.pk, T0 - 1000, admin.pk, test_author_sign, &admin, err,
                               sizeof(err));
    assert_non_null(r);
    assert_int_equal(team_add(t, r, err, sizeof(err)), 1);
    beacon(&gone, tid, T0 + 3000, PRESENCE_TTL_MS, 2, &b, &m);
    assert_int_equal(presence_take(p, &m.u.presence, team_member, t, T0 + 3000, NOW + 3000),
                     PRESENCE_NOT_MEMBER);
    beacon(&admin, tid, T0, PRESENCE_TTL_MS, 1, &b, &m);
    assert_int_equal(presence_take(p, &m.u.presence, team_member, t, T0, NOW), PRESENCE_NEW);
    assert_string_equal(presence_verdict_text(PRESENCE_NOT_MEMBER), "not a member");

    entry_destroy(&g);
    entry_destroy(&r);
    team_destroy(&t);
    team_invite_destroy(&inv);
    presence_destroy(&p);
    buf_free(&b);
}

/* Every node relays every member's beacon on each of its links, so with more nodes online each
 * beacons less often: a node relays at most about 13 beacons a second up to 256 nodes online (with
 * 100 nodes every 3 s, it was 33 a second, each on every link), and beacons as often as before
 * with up to 16. The ttl is three periods and within what the wire allows. */
static void test_period_scales(void **state)
{
    size_t online;

    (void)state;
    for (online = 0; online <= 16; online++)
        assert_int_equal(presence_every_ms(online), PRESENCE_EVERY_MS);
    for (online = 1; online <= 4096; online++) {
        uint32_t every = presence_every_ms(online);
        assert_true(every >= (uint32_t)PRESENCE_EVERY_MS && every >= presence_every_ms(online - 1));
        assert_int_equal(presence_ttl_ms(online), 3 * every);
        assert_true(presence_ttl_ms(online) <= WIRE_MAX_PRESENCE_TTL_MS);
        if (online <= 256)
            assert_true((double)online * 1000.0 / every <= 13.0);
    }
}

/* Flooding: the same beacon by another path, an older one, and one within a second of the last
 * (by the sender's time or by ours) are not taken again. */
static void test_dedup_and_rate(void **state)
{
    struct test_author a;
    struct presence *p = presence_new(vector_team);
    struct buf b;
    struct wire_msg m;

    (void)state;
    test_author_init(&a, 1);
    buf_init(&b, WIRE_MAX_FRAME);
    beacon(&a, vector_team, T0, PRESENCE_TTL_MS, 7, &b, &m);
    assert_int_equal(take(p, &m, T0, NOW), PRESENCE_NEW);
    assert_int_equal(take(p, &m, T0, NOW + 5), PRESENCE_DUPLICATE);
    beacon(&a, vector_team, T0 - 3000, PRESENCE_TTL_MS, 6, &b, &m);
    assert_int_equal(take(p, &m, T0, NOW + 10), PRESENCE_DUPLICATE);
    /* Newer, but 999 ms after the last by its own clock. */
    beacon(&a, vector_team, T0 + 999, PRESENCE_TTL_MS, 8, &b, &m);
    assert_int_equal(take(p, &m, T0 + 2000, NOW + 2000), PRESENCE_TOO_FAST);
    /* A second apart by its clock, but arriving 100 ms after the last one here. */
    beacon(&a, vector_team, T0 + 1000, PRESENCE_TTL_MS, 8, &b, &m);
    assert_int_equal(take(p, &m, T0 + 100, NOW + 100), PRESENCE_TOO_FAST);
    assert_int_equal(take(p, &m, T0 + 1000, NOW + 1000), PRESENCE_NEW);
    /* A burst of 100 beacons a millisecond apart: at most one a second is taken. */
    size_t taken = 0;
    for (uint64_t i = 1; i <= 100; i++) {
        beacon(&a, vector_team, T0 + 1000 + i * 10, PRESENCE_TTL_MS, 8 + (uint32_t)i, &b, &m);
        taken += take(p, &m, T0 + 1000 + i, NOW + 1000 + i) == PRESENCE_NEW;
    }
    assert_int_equal(taken, 0);
    presence_destroy(&p);
    buf_free(&b);
}

/* Freshness against the team's clock, and how long a key stays online. */
static void test_time_and_expiry(void **state)
{
    struct test_author a, c;
    struct presence *p = presence_new(vector_team);
    struct buf b;
    struct wire_msg m;

    (void)state;
    test_author_init(&a, 1);
    test_author_init(&c, 3);
    buf_init(&b, WIRE_MAX_FRAME);
    beacon(&a, vector_team, T0 + PRESENCE_SKEW_MS + 1, PRESENCE_TTL_MS, 1, &b, &m);
    assert_int_equal(take(p, &m, T0, NOW), PRESENCE_FUTURE);
    beacon(&a, vector_team, T0 - PRESENCE_SKEW_MS - PRESENCE_TTL_MS - 1, PRESENCE_TTL_MS, 1, &b,
           &m);
    assert_int_equal(take(p, &m, T0, NOW), PRESENCE_STALE);
    beacon(&a, vector_team, T0 + PRESENCE_SKEW_MS, PRESENCE_TTL_MS, 1, &b, &m);
    assert_int_equal(take(p, &m, T0, NOW), PRESENCE_NEW);

    /* Online for the ttl after it arrived (our monotonic clock), then not. */
    assert_int_equal(presence_online(p, a.pk, NOW + PRESENCE_TTL_MS - 1), 1);
    assert_int_equal(presence_online(p, a.pk, NOW + PRESENCE_TTL_MS), 0);
    assert_int_equal(presence_online(p, c.pk, NOW), 0);
    beacon(&c, vector_team, T0, PRESENCE_TTL_MS, 1, &b, &m);
    assert_int_equal(take(p, &m, T0, NOW + 1), PRESENCE_NEW);
    assert_int_equal(presence_each(p, NOW + 2, NULL, NULL), 2);
    assert_int_equal(presence_each(p, NOW + PRESENCE_TTL_MS, NULL, NULL), 1);
    /* A node that stops says so: its last beacon holds 1 ms. */
    beacon(&c, vector_team, T0 + 3000, PRESENCE_LEAVE_TTL_MS, 2, &b, &m);
    assert_int_equal(take(p, &m, T0 + 3000, NOW + 3000), PRESENCE_NEW);
    assert_int_equal(presence_online(p, c.pk, NOW + 3001), 0);
    presence_destroy(&p);
    buf_free(&b);
}

/* Our own beacons: signed so that peers take them, never too fast, and their echoes duplicates. */
static void test_make(void **state)
{
    struct test_author a;
    struct presence *mine = presence_new(vector_team), *peer = presence_new(vector_team);
    struct buf b;
    struct wire_msg m;

    (void)state;
    test_author_init(&a, 1);
    buf_init(&b, WIRE_MAX_FRAME);
    assert_int_equal(presence_make(mine, a.pk, T0, PRESENCE_TTL_MS, NOW, test_author_sign, &a, &b),
                     0);
    assert_int_equal(wire_decode(b.data, b.len, &m, NULL, 0), 0);
    assert_int_equal(m.u.presence.seq, 1);
    assert_int_equal(take(peer, &m, T0, NOW), PRESENCE_NEW);
    assert_int_equal(take(mine, &m, T0, NOW), PRESENCE_DUPLICATE); /* its echo */
    assert_int_equal(presence_online(mine, a.pk, NOW), 1);
    /* Made 10 ms later (a clean stop just after a beacon): dated a second after the last. */
    buf_reset(&b);
    assert_int_equal(presence_make(mine, a.pk, T0 + 10, PRESENCE_LEAVE_TTL_MS, NOW + 600,
                                   test_author_sign, &a, &b),
                     0);
    assert_int_equal(wire_decode(b.data, b.len, &m, NULL, 0), 0);
    assert_int_equal(m.u.presence.time_ms, T0 + PRESENCE_MIN_GAP_MS);
    assert_int_equal(m.u.presence.seq, 2);
    assert_int_equal(take(peer, &m, T0 + 10, NOW + 600), PRESENCE_NEW);
    assert_int_equal(presence_online(peer, a.pk, NOW + 601), 0);
    presence_destroy(&mine);
    presence_destroy(&peer);
    buf_free(&b);
}

/* The table is bounded: past PRESENCE_MAX_KEYS keys online, new keys are refused until some
 * expire. */
static void test_bounded(void **state)
{
    struct presence *p = presence_new(vector_team);
    struct test_author a;
    struct buf b;
    struct wire_msg m;
    size_t i;

    (void)state;
    buf_init(&b, WIRE_MAX_FRAME);
    for (i = 0; i <= PRESENCE_MAX_KEYS; i++) {
        uint8_t seed[32] = {0};
        memcpy(seed, &i, sizeof(i));
        assert_int_equal(crypto_sign_seed_keypair(a.pk, a.sk, seed), 0);
        beacon(&a, vector_team, T0, PRESENCE_TTL_MS, 1, &b, &m);
        assert_int_equal(take(p, &m, T0, NOW),
                         i < PRESENCE_MAX_KEYS ? PRESENCE_NEW : PRESENCE_FULL);
    }
    assert_int_equal(take(p, &m, T0 + 1, NOW + PRESENCE_TTL_MS), PRESENCE_NEW);
    assert_int_equal(presence_each(p, NOW + PRESENCE_TTL_MS, NULL, NULL), 1);
    presence_destroy(&p);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_matches_doc),
        cmocka_unit_test(test_signature_and_team),
        cmocka_unit_test(test_members_only),
        cmocka_unit_test(test_dedup_and_rate),
        cmocka_unit_test(test_period_scales),
        cmocka_unit_test(test_time_and_expiry),
        cmocka_unit_test(test_make),
        cmocka_unit_test(test_bounded),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
