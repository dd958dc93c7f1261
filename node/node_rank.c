/* node_rank: who knows a topic — people ranked by accepted answers, answers and their upvotes,
 * endorsements and declared skill, every contribution decaying with age (docs/API.md, who_knows).
 */
#include "node_rank.h"
#include "node_related.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_clock.h"
#include "node_map.h"
#include "node_peopleview.h"
#include "node_synonyms.h"
#include "timeunits.h"
#include "xmalloc.h"

/* ---- who knows ---- */

/* A contribution's weight: its recent part halves every 90 days; a floor share stays for good. */
#define NODE_HALF_LIFE_DAYS 90.0
#define NODE_DECAY_FLOOR 0.25
#define NODE_W_ACCEPTED 10.0 /* an accepted answer */
#define NODE_W_ANSWER 3.0    /* an answer the asker did not accept */
#define NODE_W_UPVOTE 1.0    /* a net upvote on an answer (at most NODE_MAX_UPVOTES each) */
#define NODE_MAX_UPVOTES 5
#define NODE_W_ENDORSER 2.0 /* a distinct colleague endorsing the skill */
/* A declared level counts 0.4 a step: at most 2.0, below what even an old accepted answer keeps
 * (10 x 0.25), so a self-declared skill alone never outranks demonstrated help. */
#define NODE_W_LEVEL 0.4
/* Work on a related topic (node_related) counts this share, times the topic's weight, divided
 * among the topic's questions read: half beside a tag, whose own questions are the evidence;
 * fully for words, whose matches are weak evidence. */
#define NODE_W_RELATED_TAG 0.5
#define NODE_W_RELATED_WORDS 1.0
/* A related topic's newest questions read: a bounded share of a who_knows's work. */
#define NODE_RELATED_QUESTIONS 50

/* The parts of a score, in the order the API shows them ("components"). */
enum node_expert_part {
    NODE_PART_ACCEPTED,
    NODE_PART_ANSWERS,
    NODE_PART_UPVOTES,
    NODE_PART_ENDORSEMENTS,
    NODE_PART_DECLARED,
    NODE_PARTS
};
static const char *const node_expert_part_name[NODE_PARTS] = {"accepted", "answers", "upvotes",
                                                              "endorsements", "declared"};

/* A person as who-knows counts them. */
struct node_expert_person {
    char key[2 * ENTRY_KEY_LEN + 1];
    long long declared, answers, accepted, upvotes, endorsers;
    long long related_answers; /* answers on related topics (not in answers) */
    unsigned via;              /* bit i: related topic i added to the score */
    long long last_ms;         /* their latest own contribution */
    double score, parts[NODE_PARTS];
};

/* For one (answerer, pool of askers): the one answer that counts. */
struct node_expert_best {
    char id[2 * ENTRY_ID_LEN + 1];
    int accepted;
    long long at;
    double scale; /* node_expert's when it was met */
    int via;
};

/* A question or an answer found on the topic or a related one: counted once, after every search,
 * at the best share any of them found it with (a question a search finds weakly counts in full
 * when its tag is the topic, and at its related topic's share when that is more). */
struct node_expert_found {
    uint8_t id[ENTRY_ID_LEN];
    uint8_t author[ENTRY_KEY_LEN]; /* a question's asker */
    double scale;
    int via;
    int counted; /* an answer: counted with its question */
};

struct node_expert_finds {
    struct node_expert_found *v;
    size_t n, cap;
    struct node_map *at; /* id hex -> index in v */
};

struct node_expert {
    struct node_expert_person *people;
    size_t npeople, cap;
    struct node_map *index; /* author hex -> index in people */
    struct node_map *seen;  /* "a:<id>", "s:<person>", "e:<person>:<endorser>" already counted */
    struct node_expert_best *best;
    size_t nbest, capbest;
    struct node_map *pooled; /* "<answerer>:<pool>" -> index in best */
    uint64_t now_ms;
    struct node *n;
    /* What a contribution counts now: 1, or on related topic via (-1: the topic itself) its
     * share. */
    double scale;
    int via;
    double first_rank; /* the best bm25 of the search being read (0 before its first row) */
    struct node_expert_finds questions, answers;
};

