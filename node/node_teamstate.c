/* node_teamstate: which team this node is in — the team state (sync/team.h) loaded from the
 * replica, fed with our team entries, its purges carried out — and the team as JSON. */
#include "node_teamstate.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "hex.h"
#include "hostport.h"
#include "link.h"
#include "log.h"
#include "node_clock.h"
#include "node_json.h"
#include "node_view.h"
#include "teamfile.h"

struct node_team_rows {
    struct node *n;
    int own; /* found our certificate */
};

static int node_team_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct node_team_rows *tr = ctx;
    struct node *n = tr->n;
    uint8_t tid[TEAM_ID_LEN];
    const uint8_t *raw;
    size_t len;
    char err[ERRMSG_MAX];

    (void)snippet;
    (void)rank;
    if (team_entry_team(e, tid) != 0 || memcmp(tid, team_id(n->team), TEAM_ID_LEN) != 0)
        return 0;
    if (team_add(n->team, e, err, sizeof(err)) < 0)
        log_debug("node: team entry not taken: %s", err);
    if (entry_kind(e) == ENTRY_MEMBERSHIP &&
        memcmp(entry_author(e), identity_public_key(n->id), ENTRY_KEY_LEN) == 0) {
        raw = entry_bytes(e, &len);
        buf_reset(&n->own_cert);
        if (buf_append(&n->own_cert, raw, len) != 0)
            buf_reset(&n->own_cert);
        tr->own = 1;
    }
    return 0;
}

/* Feed every team entry in the replica to the team state. */
static void node_team_load_entries(struct node *n)
{
    static const uint16_t kinds[] = {ENTRY_MEMBERSHIP, ENTRY_TEAM,       ENTRY_ROTATION,
                                     ENTRY_ADMIN,      ENTRY_REVOCATION, ENTRY_VOUCH};
    struct node_team_rows tr = {n, 0};
    struct replica_query q;
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        memset(&q, 0, sizeof(q));
        q.kind = kinds[i];
        q.limit = 1u << 30;
        q.oldest_first = 1;
        if (replica_list(n->replica, &q, node_team_row, &tr, NULL) != 0)
            log_warnx("node: cannot read the team's entries");
    }
}

/* Carry out purges the team state asks for (a revocation we wrote or loaded), on our
 * connection; the ingest writer does the same for what arrives from peers. */
static void node_team_purge(struct node *n)
{
    struct team_purge p[16];
    char err[ERRMSG_MAX], key[17], why[TEAM_PURGE_WHY_MAX];
    size_t np, i;
    long long got;
    int any = 0;

    while ((np = team_take_purges(n->team, p, 16)) > 0) {
        for (i = 0; i < np; i++) {
            hex_encode(p[i].key, 8, key);
            got = replica_purge_author(n->replica, p[i].key, p[i].after_ms, err, sizeof(err));
            team_purge_why(&p[i], why, sizeof(why));
            if (got < 0)
                log_warnx("node: cannot remove the entries of %s... (%s): %s", key, why, err);
            else if (got > 0)
                log_info("node: removed %lld entries of %s...: %s", got, key, why);
            any = 1;
        }
    }
    if (any && n->gossip != NULL)
        gossip_team_changed(n->gossip, 1);
}

void node_teamstate_learn(struct node *n, const struct entry *e)
{
    char err[ERRMSG_MAX];

    if (team_add(n->team, e, err, sizeof(err)) < 0)
        log_warnx("node: team entry not taken: %s", err);
    node_team_purge(n);
    if (n->gossip != NULL)
        gossip_team_changed(n->gossip, 0);
}

/* Set up the team state for id (and the secret, if any) and load what the replica holds. */
void node_teamstate_setup(struct node *n, const uint8_t id[TEAM_ID_LEN], const uint8_t *secret)
{
    team_destroy(&n->team);
    team_invite_destroy(&n->invite);
    buf_reset(&n->own_cert);
    n->team = team_new(id);
    if (secret != NULL)
        n->invite = team_invite_new(secret);
    if (n->invite != NULL)
        team_assume(n->team, n->invite);
    node_team_load_entries(n);
    /* Purges queued while loading come from partial states: what the replica holds already
     * reflects the purges of the past. */
    while (team_take_purges(n->team, (struct team_purge[16]){0}, 16) > 0)
        ;
}

/* At start: the team this node is in, if any. Returns 0, or -1 with a message in err. */
int node_teamstate_open(struct node *n, char *err, size_t errlen)
{
    uint8_t id[TEAM_ID_LEN], *secret = sodium_malloc(TEAM_SECRET_LEN);
    char idhex[2 * TEAM_ID_LEN + 1];
    int rc = -1, got;

    if (secret == NULL) {
        errmsg_set(err, errlen, "out of secure memory");
        goto out;
    }
    got = teamfile_load(n->iddir, id, secret, err, errlen);
    if (got < 0)
        goto out;
    rc = 0;
    if (got == 0) {
        log_info("node: in no team yet: peers and discovery are off until `lore team create` or "
                 "`lore team join`");
        goto out;
    }
    node_teamstate_setup(n, id, secret);
    hex_encode(id, TEAM_ID_LEN, idhex);
    log_info("node: team %s (%s); %s", idhex,
             team_has_genesis(n->team) ? "known" : "not seen yet: waiting for a member",
             team_is_member(n->team, identity_public_key(n->id), node_clock_wall_ms())
                 ? "we are a member"
                 : "our membership is not confirmed yet");
out:
    sodium_free(secret);
    return rc;
}

