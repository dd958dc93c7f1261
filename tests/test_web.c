/* web/: what the browser sends and what it gets, without a server — Markdown rendered inert
 * (render.c), form bodies decoded (web_form.c), and the secrets of web_auth.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hex.h"
#include "render.h"
#include "web_auth.h"
#include "web_form.h"
#include "web_learn.h"
#include "web_needs.h"
#include "web_sessions.h"
#include "web_stats.h"
#include "xmalloc.h"

static char *md_html(const char *md)
{
    struct buf b;
    size_t len;

    buf_init(&b, 1 << 20);
    assert_int_equal(render_markdown(&b, md), 0);
    assert_int_equal(buf_append_u8(&b, 0), 0);
    return (char *)buf_steal(&b, &len);
}

/* Raw HTML, event handlers, javascript: links and iframes never pass; Markdown still works. */
static void test_markdown_inert(void **state)
{
    const char *hostile[] = {
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "<iframe src=\"https://evil.example/\"></iframe>",
        "text <span onmouseover=alert(1)>inline</span> html",
        "<a href=\"javascript:alert(1)\">raw link</a>",
        "![x](javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<svg onload=alert(1)>",
        "<style>body{display:none}</style>",
    };
    size_t i;
    char *html;

    (void)state;
    for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        html = md_html(hostile[i]);
        /* A Markdown image may stay, with its target dropped: <img src="" ...>. */
        if (strstr(html, "<script") != NULL ||
            (strstr(html, "<img") != NULL && strstr(html, "<img src=\"\"") == NULL) ||
            strstr(html, "onmouseover") != NULL || strstr(html, "<iframe") != NULL ||
            strstr(html, "<span") != NULL || strstr(html, "<svg") != NULL ||
            strstr(html, "<style") != NULL || strstr(html, "javascript:") != NULL ||
            strstr(html, "JaVaScRiPt:") != NULL || strstr(html, "vbscript:") != NULL ||
            strstr(html, "data:text") != NULL || strstr(html, "onerror") != NULL ||
            strstr(html, "onload") != NULL)
            fail_msg("'%s' rendered as '%s'", hostile[i], html);
        free(html);
    }
    html = md_html("*em* **strong** [ok](https://example.org/) `<b>`");
    assert_non_null(strstr(html, "<em>em</em>"));
    assert_non_null(strstr(html, "<strong>strong</strong>"));
    assert_non_null(strstr(html, "<a href=\"https://example.org/\">ok</a>"));
    assert_non_null(strstr(html, "<code>&lt;b&gt;</code>"));
    free(html);
}

/* Titles and names are escaped: & < > " ' all become entities; markers become <mark>. */
static void test_escape(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 4096);
    assert_int_equal(render_escape(&b, "<script>\"a\" & 'b'</script>"), 0);
    assert_string_equal((char *)b.data,
                        "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;");
    buf_reset(&b);
    assert_int_equal(render_escape_marked(&b, "a \x01<b>\x02 c", '\x01', '\x02'), 0);
    assert_string_equal((char *)b.data, "a <mark>&lt;b&gt;</mark> c");
    buf_free(&b);
    buf_init(&b, 8);
    assert_int_equal(render_escape(&b, "<<<"), -1); /* 12 bytes do not fit in 8 */
    buf_free(&b);
}

/* application/x-www-form-urlencoded: + and %XX decoded, bad escapes and NUL refused. */
static void test_form(void **state)
{
    struct web_form f;
    char many[4 * (WEB_FORM_MAX_FIELDS + 1)];
    size_t i;
    const char *body = "title=How+do+I%3F&body=a%26b%3Dc&empty=&flag&csrf=00";

    (void)state;
    assert_int_equal(web_form_parse(&f, body, strlen(body)), 0);
    assert_string_equal(web_form_get(&f, "title"), "How do I?");
    assert_string_equal(web_form_get(&f, "body"), "a&b=c");
    assert_string_equal(web_form_get(&f, "empty"), "");
    assert_string_equal(web_form_get(&f, "flag"), "");
    assert_null(web_form_get(&f, "nope"));
    web_form_free(&f);
    assert_int_equal(web_form_parse(&f, "a=%zz", 5), -1);
    assert_int_equal(web_form_parse(&f, "a=%4", 4), -1);
    assert_int_equal(web_form_parse(&f, "a=%00", 5), -1);
    assert_int_equal(web_form_parse(&f, "a=b\0c", 5), -1);
    assert_int_equal(f.n, 0);
    for (i = 0; i < WEB_FORM_MAX_FIELDS + 1; i++)
        memcpy(many + 4 * i, "a=1&", 4);
    assert_int_equal(web_form_parse(&f, many, 4 * (WEB_FORM_MAX_FIELDS + 1)), -1);
}

