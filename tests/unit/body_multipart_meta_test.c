/*
 * body_multipart_meta_test.c — what the multipart processor reports for the
 * SecLang rules when rp_body_multipart_meta() is on: each part's header
 * lines (RP_FIELD_PART_HEADER, ModSecurity's MULTIPART_PART_HEADERS), also
 * those of a header block it refuses, and each file's full size
 * (RP_FIELD_FILE_SIZE, FILES_SIZES); and rp_body_multipart_flags(), the
 * MULTIPART_* conditions it saw. Every row is fed whole, split at every
 * byte (and every pair of bytes when short) and byte by byte.
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

static rp_body_proc_t *new_meta(rp_arena_t *a, const rp_body_limits_t *lim, rp_field_fn fn,
                                void *ctx)
{
    rp_body_proc_t *p = rp_body_multipart_new(a, lim, "XyZ", 3, fn, ctx);
    if (p)
        rp_body_multipart_meta(p);
    return p;
}

#define EXPECTED_SOURCE(flags)                                                                     \
    (((flags) & (RP_FIELD_CONTENT | RP_FIELD_FILE_SIZE)) ? RP_SRC_FILE                             \
     : ((flags)&RP_FIELD_FILE)                           ? RP_SRC_FILENAME                         \
                                                         : RP_SRC_MULTIPART)
#define NEW_PROC(a, lim, fn, ctx) new_meta(a, lim, fn, ctx)
#define EXTRA_FLAG_NAMES                                                                           \
    {RP_FIELD_CONTENT, "CONTENT"}, {RP_FIELD_PART_HEADER, "HDR"}, {RP_FIELD_FILE_SIZE, "SIZE"},

#include "body_harness.h"

static const rp_body_limits_t deflim = {
    .max_depth = 8, .max_fields = 100, .max_field_size = 64, .max_name_size = 32};
static const rp_body_limits_t small = {
    .max_depth = 8, .max_fields = 2, .max_field_size = 4, .max_name_size = 3};

#define CD  "Content-Disposition: form-data; "
#define B   "--XyZ\r\n"
#define END "\r\n--XyZ--\r\n"
#define E   RP_ERROR

typedef struct {
    const char *in;
    const rp_body_limits_t *lim;
    rp_status_t status;
    const char *fields;
    const char *reason;
} mp_case_t;

static const mp_case_t cases[] = {
    {"--XyZ--", &deflim, RP_OK, "", NULL},
    /* Header lines as sent, without CRLF, keyed by the part's name. */
    {B CD "name=\"a\"\r\nCoNtEnT-TyPe: text/plain;  charset = utf-7 \r\n\r\nx" END, &deflim, RP_OK,
     "a=Content-Disposition: form-data; name=\"a\" [HDR]\n"
     "a=CoNtEnT-TyPe: text/plain;  charset = utf-7  [HDR]\n"
     "a=x\n",
     NULL},
    {B CD "name=\"_charset_\"\r\n\r\nutf-7\r\n" B CD
          "name=b\r\nContent-Type: text/plain\r\n\r\ny" END,
     &deflim, RP_OK,
     "_charset_=Content-Disposition: form-data; name=\"_charset_\" [HDR]\n"
     "_charset_=utf-7\n"
     "b=Content-Disposition: form-data; name=b [HDR]\n"
     "b=Content-Type: text/plain [HDR]\n"
     "b=y\n",
     NULL},
    {B CD "name=a\r\nContent-Transfer-Encoding: 8bit\r\n\r\nx" END, &deflim, RP_OK,
     "a=Content-Disposition: form-data; name=a [HDR]\n"
     "a=Content-Transfer-Encoding: 8bit [HDR]\n"
     "a=x\n",
     NULL},
    /* Files: lines, file name, content prefix, full size. */
    {B CD "name=\"f\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n0123456789" END,
     &small, RP_OK,
     "f=Content-Disposition: form-data; name=\"f\"; filename=\"a.txt\" [HDR]\n"
     "f=Content-Type: text/plain [HDR]\n"
     "f=a.tx [FILE+TRUNC]\n"
     "f=0123 [FILE+CONTENT]\n"
     "f=10 [FILE+SIZE]\n",
     NULL},
    {B CD "name=f; filename=\"\"\r\n\r\n" END, &deflim, RP_OK,
     "f=Content-Disposition: form-data; name=f; filename=\"\" [HDR]\n"
     "f= [FILE]\nf= [FILE+CONTENT]\nf=0 [FILE+SIZE]\n",
     NULL},
    /* held-back near-delimiters are content, and counted */
    {B CD "name=f; filename=x\r\n\r\n\r\n-XyZ\r\n\r" END, &deflim, RP_OK,
     "f=Content-Disposition: form-data; name=f; filename=x [HDR]\n"
     "f=x [FILE]\nf=\\x0d\\x0a-XyZ\\x0d\\x0a\\x0d [FILE+CONTENT]\nf=9 [FILE+SIZE]\n",
     NULL},
    /* A refused header block still reports its lines, the offending one
     * included, under the name if one was parsed (CRS 922130). */
    {B "\x0e" CD "name=\"file\"\r\n" CD "name=\"post\"\r\n\r\nx" END, &deflim, E,
     "=\\x0eContent-Disposition: form-data; name=\"file\" [HDR]\n",
     "multipart: control character in part header"},
    {B "Content-Disposition\x0e: form-data; name=a\r\n\r\nx" END, &deflim, E,
     "=Content-Disposition\\x0e: form-data; name=a [HDR]\n",
     "multipart: control character in part header"},
    {B "Content- Disposition: form-data; name=a\r\n\r\nx" END, &deflim, E,
     "=Content- Disposition: form-data; name=a [HDR]\n", "multipart: invalid part header name"},
    {B CD "name=a\r\nX-A\x7f: 1\r\n\r\nx" END, &deflim, E,
     "a=Content-Disposition: form-data; name=a [HDR]\na=X-A\\x7f: 1 [HDR]\n",
     "multipart: invalid part header name"},
    {B "Content-!Disposition: form-data; name=a\r\n\r\nx" END, &deflim, E,
     "=Content-!Disposition: form-data; name=a [HDR]\n",
     "multipart: part without Content-Disposition"},
    {B "test\r\n--XyZ--\r\n", &deflim, E, "=test [HDR]\n", "multipart: part header without colon"},
    {B CD "name=a\r\nContent-Transfer-Encoding: base64\r\n\r\nPHNjcmlwdD4=" END, &deflim, E,
     "a=Content-Disposition: form-data; name=a [HDR]\na=Content-Transfer-Encoding: base64 [HDR]\n",
     "multipart: Content-Transfer-Encoding refused"},
    {B CD "name=\"\"\r\n\r\nx" END, &deflim, E,
     "=Content-Disposition: form-data; name=\"\" [HDR]\n", "multipart: part without a name"},
    {B CD "name=a\r\nContent-Type: text/pl\nain\r\n\r\nx" END, &deflim, E,
     "a=Content-Disposition: form-data; name=a [HDR]\na=Content-Type: text/pl [HDR]\n",
     "multipart: bare LF in part header"},
    {B CD "name=a\r\nX: 1\rY: 2\r\n\r\nx" END, &deflim, E,
     "a=Content-Disposition: form-data; name=a [HDR]\na=X: 1 [HDR]\n",
     "multipart: bare CR in part header"},
    {B CD "name=abcd\r\n\r\nx" END, &small, RP_LIMIT,
     "=Content-Disposition: form-data; name=abcd [HDR]\n", "multipart: field name too long"},
    /* Lines of a part beyond max_fields are reported, its value is not. */
    {B CD "name=a\r\n\r\n1\r\n" B CD "name=b\r\n\r\n2\r\n" B CD "name=c\r\n\r\n3" END, &small,
     RP_LIMIT,
     "a=Content-Disposition: form-data; name=a [HDR]\na=1\n"
     "b=Content-Disposition: form-data; name=b [HDR]\nb=2\n"
     "c=Content-Disposition: form-data; name=c [HDR]\n",
     "multipart: too many parts"},
    /* Errors outside header blocks report nothing more. */
    {"junk\r\n" B CD "name=a\r\n\r\nx" END, &deflim, E, "",
     "multipart: data before the first boundary"},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char label[40];
        snprintf(label, sizeof(label), "multipart meta row %zu", i);
        size_t len = strlen(cases[i].in);
        check_invariance(cases[i].in, len, cases[i].lim, cases[i].fields, cases[i].status, label);
        run_t r;
        run_split(cases[i].in, len, cases[i].lim, 0, 0, 0, &r);
        if (cases[i].reason)
            assert_string_equal(r.reason, cases[i].reason);
    }
}

