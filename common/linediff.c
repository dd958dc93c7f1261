/* linediff: an LCS line diff (see linediff.h). */
#include "linediff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static void linediff_split(const char *s, struct linediff_lines *dl)
{
    size_t cap = 16;
    const char *p = s, *nl;

    dl->n = 0;
    dl->start = xreallocarray(NULL, cap, sizeof(*dl->start));
    dl->len = xreallocarray(NULL, cap, sizeof(*dl->len));
    while (*p != '\0') {
        if (dl->n == cap) {
            cap *= 2;
            dl->start = xreallocarray(dl->start, cap, sizeof(*dl->start));
            dl->len = xreallocarray(dl->len, cap, sizeof(*dl->len));
        }
        nl = strchr(p, '\n');
        dl->start[dl->n] = p;
        dl->len[dl->n] = nl != NULL ? (size_t)(nl - p) : strlen(p);
        dl->n++;
        if (nl == NULL)
            break;
        p = nl + 1;
    }
}

static int linediff_same(const struct linediff *d, size_t i, size_t j)
{
    return d->a.len[i] == d->b.len[j] && memcmp(d->a.start[i], d->b.start[j], d->a.len[i]) == 0;
}

int linediff_make(struct linediff *d, const char *old, const char *new, size_t max_lines)
{
    uint16_t *t; /* (n+1) x (m+1) LCS lengths of the suffixes, after the common ends */
    size_t pre = 0, suf = 0, n, m, i, j, w;

    memset(d, 0, sizeof(*d));
    linediff_split(old, &d->a);
    linediff_split(new, &d->b);
    if (d->a.n > max_lines || d->b.n > max_lines || max_lines > UINT16_MAX)
        return -1;
    while (pre < d->a.n && pre < d->b.n && linediff_same(d, pre, pre))
        pre++;
    while (suf < d->a.n - pre && suf < d->b.n - pre &&
           linediff_same(d, d->a.n - 1 - suf, d->b.n - 1 - suf))
        suf++;
    n = d->a.n - pre - suf;
    m = d->b.n - pre - suf;
    w = m + 1;
    t = xreallocarray(NULL, (n + 1) * w, sizeof(*t));
    for (i = n + 1; i-- > 0;) {
        for (j = m + 1; j-- > 0;) {
            if (i == n || j == m)
                t[i * w + j] = 0;
            else if (linediff_same(d, pre + i, pre + j))
                t[i * w + j] = (uint16_t)(t[(i + 1) * w + j + 1] + 1);
            else
                t[i * w + j] =
                    t[(i + 1) * w + j] >= t[i * w + j + 1] ? t[(i + 1) * w + j] : t[i * w + j + 1];
        }
    }
    d->ops = xreallocarray(NULL, d->a.n + d->b.n + 1, sizeof(*d->ops));
    for (i = 0; i < pre; i++)
        d->ops[d->nops++] = (struct linediff_op){' ', i, i};
    i = j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && linediff_same(d, pre + i, pre + j)) {
            d->ops[d->nops++] = (struct linediff_op){' ', pre + i, pre + j};
            i++;
            j++;
        } else if (j < m && (i == n || t[i * w + j + 1] >= t[(i + 1) * w + j])) {
            d->ops[d->nops++] = (struct linediff_op){'+', pre + i, pre + j};
            j++;
        } else {
            d->ops[d->nops++] = (struct linediff_op){'-', pre + i, pre + j};
            i++;
        }
    }
    for (i = 0; i < suf; i++)
        d->ops[d->nops++] = (struct linediff_op){' ', pre + n + i, pre + m + i};
    free(t);
    return 0;
}

void linediff_free(struct linediff *d)
{
    free(d->a.start);
    free(d->a.len);
    free(d->b.start);
    free(d->b.len);
    free(d->ops);
    memset(d, 0, sizeof(*d));
}

int linediff_hunk(const struct linediff *d, size_t context, size_t *k, size_t *start, size_t *end)
{
    size_t x, last;

    while (*k < d->nops && d->ops[*k].op == ' ')
        (*k)++;
    if (*k >= d->nops)
        return 0;
    *start = *k > context ? *k - context : 0;
    /* Extend the hunk while the next change is within 2 x context. */
    last = *k;
    for (x = *k; x < d->nops; x++) {
        if (d->ops[x].op != ' ')
            last = x;
        else if (x - last > 2 * context)
            break;
    }
    *end = last + context + 1 < d->nops ? last + context + 1 : d->nops;
    *k = *end;
    return 1;
}
