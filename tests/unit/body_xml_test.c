/*
 * body_xml_test.c — the XML processor over libxml2's push parser: a table
 * of ordinary and hostile documents (XXE, billion laughs, parameter
 * entities, DOCTYPE tricks), each fed whole, split at every byte (and every
 * pair of bytes when short) and byte by byte, asserting the exact fields,
 * flags and verdict; plus limits, teardown without finish(), allocation
 * failure, and silence on stderr.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "body.h"
#include "body_xml.h"

#define EXPECTED_SOURCE(flags)    RP_SRC_XML
#define NEW_PROC(a, lim, fn, ctx) rp_body_xml_new(a, lim, fn, ctx)
#define FREE_PROC(p)              rp_body_xml_abort(p)

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
    .max_depth = 16, .max_fields = 100, .max_field_size = 64, .max_name_size = 48};
static const rp_body_limits_t small = {
    .max_depth = 2, .max_fields = 3, .max_field_size = 4, .max_name_size = 8};

typedef struct {
    const char *in;
    const rp_body_limits_t *lim;
    rp_status_t status;
    const char *fields;
} xml_case_t;

#define E RP_ERROR
#define L RP_LIMIT
#define SOAP                                                                                       \
    "<?xml version=\"1.0\"?>\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"  \
    "<s:Body><login><user>admin' --</user><pass>x</pass></login></s:Body></s:Envelope>"

static const xml_case_t cases[] = {
    {"", &deflim, RP_OK, ""},
    {"<a>1</a>", &deflim, RP_OK, "a=1\n"},
    {SOAP, &deflim, RP_OK, "Envelope.Body.login.user=admin' --\nEnvelope.Body.login.pass=x\n"},
    {"<a x=\"1\" y='2'><b z=\"&lt;\"/></a>", &deflim, RP_OK, "a@x=1\na@y=2\na.b@z=<\n"},
    {"<a>x<b>y</b>z</a>", &deflim, RP_OK, "a=x\na.b=y\na=z\n"},
    {"<a>\n  <b>1</b>\n</a>", &deflim, RP_OK, "a.b=1\n"},
    {"<a>SEL<!-- c -->ECT</a>", &deflim, RP_OK, "a=SELECT\n"},
    {"<a><![CDATA[<script>]]></a>", &deflim, RP_OK, "a=<script>\n"},
    {"<a>&lt;&#x41;&#66;&amp;</a>", &deflim, RP_OK, "a=<AB&\n"},
    {"<a>caf\xc3\xa9</a>", &deflim, RP_OK, "a=caf\\xc3\\xa9\n"},
    {"<p:a xmlns:p=\"urn:x\" p:k=\"v\"/>", &deflim, RP_OK, "a@k=v\n"},
    {"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>", &deflim, RP_OK,
     "a=\\xc3\\xa9\n"},
    {"<a><?pi data?>t</a>", &deflim, RP_OK, "a=t\n"},
    /* XXE and friends: declarations reported, nothing expanded or loaded. */
    {"<!DOCTYPE a><a>1</a>", &deflim, RP_OK, "!DOCTYPE= [ENTITY]\na=1\n"},
    {"<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>", &deflim, E,
     "!DOCTYPE= [ENTITY]\n!ENTITY:x=file:///etc/passwd [ENTITY]\n"},
    {"<!DOCTYPE a [<!ENTITY x \"hello\">]><a>1</a>", &deflim, RP_OK,
     "!DOCTYPE= [ENTITY]\n!ENTITY:x=hello [ENTITY]\na=1\n"},
    {"<!DOCTYPE a [<!ENTITY x \"hello\">]><a>&x;</a>", &deflim, E,
     "!DOCTYPE= [ENTITY]\n!ENTITY:x=hello [ENTITY]\n"},
    {"<!DOCTYPE a [<!ENTITY % p SYSTEM \"http://evil/x.dtd\"> %p;]><a/>", &deflim, E,
     "!DOCTYPE= [ENTITY]\n!ENTITY:%p=http://evil/x.dtd [ENTITY]\n"},
    {"<!DOCTYPE a SYSTEM \"http://evil/x.dtd\"><a>&x;</a>", &deflim, RP_OK,
     "!DOCTYPE=http://evil/x.dtd [ENTITY]\na=&x;\n"},
    {"<!DOCTYPE a PUBLIC \"-//X//Y\" \"http://e/d\"><a/>", &deflim, RP_OK,
     "!DOCTYPE=http://e/d [ENTITY]\n"},
    {"<!DOCTYPE a [<!ENTITY a \"x\"><!ENTITY b \"&a;&a;&a;&a;\"><!ENTITY c "
     "\"&b;&b;&b;&b;\">]><a>&c;</a>",
     &deflim, E,
     "!DOCTYPE= [ENTITY]\n!ENTITY:a=x [ENTITY]\n!ENTITY:b=&a;&a;&a;&a; [ENTITY]\n"
     "!ENTITY:c=&b;&b;&b;&b; [ENTITY]\n"},
    {"<!DOCTYPE a [<!NOTATION n SYSTEM \"x\"><!ENTITY u SYSTEM \"f\" NDATA n>]><a/>", &deflim,
     RP_OK, "!DOCTYPE= [ENTITY]\n!ENTITY:u=f [ENTITY]\n"},
    {"<a href=\"&x;\"/>", &deflim, E, ""},
    {"<a xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"/etc/passwd\" "
     "parse=\"text\"/></a>",
     &deflim, RP_OK, "a.include@href=/etc/passwd\na.include@parse=text\n"},
    /* Malformed. */
    {"<a>", &deflim, E, ""},
    {"<a></b>", &deflim, E, ""},
    {"<a>1</a><b/>", &deflim, E, "a=1\n"},
    {"<a>1</a>junk", &deflim, E, "a=1\n"},
    {"<a x=1/>", &deflim, E, ""},
    {"<a x=\"1\" x=\"2\"/>", &deflim, E, ""},
    {"<a>&unknown;</a>", &deflim, E, ""},
    {"<a>\x01</a>", &deflim, E, ""},
    {"text", &deflim, E, ""},
    {"   ", &deflim, E, ""},
    {"<a>\xff\xfe</a>", &deflim, E, ""},
    /* Limits: depth 2, 3 fields, values cut at 4, names up to 8. */
    {"<a><b>1</b></a>", &small, RP_OK, "a.b=1\n"},
    {"<a><b><c>1</c></b></a>", &small, L, ""},
    {"<a>123456</a>", &small, RP_OK, "a=1234 [TRUNC]\n"},
    {"<a k=\"123456\"/>", &small, RP_OK, "a@k=1234 [TRUNC]\n"},
    {"<a><b>1</b><b>2</b><b>3</b><b>4</b></a>", &small, L, "a.b=1\na.b=2\na.b=3\n"},
    {"<abcdefghi/>", &small, L, ""},
    {"<abcd><efgh>1</efgh></abcd>", &small, L, ""},
    {"<abcdef kl=\"1\"/>", &small, L, ""},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char label[32];
        snprintf(label, sizeof(label), "xml row %zu", i);
        check_invariance(cases[i].in, strlen(cases[i].in), cases[i].lim, cases[i].fields,
                         cases[i].status, label);
    }
}

