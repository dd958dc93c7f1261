/* web/: the live parts and the question page's actions without a server — the SSE framing of a
 * watch event (web_live.c), the script served with its type (web_hints.c), and the answers
 * section the page and its fragment share (web_actions.c), through web_pages_serve on a test
 * node. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testnode.h"
#include "web_live.h"
#include "web_pages.h"

/* An event is one frame: "event: NAME", one data line of compact JSON (newlines in text stay
 * escaped), a blank line; a name that is not [a-z_] becomes "message". */
static void test_live_frame(void **state)
{
    json_t *ev = json_pack("{s:s,s:b,s:{s:s,s:s}}", "event", "entry", "for_you", 1, "entry",
                           "title", "two\nlines", "body", "a\r\n\ndata: forged");
    struct buf b;

    (void)state;
    buf_init(&b, 1 << 16);
    assert_int_equal(web_live_frame(&b, ev), 0);
    assert_int_equal(buf_append_u8(&b, 0), 0);
    assert_true(strncmp((char *)b.data, "event: entry\ndata: {", 20) == 0);
    assert_non_null(strstr((char *)b.data, "\"two\\nlines\""));
    /* Exactly three newlines: after the name, after the data, and the blank line. */
    assert_ptr_equal(strchr((char *)b.data + 19, '\n'), (char *)b.data + b.len - 3);
    assert_string_equal((char *)b.data + b.len - 3, "\n\n");
    json_decref(ev);

    buf_reset(&b);
    ev = json_pack("{s:s}", "event", "x\ndata: evil");
    assert_int_equal(web_live_frame(&b, ev), 0);
    assert_true(strncmp((char *)b.data, "event: message\ndata: {", 22) == 0);
    json_decref(ev);
    buf_reset(&b);
    ev = json_pack("{s:s}", "event", "reminder");
    assert_int_equal(web_live_frame(&b, ev), 0);
    assert_true(strncmp((char *)b.data, "event: reminder\n", 16) == 0);
    json_decref(ev);
    buf_free(&b);
}

/* Serve method path on t's node as the page would (no connection: no query string). */
static char *serve(struct test_node *t, const char *method, const char *path, unsigned *status,
                   const char **type)
{
    struct web_page p = {0};
    size_t len;

    p.n = t->n;
    p.csrf = "00";
    p.status = 200;
    buf_init(&p.body, WEB_PAGE_MAX);
    assert_int_equal(web_pages_serve(&p, method, path), 0);
    assert_int_equal(buf_append_u8(&p.body, 0), 0);
    *status = p.status;
    if (type != NULL)
        *type = p.content_type;
    free(p.location);
    return (char *)buf_steal(&p.body, &len);
}

/* /static/lore.js: the script, as text/javascript, with nothing a strict CSP forbids. */
static void test_static_js(void **state)
{
    struct test_node *t = *state;
    const char *type = NULL;
    unsigned status;
    char *js = serve(t, "GET", "/static/lore.js", &status, &type);

    assert_int_equal(status, 200);
    assert_string_equal(type, "text/javascript; charset=utf-8");
    assert_non_null(strstr(js, "new EventSource('/events')"));
    assert_null(strstr(js, "eval("));
    assert_null(strstr(js, "new Function"));
    assert_null(strstr(js, "setAttribute('on"));
    free(js);
}

/* The answers section: #answers with the question's id, each answer article.answer#a-ID, the
 * accept form for the asker, the accepted one first with class accepted; the fragment is the
 * page's own section. */
static void test_answers_fragment(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char qid[65], a1[65], a2[65], path[128], want[256], *frag, *page, *p1, *p2;
    unsigned status;
    json_t *res;

    test_author_init(&bob, 9);
    res = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"printer jams\"}");
    snprintf(qid, sizeof(qid), "%s", json_string_value(json_object_get(res, "id")));
    json_decref(res);
    add(t, &bob, ENTRY_ANSWER, 1, "", "first *answer*", NULL, qid, a1);
    add(t, &bob, ENTRY_ANSWER, 2, "", "<script>alert(1)</script> second", NULL, qid, a2);

    snprintf(path, sizeof(path), "/q/%s/answers", qid);
    frag = serve(t, "GET", path, &status, NULL);
    assert_int_equal(status, 200);
    snprintf(want, sizeof(want), "<section id=\"answers\" data-question=\"%s\"", qid);
    assert_true(strncmp(frag, want, strlen(want)) == 0);
    snprintf(want, sizeof(want), "<article class=\"answer\" id=\"a-%s\">", a1);
    assert_non_null(strstr(frag, want));
    snprintf(want, sizeof(want), "action=\"/q/%s/accept\"", qid);
    assert_non_null(strstr(frag, want));
    snprintf(want, sizeof(want), "name=\"answer\" value=\"%s\"><button name=\"accept\"", a2);
    assert_non_null(strstr(frag, want));
    assert_non_null(strstr(frag, "<em>answer</em>"));
    assert_null(strstr(frag, "<script"));
    /* Others' answers: vote and thank, not edit or retract. */
    snprintf(want, sizeof(want), "action=\"/e/%s/vote\"", a1);
    assert_non_null(strstr(frag, want));
    snprintf(want, sizeof(want), "action=\"/e/%s/retract\"", a1);
    assert_null(strstr(frag, want));

    snprintf(path, sizeof(path), "/q/%s", qid);
    page = serve(t, "GET", path, &status, NULL);
    assert_non_null(strstr(page, frag));
    /* My question: edit and retract, no vote; no pin outside a team. */
    snprintf(want, sizeof(want), "action=\"/e/%s/retract\"", qid);
    assert_non_null(strstr(page, want));
    snprintf(want, sizeof(want), "action=\"/e/%s/vote\"", qid);
    assert_null(strstr(page, want));
    assert_null(strstr(page, "/pin\""));
    free(frag);
    free(page);

    /* Accepted: first, with class accepted, and no accept button on it. */
    json_decref(callf(t, 1, "{\"op\":\"accept\",\"id\":\"%s\"}", a2));
    snprintf(path, sizeof(path), "/q/%s/answers", qid);
    frag = serve(t, "GET", path, &status, NULL);
    snprintf(want, sizeof(want), "<article class=\"answer accepted\" id=\"a-%s\">", a2);
    p2 = strstr(frag, want);
    snprintf(want, sizeof(want), "<article class=\"answer\" id=\"a-%s\">", a1);
    p1 = strstr(frag, want);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_true(p2 < p1);
    snprintf(want, sizeof(want), "value=\"%s\"><button name=\"accept\"", a2);
    assert_null(strstr(frag, want));
    free(frag);

    /* An unknown question: a 404 line, not a crash. */
    frag = serve(t, "GET", "/q/abcdef12/answers", &status, NULL);
    assert_int_equal(status, 404);
    free(frag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_frame),
        cmocka_unit_test_setup_teardown(test_static_js, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answers_fragment, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
