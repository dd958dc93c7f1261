/* linediff: a line diff of two texts — the edit script of a longest common subsequence, and its
 * hunks with context — for the versions of an entry (lore show --history, the web's history). */
#ifndef LORE_LINEDIFF_H
#define LORE_LINEDIFF_H

#include <stddef.h>

/* The lines of a text: views into it. A final newline does not start an empty line. */
struct linediff_lines {
    const char **start; /* each line's first byte */
    size_t *len;        /* its length without the newline */
    size_t n;
};

/* One step of the script: ' ' keeps a line (old i, new j), '-' drops old line i, '+' adds new
 * line j. */
struct linediff_op {
    char op;
    size_t i, j;
};

struct linediff {
    struct linediff_lines a, b; /* old, new */
    struct linediff_op *ops;
    size_t nops;
};

/* The script from old to new (both kept by d: they must outlive it). Returns 0, or -1 when either
 * has more than max_lines lines (then d holds the line counts, a.n and b.n, and no script). Free
 * d with linediff_free in both cases. */
int linediff_make(struct linediff *d, const char *old, const char *new, size_t max_lines);
void linediff_free(struct linediff *d);
/* The next hunk at or after ops[*k]: its ops [*start, *end), changes with up to context kept
 * lines around them (hunks closer than 2 x context merge). Returns 1 and moves *k past it, or 0
 * when no change is left. */
int linediff_hunk(const struct linediff *d, size_t context, size_t *k, size_t *start, size_t *end);

#endif
