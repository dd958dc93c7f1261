/* struct ucred */
#define _GNU_SOURCE

#include "client.h"

#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "errmsg.h"
#include "xmalloc.h"

#define CLIENT_READ_CHUNK (64u * 1024)

struct client {
    int fd;
    int timeout_ms;  /* for client_call; -1 = forever */
    struct buf in;   /* bytes received and not yet consumed */
    size_t scanned;  /* leading bytes of in known to hold no newline */
    json_t *pending; /* array of event objects received while waiting for a response */
    int broken;      /* a read or write failed: refuse further use */
};

/* "uid N (name)", or "uid N" for a uid with no name, into out. */
static void client_describe_uid(uid_t uid, char *out, size_t outlen)
{
    struct passwd *pw = getpwuid(uid);

    if (pw != NULL && pw->pw_name != NULL)
        snprintf(out, outlen, "uid %lu (%s)", (unsigned long)uid, pw->pw_name);
    else
        snprintf(out, outlen, "uid %lu", (unsigned long)uid);
}

/* What to do about a socket path that is not safely ours. */
#define CLIENT_ADVICE                                                                              \
    "another user may be posing as your node; nothing was sent. Have that directory removed (by "  \
    "its owner or root), or set XDG_RUNTIME_DIR (or LORE_HOME, or --home) to a private directory " \
    "of yours"

/* Before connecting: the socket's directory must be a directory of ours that nobody else may enter
 * or write (as lored makes it), and the socket in it ours. Only then can nobody else have put
 * the socket there. Returns 0, 1 if either is missing (no node), or -1 with a message in err. */
static int client_check_path(const char *socket_path, char *err, size_t errlen)
{
    const char *slash = strrchr(socket_path, '/');
    char *dir = NULL, who[128], me[128];
    struct stat st;
    int rc = -1;

    if (slash == NULL)
        dir = xstrdup(".");
    else if (slash == socket_path)
        dir = xstrdup("/");
    else
        dir = xstrndup(socket_path, (size_t)(slash - socket_path));
    client_describe_uid(geteuid(), me, sizeof(me));
    if (lstat(dir, &st) != 0) {
        if (errno == ENOENT) {
            rc = 1;
            errmsg_set(err, errlen, "cannot connect to %s: %s", socket_path, strerror(errno));
        } else {
            errmsg_set(err, errlen, "cannot check %s: %s", dir, strerror(errno));
        }
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        errmsg_set(err, errlen, "refusing to use %s: %s is not a directory (a symbolic link?); %s",
                   socket_path, dir, CLIENT_ADVICE);
        goto out;
    }
    if (st.st_uid != geteuid()) {
        client_describe_uid(st.st_uid, who, sizeof(who));
        errmsg_set(err, errlen,
                   "refusing to use %s: its directory %s is owned by %s, not by you (%s); %s",
                   socket_path, dir, who, me, CLIENT_ADVICE);
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        errmsg_set(err, errlen,
                   "refusing to use %s: its directory %s has permissions %04o, so others may put a "
                   "socket there (lored makes it 0700); %s",
                   socket_path, dir, (unsigned)(st.st_mode & 07777), CLIENT_ADVICE);
        goto out;
    }
    if (lstat(socket_path, &st) != 0) {
        if (errno == ENOENT) {
            rc = 1;
            errmsg_set(err, errlen, "cannot connect to %s: %s", socket_path, strerror(errno));
        } else {
            errmsg_set(err, errlen, "cannot check %s: %s", socket_path, strerror(errno));
        }
        goto out;
    }
    if (!S_ISSOCK(st.st_mode)) {
        errmsg_set(err, errlen, "refusing to use %s: it is not a socket", socket_path);
        goto out;
    }
    if (st.st_uid != geteuid()) {
        client_describe_uid(st.st_uid, who, sizeof(who));
        errmsg_set(err, errlen,
                   "refusing to use %s: the socket is owned by %s, not by you (%s); %s",
                   socket_path, who, me, CLIENT_ADVICE);
        goto out;
    }
    rc = 0;
out:
    free(dir);
    return rc;
}

/* After connecting, before sending: the process listening must run as us (SO_PEERCRED). */
static int client_check_peer(int fd, const char *socket_path, char *err, size_t errlen)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    char who[128], me[128];

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
        errmsg_set(err, errlen, "cannot tell who listens on %s: %s", socket_path, strerror(errno));
        return -1;
    }
    if (cred.uid != geteuid()) {
        client_describe_uid(cred.uid, who, sizeof(who));
        client_describe_uid(geteuid(), me, sizeof(me));
        errmsg_set(err, errlen,
                   "refusing to use %s: the process listening there (pid %ld) is run by %s, not by "
                   "you (%s); %s",
                   socket_path, (long)cred.pid, who, me, CLIENT_ADVICE);
        return -1;
    }
    return 0;
}

