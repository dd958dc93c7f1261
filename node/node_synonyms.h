/*
 * node_synonyms: tag synonyms (kind 26, docs/PROTOCOL.md "Tag synonyms"). Which alias stands for
 * which canonical tag is decided from the synonym entries of team admins (the node's own key when
 * it is in no team) and the team state alone, so every node that holds the same entries decides
 * the same whatever their order of arrival. The mappings that apply are handed to the replica's
 * views (replica_set_tag_classes): every tag filter then reads a tag's whole class, the one place
 * list, search, follows, skills, goals, who-knows and stats resolve a tag.
 */
#ifndef LORE_NODE_SYNONYMS_H
#define LORE_NODE_SYNONYMS_H

#include "node_int.h"

#define NODE_SYN_MAX 256        /* mappings decided, at most (the earliest aliases by name) */
#define NODE_SYN_ALIASES_MAX 15 /* aliases of one canonical tag that apply, at most */
#define NODE_SYN_READ_MAX 5000  /* synonym entries read per admin, at most */

struct node_syn;

/* Decide the mappings again if the synonym entries the views show or the team changed since the
 * last time, and hand them to n->replica. Cheap when nothing changed (one indexed count). Called
 * before every op (node_call) and before reading the mappings. */
void node_syn_refresh(struct node *n);
/* Forget what was decided (the replica is closed or replaced). */
void node_syn_destroy(struct node_syn **sp);

/* The lookups below read what the last node_syn_refresh decided (no storage read: cheap in a
 * loop). */

/* The canonical tag of tag (tag itself when it is no alias that applies) into out. tag is a valid
 * tag (node_arg_tag_norm's result). */
void node_syn_canon(struct node *n, const char *tag, char out[ENTRY_TAG_MAX + 1]);
/* 1 if tags a and b are one class (the same canonical tag), else 0. */
int node_syn_same(struct node *n, const char *a, const char *b);
/* The aliases of canonical that apply into out (at most NODE_SYN_ALIASES_MAX, by name). Returns
 * how many. */
size_t node_syn_aliases(struct node *n, const char *canonical, char (*out)[ENTRY_TAG_MAX + 1]);
/* My area (n->areas: "skill" or "follow") that tag is in, through its class; NULL if none.
 * Borrowed from n->areas. */
const char *node_syn_area(struct node *n, const char *tag);

/* 1 if key's synonym entries decide (a team admin at at_ms; with no team, the node's own key). */
int node_syn_decides(struct node *n, const uint8_t key[ENTRY_KEY_LEN], uint64_t at_ms);

/* The mappings decided, a new array by alias: [{alias, canonical, applies, by: {key, name},
 * decided_ms, entry}]; applies is false for one refused by the rules (its canonical tag is an
 * alias itself, or its class is full). */
json_t *node_syn_list_json(struct node *n);
/* Proposals waiting for an admin, a new array by alias then canonical: [{alias, canonical,
 * proposers: [{key, name}], proposed_ms, entry}] — adds by members who do not decide, each
 * member's latest on the alias, made after the alias's deciding entry and not what it decided.
 * The newest NODE_LIST_MAX synonym entries are looked at. */
json_t *node_syn_pending_json(struct node *n);

#endif
