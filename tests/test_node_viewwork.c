/* Views read what they return, not the whole replica (issue 13 item 5, issue 14): the inbox, the
 * lists by reference and by author, and stats, with their results, and the work they did
 * (replica_work: rows verified, SQLite steps). Speed itself is never asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "node_core.h"
#include "node_view.h"
#include "testnode.h"

#define DAY_MS (24ull * 3600 * 1000)

static uint64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *title_of(json_t *entries, size_t i)
{
    return json_string_value(json_object_get(json_array_get(entries, i), "title"));
}

/* The inbox's page of 5: its titles in this order, the one at to_me asked me directly; the
 * response, and the SQLite steps it took in *steps. */
static json_t *inbox_five(struct test_node *t, const char *const titles[5], size_t to_me,
                          uint64_t *steps)
{
    struct replica_work w0, w1;
    json_t *r, *e;
    size_t i;

    replica_work(t->n->replica, &w0);
    r = test_call_ok(t, "{\"op\":\"inbox\",\"limit\":5}");
    replica_work(t->n->replica, &w1);
    *steps = w1.steps - w0.steps;
    e = json_object_get(r, "entries");
    assert_int_equal(json_array_size(e), 5);
    for (i = 0; i < 5; i++)
        assert_string_equal(title_of(e, i), titles[i]);
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, to_me), "reason")),
                        "asked you directly");
    return r;
}

/* 300 questions in my area, two of them urgent, one to me in another tag, my question with an
 * answer: the inbox's page is urgent first, then newest, and it verifies about the page it shows
 * (not the 300 candidates of each list), and on_yours reads only what may concern me. */
static void test_inbox_reads_its_page(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    struct entry_attr urgent = {"urgent", "1"}, to = {"to", NULL};
    char me[2 * ENTRY_KEY_LEN + 1], title[64], mine[2 * ENTRY_ID_LEN + 1];
    struct replica_work w0, w1;
    uint64_t base = wall_ms() - 2 * DAY_MS, steps;
    json_t *r, *e, *on;
    size_t i;

    test_author_init(&bob, 61);
    json_decref(test_call_ok(t, "{\"op\":\"init\",\"name\":\"Ada\"}"));
    json_decref(test_call_ok(t, "{\"op\":\"skill\",\"tag\":\"vpn\"}"));
    hex_encode(identity_public_key(t->n->id), ENTRY_KEY_LEN, me);
    to.value = me;
    for (i = 0; i < 300; i++) {
        int u = i == 10 || i == 20;
        snprintf(title, sizeof(title), "vpn %zu", i);
        add_at(t, &bob, ENTRY_QUESTION, base + i * 1000, title, "", "vpn", NULL, u ? &urgent : NULL,
               u, NULL);
    }
    add_at(t, &bob, ENTRY_QUESTION, base + 298500, "to me", "", "food", NULL, &to, 1, NULL);
    r = test_call_ok(t, "{\"op\":\"post\",\"kind\":\"question\",\"title\":\"mine\",\"body\":\"\","
                        "\"tags\":[\"deploy\"]}");
    snprintf(mine, sizeof(mine), "%s", json_string_value(json_object_get(r, "id")));
    json_decref(r);
    add_at(t, &bob, ENTRY_ANSWER, base + 400000, "", "try this", NULL, mine, NULL, 0, NULL);

    replica_work(t->n->replica, &w0);
    /* urgent first, newest first */
    r = inbox_five(t, (const char *const[]){"vpn 20", "vpn 10", "vpn 299", "to me", "vpn 298"}, 3,
                   &steps);
    replica_work(t->n->replica, &w1);
    e = json_object_get(r, "entries");
    assert_true(json_is_true(json_object_get(json_array_get(e, 0), "urgent")));
    on = json_object_get(r, "on_yours");
    assert_int_equal(json_array_size(on), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(on, 0), "reason")),
                        "answered your question");
    /* The page and what it needs (answers, versions of five entries, my question and its
     * answer), not the 600 rows of the two lists or the 300 recent entries on_yours scans. */
    if (w1.rows - w0.rows > 100)
        fail_msg("the inbox verified %llu rows for a page of 5",
                 (unsigned long long)(w1.rows - w0.rows));
    json_decref(r);
}

