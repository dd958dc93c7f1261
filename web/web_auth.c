#include "web_auth.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "hex.h"
#include "log.h"
#include "safefile.h"
#include "xmalloc.h"

struct web_secret {
    uint8_t bytes[WEB_AUTH_LEN];
    uint64_t ms; /* sessions: last use; one-time tokens: expiry; 0 = a free slot */
};

struct web_session {
    struct web_secret id;
    char csrf[WEB_AUTH_HEX];
};

/* Everything in one sodium_malloc block: guarded, locked, wiped when freed. */
struct web_auth_secrets {
    uint8_t token[WEB_AUTH_LEN];
    struct web_secret once[WEB_AUTH_ONCE];
    struct web_session sessions[WEB_AUTH_SESSIONS];
};

struct web_auth {
    struct web_auth_secrets *s;
};

/* Read the token file (1), or say there is none (0); -1 with err. Checked through the
 * descriptor: no symlink, a regular file of ours, 0600 or tighter, 64 hex digits and a newline. */
static int web_auth_load(const char *path, uint8_t token[WEB_AUTH_LEN], char *err, size_t errlen)
{
    char text[WEB_AUTH_HEX + 1];
    struct stat st;
    ssize_t r;
    int fd, rc = -1;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            rc = 0;
        else
            errmsg_set(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        errmsg_set(err, errlen, "%s: not a regular file of ours; refusing it", path);
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        errmsg_set(err, errlen, "%s: permissions %04o are too open (run: chmod 600 %s)", path,
                   (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    if (st.st_size == 0) {
        /* What a crash between create and write left behind (lore before 0.1.0+git350): no
         * token was ever in it, so nothing is lost by making a new one. */
        log_info("%s: empty; making a new login token", path);
        rc = unlink(path) == 0 ? 0 : -1;
        if (rc != 0)
            errmsg_set(err, errlen, "%s: empty, and cannot remove it: %s", path, strerror(errno));
        goto out;
    }
    r = read(fd, text, sizeof(text));
    if (r != WEB_AUTH_HEX || text[WEB_AUTH_HEX - 1] != '\n' ||
        hex_decode(text, WEB_AUTH_HEX - 1, token, WEB_AUTH_LEN) != 0) {
        errmsg_set(err, errlen, "%s: is not 64 hex digits and a newline (remove it for a new one)",
                   path);
        goto out;
    }
    rc = 1;
out:
    sodium_memzero(text, sizeof(text));
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Make a new token and store it as path (0600, atomically, never over an existing file: a crash
 * leaves no half-written token behind). Returns 1 if created, 0 if path appeared meanwhile, -1
 * with err. */
static int web_auth_create(const char *dir, const char *path, uint8_t token[WEB_AUTH_LEN],
                           char *err, size_t errlen)
{
    char text[WEB_AUTH_HEX];
    int rc;

    randombytes_buf(token, WEB_AUTH_LEN);
    hex_encode(token, WEB_AUTH_LEN, text);
    text[WEB_AUTH_HEX - 1] = '\n';
    rc = safefile_create(dir, path, text, sizeof(text), err, errlen);
    sodium_memzero(text, sizeof(text));
    return rc;
}

struct web_auth *web_auth_new(const char *dir, char *err, size_t errlen)
{
    struct web_auth *a = xcalloc(1, sizeof(*a));
    char *path = xasprintf("%s/%s", dir, WEB_AUTH_TOKEN_FILE);
    int got = 0, attempt, ok = 0;

    if (sodium_init() < 0) {
        errmsg_set(err, errlen, "libsodium failed to initialise");
        goto out;
    }
    a->s = sodium_malloc(sizeof(*a->s));
    if (a->s == NULL) {
        errmsg_set(err, errlen, "out of secure memory for the web interface's secrets");
        goto out;
    }
    sodium_memzero(a->s, sizeof(*a->s));
    /* Load; if there is none, create; if another process created one meanwhile, load that. */
    for (attempt = 0; attempt < 2 && got == 0; attempt++) {
        got = web_auth_load(path, a->s->token, err, errlen);
        if (got == 0)
            got = web_auth_create(dir, path, a->s->token, err, errlen); /* 1, -1, or 0: retry */
    }
    if (got != 1) {
        if (got == 0)
            errmsg_set(err, errlen, "%s: appeared and vanished while creating it", path);
        goto out;
    }
    ok = 1;
out:
    free(path);
    if (!ok)
        web_auth_destroy(&a);
    return a;
}

void web_auth_destroy(struct web_auth **ap)
{
    if (ap == NULL || *ap == NULL)
        return;
    sodium_free((*ap)->s); /* wipes */
    free(*ap);
    *ap = NULL;
}

void web_auth_label(const struct web_auth *a, char out[WEB_AUTH_LABEL])
{
    static const char what[] = "lore web host label";
    uint8_t h[WEB_AUTH_LABEL_HEX / 2];

    crypto_generichash(h, sizeof(h), (const uint8_t *)what, sizeof(what) - 1, a->s->token,
                       WEB_AUTH_LEN);
    memcpy(out, "lore-", 5);
    hex_encode(h, sizeof(h), out + 5);
}

/* The secret a hex string from a request stands for; -1 if it is not 64 hex digits. */
static int web_auth_decode(const char *hex, uint8_t out[WEB_AUTH_LEN])
{
    if (hex == NULL || strlen(hex) != WEB_AUTH_HEX - 1)
        return -1;
    return hex_decode(hex, WEB_AUTH_HEX - 1, out, WEB_AUTH_LEN);
}

/* The slot of n whose secret is want and whose ms is live (> floor), looked at in every slot
 * whatever matches, so the time taken says nothing; -1 if none. */
static int web_auth_match(struct web_secret *slots, size_t n, size_t stride,
                          const uint8_t want[WEB_AUTH_LEN], uint64_t floor)
{
    int found = -1;
    size_t i;

    for (i = 0; i < n; i++) {
        struct web_secret *s = (struct web_secret *)((uint8_t *)slots + i * stride);
        int same = sodium_memcmp(s->bytes, want, WEB_AUTH_LEN) == 0;
        if (same && s->ms != 0 && s->ms > floor)
            found = (int)i;
    }
    return found;
}

/* The free slot, else the one with the smallest ms. */
static size_t web_auth_victim(struct web_secret *slots, size_t n, size_t stride)
{
    size_t i, best = 0;

    for (i = 0; i < n; i++) {
        struct web_secret *s = (struct web_secret *)((uint8_t *)slots + i * stride);
        struct web_secret *b = (struct web_secret *)((uint8_t *)slots + best * stride);
        if (s->ms < b->ms)
            best = i;
    }
    return best;
}

void web_auth_once(struct web_auth *a, uint64_t now_ms, char out[WEB_AUTH_HEX])
{
    struct web_secret *s =
        &a->s->once[web_auth_victim(a->s->once, WEB_AUTH_ONCE, sizeof(a->s->once[0]))];

    randombytes_buf(s->bytes, WEB_AUTH_LEN);
    s->ms = now_ms + WEB_AUTH_ONCE_MS;
    hex_encode(s->bytes, WEB_AUTH_LEN, out);
}

int web_auth_login(struct web_auth *a, const char *token, uint64_t now_ms)
{
    uint8_t want[WEB_AUTH_LEN];
    int ok = 0, slot;

    if (web_auth_decode(token, want) != 0)
        goto out;
    slot = web_auth_match(a->s->once, WEB_AUTH_ONCE, sizeof(a->s->once[0]), want, now_ms);
    if (slot >= 0)
        sodium_memzero(&a->s->once[slot], sizeof(a->s->once[slot])); /* spent */
    ok = sodium_memcmp(a->s->token, want, WEB_AUTH_LEN) == 0 || slot >= 0;
out:
    sodium_memzero(want, sizeof(want));
    return ok;
}

int web_auth_session_new(struct web_auth *a, uint64_t now_ms, char cookie[WEB_AUTH_HEX])
{
    size_t v = web_auth_victim(&a->s->sessions[0].id, WEB_AUTH_SESSIONS, sizeof(a->s->sessions[0]));
    struct web_session *s = &a->s->sessions[v];
    uint8_t csrf[WEB_AUTH_LEN];

    randombytes_buf(s->id.bytes, WEB_AUTH_LEN);
    s->id.ms = now_ms > 0 ? now_ms : 1;
    randombytes_buf(csrf, sizeof(csrf));
    hex_encode(csrf, sizeof(csrf), s->csrf);
    sodium_memzero(csrf, sizeof(csrf));
    hex_encode(s->id.bytes, WEB_AUTH_LEN, cookie);
    return (int)v;
}

int web_auth_session_find(struct web_auth *a, const char *cookie, uint64_t now_ms)
{
    uint8_t want[WEB_AUTH_LEN];
    uint64_t floor = now_ms > WEB_AUTH_IDLE_MS ? now_ms - WEB_AUTH_IDLE_MS : 0;
    int slot = -1;

    if (web_auth_decode(cookie, want) != 0)
        goto out;
    slot = web_auth_match(&a->s->sessions[0].id, WEB_AUTH_SESSIONS, sizeof(a->s->sessions[0]), want,
                          floor);
    if (slot >= 0)
        a->s->sessions[slot].id.ms = now_ms > 0 ? now_ms : 1;
out:
    sodium_memzero(want, sizeof(want));
    return slot;
}

const char *web_auth_csrf(const struct web_auth *a, int s)
{
    return a->s->sessions[s].csrf;
}

int web_auth_csrf_ok(const struct web_auth *a, int s, const char *given)
{
    const char *want = a->s->sessions[s].csrf;

    if (given == NULL || strlen(given) != WEB_AUTH_HEX - 1)
        return 0;
    return sodium_memcmp(want, given, WEB_AUTH_HEX - 1) == 0;
}

void web_auth_session_end(struct web_auth *a, int s)
{
    sodium_memzero(&a->s->sessions[s], sizeof(a->s->sessions[s]));
}
