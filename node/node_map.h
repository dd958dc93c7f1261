/* node_map: a string-keyed map to indexes, for views that group by a key (a person, a voter and a
 * day, an entry id): the state itself lives in C arrays of structs; the map only finds a slot. */
#ifndef LORE_NODE_MAP_H
#define LORE_NODE_MAP_H

#include <stddef.h>

struct node_map;

struct node_map *node_map_new(void);
void node_map_destroy(struct node_map **mp);
/* Look key up: 1 and *value if present, else 0. */
int node_map_get(const struct node_map *m, const char *key, size_t *value);
/* Set key (copied) to value. */
void node_map_put(struct node_map *m, const char *key, size_t value);
/* Forget every key. */
void node_map_clear(struct node_map *m);
/* How many keys. */
size_t node_map_size(const struct node_map *m);

#endif
