/*
 * node_int: what the node's modules share — the node itself, and the helpers its API ops use.
 * Private to node/ (node.c and the node_* op modules); not part of lored's interface.
 */
#ifndef LORE_NODE_INT_H
#define LORE_NODE_INT_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "config.h"
#include "gossip.h"
#include "identity.h"
#include "kinds.h"
#include "loop.h"
#include "mdns.h"
#include "paths.h"
#include "replica.h"
#include "team.h"

#define NODE_NAME_MAX 100
#define NODE_MAX_CANDIDATES 10
#define NODE_MAX_PROBLEMS 100
#define NODE_LIST_MAX 500

#define NODE_MAX_CANDIDATES_FOUND 256 /* nodes found by mDNS beyond LINK_MAX_FOUND, kept */

struct node {
    struct paths paths;
    struct config *cfg;
    struct identity *id;
    struct replica *replica;
    struct loop *loop;
    struct api *api;
    int sigfd;
    int lock_fd; /* holds the data directory's lock (paths_lock_dir) while open */
    sigset_t oldmask;
    int mask_set;
    uint64_t started_ms;
    char *db_path;
    struct gossip *gossip;
    struct mdns *mdns;
    uint64_t remember_timer;
    json_t *areas; /* my skills and followed tags: a JSON object used as a set */
    /* Nodes mDNS found while we already had LINK_MAX_FOUND such links: dialled as others go. */
    struct {
        char addr[MDNS_ADDR_MAX];
        uint8_t key[MDNS_KEY_LEN];
    } candidates[NODE_MAX_CANDIDATES_FOUND];
    size_t ncandidates;
    /* Team: NULL when the node is in none (then it neither listens nor dials). */
    char *iddir;
    struct team *team;
    struct team_invite *invite; /* from the join secret we hold, or NULL */
    struct buf own_cert;        /* our certificate, encoded; empty if we have none */
    uint8_t curve_pk[TEAM_CURVE_LEN];
    uint8_t *curve_sk; /* sodium memory */
};

#define NODE_PEERS_META "static_peers" /* peers added with `lore peers add`, one per line */
#define NODE_FOLLOWS_META "follows"    /* tags followed here, one per line (personal, not synced) */
#define NODE_MAX_FOLLOWS 64
#define NODE_KNOWN_META "known_peers" /* peers found by mDNS or exchange: "origin addr" lines */
#define NODE_REMEMBER_MS 30000
#define NODE_MAX_KNOWN 64

struct node_rows {
    struct node *n;
    json_t *array;
    int with_snippet;
};

/* Wall clock, ms since the epoch. */
uint64_t node_wall_ms(void);

/* This node's clock against the team's (docs/PROTOCOL.md, "Time"). */
struct node_clock {
    uint64_t wall_ms;    /* our clock */
    uint64_t team_ms;    /* the team's, as far as we can tell (ours when nobody says otherwise) */
    int64_t skew_ms;     /* ours minus the team's */
    size_t peers;        /* peers whose clocks were compared */
    size_t disagreeing;  /* of those, how many differ from ours by more than the tolerance */
    uint64_t genesis_ms; /* the team's creation time, 0 if unknown */
    int ok;              /* within the tolerance: the node may write */
    char why[240];       /* when not ok: what is wrong, for people */
};
void node_clock_check(struct node *n, struct node_clock *c);
uint64_t node_entry_time(struct node *n, const struct entry *e, int recognition);
/* n bytes as a lowercase hex JSON string. */
json_t *node_hex(const uint8_t *p, size_t n);
/* An ISO-8601 UTC time string for ms. */
json_t *node_time_json(uint64_t ms);
/* An entry as the API shows it (docs/API.md): fields, names, status, answers... */
json_t *node_entry_json(struct node *n, const struct entry *e);
/* Request argument readers: 0 if absent or valid (out set), -1 if present but invalid. */
int node_arg_str(json_t *req, const char *key, const char **out);
int node_arg_bool(json_t *req, const char *key, int *out);
int node_arg_int(json_t *req, const char *key, long long lo, long long hi, long long *out);
/* Resolve an id or unique hex prefix to a full id. Returns NULL, or an API error response. */
json_t *node_resolve(struct node *n, const char *text, uint8_t id[ENTRY_ID_LEN]);
/* A new {"ok": true} response. */
json_t *node_ok(void);
/* Tell `lore watch` subscribers about an entry (ej is borrowed). */
void node_announce(struct node *n, json_t *ej);
/* Store, announce and gossip an entry of ours (e is freed). Returns the response. */
json_t *node_publish_entry(struct node *n, struct entry *e);
/* The response for a failed write to the replica (err: its message): code "storage" saying why
 * (disk full, read-only file system, I/O error, the replica file deleted) when that is known. */
json_t *node_storage_error(struct node *n, const char *err);
/* Sign f as us, then as node_publish_entry. */
json_t *node_publish(struct node *n, const struct entry_fields *f);
/* Publish an entry of kind that references id, with one attribute key=value (key may be NULL) and
 * an optional body; created_ms 0 means now. */
json_t *node_publish_ref(struct node *n, uint16_t kind, const uint8_t id[ENTRY_ID_LEN],
                         uint64_t created_ms, const char *key, const char *value, const char *body);
