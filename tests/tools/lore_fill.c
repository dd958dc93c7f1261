/*
 * lore_fill: put N valid signed entries straight into a replica file, for tests and benchmarks
 * that need a node with a large history without posting it entry by entry.
 *
 *   lore_fill DB N [--seed S] [--authors A] [--body-bytes B] [--code JOIN-CODE] [--zipf]
 *
 * --zipf: titles, bodies and tags drawn from 8,000 words with a Zipf distribution (s = 1), like
 * words in real text (bench_local's vocabulary), instead of 20 words every entry holds: what a
 * search benchmark needs (bench_search). The first 2 of 3 words a query takes match few entries.
 *
 * With a team's join code, each author also gets a membership certificate (dated before all its
 * entries), so the team's nodes accept what they wrote.
 *
 *   lore_fill DB 0 --authors A --code JOIN-CODE --recognize ANSWER-ID --tag T
 *
 * The Sybil attack of issue 10: A fresh keys minted from one code (no node needed) each upvote
 * and thank the answer ANSWER-ID (64 hex digits, held in DB) and endorse its author for T, now.
 *
 *   lore_fill DB 0 --authors A [--code JOIN-CODE] --ask T
 *   lore_fill DB 0 --authors A --accept ANSWER-ID [--accept ANSWER-ID]...
 *
 * The self-boost through Sybil askers: with --ask, each of the A keys asks a question tagged T,
 * now, and its id is printed (one a line). With --accept (the same --seed and --authors), the key
 * that asked each answer's question accepts that answer.
 *
 * Entries are notes and questions with B-byte bodies (default 1024) by A authors (default 8)
 * whose keys derive from S, created over the last two years. The same arguments always produce
 * the same entries, so two fills of the same seed hold the same set.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "hex.h"
#include "kinds.h"
#include "log.h"
#include "replica.h"
#include "team.h"
#include "xmalloc.h"
#include "zipf_words.h"

struct author {
    uint8_t pk[32], sk[64];
};

static int sign(void *ctx, const uint8_t *m, size_t len, uint8_t sig[64])
{
    return crypto_sign_detached(sig, NULL, m, len, ((struct author *)ctx)->sk);
}

static const char *const words[] = {"printer",  "vpn",    "deploy",    "kubernetes",  "backup",
                                    "laptop",   "wifi",   "invoice",   "onboarding",  "release",
                                    "database", "badge",  "projector", "meeting",     "budget",
                                    "review",   "mentor", "firewall",  "certificate", "python"};
#define NWORDS (sizeof(words) / sizeof(words[0]))

/* Each author upvotes and thanks the answer answer_hex and endorses its author for tag. */
static int recognize_all(struct replica *r, struct author *authors, unsigned long nauthors,
                         const char *answer_hex, const char *tag)
{
    uint8_t id[1][ENTRY_ID_LEN];
    char err[256], person[2 * ENTRY_KEY_LEN + 1];
    struct entry *answer = NULL, *e;
    struct timespec ts;
    uint64_t now;
    unsigned long i;
    int k;

    clock_gettime(CLOCK_REALTIME, &ts);
    now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    if (tag == NULL || strlen(answer_hex) != 2 * ENTRY_ID_LEN ||
        hex_decode(answer_hex, 2 * ENTRY_ID_LEN, id[0], ENTRY_ID_LEN) != 0 ||
        replica_get(r, id[0], &answer, err, sizeof(err)) != REPLICA_FOUND) {
        fprintf(stderr, "lore_fill: --recognize needs a held entry's id and --tag\n");
        return -1;
    }
    hex_encode(entry_author(answer), ENTRY_KEY_LEN, person);
    entry_destroy(&answer);
    for (i = 0; i < nauthors; i++) {
        for (k = 0; k < 3; k++) {
            struct entry_fields f = {0};
            struct entry_attr vote = {"value", "1"}, endorse = {"person", person};
            const char *tags[1] = {tag};
            f.created_ms = now;
            if (k < 2) {
                f.kind = k == 0 ? ENTRY_VOTE : ENTRY_THANKS;
                f.refs = (const uint8_t(*)[ENTRY_ID_LEN])id;
                f.nrefs = 1;
                f.attrs = k == 0 ? &vote : NULL;
                f.nattrs = k == 0;
            } else {
                f.kind = ENTRY_ENDORSEMENT;
                f.tags = tags;
                f.ntags = 1;
                f.attrs = &endorse;
                f.nattrs = 1;
            }
            e = kinds_create(&f, authors[i].pk, sign, &authors[i], err, sizeof(err));
            if (e == NULL || replica_add_batch(r, (const struct entry *const *)&e, 1, NULL, NULL, 0,
                                               err, sizeof(err)) != 0) {
                fprintf(stderr, "lore_fill: %s\n", err);
                entry_destroy(&e);
                return -1;
            }
            entry_destroy(&e);
        }
    }
    return 0;
}

