#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "entry.h"
#include "errmsg.h"
#include "log.h"
#include "paths.h"
#include "safefile.h"
#include "xmalloc.h"

#define IDENTITY_KEY_NAME "secret.key"
#define IDENTITY_SEED_LEN crypto_sign_SEEDBYTES

_Static_assert(IDENTITY_PUBLIC_KEY_LEN == crypto_sign_PUBLICKEYBYTES, "public key length");
_Static_assert(IDENTITY_SIGNATURE_LEN == crypto_sign_BYTES, "signature length");

struct identity {
    uint8_t pk[IDENTITY_PUBLIC_KEY_LEN];
    unsigned char *sk; /* crypto_sign_SECRETKEYBYTES of sodium_malloc memory, PROT_NOACCESS */
    int opened;        /* identity_unlock calls not yet locked: sk is readable while > 0 */
};

/*
 * Read the seed from an existing key file into seed (sodium memory). Returns 1 if loaded, 0 if
 * there is no key file, -1 on error (message in err). The file is opened without following a
 * symlink and without blocking on a FIFO, and checked through the descriptor (no race with lstat).
 */
static int identity_load_seed(const char *path, unsigned char *seed, char *err, size_t errlen)
{
    struct stat st;
    int fd, rc = -1;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            rc = 0;
        else if (errno == ELOOP)
            errmsg_set(err, errlen, "%s: is a symbolic link; refusing to use it as a key file",
                       path);
        else
            errmsg_set(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        errmsg_set(err, errlen, "%s: not a regular file", path);
        goto out;
    }
    if (st.st_uid != geteuid()) {
        errmsg_set(err, errlen, "%s: owned by uid %lu, not by us (uid %lu); refusing it", path,
                   (unsigned long)st.st_uid, (unsigned long)geteuid());
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        errmsg_set(err, errlen,
                   "%s: permissions %04o are too open, others may have read the key "
                   "(run: chmod 600 %s)",
                   path, (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    if (st.st_size != IDENTITY_SEED_LEN) {
        errmsg_set(err, errlen, "%s: is %lld bytes, a key file is exactly %d (damaged?)", path,
                   (long long)st.st_size, IDENTITY_SEED_LEN);
        goto out;
    }
    if (safefile_read_full(fd, seed, IDENTITY_SEED_LEN) != 0) {
        errmsg_set(err, errlen, "%s: read: %s", path,
                   errno != 0 ? strerror(errno) : "file shrank while reading");
        goto out;
    }
    rc = 1;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/*
 * Make a new seed and store it as path, atomically: write a temporary file in dir, fsync it, then
 * link() it into place. link() fails if path appeared meanwhile (another process created a key),
 * so a key is never replaced; the caller then loads that one. Returns 1 if created, 0 if path
 * already exists, -1 on error.
 */
static int identity_create_seed(const char *dir, const char *path, unsigned char *seed, char *err,
                                size_t errlen)
{
    randombytes_buf(seed, IDENTITY_SEED_LEN);
    return safefile_create(dir, path, seed, IDENTITY_SEED_LEN, err, errlen);
}

struct identity *identity_open(const char *dir, int *created, char *err, size_t errlen)
{
    struct identity *id = NULL;
    unsigned char *seed = NULL;
    char *path = NULL;
    int r, attempt, made = 0, ok = 0;

    if (created != NULL)
        *created = 0;
    if (sodium_init() < 0) {
        errmsg_set(err, errlen, "libsodium failed to initialise");
        goto out;
    }
    if (paths_mkdir_private(dir, err, errlen) != 0)
        goto out;
    path = xasprintf("%s/" IDENTITY_KEY_NAME, dir);

    seed = sodium_malloc(IDENTITY_SEED_LEN);
    id = xcalloc(1, sizeof(*id));
    id->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    if (seed == NULL || id->sk == NULL) {
        errmsg_set(err, errlen, "cannot allocate secure memory for the key");
        goto out;
    }

    /* Load; if there is none, create; if someone else created one meanwhile, load theirs. */
    for (attempt = 0, r = 0; attempt < 2 && r == 0; attempt++) {
        r = identity_load_seed(path, seed, err, errlen);
        if (r == 0) {
            r = identity_create_seed(dir, path, seed, err, errlen);
            made = r == 1;
        }
    }
    if (r != 1) {
        if (r == 0)
            errmsg_set(err, errlen, "%s: appeared and vanished while creating it", path);
        goto out;
    }
    if (crypto_sign_seed_keypair(id->pk, id->sk, seed) != 0) {
        errmsg_set(err, errlen, "cannot derive the key pair");
        goto out;
    }
    if (sodium_mprotect_noaccess(id->sk) != 0) {
        errmsg_set(err, errlen, "cannot protect the key memory: %s", strerror(errno));
        goto out;
    }
    if (created != NULL)
        *created = made;
    ok = 1;
out:
    sodium_free(seed); /* wipes it */
    free(path);
    if (!ok)
        identity_destroy(&id);
    return id;
}

void identity_destroy(struct identity **idp)
{
    struct identity *id;

    if (idp == NULL || *idp == NULL)
        return;
    id = *idp;
    sodium_free(id->sk); /* makes it writable, wipes it, unmaps it; accepts NULL */
    free(id);
    *idp = NULL;
}

const uint8_t *identity_public_key(const struct identity *id)
{
    return id->pk;
}

int identity_curve_secret(struct identity *id, uint8_t out[IDENTITY_CURVE_LEN])
{
    int rc = -1;

    if (sodium_mprotect_readonly(id->sk) != 0) {
        log_warn("identity: cannot unprotect the key memory");
        return -1;
    }
    rc = crypto_sign_ed25519_sk_to_curve25519(out, id->sk) == 0 ? 0 : -1;
    if (sodium_mprotect_noaccess(id->sk) != 0) {
        log_warn("identity: cannot protect the key memory again");
        sodium_memzero(out, IDENTITY_CURVE_LEN);
        rc = -1;
    }
    return rc;
}

int identity_unlock(struct identity *id)
{
    if (id->opened == 0 && sodium_mprotect_readonly(id->sk) != 0) {
        log_warn("identity: cannot unprotect the key memory");
        return -1;
    }
    id->opened++;
    return 0;
}

int identity_lock(struct identity *id)
{
    if (id->opened == 0 || --id->opened > 0)
        return 0;
    if (sodium_mprotect_noaccess(id->sk) != 0) {
        log_warn("identity: cannot protect the key memory again");
        return -1;
    }
    return 0;
}

int identity_sign(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[IDENTITY_SIGNATURE_LEN])
{
    struct identity *id = ctx;
    int rc = -1;

    if (id->opened > 0) /* a batch: identity_unlock made it readable (two syscalls less each) */
        return crypto_sign_detached(sig, NULL, msg, len, id->sk) == 0 ? 0 : -1;
    if (sodium_mprotect_readonly(id->sk) != 0) {
        log_warn("identity: cannot unprotect the key memory");
        goto out;
    }
    rc = crypto_sign_detached(sig, NULL, msg, len, id->sk);
    if (sodium_mprotect_noaccess(id->sk) != 0) {
        /* Signing worked, but the key now stays readable: refuse rather than run exposed. */
        log_warn("identity: cannot protect the key memory again");
        rc = -1;
    }
    if (rc != 0)
        rc = -1;
out:
    return rc;
}

int identity_sign_entry(void *ctx, const uint8_t *msg, size_t len,
                        uint8_t sig[IDENTITY_SIGNATURE_LEN])
{
    struct identity *id = ctx;
    const uint8_t *author = entry_signed_author(msg, len);

    if (identity_sign(id, msg, len, sig) != 0)
        return -1;
    return author != NULL && sodium_memcmp(author, id->pk, sizeof(id->pk)) == 0
               ? ENTRY_SIGNED_BY_AUTHOR
               : 0;
}
