/* Unit tests for cli/vault_md.c: the Markdown and front matter of a vault, as lore import reads
 * them (the cases of `lore import --help` and docs/lore.1.scd). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vault_export.h"
#include "vault_md.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Parse s (NUL-terminated) into doc with no --tag; returns the result. */
static enum vault_md_result parse(struct vault_md_doc *doc, const char *s)
{
    vault_md_init(doc, NULL);
    return vault_md_parse(doc, s, strlen(s));
}

static void assert_body(const struct vault_md_doc *doc, const char *want)
{
    assert_int_equal(doc->body_len, strlen(want));
    assert_memory_equal(doc->body, want, doc->body_len);
}

/* The tags as "a b c". */
static void assert_tags(const struct vault_md_doc *doc, const char *want)
{
    char got[512] = "";
    size_t i, n = 0;
    json_t *t;

    json_array_foreach(doc->tags, i, t)
    {
        n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", i > 0 ? " " : "",
                              json_string_value(t));
        assert_true(n < sizeof(got));
    }
    assert_string_equal(got, want);
}

static void test_front_matter_present(void **state)
{
    struct vault_md_doc doc;

    (void)state;
    assert_int_equal(parse(&doc, "---\n"
                                 "Title: \"VPN \\u00e9 reset\" # a comment inside quotes is text\n"
                                 "tags: [vpn, \"Net/Work\", 'it''s']\n"
                                 "id: " ID64 "\n"
                                 "other: ignored\n"
                                 "---\n"
                                 "\n"
                                 "Body line.\n\n"),
                     VAULT_MD_OK);
    assert_string_equal(doc.title, "VPN \xc3\xa9 reset");
    assert_string_equal(doc.export_id, ID64);
    /* "it's" is not a lore tag: dropped with a warning. */
    assert_tags(&doc, "vpn net-work");
    assert_int_equal(json_array_size(doc.warnings), 1);
    assert_non_null(strstr(json_string_value(json_array_get(doc.warnings, 0)), "'it's'"));
    assert_body(&doc, "Body line.");
    vault_md_free(&doc);
}

static void test_front_matter_absent(void **state)
{
    struct vault_md_doc doc;

    (void)state;
    assert_int_equal(parse(&doc, "Just text, no heading.\n"), VAULT_MD_OK);
    assert_null(doc.title); /* the importer then takes the file name */
    assert_null(doc.export_id);
    assert_body(&doc, "Just text, no heading.");
    vault_md_free(&doc);
}

static void test_front_matter_broken(void **state)
{
    struct vault_md_doc doc;

    (void)state;
    /* No closing line: the "---" is a horizontal rule and everything is body. */
    assert_int_equal(parse(&doc, "---\ntitle: Not front matter\n\n# Heading\ntext\n"), VAULT_MD_OK);
    assert_string_equal(doc.title, "Heading");
    assert_body(&doc, "---\ntitle: Not front matter\n\n# Heading\ntext");
    vault_md_free(&doc);
    /* A title that is not one line of text is ignored with a warning; the heading takes over. */
    assert_int_equal(parse(&doc, "---\ntitle: \"unclosed\n---\n# From heading\nx\n"), VAULT_MD_OK);
    assert_string_equal(doc.title, "From heading");
    assert_int_equal(json_array_size(doc.warnings), 1);
    vault_md_free(&doc);
    /* A malformed tags list: the rest of it is ignored with a warning. */
    assert_int_equal(parse(&doc, "---\ntags: [ok, \"bad\n...\nx\n"), VAULT_MD_OK);
    assert_tags(&doc, "ok");
    assert_int_equal(json_array_size(doc.warnings), 1);
    vault_md_free(&doc);
    /* Only front matter: no body. */
    assert_int_equal(parse(&doc, "---\ntitle: T\n---\n\n  \n"), VAULT_MD_NO_BODY);
    vault_md_free(&doc);
}

static void test_title_from_heading(void **state)
{
    struct vault_md_doc doc;

    (void)state;
    /* Headings in code do not count; a closing run of '#' is not part of the title; "#tag" is no
     * heading. */
    assert_int_equal(parse(&doc, "#notaheading\n```\n# in code\n```\n  #   Real title ##  \nx\n"),
                     VAULT_MD_OK);
    assert_string_equal(doc.title, "Real title");
    vault_md_free(&doc);
    /* An empty front matter title falls back to the heading; "## Sub" is not level 1. */
    assert_int_equal(parse(&doc, "---\ntitle: ''\n---\n## Sub\n# Top\n"), VAULT_MD_OK);
    assert_string_equal(doc.title, "Top");
    vault_md_free(&doc);
    /* Block scalars (| and >) are not read as titles. */
    assert_int_equal(parse(&doc, "---\ntitle: |\n  long\n---\nbody\n"), VAULT_MD_OK);
    assert_null(doc.title);
    vault_md_free(&doc);
}

