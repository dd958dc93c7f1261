/* Replica: merge semantics, order independence, search ranking, prefixes, tamper detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "hex.h"
#include "replica.h"
#include "testutil.h"
#include "xmalloc.h"

#define T0 1795000000000ull

struct fixture {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof(*fx));

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/lore-test-replica-XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/replica.db", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[200];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static struct entry *make(struct test_author *a, uint16_t kind, uint64_t t, const char *title,
                          const char *body, const char *tag, const uint8_t *ref)
{
    struct entry_fields f = {0};
    const char *tags[1] = {tag};

    f.kind = kind;
    f.created_ms = t;
    f.title = title;
    f.body = body;
    f.tags = tag != NULL ? tags : NULL;
    f.ntags = tag != NULL;
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])ref;
    f.nrefs = ref != NULL;
    return test_entry(a, &f);
}

static enum replica_merge_result merge(struct replica *r, const struct entry *e)
{
    size_t len;
    const uint8_t *b = entry_bytes(e, &len);
    char err[256];

    return replica_merge(r, b, len, NULL, err, sizeof(err));
}

struct collect {
    char out[65536];
    size_t n;
};

static int collect_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct collect *c = ctx;
    char hex[65];
    size_t used = strlen(c->out);

    (void)rank;
    hex_encode(entry_id(e), ENTRY_ID_LEN, hex);
    snprintf(c->out + used, sizeof(c->out) - used, "%s %s|%s\n", hex, entry_title(e),
             snippet != NULL ? snippet : "");
    c->n++;
    return 0;
}

static void test_merge_idempotent(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct entry *e;
    uint8_t id[ENTRY_ID_LEN];
    size_t len;

    assert_non_null(r);
    test_author_init(&a, 1);
    e = make(&a, ENTRY_QUESTION, T0, "How do I rotate the VPN certificate?", "", "vpn", NULL);
    assert_int_equal(merge(r, e), REPLICA_ADDED);
    assert_int_equal(merge(r, e), REPLICA_EXISTS);
    entry_bytes(e, &len);
    assert_int_equal(replica_merge(r, entry_bytes(e, NULL), len, id, err, sizeof(err)),
                     REPLICA_EXISTS);
    assert_memory_equal(id, entry_id(e), ENTRY_ID_LEN);
    assert_int_equal(replica_count(r), 1);

    /* A corrupted copy is refused and changes nothing. */
    uint8_t *bad = xmalloc(len);
    memcpy(bad, entry_bytes(e, NULL), len);
    bad[len - 1] ^= 1;
    assert_int_equal(replica_merge(r, bad, len, NULL, err, sizeof(err)), REPLICA_ERROR);
    assert_int_equal(replica_count(r), 1);
    free(bad);

    /* Stored bytes come back byte for byte. */
    struct entry *got;
    assert_int_equal(replica_get(r, entry_id(e), &got, err, sizeof(err)), REPLICA_FOUND);
    size_t glen;
    entry_bytes(got, &glen);
    assert_int_equal(glen, len);
    assert_memory_equal(entry_bytes(got, NULL), entry_bytes(e, NULL), len);
    entry_destroy(&got);

    /* Reopen: data and schema version persist. */
    replica_close(&r);
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(replica_count(r), 1);
    replica_close(&r);
    entry_destroy(&e);
}

#define NORDER 60

static void fill_and_dump(const char *path, struct entry **es, const size_t *order, char *list,
                          char *search)
{
    char err[256];
    struct replica *r = replica_open(path, 0, err, sizeof(err));
    struct replica_query q = {0};
    struct collect *c = xcalloc(1, sizeof(*c));
    size_t i;

    assert_non_null(r);
    for (i = 0; i < NORDER; i++)
        assert_int_equal(merge(r, es[order[i]]), REPLICA_ADDED);
    q.limit = 500;
    assert_int_equal(replica_list(r, &q, collect_row, c, NULL), 0);
    memcpy(list, c->out, sizeof(c->out));
    memset(c, 0, sizeof(*c));
    assert_int_equal(
        replica_search(r, "printer", &q, NULL, NULL, collect_row, c, NULL, err, sizeof(err)), 0);
    memcpy(search, c->out, sizeof(c->out));
    /* A small page: ties in rank straddle its end, and still come out the same everywhere. */
    memset(c, 0, sizeof(*c));
    q.limit = 5;
    q.offset = 3;
    assert_int_equal(
        replica_search(r, "printer jams", &q, NULL, NULL, collect_row, c, NULL, err, sizeof(err)),
        0);
    assert_int_equal(c->n, 5);
    assert_true(strlen(search) + strlen(c->out) < sizeof(c->out));
    memcpy(search + strlen(search), c->out, strlen(c->out) + 1);
    q.limit = 500;
    q.offset = 0;
    q.open_only = 1;
    memset(c, 0, sizeof(*c));
    assert_int_equal(replica_list(r, &q, collect_row, c, NULL), 0);
    assert_true(c->n > 0);
    free(c);
    replica_close(&r);
}

static void test_order_independent(void **state)
{
    struct fixture *fx = *state;
    struct test_author a, b;
    struct entry *es[NORDER];
    size_t fwd[NORDER], rev[NORDER], i;
    char *l1 = xcalloc(1, 65536), *l2 = xcalloc(1, 65536), *s1 = xcalloc(1, 65536),
         *s2 = xcalloc(1, 65536);
    char p2[160];

    test_author_init(&a, 1);
    test_author_init(&b, 2);
    for (i = 0; i < NORDER; i++) {
        char title[64], body[128];
        snprintf(title, sizeof(title), "printer question %zu", i);
        snprintf(body, sizeof(body), "the printer on floor %zu jams", i % 7);
        if (i % 3 == 2) /* an answer to the previous question, possibly before it arrives */
            es[i] = make(&b, ENTRY_ANSWER, T0 + i * 1000, "", body, NULL, entry_id(es[i - 1]));
        else
            es[i] = make(i % 2 ? &a : &b, i % 4 == 0 ? ENTRY_NOTE : ENTRY_QUESTION,
                         T0 + (i % 10) * 1000, title, body, "printing", NULL);
        fwd[i] = i;
        rev[NORDER - 1 - i] = i;
    }
    /* A shuffled order too: the answers then often arrive before their questions. */
    for (i = 0; i < NORDER; i += 2) {
        size_t t = rev[i];
        rev[i] = rev[(i * 7) % NORDER];
        rev[(i * 7) % NORDER] = t;
    }
    fill_and_dump(fx->path, es, fwd, l1, s1);
    snprintf(p2, sizeof(p2), "%s/other.db", fx->dir);
    fill_and_dump(p2, es, rev, l2, s2);
    assert_true(strlen(l1) > 0);
    assert_string_equal(l1, l2);
    assert_true(strlen(s1) > 0);
    assert_string_equal(s1, s2);
    for (i = 0; i < NORDER; i++)
        entry_destroy(&es[i]);
    free(l1), free(l2), free(s1), free(s2);
}

struct first {
    char title[128];
    char snippet[512];
    size_t n;
};

static int first_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct first *f = ctx;

    (void)rank;
    if (f->n++ == 0) {
        snprintf(f->title, sizeof(f->title), "%s", entry_title(e));
        snprintf(f->snippet, sizeof(f->snippet), "%s", snippet != NULL ? snippet : "");
    }
    return 0;
}

