#include "text.h"

#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "errmsg.h"
#include "xmalloc.h"

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

/* Scratch for a tag's forms: enough for any tag of a sane limit, libunistring allocates beyond. */
#define TEXT_TAG_SCRATCH 512
/* Input longer than this many times the limit is too long whatever it is: no character's normal
 * form is a quarter of its bytes (U+212A KELVIN SIGN, 3 bytes, becomes 'k'; a decomposed Hangul
 * syllable, 9 bytes, becomes 3). */
#define TEXT_TAG_SHRINK 8

static int text_is_ascii(const uint8_t *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] >= 0x80)
            return 0;
    return 1;
}

/* Unicode white space around s[0..*n) trimmed, then one leading '#' dropped. */
static void text_tag_trim(const uint8_t **s, size_t *n)
{
    ucs4_t uc;
    const uint8_t *prev;
    int k;

    while (*n > 0) {
        k = u8_mbtouc(&uc, *s, *n);
        if (!uc_is_property_white_space(uc))
            break;
        *s += k;
        *n -= (size_t)k;
    }
    while (*n > 0) {
        prev = u8_prev(&uc, *s + *n, *s);
        if (prev == NULL || !uc_is_property_white_space(uc))
            break;
        *n = (size_t)(prev - *s);
    }
    if (*n > 0 && **s == '#') {
        (*s)++;
        (*n)--;
    }
}

/* 0 if the normal form t[0..n) holds only what a tag may, else -1 with err naming the first
 * character that is not allowed. */
static int text_tag_chars(const uint8_t *t, size_t n, char *err, size_t errlen)
{
    size_t i = 0;
    ucs4_t uc;
    int k;

    while (i < n) {
        k = u8_mbtouc(&uc, t + i, n - i);
        if (uc_is_general_category(uc, UC_LETTER) ||
            uc_is_general_category(uc, UC_DECIMAL_DIGIT_NUMBER) ||
            (i > 0 && (uc_is_general_category(uc, UC_MARK) ||
                       (uc < 0x80 && strchr(".+#_-", (int)uc) != NULL && uc != 0)))) {
            i += (size_t)k;
            continue;
        }
        if (uc_is_property_white_space(uc))
            errmsg_set(err, errlen, "a tag cannot hold spaces");
        else if (uc < 0x20 || (uc >= 0x7f && uc <= 0x9f))
            errmsg_set(err, errlen, "a tag cannot hold control characters");
        else if (i == 0)
            errmsg_set(err, errlen, "a tag begins with a letter or a digit, not '%.*s' (U+%04X)", k,
                       (const char *)t + i, (unsigned)uc);
        else
            errmsg_set(err, errlen, "a tag cannot hold '%.*s' (U+%04X)", k, (const char *)t + i,
                       (unsigned)uc);
        return -1;
    }
    return 0;
}

int text_tag_norm(const char *s, size_t n, char *out, size_t max, char *err, size_t errlen)
{
    const uint8_t *u = (const uint8_t *)s;
    uint8_t nfcbuf[TEXT_TAG_SCRATCH], lowbuf[TEXT_TAG_SCRATCH];
    uint8_t *nfc = NULL, *low = NULL;
    size_t nfclen = sizeof(nfcbuf), lowlen = sizeof(lowbuf), i;
    int rc = -1;

    out[0] = '\0';
    /* Tabs and newlines pass here only to be trimmed (or refused inside). */
    if (!text_valid(u, n, 1)) {
        errmsg_set(err, errlen, "a tag must be UTF-8 text without control characters");
        goto out;
    }
    text_tag_trim(&u, &n);
    if (n == 0) {
        errmsg_set(err, errlen, "a tag cannot be empty");
        goto out;
    }
    if (n > TEXT_TAG_SHRINK * max) {
        errmsg_set(err, errlen, "a tag is at most %zu bytes", max);
        goto out;
    }
    if (text_is_ascii(u, n)) {
        /* ASCII is its own NFC, and its Unicode lower case is the ASCII one. */
        low = lowbuf;
        for (i = 0; i < n; i++)
            low[i] = (uint8_t)(u[i] >= 'A' && u[i] <= 'Z' ? u[i] - 'A' + 'a' : u[i]);
        lowlen = n;
    } else {
        nfc = u8_normalize(UNINORM_NFC, u, n, nfcbuf, &nfclen);
        if (nfc != NULL)
            low = u8_tolower(nfc, nfclen, NULL, UNINORM_NFC, lowbuf, &lowlen);
        if (low == NULL) {
            errmsg_set(err, errlen, "the tag cannot be normalised");
            goto out;
        }
    }
    if (lowlen > max) {
        errmsg_set(err, errlen, "a tag is at most %zu bytes (this one is %zu in its normal form)",
                   max, lowlen);
        goto out;
    }
    if (text_tag_chars(low, lowlen, err, errlen) != 0)
        goto out;
    memcpy(out, low, lowlen);
    out[lowlen] = '\0';
    rc = 0;
out:
    if (nfc != NULL && nfc != nfcbuf)
        free(nfc);
    if (low != NULL && low != lowbuf)
        free(low);
    return rc;
}

int text_tag_valid(const char *s, size_t n, size_t max)
{
    char stackbuf[TEXT_TAG_SCRATCH], *norm = stackbuf;
    int ok;

    if (n == 0 || n > max)
        return 0;
    if (max >= sizeof(stackbuf))
        norm = xmalloc(max + 1);
    ok = text_tag_norm(s, n, norm, max, NULL, 0) == 0 && strlen(norm) == n &&
         memcmp(norm, s, n) == 0;
    if (norm != stackbuf)
        free(norm);
    return ok;
}

size_t text_word_char(const char *s, size_t n, int *digit)
{
    ucs4_t uc;
    int k;

    if (digit != NULL)
        *digit = 0;
    if (n == 0)
        return 0;
    k = u8_mbtoucr(&uc, (const uint8_t *)s, n);
    if (k <= 0)
        return 0;
    if (uc_is_general_category(uc, UC_DECIMAL_DIGIT_NUMBER)) {
        if (digit != NULL)
            *digit = 1;
        return (size_t)k;
    }
    if (uc_is_general_category(uc, UC_LETTER) || uc_is_general_category(uc, UC_MARK))
        return (size_t)k;
    return 0;
}

int text_prefix_len(const char *s, int max)
{
    int n = 0;

    while (n < max && s[n] != '\0')
        n++;
    if (n == max && s[n] != '\0')
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    return n;
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
