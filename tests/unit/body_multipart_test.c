/*
 * body_multipart_test.c — the multipart/form-data processor and
 * rp_multipart_boundary(): a table of well-formed and hostile bodies, each
 * fed whole, split at every byte (and every pair of bytes when short) and
 * byte by byte, asserting the exact fields, flags and verdict.
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

#define EXPECTED_SOURCE(flags)                                                                     \
    (((flags)&RP_FIELD_CONTENT) ? RP_SRC_FILE                                                      \
     : ((flags)&RP_FIELD_FILE)  ? RP_SRC_FILENAME                                                  \
                                : RP_SRC_MULTIPART)
#define NEW_PROC(a, lim, fn, ctx) rp_body_multipart_new(a, lim, "XyZ", 3, fn, ctx)
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
    {RP_FIELD_CONTENT, "CONTENT"},
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
    .max_depth = 8, .max_fields = 2, .max_field_size = 4, .max_name_size = 3};

#define CD  "Content-Disposition: form-data; "
#define B   "--XyZ\r\n"
#define END "\r\n--XyZ--\r\n"

typedef struct {
    const char *in;
    const rp_body_limits_t *lim;
    rp_status_t status;
    const char *fields;
    const char *reason;
} mp_case_t;

#define E RP_ERROR

static const mp_case_t cases[] = {
    {"", &deflim, RP_OK, "", NULL},
    {B CD "name=\"a\"\r\n\r\n1" END, &deflim, RP_OK, "a=1\n", NULL},
    {B CD "name=\"a\"\r\n\r\n1\r\n--XyZ\r\n" CD "name=b\r\n\r\ntwo\r\nlines" END, &deflim, RP_OK,
     "a=1\nb=two\\x0d\\x0alines\n", NULL},
    {B CD "name=\"a\"\r\n\r\n" END, &deflim, RP_OK, "a=\n", NULL},
    {"\r\n" B CD "name=\"a\"\r\n\r\nx" END, &deflim, RP_OK, "a=x\n", NULL},
    {"--XyZ--", &deflim, RP_OK, "", NULL},
    {B CD "name=\"a\"\r\n\r\nx\r\n--XyZ--", &deflim, RP_OK, "a=x\n", NULL},
    {B CD "name=\"a\"\r\n\r\nx\r\n--XyZ--\r\n \t\r\n", &deflim, RP_OK, "a=x\n", NULL},
    {B "content-disposition:form-data;name=\"a\"\r\nContent-Type: text/plain\r\n\r\nx" END, &deflim,
     RP_OK, "a=x\n", NULL},
    {B CD "name=\"f\"; filename=\"a.php\"\r\nContent-Type: image/png\r\n\r\n<?php ?>" END, &deflim,
     RP_OK, "f=a.php [FILE]\nf=<?php ?> [FILE+CONTENT]\n", NULL},
    {B CD "name=\"f\"; filename=\"\"\r\n\r\n" END, &deflim, RP_OK, "f= [FILE]\nf= [FILE+CONTENT]\n",
     NULL},
    {B CD "name=\"f\"; filename=\"C:\\dir\\x.txt\"\r\n\r\ndata" END, &deflim, RP_OK,
     "f=C:\\x5cdir\\x5cx.txt [FILE]\nf=data [FILE+CONTENT]\n", NULL},
    {B CD "name=\"f\"; filename=\"../../etc/passwd\"\r\n\r\n" END, &deflim, RP_OK,
     "f=../../etc/passwd [FILE]\nf= [FILE+CONTENT]\n", NULL},
    /* Content that resembles a delimiter but is not one. */
    {B CD "name=\"a\"\r\n\r\n--XyZ is not at a line start? it is: refused" END, &deflim, E, "a=\n",
     "multipart: unexpected data after boundary"},
    {B CD "name=\"a\"\r\n\r\nx\r\n-XyZ\r\n--Xy\r\n\n\r\r\n--" END, &deflim, RP_OK,
     "a=x\\x0d\\x0a-XyZ\\x0d\\x0a--Xy\\x0d\\x0a\\x0a\\x0d\\x0d\\x0a--\n", NULL},
    {B CD "name=\"a\"\r\n\r\nx\r\n--XyZz" END, &deflim, E, "a=x\n",
     "multipart: unexpected data after boundary"},
    {B CD "name=\"a\"\r\n\r\nx\r\n--xyz\r\n" END, &deflim, E, "",
     "multipart: boundary with different case"},
    {B CD "name=\"a\"\r\n\r\nx\n--XyZ\r\n" END, &deflim, E, "",
     "multipart: boundary after a bare LF"},
    {B CD "name=\"a\"\r\n\r\nx\r\n--XyZ \r\n" CD "name=b\r\n\r\n" END, &deflim, E, "a=x\n",
     "multipart: unexpected data after boundary"},
    /* Preamble and epilogue. */
    {"junk\r\n" B CD "name=a\r\n\r\nx" END, &deflim, E, "",
     "multipart: data before the first boundary"},
    {"\r\n\r\n" B CD "name=a\r\n\r\nx" END, &deflim, E, "",
     "multipart: data before the first boundary"},
    {"--xyz\r\n" CD "name=a\r\n\r\nx" END, &deflim, E, "",
     "multipart: data before the first boundary"},
    {"\n" B CD "name=a\r\n\r\nx" END, &deflim, E, "", "multipart: data before the first boundary"},
    {B CD "name=a\r\n\r\nx" END "epilogue", &deflim, E, "a=x\n",
     "multipart: data after the close delimiter"},
    {B CD "name=a\r\n\r\nx" END B CD "name=b\r\n\r\ny" END, &deflim, E, "a=x\n",
     "multipart: data after the close delimiter"},
    {B CD "name=a\r\n\r\nx", &deflim, E, "", "multipart: missing close delimiter"},
    {B CD "name=a\r\n\r\nx\r\n--XyZ\r\n", &deflim, E, "a=x\n",
     "multipart: missing close delimiter"},
    {B CD "name=a\r\n\r\nx\r\n--XyZ-", &deflim, E, "a=x\n", "multipart: missing close delimiter"},
    {"--XyZ", &deflim, E, "", "multipart: missing close delimiter"},
    {"\r", &deflim, E, "", "multipart: missing close delimiter"},
    /* Header syntax. */
    {B CD "name=a\n\r\nx" END, &deflim, E, "", "multipart: bare LF in part header"},
    {B CD "name=a\r\r\nx" END, &deflim, E, "", "multipart: bare CR in part header"},
    {B "Content-Disposition: form-data\r\n ; name=a\r\n\r\nx" END, &deflim, E, "",
     "multipart: folded part header"},
    {B CD "name=a\r\nX-Junk\r\n\r\nx" END, &deflim, E, "", "multipart: part header without colon"},
    {B CD "name=a\r\nX Junk: 1\r\n\r\nx" END, &deflim, E, "",
     "multipart: invalid part header name"},
    {B "Content-Disposition : form-data; name=a\r\n\r\nx" END, &deflim, E, "",
     "multipart: invalid part header name"},
    {B CD "name=a\r\n: v\r\n\r\nx" END, &deflim, E, "", "multipart: invalid part header name"},
    {B CD "name=a\r\nX-A: \x01\r\n\r\nx" END, &deflim, E, "",
     "multipart: control character in part header"},
    {B "Content-Type: text/plain\r\n\r\nx" END, &deflim, E, "",
     "multipart: part without Content-Disposition"},
    {B "\r\nx" END, &deflim, E, "", "multipart: part without Content-Disposition"},
    {B CD "name=a\r\n" CD "name=b\r\n\r\nx" END, &deflim, E, "",
     "multipart: duplicate Content-Disposition"},
    {B "Content-Disposition: attachment; name=a\r\n\r\nx" END, &deflim, E, "",
     "multipart: Content-Disposition is not form-data"},
    {B "Content-Disposition: name=a\r\n\r\nx" END, &deflim, E, "",
     "multipart: Content-Disposition is not form-data"},
    {B "Content-Disposition: form-data\r\n\r\nx" END, &deflim, E, "",
     "multipart: part without a name"},
    {B CD "name=\"\"\r\n\r\nx" END, &deflim, E, "", "multipart: part without a name"},
    {B CD "filename=\"a\"\r\n\r\nx" END, &deflim, E, "", "multipart: part without a name"},
    {B CD "name=a; name=b\r\n\r\nx" END, &deflim, E, "", "multipart: duplicate name parameter"},
    {B CD "name=a; NAME=\"b\"\r\n\r\nx" END, &deflim, E, "", "multipart: duplicate name parameter"},
    {B CD "name=a; filename=x; filename=y\r\n\r\nx" END, &deflim, E, "",
     "multipart: duplicate filename parameter"},
    {B CD "name=\"a\r\n\r\nx" END, &deflim, E, "",
     "multipart: unbalanced quote in Content-Disposition"},
    {B CD "name=\"a\\\"b\"\r\n\r\nx" END, &deflim, E, "",
     "multipart: malformed Content-Disposition"},
    {B CD "name=\"a\"b\r\n\r\nx" END, &deflim, E, "", "multipart: malformed Content-Disposition"},
    {B CD "name=a; filename*=UTF-8''x.php\r\n\r\nx" END, &deflim, E, "",
     "multipart: RFC 5987 parameter (name*, filename*) refused"},
    {B CD "name*=UTF-8''a\r\n\r\nx" END, &deflim, E, "",
     "multipart: RFC 5987 parameter (name*, filename*) refused"},
    {B CD "name =a\r\n\r\nx" END, &deflim, E, "",
     "multipart: parameter without '=' in Content-Disposition"},
    {B CD "name= a\r\n\r\nx" END, &deflim, E, "", "multipart: empty or invalid parameter value"},
    {B CD "name=a;\r\n\r\nx" END, &deflim, E, "",
     "multipart: empty parameter in Content-Disposition"},
    {B CD "name=a;;x=1\r\n\r\nx" END, &deflim, E, "",
     "multipart: empty parameter in Content-Disposition"},
    {B CD "name=a\r\nContent-Type: a\r\nContent-Type: b\r\n\r\nx" END, &deflim, E, "",
     "multipart: duplicate Content-Type"},
    {B CD "name=a\r\nContent-Transfer-Encoding: base64\r\n\r\nPHNjcmlwdD4=" END, &deflim, E, "",
     "multipart: Content-Transfer-Encoding refused"},
    {B CD "name=a\r\nContent-Transfer-Encoding: 8bit\r\n\r\nx" END, &deflim, RP_OK, "a=x\n", NULL},
    {B CD "name=\"a\"; foo=\"b;c=d\"\r\n\r\nx" END, &deflim, RP_OK, "a=x\n", NULL},
    /* Limits: 2 parts, values cut at 4, names up to 3. */
    {B CD "name=abc\r\n\r\n123456" END, &small, RP_OK, "abc=1234 [TRUNC]\n", NULL},
    {B CD "name=abcd\r\n\r\n1" END, &small, RP_LIMIT, "", "multipart: field name too long"},
    {B CD "name=f; filename=\"abcdef\"\r\n\r\n1" END, &small, RP_OK,
     "f=abcd [FILE+TRUNC]\nf=1 [FILE+CONTENT]\n", NULL},
    {B CD "name=a\r\n\r\n1\r\n" B CD "name=b\r\n\r\n2\r\n" B CD "name=c\r\n\r\n3" END, &small,
     RP_LIMIT, "a=1\nb=2\n", "multipart: too many parts"},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char label[32];
        snprintf(label, sizeof(label), "multipart row %zu", i);
        size_t len = strlen(cases[i].in);
        check_invariance(cases[i].in, len, cases[i].lim, cases[i].fields, cases[i].status, label);
        run_t r;
        run_split(cases[i].in, len, cases[i].lim, 0, 0, 0, &r);
        if (cases[i].reason)
            assert_string_equal(r.reason, cases[i].reason);
    }
}