static void test_search_ranking(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct replica_query q = {0};
    struct first f = {0};
    struct entry *e[4];
    int i;

    test_author_init(&a, 1);
    e[0] =
        make(&a, ENTRY_NOTE, T0, "Kitchen rota", "Mentions vpn once in passing.", "office", NULL);
    e[1] =
        make(&a, ENTRY_NOTE, T0 + 1, "VPN certificate rotation", "Run vpnctl rotate.", "vpn", NULL);
    e[2] = make(&a, ENTRY_QUESTION, T0 + 2, "Where is the coffee?", "", "office", NULL);
    e[3] = make(&a, ENTRY_NOTE, T0 + 3, "C++ build flags", "Use -O2 for c++ code.", "c++", NULL);
    for (i = 0; i < 4; i++)
        assert_int_equal(merge(r, e[i]), REPLICA_ADDED);

    assert_int_equal(
        replica_search(r, "vpn", &q, NULL, NULL, first_row, &f, NULL, err, sizeof(err)), 0);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.title, "VPN certificate rotation"); /* title match beats body match */
    assert_non_null(strstr(f.snippet, "**VPN**"));

    memset(&f, 0, sizeof(f));
    assert_int_equal(
        replica_search(r, "certif", &q, "<", ">", first_row, &f, NULL, err, sizeof(err)), 0);
    assert_int_equal(f.n, 1); /* the last word is also a prefix */
    assert_non_null(strstr(f.snippet, "<certificate>"));

    /* FTS5's own syntax in what people type is text ("col:vpn" is no column filter, "c++" no
     * operator); what the query grammar cannot read is an error, never a raw MATCH. */
    const char *odd[] = {"c++", "col:vpn", "NEAR(a b)", "a:b^c"};
    for (i = 0; i < (int)(sizeof(odd) / sizeof(odd[0])); i++) {
        memset(&f, 0, sizeof(f));
        assert_int_equal(
            replica_search(r, odd[i], &q, NULL, NULL, first_row, &f, NULL, err, sizeof(err)), 0);
    }
    memset(&f, 0, sizeof(f));
    assert_int_equal(
        replica_search(r, "c++", &q, NULL, NULL, first_row, &f, NULL, err, sizeof(err)), 0);
    assert_string_equal(f.title, "C++ build flags");
    assert_int_equal(
        replica_search(r, "   ", &q, NULL, NULL, first_row, &f, NULL, err, sizeof(err)), -1);

    /* Filters. */
    memset(&f, 0, sizeof(f));
    q.tag = "office";
    q.kind = ENTRY_QUESTION;
    assert_int_equal(replica_list(r, &q, first_row, &f, NULL), 0);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.title, "Where is the coffee?");
    for (i = 0; i < 4; i++)
        entry_destroy(&e[i]);
    replica_close(&r);
}

/* One search's results: entry id (hex) and rank, in order. */
struct ranked {
    char id[64][65];
    double rank[64];
    size_t n;
};

static int ranked_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct ranked *k = ctx;

    (void)snippet;
    if (k->n < 64) {
        hex_encode(entry_id(e), ENTRY_ID_LEN, k->id[k->n]);
        k->rank[k->n++] = rank;
    }
    return 0;
}

/* Every result of query ranked as FTS5's own bm25(fts, 10, 1, 5) ranks it on the same file, read
 * through a connection of its own (lore_rank keeps phrase counts; bm25 counts on each query). */
static void assert_ranks_are_bm25(struct replica *r, const char *path, const char *query)
{
    struct replica_query q = {.limit = 64};
    struct ranked k = {0};
    struct buf match;
    sqlite3 *db;
    sqlite3_stmt *s;
    char err[256], hex[65];
    size_t i;

    assert_int_equal(
        replica_search(r, query, &q, NULL, NULL, ranked_row, &k, NULL, err, sizeof(err)), 0);
    assert_true(k.n > 0);
    assert_int_equal(replica_search_match(r, query, 0, &match, err, sizeof(err)), 0);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT bm25(fts, 10.0, 1.0, 5.0) FROM fts JOIN entries e"
                                        " ON e.seq = fts.rowid WHERE fts MATCH ?1 AND e.id = ?2",
                                        -1, &s, NULL),
                     SQLITE_OK);
    for (i = 0; i < k.n; i++) {
        uint8_t id[ENTRY_ID_LEN];
        assert_int_equal(hex_decode(k.id[i], 64, id, sizeof(id)), 0);
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, (const char *)match.data, (int)match.len, SQLITE_STATIC);
        sqlite3_bind_blob(s, 2, id, ENTRY_ID_LEN, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        snprintf(hex, sizeof(hex), "%s", k.id[i]);
        if (fabs(sqlite3_column_double(s, 0) - k.rank[i]) > 1e-9 * fabs(k.rank[i]))
            fail_msg("%s: %s ranks %.12g, bm25 %.12g", query, hex, k.rank[i],
                     sqlite3_column_double(s, 0));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    buf_free(&match);
}

/* lore_rank (replica_rank.c) is FTS5's bm25 with each phrase's count kept: the same ranks on the
 * first query, on the next one (counts kept), and after the index grew by more than 1/20 (counted
 * again), for words, prefixes, phrases, NOT and OR. */
