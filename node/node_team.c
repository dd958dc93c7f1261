/* node_team: the node's side of teams — which team it is in, joining, creating, and the admin
 * operations — over the team state (sync/team.h) and the join secret on disk (teamfile.h). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errmsg.h"
#include "hex.h"
#include "log.h"
#include "node_team.h"

#include "node_args.h"
#include "node_clock.h"
#include "node_json.h"
#include "node_publish.h"
#include "node_resolve.h"
#include "node_teamstate.h"
#include "node_view.h"
#include "teamfile.h"
#include "xmalloc.h"

/* Networking, through the hooks of the layer above (none: no networking to restart). */
static int node_team_restart_sync(struct node *n, char *err, size_t errlen)
{
    return n->hooks.restart_sync != NULL ? n->hooks.restart_sync(n, err, errlen) : 0;
}

static void node_team_stop_sync(struct node *n)
{
    if (n->hooks.stop_sync != NULL)
        n->hooks.stop_sync(n);
}

/* The clock as text, for errors about it: "2019-06-01 12:00 UTC". */
static void node_team_clock(char *out, size_t outlen)
{
    time_t t = (time_t)(node_clock_wall_ms() / 1000);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, outlen, "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(out, outlen, "%s", "?");
}

/*
 * Enter team id with secret: our certificate (a joiner; the creator, an admin, needs none: it
 * brings the team's genesis instead, which this takes), networking restarted with the team's
 * keys, the team file, and last the entry (genesis or certificate) in the replica. Nothing is
 * changed for good before everything that can fail has worked: on failure the node is as before —
 * its team state, its team file (or none), its networking running as it was. Takes genesis.
 */
