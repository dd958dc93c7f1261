#include "web_form.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "xmalloc.h"

/* Decode s[0..len) into a new string; NULL on a bad escape or a NUL byte. */
static char *web_form_decode(const char *s, size_t len)
{
    char *out = xmalloc(len + 1);
    size_t i, o = 0;
    int hi, lo;

    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (len - i < 3)
                goto bad;
            hi = hex_digit(s[i + 1]);
            lo = hex_digit(s[i + 2]);
            if (hi < 0 || lo < 0)
                goto bad;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0')
            goto bad;
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

int web_form_parse(struct web_form *f, const char *body, size_t len)
{
    const char *p = body, *end = body + len, *amp, *eq;

    memset(f, 0, sizeof(*f));
    while (p < end) {
        amp = memchr(p, '&', (size_t)(end - p));
        if (amp == NULL)
            amp = end;
        if (amp != p) {
            if (f->n == WEB_FORM_MAX_FIELDS)
                goto bad;
            eq = memchr(p, '=', (size_t)(amp - p));
            if (eq == NULL)
                eq = amp;
            f->names[f->n] = web_form_decode(p, (size_t)(eq - p));
            f->values[f->n] =
                web_form_decode(eq < amp ? eq + 1 : amp, eq < amp ? (size_t)(amp - eq - 1) : 0);
            f->n++;
            if (f->names[f->n - 1] == NULL || f->values[f->n - 1] == NULL)
                goto bad;
        }
        p = amp + 1;
    }
    return 0;
bad:
    web_form_free(f);
    return -1;
}

const char *web_form_get(const struct web_form *f, const char *name)
{
    size_t i;

    for (i = 0; i < f->n; i++)
        if (strcmp(f->names[i], name) == 0)
            return f->values[i];
    return NULL;
}

void web_form_free(struct web_form *f)
{
    size_t i;

    for (i = 0; i < f->n; i++) {
        xfree_wiped(f->names[i]);
        xfree_wiped(f->values[i]);
    }
    memset(f, 0, sizeof(*f));
}
