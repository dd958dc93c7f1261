/* out: what the CLI writes for people: messages on stderr, the node's answers read and
 * formatted (see out.h). Text from others goes through text_sanitize_term (common/text.h). */
#include "out.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hex.h"
#include "text.h"
#include "timeunits.h"

/* Lengths of time in seconds (signed: ages can be negative), from timeunits.h. */
#define OUT_MINUTE_S ((long long)(LORE_MINUTE_MS / LORE_SECOND_MS))
#define OUT_HOUR_S ((long long)(LORE_HOUR_MS / LORE_SECOND_MS))
#define OUT_DAY_S ((long long)(LORE_DAY_MS / LORE_SECOND_MS))
#define OUT_WEEK_S ((long long)(LORE_WEEK_MS / LORE_SECOND_MS))

/* Print "lore: MESSAGE" on stderr. */
void out_errorf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    out_verrorf(fmt, ap);
    va_end(ap);
}

void out_verrorf(const char *fmt, va_list ap)
{
    fputs("lore: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

/* Roughly the number of terminal columns s takes: its code points. */
size_t out_text_width(const char *s)
{
    size_t w = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

void out_pad(FILE *f, size_t have, size_t want)
{
    for (; have < want; have++)
        fputc(' ', f);
}

const char *out_jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

void out_put_text(const char *s)
{
    text_sanitize_term(stdout, s != NULL ? s : "", TEXT_TERM_ONE_LINE, NULL);
}

void out_put_person(json_t *p)
{
    const char *name = json_string_value(json_object_get(p, "name"));

    if (name != NULL && name[0] != '\0')
        out_put_text(name);
    else
        printf("%.12s…", out_jstr(p, "key"));
}

long long out_jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    if (json_is_integer(v))
        return (long long)json_integer_value(v);
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return 0;
}

/* Local date ("2026-11-29"), with the time of day if with_time. */
void out_format_date(long long ms, bool with_time, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    size_t w;

    if (localtime_r(&t, &tm) == NULL) {
        snprintf(out, n, "?");
        return;
    }
    if (with_time)
        w = strftime(out, n, "%Y-%m-%d %H:%M", &tm);
    else
        w = strftime(out, n, "%Y-%m-%d", &tm);
    if (w == 0)
        snprintf(out, n, "?");
}

/* "just now", "3m ago", "5h ago", "2d ago", or the date for anything older than a week (or in the
 * future: clocks of other machines are not to be trusted). */
void out_format_age(long long created_ms, char *out, size_t n)
{
    long long d = (long long)time(NULL) - created_ms / 1000;

    if (d < -OUT_MINUTE_S || d >= OUT_WEEK_S)
        out_format_date(created_ms, false, out, n);
    else if (d < OUT_MINUTE_S)
        snprintf(out, n, "just now");
    else if (d < OUT_HOUR_S)
        snprintf(out, n, "%lldm ago", d / OUT_MINUTE_S);
    else if (d < OUT_DAY_S)
        snprintf(out, n, "%lldh ago", d / OUT_HOUR_S);
    else
        snprintf(out, n, "%lldd ago", d / OUT_DAY_S);
}

/* "12.3 MB" style sizes for progress lines. */
void out_format_bytes(long long b, char *out, size_t n)
{
    if (b < 10 * 1000)
        snprintf(out, n, "%lld B", b);
    else if (b < 10 * 1000 * 1000)
        snprintf(out, n, "%.1f kB", (double)b / 1e3);
    else
        snprintf(out, n, "%.1f MB", (double)b / 1e6);
}

void out_format_duration(long long s, char *out, size_t n)
{
    if (s < OUT_MINUTE_S)
        snprintf(out, n, "%llds", s);
    else if (s < OUT_HOUR_S)
        snprintf(out, n, "%lldm %llds", s / OUT_MINUTE_S, s % OUT_MINUTE_S);
    else if (s < OUT_DAY_S)
        snprintf(out, n, "%lldh %lldm", s / OUT_HOUR_S, s % OUT_HOUR_S / OUT_MINUTE_S);
    else
        snprintf(out, n, "%lldd %lldh", s / OUT_DAY_S, s % OUT_DAY_S / OUT_HOUR_S);
}

/* Print the response as pretty JSON, after removing its "ok" member. */
void out_print_json(json_t *resp)
{
    json_object_del(resp, "ok");
    json_dumpf(resp, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
}

/* The shortest length (at least LORE_SHORT_ID) at which the candidate ids are all distinct. */
static size_t out_distinct_len(json_t *cands)
{
    size_t len, i, j, n = json_array_size(cands);
    const char *a, *b;
    bool clash;

    for (len = LORE_SHORT_ID; len < 64; len++) {
        clash = false;
        for (i = 0; i < n && !clash; i++) {
            for (j = i + 1; j < n && !clash; j++) {
                a = json_string_value(json_array_get(cands, i));
                b = json_string_value(json_array_get(cands, j));
                if (a != NULL && b != NULL && strncmp(a, b, len) == 0)
                    clash = true;
            }
        }
        if (!clash)
            break;
    }
    return len;
}

/* Print the node's error as one line: its message, and for an ambiguous prefix the candidates,
 * abbreviated as far as they stay distinct. */
void out_print_node_error(json_t *resp)
{
    json_t *cands = json_object_get(resp, "candidates"), *a;
    const char *msg = out_jstr(resp, "error"), *id;
    size_t len, i;

    fputs("lore: ", stderr);
    text_sanitize_term(stderr, msg[0] != '\0' ? msg : "the node reported an error",
                       TEXT_TERM_ONE_LINE, NULL);
    if (json_array_size(cands) > 0) {
        len = out_distinct_len(cands);
        fputs(" — candidates:", stderr);
        json_array_foreach(cands, i, a)
        {
            id = json_string_value(a);
            fprintf(stderr, "%s%.*s", i == 0 ? " " : ", ", (int)len,
                    id != NULL && hex_is_hex(id) ? id : "?");
        }
    }
    fputc('\n', stderr);
}

bool out_use_color(void)
{
    const char *nc = getenv("NO_COLOR");

    return isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0');
}
