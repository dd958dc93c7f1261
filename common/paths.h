/*
 * paths: where one node keeps its config, data and control socket.
 *
 * With a home directory (--home DIR, else the LORE_HOME environment variable) everything lives
 * under it: DIR/lore.conf, DIR/data/, DIR/run/lored.sock. Otherwise the XDG base directories are
 * used: $XDG_CONFIG_HOME/lore/lore.conf (default ~/.config), $XDG_DATA_HOME/lore/ (default
 * ~/.local/share), $XDG_RUNTIME_DIR/lore/lored.sock (fallback /tmp/lore-UID/).
 * Both lored and lore resolve paths the same way, so `LORE_HOME=DIR lore ...` reaches that node.
 */
#ifndef LORE_PATHS_H
#define LORE_PATHS_H

#include <stddef.h>

struct paths {
    char *home;        /* the home directory in use, or NULL when XDG directories are used */
    char *config_file; /* lore.conf */
    char *data_dir;    /* replica, identity */
    char *runtime_dir; /* holds the control socket; must be 0700 */
    char *socket_path; /* the control socket */
};

/* Fill p (all strings owned by p; free with paths_free). home_override may be NULL; an empty one
 * is an error, an empty LORE_HOME counts as unset. A relative home is made absolute against the
 * current directory (trailing slashes and leading "./" dropped). Empty or relative XDG_* variables
 * are ignored, as the XDG spec says. Only resolves names: creates nothing. p is overwritten on
 * entry (not freed) and left empty on failure. Returns 0, or -1 with a message in err (e.g. no
 * HOME, socket path longer than a sockaddr_un holds). */
int paths_resolve(const char *home_override, struct paths *p, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Free p's strings and leave it empty; safe on an empty p. */
void paths_free(struct paths *p);

/* Create dir and missing parents (created 0700, as the XDG spec asks); the last component gets
 * mode 0700 whatever the umask. Existing parents are used as they are. If the last component
 * exists, it must be a directory (not a symlink) owned by the effective uid with no group/other
 * permission bits, else -1 with a message in err naming the path and the problem (e.g.
 * "/x/run: permissions 0755 are too open (want 0700; run: chmod 700 /x/run)"); an existing
 * directory is never chmod'ed. */
int paths_mkdir_private(const char *dir, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Take the exclusive lock of a data directory: dir/lored.lock (created 0600) is flock()ed and our
 * pid written into it. Returns the lock's fd (O_CLOEXEC; the lock lasts while it is open, so keep
 * it for the life of the process, and closing it releases the lock), or -1 with a message in err;
 * if another process holds the lock, the message names its pid ("data directory D is in use by
 * another lored (pid N); stop it first"). The file is never removed: unlinking it would let two
 * processes lock two different files. */
int paths_lock_dir(const char *dir, char *err, size_t errlen) __attribute__((warn_unused_result));

/* As paths_lock_dir, but a holder that has marked the lock stopping (paths_lock_stopping) is
 * waited for, up to wait_ms: `lore stop` then `lored` at once finds the old node still closing
 * its replica, and starts when it is done instead of failing. */
int paths_lock_dir_wait(const char *dir, int wait_ms, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Say in the lock file (fd from paths_lock_dir) that its holder is stopping: "PID stopping". */
void paths_lock_stopping(int fd);

#endif
