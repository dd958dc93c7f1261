/* node_goals: learning goals as the views show them, from node_latest's resolution. */
#include "node_goals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "node_json.h"
#include "node_latest.h"
#include "node_peopleview.h"
#include "node_synonyms.h"
#include "xmalloc.h"

/* 1 if the goal entry (the latest of its author and tag) is active. */
static int node_goals_active(const struct entry *e)
{
    const char *state = entry_attr_get(e, "state");

    return state != NULL && strcmp(state, "active") == 0;
}

static json_t *node_goals_json(const struct entry *e, const char *tag, uint64_t now_ms)
{
    const char *state = entry_attr_get(e, "state");
    uint64_t until = 0;
    int has_until = kinds_attr_u64(e, "until", &until) == 0;
    json_t *o = json_object();

    json_object_set_new(o, "tag", json_string(tag));
    json_object_set_new(o, "state", json_string(state != NULL ? state : "active"));
    json_object_set_new(o, "why", json_stringn(entry_body(e), entry_body_len(e)));
    json_object_set_new(o, "until_ms", has_until ? json_integer((json_int_t)until) : json_null());
    json_object_set_new(o, "until", has_until ? node_json_time(until) : json_null());
    json_object_set_new(o, "set_ms", json_integer((json_int_t)entry_created_ms(e)));
    json_object_set_new(o, "set", node_json_time(entry_created_ms(e)));
    json_object_set_new(o, "id", node_json_hex(entry_id(e), ENTRY_ID_LEN));
    json_object_set_new(o, "overdue",
                        json_boolean(node_goals_active(e) && has_until && now_ms > until));
    return o;
}

json_t *node_goals_of(struct node *n, const uint8_t key[ENTRY_KEY_LEN], int all, uint64_t now_ms)
{
    struct node_latest *l = node_latest_scan(n, ENTRY_GOAL, key, NULL);
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i < node_latest_count(l); i++)
        if (all || node_goals_active(node_latest_at(l, i)))
            json_array_append_new(
                arr, node_goals_json(node_latest_at(l, i), node_latest_tag(l, i), now_ms));
    node_latest_destroy(&l);
    return arr;
}

static int node_goals_learner_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = node_json_cmp_by(x, y, "set_ms");

    return c != 0 ? c
                  : strcmp(json_string_value(json_object_get(x, "key")),
                           json_string_value(json_object_get(y, "key")));
}

json_t *node_goals_learners(struct node *n, const char *tag)
{
    struct node_latest *l = node_latest_scan(n, ENTRY_GOAL, NULL, tag);
    json_t *arr = json_array(), *o, **items;
    const struct entry *e;
    uint64_t until;
    size_t i, count = 0;

    items = xreallocarray(NULL, node_latest_count(l) + 1, sizeof(*items));
    for (i = 0; i < node_latest_count(l); i++) {
        e = node_latest_at(l, i);
        if (!node_goals_active(e))
            continue;
        o = node_peopleview_person_json(n, entry_author(e));
        json_object_set_new(o, "set_ms", json_integer((json_int_t)entry_created_ms(e)));
        json_object_set_new(o, "set", node_json_time(entry_created_ms(e)));
        json_object_set_new(o, "why", json_stringn(entry_body(e), entry_body_len(e)));
        json_object_set_new(o, "until_ms",
                            kinds_attr_u64(e, "until", &until) == 0
                                ? json_integer((json_int_t)until)
                                : json_null());
        items[count++] = o;
    }
    qsort(items, count, sizeof(*items), node_goals_learner_cmp);
    for (i = 0; i < count; i++)
        json_array_append_new(arr, items[i]);
    free(items);
    node_latest_destroy(&l);
    return arr;
}

json_t *node_goals_demand(struct node *n)
{
    struct node_latest *l = node_latest_scan(n, ENTRY_GOAL, NULL, NULL);
    json_t *demand = json_object();
    const struct entry *e;
    size_t i;

    for (i = 0; i < node_latest_count(l); i++) {
        e = node_latest_at(l, i);
        if (node_goals_active(e))
            json_object_set_new(
                demand, node_latest_tag(l, i),
                json_integer(json_integer_value(json_object_get(demand, node_latest_tag(l, i))) +
                             1));
    }
    node_latest_destroy(&l);
    return demand;
}

int node_goals_mine_any(struct node *n, json_t *tags, char tag[ENTRY_TAG_MAX + 1])
{
    struct node_latest *l;
    json_t *t;
    size_t i, j;
    int yes = 0;

    tag[0] = '\0';
    if (n->id == NULL || json_array_size(tags) == 0)
        return 0;
    l = node_latest_scan(n, ENTRY_GOAL, identity_public_key(n->id), NULL);
    for (i = 0; i < node_latest_count(l) && !yes; i++) {
        if (!node_goals_active(node_latest_at(l, i)))
            continue;
        json_array_foreach(tags, j, t)
        {
            if (json_is_string(t) && entry_tag_valid(json_string_value(t)) &&
                node_syn_same(n, json_string_value(t), node_latest_tag(l, i))) {
                snprintf(tag, ENTRY_TAG_MAX + 1, "%s", json_string_value(t));
                yes = 1;
                break;
            }
        }
    }
    node_latest_destroy(&l);
    return yes;
}