static json_t *node_team_enter(struct node *n, const uint8_t id[TEAM_ID_LEN],
                               const uint8_t secret[TEAM_SECRET_LEN], struct entry *genesis)
{
    struct team *old_team = n->team;
    struct team_invite *old_invite = n->invite;
    struct entry *mine = genesis; /* what we add to the team: its genesis, or our certificate */
    uint8_t old_id[TEAM_ID_LEN], *old_secret = sodium_malloc(TEAM_SECRET_LEN);
    char err[ERRMSG_MAX], err2[ERRMSG_MAX], clock[40];
    struct buf old_cert;
    int had_file = 0, swapped = 0, sync_stopped = 0, file_written = 0, entered = 0;
    json_t *o = NULL, *r;

    buf_init(&old_cert, ENTRY_MAX_SIZE);
    if (old_secret == NULL) {
        o = api_error("internal", "out of secure memory");
        goto out;
    }
    had_file = teamfile_load(n->iddir, old_id, old_secret, err, sizeof(err));
    if (had_file < 0) {
        o = api_error("internal", "%s", err);
        goto out;
    }
    if (buf_append(&old_cert, n->own_cert.data, n->own_cert.len) != 0) {
        o = api_error("internal", "out of memory");
        goto out;
    }
    /* The new state beside the old one, which networking still uses until it stops. */
    n->team = NULL;
    n->invite = NULL;
    swapped = 1;
    node_teamstate_setup(n, id, secret);
    if (genesis == NULL && n->own_cert.len == 0) {
        mine = team_cert_create(id, n->invite, node_clock_wall_ms(), identity_public_key(n->id),
                                identity_sign_entry, n->id, err, sizeof(err));
        if (mine == NULL) {
            node_team_clock(clock, sizeof(clock));
            o = api_error("invalid",
                          "cannot write our certificate: %s (is this computer's clock "
                          "right? it says %s)",
                          err, clock);
            goto out;
        }
    }
    if (mine != NULL && team_add(n->team, mine, err, sizeof(err)) < 0) {
        o = api_error("invalid", "the team does not take %s: %s",
                      genesis != NULL ? "its genesis" : "our certificate", err);
        goto out;
    }
    if (mine != NULL && genesis == NULL) {
        const uint8_t *raw;
        size_t len;
        raw = entry_bytes(mine, &len);
        buf_reset(&n->own_cert);
        if (buf_append(&n->own_cert, raw, len) != 0)
            buf_reset(&n->own_cert);
    }
    /* Networking (and its ingest thread) uses the team state: stop it, start it on the new. */
    sync_stopped = 1;
    if (node_team_restart_sync(n, err, sizeof(err)) != 0) {
        o = api_error("internal", "cannot start networking: %s; nothing changed", err);
        goto out;
    }
    if (teamfile_save(n->iddir, id, secret, err, sizeof(err)) != 0) {
        o = api_error("internal", "cannot save the team: %s; nothing changed", err);
        goto out;
    }
    file_written = 1;
    /* Last, what cannot be taken back. */
    if (mine != NULL) {
        r = node_publish_entry(n, mine);
        mine = genesis = NULL; /* node_publish_entry took it */
        if (json_object_get(r, "error") != NULL) {
            json_decref(r);
            o = api_error("internal", "cannot store the team's first entry (see the node's log); "
                                      "nothing changed");
            goto out;
        }
        json_decref(r);
    }
    entered = 1;
    o = node_json_ok();
    json_object_set_new(o, "team", node_teamstate_json(n, 1));
out:
    if (mine != genesis)
        entry_destroy(&mine);
    entry_destroy(&genesis);
    if (entered) {
        team_destroy(&old_team);
        team_invite_destroy(&old_invite);
    } else if (swapped) {
        if (file_written &&
            (had_file ? teamfile_save(n->iddir, old_id, old_secret, err2, sizeof(err2))
                      : teamfile_remove(n->iddir, err2, sizeof(err2))) != 0)
            log_warnx("node: cannot put the team file back as it was: %s", err2);
        if (sync_stopped)
            node_team_stop_sync(n); /* it uses the new state */
        team_destroy(&n->team);
        team_invite_destroy(&n->invite);
        n->team = old_team;
        n->invite = old_invite;
        buf_reset(&n->own_cert);
        if (buf_append(&n->own_cert, old_cert.data, old_cert.len) != 0)
            buf_reset(&n->own_cert);
        /* What ran a moment ago starts again; if it cannot (out of file descriptors...), the
         * node has no networking to serve with: stop here, not on a NULL later. */
        if (sync_stopped && node_team_restart_sync(n, err2, sizeof(err2)) != 0)
            fatalx("node: cannot start networking again as it was: %s", err2);
    }
    buf_free(&old_cert);
    sodium_free(old_secret);
    return o;
}

static json_t *op_team_create(struct node *n, json_t *req)
{
    const char *name = json_string_value(json_object_get(req, "name"));
    json_t *admins = json_object_get(req, "admins"), *v;
    uint8_t keys[TEAM_MAX_ADMINS][ENTRY_KEY_LEN], id[TEAM_ID_LEN], *secret;
    struct team_invite *inv = NULL;
    struct entry *genesis = NULL;
    size_t nkeys = 0, i, j;
    char err[ERRMSG_MAX];
    json_t *o = NULL;

    if (n->team != NULL)
        return api_error("exists", "this node is in a team already (lore team show); a node "
                                   "belongs to one team: use another --home for another team");
    if (name == NULL || name[0] == '\0')
        return api_error("invalid", "a team needs a name");
    memcpy(keys[nkeys++], identity_public_key(n->id), ENTRY_KEY_LEN);
    json_array_foreach(admins, i, v)
    {
        const char *hex = json_string_value(v);
        if (nkeys == TEAM_MAX_ADMINS)
            return api_error("invalid", "at most %d admins", TEAM_MAX_ADMINS);
        if (hex == NULL || hex_decode(hex, strlen(hex), keys[nkeys], ENTRY_KEY_LEN) != 0)
            return api_error("invalid", "admins are 64-hex-digit keys");
        for (j = 0; j < nkeys && memcmp(keys[j], keys[nkeys], ENTRY_KEY_LEN) != 0; j++)
            ;
        if (j == nkeys)
            nkeys++;
    }
    secret = sodium_malloc(TEAM_SECRET_LEN);
    if (secret == NULL)
        return api_error("internal", "out of secure memory");
    randombytes_buf(secret, TEAM_SECRET_LEN);
    inv = team_invite_new(secret);
    if (inv == NULL) {
        o = api_error("internal", "out of secure memory");
        goto out;
    }
    genesis = team_genesis_create(name, (const uint8_t(*)[ENTRY_KEY_LEN])keys, nkeys, inv,
                                  node_clock_wall_ms(), identity_public_key(n->id), identity_sign,
                                  n->id, err, sizeof(err));
    if (genesis == NULL) {
        o = api_error("invalid", "%s", err);
        goto out;
    }
    memcpy(id, entry_id(genesis), TEAM_ID_LEN);
    o = node_team_enter(n, id, secret, genesis);
    genesis = NULL; /* node_team_enter took it */
    if (json_object_get(o, "error") == NULL)
        log_info("node: created team '%s'", name);
out:
    entry_destroy(&genesis);
    team_invite_destroy(&inv);
    sodium_free(secret);
    return o;
}