/* Normalise a tag (lowercase, checked). Returns 0, or -1. */
int node_tag_norm(const char *t, char tag[ENTRY_TAG_MAX + 1]);
int node_tag_arg(json_t *req, char tag[ENTRY_TAG_MAX + 1]);
/* Stop and start networking (the team changed). */
int node_restart_sync(struct node *n, char *err, size_t errlen);
void node_stop_sync(struct node *n);
/* Is this entry (JSON) addressed to me / a request for me (my areas, or to me)? */
int node_to_me(struct node *n, json_t *ej);
int node_for_me(struct node *n, json_t *ej);
/* replica_row_fn appending entries as JSON to a struct node_rows. */
int node_row(void *ctx, const struct entry *e, const char *snippet, double rank);
/* Fill q from list/search request arguments. Returns NULL, or an API error response. */
json_t *node_query_args(json_t *req, struct replica_query *q);

/* Order two JSON objects by an integer field, then by "id": the same order on every node. */
int node_json_cmp_by(json_t *x, json_t *y, const char *field);

/* An API op a module serves: fn answers req (borrowed) with a new response. Tables end with
 * {NULL, NULL}. */
struct node_op {
    const char *name;
    json_t *(*fn)(struct node *n, json_t *req);
};

/* node_team.c: team_create, team_join, team_show, team_rotate, team_revoke, team_admin. */
extern const struct node_op node_team_ops[];
/* The team's state as JSON (null when in no team); with_members adds members and our code. */
json_t *node_team_json(struct node *n, int with_members);
/* A team entry of ours was stored: feed it to the team state and carry out its purges. */
void node_team_learn(struct node *n, const struct entry *e);
/* At start: load the team this node is in, if any. Returns 0, or -1 with a message in err. */
int node_team_open(struct node *n, char *err, size_t errlen);

/* node_content.c: keeping content (edits, retractions, flags, pins). */
#define NODE_MAX_PINNED 50     /* pinned entries list shows */
#define NODE_RERANK_EXTRA 20   /* search re-ranks this many matches beyond the page */
#define NODE_SEARCH_DEPTH 2000 /* the largest search offset */
extern const struct node_op node_content_ops[];
/* Add to o (the JSON of content entry e) what keeping content says of it: the current version's
 * title, body and tags, edits, edited_ms, edited, revision, flags, votes, pinned, is_accepted. */
void node_content_decorate(struct node *n, const struct entry *e, json_t *o);
/* The versions of e: e, then its author's revisions, oldest first (a new array). */
json_t *node_content_history(struct node *n, const struct entry *e);
/* The search boost of a decorated entry (docs/API.md, search). */
double node_content_boost(json_t *ej);
/* Up to max pinned entries, most recently pinned first, into ids. Returns how many. */
size_t node_content_pinned(struct node *n, uint8_t (*ids)[ENTRY_ID_LEN], size_t max);
/* If text names a retracted entry: the API error saying so, with when. Else NULL. */
json_t *node_content_retracted(struct node *n, const char *text);
/* 1 if the entry (JSON) was retracted, so is not to be shown. */
int node_content_is_retracted(struct node *n, json_t *ej);
/* Why a revision (JSON) is for me ("a question you answered changed"), or NULL. */
const char *node_content_changed_for_me(struct node *n, json_t *ej);
/* node_people.c: people and programs (profiles, endorsements, mentoring, sessions, digests). */
extern const struct node_op node_people_ops[];
/* Is ej (an entry as JSON) for me in a way node_for_me does not know: a mentoring request
 * addressed to me, a session in my areas? Returns 1 with *reason (static text), else 0. */
int node_people_for_me(struct node *n, json_t *ej, const char **reason);
/* Mentoring requests to me (not by me) created at or after since_ms, newest first, at most max:
 * a new array of entries. */
json_t *node_people_mentor_requests(struct node *n, uint64_t since_ms, size_t max);
/* My questions whose first answer (by someone else) is over 3 days old at now_ms and that have
 * no accept: a new array of {question, answers, first_answer_ms, waiting_days}. */
json_t *node_people_reminders(struct node *n, uint64_t now_ms);
/* Append key's "mentor" and "session host" badges (strings) to the array badges. */
void node_people_badges(struct node *n, const uint8_t key[ENTRY_KEY_LEN], json_t *badges);
/* The bio (body) of key's newest profile: a new string the caller frees, or NULL. */
char *node_people_bio(struct node *n, const uint8_t key[ENTRY_KEY_LEN]);
/* Who a voter's recognition counts as, for this node's person (the viewer): the voter's key
 * (64 hex digits) if it counts fully, else "pool:" and the epoch id of the code it joined with
 * (team_trust): views count every vote, thanks, endorsement and accept by that identity, so
 * identities minted from one code weigh one person. */
#define NODE_VOTER_MAX (5 + 2 * ENTRY_ID_LEN + 1)
void node_people_voter(struct node *n, const uint8_t key[ENTRY_KEY_LEN], char out[NODE_VOTER_MAX]);
/* 1 if a voter identity from node_people_voter is a code's pool (keys nobody vouched for). */
static inline int node_people_pooled(const char *voter)
{
    return strncmp(voter, "pool:", 5) == 0;
}
/* At start: the reminder timer (watch events for answers waiting for an accept). */
void node_people_start(struct node *n);
/* node.c: people ranked for a topic as who_knows ranks them, at most max, best first; a new
 * array of {key, name, score, components, why, ...}. */
json_t *node_expert_rank(struct node *n, const char *topic, size_t max);

#endif