static void test_cr_handling(void **state)
{
    struct vault_md_doc doc;

    (void)state;
    assert_int_equal(parse(&doc, "---\r\ntitle: Windows\r\ntags:\r\n  - a\r\n  - \"b\"\r\n---\r\n"
                                 "\r\nline one\r\nline two #c\r\n\r\n"),
                     VAULT_MD_OK);
    assert_string_equal(doc.title, "Windows");
    assert_tags(&doc, "a b c");
    assert_body(&doc, "line one\r\nline two #c");
    vault_md_free(&doc);
    /* A lone CR in a heading is no control character to a title: it becomes a space. */
    assert_int_equal(parse(&doc, "# a\rb\n"), VAULT_MD_OK);
    assert_string_equal(doc.title, "a b");
    vault_md_free(&doc);
}

static void test_tags(void **state)
{
    struct vault_md_doc doc;
    json_t *base = json_pack("[s]", "given");
    char text[2048];
    int i, n = 0;

    (void)state;
    /* Plain words split at commas and spaces; inline tags outside code; all digits is no tag;
     * duplicates once; the --tag ones first. */
    vault_md_init(&doc, base);
    snprintf(text, sizeof(text), "%s",
             "---\ntags: Alpha, beta gamma # comment\n---\n"
             "See #beta and #Project/Infra, not #123 or `#code` or a#b.\n"
             "```\n#fenced\n```\n");
    assert_int_equal(vault_md_parse(&doc, text, strlen(text)), VAULT_MD_OK);
    assert_tags(&doc, "given alpha beta gamma project-infra");
    assert_int_equal(json_array_size(doc.warnings), 0);
    vault_md_free(&doc);
    /* More than 16: the rest counted, the first of them remembered. */
    n += snprintf(text + n, sizeof(text) - (size_t)n, "---\ntags: [");
    for (i = 0; i < 20; i++)
        n += snprintf(text + n, sizeof(text) - (size_t)n, "%st%02d", i ? ", " : "", i);
    snprintf(text + n, sizeof(text) - (size_t)n, "]\n---\nbody\n");
    vault_md_init(&doc, base);
    assert_int_equal(vault_md_parse(&doc, text, strlen(text)), VAULT_MD_OK);
    assert_int_equal(json_array_size(doc.tags), 16);
    assert_int_equal(doc.dropped, 5);
    assert_string_equal(doc.first_dropped, "t15");
    vault_md_free(&doc);
    json_decref(base);
}

/* Tags in any language (issue 16): a real Obsidian vault's Korean and Turkish tags, inline and in
 * the front matter, normalised as the node does (NFC, Unicode lower case); an inline tag ends at
 * the first character that is not a letter, digit or mark, whatever its script. */
static void test_tags_any_language(void **state)
{
    struct vault_md_doc doc;
    const char *w;

    (void)state;
    assert_int_equal(parse(&doc,
                           "---\ntags: [ETİKET, \"#태그\", ΟΔΟΣ, 😀]\n---\n"
                           "Notes #태그 #ETİKET, #日本語。 #Кубернетес/Под and #Cafe\xcc\x81.\n"
                           "Not tags: `#코드` #１２ #\xe2\x80\xaex\n"),
                     VAULT_MD_OK);
    assert_tags(&doc, "eti\xcc\x87ket 태그 οδος 日本語 кубернетес-под caf\xc3\xa9");
    /* The emoji is no tag: dropped, with the reason. */
    assert_int_equal(json_array_size(doc.warnings), 1);
    w = json_string_value(json_array_get(doc.warnings, 0));
    assert_non_null(strstr(w, "'😀'"));
    assert_non_null(strstr(w, "begins with a letter or a digit"));
    vault_md_free(&doc);
}

static void test_ids(void **state)
{
    struct vault_md_doc doc;

    (void)state;
    assert_true(vault_md_is_id(ID64));
    assert_false(vault_md_is_id("0123"));
    assert_false(vault_md_is_id(NULL));
    /* Only a full id counts; quoted is fine. */
    assert_int_equal(parse(&doc, "---\nid: \"" ID64 "\"\n---\nx\n"), VAULT_MD_OK);
    assert_string_equal(doc.export_id, ID64);
    vault_md_free(&doc);
    assert_int_equal(parse(&doc, "---\nid: 0123abcd\n---\nx\n"), VAULT_MD_OK);
    assert_null(doc.export_id);
    vault_md_free(&doc);
}

