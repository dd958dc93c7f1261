/* libFuzzer harness for the entry decoder: any bytes must decode or be rejected, never crash;
 * whatever decodes must re-encode to the very same bytes (one byte form per entry). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "kinds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    struct entry *e = entry_decode(data, size, err, sizeof(err));
    size_t len, i;

    if (e == NULL)
        return 0;
    /* Touch every accessor, and check what the decoder promises. */
    if (entry_bytes(e, &len) == NULL || len != size || memcmp(entry_bytes(e, NULL), data, size))
        abort();
    for (i = 0; i < entry_ntags(e); i++)
        if (!entry_tag_valid(entry_tag(e, i)))
            abort();
    for (i = 0; i < entry_nattrs(e); i++)
        if (entry_attr_get(e, entry_attr_key(e, i)) != entry_attr_value(e, i))
            abort();
    if (strlen(entry_body(e)) != entry_body_len(e) || strlen(entry_title(e)) > ENTRY_TITLE_MAX)
        abort();
    (void)kinds_verify(e, err, sizeof(err));
    entry_destroy(&e);
    return 0;
}
