#include "text.h"

#include <string.h>

int text_valid(const uint8_t *s, size_t n, int multiline)
{
    size_t i = 0;
    uint32_t cp;
    size_t need, k;

    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            if (c == 0x7f || (c < 0x20 && !(multiline && (c == '\t' || c == '\n' || c == '\r'))))
                return 0;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i <= need)
            return 0;
        for (k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
            return 0;
        i += need + 1;
    }
    return 1;
}

int text_tag_valid(const char *s, size_t n, size_t max)
{
    size_t i;

    if (n == 0 || n > max)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || strchr(".+#_-", c) == NULL || c == '\0'))
            return 0;
    }
    return 1;
}

void text_sanitize_term(FILE *f, const char *s, int flags, const char *indent)
{
    const unsigned char *p = (const unsigned char *)s;
    const size_t on = strlen(TEXT_TERM_BOLD_ON), off = strlen(TEXT_TERM_BOLD_OFF);

    while (*p != '\0') {
        if ((flags & TEXT_TERM_BOLD) && strncmp((const char *)p, TEXT_TERM_BOLD_ON, on) == 0) {
            fputs(TEXT_TERM_BOLD_ON, f);
            p += on;
            continue;
        }
        if ((flags & TEXT_TERM_BOLD) && strncmp((const char *)p, TEXT_TERM_BOLD_OFF, off) == 0) {
            fputs(TEXT_TERM_BOLD_OFF, f);
            p += off;
            continue;
        }
        if ((flags & TEXT_TERM_STRICT) && (*p == '\n' || *p == '\t' || *p == '\r')) {
            fputc('?', f);
            p++;
        } else if (*p == '\n') {
            if (flags & TEXT_TERM_ONE_LINE) {
                fputc(' ', f);
            } else {
                fputc('\n', f);
                if (indent != NULL && p[1] != '\0' && p[1] != '\n')
                    fputs(indent, f);
            }
            p++;
        } else if (*p == '\t') {
            fputc((flags & TEXT_TERM_ONE_LINE) ? ' ' : '\t', f);
            p++;
        } else if (*p == '\r') {
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            fputc('?', f);
            p++;
        } else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            fputc('?', f); /* C1 control, U+0080..U+009F */
            p += 2;
        } else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) {
            fputc('?', f); /* U+202A..U+202E */
            p += 3;
        } else if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9) {
            fputc('?', f); /* U+2066..U+2069 */
            p += 3;
        } else {
            fputc(*p, f);
            p++;
        }
    }
}
