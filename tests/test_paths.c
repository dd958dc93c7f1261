/* Unit tests for common/paths.c. Each test works in its own mkdtemp directory under /tmp. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "paths.h"
#include "xmalloc.h"

struct fixture {
    char dir[64]; /* the temporary directory */
    char oldcwd[PATH_MAX];
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

    snprintf(f->dir, sizeof(f->dir), "/tmp/test_paths.XXXXXX");
    if (mkdtemp(f->dir) == NULL || getcwd(f->oldcwd, sizeof(f->oldcwd)) == NULL) {
        free(f);
        return -1;
    }
    unsetenv("LORE_HOME");
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_DATA_HOME");
    unsetenv("XDG_RUNTIME_DIR");
    setenv("HOME", "/home/tester", 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int rc;

    if (chdir(f->oldcwd) != 0)
        return -1;
    rc = nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

static mode_t mode_of(const char *path)
{
    struct stat st;

    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

static void test_home_override(void **state)
{
    struct paths p;
    char err[256] = "";

    (void)state;
    setenv("LORE_HOME", "/elsewhere", 1); /* the override wins */
    assert_int_equal(paths_resolve("/srv/lore/", &p, err, sizeof(err)), 0);
    assert_string_equal(p.home, "/srv/lore");
    assert_string_equal(p.config_file, "/srv/lore/lore.conf");
    assert_string_equal(p.data_dir, "/srv/lore/data");
    assert_string_equal(p.runtime_dir, "/srv/lore/run");
    assert_string_equal(p.socket_path, "/srv/lore/run/lored.sock");
    paths_free(&p);
    assert_null(p.home);
    assert_null(p.socket_path);
    paths_free(&p); /* twice is harmless */
}

static void test_lore_home_env(void **state)
{
    struct paths p;
    char err[256] = "";

    (void)state;
    setenv("LORE_HOME", "/var/lib/lore-a", 1);
    setenv("XDG_CONFIG_HOME", "/xdg/config", 1); /* ignored when a home is given */
    assert_int_equal(paths_resolve(NULL, &p, err, sizeof(err)), 0);
    assert_string_equal(p.home, "/var/lib/lore-a");
    assert_string_equal(p.config_file, "/var/lib/lore-a/lore.conf");
    assert_string_equal(p.data_dir, "/var/lib/lore-a/data");
    assert_string_equal(p.socket_path, "/var/lib/lore-a/run/lored.sock");
    paths_free(&p);

    setenv("LORE_HOME", "", 1); /* empty means unset */
    assert_int_equal(paths_resolve(NULL, &p, err, sizeof(err)), 0);
    assert_null(p.home);
    assert_string_equal(p.config_file, "/xdg/config/lore/lore.conf");
    paths_free(&p);
}

static void test_relative_home(void **state)
{
    struct fixture *f = *state;
    struct paths p;
    char err[256] = "", real[PATH_MAX], want[PATH_MAX + 64];

    assert_non_null(realpath(f->dir, real));
    assert_int_equal(chdir(f->dir), 0);
    snprintf(want, sizeof(want), "%s/node1", real);

    assert_int_equal(paths_resolve("node1", &p, err, sizeof(err)), 0);
    assert_string_equal(p.home, want);
    assert_true(p.config_file[0] == '/');
    paths_free(&p);

    assert_int_equal(paths_resolve("./node1/", &p, err, sizeof(err)), 0);
    assert_string_equal(p.home, want);
    paths_free(&p);

    setenv("LORE_HOME", "node1", 1);
    assert_int_equal(paths_resolve(NULL, &p, err, sizeof(err)), 0);
    assert_string_equal(p.home, want);
    paths_free(&p);

    assert_int_equal(paths_resolve(".", &p, err, sizeof(err)), 0);
    assert_string_equal(p.home, real);
    paths_free(&p);
}

static void test_empty_override_rejected(void **state)
{
    struct paths p;
    char err[256] = "";

    (void)state;
    assert_int_equal(paths_resolve("", &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "empty"));
    assert_null(p.home);
}

static void test_xdg_layout(void **state)
{
    struct paths p;
    char err[256] = "";

    (void)state;
    setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
    setenv("XDG_DATA_HOME", "/x/data", 1);
    setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
    assert_int_equal(paths_resolve(NULL, &p, err, sizeof(err)), 0);
    assert_null(p.home);
    assert_string_equal(p.config_file, "/x/cfg/lore/lore.conf");
    assert_string_equal(p.data_dir, "/x/data/lore");
    assert_string_equal(p.runtime_dir, "/run/user/4242/lore");
    assert_string_equal(p.socket_path, "/run/user/4242/lore/lored.sock");
    paths_free(&p);
}

static void test_xdg_defaults(void **state)
{
    struct paths p;
    char err[256] = "", want[64];

    (void)state;
    snprintf(want, sizeof(want), "/tmp/lore-%lu", (unsigned long)geteuid());
    assert_int_equal(paths_resolve(NULL, &p, err, sizeof(err)), 0);
    assert_string_equal(p.config_file, "/home/tester/.config/lore/lore.conf");
    assert_string_equal(p.data_dir, "/home/tester/.local/share/lore");
    assert_string_equal(p.runtime_dir, want);
    paths_free(&p);

    /* Empty or relative XDG variables are ignored, as the XDG spec says. */
    setenv("XDG_RUNTIME_DIR", "", 1);
    setenv("XDG_CONFIG_HOME", "relative/cfg", 1);
    assert_int_equal(paths_resolve(NULL, &p, err, sizeof(err)), 0);
    assert_string_equal(p.runtime_dir, want);
    assert_string_equal(p.config_file, "/home/tester/.config/lore/lore.conf");
    paths_free(&p);
}

static void test_no_home(void **state)
{
    struct paths p;
    char err[256] = "";

    (void)state;
    unsetenv("HOME");
    assert_int_equal(paths_resolve(NULL, &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "HOME"));
    assert_null(p.config_file);

    /* With both XDG directories set, HOME is not needed. */
    setenv("XDG_CONFIG_HOME", "/c", 1);
    setenv("XDG_DATA_HOME", "/d", 1);
    assert_int_equal(paths_resolve(NULL, &p, err, sizeof(err)), 0);
    assert_string_equal(p.config_file, "/c/lore/lore.conf");
    paths_free(&p);
}

static void test_socket_path_length(void **state)
{
    struct paths p;
    char err[512] = "", home[200];

    (void)state;
    /* "/run/lored.sock" is 15 bytes; sun_path holds 107 bytes and a NUL. */
    memset(home, 'a', sizeof(home));
    home[0] = '/';
    home[92] = '\0';
    assert_int_equal(paths_resolve(home, &p, err, sizeof(err)), 0);
    assert_int_equal(strlen(p.socket_path), 107);
    paths_free(&p);

    home[92] = 'a';
    home[93] = '\0';
    assert_int_equal(paths_resolve(home, &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "socket"));
    assert_non_null(strstr(err, "108 bytes"));
    assert_null(p.socket_path);

    setenv("XDG_RUNTIME_DIR", home, 1);
    assert_int_equal(paths_resolve(NULL, &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "socket"));
}

static void test_mkdir_private_creates(void **state)
{
    struct fixture *f = *state;
    char dir[PATH_MAX], err[512] = "";
    mode_t old = umask(022);

    snprintf(dir, sizeof(dir), "%s/a/b/c/", f->dir);
    assert_int_equal(paths_mkdir_private(dir, err, sizeof(err)), 0);
    snprintf(dir, sizeof(dir), "%s/a/b/c", f->dir);
    assert_int_equal(mode_of(dir), 0700);
    /* Existing and private: fine, and idempotent. */
    assert_int_equal(paths_mkdir_private(dir, err, sizeof(err)), 0);
    assert_int_equal(mode_of(dir), 0700);
    /* A stricter umask must not leave it unusable. */
    umask(0277);
    snprintf(dir, sizeof(dir), "%s/d", f->dir);
    assert_int_equal(paths_mkdir_private(dir, err, sizeof(err)), 0);
    assert_int_equal(mode_of(dir), 0700);
    umask(old);
}

static void test_mkdir_private_refuses_open_dir(void **state)
{
    struct fixture *f = *state;
    char dir[PATH_MAX], err[512] = "", want[PATH_MAX + 64];

    snprintf(dir, sizeof(dir), "%s/run", f->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(chmod(dir, 0755), 0);
    assert_int_equal(paths_mkdir_private(dir, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: permissions 0755 are too open (want 0700", dir);
    assert_non_null(strstr(err, want));
    assert_int_equal(mode_of(dir), 0755); /* not silently "fixed" */

    assert_int_equal(chmod(dir, 0710), 0);
    assert_int_equal(paths_mkdir_private(dir, err, sizeof(err)), -1);
    assert_int_equal(chmod(dir, 0700), 0);
    assert_int_equal(paths_mkdir_private(dir, err, sizeof(err)), 0);
}

static void test_mkdir_private_refuses_symlink_and_file(void **state)
{
    struct fixture *f = *state;
    char dir[PATH_MAX], link[PATH_MAX], file[PATH_MAX], sub[PATH_MAX + 8], err[512] = "";
    FILE *fp;

    snprintf(dir, sizeof(dir), "%s/real", f->dir);
    snprintf(link, sizeof(link), "%s/link", f->dir);
    snprintf(file, sizeof(file), "%s/file", f->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(symlink(dir, link), 0);
    assert_int_equal(paths_mkdir_private(link, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "symbolic link"));
    assert_non_null(strstr(err, link));

    fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(paths_mkdir_private(file, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a directory"));
    snprintf(sub, sizeof(sub), "%s/sub", file); /* a parent that is a file */
    assert_int_equal(paths_mkdir_private(sub, err, sizeof(err)), -1);
    assert_int_equal(paths_mkdir_private("", err, sizeof(err)), -1);
}

static void test_mkdir_private_refuses_foreign_owner(void **state)
{
    struct fixture *f = *state;
    char dir[PATH_MAX], err[512] = "";

    if (geteuid() != 0)
        skip(); /* only root can make a directory owned by someone else */
    snprintf(dir, sizeof(dir), "%s/theirs", f->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(chown(dir, 12345, 12345), 0);
    assert_int_equal(paths_mkdir_private(dir, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "owned by uid 12345"));
}

/* One holder at a time; the second learns the first's pid; the lock goes when its fd closes. */
static void test_lock_dir(void **state)
{
    struct fixture *f = *state;
    char err[512] = "", want[128];
    int fd, fd2;

    fd = paths_lock_dir(f->dir, err, sizeof(err));
    assert_true(fd >= 0);
    assert_int_equal(paths_lock_dir(f->dir, err, sizeof(err)), -1); /* a second open file */
    snprintf(want, sizeof(want), "is in use by another lored (pid %ld)", (long)getpid());
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, f->dir));
    close(fd);
    fd2 = paths_lock_dir(f->dir, err, sizeof(err));
    assert_true(fd2 >= 0);
    close(fd2);
}

/* A holder marked stopping is waited for (up to the bound), one that is not is refused at once:
 * a child holds the lock, marks it stopping, and lets it go 300 ms later. */
static void test_lock_waits_for_stopping(void **state)
{
    struct fixture *f = *state;
    char err[512] = "";
    int fd, status, up[2], down[2]; /* child -> parent, parent -> child */
    struct timespec t0, t1;
    pid_t child;
    char c;

    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        fd = paths_lock_dir(f->dir, err, sizeof(err));
        if (fd < 0 || write(up[1], "L", 1) != 1) /* locked, not stopping yet */
            _exit(1);
        if (read(down[0], &c, 1) != 1) /* the parent was refused */
            _exit(1);
        paths_lock_stopping(fd);
        if (write(up[1], "S", 1) != 1)
            _exit(1);
        usleep(300 * 1000);
        _exit(0);
    }
    assert_int_equal(read(up[0], &c, 1), 1);
    assert_int_equal(c, 'L');
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(paths_lock_dir_wait(f->dir, 5000, err, sizeof(err)), -1); /* running */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_non_null(strstr(err, "in use by another lored"));
    assert_true(t1.tv_sec - t0.tv_sec < 2); /* at once, not after the 5 s */
    assert_int_equal(write(down[1], "R", 1), 1);
    assert_int_equal(read(up[0], &c, 1), 1);
    assert_int_equal(c, 'S');
    assert_int_equal(paths_lock_dir_wait(f->dir, 0, err, sizeof(err)), -1); /* no wait asked */
    assert_non_null(strstr(err, "stopping"));
    fd = paths_lock_dir_wait(f->dir, 5000, err, sizeof(err));
    assert_true(fd >= 0); /* once the child has gone */
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(fd);
    close(up[0]);
    close(up[1]);
    close(down[0]);
    close(down[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_home_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_waits_for_stopping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lore_home_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_home, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_override_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xdg_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xdg_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_home, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_path_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdir_private_creates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdir_private_refuses_open_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdir_private_refuses_symlink_and_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_mkdir_private_refuses_foreign_owner, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