/* Note that the entry id (by author) was found at share scale on topic via: kept if new or
 * better than before. */
static void node_expert_found(struct node_expert_finds *f, const uint8_t id[ENTRY_ID_LEN],
                              const uint8_t author[ENTRY_KEY_LEN], double scale, int via)
{
    char hex[2 * ENTRY_ID_LEN + 1];
    struct node_expert_found *it;
    size_t at;

    hex_encode(id, ENTRY_ID_LEN, hex);
    if (node_map_get(f->at, hex, &at)) {
        it = &f->v[at];
        if (scale > it->scale) {
            it->scale = scale;
            it->via = via;
        }
        return;
    }
    if (f->n == f->cap) {
        f->cap = f->cap != 0 ? 2 * f->cap : 64;
        f->v = xreallocarray(f->v, f->cap, sizeof(*f->v));
    }
    it = &f->v[f->n];
    memset(it, 0, sizeof(*it));
    memcpy(it->id, id, ENTRY_ID_LEN);
    memcpy(it->author, author, ENTRY_KEY_LEN);
    it->scale = scale;
    it->via = via;
    node_map_put(f->at, hex, f->n++);
}

/* The person record of author, created empty. Valid until the next call. */
static struct node_expert_person *node_expert(struct node_expert *x, const uint8_t *author)
{
    char hex[2 * ENTRY_KEY_LEN + 1];
    size_t at;

    hex_encode(author, ENTRY_KEY_LEN, hex);
    if (!node_map_get(x->index, hex, &at)) {
        if (x->npeople == x->cap) {
            x->cap = x->cap != 0 ? 2 * x->cap : 32;
            x->people = xreallocarray(x->people, x->cap, sizeof(*x->people));
        }
        at = x->npeople++;
        memset(&x->people[at], 0, sizeof(x->people[at]));
        memcpy(x->people[at].key, hex, sizeof(hex));
        node_map_put(x->index, hex, at);
    }
    return &x->people[at];
}

/* 1 the first time key is seen (and remember it), else 0. */
static int node_expert_first(struct node_expert *x, const char *key)
{
    size_t at;

    if (node_map_get(x->seen, key, &at))
        return 0;
    node_map_put(x->seen, key, 0);
    return 1;
}

/* Add weight w (decayed by age) to part of a person's score. active: the contribution is the
 * person's own doing (it moves their "last active" time). */
static void node_expert_add(struct node_expert *x, struct node_expert_person *p,
                            enum node_expert_part part, double w, uint64_t at_ms, int active)
{
    double age_days = x->now_ms > at_ms ? (double)(x->now_ms - at_ms) / (double)LORE_DAY_MS : 0;
    double decayed =
        x->scale * w *
        (NODE_DECAY_FLOOR + (1 - NODE_DECAY_FLOOR) * pow(0.5, age_days / NODE_HALF_LIFE_DAYS));

    if (x->via >= 0 && decayed > 0)
        p->via |= 1u << x->via;
    p->parts[part] += decayed;
    p->score += decayed;
    if (active && (long long)at_ms > p->last_ms)
        p->last_ms = (long long)at_ms;
}

static int node_expert_skill(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_expert *x = ctx;
    const char *lv = entry_attr_get(e, "level");
    long level = lv != NULL && lv[0] >= '1' && lv[0] <= '5' && lv[1] == '\0' ? lv[0] - '0' : 3;
    struct node_expert_person *p;
    char key[2 * ENTRY_KEY_LEN + 8];

    (void)snippet;
    (void)rank;
    /* Newest first: a person's latest declaration is the one that counts; level 0 withdrew it. */
    hex_encode(entry_author(e), ENTRY_KEY_LEN, key + 2);
    memcpy(key, "s:", 2);
    if (!node_expert_first(x, key) || (lv != NULL && strcmp(lv, "0") == 0))
        return 0;
    p = node_expert(x, entry_author(e));
    p->declared = level;
    node_expert_add(x, p, NODE_PART_DECLARED, NODE_W_LEVEL * (double)level,
                    node_clock_entry_time(x->n, e, 0), 1);
    return 0;
}

