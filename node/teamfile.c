#include "teamfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "hex.h"
#include "xmalloc.h"

#define TEAMFILE_MAX 256 /* the file is about 100 bytes */

int teamfile_load(const char *dir, uint8_t id[TEAMFILE_ID_LEN], uint8_t secret[TEAMFILE_SECRET_LEN],
                  char *err, size_t errlen)
{
    char *path = xasprintf("%s/team", dir);
    char text[TEAMFILE_MAX + 1], idhex[2 * TEAMFILE_ID_LEN + 1],
        sechex[2 * TEAMFILE_SECRET_LEN + 1];
    struct stat st;
    ssize_t got;
    size_t len = 0;
    int fd = -1, rc = -1;
    const char *p;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            rc = 0;
        else
            errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        errmsg_set(err, errlen, "%s: not a regular file", path);
        goto out;
    }
    if ((st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
        errmsg_set(err, errlen, "%s: must be mode 0600 and yours (it holds the team's join secret)",
                   path);
        goto out;
    }
    while (len < TEAMFILE_MAX) {
        got = read(fd, text + len, TEAMFILE_MAX - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    text[len] = '\0';
    /* Exactly three lines, nothing else. */
    p = text;
    if (strncmp(p, "lore-team 1\nid ", 15) != 0)
        goto bad;
    p += 15;
    if (strlen(p) < 2 * TEAMFILE_ID_LEN + 1 || p[2 * TEAMFILE_ID_LEN] != '\n')
        goto bad;
    memcpy(idhex, p, 2 * TEAMFILE_ID_LEN);
    idhex[2 * TEAMFILE_ID_LEN] = '\0';
    p += 2 * TEAMFILE_ID_LEN + 1;
    if (strncmp(p, "secret ", 7) != 0)
        goto bad;
    p += 7;
    if (strlen(p) != 2 * TEAMFILE_SECRET_LEN + 1 || p[2 * TEAMFILE_SECRET_LEN] != '\n')
        goto bad;
    memcpy(sechex, p, 2 * TEAMFILE_SECRET_LEN);
    sechex[2 * TEAMFILE_SECRET_LEN] = '\0';
    if (hex_decode(idhex, strlen(idhex), id, TEAMFILE_ID_LEN) != 0 ||
        hex_decode(sechex, strlen(sechex), secret, TEAMFILE_SECRET_LEN) != 0)
        goto bad;
    rc = 1;
    goto out;
bad:
    errmsg_set(err, errlen,
               "%s: not a lore team file (expected 'lore-team 1', 'id HEX', "
               "'secret HEX' lines)",
               path);
out:
    sodium_memzero(text, sizeof(text));
    sodium_memzero(sechex, sizeof(sechex));
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

int teamfile_save(const char *dir, const uint8_t id[TEAMFILE_ID_LEN],
                  const uint8_t secret[TEAMFILE_SECRET_LEN], char *err, size_t errlen)
{
    char *path = xasprintf("%s/team", dir), *tmp = xasprintf("%s/.team.tmp", dir);
    char idhex[2 * TEAMFILE_ID_LEN + 1], sechex[2 * TEAMFILE_SECRET_LEN + 1], text[TEAMFILE_MAX];
    int fd = -1, rc = -1, n;

    hex_encode(id, TEAMFILE_ID_LEN, idhex);
    hex_encode(secret, TEAMFILE_SECRET_LEN, sechex);
    n = snprintf(text, sizeof(text), "lore-team 1\nid %s\nsecret %s\n", idhex, sechex);
    (void)unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        errmsg_set(err, errlen, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (n <= 0 || write(fd, text, (size_t)n) != n || fsync(fd) != 0) {
        errmsg_set(err, errlen, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        errmsg_set(err, errlen, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    sodium_memzero(text, sizeof(text));
    sodium_memzero(sechex, sizeof(sechex));
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        (void)unlink(tmp);
    free(path);
    free(tmp);
    return rc;
}

int teamfile_remove(const char *dir, char *err, size_t errlen)
{
    char *path = xasprintf("%s/team", dir);
    int rc = 0;

    if (unlink(path) != 0 && errno != ENOENT) {
        errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    free(path);
    return rc;
}