/* The part headers block is bounded. */
static void test_header_limit(void **state)
{
    (void)state;
    static char in[12000];
    size_t n = (size_t)snprintf(in, sizeof(in), "%s%s", B CD "name=a\r\n", "X-Pad: ");
    memset(in + n, 'p', 9000);
    n += 9000;
    memcpy(in + n, "\r\n\r\nx" END, 5 + strlen(END));
    n += 5 + strlen(END);
    run_t r;
    run_split(in, n, &deflim, 0, 0, 0, &r);
    assert_int_equal(r.status, RP_ERROR);
    assert_string_equal(r.reason, "multipart: part headers too long");
}

static void test_file_content_bounded(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    rp_body_proc_t *p = rp_body_multipart_new(a, &deflim, "XyZ", 3, sink_field, &s);
    const char *head = B CD "name=\"up\"; filename=\"big.bin\"\r\n\r\n";
    assert_int_equal(p->feed(p, head, strlen(head)), RP_OK);
    char chunk[4096];
    for (size_t i = 0; i < sizeof(chunk); i++)
        chunk[i] = "\r\n-XyZ"[i % 6]; /* near-misses of the delimiter */
    for (int i = 0; i < 2000; i++)
        assert_int_equal(p->feed(p, chunk, sizeof(chunk)), RP_OK);
    const char *tail = B CD "name=t\r\n\r\nv" END;
    assert_int_equal(p->feed(p, "\r\n", 2), RP_OK);
    assert_int_equal(p->feed(p, tail, strlen(tail)), RP_OK);
    assert_int_equal(p->finish(p), RP_OK);
    /* The file's content is kept only up to the sniff window. */
    assert_true(strncmp(s.log, "up=big.bin [FILE]\nup=\\x0d\\x0a-XyZ", 32) == 0);
    assert_non_null(strstr(s.log, " [FILE+CONTENT]\nt=v\n"));
    assert_true(rp_arena_used(a) < 4 * RP_FILE_SNIFF);
    rp_arena_free(a);
}