/* Endorsements of the topic's skill: each colleague counts once per person (the newest of their
 * endorsements), and nobody endorses themselves. */
static int node_expert_endorsement(void *ctx, const struct entry *e, const char *snippet,
                                   double rank)
{
    struct node_expert *x = ctx;
    const char *person = entry_attr_get(e, "person");
    char author[2 * ENTRY_KEY_LEN + 1], key[4 * ENTRY_KEY_LEN + 8 + NODE_VOTER_MAX],
        voter[NODE_VOTER_MAX];
    uint8_t raw[ENTRY_KEY_LEN];
    struct node_expert_person *p;

    (void)snippet;
    (void)rank;
    hex_encode(entry_author(e), ENTRY_KEY_LEN, author);
    if (person == NULL || strcmp(person, author) == 0 ||
        hex_decode(person, strlen(person), raw, ENTRY_KEY_LEN) != 0)
        return 0;
    node_peopleview_voter(x->n, entry_author(e), voter);
    snprintf(key, sizeof(key), "e:%s:%s", person, voter);
    if (!node_expert_first(x, key))
        return 0;
    p = node_expert(x, raw);
    p->endorsers++;
    node_expert_add(x, p, NODE_PART_ENDORSEMENTS, NODE_W_ENDORSER,
                    node_clock_entry_time(x->n, e, 1), 0);
    return 0;
}

struct node_expert_votes {
    struct node *n;
    struct node_map *voters; /* voter identity (node_peopleview_voter) -> seen */
    const char *author;
    long long net;
};

/* Votes on an answer, newest first: each voter's latest counts; the author's own do not. */
static int node_expert_vote(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_expert_votes *v = ctx;
    const char *value = entry_attr_get(e, "value");
    char author[2 * ENTRY_KEY_LEN + 1], voter[NODE_VOTER_MAX];
    size_t seen;

    (void)snippet;
    (void)rank;
    hex_encode(entry_author(e), ENTRY_KEY_LEN, author);
    node_peopleview_voter(v->n, entry_author(e), voter);
    if (strcmp(author, v->author) == 0 || node_map_get(v->voters, voter, &seen))
        return 0;
    node_map_put(v->voters, voter, 1);
    if (value != NULL && strcmp(value, "1") == 0)
        v->net++;
    else if (value != NULL && strcmp(value, "-1") == 0)
        v->net--;
    return 0;
}

/* Net upvotes of an answer, 0 to NODE_MAX_UPVOTES. */
static long long node_expert_upvotes(struct node *n, const struct entry *answer)
{
    struct node_expert_votes v = {n, node_map_new(), NULL, 0};
    struct replica_query q = {0};
    char author[2 * ENTRY_KEY_LEN + 1];

    hex_encode(entry_author(answer), ENTRY_KEY_LEN, author);
    v.author = author;
    q.kind = ENTRY_VOTE;
    q.ref = entry_id(answer);
    q.limit = NODE_LIST_MAX;
    if (replica_list(n->replica, &q, node_expert_vote, &v, NULL) != 0)
        log_warnx("node: who-knows: listing votes failed");
    node_map_destroy(&v.voters);
    return v.net < 0 ? 0 : v.net > NODE_MAX_UPVOTES ? NODE_MAX_UPVOTES : v.net;
}

struct node_expert_q {
    struct node_expert *x;
    uint8_t accepted[ENTRY_ID_LEN];
    int has_accepted;
    char asker[NODE_VOTER_MAX]; /* the question's asker as a voter identity, "" if unknown */
};

/* Count one answer: its weight (accepted or not) and its upvotes. */
static void node_expert_answer_count(struct node_expert *x, const struct entry *e, int accepted)
{
    struct node_expert_person *p = node_expert(x, entry_author(e));
    long long up;

    if (x->via >= 0) {
        p->related_answers++;
    } else {
        p->answers++;
        if (accepted)
            p->accepted++;
    }
    node_expert_add(x, p, accepted ? NODE_PART_ACCEPTED : NODE_PART_ANSWERS,
                    accepted ? NODE_W_ACCEPTED : NODE_W_ANSWER, node_clock_entry_time(x->n, e, 0),
                    1);
    up = node_expert_upvotes(x->n, e);
    if (up > 0) {
        p->upvotes += up;
        node_expert_add(x, p, NODE_PART_UPVOTES, NODE_W_UPVOTE * (double)up,
                        node_clock_entry_time(x->n, e, 0), 0);
    }
}

