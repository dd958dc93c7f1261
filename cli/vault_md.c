/* vault_md: what a Markdown file of a vault says (see vault_md.h). Pure: no I/O, no node. */
#include "vault_md.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "hex.h"
#include "text.h"
#include "xmalloc.h"

static void vault_md_warn(struct vault_md_doc *doc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Note something about the file a person should know (one line, kept in doc->warnings). */
static void vault_md_warn(struct vault_md_doc *doc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_array_append_new(doc->warnings, vault_md_json_lossy(msg, strlen(msg)));
}

/* Lore's text and tag rules (common/text.h), as the node applies them. */
static int vault_text_valid(const char *str, size_t n, int multiline)
{
    return text_valid((const uint8_t *)str, n, multiline);
}

/* Normalise what a person or a vault calls a tag to lore's form (text_tag_norm: trimmed, one
 * leading '#' dropped, NFC, Unicode lower case), with '/' (Obsidian's nested tags,
 * "project/infra") turned into '-' first. Writes it to out (ENTRY_TAG_MAX + 1 bytes). Returns 0,
 * or -1 with err (may be NULL) saying why it is still not a valid tag. */
static int vault_tag_norm(const char *s, size_t n, char out[ENTRY_TAG_MAX + 1], char *err,
                          size_t errlen)
{
    char *t = xmalloc(n + 1);
    size_t k;
    int rc;

    for (k = 0; k < n; k++)
        t[k] = s[k] == '/' ? '-' : s[k];
    t[n] = '\0';
    rc = text_tag_norm(t, n, out, ENTRY_TAG_MAX, err, errlen);
    free(t);
    return rc;
}

int vault_md_tag_normalise(const char *s, size_t n, char out[ENTRY_TAG_MAX + 1])
{
    return vault_tag_norm(s, n, out, NULL, 0);
}

/* A 64-hex-digit id (what the API always sends for ids). */
bool vault_md_is_id(const char *s)
{
    return s != NULL && strlen(s) == 64 && hex_is_hex(s);
}

/* A JSON string of s with every byte that is not valid text shown as '?': paths and tags from a
 * vault may be anything, but the summary must still be JSON. */
json_t *vault_md_json_lossy(const char *s, size_t n)
{
    char *t = xmalloc(n + 1); /* not xstrndup: a NUL in s is shown as '?' too */
    size_t i, k;
    json_t *v;

    memcpy(t, s, n);
    t[n] = '\0';
    for (i = 0; i < n; i += k) {
        /* The longest valid prefix of one character: 1 to 4 bytes. */
        for (k = 1; k <= 4 && i + k <= n; k++)
            if (vault_text_valid(t + i, k, 0))
                break;
        if (k > 4 || i + k > n) {
            t[i] = '?';
            k = 1;
        }
    }
    v = json_string(t);
    free(t);
    return v != NULL ? v : json_string("?");
}

bool vault_md_has_tag(json_t *tags, const char *tag)
{
    json_t *v;
    size_t i;

    json_array_foreach(tags, i, v)
    {
        if (strcmp(json_string_value(v), tag) == 0)
            return true;
    }
    return false;
}

/* Add a tag (raw, from the front matter or the text) to doc, normalised; a warning if dropped. */
static void vault_doc_tag(struct vault_md_doc *doc, const char *raw, size_t n)
{
    char tag[ENTRY_TAG_MAX + 1], why[256];
    json_t *shown;

    if (vault_tag_norm(raw, n, tag, why, sizeof(why)) != 0) {
        shown = vault_md_json_lossy(raw, n > 64 ? 64 : n);
        vault_md_warn(doc, "'%s' is not a valid lore tag: %s (" TEXT_TAG_RULE "): dropped",
                      json_string_value(shown), why);
        json_decref(shown);
        return;
    }
    if (vault_md_has_tag(doc->tags, tag))
        return;
    if (json_array_size(doc->tags) >= ENTRY_MAX_TAGS) {
        if (doc->dropped++ == 0)
            memcpy(doc->first_dropped, tag, sizeof(tag));
        return;
    }
    json_array_append_new(doc->tags, json_string(tag));
}

/* The next line of [*p, end): *line and *n without the newline (and a CR before it). Returns false
 * at the end. */
static bool vault_next_line(const char **p, const char *end, const char **line, size_t *n)
{
    const char *nl;

    if (*p >= end)
        return false;
    *line = *p;
    nl = memchr(*p, '\n', (size_t)(end - *p));
    if (nl == NULL) {
        *n = (size_t)(end - *p);
        *p = end;
    } else {
        *n = (size_t)(nl - *p);
        *p = nl + 1;
    }
    if (*n > 0 && (*line)[*n - 1] == '\r')
        (*n)--;
    return true;
}

static void vault_trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* Parse k hex digits at s into *v. Returns 0, or -1. */
static int vault_hexn(const char *s, size_t avail, size_t k, uint32_t *v)
{
    size_t i;
    int h;

    if (avail < k)
        return -1;
    for (*v = 0, i = 0; i < k; i++) {
        h = hex_digit(s[i]);
        if (h < 0)
            return -1;
        *v = *v << 4 | (uint32_t)h;
    }
    return 0;
}

static int vault_put_utf8(struct buf *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;

    if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return -1;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xc0 | cp >> 6);
        u[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xe0 | cp >> 12);
        u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        u[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xf0 | cp >> 18);
        u[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
        u[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        u[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return buf_append(b, u, n);
}

/* One YAML scalar at [s, s+n): "double-quoted" (JSON-style escapes), 'single-quoted', or plain
 * (up to a " #" comment). *used (OUT, may be NULL) is how many bytes it took. Returns a new string,
 * or NULL if it is malformed or not one line of text. */
static char *vault_yaml_scalar(const char *s, size_t n, size_t *used)
{
    struct buf b;
    char *out = NULL;
    size_t i = 1;
    uint32_t cp, lo;
    bool closed = false;

    buf_init(&b, 64 * 1024);
    if (n > 0 && s[0] == '"') {
        while (i < n && !closed) {
            char c = s[i++];
            if (c == '"') {
                closed = true;
            } else if (c != '\\') {
                if (buf_append(&b, &c, 1) != 0)
                    goto out;
            } else if (i >= n) {
                goto out;
            } else {
                c = s[i++];
                switch (c) {
                case 'n':
                    c = '\n';
                    break;
                case 't':
                    c = '\t';
                    break;
                case 'r':
                    c = '\r';
                    break;
                case 'u':
                case 'x':
                    if (vault_hexn(s + i, n - i, c == 'u' ? 4 : 2, &cp) != 0)
                        goto out;
                    i += c == 'u' ? 4 : 2;
                    if (cp >= 0xd800 && cp <= 0xdbff && n - i >= 6 && s[i] == '\\' &&
                        s[i + 1] == 'u' && vault_hexn(s + i + 2, n - i - 2, 4, &lo) == 0 &&
                        lo >= 0xdc00 && lo <= 0xdfff) {
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        i += 6;
                    }
                    if (vault_put_utf8(&b, cp) != 0)
                        goto out;
                    continue;
                default:
                    break; /* \" \\ \/ and anything else: the character itself */
                }
                if (buf_append(&b, &c, 1) != 0)
                    goto out;
            }
        }
        if (!closed)
            goto out;
    } else if (n > 0 && s[0] == '\'') {
        while (i < n && !closed) {
            if (s[i] == '\'' && i + 1 < n && s[i + 1] == '\'') {
                i += 2;
                if (buf_append(&b, "'", 1) != 0)
                    goto out;
            } else if (s[i] == '\'') {
                i++;
                closed = true;
            } else if (buf_append(&b, s + i++, 1) != 0) {
                goto out;
            }
        }
        if (!closed)
            goto out;
    } else {
        for (i = 0; i < n; i++)
            if (s[i] == '#' && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
                break;
        if (buf_append(&b, s, i) != 0)
            goto out;
        while (b.len > 0 && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t'))
            b.len--;
    }
    if (used != NULL)
        *used = i;
    if (!vault_text_valid(b.data != NULL ? (const char *)b.data : "", b.len, 0))
        goto out;
    out = xstrndup(b.data != NULL ? (const char *)b.data : "", b.len);
out:
    buf_free(&b);
    return out;
}

/* The tags of a "tags:" value: [a, "b"], a quoted scalar, or plain words split at commas and
 * spaces (Obsidian's older "tags: a, b"). */
static void vault_fm_tags(struct vault_md_doc *doc, const char *v, size_t n)
{
    size_t i = 1, used, k;
    char *item;

    if (n > 0 && v[0] == '[') {
        while (i < n) {
            while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
                i++;
            if (i >= n || v[i] == ']')
                break;
            if (v[i] == '"' || v[i] == '\'') {
                item = vault_yaml_scalar(v + i, n - i, &used);
                if (item == NULL) {
                    vault_md_warn(doc, "the tags list is malformed: the rest of it is ignored");
                    return;
                }
                vault_doc_tag(doc, item, strlen(item));
                free(item);
                i += used;
            } else {
                for (k = i; k < n && v[k] != ',' && v[k] != ']'; k++)
                    ;
                used = k - i;
                while (used > 0 && (v[i + used - 1] == ' ' || v[i + used - 1] == '\t'))
                    used--;
                vault_doc_tag(doc, v + i, used);
                i = k;
            }
        }
        return;
    }
    if (n > 0 && (v[0] == '"' || v[0] == '\'')) {
        item = vault_yaml_scalar(v, n, NULL);
        if (item != NULL)
            vault_doc_tag(doc, item, strlen(item));
        else
            vault_md_warn(doc, "the tags value is malformed: ignored");
        free(item);
        return;
    }
    for (i = 0; i < n; i = k) {
        if (v[i] == '#' && i > 0 && (v[i - 1] == ' ' || v[i - 1] == '\t'))
            break; /* a comment */
        for (k = i; k < n && v[k] != ',' && v[k] != ' ' && v[k] != '\t'; k++)
            ;
        if (k > i)
            vault_doc_tag(doc, v + i, k - i);
        if (k < n)
            k++;
    }
}

/* n digits at s as a number, or -1. */
static int vault_digits(const char *s, int n)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = 10 * v + (s[i] - '0');
    }
    return v;
}

int vault_md_date(const char *s, uint64_t *ms)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h = 12, mi = 0, sec = 0, zh = 0, zm = 0, sign = 0;
    struct tm tm;
    time_t t;

    /* Every read is checked before the next: vault_digits stops at the NUL, so s never runs past
     * it. */
    if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return -1;
    y = vault_digits(s, 4);
    mo = vault_digits(s + 5, 2);
    d = vault_digits(s + 8, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
        return -1;
    s += 10;
    if (*s == 'T' || *s == 't' || (*s == ' ' && s[1] >= '0' && s[1] <= '9')) {
        h = vault_digits(s + 1, 2);
        if (h < 0 || h > 23 || s[3] != ':')
            return -1;
        mi = vault_digits(s + 4, 2);
        if (mi < 0 || mi > 59)
            return -1;
        s += 6;
        if (*s == ':') {
            sec = vault_digits(s + 1, 2);
            if (sec < 0 || sec > 60)
                return -1;
            s += 3;
            if (*s == '.' || *s == ',')
                for (s++; *s >= '0' && *s <= '9'; s++)
                    ; /* fractions of a second: dropped */
        }
        while (*s == ' ')
            s++;
        if (*s == 'Z' || *s == 'z') {
            s++;
        } else if (*s == '+' || *s == '-') {
            sign = *s == '-' ? -1 : 1;
            zh = vault_digits(s + 1, 2);
            if (zh < 0 || zh > 14)
                return -1;
            s += 3;
            if (*s == ':')
                s++;
            if (*s != '\0') {
                zm = vault_digits(s, 2);
                if (zm < 0 || zm > 59)
                    return -1;
                s += 2;
            }
        }
    }
    if (*s != '\0')
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec > 59 ? 59 : sec;
    t = timegm(&tm) - (time_t)sign * (zh * 3600 + zm * 60);
    if (t < 0)
        return -1;
    *ms = (uint64_t)t * 1000;
    return 0;
}

/* The front matter's date (or created, as lore export writes it): the note's creation time. */
static void vault_fm_date(struct vault_md_doc *doc, const char *key, const char *v, size_t vn)
{
    char *text = vault_yaml_scalar(v, vn, NULL);
    uint64_t ms;

    doc->created_ms = 0;
    if (text == NULL || vault_md_date(text, &ms) != 0)
        vault_md_warn(doc,
                      "the front matter's %s '%.40s' is not a date (YYYY-MM-DD, or with a time "
                      "THH:MM[:SS] and a zone Z or +HH:MM): the note is dated now",
                      key, text != NULL ? text : "?");
    else if (ms < ENTRY_MIN_TIME_MS)
        vault_md_warn(doc,
                      "the front matter's %s %.40s is before 2020, the earliest time lore dates "
                      "an entry: the note is dated now",
                      key, text);
    else
        doc->created_ms = ms;
    free(text);
}

/* 1 if the line [s, s+n) closes front matter: "---" or "..." and nothing else but spaces. */
static int vault_fm_end(const char *s, size_t n)
{
    vault_trim(&s, &n);
    return n == 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0);
}

/* Read the YAML front matter at the start of [text, end), if any: title, tags, and the id of a
 * file lore export wrote. Sets *body_start past it. Keys are matched without regard to case. */
static void vault_front(struct vault_md_doc *doc, const char *text, const char *end,
                        const char **body_start)
{
    const char *p = text, *line, *close = NULL, *v, *q;
    size_t n, vn;
    char key[16];
    bool in_tags = false;
    char *s;

    *body_start = text;
    if (!vault_next_line(&p, end, &line, &n) || !(n == 3 && memcmp(line, "---", 3) == 0))
        return;
    for (q = p; vault_next_line(&q, end, &line, &n);) {
        if (vault_fm_end(line, n)) {
            close = line;
            *body_start = q;
            break;
        }
    }
    if (close == NULL)
        return; /* no closing line: it was a horizontal rule, not front matter */
    while (p < close && vault_next_line(&p, close, &line, &n)) {
        if (n == 0 || line[0] == '#')
            continue;
        if (line[0] == ' ' || line[0] == '\t' || line[0] == '-') {
            v = line;
            vn = n;
            vault_trim(&v, &vn);
            if (in_tags && vn > 0 && v[0] == '-' && (vn == 1 || v[1] == ' ' || v[1] == '\t')) {
                v++;
                vn--;
                vault_trim(&v, &vn);
                if (vn > 0 && (v[0] == '"' || v[0] == '\'')) {
                    s = vault_yaml_scalar(v, vn, NULL);
                    if (s != NULL)
                        vault_doc_tag(doc, s, strlen(s));
                    free(s);
                } else if (vn > 0) {
                    s = vault_yaml_scalar(v, vn, NULL); /* drops a comment */
                    if (s != NULL && s[0] != '\0')
                        vault_doc_tag(doc, s, strlen(s));
                    free(s);
                }
            }
            continue;
        }
        in_tags = false;
        v = memchr(line, ':', n);
        if (v == NULL || (size_t)(v - line) >= sizeof(key))
            continue;
        memcpy(key, line, (size_t)(v - line));
        key[v - line] = '\0';
        vn = n - (size_t)(v - line) - 1;
        v++;
        vault_trim(&v, &vn);
        if (strcasecmp(key, "tags") == 0 || strcasecmp(key, "tag") == 0) {
            if (vn == 0)
                in_tags = true;
            else
                vault_fm_tags(doc, v, vn);
        } else if (strcasecmp(key, "title") == 0 && vn > 0 && v[0] != '|' && v[0] != '>') {
            free(doc->title);
            doc->title = vault_yaml_scalar(v, vn, NULL);
            if (doc->title == NULL)
                vault_md_warn(doc, "the front matter's title is not one line of text: ignored");
        } else if ((strcasecmp(key, "date") == 0 || strcasecmp(key, "created") == 0) && vn > 0) {
            vault_fm_date(doc, key, v, vn);
        } else if (strcasecmp(key, "id") == 0 && vn > 0) {
            free(doc->export_id);
            doc->export_id = vault_yaml_scalar(v, vn, NULL);
            if (doc->export_id != NULL && !vault_md_is_id(doc->export_id)) {
                free(doc->export_id);
                doc->export_id = NULL;
            }
        }
    }
}

/* A line that opens or closes a fenced code block: up to 3 spaces, then ``` or ~~~. */
static int vault_is_fence(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && i < 3 && s[i] == ' ')
        i++;
    return n - i >= 3 && (memcmp(s + i, "```", 3) == 0 || memcmp(s + i, "~~~", 3) == 0);
}

/* At line[*i] == '`': move *i to the backtick closing the inline code span. Returns 0, or -1 if
 * nothing closes it (the rest of the line is code). */
static int vault_code_span(const char *line, size_t n, size_t *i)
{
    const char *tick = memchr(line + *i + 1, '`', n - *i - 1);

    if (tick == NULL)
        return -1;
    *i = (size_t)(tick - line);
    return 0;
}

/* Obsidian's inline tags in the text ("#vpn", "#project/infra", "#태그"): a '#' at the start of a
 * line or after a space, then letters and digits of any script (with their combining marks), '_',
 * '-' and '/', not all digits. Code is passed over. */
static void vault_inline_tags(struct vault_md_doc *doc)
{
    const char *p = doc->body, *end = doc->body + doc->body_len, *line;
    bool fenced = false, digits;
    size_t n, i, k, w;

    while (vault_next_line(&p, end, &line, &n)) {
        if (vault_is_fence(line, n)) {
            fenced = !fenced;
            continue;
        }
        if (fenced)
            continue;
        for (i = 0; i < n; i++) {
            if (line[i] == '`') {
                if (vault_code_span(line, n, &i) != 0)
                    break;
                continue;
            }
            if (line[i] != '#' || (i > 0 && line[i - 1] != ' ' && line[i - 1] != '\t'))
                continue;
            digits = true;
            for (k = i + 1; k < n; k += w) {
                unsigned char c = (unsigned char)line[k];
                int digit = c >= '0' && c <= '9';
                w = c >= 0x80 ? text_word_char(line + k, n - k, &digit) : 1;
                if (w == 0 ||
                    (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                   (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '/')))
                    break;
                if (!digit)
                    digits = false;
            }
            if (k > i + 1 && !digits)
                vault_doc_tag(doc, line + i + 1, k - i - 1);
            i = k - 1;
        }
    }
}

/* Obsidian's embeds ("![[plan.png]]", "![[Other note#Part|alias]]") outside code: lore keeps
 * the text only, so the embedded file or note is not imported; one warning names them. */
static void vault_embeds(struct vault_md_doc *doc)
{
    const char *p = doc->body, *end = doc->body + doc->body_len, *line, *close;
    bool fenced = false;
    size_t n, i, count = 0;
    struct buf names;

    buf_init(&names, 200);
    while (vault_next_line(&p, end, &line, &n)) {
        if (vault_is_fence(line, n)) {
            fenced = !fenced;
            continue;
        }
        for (i = 0; !fenced && i + 3 < n; i++) {
            if (line[i] == '`') {
                if (vault_code_span(line, n, &i) != 0)
                    break;
                continue;
            }
            if (memcmp(line + i, "![[", 3) != 0)
                continue;
            for (close = line + i + 3; close + 1 < line + n && memcmp(close, "]]", 2) != 0; close++)
                ;
            if (close + 1 >= line + n)
                break; /* not closed on this line */
            if (count++ < 3 &&
                buf_printf(&names, "%s![[%.*s]]", count > 1 ? ", " : "",
                           (int)(close - line - i - 3 > 60 ? 60 : close - line - i - 3),
                           line + i + 3) != 0)
                break;
            i = (size_t)(close - line) + 1;
        }
    }
    if (count > 0)
        vault_md_warn(doc,
                      "%zu embed%s not imported (lore keeps the text; the embedded file or note "
                      "is not copied, the link stays in the body): %s%s",
                      count, count > 1 ? "s" : "", names.data != NULL ? (char *)names.data : "",
                      count > 3 ? ", …" : "");
    buf_free(&names);
}

/* The text of the first level-1 heading ("# Title") outside code, or NULL. */
static char *vault_first_heading(const char *text, size_t len)
{
    const char *p = text, *end = text + len, *line;
    bool fenced = false;
    size_t n, i;
    char *t;

    while (vault_next_line(&p, end, &line, &n)) {
        if (vault_is_fence(line, n)) {
            fenced = !fenced;
            continue;
        }
        for (i = 0; i < n && i < 3 && line[i] == ' '; i++)
            ;
        if (fenced || n - i < 2 || line[i] != '#' || (line[i + 1] != ' ' && line[i + 1] != '\t'))
            continue;
        line += i + 1;
        n -= i + 1;
        vault_trim(&line, &n);
        /* A closing run of '#' after a space is not part of the heading. */
        for (i = n; i > 0 && line[i - 1] == '#'; i--)
            ;
        if (i < n && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
            n = i;
            vault_trim(&line, &n);
        }
        if (n == 0)
            continue;
        t = xstrndup(line, n);
        for (i = 0; i < n; i++)
            if (t[i] == '\t' || t[i] == '\r') /* a title is one line */
                t[i] = ' ';
        return t;
    }
    return NULL;
}

/* The body: what follows the front matter, up to the line lore export puts before a note's
 * comments, without leading blank lines and trailing white space. */
static void vault_body(struct vault_md_doc *doc, const char *start, const char *end)
{
    const char *p = start, *line, *first = NULL, *stop = end;
    size_t n, m;
    const char *s;

    while (vault_next_line(&p, end, &line, &n)) {
        if (first == NULL) {
            s = line;
            m = n;
            vault_trim(&s, &m);
            if (m == 0)
                continue;
            first = line;
        }
        if (n == strlen(VAULT_MD_COMMENTS_MARK) && memcmp(line, VAULT_MD_COMMENTS_MARK, n) == 0) {
            stop = line;
            break;
        }
    }
    if (first == NULL)
        first = stop;
    while (stop > first &&
           (stop[-1] == ' ' || stop[-1] == '\t' || stop[-1] == '\n' || stop[-1] == '\r'))
        stop--;
    doc->body = first;
    doc->body_len = (size_t)(stop - first);
}

void vault_md_init(struct vault_md_doc *doc, json_t *tags)
{
    memset(doc, 0, sizeof(*doc));
    doc->tags = tags != NULL ? json_deep_copy(tags) : json_array();
    doc->warnings = json_array();
}

enum vault_md_result vault_md_parse(struct vault_md_doc *doc, const char *text, size_t len)
{
    const char *end = text + len, *body_start;

    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        text += 3; /* a byte order mark */
    if (!vault_text_valid(text, (size_t)(end - text), 1))
        return VAULT_MD_NOT_TEXT;
    vault_front(doc, text, end, &body_start);
    vault_body(doc, body_start, end);
    if (doc->body_len == 0)
        return VAULT_MD_NO_BODY;
    if (doc->title == NULL || doc->title[0] == '\0') {
        free(doc->title);
        doc->title = vault_first_heading(doc->body, doc->body_len);
    }
    vault_inline_tags(doc);
    vault_embeds(doc);
    return VAULT_MD_OK;
}

void vault_md_free(struct vault_md_doc *doc)
{
    json_decref(doc->tags);
    json_decref(doc->warnings);
    free(doc->title);
    free(doc->export_id);
    memset(doc, 0, sizeof(*doc));
}
