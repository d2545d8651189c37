/*
 * detect_xss_test.c — black-box tests of rp_detect_xss().
 *
 * The bulk of the cases are data: tests/unit/data/xss/attacks.txt (every line
 * must be flagged) and benign.txt (no line may be flagged), found through
 * $RP_TEST_DATA. A failing line is printed with its line number before the
 * test fails, so one run shows every regression. The rest checks what the
 * files cannot say: fingerprints and regions, and hostile input (NUL bytes,
 * megabyte values, every byte value, invalid UTF-8) that must neither crash
 * nor take more than linear time.
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

#define MAX_LINE 8192

/* Reads the next case of a data file into buf: '#' lines and empty lines are
 * skipped, "\xNN" is a byte and "\\" a backslash. Returns the length, or -1
 * at end of file. */
static long next_case(FILE *f, char *buf, size_t cap, int *lineno)
{
    char line[MAX_LINE];

    while (fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\r\n"), i, o = 0;

        (*lineno)++;
        line[n] = '\0';
        if (n == 0 || line[0] == '#') {
            continue;
        }
        for (i = 0; i < n && o < cap; i++) {
            if (line[i] == '\\' && line[i + 1] == 'x' && i + 3 < n + 1 && line[i + 2] &&
                line[i + 3]) {
                char hex[3] = {line[i + 2], line[i + 3], '\0'};
                char *end;
                long v = strtol(hex, &end, 16);
                if (*end == '\0') {
                    buf[o++] = (char)v;
                    i += 3;
                    continue;
                }
            }
            if (line[i] == '\\' && line[i + 1] == '\\') {
                buf[o++] = '\\';
                i++;
                continue;
            }
            buf[o++] = line[i];
        }
        return (long)o;
    }
    return -1;
}

static FILE *open_data(const char *name)
{
    const char *dir = getenv("RP_TEST_DATA");
    char path[1024];
    FILE *f;

    if (!dir) {
        fail_msg("RP_TEST_DATA is not set (it should point at tests/unit/data)");
    }
    snprintf(path, sizeof(path), "%s/xss/%s", dir, name);
    f = fopen(path, "r");
    if (!f) {
        fail_msg("cannot open %s", path);
    }
    return f;
}

/* Runs every case of a file; counts those whose verdict is not `expect`. */
static void run_file(const char *name, bool expect)
{
    FILE *f = open_data(name);
    char buf[MAX_LINE];
    int lineno = 0, cases = 0, wrong = 0;
    long n;

    while ((n = next_case(f, buf, sizeof(buf), &lineno)) >= 0) {
        rp_detect_result_t r;
        bool got;

        memset(&r, 0x55, sizeof(r));
        got = rp_detect_xss(buf, (size_t)n, &r);
        cases++;
        if (got != expect) {
            wrong++;
            print_message("%s:%d: %s: %.*s\n", name, lineno, expect ? "missed" : "flagged", (int)n,
                          buf);
            if (got) {
                print_message("    fingerprint %s at %zu+%zu\n", r.fingerprint, r.offset, r.length);
            }
        }
        if (got) {
            assert_true(strlen(r.fingerprint) < RP_FINGERPRINT_MAX);
            assert_true(r.offset <= (size_t)n);
            assert_true(r.length <= (size_t)n - r.offset);
        }
        /* The verdict must not depend on whether a result is wanted. */
        assert_int_equal(rp_detect_xss(buf, (size_t)n, NULL), got);
    }
    fclose(f);
    print_message("%s: %d cases, %d wrong\n", name, cases, wrong);
    assert_true(cases > 0);
    assert_int_equal(wrong, 0);
}

static void test_attacks(void **state)
{
    (void)state;
    run_file("attacks.txt", true);
}

static void test_benign(void **state)
{
    (void)state;
    run_file("benign.txt", false);
}

static void expect_fp(const char *in, const char *fingerprint, size_t offset, size_t length)
{
    rp_detect_result_t r;

    assert_true(rp_detect_xss(in, strlen(in), &r));
    assert_string_equal(r.fingerprint, fingerprint);
    assert_int_equal(r.offset, offset);
    assert_int_equal(r.length, length);
}

static void test_fingerprints(void **state)
{
    (void)state;
    expect_fp("<script>alert(1)</script>", "tag:script", 0, 7);
    expect_fp("ab<SCRIPT src=x>", "tag:script", 2, 7);
    expect_fp("<img src=x onerror=alert(1)>", "attr:onerror", 11, 16);
    expect_fp("\" onmouseover=\"alert(1)", "attr:onmouseove", 2, 21);
    expect_fp("<a href=\"javascript:alert(1)\">", "url:javascript", 3, 25);
    expect_fp("<a href=vbscript:x>", "url:vbscript", 3, 15);
    expect_fp("<a href=\"data:text/html,x\">", "url:data", 3, 22);
    expect_fp("<p style=\"x:expression(1)\">", "css:expression", 3, 22);
    expect_fp("';alert(1)//", "js:alert", 2, 5);
    expect_fp("document.cookie", "js:document", 0, 8);
    expect_fp("{{constructor.constructor('alert(1)')()}}", "js:constructor", 2, 11);
    /* long handler names are cut, still NUL-terminated */
    expect_fp("<x onpointerrawupdate=f()>", "attr:onpointerr", 3, 22);
}