/* An answer counts once. Answers to askers of one pool (node_peopleview_voter) count, for one
 * answerer, as one honest asker's question would: only the best of them (accepted first, then
 * the newest, then the lowest id, so every node picks the same), counted at the end. */
static int node_expert_answer(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_expert_q *xq = ctx;
    struct node_expert *x = xq->x;
    int accepted = xq->has_accepted && memcmp(entry_id(e), xq->accepted, ENTRY_ID_LEN) == 0;
    char key[2 * ENTRY_ID_LEN + 3] = "a:", pkey[2 * ENTRY_KEY_LEN + 1 + NODE_VOTER_MAX];
    long long at = (long long)node_clock_entry_time(x->n, e, 0);
    struct node_expert_best *best;
    size_t i;

    (void)snippet;
    (void)rank;
    hex_encode(entry_id(e), ENTRY_ID_LEN, key + 2);
    hex_encode(entry_author(e), ENTRY_KEY_LEN, pkey);
    if (strcmp(pkey, xq->asker) == 0)
        return 0; /* an answer to one's own question shows no expertise */
    if (!node_expert_first(x, key))
        return 0;
    /* found by its own words too: counted here, with its question (at the question's share, as
     * the question's words are the asker's and an answer's the expert's) */
    if (node_map_get(x->answers.at, key + 2, &i))
        x->answers.v[i].counted = 1;
    if (!node_peopleview_pooled(xq->asker)) {
        node_expert_answer_count(x, e, accepted);
        return 0;
    }
    snprintf(pkey + 2 * ENTRY_KEY_LEN, sizeof(pkey) - 2 * ENTRY_KEY_LEN, ":%s", xq->asker);
    if (node_map_get(x->pooled, pkey, &i)) {
        best = &x->best[i];
        if (best->accepted != accepted ? best->accepted
            : best->at != at           ? best->at > at
                                       : strcmp(best->id, key + 2) < 0)
            return 0;
    } else {
        if (x->nbest == x->capbest) {
            x->capbest = x->capbest != 0 ? 2 * x->capbest : 16;
            x->best = xreallocarray(x->best, x->capbest, sizeof(*x->best));
        }
        i = x->nbest++;
        node_map_put(x->pooled, pkey, i);
    }
    best = &x->best[i];
    memcpy(best->id, key + 2, sizeof(best->id));
    best->accepted = accepted;
    best->at = at;
    best->scale = x->scale;
    best->via = x->via;
    return 0;
}

/* Count the one answer kept for each (answerer, pool), in the order the pairs were first met. */
static void node_expert_pooled_count(struct node_expert *x)
{
    uint8_t id[ENTRY_ID_LEN];
    struct entry *e;
    size_t i;

    for (i = 0; i < x->nbest; i++) {
        e = NULL;
        x->scale = x->best[i].scale;
        x->via = x->best[i].via;
        if (hex_decode(x->best[i].id, 2 * ENTRY_ID_LEN, id, ENTRY_ID_LEN) == 0 &&
            replica_get(x->n->replica, id, &e, NULL, 0) == REPLICA_FOUND)
            node_expert_answer_count(x, e, x->best[i].accepted);
        entry_destroy(&e);
    }
    x->scale = 1.0;
    x->via = -1;
}

/* How much a row of rank counts: a listed row (rank 0) fully, a search's row the square of its
 * bm25 score's share of the search's best (its first), so a question that shares only an everyday
 * word with the topic counts little, and many such questions do not outweigh the few that match
 * (tests/fixtures/vocab, expert in the first three: by the topic's words alone 54% -> 60%, with
 * related topics 68% -> 77%). */
static double node_expert_relevance(struct node_expert *x, double rank)
{
    double share;

    if (rank >= 0)
        return 1.0;
    if (x->first_rank >= 0)
        x->first_rank = rank;
    share = rank / x->first_rank;
    return share * share;
}

