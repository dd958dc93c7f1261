#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "xmalloc.h"

int safefile_read_full(int fd, void *buf, size_t n)
{
    unsigned char *p = buf;
    ssize_t r;

    while (n > 0) {
        r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = 0;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int safefile_write_full(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    ssize_t r;

    while (n > 0) {
        r = write(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int safefile_fsync_dir(const char *dir)
{
    int fd, rc;

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

int safefile_create(const char *dir, const char *path, const void *data, size_t n, char *err,
                    size_t errlen)
{
    const char *base = strrchr(path, '/');
    char *tmp;
    int fd = -1, rc = -1;

    tmp = xasprintf("%s/.%s.%ld.tmp", dir, base != NULL ? base + 1 : path, (long)getpid());
    /* A leftover of a crashed run with our pid; the directory is ours alone, so this is safe. */
    if (unlink(tmp) != 0 && errno != ENOENT) {
        errmsg_set(err, errlen, "%s: cannot remove stale file: %s", tmp, strerror(errno));
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        errmsg_set(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0600) != 0 || safefile_write_full(fd, data, n) != 0 || fsync(fd) != 0) {
        errmsg_set(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        errmsg_set(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    /* link() fails if path appeared meanwhile: an existing file is never replaced. */
    if (link(tmp, path) != 0) {
        if (errno == EEXIST)
            rc = 0;
        else
            errmsg_set(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        goto out;
    }
    if (safefile_fsync_dir(dir) != 0) {
        errmsg_set(err, errlen, "%s: fsync: %s", dir, strerror(errno));
        goto out;
    }
    rc = 1;
out:
    if (fd >= 0)
        close(fd);
    (void)unlink(tmp);
    free(tmp);
    return rc;
}
