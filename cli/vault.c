/*
 * vault: lore export and lore import (see vault.h).
 *
 * Everything read from a vault is untrusted text: sizes are capped before reading, every string
 * is checked against lore's text rules (UTF-8, no control characters) before it goes into a
 * request, and anything a file gets wrong is a skip with a reason, never a crash.
 */
#include "vault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "hex.h"
#include "text.h"
#include "xmalloc.h"

/* Lore's entry limits (sync/entry.h). The CLI speaks only the API, so it does not link the entry
 * module; these mirror ENTRY_MAX_SIZE, ENTRY_TITLE_MAX, ENTRY_MAX_TAGS and ENTRY_TAG_MAX, and the
 * node has the last word on every post anyway. */
#define VAULT_ENTRY_MAX (256u * 1024)
#define VAULT_TITLE_MAX 400
#define VAULT_MAX_TAGS 16
#define VAULT_TAG_MAX 32
/* Bytes of an encoded note besides title, body and tags: version 1, kind 2, author 32, time 8,
 * counts of refs, tags and attrs 3, title length 2, body length 4, signature 64. */
#define VAULT_ENTRY_OVERHEAD 116
#define VAULT_PAGE 500                    /* the API's largest list page */
#define VAULT_MAX_DEPTH 32                /* folders deeper than this are not walked */
#define VAULT_MAX_FILES 1000000           /* Markdown files considered in one import */
#define VAULT_DOC_MAX (64u * 1024 * 1024) /* one exported Markdown file */
#define VAULT_PROGRESS_MS 100             /* least time between progress updates */
#define VAULT_INDEX "lore-export.json"    /* written by export; marks a folder as an export */
#define VAULT_SLUG_MAX 60                 /* bytes of title in a file name */
#define VAULT_COMMENTS_MARK "<!-- lore: comments below are not part of the note -->"
#define VAULT_REPLY_DEPTH 16 /* nesting of comments on comments in one file */

/* Long-only options. */
enum {
    VAULT_OPT_JSON = 1000,
    VAULT_OPT_DRY_RUN,
};

/* One run of export or import. */
struct vault_run {
    const struct vault_env *env;
    struct client *client; /* borrowed from env->connect */
    bool json;
    bool tty;             /* stderr is a terminal: progress is shown */
    bool progress_shown;  /* a progress line is on the terminal */
    uint64_t progress_ms; /* when it was last updated */
};

/* ------------------------------------------------------------------------------------------- */
/* Messages                                                                                    */

static uint64_t vault_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Take the progress line off the terminal before anything else goes to stderr. */
static void vault_progress_clear(struct vault_run *r)
{
    if (r->progress_shown) {
        fputs("\r\x1b[K", stderr);
        r->progress_shown = false;
    }
}

/* "VERB DONE/TOTAL", updated in place, when stderr is a terminal. */
static void vault_progress(struct vault_run *r, const char *verb, size_t done, size_t total)
{
    uint64_t now;

    if (!r->tty)
        return;
    now = vault_now_ms();
    if (done != total && r->progress_shown && now - r->progress_ms < VAULT_PROGRESS_MS)
        return;
    fprintf(stderr, "\r%s %zu/%zu\x1b[K", verb, done, total);
    fflush(stderr);
    r->progress_shown = true;
    r->progress_ms = now;
}

