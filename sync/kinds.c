#include "kinds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "hex.h"
#include "team_entry.h"

/* What a kind needs besides its attributes. */
#define KINDS_TITLE 0x1u   /* a non-empty title */
#define KINDS_BODY 0x2u    /* a non-empty body */
#define KINDS_ONE_REF 0x4u /* exactly one reference */
#define KINDS_ONE_TAG 0x8u /* exactly one tag */

enum kinds_type {
    KINDS_NONE = 0, /* end of the list */
    KINDS_ONE_OF,   /* one of the values in "a|b|c" */
    KINDS_KEY,      /* a node key: 64 lowercase hex digits */
    KINDS_TIME,     /* ms since the epoch, ENTRY_MIN_TIME_MS..ENTRY_MAX_TIME_MS */
    KINDS_TEXT,     /* any non-empty value */
};

struct kinds_attr_rule {
    const char *key;
    enum kinds_type type;
    const char *values; /* KINDS_ONE_OF */
};

#define KINDS_MAX_ATTR_RULES 2

struct kinds_rule {
    const char *name;
    unsigned need; /* KINDS_TITLE | ... */
    struct kinds_attr_rule attrs[KINDS_MAX_ATTR_RULES];
    const char *msg;      /* when a rule fails */
    const char *body_msg; /* when only the body is missing, if not msg */
    /* Rules a table cannot say; the team kinds' are team.c's. */
    int (*check)(const struct entry *e, char *err, size_t errlen);
};

static int kinds_check_mentor(const struct entry *e, char *err, size_t errlen);
static int kinds_check_moderation(const struct entry *e, char *err, size_t errlen);
static int kinds_check_goal(const struct entry *e, char *err, size_t errlen);
static int kinds_check_session(const struct entry *e, char *err, size_t errlen);
static int kinds_check_synonym(const struct entry *e, char *err, size_t errlen);

static const struct kinds_rule kinds_rules[] = {
    [ENTRY_QUESTION] = {"question", KINDS_TITLE, {{0}}, "a question needs a title", NULL, NULL},
    [ENTRY_ANSWER] = {"answer",
                      KINDS_ONE_REF | KINDS_BODY,
                      {{0}},
                      "an answer references exactly one entry",
                      "an answer needs a body",
                      NULL},
    [ENTRY_NOTE] =
        {"note", KINDS_TITLE | KINDS_BODY, {{0}}, "a note needs a title and a body", NULL, NULL},
    [ENTRY_COMMENT] = {"comment",
                       KINDS_ONE_REF | KINDS_BODY,
                       {{0}},
                       "an comment references exactly one entry",
                       "an comment needs a body",
                       NULL},
    [ENTRY_ACCEPT] =
        {"accept", KINDS_ONE_REF, {{0}}, "an accept references exactly one entry", NULL, NULL},
    [ENTRY_VOTE] = {"vote",
                    KINDS_ONE_REF,
                    {{"value", KINDS_ONE_OF, "1|-1|0"}},
                    "a vote references one entry and has value 1, -1 or 0",
                    NULL,
                    NULL},
    [ENTRY_SKILL] = {"skill", 0, {{0}}, NULL, NULL, NULL},
    [ENTRY_ENDORSEMENT] = {"endorsement",
                           KINDS_ONE_TAG,
                           {{"person", KINDS_KEY, NULL}},
                           "an endorsement names one skill (tag) and a person (key)",
                           NULL,
                           NULL},
    [ENTRY_REVISION] =
        {"revision", KINDS_ONE_REF, {{0}}, "a revision references exactly one entry", NULL, NULL},
    [ENTRY_RETRACTION] = {"retraction",
                          KINDS_ONE_REF,
                          {{0}},
                          "a retraction references exactly one entry",
                          NULL,
                          NULL},
    [ENTRY_MEMBERSHIP] = {"membership", 0, {{0}}, NULL, NULL, team_check_kind},
    [ENTRY_PROFILE] = {"profile", KINDS_TITLE, {{0}}, "a profile needs a name", NULL, NULL},
    [ENTRY_THANKS] =
        {"thanks", KINDS_ONE_REF, {{0}}, "an thanks references exactly one entry", NULL, NULL},
    [ENTRY_TEAM] = {"team", 0, {{0}}, NULL, NULL, team_check_kind},
    [ENTRY_ROTATION] = {"rotation", 0, {{0}}, NULL, NULL, team_check_kind},
    [ENTRY_ADMIN] = {"admin", 0, {{0}}, NULL, NULL, team_check_kind},
    [ENTRY_REVOCATION] = {"revocation", 0, {{0}}, NULL, NULL, team_check_kind},
    [ENTRY_FLAG] = {"flag",
                    KINDS_ONE_REF,
                    {{"flag", KINDS_ONE_OF, "obsolete|verified|none"}},
                    "a flag references one entry, flag obsolete|verified|none",
                    NULL,
                    NULL},
    [ENTRY_PIN] = {"pin",
                   KINDS_ONE_REF,
                   {{"pinned", KINDS_ONE_OF, "1|0"}},
                   "a pin references one entry, pinned 1|0",
                   NULL,
                   NULL},
    [ENTRY_MENTOR] = {"mentor", 0, {{0}}, NULL, NULL, kinds_check_mentor},
    [ENTRY_SESSION] = {"session",
                       KINDS_TITLE,
                       {{"at", KINDS_TIME, NULL}, {"where", KINDS_TEXT, NULL}},
                       "a session has a title, a time (at, ms) and a place (where)",
                       NULL,
                       kinds_check_session},
    [ENTRY_RSVP] = {"rsvp",
                    KINDS_ONE_REF,
                    {{"value", KINDS_ONE_OF, "yes|no"}},
                    "an rsvp references one session, value yes|no",
                    NULL,
                    NULL},
    [ENTRY_VOUCH] = {"vouch", 0, {{0}}, NULL, NULL, team_check_kind},
    [ENTRY_MODERATION] = {"moderation",
                          KINDS_ONE_REF,
                          {{"action", KINDS_ONE_OF, "hide|unhide"}},
                          "a moderation references one entry, action hide|unhide",
                          NULL,
                          kinds_check_moderation},
    [ENTRY_GOAL] = {"goal",
                    KINDS_ONE_TAG,
                    {{"state", KINDS_ONE_OF, "active|done|dropped"}},
                    "a goal names one topic (tag), state active|done|dropped",
                    NULL,
                    kinds_check_goal},
    [ENTRY_SYNONYM] = {"synonym",
                       0,
                       {{"alias", KINDS_TEXT, NULL}, {"action", KINDS_ONE_OF, "add|drop"}},
                       "a synonym names an alias (a tag), action add|drop",
                       NULL,
                       kinds_check_synonym},
};
#define KINDS_N (sizeof(kinds_rules) / sizeof(kinds_rules[0]))

