#include "render.h"

#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>

int render_escape_n(struct buf *b, const char *s, size_t len)
{
    size_t i, run = 0;
    const char *rep;

    for (i = 0; i < len; i++) {
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        if (buf_append(b, s + run, i - run) != 0 || buf_append_str(b, rep) != 0)
            return -1;
        run = i + 1;
    }
    return buf_append(b, s + run, len - run);
}

int render_escape(struct buf *b, const char *s)
{
    return s == NULL ? 0 : render_escape_n(b, s, strlen(s));
}

int render_escape_marked(struct buf *b, const char *s, char open, char close)
{
    const char *p = s, *q;

    if (s == NULL)
        return 0;
    for (;;) {
        q = p + strcspn(p, (char[]){open, close, '\0'});
        if (render_escape_n(b, p, (size_t)(q - p)) != 0)
            return -1;
        if (*q == '\0')
            return 0;
        if (buf_append_str(b, *q == open ? "<mark>" : "</mark>") != 0)
            return -1;
        p = q + 1;
    }
}

int render_markdown(struct buf *b, const char *md)
{
    char *html;
    int rc;

    if (md == NULL)
        return 0;
    /* CMARK_OPT_DEFAULT is safe since cmark 0.29 (CMARK_OPT_UNSAFE would let raw HTML through);
     * CMARK_OPT_SAFE is named for old versions, where it was the switch. */
    html = cmark_markdown_to_html(md, strlen(md), CMARK_OPT_DEFAULT | CMARK_OPT_SAFE);
    if (html == NULL)
        return -1;
    rc = buf_append_str(b, html);
    free(html); /* cmark allocates with malloc */
    return rc;
}
