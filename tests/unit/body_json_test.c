/*
 * body_json_test.c — the streaming JSON processor: a table of ordinary and
 * hostile documents, each fed whole, split at every byte (and every pair of
 * bytes when short) and byte by byte, asserting the exact fields, flags and
 * verdict; plus limits, deep nesting and allocation failure.
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

#define EXPECTED_SOURCE(flags)    RP_SRC_JSON
#define NEW_PROC(a, lim, fn, ctx) rp_body_json_new(a, lim, fn, ctx)

#include "body_harness.h"

static const rp_body_limits_t deflim = {
    .max_depth = 8, .max_fields = 100, .max_field_size = 64, .max_name_size = 32};
static const rp_body_limits_t small = {
    .max_depth = 2, .max_fields = 3, .max_field_size = 4, .max_name_size = 5};

#define E RP_ERROR
#define L RP_LIMIT

static const body_case_t cases[] = {
    /* The brief's example, and the shapes around it. */
    {"{\"a\":{\"b\":[1,{\"c\":\"x\"}]}}", &deflim, RP_OK,
     "a=a [KEY]\na.b=b [KEY]\na.b.0=1\na.b.1.c=c [KEY]\na.b.1.c=x\n"},
    {"", &deflim, RP_OK, ""},
    {"1", &deflim, RP_OK, "=1\n"},
    {" \"s\" ", &deflim, RP_OK, "=s\n"},
    {"true", &deflim, RP_OK, "=true\n"},
    {"[false,null]", &deflim, RP_OK, "0=false\n1=null\n"},
    {"[]", &deflim, RP_OK, ""},
    {"{}", &deflim, RP_OK, ""},
    {"{\"a\":[]}", &deflim, RP_OK, "a=a [KEY]\n"},
    {"[[1,2],[3]]", &deflim, RP_OK, "0.0=1\n0.1=2\n1.0=3\n"},
    {"{\"\":{\"a\":1}}", &deflim, RP_OK, "= [KEY]\n.a=a [KEY]\n.a=1\n"},
    {"\xef\xbb\xbf{\"a\":1}", &deflim, RP_OK, "a=a [KEY]\na=1\n"},
    {"-0.5e+10", &deflim, RP_OK, "=-0.5e+10\n"},
    {"[0,-0,1E3,2.50,1e-7]", &deflim, RP_OK, "0=0\n1=-0\n2=1E3\n3=2.50\n4=1e-7\n"},
    {" \t\r\n[1]\n", &deflim, RP_OK, "0=1\n"},
    /* Escapes. */
    {"\"a\\nb\\t\\\"\\\\\\/\\b\\f\\r\"", &deflim, RP_OK, "=a\\x0ab\\x09\"\\x5c/\\x08\\x0c\\x0d\n"},
    {"\"\\u0041\\u00e9\\u20AC\"", &deflim, RP_OK, "=A\\xc3\\xa9\\xe2\\x82\\xac\n"},
    {"\"\\uD83D\\uDE00\"", &deflim, RP_OK, "=\\xf0\\x9f\\x98\\x80\n"},
    {"\"\\u0000\"", &deflim, RP_OK, "=\\x00\n"},
    {"\"\\u003cscript\\u003e\"", &deflim, RP_OK, "=<script>\n"},
    {"\"\\uD83D\"", &deflim, RP_OK, "=\\x5cuD83D [BADESC]\n"},
    {"\"\\uDE00x\"", &deflim, RP_OK, "=\\x5cuDE00x [BADESC]\n"},
    {"\"\\uD83Dx\"", &deflim, RP_OK, "=\\x5cuD83Dx [BADESC]\n"},
    {"\"\\uD83D\\n\"", &deflim, RP_OK, "=\\x5cuD83D\\x0a [BADESC]\n"},
    {"\"\\uD83D\\u0041\"", &deflim, RP_OK, "=\\x5cuD83DA [BADESC]\n"},
    {"\"\\uD83D\\uD83D\\uDE00\"", &deflim, RP_OK, "=\\x5cuD83D\\xf0\\x9f\\x98\\x80 [BADESC]\n"},
    {"\"\\uD83D\\u12\"", &deflim, RP_OK, "=\\x5cuD83D\\x5cu12 [BADESC]\n"},
    {"\"\\u12G4\"", &deflim, RP_OK, "=\\x5cu12G4 [BADESC]\n"},
    {"\"\\u12\"", &deflim, RP_OK, "=\\x5cu12 [BADESC]\n"},
    {"\"\\x41\"", &deflim, RP_OK, "=\\x5cx41 [BADESC]\n"},
    {"\"a\\\"", &deflim, E, ""},
    {"{\"k\\u0041\":1}", &deflim, RP_OK, "kA=kA [KEY]\nkA=1\n"},
    {"{\"\\uDE00\":1}", &deflim, RP_OK, "\\x5cuDE00=\\x5cuDE00 [BADESC+KEY]\n\\x5cuDE00=1\n"},
    {"\"caf\xc3\xa9\"", &deflim, RP_OK, "=caf\\xc3\\xa9\n"},
    /* Malformed. */
    {"[1,]", &deflim, E, "0=1\n"},
    {"{\"a\":1,}", &deflim, E, "a=a [KEY]\na=1\n"},
    {"{a:1}", &deflim, E, ""},
    {"{'a':1}", &deflim, E, ""},
    {"{1:1}", &deflim, E, ""},
    {"{\"a\" 1}", &deflim, E, "a=a [KEY]\n"},
    {"{\"a\":}", &deflim, E, "a=a [KEY]\n"},
    {"[1 2]", &deflim, E, "0=1\n"},
    {"[1,,2]", &deflim, E, "0=1\n"},
    {"[,1]", &deflim, E, ""},
    {"{,}", &deflim, E, ""},
    {"[1}", &deflim, E, "0=1\n"},
    {"{\"a\":1]", &deflim, E, "a=a [KEY]\na=1\n"},
    {"]", &deflim, E, ""},
    {"[", &deflim, E, ""},
    {"{\"a\":1", &deflim, E, "a=a [KEY]\n"},
    {"\"abc", &deflim, E, ""},
    {"\"a\nb\"", &deflim, E, ""},
    {"\"a\tb\"", &deflim, E, ""},
    {"\"a\x01\"", &deflim, E, ""},
    {"01", &deflim, E, ""},
    {"-01", &deflim, E, ""},
    {"[00]", &deflim, E, ""},
    {"+1", &deflim, E, ""},
    {".5", &deflim, E, ""},
    {"1.", &deflim, E, ""},
    {"1.e5", &deflim, E, ""},
    {"1e", &deflim, E, ""},
    {"1e+", &deflim, E, ""},
    {"-", &deflim, E, ""},
    {"- 1", &deflim, E, ""},
    {"0x10", &deflim, E, "=0\n"},
    {"1.5.3", &deflim, E, "=1.5\n"},
    {"NaN", &deflim, E, ""},
    {"Infinity", &deflim, E, ""},
    {"tru", &deflim, E, ""},
    {"truex", &deflim, E, "=true\n"},
    {"nul", &deflim, E, ""},
    {"TRUE", &deflim, E, ""},
    {"1 2", &deflim, E, "=1\n"},
    {"{} x", &deflim, E, ""},
    {"{}{}", &deflim, E, ""},
    {"[1]/*c*/", &deflim, E, "0=1\n"},
    {"// c\n1", &deflim, E, ""},
    {" ", &deflim, E, ""},
    {"\xef\xbb\xbf", &deflim, E, ""},
    {"\xef\xbb", &deflim, E, ""},
    {"\xef\xbb\xbf\xef\xbb\xbf{}", &deflim, E, ""},
    {"[1]\xef\xbb\xbf", &deflim, E, "0=1\n"},
    {"\x00", &deflim, E, ""},
    /* Limits: depth 2, 3 fields, values cut at 4, names up to 5. */
    {"[[1]]", &small, RP_OK, "0.0=1\n"},
    {"[[[1]]]", &small, L, ""},
    {"{\"a\":{\"b\":[1]}}", &small, L, "a=a [KEY]\na.b=b [KEY]\n"},
    {"[1,2,3,4]", &small, L, "0=1\n1=2\n2=3\n"},
    {"{\"a\":1,\"b\":2}", &small, L, "a=a [KEY]\na=1\nb=b [KEY]\n"},
    {"\"abcdef\"", &small, RP_OK, "=abcd [TRUNC]\n"},
    {"123456", &small, RP_OK, "=1234 [TRUNC]\n"},
    {"\"ab\\u00e9\\u00e9\"", &small, RP_OK, "=ab\\xc3\\xa9 [TRUNC]\n"},
    {"\"abc\\u00e9\"", &small, RP_OK, "=abc\\xc3 [TRUNC]\n"},
    {"{\"abcde\":1}", &small, RP_OK, "abcde=abcd [TRUNC+KEY]\nabcde=1\n"},
    {"{\"abcdef\":1}", &small, L, ""},
    {"{\"abc\":{\"d\":1}}", &small, RP_OK, "abc=abc [KEY]\nabc.d=d [KEY]\nabc.d=1\n"},
    {"{\"abc\":{\"de\":1}}", &small, L, "abc=abc [KEY]\n"},
    {"[[1,2,3,4,5,6,7,8,9,10]]", &small, L, "0.0=1\n0.1=2\n0.2=3\n"},
    {"[\"abcdef\",\"\\x\"]", &small, RP_OK, "0=abcd [TRUNC]\n1=\\x5cx [BADESC]\n"},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = strlen(cases[i].in);
        if (len == 0 && cases[i].status == E)
            len = 1; /* the "\x00" row */
        check_row("json", i, &cases[i], len);
    }
}