static void test_body_and_text(void **state)
{
    struct vault_md_doc doc;

    (void)state;
    /* A byte order mark is skipped; an export's comments are not part of the note. */
    assert_int_equal(parse(&doc, "\xef\xbb\xbf# T\nnote text\n\n" VAULT_MD_COMMENTS_MARK
                                 "\n\n## Comment by x\n"),
                     VAULT_MD_OK);
    assert_body(&doc, "# T\nnote text");
    vault_md_free(&doc);
    /* Control characters and invalid UTF-8 are refused. */
    assert_int_equal(parse(&doc, "a\x1b[2Jb\n"), VAULT_MD_NOT_TEXT);
    vault_md_free(&doc);
    assert_int_equal(parse(&doc, "caf\xe9\n"), VAULT_MD_NOT_TEXT);
    vault_md_free(&doc);
}

static void test_tag_normalise(void **state)
{
    char out[ENTRY_TAG_MAX + 1];

    (void)state;
    assert_int_equal(vault_md_tag_normalise(" #Net/Work ", 11, out), 0);
    assert_string_equal(out, "net-work");
    assert_int_equal(vault_md_tag_normalise("-x", 2, out), -1);
    assert_int_equal(vault_md_tag_normalise("#", 1, out), -1);
    assert_int_equal(vault_md_tag_normalise("abcdefghijabcdefghijabcdefghijabc", 33, out), -1);
    assert_int_equal(vault_md_tag_normalise("#ETİKET/태그", strlen("#ETİKET/태그"), out), 0);
    assert_string_equal(out, "eti\xcc\x87ket-태그");
    assert_int_equal(
        vault_md_tag_normalise("\xe1\x84\x90\xe1\x85\xa2\xe1\x84\x80\xe1\x85\xb3", 12, out), 0);
    assert_string_equal(out, "태그");
    assert_int_equal(vault_md_tag_normalise("가나다라마바사아자차카", 33, out), -1);
}

/* Found by fuzz_vault: a NUL inside s[0..n) was read past (the copy stopped at it). */
static void test_json_lossy(void **state)
{
    json_t *v;

    (void)state;
    v = vault_md_json_lossy("a\0b\xff\xc3\xa9", 6);
    assert_string_equal(json_string_value(v), "a?b?\xc3\xa9");
    json_decref(v);
    v = vault_md_json_lossy("x\xc3", 2); /* cut inside a character */
    assert_string_equal(json_string_value(v), "x?");
    json_decref(v);
}