/* The token file: made 0600, read back the same, refused when others may read it; one-time
 * tokens log in once and expire; sessions and their CSRF tokens. */
static void test_auth(void **state)
{
    char dir[] = "/tmp/test_web_XXXXXX", path[128], cookie[WEB_AUTH_HEX], once[WEB_AUTH_HEX];
    char token[WEB_AUTH_HEX + 1] = "", err[256], other[WEB_AUTH_HEX];
    char label[WEB_AUTH_LABEL];
    struct web_auth *a;
    struct stat st;
    FILE *fp;
    char first;
    int s, i;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/%s", dir, WEB_AUTH_TOKEN_FILE);
    a = web_auth_new(dir, err, sizeof(err));
    assert_non_null(a);
    web_auth_label(a, label);
    assert_int_equal(strlen(label), WEB_AUTH_LABEL - 1);
    assert_int_equal(strncmp(label, "lore-", 5), 0);
    assert_true(hex_is_lower(label + 5, (WEB_AUTH_LABEL - 6) / 2));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(token, sizeof(token), fp));
    fclose(fp);
    token[WEB_AUTH_HEX - 1] = '\0';
    assert_true(web_auth_login(a, token, 1000));
    assert_true(web_auth_login(a, token, 2000)); /* the file's token lasts */
    first = token[0];
    token[0] = first == 'a' ? 'b' : 'a';
    assert_false(web_auth_login(a, token, 2000));
    token[0] = first;
    assert_false(web_auth_login(a, NULL, 2000));
    web_auth_once(a, 1000, once);
    assert_true(web_auth_login(a, once, 2000));
    assert_false(web_auth_login(a, once, 2000)); /* spent */
    web_auth_once(a, 1000, once);
    assert_false(web_auth_login(a, once, 1000 + WEB_AUTH_ONCE_MS)); /* expired */
    web_auth_session_new(a, 5000, cookie);
    s = web_auth_session_find(a, cookie, 6000);
    assert_true(s >= 0);
    assert_true(web_auth_csrf_ok(a, s, web_auth_csrf(a, s)));
    assert_false(web_auth_csrf_ok(a, s, NULL));
    assert_false(web_auth_csrf_ok(a, s, cookie));
    assert_int_equal(web_auth_session_find(a, "00", 6000), -1);
    assert_int_equal(web_auth_session_find(a, cookie, 6000 + WEB_AUTH_IDLE_MS + 1), -1);
    assert_true(web_auth_session_find(a, cookie, 7000) >= 0);
    web_auth_session_end(a, s);
    assert_int_equal(web_auth_session_find(a, cookie, 7000), -1);
    /* Full: a new session takes the least recently used one's slot, and says which. */
    s = web_auth_session_new(a, 8000, cookie);
    for (i = 1; i < WEB_AUTH_SESSIONS; i++)
        assert_int_not_equal(web_auth_session_new(a, 8000 + i, other), s);
    assert_int_equal(web_auth_session_new(a, 9000, other), s);
    assert_int_equal(web_auth_session_find(a, cookie, 9000), -1);
    web_auth_destroy(&a);
    assert_null(a);
    /* Read back at the next start: the same token, the same private host label. */
    a = web_auth_new(dir, err, sizeof(err));
    assert_non_null(a);
    assert_true(web_auth_login(a, token, 1));
    web_auth_label(a, other);
    assert_string_equal(other, label);
    web_auth_destroy(&a);
    /* Others may read it: refused. */
    assert_int_equal(chmod(path, 0644), 0);
    assert_null(web_auth_new(dir, err, sizeof(err)));
    assert_non_null(strstr(err, "too open"));
    /* Empty, as a crash between create and write left it before the token was written through
     * a temporary file: replaced by a new token. Cut short: refused, and left for the user. */
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(truncate(path, 0), 0);
    a = web_auth_new(dir, err, sizeof(err));
    assert_non_null(a);
    assert_false(web_auth_login(a, token, 1)); /* a new one */
    web_auth_destroy(&a);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, WEB_AUTH_HEX);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(truncate(path, 10), 0);
    assert_null(web_auth_new(dir, err, sizeof(err)));
    assert_non_null(strstr(err, "64 hex digits"));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 10);
    unlink(path);
    assert_int_equal(rmdir(dir), 0); /* and no temporary file was left in it */
}

