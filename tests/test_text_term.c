/* Unit tests for text_sanitize_term (common/text.c): the one terminal sanitiser of the CLI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

/* What text_sanitize_term writes for s (caller frees). */
static char *sanitized(const char *s, int flags, const char *indent)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);

    assert_non_null(f);
    text_sanitize_term(f, s, flags, indent);
    assert_int_equal(fclose(f), 0);
    return out;
}

static void expect(const char *s, int flags, const char *indent, const char *want)
{
    char *got = sanitized(s, flags, indent);

    assert_string_equal(got, want);
    free(got);
}

static void test_plain_text_unchanged(void **state)
{
    (void)state;
    expect("", 0, NULL, "");
    expect("How do I reset the VPN?", 0, NULL, "How do I reset the VPN?");
    expect("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", TEXT_TERM_ONE_LINE, NULL,
           "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
}

static void test_controls_become_question_marks(void **state)
{
    (void)state;
    /* An escape sequence that would retitle the terminal, a bell, DEL. */
    expect("a\x1b]0;pwned\x07z\x7f", 0, NULL, "a?]0;pwned?z?");
    /* C1 controls (U+0085, U+009B CSI) and bidirectional overrides. */
    expect("x\xc2\x85y\xc2\x9bz", 0, NULL, "x?y?z");
    expect("\xe2\x80\xaa\xe2\x80\xae\xe2\x81\xa6\xe2\x81\xa9", 0, NULL, "????");
    /* Neighbours of those ranges pass: U+00A0, U+2029, U+202F, U+2065. */
    expect("\xc2\xa0\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5", 0, NULL,
           "\xc2\xa0\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5");
}

static void test_layout_modes(void **state)
{
    (void)state;
    /* Multi-line: newlines kept with the indent (not before an empty line), CR dropped. */
    expect("one\r\ntwo\n\nthree\tx", 0, "    ", "one\n    two\n\n    three\tx");
    expect("one\ntwo\n", 0, "  ", "one\n  two\n");
    /* One line: newlines and tabs are spaces. */
    expect("one\r\ntwo\tthree", TEXT_TERM_ONE_LINE, NULL, "one two three");
    /* Strict: every control character, newlines and tabs included. */
    expect("a\nb\tc\rd\x1b", TEXT_TERM_STRICT, NULL, "a?b?c?d?");
}

static void test_bold_only_when_asked(void **state)
{
    (void)state;
    expect("a " TEXT_TERM_BOLD_ON "vpn" TEXT_TERM_BOLD_OFF " b",
           TEXT_TERM_BOLD | TEXT_TERM_ONE_LINE, NULL, "a \x1b[1mvpn\x1b[0m b");
    expect("a " TEXT_TERM_BOLD_ON "vpn" TEXT_TERM_BOLD_OFF, TEXT_TERM_ONE_LINE, NULL,
           "a ?[1mvpn?[0m");
    /* Other escape sequences stay neutralised even with bold allowed. */
    expect("\x1b[2J", TEXT_TERM_BOLD, NULL, "?[2J");
}

static void test_truncated_sequences(void **state)
{
    (void)state;
    /* A lone lead byte at the end is not read past. */
    expect("x\xe2", 0, NULL, "x\xe2");
    expect("x\xe2\x80", 0, NULL, "x\xe2\x80");
    expect("x\xc2", 0, NULL, "x\xc2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_unchanged),
        cmocka_unit_test(test_controls_become_question_marks),
        cmocka_unit_test(test_layout_modes),
        cmocka_unit_test(test_bold_only_when_asked),
        cmocka_unit_test(test_truncated_sequences),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