static void test_reasons(void **state)
{
    (void)state;
    run_t r;
    run_split("<a>&x;</a>", 10, &deflim, 0, 0, 0, &r);
    assert_string_equal(r.reason, "XML: malformed document");
    run_split("<a>", 3, &deflim, 0, 0, 0, &r);
    assert_int_equal(r.status, RP_ERROR);
    assert_non_null(r.reason);
    run_split("<a><b><c/></b></a>", 18, &small, 0, 0, 0, &r);
    assert_string_equal(r.reason, "XML: nesting too deep");
}

/* A comment that never ends must not make libxml2 buffer without bound. */
static void test_markup_bounded(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    rp_body_limits_t lim = deflim;
    lim.max_field_size = 1024;
    rp_body_proc_t *p = rp_body_xml_new(a, &lim, sink_field, &s);
    char chunk[4096];
    memset(chunk, 'x', sizeof(chunk));
    rp_status_t st = p->feed(p, "<a><!--", 7);
    for (int i = 0; i < 1000 && st == RP_OK; i++)
        st = p->feed(p, chunk, sizeof(chunk));
    assert_int_equal(st, RP_LIMIT);
    assert_string_equal(p->reason, "XML: markup too large");
    rp_body_xml_abort(p);
    rp_arena_free(a);
}

