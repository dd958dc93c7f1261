/* node_foryou: whether an entry is for me because of something of mine or of me, and the
 * escalation circles of urgent questions — the one computation watch, inbox and digest share. */
#include "node_foryou.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "node_json.h"
#include "node_peopleview.h"
#include "node_synonyms.h"
#include "node_view.h"
#include "xmalloc.h"

#define FORYOU_NAME_MAX (NODE_NAME_MAX * 4) /* bytes of a display name (UTF-8) */
#define FORYOU_MENTION_MIN 2                /* bytes of a name prefix after @ */
#define FORYOU_KEY_PREFIX_MIN 8             /* hex digits of a key prefix after @ */
#define FORYOU_MENTIONS_MAX 16              /* mentions looked at in one text */

uint64_t node_foryou_after_ms(struct node *n)
{
    int s = n->cfg != NULL ? n->cfg->escalate_after : NODE_FORYOU_ESCALATE_DEFAULT_S;

    return (uint64_t)s * LORE_SECOND_MS;
}

uint64_t node_foryou_again_ms(struct node *n)
{
    int s = n->cfg != NULL ? n->cfg->escalate_again : NODE_FORYOU_ESCALATE_DEFAULT_S;

    return (uint64_t)s * LORE_SECOND_MS;
}

/* ---- mentions ---- */

/* A byte that can be part of a mentioned word (ASCII letters and digits, . _ -, any byte of a
 * non-ASCII UTF-8 character). */
static int foryou_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c >= 0x80;
}

struct foryou_others {
    struct node *n;
    const char *prefix;
    size_t len;
    json_t *seen; /* authors whose newest profile was read */
    int found;    /* someone else's current name has the prefix */
};

static int foryou_other_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct foryou_others *o = ctx;
    char hex[2 * ENTRY_KEY_LEN + 1];
    const char *name = entry_title(e);

    (void)snippet;
    (void)rank;
    hex_encode(entry_author(e), ENTRY_KEY_LEN, hex);
    if (json_object_get(o->seen, hex) != NULL)
        return 0; /* newest first: only each person's current name counts */
    json_object_set_new(o->seen, hex, json_true());
    if (!node_peopleview_is_me(o->n, entry_author(e)) && strlen(name) >= o->len &&
        strncasecmp(name, o->prefix, o->len) == 0)
        o->found = 1;
    return 0;
}

/* What a scan of one text needs: my current name, read once, and how many mentions it saw. */
struct foryou_scan {
    struct node *n;
    char name[FORYOU_NAME_MAX + 1];
    int has_name;
    size_t tokens; /* mentions looked at: at most FORYOU_MENTIONS_MAX per text */
};

/* 1 if the mentioned word or quoted name (len bytes at tok, not NUL-terminated) names me. */
static int foryou_names_me(struct foryou_scan *sc, const char *tok, size_t len, int quoted)
{
    char buf[FORYOU_NAME_MAX + 1];
    uint8_t key[ENTRY_KEY_LEN];
    struct foryou_others o = {sc->n, buf, len, NULL, 0};
    struct replica_query q = {0};

    if (len < FORYOU_MENTION_MIN || len > FORYOU_NAME_MAX)
        return 0;
    memcpy(buf, tok, len);
    buf[len] = '\0';
    if (!quoted && len >= FORYOU_KEY_PREFIX_MIN && len <= 2 * ENTRY_KEY_LEN && hex_is_hex(buf))
        return replica_find_person(sc->n->replica, buf, key) == REPLICA_FOUND &&
               node_peopleview_is_me(sc->n, key);
    if (!sc->has_name || strlen(sc->name) < len || strncasecmp(sc->name, buf, len) != 0)
        return 0;
    o.seen = json_object();
    q.kind = ENTRY_PROFILE;
    (void)node_peopleview_list_all(sc->n, &q, foryou_other_row, &o);
    json_decref(o.seen);
    return !o.found;
}

/* 1 if text (len bytes) mentions me (the grammar is in node_foryou.h). Only the first
 * FORYOU_MENTIONS_MAX mentions of a text are looked at: a text full of @ costs what a short one
 * does. */
