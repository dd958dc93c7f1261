/* node_latest: the latest entry of a kind per (author, tag), by (created_ms, id). */
#include "node_latest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "log.h"
#include "node_args.h"
#include "node_map.h"
#include "node_synonyms.h"
#include "xmalloc.h"

struct node_latest_item {
    struct entry *e;             /* the latest of the pair (a copy) */
    char tag[ENTRY_TAG_MAX + 1]; /* its first tag's canonical tag */
};

struct node_latest {
    struct node_latest_item *items; /* the latest per pair */
    size_t count, cap;
    struct node_map *index; /* "<author hex> <tag>" -> index in items */
    size_t rows;            /* rows on the page being read */
    struct node *n;
};

/* 1 if a is later than b: by created_ms, then by id. */
static int node_latest_later(const struct entry *a, const struct entry *b)
{
    if (entry_created_ms(a) != entry_created_ms(b))
        return entry_created_ms(a) > entry_created_ms(b);
    return memcmp(entry_id(a), entry_id(b), ENTRY_ID_LEN) > 0;
}

static int node_latest_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_latest *l = ctx;
    char key[2 * ENTRY_KEY_LEN + 1 + ENTRY_TAG_MAX + 1];
    const uint8_t *bytes;
    struct entry *copy;
    size_t len, i;

    (void)snippet;
    (void)rank;
    l->rows++;
    if (entry_ntags(e) == 0)
        return 0;
    hex_encode(entry_author(e), ENTRY_KEY_LEN, key);
    key[2 * ENTRY_KEY_LEN] = ' ';
    /* An alias's entry and its canonical tag's are one topic's (node_synonyms). */
    node_syn_canon(l->n, entry_tag(e, 0), key + 2 * ENTRY_KEY_LEN + 1);
    if (node_map_get(l->index, key, &i) && !node_latest_later(e, l->items[i].e))
        return 0;
    bytes = entry_bytes(e, &len);
    copy = entry_decode(bytes, len, NULL, 0);
    if (copy == NULL)
        return 0;
    if (node_map_get(l->index, key, &i)) {
        entry_destroy(&l->items[i].e);
        l->items[i].e = copy;
        return 0;
    }
    if (l->count == l->cap) {
        l->cap = l->cap != 0 ? 2 * l->cap : 16;
        l->items = xreallocarray(l->items, l->cap, sizeof(*l->items));
    }
    node_map_put(l->index, key, l->count);
    l->items[l->count].e = copy;
    memcpy(l->items[l->count++].tag, key + 2 * ENTRY_KEY_LEN + 1, ENTRY_TAG_MAX + 1);
    return 0;
}

/* By tag, then author: the same order on every node. */
static int node_latest_cmp(const void *a, const void *b)
{
    const struct node_latest_item *x = a, *y = b;
    int c = strcmp(x->tag, y->tag);

    return c != 0 ? c : memcmp(entry_author(x->e), entry_author(y->e), ENTRY_KEY_LEN);
}

struct node_latest *node_latest_scan(struct node *n, uint16_t kind, const uint8_t *author,
                                     const char *tag)
{
    struct node_latest *l = xcalloc(1, sizeof(*l));
    struct replica_query q = {0};

    l->index = node_map_new();
    l->n = n;
    q.kind = kind;
    q.author = author;
    q.tag = tag;
    q.limit = NODE_LIST_MAX;
    for (q.offset = 0; q.offset < NODE_LATEST_SCAN; q.offset += NODE_LIST_MAX) {
        l->rows = 0;
        if (replica_list(n->replica, &q, node_latest_row, l, NULL) != 0) {
            log_warnx("node: cannot read the entries of kind %u", (unsigned)kind);
            break;
        }
        if (l->rows < NODE_LIST_MAX)
            break;
    }
    if (l->count > 1)
        qsort(l->items, l->count, sizeof(*l->items), node_latest_cmp);
    node_map_destroy(&l->index);
    return l;
}

size_t node_latest_count(const struct node_latest *l)
{
    return l->count;
}

const struct entry *node_latest_at(const struct node_latest *l, size_t i)
{
    return l->items[i].e;
}

const char *node_latest_tag(const struct node_latest *l, size_t i)
{
    return l->items[i].tag;
}

void node_latest_destroy(struct node_latest **lp)
{
    struct node_latest *l = lp != NULL ? *lp : NULL;
    size_t i;

    if (l == NULL)
        return;
    for (i = 0; i < l->count; i++)
        entry_destroy(&l->items[i].e);
    free(l->items);
    node_map_destroy(&l->index);
    free(l);
    *lp = NULL;
}
