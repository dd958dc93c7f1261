#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "errmsg.h"
#include "log.h"
#include "xmalloc.h"

#define PATHS_SOCKET_NAME "lored.sock"
#define PATHS_CONFIG_NAME "lore.conf"
#define PATHS_LOCK_NAME "lored.lock"

/* The longest socket path a sockaddr_un holds, leaving room for the NUL. */
#define PATHS_SUN_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* A copy of path without trailing slashes (but "/" stays "/"). */
static char *paths_strip_slashes(const char *path)
{
    size_t n = strlen(path);

    while (n > 1 && path[n - 1] == '/')
        n--;
    return xstrndup(path, n);
}

/* Make the home directory absolute: an absolute name is used as is, a relative one is taken from
 * the (symlink-free) current directory. Returns a new string, or NULL with a message in err. */
static char *paths_absolute_home(const char *home, char *err, size_t errlen)
{
    char cwd[PATH_MAX];
    char *rel = NULL, *abs = NULL;
    const char *p = home;

    if (home[0] == '/')
        return paths_strip_slashes(home);
    if (getcwd(cwd, sizeof(cwd)) == NULL) {
        errmsg_set(err, errlen,
                   "home directory %s is relative and the current directory is unknown: %s", home,
                   strerror(errno));
        goto out;
    }
    /* "./x" and "x" name the same directory; keep the result readable. */
    while (p[0] == '.' && p[1] == '/') {
        p += 2;
        while (*p == '/')
            p++;
    }
    rel = paths_strip_slashes(p);
    if (rel[0] == '\0' || strcmp(rel, ".") == 0)
        abs = xstrdup(cwd);
    else
        abs = xasprintf("%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", rel);
out:
    free(rel);
    return abs;
}

/* The value of an XDG variable if set to an absolute path; the spec says to ignore relative ones.
 */
static const char *paths_xdg_env(const char *name)
{
    const char *v = getenv(name);

    if (v == NULL || v[0] != '/')
        return NULL;
    return v;
}

int paths_resolve(const char *home_override, struct paths *p, char *err, size_t errlen)
{
    const char *home = home_override, *env, *user_home;
    char *config_dir = NULL;
    int rc = -1;

    memset(p, 0, sizeof(*p));
    if (home == NULL) {
        env = getenv("LORE_HOME");
        if (env != NULL && env[0] != '\0')
            home = env;
    } else if (home[0] == '\0') {
        errmsg_set(err, errlen, "the home directory must not be empty");
        goto out;
    }

    if (home != NULL) {
        p->home = paths_absolute_home(home, err, errlen);
        if (p->home == NULL)
            goto out;
        p->config_file = xasprintf("%s/" PATHS_CONFIG_NAME, p->home);
        p->data_dir = xasprintf("%s/data", p->home);
        p->runtime_dir = xasprintf("%s/run", p->home);
    } else {
        user_home = getenv("HOME");
        if (user_home != NULL && user_home[0] != '/')
            user_home = NULL;
        env = paths_xdg_env("XDG_CONFIG_HOME");
        if (env != NULL)
            config_dir = xasprintf("%s/lore", env);
        else if (user_home != NULL)
            config_dir = xasprintf("%s/.config/lore", user_home);
        env = paths_xdg_env("XDG_DATA_HOME");
        if (env != NULL)
            p->data_dir = xasprintf("%s/lore", env);
        else if (user_home != NULL)
            p->data_dir = xasprintf("%s/.local/share/lore", user_home);
        if (config_dir == NULL || p->data_dir == NULL) {
            errmsg_set(err, errlen,
                       "HOME is not set to an absolute path; set HOME, the XDG_CONFIG_HOME and "
                       "XDG_DATA_HOME variables, or LORE_HOME (or use --home)");
            goto out;
        }
        p->config_file = xasprintf("%s/" PATHS_CONFIG_NAME, config_dir);
        env = paths_xdg_env("XDG_RUNTIME_DIR");
        if (env != NULL)
            p->runtime_dir = xasprintf("%s/lore", env);
        else
            p->runtime_dir = xasprintf("/tmp/lore-%lu", (unsigned long)geteuid());
    }

    p->socket_path = xasprintf("%s/" PATHS_SOCKET_NAME, p->runtime_dir);
    if (strlen(p->socket_path) > PATHS_SUN_PATH_MAX) {
        errmsg_set(err, errlen,
                   "control socket path %s is %zu bytes, longer than a Unix socket address holds "
                   "(%zu); use a shorter home directory",
                   p->socket_path, strlen(p->socket_path), PATHS_SUN_PATH_MAX);
        goto out;
    }
    rc = 0;
out:
    free(config_dir);
    if (rc != 0)
        paths_free(p);
    return rc;
}

void paths_free(struct paths *p)
{
    if (p == NULL)
        return;
    free(p->home);
    free(p->config_file);
    free(p->data_dir);
    free(p->runtime_dir);
    free(p->socket_path);
    memset(p, 0, sizeof(*p));
}