/* Long text streams through with bounded memory. */
static void test_long_text(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    rp_body_proc_t *p = rp_body_xml_new(a, &deflim, sink_field, &s);
    char chunk[4096];
    memset(chunk, 'x', sizeof(chunk));
    assert_int_equal(p->feed(p, "<a>", 3), RP_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(p->feed(p, chunk, sizeof(chunk)), RP_OK);
    assert_int_equal(p->feed(p, "</a>", 4), RP_OK);
    assert_int_equal(p->finish(p), RP_OK);
    assert_true(rp_arena_used(a) < 16 * 1024);
    assert_non_null(strstr(s.log, "[TRUNC]"));
    rp_arena_free(a);
}

/* Teardown without finish() frees libxml2's context (ASan's leak check
 * fails the test otherwise); abort is idempotent and later calls fail. */
static void test_abort(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    rp_body_proc_t *p = rp_body_xml_new(a, &deflim, sink_field, &s);
    assert_int_equal(p->feed(p, "<a><b>1</b>", 11), RP_OK);
    rp_body_xml_abort(p);
    rp_body_xml_abort(p);
    rp_body_xml_abort(NULL);
    assert_int_equal(p->feed(p, "</a>", 4), RP_ERROR);
    assert_int_equal(p->finish(p), RP_ERROR);
    /* After a normal finish, abort is a no-op too. */
    p = rp_body_xml_new(a, &deflim, sink_field, &s);
    assert_int_equal(p->feed(p, "<a/>", 4), RP_OK);
    assert_int_equal(p->finish(p), RP_OK);
    rp_body_xml_abort(p);
    rp_arena_free(a);
}

static void test_callback_stops(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(0, 0);
    sink_t s;
    memset(&s, 0, sizeof(s));
    s.stop_after = 1;
    s.stop_with = RP_BLOCK;
    rp_body_proc_t *p = rp_body_xml_new(a, &deflim, sink_field, &s);
    assert_int_equal(p->feed(p, "<a><b>1</b><c>2</c></a>", 23), RP_BLOCK);
    assert_int_equal(p->finish(p), RP_BLOCK);
    assert_string_equal(s.log, "a.b=1\n");
    rp_body_xml_abort(p);
    rp_arena_free(a);
}

/* libxml2 must not print: errors go to our handler only. */
static void test_silent(void **state)
{
    (void)state;
    fflush(stderr);
    int saved = dup(2);
    char tmpl[] = "/tmp/rp_xml_stderr_XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    dup2(fd, 2);
    run_t r;
    run_split("<a><b></a>&x;", 13, &deflim, 0, 0, 0, &r);
    run_split("<!DOCTYPE a SYSTEM \"x\"><a>&y;</a>", 33, &deflim, 0, 0, 0, &r);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(tmpl);
    assert_int_equal(size, 0);
}

static void test_nomem(void **state)
{
    (void)state;
    const char *in = "<!DOCTYPE a [<!ENTITY e \"v\">]><root k=\"v\"><item>one</item>"
                     "<item>two</item></root>";
    check_nomem(in, strlen(in), &deflim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),          cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_markup_bounded), cmocka_unit_test(test_long_text),
        cmocka_unit_test(test_abort),          cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_silent),         cmocka_unit_test(test_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