static void test_rank_is_bm25(void **state)
{
    struct fixture *fx = *state;
    const char *queries[] = {"vpn",          "certif",        "vpn rotate", "\"vpn client\"",
                             "vpn -kitchen", "coffee OR vpn", "vpn* office"};
    const char *words[] = {"vpn", "client", "rotate", "certificate", "kitchen", "coffee", "office"};
    struct test_author a;
    char err[256], title[128], body[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct entry *e;
    size_t i, j, round;

    assert_non_null(r);
    test_author_init(&a, 1);
    for (round = 0, i = 0; round < 2; round++) {
        /* round 0: 200 entries; round 1: 40 more (a fifth: the kept counts are stale) */
        for (; i < (round == 0 ? 200u : 240u); i++) {
            snprintf(title, sizeof(title), "%s %s", words[i % 7], i % 3 ? "notes" : "vpn");
            snprintf(body, sizeof(body), "%s %s %s vpn client %s", words[(i * 3) % 7],
                     words[(i * 5) % 7], i % 4 ? "and" : "certificates", i % 2 ? "x y z" : "");
            e = make(&a, i % 2 ? ENTRY_NOTE : ENTRY_QUESTION, T0 + i, title, body,
                     words[(i * 2) % 7], NULL);
            assert_int_equal(merge(r, e), REPLICA_ADDED);
            entry_destroy(&e);
        }
        for (j = 0; j < sizeof(queries) / sizeof(queries[0]); j++) {
            assert_ranks_are_bm25(r, fx->path, queries[j]);
            assert_ranks_are_bm25(r, fx->path, queries[j]); /* counts kept */
        }
    }
    replica_close(&r);
}

/* The row lengths lore_rank keeps (replica_rank.c) stay FTS5's own when rows leave the index and
 * their rowids are used again: Bob's newest notes, short, are ranked (their lengths kept), then
 * purged; Ann's long notes take the same rowids, and rank as bm25 ranks them (with the lengths
 * kept from before, they would not). */
static void test_rank_sizes_after_purge(void **state)
{
    struct fixture *fx = *state;
    struct test_author ann, bob;
    char err[256], title[64], body[512];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct entry *e;
    size_t i;

    assert_non_null(r);
    test_author_init(&ann, 1);
    test_author_init(&bob, 2);
    for (i = 0; i < 60; i++) {
        snprintf(title, sizeof(title), "vpn note %zu", i);
        e = make(i < 40 ? &ann : &bob, ENTRY_NOTE, T0 + i, title,
                 i % 2 ? "vpn client" : "the vpn client and the office", NULL, NULL);
        assert_int_equal(merge(r, e), REPLICA_ADDED);
        entry_destroy(&e);
    }
    assert_ranks_are_bm25(r, fx->path, "vpn client"); /* every length kept */
    assert_int_equal(replica_purge_author(r, bob.pk, T0, err, sizeof(err)), 20);
    for (i = 0; i < 20; i++) {
        snprintf(title, sizeof(title), "vpn later %zu", i);
        snprintf(body, sizeof(body),
                 "vpn client %s: restart it, check the certificate, the route, the resolver, "
                 "the firewall, the proxy and the clock, then try again from the office",
                 i % 2 ? "on linux" : "on a phone");
        e = make(&ann, ENTRY_NOTE, T0 + 100 + i, title, body, NULL, NULL);
        assert_int_equal(merge(r, e), REPLICA_ADDED);
        entry_destroy(&e);
    }
    assert_ranks_are_bm25(r, fx->path, "vpn client");
    replica_close(&r);
}

/* The last bare word matches as a prefix while it is being typed, and as typed once it is a
 * whole word of the replica (in REPLICA_WHOLE_WORD_MIN entries or more): "cat" finds the catalog
 * while few entries say cat, and only cats after. */
static void test_search_last_word(void **state)
{
    struct fixture *fx = *state;
    struct replica_query q = {.limit = 64};
    struct test_author a;
    struct ranked k;
    struct buf match;
    char err[256], title[64];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct entry *e;
    int i;

    assert_non_null(r);
    test_author_init(&a, 1);
    e = make(&a, ENTRY_NOTE, T0, "The parts catalog", "where the parts are", NULL, NULL);
    assert_int_equal(merge(r, e), REPLICA_ADDED);
    entry_destroy(&e);
    for (i = 0; i < REPLICA_WHOLE_WORD_MIN + 5; i++) {
        snprintf(title, sizeof(title), "cat number %d", i);
        e = make(&a, ENTRY_NOTE, T0 + 1 + (uint64_t)i, title, "fed", NULL, NULL);
        assert_int_equal(merge(r, e), REPLICA_ADDED);
        entry_destroy(&e);
        memset(&k, 0, sizeof(k));
        assert_int_equal(
            replica_search(r, "cat", &q, NULL, NULL, ranked_row, &k, NULL, err, sizeof(err)), 0);
        /* a prefix (the catalog too) well under the bound, a whole word past it (the count of
         * cat is kept while the index changes by less than 1/20: the switch may come that late) */
        if (i + 1 <= REPLICA_WHOLE_WORD_MIN / 2)
            assert_int_equal(k.n, (size_t)i + 2);
        else if (i + 1 >= REPLICA_WHOLE_WORD_MIN + 2)
            assert_int_equal(k.n, (size_t)i + 1);
    }
    memset(&k, 0, sizeof(k));
    assert_int_equal(
        replica_search(r, "cata", &q, NULL, NULL, ranked_row, &k, NULL, err, sizeof(err)), 0);
    assert_int_equal(k.n, 1); /* still typing: a prefix */
    memset(&k, 0, sizeof(k));
    assert_int_equal(
        replica_search(r, "cat*", &q, NULL, NULL, ranked_row, &k, NULL, err, sizeof(err)), 0);
    assert_int_equal(k.n, REPLICA_WHOLE_WORD_MIN + 6); /* a prefix typed as one stays one */
    assert_int_equal(replica_search_match(r, "fed cat", 0, &match, err, sizeof(err)), 0);
    assert_non_null(strstr((const char *)match.data, "\"cat\")"));
    buf_free(&match);
    assert_int_equal(replica_search_match(r, "fed cata", 0, &match, err, sizeof(err)), 0);
    assert_non_null(strstr((const char *)match.data, "\"cata\"*"));
    buf_free(&match);
    replica_close(&r);
}

/* The search grammar (docs/API.md, search): words, "phrases", OR, NOT / -word, word*, (groups);
 * a query it cannot read is an error saying where, not an empty result. */
static void test_search_grammar(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct replica_query q = {0};
    struct collect c;
    struct entry *e[4];
    size_t i;
    static const struct {
        const char *query;
        size_t hits;
    } good[] = {
        {"wifi OR vpn", 2},
        {"password NOT vpn", 1},
        {"password -vpn", 1},
        {"\"password reset\"", 1},
        {"\"reset password\"", 0},
        {"pass* guests", 1},
        {"gue*", 2},
        {"(wifi OR printer) guests", 1},
        {"password", 2},
        {"wifi password", 1},
        {"wifi AND password", 1},
        {"wifi or vpn", 0},
        {"printer OR (vpn -reset)", 1},
        {"-printer password", 2},
    };
    static const struct {
        const char *query, *where;
    } bad[] = {
        {"\"unclosed words", "quote at character 1 is not closed"},
        {"(wifi OR vpn", "'(' at character 1 is not closed"},
        {"wifi)", "')' at character 5"},
        {"OR wifi", "OR at character 1"},
        {"wifi OR", "OR at character 6"},
        {"NOT wifi", "character 1"},
        {"-wifi -vpn", "character 1"},
        {"wifi NOT", "NOT at character 6"},
        {"wifi ()", "character 6"},
        {"*", "character 1"},
        {"a\"b", "character 2"},
        {"   ", "no words"},
    };

    test_author_init(&a, 1);
    e[0] = make(&a, ENTRY_NOTE, T0, "Wifi password for guests", "Ask reception.", "office", NULL);
    e[1] = make(&a, ENTRY_NOTE, T0 + 1, "VPN password reset", "Use the portal.", "vpn", NULL);
    e[2] = make(&a, ENTRY_NOTE, T0 + 2, "Printer on floor two", "Tray 2 jams.", "office", NULL);
    e[3] = make(&a, ENTRY_NOTE, T0 + 3, "Guest network rules", "No torrents.", "office", NULL);
    for (i = 0; i < 4; i++)
        assert_int_equal(merge(r, e[i]), REPLICA_ADDED);
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        memset(&c, 0, sizeof(c));
        if (replica_search(r, good[i].query, &q, NULL, NULL, collect_row, &c, NULL, err,
                           sizeof(err)) != 0 ||
            c.n != good[i].hits) {
            fprintf(stderr, "query '%s': %zu hits, want %zu (%s)\n", good[i].query, c.n,
                    good[i].hits, err);
            fail();
        }
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&c, 0, sizeof(c));
        err[0] = '\0';
        if (replica_search(r, bad[i].query, &q, NULL, NULL, collect_row, &c, NULL, err,
                           sizeof(err)) != -1 ||
            strstr(err, bad[i].where) == NULL) {
            fprintf(stderr, "query '%s': want an error with '%s', got '%s'\n", bad[i].query,
                    bad[i].where, err);
            fail();
        }
    }
    for (i = 0; i < 4; i++)
        entry_destroy(&e[i]);
    replica_close(&r);
}

static void test_prefix_resolution(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    char err[256], hex[65], prefix[8];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    uint8_t id[ENTRY_ID_LEN], cand[10][ENTRY_ID_LEN];
    static uint8_t seen[65536];
    size_t i, n;
    int collided = 0;

    test_author_init(&a, 9);
    for (i = 0; i < 3000 && !collided; i++) {
        struct entry *e = make(&a, ENTRY_QUESTION, T0 + i, "q", "", NULL, NULL);
        unsigned p = (unsigned)entry_id(e)[0] << 8 | entry_id(e)[1];
        assert_int_equal(merge(r, e), REPLICA_ADDED);
        hex_encode(entry_id(e), ENTRY_ID_LEN, hex);
        if (seen[p]) {
            collided = 1;
            memcpy(prefix, hex, 4);
            prefix[4] = '\0';
        }
        seen[p] = 1;
        if (i == 0) {
            assert_int_equal(replica_resolve(r, hex, id, NULL, 0, NULL), REPLICA_FOUND);
            assert_memory_equal(id, entry_id(e), ENTRY_ID_LEN);
            hex[12] = '\0';
            assert_int_equal(replica_resolve(r, hex, id, NULL, 0, NULL), REPLICA_FOUND);
            hex[2] = '\0';
            assert_int_equal(replica_resolve(r, hex, id, NULL, 0, NULL), REPLICA_NOT_FOUND);
        }
        entry_destroy(&e);
    }
    assert_true(collided);
    assert_int_equal(replica_resolve(r, prefix, id, cand, 10, &n), REPLICA_AMBIGUOUS);
    assert_true(n >= 2);
    assert_int_equal(replica_resolve(r, "zzzz", id, NULL, 0, NULL), REPLICA_NOT_FOUND);
    replica_close(&r);
}