struct client *client_connect(const char *socket_path, enum client_connect_error *why, char *err,
                              size_t errlen)
{
    struct client *c = NULL;
    struct sockaddr_un sun;
    enum client_connect_error w = CLIENT_CONNECT_FAILED;
    size_t len = strlen(socket_path);
    int fd = -1, r;

    if (len == 0 || len >= sizeof(sun.sun_path)) {
        errmsg_set(err, errlen, "socket path '%s' is empty or too long", socket_path);
        goto out;
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, socket_path, len + 1);
    r = client_check_path(socket_path, err, errlen);
    if (r != 0) {
        if (r > 0)
            w = CLIENT_CONNECT_NO_NODE;
        goto out;
    }

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        errmsg_set(err, errlen, "socket: %s", strerror(errno));
        goto out;
    }
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
        if (errno == ENOENT || errno == ECONNREFUSED)
            w = CLIENT_CONNECT_NO_NODE;
        errmsg_set(err, errlen, "cannot connect to %s: %s", socket_path, strerror(errno));
        goto out;
    }
    if (client_check_peer(fd, socket_path, err, errlen) != 0)
        goto out;

    c = xcalloc(1, sizeof(*c));
    c->fd = fd;
    fd = -1;
    c->timeout_ms = CLIENT_DEFAULT_TIMEOUT_MS;
    buf_init(&c->in, CLIENT_MAX_LINE + 1 + CLIENT_READ_CHUNK);
    c->pending = json_array();
    if (c->pending == NULL) {
        errmsg_set(err, errlen, "out of memory");
        client_destroy(&c);
        goto out;
    }
    w = CLIENT_CONNECT_OK;
out:
    if (fd >= 0)
        close(fd);
    if (why != NULL)
        *why = w;
    return c;
}

void client_destroy(struct client **cp)
{
    struct client *c;

    if (cp == NULL || *cp == NULL)
        return;
    c = *cp;
    if (c->fd >= 0)
        close(c->fd);
    buf_wipe(&c->in); /* replies may carry a join code */
    buf_free(&c->in);
    json_decref(c->pending);
    free(c);
    *cp = NULL;
}

void client_set_timeout(struct client *c, int timeout_ms)
{
    c->timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
}

