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
#define FREE_PROC(p)              ((void)(p))

/* --- harness: run a processor over an input in a given split, record the
 * fields as text lines "name=value [FLAGS]" so rows can state them exactly */

typedef struct {
    char log[16384];
    size_t len;
    int overflow;
    rp_status_t stop_with; /* callback verdict to return after stop_after */
    size_t stop_after;
    size_t seen;
} sink_t;

static void sink_put(sink_t *s, const char *p, size_t n)
{
    if (s->len + n >= sizeof(s->log)) {
        s->overflow = 1;
        return;
    }
    memcpy(s->log + s->len, p, n);
    s->len += n;
    s->log[s->len] = '\0';
}

static void sink_esc(sink_t *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        char b[8];
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            snprintf(b, sizeof(b), "\\x%02x", c);
            sink_put(s, b, 4);
        } else {
            sink_put(s, (const char *)&c, 1);
        }
    }
}

static const struct {
    unsigned bit;
    const char *name;
} flag_names[] = {
    {RP_FIELD_FILE, "FILE"},
    {RP_FIELD_ENTITY_DECL, "ENTITY"},
    {RP_FIELD_BAD_ESCAPE, "BADESC"},
    {RP_FIELD_TRUNCATED, "TRUNC"},
    {RP_FIELD_KEY_ONLY, "KEY"},
    {RP_ARG_BAD_ENCODING, "BADENC"},
    {RP_ARG_DOUBLE_ENCODED, "DOUBLE"},
    {RP_ARG_UNICODE_ENCODED, "UNICODE"},
    {RP_ARG_INVALID_UTF8, "INVUTF8"},
    {RP_ARG_OVERLONG_UTF8, "OVERLONG"},
    {RP_ARG_NUL, "NUL"},
};

static rp_status_t sink_field(void *ctx, rp_source_t src, const char *name, size_t name_len,
                              const char *value, size_t value_len, unsigned flags)
{
    sink_t *s = ctx;
    /* The contract: both strings NUL-terminated at their length. */
    assert_int_equal(name[name_len], '\0');
    assert_int_equal(value[value_len], '\0');
    assert_int_equal(src, EXPECTED_SOURCE(flags));
    sink_esc(s, name, name_len);
    sink_put(s, "=", 1);
    sink_esc(s, value, value_len);
    if (flags) {
        const char *sep = " [";
        for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
            if (flags & flag_names[i].bit) {
                sink_put(s, sep, strlen(sep));
                sink_put(s, flag_names[i].name, strlen(flag_names[i].name));
                sep = "+";
                flags &= ~flag_names[i].bit;
            }
        }
        assert_int_equal(flags, 0); /* no undocumented bit */
        sink_put(s, "]", 1);
    }
    sink_put(s, "\n", 1);
    s->seen++;
    if (s->stop_after && s->seen >= s->stop_after)
        return s->stop_with;
    return RP_OK;
}

typedef struct {
    rp_status_t status;
    const char *reason;
    sink_t sink;
} run_t;

/* Feed in pieces: split1/split2 are cut points (0 = none); step > 0 feeds
 * that many bytes at a time instead. */
static void run_split(const char *in, size_t len, const rp_body_limits_t *lim, size_t split1,
                      size_t split2, size_t step, run_t *r)
{
    memset(r, 0, sizeof(*r));
    rp_arena_t *a = rp_arena_new(0, 0);
    assert_non_null(a);
    rp_body_proc_t *p = NEW_PROC(a, lim, sink_field, &r->sink);
    assert_non_null(p);
    rp_status_t st = RP_OK;
    size_t cuts[4] = {0}, n = 0;
    if (split1 && split1 < len)
        cuts[n++] = split1;
    if (split2 > split1 && split2 < len)
        cuts[n++] = split2;
    cuts[n++] = len;
    size_t off = 0;
    if (step) {
        while (st == RP_OK && off < len) {
            size_t k = len - off < step ? len - off : step;
            st = p->feed(p, in + off, k);
            off += k;
        }
    } else {
        for (size_t i = 0; i < n && st == RP_OK; i++) {
            st = p->feed(p, in + off, cuts[i] - off);
            off = cuts[i];
        }
    }
    if (st == RP_OK)
        st = p->finish(p);
    r->status = st;
    r->reason = p->reason;
    if (st == RP_ERROR || st == RP_LIMIT || st == RP_NOMEM)
        assert_non_null(r->reason);
    FREE_PROC(p);
    rp_arena_free(a);
}

/* Whole, split at every byte, split at every pair of bytes for short
 * inputs, and byte by byte: all must give the same fields and verdict. */
