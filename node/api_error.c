/* api_error: the local API's error reply (docs/API.md, "Errors"). */
#include "api_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "xmalloc.h"

/* Replace control characters and non-ASCII bytes, so text echoed from a request is safe in a log
 * line and is valid UTF-8. */
void api_error_sanitize(char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            *s = '?';
    }
}

json_t *api_error(const char *code, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    int n;
    json_t *obj = NULL, *jmsg;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        goto out;
    msg = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
    jmsg = json_string(msg);
    if (jmsg == NULL) {
        /* Not valid UTF-8 (it quoted raw input): keep the ASCII part. */
        api_error_sanitize(msg);
        jmsg = json_string(msg);
    }
    free(msg);
    obj = json_object();
    if (obj == NULL || jmsg == NULL || json_object_set_new(obj, "ok", json_false()) != 0 ||
        json_object_set_new(obj, "error", jmsg) != 0 ||
        json_object_set_new(obj, "code", json_string(code)) != 0) {
        if (obj == NULL)
            json_decref(jmsg);
        json_decref(obj);
        obj = NULL;
    }
out:
    return obj;
}