static int foryou_mentions(struct node *n, const char *text, size_t len)
{
    struct foryou_scan sc = {n, "", 0, 0};
    const char *tok, *end;
    size_t i, tlen;

    if (text == NULL || memchr(text, '@', len) == NULL)
        return 0;
    sc.has_name =
        replica_author_name(n->replica, identity_public_key(n->id), sc.name, sizeof(sc.name)) == 0;
    for (i = 0; i < len && sc.tokens < FORYOU_MENTIONS_MAX; i++) {
        if (text[i] != '@' || (i > 0 && foryou_word_byte((unsigned char)text[i - 1])))
            continue;
        sc.tokens++;
        if (i + 1 < len && text[i + 1] == '"') {
            tok = text + i + 2;
            end = memchr(tok, '"', len - (i + 2));
            if (end != NULL && foryou_names_me(&sc, tok, (size_t)(end - tok), 1))
                return 1;
            continue;
        }
        tok = text + i + 1;
        for (tlen = 0; i + 1 + tlen < len && foryou_word_byte((unsigned char)tok[tlen]); tlen++)
            ;
        while (tlen > 0 && tok[tlen - 1] == '.')
            tlen--;
        if (foryou_names_me(&sc, tok, tlen, 0))
            return 1;
    }
    return 0;
}

/* ---- about something of mine ---- */

static const char *foryou_comment_reason(uint16_t kind)
{
    switch (kind) {
    case ENTRY_QUESTION:
        return "commented on your question";
    case ENTRY_ANSWER:
        return "commented on your answer";
    case ENTRY_NOTE:
        return "commented on your note";
    case ENTRY_COMMENT:
        return "commented on your comment";
    default:
        return NULL;
    }
}

/* Why an entry of kind by author, referring to ref, is about an entry of mine; that entry into
 * *about (OUT, the caller destroys it) when it is. */
static const char *foryou_ref_reason(struct node *n, uint16_t kind, const uint8_t *author,
                                     const uint8_t ref[ENTRY_ID_LEN], struct entry **about)
{
    struct entry *t = NULL, *q = NULL;
    const char *why = NULL;

    if ((kind != ENTRY_ANSWER && kind != ENTRY_COMMENT && kind != ENTRY_ACCEPT &&
         kind != ENTRY_THANKS) ||
        replica_get(n->replica, ref, &t, NULL, 0) != REPLICA_FOUND ||
        !node_peopleview_is_me(n, entry_author(t)))
        goto out;
    if (kind == ENTRY_ANSWER && entry_kind(t) == ENTRY_QUESTION)
        why = "answered your question";
    else if (kind == ENTRY_COMMENT)
        why = foryou_comment_reason(entry_kind(t));
    else if (kind == ENTRY_THANKS)
        why = "thanked you";
    else if (kind == ENTRY_ACCEPT && entry_kind(t) == ENTRY_ANSWER && entry_nrefs(t) > 0 &&
             replica_get(n->replica, entry_ref(t, 0), &q, NULL, 0) == REPLICA_FOUND &&
             memcmp(entry_author(q), author, ENTRY_KEY_LEN) == 0)
        why = "accepted your answer"; /* only the asker's accept counts, as everywhere */
out:
    if (why != NULL && about != NULL) {
        *about = t;
        t = NULL;
    }
    entry_destroy(&t);
    entry_destroy(&q);
    return why;
}

/* The core of node_foryou_on_mine, on an entry's fields (ref0 and about may be NULL). */
static const char *foryou_reason(struct node *n, uint16_t kind, const uint8_t *author,
                                 const uint8_t *ref0, const char *title, const char *body,
                                 size_t body_len, struct entry **about)
{
    const char *why = NULL;

    if (n->id == NULL || author == NULL || node_peopleview_is_me(n, author))
        return NULL;
    if (ref0 != NULL)
        why = foryou_ref_reason(n, kind, author, ref0, about);
    if (why == NULL && kind >= ENTRY_QUESTION && kind <= ENTRY_COMMENT &&
        (foryou_mentions(n, title, title != NULL ? strlen(title) : 0) ||
         foryou_mentions(n, body, body_len)))
        why = "mentioned you";
    return why;
}

