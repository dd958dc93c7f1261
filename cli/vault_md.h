/*
 * vault_md: what a Markdown file of a vault says — its YAML front matter (title, tags, and the id
 * of a file `lore export` wrote), its title from the first "# heading", its Obsidian #tags, and
 * its body. Pure: no I/O and no node; every byte is untrusted and anything malformed is a warning
 * or a result, never a crash (fuzzed: tests/fuzz/fuzz_vault.c).
 */
#ifndef LORE_VAULT_MD_H
#define LORE_VAULT_MD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h" /* the entry limits (constants only: the CLI does not link lore_sync) */

/* The line lore export puts before a note's comments: the body ends there. */
#define VAULT_MD_COMMENTS_MARK "<!-- lore: comments below are not part of the note -->"

struct vault_md_doc {
    char *title;      /* the front matter's title, else the first heading, or NULL */
    char *export_id;  /* "id:" of a file written by lore export (64 hex digits), or NULL */
    json_t *tags;     /* normalised, at most ENTRY_MAX_TAGS */
    const char *body; /* into the parsed text: after the front matter, trimmed */
    size_t body_len;
    uint64_t created_ms; /* the front matter's date (or created), if lore can date a note so; 0 */
    size_t dropped;      /* tags over ENTRY_MAX_TAGS */
    char first_dropped[ENTRY_TAG_MAX + 1]; /* the first of them */
    json_t *warnings; /* strings: what a person should know about the file, in order */
};

enum vault_md_result {
    VAULT_MD_OK = 0,
    VAULT_MD_NOT_TEXT, /* not UTF-8, or holds control characters */
    VAULT_MD_NO_BODY,  /* nothing besides the front matter */
};

/* Start doc with a copy of tags (an array of normalised tags, or NULL for none). */
void vault_md_init(struct vault_md_doc *doc, json_t *tags);
/* Parse text[0..len) (a byte order mark is skipped) into doc, which keeps pointers into text.
 * Tags found are added after those doc starts with; title stays NULL when the file has no title
 * and no heading. */
enum vault_md_result vault_md_parse(struct vault_md_doc *doc, const char *text, size_t len);
/* Free what doc holds (not the text). */
void vault_md_free(struct vault_md_doc *doc);

/* Normalise what a person or a vault calls a tag to lore's form: '/' (Obsidian's nested tags)
 * turned into '-', then the one rule of every tag (common/text.h, text_tag_norm: trimmed, one
 * leading '#' dropped, NFC, Unicode lower case). Writes it to out. Returns 0, or -1 if it is
 * still not a valid tag. */
int vault_md_tag_normalise(const char *s, size_t n, char out[ENTRY_TAG_MAX + 1]);
/* A front matter date as ms since the epoch: YYYY-MM-DD (read as 12:00 UTC, the same calendar day
 * in every time zone from UTC-11 to UTC+11), or with a time [T ]HH:MM[:SS[.frac]] and an optional
 * zone (Z, +HH:MM, -HHMM; none is UTC). Returns 0, or -1 if s (NUL-terminated) is not one. */
int vault_md_date(const char *s, uint64_t *ms) __attribute__((warn_unused_result));
/* Whether the array tags holds tag. */
bool vault_md_has_tag(json_t *tags, const char *tag);
/* Whether s is an id as the API sends ids: 64 hex digits. */
bool vault_md_is_id(const char *s);
/* A JSON string of s[0..n) with every byte that is not valid text shown as '?'. */
json_t *vault_md_json_lossy(const char *s, size_t n);

#endif