const char *kinds_name(uint16_t kind)
{
    return kind < KINDS_N ? kinds_rules[kind].name : NULL;
}

int kinds_parse(const char *name, uint16_t *out)
{
    size_t i;

    for (i = 1; i < KINDS_N; i++) {
        if (kinds_rules[i].name != NULL && strcmp(kinds_rules[i].name, name) == 0) {
            *out = (uint16_t)i;
            return 0;
        }
    }
    return -1;
}

/* 1 if v is one of the '|'-separated values, else 0. */
static int kinds_one_of(const char *v, const char *values)
{
    size_t n = strlen(v);
    const char *p = values, *bar;

    for (;;) {
        bar = strchr(p, '|');
        if ((bar != NULL ? (size_t)(bar - p) : strlen(p)) == n && strncmp(p, v, n) == 0)
            return 1;
        if (bar == NULL)
            return 0;
        p = bar + 1;
    }
}

/* 1 if attribute r of e is there and of r's type, else 0. */
static int kinds_attr_ok(const struct entry *e, const struct kinds_attr_rule *r)
{
    const char *v = entry_attr_get(e, r->key);
    uint64_t ms;

    if (v == NULL)
        return 0;
    switch (r->type) {
    case KINDS_ONE_OF:
        return kinds_one_of(v, r->values);
    case KINDS_KEY:
        return hex_is_lower(v, ENTRY_KEY_LEN);
    case KINDS_TIME:
        return kinds_attr_u64(e, r->key, &ms) == 0 && ms >= ENTRY_MIN_TIME_MS &&
               ms <= ENTRY_MAX_TIME_MS;
    case KINDS_TEXT:
        return v[0] != '\0';
    case KINDS_NONE:
        break;
    }
    return 1;
}

/* A mentor offer has topics (tags); a request names a person (attribute to); a withdrawal (of
 * every offer before it) needs nothing more. */
static int kinds_check_mentor(const struct entry *e, char *err, size_t errlen)
{
    const char *role = entry_attr_get(e, "role"), *to = entry_attr_get(e, "to");
    int ok = 0;

    if (role != NULL && strcmp(role, "offer") == 0)
        ok = entry_ntags(e) != 0;
    else if (role != NULL && strcmp(role, "request") == 0)
        ok = to != NULL && hex_is_lower(to, ENTRY_KEY_LEN);
    else if (role != NULL && strcmp(role, "withdraw") == 0)
        ok = 1;
    if (!ok) {
        errmsg_set(err, errlen,
                   "a mentor offer has topics (tags); a request names a person (to); or role "
                   "withdraw");
        return -1;
    }
    return 0;
}

/* Hiding says why: a hide has a reason (the body); an unhide may have one. */
static int kinds_check_moderation(const struct entry *e, char *err, size_t errlen)
{
    const char *action = entry_attr_get(e, "action");

    if (action != NULL && strcmp(action, "hide") == 0 && entry_body_len(e) == 0) {
        errmsg_set(err, errlen, "hiding an entry needs a reason (the body)");
        return -1;
    }
    return 0;
}

/* A goal's deadline, if it has one, is a time as a session's is. */
static int kinds_check_goal(const struct entry *e, char *err, size_t errlen)
{
    static const struct kinds_attr_rule until = {"until", KINDS_TIME, NULL};

    if (entry_attr_get(e, "until") != NULL && !kinds_attr_ok(e, &until)) {
        errmsg_set(err, errlen, "a goal's until is a time (ms since the epoch)");
        return -1;
    }
    return 0;
}

