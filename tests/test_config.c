/* Unit tests for node/config.c, on real files in a mkdtemp directory under /tmp. */
#define _XOPEN_SOURCE 700
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
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "xmalloc.h"

struct fixture {
    char dir[64];
    char file[128]; /* dir/lore.conf, written by write_conf */
    struct config *cfg;
    char err[512];
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/test_config.XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->file, sizeof(f->file), "%s/lore.conf", f->dir);
    f->cfg = config_new();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int rc;

    config_destroy(&f->cfg);
    rc = nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

static void write_conf(struct fixture *f, const char *text)
{
    FILE *fp = fopen(f->file, "w");

    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

/* Load text and expect failure with exactly "FILE:LINE: msg". */
static void expect_error(struct fixture *f, const char *text, int line, const char *msg)
{
    char want[1024];

    write_conf(f, text);
    f->err[0] = '\0';
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), -1);
    snprintf(want, sizeof(want), "%s:%d: %s", f->file, line, msg);
    assert_string_equal(f->err, want);
}

static void test_defaults(void **state)
{
    struct fixture *f = *state;

    assert_non_null(f->cfg->name);
    assert_string_equal(f->cfg->name, "");
    assert_int_equal(f->cfg->log_level, LOG_LEVEL_INFO);
    assert_int_equal(f->cfg->cache_mb, 16);
}

static void test_load_values(void **state)
{
    struct fixture *f = *state;

    write_conf(f, "# a comment\n"
                  "; another\n"
                  "\n"
                  "name = Ada Lovelace\n"
                  "   log_level=DEBUG\r\n"
                  "cache_mb = 64 ; inline comment\n");
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_string_equal(f->cfg->name, "Ada Lovelace");
    assert_int_equal(f->cfg->log_level, LOG_LEVEL_DEBUG);
    assert_int_equal(f->cfg->cache_mb, 64);
}

static void test_byte_order_mark(void **state)
{
    struct fixture *f = *state;

    write_conf(f, "\xef\xbb\xbf  cache_mb = 7\n");
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_int_equal(f->cfg->cache_mb, 7);
}

static void test_null_byte(void **state)
{
    struct fixture *f = *state;
    FILE *fp = fopen(f->file, "w");

    assert_non_null(fp);
    assert_int_equal(fwrite("name = a\nname = b\0c\n", 1, 20, fp), 20);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), -1);
    assert_non_null(strstr(f->err, ":2: line contains a NUL byte"));
}

static void test_empty_file(void **state)
{
    struct fixture *f = *state;

    write_conf(f, "");
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_int_equal(f->cfg->cache_mb, 16);
}

static void test_indented_line_is_not_a_continuation(void **state)
{
    struct fixture *f = *state;

    /* inih alone would append the indented line to name's value. */
    write_conf(f, "name = x\n    cache_mb = 5\n");
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_string_equal(f->cfg->name, "x");
    assert_int_equal(f->cfg->cache_mb, 5);
}

static void test_unknown_key(void **state)
{
    struct fixture *f = *state;

    expect_error(f, "# comment\ncache_mb = 2\n\nfoo = 1\n", 4, "unknown option 'foo'");
}

static void test_first_of_several_errors(void **state)
{
    struct fixture *f = *state;

    expect_error(f, "name = a\nfoo = 1\ncache_mb = 0\nbar = 2\n", 2, "unknown option 'foo'");
    /* A syntax error before a bad value. */
    expect_error(f, "name = a\nthis line has no equals sign\ncache_mb = 0\n", 2,
                 "syntax error (expected `key = value`)");
    /* A bad value before a syntax error. */
    expect_error(f, "cache_mb = 0\nname = a\nno equals\n", 1,
                 "cache_mb must be an integer from 1 to 1024");
    /* A section header after a bad key. */
    expect_error(f, "\n\nbogus = 1\n[main]\n", 3, "unknown option 'bogus'");
}

