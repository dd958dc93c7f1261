/* node_batch through node_call: post_batch on a real replica, no network — per-item results, one
 * transaction, the bounds on count and bytes, the comment rate counted across the batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testnode.h"

#define NODE_BATCH_MAX 1000 /* node_batch.h; not included, so the test builds before the op */

/* node_call with {"op": "post_batch", "entries": posts} (posts taken). */
static json_t *batch(struct test_node *t, json_t *posts)
{
    json_t *req = json_pack("{s:s,s:o}", "op", "post_batch", "entries", posts), *res;

    res = node_call(t->n, req);
    json_decref(req);
    return res;
}

static json_t *note(const char *title, const char *body)
{
    return json_pack("{s:s,s:s,s:s,s:[s]}", "kind", "note", "title", title, "body", body, "tags",
                     "Import ");
}

static size_t count_kind(struct test_node *t, const char *kind)
{
    json_t *r = callf(t, 1, "{\"op\":\"list\",\"kind\":\"%s\",\"limit\":500}", kind);
    size_t n = json_array_size(json_object_get(r, "entries"));

    json_decref(r);
    return n;
}

/* Each post gets its own result, in order; the good ones are stored, the bad one is not. */
static void test_batch_results(void **state)
{
    struct test_node *t = *state;
    json_t *posts = json_array(), *r, *res, *g, *dated;
    char req[200];

    json_array_append_new(posts, note("one", "first body"));
    json_array_append_new(posts, json_pack("{s:s,s:s}", "kind", "note", "title", "no body"));
    json_array_append_new(posts, note("two", "second body"));
    dated = note("old", "from the vault");
    json_object_set_new(dated, "created_ms", json_integer(1600000000000));
    json_array_append_new(posts, dated);
    json_array_append_new(posts, json_string("not an object"));
    r = batch(t, posts);
    assert_true(json_is_true(json_object_get(r, "ok")));
    res = json_object_get(r, "results");
    assert_int_equal(json_array_size(res), 5);
    assert_true(json_is_true(json_object_get(json_array_get(res, 0), "ok")));
    assert_string_equal(test_code(json_array_get(res, 1)), "invalid");
    assert_true(json_is_true(json_object_get(json_array_get(res, 2), "ok")));
    assert_true(json_is_true(json_object_get(json_array_get(res, 3), "ok")));
    assert_string_equal(test_code(json_array_get(res, 4)), "bad_request");
    assert_int_equal(json_integer_value(json_object_get(r, "stored")), 3);
    assert_int_equal(json_integer_value(json_object_get(r, "refused")), 2);
    assert_int_equal(count_kind(t, "note"), 3);
    /* Stored as post stores them: tags normalised, the date kept, signed by us. */
    snprintf(req, sizeof(req), "{\"op\":\"get\",\"id\":\"%s\"}",
             json_string_value(json_object_get(json_array_get(res, 3), "id")));
    g = test_call_ok(t, req);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(g, "entry"), "created_ms")),
                     1600000000000);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(json_object_get(g, "entry"), "tags"), 0)),
        "import");
    json_decref(g);
    json_decref(r);
    json_decref(test_call_ok(t, "{\"op\":\"check\"}"));
}

/* The call's bounds: 1 to NODE_BATCH_MAX posts, NODE_BATCH_MAX_BYTES of entries. */
static void test_batch_bounds(void **state)
{
    struct test_node *t = *state;
    json_t *posts = json_array(), *r, *res;
    char *big = xmalloc(200 * 1024 + 1);
    size_t i, ok = 0;

    r = batch(t, json_array());
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    r = test_call(t, "{\"op\":\"post_batch\",\"entries\":{}}");
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    for (i = 0; i <= NODE_BATCH_MAX; i++)
        json_array_append_new(posts, note("n", "b"));
    r = batch(t, posts);
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    assert_int_equal(count_kind(t, "note"), 0);
    /* 25 posts of 200 KiB: what passes 4 MiB is refused, item by item. */
    memset(big, 'x', 200 * 1024);
    big[200 * 1024] = '\0';
    posts = json_array();
    for (i = 0; i < 25; i++)
        json_array_append_new(posts, note("big", big));
    r = batch(t, posts);
    res = json_object_get(r, "results");
    assert_int_equal(json_array_size(res), 25);
    for (i = 0; i < 25; i++) {
        if (json_is_true(json_object_get(json_array_get(res, i), "ok")))
            ok++;
        else
            assert_string_equal(test_code(json_array_get(res, i)), "too_large");
    }
    assert_true(ok >= 19 && ok <= 20);
    assert_int_equal(count_kind(t, "note"), ok);
    json_decref(r);
    free(big);
}

/* Comments are limited to NODE_PUBLISH_RATE a minute: those in the batch count too. */
static void test_batch_comment_rate(void **state)
{
    struct test_node *t = *state;
    json_t *q = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"why?\"}");
    json_t *posts = json_array(), *r, *res;
    size_t i;

    for (i = 0; i < 35; i++)
        json_array_append_new(posts, json_pack("{s:s,s:s,s:[O]}", "kind", "comment", "body",
                                               "me too", "refs", json_object_get(q, "id")));
    r = batch(t, posts);
    res = json_object_get(r, "results");
    for (i = 0; i < 35; i++)
        if (i < 30)
            assert_true(json_is_true(json_object_get(json_array_get(res, i), "ok")));
        else
            assert_string_equal(test_code(json_array_get(res, i)), "rate_limited");
    assert_int_equal(json_integer_value(json_object_get(r, "stored")), 30);
    json_decref(r);
    json_decref(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_comment_rate, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
