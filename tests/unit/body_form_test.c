/*
 * body_form_test.c — the urlencoded body processor: a table of ordinary and
 * hostile bodies, each fed whole, split at every byte (and every pair of
 * bytes when short) and byte by byte, asserting the exact fields, flags and
 * verdict; plus limits and allocation failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"

#define EXPECTED_SOURCE(flags)    RP_SRC_FORM
#define NEW_PROC(a, lim, fn, ctx) rp_body_form_new(a, lim, fn, ctx)

#include "body_harness.h"

static const rp_body_limits_t deflim = {
    .max_depth = 32, .max_fields = 100, .max_field_size = 64, .max_name_size = 32};
static const rp_body_limits_t small = {
    .max_depth = 4, .max_fields = 3, .max_field_size = 8, .max_name_size = 4};

static const body_case_t cases[] = {
    {"", &deflim, RP_OK, ""},
    {"a=1", &deflim, RP_OK, "a=1\n"},
    {"a=1&b=2", &deflim, RP_OK, "a=1\nb=2\n"},
    {"a=1&&b=2&", &deflim, RP_OK, "a=1\nb=2\n"},
    {"&&&", &deflim, RP_OK, ""},
    {"a", &deflim, RP_OK, "a= [KEY]\n"},
    {"a&b=", &deflim, RP_OK, "a= [KEY]\nb=\n"},
    {"=", &deflim, RP_OK, "=\n"},
    {"=x", &deflim, RP_OK, "=x\n"},
    {"a==b", &deflim, RP_OK, "a==b\n"},
    {"a=1;b=2", &deflim, RP_OK, "a=1;b=2\n"},
    {"q=a+b%20c", &deflim, RP_OK, "q=a b c\n"},
    {"a%2Bb=%26%3D", &deflim, RP_OK, "a+b=&=\n"},
    {"x=%27%20OR%201%3D1--", &deflim, RP_OK, "x=' OR 1=1--\n"},
    {"x=%", &deflim, RP_OK, "x=% [BADENC]\n"},
    {"x=%zz&y=%4", &deflim, RP_OK, "x=%zz [BADENC]\ny=%4 [BADENC]\n"},
    {"x=%252e%252e%252f", &deflim, RP_OK, "x=%2e%2e%2f [DOUBLE]\n"},
    {"x=%u003cscript%u003e", &deflim, RP_OK, "x=<script> [UNICODE]\n"},
    {"x=%uD83D%uDE00", &deflim, RP_OK, "x=\\xf0\\x9f\\x98\\x80 [UNICODE]\n"},
    {"x=a%00b", &deflim, RP_OK, "x=a\\x00b [NUL]\n"},
    {"x=%c0%af", &deflim, RP_OK, "x=\\xc0\\xaf [OVERLONG]\n"},
    {"x=%ff%fe", &deflim, RP_OK, "x=\\xff\\xfe [INVUTF8]\n"},
    {"%00=v", &deflim, RP_OK, "\\x00=v [NUL]\n"},
    {"n%zz=%2541", &deflim, RP_OK, "n%zz=%41 [BADENC+DOUBLE]\n"},
    {"k", &deflim, RP_OK, "k= [KEY]\n"},
    {"x=a\r\n", &deflim, RP_OK, "x=a\\x0d\\x0a\n"},
    /* Limits: values cut at 8 bytes and flagged, parsing goes on. */
    {"v=123456789&w=1", &small, RP_OK, "v=12345678 [TRUNC]\nw=1\n"},
    {"v=12345678", &small, RP_OK, "v=12345678\n"},
    /* A cut never leaves half an escape or half a character behind. */
    {"v=1234567%41", &small, RP_OK, "v=1234567 [TRUNC]\n"},
    {"v=123456%4142", &small, RP_OK, "v=123456 [TRUNC]\n"},
    {"v=12%u0041%u0042", &small, RP_OK, "v=12A [TRUNC+UNICODE]\n"},
    {"v=12%uD83D%uDE00", &small, RP_OK, "v=12 [TRUNC]\n"},
    {"v=%C3%A9%C3%A9%C3%A9", &small, RP_OK, "v=\\xc3\\xa9 [TRUNC]\n"},
    {"v=1234567\xc3\xa9", &small, RP_OK, "v=1234567 [TRUNC]\n"},
    {"v=%zz%zz%zz", &small, RP_OK, "v=%zz%zz [TRUNC+BADENC]\n"},
    {"v=12%00%00xyz", &small, RP_OK, "v=12\\x00\\x00 [TRUNC+NUL]\n"},
    /* Names: 4 decoded bytes allowed, more is a limit. */
    {"abcd=1", &small, RP_OK, "abcd=1\n"},
    {"abcde=1", &small, RP_LIMIT, ""},
    {"%61%62%63%64=1", &small, RP_OK, "abcd=1\n"},
    {"%u0061%u0062%u0063%u0064=1", &small, RP_OK, "abcd=1 [UNICODE]\n"},
    {"%u0061%u0062%u0063%u0064%u0065=1", &small, RP_LIMIT, ""},
    {"abcdeabcdeabcdeabcdeabcdeabcdeabcdeabcde", &small, RP_LIMIT, ""},
    /* Fields: 3 allowed. */
    {"a&b&c", &small, RP_OK, "a= [KEY]\nb= [KEY]\nc= [KEY]\n"},
    {"a&b&c&d", &small, RP_LIMIT, "a= [KEY]\nb= [KEY]\nc= [KEY]\n"},
    {"a&b&c&&&", &small, RP_OK, "a= [KEY]\nb= [KEY]\nc= [KEY]\n"},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_row("form", i, &cases[i], strlen(cases[i].in));
}