static json_t *op_team_join(struct node *n, json_t *req)
{
    const char *code = json_string_value(json_object_get(req, "code"));
    uint8_t id[TEAM_ID_LEN], *secret = sodium_malloc(TEAM_SECRET_LEN);
    char err[ERRMSG_MAX];
    json_t *o;

    if (secret == NULL)
        return api_error("internal", "out of secure memory");
    if (code == NULL || team_code_decode(code, id, secret, err, sizeof(err)) != 0) {
        o = api_error("invalid", "%s", code == NULL ? "a join code is needed" : err);
        goto out;
    }
    if (n->team != NULL && memcmp(id, team_id(n->team), TEAM_ID_LEN) != 0) {
        o = api_error("exists", "this node is in another team already; a node belongs to one "
                                "team: use another --home for this one");
        goto out;
    }
    log_info("node: joining a team with a join code");
    o = node_team_enter(n, id, secret, NULL);
out:
    sodium_free(secret);
    return o;
}

static json_t *op_team_show(struct node *n, json_t *req)
{
    json_t *o;

    (void)req;
    if (n->team == NULL)
        return api_error("no_team", "this node is in no team: `lore team create NAME` or "
                                    "`lore team join CODE`");
    o = node_json_ok();
    json_object_set_new(o, "team", node_teamstate_json(n, 1));
    return o;
}

/* The admin operations need us to be an admin now. */
static json_t *node_team_need_admin(struct node *n)
{
    if (n->team == NULL)
        return api_error("no_team", "this node is in no team");
    if (!team_is_admin(n->team, identity_public_key(n->id), node_clock_wall_ms()))
        return api_error("forbidden", "only a team admin can do that (lore team show lists them)");
    return NULL;
}

struct node_roster {
    uint8_t (*keys)[ENTRY_KEY_LEN];
    size_t n, cap;
    size_t revoked; /* how many of them are revoked */
};

/* Every member we know, revoked ones too: their revocation bounds them, and a node that gets
 * the rotation before the revocation must not take them for outsiders meanwhile (it would purge
 * everything they wrote, not only what came after the revocation). */
static void node_roster_add(void *ctx, const struct team_member_info *m)
{
    struct node_roster *r = ctx;

    r->revoked += m->revoked_ms != 0;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->keys = xreallocarray(r->keys, r->cap, ENTRY_KEY_LEN);
    }
    memcpy(r->keys[r->n++], m->key, ENTRY_KEY_LEN);
}

