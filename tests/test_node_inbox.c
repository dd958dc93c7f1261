/* node_inbox through node_call: skill, follow, inbox on a real replica. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testnode.h"

#define T0 1795000000000ull

static int setup(void **state)
{
    *state = test_node_new();
    return 0;
}

static int teardown(void **state)
{
    test_node_destroy(*state);
    return 0;
}

/* An entry of kind by author a at T0 + dt_ms: title, body, one tag, one ref (hex or NULL). */
static inline void add(struct test_node *t, struct test_author *a, uint16_t kind, uint64_t dt_ms,
                       const char *title, const char *body, const char *tag, const char *ref,
                       char idhex[2 * ENTRY_ID_LEN + 1])
{
    struct entry_fields f = {0};
    const char *tags[1] = {tag};
    uint8_t rid[ENTRY_ID_LEN];

    f.kind = kind;
    f.created_ms = T0 + dt_ms;
    f.title = title;
    f.body = body;
    if (tag != NULL) {
        f.tags = tags;
        f.ntags = 1;
    }
    if (ref != NULL) {
        if (hex_decode(ref, 2 * ENTRY_ID_LEN, rid, ENTRY_ID_LEN) != 0)
            abort();
        f.refs = (const uint8_t(*)[ENTRY_ID_LEN])rid;
        f.nrefs = 1;
    }
    test_node_add(t, a, &f, idhex);
}

static inline json_t *callf(struct test_node *t, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline json_t *callf(struct test_node *t, int ok, const char *fmt, ...)
{
    char req[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(req, sizeof(req), fmt, ap);
    va_end(ap);
    return ok ? test_call_ok(t, req) : test_call(t, req);
}

static void test_inbox(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char mine[2 * ENTRY_KEY_LEN + 1];
    json_t *r, *areas, *entries;

    test_author_init(&bob, 51);
    r = test_call_ok(t, "{\"op\":\"skill\",\"tag\":\"VPN\",\"level\":4}");
    areas = json_object_get(r, "areas");
    assert_int_equal(json_array_size(areas), 1);
    assert_string_equal(json_string_value(json_array_get(areas, 0)), "vpn");
    json_decref(r);
    json_decref(test_call_ok(t, "{\"op\":\"follow\",\"tag\":\"printer\"}"));
    add(t, &bob, ENTRY_QUESTION, 0, "vpn?", "", "vpn", NULL, NULL);
    add(t, &bob, ENTRY_QUESTION, 1000, "printer?", "", "printer", NULL, NULL);
    add(t, &bob, ENTRY_QUESTION, 2000, "lunch?", "", "food", NULL, NULL);
    r = test_call_ok(t, "{\"op\":\"inbox\"}");
    entries = json_object_get(r, "entries");
    assert_int_equal(json_array_size(entries), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(entries, 0), "title")),
                        "printer?"); /* newest first */
    assert_int_equal(json_array_size(json_object_get(r, "mentoring_requests")), 0);
    assert_int_equal(json_array_size(json_object_get(r, "reminders")), 0);
    json_decref(r);
    /* Unfollowed: only the skill's questions remain. */
    json_decref(test_call_ok(t, "{\"op\":\"follow\",\"tag\":\"printer\",\"off\":true}"));
    r = test_call_ok(t, "{\"op\":\"inbox\",\"limit\":10}");
    assert_int_equal(json_array_size(json_object_get(r, "entries")), 1);
    json_decref(r);
    hex_encode(identity_public_key(t->n->id), ENTRY_KEY_LEN, mine);
    (void)mine;
    r = test_call(t, "{\"op\":\"inbox\",\"limit\":0}");
    assert_string_equal(test_code(r), "bad_request");
    json_decref(r);
    r = test_call(t, "{\"op\":\"skill\",\"tag\":\"!!\"}");
    assert_string_equal(test_code(r), "invalid");
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_inbox, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
