/* Unit tests for node/identity.c, on real key files in a mkdtemp directory under /tmp. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "entry.h"
#include "identity.h"
#include "kinds.h"
#include "xmalloc.h"

struct fixture {
    char base[64]; /* the mkdtemp directory */
    char dir[128]; /* base/id: the identity directory, not created by setup */
    char key[160]; /* dir/secret.key */
    char err[512];
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        chmod(path, 0700);
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));

    snprintf(f->base, sizeof(f->base), "/tmp/test_identity.XXXXXX");
    if (mkdtemp(f->base) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "%s/id", f->base);
    snprintf(f->key, sizeof(f->key), "%s/secret.key", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int rc = nftw(f->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

    free(f);
    return rc;
}

static void write_file(const char *path, const void *data, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    assert_non_null(d);
    for (e = readdir(d); e != NULL; e = readdir(d))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void test_create_then_reload(void **state)
{
    struct fixture *f = *state;
    struct identity *id;
    uint8_t pk[IDENTITY_PUBLIC_KEY_LEN];
    struct stat st;
    int created = -1;

    id = identity_open(f->dir, &created, f->err, sizeof(f->err));
    assert_non_null(id);
    assert_int_equal(created, 1);
    memcpy(pk, identity_public_key(id), sizeof(pk));
    identity_destroy(&id);
    assert_null(id);

    assert_int_equal(lstat(f->dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(lstat(f->key, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 32);
    assert_int_equal(count_entries(f->dir), 1); /* no temporary file left behind */

    id = identity_open(f->dir, &created, f->err, sizeof(f->err));
    assert_non_null(id);
    assert_int_equal(created, 0);
    assert_memory_equal(identity_public_key(id), pk, sizeof(pk));
    identity_destroy(&id);

    id = identity_open(f->dir, NULL, f->err, sizeof(f->err)); /* created may be NULL */
    assert_non_null(id);
    identity_destroy(&id);
    identity_destroy(&id);
    identity_destroy(NULL);
}

static void test_two_dirs_differ(void **state)
{
    struct fixture *f = *state;
    struct identity *a, *b;
    char other[256];

    snprintf(other, sizeof(other), "%s/other", f->base);
    a = identity_open(f->dir, NULL, f->err, sizeof(f->err));
    b = identity_open(other, NULL, f->err, sizeof(f->err));
    assert_non_null(a);
    assert_non_null(b);
    assert_memory_not_equal(identity_public_key(a), identity_public_key(b),
                            IDENTITY_PUBLIC_KEY_LEN);
    identity_destroy(&a);
    identity_destroy(&b);
}

static void test_file_is_raw_seed(void **state)
{
    struct fixture *f = *state;
    unsigned char seed[32], pk[32], sk[64];
    struct identity *id;
    size_t i;

    for (i = 0; i < sizeof(seed); i++)
        seed[i] = (unsigned char)(i + 1);
    assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
    assert_int_equal(mkdir(f->dir, 0700), 0);
    write_file(f->key, seed, sizeof(seed), 0600);
    id = identity_open(f->dir, NULL, f->err, sizeof(f->err));
    assert_non_null(id);
    assert_memory_equal(identity_public_key(id), pk, sizeof(pk));
    identity_destroy(&id);

    /* Stricter than 0600 is accepted too. */
    assert_int_equal(chmod(f->key, 0400), 0);
    id = identity_open(f->dir, NULL, f->err, sizeof(f->err));
    assert_non_null(id);
    identity_destroy(&id);
}

static void test_sign_verifies(void **state)
{
    struct fixture *f = *state;
    static const uint8_t msg[] = "an entry to be signed";
    uint8_t sig[IDENTITY_SIGNATURE_LEN], bad[sizeof(msg)];
    struct identity *id;

    id = identity_open(f->dir, NULL, f->err, sizeof(f->err));
    assert_non_null(id);
    assert_int_equal(identity_sign(id, msg, sizeof(msg), sig), 0);
    assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg), identity_public_key(id)),
                     0);
    memcpy(bad, msg, sizeof(msg));
    bad[0] ^= 1;
    assert_int_equal(crypto_sign_verify_detached(sig, bad, sizeof(bad), identity_public_key(id)),
                     -1);
    /* Signing twice works (the key is re-protected and unprotected in between). */
    assert_int_equal(identity_sign(id, bad, sizeof(bad), sig), 0);
    assert_int_equal(crypto_sign_verify_detached(sig, bad, sizeof(bad), identity_public_key(id)),
                     0);
    assert_int_equal(identity_sign(id, NULL, 0, sig), 0);
    assert_int_equal(crypto_sign_verify_detached(sig, NULL, 0, identity_public_key(id)), 0);
    identity_destroy(&id);
}

/* identity_sign_entry vouches (ENTRY_SIGNED_BY_AUTHOR, so entry_create skips a verification that
 * costs twice the signature) only for an entry that names this identity as its author: an entry
 * claiming another author is signed, not vouched for, and entry_create's check refuses it. */
static void test_sign_entry_vouches_for_own_key_only(void **state)
{
    struct fixture *f = *state;
    struct entry_fields ef = {0};
    uint8_t other[IDENTITY_PUBLIC_KEY_LEN], other_sk[crypto_sign_SECRETKEYBYTES];
    uint8_t sig[IDENTITY_SIGNATURE_LEN];
    static const uint8_t not_an_entry[] = "a link proof, not an entry";
    struct identity *id;
    struct entry *e;
    size_t len;
    const uint8_t *raw;

    id = identity_open(f->dir, NULL, f->err, sizeof(f->err));
    assert_non_null(id);
    ef.kind = ENTRY_NOTE;
    ef.created_ms = 1767225600000ULL;
    ef.title = "mine";
    ef.body = "signed by this identity";
    e = kinds_create(&ef, identity_public_key(id), identity_sign_entry, id, f->err, sizeof(f->err));
    assert_non_null(e);
    assert_memory_equal(entry_author(e), identity_public_key(id), IDENTITY_PUBLIC_KEY_LEN);
    assert_int_equal(entry_check_signature(e, f->err, sizeof(f->err)), 0);
    raw = entry_bytes(e, &len);
    assert_non_null(raw);
    entry_destroy(&e);

    crypto_sign_keypair(other, other_sk);
    ef.title = "claims another author";
    e = kinds_create(&ef, other, identity_sign_entry, id, f->err, sizeof(f->err));
    assert_null(e);
    assert_non_null(strstr(f->err, "signature"));

    assert_int_equal(identity_sign_entry(id, not_an_entry, sizeof(not_an_entry), sig), 0);
    assert_int_equal(crypto_sign_verify_detached(sig, not_an_entry, sizeof(not_an_entry),
                                                 identity_public_key(id)),
                     0);
    identity_destroy(&id);
}

/* A batch unlocks the key once (nesting), signs many, locks it again; signing then still works
 * the one-at-a-time way, and an unbalanced lock is harmless. */
static void test_sign_unlocked_batch(void **state)
{
    struct fixture *f = *state;
    uint8_t msg[8] = {0}, sig[IDENTITY_SIGNATURE_LEN];
    struct identity *id;
    int i;

    id = identity_open(f->dir, NULL, f->err, sizeof(f->err));
    assert_non_null(id);
    assert_int_equal(identity_unlock(id), 0);
    assert_int_equal(identity_unlock(id), 0);
    for (i = 0; i < 5; i++) {
        msg[0] = (uint8_t)i;
        assert_int_equal(identity_sign(id, msg, sizeof(msg), sig), 0);
        assert_int_equal(
            crypto_sign_verify_detached(sig, msg, sizeof(msg), identity_public_key(id)), 0);
    }
    assert_int_equal(identity_lock(id), 0);
    assert_int_equal(identity_sign(id, msg, sizeof(msg), sig), 0);
    assert_int_equal(identity_lock(id), 0);
    assert_int_equal(identity_lock(id), 0); /* one too many: nothing to do */
    assert_int_equal(identity_sign(id, msg, sizeof(msg), sig), 0);
    assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg), identity_public_key(id)),
                     0);
    identity_destroy(&id);
}

