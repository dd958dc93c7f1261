/*
 * out: what the CLI writes for people — "lore: ..." messages on stderr, members of the node's
 * JSON answers read leniently, dates, ages, durations and sizes formatted, and the node's errors.
 * Everything another person wrote goes to the terminal through text_sanitize_term (text.h).
 */
#ifndef LORE_OUT_H
#define LORE_OUT_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Print "lore: MESSAGE" on stderr. */
void out_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* out_errorf with a va_list. */
void out_verrorf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Roughly the number of terminal columns s takes: its code points. */
size_t out_text_width(const char *s);
/* Spaces from column have to want. */
void out_pad(FILE *f, size_t have, size_t want);

/* The string member key of o, or "" (never NULL; owned by o). */
const char *out_jstr(json_t *o, const char *key);
/* Another person's text on one line of stdout, sanitised (text_sanitize_term); NULL prints "". */
void out_put_text(const char *s);
/* A person object {key, name} on stdout: the name, else the key's first 12 digits and "…". */
void out_put_person(json_t *p);
/* The number member key of o as an integer, or 0. */
long long out_jint(json_t *o, const char *key);

/* Local date ("2026-11-29"), with the time of day if with_time; "?" if it cannot be shown. */
void out_format_date(long long ms, bool with_time, char *out, size_t n);
/* "just now", "3m ago", "5h ago", "2d ago", or the date when older than a week or in the future. */
void out_format_age(long long created_ms, char *out, size_t n);
/* "12.3 MB" style sizes for progress lines. */
void out_format_bytes(long long b, char *out, size_t n);
/* "42s", "3m 5s", "2h 10m", "4d 3h". */
void out_format_duration(long long s, char *out, size_t n);

/* Print resp as pretty JSON on stdout, after removing its "ok" member. */
void out_print_json(json_t *resp);
/* Print the node's error as one line on stderr: its message, and for an ambiguous prefix the
 * candidates, abbreviated as far as they stay distinct. */
void out_print_node_error(json_t *resp);
/* Whether stdout is a terminal that wants colour (and NO_COLOR is not set). */
bool out_use_color(void);

#endif
