/* body: the text of a post from --body, --file, standard input or an editor (see body.h). */
#include "body.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "buf.h"
#include "cli.h"
#include "entry.h"
#include "out.h"
#include "xmalloc.h"

_Static_assert(BODY_MAX == ENTRY_MAX_SIZE, "BODY_MAX_KIB is ENTRY_MAX_SIZE in KiB");

/* Read all of fd into b (whose max is the limit). Returns 0, or -1 with errno set (EFBIG if the
 * limit was exceeded). */
int body_read_fd(int fd, struct buf *b)
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

/* Read the file at path (at most BODY_MAX bytes) into b. what names it in errors. */
static int body_read_file(const char *path, const char *what, struct buf *b)
{
    struct stat st;
    int fd = -1, rc = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        out_errorf("cannot read %s %s: %s", what, path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        out_errorf("cannot read %s %s: it is a directory", what, path);
        goto out;
    }
    if (body_read_fd(fd, b) != 0) {
        if (errno == EFBIG)
            out_errorf("%s %s is larger than %u KiB", what, path, BODY_MAX / 1024);
        else
            out_errorf("cannot read %s %s: %s", what, path, strerror(errno));
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
static int body_run_editor(const char *editor, const char *path)
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
        out_errorf("cannot start the editor: fork: %s", strerror(errno));
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
        out_errorf("waiting for the editor: %s", strerror(errno));
        goto out;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        rc = 0;
    } else if (WIFEXITED(status)) {
        out_errorf("editor '%s' failed (exit status %d); nothing posted", editor,
                   WEXITSTATUS(status));
    } else {
        out_errorf("editor '%s' was killed by signal %d; nothing posted", editor,
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
static int body_edit(struct buf *b, const char *initial)
{
    const char *editor = getenv("VISUAL"), *tmpdir = getenv("TMPDIR");
    char *path = NULL;
    int fd = -1, rc = -1;

    if (editor == NULL || editor[0] == '\0')
        editor = getenv("EDITOR");
    if (editor == NULL || editor[0] == '\0') {
        out_errorf("no editor: set $VISUAL or $EDITOR, or use --body TEXT, --file F or - (stdin)");
        goto out;
    }
    if (tmpdir == NULL || tmpdir[0] == '\0')
        tmpdir = "/tmp";
    path = xasprintf("%s/lore-XXXXXX.md", tmpdir);
    fd = mkstemps(path, 3); /* creates the file 0600 */
    if (fd < 0) {
        out_errorf("cannot create a temporary file in %s: %s", tmpdir, strerror(errno));
        free(path);
        path = NULL;
        goto out;
    }
    if (initial != NULL && write(fd, initial, strlen(initial)) != (ssize_t)strlen(initial)) {
        out_errorf("cannot write the temporary file %s: %s", path, strerror(errno));
        close(fd);
        goto out;
    }
    close(fd);
    if (body_run_editor(editor, path) != 0)
        goto out;
    if (body_read_file(path, "edited file", b) != 0)
        goto out;
    rc = 0;
out:
    if (path != NULL) {
        unlink(path);
        free(path);
    }
    return rc;
}

static void body_trim(struct buf *b)
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
int body_get(const char *cmd, const struct body_opts *o, bool required, json_t **out)
{
    struct buf b;
    bool edited = false;
    int rc = LORE_EXIT_FAIL;

    *out = NULL;
    buf_init(&b, BODY_MAX);
    if (o->text != NULL) {
        if (buf_append_str(&b, o->text) != 0) {
            out_errorf("--body is larger than %u KiB", BODY_MAX / 1024);
            goto out;
        }
    } else if (o->file != NULL) {
        if (body_read_file(o->file, "file", &b) != 0)
            goto out;
        body_trim(&b);
    } else if (o->from_stdin) {
        if (body_read_fd(STDIN_FILENO, &b) != 0) {
            if (errno == EFBIG)
                out_errorf("the body on stdin is larger than %u KiB", BODY_MAX / 1024);
            else
                out_errorf("cannot read stdin: %s", strerror(errno));
            goto out;
        }
        body_trim(&b);
    } else if (o->edit || (required && isatty(STDIN_FILENO))) {
        if (body_edit(&b, o->initial) != 0)
            goto out;
        body_trim(&b);
        edited = true;
    } else if (required) {
        /* The editor opens only on a terminal: $EDITOR would not help here, so say the cause. */
        out_errorf("%s needs a body, and stdin is not a terminal, so no editor was opened: use "
                   "--body TEXT, --file F, or - to read the body from stdin",
                   cmd);
        goto out;
    }
    if (edited) {
        size_t i;
        bool blank = true;

        for (i = 0; i < b.len && blank; i++)
            if (b.data[i] != ' ' && b.data[i] != '\n' && b.data[i] != '\t' && b.data[i] != '\r')
                blank = false;
        if (blank) {
            out_errorf("aborted: empty body");
            goto out;
        }
    } else if (required && b.len == 0) {
        out_errorf("%s needs a body, and the one given is empty", cmd);
        goto out;
    }
    *out = args_user_string(b.data != NULL ? (const char *)b.data : "", b.len);
    if (*out == NULL) {
        out_errorf("the body is not UTF-8 text");
        goto out;
    }
    rc = LORE_EXIT_OK;
out:
    buf_free(&b);
    return rc;
}