static void test_int_bounds(void **state)
{
    struct fixture *f = *state;
    static const char *bad[] = {
        "0", "1025", "-1", "12abc", "0x10", "1.5", "", "1 2", "99999999999999999999999"};
    const char *msg = "cache_mb must be an integer from 1 to 1024";
    char text[128];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "name = n\ncache_mb = %s\n", bad[i]);
        expect_error(f, text, 2, msg);
        assert_int_equal(f->cfg->cache_mb, 16); /* unchanged on error */
    }
    write_conf(f, "cache_mb = 1\n");
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_int_equal(f->cfg->cache_mb, 1);
    write_conf(f, "cache_mb = 1024\n");
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_int_equal(f->cfg->cache_mb, 1024);
}

static void test_bad_log_level(void **state)
{
    struct fixture *f = *state;

    expect_error(f, "log_level = loud\n", 1, "log_level must be one of error, warn, info, debug");
}

static void test_section_rejected(void **state)
{
    struct fixture *f = *state;

    expect_error(f, "name = a\n[node]\ncache_mb = 3\n", 2,
                 "sections are not supported (the file is flat `key = value` lines)");
    expect_error(f, "  [empty]\n", 1,
                 "sections are not supported (the file is flat `key = value` lines)");
    expect_error(f, "\xef\xbb\xbf[bom]\n", 1,
                 "sections are not supported (the file is flat `key = value` lines)");
}

static void test_long_line(void **state)
{
    struct fixture *f = *state;
    char text[1024];

    snprintf(text, sizeof(text), "name = a\nname = %0600d\ncache_mb = 2\n", 7);
    write_conf(f, text);
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), -1);
    assert_non_null(strstr(f->err, ":2: line is longer than"));
}

static void test_string_too_long(void **state)
{
    struct fixture *f = *state;
    char text[256];

    snprintf(text, sizeof(text), "name = %0129d\n", 1);
    expect_error(f, text, 1, "name must be from 0 to 128 bytes long");
}

static void test_duplicate_last_wins(void **state)
{
    struct fixture *f = *state;

    write_conf(f, "cache_mb = 2\nname = first\ncache_mb = 3\nname = second\n");
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_int_equal(f->cfg->cache_mb, 3);
    assert_string_equal(f->cfg->name, "second");
}

static void test_missing_file(void **state)
{
    struct fixture *f = *state;
    char path[256];

    snprintf(path, sizeof(path), "%s/nope.conf", f->dir);
    assert_int_equal(config_load(f->cfg, path, 0, f->err, sizeof(f->err)), 0);
    assert_int_equal(f->cfg->cache_mb, 16);
    assert_int_equal(config_load(f->cfg, path, 1, f->err, sizeof(f->err)), -1);
    assert_non_null(strstr(f->err, path));
}

static void test_unreadable(void **state)
{
    struct fixture *f = *state;

    /* A directory exists but cannot be read as a file, must_exist or not. */
    assert_int_equal(config_load(f->cfg, f->dir, 0, f->err, sizeof(f->err)), -1);
    assert_non_null(strstr(f->err, f->dir));
    if (geteuid() == 0)
        return; /* root reads a mode 000 file anyway */
    write_conf(f, "cache_mb = 2\n");
    assert_int_equal(chmod(f->file, 0), 0);
    assert_int_equal(config_load(f->cfg, f->file, 0, f->err, sizeof(f->err)), -1);
    assert_non_null(strstr(f->err, "Permission denied"));
}

static void test_config_set(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(config_set(f->cfg, "cache_mb", "100", f->err, sizeof(f->err)), 0);
    assert_int_equal(f->cfg->cache_mb, 100);
    assert_int_equal(config_set(f->cfg, "cache_mb", " 100", f->err, sizeof(f->err)), -1);
    assert_int_equal(config_set(f->cfg, "nope", "1", f->err, sizeof(f->err)), -1);
    assert_string_equal(f->err, "unknown option 'nope'");
    assert_int_equal(config_set(f->cfg, "log_level", "warn", f->err, sizeof(f->err)), 0);
    assert_int_equal(f->cfg->log_level, LOG_LEVEL_WARN);
}