const char *node_foryou_on_mine(struct node *n, json_t *ej)
{
    const char *author = json_string_value(json_object_get(ej, "author"));
    const char *ref = json_string_value(json_array_get(json_object_get(ej, "refs"), 0));
    json_t *body = json_object_get(ej, "body");
    json_int_t kind = json_integer_value(json_object_get(ej, "kind_id"));
    uint8_t akey[ENTRY_KEY_LEN], rid[ENTRY_ID_LEN];

    if (author == NULL || hex_decode(author, strlen(author), akey, ENTRY_KEY_LEN) != 0 ||
        kind <= 0 || kind > UINT16_MAX)
        return NULL;
    if (ref != NULL && hex_decode(ref, strlen(ref), rid, ENTRY_ID_LEN) != 0)
        ref = NULL;
    return foryou_reason(n, (uint16_t)kind, akey, ref != NULL ? rid : NULL,
                         json_string_value(json_object_get(ej, "title")), json_string_value(body),
                         json_string_length(body), NULL);
}

/* ---- questions and their circles ---- */

/* "10 min", "2 s", "1 h": a configured delay as people read it. */
static void foryou_duration(uint64_t ms, char *out, size_t len)
{
    if (ms >= LORE_HOUR_MS && ms % LORE_HOUR_MS == 0)
        snprintf(out, len, "%llu h", (unsigned long long)(ms / LORE_HOUR_MS));
    else if (ms >= LORE_MINUTE_MS && ms % LORE_MINUTE_MS == 0)
        snprintf(out, len, "%llu min", (unsigned long long)(ms / LORE_MINUTE_MS));
    else
        snprintf(out, len, "%llu s", (unsigned long long)(ms / LORE_SECOND_MS));
}

/* An urgent question without an answer: which circle it has reached at now_ms for me (follow:
 * one of its tags is one I follow), with the reason; NODE_FORYOU_NO while it waits. */
static enum node_foryou_level foryou_escalation(struct node *n, uint64_t age_ms, int follow,
                                                char why[NODE_FORYOU_WHY_MAX])
{
    uint64_t after = node_foryou_after_ms(n), again = node_foryou_again_ms(n);
    char d[32];

    if (age_ms >= after + again) {
        foryou_duration(after + again, d, sizeof(d));
        snprintf(why, NODE_FORYOU_WHY_MAX, "unanswered for %s, nobody in its circle answered", d);
        return NODE_FORYOU_EVERYONE;
    }
    if (follow && age_ms >= after) {
        foryou_duration(after, d, sizeof(d));
        snprintf(why, NODE_FORYOU_WHY_MAX, "unanswered for %s", d);
        return NODE_FORYOU_FOLLOWERS;
    }
    return NODE_FORYOU_NO;
}

enum node_foryou_level node_foryou_question(struct node *n, json_t *qj, uint64_t now_ms,
                                            char why[NODE_FORYOU_WHY_MAX])
{
    const char *author = json_string_value(json_object_get(qj, "author"));
    const char *to = json_string_value(json_object_get(json_object_get(qj, "attrs"), "to"));
    const char *area;
    json_t *body = json_object_get(qj, "body"), *t;
    uint64_t created = (uint64_t)json_integer_value(json_object_get(qj, "created_ms"));
    char me[2 * ENTRY_KEY_LEN + 1];
    int skill = 0, follow = 0;
    size_t i;

    why[0] = '\0';
    if (n->id == NULL || author == NULL)
        return NODE_FORYOU_NO;
    hex_encode(identity_public_key(n->id), ENTRY_KEY_LEN, me);
    if (strcmp(author, me) == 0)
        return NODE_FORYOU_NO;
    if (to != NULL && strcmp(to, me) == 0) {
        snprintf(why, NODE_FORYOU_WHY_MAX, "asked you directly");
        return NODE_FORYOU_YES;
    }
    if (foryou_mentions(n, json_string_value(json_object_get(qj, "title")),
                        json_string_length(json_object_get(qj, "title"))) ||
        foryou_mentions(n, json_string_value(body), json_string_length(body))) {
        snprintf(why, NODE_FORYOU_WHY_MAX, "mentioned you");
        return NODE_FORYOU_YES;
    }
    json_array_foreach(json_object_get(qj, "tags"), i, t)
    {
        area = node_syn_area(n, json_string_value(t)); /* through the tag's synonyms */
        skill |= area != NULL && strcmp(area, "skill") == 0;
        follow |= area != NULL && strcmp(area, "follow") == 0;
    }
    if (skill) {
        snprintf(why, NODE_FORYOU_WHY_MAX, "in your areas");
        return NODE_FORYOU_YES;
    }
    /* Urgent and unanswered: circle 2 (followers) after escalate_after, circle 3 (everyone)
     * after escalate_again more; a day on it is an ordinary question again. */
    if (json_is_true(json_object_get(qj, "urgent")) &&
        json_integer_value(json_object_get(qj, "answers")) == 0 &&
        created + NODE_FORYOU_ESCALATE_WINDOW_MS > now_ms)
        return foryou_escalation(n, now_ms > created ? now_ms - created : 0, follow, why);
    if (follow) {
        snprintf(why, NODE_FORYOU_WHY_MAX, "in your areas");
        return NODE_FORYOU_YES;
    }
    return NODE_FORYOU_NO;
}