static void test_empty_and_null(void **state)
{
    rp_detect_result_t r;

    (void)state;
    assert_false(rp_detect_xss("", 0, &r));
    assert_false(rp_detect_xss(NULL, 0, &r));
    assert_false(rp_detect_xss(NULL, 10, NULL));
    /* only the first len bytes count */
    assert_false(rp_detect_xss("<script>", 3, &r));
    assert_true(rp_detect_xss("<script>", 8, NULL));
}

static void test_nul_bytes(void **state)
{
    static const char a[] = "<img src=x o\0nerror=alert(1)>";
    static const char b[] = "\0\0\0<svg onload=alert(1)>\0";
    static const char c[] = "hello\0world\0<\0>";
    rp_detect_result_t r;

    (void)state;
    rp_detect_xss(a, sizeof(a) - 1, &r); /* either verdict; must not crash */
    assert_true(rp_detect_xss(b, sizeof(b) - 1, &r));
    assert_false(rp_detect_xss(c, sizeof(c) - 1, &r));
}

#define BIG (1024 * 1024)

static void test_megabyte_inputs(void **state)
{
    char *buf = malloc(BIG + 64);
    rp_detect_result_t r;
    size_t i;

    (void)state;
    assert_non_null(buf);

    memset(buf, 'a', BIG);
    assert_false(rp_detect_xss(buf, BIG, &r));

    /* deep nesting of '<' and of unfinished tags */
    memset(buf, '<', BIG);
    assert_false(rp_detect_xss(buf, BIG, &r));
    for (i = 0; i + 3 <= BIG; i += 3) {
        memcpy(buf + i, "<a ", 3);
    }
    assert_false(rp_detect_xss(buf, BIG, &r));
    for (i = 0; i + 2 <= BIG; i += 2) {
        memcpy(buf + i, "<<", 2);
    }
    memcpy(buf + BIG - 8, "<script>", 8);
    assert_true(rp_detect_xss(buf, BIG, &r));
    assert_string_equal(r.fingerprint, "tag:script");
    assert_int_equal(r.offset, BIG - 8);

    /* one huge attribute value full of references, then a handler */
    memcpy(buf, "<a title=\"", 10);
    for (i = 10; i + 2 <= BIG - 40; i += 2) {
        memcpy(buf + i, "&#", 2);
    }
    memcpy(buf + i, "\" onclick=alert(1)>", 19);
    assert_true(rp_detect_xss(buf, i + 19, &r));
    assert_string_equal(r.fingerprint, "attr:onclick");

    /* a megabyte of URL-attribute leading spaces and digits of one reference */
    memcpy(buf, "<a href=\"", 9);
    memset(buf + 9, ' ', BIG / 2);
    memcpy(buf + 9 + BIG / 2, "&#", 2);
    memset(buf + 11 + BIG / 2, '0', BIG / 2 - 32);
    memcpy(buf + BIG - 21, "106;avascript:x()\">", 19);
    assert_true(rp_detect_xss(buf, BIG - 2, &r));
    assert_string_equal(r.fingerprint, "url:javascript");

    /* comments that never end, quotes that never close */
    memcpy(buf, "<!--", 4);
    memset(buf + 4, '-', BIG - 4);
    assert_false(rp_detect_xss(buf, BIG, &r));
    memset(buf, '"', BIG);
    assert_false(rp_detect_xss(buf, BIG, &r));
    for (i = 0; i + 4 <= BIG; i += 4) {
        memcpy(buf + i, "x=\" ", 4);
    }
    assert_false(rp_detect_xss(buf, BIG, &r));
    for (i = 0; i + 8 <= BIG; i += 8) {
        memcpy(buf + i, "/**/\\65(", 8);
    }
    assert_false(rp_detect_xss(buf, BIG, &r));

    /* Chinese text, full-width punctuation */
    for (i = 0; i + 6 <= BIG; i += 6) {
        memcpy(buf + i, "\xe6\x9c\x8d\xef\xbc\x8c", 6);
    }
    assert_false(rp_detect_xss(buf, i, &r));
    free(buf);
}

static void test_all_byte_values(void **state)
{
    char buf[512];
    rp_detect_result_t r;
    int b;

    (void)state;
    for (b = 0; b < 256; b++) {
        buf[b] = (char)b;
        buf[b + 256] = (char)(255 - b);
    }
    rp_detect_xss(buf, sizeof(buf), &r);
    /* each byte alone, and after "<a" and inside a URL attribute */
    for (b = 0; b < 256; b++) {
        char one = (char)b;
        char tag[16] = "<a href=";
        assert_false(rp_detect_xss(&one, 1, &r));
        tag[8] = (char)b;
        rp_detect_xss(tag, 9, &r);
        memcpy(tag, "<a", 2);
        tag[2] = (char)b;
        rp_detect_xss(tag, 3, &r);
    }
}

static void test_invalid_utf8(void **state)
{
    static const char *cases[] = {
        "\xff\xfe<\xc0\xbcscript>", "\xe6\x9c<p>\x8d</p>", "<img src=\xf0\x9f x>",
        "\xc0\xbcscript\xc0\xbe",   "\x80\x80\x80<\x80>",
    };
    rp_detect_result_t r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_false(rp_detect_xss(cases[i], strlen(cases[i]), &r));
    }
    /* a payload after garbage is still found */
    assert_true(rp_detect_xss("\xff\xfe\xfd<svg onload=alert(1)>", 24, &r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attacks),         cmocka_unit_test(test_benign),
        cmocka_unit_test(test_fingerprints),    cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_nul_bytes),       cmocka_unit_test(test_megabyte_inputs),
        cmocka_unit_test(test_all_byte_values), cmocka_unit_test(test_invalid_utf8),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
