/* node_batch: post_batch — many posts (each as `post` takes it) signed and stored in one
 * transaction, each with its own result: what `lore import` sends, ~500 notes a call. */
#include "node_batch.h"

#include <stdlib.h>

#include "api_error.h"
#include "log.h"
#include "node_entries.h"
#include "node_json.h"
#include "node_publish.h"
#include "xmalloc.h"

/* Parse and sign one post of the batch. The entry, or NULL with *why set to the item's error
 * response. bytes: the batch's signed bytes so far, counted against NODE_BATCH_MAX_BYTES. */
static struct entry *node_batch_sign(struct node *n, json_t *item, struct node_post *p,
                                     size_t *bytes, json_t **why)
{
    char err[ERRMSG_MAX];
    struct entry *e;
    size_t len;

    *why = node_entries_post_parse(n, item, p);
    if (*why != NULL)
        return NULL;
    e = kinds_create(&p->f, identity_public_key(n->id), identity_sign_entry, n->id, err,
                     sizeof(err));
    if (e == NULL) {
        *why = api_error("invalid", "%s", err);
        return NULL;
    }
    (void)entry_bytes(e, &len);
    if (*bytes + len > NODE_BATCH_MAX_BYTES) {
        entry_destroy(&e);
        *why = api_error("too_large",
                         "a batch holds at most %u bytes of entries; send the rest "
                         "in another",
                         NODE_BATCH_MAX_BYTES);
        return NULL;
    }
    *bytes += len;
    return e;
}

static json_t *op_post_batch(struct node *n, json_t *req)
{
    json_t *posts = json_object_get(req, "entries"), *item, **results = NULL, **items = NULL;
    json_t *res = NULL, *arr;
    struct entry **es = NULL;
    struct node_post *p = NULL;
    size_t count = json_array_size(posts), i, k = 0, bytes = 0, stored = 0;
    size_t *at = NULL; /* es[j] answers item at[j] */

    if (!json_is_array(posts) || count == 0 || count > NODE_BATCH_MAX)
        return api_error("bad_request", "entries must be an array of 1 to %d posts",
                         NODE_BATCH_MAX);
    results = xcalloc(count, sizeof(*results));
    items = xcalloc(count, sizeof(*items));
    es = xcalloc(count, sizeof(*es));
    at = xcalloc(count, sizeof(*at));
    p = xmalloc(sizeof(*p));
    if (identity_unlock(n->id) != 0) {
        res = api_error("internal", "cannot read our key to sign");
        goto out;
    }
    json_array_foreach(posts, i, item)
    {
        es[k] = node_batch_sign(n, item, p, &bytes, &results[i]);
        if (es[k] != NULL)
            at[k++] = i;
    }
    if (identity_lock(n->id) != 0) { /* the key stays readable: store nothing */
        for (i = 0; i < k; i++)
            entry_destroy(&es[i]);
        res = api_error("internal", "cannot protect our key again");
        goto out;
    }
    res = node_publish_batch(n, es, k, items);
    if (res != NULL) /* nothing stored: the whole batch's error */
        goto out;
    for (i = 0; i < k; i++) {
        results[at[i]] = items[i];
        stored += json_is_true(json_object_get(items[i], "ok"));
    }
    res = node_json_ok();
    arr = json_array();
    for (i = 0; i < count; i++) {
        json_array_append_new(arr, results[i]);
        results[i] = NULL;
    }
    json_object_set_new(res, "results", arr);
    json_object_set_new(res, "stored", json_integer((json_int_t)stored));
    json_object_set_new(res, "refused", json_integer((json_int_t)(count - stored)));
out:
    for (i = 0; i < count; i++)
        json_decref(results[i]);
    free(results);
    free(items);
    free(es);
    free(at);
    free(p);
    return res;
}

const struct node_op node_batch_ops[] = {
    {"post_batch", op_post_batch,
     "write many posts (as post takes them) in one transaction, each with its own result", 0},
    {NULL, NULL, NULL, 0},
};