/* Add one entry signed by a to DB. */
static int add_one(struct replica *r, struct author *a, const struct entry_fields *f)
{
    char err[256];
    struct entry *e = kinds_create(f, a->pk, sign, a, err, sizeof(err));

    if (e == NULL || replica_add_batch(r, (const struct entry *const *)&e, 1, NULL, NULL, 0, err,
                                       sizeof(err)) != 0) {
        fprintf(stderr, "lore_fill: %s\n", err);
        entry_destroy(&e);
        return -1;
    }
    entry_destroy(&e);
    return 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Each author asks a question tagged tag; prints the ids. */
static int ask_all(struct replica *r, struct author *authors, unsigned long nauthors,
                   const char *tag)
{
    char title[128], err[256], hex[2 * ENTRY_ID_LEN + 1];
    unsigned long i;

    for (i = 0; i < nauthors; i++) {
        struct entry_fields f = {0};
        const char *tags[1] = {tag};
        struct entry *e;
        snprintf(title, sizeof(title), "How do I fix the %s, take %lu?", tag, i);
        f.kind = ENTRY_QUESTION;
        f.created_ms = now_ms();
        f.title = title;
        f.body = "It does not work.";
        f.tags = tags;
        f.ntags = 1;
        e = kinds_create(&f, authors[i].pk, sign, &authors[i], err, sizeof(err));
        if (e == NULL || replica_add_batch(r, (const struct entry *const *)&e, 1, NULL, NULL, 0,
                                           err, sizeof(err)) != 0) {
            fprintf(stderr, "lore_fill: %s\n", err);
            entry_destroy(&e);
            return -1;
        }
        hex_encode(entry_id(e), ENTRY_ID_LEN, hex);
        printf("%s\n", hex);
        entry_destroy(&e);
    }
    return 0;
}

/* The asker (one of authors) of each answer's question accepts it. */
static int accept_all(struct replica *r, struct author *authors, unsigned long nauthors,
                      char **answers, int nanswers)
{
    uint8_t id[1][ENTRY_ID_LEN];
    char err[256];
    struct entry *answer = NULL, *question = NULL;
    unsigned long i;
    int k, rc = -1;

    for (k = 0; k < nanswers; k++) {
        struct entry_fields f = {0};
        if (strlen(answers[k]) != 2 * ENTRY_ID_LEN ||
            hex_decode(answers[k], 2 * ENTRY_ID_LEN, id[0], ENTRY_ID_LEN) != 0 ||
            replica_get(r, id[0], &answer, err, sizeof(err)) != REPLICA_FOUND ||
            entry_kind(answer) != ENTRY_ANSWER ||
            replica_get(r, entry_ref(answer, 0), &question, err, sizeof(err)) != REPLICA_FOUND) {
            fprintf(stderr, "lore_fill: --accept %s: not a held answer to a held question\n",
                    answers[k]);
            goto out;
        }
        for (i = 0; i < nauthors; i++)
            if (memcmp(authors[i].pk, entry_author(question), ENTRY_KEY_LEN) == 0)
                break;
        if (i == nauthors) {
            fprintf(stderr, "lore_fill: --accept %s: its question is not by these authors\n",
                    answers[k]);
            goto out;
        }
        f.kind = ENTRY_ACCEPT;
        f.created_ms = now_ms();
        f.refs = (const uint8_t(*)[ENTRY_ID_LEN])id;
        f.nrefs = 1;
        if (add_one(r, &authors[i], &f) != 0)
            goto out;
        entry_destroy(&answer);
        entry_destroy(&question);
    }
    rc = 0;
out:
    entry_destroy(&answer);
    entry_destroy(&question);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"seed", required_argument, NULL, 's'},
                                         {"authors", required_argument, NULL, 'a'},
                                         {"body-bytes", required_argument, NULL, 'b'},
                                         {"code", required_argument, NULL, 'c'},
                                         {"recognize", required_argument, NULL, 'r'},
                                         {"tag", required_argument, NULL, 't'},
                                         {"ask", required_argument, NULL, 'q'},
                                         {"accept", required_argument, NULL, 'A'},
                                         {"zipf", no_argument, NULL, 'z'},
                                         {NULL, 0, NULL, 0}};
    const char *code = NULL, *recognize = NULL, *tag = NULL, *ask = NULL;
    char **accepts = xcalloc((size_t)argc + 1, sizeof(*accepts));
    int naccepts = 0;
    unsigned long seed = 1, nauthors = 8, body_bytes = 1024, n, i, k;
    struct author *authors;
    struct replica *r;
    struct entry **batch;
    struct buf body;
    char err[256], title[128];
    uint8_t rnd[32];
    int c, nb = 0, zipf = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's')
            seed = strtoul(optarg, NULL, 10);
        else if (c == 'a')
            nauthors = strtoul(optarg, NULL, 10);
        else if (c == 'b')
            body_bytes = strtoul(optarg, NULL, 10);
        else if (c == 'c')
            code = optarg;
        else if (c == 'r')
            recognize = optarg;
        else if (c == 't')
            tag = optarg;
        else if (c == 'q')
            ask = optarg;
        else if (c == 'A')
            accepts[naccepts++] = optarg;
        else if (c == 'z')
            zipf = 1;
        else
            return 2;
    }
    if (argc - optind != 2 || nauthors == 0 || nauthors > 1000 || body_bytes > 200000) {
        fprintf(stderr, "usage: lore_fill DB N [--seed S] [--authors A] [--body-bytes B] "
                        "[--code JOIN-CODE [--recognize ANSWER-ID --tag T]] [--ask T] "
                        "[--accept ANSWER-ID]... [--zipf]\n");
        return 2;
    }
    n = strtoul(argv[optind + 1], NULL, 10);
    if (sodium_init() < 0)
        return 1;
    log_init("lore_fill", LOG_LEVEL_WARN);
    r = replica_open(argv[optind], 64, err, sizeof(err));
    if (r == NULL) {
        fprintf(stderr, "lore_fill: %s\n", err);
        return 1;
    }
    authors = xcalloc(nauthors, sizeof(*authors));
    for (i = 0; i < nauthors; i++) {
        uint8_t s[32] = {0};
        memcpy(s, &seed, sizeof(seed));
        memcpy(s + 16, &i, sizeof(i));
        crypto_sign_seed_keypair(authors[i].pk, authors[i].sk, s);
    }
    batch = xcalloc(256, sizeof(*batch));
    if (code != NULL) {
        uint8_t id[TEAM_ID_LEN], secret[TEAM_SECRET_LEN];
        struct team_invite *inv;
        if (team_code_decode(code, id, secret, err, sizeof(err)) != 0 ||
            (inv = team_invite_new(secret)) == NULL) {
            fprintf(stderr, "lore_fill: bad join code: %s\n", err);
            return 2;
        }
        for (i = 0; i < nauthors; i++) {
            struct entry *cert = team_cert_create(id, inv, 1733000000000ull - 1000, authors[i].pk,
                                                  sign, &authors[i], err, sizeof(err));
            if (cert == NULL || replica_add_batch(r, (const struct entry *const *)&cert, 1, NULL,
                                                  NULL, 0, err, sizeof(err)) != 0) {
                fprintf(stderr, "lore_fill: %s\n", err);
                return 1;
            }
            entry_destroy(&cert);
        }
        team_invite_destroy(&inv);
    }
    if (recognize != NULL && recognize_all(r, authors, nauthors, recognize, tag) != 0)
        return 1;
    if (ask != NULL && ask_all(r, authors, nauthors, ask) != 0)
        return 1;
    if (naccepts > 0 && accept_all(r, authors, nauthors, accepts, naccepts) != 0)
        return 1;
    buf_init(&body, body_bytes + 64);
    if (zipf)
        zipf_vocabulary();
    for (i = 0; i < n; i++) {
        struct entry_fields f = {0};
        const char *tags[2];
        struct author *a = &authors[i % nauthors];
        /* Deterministic "randomness" from the seed and the index. */
        crypto_generichash(rnd, sizeof(rnd), (const uint8_t *)&i, sizeof(i), (const uint8_t *)&seed,
                           sizeof(seed));
        buf_reset(&body);
        if (zipf) {
            uint64_t st = seed * 0x100000001b3ull ^ i;
            for (k = 0; body.len < body_bytes; k++)
                if (buf_append_str(&body, zipf_word(&st)) != 0 || buf_append_str(&body, " ") != 0)
                    break;
            tags[0] = zipf_words[zipf_mix(&st) % 50];
            tags[1] = zipf_words[zipf_mix(&st) % 500];
            snprintf(title, sizeof(title), "%s %s %s %lu", zipf_word(&st), zipf_word(&st),
                     zipf_word(&st), i);
        } else {
            for (k = 0; body.len < body_bytes; k++)
                if (buf_append_str(&body, words[(rnd[k % 32] + k) % NWORDS]) != 0 ||
                    buf_append_str(&body, " ") != 0)
                    break;
            tags[0] = words[rnd[0] % NWORDS];
            tags[1] = words[rnd[1] % NWORDS];
            snprintf(title, sizeof(title), "%s %s %lu", words[rnd[2] % NWORDS],
                     words[rnd[3] % NWORDS], i);
        }
        f.kind = rnd[4] % 2 ? ENTRY_NOTE : ENTRY_QUESTION;
        f.created_ms = 1733000000000ull + (uint64_t)(rnd[5] | rnd[6] << 8 | rnd[7] << 16) * 3700;
        f.title = title;
        f.body = (const char *)body.data;
        f.tags = tags;
        f.ntags = 2;
        batch[nb] = kinds_create(&f, a->pk, sign, a, err, sizeof(err));
        if (batch[nb] == NULL) {
            fprintf(stderr, "lore_fill: %s\n", err);
            return 1;
        }
        if (++nb == 256 || i + 1 == n) {
            if (replica_add_batch(r, (const struct entry *const *)batch, (size_t)nb, NULL, NULL, 0,
                                  err, sizeof(err)) != 0) {
                fprintf(stderr, "lore_fill: %s\n", err);
                return 1;
            }
            while (nb > 0)
                entry_destroy(&batch[--nb]);
        }
    }
    printf("%lld\n", replica_count(r));
    replica_close(&r);
    buf_free(&body);
    free(batch);
    free(authors);
    free(accepts);
    return 0;
}
