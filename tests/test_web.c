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

#include "render.h"
#include "web_auth.h"
#include "web_form.h"

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
    char token[WEB_AUTH_HEX + 1] = "", err[256];
    struct web_auth *a;
    struct stat st;
    FILE *fp;
    char first;
    int s;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/%s", dir, WEB_AUTH_TOKEN_FILE);
    a = web_auth_new(dir, err, sizeof(err));
    assert_non_null(a);
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
    web_auth_destroy(&a);
    assert_null(a);
    /* Read back at the next start: the same token. */
    a = web_auth_new(dir, err, sizeof(err));
    assert_non_null(a);
    assert_true(web_auth_login(a, token, 1));
    web_auth_destroy(&a);
    /* Others may read it: refused. */
    assert_int_equal(chmod(path, 0644), 0);
    assert_null(web_auth_new(dir, err, sizeof(err)));
    assert_non_null(strstr(err, "too open"));
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markdown_inert),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_auth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