/* A header line with a NUL byte is reported whole, then refused. */
static void test_nul_in_header(void **state)
{
    (void)state;
    static const char in[] = B CD "name=a\r\nX-\x01\x00: 1\r\nY: 2\r\n\r\nx" END;
    check_invariance(in, sizeof(in) - 1, &deflim,
                     "a=Content-Disposition: form-data; name=a [HDR]\na=X-\\x01\\x00: 1 [HDR]\n", E,
                     "nul row");
}

/* The full size of a file far larger than the sniff window. */
static void test_large_file_size(void **state)
{
    (void)state;
    rp_arena_t *a;
    sink_t s;
    rp_body_proc_t *p = open_proc(&a, &deflim, &s);
    const char *head = B CD "name=\"up\"; filename=\"big.bin\"\r\n\r\n";
    assert_int_equal(p->feed(p, head, strlen(head)), RP_OK);
    feed_filler(p, 'z', 100); /* 409600 bytes */
    const char *tail = "\r\n--XyZ--";
    assert_int_equal(p->feed(p, tail, strlen(tail)), RP_OK);
    assert_int_equal(p->finish(p), RP_OK);
    assert_non_null(strstr(s.log, "\nup=409600 [FILE+SIZE]\n"));
    assert_true(rp_arena_used(a) < 4 * RP_FILE_SNIFF);
    rp_arena_free(a);
}