/* A session as the sessions op gives it, with hostile text. */
static json_t *ics_session(const char *title, const char *where, const char *body)
{
    return json_pack("{s:s,s:I,s:s,s:s,s:s?,s:s?,s:[s,s],s:b,s:{s:s}}", "id",
                     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "at_ms",
                     (json_int_t)1795000000000, "at", "2026-11-18T11:06:40.000Z", "title", title,
                     "where", where, "body", body, "tags", "vpn", "a,b", "cancelled", 0, "host",
                     "name", "Ada; Lovelace");
}

/* RFC 5545: CRLF lines of at most 75 octets, folded with a leading space, never inside a UTF-8
 * character; TEXT escaped; UID id@lore; DTSTART in UTC. */
static void test_ics(void **state)
{
    char title[400], *text, *line, *save = NULL, *unfolded;
    size_t i, len, n;
    struct buf b;
    json_t *s;

    (void)state;
    len = 0;
    for (i = 0; i < 60; i++) /* 60 × "é" (2 octets) and "x": folds land next to a character */
        len += (size_t)snprintf(title + len, sizeof(title) - len, "\xc3\xa9x");
    s = ics_session(title, "Room 1, floor 2; east\\wing", "line one\nline two\r\n<b>");
    buf_init(&b, 1 << 16);
    assert_int_equal(web_sessions_ics(&b, s, 1795000000000ull), 0);
    text = (char *)b.data;
    /* Every line ends in CRLF and has at most 75 octets. */
    for (i = 0, n = 0; i < b.len; i++) {
        if (text[i] == '\n') {
            assert_true(i > 0 && text[i - 1] == '\r');
            assert_true(n - 1 <= 75);
            n = 0;
        } else {
            n++;
            assert_false(text[i] == '\r' && text[i + 1] != '\n'); /* no bare CR */
        }
    }
    assert_int_equal(n, 0);
    /* No piece starts with a UTF-8 continuation byte (the fold split no character). */
    assert_null(strstr(text, "\r\n \x80"));
    for (i = 0; i + 3 < b.len; i++)
        if (text[i] == '\r' && text[i + 2] == ' ')
            assert_true(((unsigned char)text[i + 3] & 0xC0) != 0x80);
    /* Unfold (CRLF + space goes), then look at the values. */
    unfolded = xcalloc(1, b.len + 1);
    for (i = 0, n = 0; i < b.len; i++) {
        if (text[i] == '\r' && text[i + 1] == '\n' && text[i + 2] == ' ') {
            i += 2;
            continue;
        }
        unfolded[n++] = text[i];
    }
    assert_non_null(strstr(unfolded, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert_non_null(strstr(unfolded, "\r\nUID:0123456789abcdef0123456789abcdef0123456789abcdef"
                                     "0123456789abcdef@lore\r\n"));
    assert_non_null(strstr(unfolded, "\r\nDTSTART:20261118T110640Z\r\n"));
    assert_non_null(strstr(unfolded, "\r\nDTSTAMP:20261118T110640Z\r\n"));
    assert_non_null(strstr(unfolded, "\r\nLOCATION:Room 1\\, floor 2\\; east\\\\wing\r\n"));
    assert_non_null(strstr(unfolded, "\r\nDESCRIPTION:line one\\nline two\\n<b>\\n\\nHost: "
                                     "Ada\\; Lovelace\r\n"));
    assert_non_null(strstr(unfolded, "\r\nCATEGORIES:vpn,a\\,b\r\n"));
    assert_non_null(strstr(unfolded, "\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"));
    line = strstr(unfolded, "\r\nSUMMARY:");
    assert_non_null(line);
    assert_memory_equal(line + 10, title, strlen(title));
    for (line = strtok_r(unfolded, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
        assert_non_null(strchr(line, ':')); /* each a NAME:VALUE line */
    free(unfolded);
    json_decref(s);
    /* No id or no time: refused; a full buffer: -1. */
    buf_reset(&b);
    s = json_pack("{s:s}", "title", "x");
    assert_int_equal(web_sessions_ics(&b, s, 0), -1);
    json_decref(s);
    buf_free(&b);
    buf_init(&b, 64);
    s = ics_session("t", NULL, NULL);
    assert_int_equal(web_sessions_ics(&b, s, 0), -1);
    json_decref(s);
    buf_free(&b);
}

/* The needs chart: labels escaped, nothing that can run, bars in proportion. */
static void test_svg_needs(void **state)
{
    json_t *needs = json_pack("[{s:s,s:i,s:i},{s:s,s:i,s:i}]", "tag", "<script>alert(1)</script>",
                              "asked", 10, "unanswered", 4, "tag",
                              "\"><img src=x onerror=alert(1)>", "asked", 5, "unanswered", 0);
    struct buf b;
    char *svg, *tag;

    (void)state;
    buf_init(&b, 1 << 16);
    assert_int_equal(web_stats_svg_needs(&b, needs), 0);
    svg = (char *)b.data;
    assert_true(strncmp(svg, "<svg ", 5) == 0);
    assert_non_null(strstr(svg, "</svg>"));
    /* Every tag is one the chart draws: the hostile labels are text, not markup. */
    for (tag = strchr(svg, '<'); tag != NULL; tag = strchr(tag + 1, '<'))
        assert_true(strncmp(tag, "<svg ", 5) == 0 || strncmp(tag, "</svg>", 6) == 0 ||
                    strncmp(tag, "<title ", 7) == 0 || strncmp(tag, "</title>", 8) == 0 ||
                    strncmp(tag, "<text ", 6) == 0 || strncmp(tag, "</text>", 7) == 0 ||
                    strncmp(tag, "<rect ", 6) == 0);
    assert_non_null(strstr(svg, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(svg, "&quot;&gt;&lt;img src=x "));
    assert_non_null(strstr(svg, "width=\"320\"")); /* the biggest bar is full width */
    assert_non_null(strstr(svg, "width=\"160\"")); /* 5 of 10 is half */
    assert_non_null(strstr(svg, "width=\"128\"")); /* 4 unanswered of 10 */
    assert_non_null(strstr(svg, "role=\"img\""));
    buf_free(&b);
    buf_init(&b, 100);
    assert_int_equal(web_stats_svg_needs(&b, needs), -1);
    buf_free(&b);
    json_decref(needs);
}

/* The announce form's time: what datetime-local sends, and nothing else. */
static void test_parse_at(void **state)
{
    const char *bad[] = {"",
                         "2026-12-24",
                         "2026-12-24T25:00",
                         "2026-02-30T10:00",
                         "2019-12-24T10:00",
                         "2026-1-24T10:00",
                         "2026-12-24T10:0x",
                         "tomorrow",
                         NULL};
    uint64_t ms, ms2;
    size_t i;

    (void)state;
    assert_int_equal(web_sessions_parse_at("2026-12-24T15:30", &ms), 0);
    assert_int_equal(web_sessions_parse_at("2026-12-24T15:31", &ms2), 0);
    assert_int_equal(ms2 - ms, 60000);
    assert_int_equal(web_sessions_parse_at(NULL, &ms), -1);
    for (i = 0; bad[i] != NULL; i++)
        assert_int_equal(web_sessions_parse_at(bad[i], &ms), -1);
}

/* The needs map's chart: demand and supply bars in proportion, labels escaped, only inert
 * elements, a name for screen readers; nonsense numbers draw nothing. */
static void test_needs_svg(void **state)
{
    json_t *topics =
        json_pack("[{s:s,s:i,s:i},{s:s,s:i,s:i},{s:s,s:i,s:s}]", "tag", "<script>alert(1)</script>",
                  "demand", 10, "supply", 5, "tag", "\"><img src=x onerror=alert(1)>", "demand", 4,
                  "supply", -3, "tag", "ok", "demand", 1, "supply", "x");
    struct buf b;
    char *svg, *tag;

    (void)state;
    buf_init(&b, 1 << 16);
    assert_int_equal(web_needs_svg(&b, topics), 0);
    assert_int_equal(buf_append_u8(&b, 0), 0);
    svg = (char *)b.data;
    assert_true(strncmp(svg, "<svg ", 5) == 0);
    for (tag = strchr(svg, '<'); tag != NULL; tag = strchr(tag + 1, '<'))
        assert_true(strncmp(tag, "<svg ", 5) == 0 || strncmp(tag, "</svg>", 6) == 0 ||
                    strncmp(tag, "<title ", 7) == 0 || strncmp(tag, "</title>", 8) == 0 ||
                    strncmp(tag, "<desc ", 6) == 0 || strncmp(tag, "</desc>", 7) == 0 ||
                    strncmp(tag, "<text ", 6) == 0 || strncmp(tag, "</text>", 7) == 0 ||
                    strncmp(tag, "<rect ", 6) == 0);
    assert_non_null(strstr(svg, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(svg, "&quot;&gt;&lt;img src=x "));
    assert_non_null(strstr(svg, "role=\"img\" aria-labelledby=\"needs-map-title needs-map-desc\""));
    assert_non_null(strstr(svg, "class=\"demand\" x=\"160\" y=\"4\" width=\"320\""));
    assert_non_null(strstr(svg, "class=\"supply\" x=\"160\" y=\"20\" width=\"160\""));
    assert_non_null(strstr(svg, "class=\"demand\" x=\"160\" y=\"40\" width=\"128\""));
    assert_non_null(strstr(svg, "class=\"supply\" x=\"160\" y=\"56\" width=\"0\"")); /* -3 */
    assert_non_null(strstr(svg, ">4 / 0</text>"));
    assert_non_null(strstr(svg, ">1 / 0</text>")); /* a supply that is not a number */
    buf_free(&b);
    buf_init(&b, 300);
    assert_int_equal(web_needs_svg(&b, topics), -1);
    buf_free(&b);
    json_decref(topics);
}

/* A page rendered without a node: its body as a string (owned by p). */
static const char *page_text(struct web_page *p)
{
    assert_int_equal(buf_append_u8(&p->body, 0), 0);
    p->body.len--;
    return (const char *)p->body.data;
}

/* The learning pages' pieces: every string from entries escaped, links URL-encoded, the forms
 * carrying the CSRF token, and only well-formed entry ids offered to thank. */
static void test_learn_render(void **state)
{
    const char *key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    json_t *goals =
        json_pack("[{s:s,s:s,s:s,s:I,s:I,s:b},{s:s,s:s,s:s,s:n,s:I}]", "tag", "a<b", "state",
                  "active", "why", "<script>x</script>", "until_ms", (json_int_t)1800000000000,
                  "set_ms", (json_int_t)1790000000000, "overdue", 1, "tag", "c d", "state", "done",
                  "why", "", "until_ms", "set_ms", (json_int_t)1790000000000);
    json_t *helpers = json_pack("[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s}]", "key", key, "name",
                                "<i>Bob</i>", "why", "answered \"<q>\"", "entry", key, "key", key,
                                "name", "Eve", "why", "x", "entry", "not-an-id\"><x");
    json_t *topics =
        json_pack("[{s:s,s:i,s:n,s:f}]", "tag", "a&b/c", "learners", 2, "answered_pct", "gap", 1.5);
    struct web_page p = {0};
    const char *html;
    char *href;

    (void)state;
    p.csrf = "c5rf";
    buf_init(&p.body, 1 << 16);
    web_learn_goals(&p, goals, 1);
    html = page_text(&p);
    assert_non_null(strstr(html, "href=\"/circle/a%3Cb\">a&lt;b</a>"));
    assert_non_null(strstr(html, "&lt;script&gt;x&lt;/script&gt;"));
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "overdue"));
    assert_non_null(strstr(html, "name=\"csrf\" value=\"c5rf\""));
    assert_non_null(strstr(html, "action=\"/learn/done\""));
    assert_non_null(strstr(html, "name=\"tag\" value=\"a&lt;b\""));
    assert_non_null(strstr(html, "href=\"/circle/c%20d\">c d</a> <span class=\"status\">done"));
    /* One done and one drop button: the ended goal has none; theirs (mine 0) none at all. */
    assert_null(strstr(strstr(html, "action=\"/learn/drop\"") + 1, "action=\"/learn/drop\""));
    buf_free(&p.body);
    buf_init(&p.body, 1 << 16);
    web_learn_goals(&p, goals, 0);
    assert_null(strstr(page_text(&p), "<form"));
    buf_free(&p.body);

    buf_init(&p.body, 1 << 16);
    web_learn_helpers(&p, "t\"g", helpers);
    html = page_text(&p);
    assert_non_null(strstr(html, "&lt;i&gt;Bob&lt;/i&gt;"));
    assert_non_null(strstr(html, "answered &quot;&lt;q&gt;&quot;"));
    assert_non_null(strstr(html, "<button>Thank &lt;i&gt;Bob&lt;/i&gt;</button>"));
    assert_null(strstr(html, "Thank Eve")); /* no entry of hers to thank */
    assert_null(strstr(html, "not-an-id"));
    assert_non_null(strstr(html, "name=\"tag\" value=\"t&quot;g\""));
    assert_non_null(strstr(html, "<form class=\"thank-all\""));
    buf_free(&p.body);

    buf_init(&p.body, 1 << 16);
    web_needs_table(&p, topics);
    html = page_text(&p);
    assert_non_null(strstr(html, "<a href=\"/circle/a%26b%2Fc\">a&amp;b/c</a>"));
    assert_non_null(strstr(html, "<td>2</td><td>—</td><td>—</td>")); /* null and absent */
    assert_non_null(strstr(html, "<td>1.5</td></tr>"));
    buf_free(&p.body);

    href = web_learn_circle_href("ü \"x\"");
    assert_string_equal(href, "/circle/%C3%BC%20%22x%22");
    free(href);
    json_decref(goals);
    json_decref(helpers);
    json_decref(topics);
}

/* A goal's target date: what <input type="date"> sends, the end of that local day. */
static void test_parse_until(void **state)
{
    uint64_t ms, at;

    (void)state;
    assert_int_equal(web_learn_parse_until("2027-03-31", &ms), 0);
    assert_int_equal(web_sessions_parse_at("2027-03-31T23:59", &at), 0);
    assert_true(ms == at);
    assert_int_equal(web_learn_parse_until("2027-02-30", &ms), -1);
    assert_int_equal(web_learn_parse_until("2027-03-31T10:00", &ms), -1);
    assert_int_equal(web_learn_parse_until("31/03/2027", &ms), -1);
    assert_int_equal(web_learn_parse_until("", &ms), -1);
    assert_int_equal(web_learn_parse_until(NULL, &ms), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markdown_inert),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_ics),
        cmocka_unit_test(test_svg_needs),
        cmocka_unit_test(test_parse_at),
        cmocka_unit_test(test_needs_svg),
        cmocka_unit_test(test_learn_render),
        cmocka_unit_test(test_parse_until),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
