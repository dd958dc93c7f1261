/*
 * lore: the command-line client. It only speaks the node's local API (docs/API.md); everything it
 * knows comes from the node's responses.
 *
 * Exit status: 0 ok; 1 the node answered with an error (or a local failure such as an unreadable
 * file); 2 usage error; 3 no node is running.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "hex.h"
#include "lore_int.h"
#include "paths.h"
#include "text.h"
#include "vault.h"
#include "xmalloc.h"

#ifndef LORE_VERSION
#define LORE_VERSION "0.0.0"
#endif

static const struct lore_command *lore_find_command(const char *name);
static void lore_print_usage(FILE *f);

/* ------------------------------------------------------------------------------------------- */
/* Errors                                                                                      */

/* Print "lore: MESSAGE" on stderr. */
void lore_errorf(const char *fmt, ...)
{
    va_list ap;

    fputs("lore: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Print "lore: CMD: MESSAGE (see `lore CMD --help`)" and return the usage exit code. */
int lore_usage_error(const struct lore *l, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "lore: %s: ", l->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see `lore %s --help`)\n", l->cmd);
    return LORE_EXIT_USAGE;
}

/* Explain what getopt_long (with opterr = 0 and a leading ':') objected to. */
int lore_bad_option(const struct lore *l, int c, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    bool is_long = arg != NULL && strncmp(arg, "--", 2) == 0;
    size_t n;

    if (c == ':') {
        if (is_long) {
            n = strcspn(arg, "=");
            return lore_usage_error(l, "option '%.*s' needs an argument", (int)n, arg);
        }
        return lore_usage_error(l, "option '-%c' needs an argument", optopt);
    }
    if (is_long) {
        n = strcspn(arg, "=");
        if (arg[n] == '=' && optopt != 0)
            return lore_usage_error(l, "option '%.*s' takes no argument", (int)n, arg);
        return lore_usage_error(l, "unknown option '%.*s'", (int)n, arg);
    }
    if (optopt != 0)
        return lore_usage_error(l, "unknown option '-%c'", optopt);
    return lore_usage_error(l, "unknown option '%s'", arg);
}

/* ------------------------------------------------------------------------------------------- */
/* Printing what other people wrote                                                            */

/* Roughly the number of terminal columns s takes: its code points. */
size_t lore_text_width(const char *s)
{
    size_t w = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

void lore_pad(FILE *f, size_t have, size_t want)
{
    for (; have < want; have++)
        fputc(' ', f);
}

/* ------------------------------------------------------------------------------------------- */
/* Reading responses                                                                           */

const char *lore_jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

long long lore_jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    if (json_is_integer(v))
        return (long long)json_integer_value(v);
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return 0;
}

const char *lore_kind(json_t *e, char *tmp, size_t n)
{
    const char *k = json_string_value(json_object_get(e, "kind"));

    if (k != NULL)
        return k;
    snprintf(tmp, n, "kind#%lld", lore_jint(e, "kind_id"));
    return tmp;
}

/* The author's name, or a short form of their key if no profile is known. */
const char *lore_author(json_t *e, char *tmp, size_t n)
{
    const char *name = json_string_value(json_object_get(e, "author_name"));

    if (name != NULL && name[0] != '\0')
        return name;
    snprintf(tmp, n, "%.8s…", lore_jstr(e, "author"));
    return tmp;
}

/* Local date ("2026-11-29"), with the time of day if with_time. */
void lore_format_date(long long ms, bool with_time, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    size_t w;

    if (localtime_r(&t, &tm) == NULL) {
        snprintf(out, n, "?");
        return;
    }
    if (with_time)
        w = strftime(out, n, "%Y-%m-%d %H:%M", &tm);
    else
        w = strftime(out, n, "%Y-%m-%d", &tm);
    if (w == 0)
        snprintf(out, n, "?");
}

/* "just now", "3m ago", "5h ago", "2d ago", or the date for anything older than a week (or in the
 * future: clocks of other machines are not to be trusted). */
void lore_format_age(long long created_ms, char *out, size_t n)
{
    long long d = (long long)time(NULL) - created_ms / 1000;

    if (d < -60 || d >= 7 * 86400)
        lore_format_date(created_ms, false, out, n);
    else if (d < 60)
        snprintf(out, n, "just now");
    else if (d < 3600)
        snprintf(out, n, "%lldm ago", d / 60);
    else if (d < 86400)
        snprintf(out, n, "%lldh ago", d / 3600);
    else
        snprintf(out, n, "%lldd ago", d / 86400);
}

/* "12.3 MB" style sizes for progress lines. */
static void lore_format_bytes(long long b, char *out, size_t n)
{
    if (b < 10 * 1000)
        snprintf(out, n, "%lld B", b);
    else if (b < 10 * 1000 * 1000)
        snprintf(out, n, "%.1f kB", (double)b / 1e3);
    else
        snprintf(out, n, "%.1f MB", (double)b / 1e6);
}

void lore_format_duration(long long s, char *out, size_t n)
{
    if (s < 60)
        snprintf(out, n, "%llds", s);
    else if (s < 3600)
        snprintf(out, n, "%lldm %llds", s / 60, s % 60);
    else if (s < 86400)
        snprintf(out, n, "%lldh %lldm", s / 3600, s % 3600 / 60);
    else
        snprintf(out, n, "%lldd %lldh", s / 86400, s % 86400 / 3600);
}

void lore_put_tags(FILE *f, json_t *e)
{
    json_t *t;
    size_t i;

    json_array_foreach(json_object_get(e, "tags"), i, t)
    {
        if (i > 0)
            fputc(' ', f);
        fputc('#', f);
        text_sanitize_term(f, json_string_value(t) ? json_string_value(t) : "", TEXT_TERM_ONE_LINE,
                           NULL);
    }
}

static void lore_put_answers(FILE *f, json_t *e)
{
    json_t *a = json_object_get(e, "answers");
    long long n;

    if (!json_is_integer(a))
        return;
    n = (long long)json_integer_value(a);
    if (n == 0)
        fputs("  (no answers)", f);
    else if (json_is_string(json_object_get(e, "accepted")))
        fprintf(f, "  (%lld answer%s, resolved)", n, n == 1 ? "" : "s");
    else
        fprintf(f, "  (%lld answer%s)", n, n == 1 ? "" : "s");
}

/* For entries without a title (answers, comments): "re <short ref>: " and the start of the body. */
static void lore_put_untitled(FILE *f, json_t *e)
{
    const char *ref = json_string_value(json_array_get(json_object_get(e, "refs"), 0));
    const char *body = lore_jstr(e, "body");
    size_t n = 0, cols = 0;
    char *start;

    if (ref != NULL && hex_is_hex(ref))
        fprintf(f, "re %.*s: ", LORE_SHORT_ID, ref);
    /* The first line, cut at about 60 columns on a UTF-8 boundary. */
    while (body[n] != '\0' && body[n] != '\n' && cols < 60) {
        n++;
        while (((unsigned char)body[n] & 0xc0) == 0x80)
            n++;
        cols++;
    }
    start = xstrndup(body, n);
    text_sanitize_term(f, start, TEXT_TERM_ONE_LINE, NULL);
    if (body[n] != '\0')
        fputs("…", f);
    free(start);
}

/* What keeping content says of an entry, for its line: pinned, flags, edited. */
static void lore_put_marks(FILE *f, json_t *e)
{
    json_t *flags = json_object_get(e, "flags");
    long long verified = lore_jint(flags, "verified"), obsolete = lore_jint(flags, "obsolete");

    if (json_is_true(json_object_get(e, "pinned")))
        fputs("  [pinned]", f);
    if (verified > 0)
        fprintf(f, "  [verified by %lld]", verified);
    if (obsolete > 0)
        fprintf(f, "  [obsolete (%lld)]", obsolete);
    if (lore_jint(e, "edits") > 0)
        fputs("  (edited)", f);
}

/* One line per entry: short id, kind, age, author, tags, title, answers, urgency, marks.
 * author_width pads the author column (0: no padding). */
void lore_print_entry_line(FILE *f, json_t *e, size_t author_width)
{
    char kind[32], author[32], age[32];
    const char *a;

    lore_format_age(lore_jint(e, "created_ms"), age, sizeof(age));
    a = lore_author(e, author, sizeof(author));
    fprintf(f, "%.*s  %-8s  %-10s  ", LORE_SHORT_ID, lore_jstr(e, "id"),
            lore_kind(e, kind, sizeof(kind)), age);
    text_sanitize_term(f, a, TEXT_TERM_ONE_LINE, NULL);
    lore_pad(f, lore_text_width(a), author_width);
    if (json_array_size(json_object_get(e, "tags")) > 0) {
        fputs("  ", f);
        lore_put_tags(f, e);
    }
    fputs("  ", f);
    if (lore_jstr(e, "title")[0] != '\0')
        text_sanitize_term(f, lore_jstr(e, "title"), TEXT_TERM_ONE_LINE, NULL);
    else
        lore_put_untitled(f, e);
    lore_put_answers(f, e);
    if (json_is_true(json_object_get(e, "urgent")))
        fputs("  [urgent]", f);
    lore_put_marks(f, e);
    fputc('\n', f);
}

/* The widest author name among entries (or among results' "entry"), capped so one long name does
 * not push every title off the screen. */
size_t lore_author_width(json_t *arr, const char *inner)
{
    char tmp[32];
    size_t w = 0, aw, i;
    json_t *e;

    json_array_foreach(arr, i, e)
    {
        if (inner != NULL)
            e = json_object_get(e, inner);
        aw = lore_text_width(lore_author(e, tmp, sizeof(tmp)));
        if (aw > w)
            w = aw;
    }
    return w > 24 ? 24 : w;
}

/* Print the response as pretty JSON, after removing its "ok" member. */
void lore_print_json(json_t *resp)
{
    json_object_del(resp, "ok");
    json_dumpf(resp, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
}

/* ------------------------------------------------------------------------------------------- */
/* Talking to the node                                                                         */

/* The shortest length (at least LORE_SHORT_ID) at which the candidate ids are all distinct. */
static size_t lore_distinct_len(json_t *cands)
{
    size_t len, i, j, n = json_array_size(cands);
    const char *a, *b;
    bool clash;

    for (len = LORE_SHORT_ID; len < 64; len++) {
        clash = false;
        for (i = 0; i < n && !clash; i++) {
            for (j = i + 1; j < n && !clash; j++) {
                a = json_string_value(json_array_get(cands, i));
                b = json_string_value(json_array_get(cands, j));
                if (a != NULL && b != NULL && strncmp(a, b, len) == 0)
                    clash = true;
            }
        }
        if (!clash)
            break;
    }
    return len;
}

/* Print the node's error as one line: its message, and for an ambiguous prefix the candidates,
 * abbreviated as far as they stay distinct. */
void lore_print_node_error(json_t *resp)
{
    json_t *cands = json_object_get(resp, "candidates"), *a;
    const char *msg = lore_jstr(resp, "error"), *id;
    size_t len, i;

    fputs("lore: ", stderr);
    text_sanitize_term(stderr, msg[0] != '\0' ? msg : "the node reported an error",
                       TEXT_TERM_ONE_LINE, NULL);
    if (json_array_size(cands) > 0) {
        len = lore_distinct_len(cands);
        fputs(" — candidates:", stderr);
        json_array_foreach(cands, i, a)
        {
            id = json_string_value(a);
            fprintf(stderr, "%s%.*s", i == 0 ? " " : ", ", (int)len,
                    id != NULL && hex_is_hex(id) ? id : "?");
        }
    }
    fputc('\n', stderr);
}

/* Connect on first use. Returns an exit code (0 when connected), having printed any error. */
int lore_connect(struct lore *l)
{
    enum client_connect_error why;
    char err[512];

    if (l->client != NULL)
        return LORE_EXIT_OK;
    if (!l->have_paths) {
        if (paths_resolve(l->home, &l->paths, err, sizeof(err)) != 0) {
            lore_errorf("%s", err);
            return LORE_EXIT_FAIL;
        }
        l->have_paths = true;
    }
    l->client = client_connect(l->paths.socket_path, &why, err, sizeof(err));
    if (l->client != NULL)
        return LORE_EXIT_OK;
    if (why == CLIENT_CONNECT_NO_NODE) {
        if (l->home != NULL)
            lore_errorf("no node is running at %s — start one with `lored --home %s &`",
                        l->paths.socket_path, l->home);
        else
            lore_errorf("no node is running at %s — start one with `lored &` (or `systemctl "
                        "--user start lored`)",
                        l->paths.socket_path);
        return LORE_EXIT_NO_NODE;
    }
    lore_errorf("%s", err);
    return LORE_EXIT_FAIL;
}

/* Send req (stolen) and wait for the response. On success returns 0 with *resp (an "ok" response,
 * caller's reference). Otherwise prints the error (and, with --json, the error object on stdout)
 * and returns the exit code. */
int lore_call(struct lore *l, json_t *req, json_t **resp)
{
    json_t *r = NULL;
    char err[512];
    int rc;

    *resp = NULL;
    if (req == NULL) {
        lore_errorf("out of memory");
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    rc = lore_connect(l);
    if (rc != LORE_EXIT_OK)
        goto out;
    r = client_call(l->client, req, err, sizeof(err));
    if (r == NULL) {
        lore_errorf("%s", err);
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    if (!json_is_true(json_object_get(r, "ok"))) {
        lore_print_node_error(r);
        if (l->json)
            lore_print_json(r);
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    *resp = r;
    r = NULL;
    rc = LORE_EXIT_OK;
out:
    json_decref(req);
    json_decref(r);
    return rc;
}

int lore_call_for_people(struct lore *l, json_t *req, json_t **resp, int *rc)
{
    *rc = lore_call(l, req, resp);
    if (*rc != LORE_EXIT_OK)
        return 0;
    if (l->json) {
        lore_print_json(*resp);
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------------------------- */
/* Command-line helpers                                                                        */

/* Print the help of the current command on stdout. */
int lore_command_help(const char *name)
{
    const struct lore_command *c = lore_find_command(name);

    if (c == NULL)
        return LORE_EXIT_USAGE;
    printf("usage: lore %s\n\n%s.\n", c->synopsis, c->summary);
    if (c->help[0] != '\0')
        printf("\n%s", c->help);
    return LORE_EXIT_OK;
}

/* Reset getopt for a command's own argv (glibc reinitialises on optind = 0). */
void lore_getopt_reset(void)
{
    optind = 0;
    opterr = 0;
}

int lore_no_args(const struct lore *l, int argc, char **argv)
{
    if (optind < argc)
        return lore_usage_error(l, "unexpected argument '%s'", argv[optind]);
    return LORE_EXIT_OK;
}

/* --limit N: a whole number in 1..LORE_LIMIT_MAX. */
int lore_parse_limit(const struct lore *l, const char *s, long *out)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || v < 1 || v > LORE_LIMIT_MAX)
        return lore_usage_error(l, "--limit must be a whole number from 1 to %d, not '%s'",
                                LORE_LIMIT_MAX, s);
    *out = v;
    return LORE_EXIT_OK;
}

/* An id or prefix the node can resolve: 4 to 64 hex digits. */
int lore_check_id(const struct lore *l, const char *id)
{
    size_t n = strlen(id);

    if (n < 4 || n > 64 || !hex_is_hex(id))
        return lore_usage_error(l, "'%s' is not an entry id (give 4 to 64 hex digits of one)", id);
    return LORE_EXIT_OK;
}

/* A JSON string from user text, or NULL if it is not valid UTF-8 (or holds a NUL). */
json_t *lore_user_string(const char *s, size_t len)
{
    if (memchr(s, '\0', len) != NULL)
        return NULL;
    return json_stringn(s, len);
}

int lore_set_string(json_t *o, const char *key, const char *value)
{
    json_t *v = lore_user_string(value, strlen(value));

    if (v == NULL)
        return -1;
    return json_object_set_new(o, key, v);
}

bool lore_use_color(void)
{
    const char *nc = getenv("NO_COLOR");

    return isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0');
}

/* ------------------------------------------------------------------------------------------- */
/* Bodies: --body, --file, stdin, or an editor                                                 */

/* Read all of fd into b (whose max is the limit). Returns 0, or -1 with errno set (EFBIG if the
 * limit was exceeded). */
static int lore_read_fd(int fd, struct buf *b)
{
    char chunk[16384];
    ssize_t n;

    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            return 0;
        if (buf_append(b, chunk, (size_t)n) != 0) {
            errno = EFBIG;
            return -1;
        }
    }
}

/* Read the file at path (at most LORE_BODY_MAX bytes) into b. what names it in errors. */
static int lore_read_file(const char *path, const char *what, struct buf *b)
{
    struct stat st;
    int fd = -1, rc = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        lore_errorf("cannot read %s %s: %s", what, path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        lore_errorf("cannot read %s %s: it is a directory", what, path);
        goto out;
    }
    if (lore_read_fd(fd, b) != 0) {
        if (errno == EFBIG)
            lore_errorf("%s %s is larger than 1 MiB", what, path);
        else
            lore_errorf("cannot read %s %s: %s", what, path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Run the user's editor on path: `sh -c '$EDITOR "$1"' sh path`, so EDITOR may hold arguments.
 * Returns 0 if it exited with status 0, else -1 (error printed). */
static int lore_run_editor(const char *editor, const char *path)
{
    struct sigaction ign, old_int, old_quit;
    char *cmd = xasprintf("%s \"$1\"", editor);
    int status, rc = -1;
    pid_t pid, w;

    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    /* Like git: while the editor runs, Ctrl-C belongs to it, not to us. */
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        lore_errorf("cannot start the editor: fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        char *argv[] = {"sh", "-c", cmd, "sh", (char *)path, NULL};

        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        execvp("sh", argv);
        fprintf(stderr, "lore: cannot run sh: %s\n", strerror(errno));
        _exit(127);
    }
    do {
        w = waitpid(pid, &status, 0);
    } while (w < 0 && errno == EINTR);
    if (w < 0) {
        lore_errorf("waiting for the editor: %s", strerror(errno));
        goto out;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        rc = 0;
    } else if (WIFEXITED(status)) {
        lore_errorf("editor '%s' failed (exit status %d); nothing posted", editor,
                    WEXITSTATUS(status));
    } else {
        lore_errorf("editor '%s' was killed by signal %d; nothing posted", editor,
                    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
out:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    free(cmd);
    return rc;
}

/* Let the user write the body in $VISUAL or $EDITOR, in a private temp file removed afterwards;
 * the file starts with initial (may be NULL). */
static int lore_edit_body(struct buf *b, const char *initial)
{
    const char *editor = getenv("VISUAL"), *tmpdir = getenv("TMPDIR");
    char *path = NULL;
    int fd = -1, rc = -1;

    if (editor == NULL || editor[0] == '\0')
        editor = getenv("EDITOR");
    if (editor == NULL || editor[0] == '\0') {
        lore_errorf("no editor: set $VISUAL or $EDITOR, or use --body TEXT, --file F or - (stdin)");
        goto out;
    }
    if (tmpdir == NULL || tmpdir[0] == '\0')
        tmpdir = "/tmp";
    path = xasprintf("%s/lore-XXXXXX.md", tmpdir);
    fd = mkstemps(path, 3); /* creates the file 0600 */
    if (fd < 0) {
        lore_errorf("cannot create a temporary file in %s: %s", tmpdir, strerror(errno));
        free(path);
        path = NULL;
        goto out;
    }
    if (initial != NULL && write(fd, initial, strlen(initial)) != (ssize_t)strlen(initial)) {
        lore_errorf("cannot write the temporary file %s: %s", path, strerror(errno));
        close(fd);
        goto out;
    }
    close(fd);
    if (lore_run_editor(editor, path) != 0)
        goto out;
    if (lore_read_file(path, "edited file", b) != 0)
        goto out;
    rc = 0;
out:
    if (path != NULL) {
        unlink(path);
        free(path);
    }
    return rc;
}

static void lore_trim_trailing_space(struct buf *b)
{
    while (b->len > 0 && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == '\r' ||
                          b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\t'))
        b->len--;
    if (b->data != NULL)
        b->data[b->len] = '\0';
}

/* Get the body as a JSON string in *out according to o. If no source is given: with required,
 * open the editor when stdin is a terminal, else fail; without required, *out is an empty string.
 * Returns an exit code, having printed any error. */
int lore_get_body(const struct lore *l, const struct lore_body_opts *o, bool required, json_t **out)
{
    struct buf b;
    bool edited = false;
    int rc = LORE_EXIT_FAIL;

    *out = NULL;
    buf_init(&b, LORE_BODY_MAX);
    if (o->text != NULL) {
        if (buf_append_str(&b, o->text) != 0) {
            lore_errorf("--body is larger than 1 MiB");
            goto out;
        }
    } else if (o->file != NULL) {
        if (lore_read_file(o->file, "file", &b) != 0)
            goto out;
        lore_trim_trailing_space(&b);
    } else if (o->from_stdin) {
        if (lore_read_fd(STDIN_FILENO, &b) != 0) {
            if (errno == EFBIG)
                lore_errorf("the body on stdin is larger than 1 MiB");
            else
                lore_errorf("cannot read stdin: %s", strerror(errno));
            goto out;
        }
        lore_trim_trailing_space(&b);
    } else if (o->edit || (required && isatty(STDIN_FILENO))) {
        if (lore_edit_body(&b, o->initial) != 0)
            goto out;
        lore_trim_trailing_space(&b);
        edited = true;
    } else if (required) {
        lore_errorf("%s needs a body: use --body TEXT, --file F, - (stdin), or set $EDITOR",
                    l->cmd);
        goto out;
    }
    if (edited) {
        size_t i;
        bool blank = true;

        for (i = 0; i < b.len && blank; i++)
            if (b.data[i] != ' ' && b.data[i] != '\n' && b.data[i] != '\t' && b.data[i] != '\r')
                blank = false;
        if (blank) {
            lore_errorf("aborted: empty body");
            goto out;
        }
    } else if (required && b.len == 0) {
        lore_errorf("%s needs a body, and the one given is empty", l->cmd);
        goto out;
    }
    *out = lore_user_string(b.data != NULL ? (const char *)b.data : "", b.len);
    if (*out == NULL) {
        lore_errorf("the body is not UTF-8 text");
        goto out;
    }
    rc = LORE_EXIT_OK;
out:
    buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------------------------------------- */
/* Commands                                                                                    */

/* The default name: the GECOS full name up to the first comma, else $USER, else the login. */
static char *lore_default_name(void)
{
    struct passwd *pw = getpwuid(getuid());
    const char *user = getenv("USER");
    size_t n;

    if (pw != NULL && pw->pw_gecos != NULL) {
        n = strcspn(pw->pw_gecos, ",");
        while (n > 0 && pw->pw_gecos[n - 1] == ' ')
            n--;
        if (n > 0)
            return xstrndup(pw->pw_gecos, n);
    }
    if (user != NULL && user[0] != '\0')
        return xstrdup(user);
    if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
        return xstrdup(pw->pw_name);
    return NULL;
}

/* Options of commands that take only --json and --help. Returns 1 to go on, or 0 with the exit
 * status in *rc (help printed, or a usage error reported). Leaves optind at the first argument. */
int lore_json_help_opts(struct lore *l, int argc, char **argv, int *rc)
{
    static const struct option opts[] = {{"json", no_argument, NULL, OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            return 1;
        switch (c) {
        case OPT_JSON:
            l->json = true;
            break;
        case 'h':
            *rc = lore_command_help(l->cmd);
            return 0;
        default:
            *rc = lore_bad_option(l, c, argv);
            return 0;
        }
    }
}

static int cmd_init(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *req = NULL, *resp = NULL;
    const char *name_opt = NULL;
    char *name = NULL;
    int c, rc = LORE_EXIT_OK, people;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":n:h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'n':
            name_opt = optarg;
            break;
        case OPT_JSON:
            l->json = true;
            break;
        case 'h':
            rc = lore_command_help(l->cmd);
            goto out;
        default:
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    rc = lore_no_args(l, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    name = name_opt != NULL ? xstrdup(name_opt) : lore_default_name();
    if (name == NULL) {
        rc = lore_usage_error(l, "cannot guess your name; give it with --name NAME");
        goto out;
    }
    if (name[0] == '\0' || strlen(name) > LORE_NAME_MAX) {
        rc = lore_usage_error(l, "the name must be 1 to %d bytes long", LORE_NAME_MAX);
        goto out;
    }
    req = json_pack("{s:s}", "op", "init");
    if (req != NULL && lore_set_string(req, "name", name) != 0) {
        rc = lore_usage_error(l, "the name is not UTF-8 text");
        goto out;
    }
    people = lore_call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    fputs("Initialised as ", stdout);
    text_sanitize_term(stdout, lore_jstr(resp, "name"), TEXT_TERM_ONE_LINE, NULL);
    printf(", key %.16s…\n%s\n", lore_jstr(resp, "public_key"), lore_jstr(resp, "id"));
out:
    json_decref(req);
    json_decref(resp);
    free(name);
    return rc;
}

/* The storage line of status: "storage:   ok", or what fails, since when, and what to do. */
static void lore_status_storage(json_t *st)
{
    char since[32] = "";
    time_t t;
    struct tm tm;

    if (!json_is_true(json_object_get(st, "failing"))) {
        fputs("storage:   ok\n", stdout);
        return;
    }
    t = (time_t)(lore_jint(st, "since_ms") / 1000);
    if (json_is_integer(json_object_get(st, "since_ms")) && localtime_r(&t, &tm) != NULL &&
        strftime(since, sizeof(since), "since %H:%M:%S, ", &tm) == 0)
        since[0] = '\0';
    fputs("storage failing: ", stdout);
    text_sanitize_term(stdout, lore_jstr(st, "reason"), TEXT_TERM_ONE_LINE, NULL);
    printf(" (%s%lld retries)\n           ", since, lore_jint(st, "retries"));
    text_sanitize_term(stdout, lore_jstr(st, "error"), TEXT_TERM_ONE_LINE, NULL);
    fputs("\n           nothing is lost: the node stores what waits once it can write again\n",
          stdout);
}

static int cmd_status(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *sync;
    const char *name;
    char up[64];
    int rc = LORE_EXIT_OK;

    if (!lore_json_help_opts(l, argc, argv, &rc))
        goto out;
    rc = lore_no_args(l, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (!lore_call_for_people(l, json_pack("{s:s}", "op", "status"), &resp, &rc))
        goto out;
    name = json_string_value(json_object_get(resp, "name"));
    lore_format_duration(lore_jint(resp, "uptime_s"), up, sizeof(up));
    printf("node:      lored %s\n", lore_jstr(resp, "version"));
    printf("pid:       %lld\n", lore_jint(resp, "pid"));
    fputs("name:      ", stdout);
    text_sanitize_term(stdout, name != NULL ? name : "(none yet: run `lore init`)",
                       TEXT_TERM_ONE_LINE, NULL);
    printf("\nkey:       %s\n", lore_jstr(resp, "public_key"));
    printf("entries:   %lld\n", lore_jint(resp, "entries"));
    if (json_is_object(json_object_get(resp, "storage")))
        lore_status_storage(json_object_get(resp, "storage"));
    printf("data dir:  %s\n", lore_jstr(resp, "data_dir"));
    if (json_string_value(json_object_get(resp, "config_file")) != NULL)
        printf("config:    %s\n", lore_jstr(resp, "config_file"));
    printf("socket:    %s\n", lore_jstr(resp, "socket"));
    printf("uptime:    %s\n", up);
    if (json_object_get(resp, "clock") != NULL) {
        json_t *clock = json_object_get(resp, "clock");
        printf("clock:     %s", lore_jstr(clock, "now"));
        if (json_is_true(json_object_get(clock, "ok"))) {
            printf(" (agrees with %lld peer%s)\n", lore_jint(clock, "peers_compared"),
                   lore_jint(clock, "peers_compared") == 1 ? "" : "s");
        } else {
            fputs(", WRONG: ", stdout);
            text_sanitize_term(stdout, lore_jstr(clock, "problem"), TEXT_TERM_ONE_LINE, NULL);
            fputs("\n           (this node refuses to write until it is right)\n", stdout);
        }
    }
    printf("clients:   %lld (%lld watching)\n", lore_jint(resp, "clients"),
           lore_jint(resp, "subscribers"));
    if (json_object_get(resp, "mdns") != NULL) {
        fputs("discovery: ", stdout);
        text_sanitize_term(stdout, lore_jstr(json_object_get(resp, "mdns"), "state"),
                           TEXT_TERM_ONE_LINE, NULL);
        fputs("\n", stdout);
        if (!json_is_true(json_object_get(json_object_get(resp, "mdns"), "working")))
            fputs("           (colleagues' nodes can still be added: lore peers add HOST:PORT)\n",
                  stdout);
    }
    sync = json_object_get(resp, "sync");
    if (sync != NULL) {
        printf("peers:     %lld up, listening on port %lld\n", lore_jint(sync, "peers_up"),
               lore_jint(sync, "listen_port"));
        if (lore_jint(sync, "bootstrap_entries_to_go") > 0) {
            char bytes[32];
            lore_format_bytes(lore_jint(sync, "bootstrap_bytes_to_go"), bytes, sizeof(bytes));
            printf("sync:      bootstrapping, %lld entries (%s) to go\n",
                   lore_jint(sync, "bootstrap_entries_to_go"), bytes);
        } else {
            printf("sync:      %lld merged from peers, %lld to fetch, %lld queued\n",
                   lore_jint(sync, "merged"), lore_jint(sync, "to_fetch"),
                   lore_jint(sync, "ingest_queued"));
        }
    }
out:
    json_decref(resp);
    return rc;
}

enum lore_post_kind {
    POST_QUESTION,
    POST_ANSWER,
    POST_NOTE,
    POST_COMMENT,
};

/* ask, answer, note and comment: one parser, with the options each kind allows. */
/* Before a question is posted: the most similar questions already asked, with their status, on
 * stderr (stdout stays the new id), so a person sees an existing answer before waiting for one. */
static void lore_show_similar(struct lore *l, const char *title)
{
    json_t *req = NULL, *resp = NULL, *res, *r, *e;
    char err[256];
    size_t i;

    /* Quietly: if this fails (say, a title with no searchable words) the post itself speaks. */
    if (l->client == NULL)
        goto out;
    req = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:b}", "op", "search", "query", title, "kind",
                    "question", "limit", 3, "hl_open", "", "hl_close", "", "any", 1);
    if (req == NULL)
        goto out;
    resp = client_call(l->client, req, err, sizeof(err));
    if (resp == NULL || !json_is_true(json_object_get(resp, "ok")))
        goto out;
    res = json_object_get(resp, "results");
    if (json_array_size(res) == 0)
        goto out;
    fprintf(stderr, "Similar questions already asked (`lore show ID`):\n");
    json_array_foreach(res, i, r)
    {
        e = json_object_get(r, "entry");
        fprintf(stderr, "  %.*s  %-8s  ", LORE_SHORT_ID, lore_jstr(e, "id"),
                lore_jstr(e, "status"));
        text_sanitize_term(stderr, lore_jstr(e, "title"), TEXT_TERM_ONE_LINE, NULL);
        if (json_is_string(json_object_get(e, "accepted")))
            fprintf(stderr, "  (accepted answer %.*s)", LORE_SHORT_ID, lore_jstr(e, "accepted"));
        fputc('\n', stderr);
    }
out:
    json_decref(req);
    json_decref(resp);
}

static int lore_post(struct lore *l, int argc, char **argv, enum lore_post_kind kind)
{
    static const struct option opts_titled[] = {{"body", required_argument, NULL, 'b'},
                                                {"file", required_argument, NULL, 'f'},
                                                {"edit", no_argument, NULL, 'e'},
                                                {"tag", required_argument, NULL, 't'},
                                                {"urgent", no_argument, NULL, 'u'},
                                                {"json", no_argument, NULL, OPT_JSON},
                                                {"to", required_argument, NULL, 'T'},
                                                {"help", no_argument, NULL, 'h'},
                                                {NULL, 0, NULL, 0}};
    static const struct option opts_note[] = {{"body", required_argument, NULL, 'b'},
                                              {"file", required_argument, NULL, 'f'},
                                              {"edit", no_argument, NULL, 'e'},
                                              {"tag", required_argument, NULL, 't'},
                                              {"json", no_argument, NULL, OPT_JSON},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    static const struct option opts_reply[] = {
        {"body", required_argument, NULL, 'b'}, {"file", required_argument, NULL, 'f'},
        {"edit", no_argument, NULL, 'e'},       {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    static const char *const kinds[] = {"question", "answer", "note", "comment"};
    const struct option *opts;
    const char *shortopts, *target = NULL, *to = NULL;
    struct lore_body_opts bo = {0};
    json_t *req = NULL, *resp = NULL, *tags = NULL, *body = NULL, *tag;
    bool urgent = false, reply = kind == POST_ANSWER || kind == POST_COMMENT;
    int c, i, sources, rc = LORE_EXIT_OK, people;

    if (kind == POST_QUESTION) {
        opts = opts_titled;
        shortopts = ":b:f:et:uT:h";
    } else if (kind == POST_NOTE) {
        opts = opts_note;
        shortopts = ":b:f:et:h";
    } else {
        opts = opts_reply;
        shortopts = ":b:f:eh";
    }
    tags = json_array();
    if (tags == NULL) {
        lore_errorf("out of memory");
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, shortopts, opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'b':
            bo.text = optarg;
            break;
        case 'f':
            bo.file = optarg;
            break;
        case 'e':
            bo.edit = true;
            break;
        case 't':
            tag = lore_user_string(optarg, strlen(optarg));
            if (tag == NULL || json_array_append_new(tags, tag) != 0) {
                rc = lore_usage_error(l, "the tag '%s' is not UTF-8 text", optarg);
                goto out;
            }
            break;
        case 'u':
            urgent = true;
            break;
        case 'T':
            to = optarg;
            break;
        case OPT_JSON:
            l->json = true;
            break;
        case 'h':
            rc = lore_command_help(l->cmd);
            goto out;
        default:
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    /* Positionals: the title (or the id replied to), and optionally "-" for stdin. */
    for (i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0 && !bo.from_stdin) {
            bo.from_stdin = true;
        } else if (target == NULL) {
            target = argv[i];
        } else {
            rc = lore_usage_error(l, "unexpected argument '%s'%s", argv[i],
                                  reply ? "" : "; quote a title of several words");
            goto out;
        }
    }
    if (target == NULL) {
        rc = lore_usage_error(l, "missing %s", reply ? "ID" : "TITLE");
        goto out;
    }
    if (reply) {
        rc = lore_check_id(l, target);
        if (rc != LORE_EXIT_OK)
            goto out;
    } else if (target[0] == '\0') {
        rc = lore_usage_error(l, "the title is empty");
        goto out;
    }
    sources = (bo.text != NULL) + (bo.file != NULL) + bo.from_stdin + bo.edit;
    if (sources > 1) {
        rc = lore_usage_error(l, "give only one of --body, --file, - (stdin) and --edit");
        goto out;
    }
    rc = lore_get_body(l, &bo, kind != POST_QUESTION, &body);
    if (rc != LORE_EXIT_OK)
        goto out;

    req = json_pack("{s:s, s:s, s:o}", "op", "post", "kind", kinds[kind], "body", body);
    body = NULL;
    if (req == NULL) {
        lore_errorf("out of memory");
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    if (reply) {
        if (json_object_set_new(req, "refs", json_pack("[s]", target)) != 0) {
            lore_errorf("out of memory");
            rc = LORE_EXIT_FAIL;
            goto out;
        }
    } else {
        if (lore_set_string(req, "title", target) != 0) {
            rc = lore_usage_error(l, "the title is not UTF-8 text");
            goto out;
        }
        if (json_object_set(req, "tags", tags) != 0 ||
            (kind == POST_QUESTION &&
             json_object_set_new(req, "urgent", json_boolean(urgent)) != 0) ||
            (to != NULL && json_object_set_new(req, "to", json_string(to)) != 0)) {
            lore_errorf("out of memory");
            rc = LORE_EXIT_FAIL;
            goto out;
        }
    }
    if (kind == POST_QUESTION) {
        rc = lore_connect(l); /* says once, clearly, when no node runs */
        if (rc != LORE_EXIT_OK)
            goto out;
        lore_show_similar(l, target);
    }
    people = lore_call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    /* The full id is always the last line, so `id=$(lore ask ... | tail -n 1)` works. */
    printf("Posted %s %.*s.\n%s\n", kinds[kind], LORE_SHORT_ID, lore_jstr(resp, "id"),
           lore_jstr(resp, "id"));
out:
    json_decref(req);
    json_decref(resp);
    json_decref(tags);
    json_decref(body);
    return rc;
}

static int cmd_ask(struct lore *l, int argc, char **argv)
{
    return lore_post(l, argc, argv, POST_QUESTION);
}

static int cmd_answer(struct lore *l, int argc, char **argv)
{
    return lore_post(l, argc, argv, POST_ANSWER);
}

static int cmd_note(struct lore *l, int argc, char **argv)
{
    return lore_post(l, argc, argv, POST_NOTE);
}

static int cmd_comment(struct lore *l, int argc, char **argv)
{
    return lore_post(l, argc, argv, POST_COMMENT);
}

/* An entry in full: header lines, title, body. Every line after the first starts with indent. */
void lore_print_entry_full(json_t *e, const char *indent)
{
    char kind[32], author[32], age[32], date[64];
    const char *name = json_string_value(json_object_get(e, "author_name"));
    const char *title = lore_jstr(e, "title"), *body = lore_jstr(e, "body");
    json_t *refs = json_object_get(e, "refs"), *r;
    size_t i;

    lore_format_age(lore_jint(e, "created_ms"), age, sizeof(age));
    lore_format_date(lore_jint(e, "created_ms"), true, date, sizeof(date));
    printf("%s%s %s%s\n", indent, lore_kind(e, kind, sizeof(kind)), lore_jstr(e, "id"),
           json_is_true(json_object_get(e, "urgent")) ? "  [urgent]" : "");
    printf("%sAuthor:    ", indent);
    text_sanitize_term(stdout, lore_author(e, author, sizeof(author)), TEXT_TERM_ONE_LINE, NULL);
    if (name != NULL && name[0] != '\0')
        printf(" (key %.16s…)", lore_jstr(e, "author"));
    printf("\n%sDate:      %s (%s)\n", indent, date, age);
    if (lore_jint(e, "edits") > 0) {
        lore_format_date(lore_jint(e, "edited_ms"), true, date, sizeof(date));
        printf("%sEdited:    %lld time%s, last %s\n", indent, lore_jint(e, "edits"),
               lore_jint(e, "edits") == 1 ? "" : "s", date);
    }
    if (lore_jint(json_object_get(e, "flags"), "verified") > 0 ||
        lore_jint(json_object_get(e, "flags"), "obsolete") > 0 ||
        json_is_true(json_object_get(e, "pinned"))) {
        printf("%sMarks:   ", indent);
        lore_put_marks(stdout, e);
        fputc('\n', stdout);
    }
    if (json_array_size(json_object_get(e, "tags")) > 0) {
        printf("%sTags:      ", indent);
        lore_put_tags(stdout, e);
        fputc('\n', stdout);
    }
    if (json_array_size(refs) > 0) {
        printf("%sRefs:      ", indent);
        json_array_foreach(refs, i, r)
        {
            printf("%s%.*s", i > 0 ? ", " : "", LORE_SHORT_ID,
                   json_string_value(r) != NULL && hex_is_hex(json_string_value(r))
                       ? json_string_value(r)
                       : "?");
        }
        fputc('\n', stdout);
    }
    if (json_is_string(json_object_get(e, "status"))) {
        printf("%sStatus:    %s", indent, lore_jstr(e, "status"));
        if (json_is_string(json_object_get(e, "accepted")))
            printf(" (accepted answer %.*s)", LORE_SHORT_ID, lore_jstr(e, "accepted"));
        fputc('\n', stdout);
    }
    printf("%sCheck:     %s\n", indent,
           json_is_true(json_object_get(e, "verified")) ? "signature verified"
                                                        : "signature NOT verified");
    if (title[0] != '\0') {
        printf("\n%s", indent);
        text_sanitize_term(stdout, title, TEXT_TERM_ONE_LINE, NULL);
        fputc('\n', stdout);
    }
    if (body[0] != '\0') {
        printf("\n%s", indent);
        text_sanitize_term(stdout, body, 0, indent);
        fputc('\n', stdout);
    }
}

void lore_print_replies(json_t *resp, const char *key, const char *singular)
{
    json_t *arr = json_object_get(resp, key), *e;
    const char *accepted =
        json_string_value(json_object_get(json_object_get(resp, "entry"), "accepted"));
    size_t i, n = json_array_size(arr);

    if (n == 0)
        return;
    printf("\n%zu %s%s:\n", n, singular, n == 1 ? "" : "s");
    json_array_foreach(arr, i, e)
    {
        fputc('\n', stdout);
        if (accepted != NULL && strcmp(accepted, lore_jstr(e, "id")) == 0)
            printf("    ✓ accepted by the asker\n");
        lore_print_entry_full(e, "    ");
    }
}

static int cmd_show(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"history", no_argument, NULL, 'H'},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *req = NULL, *resp = NULL;
    bool history = false;
    int c, rc = LORE_EXIT_OK, people;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            break;
        if (c == 'H') {
            history = true;
        } else if (c == OPT_JSON) {
            l->json = true;
        } else if (c == 'h') {
            rc = lore_command_help(l->cmd);
            goto out;
        } else {
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    if (optind >= argc) {
        rc = lore_usage_error(l, "missing ID");
        goto out;
    }
    if (optind + 1 < argc) {
        rc = lore_usage_error(l, "unexpected argument '%s'", argv[optind + 1]);
        goto out;
    }
    rc = lore_check_id(l, argv[optind]);
    if (rc != LORE_EXIT_OK)
        goto out;
    req = json_pack("{s:s, s:s, s:b}", "op", "get", "id", argv[optind], "history", history);
    people = lore_call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    lore_print_entry_full(json_object_get(resp, "entry"), "");
    lore_print_replies(resp, "answers", "answer");
    lore_print_replies(resp, "comments", "comment");
    if (history)
        lore_print_history(resp);
out:
    json_decref(req);
    json_decref(resp);
    return rc;
}

static void lore_warn_corrupt(json_t *resp)
{
    long long n = lore_jint(resp, "corrupt");

    if (n > 0)
        fprintf(stderr,
                "lore: warning: %lld stored entr%s failed verification and %s left out "
                "(see `lore check`)\n",
                n, n == 1 ? "y" : "ies", n == 1 ? "was" : "were");
}

/* The filters list and search share. */
struct lore_filter {
    const char *kind, *tag, *author, *status;
    bool open, pinned;
    long limit;
    long long since_ms; /* 0: any */
};

/* Parse --kind, --tag, --limit, --json, --help (and --open/--unanswered when allow_open). Leaves
 * optind at the first argument. Returns 1 to go on, or 0 with the exit status in *rc. */
static int lore_filter_opts(struct lore *l, int argc, char **argv, int allow_open,
                            struct lore_filter *f, int *rc)
{
    static const struct option opts[] = {
        {"kind", required_argument, NULL, 'k'},   {"tag", required_argument, NULL, 't'},
        {"open", no_argument, NULL, 'o'},         {"unanswered", no_argument, NULL, 'o'},
        {"limit", required_argument, NULL, 'n'},  {"json", no_argument, NULL, OPT_JSON},
        {"author", required_argument, NULL, 'a'}, {"status", required_argument, NULL, 's'},
        {"since", required_argument, NULL, 'S'},  {"pinned", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int c;

    memset(f, 0, sizeof(*f));
    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, allow_open ? ":k:t:on:a:s:h" : ":k:t:n:a:s:h", opts, NULL);
        if (c == -1)
            return 1;
        if ((c == 'o' || c == 'p') && !allow_open)
            c = '?'; /* getopt_long matched the long name; this command has no such option */
        switch (c) {
        case 'a':
            f->author = optarg;
            break;
        case 's':
            if (strcmp(optarg, "open") != 0 && strcmp(optarg, "answered") != 0 &&
                strcmp(optarg, "resolved") != 0) {
                *rc =
                    lore_usage_error(l, "--status is open, answered or resolved, not '%s'", optarg);
                return 0;
            }
            f->status = optarg;
            break;
        case 'S':
            if (lore_parse_since(optarg, &f->since_ms) != 0 || f->since_ms <= 0) {
                *rc = lore_usage_error(l, "--since takes 24h, 7d, 2w or YYYY-MM-DD, not '%s'",
                                       optarg);
                return 0;
            }
            break;
        case 'p':
            f->pinned = true;
            break;
        case 'k':
            f->kind = optarg;
            break;
        case 't':
            f->tag = optarg;
            break;
        case 'o':
            f->open = true;
            break;
        case 'n':
            *rc = lore_parse_limit(l, optarg, &f->limit);
            if (*rc != LORE_EXIT_OK)
                return 0;
            break;
        case OPT_JSON:
            l->json = true;
            break;
        case 'h':
            *rc = lore_command_help(l->cmd);
            return 0;
        default:
            *rc = lore_bad_option(l, c, argv);
            return 0;
        }
    }
}

/* Put the filters into a request. Returns 0, or -1 (not UTF-8, or out of memory). */
static int lore_filter_req(json_t *req, const struct lore_filter *f)
{
    if ((f->kind != NULL && lore_set_string(req, "kind", f->kind) != 0) ||
        (f->tag != NULL && lore_set_string(req, "tag", f->tag) != 0))
        return -1;
    if ((f->open && json_object_set_new(req, "open", json_true()) != 0) ||
        (f->limit > 0 && json_object_set_new(req, "limit", json_integer(f->limit)) != 0))
        return -1;
    if ((f->author != NULL && lore_set_string(req, "author", f->author) != 0) ||
        (f->status != NULL && json_object_set_new(req, "status", json_string(f->status)) != 0) ||
        (f->since_ms > 0 && json_object_set_new(req, "since_ms", json_integer(f->since_ms)) != 0) ||
        (f->pinned && json_object_set_new(req, "pinned", json_true()) != 0))
        return -1;
    return 0;
}

static int cmd_list(struct lore *l, int argc, char **argv)
{
    json_t *req = NULL, *resp = NULL, *entries, *e;
    struct lore_filter f;
    size_t i, width;
    int rc = LORE_EXIT_OK, people;

    if (!lore_filter_opts(l, argc, argv, 1, &f, &rc))
        goto out;
    rc = lore_no_args(l, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    req = json_pack("{s:s,s:b}", "op", "list", "pinned_first", 1);
    if (req == NULL || lore_filter_req(req, &f) != 0) {
        rc = lore_usage_error(l, "--kind, --tag and --author must be UTF-8 text");
        goto out;
    }
    people = lore_call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    entries = json_object_get(resp, "entries");
    width = lore_author_width(entries, NULL);
    json_array_foreach(entries, i, e)
    {
        lore_print_entry_line(stdout, e, width);
    }
    if (json_array_size(entries) == 0)
        printf(f.pinned ? "No pinned entries.\n" : "No entries.\n");
    lore_warn_corrupt(resp);
out:
    json_decref(req);
    json_decref(resp);
    return rc;
}

static int cmd_search(struct lore *l, int argc, char **argv)
{
    json_t *req = NULL, *resp = NULL, *results, *r;
    struct lore_filter f;
    struct buf query;
    size_t i, width;
    int rc = LORE_EXIT_OK, people;
    bool hl;

    buf_init(&query, 64 * 1024);
    if (!lore_filter_opts(l, argc, argv, 0, &f, &rc))
        goto out;
    for (; optind < argc; optind++) {
        if ((query.len > 0 && buf_append_str(&query, " ") != 0) ||
            buf_append_str(&query, argv[optind]) != 0) {
            rc = lore_usage_error(l, "the query is too long");
            goto out;
        }
    }
    if (query.len == 0) {
        rc = lore_usage_error(l, "missing QUERY");
        goto out;
    }
    hl = !l->json && lore_use_color();
    req = json_pack("{s:s}", "op", "search");
    if (req == NULL || lore_set_string(req, "query", (const char *)query.data) != 0 ||
        lore_filter_req(req, &f) != 0) {
        rc = lore_usage_error(l, "the query, --kind, --tag and --author must be UTF-8 text");
        goto out;
    }
    if (hl && (json_object_set_new(req, "hl_open", json_string(LORE_HL_OPEN)) != 0 ||
               json_object_set_new(req, "hl_close", json_string(LORE_HL_CLOSE)) != 0)) {
        lore_errorf("out of memory");
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    people = lore_call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    results = json_object_get(resp, "results");
    width = lore_author_width(results, "entry");
    json_array_foreach(results, i, r)
    {
        lore_print_entry_line(stdout, json_object_get(r, "entry"), width);
        if (lore_jstr(r, "snippet")[0] != '\0') {
            fputs("    ", stdout);
            text_sanitize_term(stdout, lore_jstr(r, "snippet"),
                               TEXT_TERM_ONE_LINE | (hl ? TEXT_TERM_BOLD : 0), NULL);
            if (hl)
                fputs(LORE_HL_CLOSE, stdout); /* never leave a snippet's bold switched on */
            fputc('\n', stdout);
        }
    }
    if (json_array_size(results) == 0)
        printf("No matches.\n");
    lore_warn_corrupt(resp);
out:
    json_decref(req);
    json_decref(resp);
    buf_free(&query);
    return rc;
}

static int cmd_check(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *problems, *p;
    long long bad;
    bool integrity;
    size_t i;
    int rc = LORE_EXIT_OK;

    if (!lore_json_help_opts(l, argc, argv, &rc))
        goto out;
    rc = lore_no_args(l, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = lore_connect(l);
    if (rc != LORE_EXIT_OK)
        goto out;
    /* Verifying every signature of a large replica takes a while. */
    client_set_timeout(l->client, LORE_CHECK_TIMEOUT_MS);
    rc = lore_call(l, json_pack("{s:s}", "op", "check"), &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    bad = lore_jint(resp, "bad");
    integrity = json_is_true(json_object_get(resp, "integrity_ok"));
    if (l->json) {
        lore_print_json(resp);
    } else {
        printf("entries:   %lld\n", lore_jint(resp, "entries"));
        printf("bad:       %lld", bad);
        if (bad > 0)
            printf(" (%lld undecodable, %lld wrong id, %lld bad signature, %lld bad columns)",
                   lore_jint(resp, "bad_decode"), lore_jint(resp, "bad_id"),
                   lore_jint(resp, "bad_signature"), lore_jint(resp, "bad_columns"));
        printf("\ndatabase:  %s\n", integrity ? "integrity ok" : "INTEGRITY CHECK FAILED");
        problems = json_object_get(resp, "problems");
        if (json_array_size(problems) > 0)
            printf("problems:\n");
        json_array_foreach(problems, i, p)
        {
            printf("  %.*s  ", LORE_SHORT_ID,
                   hex_is_hex(lore_jstr(p, "id")) ? lore_jstr(p, "id") : "?");
            text_sanitize_term(stdout, lore_jstr(p, "why"), TEXT_TERM_ONE_LINE, NULL);
            fputc('\n', stdout);
        }
    }
    if (bad > 0 || !integrity) {
        lore_errorf("check failed: %lld bad entr%s%s", bad, bad == 1 ? "y" : "ies",
                    integrity ? "" : ", database integrity check failed");
        rc = LORE_EXIT_FAIL;
    }
out:
    json_decref(resp);
    return rc;
}

static volatile sig_atomic_t lore_interrupted;

static void lore_on_signal(int sig)
{
    (void)sig;
    lore_interrupted = 1;
}

/* A desktop notification for a request in my areas, where notify-send exists (its absence is
 * said once). The text goes as arguments, never through a shell. */
static void lore_notify(json_t *e)
{
    static int missing;
    char title[160];
    pid_t pid;
    int status;

    if (missing || !json_is_object(e))
        return;
    snprintf(title, sizeof(title), "lore: %s%s",
             json_is_true(json_object_get(e, "urgent")) ? "urgent " : "", "question for you");
    pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
        }
        execlp("notify-send", "notify-send", "--app-name=lore", title, lore_jstr(e, "title"),
               (char *)NULL);
        _exit(127);
    }
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
        WEXITSTATUS(status) == 127) {
        missing = 1;
        fprintf(stderr, "lore: notify-send is not installed; no desktop notifications\n");
    }
}

static int cmd_watch(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, OPT_JSON},
                                         {"mine", no_argument, NULL, 'm'},
                                         {"notify", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct sigaction sa;
    json_t *resp = NULL, *ev = NULL, *e;
    char err[512];
    int c, r, rc = LORE_EXIT_OK, mine = 0, notify = 0;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":mnh", opts, NULL);
        if (c == -1)
            break;
        if (c == OPT_JSON) {
            l->json = true;
        } else if (c == 'm') {
            mine = 1;
        } else if (c == 'n') {
            notify = 1;
        } else if (c == 'h') {
            rc = lore_command_help(l->cmd);
            goto out;
        } else {
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    rc = lore_no_args(l, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = lore_call(l, json_pack("{s:s}", "op", "subscribe"), &resp);
    if (rc != LORE_EXIT_OK)
        goto out;

    /* No SA_RESTART: Ctrl-C interrupts the poll and we leave cleanly with status 0. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = lore_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (!l->json && isatty(STDOUT_FILENO))
        fprintf(stderr, "Watching for new entries (Ctrl-C to stop)...\n");
    while (!lore_interrupted) {
        r = client_next_event(l->client, -1, &ev, err, sizeof(err));
        if (r == 0)
            continue;
        if (r < 0) {
            lore_errorf("%s", err);
            rc = LORE_EXIT_FAIL;
            goto out;
        }
        if (mine && !json_is_true(json_object_get(ev, "for_you"))) {
            json_decref(ev);
            ev = NULL;
            continue;
        }
        if (notify && json_is_true(json_object_get(ev, "for_you")))
            lore_notify(json_object_get(ev, "entry"));
        if (l->json) {
            json_dumpf(ev, stdout, JSON_COMPACT);
            fputc('\n', stdout);
        } else if (strcmp(lore_jstr(ev, "event"), "entry") == 0) {
            e = json_object_get(ev, "entry");
            if (json_is_object(e))
                lore_print_entry_line(stdout, e, 0);
        }
        json_decref(ev);
        ev = NULL;
        if (fflush(stdout) != 0) {
            lore_errorf("cannot write to stdout: %s", strerror(errno));
            rc = LORE_EXIT_FAIL;
            goto out;
        }
    }
out:
    json_decref(ev);
    json_decref(resp);
    return rc;
}

/* Print the areas (skills and followed tags) a response carries. */
static void lore_print_areas(json_t *resp)
{
    json_t *a = json_object_get(resp, "areas"), *t;
    size_t i;

    printf("your areas:");
    if (json_array_size(a) == 0)
        printf(" none yet (lore skills add TAG, lore follow TAG)");
    json_array_foreach(a, i, t)
    {
        fputs(" #", stdout);
        text_sanitize_term(stdout, json_string_value(t) ? json_string_value(t) : "",
                           TEXT_TERM_ONE_LINE, NULL);
    }
    fputc('\n', stdout);
}

static int cmd_skills(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, OPT_JSON},
                                         {"level", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *resp = NULL;
    long level = 3;
    char *end;
    int c, rc = LORE_EXIT_OK;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":l:h", opts, NULL);
        if (c == -1)
            break;
        if (c == OPT_JSON) {
            l->json = true;
        } else if (c == 'l') {
            errno = 0;
            level = strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || level < 1 || level > 5) {
                rc = lore_usage_error(l, "--level takes 1 to 5");
                goto out;
            }
        } else if (c == 'h') {
            rc = lore_command_help(l->cmd);
            goto out;
        } else {
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    if (optind + 2 != argc || strcmp(argv[optind], "add") != 0) {
        rc = lore_usage_error(l, "usage: lore skills add TAG [--level 1-5]");
        goto out;
    }
    rc = lore_call(
        l, json_pack("{s:s,s:s,s:i}", "op", "skill", "tag", argv[optind + 1], "level", (int)level),
        &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json) {
        lore_print_json(resp);
        goto out;
    }
    lore_print_areas(resp);
    printf("%s\n", lore_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

/* follow TAG and unfollow TAG. */
static int lore_follow(struct lore *l, int argc, char **argv, int off)
{
    json_t *resp = NULL;
    int rc = LORE_EXIT_OK;

    if (!lore_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind + 1 != argc) {
        rc = lore_usage_error(l, optind >= argc ? "missing TAG" : "too many arguments");
        goto out;
    }
    rc = lore_call(l, json_pack("{s:s,s:s,s:b}", "op", "follow", "tag", argv[optind], "off", off),
                   &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        lore_print_json(resp);
    else
        lore_print_areas(resp);
out:
    json_decref(resp);
    return rc;
}

static int cmd_follow(struct lore *l, int argc, char **argv)
{
    return lore_follow(l, argc, argv, 0);
}

static int cmd_unfollow(struct lore *l, int argc, char **argv)
{
    return lore_follow(l, argc, argv, 1);
}

static int cmd_inbox(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *arr, *e;
    size_t i;
    int rc = LORE_EXIT_OK;

    if (!lore_json_help_opts(l, argc, argv, &rc))
        goto out;
    rc = lore_no_args(l, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (!lore_call_for_people(l, json_pack("{s:s}", "op", "inbox"), &resp, &rc))
        goto out;
    lore_print_areas(resp);
    arr = json_object_get(resp, "entries");
    if (json_array_size(arr) == 0)
        printf("nothing waiting for you\n");
    json_array_foreach(arr, i, e) lore_print_entry_line(stdout, e, 0);
    lore_people_print_inbox(resp);
out:
    json_decref(resp);
    return rc;
}

static int cmd_who_knows(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *people, *p;
    struct buf topic;
    size_t i;
    int k, rc = LORE_EXIT_OK;

    buf_init(&topic, 4096);
    if (!lore_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind >= argc) {
        rc = lore_usage_error(l, "missing TOPIC");
        goto out;
    }
    for (k = optind; k < argc; k++)
        if ((k > optind && buf_append_str(&topic, " ") != 0) ||
            buf_append_str(&topic, argv[k]) != 0) {
            rc = lore_usage_error(l, "the topic is too long");
            goto out;
        }
    rc = lore_call(l, json_pack("{s:s,s:s}", "op", "who_knows", "topic", (const char *)topic.data),
                   &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json) {
        lore_print_json(resp);
        goto out;
    }
    people = json_object_get(resp, "people");
    if (json_array_size(people) == 0)
        printf("nobody yet: ask the question, and whoever answers will show here next time\n");
    json_array_foreach(people, i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        printf("%2zu. ", i + 1);
        if (name != NULL)
            text_sanitize_term(stdout, name, TEXT_TERM_ONE_LINE, NULL);
        else
            printf("%.12s", lore_jstr(p, "key"));
        printf("  (score %.1f)\n    ", json_real_value(json_object_get(p, "score")));
        text_sanitize_term(stdout, lore_jstr(p, "why"), TEXT_TERM_ONE_LINE, NULL);
        fputc('\n', stdout);
    }
out:
    buf_free(&topic);
    json_decref(resp);
    return rc;
}

/* "7d", "24h", "2w" (ago) or "YYYY-MM-DD" (UTC) into ms since the epoch. Returns 0 or -1. */
int lore_parse_since(const char *s, long long *ms)
{
    char *end;
    long v;
    struct tm tm;
    time_t t;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno == 0 && end != s && v >= 0 && v < 100000 &&
        (strcmp(end, "h") == 0 || strcmp(end, "d") == 0 || strcmp(end, "w") == 0)) {
        long long unit = *end == 'h' ? 3600000LL : *end == 'd' ? 86400000LL : 604800000LL;
        *ms = (long long)time(NULL) * 1000 - v * unit;
        return 0;
    }
    /* YYYY-MM-DD, checked field by field. */
    memset(&tm, 0, sizeof(tm));
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (v = 0; v < 10; v++)
        if (v != 4 && v != 7 && (s[v] < '0' || s[v] > '9'))
            return -1;
    tm.tm_year = (int)strtol(s, NULL, 10) - 1900;
    tm.tm_mon = (int)strtol(s + 5, NULL, 10) - 1;
    tm.tm_mday = (int)strtol(s + 8, NULL, 10);
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return -1;
    t = timegm(&tm);
    if (t < 0)
        return -1;
    *ms = (long long)t * 1000;
    return 0;
}

static void lore_print_hours(const char *label, json_t *v)
{
    printf("%-34s", label);
    if (!json_is_number(v))
        printf("-\n");
    else if (json_number_value(v) < 1)
        printf("%.0f min\n", json_number_value(v) * 60);
    else if (json_number_value(v) < 48)
        printf("%.1f h\n", json_number_value(v));
    else
        printf("%.1f days\n", json_number_value(v) / 24);
}

/* stats and top: parse --since, --tag, --json and --help, and call op. Returns 1 with *resp on
 * success, or 0 with the exit status in *rc. */
static int lore_since_tag_call(struct lore *l, int argc, char **argv, const char *op, json_t **resp,
                               int *rc)
{
    static const struct option opts[] = {{"json", no_argument, NULL, OPT_JSON},
                                         {"since", required_argument, NULL, 's'},
                                         {"tag", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    long long since = 0;
    const char *tag = NULL;
    json_t *req;
    int c;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":s:t:h", opts, NULL);
        if (c == -1)
            break;
        if (c == OPT_JSON) {
            l->json = true;
        } else if (c == 's') {
            if (lore_parse_since(optarg, &since) != 0) {
                *rc = lore_usage_error(l, "--since takes 24h, 7d, 2w or YYYY-MM-DD");
                return 0;
            }
        } else if (c == 't') {
            tag = optarg;
        } else if (c == 'h') {
            *rc = lore_command_help(l->cmd);
            return 0;
        } else {
            *rc = lore_bad_option(l, c, argv);
            return 0;
        }
    }
    *rc = lore_no_args(l, argc, argv);
    if (*rc != LORE_EXIT_OK)
        return 0;
    req = json_pack("{s:s,s:I}", "op", op, "since_ms", (json_int_t)since);
    if (req != NULL && tag != NULL)
        json_object_set_new(req, "tag", json_string(tag));
    *rc = lore_call(l, req, resp);
    return *rc == LORE_EXIT_OK;
}

static int cmd_stats(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *arr, *x;
    size_t i;
    int rc = LORE_EXIT_OK;

    if (!lore_since_tag_call(l, argc, argv, "stats", &resp, &rc))
        goto out;
    if (l->json) {
        lore_print_json(resp);
        goto out;
    }
    printf("%-34s%lld\n", "questions asked", lore_jint(resp, "asked"));
    x = json_object_get(resp, "answered_pct");
    printf("%-34s", "answered");
    json_is_number(x) ? printf("%.0f%%\n", json_number_value(x)) : printf("-\n");
    x = json_object_get(resp, "answered_24h_pct");
    printf("%-34s", "answered within 24 h");
    json_is_number(x) ? printf("%.0f%%\n", json_number_value(x)) : printf("-\n");
    lore_print_hours("median time to first answer",
                     json_object_get(resp, "median_hours_to_first_answer"));
    lore_print_hours("median time to accepted answer",
                     json_object_get(resp, "median_hours_to_accepted_answer"));
    printf("%-34s%lld\n", "unanswered after 7 days", lore_jint(resp, "unanswered_after_7_days"));
    arr = json_object_get(resp, "needs");
    if (json_array_size(arr) > 0) {
        printf("\nlearning needs (questions by tag):\n  %-24s %6s %11s\n", "tag", "asked",
               "unanswered");
        json_array_foreach(arr, i, x) printf("  #%-23s %6lld %11lld\n", lore_jstr(x, "tag"),
                                             lore_jint(x, "asked"), lore_jint(x, "unanswered"));
    }
    arr = json_object_get(resp, "helpers");
    if (json_array_size(arr) > 0) {
        printf("\nmost active helpers:\n");
        json_array_foreach(arr, i, x)
        {
            const char *name = json_string_value(json_object_get(x, "name"));
            printf("  %-24.24s %lld answer%s\n", name != NULL ? name : lore_jstr(x, "key"),
                   lore_jint(x, "answers"), lore_jint(x, "answers") == 1 ? "" : "s");
        }
    }
out:
    json_decref(resp);
    return rc;
}

static int cmd_vote(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL;
    int rc = LORE_EXIT_OK;

    if (!lore_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind + 2 != argc ||
        (strcmp(argv[optind + 1], "up") != 0 && strcmp(argv[optind + 1], "down") != 0 &&
         strcmp(argv[optind + 1], "none") != 0)) {
        rc = lore_usage_error(l, "usage: lore vote ID up|down|none");
        goto out;
    }
    rc = lore_check_id(l, argv[optind]);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = lore_call(
        l, json_pack("{s:s,s:s,s:s}", "op", "vote", "id", argv[optind], "value", argv[optind + 1]),
        &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        lore_print_json(resp);
    else
        printf("Voted %s on %.*s.\n%s\n", argv[optind + 1], LORE_SHORT_ID, argv[optind],
               lore_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

static int cmd_thank(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, OPT_JSON},
                                         {"body", required_argument, NULL, 'b'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *resp = NULL, *req;
    const char *body = NULL;
    int c, rc = LORE_EXIT_OK;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":b:h", opts, NULL);
        if (c == -1)
            break;
        if (c == OPT_JSON) {
            l->json = true;
        } else if (c == 'b') {
            body = optarg;
        } else if (c == 'h') {
            rc = lore_command_help(l->cmd);
            goto out;
        } else {
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    if (optind + 1 != argc) {
        rc = lore_usage_error(l, optind >= argc ? "missing ID" : "too many arguments");
        goto out;
    }
    rc = lore_check_id(l, argv[optind]);
    if (rc != LORE_EXIT_OK)
        goto out;
    req = json_pack("{s:s,s:s}", "op", "thank", "id", argv[optind]);
    if (req != NULL && body != NULL && lore_set_string(req, "body", body) != 0) {
        json_decref(req);
        rc = lore_usage_error(l, "the message is not UTF-8 text");
        goto out;
    }
    rc = lore_call(l, req, &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        lore_print_json(resp);
    else
        printf("Thanked the author of %.*s.\n%s\n", LORE_SHORT_ID, argv[optind],
               lore_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

static int cmd_top(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *p, *b;
    size_t i, k;
    int rc = LORE_EXIT_OK;

    if (!lore_since_tag_call(l, argc, argv, "top", &resp, &rc))
        goto out;
    if (l->json) {
        lore_print_json(resp);
        goto out;
    }
    if (json_array_size(json_object_get(resp, "people")) == 0)
        printf("no points yet: vote, thank and accept answers to recognise helpers\n");
    json_array_foreach(json_object_get(resp, "people"), i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        printf("%2zu. %-24.24s %5lld points  (%lld accepted, %lld up, %lld down, %lld thanks)",
               i + 1, name != NULL ? name : lore_jstr(p, "key"), lore_jint(p, "points"),
               lore_jint(p, "accepted"), lore_jint(p, "upvotes"), lore_jint(p, "downvotes"),
               lore_jint(p, "thanks"));
        json_array_foreach(json_object_get(p, "badges"), k, b)
            printf("  [%s]", json_string_value(b));
        fputc('\n', stdout);
    }
out:
    json_decref(resp);
    return rc;
}

static int cmd_accept(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL;
    int rc = LORE_EXIT_OK;

    if (!lore_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind + 1 != argc) {
        rc = lore_usage_error(l, optind >= argc ? "missing ANSWER id" : "too many arguments");
        goto out;
    }
    rc = lore_check_id(l, argv[optind]);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (!lore_call_for_people(l, json_pack("{s:s,s:s}", "op", "accept", "id", argv[optind]), &resp,
                              &rc))
        goto out;
    printf("Accepted answer %.*s; the question is resolved.\n", LORE_SHORT_ID, argv[optind]);
    printf("%s\n", lore_jstr(resp, "id"));
out:
    json_decref(resp);
    return rc;
}

static int cmd_stop(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL;
    int rc = LORE_EXIT_OK;

    if (!lore_json_help_opts(l, argc, argv, &rc))
        goto out;
    rc = lore_no_args(l, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    rc = lore_call(l, json_pack("{s:s}", "op", "stop"), &resp);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (l->json)
        lore_print_json(resp);
    else
        printf("The node is stopping.\n");
out:
    json_decref(resp);
    return rc;
}

static void lore_print_peer(json_t *p)
{
    char seen[64], bytes[32];
    long long ago = lore_jint(p, "last_seen_ms_ago");
    const char *name = json_string_value(json_object_get(p, "name"));
    const char *key = json_string_value(json_object_get(p, "key"));
    const char *sync = lore_jstr(p, "sync");

    if (json_is_null(json_object_get(p, "last_seen_ms_ago")))
        snprintf(seen, sizeof(seen), "never");
    else
        lore_format_duration(ago / 1000, seen, sizeof(seen));
    printf("%-22s  %-8s  %-10s  ", lore_jstr(p, "address"), lore_jstr(p, "found_by"),
           lore_jstr(p, "state"));
    text_sanitize_term(stdout, name != NULL ? name : "?", TEXT_TERM_ONE_LINE, NULL);
    printf("  key %.12s  seen %s%s\n", key != NULL ? key : "(unknown)", seen,
           json_is_null(json_object_get(p, "last_seen_ms_ago")) ? "" : " ago");
    if (strcmp(lore_jstr(p, "state"), "up") != 0)
        return;
    printf("    %s", sync);
    if (strcmp(sync, "bootstrapping") == 0) {
        lore_format_bytes(lore_jint(p, "bootstrap_bytes_to_go"), bytes, sizeof(bytes));
        printf(": %lld entries (%s) to go", lore_jint(p, "bootstrap_entries_to_go"), bytes);
    } else if (lore_jint(p, "to_fetch") > 0) {
        printf(", %lld entries on their way", lore_jint(p, "to_fetch"));
    }
    printf("; sent %lld, received %lld entries; rtt %lld ms", lore_jint(p, "entries_sent"),
           lore_jint(p, "entries_received"), lore_jint(p, "rtt_ms"));
    if (lore_jint(p, "invalid_received") > 0)
        printf("; %lld invalid", lore_jint(p, "invalid_received"));
    if (!json_is_true(json_object_get(p, "primary")))
        printf(" (duplicate link, idle)");
    printf("\n");
}

static int cmd_peers(struct lore *l, int argc, char **argv)
{
    json_t *resp = NULL, *peers, *p;
    size_t i;
    int rc = LORE_EXIT_OK;

    if (!lore_json_help_opts(l, argc, argv, &rc))
        goto out;
    if (optind < argc && strcmp(argv[optind], "add") == 0) {
        if (optind + 2 != argc) {
            rc = lore_usage_error(l, "usage: lore peers add HOST:PORT");
            goto out;
        }
        rc = lore_call(l, json_pack("{s:s,s:s}", "op", "peers_add", "address", argv[optind + 1]),
                       &resp);
        if (rc != LORE_EXIT_OK)
            goto out;
        if (l->json)
            lore_print_json(resp);
        else
            printf("Added peer %s; it is remembered across restarts.\n", argv[optind + 1]);
        goto out;
    }
    rc = lore_no_args(l, argc, argv);
    if (rc != LORE_EXIT_OK)
        goto out;
    if (!lore_call_for_people(l, json_pack("{s:s}", "op", "peers"), &resp, &rc))
        goto out;
    peers = json_object_get(resp, "peers");
    printf("listening on port %lld; %lld entries here\n", lore_jint(resp, "listen_port"),
           lore_jint(resp, "entries"));
    if (json_array_size(peers) == 0)
        printf("no peers yet: add one with `lore peers add HOST:PORT`\n");
    json_array_foreach(peers, i, p) lore_print_peer(p);
out:
    json_decref(resp);
    return rc;
}

/* ---- team ---- */

static void lore_print_team(json_t *t, int with_members)
{
    json_t *members = json_object_get(t, "members"), *m;
    const char *name = lore_jstr(t, "name");
    size_t i;

    printf("team:   %s (id %s)\n", name[0] ? name : "(not seen yet: waiting to meet a member)",
           lore_jstr(t, "id"));
    printf("you:    %s%s\n",
           json_is_true(json_object_get(t, "member")) ? "member"
           : json_is_true(json_object_get(t, "seen")) ? "NOT a member"
                                                      : "joining (not confirmed yet)",
           json_is_true(json_object_get(t, "admin")) ? ", admin" : "");
    printf("mDNS:   tag %s\n", lore_jstr(t, "mdns_tag"));
    if (!with_members)
        return;
    if (json_array_size(members) > 0) {
        printf("members (%zu):\n", json_array_size(members));
        json_array_foreach(members, i, m)
        {
            const char *who = lore_jstr(m, "name");
            printf("  %.16s  %-24s%s%s%s\n", lore_jstr(m, "key"), who[0] ? who : "?",
                   json_is_true(json_object_get(m, "admin")) ? " admin" : "",
                   json_is_true(json_object_get(m, "vouched")) ? " vouched" : "",
                   json_is_integer(json_object_get(m, "revoked_ms")) ? " REVOKED" : "");
        }
    }
    if (lore_jstr(t, "code")[0] != '\0')
        printf("join code (keep it to the team; anyone who has it can join):\n%s\n",
               lore_jstr(t, "code"));
}

static int cmd_team(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"admin", required_argument, NULL, 'a'},
                                         {"all", no_argument, NULL, 'A'},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    json_t *resp = NULL, *req = NULL, *admins = json_array(), *t, *v;
    const char *sub;
    int c, rc = LORE_EXIT_OK, people, all = 0, i;
    size_t k;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":a:h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'a':
            json_array_append_new(admins, json_string(optarg));
            break;
        case 'A':
            all = 1;
            break;
        case OPT_JSON:
            l->json = true;
            break;
        case 'h':
            rc = lore_command_help(l->cmd);
            goto out;
        default:
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    sub = optind < argc ? argv[optind] : "show";
    if (strcmp(sub, "create") == 0 && optind + 2 == argc) {
        req = json_pack("{s:s,s:s,s:O}", "op", "team_create", "name", argv[optind + 1], "admins",
                        admins);
    } else if (strcmp(sub, "join") == 0 && optind + 2 == argc) {
        req = json_pack("{s:s,s:s}", "op", "team_join", "code", argv[optind + 1]);
        /* The request has its copy: wipe ours (it also leaves /proc/PID/cmdline). */
        explicit_bzero(argv[optind + 1], strlen(argv[optind + 1]));
    } else if (optind >= argc || (strcmp(sub, "show") == 0 && optind + 1 == argc)) {
        req = json_pack("{s:s}", "op", "team_show");
    } else if (strcmp(sub, "rotate") == 0 && optind + 1 == argc) {
        req = json_pack("{s:s}", "op", "team_rotate");
    } else if ((strcmp(sub, "revoke") == 0 || strcmp(sub, "admin") == 0) && optind + 2 == argc) {
        req =
            json_pack("{s:s,s:s}", "op", strcmp(sub, "revoke") == 0 ? "team_revoke" : "team_admin",
                      "who", argv[optind + 1]);
    } else if (strcmp(sub, "vouch") == 0 && (optind + 1 < argc) != all) {
        req = json_pack("{s:s,s:b,s:[]}", "op", "team_vouch", "all", all, "who");
        for (i = optind + 1; i < argc; i++)
            json_array_append_new(json_object_get(req, "who"), json_string(argv[i]));
    } else {
        rc = lore_usage_error(l, "usage: lore team create NAME | join CODE | show | rotate | "
                                 "revoke PERSON | admin PERSON | vouch PERSON... | vouch --all");
        goto out;
    }
    people = lore_call_for_people(l, req, &resp, &rc);
    req = NULL; /* consumed */
    if (!people)
        goto out;
    t = json_object_get(resp, "team");
    if (strcmp(sub, "create") == 0) {
        printf("Created team \"%s\" (id %s); you are its admin.\n", lore_jstr(t, "name"),
               lore_jstr(t, "id"));
        printf("Colleagues join with `lore team join CODE`. Anyone who has the code can join: "
               "share it only with the team. The join code:\n%s\n",
               lore_jstr(t, "code"));
    } else if (strcmp(sub, "join") == 0) {
        printf("Joined team %s. This node now looks for members (mDNS and your peers); "
               "`lore team show` says when a member has confirmed you.\n",
               lore_jstr(t, "id"));
    } else if (strcmp(sub, "rotate") == 0) {
        printf("Rotated: the old join code admits nobody new; the %lld current members keep "
               "syncing. The new join code:\n%s\n",
               lore_jint(resp, "roster"), lore_jstr(t, "code"));
    } else if (strcmp(sub, "revoke") == 0) {
        printf("Revoked %.16s: every node refuses its links, and its entries made from now on.\n"
               "If it knows the join code, run `lore team rotate` too.\n",
               lore_jstr(resp, "member"));
    } else if (strcmp(sub, "admin") == 0) {
        printf("%.16s is now an admin of the team.\n", lore_jstr(resp, "member"));
    } else if (strcmp(sub, "vouch") == 0) {
        printf("You vouch for %zu %s:", json_array_size(json_object_get(resp, "vouched")),
               json_array_size(json_object_get(resp, "vouched")) == 1 ? "person" : "people");
        json_array_foreach(json_object_get(resp, "vouched"), k, v)
        {
            const char *who = lore_jstr(v, "name");
            printf("%s %s", k > 0 ? "," : "", who[0] ? who : lore_jstr(v, "key"));
        }
        printf(".\n%s\n",
               json_is_true(json_object_get(resp, "admin"))
                   ? "Their votes, thanks and endorsements now count fully on every node."
                   : "Their votes, thanks and endorsements now count fully in what you see; an "
                     "admin's vouch makes them count for everyone.");
    } else {
        lore_print_team(t, 1);
    }
out:
    json_decref(req);
    json_decref(admins);
    json_decref(resp);
    return rc;
}

static int cmd_help(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c, rc = LORE_EXIT_OK;

    lore_getopt_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'h':
            rc = lore_command_help(l->cmd);
            goto out;
        default:
            rc = lore_bad_option(l, c, argv);
            goto out;
        }
    }
    if (optind >= argc) {
        lore_print_usage(stdout);
        goto out;
    }
    if (optind + 1 < argc) {
        rc = lore_usage_error(l, "unexpected argument '%s'", argv[optind + 1]);
        goto out;
    }
    if (lore_find_command(argv[optind]) == NULL) {
        lore_errorf("unknown command '%s' (see `lore help`)", argv[optind]);
        rc = LORE_EXIT_USAGE;
        goto out;
    }
    rc = lore_command_help(argv[optind]);
out:
    return rc;
}

/* export and import live in vault.c; it reaches the node through lore_connect. */
static int lore_vault_connect(void *arg, struct client **client)
{
    struct lore *l = arg;
    int rc = lore_connect(l);

    *client = l->client;
    return rc;
}

static int lore_vault_help(void *arg)
{
    return lore_command_help(((struct lore *)arg)->cmd);
}

static int cmd_export(struct lore *l, int argc, char **argv)
{
    struct vault_env env = {l->cmd, lore_vault_connect, lore_vault_help, l};

    return vault_export_main(&env, argc, argv);
}

static int cmd_import(struct lore *l, int argc, char **argv)
{
    struct vault_env env = {l->cmd, lore_vault_connect, lore_vault_help, l};

    return vault_import_main(&env, argc, argv);
}

/* ------------------------------------------------------------------------------------------- */
/* The command table and main                                                                  */

static const struct lore_command lore_commands[] = {
    {"init", cmd_init, "init [--name NAME] [--json]",
     "Create this node's identity and publish your profile",
     "Options:\n"
     "  -n, --name NAME   your name as others will see it (default: your full name\n"
     "                    from the password database, else $USER)\n" JSON_HELP HELP_HELP
     "\nPrints the new profile entry's id as the last line.\n"},
    {"status", cmd_status, "status [--json]", "Show what the node is doing",
     "Options:\n" JSON_HELP HELP_HELP},
    {"ask", cmd_ask,
     "ask TITLE [--body TEXT | --file F | - | --edit] [--tag T]... [--urgent] [--to PERSON]",
     "Ask a question",
     "Options:\n" BODY_HELP "  -t, --tag T       tag the question (repeatable)\n"
     "  -u, --urgent      mark the question urgent\n"
     "      --to PERSON   ask someone directly (a name from their profile, or a key "
     "prefix)\n" JSON_HELP HELP_HELP
     "\nThe body is optional. Prints the new entry's full id as the last line.\n"
     "\nExample:\n  lore ask \"How do I reset the VPN?\" --tag vpn --body \"It hangs.\"\n"},
    {"answer", cmd_answer, "answer ID [--body TEXT | --file F | - | --edit]",
     "Answer the question ID (a unique prefix of at least 4 hex digits will do)",
     "Options:\n" BODY_HELP JSON_HELP HELP_HELP
     "\nWithout a body option, the editor opens when standard input is a terminal.\n"
     "Prints the new entry's full id as the last line.\n"},
    {"note", cmd_note, "note TITLE [--body TEXT | --file F | - | --edit] [--tag T]...",
     "Share a piece of knowledge nobody asked for yet",
     "Options:\n" BODY_HELP "  -t, --tag T       tag the note (repeatable)\n" JSON_HELP HELP_HELP
     "\nWithout a body option, the editor opens when standard input is a terminal.\n"
     "Prints the new entry's full id as the last line.\n"},
    {"comment", cmd_comment, "comment ID [--body TEXT | --file F | - | --edit]",
     "Comment on the entry ID",
     "Options:\n" BODY_HELP JSON_HELP HELP_HELP
     "\nWithout a body option, the editor opens when standard input is a terminal.\n"
     "Prints the new entry's full id as the last line.\n"},
    {"show", cmd_show, "show ID [--history] [--json]",
     "Show an entry (its current version) with its answers and comments",
     "Options:\n"
     "      --history     also every version, each diffed against the one before\n" JSON_HELP
         HELP_HELP},
    {"list", cmd_list,
     "list [--kind K] [--tag T] [--author PERSON] [--status S] [--since WHEN] [--open] "
     "[--pinned] [--limit N] [--json]",
     "List entries, newest first (pinned ones first)",
     "Options:\n"
     "  -k, --kind K      only entries of kind K (question, answer, note, comment, ...)\n"
     "  -t, --tag T       only entries tagged T\n"
     "  -a, --author PERSON\n"
     "                    only entries by PERSON (a name from their profile, or a key prefix)\n"
     "  -s, --status S    only questions that are open, answered or resolved\n"
     "      --since WHEN  only entries created since 24h, 7d, 2w or YYYY-MM-DD\n"
     "  -o, --open, --unanswered\n"
     "                    only questions without answers\n"
     "      --pinned      only entries the team's admins pinned\n"
     "  -n, --limit N     at most N entries (1 to 500; default 50)\n" JSON_HELP HELP_HELP},
    {"search", cmd_search,
     "search QUERY... [--kind K] [--tag T] [--author PERSON] [--status S] [--since WHEN] "
     "[--limit N] [--json]",
     "Search the current titles, bodies and tags, best match first",
     "Options:\n"
     "  -k, --kind K      only entries of kind K\n"
     "  -t, --tag T       only entries tagged T\n"
     "  -a, --author PERSON\n"
     "                    only entries by PERSON (a name from their profile, or a key prefix)\n"
     "  -s, --status S    only questions that are open, answered or resolved\n"
     "      --since WHEN  only entries created since 24h, 7d, 2w or YYYY-MM-DD\n"
     "  -n, --limit N     at most N results (1 to 500; default 50)\n" JSON_HELP HELP_HELP
     "\nThe words of QUERY are joined with spaces. Accepted answers, upvoted and verified\n"
     "entries rank higher, obsolete ones lower (--json shows each result's bm25, boost and\n"
     "rank).\n"},
    {"check", cmd_check, "check [--json]",
     "Re-verify every stored entry and the database (exit status 1 if anything is wrong)",
     "Options:\n" JSON_HELP HELP_HELP},
    {"watch", cmd_watch, "watch [--mine] [--notify] [--json]",
     "Print new entries as they arrive, until interrupted",
     "Options:\n"
     "  -m, --mine        only questions for you: in your skills or followed tags\n"
     "  -n, --notify      also a desktop notification (notify-send) for those\n"
     "      --json        print each event as one line of JSON (with \"for_you\")\n" HELP_HELP},
    {"accept", cmd_accept, "accept ANSWER [--json]",
     "Accept an answer to a question you asked: the question is then resolved",
     "Options:\n" JSON_HELP HELP_HELP
     "\nOnly the person who asked can accept; prints the accept entry's id as the last line.\n"},
    {"skills", cmd_skills, "skills add TAG [--level 1-5] [--json]",
     "Declare a skill: questions tagged with it come to your inbox and watch",
     "Options:\n"
     "  -l, --level N     how well you know it, 1 to 5 (default 3)\n" JSON_HELP HELP_HELP
     "\nA skill is a signed entry: colleagues see it. Prints its id as the last line.\n"},
    {"follow", cmd_follow, "follow TAG [--json]",
     "Follow a tag: its questions come to your inbox and watch (kept on this node only)",
     "Options:\n" JSON_HELP HELP_HELP},
    {"unfollow", cmd_unfollow, "unfollow TAG [--json]", "Stop following a tag",
     "Options:\n" JSON_HELP HELP_HELP},
    {"who-knows", cmd_who_knows, "who-knows TOPIC... [--json]",
     "Who can help with a topic: answers (accepted ones count most), then declared skills",
     "Options:\n" JSON_HELP HELP_HELP
     "\nTOPIC is a tag and/or words; each result says why it ranks where it does. Recent\n"
     "help counts more than old help.\n"},
    {"vote", cmd_vote, "vote ID up|down|none [--json]",
     "Vote on an entry; one vote per person and entry, the latest counts",
     "Options:\n" JSON_HELP HELP_HELP},
    {"thank", cmd_thank, "thank ID [--body TEXT] [--json]", "Thank the author of an entry",
     "Options:\n  -b, --body TEXT   a few words of thanks\n" JSON_HELP HELP_HELP},
    {"top", cmd_top, "top [--since 24h|7d|2w|YYYY-MM-DD] [--tag T] [--json]",
     "The leaderboard: points from accepted answers, votes and thanks, with badges",
     "Options:\n"
     "  -s, --since WHEN  only points earned since then\n"
     "  -t, --tag T       only for entries tagged T\n" JSON_HELP HELP_HELP
     "\nAccepted answer 15, upvote 10, thanks 5, downvote -2. One vote per person and entry\n"
     "(the latest), thanks once; nobody can award themselves; a person gives at most 30\n"
     "points a day and receives at most 200.\n"},
    {"stats", cmd_stats, "stats [--since 24h|7d|2w|YYYY-MM-DD] [--tag T] [--json]",
     "Are questions answered, and how fast? Learning needs by tag; most active helpers",
     "Options:\n"
     "  -s, --since WHEN  only questions asked since then (default: all)\n"
     "  -t, --tag T       only questions tagged T\n" JSON_HELP HELP_HELP},
    {"inbox", cmd_inbox, "inbox [--json]",
     "Questions in your areas (skills, followed tags) not yet resolved; urgent first",
     "Options:\n" JSON_HELP HELP_HELP},
    {"team", cmd_team,
     "team create NAME [--admin KEY]... | join CODE | show | rotate | revoke PERSON | admin PERSON "
     "| vouch PERSON... | vouch --all [--json]",
     "Create or join a team, show it, vouch for people, and (admins) rotate its join code or "
     "revoke a member",
     "Options:\n"
     "  -a, --admin KEY   create: another admin besides you (64 hex digits; repeatable)\n"
     "      --all         vouch: every current member this node knows\n" JSON_HELP HELP_HELP
     "\nA node syncs only with members of its team, over encrypted links. `create` "
     "prints the join code\n(its last line); colleagues run `lore team join CODE`. "
     "`rotate` replaces a leaked\ncode; members keep syncing. `revoke` ends a "
     "member's access on every node.\n`vouch` says you know these people: the votes, thanks "
     "and endorsements of people\nnobody vouched for count together as one person per join "
     "code; an admin's vouch\ncounts for everyone, yours for what you see.\n"},
    {"peers", cmd_peers, "peers [add HOST:PORT] [--json]",
     "Show the peers and how far each is in sync; add one",
     "Options:\n" JSON_HELP HELP_HELP
     "\nWith `add HOST:PORT`, dial that peer now and on every start of the node.\n"},
    {"export", cmd_export, "export DIR [--json]",
     "Write every question, answer, note and comment to DIR as Markdown files",
     "Options:\n"
     "      --json        print a summary {dir, files, entries} as JSON\n" HELP_HELP
     "\nOne file per question (its answers and comments below it, the accepted one marked)\n"
     "and one per note, named after the title and the id, with YAML front matter (id,\n"
     "kind, title, author, author_name, created, tags, refs, status, accepted); and\n"
     "DIR/lore-export.json with every entry as the API gives it. DIR is created if\n"
     "missing; a non-empty DIR must hold an earlier export. Progress goes to stderr.\n"},
    {"import", cmd_import, "import DIR [--tag T]... [--dry-run] [--json]",
     "Post the Markdown files of a folder (an Obsidian vault, an export) as notes",
     "Options:\n"
     "  -t, --tag T       also tag every note T (repeatable)\n"
     "      --dry-run     only list what would be imported\n"
     "      --json        print a summary {imported, notes, skipped, warnings} as JSON\n" HELP_HELP
     "\nEvery *.md below DIR (hidden folders such as .obsidian are passed over, links are\n"
     "not followed) becomes a note. Title: the front matter's title, else the first\n"
     "# heading, else the file name. Tags: the front matter's tags and the #tags in the\n"
     "text (ones lore cannot take are dropped with a warning). A file whose title and\n"
     "body are already a note here is skipped, so importing again adds only what is new;\n"
     "so are empty files and files over lore's size limits, each with the reason.\n"},
    {"stop", cmd_stop, "stop [--json]", "Ask the node to shut down",
     "Options:\n" JSON_HELP HELP_HELP},
    {"help", cmd_help, "help [COMMAND]", "Show help for lore or for one command", ""},
    {NULL, NULL, NULL, NULL, NULL},
};

/* Every command: this file's, then the modules' (each table ends with a NULL name). */
static const struct lore_command *const lore_tables[] = {lore_commands, lore_content_commands,
                                                         lore_people_commands, NULL};

static const struct lore_command *lore_find_command(const char *name)
{
    size_t t, i;

    for (t = 0; lore_tables[t] != NULL; t++)
        for (i = 0; lore_tables[t][i].name != NULL; i++)
            if (strcmp(lore_tables[t][i].name, name) == 0)
                return &lore_tables[t][i];
    return NULL;
}

static void lore_print_usage(FILE *f)
{
    size_t t, i;

    fprintf(f, "usage: lore [--home DIR] COMMAND [ARGS]\n"
               "       lore --version | --help\n\n"
               "Commands:\n");
    for (t = 0; lore_tables[t] != NULL; t++)
        for (i = 0; lore_tables[t][i].name != NULL; i++)
            fprintf(f, "  %-8s  %s\n", lore_tables[t][i].name, lore_tables[t][i].summary);
    fprintf(f, "\nGlobal options:\n"
               "  --home DIR        use the node whose home is DIR (default: $LORE_HOME,\n"
               "                    else the XDG directories)\n"
               "  --version         print the version\n"
               "  -h, --help        show this help\n\n"
               "Run `lore COMMAND --help` for a command's options. See lore(1).\n");
}

static void *lore_json_malloc(size_t n)
{
    return xmalloc(n);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"home", required_argument, NULL, 'H'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct lore l = {0};
    const struct lore_command *cmd;
    const char *arg;
    int c, rc = LORE_EXIT_OK;

    /* What jansson frees is wiped: requests and replies may carry a join code. */
    json_set_alloc_funcs(lore_json_malloc, xfree_wiped);
    l.cmd = "lore";
    opterr = 0;
    /* "+": stop at the command; its own options are its business. */
    for (;;) {
        c = getopt_long(argc, argv, "+:h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'H':
            l.home = optarg;
            break;
        case 'V':
            printf("lore %s\n", LORE_VERSION);
            goto out;
        case 'h':
            lore_print_usage(stdout);
            goto out;
        case ':':
            lore_errorf("option '%s' needs an argument (see `lore --help`)", argv[optind - 1]);
            rc = LORE_EXIT_USAGE;
            goto out;
        default:
            arg = argv[optind - 1];
            if (strncmp(arg, "--", 2) == 0)
                lore_errorf("unknown option '%.*s' (see `lore --help`)", (int)strcspn(arg, "="),
                            arg);
            else
                lore_errorf("unknown option '-%c' (see `lore --help`)", optopt);
            rc = LORE_EXIT_USAGE;
            goto out;
        }
    }
    if (l.home != NULL && l.home[0] == '\0') {
        lore_errorf("--home needs a directory (see `lore --help`)");
        rc = LORE_EXIT_USAGE;
        goto out;
    }
    if (optind >= argc) {
        lore_print_usage(stderr);
        rc = LORE_EXIT_USAGE;
        goto out;
    }
    cmd = lore_find_command(argv[optind]);
    if (cmd == NULL) {
        lore_errorf("unknown command '%s' (see `lore help`)", argv[optind]);
        rc = LORE_EXIT_USAGE;
        goto out;
    }
    l.cmd = cmd->name;
    rc = cmd->run(&l, argc - optind, argv + optind);
out:
    client_destroy(&l.client);
    if (l.have_paths)
        paths_free(&l.paths);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        lore_errorf("cannot write to stdout: %s", strerror(errno));
        if (rc == LORE_EXIT_OK)
            rc = LORE_EXIT_FAIL;
    }
    return rc;
}