/* A question on the topic (or a related one), at its share: kept for node_expert_found_count. */
static int node_expert_question(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_expert *x = ctx;

    (void)snippet;
    node_expert_found(&x->questions, entry_id(e), entry_author(e),
                      x->scale * node_expert_relevance(x, rank), x->via);
    return 0;
}

/* An answer whose own text matches the topic (its question may not): kept likewise. */
static int node_expert_matching_answer(void *ctx, const struct entry *e, const char *snippet,
                                       double rank)
{
    struct node_expert *x = ctx;

    (void)snippet;
    if (entry_nrefs(e) > 0)
        node_expert_found(&x->answers, entry_id(e), entry_author(e),
                          x->scale * node_expert_relevance(x, rank), x->via);
    return 0;
}

/* Everyone who answered question f earns weight, at its share. */
static void node_expert_question_count(struct node_expert *x, const struct node_expert_found *f)
{
    struct node_expert_q xq = {x, {0}, 0, ""};
    struct replica_query q = {0};

    x->scale = f->scale;
    x->via = f->via;
    node_peopleview_voter(x->n, f->author, xq.asker);
    xq.has_accepted = replica_accepted(x->n->replica, f->id, f->author, xq.accepted) == 1;
    q.kind = ENTRY_ANSWER;
    q.ref = f->id;
    q.limit = NODE_LIST_MAX;
    if (replica_list(x->n->replica, &q, node_expert_answer, &xq, NULL) != 0)
        log_warnx("node: who-knows: listing answers failed");
}

/* An answer found by its own words and not with its question: it counts, at its share. */
static void node_expert_answer_found_count(struct node_expert *x, const struct node_expert_found *f)
{
    struct node_expert_q xq = {x, {0}, 0, ""};
    struct entry *answer = NULL, *question = NULL;

    if (replica_get(x->n->replica, f->id, &answer, NULL, 0) != REPLICA_FOUND)
        goto out;
    if (replica_get(x->n->replica, entry_ref(answer, 0), &question, NULL, 0) == REPLICA_FOUND) {
        xq.has_accepted = replica_accepted(x->n->replica, entry_id(question),
                                           entry_author(question), xq.accepted) == 1;
        node_peopleview_voter(x->n, entry_author(question), xq.asker);
    }
    x->scale = f->scale;
    x->via = f->via;
    (void)node_expert_answer(&xq, answer, NULL, 0);
out:
    entry_destroy(&question);
    entry_destroy(&answer);
}

/* Count what the searches found: each question's answers, then the answers found without their
 * question, each in the order first found (the same on every node). */
static void node_expert_found_count(struct node_expert *x)
{
    size_t i;

    for (i = 0; i < x->questions.n; i++)
        node_expert_question_count(x, &x->questions.v[i]);
    for (i = 0; i < x->answers.n; i++)
        if (!x->answers.v[i].counted)
            node_expert_answer_found_count(x, &x->answers.v[i]);
    x->scale = 1.0;
    x->via = -1;
}