/* ---- the recent list (inbox, digest) ---- */

/* {"id", "kind", "title"} of my entry t (an answer's title: its question's). */
static json_t *foryou_about_json(struct node *n, const struct entry *t)
{
    struct entry *q = NULL;
    const char *kind = kinds_name(entry_kind(t));
    json_t *o = json_object();

    json_object_set_new(o, "id", node_json_hex(entry_id(t), ENTRY_ID_LEN));
    json_object_set_new(o, "kind", kind != NULL ? json_string(kind) : json_null());
    if (entry_kind(t) == ENTRY_ANSWER && entry_nrefs(t) > 0 &&
        replica_get(n->replica, entry_ref(t, 0), &q, NULL, 0) == REPLICA_FOUND)
        json_object_set_new(o, "title", json_string(entry_title(q)));
    else
        json_object_set_new(o, "title", json_string(entry_title(t)));
    entry_destroy(&q);
    return o;
}

struct foryou_recent {
    struct node *n;
    json_t *items;
};

static int foryou_recent_row(void *ctx, const struct entry *e, const char *snippet, double rank)
{
    struct foryou_recent *r = ctx;
    struct entry *about = NULL;
    const char *why;
    json_t *it, *ej;

    (void)snippet;
    (void)rank;
    why = foryou_reason(r->n, entry_kind(e), entry_author(e),
                        entry_nrefs(e) > 0 ? entry_ref(e, 0) : NULL, entry_title(e), entry_body(e),
                        entry_body_len(e), &about);
    if (why == NULL)
        return 0;
    ej = node_view_entry(r->n, e);
    if (node_view_hidden(ej)) { /* an admin hid it */
        json_decref(ej);
        entry_destroy(&about);
        return 0;
    }
    it = json_object();
    json_object_set_new(it, "reason", json_string(why));
    json_object_set_new(it, "entry", ej);
    json_object_set_new(it, "about", about != NULL ? foryou_about_json(r->n, about) : json_null());
    json_array_append_new(r->items, it);
    entry_destroy(&about);
    return 0;
}

static int foryou_recent_cmp(const void *a, const void *b)
{
    json_t *x = json_object_get(*(json_t *const *)a, "entry");
    json_t *y = json_object_get(*(json_t *const *)b, "entry");
    json_int_t tx = json_integer_value(json_object_get(x, "created_ms"));
    json_int_t ty = json_integer_value(json_object_get(y, "created_ms"));

    if (tx != ty)
        return tx < ty ? 1 : -1;
    return strcmp(json_string_value(json_object_get(x, "id")),
                  json_string_value(json_object_get(y, "id")));
}

json_t *node_foryou_recent(struct node *n, uint64_t since_ms, size_t max)
{
    static const uint16_t kinds[] = {0 /* question, answer, note, comment */, ENTRY_ACCEPT,
                                     ENTRY_THANKS};
    struct foryou_recent r = {n, json_array()};
    struct replica_query q = {0};
    json_t **items, *arr = json_array(), *v;
    size_t i, count;

    if (n->id == NULL)
        goto out;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        memset(&q, 0, sizeof(q));
        q.kind = kinds[i];
        q.since_ms = since_ms > 0 ? since_ms : 1;
        q.concerning = identity_public_key(n->id); /* the rest cannot have a reason */
        (void)node_peopleview_list_all(n, &q, foryou_recent_row, &r);
    }
    count = json_array_size(r.items);
    items = xreallocarray(NULL, count + 1, sizeof(*items));
    json_array_foreach(r.items, i, v) items[i] = v;
    qsort(items, count, sizeof(*items), foryou_recent_cmp);
    for (i = 0; i < count && i < max; i++)
        json_array_append(arr, items[i]);
    free(items);
out:
    json_decref(r.items);
    return arr;
}