static json_t *op_team_rotate(struct node *n, json_t *req)
{
    struct node_roster roster = {0};
    uint8_t prev[ENTRY_ID_LEN], *secret = NULL;
    struct team_invite *inv = NULL;
    struct entry *e;
    char err[ERRMSG_MAX];
    json_t *o;

    (void)req;
    o = node_team_need_admin(n);
    if (o != NULL)
        return o;
    if (team_head(n->team, prev) != 0)
        return api_error("internal", "the team has no epoch");
    secret = sodium_malloc(TEAM_SECRET_LEN);
    if (secret == NULL)
        return api_error("internal", "out of secure memory");
    randombytes_buf(secret, TEAM_SECRET_LEN);
    inv = team_invite_new(secret);
    team_members(n->team, node_roster_add, &roster);
    e = inv == NULL ? NULL
                    : team_rotation_create(team_id(n->team), prev, inv,
                                           (const uint8_t(*)[ENTRY_KEY_LEN])roster.keys, roster.n,
                                           node_clock_wall_ms(), identity_public_key(n->id),
                                           identity_sign_entry, n->id, err, sizeof(err));
    if (e == NULL) {
        o = api_error("internal", "cannot rotate: %s", inv == NULL ? "out of memory" : err);
        goto out;
    }
    /* The rotation first: if it cannot be stored, the old code stays (on disk and valid). */
    o = node_publish_entry(n, e);
    if (json_object_get(o, "error") != NULL)
        goto out;
    json_decref(o);
    if (teamfile_save(n->iddir, team_id(n->team), secret, err, sizeof(err)) != 0) {
        o = api_error("internal", "the rotation is out, but the new code could not be saved: %s",
                      err);
        goto out;
    }
    team_invite_destroy(&n->invite);
    n->invite = inv;
    inv = NULL;
    log_info("node: rotated the team's join secret; %zu members carried over (%zu current)",
             roster.n, roster.n - roster.revoked);
    o = node_json_ok();
    json_object_set_new(o, "roster", json_integer((json_int_t)(roster.n - roster.revoked)));
    json_object_set_new(o, "team", node_teamstate_json(n, 1));
out:
    free(roster.keys);
    team_invite_destroy(&inv);
    sodium_free(secret);
    return o;
}

/* The current member who names (a name or a key). Returns NULL with key, or an error reply. */
static json_t *node_team_who(struct node *n, const char *who, uint8_t key[ENTRY_KEY_LEN])
{
    if (who == NULL || who[0] == '\0')
        return api_error("invalid", "who? a name or a key");
    if (strlen(who) != 2 * ENTRY_KEY_LEN || hex_decode(who, strlen(who), key, ENTRY_KEY_LEN) != 0) {
        json_t *res = node_resolve_person(n, who, key);
        if (res != NULL)
            return res;
    }
    if (!team_is_member(n->team, key, node_clock_wall_ms()))
        return api_error("not_found", "'%.80s' is not a current member of the team", who);
    return NULL;
}

/* revoke (make_admin = 0) or make admin (1) the person named in req "who". */
static json_t *op_team_person(struct node *n, json_t *req, int make_admin)
{
    const char *who = json_string_value(json_object_get(req, "who"));
    uint8_t key[ENTRY_KEY_LEN];
    char err[ERRMSG_MAX];
    struct entry *e;
    json_t *o;

    o = node_team_need_admin(n);
    if (o != NULL)
        return o;
    o = node_team_who(n, who, key);
    if (o != NULL)
        return o;
    if (!make_admin && memcmp(key, identity_public_key(n->id), ENTRY_KEY_LEN) == 0)
        return api_error("invalid", "you cannot revoke yourself");
    e = make_admin ? team_admin_create(team_id(n->team), key, node_clock_wall_ms(),
                                       identity_public_key(n->id), identity_sign_entry, n->id, err,
                                       sizeof(err))
                   : team_revocation_create(team_id(n->team), key, node_clock_wall_ms(),
                                            identity_public_key(n->id), identity_sign_entry, n->id,
                                            err, sizeof(err));
    if (e == NULL)
        return api_error("internal", "%s", err);
    o = node_publish_entry(n, e);
    if (json_object_get(o, "error") == NULL)
        json_object_set_new(o, "member", node_json_hex(key, ENTRY_KEY_LEN));
    return o;
}

static json_t *op_team_revoke(struct node *n, json_t *req)
{
    return op_team_person(n, req, 0);
}

static json_t *op_team_admin(struct node *n, json_t *req)
{
    return op_team_person(n, req, 1);
}

