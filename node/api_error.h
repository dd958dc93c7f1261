/* api_error: the local API's error reply (docs/API.md, "Errors"), shared by the ops and the
 * socket transport. */
#ifndef LORE_API_ERROR_H
#define LORE_API_ERROR_H

#include <jansson.h>

/* Build {"ok":false,"error":message,"code":code}. code is a short machine-readable word. Returns
 * a new reference, or NULL if out of memory. Bytes of the message that are not valid UTF-8 make it
 * fall back to ASCII with '?' for the rest. */
json_t *api_error(const char *code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Replace control characters and non-ASCII bytes in s (in place), so text echoed from a request
 * is safe in a log line and is valid UTF-8. */
void api_error_sanitize(char *s);

#endif
