/* vault_export: lore export (see vault_export.h). */
#include "vault_export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "buf.h"
#include "call.h"
#include "cli.h"
#include "out.h"
#include "text.h"
#include "vault.h"
#include "vault_md.h"
#include "xmalloc.h"

#define VAULT_INDEX "lore-export.json"    /* written by export; marks a folder as an export */
#define VAULT_DOC_MAX (64u * 1024 * 1024) /* one exported Markdown file */
#define VAULT_SLUG_MAX 60                 /* bytes of title in a file name */
#define VAULT_REPLY_DEPTH 16              /* nesting of comments on comments in one file */

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

/* The first reference of an entry, if it is an id. */
static const char *vault_ref0(json_t *e)
{
    const char *ref = json_string_value(json_array_get(json_object_get(e, "refs"), 0));

    return vault_md_is_id(ref) ? ref : NULL;
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
        if (buf_printf(b, "%.8s…", out_jstr(e, "author")) != 0)
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
    const char *body = out_jstr(e, "body");
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
            kind = out_jstr(e, "kind");
            id = out_jstr(e, "id");
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

/* The length of the valid UTF-8 sequence at s (2 to 4 bytes, shortest form, no surrogates) and
 * its code point in *cp; 0 if s does not start one. */
static size_t vault_utf8_seq(const unsigned char *s, uint32_t *cp)
{
    size_t len, i;
    uint32_t c;

    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        c = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        c = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        c = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0; /* also stops at the NUL */
        c = (c << 6) | (s[i] & 0x3fu);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

/* Whether the code point (U+0080 and above) counts as a word character of a file name: letters,
 * digits and marks do; C1 controls, Latin-1 signs, the general punctuation block (dashes, spaces,
 * bidi and zero-width controls), symbols, arrows, private use, specials and emoji do not. */
static bool vault_slug_keeps(uint32_t c)
{
    return !(c <= 0xbf || c == 0xd7 || c == 0xf7 || (c >= 0x2000 && c <= 0x2bff) ||
             (c >= 0x3000 && c <= 0x303f) || (c >= 0xe000 && c <= 0xf8ff) ||
             (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xfe30 && c <= 0xfe4f) || c == 0xfeff ||
             (c >= 0xfff0 && c <= 0xffff) || (c >= 0x1f000 && c <= 0x1faff) || c >= 0xe0000);
}

void vault_export_slug(const char *text, char *out, size_t n)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t k = 0, len, max = n - 1 < VAULT_SLUG_MAX ? n - 1 : VAULT_SLUG_MAX;
    bool dash = false;
    uint32_t cp;

    while (*p != '\0') {
        unsigned char c = *p;
        len = 1;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c >= 0x80) {
            len = vault_utf8_seq(p, &cp);
            if (len == 0 || !vault_slug_keeps(cp)) {
                dash = true;
                p += len != 0 ? len : 1;
                continue;
            }
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            if (c == '\n' && k > 0)
                break; /* untitled entries: the first line of the body */
            dash = true;
            p++;
            continue;
        }
        /* A word character (len bytes): whole, after a '-' if a run of others came first. */
        if (k + (dash && k > 0) + len > max)
            break; /* cut on a character boundary */
        if (dash && k > 0)
            out[k++] = '-';
        dash = false;
        if (len == 1)
            out[k] = (char)c;
        else
            memcpy(out + k, p, len);
        k += len;
        p += len;
    }
    out[k] = '\0';
}