static void vault_errorf(struct vault_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int vault_usage_error(struct vault_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "lore: MESSAGE" on stderr. */
static void vault_errorf(struct vault_run *r, const char *fmt, ...)
{
    va_list ap;

    vault_progress_clear(r);
    fputs("lore: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* "lore: CMD: MESSAGE (see `lore CMD --help`)"; returns the usage exit status. */
static int vault_usage_error(struct vault_run *r, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "lore: %s: ", r->env->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see `lore %s --help`)\n", r->env->cmd);
    return VAULT_EXIT_USAGE;
}

/* What getopt_long (opterr = 0, leading ':') objected to. */
static int vault_bad_option(struct vault_run *r, int c, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    int n = (int)strcspn(arg, "=");

    if (c == ':')
        return vault_usage_error(r, "option '%.*s' needs an argument", n, arg);
    if (strncmp(arg, "--", 2) == 0)
        return vault_usage_error(r, "unknown option '%.*s'", n, arg);
    if (optopt != 0)
        return vault_usage_error(r, "unknown option '-%c'", optopt);
    return vault_usage_error(r, "unknown option '%s'", arg);
}

/* ------------------------------------------------------------------------------------------- */
/* Text rules                                                                                  */

/* Lore's text and tag rules (common/text.h), as the node applies them. */
static int vault_text_valid(const char *str, size_t n, int multiline)
{
    return text_valid((const uint8_t *)str, n, multiline);
}

static int vault_tag_valid(const char *s, size_t n)
{
    return text_tag_valid(s, n, VAULT_TAG_MAX);
}

/* Normalise what a person or a vault calls a tag to lore's form: trimmed, one leading '#'
 * dropped, ASCII lower-cased, and '/' (Obsidian's nested tags, "project/infra") turned into '-'.
 * Writes it to out (VAULT_TAG_MAX + 1 bytes). Returns 0, or -1 if it is still not a valid tag. */
static int vault_tag_normalise(const char *s, size_t n, char out[VAULT_TAG_MAX + 1])
{
    size_t k = 0;

    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n > 0 && *s == '#') {
        s++;
        n--;
    }
    if (n == 0 || n > VAULT_TAG_MAX)
        return -1;
    for (k = 0; k < n; k++) {
        char c = s[k];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (c == '/')
            c = '-';
        out[k] = c;
    }
    out[k] = '\0';
    return vault_tag_valid(out, k) ? 0 : -1;
}

/* ------------------------------------------------------------------------------------------- */
/* Talking to the node                                                                         */

static int vault_connect(struct vault_run *r)
{
    if (r->client != NULL)
        return VAULT_EXIT_OK;
    return r->env->connect(r->env->arg, &r->client);
}

/* Print the node's error message (and with --json the error object on stdout). */
static void vault_node_error(struct vault_run *r, json_t *resp)
{
    const char *msg = json_string_value(json_object_get(resp, "error"));

    vault_progress_clear(r);
    fputs("lore: ", stderr);
    text_sanitize_term(stderr, msg != NULL && msg[0] != '\0' ? msg : "the node reported an error",
                       TEXT_TERM_STRICT, NULL);
    fputc('\n', stderr);
    if (r->json) {
        json_object_del(resp, "ok");
        json_dumpf(resp, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
}

/* Send req (stolen) and wait for the answer. Returns VAULT_EXIT_OK with *resp (the caller's
 * reference) whether the node said ok or not — *ok says which — or an exit status after printing
 * why the exchange itself failed (the connection is then unusable). */
static int vault_exchange(struct vault_run *r, json_t *req, json_t **resp, bool *ok)
{
    char err[512];
    int rc;

    *resp = NULL;
    *ok = false;
    if (req == NULL) {
        vault_errorf(r, "out of memory");
        return VAULT_EXIT_FAIL;
    }
    rc = vault_connect(r);
    if (rc != VAULT_EXIT_OK) {
        json_decref(req);
        return rc;
    }
    *resp = client_call(r->client, req, err, sizeof(err));
    json_decref(req);
    if (*resp == NULL) {
        vault_errorf(r, "%s", err);
        return VAULT_EXIT_FAIL;
    }
    *ok = json_is_true(json_object_get(*resp, "ok"));
    return VAULT_EXIT_OK;
}

/* As vault_exchange, but an error answer is printed and fails. */
static int vault_call(struct vault_run *r, json_t *req, json_t **resp)
{
    bool ok;
    int rc = vault_exchange(r, req, resp, &ok);

    if (rc == VAULT_EXIT_OK && !ok) {
        vault_node_error(r, *resp);
        json_decref(*resp);
        *resp = NULL;
        rc = VAULT_EXIT_FAIL;
    }
    return rc;
}

/* A 64-hex-digit id (what the API always sends for ids). */
static bool vault_is_id(const char *s)
{
    return s != NULL && strlen(s) == 64 && hex_is_hex(s);
}

/* Page through `list` for every entry of kind, appending each (new references) to out unless its
 * id is in seen already (a new entry arriving mid-way shifts the pages by one). verb and *done
 * drive the progress line. Returns an exit status. */
static int vault_fetch_kind(struct vault_run *r, const char *kind, json_t *out, json_t *seen,
                            size_t *done)
{
    json_t *resp = NULL, *entries, *e;
    size_t i, n, offset = 0;
    const char *id;
    int rc = VAULT_EXIT_OK;

    for (;;) {
        rc = vault_call(r,
                        json_pack("{s:s,s:s,s:i,s:I}", "op", "list", "kind", kind, "limit",
                                  VAULT_PAGE, "offset", (json_int_t)offset),
                        &resp);
        if (rc != VAULT_EXIT_OK)
            goto out;
        entries = json_object_get(resp, "entries");
        if (!json_is_array(entries)) {
            vault_errorf(r, "the node's list answer has no entries");
            rc = VAULT_EXIT_FAIL;
            goto out;
        }
        n = json_array_size(entries);
        json_array_foreach(entries, i, e)
        {
            id = json_string_value(json_object_get(e, "id"));
            if (!json_is_object(e) || !vault_is_id(id) || json_object_get(seen, id) != NULL)
                continue;
            json_object_set_new(seen, id, json_true());
            json_array_append(out, e);
            (*done)++;
        }
        if (r->tty && !r->json) {
            vault_progress_clear(r);
            fprintf(stderr, "read %zu entries", *done);
            fflush(stderr);
            r->progress_shown = true;
        }
        json_decref(resp);
        resp = NULL;
        if (n < VAULT_PAGE)
            break;
        offset += n;
    }
out:
    json_decref(resp);
    return rc;
}

/* A path as a JSON string, or null if it is not UTF-8. */
static json_t *vault_json_path(const char *path)
{
    json_t *v = json_string(path);

    return v != NULL ? v : json_null();
}

/* ------------------------------------------------------------------------------------------- */
/* Files                                                                                       */

/* Write all of data to fd. Returns 0, or -1 with errno. */
static int vault_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    ssize_t w;

    while (len > 0) {
        w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Create (or truncate) name in dirfd, never through a symbolic link, and write data to it.
 * Returns 0, or -1 after printing why. */
static int vault_write_file(struct vault_run *r, int dirfd, const char *dir, const char *name,
                            const void *data, size_t len)
{
    int fd, rc = -1;

    fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) {
        vault_errorf(r, "cannot create %s/%s: %s", dir, name, strerror(errno));
        return -1;
    }
    if (vault_write_all(fd, data, len) != 0) {
        vault_errorf(r, "cannot write %s/%s: %s", dir, name, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (close(fd) != 0 && rc == 0) {
        vault_errorf(r, "cannot write %s/%s: %s", dir, name, strerror(errno));
        rc = -1;
    }
    return rc;
}

/* mkdir -p path (0777 less the umask). Returns 0, or -1 with errno. */
static int vault_mkdirs(const char *path)
{
    char *p = xstrdup(path), *s;
    int rc = -1;

    for (s = p + 1; *s != '\0'; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            goto out;
        *s = '/';
    }
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
        goto out;
    rc = 0;
out:
    free(p);
    return rc;
}

/* ------------------------------------------------------------------------------------------- */
/* Export                                                                                      */

static const char *vault_jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

/* The first reference of an entry, if it is an id. */
static const char *vault_ref0(json_t *e)
{
    const char *ref = json_string_value(json_array_get(json_object_get(e, "refs"), 0));

    return vault_is_id(ref) ? ref : NULL;
}

/* "2026-11-29 05:40 UTC" */
static void vault_format_utc(json_t *e, char *out, size_t n)
{
    json_t *v = json_object_get(e, "created_ms");
    time_t t = json_is_integer(v) ? (time_t)(json_integer_value(v) / 1000) : 0;
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(out, n, "?");
}

/* Append "key: VALUE\n" with VALUE as a double-quoted YAML scalar (a JSON string is one), or
 * null. Returns 0, or -1 if b is full. */
static int vault_fm_string(struct buf *b, const char *key, json_t *value)
{
    char *s;
    int rc;

    if (!json_is_string(value))
        return buf_printf(b, "%s: null\n", key);
    s = json_dumps(value, JSON_ENCODE_ANY);
    if (s == NULL)
        return buf_printf(b, "%s: null\n", key);
    rc = buf_printf(b, "%s: %s\n", key, s);
    free(s);
    return rc;
}

/* Append "key: [\"a\", \"b\"]\n" for an array of strings. */
static int vault_fm_list(struct buf *b, const char *key, json_t *arr)
{
    char *s;
    json_t *v;
    size_t i;

    if (buf_printf(b, "%s: [", key) != 0)
        return -1;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v))
            continue;
        s = json_dumps(v, JSON_ENCODE_ANY);
        if (s == NULL)
            continue;
        if (buf_printf(b, "%s%s", i > 0 ? ", " : "", s) != 0) {
            free(s);
            return -1;
        }
        free(s);
    }
    return buf_append_str(b, "]\n");
}

/* The front matter of a file for entry e. */
static int vault_front_matter(struct buf *b, json_t *e)
{
    json_t *created = json_object_get(e, "created");
    const char *kind = json_string_value(json_object_get(e, "kind"));
    json_t *ref = vault_ref0(e) != NULL ? json_array_get(json_object_get(e, "refs"), 0) : NULL;

    if (buf_append_str(b, "---\n") != 0 ||
        vault_fm_string(b, "id", json_object_get(e, "id")) != 0 ||
        vault_fm_string(b, "kind", json_object_get(e, "kind")) != 0 ||
        vault_fm_string(b, "title", json_object_get(e, "title")) != 0 ||
        vault_fm_string(b, "author", json_object_get(e, "author")) != 0 ||
        vault_fm_string(b, "author_name", json_object_get(e, "author_name")) != 0 ||
        vault_fm_string(b, "created", created) != 0 ||
        vault_fm_list(b, "tags", json_object_get(e, "tags")) != 0 ||
        vault_fm_list(b, "refs", json_object_get(e, "refs")) != 0)
        return -1;
    if (kind != NULL && (strcmp(kind, "answer") == 0 || strcmp(kind, "comment") == 0) &&
        vault_fm_string(b, strcmp(kind, "answer") == 0 ? "question" : "on", ref) != 0)
        return -1;
    if (kind != NULL && strcmp(kind, "question") == 0 &&
        (vault_fm_string(b, "status", json_object_get(e, "status")) != 0 ||
         vault_fm_string(b, "accepted", json_object_get(e, "accepted")) != 0 ||
         buf_printf(b, "answers: %lld\n",
                    (long long)json_integer_value(json_object_get(e, "answers"))) != 0))
        return -1;
    return buf_append_str(b, "---\n");
}

/* The author's name for a heading: the profile name on one line, else the start of the key. */
static void vault_put_author(struct buf *b, json_t *e, int *rc)
{
    const char *name = json_string_value(json_object_get(e, "author_name"));
    const char *p;

    if (name == NULL || name[0] == '\0') {
        if (buf_printf(b, "%.8s…", vault_jstr(e, "author")) != 0)
            *rc = -1;
        return;
    }
    for (p = name; *p != '\0'; p++)
        if (buf_append_u8(b, (unsigned char)*p < 0x20 ? ' ' : (uint8_t)*p) != 0)
            *rc = -1;
}

/* Append a body, ending it with a newline. */
static int vault_put_body(struct buf *b, json_t *e)
{
    const char *body = vault_jstr(e, "body");
    size_t n = strlen(body);

    if (buf_append(b, body, n) != 0)
        return -1;
    if (n > 0 && body[n - 1] != '\n' && buf_append_str(b, "\n") != 0)
        return -1;
    return 0;
}

struct vault_export {
    struct vault_run *run;
    json_t *children; /* id -> array of answers and comments that refer to it, oldest first */
    json_t *placed;   /* id -> true: written into some file */
    const char *accepted;
};

/* Append the replies to parent_id (answers, then comments on it), each under a heading that names
 * its author and date, followed by their own replies. */
static int vault_put_replies(struct vault_export *x, struct buf *b, const char *parent_id,
                             int depth)
{
    json_t *kids = json_object_get(x->children, parent_id), *e;
    const char *kind, *id;
    char date[48];
    int pass, level, rc = 0;
    size_t i;

    if (depth > VAULT_REPLY_DEPTH)
        return 0;
    level = depth + 1 < 6 ? depth + 1 : 6;
    for (pass = 0; pass < 2; pass++) { /* answers first, then comments */
        json_array_foreach(kids, i, e)
        {
            kind = vault_jstr(e, "kind");
            id = vault_jstr(e, "id");
            if ((pass == 0) != (strcmp(kind, "answer") == 0) ||
                json_object_get(x->placed, id) != NULL)
                continue;
            json_object_set_new(x->placed, id, json_true());
            vault_format_utc(e, date, sizeof(date));
            if (buf_printf(b, "\n%.*s %s by ", level, "######", pass == 0 ? "Answer" : "Comment") !=
                0)
                return -1;
            vault_put_author(b, e, &rc);
            if (rc != 0 || buf_printf(b, ", %s", date) != 0 ||
                (x->accepted != NULL && strcmp(x->accepted, id) == 0 &&
                 buf_append_str(b, " ✓ accepted") != 0) ||
                buf_printf(b, "\n<!-- id: %s -->\n\n", id) != 0 || vault_put_body(b, e) != 0 ||
                vault_put_replies(x, b, id, depth + 1) != 0)
                return -1;
        }
    }
    return 0;
}

/* "printer-on-floor-2": ASCII letters and digits of text, lower-cased, other runs as one '-'. */
static void vault_slug(const char *text, char *out, size_t n)
{
    size_t k = 0;
    bool dash = false;

    for (; *text != '\0' && k + 1 < n && k < VAULT_SLUG_MAX; text++) {
        char c = *text;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && k > 0 && k + 2 < n)
                out[k++] = '-';
            dash = false;
            out[k++] = c;
        } else if (c == '\n' && k > 0) {
            break; /* untitled entries: the first line of the body */
        } else {
            dash = true;
        }
    }
    out[k] = '\0';
}

/* A file name for e not yet in names: slug-<first 8 hex of the id>.md (longer on a clash). */
static char *vault_file_name(json_t *e, json_t *names)
{
    char slug[VAULT_SLUG_MAX + 1];
    const char *id = vault_jstr(e, "id"), *title = vault_jstr(e, "title");
    char *name = NULL;
    int len;

    vault_slug(title[0] != '\0' ? title : vault_jstr(e, "body"), slug, sizeof(slug));
    if (slug[0] == '\0')
        snprintf(slug, sizeof(slug), "%s",
                 vault_jstr(e, "kind")[0] ? vault_jstr(e, "kind") : "entry");
    for (len = 8; len <= 64; len += 8) {
        free(name);
        name = xasprintf("%s-%.*s.md", slug, len, id);
        if (json_object_get(names, name) == NULL)
            break;
    }
    json_object_set_new(names, name, json_true());
    return name;
}

static int vault_cmp_created(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t tx = json_integer_value(json_object_get(x, "created_ms"));
    json_int_t ty = json_integer_value(json_object_get(y, "created_ms"));

    if (tx != ty)
        return tx < ty ? -1 : 1;
    return strcmp(vault_jstr(x, "id"), vault_jstr(y, "id"));
}

/* Sort the entries oldest first (ties by id), so every export of the same replica is alike. */
static json_t *vault_sorted(json_t *arr)
{
    size_t i, n = json_array_size(arr);
    json_t **v = xreallocarray(NULL, n + 1, sizeof(*v)), *out = json_array();

    for (i = 0; i < n; i++)
        v[i] = json_array_get(arr, i);
    qsort(v, n, sizeof(*v), vault_cmp_created);
    for (i = 0; i < n; i++)
        json_array_append(out, v[i]);
    free(v);
    return out;
}

/* Check DIR: create it if missing; refuse a non-empty one without lore-export.json. Returns an
 * open descriptor of it, or -1 after printing why. */
static int vault_export_dir(struct vault_run *r, const char *dir)
{
    struct stat st;
    struct dirent *de;
    DIR *d = NULL;
    int fd = -1, dfd = -1;
    bool empty = true;

    if (stat(dir, &st) != 0) {
        if (errno != ENOENT) {
            vault_errorf(r, "cannot use %s: %s", dir, strerror(errno));
            return -1;
        }
        if (vault_mkdirs(dir) != 0) {
            vault_errorf(r, "cannot create %s: %s", dir, strerror(errno));
            return -1;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        vault_errorf(r, "%s exists and is not a directory", dir);
        return -1;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        vault_errorf(r, "cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    dfd = dup(fd);
    d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (d == NULL) {
        vault_errorf(r, "cannot read %s: %s", dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        close(fd);
        return -1;
    }
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            empty = false;
    closedir(d);
    if (!empty &&
        (fstatat(fd, VAULT_INDEX, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))) {
        vault_errorf(r,
                     "%s is not empty and holds no %s (so it is not an earlier export): refusing "
                     "to write into it; choose a new or empty directory",
                     dir, VAULT_INDEX);
        close(fd);
        return -1;
    }
    return fd;
}

/* Write lore-export.json: every entry as the API returned it. */
static int vault_write_index(struct vault_run *r, int dirfd, const char *dir, json_t *all)
{
    char *s = json_dumps(all, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    int rc;

    if (s == NULL) {
        vault_errorf(r, "cannot encode %s", VAULT_INDEX);
        return -1;
    }
    rc = vault_write_file(r, dirfd, dir, VAULT_INDEX, s, strlen(s));
    free(s);
    return rc;
}

/* One Markdown file for e (a question, a note, or a reply whose parent is not here) with every
 * reply to it inline. Returns 0, or -1 after printing why. */
static int vault_write_doc(struct vault_export *x, int dirfd, const char *dir, json_t *e,
                           json_t *names)
{
    struct buf b;
    char *name = vault_file_name(e, names);
    const char *kind = vault_jstr(e, "kind"), *id = vault_jstr(e, "id");
    json_t *kids = json_object_get(x->children, id);
    int rc = -1;

    buf_init(&b, VAULT_DOC_MAX);
    json_object_set_new(x->placed, id, json_true());
    x->accepted = json_string_value(json_object_get(e, "accepted"));
    if (vault_front_matter(&b, e) != 0 || vault_put_body(&b, e) != 0)
        goto toobig;
    /* A note's comments are marked off, so that importing the file gives back the note alone. */
    if (strcmp(kind, "note") == 0 && json_array_size(kids) > 0 &&
        buf_append_str(&b, "\n" VAULT_COMMENTS_MARK "\n") != 0)
        goto toobig;
    if (vault_put_replies(x, &b, id, 1) != 0)
        goto toobig;
    rc = vault_write_file(x->run, dirfd, dir, name, b.data, b.len);
    goto out;
toobig:
    vault_errorf(x->run, "%s/%s would be larger than %u MiB; not written", dir, name,
                 VAULT_DOC_MAX >> 20);
out:
    buf_free(&b);
    free(name);
    return rc;
}

int vault_export_main(const struct vault_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, VAULT_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    static const char *const kinds[] = {"question", "answer", "note", "comment"};
    struct vault_run r = {.env = env, .tty = isatty(STDERR_FILENO) == 1};
    struct vault_export x = {.run = &r};
    json_t *all = NULL, *seen = NULL, *sorted = NULL, *names = NULL, *e, *out;
    const char *dir, *ref, *kind;
    size_t i, fetched = 0, files = 0, done = 0, total;
    int c, dirfd = -1, rc = VAULT_EXIT_OK;

    optind = 0;
    opterr = 0;
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case VAULT_OPT_JSON:
            r.json = true;
            break;
        case 'h':
            return env->help(env->arg);
        default:
            return vault_bad_option(&r, c, argv);
        }
    }
    if (optind >= argc)
        return vault_usage_error(&r, "missing DIR");
    if (optind + 1 < argc)
        return vault_usage_error(&r, "unexpected argument '%s'", argv[optind + 1]);
    dir = argv[optind];
    if (dir[0] == '\0')
        return vault_usage_error(&r, "DIR is empty");

    rc = vault_connect(&r); /* before touching DIR: no node, nothing created */
    if (rc != VAULT_EXIT_OK)
        goto out;
    dirfd = vault_export_dir(&r, dir);
    if (dirfd < 0) {
        rc = VAULT_EXIT_FAIL;
        goto out;
    }
    all = json_array();
    seen = json_object();
    x.children = json_object();
    x.placed = json_object();
    names = json_object();
    json_object_set_new(names, VAULT_INDEX, json_true());
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        rc = vault_fetch_kind(&r, kinds[i], all, seen, &fetched);
        if (rc != VAULT_EXIT_OK)
            goto out;
    }
    vault_progress_clear(&r);
    sorted = vault_sorted(all);
    total = json_array_size(sorted);
    if (vault_write_index(&r, dirfd, dir, sorted) != 0) {
        rc = VAULT_EXIT_FAIL;
        goto out;
    }
    json_array_foreach(sorted, i, e)
    {
        kind = vault_jstr(e, "kind");
        ref = vault_ref0(e);
        if ((strcmp(kind, "answer") == 0 || strcmp(kind, "comment") == 0) && ref != NULL) {
            if (json_object_get(x.children, ref) == NULL)
                json_object_set_new(x.children, ref, json_array());
            json_array_append(json_object_get(x.children, ref), e);
        }
    }
    /* Questions and notes first, each with its replies; then whatever reply was left over. */
    json_array_foreach(sorted, i, e)
    {
        kind = vault_jstr(e, "kind");
        if (strcmp(kind, "question") != 0 && strcmp(kind, "note") != 0)
            continue;
        if (vault_write_doc(&x, dirfd, dir, e, names) != 0) {
            rc = VAULT_EXIT_FAIL;
            goto out;
        }
        files++;
        done = json_object_size(x.placed);
        vault_progress(&r, "exported", done, total);
    }
    json_array_foreach(sorted, i, e)
    {
        if (json_object_get(x.placed, vault_jstr(e, "id")) != NULL)
            continue;
        if (vault_write_doc(&x, dirfd, dir, e, names) != 0) {
            rc = VAULT_EXIT_FAIL;
            goto out;
        }
        files++;
        done = json_object_size(x.placed);
        vault_progress(&r, "exported", done, total);
    }
    vault_progress_clear(&r);
    fprintf(stderr, "exported %zu entries to %zu Markdown files and %s in ", total, files,
            VAULT_INDEX);
    text_sanitize_term(stderr, dir, TEXT_TERM_STRICT, NULL);
    fputc('\n', stderr);
    if (r.json) {
        out = json_pack("{s:o,s:I,s:I}", "dir", vault_json_path(dir), "files", (json_int_t)files,
                        "entries", (json_int_t)total);
        json_dumpf(out, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(out);
    }
out:
    vault_progress_clear(&r);
    if (dirfd >= 0)
        close(dirfd);
    json_decref(all);
    json_decref(seen);
    json_decref(sorted);
    json_decref(names);
    json_decref(x.children);
    json_decref(x.placed);
    return rc;
}

/* ------------------------------------------------------------------------------------------- */
/* Import: reading a vault                                                                     */

/* A JSON string of s with every byte that is not valid text shown as '?': paths and tags from a
 * vault may be anything, but the summary must still be JSON. */
static json_t *vault_json_lossy(const char *s, size_t n)
{
    char *t = xstrndup(s, n);
    size_t i, k;
    json_t *v;

    for (i = 0; i < n; i += k) {
        /* The longest valid prefix of one character: 1 to 4 bytes. */
        for (k = 1; k <= 4 && i + k <= n; k++)
            if (vault_text_valid(t + i, k, 0))
                break;
        if (k > 4 || i + k > n) {
            t[i] = '?';
            k = 1;
        }
    }
    v = json_string(t);
    free(t);
    return v != NULL ? v : json_string("?");
}

struct vault_import {
    struct vault_run *run;
    const char *dir;
    int rootfd;
    bool dry_run;
    char **files; /* relative paths of the Markdown files found, in walk order */
    size_t nfiles, capfiles;
    json_t *tags;     /* --tag, normalised */
    json_t *skipped;  /* [{"path", "reason"}] */
    json_t *warnings; /* [{"path", "warning"}] */
    json_t *pending;  /* the current file's warnings: said only if it is imported */
    json_t *notes;    /* [{"path", "title", "tags", "id"}] imported (or, dry, to be) */
    json_t *existing; /* title -> [{"id", "body", "author", "author_name"}]: the replica's notes */
    const char *me;   /* our public key, from status (owned by status_resp) */
    json_t *status_resp;
    size_t refused; /* posts the node refused */
    size_t known;   /* files skipped as already in lore */
};

static void vault_skip(struct vault_import *im, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void vault_skip_known(struct vault_import *im, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void vault_warn(struct vault_import *im, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void vault_note_message(struct vault_import *im, json_t *list, const char *field,
                               const char *what, const char *path, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

/* Add {"path", field: message} to list, and unless what is NULL say "lore: WHAT PATH: MESSAGE". */
static void vault_note_message(struct vault_import *im, json_t *list, const char *field,
                               const char *what, const char *path, const char *fmt, va_list ap)
{
    char msg[512];
    json_t *o;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    o = json_object();
    json_object_set_new(o, "path", vault_json_lossy(path, strlen(path)));
    json_object_set_new(o, field, vault_json_lossy(msg, strlen(msg)));
    json_array_append_new(list, o);
    if (what == NULL)
        return;
    vault_progress_clear(im->run);
    fprintf(stderr, "lore: %s ", what);
    text_sanitize_term(stderr, json_string_value(json_object_get(o, "path")), TEXT_TERM_STRICT,
                       NULL);
    fputs(": ", stderr);
    text_sanitize_term(stderr, msg, TEXT_TERM_STRICT, NULL);
    fputc('\n', stderr);
}

/* Record that path is not imported, and why (also on stderr). */
static void vault_skip(struct vault_import *im, const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vault_note_message(im, im->skipped, "reason", "skipped", path, fmt, ap);
    va_end(ap);
}

/* Record that path is not imported because lore has it already: only in the --json summary and
 * the count on stderr, so that importing a large vault again does not print a line per file. */
static void vault_skip_known(struct vault_import *im, const char *path, const char *fmt, ...)
{
    va_list ap;

    im->known++;
    va_start(ap, fmt);
    vault_note_message(im, im->skipped, "reason", NULL, path, fmt, ap);
    va_end(ap);
}

/* Note something about path a person should know, though the note is imported: kept until
 * vault_warnings_done, so that a file skipped after all does not warn. */
static void vault_warn(struct vault_import *im, const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vault_note_message(im, im->pending, "warning", NULL, path, fmt, ap);
    va_end(ap);
}

/* Say the current file's warnings (if it was imported) and forget them. */
static void vault_warnings_done(struct vault_import *im, bool imported)
{
    json_t *w;
    size_t i;

    json_array_foreach(im->pending, i, w)
    {
        if (!imported)
            break;
        json_array_append(im->warnings, w);
        vault_progress_clear(im->run);
        fputs("lore: warning: ", stderr);
        text_sanitize_term(stderr, vault_jstr(w, "path"), TEXT_TERM_STRICT, NULL);
        fputs(": ", stderr);
        text_sanitize_term(stderr, vault_jstr(w, "warning"), TEXT_TERM_STRICT, NULL);
        fputc('\n', stderr);
    }
    json_array_clear(im->pending);
}

static int vault_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 if name ends in ".md" (any case) and has something before it. */
static int vault_is_markdown(const char *name)
{
    size_t n = strlen(name);

    return n > 3 && name[n - 3] == '.' && (name[n - 2] == 'm' || name[n - 2] == 'M') &&
           (name[n - 1] == 'd' || name[n - 1] == 'D');
}

/* Collect the Markdown files under dfd (whose path below the vault is rel, "" for the top) in
 * name order. Hidden files and folders (.obsidian, .git, .trash, ...) are passed over; symbolic
 * links are never followed. */
static void vault_walk(struct vault_import *im, int dfd, const char *rel, int depth)
{
    char **names = NULL, *child;
    size_t n = 0, cap = 0, i;
    struct dirent *de;
    struct stat st;
    DIR *d;
    int fd = dup(dfd), cfd;

    d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        vault_skip(im, rel[0] != '\0' ? rel : ".", "cannot read the folder: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    rewinddir(d);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            names = xreallocarray(names, cap, sizeof(*names));
        }
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof(*names), vault_cmp_names);
    for (i = 0; i < n; i++) {
        child = rel[0] != '\0' ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
        if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
            vault_skip(im, child, "cannot read it: %s", strerror(errno));
        } else if (S_ISLNK(st.st_mode)) {
            vault_skip(im, child, "a symbolic link (links are not followed)");
        } else if (S_ISDIR(st.st_mode)) {
            if (depth >= VAULT_MAX_DEPTH) {
                vault_skip(im, child, "nested deeper than %d folders", VAULT_MAX_DEPTH);
            } else {
                cfd = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd < 0) {
                    vault_skip(im, child, "cannot read the folder: %s", strerror(errno));
                } else {
                    vault_walk(im, cfd, child, depth + 1);
                    close(cfd);
                }
            }
        } else if (!S_ISREG(st.st_mode) && vault_is_markdown(names[i])) {
            vault_skip(im, child, "not a regular file");
        } else if (S_ISREG(st.st_mode) && vault_is_markdown(names[i])) {
            if (im->nfiles >= VAULT_MAX_FILES) {
                vault_skip(im, child, "more than %d Markdown files", VAULT_MAX_FILES);
            } else {
                if (im->nfiles == im->capfiles) {
                    im->capfiles = im->capfiles ? im->capfiles * 2 : 64;
                    im->files = xreallocarray(im->files, im->capfiles, sizeof(*im->files));
                }
                im->files[im->nfiles++] = child;
                child = NULL;
            }
        }
        free(child);
        free(names[i]);
    }
    free(names);
}

/* Open the regular file rel below rootfd for reading without following a symbolic link in any
 * component (the vault may change between the walk and now). Returns a descriptor, or -1 with
 * errno. */
static int vault_open_rel(int rootfd, const char *rel)
{
    const char *p = rel, *slash;
    char *comp;
    int fd = rootfd, next, saved;
    struct stat st;

    for (;;) {
        slash = strchr(p, '/');
        comp = slash != NULL ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
        next = openat(fd, comp,
                      slash != NULL ? O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
                                    : O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        saved = errno;
        free(comp);
        if (fd != rootfd)
            close(fd);
        if (next < 0) {
            errno = saved;
            return -1;
        }
        fd = next;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

/* What a Markdown file says. */
struct vault_doc {
    char *title;     /* from the front matter, or NULL */
    char *export_id; /* "id:" of a file written by lore export (64 hex), or NULL */
    json_t *tags;    /* normalised, at most VAULT_MAX_TAGS */
    const char *body;
    size_t body_len;
    size_t dropped;                        /* tags over VAULT_MAX_TAGS */
    char first_dropped[VAULT_TAG_MAX + 1]; /* the first of them */
};

static bool vault_has_tag(json_t *tags, const char *tag)
{
    json_t *v;
    size_t i;

    json_array_foreach(tags, i, v)
    {
        if (strcmp(json_string_value(v), tag) == 0)
            return true;
    }
    return false;
}

/* Add a tag (raw, from the front matter or the text) to doc, normalised; a warning if dropped. */
static void vault_doc_tag(struct vault_import *im, const char *path, struct vault_doc *doc,
                          const char *raw, size_t n)
{
    char tag[VAULT_TAG_MAX + 1];
    json_t *shown;

    if (vault_tag_normalise(raw, n, tag) != 0) {
        shown = vault_json_lossy(raw, n > 64 ? 64 : n);
        vault_warn(im, path,
                   "'%s' is not a valid lore tag (lower-case letters and digits, then also "
                   ". + # _ -; at most %d bytes): dropped",
                   json_string_value(shown), VAULT_TAG_MAX);
        json_decref(shown);
        return;
    }
    if (vault_has_tag(doc->tags, tag))
        return;
    if (json_array_size(doc->tags) >= VAULT_MAX_TAGS) {
        if (doc->dropped++ == 0)
            memcpy(doc->first_dropped, tag, sizeof(tag));
        return;
    }
    json_array_append_new(doc->tags, json_string(tag));
}

/* The next line of [*p, end): *line and *n without the newline (and a CR before it). Returns false
 * at the end. */
static bool vault_next_line(const char **p, const char *end, const char **line, size_t *n)
{
    const char *nl;

    if (*p >= end)
        return false;
    *line = *p;
    nl = memchr(*p, '\n', (size_t)(end - *p));
    if (nl == NULL) {
        *n = (size_t)(end - *p);
        *p = end;
    } else {
        *n = (size_t)(nl - *p);
        *p = nl + 1;
    }
    if (*n > 0 && (*line)[*n - 1] == '\r')
        (*n)--;
    return true;
}

static void vault_trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* Parse k hex digits at s into *v. Returns 0, or -1. */
static int vault_hexn(const char *s, size_t avail, size_t k, uint32_t *v)
{
    size_t i;
    int h;

    if (avail < k)
        return -1;
    for (*v = 0, i = 0; i < k; i++) {
        h = hex_digit(s[i]);
        if (h < 0)
            return -1;
        *v = *v << 4 | (uint32_t)h;
    }
    return 0;
}

static int vault_put_utf8(struct buf *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;

    if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return -1;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xc0 | cp >> 6);
        u[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xe0 | cp >> 12);
        u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        u[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xf0 | cp >> 18);
        u[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
        u[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        u[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return buf_append(b, u, n);
}

/* One YAML scalar at [s, s+n): "double-quoted" (JSON-style escapes), 'single-quoted', or plain
 * (up to a " #" comment). *used (OUT, may be NULL) is how many bytes it took. Returns a new string,
 * or NULL if it is malformed or not one line of text. */
static char *vault_yaml_scalar(const char *s, size_t n, size_t *used)
{
    struct buf b;
    char *out = NULL;
    size_t i = 1;
    uint32_t cp, lo;
    bool closed = false;

    buf_init(&b, 64 * 1024);
    if (n > 0 && s[0] == '"') {
        while (i < n && !closed) {
            char c = s[i++];
            if (c == '"') {
                closed = true;
            } else if (c != '\\') {
                if (buf_append(&b, &c, 1) != 0)
                    goto out;
            } else if (i >= n) {
                goto out;
            } else {
                c = s[i++];
                switch (c) {
                case 'n':
                    c = '\n';
                    break;
                case 't':
                    c = '\t';
                    break;
                case 'r':
                    c = '\r';
                    break;
                case 'u':
                case 'x':
                    if (vault_hexn(s + i, n - i, c == 'u' ? 4 : 2, &cp) != 0)
                        goto out;
                    i += c == 'u' ? 4 : 2;
                    if (cp >= 0xd800 && cp <= 0xdbff && n - i >= 6 && s[i] == '\\' &&
                        s[i + 1] == 'u' && vault_hexn(s + i + 2, n - i - 2, 4, &lo) == 0 &&
                        lo >= 0xdc00 && lo <= 0xdfff) {
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        i += 6;
                    }
                    if (vault_put_utf8(&b, cp) != 0)
                        goto out;
                    continue;
                default:
                    break; /* \" \\ \/ and anything else: the character itself */
                }
                if (buf_append(&b, &c, 1) != 0)
                    goto out;
            }
        }
        if (!closed)
            goto out;
    } else if (n > 0 && s[0] == '\'') {
        while (i < n && !closed) {
            if (s[i] == '\'' && i + 1 < n && s[i + 1] == '\'') {
                i += 2;
                if (buf_append(&b, "'", 1) != 0)
                    goto out;
            } else if (s[i] == '\'') {
                i++;
                closed = true;
            } else if (buf_append(&b, s + i++, 1) != 0) {
                goto out;
            }
        }
        if (!closed)
            goto out;
    } else {
        for (i = 0; i < n; i++)
            if (s[i] == '#' && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
                break;
        if (buf_append(&b, s, i) != 0)
            goto out;
        while (b.len > 0 && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t'))
            b.len--;
    }
    if (used != NULL)
        *used = i;
    if (!vault_text_valid(b.data != NULL ? (const char *)b.data : "", b.len, 0))
        goto out;
    out = xstrndup(b.data != NULL ? (const char *)b.data : "", b.len);
out:
    buf_free(&b);
    return out;
}

/* The tags of a "tags:" value: [a, "b"], a quoted scalar, or plain words split at commas and
 * spaces (Obsidian's older "tags: a, b"). */
static void vault_fm_tags(struct vault_import *im, const char *path, struct vault_doc *doc,
                          const char *v, size_t n)
{
    size_t i = 1, used, k;
    char *item;

    if (n > 0 && v[0] == '[') {
        while (i < n) {
            while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
                i++;
            if (i >= n || v[i] == ']')
                break;
            if (v[i] == '"' || v[i] == '\'') {
                item = vault_yaml_scalar(v + i, n - i, &used);
                if (item == NULL) {
                    vault_warn(im, path, "the tags list is malformed: the rest of it is ignored");
                    return;
                }
                vault_doc_tag(im, path, doc, item, strlen(item));
                free(item);
                i += used;
            } else {
                for (k = i; k < n && v[k] != ',' && v[k] != ']'; k++)
                    ;
                used = k - i;
                while (used > 0 && (v[i + used - 1] == ' ' || v[i + used - 1] == '\t'))
                    used--;
                vault_doc_tag(im, path, doc, v + i, used);
                i = k;
            }
        }
        return;
    }
    if (n > 0 && (v[0] == '"' || v[0] == '\'')) {
        item = vault_yaml_scalar(v, n, NULL);
        if (item != NULL)
            vault_doc_tag(im, path, doc, item, strlen(item));
        else
            vault_warn(im, path, "the tags value is malformed: ignored");
        free(item);
        return;
    }
    for (i = 0; i < n; i = k) {
        if (v[i] == '#' && i > 0 && (v[i - 1] == ' ' || v[i - 1] == '\t'))
            break; /* a comment */
        for (k = i; k < n && v[k] != ',' && v[k] != ' ' && v[k] != '\t'; k++)
            ;
        if (k > i)
            vault_doc_tag(im, path, doc, v + i, k - i);
        if (k < n)
            k++;
    }
}

/* 1 if the line [s, s+n) closes front matter: "---" or "..." and nothing else but spaces. */
static int vault_fm_end(const char *s, size_t n)
{
    vault_trim(&s, &n);
    return n == 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0);
}

/* Read the YAML front matter at the start of [text, end), if any: title, tags, and the id of a
 * file lore export wrote. Sets *body_start past it. Keys are matched without regard to case. */
static void vault_front(struct vault_import *im, const char *path, struct vault_doc *doc,
                        const char *text, const char *end, const char **body_start)
{
    const char *p = text, *line, *close = NULL, *v, *q;
    size_t n, vn;
    char key[16];
    bool in_tags = false;
    char *s;

    *body_start = text;
    if (!vault_next_line(&p, end, &line, &n) || !(n == 3 && memcmp(line, "---", 3) == 0))
        return;
    for (q = p; vault_next_line(&q, end, &line, &n);) {
        if (vault_fm_end(line, n)) {
            close = line;
            *body_start = q;
            break;
        }
    }
    if (close == NULL)
        return; /* no closing line: it was a horizontal rule, not front matter */
    while (p < close && vault_next_line(&p, close, &line, &n)) {
        if (n == 0 || line[0] == '#')
            continue;
        if (line[0] == ' ' || line[0] == '\t' || line[0] == '-') {
            v = line;
            vn = n;
            vault_trim(&v, &vn);
            if (in_tags && vn > 0 && v[0] == '-' && (vn == 1 || v[1] == ' ' || v[1] == '\t')) {
                v++;
                vn--;
                vault_trim(&v, &vn);
                if (vn > 0 && (v[0] == '"' || v[0] == '\'')) {
                    s = vault_yaml_scalar(v, vn, NULL);
                    if (s != NULL)
                        vault_doc_tag(im, path, doc, s, strlen(s));
                    free(s);
                } else if (vn > 0) {
                    s = vault_yaml_scalar(v, vn, NULL); /* drops a comment */
                    if (s != NULL && s[0] != '\0')
                        vault_doc_tag(im, path, doc, s, strlen(s));
                    free(s);
                }
            }
            continue;
        }
        in_tags = false;
        v = memchr(line, ':', n);
        if (v == NULL || (size_t)(v - line) >= sizeof(key))
            continue;
        memcpy(key, line, (size_t)(v - line));
        key[v - line] = '\0';
        vn = n - (size_t)(v - line) - 1;
        v++;
        vault_trim(&v, &vn);
        if (strcasecmp(key, "tags") == 0 || strcasecmp(key, "tag") == 0) {
            if (vn == 0)
                in_tags = true;
            else
                vault_fm_tags(im, path, doc, v, vn);
        } else if (strcasecmp(key, "title") == 0 && vn > 0 && v[0] != '|' && v[0] != '>') {
            free(doc->title);
            doc->title = vault_yaml_scalar(v, vn, NULL);
            if (doc->title == NULL)
                vault_warn(im, path, "the front matter's title is not one line of text: ignored");
        } else if (strcasecmp(key, "id") == 0 && vn > 0) {
            free(doc->export_id);
            doc->export_id = vault_yaml_scalar(v, vn, NULL);
            if (doc->export_id != NULL && !vault_is_id(doc->export_id)) {
                free(doc->export_id);
                doc->export_id = NULL;
            }
        }
    }
}

/* A line that opens or closes a fenced code block: up to 3 spaces, then ``` or ~~~. */
static int vault_is_fence(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && i < 3 && s[i] == ' ')
        i++;
    return n - i >= 3 && (memcmp(s + i, "```", 3) == 0 || memcmp(s + i, "~~~", 3) == 0);
}

/* Obsidian's inline tags in the text ("#vpn", "#project/infra"): a '#' at the start of a line or
 * after a space, then letters, digits, '_', '-' and '/', not all digits. Code is passed over. */
static void vault_inline_tags(struct vault_import *im, const char *path, struct vault_doc *doc)
{
    const char *p = doc->body, *end = doc->body + doc->body_len, *line;
    bool fenced = false, digits;
    size_t n, i, k;
    const char *tick;

    while (vault_next_line(&p, end, &line, &n)) {
        if (vault_is_fence(line, n)) {
            fenced = !fenced;
            continue;
        }
        if (fenced)
            continue;
        for (i = 0; i < n; i++) {
            if (line[i] == '`') {
                tick = memchr(line + i + 1, '`', n - i - 1);
                if (tick == NULL)
                    break;
                i = (size_t)(tick - line);
                continue;
            }
            if (line[i] != '#' || (i > 0 && line[i - 1] != ' ' && line[i - 1] != '\t'))
                continue;
            digits = true;
            for (k = i + 1; k < n; k++) {
                unsigned char c = (unsigned char)line[k];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '/' || c >= 0x80))
                    break;
                if (!(c >= '0' && c <= '9'))
                    digits = false;
            }
            if (k > i + 1 && !digits)
                vault_doc_tag(im, path, doc, line + i + 1, k - i - 1);
            i = k - 1;
        }
    }
}

/* The text of the first level-1 heading ("# Title") outside code, or NULL. */
static char *vault_first_heading(const char *text, size_t len)
{
    const char *p = text, *end = text + len, *line;
    bool fenced = false;
    size_t n, i;
    char *t;

    while (vault_next_line(&p, end, &line, &n)) {
        if (vault_is_fence(line, n)) {
            fenced = !fenced;
            continue;
        }
        for (i = 0; i < n && i < 3 && line[i] == ' '; i++)
            ;
        if (fenced || n - i < 2 || line[i] != '#' || (line[i + 1] != ' ' && line[i + 1] != '\t'))
            continue;
        line += i + 1;
        n -= i + 1;
        vault_trim(&line, &n);
        /* A closing run of '#' after a space is not part of the heading. */
        for (i = n; i > 0 && line[i - 1] == '#'; i--)
            ;
        if (i < n && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
            n = i;
            vault_trim(&line, &n);
        }
        if (n == 0)
            continue;
        t = xstrndup(line, n);
        for (i = 0; i < n; i++)
            if (t[i] == '\t' || t[i] == '\r') /* a title is one line */
                t[i] = ' ';
        return t;
    }
    return NULL;
}

/* The body: what follows the front matter, up to the line lore export puts before a note's
 * comments, without leading blank lines and trailing white space. */
static void vault_body(struct vault_doc *doc, const char *start, const char *end)
{
    const char *p = start, *line, *first = NULL, *stop = end;
    size_t n, m;
    const char *s;

    while (vault_next_line(&p, end, &line, &n)) {
        if (first == NULL) {
            s = line;
            m = n;
            vault_trim(&s, &m);
            if (m == 0)
                continue;
            first = line;
        }
        if (n == strlen(VAULT_COMMENTS_MARK) && memcmp(line, VAULT_COMMENTS_MARK, n) == 0) {
            stop = line;
            break;
        }
    }
    if (first == NULL)
        first = stop;
    while (stop > first &&
           (stop[-1] == ' ' || stop[-1] == '\t' || stop[-1] == '\n' || stop[-1] == '\r'))
        stop--;
    doc->body = first;
    doc->body_len = (size_t)(stop - first);
}

/* ------------------------------------------------------------------------------------------- */
/* Import: posting                                                                             */

/* Remember a note of the replica (or one just posted) by title, for the duplicate check. */
static void vault_index_note(struct vault_import *im, json_t *e)
{
    const char *title = json_string_value(json_object_get(e, "title"));
    json_t *arr, *o;

    if (title == NULL || !json_is_string(json_object_get(e, "body")))
        return;
    arr = json_object_get(im->existing, title);
    if (arr == NULL) {
        arr = json_array();
        json_object_set_new(im->existing, title, arr);
    }
    o = json_pack(
        "{s:O,s:O,s:O,s:O}", "id", json_object_get(e, "id"), "body", json_object_get(e, "body"),
        "author", json_object_get(e, "author") ? json_object_get(e, "author") : json_null(),
        "author_name",
        json_object_get(e, "author_name") ? json_object_get(e, "author_name") : json_null());
    if (o != NULL)
        json_array_append_new(arr, o);
}

/* Our key and every note in the replica, for the duplicate check. Returns an exit status. */
static int vault_load_existing(struct vault_import *im)
{
    json_t *notes = json_array(), *seen = json_object(), *e;
    size_t i, done = 0;
    int rc;

    rc = vault_call(im->run, json_pack("{s:s}", "op", "status"), &im->status_resp);
    if (rc != VAULT_EXIT_OK)
        goto out;
    im->me = json_string_value(json_object_get(im->status_resp, "public_key"));
    if (!vault_is_id(im->me)) {
        vault_errorf(im->run, "the node did not say its public key");
        rc = VAULT_EXIT_FAIL;
        goto out;
    }
    rc = vault_fetch_kind(im->run, "note", notes, seen, &done);
    if (rc != VAULT_EXIT_OK)
        goto out;
    vault_progress_clear(im->run);
    json_array_foreach(notes, i, e) vault_index_note(im, e);
out:
    json_decref(notes);
    json_decref(seen);
    return rc;
}

/* The note with this title and body already in the replica, or NULL. */
static json_t *vault_find_same(struct vault_import *im, const char *title, const char *body,
                               size_t body_len)
{
    json_t *e, *b;
    size_t i;

    json_array_foreach(json_object_get(im->existing, title), i, e)
    {
        b = json_object_get(e, "body");
        if (json_string_length(b) == body_len && memcmp(json_string_value(b), body, body_len) == 0)
            return e;
    }
    return NULL;
}

/* Read the file rel (at most VAULT_ENTRY_MAX bytes) into b. Returns 0, or -1 having recorded why
 * it is skipped. */
static int vault_read(struct vault_import *im, const char *rel, struct buf *b)
{
    char chunk[16384];
    struct stat st;
    ssize_t n;
    int fd, rc = -1;

    fd = vault_open_rel(im->rootfd, rel);
    if (fd < 0) {
        vault_skip(im, rel, "cannot read it: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && st.st_size > (off_t)VAULT_ENTRY_MAX) {
        vault_skip(im, rel, "%lld bytes: larger than lore's limit of %u KiB for one entry",
                   (long long)st.st_size, VAULT_ENTRY_MAX / 1024);
        goto out;
    }
    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            vault_skip(im, rel, "cannot read it: %s", strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if (buf_append(b, chunk, (size_t)n) != 0) {
            vault_skip(im, rel, "larger than lore's limit of %u KiB for one entry",
                       VAULT_ENTRY_MAX / 1024);
            goto out;
        }
    }
    rc = 0;
out:
    close(fd);
    return rc;
}

/* The title when the file has no front matter title and no heading: its name without ".md". */
static char *vault_name_title(const char *rel)
{
    const char *base = strrchr(rel, '/');

    base = base != NULL ? base + 1 : rel;
    return xstrndup(base, strlen(base) - 3);
}

/* Turn the file rel into a note: read, parse, check against lore's limits and the replica, and
 * post it (or, dry, say that it would be). Returns an exit status: only a broken connection to the
 * node stops the import; everything else is a skip. */
static int vault_import_file(struct vault_import *im, const char *rel)
{
    struct vault_doc doc = {0};
    struct buf b;
    const char *text, *end, *body_start;
    char *body = NULL;
    json_t *same, *resp = NULL, *req, *note, *tag;
    size_t size, i;
    bool ok, imported = false;
    int rc = VAULT_EXIT_OK;

    buf_init(&b, VAULT_ENTRY_MAX);
    doc.tags = json_deep_copy(im->tags);
    if (vault_read(im, rel, &b) != 0)
        goto out;
    if (b.len == 0) {
        vault_skip(im, rel, "empty file");
        goto out;
    }
    text = (const char *)b.data;
    end = text + b.len;
    if (b.len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        text += 3; /* a byte order mark */
    if (!vault_text_valid(text, (size_t)(end - text), 1)) {
        vault_skip(im, rel, "not UTF-8 text, or holds control characters");
        goto out;
    }
    vault_front(im, rel, &doc, text, end, &body_start);
    vault_body(&doc, body_start, end);
    if (doc.body_len == 0) {
        vault_skip(im, rel, "no text besides the front matter (a note needs a body)");
        goto out;
    }
    if (doc.title == NULL || doc.title[0] == '\0') {
        free(doc.title);
        doc.title = vault_first_heading(doc.body, doc.body_len);
    }
    if (doc.title == NULL) {
        doc.title = vault_name_title(rel);
        if (!vault_text_valid(doc.title, strlen(doc.title), 0)) {
            vault_skip(im, rel, "no title in the file, and its name is not UTF-8 text");
            goto out;
        }
    }
    if (strlen(doc.title) > VAULT_TITLE_MAX) {
        vault_skip(im, rel, "the title is longer than lore's limit of %d bytes", VAULT_TITLE_MAX);
        goto out;
    }
    vault_inline_tags(im, rel, &doc);
    if (doc.dropped > 0)
        vault_warn(im, rel, "lore takes at most %d tags: %zu dropped, from '%s' on", VAULT_MAX_TAGS,
                   doc.dropped, doc.first_dropped);
    size = VAULT_ENTRY_OVERHEAD + strlen(doc.title) + doc.body_len;
    json_array_foreach(doc.tags, i, tag) size += 1 + json_string_length(tag);
    if (size > VAULT_ENTRY_MAX) {
        vault_skip(im, rel,
                   "too large for one lore entry: %zu bytes with title and tags, the limit "
                   "is %u",
                   size, VAULT_ENTRY_MAX);
        goto out;
    }
    body = xstrndup(doc.body, doc.body_len);
    if (doc.export_id != NULL) {
        rc = vault_exchange(im->run, json_pack("{s:s,s:s}", "op", "get", "id", doc.export_id),
                            &resp, &ok);
        if (rc != VAULT_EXIT_OK)
            goto out;
        if (ok) {
            vault_skip_known(im, rel, "already in lore: it is the export of entry %.12s",
                             doc.export_id);
            goto out;
        }
        json_decref(resp);
        resp = NULL;
    }
    same = vault_find_same(im, doc.title, body, doc.body_len);
    if (same != NULL) {
        if (strcmp(json_string_value(json_object_get(same, "author")) != NULL
                       ? json_string_value(json_object_get(same, "author"))
                       : "",
                   im->me) == 0)
            vault_skip_known(im, rel, "already imported: note %.12s has the same title and body",
                             vault_jstr(same, "id"));
        else
            vault_skip_known(im, rel,
                             "already in lore: note %.12s by %s has the same title and body",
                             vault_jstr(same, "id"),
                             json_is_string(json_object_get(same, "author_name"))
                                 ? vault_jstr(same, "author_name")
                                 : "someone else");
        goto out;
    }
    note = json_pack("{s:o,s:s,s:O}", "path", vault_json_lossy(rel, strlen(rel)), "title",
                     doc.title, "tags", doc.tags);
    if (im->dry_run) {
        json_object_set_new(note, "id", json_null());
        if (!im->run->json) {
            vault_progress_clear(im->run);
            fputs("would import ", stdout);
            text_sanitize_term(stdout, rel, TEXT_TERM_STRICT, NULL);
            fputs(": ", stdout);
            text_sanitize_term(stdout, doc.title, TEXT_TERM_STRICT, NULL);
            json_array_foreach(doc.tags, i, tag) printf(" #%s", json_string_value(tag));
            fputc('\n', stdout);
        }
        json_array_append_new(im->notes, note);
        imported = true;
        req = json_pack("{s:n,s:s,s:s%,s:s}", "id", "title", doc.title, "body", body, doc.body_len,
                        "author", im->me);
        vault_index_note(im, req);
        json_decref(req);
        goto out;
    }
    rc = vault_exchange(im->run,
                        json_pack("{s:s,s:s,s:s,s:s%,s:O}", "op", "post", "kind", "note", "title",
                                  doc.title, "body", body, doc.body_len, "tags", doc.tags),
                        &resp, &ok);
    if (rc != VAULT_EXIT_OK) {
        json_decref(note);
        goto out;
    }
    if (!ok) {
        vault_skip(im, rel, "the node refused it: %s", vault_jstr(resp, "error"));
        im->refused++;
        json_decref(note);
        goto out;
    }
    json_object_set(note, "id", json_object_get(resp, "id"));
    json_array_append_new(im->notes, note);
    imported = true;
    if (json_is_object(json_object_get(resp, "entry")))
        vault_index_note(im, json_object_get(resp, "entry"));
out:
    vault_warnings_done(im, imported);
    json_decref(resp);
    json_decref(doc.tags);
    free(doc.title);
    free(doc.export_id);
    free(body);
    buf_free(&b);
    return rc;
}

int vault_import_main(const struct vault_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{"tag", required_argument, NULL, 't'},
                                         {"dry-run", no_argument, NULL, VAULT_OPT_DRY_RUN},
                                         {"json", no_argument, NULL, VAULT_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct vault_run r = {.env = env, .tty = isatty(STDERR_FILENO) == 1};
    struct vault_import im = {.run = &r, .rootfd = -1};
    char tag[VAULT_TAG_MAX + 1];
    json_t *out;
    size_t i;
    int c, rc = VAULT_EXIT_OK;

    im.tags = json_array();
    im.skipped = json_array();
    im.warnings = json_array();
    im.pending = json_array();
    im.notes = json_array();
    im.existing = json_object();
    optind = 0;
    opterr = 0;
    for (;;) {
        c = getopt_long(argc, argv, ":t:h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 't':
            if (vault_tag_normalise(optarg, strlen(optarg), tag) != 0) {
                rc = vault_usage_error(&r,
                                       "'%s' is not a valid tag: use lower-case letters and "
                                       "digits, then also . + # _ - (at most %d bytes)",
                                       optarg, VAULT_TAG_MAX);
                goto out;
            }
            if (vault_has_tag(im.tags, tag))
                break;
            if (json_array_size(im.tags) >= VAULT_MAX_TAGS) {
                rc = vault_usage_error(&r, "at most %d tags", VAULT_MAX_TAGS);
                goto out;
            }
            json_array_append_new(im.tags, json_string(tag));
            break;
        case VAULT_OPT_DRY_RUN:
            im.dry_run = true;
            break;
        case VAULT_OPT_JSON:
            r.json = true;
            break;
        case 'h':
            rc = env->help(env->arg);
            goto out;
        default:
            rc = vault_bad_option(&r, c, argv);
            goto out;
        }
    }
    if (optind >= argc) {
        rc = vault_usage_error(&r, "missing DIR");
        goto out;
    }
    if (optind + 1 < argc) {
        rc = vault_usage_error(&r, "unexpected argument '%s'", argv[optind + 1]);
        goto out;
    }
    im.dir = argv[optind];
    im.rootfd = open(im.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (im.rootfd < 0) {
        vault_errorf(&r, "cannot open the folder %s: %s", im.dir, strerror(errno));
        rc = VAULT_EXIT_FAIL;
        goto out;
    }
    rc = vault_connect(&r);
    if (rc != VAULT_EXIT_OK)
        goto out;
    vault_walk(&im, im.rootfd, "", 0);
    if (im.nfiles > 0) {
        rc = vault_load_existing(&im);
        if (rc != VAULT_EXIT_OK)
            goto out;
    }
    for (i = 0; i < im.nfiles; i++) {
        vault_progress(&r, im.dry_run ? "checked" : "imported", i, im.nfiles);
        rc = vault_import_file(&im, im.files[i]);
        if (rc != VAULT_EXIT_OK)
            goto out;
    }
    vault_progress(&r, im.dry_run ? "checked" : "imported", im.nfiles, im.nfiles);
    vault_progress_clear(&r);
    fprintf(stderr, "%s %zu note%s from ", im.dry_run ? "would import" : "imported",
            json_array_size(im.notes), json_array_size(im.notes) == 1 ? "" : "s");
    text_sanitize_term(stderr, im.dir, TEXT_TERM_STRICT, NULL);
    fprintf(stderr, " (%zu Markdown file%s; %zu skipped", im.nfiles, im.nfiles == 1 ? "" : "s",
            json_array_size(im.skipped));
    if (im.known > 0)
        fprintf(stderr, ", %zu of them already in lore", im.known);
    fputs(")\n", stderr);
    if (r.json) {
        out = json_pack("{s:o,s:b,s:I,s:I,s:O,s:O,s:O}", "dir", vault_json_path(im.dir), "dry_run",
                        im.dry_run, "imported", (json_int_t)json_array_size(im.notes), "files",
                        (json_int_t)im.nfiles, "notes", im.notes, "skipped", im.skipped, "warnings",
                        im.warnings);
        json_dumpf(out, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(out);
    }
    if (im.refused > 0) {
        vault_errorf(&r, "the node refused %zu note%s (see above)", im.refused,
                     im.refused == 1 ? "" : "s");
        rc = VAULT_EXIT_FAIL;
    }
out:
    vault_progress_clear(&r);
    if (im.rootfd >= 0)
        close(im.rootfd);
    for (i = 0; i < im.nfiles; i++)
        free(im.files[i]);
    free(im.files);
    json_decref(im.tags);
    json_decref(im.skipped);
    json_decref(im.warnings);
    json_decref(im.pending);
    json_decref(im.notes);
    json_decref(im.existing);
    json_decref(im.status_resp);
    return rc;
}
