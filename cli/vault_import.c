/* vault_import: lore import (see vault_import.h). */
#include "vault_import.h"

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
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "body.h"
#include "buf.h"
#include "call.h"
#include "cli.h"
#include "client.h"
#include "entry.h"
#include "errmsg.h"
#include "out.h"
#include "text.h"
#include "vault.h"
#include "vault_md.h"
#include "xmalloc.h"

#define VAULT_MAX_DEPTH 32      /* folders deeper than this are not walked */
#define VAULT_MAX_FILES 1000000 /* Markdown files considered in one import */
/* Bytes of an encoded note besides title, body and tags (docs/PROTOCOL.md): version 1, kind 2,
 * author, creation time 8, counts of refs, tags and attrs 3, title length 2, body length 4,
 * signature. */
#define VAULT_ENTRY_OVERHEAD (1 + 2 + ENTRY_KEY_LEN + 8 + 3 + 2 + 4 + ENTRY_SIG_LEN)
/* Notes sent in one post_batch call: at most this many, and about this many bytes of text (the
 * node takes 1,000 and 4 MiB of entries; a request is at most 4 MiB of JSON, where a quote or a
 * newline takes two bytes). */
#define VAULT_BATCH 500
#define VAULT_BATCH_BYTES (1u << 20)

enum {
    VAULT_OPT_DRY_RUN = ARGS_OPT_JSON + 1,
};

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
    json_t *existing; /* title -> [{"id", "body", "author", "author_name"}]: the replica's notes
                       * with the titles looked up so far, and those posted (or, dry, to be) */
    json_t *seen;     /* id -> true: the notes in existing (a lookup's answer adds each once) */
    json_t *looked;   /* title -> true: the titles the node was asked about */
    bool deferring;   /* vault_prepare: skips are kept in skipped, said by vault_import_batch */
    const char *me;   /* our public key, from status (owned by status_resp) */
    json_t *status_resp;
    json_t *batch;  /* posts waiting for the next post_batch */
    json_t *queued; /* for each: {"note", "warnings", "index"} (index: its duplicate-check row) */
    json_t *flight; /* the queued notes of the post_batch sent and not yet answered, or NULL */
    size_t batch_bytes;
    size_t refused; /* posts the node refused */
    size_t known;   /* files skipped as already in lore */
};

