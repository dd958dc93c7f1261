/* Unit tests for tags in any language (common/text.c): text_tag_norm, the one normaliser of what
 * people and files call a tag, and text_tag_valid, the rule for tags in entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "entry.h"
#include "text.h"

/* s normalises to want (NULL: refused, with a message holding why). */
static void expect_norm(const char *s, const char *want, const char *why)
{
    char out[ENTRY_TAG_MAX + 1], err[256] = "";
    int rc = text_tag_norm(s, strlen(s), out, ENTRY_TAG_MAX, err, sizeof(err));

    if (want == NULL) {
        if (rc == 0)
            fail_msg("'%s' normalised to '%s', expected a refusal", s, out);
        assert_string_equal(out, "");
        if (strstr(err, why) == NULL)
            fail_msg("'%s': message '%s' does not say '%s'", s, err, why);
        return;
    }
    if (rc != 0)
        fail_msg("'%s' refused: %s", s, err);
    assert_string_equal(out, want);
    /* The normal form is a valid tag, and its own normal form. */
    assert_true(text_tag_valid(out, strlen(out), ENTRY_TAG_MAX));
    assert_int_equal(text_tag_norm(out, strlen(out), err, ENTRY_TAG_MAX, NULL, 0), 0);
    assert_string_equal(err, out);
}

static void test_ascii_as_before(void **state)
{
    (void)state;
    expect_norm("vpn", "vpn", NULL);
    expect_norm("  #VPN\t", "vpn", NULL);
    expect_norm("C++", "c++", NULL);
    expect_norm("c#", "c#", NULL);
    expect_norm("node.js", "node.js", NULL);
    expect_norm("a_b-c", "a_b-c", NULL);
    expect_norm("2024", "2024", NULL);
    expect_norm("", NULL, "empty");
    expect_norm(" # ", NULL, "empty");
    expect_norm("-a", NULL, "begins with a letter or a digit");
    expect_norm("##a", NULL, "begins with a letter or a digit");
    expect_norm("a b", NULL, "spaces");
    expect_norm("a/b", NULL, "'/'");
    expect_norm("a\tb", NULL, "spaces");
    expect_norm("a\x1b[31m", NULL, "control");
    expect_norm("abcdefghijklmnopqrstuvwxyz0123456", NULL, "at most 32 bytes");
    expect_norm("abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012345", NULL);
}

static void test_scripts(void **state)
{
    (void)state;
    /* Korean: Hangul syllables are letters (Lo); precomposed and decomposed (NFD, conjoining
     * jamo) give the same tag. */
    expect_norm("#태그", "태그", NULL);
    expect_norm("\xe1\x84\x90\xe1\x85\xa2\xe1\x84\x80\xe1\x85\xb3", "태그", NULL);
    /* Latin with a diacritic: NFC and NFD give the same bytes (U+00E9). */
    expect_norm("Caf\xc3\xa9", "caf\xc3\xa9", NULL);
    expect_norm("CAFE\xcc\x81", "caf\xc3\xa9", NULL);
    /* Turkish: Unicode's default lower case, no language tailoring — İ (U+0130) becomes i and
     * U+0307 COMBINING DOT ABOVE (a mark, allowed after the first character); I becomes i. */
    expect_norm("ETİKET", "eti\xcc\x87ket", NULL);
    expect_norm("#ETİKET", "eti\xcc\x87ket", NULL);
    expect_norm("ISTANBUL", "istanbul", NULL);
    expect_norm("ılık", "ılık", NULL); /* dotless ı is its own lower case */
    /* Greek: a final capital sigma becomes final ς, inside σ; written small, each stays. */
    expect_norm("ΟΔΟΣ", "οδος", NULL);
    expect_norm("ΣΟΦΙΑ", "σοφια", NULL);
    expect_norm("οδοσ", "οδοσ", NULL);
    /* German ß stays (its lower case); Cyrillic, CJK, Devanagari (vowel signs are marks),
     * Arabic-Indic digits, mixed scripts. */
    expect_norm("Straße", "straße", NULL);
    expect_norm("Кубернетес", "кубернетес", NULL);
    expect_norm("日本語", "日本語", NULL);
    expect_norm("हिन्दी", "हिन्दी", NULL);
    expect_norm("\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4", "\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4", NULL);
    expect_norm("K8s-クラスタ_Ω", "k8s-クラスタ_ω", NULL);
    /* Compatibility characters are not folded (NFC, not NFKC)... */
    expect_norm("ＶＰＮ", "ｖｐｎ", NULL);
    /* ...but canonical singletons are: KELVIN SIGN is K, OHM SIGN Ω. */
    expect_norm("\xe2\x84\xaa", "k", NULL);
    expect_norm("\xe2\x84\xa6", "ω", NULL);
    /* Unicode spaces around are trimmed, inside refused. */
    expect_norm("\xe3\x80\x80태그\xc2\xa0", "태그", NULL);
    expect_norm("태\xe3\x80\x80그", NULL, "spaces");
}

