/* node_foryou: the one place that decides whether an entry is for me because of something of mine
 * or of me — an answer or comment on my entry, an accept or thanks of mine, a mention of me —
 * and whether a question is for me (addressed, mentioned, my areas, or an urgent question nobody
 * answered: the escalation circles). `lore watch` (node_watch), `inbox` and `digest` all ask it.
 *
 * Mentions (docs/API.md): `@` at the start of the text or after a character that cannot be in a
 * word, then either `"a display name"` (quoted, a prefix of the name) or a word of letters, digits,
 * `.`, `_`, `-` and non-ASCII letters (at least 2 bytes, trailing dots dropped): 8 to 64 hex
 * digits name a key prefix, resolved like `--to` (one person); anything else is a case-insensitive
 * (ASCII) prefix of a current display name that no other person's current name has. */
#ifndef LORE_NODE_FORYOU_H
#define LORE_NODE_FORYOU_H

#include "node_int.h"
#include "timeunits.h"

#define NODE_FORYOU_WHY_MAX 96                       /* bytes of a reason, NUL included */
#define NODE_FORYOU_RECENT_MS (14 * LORE_DAY_MS)     /* inbox: "new on your questions" */
#define NODE_FORYOU_ESCALATE_WINDOW_MS (LORE_DAY_MS) /* urgent questions older do not escalate */
#define NODE_FORYOU_ESCALATE_DEFAULT_S 600           /* escalate_after, escalate_again */

/* What a question is to me at a time. */
enum node_foryou_level {
    NODE_FORYOU_NO = 0,        /* not for me (or not yet: an urgent one waits for its delay) */
    NODE_FORYOU_YES = 1,       /* addressed to me, mentions me, or in my areas */
    NODE_FORYOU_FOLLOWERS = 2, /* urgent, unanswered escalate_after: a tag I follow */
    NODE_FORYOU_EVERYONE = 3,  /* urgent, unanswered escalate_after + escalate_again: everyone */
};

/* Why the entry ej (JSON as node_view_entry shows it; borrowed) is about something of mine:
 * "answered your question", "commented on your question|answer|note|comment", "accepted your
 * answer" (an accept by the question's asker), "thanked you", "mentioned you" (in a question,
 * answer, note or comment). Static text, or NULL; NULL for my own entries. */
const char *node_foryou_on_mine(struct node *n, json_t *ej);

/* What the question qj (JSON, borrowed) someone else asked is to me at now_ms, with the reason
 * (OUT, always set; "" when NODE_FORYOU_NO): "asked you directly", "mentioned you", "in your
 * areas", or for an urgent question without an answer, created less than a day before,
 * "unanswered for 10 min" (circle 2) and "unanswered for 20 min, nobody in its circle answered"
 * (circle 3), with the configured delays. Circle 1 (addressed, mentioned, a tag of my skills)
 * never escalates; an urgent question in a tag I only follow is not for me before its delay. */
enum node_foryou_level node_foryou_question(struct node *n, json_t *qj, uint64_t now_ms,
                                            char why[NODE_FORYOU_WHY_MAX]);

/* The entries by others at or after since_ms that are about something of mine
 * (node_foryou_on_mine): a new array of {"reason", "entry", "about"} (about: {"id", "kind",
 * "title"} of my entry, the question's title for an answer; null for a mention), newest first,
 * at most max. */
json_t *node_foryou_recent(struct node *n, uint64_t since_ms, size_t max);

/* The delays of the circles (config escalate_after, escalate_again; 10 min each by default). */
uint64_t node_foryou_after_ms(struct node *n);
uint64_t node_foryou_again_ms(struct node *n);

#endif