static void test_reasons(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *reason;
    } rows[] = {
        {"[1,]", "JSON: trailing comma"},
        {"{\"a\":1,}", "JSON: trailing comma"},
        {"{a:1}", "JSON: object key must be a string"},
        {"\"a\nb\"", "JSON: control character in string"},
        {"01", "JSON: number with a leading zero"},
        {"1 2", "JSON: data after the top-level value"},
        {"\"abc", "JSON: unterminated string"},
        {"[1", "JSON: unexpected end of document"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        run_t r;
        run_split(rows[i].in, strlen(rows[i].in), &deflim, 0, 0, 0, &r);
        assert_int_equal(r.status, RP_ERROR);
        assert_string_equal(r.reason, rows[i].reason);
    }
    run_t r;
    run_split("[[[1]]]", 7, &small, 0, 0, 0, &r);
    assert_string_equal(r.reason, "JSON: nesting too deep");
}

/* 100000 nested arrays: RP_LIMIT at the depth, no recursion, no growth. */
static void test_deep_nesting(void **state)
{
    (void)state;
    size_t n = 100000;
    char *in = malloc(n);
    memset(in, '[', n);
    rp_body_limits_t lim = deflim;
    lim.max_depth = 1000;
    run_t r;
    run_split(in, n, &lim, 0, 0, 0, &r);
    assert_int_equal(r.status, RP_LIMIT);
    /* With no depth limit the stack grows in the arena and the document
     * is merely unterminated. */
    lim.max_depth = 0;
    lim.max_name_size = 0;
    run_split(in, n, &lim, 0, 0, 0, &r);
    assert_int_equal(r.status, RP_ERROR);
    free(in);
}

