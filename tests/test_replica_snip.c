/* replica_snip: snippets made from a row's text are FTS5's snippet(), byte for byte, for every
 * query it takes; queries it does not take are refused, and search still gives their snippets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "replica.h"
#include "replica_int.h" /* white box: the snipper itself, against FTS5 on the same rows */
#include "testutil.h"
#include "xmalloc.h"

#define T0 1795000000000ull
#define NOTES 400

struct fixture {
    char dir[64];
    char path[128];
    struct replica *r;
};

/* Words, some of them stemmed alike (run, running, runs), and punctuation that starts sentences
 * ('.', ':') or does not (',', '-'). */
static const char *const words[] = {"vpn",         "printer", "run",   "running", "runs",
                                    "coffee",      "deploy",  "Kafka", "kafka",   "build",
                                    "caf\xc3\xa9", "cafe",    "rota",  "key",     "keys",
                                    "the",         "a",       "of",    "release", "CI"};
static const char *const puncts[] = {" ", " ", " ", " ", ", ", ". ", ": ", " - ", "  ", ".\n\n"};
#define NWORDS (sizeof(words) / sizeof(words[0]))
#define NPUNCTS (sizeof(puncts) / sizeof(puncts[0]))

static void add(struct buf *b, const char *s)
{
    assert_int_equal(buf_append_str(b, s), 0);
}

static void text(struct buf *b, unsigned *seed, int min, int max, int lines)
{
    unsigned np = lines ? NPUNCTS : NPUNCTS - 1; /* the last one breaks the line */
    int i, n = min + (int)(rand_r(seed) % (unsigned)(max - min + 1));

    buf_reset(b);
    if (rand_r(seed) % 5 == 0)
        add(b, " ("); /* text before the first token */
    for (i = 0; i < n; i++) {
        if (i > 0)
            add(b, puncts[rand_r(seed) % np]);
        add(b, words[rand_r(seed) % NWORDS]);
    }
    if (n > 0 && rand_r(seed) % 3 == 0)
        add(b, rand_r(seed) % 2 ? "." : "?)");
    assert_int_equal(buf_append(b, "", 1), 0);
}

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof(*fx));
    struct test_author a;
    struct buf title, body;
    char err[256];
    unsigned seed = 7;
    int i;

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/lore-test-snip-XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/replica.db", fx->dir);
    fx->r = replica_open(fx->path, 0, err, sizeof(err));
    if (fx->r == NULL)
        return -1;
    test_author_init(&a, 1);
    buf_init(&title, 1 << 16);
    buf_init(&body, 1 << 16);
    for (i = 0; i < NOTES; i++) {
        struct entry_fields f = {0};
        const char *tags[2] = {words[rand_r(&seed) % 3], "office"};
        struct entry *e;
        size_t len;
        const uint8_t *bytes;

        text(&title, &seed, 1, 8, 0);
        text(&body, &seed, 1, i % 4 == 0 ? 120 : 30, 1);
        f.kind = ENTRY_NOTE;
        f.created_ms = T0 + (uint64_t)i;
        f.title = (const char *)title.data;
        f.body = (const char *)body.data;
        f.tags = tags;
        f.ntags = 1 + (size_t)(i % 2);
        e = test_entry(&a, &f);
        bytes = entry_bytes(e, &len);
        if (replica_merge(fx->r, bytes, len, NULL, err, sizeof(err)) != REPLICA_ADDED)
            return -1;
        entry_destroy(&e);
    }
    buf_free(&title);
    buf_free(&body);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[200];

    replica_close(&fx->r);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

/* Every row match finds: the snipper's snippet is FTS5's. Returns how many rows were compared. */
static int compare(struct replica *r, const char *match, const char *open, const char *close)
{
    struct buf m;
    struct replica_snip *sn;
    sqlite3_stmt *s;
    int rows = 0;

    buf_init(&m, 4096);
    add(&m, match);
    sn = replica_snip_new(r, &m);
    assert_non_null(sn);
    assert_int_equal(sqlite3_prepare_v2(r->db,
                                        "SELECT rowid, snippet(fts, -1, ?2, ?3, '\xe2\x80\xa6', 16)"
                                        " FROM fts WHERE fts MATCH ?1",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, open, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, close, -1, SQLITE_STATIC);
    while (sqlite3_step(s) == SQLITE_ROW) {
        char *mine = replica_snip_row(sn, sqlite3_column_int64(s, 0), open, close);
        const char *fts = (const char *)sqlite3_column_text(s, 1);

        assert_non_null(mine);
        if (strcmp(mine, fts) != 0)
            fail_msg("%s, row %lld:\n fts5: [%s]\n mine: [%s]", match,
                     (long long)sqlite3_column_int64(s, 0), fts, mine);
        free(mine);
        rows++;
    }
    sqlite3_finalize(s);
    replica_snip_free(&sn);
    buf_free(&m);
    return rows;
}

static void test_same_as_fts5(void **state)
{
    struct fixture *fx = *state;
    static const char *const matches[] = {
        "\"vpn\"",
        "\"run\"", /* stems: run, running, runs */
        "\"kafka\"",
        "\"cafe\"", /* diacritics removed */
        "\"vpn\" AND \"coffee\"",
        "(\"printer\" AND \"run\")",
        "((\"vpn\" OR \"deploy\"))",
        "\"the\" AND \"of\" AND \"a\"",
        "\"key\" AND \"key\"", /* a word twice: two phrases, as FTS5 counts them */
        "(\"office\")",        /* in the tags column only */
        "\"release\" OR \"ci\" OR \"rota\" OR \"build\"",
    };
    size_t i;
    int rows = 0;

    for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
        rows += compare(fx->r, matches[i], "**", "**");
        rows += compare(fx->r, matches[i], "<mark>", "</mark>");
    }
    assert_true(rows > 2000); /* the fixture is what it should be: many rows compared */
}

/* What the snipper does not take: FTS5's snippet() makes those, through search. */
static void test_refused(void **state)
{
    struct fixture *fx = *state;
    static const char *const matches[] = {
        "\"vpn\"*",
        "\"vpn\" NOT \"coffee\"",
        "\"coffee machine\"",
        "{title} : \"vpn\"",
        "NEAR(\"a\" \"b\")",
        "\"\"",
        "",
    };
    size_t i;

    for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
        struct buf m;
        struct replica_snip *sn;

        buf_init(&m, 4096);
        add(&m, matches[i]);
        sn = replica_snip_new(fx->r, &m);
        if (sn != NULL)
            fail_msg("the snipper took %s", matches[i]);
        buf_free(&m);
    }
}

struct snips {
    size_t n, highlighted;
};

static int snip_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct snips *s = ctx;

    (void)e;
    (void)rank;
    s->n++;
    s->highlighted += snippet != NULL && strstr(snippet, "[") != NULL;
    return 0;
}

/* Search gives a highlighted snippet for every result, whichever way it was made. */
static void test_search_snippets(void **state)
{
    struct fixture *fx = *state;
    static const char *const queries[] = {"vpn coffee", "vpn coff", "\"printer run\"",
                                          "vpn -coffee", "release OR rota"};
    struct replica_query q = {0};
    char err[256];
    size_t i;

    for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        struct snips s = {0, 0};

        q.limit = 20;
        assert_int_equal(
            replica_search(fx->r, queries[i], &q, "[", "]", snip_row, &s, NULL, err, sizeof(err)),
            0);
        assert_true(s.n > 0);
        assert_int_equal(s.highlighted, s.n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_fts5),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_search_snippets),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