static void test_open_key_file_refused(void **state)
{
    struct fixture *f = *state;
    struct identity *id;
    char want[256];

    id = identity_open(f->dir, NULL, f->err, sizeof(f->err));
    assert_non_null(id);
    identity_destroy(&id);
    assert_int_equal(chmod(f->key, 0644), 0);
    id = identity_open(f->dir, NULL, f->err, sizeof(f->err));
    assert_null(id);
    assert_non_null(strstr(f->err, "0644"));
    snprintf(want, sizeof(want), "chmod 600 %s", f->key);
    assert_non_null(strstr(f->err, want));
    assert_int_equal(chmod(f->key, 0640), 0);
    assert_null(identity_open(f->dir, NULL, f->err, sizeof(f->err)));
}

static void test_open_dir_refused(void **state)
{
    struct fixture *f = *state;
    int created = -1;

    assert_int_equal(mkdir(f->dir, 0755), 0);
    assert_int_equal(chmod(f->dir, 0755), 0);
    assert_null(identity_open(f->dir, &created, f->err, sizeof(f->err)));
    assert_int_equal(created, 0);
    assert_non_null(strstr(f->err, "0755"));
    assert_non_null(strstr(f->err, f->dir));
    assert_int_equal(count_entries(f->dir), 0); /* no key was written into it */
}