/* Change the file behind the replica's back, as an attacker or a bad disk would. */
static void tamper(const char *path, const char *sql)
{
    sqlite3 *db;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_tamper_detected(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct entry *e[3], *got;
    struct replica_check rep;
    struct collect *c = xcalloc(1, sizeof(*c));
    struct replica_query q = {0};
    size_t corrupt;
    int i;

    test_author_init(&a, 1);
    for (i = 0; i < 3; i++) {
        char title[32];
        snprintf(title, sizeof(title), "note %d", i);
        e[i] = make(&a, ENTRY_NOTE, T0 + (uint64_t)i, title, "body text", "t", NULL);
        assert_int_equal(merge(r, e[i]), REPLICA_ADDED);
    }
    assert_int_equal(replica_check(r, &rep, NULL, NULL), 0);
    assert_int_equal(rep.entries, 3);
    assert_int_equal(rep.bad, 0);
    assert_true(rep.integrity_ok);
    replica_close(&r);

    /* 1: flip one byte of the signed bytes of note 0 (inside its body). */
    tamper(fx->path, "UPDATE entries SET raw = substr(raw, 1, length(raw) - 70) || X'58' ||"
                     " substr(raw, length(raw) - 68) WHERE title = 'note 0'");
    /* 2: change a decoded column of note 1 only. */
    tamper(fx->path, "UPDATE entries SET body = 'forged body' WHERE title = 'note 1'");

    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_int_equal(replica_get(r, entry_id(e[0]), &got, err, sizeof(err)), REPLICA_CORRUPT);
    assert_null(got);
    assert_int_equal(replica_get(r, entry_id(e[1]), &got, err, sizeof(err)), REPLICA_CORRUPT);
    assert_int_equal(replica_get(r, entry_id(e[2]), &got, err, sizeof(err)), REPLICA_FOUND);
    entry_destroy(&got);
    assert_int_equal(replica_list(r, &q, collect_row, c, &corrupt), 0);
    assert_int_equal(c->n, 1);
    assert_int_equal(corrupt, 2);
    assert_int_equal(replica_check(r, &rep, NULL, NULL), 0);
    assert_int_equal(rep.bad, 2);
    assert_int_equal(rep.bad_id, 1);
    assert_int_equal(rep.bad_columns, 1);
    replica_close(&r);

    /* 3: a forger who also fixes up the id still lacks the signature. */
    tamper(fx->path, "UPDATE entries SET raw = substr(raw, 1, length(raw) - 70) || X'59' ||"
                     " substr(raw, length(raw) - 68) WHERE title = 'note 2'");
    r = replica_open(fx->path, 0, err, sizeof(err));
    {
        sqlite3_stmt *s;
        sqlite3 *db;
        uint8_t newid[ENTRY_ID_LEN];
        assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
        assert_int_equal(
            sqlite3_prepare_v2(db, "SELECT raw FROM entries WHERE title = 'note 2'", -1, &s, NULL),
            SQLITE_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        crypto_generichash(newid, sizeof(newid), sqlite3_column_blob(s, 0),
                           (size_t)sqlite3_column_bytes(s, 0), NULL, 0);
        sqlite3_finalize(s);
        assert_int_equal(sqlite3_prepare_v2(db, "UPDATE entries SET id = ? WHERE title = 'note 2'",
                                            -1, &s, NULL),
                         SQLITE_OK);
        sqlite3_bind_blob(s, 1, newid, sizeof(newid), SQLITE_STATIC);
        assert_int_equal(sqlite3_step(s), SQLITE_DONE);
        sqlite3_finalize(s);
        sqlite3_close(db);
    }
    assert_int_equal(replica_check(r, &rep, NULL, NULL), 0);
    assert_int_equal(rep.bad, 3);
    assert_int_equal(rep.bad_signature, 1);
    replica_close(&r);
    for (i = 0; i < 3; i++)
        entry_destroy(&e[i]);
    free(c);
}

/* Forge note i's stored bytes so that only the signature is wrong: flip a byte of the body in raw,
 * then fix the id (the hash of the bytes) and the body column, as a deliberate forger would. */
static void forge_signature_only(const char *path, const char *title, uint8_t newid[ENTRY_ID_LEN])
{
    sqlite3_stmt *s;
    sqlite3 *db;
    uint8_t *raw;
    size_t len;
    struct entry *e;
    char sql[160];

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    snprintf(sql, sizeof(sql), "SELECT raw FROM entries WHERE title = '%s'", title);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    len = (size_t)sqlite3_column_bytes(s, 0);
    raw = xmalloc(len);
    memcpy(raw, sqlite3_column_blob(s, 0), len);
    sqlite3_finalize(s);
    raw[len - 70] ^= 0x01; /* inside the body, before the signature */
    crypto_generichash(newid, ENTRY_ID_LEN, raw, len, NULL, 0);
    e = entry_decode(raw, len, NULL, 0);
    assert_non_null(e);
    snprintf(sql, sizeof(sql), "UPDATE entries SET raw = ?, id = ?, body = ? WHERE title = '%s'",
             title);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_blob(s, 1, raw, (int)len, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, newid, ENTRY_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, entry_body(e), (int)entry_body_len(e), SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    sqlite3_close(db);
    entry_destroy(&e);
    free(raw);
}

static int count_scan(void *ctx, uint64_t created_ms, const uint8_t *id, const uint8_t *raw,
                      size_t len)
{
    (void)created_ms;
    (void)id;
    (void)raw;
    (void)len;
    (*(size_t *)ctx)++;
    return 0;
}

/* A batch of notes in one transaction reaches the search index as one flush of FTS5's pending
 * terms, not one per entry: a multi-row UPDATE after each insert opened a statement savepoint,
 * at which SQLite 3.40's FTS5 writes what is pending into a new segment, merged again later.
 * Counted as rows written (sqlite3_total_changes, the index's own included): 300 notes wrote
 * 3,077 rows before, 1,216 now (an entry, its tag, its index row and the index's bookkeeping). */
static void test_batch_one_fts_flush(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    enum { N = 300 };
    struct entry **batch = xcalloc(N, sizeof(*batch));
    enum replica_merge_result *res = xcalloc(N, sizeof(*res));
    struct replica_work w;
    int i;

    assert_non_null(r);
    test_author_init(&a, 1);
    for (i = 0; i < N; i++) {
        char title[48];
        snprintf(title, sizeof(title), "runbook step %d", i);
        batch[i] = make(&a, ENTRY_NOTE, T0 + (uint64_t)i, title,
                        "restart the printer spooler, then check the queue", "ops", NULL);
    }
    assert_int_equal(
        replica_add_batch(r, (const struct entry *const *)batch, N, res, NULL, 0, err, sizeof(err)),
        0);
    for (i = 0; i < N; i++)
        assert_int_equal(res[i], REPLICA_ADDED);
    replica_work(r, &w);
    print_message("rows written for one batch of %d notes: %llu\n", N,
                  (unsigned long long)w.changes);
    assert_true(w.changes <= 5 * N);
    replica_close(&r);
    for (i = 0; i < N; i++)
        entry_destroy(&batch[i]);
    free(batch);
    free(res);
}

/* replica_remember_verified: an entry this handle stored is served to a peer without verifying
 * its signature again (the bytes must still hash to its id); a row forged meanwhile by another
 * writer (new bytes, new id), or anything a handle without that memory serves, is verified. */
static void test_verified_memory(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct replica_work w;
    struct entry *e[2];
    uint8_t forged[ENTRY_ID_LEN], *raw = NULL;
    size_t len;
    int i;

    assert_non_null(r);
    replica_remember_verified(r, 64);
    test_author_init(&a, 1);
    for (i = 0; i < 2; i++) {
        char title[32];
        snprintf(title, sizeof(title), "note %d", i);
        e[i] = make(&a, ENTRY_NOTE, T0 + (uint64_t)i, title,
                    "a body long enough to hold the forged byte well inside it", "t", NULL);
        assert_int_equal(merge(r, e[i]), REPLICA_ADDED);
    }
    for (i = 0; i < 2; i++) {
        assert_int_equal(replica_raw(r, entry_id(e[i]), &raw, &len, NULL), REPLICA_FOUND);
        free(raw);
    }
    replica_work(r, &w);
    assert_int_equal(w.verifies, 0);

    /* Another writer forges note 1's signature (new bytes, their hash as the id): not remembered,
     * so verified, and refused. */
    forge_signature_only(fx->path, "note 1", forged);
    assert_int_equal(replica_raw(r, forged, &raw, &len, NULL), REPLICA_CORRUPT);
    assert_null(raw);
    replica_work(r, &w);
    assert_int_equal(w.verifies, 1);
    assert_int_equal(replica_raw(r, entry_id(e[0]), &raw, &len, NULL), REPLICA_FOUND);
    free(raw);
    replica_work(r, &w);
    assert_int_equal(w.verifies, 1);
    replica_close(&r);

    /* A handle without the memory verifies what it serves. */
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(replica_raw(r, entry_id(e[0]), &raw, &len, NULL), REPLICA_FOUND);
    free(raw);
    replica_work(r, &w);
    assert_int_equal(w.verifies, 1);
    replica_close(&r);
    for (i = 0; i < 2; i++)
        entry_destroy(&e[i]);
}

/* replica_read_begin: the reads that follow share one snapshot (a row another connection adds
 * meanwhile is not seen until replica_read_end); a nested begin is a no-op; after the end the
 * connection is back in autocommit (a new begin begins). */
static void test_read_transaction(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct replica *w = replica_open(fx->path, 0, err, sizeof(err));
    struct entry *e[2];
    uint8_t *raw = NULL;
    size_t len;
    int began, i;

    assert_non_null(r);
    assert_non_null(w);
    test_author_init(&a, 1);
    for (i = 0; i < 2; i++) {
        char title[32];
        snprintf(title, sizeof(title), "note %d", i);
        e[i] = make(&a, ENTRY_NOTE, T0 + (uint64_t)i, title, "body", "t", NULL);
    }
    assert_int_equal(merge(w, e[0]), REPLICA_ADDED);
    began = replica_read_begin(r);
    assert_int_equal(began, 1);
    assert_int_equal(replica_read_begin(r), 0);
    assert_int_equal(replica_raw(r, entry_id(e[0]), &raw, &len, NULL), REPLICA_FOUND);
    free(raw);
    raw = NULL;
    assert_int_equal(merge(w, e[1]), REPLICA_ADDED);
    assert_int_equal(replica_raw(r, entry_id(e[1]), &raw, &len, NULL), REPLICA_NOT_FOUND);
    replica_read_end(r, 0); /* the nested one: nothing ends */
    assert_int_equal(replica_raw(r, entry_id(e[1]), &raw, &len, NULL), REPLICA_NOT_FOUND);
    replica_read_end(r, began);
    assert_int_equal(replica_raw(r, entry_id(e[1]), &raw, &len, NULL), REPLICA_FOUND);
    free(raw);
    began = replica_read_begin(r);
    assert_int_equal(began, 1);
    replica_read_end(r, began);
    replica_close(&r);
    replica_close(&w);
    for (i = 0; i < 2; i++)
        entry_destroy(&e[i]);
}

/* Reads check only what is cheap; a forged signature is caught by the full checks (the
 * background pass's steps, `lore check`) and by sending: it is never handed to sync, and once
 * found it is quarantined: no view shows it. */
static void test_forged_quarantined(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct entry *e[3], *got;
    struct replica_check rep = {0};
    struct collect *c = xcalloc(1, sizeof(*c));
    struct replica_query q = {0};
    uint8_t zero[ENTRY_ID_LEN] = {0}, forged[ENTRY_ID_LEN], *raw = NULL;
    size_t corrupt, scanned = 0, len;
    int64_t seq = 0;
    int i;

    test_author_init(&a, 1);
    for (i = 0; i < 3; i++) {
        char title[32];
        snprintf(title, sizeof(title), "note %d", i);
        e[i] = make(&a, ENTRY_NOTE, T0 + (uint64_t)i, title,
                    "a body long enough to hold the forged byte well inside it", "t", NULL);
        assert_int_equal(merge(r, e[i]), REPLICA_ADDED);
    }
    replica_close(&r);
    forge_signature_only(fx->path, "note 2", forged);
    r = replica_open(fx->path, 0, err, sizeof(err));

    /* Pushes and fetches verify fully: the forged row never leaves, and once quarantined no
     * bootstrap stream (which checks as reads do) sends it either. */
    assert_int_equal(replica_raw(r, forged, &raw, &len, NULL), REPLICA_CORRUPT);
    assert_null(raw);
    assert_int_equal(replica_scan(r, 0, zero, 10, count_scan, &scanned), 2);
    assert_int_equal(scanned, 2);
    assert_int_equal(replica_quarantined(r), 1); /* the send quarantined it */

    /* The background pass's steps, resumable: two rows at a time. */
    replica_close(&r);
    tamper(fx->path, "DELETE FROM quarantine");
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_int_equal(replica_check_some(r, &seq, 2, &rep, NULL, NULL), 2);
    assert_int_equal(rep.bad, 0);
    assert_int_equal(replica_check_some(r, &seq, 2, &rep, NULL, NULL), 1);
    assert_int_equal(rep.entries, 3);
    assert_int_equal(rep.bad_signature, 1);
    assert_int_equal(replica_check_some(r, &seq, 2, &rep, NULL, NULL), 0);

    /* Quarantined: no view shows it. */
    assert_int_equal(replica_list(r, &q, collect_row, c, &corrupt), 0);
    assert_int_equal(c->n, 2);
    assert_int_equal(corrupt, 1);
    assert_int_equal(replica_get(r, forged, &got, err, sizeof(err)), REPLICA_CORRUPT);
    assert_null(got);
    c->n = 0;
    assert_int_equal(
        replica_search(r, "body", &q, NULL, NULL, collect_row, c, &corrupt, err, sizeof(err)), 0);
    assert_int_equal(c->n, 2);
    assert_int_equal(corrupt, 1);
    assert_int_equal(replica_check(r, &rep, NULL, NULL), 0);
    assert_int_equal(rep.bad_signature, 1);
    replica_close(&r);
    for (i = 0; i < 3; i++)
        entry_destroy(&e[i]);
    free(c);
}

static void test_newer_schema_refused(void **state)
{
    struct fixture *fx = *state;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));

    assert_non_null(r);
    replica_close(&r);
    tamper(fx->path, "PRAGMA user_version = 99");
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_null(r);
    assert_non_null(strstr(err, "newer"));
}

static void test_batch(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct entry *e[4];
    const struct entry *batch[5];
    enum replica_merge_result res[5];
    struct replica_meta m = {"cursor", "42", 2, 1};
    uint8_t *v;
    size_t len;
    int i;

    assert_non_null(r);
    test_author_init(&a, 1);
    for (i = 0; i < 4; i++) {
        char title[32];
        snprintf(title, sizeof(title), "batch note %d", i);
        e[i] = make(&a, ENTRY_NOTE, T0 + (uint64_t)i, title, "body text", "t", NULL);
    }
    assert_int_equal(replica_add(r, e[0], err, sizeof(err)), REPLICA_ADDED);
    /* New, already stored, new, twice in one batch, new; and a meta in the same transaction. */
    batch[0] = e[1];
    batch[1] = e[0];
    batch[2] = e[2];
    batch[3] = e[2];
    batch[4] = e[3];
    assert_int_equal(replica_add_batch(r, batch, 5, res, &m, 1, err, sizeof(err)), 0);
    assert_int_equal(res[0], REPLICA_ADDED);
    assert_int_equal(res[1], REPLICA_EXISTS);
    assert_int_equal(res[2], REPLICA_ADDED);
    assert_int_equal(res[3], REPLICA_EXISTS);
    assert_int_equal(res[4], REPLICA_ADDED);
    assert_int_equal(replica_count(r), 4);
    assert_int_equal(replica_meta_get(r, "cursor", &v, &len, NULL, err, sizeof(err)),
                     REPLICA_FOUND);
    assert_int_equal(len, 2);
    assert_string_equal((char *)v, "42");
    free(v);
    /* Stored like replica_add's entries: searchable, and the file checks clean. */
    {
        struct collect *c = xcalloc(1, sizeof(*c));
        struct replica_query q = {0};
        struct replica_check rep;
        assert_int_equal(
            replica_search(r, "batch", &q, NULL, NULL, collect_row, c, NULL, err, sizeof(err)), 0);
        assert_int_equal(c->n, 4);
        free(c);
        assert_int_equal(replica_check(r, &rep, NULL, NULL), 0);
        assert_int_equal(rep.bad, 0);
        assert_true(rep.integrity_ok);
    }
    /* An empty batch with no meta is a no-op. */
    assert_int_equal(replica_add_batch(r, NULL, 0, NULL, NULL, 0, err, sizeof(err)), 0);
    replica_close(&r);
    for (i = 0; i < 4; i++)
        entry_destroy(&e[i]);
}

static void test_batch_atomic(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct entry *e[2];
    const struct entry *batch[2];
    enum replica_merge_result res[2] = {REPLICA_ERROR, REPLICA_ERROR};
    struct replica_meta m[2] = {{"cursor", "7", 1, 1}, {"boom", "x", 1, 1}};
    uint8_t *v;
    size_t len;

    assert_non_null(r);
    replica_close(&r);
    /* A meta write that fails inside the transaction, after the entries went in. */
    tamper(fx->path, "CREATE TRIGGER meta_boom BEFORE INSERT ON meta WHEN NEW.key = 'boom'"
                     " BEGIN SELECT RAISE(ABORT, 'boom'); END");
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_non_null(r);
    test_author_init(&a, 1);
    e[0] = make(&a, ENTRY_NOTE, T0, "atomic one", "body", NULL, NULL);
    e[1] = make(&a, ENTRY_QUESTION, T0 + 1, "atomic two", "", NULL, NULL);
    batch[0] = e[0];
    batch[1] = e[1];
    err[0] = '\0';
    assert_int_equal(replica_add_batch(r, batch, 2, res, m, 2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "boom"));
    assert_int_equal(res[0], REPLICA_ERROR); /* results untouched on failure */
    assert_int_equal(replica_count(r), 0);
    assert_int_equal(replica_meta_get(r, "cursor", &v, &len, NULL, err, sizeof(err)),
                     REPLICA_NOT_FOUND);
    assert_null(v);
    /* The connection is usable afterwards, and the same batch without the bad meta commits. */
    assert_int_equal(replica_add_batch(r, batch, 2, res, m, 1, err, sizeof(err)), 0);
    assert_int_equal(replica_count(r), 2);
    /* Limits are checked before anything is written. */
    {
        char longkey[REPLICA_META_KEY_MAX + 2];
        struct replica_meta bad = {longkey, "v", 1, 1};
        memset(longkey, 'k', sizeof(longkey) - 1);
        longkey[sizeof(longkey) - 1] = '\0';
        assert_int_equal(replica_meta_set(r, &bad, err, sizeof(err)), -1);
        bad.key = "";
        assert_int_equal(replica_meta_set(r, &bad, err, sizeof(err)), -1);
        bad.key = "ok";
        bad.len = REPLICA_META_VALUE_MAX + 1;
        assert_int_equal(replica_meta_set(r, &bad, err, sizeof(err)), -1);
    }
    replica_close(&r);
    entry_destroy(&e[0]);
    entry_destroy(&e[1]);
}

static void test_meta(void **state)
{
    struct fixture *fx = *state;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    const uint8_t blob[5] = {0, 1, 0xff, 0, 7};
    struct replica_meta m = {"blob", blob, sizeof(blob), 0};
    uint8_t *v;
    size_t len;
    int text = -1;

    assert_non_null(r);
    assert_int_equal(replica_meta_get(r, "blob", &v, &len, &text, err, sizeof(err)),
                     REPLICA_NOT_FOUND);
    assert_int_equal(replica_meta_set(r, &m, err, sizeof(err)), 0);
    assert_int_equal(replica_meta_get(r, "blob", &v, &len, &text, err, sizeof(err)), REPLICA_FOUND);
    assert_int_equal(len, sizeof(blob));
    assert_memory_equal(v, blob, sizeof(blob));
    assert_int_equal(text, 0);
    free(v);
    /* Overwrite with text; then an empty value (stored, not deleted); then delete. */
    m.value = "hello";
    m.len = 5;
    m.text = 1;
    assert_int_equal(replica_meta_set(r, &m, err, sizeof(err)), 0);
    assert_int_equal(replica_meta_get(r, "blob", &v, &len, &text, err, sizeof(err)), REPLICA_FOUND);
    assert_string_equal((char *)v, "hello");
    assert_int_equal(text, 1);
    free(v);
    m.value = "";
    m.len = 0;
    assert_int_equal(replica_meta_set(r, &m, err, sizeof(err)), 0);
    assert_int_equal(replica_meta_get(r, "blob", &v, &len, &text, err, sizeof(err)), REPLICA_FOUND);
    assert_int_equal(len, 0);
    assert_string_equal((char *)v, "");
    free(v);
    m.value = NULL;
    assert_int_equal(replica_meta_set(r, &m, err, sizeof(err)), 0);
    assert_int_equal(replica_meta_get(r, "blob", &v, &len, &text, err, sizeof(err)),
                     REPLICA_NOT_FOUND);
    /* A value that breaks the limits in the file is reported, not returned. */
    replica_close(&r);
    tamper(fx->path, "INSERT INTO meta(key, value) VALUES ('big', zeroblob(5000))");
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(replica_meta_get(r, "big", &v, &len, &text, err, sizeof(err)),
                     REPLICA_CORRUPT);
    assert_null(v);
    replica_close(&r);
}

static void test_migrate_1_to_2(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct entry *e;
    struct replica_meta m = {"k", "v", 1, 1};
    uint8_t *v;
    size_t len;

    assert_non_null(r);
    test_author_init(&a, 1);
    e = make(&a, ENTRY_NOTE, T0, "kept across migration", "body", NULL, NULL);
    assert_int_equal(merge(r, e), REPLICA_ADDED);
    replica_close(&r);
    /* What a file from the previous lore looks like: schema 1, no meta table. */
    tamper(fx->path, "DROP INDEX entries_urgent; ALTER TABLE entries DROP COLUMN urgent; "
                     "DROP INDEX entries_author_effective; CREATE INDEX entries_author ON"
                     " entries(author, kind, created_ms);"
                     " DROP TABLE meta; DROP INDEX entries_kind_effective; DROP INDEX"
                     " entries_effective; ALTER TABLE entries DROP COLUMN effective_ms;"
                     " CREATE INDEX entries_kind_created ON entries(kind, created_ms, id);"
                     " PRAGMA user_version = 1");
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(replica_count(r), 1);
    assert_int_equal(replica_meta_set(r, &m, err, sizeof(err)), 0);
    assert_int_equal(replica_meta_get(r, "k", &v, &len, NULL, err, sizeof(err)), REPLICA_FOUND);
    free(v);
    replica_close(&r);
    {
        sqlite3 *db;
        sqlite3_stmt *s;
        assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(s, 0), REPLICA_SCHEMA_VERSION);
        sqlite3_finalize(s);
        sqlite3_close(db);
    }
    entry_destroy(&e);
}

