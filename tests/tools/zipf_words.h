/*
 * zipf_words: the synthetic vocabulary of the search benchmark — 8,000 words built from
 * zipf_syllables (so the index sees many distinct terms) drawn with a Zipf distribution (s = 1),
 * like words in real text. lore_fill --zipf writes entries from it; bench_search draws its queries
 * from it. Header-only (static functions) for the two test programs.
 */
#ifndef LORE_ZIPF_WORDS_H
#define LORE_ZIPF_WORDS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ZIPF_WORDS 8000
static const char *const zipf_syllables[] = {"ka",  "lo",  "mi",  "ne",  "ru",  "ta",  "vi",
                                             "so",  "pe",  "dra", "kel", "mon", "qui", "zer",
                                             "bal", "fin", "gor", "hul", "jas", "wex"};
#define ZIPF_NSYL (sizeof(zipf_syllables) / sizeof(zipf_syllables[0]))
static char zipf_words[ZIPF_WORDS][16];
static double zipf_cdf[ZIPF_WORDS];

static inline void zipf_vocabulary(void)
{
    double total = 0;
    size_t i, k, n, len;

    for (i = 0; i < ZIPF_WORDS; i++) {
        zipf_words[i][0] = '\0';
        n = 2 + i % 3;
        for (k = 0; k < n; k++) {
            len = strlen(zipf_words[i]);
            snprintf(
                zipf_words[i] + len, sizeof(zipf_words[i]) - len, "%s",
                zipf_syllables[(i / (k == 0 ? 1 : k * ZIPF_NSYL) + k * 7 + i / 400) % ZIPF_NSYL]);
        }
        len = strlen(zipf_words[i]);
        snprintf(zipf_words[i] + len, sizeof(zipf_words[i]) - len, "%zu", i % 97);
        total += 1.0 / (double)(i + 1);
        zipf_cdf[i] = total;
    }
    for (i = 0; i < ZIPF_WORDS; i++)
        zipf_cdf[i] /= total;
}

/* splitmix64: a small deterministic generator (the entries depend only on seed and index). */
static inline uint64_t zipf_mix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline const char *zipf_word(uint64_t *state)
{
    double u = (double)(zipf_mix(state) >> 11) / 9007199254740992.0;
    size_t lo = 0, hi = ZIPF_WORDS - 1;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return zipf_words[lo];
}

#endif
