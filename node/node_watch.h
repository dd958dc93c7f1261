/* node_watch: what `lore watch` subscribers are told, and my areas (skills and followed tags). */
#ifndef LORE_NODE_WATCH_H
#define LORE_NODE_WATCH_H

#include "node_foryou.h"
#include "node_int.h"

/* Is this entry (JSON) addressed to me (attr "to" = my key)? */
int node_watch_to_me(struct node *n, json_t *ej);
/* Why this entry (JSON, borrowed) is for me at now_ms, into why (OUT, "" when not): NO, YES, or
 * for an urgent question nobody answered the circle it reached (node_foryou_question). */
enum node_foryou_level node_watch_reason(struct node *n, json_t *ej, uint64_t now_ms,
                                         char why[NODE_FORYOU_WHY_MAX]);
/* Tell subscribers about an entry (ej borrowed), through n->hooks.broadcast: for_you and reason
 * as node_watch_reason says now, escalations left to the escalation pass. Nothing is done when
 * nobody watches. refresh: read the tag synonyms first (0: the caller just did, once for many). */
void node_watch_announce(struct node *n, json_t *ej, int refresh);
/* key's declared skills: tag -> {tag, level, id, declared_ms} from their latest skill entry per
 * tag, leaving out the withdrawn ones (level 0). A new object. */
json_t *node_watch_skills(struct node *n, const uint8_t key[ENTRY_KEY_LEN]);
/* The tags I follow (this node's meta, personal, not synced): a new array. */
json_t *node_watch_follows(struct node *n);
/* Reload n->areas: tag -> "skill" for my skills (not withdrawn), "follow" for the other tags I
 * follow. */
void node_watch_load_areas(struct node *n);
/* Set o's "areas" to my areas as an array; returns o. */
json_t *node_watch_areas_json(struct node *n, json_t *o);

#endif
