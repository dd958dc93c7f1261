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
