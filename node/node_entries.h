/* node_entries: the API ops init, post, accept, get, list, search, check (docs/API.md). */
#ifndef LORE_NODE_ENTRIES_H
#define LORE_NODE_ENTRIES_H

#include "node_int.h"

extern const struct node_op node_entries_ops[];

/* A post request parsed (node_entries_post_parse): f points into this struct and the request. */
struct node_post {
    struct entry_fields f;
    char tagbuf[ENTRY_MAX_TAGS][ENTRY_TAG_MAX + 1];
    const char *tagp[ENTRY_MAX_TAGS];
    uint8_t refids[ENTRY_MAX_REFS][ENTRY_ID_LEN];
    struct entry_attr attrs[2];
    char tohex[2 * ENTRY_KEY_LEN + 1];
    int urgent;
};

/* Check a post's fields (req: kind, title, body, tags, refs, urgent, to, created_ms; borrowed and
 * pointed into by p->f, so it must outlive p's use) as `post` does, into p. NULL, or the error
 * response. */
json_t *node_entries_post_parse(struct node *n, json_t *req, struct node_post *p);

#endif