static size_t list_count(struct test_node *t, const struct replica_query *q, uint64_t *steps)
{
    struct replica_work w0, w1;
    size_t n = 0;

    replica_work(t->n->replica, &w0);
    assert_int_equal(replica_list(t->n->replica, q, node_view_count_row, &n, NULL), 0);
    replica_work(t->n->replica, &w1);
    *steps = w1.steps - w0.steps;
    return n;
}

/* A question's two answers among 800, and an author's two questions among 800: found through
 * the refs and author indexes, not by walking every answer or question of the replica. */
static void test_lists_by_ref_and_author(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, carol, dave;
    char q0[2 * ENTRY_ID_LEN + 1], qi[2 * ENTRY_ID_LEN + 1];
    uint8_t id[ENTRY_ID_LEN];
    struct replica_query q = {0};
    uint64_t steps;
    size_t i;

    test_author_init(&bob, 62);
    test_author_init(&carol, 63);
    test_author_init(&dave, 64);
    add(t, &carol, ENTRY_QUESTION, 0, "carol's first", "", "x", NULL, q0);
    for (i = 0; i < 800; i++) {
        add(t, &bob, ENTRY_QUESTION, 1000 + i * 10, "q", "", "x", NULL, qi);
        add(t, &dave, ENTRY_ANSWER, 1005 + i * 10, "", "a", NULL, qi, NULL);
    }
    add(t, &dave, ENTRY_ANSWER, 500, "", "first", NULL, q0, NULL);
    add(t, &bob, ENTRY_ANSWER, 600, "", "second", NULL, q0, NULL);
    add(t, &carol, ENTRY_QUESTION, 700, "carol's second", "", "x", NULL, NULL);
    assert_int_equal(hex_decode(q0, 2 * ENTRY_ID_LEN, id, ENTRY_ID_LEN), 0);
    q.kind = ENTRY_ANSWER;
    q.ref = id;
    q.limit = 50;
    assert_int_equal(list_count(t, &q, &steps), 2);
    if (steps > 1500)
        fail_msg("listing 2 answers took %llu steps", (unsigned long long)steps);
    memset(&q, 0, sizeof(q));
    q.kind = ENTRY_QUESTION;
    q.author = carol.pk;
    q.limit = 50;
    assert_int_equal(list_count(t, &q, &steps), 2);
    if (steps > 1500)
        fail_msg("listing carol's 2 questions took %llu steps", (unsigned long long)steps);
    /* And the newest of bob's 800: the page, not all of them sorted. */
    q.author = bob.pk;
    q.limit = 1;
    assert_int_equal(list_count(t, &q, &steps), 1);
    if (steps > 1500)
        fail_msg("listing bob's newest question took %llu steps", (unsigned long long)steps);
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* A replica made by the previous lore (schema 6) opens and gets the author index. */
static void test_migrate_6_to_7(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char path[128], err[ERRMSG_MAX];
    struct replica_query q = {0};
    uint64_t steps;
    size_t i;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;

    test_author_init(&bob, 67);
    for (i = 0; i < 300; i++)
        add(t, &bob, ENTRY_QUESTION, i * 10, "q", "", "x", NULL, NULL);
    node_core_destroy(&t->n);
    snprintf(path, sizeof(path), "%s/replica.db", t->dir);
    exec_sql(path, "DROP INDEX entries_urgent; ALTER TABLE entries DROP COLUMN urgent;"
                   " DROP INDEX entries_author_effective;"
                   " CREATE INDEX entries_author ON entries(author, kind, created_ms);"
                   " PRAGMA user_version = 6");
    t->n = node_core_new(t->dir, err, sizeof(err));
    assert_non_null(t->n);
    q.kind = ENTRY_QUESTION;
    q.author = bob.pk;
    q.limit = 1;
    assert_int_equal(list_count(t, &q, &steps), 1);
    if (steps > 1500)
        fail_msg("after the migration, bob's newest question took %llu steps",
                 (unsigned long long)steps);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT (SELECT count(*) FROM sqlite_master WHERE name ="
                                        " 'entries_author_effective'), (SELECT count(*) FROM"
                                        " sqlite_master WHERE name = 'entries_author')",
                                        -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 1);
    assert_int_equal(sqlite3_column_int(s, 1), 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* stats over 300 answered questions: the helpers are counted by looking each answer's question up
 * by id, not by walking every question for every answer. */
static void test_stats_linear(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, dave;
    char qi[2 * ENTRY_ID_LEN + 1];
    struct replica_work w0, w1;
    json_t *r, *h;
    size_t i;

    test_author_init(&bob, 65);
    test_author_init(&dave, 66);
    for (i = 0; i < 300; i++) {
        add(t, &bob, ENTRY_QUESTION, i * 10, "q", "", "x", NULL, qi);
        add(t, &dave, ENTRY_ANSWER, i * 10 + 5, "", "a", NULL, qi, NULL);
    }
    replica_work(t->n->replica, &w0);
    r = test_call_ok(t, "{\"op\":\"stats\"}");
    replica_work(t->n->replica, &w1);
    assert_int_equal(json_integer_value(json_object_get(r, "asked")), 300);
    assert_int_equal(json_integer_value(json_object_get(r, "answered")), 300);
    h = json_object_get(r, "helpers");
    assert_int_equal(json_array_size(h), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(h, 0), "answers")), 300);
    /* Linear: some tens of steps per question and per answer; 300 x 300 is 90,000. */
    if (w1.steps - w0.steps > 60000)
        fail_msg("stats took %llu steps for 300 questions",
                 (unsigned long long)(w1.steps - w0.steps));
    json_decref(r);
}

/* A person named by a key or a key prefix (the web home page's "my questions" names me by my
 * full key) is found through the author index, not by hex-encoding every row's author; names,
 * prefixes and ambiguity resolve as before. */
static void test_person_by_key(void **state)
{
    struct test_node *t = *state;
    struct test_author bob, cy;
    struct replica_work w0, w1;
    char hex[2 * ENTRY_KEY_LEN + 1], req[256];
    json_t *r;
    size_t i;

    test_author_init(&bob, 71);
    test_author_init(&cy, 72);
    for (i = 0; i < 400; i++)
        add(t, i % 2 ? &bob : &cy, ENTRY_QUESTION, i * 10, "q", "", "x", NULL, NULL);
    hex_encode(bob.pk, ENTRY_KEY_LEN, hex);
    snprintf(req, sizeof(req), "{\"op\":\"list\",\"kind\":\"question\",\"author\":\"%s\"}", hex);
    replica_work(t->n->replica, &w0);
    r = test_call_ok(t, req);
    replica_work(t->n->replica, &w1);
    assert_int_equal(json_array_size(json_object_get(r, "entries")), 50);
    json_decref(r);
    if (w1.steps - w0.steps > 4000)
        fail_msg("listing by a full key took %llu steps among 400 rows",
                 (unsigned long long)(w1.steps - w0.steps));
    hex[8] = '\0'; /* a prefix */
    snprintf(req, sizeof(req), "{\"op\":\"list\",\"kind\":\"question\",\"author\":\"%s\"}", hex);
    r = test_call_ok(t, req);
    assert_int_equal(json_array_size(json_object_get(r, "entries")), 50);
    json_decref(r);
    r = test_call(t, "{\"op\":\"list\",\"author\":\"00000000\"}");
    assert_string_equal(test_code(r), "not_found");
    json_decref(r);
}

/* The title of entry i of a list response. */
static const char *list_title(json_t *r, size_t i)
{
    return title_of(json_object_get(r, "entries"), i);
}

/* A tag page (list by tag, newest first) among 400 tagged entries walks the newest entries until
 * its page is full instead of sorting every tagged one, and says what the sort says: the current
 * version's tags count (a revision that adds the tag brings its entry in, one that drops it takes
 * it out). */
static void test_tag_page_walks(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    struct replica_work w0, w1;
    char title[64], added[2 * ENTRY_ID_LEN + 1], dropped[2 * ENTRY_ID_LEN + 1];
    json_t *r, *all;
    size_t i;

    test_author_init(&bob, 73);
    for (i = 0; i < 400; i++) {
        snprintf(title, sizeof(title), "%s %zu", i % 4 == 3 ? "food" : "vpn", i);
        add(t, &bob, ENTRY_QUESTION, i * 10, title, "", i % 4 == 3 ? "food" : "vpn", NULL, NULL);
    }
    add(t, &bob, ENTRY_QUESTION, 5000, "added", "", "food", NULL, added);
    add(t, &bob, ENTRY_REVISION, 5100, "added", "", "vpn", added, NULL);
    add(t, &bob, ENTRY_QUESTION, 4900, "dropped", "", "vpn", NULL, dropped);
    add(t, &bob, ENTRY_REVISION, 5101, "dropped", "", "food", dropped, NULL);
    replica_work(t->n->replica, &w0);
    r = test_call_ok(t, "{\"op\":\"list\",\"tag\":\"vpn\",\"limit\":10}");
    replica_work(t->n->replica, &w1);
    assert_int_equal(json_array_size(json_object_get(r, "entries")), 10);
    assert_string_equal(list_title(r, 0), "added");
    assert_string_equal(list_title(r, 1), "vpn 398");
    assert_string_equal(list_title(r, 2), "vpn 397");
    assert_string_equal(list_title(r, 3), "vpn 396");
    assert_string_equal(list_title(r, 4), "vpn 394");
    /* The same order as the whole list sorted (the set of every tagged entry). */
    all = test_call_ok(t, "{\"op\":\"list\",\"tag\":\"vpn\",\"limit\":500}");
    assert_int_equal(json_array_size(json_object_get(all, "entries")), 301);
    for (i = 0; i < 10; i++)
        assert_string_equal(list_title(r, i), list_title(all, i));
    for (i = 0; i < 301; i++)
        assert_string_not_equal(list_title(all, i), "dropped");
    json_decref(all);
    json_decref(r);
    if (w1.steps - w0.steps > 3000)
        fail_msg("a tag page of 10 took %llu steps among 400 tagged entries",
                 (unsigned long long)(w1.steps - w0.steps));
}

/* Ada with the skill vpn; n questions by bob a second apart from base, every other one in food
 * when mixed (else all in vpn), those numbered u1 and u2 urgent. */
static void ada_and_questions(struct test_node *t, struct test_author *bob, uint64_t base, size_t n,
                              int mixed, size_t u1, size_t u2)
{
    struct entry_attr urgent = {"urgent", "1"};
    char title[64];
    size_t i;

    json_decref(test_call_ok(t, "{\"op\":\"init\",\"name\":\"Ada\"}"));
    json_decref(test_call_ok(t, "{\"op\":\"skill\",\"tag\":\"vpn\"}"));
    for (i = 0; i < n; i++) {
        const char *tag = mixed && i % 2 ? "food" : "vpn";
        int u = i == u1 || i == u2;
        snprintf(title, sizeof(title), "%s %zu", tag, i);
        add_at(t, bob, ENTRY_QUESTION, base + i * 1000, title, "", tag, NULL, u ? &urgent : NULL, u,
               NULL);
    }
}

/* 400 questions in my area and 400 elsewhere, two old urgent ones among them, one to me: the
 * inbox's page (urgent first, then newest) comes from the urgent questions' index and the
 * newest rows of each list, read only as far as the page needs, not the 500 newest of each. */
static void test_inbox_reads_newest_first(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    struct entry_attr to = {"to", NULL};
    char me[2 * ENTRY_KEY_LEN + 1];
    uint64_t base = wall_ms() - 20 * DAY_MS, steps; /* before on_yours' 14 days: not its work */
    json_t *r;

    test_author_init(&bob, 74);
    ada_and_questions(t, &bob, base, 800, 1, 20, 40);
    hex_encode(identity_public_key(t->n->id), ENTRY_KEY_LEN, me);
    to.value = me;
    add_at(t, &bob, ENTRY_QUESTION, base + 795500, "to me", "", "food", NULL, &to, 1, NULL);
    /* urgent first, newest first */
    r = inbox_five(t, (const char *const[]){"vpn 40", "vpn 20", "vpn 798", "vpn 796", "to me"}, 4,
                   &steps);
    json_decref(r);
    if (steps > 8000)
        fail_msg("an inbox page of 5 took %llu steps among 800 questions",
                 (unsigned long long)steps);
}

/* A replica made by the previous lore (schema 7) opens with its urgent questions marked (the
 * migration reads their attribute): the inbox still shows them first. */
static void test_migrate_7_to_8(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char path[128], err[ERRMSG_MAX];
    json_t *r, *e;

    test_author_init(&bob, 75);
    ada_and_questions(t, &bob, wall_ms() - 20 * DAY_MS, 300, 0, 7, 7);
    node_core_destroy(&t->n);
    snprintf(path, sizeof(path), "%s/replica.db", t->dir);
    exec_sql(path, "DROP INDEX entries_urgent; ALTER TABLE entries DROP COLUMN urgent;"
                   " PRAGMA user_version = 7");
    t->n = node_core_new(t->dir, err, sizeof(err));
    assert_non_null(t->n);
    r = test_call_ok(t, "{\"op\":\"inbox\",\"limit\":3}");
    e = json_object_get(r, "entries");
    assert_int_equal(json_array_size(e), 3);
    assert_string_equal(title_of(e, 0), "vpn 7");
    assert_true(json_is_true(json_object_get(json_array_get(e, 0), "urgent")));
    assert_string_equal(title_of(e, 1), "vpn 299");
    assert_string_equal(title_of(e, 2), "vpn 298");
    json_decref(r);
}

/* A node idle for a tick gives back its connection's page cache (what a big read left behind:
 * issue 14's idle memory after a bootstrap), and not while ops are running. */
static void test_idle_gives_cache_back(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    char body[1024];
    sqlite3_int64 used0, used1;
    size_t i, cache;
    json_t *r;

    test_author_init(&bob, 81);
    memset(body, 'a', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    for (i = 0; i < 400; i++)
        add(t, &bob, ENTRY_QUESTION, i * 10, "q", body, "x", NULL, NULL);
    r = test_call_ok(t, "{\"op\":\"list\",\"kind\":\"question\",\"limit\":500}");
    assert_int_equal(json_array_size(json_object_get(r, "entries")), 400);
    json_decref(r);
    assert_int_equal(node_core_idle(t->n), SIZE_MAX); /* an op ran since the last tick */
    used0 = sqlite3_memory_used();
    cache = node_core_idle(t->n);
    used1 = sqlite3_memory_used();
    print_message("idle: SQLite memory %lld -> %lld bytes, page cache left %zu\n", (long long)used0,
                  (long long)used1, cache);
    assert_true(cache < 64 * 1024);
    assert_true(used0 - used1 >= 256 * 1024);
}

/* Three notes by title among 800 notes and their 800 revisions (lore import's duplicate check):
 * found through the title index — one by its revision's title — not by reading every note, with
 * 3 titles and with 500 (an import's batch: the planner, left to itself, took the kind index for
 * that many); and a replica of schema 8 gets the index when it opens. */
static void test_titles_read_matches(void **state)
{
    struct test_node *t = *state;
    struct test_author bob;
    const char *titles[REPLICA_MAX_TITLES] = {"note 17", "revised 400", "note 400"};
    char id[2 * ENTRY_ID_LEN + 1], title[32], path[128], err[ERRMSG_MAX];
    char absent[REPLICA_MAX_TITLES][32];
    struct replica_query q = {0};
    uint64_t steps;
    size_t i;

    test_author_init(&bob, 76);
    for (i = 0; i < 800; i++) {
        snprintf(title, sizeof(title), "note %zu", i);
        add(t, &bob, ENTRY_NOTE, i * 10, title, "body", NULL, NULL, id);
        snprintf(title, sizeof(title), "%s %zu", i == 400 ? "revised" : "note", i);
        add(t, &bob, ENTRY_REVISION, i * 10 + 5, title, "new body", NULL, id, NULL);
    }
    for (i = 3; i < REPLICA_MAX_TITLES; i++) {
        snprintf(absent[i], sizeof(absent[i]), "imported %zu", i);
        titles[i] = absent[i];
    }
    q.kind = ENTRY_NOTE;
    q.titles = titles;
    q.limit = 50;
    for (i = 0; i < 2; i++) {
        q.ntitles = 3;
        assert_int_equal(list_count(t, &q, &steps), 2); /* note 400 was renamed */
        if (steps > 1500)
            fail_msg("listing 2 notes by title took %llu steps", (unsigned long long)steps);
        q.ntitles = REPLICA_MAX_TITLES;
        assert_int_equal(list_count(t, &q, &steps), 2);
        /* ~20 steps a title through the index (9,830 here); reading the notes: 40,091 */
        if (steps > 15000)
            fail_msg("listing 2 notes by 500 titles took %llu steps", (unsigned long long)steps);
        if (i == 1)
            break;
        node_core_destroy(&t->n);
        snprintf(path, sizeof(path), "%s/replica.db", t->dir);
        exec_sql(path, "DROP INDEX entries_title; PRAGMA user_version = 8");
        t->n = node_core_new(t->dir, err, sizeof(err));
        assert_non_null(t->n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_inbox_reads_its_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists_by_ref_and_author, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_linear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_6_to_7, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_by_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tag_page_walks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbox_reads_newest_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_7_to_8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_gives_cache_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_titles_read_matches, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
