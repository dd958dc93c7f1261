/* node_peopleview: people as the views show them — a voter's weight, profiles, mentoring,
 * RSVPs, badges, reminders — for the ops of several modules (people, ledger, inbox, rank). */
#ifndef LORE_NODE_PEOPLEVIEW_H
#define LORE_NODE_PEOPLEVIEW_H

#include <string.h>

#include "node_clock.h"
#include "node_int.h"
#include "timeunits.h"

#define PEOPLE_SCAN_MAX 20000   /* entries one view reads at most, per query */
#define PEOPLE_SECTION_MAX 20   /* items per digest or inbox section */
#define PEOPLE_HOST_BADGE_YES 2 /* yes RSVPs (from others) that make a "session host" */
#define PEOPLE_REMIND_AFTER_MS (3 * LORE_DAY_MS) /* an answer waits this long for an accept */

typedef char node_keyhex[2 * ENTRY_KEY_LEN + 1];

/* Who a voter's recognition counts as, for this node's person (the viewer): the voter's key
 * (64 hex digits) if it counts fully, else "pool:" and the epoch id of the code it joined with
 * (team_trust): views count every vote, thanks, endorsement and accept by that identity, so
 * identities minted from one code weigh one person. */
#define NODE_VOTER_MAX (5 + 2 * ENTRY_ID_LEN + 1)
void node_peopleview_voter(struct node *n, const uint8_t key[ENTRY_KEY_LEN],
                           char out[NODE_VOTER_MAX]);
/* 1 if a voter identity from node_peopleview_voter is a code's pool (keys nobody vouched for). */
static inline int node_peopleview_pooled(const char *voter)
{
    return strncmp(voter, "pool:", 5) == 0;
}
/* 1 if key is this node's person. */
int node_peopleview_is_me(struct node *n, const uint8_t *key);
/* {"key", "name"} of a person (name null without a profile). */
json_t *node_peopleview_person_json(struct node *n, const uint8_t *key);
/* replica_list over every matching entry (page by page, at most PEOPLE_SCAN_MAX), in q's order.
 * Returns 0, or -1 on storage error (logged). */
int node_peopleview_list_all(struct node *n, struct replica_query *q, replica_row_fn fn, void *ctx);
/* The value of a session's "at", or 0. */
uint64_t node_peopleview_session_at(const struct entry *e);
/* A session as it stands now (docs/PROTOCOL.md, kind 21): its host's latest valid revision
 * (kind 9 with the whole new state: title, at, where, optional cancelled=1), else the session
 * itself. Pointers borrow from s or from rev, which node_peopleview_session_done frees. */
struct node_session_now {
    const char *title, *where;
    uint64_t at_ms;
    int cancelled;
    uint64_t edited_ms; /* the revision's created_ms, 0 if none */
    struct entry *rev;  /* the revision that counts, or NULL */
};
void node_peopleview_session_now(struct node *n, const struct entry *s,
                                 struct node_session_now *cur);
void node_peopleview_session_done(struct node_session_now *cur);
/* key's latest RSVP to session s: 1 with its value ("yes"/"no", static) and created_ms, 0 if
 * none. */
int node_peopleview_rsvp_of(struct node *n, const struct entry *s, const uint8_t *key,
                            const char **value, uint64_t *created_ms);
/* 1 if the entry's role attribute is role. */
int node_peopleview_role(const struct entry *e, const char *role);

/* Collects entries as JSON into an array (newest first, as listed): node_peopleview_collect_row. */
struct node_peopleview_collect {
    struct node *n;
    json_t *array;
    const char *to;   /* keep only entries whose attr "to" is this key (hex), or NULL */
    const char *role; /* keep only mentor entries with this role, or NULL */
    int not_mine;     /* skip entries written by me */
    size_t max;
};
int node_peopleview_collect_row(void *ctx, const struct entry *e, const char *snippet, double rank);

/* key's newest profile (a new entry the caller destroys), or NULL. */
struct entry *node_peopleview_profile(struct node *n, const uint8_t key[ENTRY_KEY_LEN]);
/* The bio (body) of key's newest profile: a new string the caller frees, or NULL. */
char *node_peopleview_bio(struct node *n, const uint8_t key[ENTRY_KEY_LEN]);
/* 1 if key offers mentoring (their latest mentor entry with role offer or withdraw is an offer). */
int node_peopleview_has_offer(struct node *n, const uint8_t key[ENTRY_KEY_LEN]);
/* 1 if key withdrew their mentoring offers after after_ms (a mentor entry of role withdraw). */
int node_peopleview_withdrawn_after(struct node *n, const uint8_t key[ENTRY_KEY_LEN],
                                    uint64_t after_ms);
/* Mentoring requests to me (not by me) created at or after since_ms, newest first, at most max:
 * a new array of entries. */
json_t *node_peopleview_mentor_requests(struct node *n, uint64_t since_ms, size_t max);

/* The RSVPs of a session: each person's latest counts. */
struct node_peopleview_rsvps {
    struct node *n;
    const uint8_t *host;
    json_t *seen; /* person hex -> value (their latest) */
    json_t *going;
    long long yes, no, yes_others;
};
/* Tally the RSVPs of session s. r->seen and r->going are set up by the caller (going may be
 * NULL). */
void node_peopleview_tally(struct node *n, const struct entry *s, struct node_peopleview_rsvps *r);

/* Append key's "mentor" and "session host" badges (strings) to the array badges. */
void node_peopleview_badges(struct node *n, const uint8_t key[ENTRY_KEY_LEN], json_t *badges);
/* My questions whose first answer (by someone else) is over 3 days old at now_ms and that have
 * no accept: a new array of {question, answers, first_answer_ms, waiting_days}. */
json_t *node_peopleview_reminders(struct node *n, uint64_t now_ms);

#endif
