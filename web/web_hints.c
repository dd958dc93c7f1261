#include "web_hints.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "node_call.h"
#include "render.h"
#include "web_static.h"

#define WEB_HINTS_TITLE_MAX 1000 /* bytes of a title looked at (the op's own bound) */

/* p's body: the JSON of o (taken). */
static void web_hints_json(struct web_page *p, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);

    p->content_type = "application/json";
    if (s == NULL || buf_append_str(&p->body, s) != 0)
        p->overflow = 1;
    free(s);
    json_decref(o);
}

/* Ask the node op with args (a new object, taken). */
static json_t *web_hints_call(struct web_page *p, const char *op, json_t *args)
{
    json_t *resp;

    json_object_set_new(args, "op", json_string(op));
    resp = node_call(p->n, args);
    json_decref(args);
    return resp;
}

/* GET /tags?prefix=P: {"tags": [{"tag", "count"}]}; a prefix no tag has gives none. */
static void web_hints_tags(struct web_page *p)
{
    const char *prefix = MHD_lookup_connection_value(p->c, MHD_GET_ARGUMENT_KIND, "prefix");
    json_t *args = json_object(), *resp, *tags;

    if (prefix != NULL && json_object_set_new(args, "prefix", json_string(prefix)) != 0) {
        json_decref(args);
        web_hints_json(p, json_pack("{s:[]}", "tags"));
        return;
    }
    resp = web_hints_call(p, "tags", args);
    tags = json_object_get(resp, "tags");
    tags = json_is_array(tags) ? json_incref(tags) : json_array(); /* refused: none */
    web_hints_json(p, json_pack("{s:o}", "tags", tags));
    json_decref(resp);
}

/* GET /similar?title=T: {"results": [{"id", "title", "status"}]}, questions that look alike. */
static void web_hints_similar(struct web_page *p)
{
    const char *title = MHD_lookup_connection_value(p->c, MHD_GET_ARGUMENT_KIND, "title");
    json_t *results = json_array(), *resp = NULL, *args = NULL, *r, *e;
    const char *id;
    size_t i;

    /* json_pack refuses a title that is not UTF-8 text: then no hint. */
    if (title != NULL && strlen(title) <= WEB_HINTS_TITLE_MAX)
        args = json_pack("{s:s,s:i}", "title", title, "limit", 5);
    if (args != NULL) {
        resp = web_hints_call(p, "similar", args);
        json_array_foreach(json_object_get(resp, "results"), i, r)
        {
            e = json_object_get(r, "entry");
            id = json_string_value(json_object_get(e, "id"));
            if (id == NULL || !hex_is_lower(id, 32))
                continue;
            json_array_append_new(results, json_pack("{s:s,s:O?,s:O?}", "id", id, "title",
                                                     json_object_get(e, "title"), "status",
                                                     json_object_get(e, "status")));
        }
    }
    json_decref(resp);
    web_hints_json(p, json_pack("{s:o}", "results", results));
}

/* POST /preview (body=MD): the Markdown rendered as the page will show it. */
static void web_hints_preview(struct web_page *p)
{
    if (render_markdown(&p->body, web_form_get(p->form, "body")) != 0)
        p->overflow = 1;
}

int web_hints_serve(struct web_page *p, int post, const char *path)
{
    if (!post && strcmp(path, "/tags") == 0) {
        web_hints_tags(p);
    } else if (!post && strcmp(path, "/similar") == 0) {
        web_hints_similar(p);
    } else if (post && strcmp(path, "/preview") == 0) {
        web_hints_preview(p);
    } else {
        return 0;
    }
    return 1;
}