/* A file read and parsed (vault_prepare), waiting for its batch's duplicate check. */
struct vault_file {
    const char *rel; /* borrowed from im->files */
    struct vault_md_doc doc;
    char *body;       /* doc's body (doc.body points here); NULL: the file is skipped */
    json_t *skipped;  /* why it is skipped: [{"path", "reason"}], said in file order */
    json_t *warnings; /* [{"path", "warning"}], said if it is imported */
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

/* Say "lore: WHAT PATH: MSG" of o, {"path", ...}. */
static void vault_say(struct vault_import *im, const char *what, json_t *o, const char *msg)
{
    vault_progress_clear(im->run);
    fprintf(stderr, "lore: %s ", what);
    text_sanitize_term(stderr, json_string_value(json_object_get(o, "path")), TEXT_TERM_STRICT,
                       NULL);
    fputs(": ", stderr);
    text_sanitize_term(stderr, msg, TEXT_TERM_STRICT, NULL);
    fputc('\n', stderr);
}

/* Add {"path", field: message} to list, and unless what is NULL say "lore: WHAT PATH: MESSAGE"
 * (while deferring, vault_import_batch says it in file order). */
static void vault_note_message(struct vault_import *im, json_t *list, const char *field,
                               const char *what, const char *path, const char *fmt, va_list ap)
{
    char msg[512];
    json_t *o;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    o = json_object();
    json_object_set_new(o, "path", vault_md_json_lossy(path, strlen(path)));
    json_object_set_new(o, field, vault_md_json_lossy(msg, strlen(msg)));
    json_array_append_new(list, o);
    if (what != NULL && !im->deferring)
        vault_say(im, what, o, msg);
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
        text_sanitize_term(stderr, out_jstr(w, "path"), TEXT_TERM_STRICT, NULL);
        fputs(": ", stderr);
        text_sanitize_term(stderr, out_jstr(w, "warning"), TEXT_TERM_STRICT, NULL);
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

/* Remember a note of the replica (or one about to be posted) by title, for the duplicate check.
 * Returns its row (borrowed from im->existing), or NULL. */
static json_t *vault_index_note(struct vault_import *im, json_t *e)
{
    const char *title = json_string_value(json_object_get(e, "title"));
    json_t *arr, *o;

    if (title == NULL || !json_is_string(json_object_get(e, "body")))
        return NULL;
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
    return o;
}

/* Our key, which tells our notes from others' in the duplicate check. Returns an exit status. */
static int vault_load_me(struct vault_import *im)
{
    int rc;

    rc = vault_call(im->run, json_pack("{s:s}", "op", "status"), &im->status_resp);
    if (rc != LORE_EXIT_OK)
        return rc;
    im->me = json_string_value(json_object_get(im->status_resp, "public_key"));
    if (!vault_md_is_id(im->me)) {
        vault_errorf(im->run, "the node did not say its public key");
        return LORE_EXIT_FAIL;
    }
    return LORE_EXIT_OK;
}

/* The replica's notes whose current title is one of titles (not yet asked about), into
 * im->existing: list by titles, a page at a time, each note once. Returns an exit status. */
static int vault_lookup(struct vault_import *im, json_t *titles)
{
    json_t *resp = NULL, *entries, *e;
    size_t i, n, offset = 0;
    const char *id;
    int rc = LORE_EXIT_OK;

    if (json_array_size(titles) == 0)
        return rc;
    for (;;) {
        rc = vault_call(im->run,
                        json_pack("{s:s,s:s,s:b,s:O,s:i,s:I}", "op", "list", "kind", "note",
                                  "brief", 1, "titles", titles, "limit", VAULT_BATCH, "offset",
                                  (json_int_t)offset),
                        &resp);
        if (rc != LORE_EXIT_OK)
            goto out;
        entries = json_object_get(resp, "entries");
        if (!json_is_array(entries)) {
            vault_errorf(im->run, "the node's list answer has no entries");
            rc = LORE_EXIT_FAIL;
            goto out;
        }
        n = json_array_size(entries);
        json_array_foreach(entries, i, e)
        {
            id = json_string_value(json_object_get(e, "id"));
            if (!json_is_object(e) || !vault_md_is_id(id) || json_object_get(im->seen, id) != NULL)
                continue;
            json_object_set_new(im->seen, id, json_true());
            (void)vault_index_note(im, e);
        }
        json_decref(resp);
        resp = NULL;
        if (n < VAULT_BATCH)
            break;
        offset += n;
    }
out:
    json_decref(resp);
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

/* Read the file rel (at most ENTRY_MAX_SIZE bytes) into b. Returns 0, or -1 having recorded why
 * it is skipped. */
static int vault_read(struct vault_import *im, const char *rel, struct buf *b)
{
    struct stat st;
    int fd, rc = -1;

    fd = vault_open_rel(im->rootfd, rel);
    if (fd < 0) {
        vault_skip(im, rel, "cannot read it: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && st.st_size > (off_t)ENTRY_MAX_SIZE) {
        vault_skip(im, rel, "%lld bytes: larger than lore's limit of %u KiB for one entry",
                   (long long)st.st_size, ENTRY_MAX_SIZE / 1024);
        goto out;
    }
    if (body_read_fd(fd, b) != 0) {
        if (errno == EFBIG)
            vault_skip(im, rel, "larger than lore's limit of %u KiB for one entry",
                       ENTRY_MAX_SIZE / 1024);
        else
            vault_skip(im, rel, "cannot read it: %s", strerror(errno));
        goto out;
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

/* Take the answer to the post_batch in flight, if any: each of its notes is imported or skipped
 * as the node answers, and its warnings said if it was imported. Returns an exit status: only a
 * broken connection to the node fails; a refusal (of one, or of all: a clock or storage error) is
 * a skip. */
static int vault_settle(struct vault_import *im)
{
    char err[ERRMSG_MAX];
    json_t *resp, *results, *q, *r, *note, *row, *current = im->pending;
    bool ok, imported;
    size_t i;

    if (im->flight == NULL)
        return LORE_EXIT_OK;
    resp = client_receive(im->run->client, err, sizeof(err));
    if (resp == NULL) {
        vault_errorf(im->run, "%s", err);
        json_decref(im->flight);
        im->flight = NULL;
        return LORE_EXIT_FAIL;
    }
    ok = json_is_true(json_object_get(resp, "ok"));
    im->pending = json_array(); /* the file being looked at keeps its warnings */
    results = json_object_get(resp, "results");
    json_array_foreach(im->flight, i, q)
    {
        r = ok ? json_array_get(results, i) : resp;
        imported =
            json_is_true(json_object_get(r, "ok")) && json_is_string(json_object_get(r, "id"));
        note = json_object_get(q, "note");
        row = json_object_get(q, "index");
        if (imported) {
            json_object_set(note, "id", json_object_get(r, "id"));
            json_array_append(im->notes, note);
            json_object_set(row, "id", json_object_get(r, "id"));
            json_object_set_new(im->seen, out_jstr(r, "id"), json_true());
        } else {
            vault_skip(im, out_jstr(note, "path"), "the node refused it: %s",
                       r != NULL ? out_jstr(r, "error") : "no answer for it");
            im->refused++;
            json_object_set_new(row, "body", json_null()); /* no duplicate of anything */
        }
        json_array_extend(im->pending, json_object_get(q, "warnings"));
        vault_warnings_done(im, imported);
    }
    json_decref(im->flight);
    im->flight = NULL;
    json_decref(im->pending);
    im->pending = current;
    json_decref(resp);
    return LORE_EXIT_OK;
}

/* Send the queued notes in one post_batch, after taking the answer to the one before: the node
 * stores this batch while the next files are read and parsed (one batch in flight). Returns an
 * exit status, as vault_settle. */
static int vault_flush(struct vault_import *im)
{
    char err[ERRMSG_MAX];
    json_t *req;
    int rc = vault_settle(im);

    if (rc != LORE_EXIT_OK || json_array_size(im->batch) == 0)
        goto out;
    req = json_pack("{s:s,s:O}", "op", "post_batch", "entries", im->batch);
    if (req == NULL || client_send(im->run->client, req, err, sizeof(err)) != 0) {
        vault_errorf(im->run, "%s", req == NULL ? "out of memory" : err);
        json_decref(req);
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    json_decref(req);
    im->flight = im->queued;
    im->queued = json_array();
out:
    json_array_clear(im->batch);
    json_array_clear(im->queued);
    im->batch_bytes = 0;
    return rc;
}

/* Post the parsed file rel as a note (or, dry, say that it would be), and remember it for the
 * duplicate check. Notes are posted in batches (vault_flush): *imported says whether it is done
 * now (dry), its warnings then wait with it. Returns an exit status: only a broken connection to
 * the node fails; a refusal is a skip. */
static int vault_post_note(struct vault_import *im, const char *rel, struct vault_md_doc *doc,
                           const char *body, bool *imported)
{
    json_t *note, *req, *row, *tag;
    size_t i;
    int rc = LORE_EXIT_OK;

    note = json_pack("{s:o,s:s,s:O}", "path", vault_md_json_lossy(rel, strlen(rel)), "title",
                     doc->title, "tags", doc->tags);
    req = json_pack("{s:n,s:s,s:s%,s:s}", "id", "title", doc->title, "body", body, doc->body_len,
                    "author", im->me);
    row = vault_index_note(im, req);
    json_decref(req);
    if (im->dry_run) {
        json_object_set_new(note, "id", json_null());
        if (!im->run->json) {
            vault_progress_clear(im->run);
            fputs("would import ", stdout);
            text_sanitize_term(stdout, rel, TEXT_TERM_STRICT, NULL);
            fputs(": ", stdout);
            text_sanitize_term(stdout, doc->title, TEXT_TERM_STRICT, NULL);
            json_array_foreach(doc->tags, i, tag) printf(" #%s", json_string_value(tag));
            fputc('\n', stdout);
        }
        json_array_append_new(im->notes, note);
        *imported = true;
        return rc;
    }
    req = json_pack("{s:s,s:s,s:s%,s:O}", "kind", "note", "title", doc->title, "body", body,
                    doc->body_len, "tags", doc->tags);
    if (req != NULL && doc->created_ms != 0)
        json_object_set_new(req, "created_ms", json_integer((json_int_t)doc->created_ms));
    json_array_append_new(im->batch, req);
    im->batch_bytes += strlen(doc->title) + doc->body_len;
    json_array_append_new(im->queued, json_pack("{s:o,s:o,s:O}", "note", note, "warnings",
                                                json_copy(im->pending), "index",
                                                row != NULL ? row : json_null()));
    json_array_clear(im->pending);
    if (json_array_size(im->batch) >= VAULT_BATCH || im->batch_bytes >= VAULT_BATCH_BYTES)
        rc = vault_flush(im);
    return rc;
}

/* Read and parse the file f->rel and check it against lore's limits: f->body is then its body,
 * or NULL if it is skipped (why, in f->skipped; its warnings in f->warnings). Nothing is said
 * yet: vault_import_batch says it in file order. */
static void vault_prepare(struct vault_import *im, struct vault_file *f)
{
    struct vault_md_doc *doc = &f->doc;
    json_t *skipped = im->skipped, *pending = im->pending, *tag;
    struct buf b;
    size_t size, i;

    f->skipped = json_array();
    f->warnings = json_array();
    im->skipped = f->skipped;
    im->pending = f->warnings;
    im->deferring = true;
    buf_init(&b, ENTRY_MAX_SIZE);
    vault_md_init(doc, im->tags);
    if (vault_read(im, f->rel, &b) != 0)
        goto out;
    if (b.len == 0) {
        vault_skip(im, f->rel, "empty file");
        goto out;
    }
    switch (vault_md_parse(doc, (const char *)b.data, b.len)) {
    case VAULT_MD_NOT_TEXT:
        vault_skip(im, f->rel, "not UTF-8 text, or holds control characters");
        goto out;
    case VAULT_MD_NO_BODY:
        vault_skip(im, f->rel, "no text besides the front matter (a note needs a body)");
        goto out;
    case VAULT_MD_OK:
        break;
    }
    if (doc->title == NULL) {
        doc->title = vault_name_title(f->rel);
        if (!text_valid((const uint8_t *)doc->title, strlen(doc->title), 0)) {
            vault_skip(im, f->rel, "no title in the file, and its name is not UTF-8 text");
            goto out;
        }
    }
    if (strlen(doc->title) > ENTRY_TITLE_MAX) {
        vault_skip(im, f->rel, "the title is longer than lore's limit of %d bytes",
                   ENTRY_TITLE_MAX);
        goto out;
    }
    if (doc->created_ms > (uint64_t)time(NULL) * 1000) {
        doc->created_ms = 0;
        vault_warn(im, f->rel, "the front matter's date is in the future: the note is dated now");
    }
    json_array_foreach(doc->warnings, i, tag) vault_warn(im, f->rel, "%s", json_string_value(tag));
    if (doc->dropped > 0)
        vault_warn(im, f->rel, "lore takes at most %d tags: %zu dropped, from '%s' on",
                   ENTRY_MAX_TAGS, doc->dropped, doc->first_dropped);
    size = VAULT_ENTRY_OVERHEAD + strlen(doc->title) + doc->body_len;
    json_array_foreach(doc->tags, i, tag) size += 1 + json_string_length(tag);
    if (size > ENTRY_MAX_SIZE) {
        vault_skip(im, f->rel,
                   "too large for one lore entry: %zu bytes with title and tags, the limit "
                   "is %u",
                   size, ENTRY_MAX_SIZE);
        goto out;
    }
    f->body = xstrndup(doc->body, doc->body_len);
    doc->body = f->body; /* the text read goes now */
out:
    im->deferring = false;
    im->skipped = skipped;
    im->pending = pending;
    buf_free(&b);
}

/* Check the prepared file f against the replica (its batch's titles were looked up) and post it
 * (or, dry, say that it would be). Returns an exit status: only a broken connection to the node
 * stops the import; everything else is a skip. */
static int vault_check_post(struct vault_import *im, struct vault_file *f, bool *imported)
{
    struct vault_md_doc *doc = &f->doc;
    const char *rel = f->rel;
    json_t *same, *resp = NULL;
    bool ok;
    int rc = LORE_EXIT_OK;

    if (doc->export_id != NULL) {
        rc = vault_settle(im); /* its answer comes first on the connection */
        if (rc != LORE_EXIT_OK)
            goto out;
        rc = vault_exchange(im->run, json_pack("{s:s,s:s}", "op", "get", "id", doc->export_id),
                            &resp, &ok);
        if (rc != LORE_EXIT_OK)
            goto out;
        if (ok) {
            vault_skip_known(im, rel, "already in lore: it is the export of entry %.12s",
                             doc->export_id);
            goto out;
        }
    }
    same = vault_find_same(im, doc->title, f->body, doc->body_len);
    if (same != NULL && json_is_null(json_object_get(same, "id")) && !im->dry_run) {
        /* The same as a note still queued: send the queue, to say whether that one is in. */
        rc = vault_flush(im);
        if (rc == LORE_EXIT_OK)
            rc = vault_settle(im);
        if (rc != LORE_EXIT_OK)
            goto out;
        same = vault_find_same(im, doc->title, f->body, doc->body_len);
    }
    if (same != NULL) {
        if (strcmp(json_string_value(json_object_get(same, "author")) != NULL
                       ? json_string_value(json_object_get(same, "author"))
                       : "",
                   im->me) == 0)
            vault_skip_known(im, rel, "already imported: note %.12s has the same title and body",
                             out_jstr(same, "id"));
        else
            vault_skip_known(
                im, rel, "already in lore: note %.12s by %s has the same title and body",
                out_jstr(same, "id"),
                json_is_string(json_object_get(same, "author_name")) ? out_jstr(same, "author_name")
                                                                     : "someone else");
        goto out;
    }
    rc = vault_post_note(im, rel, doc, f->body, imported);
out:
    json_decref(resp);
    return rc;
}

/* Import the files from *next on, a batch of them: read and parse as many as one post_batch
 * takes (VAULT_BATCH, about VAULT_BATCH_BYTES of text) — while the node stores the batch before —
 * then take that batch's answer, ask the node for the notes with the new titles among them, and
 * check and post each file in order. Skips and warnings are said in file order. *next moves past
 * the batch. Returns an exit status, as vault_check_post. */
static int vault_import_batch(struct vault_import *im, size_t *next)
{
    struct vault_file *fs = xcalloc(VAULT_BATCH, sizeof(*fs));
    json_t *titles = json_array(), *o;
    size_t n = 0, bytes = 0, i, k;
    bool imported;
    int rc = LORE_EXIT_OK;

    while (*next + n < im->nfiles && n < VAULT_BATCH && bytes < VAULT_BATCH_BYTES) {
        fs[n].rel = im->files[*next + n];
        vault_prepare(im, &fs[n]);
        if (fs[n].body != NULL) {
            bytes += strlen(fs[n].doc.title) + fs[n].doc.body_len;
            /* No note has an empty title: never asked (the node would refuse the lookup). */
            if (fs[n].doc.title[0] != '\0' &&
                json_object_get(im->looked, fs[n].doc.title) == NULL) {
                json_object_set_new(im->looked, fs[n].doc.title, json_true());
                json_array_append_new(titles, json_string(fs[n].doc.title));
            }
        }
        n++;
    }
    /* The batch before is stored (or refused) first: its notes are then in the index. */
    rc = vault_settle(im);
    if (rc == LORE_EXIT_OK)
        rc = vault_lookup(im, titles);
    for (i = 0; i < n && rc == LORE_EXIT_OK; i++) {
        vault_progress(im->run, im->dry_run ? "checked" : "imported", *next + i, im->nfiles);
        json_array_foreach(fs[i].skipped, k, o)
        {
            json_array_append(im->skipped, o);
            vault_say(im, "skipped", o, out_jstr(o, "reason"));
        }
        imported = false;
        json_array_extend(im->pending, fs[i].warnings);
        if (fs[i].body != NULL)
            rc = vault_check_post(im, &fs[i], &imported);
        vault_warnings_done(im, imported);
    }
    if (rc == LORE_EXIT_OK)
        rc = vault_flush(im); /* settled by the next batch, or at the end */
    for (i = 0; i < n; i++) {
        vault_md_free(&fs[i].doc);
        free(fs[i].body);
        json_decref(fs[i].skipped);
        json_decref(fs[i].warnings);
    }
    free(fs);
    json_decref(titles);
    *next += n;
    return rc;
}

/* What the import did: a line on stderr, and with --json the summary on stdout. */
static void vault_import_summary(struct vault_import *im)
{
    json_t *out;

    vault_progress_clear(im->run);
    fprintf(stderr, "%s %zu note%s from ", im->dry_run ? "would import" : "imported",
            json_array_size(im->notes), json_array_size(im->notes) == 1 ? "" : "s");
    text_sanitize_term(stderr, im->dir, TEXT_TERM_STRICT, NULL);
    fprintf(stderr, " (%zu Markdown file%s; %zu skipped", im->nfiles, im->nfiles == 1 ? "" : "s",
            json_array_size(im->skipped));
    if (im->known > 0)
        fprintf(stderr, ", %zu of them already in lore", im->known);
    fputs(")\n", stderr);
    if (im->run->json) {
        out = json_pack("{s:o,s:b,s:I,s:I,s:O,s:O,s:O}", "dir", vault_json_path(im->dir), "dry_run",
                        im->dry_run, "imported", (json_int_t)json_array_size(im->notes), "files",
                        (json_int_t)im->nfiles, "notes", im->notes, "skipped", im->skipped,
                        "warnings", im->warnings);
        json_dumpf(out, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(out);
    }
}

int vault_import_main(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"tag", required_argument, NULL, 't'},
                                         {"dry-run", no_argument, NULL, VAULT_OPT_DRY_RUN},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct vault_run r = {.l = l, .tty = isatty(STDERR_FILENO) == 1};
    struct vault_import im = {.run = &r, .rootfd = -1};
    char tag[ENTRY_TAG_MAX + 1];
    size_t i;
    int c, rc = LORE_EXIT_OK;

    im.tags = json_array();
    im.skipped = json_array();
    im.warnings = json_array();
    im.pending = json_array();
    im.notes = json_array();
    im.existing = json_object();
    im.seen = json_object();
    im.looked = json_object();
    im.batch = json_array();
    im.queued = json_array();
    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":t:h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 't':
            if (vault_md_tag_normalise(optarg, strlen(optarg), tag) != 0) {
                rc = args_usage_error(
                    l->cmd, "'%s' is not a valid tag: use " TEXT_TAG_RULE " (at most %d bytes)",
                    optarg, ENTRY_TAG_MAX);
                goto out;
            }
            if (vault_md_has_tag(im.tags, tag))
                break;
            if (json_array_size(im.tags) >= ENTRY_MAX_TAGS) {
                rc = args_usage_error(l->cmd, "at most %d tags", ENTRY_MAX_TAGS);
                goto out;
            }
            json_array_append_new(im.tags, json_string(tag));
            break;
        case VAULT_OPT_DRY_RUN:
            im.dry_run = true;
            break;
        case ARGS_OPT_JSON:
            r.json = true;
            break;
        case 'h':
            rc = call_help(l);
            goto out;
        default:
            rc = args_bad_option(l->cmd, c, argv);
            goto out;
        }
    }
    rc = args_one(l->cmd, argc, argv, "DIR", &im.dir);
    if (rc != LORE_EXIT_OK)
        goto out;
    im.rootfd = open(im.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (im.rootfd < 0) {
        vault_errorf(&r, "cannot open the folder %s: %s", im.dir, strerror(errno));
        rc = LORE_EXIT_FAIL;
        goto out;
    }
    rc = vault_connect(&r);
    if (rc != LORE_EXIT_OK)
        goto out;
    vault_walk(&im, im.rootfd, "", 0);
    if (im.nfiles > 0) {
        rc = vault_load_me(&im);
        if (rc != LORE_EXIT_OK)
            goto out;
    }
    i = 0;
    while (i < im.nfiles) {
        rc = vault_import_batch(&im, &i);
        if (rc != LORE_EXIT_OK)
            goto out;
    }
    rc = vault_flush(&im);
    if (rc == LORE_EXIT_OK)
        rc = vault_settle(&im);
    if (rc != LORE_EXIT_OK)
        goto out;
    vault_progress(&r, im.dry_run ? "checked" : "imported", im.nfiles, im.nfiles);
    vault_import_summary(&im);
    if (im.refused > 0) {
        vault_errorf(&r, "the node refused %zu note%s (see above)", im.refused,
                     im.refused == 1 ? "" : "s");
        rc = LORE_EXIT_FAIL;
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
    json_decref(im.seen);
    json_decref(im.looked);
    json_decref(im.batch);
    json_decref(im.queued);
    json_decref(im.flight);
    json_decref(im.status_resp);
    return rc;
}