static void test_wrong_size_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char data[33];

    memset(data, 0x5a, sizeof(data));
    assert_int_equal(mkdir(f->dir, 0700), 0);
    write_file(f->key, data, 31, 0600);
    assert_null(identity_open(f->dir, NULL, f->err, sizeof(f->err)));
    assert_non_null(strstr(f->err, "31 bytes"));
    write_file(f->key, data, 33, 0600);
    assert_null(identity_open(f->dir, NULL, f->err, sizeof(f->err)));
    assert_non_null(strstr(f->err, "33 bytes"));
    write_file(f->key, data, 0, 0600);
    assert_null(identity_open(f->dir, NULL, f->err, sizeof(f->err)));
    /* The damaged key was left alone, not replaced with a new one. */
    assert_int_equal(count_entries(f->dir), 1);
}

static void test_symlink_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char seed[32];
    char target[256];

    memset(seed, 7, sizeof(seed));
    snprintf(target, sizeof(target), "%s/elsewhere.key", f->base);
    write_file(target, seed, sizeof(seed), 0600);
    assert_int_equal(mkdir(f->dir, 0700), 0);
    assert_int_equal(symlink(target, f->key), 0);
    assert_null(identity_open(f->dir, NULL, f->err, sizeof(f->err)));
    assert_non_null(strstr(f->err, "symbolic link"));

    /* A dangling symlink must not be followed to create a key elsewhere either. */
    assert_int_equal(unlink(target), 0);
    assert_null(identity_open(f->dir, NULL, f->err, sizeof(f->err)));
    assert_int_equal(access(target, F_OK), -1);
}

static void test_not_regular_refused(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(mkdir(f->dir, 0700), 0);
    assert_int_equal(mkdir(f->key, 0700), 0);
    assert_null(identity_open(f->dir, NULL, f->err, sizeof(f->err)));
    assert_non_null(strstr(f->err, "not a regular file"));
    assert_int_equal(rmdir(f->key), 0);
    assert_int_equal(mkfifo(f->key, 0600), 0); /* must not block */
    assert_null(identity_open(f->dir, NULL, f->err, sizeof(f->err)));
    assert_non_null(strstr(f->err, "not a regular file"));
}

static void test_foreign_owner_refused(void **state)
{
    struct fixture *f = *state;
    struct identity *id;

    if (geteuid() != 0)
        skip(); /* only root can give a file away */
    id = identity_open(f->dir, NULL, f->err, sizeof(f->err));
    assert_non_null(id);
    identity_destroy(&id);
    assert_int_equal(chown(f->key, 12345, 12345), 0);
    assert_null(identity_open(f->dir, NULL, f->err, sizeof(f->err)));
    assert_non_null(strstr(f->err, "owned by uid 12345"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_then_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_dirs_differ, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_is_raw_seed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_entry_vouches_for_own_key_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_unlocked_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_key_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_dir_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_size_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_regular_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_owner_refused, setup, teardown),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