static void test_invalid_boundary_processor(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    rp_body_proc_t *p = rp_body_multipart_new(a, &deflim, "a\r\nb", 4, sink_field, &s);
    assert_non_null(p);
    assert_int_equal(p->feed(p, "x", 1), RP_ERROR);
    assert_string_equal(p->reason, "multipart: invalid boundary");
    p = rp_body_multipart_new(a, &deflim, "", 0, sink_field, &s);
    assert_int_equal(p->finish(p), RP_ERROR);
    rp_arena_free(a);
}

typedef struct {
    const char *ct;
    rp_status_t status;
    const char *boundary;
} ct_case_t;

static const ct_case_t ct_cases[] = {
    {"multipart/form-data; boundary=abc", RP_OK, "abc"},
    {"multipart/form-data;boundary=abc", RP_OK, "abc"},
    {"Multipart/Form-Data; BOUNDARY=\"a b:c\"", RP_OK, "a b:c"},
    {"multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", RP_OK,
     "----WebKitFormBoundary7MA4YWxkTrZu0gW"},
    {"multipart/form-data; boundary=\"(x)+_,-./:=?'\"", RP_OK, "(x)+_,-./:=?'"},
    {"multipart/form-data; boundary=abc  ", RP_OK, "abc"},
    {"multipart/form-data", RP_ERROR, NULL},
    {"multipart/form-data; boundary=", RP_ERROR, NULL},
    {"multipart/form-data; boundary=\"\"", RP_ERROR, NULL},
    {"multipart/form-data; boundary=\"abc", RP_ERROR, NULL},
    {"multipart/form-data; boundary=\"abc \"", RP_ERROR, NULL},
    {"multipart/form-data; boundary=a#b", RP_ERROR, NULL},
    {"multipart/form-data; boundary=\"a\\\"b\"", RP_ERROR, NULL},
    {"multipart/form-data; boundary=a; boundary=b", RP_ERROR, NULL},
    {"multipart/form-data; boundary=a; Boundary=a", RP_ERROR, NULL},
    {"multipart/form-data; x=\"; BOUNDARY=evil\"; boundary=real", RP_ERROR, NULL},
    {"multipart/form-data; boundary=\"x boundary=y\"", RP_ERROR, NULL},
    {"multipart/form-data; boundary=abc;", RP_ERROR, NULL},
    {"multipart/form-data boundary=abc", RP_ERROR, NULL},
    {"multipart; boundary=abc", RP_ERROR, NULL},
    {"multipart/form-data; boundary = abc", RP_ERROR, NULL},
    {"multipart/form-data; boundary="
     "12345678901234567890123456789012345678901234567890123456789012345678901",
     RP_ERROR, NULL},
    {"multipart/form-data; boundary="
     "1234567890123456789012345678901234567890123456789012345678901234567890",
     RP_OK, "1234567890123456789012345678901234567890123456789012345678901234567890"},
};