/* A replica whose file (or its -wal, or -shm) is deleted or replaced under it refuses writes
 * (before and after the commit) and says so; it never reports a write into the lost file as
 * stored. Reads go on from the open file. */
static void test_file_gone(void **state)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    struct fixture *fx = *state;
    struct test_author a;
    struct replica *r;
    struct entry *e;
    struct replica_meta m = {"k", "v", 1, 1};
    char err[512], p[200], other[200];
    size_t i, k;
    int fd;

    test_author_init(&a, 3);
    for (i = 0; i < 3; i++) {
        r = replica_open(fx->path, 0, err, sizeof(err));
        assert_non_null(r);
        e = make(&a, ENTRY_NOTE, T0 + i, "before", "body", NULL, NULL);
        assert_int_equal(replica_add(r, e, err, sizeof(err)), REPLICA_ADDED);
        assert_int_equal(replica_last_fault(r), REPLICA_FAULT_NONE);
        assert_int_equal(replica_file_check(r, err, sizeof(err)), 0);
        entry_destroy(&e);
        snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
        if (i == 1) {
            /* Replaced: another file renamed over the path. */
            snprintf(other, sizeof(other), "%s/other", fx->dir);
            fd = open(other, O_CREAT | O_WRONLY, 0600);
            assert_true(fd >= 0);
            close(fd);
            assert_int_equal(rename(other, p), 0);
        } else {
            assert_int_equal(unlink(p), 0);
        }
        assert_int_equal(replica_file_check(r, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "was deleted or replaced; restart the node"));
        e = make(&a, ENTRY_NOTE, T0 + 100 + i, "after", "body", NULL, NULL);
        err[0] = '\0';
        assert_int_equal(replica_add(r, e, err, sizeof(err)), REPLICA_ERROR);
        assert_int_equal(replica_last_fault(r), REPLICA_FAULT_GONE);
        assert_non_null(strstr(err, suffix[i][0] != '\0' ? suffix[i] : "replica.db"));
        assert_int_equal(replica_meta_set(r, &m, err, sizeof(err)), -1);
        assert_int_equal(replica_last_fault(r), REPLICA_FAULT_GONE);
        assert_true(replica_count(r) >= 1); /* reads go on */
        entry_destroy(&e);
        replica_close(&r);
        /* Start again from nothing. */
        for (k = 0; k < 3; k++) {
            snprintf(p, sizeof(p), "%s%s", fx->path, suffix[k]);
            (void)unlink(p);
        }
    }
    assert_string_equal(replica_fault_text(REPLICA_FAULT_FULL), "disk full");
    assert_string_equal(replica_fault_text(REPLICA_FAULT_READONLY), "read-only file system");
}

