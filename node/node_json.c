/* node_json: the small JSON values every reply is built from (hex, times, {"ok": true}), and the
 * one mapping from replica lookups to API error codes. */
#include "node_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hex.h"

json_t *node_json_hex(const uint8_t *p, size_t n)
{
    char hex[2 * ENTRY_SIG_LEN + 1];

    hex_encode(p, n, hex);
    return json_string(hex);
}

json_t *node_json_time(uint64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char s[64];

    gmtime_r(&secs, &tm);
    snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
    return json_string(s);
}

json_t *node_json_ok(void)
{
    json_t *o = json_object();

    json_object_set_new(o, "ok", json_true());
    return o;
}

int node_json_cmp_by(json_t *x, json_t *y, const char *field)
{
    json_int_t ax = json_integer_value(json_object_get(x, field));
    json_int_t ay = json_integer_value(json_object_get(y, field));
    const char *ix = json_string_value(json_object_get(x, "id"));
    const char *iy = json_string_value(json_object_get(y, "id"));

    if (ax != ay)
        return ax < ay ? -1 : 1;
    return strcmp(ix != NULL ? ix : "", iy != NULL ? iy : "");
}

const char *node_json_lookup_code(enum replica_lookup l)
{
    switch (l) {
    case REPLICA_FOUND:
        return NULL;
    case REPLICA_NOT_FOUND:
        return "not_found";
    case REPLICA_AMBIGUOUS:
        return "ambiguous";
    case REPLICA_CORRUPT:
        return "corrupt";
    default:
        return "internal";
    }
}

static int node_json_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

json_t *node_json_median(double *v, size_t n)
{
    if (n == 0)
        return json_null();
    qsort(v, n, sizeof(*v), node_json_cmp_double);
    return json_real(n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}