/* Check that an existing dir is a real directory (not a symlink), ours, and closed to others. */
static int paths_check_private(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    int rc = -1;

    if (lstat(dir, &st) != 0) {
        errmsg_set(err, errlen, "%s: %s", dir, strerror(errno));
        goto out;
    }
    if (S_ISLNK(st.st_mode)) {
        errmsg_set(err, errlen, "%s: is a symbolic link (want a real directory)", dir);
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        errmsg_set(err, errlen, "%s: exists and is not a directory", dir);
        goto out;
    }
    if (st.st_uid != geteuid()) {
        errmsg_set(err, errlen, "%s: owned by uid %lu, not by us (uid %lu)", dir,
                   (unsigned long)st.st_uid, (unsigned long)geteuid());
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        errmsg_set(err, errlen, "%s: permissions %04o are too open (want 0700; run: chmod 700 %s)",
                   dir, (unsigned)(st.st_mode & 07777), dir);
        goto out;
    }
    rc = 0;
out:
    return rc;
}

int paths_mkdir_private(const char *dir, char *err, size_t errlen)
{
    char *path = NULL, *slash;
    struct stat st;
    int rc = -1;

    if (dir == NULL || dir[0] == '\0') {
        errmsg_set(err, errlen, "empty directory name");
        goto out;
    }
    path = paths_strip_slashes(dir);

    /* Parents: create what is missing (0700, as the XDG spec asks); an existing one may be a
     * symlink and have any mode, it is only the last component that must be private. */
    for (slash = strchr(path + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            errmsg_set(err, errlen, "%s: cannot create directory: %s", path, strerror(errno));
            goto out;
        }
        if (stat(path, &st) != 0) {
            errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (!S_ISDIR(st.st_mode)) {
            errmsg_set(err, errlen, "%s: exists and is not a directory", path);
            goto out;
        }
        *slash = '/';
    }

    if (mkdir(path, 0700) == 0) {
        /* The umask may have taken bits away; make it exactly 0700 so we can use it. */
        if (chmod(path, 0700) != 0) {
            errmsg_set(err, errlen, "%s: chmod: %s", path, strerror(errno));
            goto out;
        }
    } else if (errno != EEXIST) {
        errmsg_set(err, errlen, "%s: cannot create directory: %s", path, strerror(errno));
        goto out;
    }
    if (paths_check_private(path, err, errlen) != 0)
        goto out;
    rc = 0;
out:
    free(path);
    return rc;
}

int paths_lock_dir(const char *dir, char *err, size_t errlen)
{
    return paths_lock_dir_wait(dir, 0, err, errlen);
}

void paths_lock_stopping(int fd)
{
    char text[48];
    int len = snprintf(text, sizeof(text), "%ld stopping\n", (long)getpid());

    /* the lock file says what its holder is doing; failing to say it only costs a waiter */
    if (fd >= 0 && ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)len, 0) == len)
        return;
}

int paths_lock_dir_wait(const char *dir, int wait_ms, char *err, size_t errlen)
{
    char *path = xasprintf("%s/" PATHS_LOCK_NAME, dir);
    const struct timespec pause = {0, 50 * 1000 * 1000};
    char text[48];
    ssize_t n;
    long holder;
    char *end;
    int fd, rc = -1, len, waited_ms = 0;

    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        errmsg_set(err, errlen, "%s: cannot open the lock file: %s", path, strerror(errno));
        goto out;
    }
    /* flock, not fcntl: a POSIX lock would go with the first close of any fd on the file. */
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            errmsg_set(err, errlen, "%s: cannot lock: %s", path, strerror(errno));
            goto out;
        }
        /* The holder writes its pid just after taking the lock; it may not be there yet. */
        n = pread(fd, text, sizeof(text) - 1, 0);
        text[n > 0 ? n : 0] = '\0';
        errno = 0;
        holder = strtol(text, &end, 10);
        if (strcmp(end, " stopping\n") == 0 && waited_ms < wait_ms) {
            if (waited_ms == 0)
                log_info("data directory %s: waiting for lored (pid %ld) to finish stopping", dir,
                         holder);
            nanosleep(&pause, NULL);
            waited_ms += 50;
            continue;
        }
        if (strcmp(end, " stopping\n") == 0 && holder > 0)
            errmsg_set(err, errlen,
                       "data directory %s is still held by a lored that is stopping (pid %ld, "
                       "waited %d ms); start again once it has stopped",
                       dir, holder, waited_ms);
        else if (n > 0 && errno == 0 && end != text && holder > 0)
            errmsg_set(err, errlen,
                       "data directory %s is in use by another lored (pid %ld); stop it first", dir,
                       holder);
        else
            errmsg_set(err, errlen,
                       "data directory %s is in use by another lored (pid unknown, see %s); stop "
                       "it first",
                       dir, path);
        goto out;
    }
    len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)len, 0) != (ssize_t)len) {
        errmsg_set(err, errlen, "%s: cannot write our pid: %s", path, strerror(errno));
        goto out;
    }
    rc = fd;
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}