/* Current members other than us, for `lore team vouch --all`. */
struct node_vouch_all {
    struct node *n;
    struct node_roster *r;
};

static void node_vouch_all_add(void *ctx, const struct team_member_info *m)
{
    struct node_vouch_all *va = ctx;

    if (m->revoked_ms != 0 || memcmp(m->key, identity_public_key(va->n->id), ENTRY_KEY_LEN) == 0)
        return;
    node_roster_add(va->r, m);
}

/* Vouch for people ("who": names or keys) or for every current member we know ("all": true):
 * one VOUCH entry. Any member may vouch; only admins' vouches count for everyone (team.h,
 * team_trust), a member's own count for that member's views. */
static json_t *op_team_vouch(struct node *n, json_t *req)
{
    struct node_roster r = {0};
    struct node_vouch_all va = {n, &r};
    json_t *who = json_object_get(req, "who"), *all = json_object_get(req, "all"), *v, *o = NULL,
           *list;
    uint8_t key[ENTRY_KEY_LEN];
    struct entry *e;
    char err[ERRMSG_MAX];
    size_t i;

    if (n->team == NULL)
        return api_error("no_team", "this node is in no team");
    if (!team_is_member(n->team, identity_public_key(n->id), node_clock_wall_ms()))
        return api_error("forbidden", "only a member of the team can vouch");
    if ((who != NULL && !json_is_array(who)) || (all != NULL && !json_is_boolean(all)))
        return api_error("bad_request", "who is an array of names or keys; all is a boolean");
    if (json_is_true(all) == (json_array_size(who) > 0))
        return api_error("bad_request", "vouch for people by name, or for all members, not both");
    if (json_array_size(who) > TEAM_VOUCH_MAX)
        return api_error("invalid", "at most %d people at once", TEAM_VOUCH_MAX);
    if (json_is_true(all)) {
        team_members(n->team, node_vouch_all_add, &va);
    } else {
        json_array_foreach(who, i, v)
        {
            struct team_member_info m = {0};
            o = node_team_who(n, json_string_value(v), key);
            if (o != NULL)
                goto out;
            memcpy(m.key, key, ENTRY_KEY_LEN);
            node_roster_add(&r, &m);
        }
    }
    if (r.n == 0) {
        o = api_error("invalid", "nobody to vouch for: no other current member is known here");
        goto out;
    }
    if (r.n > TEAM_VOUCH_MAX)
        r.n = TEAM_VOUCH_MAX;
    e = team_vouch_create(team_id(n->team), (const uint8_t(*)[ENTRY_KEY_LEN])r.keys, r.n,
                          node_clock_wall_ms(), identity_public_key(n->id), identity_sign_entry,
                          n->id, err, sizeof(err));
    if (e == NULL) {
        o = api_error("internal", "%s", err);
        goto out;
    }
    o = node_publish_entry(n, e); /* frees e */
    if (json_object_get(o, "error") != NULL)
        goto out;
    list = json_array();
    for (i = 0; i < r.n; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "key", node_json_hex(r.keys[i], ENTRY_KEY_LEN));
        json_object_set_new(p, "name", node_view_name(n, r.keys[i]));
        json_array_append_new(list, p);
    }
    json_object_set_new(o, "vouched", list);
    json_object_set_new(
        o, "admin",
        json_boolean(team_is_admin(n->team, identity_public_key(n->id), node_clock_wall_ms())));
out:
    free(r.keys);
    return o;
}

const struct node_op node_team_ops[] = {
    {"team_create", op_team_create, "create a team, with this node as an admin", 0},
    {"team_join", op_team_join, "join a team with a join code", 0},
    {"team_show", op_team_show, "the team, its members and our join code", 0},
    {"team_rotate", op_team_rotate, "rotate the join code (admins)", 0},
    {"team_revoke", op_team_revoke, "revoke a member (admins)", 0},
    {"team_admin", op_team_admin, "make a member an admin (admins)", 0},
    {"team_vouch", op_team_vouch, "vouch for members, so their recognition counts fully", 0},
    {NULL, NULL, NULL, 0},
};
