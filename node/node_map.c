/* node_map: open addressing (linear probing, FNV-1a), grown at half full. */
#include "node_map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct node_map_slot {
    char *key; /* NULL: empty */
    size_t value;
};

struct node_map {
    struct node_map_slot *slots;
    size_t cap, count;
};

static uint64_t node_map_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

struct node_map *node_map_new(void)
{
    struct node_map *m = xcalloc(1, sizeof(*m));

    m->cap = 64;
    m->slots = xcalloc(m->cap, sizeof(*m->slots));
    return m;
}

void node_map_clear(struct node_map *m)
{
    size_t i;

    for (i = 0; i < m->cap; i++) {
        free(m->slots[i].key);
        m->slots[i].key = NULL;
    }
    m->count = 0;
}

void node_map_destroy(struct node_map **mp)
{
    if (mp == NULL || *mp == NULL)
        return;
    node_map_clear(*mp);
    free((*mp)->slots);
    free(*mp);
    *mp = NULL;
}

static struct node_map_slot *node_map_find(const struct node_map *m, const char *key)
{
    size_t i = (size_t)(node_map_hash(key) & (m->cap - 1));

    while (m->slots[i].key != NULL && strcmp(m->slots[i].key, key) != 0)
        i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

int node_map_get(const struct node_map *m, const char *key, size_t *value)
{
    const struct node_map_slot *s = node_map_find(m, key);

    if (s->key == NULL)
        return 0;
    *value = s->value;
    return 1;
}

static void node_map_grow(struct node_map *m)
{
    struct node_map_slot *old = m->slots, *s;
    size_t oldcap = m->cap, i;

    m->cap *= 2;
    m->slots = xcalloc(m->cap, sizeof(*m->slots));
    for (i = 0; i < oldcap; i++) {
        if (old[i].key == NULL)
            continue;
        s = node_map_find(m, old[i].key);
        *s = old[i];
    }
    free(old);
}

void node_map_put(struct node_map *m, const char *key, size_t value)
{
    struct node_map_slot *s;

    if (2 * (m->count + 1) > m->cap)
        node_map_grow(m);
    s = node_map_find(m, key);
    if (s->key == NULL) {
        s->key = xstrdup(key);
        m->count++;
    }
    s->value = value;
}

size_t node_map_size(const struct node_map *m)
{
    return m->count;
}