static void test_memory_bounded(void **state)
{
    (void)state;
    rp_body_limits_t lim = {
        .max_depth = 8, .max_fields = 0, .max_field_size = 1024, .max_name_size = 64};
    rp_arena_t *a;
    sink_t s;
    rp_body_proc_t *p = open_proc(&a, &lim, &s);
    assert_int_equal(p->feed(p, "[\"", 2), RP_OK);
    feed_filler(p, 'A', 1000);
    assert_int_equal(p->feed(p, "\"", 1), RP_OK);
    for (int i = 0; i < 10000; i++) {
        s.len = 0;
        assert_int_equal(p->feed(p, ",{\"k\":1}", 8), RP_OK);
    }
    assert_int_equal(p->feed(p, "]", 1), RP_OK);
    assert_int_equal(p->finish(p), RP_OK);
    assert_true(rp_arena_used(a) < 64 * 1024);
    rp_arena_free(a);
}

static void test_callback_stops(void **state)
{
    (void)state;
    check_callback_stops(&deflim, 2, "{\"a\":1,\"b\":2}", NULL, "a=a [KEY]\na=1\n");
}

static void test_nomem(void **state)
{
    (void)state;
    const char *in = "{\"alpha\":[1,2,{\"beta\":\"\\u00e9xxxxxxxxxxxxxxxxxxxxxxxx\"}],\"g\":null}";
    check_nomem(in, strlen(in), &deflim);
}

/* Random documents for the differential test below: valid JSON most of
 * the time, built from pieces that sit on the fast path's edges (escapes,
 * control bytes, Chinese text, numbers right and wrong, cut literals), with
 * an occasional byte changed. */
static unsigned rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

static void gen_put(char *out, size_t *n, size_t cap, const char *s)
{
    size_t l = strlen(s);
    if (*n + l < cap) {
        memcpy(out + *n, s, l);
        *n += l;
    }
}

