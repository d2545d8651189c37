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
#define EXTRA_FLAG_NAMES          {RP_FIELD_CONTENT, "CONTENT"},

#include "body_harness.h"

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
    {B CD "name=a\r\nX\x0e-A: 1\r\n\r\nx" END, &deflim, E, "",
     "multipart: control character in part header"},
    {B CD "name=a\r\nX-A: \x01\n\r\nx" END, &deflim, E, "", "multipart: bare LF in part header"},
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
    /* Quoted values: \" and \\ are escapes, any other backslash is a byte. */
    {B CD "name=\"a\\\"b\"\r\n\r\nx" END, &deflim, RP_OK, "a\"b=x\n", NULL},
    {B CD "name=\"f\"; filename=\"te\\\"st.txt\"\r\n\r\nx" END, &deflim, RP_OK,
     "f=te\"st.txt [FILE]\nf=x [FILE+CONTENT]\n", NULL},
    {B CD "name=\"a\\\\\"; filename=\"\\\\srv\\x\"\r\n\r\nx" END, &deflim, RP_OK,
     "a\\x5c=\\x5csrv\\x5cx [FILE]\na\\x5c=x [FILE+CONTENT]\n", NULL},
    {B CD "name=\"\\\"\\\"\"\r\n\r\nx" END, &deflim, RP_OK, "\"\"=x\n", NULL},
    {B CD "name=\"a\\\"; filename=\"x.php\"\r\n\r\nx" END, &deflim, E, "",
     "multipart: ';' after an escaped quote in Content-Disposition"},
    {B CD "name=\"a\\\"\r\n\r\nx" END, &deflim, E, "",
     "multipart: unbalanced quote in Content-Disposition"},
    {B CD "name='a'\r\n\r\nx" END, &deflim, E, "",
     "multipart: single-quoted parameter value in Content-Disposition"},
    {B CD "name=\"a\"; filename=\"O'Brien.txt\"\r\n\r\nx" END, &deflim, RP_OK,
     "a=O'Brien.txt [FILE]\na=x [FILE+CONTENT]\n", NULL},
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
    rp_arena_t *a;
    sink_t s;
    rp_body_proc_t *p = open_proc(&a, &deflim, &s);
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
    check_callback_stops(&deflim, 1,
                         B CD "name=a; filename=x.php\r\n\r\n1\r\n" B CD "name=b\r\n\r\n2" END,
                         NULL, "a=x.php [FILE]\n");
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