struct node_members {
    struct node *n;
    json_t *array;
};

static void node_team_member(void *ctx, const struct team_member_info *m)
{
    struct node_members *nm = ctx;
    json_t *o = json_object();
    uint8_t pool[ENTRY_ID_LEN];

    json_object_set_new(o, "key", node_json_hex(m->key, ENTRY_KEY_LEN));
    json_object_set_new(o, "name", node_view_name(nm->n, m->key));
    json_object_set_new(o, "admin", json_boolean(m->is_admin));
    json_object_set_new(o, "vouched", json_boolean(m->vouched));
    json_object_set_new(
        o, "trusted",
        json_boolean(team_trust(nm->n->team, identity_public_key(nm->n->id), m->key, pool)));
    json_object_set_new(o, "revoked_ms",
                        m->revoked_ms != 0 ? json_integer((json_int_t)m->revoked_ms) : json_null());
    json_array_append_new(nm->array, o);
}

/* How our joining goes (docs/API.md, team_show): refused (a peer's ZAP handler refused our join
 * key: the code was rotated away); member (of a team we have seen: a newcomer's own certificate
 * alone proves nothing); waiting (linked, not confirmed yet); searching (no team node reached
 * yet). Sets join_state, and join_reason unless we are a member. */
static void node_teamstate_join(struct node *n, int member, json_t *o)
{
    struct links *ls = n->gossip != NULL ? gossip_links(n->gossip) : NULL;
    char by[HOSTPORT_MAX + 1] = "", why[HOSTPORT_MAX + 200];
    const char *state;

    if (ls != NULL && links_join_refusal(ls, by, sizeof(by)) != 0) {
        state = "refused";
        snprintf(why, sizeof(why),
                 "join refused: the code is no longer valid (rotated?); %s refused it. Ask an "
                 "admin for the current code and run `lore team join CODE` again",
                 by);
    } else if (member && team_has_genesis(n->team)) {
        json_object_set_new(o, "join_state", json_string("member"));
        return;
    } else if (ls != NULL && links_up_count(ls) > 0) {
        state = "waiting";
        snprintf(why, sizeof(why), "linked to the team; waiting for a member to confirm us");
    } else {
        state = "searching";
        snprintf(why, sizeof(why), "no team node reached yet; still trying (mDNS and your peers)");
    }
    json_object_set_new(o, "join_state", json_string(state));
    json_object_set_new(o, "join_reason", json_string(why));
}

json_t *node_teamstate_json(struct node *n, int with_members)
{
    const uint8_t *me = identity_public_key(n->id);
    uint64_t now = node_clock_wall_ms();
    char name[TEAM_NAME_MAX * 4 + 1], tag[TEAM_TAG_LEN + 1], code[TEAM_CODE_MAX];
    uint8_t *secret;
    json_t *o;

    if (n->team == NULL)
        return json_null();
    o = json_object();
    json_object_set_new(o, "id", node_json_hex(team_id(n->team), TEAM_ID_LEN));
    team_name(n->team, name, sizeof(name));
    json_object_set_new(o, "name", team_has_genesis(n->team) ? json_string(name) : json_null());
    team_mdns_tag(team_id(n->team), tag);
    json_object_set_new(o, "mdns_tag", json_string(tag));
    json_object_set_new(o, "member", json_boolean(team_is_member(n->team, me, now)));
    json_object_set_new(o, "admin", json_boolean(team_is_admin(n->team, me, now)));
    json_object_set_new(o, "seen", json_boolean(team_has_genesis(n->team)));
    node_teamstate_join(n, team_is_member(n->team, me, now), o);
    /* The join code, while ours still admits newcomers (not rotated away). */
    secret = sodium_malloc(TEAM_SECRET_LEN);
    if (with_members && secret != NULL && n->invite != NULL &&
        (!team_has_genesis(n->team) || team_invite_current(n->team, n->invite))) {
        uint8_t id[TEAM_ID_LEN];
        char err[ERRMSG_MAX];
        if (teamfile_load(n->iddir, id, secret, err, sizeof(err)) == 1) {
            team_code_encode(id, secret, code);
            json_object_set_new(o, "code", json_string(code));
            sodium_memzero(code, sizeof(code));
        }
    }
    sodium_free(secret);
    if (with_members) {
        struct node_members nm = {n, json_array()};
        team_members(n->team, node_team_member, &nm);
        json_object_set_new(o, "members", nm.array);
    }
    return o;
}