/* Now, for entries that must count at once (tests run at any date). */
static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int count_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    (void)e;
    (void)snippet;
    (void)rank;
    (*(size_t *)ctx)++;
    return 0;
}

/* replica_word_tags' tally: ci, infra and every tag. */
struct word_tally {
    long long ci, infra, all;
};

static int word_tag_row(void *ctx, const char *tag, long long one)
{
    struct word_tally *w = ctx;

    w->ci += strcmp(tag, "ci") == 0 ? one : 0;
    w->infra += strcmp(tag, "infra") == 0 ? one : 0;
    w->all += one;
    return 0;
}

/* What a word says about tags: an answer holding it speaks for its question's tags, the sample
 * reads only the newest entries holding it, a word in half the rows is not read, and the counts
 * are the index's. */
static void test_word_tags(void **state)
{
    struct fixture *fx = *state;
    struct test_author a;
    struct replica *r;
    struct entry *q, *e;
    struct word_tally w = {0, 0, 0};
    char err[256];
    long long df, rows, sampled;
    int i;

    test_author_init(&a, 7);
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_non_null(r);
    q = make(&a, ENTRY_QUESTION, T0, "build is slow", "", "ci", NULL);
    assert_int_equal(merge(r, q), REPLICA_ADDED);
    e = make(&a, ENTRY_ANSWER, T0 + 1, "", "cache the runners", NULL, entry_id(q));
    assert_int_equal(merge(r, e), REPLICA_ADDED);
    entry_destroy(&e);
    entry_destroy(&q);
    for (i = 0; i < 4; i++) {
        e = make(&a, ENTRY_NOTE, T0 + 10 + (uint64_t)i, "runners", "our runners",
                 i < 3 ? "infra" : NULL, NULL);
        assert_int_equal(merge(r, e), REPLICA_ADDED);
        entry_destroy(&e);
    }
    for (i = 0; i < 6; i++) {
        e = make(&a, ENTRY_NOTE, T0 + 20 + (uint64_t)i, "lunch", "the menu", "office", NULL);
        assert_int_equal(merge(r, e), REPLICA_ADDED);
        entry_destroy(&e);
    }
    /* the answer speaks for its question's tag */
    assert_int_equal(replica_word_tags(r, "Cache", 10, &df, &rows, &sampled, word_tag_row, &w), 0);
    assert_int_equal(df, 1);
    assert_int_equal(rows, 12);
    assert_int_equal(sampled, 1);
    assert_int_equal(w.ci, 1);
    assert_int_equal(w.all, 1);
    memset(&w, 0, sizeof(w));
    /* "runners" in five entries, the newest three read: one untagged, two infra */
    assert_int_equal(replica_word_tags(r, "runners", 3, &df, &rows, &sampled, word_tag_row, &w), 0);
    assert_int_equal(df, 5);
    assert_int_equal(sampled, 3);
    assert_int_equal(w.infra, 2);
    assert_int_equal(w.all, 2);
    memset(&w, 0, sizeof(w));
    /* a word in half the rows tells nothing: counted, not read */
    assert_int_equal(replica_word_tags(r, "menu", 3, &df, &rows, &sampled, word_tag_row, &w), 0);
    assert_int_equal(df, 6);
    assert_int_equal(sampled, 0);
    assert_int_equal(w.all, 0);
    /* a word nowhere, and one the tokeniser makes nothing of */
    assert_int_equal(replica_word_tags(r, "zebra", 3, &df, &rows, &sampled, word_tag_row, &w), 0);
    assert_int_equal(df, 0);
    assert_int_equal(sampled, 0);
    assert_int_equal(replica_word_tags(r, "\"--\"", 3, &df, &rows, &sampled, word_tag_row, &w), 0);
    assert_int_equal(sampled, 0);
    assert_int_equal(w.all, 0);
    replica_close(&r);
}

