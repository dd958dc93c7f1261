/* node_watch: what `lore watch` subscribers are told, and my areas (skills and followed tags). */
#ifndef LORE_NODE_WATCH_H
#define LORE_NODE_WATCH_H

#include "node_int.h"

/* Is this entry (JSON) addressed to me (attr "to" = my key)? */
int node_watch_to_me(struct node *n, json_t *ej);
/* Why this entry (JSON) is for me (static text), or NULL. */
const char *node_watch_reason(struct node *n, json_t *ej);
/* 1 if node_watch_reason gives a reason. */
int node_watch_for_me(struct node *n, json_t *ej);
/* Tell subscribers about an entry (ej borrowed), through n->hooks.broadcast. */
void node_watch_announce(struct node *n, json_t *ej);
/* Reload n->areas: the tags of my skills and the tags I follow. */
void node_watch_load_areas(struct node *n);
/* Set o's "areas" to my areas as an array; returns o. */
json_t *node_watch_areas_json(struct node *n, json_t *o);

#endif