/* Best score first, then by key: the same order on every node. */
static int node_expert_cmp(const void *a, const void *b)
{
    const struct node_expert_person *x = a, *y = b;

    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* Append one part of a "why" text, after ", " unless it is the first. */
static void node_why_part(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void node_why_part(struct buf *b, const char *fmt, ...)
{
    char part[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(part, sizeof(part), fmt, ap);
    va_end(ap);
    /* A full buffer just cuts the text short. */
    if ((b->len > 0 && buf_append_str(b, ", ") != 0) || buf_append_str(b, part) != 0)
        return;
}

/* The related topics that added to p's score, joined by sep (a static buffer). */
static const char *node_expert_via(const struct node_expert_person *p,
                                   const struct node_related *rel, const char *sep)
{
    static char text[NODE_RELATED_MAX * (ENTRY_TAG_MAX + 2) + 1];
    size_t i, len = 0;

    text[0] = '\0';
    for (i = 0; i < rel->n; i++)
        if (p->via & (1u << i))
            len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", len > 0 ? sep : "",
                                    rel->tag[i]);
    return text;
}

/* "3 accepted answers on vpn, 1 other answer on vpn, 4 upvotes, endorsed by 2, declared level 4,
 * active 3 days ago". topic: tlen bytes. Written to why (len bytes, cut if longer). */
static void node_expert_why(const struct node_expert_person *p, const char *topic, int tlen,
                            const struct node_related *rel, uint64_t now_ms, char *why, size_t len)
{
    long long ans = p->answers, acc = p->accepted, up = p->upvotes, endo = p->endorsers;
    long long dec = p->declared, last = p->last_ms;
    long long days = (long long)((double)((long long)now_ms - last) / (double)LORE_DAY_MS);
    struct buf b;

    buf_init(&b, 4096);
    if (acc > 0)
        node_why_part(&b, "%lld accepted answer%s on %.*s", acc, acc == 1 ? "" : "s", tlen, topic);
    if (ans - acc > 0)
        node_why_part(&b, "%lld %sanswer%s on %.*s", ans - acc, acc > 0 ? "other " : "",
                      ans - acc == 1 ? "" : "s", tlen, topic);
    if (p->related_answers > 0)
        node_why_part(&b, "%lld answer%s on related topics (%s)", p->related_answers,
                      p->related_answers == 1 ? "" : "s", node_expert_via(p, rel, " "));
    if (up > 0)
        node_why_part(&b, "%lld upvote%s", up, up == 1 ? "" : "s");
    if (endo > 0)
        node_why_part(&b, "endorsed by %lld", endo);
    if (dec > 0)
        node_why_part(&b, "declared level %lld", dec);
    if (last > 0 && days <= 0)
        node_why_part(&b, "active today");
    else if (last > 0)
        node_why_part(&b, "active %lld day%s ago", days, days == 1 ? "" : "s");
    snprintf(why, len, "%.*s", (int)b.len, b.len > 0 ? (const char *)b.data : "");
    buf_free(&b);
}

/* A person as who_knows shows them (the order of the fields is the API's). */
static json_t *node_expert_json(struct node *n, const struct node_expert_person *p,
                                const struct node_related *rel, const char *why)
{
    json_t *o = json_object(), *parts = json_object(), *via;
    char name[NODE_NAME_MAX * 4 + 1];
    uint8_t key[ENTRY_KEY_LEN];
    int i;

    json_object_set_new(o, "declared", json_integer(p->declared));
    json_object_set_new(o, "answers", json_integer(p->answers));
    json_object_set_new(o, "accepted", json_integer(p->accepted));
    json_object_set_new(o, "upvotes", json_integer(p->upvotes));
    json_object_set_new(o, "endorsers", json_integer(p->endorsers));
    json_object_set_new(o, "related_answers", json_integer(p->related_answers));
    via = json_array();
    for (i = 0; (size_t)i < rel->n; i++)
        if (p->via & (1u << i))
            json_array_append_new(via, json_string(rel->tag[i]));
    json_object_set_new(o, "via", via);
    json_object_set_new(o, "last_ms", json_integer(p->last_ms));
    json_object_set_new(o, "score", json_real(p->score));
    for (i = 0; i < NODE_PARTS; i++)
        json_object_set_new(parts, node_expert_part_name[i], json_real(p->parts[i]));
    json_object_set_new(o, "components", parts);
    json_object_set_new(o, "key", json_string(p->key));
    json_object_set_new(o, "why", json_string(why));
    if (hex_decode(p->key, 2 * ENTRY_KEY_LEN, key, ENTRY_KEY_LEN) == 0 &&
        replica_author_name(n->replica, key, name, sizeof(name)) == 0)
        json_object_set_new(o, "name", json_string(name));
    else
        json_object_set_new(o, "name", json_null());
    json_object_set_new(
        o, "online",
        json_boolean(hex_decode(p->key, 2 * ENTRY_KEY_LEN, key, ENTRY_KEY_LEN) == 0 &&
                     node_rank_online(n, key)));
    return o;
}

/* A related topic's questions (id and asker), held until their count gives their share. */
struct node_expert_listed {
    uint8_t id[NODE_RELATED_QUESTIONS][ENTRY_ID_LEN];
    uint8_t author[NODE_RELATED_QUESTIONS][ENTRY_KEY_LEN];
    size_t n;
};

static int node_expert_listed_row(void *ctx, const struct entry *e, const char *snippet,
                                  double rank)
{
    struct node_expert_listed *l = ctx;

    (void)snippet;
    (void)rank;
    if (l->n < NODE_RELATED_QUESTIONS) {
        memcpy(l->id[l->n], entry_id(e), ENTRY_ID_LEN);
        memcpy(l->author[l->n], entry_author(e), ENTRY_KEY_LEN);
        l->n++;
    }
    return 0;
}

/* The questions tagged with each topic related to topic count for their answerers, at the
 * topic's share: NODE_W_RELATED_* x its weight, divided among its questions (at most
 * NODE_RELATED_QUESTIONS, the newest), so that a related topic adds as much whether it has one
 * question or fifty — its answerers' shares of it, not its size, rank them. A question found
 * before counts once, at the better of its shares. */
static void node_rank_related(struct node_expert *x, const char *topic, struct node_related *rel)
{
    struct node_expert_listed l;
    struct replica_query q = {0};
    char tag[ENTRY_TAG_MAX + 1];
    int tag_topic = node_arg_tag_norm(topic, tag) == 0;
    size_t i, k;

    node_related_topics(x->n, topic, rel);
    for (i = 0; i < rel->n; i++) {
        memset(&q, 0, sizeof(q));
        q.kind = ENTRY_QUESTION;
        q.tag = rel->tag[i];
        q.limit = NODE_RELATED_QUESTIONS;
        l.n = 0;
        if (replica_list(x->n->replica, &q, node_expert_listed_row, &l, NULL) != 0)
            log_warnx("node: who-knows: questions on %s failed", rel->tag[i]);
        x->scale = (tag_topic ? NODE_W_RELATED_TAG : NODE_W_RELATED_WORDS) * rel->weight[i];
        if (l.n > 0)
            x->scale /= (double)l.n;
        x->via = (int)i;
        for (k = 0; k < l.n; k++)
            node_expert_found(&x->questions, l.id[k], l.author[k], x->scale, x->via);
    }
    x->scale = 1.0;
    x->via = -1;
}

/* Rank people for a topic: accepted answers, other answers and their upvotes on questions tagged
 * with it or matching it (and answers matching it), distinct endorsers of the skill, then declared
 * skill; every contribution decays with age. At most max people, best first (a new array). */
json_t *node_rank_experts(struct node *n, const char *topic, size_t max)
{
    return node_rank_experts_related(n, topic, max, 1, NULL);
}

json_t *node_rank_experts_related(struct node *n, const char *topic, size_t max, int related,
                                  json_t **related_out)
{
    struct node_expert x = {NULL,
                            0,
                            0,
                            node_map_new(),
                            node_map_new(),
                            NULL,
                            0,
                            0,
                            node_map_new(),
                            node_clock_wall_ms(),
                            n,
                            1.0,
                            -1,
                            0,
                            {NULL, 0, 0, node_map_new()},
                            {NULL, 0, 0, node_map_new()}};
    struct node_related rel = {0};
    struct replica_query q = {0};
    char tag[ENTRY_TAG_MAX + 1], why[512], err[ERRMSG_MAX], canon[ENTRY_TAG_MAX + 1];
    json_t *arr = json_array();
    const char *shown;
    size_t i;
    int shown_len;

    /* A tag's alias asks about its canonical tag: the same words, the same related topics. */
    if (node_arg_tag_norm(topic, tag) == 0) {
        node_syn_canon(n, tag, canon);
        topic = canon;
    }

    if (node_arg_tag_norm(topic, tag) == 0) {
        q.kind = ENTRY_SKILL;
        q.tag = tag;
        q.limit = NODE_LIST_MAX;
        if (replica_list(n->replica, &q, node_expert_skill, &x, NULL) != 0)
            log_warnx("node: who-knows: skills failed");
        q.kind = ENTRY_ENDORSEMENT;
        if (replica_list(n->replica, &q, node_expert_endorsement, &x, NULL) != 0)
            log_warnx("node: who-knows: endorsements failed");
        q.kind = ENTRY_QUESTION;
        if (replica_list(n->replica, &q, node_expert_question, &x, NULL) != 0)
            log_warnx("node: who-knows: questions failed");
    }
    memset(&q, 0, sizeof(q));
    q.kind = ENTRY_QUESTION;
    q.limit = 200;
    q.any_word = 1;
    q.bounded = 1; /* the best evidence among the newest and title matches, not every match */
    x.first_rank = 0;
    if (replica_search(n->replica, topic, &q, NULL, NULL, node_expert_question, &x, NULL, err,
                       sizeof(err)) != 0)
        log_debug("node: who-knows: search: %s", err);
    q.kind = ENTRY_ANSWER;
    x.first_rank = 0;
    if (replica_search(n->replica, topic, &q, NULL, NULL, node_expert_matching_answer, &x, NULL,
                       err, sizeof(err)) != 0)
        log_debug("node: who-knows: search: %s", err);
    if (related)
        node_rank_related(&x, topic, &rel);
    node_expert_found_count(&x);
    node_expert_pooled_count(&x);
    /* The topic as the reasons name it: the tag, else the words (cut at a character, not inside
     * one). */
    if (node_arg_tag_norm(topic, tag) == 0) {
        shown = tag;
    } else {
        shown = topic;
    }
    shown_len = (int)strlen(shown);
    if (shown_len > 40) {
        shown_len = 40;
        while (shown_len > 0 && ((unsigned char)shown[shown_len] & 0xc0) == 0x80)
            shown_len--;
    }
    if (x.npeople > 0)
        qsort(x.people, x.npeople, sizeof(*x.people), node_expert_cmp);
    for (i = 0; i < x.npeople && i < max; i++) {
        node_expert_why(&x.people[i], shown, shown_len, &rel, x.now_ms, why, sizeof(why));
        json_array_append_new(arr, node_expert_json(n, &x.people[i], &rel, why));
    }
    free(x.people);
    node_map_destroy(&x.index);
    node_map_destroy(&x.seen);
    free(x.best);
    node_map_destroy(&x.pooled);
    free(x.questions.v);
    node_map_destroy(&x.questions.at);
    free(x.answers.v);
    node_map_destroy(&x.answers.at);
    if (related_out != NULL)
        *related_out = node_related_json(&rel);
    return arr;
}

/* ---- who is online ---- */

int node_rank_online(struct node *n, const uint8_t key[ENTRY_KEY_LEN])
{
    if (n->gossip != NULL)
        return gossip_online(n->gossip, key);
    return memcmp(key, identity_public_key(n->id), ENTRY_KEY_LEN) == 0;
}

void node_rank_online_first(json_t *people, size_t max)
{
    json_t *all = json_copy(people), *p;
    size_t i;
    int pass;

    json_array_clear(people);
    for (pass = 0; pass < 2; pass++)
        json_array_foreach(all, i, p)
        {
            if (json_array_size(people) < max &&
                json_is_true(json_object_get(p, "online")) == (pass == 0))
                json_array_append(people, p);
        }
    json_decref(all);
}

size_t node_rank_online_experts(struct node *n, const char *const *tags, size_t ntags)
{
    const uint8_t *me = identity_public_key(n->id);
    char mehex[2 * ENTRY_KEY_LEN + 1];
    json_t *seen = json_object(), *people, *p;
    size_t t, i, count = 0;
    const char *key;

    hex_encode(me, ENTRY_KEY_LEN, mehex);
    for (t = 0; t < ntags; t++) {
        people = node_rank_experts(n, tags[t], NODE_LIST_MAX);
        json_array_foreach(people, i, p)
        {
            key = json_string_value(json_object_get(p, "key"));
            if (key == NULL || strcmp(key, mehex) == 0 || json_object_get(seen, key) != NULL)
                continue;
            json_object_set_new(seen, key, json_true());
            count += json_is_true(json_object_get(p, "online"));
        }
        json_decref(people);
    }
    json_decref(seen);
    return count;
}