/* A file name for e not yet in names: slug-<first 8 hex of the id>.md (longer on a clash). */
static char *vault_file_name(json_t *e, json_t *names)
{
    char slug[VAULT_SLUG_MAX + 1];
    const char *id = out_jstr(e, "id"), *title = out_jstr(e, "title");
    char *name = NULL;
    int len;

    vault_export_slug(title[0] != '\0' ? title : out_jstr(e, "body"), slug, sizeof(slug));
    if (slug[0] == '\0')
        snprintf(slug, sizeof(slug), "%s", out_jstr(e, "kind")[0] ? out_jstr(e, "kind") : "entry");
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
    return strcmp(out_jstr(x, "id"), out_jstr(y, "id"));
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
    const char *kind = out_jstr(e, "kind"), *id = out_jstr(e, "id");
    json_t *kids = json_object_get(x->children, id);
    int rc = -1;

    buf_init(&b, VAULT_DOC_MAX);
    json_object_set_new(x->placed, id, json_true());
    x->accepted = json_string_value(json_object_get(e, "accepted"));
    if (vault_front_matter(&b, e) != 0 || vault_put_body(&b, e) != 0)
        goto toobig;
    /* A note's comments are marked off, so that importing the file gives back the note alone. */
    if (strcmp(kind, "note") == 0 && json_array_size(kids) > 0 &&
        buf_append_str(&b, "\n" VAULT_MD_COMMENTS_MARK "\n") != 0)
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

/* x->children: every answer and comment under the id it refers to, in the order of sorted. */
static void vault_index_children(struct vault_export *x, json_t *sorted)
{
    const char *ref, *kind;
    json_t *e;
    size_t i;

    json_array_foreach(sorted, i, e)
    {
        kind = out_jstr(e, "kind");
        ref = vault_ref0(e);
        if ((strcmp(kind, "answer") == 0 || strcmp(kind, "comment") == 0) && ref != NULL) {
            if (json_object_get(x->children, ref) == NULL)
                json_object_set_new(x->children, ref, json_array());
            json_array_append(json_object_get(x->children, ref), e);
        }
    }
}

/* What the export did: a line on stderr, and with --json the summary on stdout. */
static void vault_export_summary(struct vault_run *r, const char *dir, size_t files, size_t total)
{
    json_t *out;

    vault_progress_clear(r);
    fprintf(stderr, "exported %zu entries to %zu Markdown files and %s in ", total, files,
            VAULT_INDEX);
    text_sanitize_term(stderr, dir, TEXT_TERM_STRICT, NULL);
    fputc('\n', stderr);
    if (r->json) {
        out = json_pack("{s:o,s:I,s:I}", "dir", vault_json_path(dir), "files", (json_int_t)files,
                        "entries", (json_int_t)total);
        json_dumpf(out, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(out);
    }
}

int vault_export_main(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    static const char *const kinds[] = {"question", "answer", "note", "comment"};
    struct vault_run r = {.l = l, .tty = isatty(STDERR_FILENO) == 1};
    struct vault_export x = {.run = &r};
    json_t *all = NULL, *seen = NULL, *sorted = NULL, *names = NULL, *e;
    const char *dir, *kind;
    size_t i, fetched = 0, files = 0, done = 0, total;
    int c, dirfd = -1, rc = LORE_EXIT_OK;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case ARGS_OPT_JSON:
            r.json = true;
            break;
        case 'h':
            return call_help(l);
        default:
            return args_bad_option(l->cmd, c, argv);
        }
    }
    rc = args_one(l->cmd, argc, argv, "DIR", &dir);
    if (rc != LORE_EXIT_OK)
        return rc;
    if (dir[0] == '\0')
        return args_usage_error(l->cmd, "DIR is empty");

    rc = vault_connect(&r); /* before touching DIR: no node, nothing created */
    if (rc != LORE_EXIT_OK)
        goto out;
    dirfd = vault_export_dir(&r, dir);
    if (dirfd < 0) {
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    all = json_array();
    seen = json_object();
    x.children = json_object();
    x.placed = json_object();
    names = json_object();
    json_object_set_new(names, VAULT_INDEX, json_true());
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        rc = vault_fetch_kind(&r, kinds[i], 0, all, seen, &fetched);
        if (rc != LORE_EXIT_OK)
            goto out;
    }
    vault_progress_clear(&r);
    sorted = vault_sorted(all);
    total = json_array_size(sorted);
    if (vault_write_index(&r, dirfd, dir, sorted) != 0) {
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    vault_index_children(&x, sorted);
    /* Questions and notes first, each with its replies; then whatever reply was left over. */
    json_array_foreach(sorted, i, e)
    {
        kind = out_jstr(e, "kind");
        if (strcmp(kind, "question") != 0 && strcmp(kind, "note") != 0)
            continue;
        if (vault_write_doc(&x, dirfd, dir, e, names) != 0) {
            rc = LORE_EXIT_FAIL;
            goto out;
        }
        files++;
        done = json_object_size(x.placed);
        vault_progress(&r, "exported", done, total);
    }
    json_array_foreach(sorted, i, e)
    {
        if (json_object_get(x.placed, out_jstr(e, "id")) != NULL)
            continue;
        if (vault_write_doc(&x, dirfd, dir, e, names) != 0) {
            rc = LORE_EXIT_FAIL;
            goto out;
        }
        files++;
        done = json_object_size(x.placed);
        vault_progress(&r, "exported", done, total);
    }
    vault_export_summary(&r, dir, files, total);
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