static void test_dump_round_trip(void **state)
{
    struct fixture *f = *state;
    struct config *back = config_new();
    char *text = NULL;
    size_t len = 0;
    FILE *mem;

    assert_int_equal(config_set(f->cfg, "name", "Grace Hopper", f->err, sizeof(f->err)), 0);
    assert_int_equal(config_set(f->cfg, "cache_mb", "512", f->err, sizeof(f->err)), 0);
    assert_int_equal(config_set(f->cfg, "log_level", "error", f->err, sizeof(f->err)), 0);

    mem = open_memstream(&text, &len);
    assert_non_null(mem);
    config_dump(f->cfg, mem);
    assert_int_equal(fclose(mem), 0);
    assert_non_null(strstr(text, "(default 16)\ncache_mb = 512\n"));
    assert_non_null(strstr(text, "(default info)\nlog_level = error\n"));
    assert_non_null(strstr(text, "(default \"\")\nname = Grace Hopper\n"));
    /* Every option is documented: each value line follows a comment line. */
    assert_true(text[0] == '#');

    write_conf(f, text);
    assert_int_equal(config_load(back, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_string_equal(back->name, "Grace Hopper");
    assert_int_equal(back->cache_mb, 512);
    assert_int_equal(back->log_level, LOG_LEVEL_ERROR);
    free(text);
    config_destroy(&back);
    assert_null(back);
    config_destroy(&back);
    config_destroy(NULL);
}

/* A config another user could have written is refused, as key files are (issue 10, item 11). */
static void test_foreign_or_writable_file_refused(void **state)
{
    struct fixture *f = *state;

    write_conf(f, "cache_mb = 2\n");
    assert_int_equal(chmod(f->file, 0666), 0);
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), -1);
    assert_non_null(strstr(f->err, f->file));
    assert_non_null(strstr(f->err, "writable by others"));
    assert_non_null(strstr(f->err, "chmod go-w"));
    assert_int_equal(chmod(f->file, 0620), 0); /* group-writable */
    assert_int_equal(config_load(f->cfg, f->file, 0, f->err, sizeof(f->err)), -1);
    assert_non_null(strstr(f->err, "writable by others"));
    assert_int_equal(chmod(f->file, 0644), 0); /* readable by all is fine */
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_int_equal(f->cfg->cache_mb, 2);
    if (geteuid() != 0)
        return; /* only root can give a file away */
    assert_int_equal(chown(f->file, 65534, 65534), 0);
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), -1);
    assert_non_null(strstr(f->err, f->file));
    assert_non_null(strstr(f->err, "owned by uid 65534"));
}

/* The display name must be text lore can store: valid UTF-8, no control characters. */
static void test_name_must_be_utf8(void **state)
{
    struct fixture *f = *state;

    expect_error(f, "name = Ada \xff\xfe\n", 1,
                 "name must be valid UTF-8 without control characters");
    expect_error(f, "name = Ada \xc0\xaf\n", 1,
                 "name must be valid UTF-8 without control characters");
    expect_error(f, "name = Ada\x01\n", 1, "name must be valid UTF-8 without control characters");
    assert_int_equal(config_set(f->cfg, "name", "Ada \xed\xa0\x80", f->err, sizeof(f->err)), -1);
    write_conf(f, "name = Ad\xc3\xa9le \xe5\xad\xa6\n");
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_string_equal(f->cfg->name, "Ad\xc3\xa9le \xe5\xad\xa6");
}

/* listen and peer are HOST:PORT (hostport_parse): listen may be empty (do not listen) and port 0
 * (any free port); at most HOSTPORT_MAX (299) bytes. */
static void test_addresses(void **state)
{
    struct fixture *f = *state;
    char text[400];

    expect_error(f, "listen = nope\n", 1, "'nope' is not HOST:PORT");
    expect_error(f, "peer = :5673\n", 1, "':5673' is not HOST:PORT");
    expect_error(f, "peer = h:70000\n", 1, "'h:70000': the port must be a number from 0 to 65535");
    expect_error(f, "listen = h:\n", 1, "'h:': the port must be a number from 0 to 65535");
    expect_error(f, "listen = h:5x\n", 1, "'h:5x': the port must be a number from 0 to 65535");
    write_conf(f, "listen = \npeer = [::1]:5673\npeer = host.example:1\n");
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_string_equal(f->cfg->listen, "");
    write_conf(f, "listen = 127.0.0.1:0\n");
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_string_equal(f->cfg->listen, "127.0.0.1:0");
    /* From the command line (--peer, --listen; a file line holds fewer bytes): 299 bytes pass,
     * 300 (once allowed) are refused, as links and `lore peers add` refuse them. */
    snprintf(text, sizeof(text), "%0297d:1", 0);
    assert_int_equal(config_set(f->cfg, "peer", text, f->err, sizeof(f->err)), 0);
    snprintf(text, sizeof(text), "%0298d:1", 0);
    assert_int_equal(config_set(f->cfg, "peer", text, f->err, sizeof(f->err)), -1);
    assert_non_null(strstr(f->err, "is not HOST:PORT"));
}