static void test_reasons(void **state)
{
    (void)state;
    run_t r;
    run_split("abcde=1", 7, &small, 0, 0, 0, &r);
    assert_int_equal(r.status, RP_LIMIT);
    assert_string_equal(r.reason, "form: field name too long");
    run_split("a&b&c&d", 7, &small, 0, 0, 0, &r);
    assert_string_equal(r.reason, "form: too many fields");
}

static void test_callback_stops(void **state)
{
    (void)state;
    check_callback_stops(&deflim, 1, "a=1&b=2&c=3", "&d=4", "a=1\n");
}

static void test_feed_after_finish(void **state)
{
    (void)state;
    rp_arena_t *a;
    sink_t s;
    rp_body_proc_t *p = open_proc(&a, &deflim, &s);
    assert_int_equal(p->feed(p, "a=1", 3), RP_OK);
    assert_int_equal(p->finish(p), RP_OK);
    assert_int_equal(p->finish(p), RP_OK);
    assert_string_equal(s.log, "a=1\n");
    assert_int_equal(p->feed(p, "&b", 2), RP_ERROR);
    rp_arena_free(a);
}

/* A huge value or a flood of fields must not grow memory past the limits. */
static void test_memory_bounded(void **state)
{
    (void)state;
    rp_body_limits_t lim = {
        .max_depth = 8, .max_fields = 0, .max_field_size = 1024, .max_name_size = 64};
    rp_arena_t *a;
    sink_t s;
    rp_body_proc_t *p = open_proc(&a, &lim, &s);
    assert_int_equal(p->feed(p, "big=", 4), RP_OK);
    feed_filler(p, 'A', 1000);
    assert_int_equal(p->feed(p, "&", 1), RP_OK);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(p->feed(p, "k=v&", 4), RP_OK);
    assert_true(rp_arena_used(a) < 64 * 1024);
    s.len = 0; /* the sink's log is bounded; keep it from overflowing */
    assert_int_equal(p->finish(p), RP_OK);
    rp_arena_free(a);
}

static void test_nomem(void **state)
{
    (void)state;
    const char *in = "alpha=%41%42&beta&gamma=0123456789012345678901234567890123456789";
    check_nomem(in, strlen(in), &deflim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),          cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_callback_stops), cmocka_unit_test(test_feed_after_finish),
        cmocka_unit_test(test_memory_bounded), cmocka_unit_test(test_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