/* Issue 10 item 6: entries dated 2100 and year 287396 (the largest time) are held back from every
 * view until their time comes; they do not stay first in the list. */
static void test_time_future_held_back(void **state)
{
    struct fixture *fx = *state;
    struct test_author a, b;
    char err[256], hex[65];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct entry *now_q, *q2100, *qmax, *ans;
    struct replica_query q = {0};
    struct collect c = {{0}, 0};
    uint8_t id[ENTRY_ID_LEN];
    size_t n = 0;
    uint64_t t = now_ms() - 3600000;

    assert_non_null(r);
    test_author_init(&a, 1);
    test_author_init(&b, 2);
    now_q = make(&a, ENTRY_QUESTION, t, "printer jammed today", "", "printer", NULL);
    q2100 = make(&b, ENTRY_QUESTION, 4102444800000ull, "printer from 2100", "", "printer", NULL);
    qmax = make(&b, ENTRY_QUESTION, ENTRY_MAX_TIME_MS, "printer from 287396", "", "printer", NULL);
    ans = make(&a, ENTRY_ANSWER, t, "", "an answer to the future", NULL, entry_id(q2100));
    assert_int_equal(merge(r, now_q), REPLICA_ADDED);
    assert_int_equal(merge(r, q2100), REPLICA_ADDED);
    assert_int_equal(merge(r, qmax), REPLICA_ADDED);
    assert_int_equal(merge(r, ans), REPLICA_ADDED);
    /* list: newest first, and the present one is first: the others are held back. */
    assert_int_equal(replica_list(r, &q, collect_row, &c, NULL), 0);
    hex_encode(entry_id(now_q), ENTRY_ID_LEN, hex);
    assert_int_equal(c.n, 1);
    assert_memory_equal(c.out, hex, 64);
    /* search, tag filter, open questions, counts, id lookup: the same. */
    c.n = 0;
    c.out[0] = '\0';
    assert_int_equal(
        replica_search(r, "printer", &q, NULL, NULL, collect_row, &c, NULL, err, sizeof(err)), 0);
    assert_int_equal(c.n, 1);
    q.tag = "printer";
    q.status = REPLICA_STATUS_OPEN;
    assert_int_equal(replica_list(r, &q, count_row, &n, NULL), 0);
    assert_int_equal(n, 1);
    hex_encode(entry_id(q2100), ENTRY_ID_LEN, hex);
    assert_int_equal(replica_resolve(r, hex, id, NULL, 0, NULL), REPLICA_NOT_FOUND);
    /* The answer references the 2100 question: it counts no earlier than it, so not now. */
    assert_int_equal(replica_count_refs(r, entry_id(q2100), ENTRY_ANSWER), 0);
    /* Once their time has come, they count. */
    replica_set_horizon(r, ENTRY_MAX_TIME_MS);
    n = 0;
    memset(&q, 0, sizeof(q));
    assert_int_equal(replica_list(r, &q, count_row, &n, NULL), 0);
    assert_int_equal(n, 4);
    assert_int_equal(replica_resolve(r, hex, id, NULL, 0, NULL), REPLICA_FOUND);
    assert_int_equal(replica_count_refs(r, entry_id(q2100), ENTRY_ANSWER), 1);
    replica_close(&r);
    entry_destroy(&now_q);
    entry_destroy(&q2100);
    entry_destroy(&qmax);
    entry_destroy(&ans);
}