static void test_refused(void **state)
{
    (void)state;
    expect_norm("\xff", NULL, "UTF-8");
    expect_norm("a\xc0\xaf", NULL, "UTF-8");        /* overlong */
    expect_norm("a\xed\xa0\x80", NULL, "UTF-8");    /* surrogate */
    expect_norm("\xea\xb7", NULL, "UTF-8");         /* truncated */
    expect_norm("a\xc2\x9b", NULL, "UTF-8");        /* C1 control */
    expect_norm("😀", NULL, "begins with a letter"); /* a symbol, not a letter */
    expect_norm("a😀", NULL, "cannot hold");
    expect_norm("a,b", NULL, "cannot hold ','");
    expect_norm("\xcc\x81"
                "a",
                NULL, "begins with a letter");                  /* a lone combining mark */
    expect_norm("a\xe2\x80\x8b", NULL, "cannot hold");          /* ZERO WIDTH SPACE (Cf) */
    expect_norm("\xe2\x80\xaev", NULL, "begins with a letter"); /* RIGHT-TO-LEFT OVERRIDE */
    /* 11 Hangul syllables are 33 bytes: too long, and so are 11 decomposed (99 bytes in). */
    expect_norm("가나다라마바사아자차카", NULL, "at most 32 bytes");
    expect_norm("가나다라마바사아자차", "가나다라마바사아자차", NULL);
    /* Too long only after normalising: 31 ASCII letters and İ (2 bytes, 3 in lower case). */
    expect_norm("abcdefghijklmnopqrstuvwxyzabcd\xc4\xb0", NULL, "at most 32 bytes");
    expect_norm("abcdefghijklmnopqrstuvwxyzab\xc4\xb0", "abcdefghijklmnopqrstuvwxyzabi\xcc\x87",
                NULL);
}

/* The rule for entries: a tag is exactly its own normal form. */
static void test_valid(void **state)
{
    static const char *const good[] = {"vpn",  "c++",        "태그", "eti\xcc\x87ket",
                                       "οδος", "caf\xc3\xa9"};
    static const char *const bad[] = {"VPN",
                                      "Vpn",
                                      "#vpn",
                                      " vpn",
                                      "vpn ",
                                      "태 그",
                                      "ETİKET",
                                      "caf"
                                      "e\xcc\x81" /* NFD */,
                                      "ΟΔΟΣ",
                                      "\xe2\x84\xaa" /* KELVIN SIGN, not NFC */,
                                      "a\xff",
                                      "-a",
                                      "",
                                      "a\tb",
                                      "😀"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!text_tag_valid(good[i], strlen(good[i]), ENTRY_TAG_MAX))
            fail_msg("'%s' should be a valid tag", good[i]);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (text_tag_valid(bad[i], strlen(bad[i]), ENTRY_TAG_MAX))
            fail_msg("'%s' should not be a valid tag", bad[i]);
    /* The limit counts bytes. */
    assert_true(text_tag_valid("가나다", 9, 9));
    assert_false(text_tag_valid("가나다", 9, 8));
}

static void test_helpers(void **state)
{
    (void)state;
    assert_int_equal(text_word_char("태그", strlen("태그"), NULL), 3);
    assert_int_equal(text_word_char("a", 1, NULL), 1);
    assert_int_equal(text_word_char("\xcc\x87", 2, NULL), 2);
    assert_int_equal(text_word_char("\xef\xbc\x8c", 3, NULL), 0); /* FULLWIDTH COMMA */
    assert_int_equal(text_word_char("\xea\xb7", 2, NULL), 0);
    assert_int_equal(text_word_char(",", 1, NULL), 0);
    {
        int digit = 0;
        assert_int_equal(text_word_char("\xef\xbc\x91", 3, &digit), 3); /* FULLWIDTH DIGIT ONE */
        assert_int_equal(digit, 1);
        assert_int_equal(text_word_char("\xcc\x87", 2, &digit), 2);
        assert_int_equal(digit, 0);
    }
    assert_int_equal(text_prefix_len("abc", 2), 2);
    assert_int_equal(text_prefix_len("태그", 4), 3);
    assert_int_equal(text_prefix_len("태그", 6), 6);
    assert_int_equal(text_prefix_len("태", 40), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_as_before), cmocka_unit_test(test_scripts),
        cmocka_unit_test(test_refused),         cmocka_unit_test(test_valid),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
