/*
 * libFuzzer harness for api_parse_request: the decoder of every line a local client sends.
 * Anything may come in; nothing may crash, leak or trip a sanitizer, and a result must be an
 * object with a non-empty string "op".
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    json_t *req, *op;

    err[0] = '\0';
    req = api_parse_request((const char *)data, size, err, sizeof(err));
    if (req == NULL) {
        /* The message must be a terminated string. */
        if (memchr(err, '\0', sizeof(err)) == NULL)
            abort();
        return 0;
    }
    op = json_object_get(req, "op");
    if (!json_is_object(req) || !json_is_string(op) || json_string_length(op) == 0)
        abort();
    json_decref(req);
    return 0;
}