struct qtimes {
    uint64_t created, first, accepted;
    size_t n;
};

static int qtimes_row(void *ctx, uint64_t created, uint64_t first, uint64_t accepted,
                      const char *tags)
{
    struct qtimes *qt = ctx;

    (void)tags;
    qt->created = created;
    qt->first = first;
    qt->accepted = accepted;
    qt->n++;
    return 0;
}

/* Issue 10 item 6: a backdated answer, a backdated accept and votes dated before their target
 * count at their target's time (effective time), whatever order they arrive in. */
static void test_time_backdated_references(void **state)
{
    struct fixture *fx = *state;
    struct test_author asker, helper, voter;
    char err[256], path2[160];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err)), *r2;
    struct entry *qe, *ans, *acc, *vote, *all[4];
    struct entry_fields f = {0};
    struct entry_attr up = {"value", "1"};
    struct replica_query q = {0};
    struct qtimes qt = {0};
    uint64_t t = now_ms() - 3600000, old = 1590969600000ull; /* 2020-06-01 */
    size_t n = 0, i;

    assert_non_null(r);
    test_author_init(&asker, 1);
    test_author_init(&helper, 2);
    test_author_init(&voter, 3);
    qe = make(&asker, ENTRY_QUESTION, t, "vpn down", "", "vpn", NULL);
    ans = make(&helper, ENTRY_ANSWER, old, "", "restart it", NULL, entry_id(qe));
    acc = make(&asker, ENTRY_ACCEPT, old, "", "", NULL, entry_id(ans));
    f.kind = ENTRY_VOTE;
    f.created_ms = old;
    f.refs = (const uint8_t(*)[ENTRY_ID_LEN])entry_id(ans);
    f.nrefs = 1;
    f.attrs = &up;
    f.nattrs = 1;
    vote = test_entry(&voter, &f);
    all[0] = qe;
    all[1] = ans;
    all[2] = acc;
    all[3] = vote;
    for (i = 0; i < 4; i++)
        assert_int_equal(merge(r, all[i]), REPLICA_ADDED);
    /* Stats: answered, and never before it was asked. */
    assert_int_equal(replica_question_times(r, 0, NULL, qtimes_row, &qt), 0);
    assert_int_equal(qt.n, 1);
    assert_int_equal(qt.created, t);
    assert_int_equal(qt.first, t);
    assert_int_equal(qt.accepted, t);
    /* "Answers since the question was asked" finds it. */
    q.kind = ENTRY_ANSWER;
    q.since_ms = t;
    assert_int_equal(replica_list(r, &q, count_row, &n, NULL), 0);
    assert_int_equal(n, 1);
    /* The vote (two levels down) counts at the question's time; recognition also no earlier
     * than it arrived here. */
    {
        struct replica_entry_times tm;
        uint64_t before = now_ms() - 1000;
        assert_int_equal(replica_times(r, entry_id(vote), &tm), REPLICA_FOUND);
        assert_int_equal(tm.created_ms, old);
        assert_int_equal(tm.effective_ms, t);
        assert_true(tm.received_ms >= before - 60000);
        assert_true(tm.recognized_ms >= tm.received_ms && tm.recognized_ms >= tm.effective_ms);
    }
    /* In reverse order of arrival (the question last): the same times. */
    snprintf(path2, sizeof(path2), "%s/second.db", fx->dir);
    r2 = replica_open(path2, 0, err, sizeof(err));
    assert_non_null(r2);
    for (i = 4; i-- > 0;)
        assert_int_equal(merge(r2, all[i]), REPLICA_ADDED);
    for (i = 0; i < 4; i++) {
        struct replica_entry_times t1, t2;
        assert_int_equal(replica_times(r, entry_id(all[i]), &t1), REPLICA_FOUND);
        assert_int_equal(replica_times(r2, entry_id(all[i]), &t2), REPLICA_FOUND);
        assert_int_equal(t1.effective_ms, t2.effective_ms);
        assert_int_equal(t2.effective_ms, t);
    }
    replica_close(&r2);
    replica_close(&r);
    for (i = 0; i < 4; i++)
        entry_destroy(&all[i]);
}

/* Schema 4 -> 5 computes the effective times of what is already stored. */
static void test_migrate_4_to_5(void **state)
{
    struct fixture *fx = *state;
    struct test_author a, b;
    char err[256];
    struct replica *r = replica_open(fx->path, 0, err, sizeof(err));
    struct entry *qe, *ans;
    struct replica_entry_times tm;

    assert_non_null(r);
    test_author_init(&a, 1);
    test_author_init(&b, 2);
    qe = make(&a, ENTRY_QUESTION, T0, "old file", "", NULL, NULL);
    ans = make(&b, ENTRY_ANSWER, T0 - 86400000, "", "backdated", NULL, entry_id(qe));
    assert_int_equal(merge(r, qe), REPLICA_ADDED);
    assert_int_equal(merge(r, ans), REPLICA_ADDED);
    replica_close(&r);
    tamper(fx->path, "DROP INDEX entries_urgent; ALTER TABLE entries DROP COLUMN urgent; "
                     "DROP INDEX entries_author_effective; CREATE INDEX entries_author ON"
                     " entries(author, kind, created_ms);"
                     " DROP INDEX entries_kind_effective; DROP INDEX entries_effective;"
                     " ALTER TABLE entries DROP COLUMN effective_ms;"
                     " CREATE INDEX entries_kind_created ON entries(kind, created_ms, id);"
                     " PRAGMA user_version = 4");
    r = replica_open(fx->path, 0, err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(replica_times(r, entry_id(ans), &tm), REPLICA_FOUND);
    assert_int_equal(tm.effective_ms, T0);
    assert_int_equal(replica_times(r, entry_id(qe), &tm), REPLICA_FOUND);
    assert_int_equal(tm.effective_ms, T0);
    replica_close(&r);
    entry_destroy(&qe);
    entry_destroy(&ans);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_merge_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_independent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_grammar, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_ranking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rank_is_bm25, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rank_sizes_after_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_last_word, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefix_resolution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_quarantined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verified_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_one_fts_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_1_to_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_future_held_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_backdated_references, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_4_to_5, setup, teardown),
        cmocka_unit_test_setup_teardown(test_word_tags, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
