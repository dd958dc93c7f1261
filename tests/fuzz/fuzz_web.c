/* libFuzzer harness for what the web interface decodes from outside bytes: a form body from the
 * browser (web_form_parse) and Markdown another member wrote (render_markdown, cmark-gfm in safe
 * mode). A form is accepted or refused, never crashes, and what it accepts holds no NUL; rendered
 * Markdown never holds an active element or a script URL, whatever the input.
 *
 * Input: one byte picks the decoder (even: form, odd: Markdown), the rest is its input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "render.h"
#include "web_form.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_form(const char *in, size_t len)
{
    struct web_form f;
    size_t i;

    if (web_form_parse(&f, in, len) != 0) {
        if (f.n != 0)
            abort(); /* a refused form is left empty */
        return;
    }
    if (f.n > WEB_FORM_MAX_FIELDS)
        abort();
    for (i = 0; i < f.n; i++)
        if (f.names[i] == NULL || f.values[i] == NULL || web_form_get(&f, f.names[i]) == NULL)
            abort();
    web_form_free(&f);
}

/* Abort if a URL attribute's value v (its length n) would run script in a browser: a
 * javascript: or vbscript: scheme, after what browsers skip (blanks and control characters). */
static void fuzz_url(const char *v, size_t n)
{
    while (n > 0 && (unsigned char)*v <= ' ') {
        v++;
        n--;
    }
    if ((n >= 11 && strncmp(v, "javascript:", 11) == 0) ||
        (n >= 9 && strncmp(v, "vbscript:", 9) == 0))
        abort();
}

/* One tag of rendered HTML, lower-cased, from '<' to before '>': abort if it could do anything
 * (an active element, an event handler attribute, a script URL). Text is escaped, so every '<'
 * in the output opens a tag or a comment. */
static void fuzz_tag(const char *tag)
{
    static const char *const elements[] = {"script", "iframe", "object", "embed", "style", "svg",
                                           "math",   "form",   "input",  "base",  "meta",  "link",
                                           "frame",  "video",  "audio",  "button"};
    const char *p = tag + 1 + (tag[1] == '/'), *name, *val;
    size_t i, n, nlen, vlen;

    if (strncmp(tag, "<!--", 4) == 0)
        return;
    for (n = 0; p[n] >= 'a' && p[n] <= 'z'; n++)
        ;
    for (i = 0; i < sizeof(elements) / sizeof(elements[0]); i++)
        if (strlen(elements[i]) == n && strncmp(p, elements[i], n) == 0)
            abort();
    for (p += n; *p != '\0';) { /* attributes: name, or name="value" */
        while (*p == ' ' || *p == '/' || *p == '\n')
            p++;
        name = p;
        while (*p != '\0' && *p != '=' && *p != ' ' && *p != '/' && *p != '\n')
            p++;
        nlen = (size_t)(p - name);
        if (nlen == 0 && *p != '=')
            break;
        if (nlen > 2 && strncmp(name, "on", 2) == 0)
            abort(); /* an event handler */
        if (*p != '=')
            continue;
        if (*++p != '"')
            abort(); /* renderers quote every value */
        val = ++p;
        while (*p != '\0' && *p != '"')
            p++;
        if (*p != '"')
            abort();
        vlen = (size_t)(p++ - val);
        if ((nlen == 4 && strncmp(name, "href", 4) == 0) ||
            (nlen == 3 && strncmp(name, "src", 3) == 0))
            fuzz_url(val, vlen);
    }
}

static void fuzz_markdown(const char *in)
{
    struct buf b;
    char *low, *tag, *end;
    size_t i;

    buf_init(&b, 4u * 1024 * 1024);
    if (render_markdown(&b, in) == 0 && b.len > 0) {
        low = xmalloc(b.len + 1);
        for (i = 0; i < b.len; i++)
            low[i] = (char)((b.data[i] >= 'A' && b.data[i] <= 'Z') ? b.data[i] + 32 : b.data[i]);
        low[b.len] = '\0';
        for (tag = strchr(low, '<'); tag != NULL; tag = strchr(end, '<')) {
            end = strchr(tag, '>');
            if (end == NULL)
                abort(); /* a tag left open */
            *end++ = '\0';
            fuzz_tag(tag);
        }
        free(low);
    }
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in;

    if (size == 0)
        return 0;
    /* Each input in its own allocation, NUL-terminated for the Markdown side. */
    in = xmalloc(size);
    memcpy(in, data + 1, size - 1);
    in[size - 1] = '\0';
    if (data[0] % 2 == 0)
        fuzz_form(in, size - 1);
    else if (memchr(in, '\0', size - 1) == NULL)
        fuzz_markdown(in);
    free(in);
    return 0;
}
