/* node_team through node_call: team_show, team_create offline (no networking hooks). */
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

static void test_team_show_create(void **state)
{
    struct test_node *t = *state;
    json_t *r;

    (void)add;
    (void)callf;
    r = test_call(t, "{\"op\":\"team_show\"}");
    assert_string_equal(test_code(r), "no_team");
    json_decref(r);
    json_decref(test_call_ok(t, "{\"op\":\"init\",\"name\":\"Ann\"}"));
    r = test_call_ok(t, "{\"op\":\"team_create\",\"name\":\"ops\"}");
    json_decref(r);
    r = test_call_ok(t, "{\"op\":\"team_show\"}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "team"), "name")),
                        "ops");
    assert_true(json_array_size(json_object_get(json_object_get(r, "team"), "members")) >= 1);
    json_decref(r);
    r = test_call(t, "{\"op\":\"team_create\",\"name\":\"again\"}");
    assert_false(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_team_show_create, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
