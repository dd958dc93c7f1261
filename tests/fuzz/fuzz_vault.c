/* libFuzzer harness for the vault Markdown/front-matter parser (cli/vault_md.c): any file a vault
 * holds parses to a result, never a crash, and what it yields keeps lore's rules. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "vault_md.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    char tag[ENTRY_TAG_MAX + 1];
    struct vault_md_doc doc;
    json_t *v;
    size_t i;

    vault_md_init(&doc, NULL);
    if (vault_md_parse(&doc, text, size) == VAULT_MD_OK) {
        /* The body is a non-empty part of the input. */
        if (doc.body_len == 0 || doc.body < text || doc.body + doc.body_len > text + size)
            abort();
        if (doc.title != NULL && !text_valid((const uint8_t *)doc.title, strlen(doc.title), 0))
            abort();
        if (doc.export_id != NULL && !vault_md_is_id(doc.export_id))
            abort();
        if (json_array_size(doc.tags) > ENTRY_MAX_TAGS)
            abort();
        json_array_foreach(doc.tags, i, v)
        {
            if (!text_tag_valid(json_string_value(v), json_string_length(v), ENTRY_TAG_MAX))
                abort();
        }
    }
    json_array_foreach(doc.warnings, i, v)
    {
        if (!json_is_string(v))
            abort();
    }
    vault_md_free(&doc);
    /* What --tag and the front matter's tags go through. */
    if (vault_md_tag_normalise(text, size < 64 ? size : 64, tag) == 0 &&
        !text_tag_valid(tag, strlen(tag), ENTRY_TAG_MAX))
        abort();
    v = vault_md_json_lossy(text, size < 4096 ? size : 4096);
    if (!json_is_string(v))
        abort();
    json_decref(v);
    return 0;
}