static long long client_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write all of p, or -1 with a message in err. */
static int client_write_all(struct client *c, const char *p, size_t n, char *err, size_t errlen)
{
    ssize_t w;

    while (n > 0) {
        w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EPIPE || errno == ECONNRESET)
                errmsg_set(err, errlen, "the node closed the connection");
            else
                errmsg_set(err, errlen, "cannot send to the node: %s", strerror(errno));
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Take one complete line from c->in, if there is one, and parse it. Returns 1 with *out, 0 if no
 * complete line is buffered, -1 with a message in err if the line is not a JSON object. */
static int client_take_line(struct client *c, json_t **out, char *err, size_t errlen)
{
    const char *data, *nl;
    json_error_t jerr;
    json_t *j;
    size_t linelen;

    for (;;) {
        if (c->in.len == 0)
            return 0;
        data = (const char *)c->in.data;
        nl = memchr(data + c->scanned, '\n', c->in.len - c->scanned);
        if (nl == NULL) {
            c->scanned = c->in.len;
            return 0;
        }
        linelen = (size_t)(nl - data);
        c->scanned = 0;
        if (linelen > CLIENT_MAX_LINE) {
            errmsg_set(err, errlen, "the node sent a line longer than %u bytes", CLIENT_MAX_LINE);
            return -1;
        }
        if (linelen == 0 || (linelen == 1 && data[0] == '\r')) {
            buf_consume_wiped(&c->in, linelen + 1);
            continue;
        }
        j = json_loadb(data, linelen, 0, &jerr);
        buf_consume_wiped(&c->in, linelen + 1);
        if (j == NULL) {
            errmsg_set(err, errlen, "the node sent invalid JSON: %s", jerr.text);
            return -1;
        }
        if (!json_is_object(j)) {
            json_decref(j);
            errmsg_set(err, errlen, "the node sent JSON that is not an object");
            return -1;
        }
        *out = j;
        return 1;
    }
}

/* Read until one line is complete. Returns 1 with *out (a JSON object), 0 on timeout (or on EINTR
 * when stop_on_signal), -1 with a message in err on EOF, error or garbage. */
static int client_read_line(struct client *c, int timeout_ms, int stop_on_signal, json_t **out,
                            char *err, size_t errlen)
{
    char chunk[CLIENT_READ_CHUNK];
    long long deadline = timeout_ms < 0 ? -1 : client_now_ms() + timeout_ms;
    struct pollfd pfd;
    long long left;
    ssize_t n;
    int r;

    for (;;) {
        r = client_take_line(c, out, err, errlen);
        if (r != 0)
            return r;
        if (c->in.len > CLIENT_MAX_LINE) {
            errmsg_set(err, errlen, "the node sent a line longer than %u bytes", CLIENT_MAX_LINE);
            return -1;
        }
        left = -1;
        if (deadline >= 0) {
            left = deadline - client_now_ms();
            if (left <= 0)
                return 0;
        }
        pfd.fd = c->fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        r = poll(&pfd, 1, left > 0x7fffffffLL ? 0x7fffffff : (int)left);
        if (r == 0)
            return 0;
        if (r < 0) {
            if (errno == EINTR) {
                if (stop_on_signal)
                    return 0;
                continue;
            }
            errmsg_set(err, errlen, "poll: %s", strerror(errno));
            return -1;
        }
        n = read(c->fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            errmsg_set(err, errlen, "cannot read from the node: %s", strerror(errno));
            return -1;
        }
        if (n == 0) {
            errmsg_set(err, errlen, "the node closed the connection");
            return -1;
        }
        r = buf_append(&c->in, chunk, (size_t)n);
        explicit_bzero(chunk, (size_t)n); /* a reply may carry a join code */
        if (r != 0) {
            errmsg_set(err, errlen, "the node sent a line longer than %u bytes", CLIENT_MAX_LINE);
            return -1;
        }
    }
}

/* An event line has "event" and no "ok". */
static int client_is_event(json_t *j)
{
    return json_object_get(j, "event") != NULL && json_object_get(j, "ok") == NULL;
}

/* The node closed before taking our request: it may have said why first (e.g. "busy: too many
 * clients"). If so, that replaces the message in err. */
static void client_read_refusal(struct client *c, char *err, size_t errlen)
{
    char ignored[256];
    json_t *line = NULL;
    const char *why;

    if (client_read_line(c, 200, 0, &line, ignored, sizeof(ignored)) != 1)
        return;
    why = json_string_value(json_object_get(line, "error"));
    if (why != NULL)
        errmsg_set(err, errlen, "%s", why);
    json_decref(line);
}

int client_send(struct client *c, json_t *request, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len;
    int rc = -1;

    if (c->broken) {
        errmsg_set(err, errlen, "the connection to the node is broken");
        goto out;
    }
    if (!json_is_object(request)) {
        errmsg_set(err, errlen, "request is not a JSON object");
        goto out;
    }
    /* Compact output escapes control characters in strings, so the line holds no raw newline. */
    text = json_dumps(request, JSON_COMPACT);
    if (text == NULL) {
        errmsg_set(err, errlen, "cannot encode the request");
        goto out;
    }
    len = strlen(text);
    if (client_write_all(c, text, len, err, errlen) != 0 ||
        client_write_all(c, "\n", 1, err, errlen) != 0) {
        c->broken = 1;
        client_read_refusal(c, err, errlen);
        goto out;
    }
    rc = 0;
out:
    if (text != NULL)
        explicit_bzero(text, strlen(text)); /* a team_join request holds the join code */
    free(text);
    return rc;
}

json_t *client_receive(struct client *c, char *err, size_t errlen)
{
    json_t *line = NULL;
    int r;

    if (c->broken) {
        errmsg_set(err, errlen, "the connection to the node is broken");
        return NULL;
    }
    for (;;) {
        r = client_read_line(c, c->timeout_ms, 0, &line, err, errlen);
        if (r == 0) {
            errmsg_set(err, errlen, "the node did not answer within %d s", c->timeout_ms / 1000);
            c->broken = 1;
            return NULL;
        }
        if (r < 0) {
            c->broken = 1;
            return NULL;
        }
        if (!client_is_event(line))
            return line;
        if (json_array_append_new(c->pending, line) != 0) {
            errmsg_set(err, errlen, "out of memory");
            c->broken = 1;
            return NULL;
        }
        line = NULL;
    }
}

json_t *client_call(struct client *c, json_t *request, char *err, size_t errlen)
{
    if (client_send(c, request, err, errlen) != 0)
        return NULL;
    return client_receive(c, err, errlen);
}

int client_next_event(struct client *c, int timeout_ms, json_t **event, char *err, size_t errlen)
{
    json_t *line = NULL;
    int rc = -1, r;

    if (json_array_size(c->pending) > 0) {
        *event = json_incref(json_array_get(c->pending, 0));
        json_array_remove(c->pending, 0);
        rc = 1;
        goto out;
    }
    if (c->broken) {
        errmsg_set(err, errlen, "the connection to the node is broken");
        goto out;
    }
    r = client_read_line(c, timeout_ms, 1, &line, err, errlen);
    if (r < 0) {
        c->broken = 1;
        goto out;
    }
    if (r == 0) {
        rc = 0;
        goto out;
    }
    if (!client_is_event(line)) {
        errmsg_set(err, errlen, "the node sent a response where an event was expected");
        c->broken = 1;
        goto out;
    }
    *event = line;
    line = NULL;
    rc = 1;
out:
    json_decref(line);
    return rc;
}
