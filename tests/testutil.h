/* Helpers shared by the unit tests (header-only: each test is one executable). */
#ifndef LORE_TESTUTIL_H
#define LORE_TESTUTIL_H

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"

/* A test author: a key pair from a fixed seed, signing like identity_sign. */
struct test_author {
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
};

static inline void test_author_init(struct test_author *a, uint8_t seed_byte)
{
    uint8_t seed[crypto_sign_SEEDBYTES];

    for (size_t i = 0; i < sizeof(seed); i++)
        seed[i] = (uint8_t)(seed_byte + i);
    if (sodium_init() < 0 || crypto_sign_seed_keypair(a->pk, a->sk, seed) != 0)
        abort();
}

static inline int test_author_sign(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    struct test_author *a = ctx;

    return crypto_sign_detached(sig, NULL, msg, len, a->sk);
}

/* Create an entry or abort the test with the reason. */
static inline struct entry *test_entry(struct test_author *a, const struct entry_fields *f)
{
    char err[256];
    struct entry *e = kinds_create(f, a->pk, test_author_sign, a, err, sizeof(err));

    if (e == NULL) {
        fprintf(stderr, "kinds_create: %s\n", err);
        abort();
    }
    return e;
}

#endif
