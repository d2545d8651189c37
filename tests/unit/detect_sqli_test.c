/*
 * detect_sqli_test.c — behaviour of rp_detect_sqli().
 *
 * The bulk of the cases are data: tests/unit/data/sqli/attacks.txt (every
 * line must be detected) and benign.txt (no line may be). One value per
 * line, "\xNN" escapes decoded, blank lines and "# " comment lines skipped;
 * the directory comes from $RP_TEST_DATA. The C cases below cover what a
 * text file cannot: the result structure, hostile bytes, very long inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rampart/detect.h"

#define LINE_MAX_BYTES 8192

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode "\xNN" in place; returns the new length. */
static size_t unescape(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 &&
            hexval(s[i + 3]) >= 0) {
            s[o++] = (char)(hexval(s[i + 2]) * 16 + hexval(s[i + 3]));
            i += 3;
        } else {
            s[o++] = s[i];
        }
    }
    return o;
}

/* Run every fixture line of tests/unit/data/sqli/<name> and check the
 * verdict; returns the number of lines checked. Mismatches are printed
 * all together before failing, so one run shows every regression. */
static size_t check_fixture(const char *name, bool expect)
{
    const char *dir = getenv("RP_TEST_DATA");
    char path[4096];
    snprintf(path, sizeof(path), "%s/sqli/%s", dir ? dir : "tests/unit/data", name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s (set RP_TEST_DATA to tests/unit/data)", path);

    char line[LINE_MAX_BYTES];
    size_t checked = 0, wrong = 0;
    while (fgets(line, sizeof(line), f)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (n == 0 || (line[0] == '#' && (n == 1 || line[1] == ' ')))
            continue;
        n = unescape(line, n);
        rp_detect_result_t r;
        memset(&r, 0, sizeof(r));
        bool got = rp_detect_sqli(line, n, &r);
        checked++;
        if (got != expect) {
            wrong++;
            print_message("%s: %s: %.*s [%s]\n", name, expect ? "missed" : "false positive", (int)n,
                          line, r.fingerprint);
        } else if (got) {
            /* The reported region lies inside the input. */
            assert_true(r.offset <= n && r.length <= n - r.offset && r.length > 0);
            assert_true(strlen(r.fingerprint) > 0 && strlen(r.fingerprint) < RP_FINGERPRINT_MAX);
        }
    }
    fclose(f);
    assert_true(checked > 0);
    assert_int_equal(wrong, 0);
    return checked;
}

static void test_attacks_detected(void **state)
{
    (void)state;
    assert_true(check_fixture("attacks.txt", true) >= 100);
}

static void test_benign_not_flagged(void **state)
{
    (void)state;
    assert_true(check_fixture("benign.txt", false) >= 100);
}

static void test_result_fields(void **state)
{
    (void)state;
    const char *in = "name=1' or '1'='1";
    rp_detect_result_t r;
    assert_true(rp_detect_sqli(in, strlen(in), &r));
    assert_string_equal(r.fingerprint, "s&sos");
    /* The excerpt starts at the break-out and covers the condition. */
    assert_int_equal(r.offset, 0);
    assert_true(r.length >= strlen("name=1' or '1'='1") - 1);

    const char *u = "-1 UNION ALL SELECT NULL,NULL--";
    assert_true(rp_detect_sqli(u, strlen(u), &r));
    assert_non_null(strchr(r.fingerprint, 'U'));
    assert_true(r.length > 0 && r.offset + r.length <= strlen(u));

    /* out may be NULL */
    assert_true(rp_detect_sqli(u, strlen(u), NULL));
}

static void test_empty_and_null(void **state)
{
    (void)state;
    rp_detect_result_t r;
    assert_false(rp_detect_sqli("", 0, &r));
    assert_false(rp_detect_sqli(NULL, 0, &r));
    assert_false(rp_detect_sqli(NULL, 10, NULL));
    /* Length governs, not NUL termination: the attack is past len. */
    assert_false(rp_detect_sqli("1 or 1=1", 1, &r));
}

static void test_nul_bytes(void **state)
{
    (void)state;
    /* NUL is whitespace to the lexer, and never ends the scan. */
    static const char a[] = "1'\0or\0'1'='1";
    assert_true(rp_detect_sqli(a, sizeof(a) - 1, NULL));
    char zeros[4096];
    memset(zeros, 0, sizeof(zeros));
    assert_false(rp_detect_sqli(zeros, sizeof(zeros), NULL));
}

static void test_all_byte_values(void **state)
{
    (void)state;
    unsigned char buf[512];
    for (int i = 0; i < 256; i++) {
        buf[i] = (unsigned char)i;
        buf[511 - i] = (unsigned char)i;
    }
    rp_detect_result_t r;
    (void)rp_detect_sqli((const char *)buf, sizeof(buf), &r);
    /* every single byte, and every byte after each quote style */
    for (int i = 0; i < 256; i++) {
        char one[3] = {(char)i, '\'', (char)i};
        (void)rp_detect_sqli(one, 1, &r);
        (void)rp_detect_sqli(one, 3, &r);
    }
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "\xff\xfe' or '1'='1",                              /* still an attack after garbage */
        "\xc3\x28\xa0\xa1\xe2\x28",                         /* invalid sequences */
        "\xf0\x28\x8c\x28 union",                           /* truncated 4-byte */
        "\xe6\x88\x91\xe4\xbb\xac\xe7\x9a\x84\xe2\x80\x9c", /* valid Chinese + quote */
    };
    assert_true(rp_detect_sqli(cases[0], strlen(cases[0]), NULL));
    for (size_t i = 1; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_false(rp_detect_sqli(cases[i], strlen(cases[i]), NULL));
}

/* 1 MB inputs: benign filler, each quote style left open, and a payload at
 * the very end that must still be seen (bounded memory, full analysis). */
static void test_megabyte_inputs(void **state)
{
    (void)state;
    const size_t mb = 1u << 20;
    char *buf = malloc(mb + 64);
    assert_non_null(buf);

    static const char fill[] = {'a', '\'', '"', '`', '(', '-', '/', '\\', '$', '@'};
    for (size_t k = 0; k < sizeof(fill); k++) {
        memset(buf, fill[k], mb);
        (void)rp_detect_sqli(buf, mb, NULL);
    }

    /* "a 1 a 1 ..." : many tokens, window slides thousands of times */
    for (size_t i = 0; i < mb; i++)
        buf[i] = (i % 4 == 0) ? 'a' : (i % 4 == 2) ? '1' : ' ';
    bool filler_hit = rp_detect_sqli(buf, mb, NULL);

    const char *tail = "x' UNION SELECT username,password FROM users--";
    memcpy(buf + mb - strlen(tail), tail, strlen(tail));
    rp_detect_result_t r;
    bool tail_hit = rp_detect_sqli(buf, mb, &r);

    /* The same payload after a balanced quote pair deep in the value. */
    memcpy(buf + 1000, "'x'", 3);
    rp_detect_result_t r2;
    bool deep_hit = rp_detect_sqli(buf, mb, &r2);

    /* Open comment / string swallowing everything: no crash. */
    memcpy(buf, "/*", 2);
    (void)rp_detect_sqli(buf, mb, NULL);
    free(buf);

    assert_false(filler_hit);
    assert_true(tail_hit);
    assert_true(r.offset + r.length <= mb && r.offset + r.length > mb - 64);
    assert_true(deep_hit);
    assert_true(r2.offset + r2.length <= mb && r2.offset + r2.length > mb - 64);
}

static void test_pseudo_random(void **state)
{
    (void)state;
    /* Random token soup from SQL-significant bytes; looking for crashes
     * and sanitizer reports, not verdicts. */
    static const char alphabet[] = "'\"`;()#-/*=<>!|&@,+%^~:[]$\\. \n01aAxXsSeElnoruiN";
    char buf[256];
    uint32_t x = 2463534242u;
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(round % 255) + 1;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[i] = alphabet[x % (sizeof(alphabet) - 1)];
        }
        rp_detect_result_t r;
        if (rp_detect_sqli(buf, n, &r))
            assert_true(r.offset + r.length <= n && strlen(r.fingerprint) < RP_FINGERPRINT_MAX);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attacks_detected), cmocka_unit_test(test_benign_not_flagged),
        cmocka_unit_test(test_result_fields),    cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_nul_bytes),        cmocka_unit_test(test_all_byte_values),
        cmocka_unit_test(test_invalid_utf8),     cmocka_unit_test(test_megabyte_inputs),
        cmocka_unit_test(test_pseudo_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