/* Off by default: the same body gives no header lines and no size. */
static void test_meta_is_opt_in(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    rp_body_proc_t *p = rp_body_multipart_new(a, &deflim, "XyZ", 3, sink_field, &s);
    const char *in = B CD "name=f; filename=x\r\nContent-Type: a/b\r\n\r\n12" END;
    assert_int_equal(p->feed(p, in, strlen(in)), RP_OK);
    assert_int_equal(p->finish(p), RP_OK);
    assert_string_equal(s.log, "f=x [FILE]\nf=12 [FILE+CONTENT]\n");
    rp_arena_free(a);
}

typedef struct {
    const char *in;
    rp_status_t status;
    unsigned flags;
} flag_case_t;

static const flag_case_t flag_cases[] = {
    {B CD "name=a\r\nContent-Type: text/plain\r\n\r\nx" END, RP_OK, 0},
    {B CD "name=a; filename=\"O'Brien.txt\"\r\n\r\nx" END, RP_OK, RP_MP_INVALID_QUOTING},
    {B CD "name=\"it's\"\r\n\r\nx" END, RP_OK, RP_MP_INVALID_QUOTING},
    {B CD "name=a; foo=\"it's\"\r\n\r\nx" END, RP_OK, 0},
    {B CD "name='a'\r\n\r\nx" END, E, RP_MP_INVALID_QUOTING},
    {B CD "name=\"a\r\n\r\nx" END, E, RP_MP_INVALID_QUOTING},
    {B CD "name=\"a\"b\r\n\r\nx" END, E, RP_MP_INVALID_QUOTING},
    {B CD "name=\"a\\\"; filename=\"x.php\"\r\n\r\nx" END, E, RP_MP_INVALID_QUOTING},
    {"junk\r\n" B CD "name=a\r\n\r\nx" END, E, RP_MP_DATA_BEFORE},
    {B CD "name=a\r\n\r\nx" END "epilogue", E, RP_MP_DATA_AFTER},
    {B "Content-Disposition: form-data\r\n ; name=a\r\n\r\nx" END, E, RP_MP_HEADER_FOLDING},
    {B CD "name=a\n\r\nx" END, E, RP_MP_LF_LINE | RP_MP_CRLF_LF_LINES},
    {"--XyZ\n" CD "name=a\n\nx\n--XyZ--\n", E, RP_MP_LF_LINE},
    {B CD "name=a\r\n\r\nx\n--XyZ--\r\n", E, RP_MP_LF_LINE | RP_MP_CRLF_LF_LINES},
    {B CD "name=\"\"\r\n\r\nx" END, E, RP_MP_INVALID_PART},
    {B CD "name=a\r\n\r\nx\r\n--xyz--\r\n", E, RP_MP_UNMATCHED_BOUNDARY},
    {B CD "name=a\r\n\r\nx", E, 0},
};

static void test_flags(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(flag_cases) / sizeof(flag_cases[0]); i++) {
        rp_arena_t *a;
        sink_t s;
        rp_body_proc_t *p = open_proc(&a, &deflim, &s);
        rp_status_t st = p->feed(p, flag_cases[i].in, strlen(flag_cases[i].in));
        if (st == RP_OK)
            st = p->finish(p);
        if (st != flag_cases[i].status || rp_body_multipart_flags(p) != flag_cases[i].flags)
            print_error("flag row %zu: status %d flags %#x (%s)\n", i, st,
                        rp_body_multipart_flags(p), p->reason ? p->reason : "");
        assert_int_equal(st, flag_cases[i].status);
        assert_int_equal(rp_body_multipart_flags(p), flag_cases[i].flags);
        rp_arena_free(a);
    }
}

static void test_callback_stops(void **state)
{
    (void)state;
    /* on the first header line, on a file's size, and on a refused block */
    check_callback_stops(&deflim, 1, B CD "name=a\r\n\r\n1" END, NULL,
                         "a=Content-Disposition: form-data; name=a [HDR]\n");
    check_callback_stops(&deflim, 4, B CD "name=a; filename=b\r\n\r\n1" END, B CD "name=c\r\n",
                         "a=Content-Disposition: form-data; name=a; filename=b [HDR]\n"
                         "a=b [FILE]\na=1 [FILE+CONTENT]\na=1 [FILE+SIZE]\n");
    check_callback_stops(&deflim, 1, B "X-A: \x01\r\n\r\n1" END, NULL, "=X-A: \\x01 [HDR]\n");
}

static void test_nomem(void **state)
{
    (void)state;
    const char *in = B CD "name=alpha\r\nContent-Type: text/plain\r\n\r\nvalue one\r\n" B CD
                          "name=f; filename=\"a\\\"b.txt\"\r\n\r\ncontent" END;
    check_nomem(in, strlen(in), &deflim);
    const char *bad = B CD "name=alpha\r\nX\x01: 1\r\n\r\nvalue" END;
    check_nomem(bad, strlen(bad), &deflim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),           cmocka_unit_test(test_nul_in_header),
        cmocka_unit_test(test_large_file_size), cmocka_unit_test(test_meta_is_opt_in),
        cmocka_unit_test(test_flags),           cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