static void test_boundary(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ct_cases) / sizeof(ct_cases[0]); i++) {
        const char *b = NULL;
        size_t bl = 0;
        rp_status_t st = rp_multipart_boundary(ct_cases[i].ct, strlen(ct_cases[i].ct), &b, &bl);
        if (st != ct_cases[i].status)
            print_error("ct row %zu: %s -> %d\n", i, ct_cases[i].ct, st);
        assert_int_equal(st, ct_cases[i].status);
        if (st == RP_OK) {
            assert_int_equal(bl, strlen(ct_cases[i].boundary));
            assert_memory_equal(b, ct_cases[i].boundary, bl);
        }
    }
}

static void test_callback_stops(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    s.stop_after = 1;
    s.stop_with = RP_BLOCK;
    rp_body_proc_t *p = rp_body_multipart_new(a, &deflim, "XyZ", 3, sink_field, &s);
    const char *in = B CD "name=a; filename=x.php\r\n\r\n1\r\n" B CD "name=b\r\n\r\n2" END;
    assert_int_equal(p->feed(p, in, strlen(in)), RP_BLOCK);
    assert_int_equal(p->finish(p), RP_BLOCK);
    assert_string_equal(s.log, "a=x.php [FILE]\n");
    rp_arena_free(a);
}

static void test_nomem(void **state)
{
    (void)state;
    const char *in =
        B CD "name=alpha\r\n\r\nvalue one\r\n" B CD "name=f; filename=\"a.txt\"\r\n\r\ncontent" END;
    check_nomem(in, strlen(in), &deflim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_header_limit),
        cmocka_unit_test(test_file_content_bounded),
        cmocka_unit_test(test_invalid_boundary_processor),
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
