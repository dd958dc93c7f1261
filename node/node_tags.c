/* node_tags: the op tags — the tags questions and notes carry, most used first, by prefix. */
#include "node_tags.h"

#include "api_error.h"
#include "node_args.h"
#include "node_json.h"

#define TAGS_LIMIT_MAX 50

static int tags_row(void *ctx, const char *tag, long long count)
{
    json_array_append_new(ctx, json_pack("{s:s,s:I}", "tag", tag, "count", (json_int_t)count));
    return 0;
}

/* tags: prefix (optional, a tag's beginning: case-folded, a leading # dropped), limit (1-50,
 * default 10) -> tags: [{tag, count}]. */
static json_t *op_tags(struct node *n, json_t *req)
{
    const char *prefix = NULL;
    char norm[ENTRY_TAG_MAX + 1] = "";
    long long limit = 10;
    json_t *tags, *o;

    if (node_arg_str(req, "prefix", &prefix) != 0 ||
        node_arg_int(req, "limit", 1, TAGS_LIMIT_MAX, &limit) != 0)
        return api_error("invalid", "prefix must be a string and limit 1 to %d", TAGS_LIMIT_MAX);
    if (prefix != NULL && !node_arg_blank(prefix) && node_arg_tag_norm(prefix, norm) != 0)
        return node_arg_tag_invalid(prefix);
    tags = json_array();
    if (replica_tag_counts(n->replica, norm, (size_t)limit, tags_row, tags) != 0) {
        json_decref(tags);
        return api_error("internal", "cannot read the tags");
    }
    o = node_json_ok();
    json_object_set_new(o, "tags", tags);
    return o;
}

const struct node_op node_tags_ops[] = {
    {"tags", op_tags, "tags in use, most used first, by prefix (the web's tag suggestions)", 0},
    {NULL, NULL, NULL, 0},
};
