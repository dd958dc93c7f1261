/* node_call: the one dispatch over the op tables of the domain modules (and those the layers above
 * lend through n->hooks.ops). */
#include "node_call.h"

#include <string.h>

#include "log.h"
#include "node_batch.h"
#include "node_clock.h"
#include "node_content.h"
#include "node_entries.h"
#include "node_escalate.h"
#include "node_expertise.h"
#include "node_inbox.h"
#include "node_integrity.h"
#include "node_learn.h"
#include "node_ledger.h"
#include "node_needs.h"
#include "node_people.h"
#include "node_similar.h"
#include "node_synonyms.h"
#include "node_tags.h"
#include "node_team.h"
#include "node_undo.h"

static const struct node_op *const node_call_tables[] = {
    node_entries_ops,   node_ledger_ops, node_expertise_ops, node_inbox_ops,
    node_content_ops,   node_people_ops, node_team_ops,      node_undo_ops,
    node_similar_ops,   node_tags_ops,   node_escalate_ops,  node_batch_ops,
    node_integrity_ops, node_learn_ops,  node_needs_ops,     NULL,
};

static const struct node_op *node_call_search(const struct node_op *const *tables, const char *name)
{
    size_t t, i;

    for (t = 0; tables != NULL && tables[t] != NULL; t++)
        for (i = 0; tables[t][i].name != NULL; i++)
            if (strcmp(name, tables[t][i].name) == 0)
                return &tables[t][i];
    return NULL;
}

const struct node_op *node_call_find(struct node *n, const char *name)
{
    const struct node_op *op = node_call_search(node_call_tables, name);

    return op != NULL ? op : node_call_search(n->hooks.ops, name);
}

json_t *node_call(struct node *n, json_t *req)
{
    const char *name = json_string_value(json_object_get(req, "op"));
    const struct node_op *op;
    struct node_clock c;

    if (!json_is_object(req) || name == NULL || name[0] == '\0')
        return api_error("bad_request", "a request is a JSON object with a string \"op\"");
    log_debug("api: op %s", name);
    n->calls++;
    /* Views hold back what is dated after the team's clock plus the tolerance. */
    node_clock_check(n, &c);
    replica_set_horizon(n->replica, c.team_ms + ENTRY_CLOCK_TOLERANCE_MS);
    node_syn_refresh(n); /* every tag filter of the op reads a tag's class */
    op = node_call_find(n, name);
    if (op == NULL)
        return api_error("unknown_op", "unknown op '%.40s'", name);
    if ((op->flags & NODE_OP_CONNECTION) != 0 || op->fn == NULL)
        return api_error("bad_request", "op '%.40s' needs a connection to the node's socket", name);
    return op->fn(n, req);
}