/* web_listen is a loopback HOST:PORT (default 127.0.0.1:5680) or "" (off): 127.0.0.0/8, [::1],
 * localhost; anything else is refused, the web interface is this computer's person's only. */
static void test_web_listen(void **state)
{
    struct fixture *f = *state;

    assert_string_equal(f->cfg->web_listen, "127.0.0.1:5680");
    write_conf(f, "web_listen = [::1]:0\n");
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_string_equal(f->cfg->web_listen, "[::1]:0");
    assert_int_equal(config_set(f->cfg, "web_listen", "localhost:8080", f->err, sizeof(f->err)), 0);
    assert_int_equal(config_set(f->cfg, "web_listen", "127.1.2.3:1", f->err, sizeof(f->err)), 0);
    assert_int_equal(config_set(f->cfg, "web_listen", "", f->err, sizeof(f->err)), 0);
    assert_string_equal(f->cfg->web_listen, "");
    expect_error(f, "web_listen = 0.0.0.0:5680\n", 1,
                 "web_listen must be a loopback address (127.0.0.1, [::1] or localhost), not "
                 "'0.0.0.0': the web interface is for this computer's person only");
    expect_error(f, "web_listen = 192.168.1.2:80\n", 1,
                 "web_listen must be a loopback address (127.0.0.1, [::1] or localhost), not "
                 "'192.168.1.2': the web interface is for this computer's person only");
    assert_int_equal(config_set(f->cfg, "web_listen", "[::]:5680", f->err, sizeof(f->err)), -1);
    assert_int_equal(config_set(f->cfg, "web_listen", "localhost.evil:1", f->err, sizeof(f->err)),
                     -1);
    assert_int_equal(config_set(f->cfg, "web_listen", "nope", f->err, sizeof(f->err)), -1);
}

/* notify is all, urgent or off (default all); quiet_hours is "" (default) or HH:MM-HH:MM. */
static void test_notify_keys(void **state)
{
    struct fixture *f = *state;

    assert_string_equal(f->cfg->notify, "all");
    assert_string_equal(f->cfg->quiet_hours, "");
    write_conf(f, "notify = urgent\nquiet_hours = 22:00-07:00\n");
    assert_int_equal(config_load(f->cfg, f->file, 1, f->err, sizeof(f->err)), 0);
    assert_string_equal(f->cfg->notify, "urgent");
    assert_string_equal(f->cfg->quiet_hours, "22:00-07:00");
    expect_error(f, "notify = loud\n", 1, "notify must be all, urgent or off (not 'loud')");
    expect_error(f, "notify = \n", 1, "notify must be all, urgent or off (not '')");
    expect_error(f, "quiet_hours = 22-7\n", 1,
                 "quiet_hours: '22-7' is not HH:MM-HH:MM (say 22:00-07:00)");
    expect_error(f, "quiet_hours = 24:00-07:00\n", 1,
                 "quiet_hours: '24:00-07:00': times go from 00:00 to 23:59");
    expect_error(f, "quiet_hours = 07:00-07:00\n", 1,
                 "quiet_hours: '07:00-07:00': the window starts where it ends");
    assert_int_equal(config_set(f->cfg, "quiet_hours", "", f->err, sizeof(f->err)), 0);
    assert_string_equal(f->cfg->quiet_hours, "");
    assert_string_equal(f->cfg->notify, "urgent"); /* a refused value leaves the last good one */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_or_writable_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_must_be_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_order_mark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indented_line_is_not_a_continuation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_of_several_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_int_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_log_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_section_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_last_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dump_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web_listen, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