static void gen_string(char *out, size_t *n, size_t cap, unsigned *seed)
{
    static const char *const pieces[] = {
        "a",          "Bc_9",         "\xe4\xb8\xad\xe6\x96\x87",
        " ",          "\\n",          "\\\"",
        "\\u0041",    "\\uD83D",      "\\uDE00",
        "\\u12G4",    "\\x",          "\t",
        "%27",        "<b>",          "x.y",
        "0123456789", "\xef\xbc\x8c", "\x01",
        "\\/",
    };
    gen_put(out, n, cap, "\"");
    for (unsigned k = rnd(seed) % 6; k > 0; k--)
        gen_put(out, n, cap, pieces[rnd(seed) % (sizeof(pieces) / sizeof(pieces[0]))]);
    if (rnd(seed) % 50)
        gen_put(out, n, cap, "\"");
}

static void gen_value(char *out, size_t *n, size_t cap, unsigned *seed, int depth)
{
    static const char *const scalars[] = {
        "0",  "-0", "12", "-3.25", "1e5",   "2E-7", "6.02e+23", "01",  "1.",     "-",
        "1e", ".5", "+1", "true",  "false", "null", "tru",      "nul", "falsex", "0x1",
    };
    static const char *const blanks[] = {"",   " ",    "\n  ",
                                         "\t", "\r\n", "\n \t                  \r\n"};
    gen_put(out, n, cap, blanks[rnd(seed) % 6]);
    unsigned kind = depth > 4 ? rnd(seed) % 2 : rnd(seed) % 4;
    if (kind == 0) {
        gen_string(out, n, cap, seed);
    } else if (kind == 1) {
        gen_put(out, n, cap, scalars[rnd(seed) % (sizeof(scalars) / sizeof(scalars[0]))]);
    } else {
        int obj = kind == 2;
        gen_put(out, n, cap, obj ? "{" : "[");
        for (unsigned k = rnd(seed) % 4; k > 0; k--) {
            if (obj) {
                gen_put(out, n, cap, blanks[rnd(seed) % 6]);
                gen_string(out, n, cap, seed);
                gen_put(out, n, cap, rnd(seed) % 20 ? ":" : " ");
            }
            gen_value(out, n, cap, seed, depth + 1);
            if (k > 1 || rnd(seed) % 30 == 0)
                gen_put(out, n, cap, ",");
        }
        gen_put(out, n, cap, blanks[rnd(seed) % 6]);
        gen_put(out, n, cap, obj ? "}" : "]");
    }
    gen_put(out, n, cap, blanks[rnd(seed) % 6]);
}

/* The fast path (whole tokens read in one step when the chunk holds them)
 * against the byte machine: fed byte by byte no token but a structural
 * byte lies whole in a chunk, so every string, number and literal goes
 * through the byte machine. Both, and a random two-way split, must agree on
 * the fields, the verdict and the reason. */
static void test_fast_path_matches_byte_machine(void **state)
{
    (void)state;
    static const rp_body_limits_t *const lims[] = {&deflim, &small};
    static run_t whole, bytes, split;
    static char doc[512];
    unsigned seed = 2026;
    for (int round = 0; round < 20000; round++) {
        size_t n = 0;
        gen_value(doc, &n, sizeof(doc), &seed, 0);
        if (n && rnd(&seed) % 8 == 0)
            doc[rnd(&seed) % n] = (char)rnd(&seed);
        const rp_body_limits_t *lim = lims[round % 2];
        run_split(doc, n, lim, 0, 0, 0, &whole);
        run_split(doc, n, lim, 0, 0, 1, &bytes);
        run_split(doc, n, lim, n ? 1 + rnd(&seed) % n : 0, 0, 0, &split);
        const run_t *other[] = {&bytes, &split};
        for (int k = 0; k < 2; k++) {
            if (other[k]->status != whole.status ||
                strcmp(other[k]->sink.log, whole.sink.log) != 0 ||
                strcmp(other[k]->reason ? other[k]->reason : "",
                       whole.reason ? whole.reason : "")) {
                print_error("round %d (%s): %.*s\n--- whole %d %s:\n%s--- %s %d %s:\n%s", round,
                            k ? "split" : "bytes", (int)n, doc, whole.status,
                            whole.reason ? whole.reason : "", whole.sink.log, k ? "split" : "bytes",
                            other[k]->status, other[k]->reason ? other[k]->reason : "",
                            other[k]->sink.log);
                fail();
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_memory_bounded),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_nomem),
        cmocka_unit_test(test_fast_path_matches_byte_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