/* date: and created: in the front matter; embeds named in a warning. */
static void test_date_and_embeds(void **state)
{
    struct vault_md_doc doc;
    uint64_t ms;
    const char *w;

    (void)state;
    assert_int_equal(vault_md_date("2023-04-05", &ms), 0);
    assert_int_equal(ms, 1680696000000ull); /* 12:00 UTC */
    assert_int_equal(vault_md_date("2023-04-05T10:20:30Z", &ms), 0);
    assert_int_equal(ms, 1680690030000ull);
    assert_int_equal(vault_md_date("2023-04-05 10:20:30.5 +02:00", &ms), 0);
    assert_int_equal(ms, 1680682830000ull);
    assert_int_equal(vault_md_date("2023-04-05T10:20-0130", &ms), 0);
    assert_int_equal(ms, 1680695400000ull);
    assert_int_equal(vault_md_date("2024-02-29", &ms), 0);
    assert_int_equal(vault_md_date("2023-02-29", &ms), -1);
    assert_int_equal(vault_md_date("2023-13-01", &ms), -1);
    assert_int_equal(vault_md_date("2023-04-05T25:00", &ms), -1);
    assert_int_equal(vault_md_date("2023-04-05x", &ms), -1);
    assert_int_equal(vault_md_date("April 5", &ms), -1);
    assert_int_equal(vault_md_date("", &ms), -1);
    assert_int_equal(vault_md_date("2023-04", &ms), -1); /* cut short anywhere: no read past it */
    assert_int_equal(vault_md_date("2023-04-05T1", &ms), -1);
    assert_int_equal(vault_md_date("2023-04-05T10:2", &ms), -1);
    assert_int_equal(vault_md_date("2023-04-05T10:20:3", &ms), -1);
    assert_int_equal(vault_md_date("2023-04-05T10:20+", &ms), -1);
    assert_int_equal(vault_md_date("2023-04-05T10:20+0", &ms), -1);
    assert_int_equal(vault_md_date("2023-04-05T10:20+01:3", &ms), -1);

    assert_int_equal(parse(&doc, "---\ndate: \"2023-04-05\"\n---\nbody\n"), VAULT_MD_OK);
    assert_int_equal(doc.created_ms, 1680696000000ull);
    assert_int_equal(json_array_size(doc.warnings), 0);
    vault_md_free(&doc);
    assert_int_equal(parse(&doc, "---\ncreated: 2021-01-02T03:04:05.678Z\n---\nbody\n"),
                     VAULT_MD_OK);
    assert_int_equal(doc.created_ms, 1609556645000ull);
    vault_md_free(&doc);
    assert_int_equal(parse(&doc, "---\ndate: 2019-12-31\n---\nbody\n"), VAULT_MD_OK);
    assert_int_equal(doc.created_ms, 0);
    assert_non_null(strstr(json_string_value(json_array_get(doc.warnings, 0)), "before 2020"));
    vault_md_free(&doc);
    assert_int_equal(parse(&doc, "---\ndate: yesterday\n---\nbody\n"), VAULT_MD_OK);
    assert_int_equal(doc.created_ms, 0);
    assert_non_null(strstr(json_string_value(json_array_get(doc.warnings, 0)), "'yesterday'"));
    vault_md_free(&doc);

    assert_int_equal(parse(&doc, "See ![[a.png]] and `![[code]]`, ![[b|x]] ![[c]] ![[d]]\n"
                                 "```\n![[fenced]]\n```\n![[unclosed\n"),
                     VAULT_MD_OK);
    assert_int_equal(json_array_size(doc.warnings), 1);
    w = json_string_value(json_array_get(doc.warnings, 0));
    assert_non_null(strstr(w, "4 embeds not imported"));
    assert_non_null(strstr(w, "![[a.png]], ![[b|x]], ![[c]], …"));
    assert_null(strstr(w, "code"));
    assert_null(strstr(w, "fenced"));
    vault_md_free(&doc);
}

/* lore export's file names (vault_export_slug): UTF-8 letters kept, still safe and bounded. */
static void test_export_slug(void **state)
{
    char out[61], small[8];
    char long_title[200] = "";
    size_t i;

    (void)state;
    vault_export_slug("Which Printer on floor 2?", out, sizeof(out));
    assert_string_equal(out, "which-printer-on-floor-2");
    vault_export_slug("Naïve café — Ünïcode ✓ 日本語", out, sizeof(out));
    assert_string_equal(out, "naïve-café-Ünïcode-日本語");
    vault_export_slug("../.hidden/x\x01y\xc2\x85z\xe2\x80\xaeq", out, sizeof(out));
    assert_string_equal(out, "hidden-x-y-z-q"); /* no '/', no leading '.', no C1 or bidi */
    vault_export_slug("bad\xff\xc3(\xed\xa0\x80\xc0\xafok", out, sizeof(out));
    assert_string_equal(out, "bad-ok"); /* invalid, surrogate and overlong bytes are gaps */
    vault_export_slug("first line\nsecond", out, sizeof(out));
    assert_string_equal(out, "first-line");
    vault_export_slug("?!", out, sizeof(out));
    assert_string_equal(out, "");
    for (i = 0; i < 40; i++)
        memcpy(long_title + 2 * i, "é", 3); /* with the NUL */
    vault_export_slug(long_title, out, sizeof(out));
    assert_int_equal(strlen(out), 60);
    vault_export_slug("a €€ ™", out, sizeof(out)); /* signs are gaps */
    assert_string_equal(out, "a");
    vault_export_slug("ab日", small, 5); /* 2 + 3 bytes do not fit in 4: the 日 goes whole */
    assert_string_equal(small, "ab");
    vault_export_slug("x ééééé", small, sizeof(small)); /* "x-" + 2 x 2 bytes of 7 */
    assert_string_equal(small, "x-éé");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_front_matter_present), cmocka_unit_test(test_front_matter_absent),
        cmocka_unit_test(test_front_matter_broken),  cmocka_unit_test(test_title_from_heading),
        cmocka_unit_test(test_cr_handling),          cmocka_unit_test(test_tags),
        cmocka_unit_test(test_tags_any_language),    cmocka_unit_test(test_ids),
        cmocka_unit_test(test_body_and_text),        cmocka_unit_test(test_tag_normalise),
        cmocka_unit_test(test_json_lossy),           cmocka_unit_test(test_export_slug),
        cmocka_unit_test(test_date_and_embeds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
