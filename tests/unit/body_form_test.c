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
    .max_depth = 32, .max_fields = 100, .max_field_size = 64, .max_name_size = 32};
static const rp_body_limits_t small = {
    .max_depth = 4, .max_fields = 3, .max_field_size = 8, .max_name_size = 4};

typedef struct {
    const char *in;
    const rp_body_limits_t *lim;
    rp_status_t status;
    const char *fields;
} form_case_t;

static const form_case_t cases[] = {
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
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char label[32];
        snprintf(label, sizeof(label), "form row %zu", i);
        check_invariance(cases[i].in, strlen(cases[i].in), cases[i].lim, cases[i].fields,
                         cases[i].status, label);
    }
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
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    s.stop_after = 1;
    s.stop_with = RP_BLOCK;
    rp_body_proc_t *p = rp_body_form_new(a, &deflim, sink_field, &s);
    assert_int_equal(p->feed(p, "a=1&b=2&c=3", 11), RP_BLOCK);
    assert_int_equal(p->feed(p, "&d=4", 4), RP_BLOCK);
    assert_int_equal(p->finish(p), RP_BLOCK);
    assert_string_equal(s.log, "a=1\n");
    rp_arena_free(a);
}

static void test_feed_after_finish(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    rp_body_proc_t *p = rp_body_form_new(a, &deflim, sink_field, &s);
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
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    rp_body_limits_t lim = {
        .max_depth = 8, .max_fields = 0, .max_field_size = 1024, .max_name_size = 64};
    rp_body_proc_t *p = rp_body_form_new(a, &lim, sink_field, &s);
    char chunk[4096];
    memset(chunk, 'A', sizeof(chunk));
    assert_int_equal(p->feed(p, "big=", 4), RP_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(p->feed(p, chunk, sizeof(chunk)), RP_OK);
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