/* A circle meeting (attr circle) is a session on the circle's topic: the tag is one of its tags. */
static int kinds_check_session(const struct entry *e, char *err, size_t errlen)
{
    const char *circle = entry_attr_get(e, "circle");
    size_t i;

    if (circle == NULL)
        return 0;
    for (i = 0; i < entry_ntags(e); i++)
        if (strcmp(entry_tag(e, i), circle) == 0)
            return 0;
    errmsg_set(err, errlen, "a circle meeting's circle is one of the session's tags");
    return -1;
}

/* A synonym's alias is a tag; an add names its canonical tag, another tag; a drop none. */
static int kinds_check_synonym(const struct entry *e, char *err, size_t errlen)
{
    const char *alias = entry_attr_get(e, "alias"), *canonical = entry_attr_get(e, "canonical");
    int add = strcmp(entry_attr_get(e, "action"), "add") == 0;

    if (!entry_tag_valid(alias)) {
        errmsg_set(err, errlen, "a synonym's alias is a tag");
        return -1;
    }
    if (add &&
        (canonical == NULL || !entry_tag_valid(canonical) || strcmp(canonical, alias) == 0)) {
        errmsg_set(err, errlen, "a synonym added names its canonical tag, not the alias");
        return -1;
    }
    if (!add && canonical != NULL) {
        errmsg_set(err, errlen, "a synonym dropped names no canonical tag");
        return -1;
    }
    return 0;
}

int kinds_check(const struct entry *e, char *err, size_t errlen)
{
    const struct kinds_rule *r;
    size_t i;
    int ok = 1;

    if (entry_kind(e) >= KINDS_N || kinds_rules[entry_kind(e)].name == NULL)
        return 0; /* unknown kinds pass */
    r = &kinds_rules[entry_kind(e)];
    if ((r->need & KINDS_ONE_REF) && entry_nrefs(e) != 1)
        ok = 0;
    if ((r->need & KINDS_TITLE) && entry_title(e)[0] == '\0')
        ok = 0;
    if (ok && (r->need & KINDS_BODY) && entry_body_len(e) == 0) {
        errmsg_set(err, errlen, "%s", r->body_msg != NULL ? r->body_msg : r->msg);
        return -1;
    }
    if ((r->need & KINDS_ONE_TAG) && entry_ntags(e) != 1)
        ok = 0;
    for (i = 0; i < KINDS_MAX_ATTR_RULES && r->attrs[i].type != KINDS_NONE; i++)
        if (!kinds_attr_ok(e, &r->attrs[i]))
            ok = 0;
    if (!ok) {
        errmsg_set(err, errlen, "%s", r->msg);
        return -1;
    }
    return r->check != NULL ? r->check(e, err, errlen) : 0;
}

int kinds_verify(const struct entry *e, char *err, size_t errlen)
{
    if (entry_check_signature(e, err, errlen) != 0)
        return -1;
    return kinds_check(e, err, errlen);
}

struct entry *kinds_create(const struct entry_fields *f, const uint8_t author[ENTRY_KEY_LEN],
                           entry_signer_fn sign, void *ctx, char *err, size_t errlen)
{
    struct entry *e = entry_create(f, author, sign, ctx, err, errlen);

    if (e != NULL && kinds_check(e, err, errlen) != 0)
        entry_destroy(&e);
    return e;
}

/* ---- typed attribute accessors ---- */

int kinds_attr_u64(const struct entry *e, const char *key, uint64_t *out)
{
    const char *v = entry_attr_get(e, key);
    char *end = NULL;
    unsigned long long n;

    if (v == NULL)
        return -1;
    errno = 0;
    n = strtoull(v, &end, 10);
    if (end == v || *end != '\0' || errno == ERANGE)
        return -1;
    *out = (uint64_t)n;
    return 0;
}

int kinds_attr_i64(const struct entry *e, const char *key, int64_t *out)
{
    const char *v = entry_attr_get(e, key);
    char *end = NULL;
    long long n;

    if (v == NULL)
        return -1;
    errno = 0;
    n = strtoll(v, &end, 10);
    if (end == v || *end != '\0' || errno == ERANGE)
        return -1;
    *out = (int64_t)n;
    return 0;
}

int kinds_attr_key(const struct entry *e, const char *key, uint8_t out[ENTRY_KEY_LEN])
{
    const char *v = entry_attr_get(e, key);

    if (v == NULL || !hex_is_lower(v, ENTRY_KEY_LEN) ||
        hex_decode(v, 2 * ENTRY_KEY_LEN, out, ENTRY_KEY_LEN) != 0)
        return -1;
    return 0;
}

int kinds_attr_bool(const struct entry *e, const char *key, int *out)
{
    const char *v = entry_attr_get(e, key);

    if (v == NULL || (strcmp(v, "1") != 0 && strcmp(v, "0") != 0))
        return -1;
    *out = v[0] == '1';
    return 0;
}
