/* node_match: who and what can help with a topic (a tag) — mentors, experts by demonstrated work,
 * sessions and the best content — for mentor find, sessions, learning goals and circles. */
#ifndef LORE_NODE_MATCH_H
#define LORE_NODE_MATCH_H

#include "node_int.h"

#define NODE_MATCH_MAX 5 /* items per section of a match */

/* People offering mentoring on tag (each person's newest offer with it, not withdrawn since),
 * ranked as who_knows ranks them for it, then by key: a new array of {key, name, offer_id, tags,
 * body, offered_ms, offered, score, why, components}. */
json_t *node_match_mentors(struct node *n, const char *tag);
/* How many people node_match_mentors finds for tag (without ranking them). */
size_t node_match_mentor_count(struct node *n, const char *tag);
/* Sessions with at in [from_ms, to_ms), tagged tag if not NULL (cancelled ones only if
 * !skip_cancelled), soonest first, at most max: a new array of sessions as the API shows them
 * (docs/API.md, sessions; with circle: the circle's tag or null). */
json_t *node_match_sessions(struct node *n, uint64_t from_ms, uint64_t to_ms, const char *tag,
                            size_t max, int skip_cancelled);
/* who_knows' ranking for tag, keeping only people with demonstrated work (answers on it; a
 * declared skill or endorsements alone do not count), at most max, leaving me out if not_me: a
 * new array of who_knows people. */
json_t *node_match_experts(struct node *n, const char *tag, size_t max, int not_me);
/* Accepted answers and verified notes matching tag, ranked as search ranks them (bm25 x boost),
 * best first, at most max: a new array of {why, rank, entry}. */
json_t *node_match_content(struct node *n, const char *tag, size_t max);
/* All four for tag at now_ms: a new object {tag, mentors, experts (not me), sessions (upcoming),
 * content}. */
json_t *node_match_topic(struct node *n, const char *tag, uint64_t now_ms);

/* Who helped me learn tag since since_ms (until now_ms), each person once, in this order: who
 * answered my questions tagged with it, the mentors I asked who offer it, the hosts of the
 * sessions on it I said I would go to (held by now): a new array of people as the API shows them
 * plus {why, entry} (entry: theirs, to thank). */
json_t *node_match_helped(struct node *n, const char *tag, uint64_t since_ms, uint64_t now_ms);

#endif
