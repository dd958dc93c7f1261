/* node_goals: learning goals (kind 25) as the views show them — a person's goals, a topic's
 * learners (its circle's members), how many people want to learn each topic — all resolved by
 * node_latest: an author's latest goal entry per tag counts (docs/PROTOCOL.md, Learning goals). */
#ifndef LORE_NODE_GOALS_H
#define LORE_NODE_GOALS_H

#include "node_int.h"

/* key's goals, by tag: a new array of {tag, state ("active", "done", "dropped"), why, until_ms
 * (null if none), until, set_ms (when its latest entry was written), set, id, overdue (active and
 * past until at now_ms)}. all: also the ended ones; else only the active. */
json_t *node_goals_of(struct node *n, const uint8_t key[ENTRY_KEY_LEN], int all, uint64_t now_ms);
/* The people with an active goal on tag, by set_ms then key: a new array of {key, name, set_ms,
 * set, why, until_ms}. */
json_t *node_goals_learners(struct node *n, const char *tag);
/* How many people have an active goal on each topic: a new object, tag -> integer. */
json_t *node_goals_demand(struct node *n);
/* 1 if I have an active goal on one of the tags (a JSON array of strings, borrowed); its tag into
 * tag (OUT). */
int node_goals_mine_any(struct node *n, json_t *tags, char tag[ENTRY_TAG_MAX + 1]);

#endif
