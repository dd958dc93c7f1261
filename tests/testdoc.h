/* Reading the test vectors the docs publish: tests compare code and documentation byte for byte. */
#ifndef LORE_TESTDOC_H
#define LORE_TESTDOC_H

#include <stdio.h>
#include <string.h>

#include "buf.h"

/* The value of "key:" in the ```vector NAME block of docs/DOC (continuation lines without a colon
 * are joined to it). Returns a new string (caller frees; empty if the key is absent) or NULL if
 * the document cannot be read. Needs cmocka's assert macros in scope. */
static inline char *doc_vector(const char *doc, const char *name, const char *key)
{
    char path[512], line[1024], fence[128];
    struct buf val;
    FILE *f;
    int inside = 0, want = 0;

    snprintf(path, sizeof(path), "%s/docs/%s", LORE_SOURCE_DIR, doc);
    snprintf(fence, sizeof(fence), "```vector %s\n", name);
    f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    buf_init(&val, 1 << 20);
    assert_int_equal(buf_append_str(&val, ""), 0);
    while (fgets(line, sizeof(line), f) != NULL) {
        if (!inside) {
            inside = strcmp(line, fence) == 0;
            continue;
        }
        if (strncmp(line, "```", 3) == 0)
            break;
        line[strcspn(line, "\n")] = '\0';
        char *colon = strchr(line, ':');
        if (colon != NULL) {
            *colon = '\0';
            want = strcmp(line, key) == 0;
            if (want)
                assert_int_equal(buf_append_str(&val, colon + 1 + strspn(colon + 1, " ")), 0);
        } else if (want) {
            assert_int_equal(buf_append_str(&val, line + strspn(line, " ")), 0);
        }
    }
    fclose(f);
    return (char *)buf_steal(&val, NULL);
}

#endif