static void check_invariance(const char *in, size_t len, const rp_body_limits_t *lim,
                             const char *want_log, rp_status_t want_status, const char *label)
{
    static run_t base, r;
    run_split(in, len, lim, 0, 0, 0, &base);
    if (base.status != want_status || strcmp(base.sink.log, want_log) != 0) {
        print_error("%s: status %d (%s)\n--- got:\n%s--- want:\n%s", label, base.status,
                    base.reason ? base.reason : "", base.sink.log, want_log);
        fail();
    }
    assert_false(base.sink.overflow);
    for (size_t k = 1; k < len; k++) {
        run_split(in, len, lim, k, 0, 0, &r);
        if (r.status != base.status || strcmp(r.sink.log, base.sink.log) != 0) {
            print_error("%s: split at %zu: status %d\n%s", label, k, r.status, r.sink.log);
            fail();
        }
        assert_string_equal(r.reason ? r.reason : "", base.reason ? base.reason : "");
    }
    if (len <= 96) {
        for (size_t k = 1; k < len; k++) {
            for (size_t m = k + 1; m < len; m++) {
                run_split(in, len, lim, k, m, 0, &r);
                if (r.status != base.status || strcmp(r.sink.log, base.sink.log) != 0) {
                    print_error("%s: split at %zu,%zu: status %d\n%s", label, k, m, r.status,
                                r.sink.log);
                    fail();
                }
            }
        }
    }
    for (size_t step = 1; step <= 7; step++) {
        run_split(in, len, lim, 0, 0, step, &r);
        if (r.status != base.status || strcmp(r.sink.log, base.sink.log) != 0) {
            print_error("%s: step %zu: status %d\n%s", label, step, r.status, r.sink.log);
            fail();
        }
    }
}

/* Out-of-memory on every path: cap the arena at every size up to what a
 * normal run uses; the processor must answer RP_NOMEM (or succeed), never
 * crash, and NULL from the constructor is allowed. */
static void check_nomem(const char *in, size_t len, const rp_body_limits_t *lim)
{
    for (size_t cap = 64; cap < 64 * 1024; cap += cap / 8 + 16) {
        rp_arena_t *a = rp_arena_new(64, cap);
        if (!a)
            continue;
        sink_t s;
        memset(&s, 0, sizeof(s));
        rp_body_proc_t *p = NEW_PROC(a, lim, sink_field, &s);
        if (p) {
            rp_status_t st = RP_OK;
            for (size_t i = 0; i < len && st == RP_OK; i += 3)
                st = p->feed(p, in + i, len - i < 3 ? len - i : 3);
            if (st == RP_OK)
                st = p->finish(p);
            assert_true(st == RP_OK || st == RP_NOMEM || st == RP_ERROR || st == RP_LIMIT);
            FREE_PROC(p);
        }
        rp_arena_free(a);
    }
}

static const rp_body_limits_t deflim = {
    .max_depth = 8, .max_fields = 100, .max_field_size = 64, .max_name_size = 32};
static const rp_body_limits_t small = {
    .max_depth = 2, .max_fields = 3, .max_field_size = 4, .max_name_size = 5};

typedef struct {
    const char *in;
    const rp_body_limits_t *lim;
    rp_status_t status;
    const char *fields;
} json_case_t;

#define E RP_ERROR
#define L RP_LIMIT

static const json_case_t cases[] = {
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
        char label[32];
        snprintf(label, sizeof(label), "json row %zu", i);
        size_t len = strlen(cases[i].in);
        if (len == 0 && cases[i].status == E)
            len = 1; /* the "\x00" row */
        check_invariance(cases[i].in, len, cases[i].lim, cases[i].fields, cases[i].status, label);
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
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    rp_body_limits_t lim = {
        .max_depth = 8, .max_fields = 0, .max_field_size = 1024, .max_name_size = 64};
    rp_body_proc_t *p = rp_body_json_new(a, &lim, sink_field, &s);
    char chunk[4096];
    memset(chunk, 'A', sizeof(chunk));
    assert_int_equal(p->feed(p, "[\"", 2), RP_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(p->feed(p, chunk, sizeof(chunk)), RP_OK);
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
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    s.stop_after = 2;
    s.stop_with = RP_BLOCK;
    rp_body_proc_t *p = rp_body_json_new(a, &deflim, sink_field, &s);
    assert_int_equal(p->feed(p, "{\"a\":1,\"b\":2}", 13), RP_BLOCK);
    assert_int_equal(p->finish(p), RP_BLOCK);
    assert_string_equal(s.log, "a=a [KEY]\na=1\n");
    rp_arena_free(a);
}

static void test_nomem(void **state)
{
    (void)state;
    const char *in = "{\"alpha\":[1,2,{\"beta\":\"\\u00e9xxxxxxxxxxxxxxxxxxxxxxxx\"}],\"g\":null}";
    check_nomem(in, strlen(in), &deflim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),          cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_deep_nesting),   cmocka_unit_test(test_memory_bounded),
        cmocka_unit_test(test_callback_stops), cmocka_unit_test(test_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
