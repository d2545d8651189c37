/*
 * mask_test.c — response masking: the policy's mask directives (errors
 * with file:line), the streaming masker (every split of a document into
 * two chunks, and byte by byte, gives the same output as one chunk; JSON
 * stays valid; numbers become strings; labelled names and addresses;
 * record keys; discovery without rewriting), and the transaction path
 * (gzip inflated, masked, deflated; a clear viewer and its data-access
 * event; the body limit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mask_stream.h"
#include "rampart/rampart.h"

/* A valid resident ID number from 17 digits. */
static void make_id(char id[19], const char *digits17)
{
    memcpy(id, digits17, 17);
    id[17] = rp_resident_id_check_char(digits17);
    id[18] = '\0';
}

/* A citizens document: n records with a valid ID, a wrong-check ID, a
 * mobile as a JSON number and as a string, a name and an address. */
static char *citizens(int n, size_t *len)
{
    size_t cap = 256 + (size_t)n * 400;
    char *doc = malloc(cap), id[19], d17[18];
    size_t o = (size_t)snprintf(doc, cap, "{\"total\":%d,\"items\":[", n);
    for (int i = 0; i < n; i++) {
        snprintf(d17, sizeof(d17), "1101051990%02d%02d%03d", 1 + i % 12, 1 + i % 28, i % 1000);
        make_id(id, d17);
        char wrong = id[17] == '0' ? '1' : '0';
        o += (size_t)snprintf(
            doc + o, cap - o,
            "%s{\"id\":%d,\"name\":\"张三%d\",\"idNumber\":\"%s\",\"ref\":\"%.17s%c\","
            "\"phone\":138%08d,\"tel\":\"+86 139-%04d-%04d\",\"address\":"
            "\"北京市朝阳区建国路%d号\",\"note\":\"a \\\"quoted\\\" \\u4e2d text\"}",
            i ? "," : "", i + 1, i, id, id, wrong, i, i % 10000, (i * 7) % 10000, i);
    }
    o += (size_t)snprintf(doc + o, cap - o, "]}");
    *len = o;
    return doc;
}

static rp_policy_t *load(const char *text)
{
    rp_error_t e = {0};
    rp_policy_t *p = rp_policy_load_string(text, strlen(text), "t.policy", &e);
    if (!p)
        fprintf(stderr, "policy: %s:%u: %s\n", e.file, e.line, e.reason);
    assert_non_null(p);
    return p;
}

static void expect_error(const char *text, unsigned line, const char *part)
{
    rp_error_t e = {0};
    rp_policy_t *p = rp_policy_load_string(text, strlen(text), "t.policy", &e);
    assert_null(p);
    assert_int_equal(e.line, line);
    if (!strstr(e.reason, part))
        fail_msg("reason \"%s\" lacks \"%s\"", e.reason, part);
}

static void test_policy_errors(void **state)
{
    (void)state;
    expect_error("mode block\nmask /api/ colour=red\n", 2, "unknown option");
    expect_error("mask /api/ styles=id:blur\n", 1, "partial, hash or redact");
    expect_error("mask /api/ styles=idd:partial\n", 1, "unknown class");
    expect_error("mask /api/ classes=id,shoe\n", 1, "unknown class \"shoe\"");
    expect_error("mask api/\n", 1, "must start with '/'");
    expect_error("mask /a/\nmask /a/ classes=id\n", 2, "given twice");
    expect_error("mask /a/ groups-clear=hr\n", 1, "must start with '/'");
    expect_error("mask /a/ styles=name:hash names=n\n", 1, "partial or redact");
    expect_error("mask_body_limit 10q\n", 1, "mask_body_limit");
    expect_error("mask_encoding brotli\n", 1, "recode|identity");
    expect_error("mask_hash_key /nonexistent/key\n", 1, "cannot open");
    expect_error("mask_frobnicate 1\n", 1, "unknown directive");
    /* the hash style needs a key: said once the file is read */
    rp_error_t e = {0};
    assert_null(rp_policy_load_string("mask /a/ styles=id:hash\n", 24, "t.policy", &e));
    assert_non_null(strstr(e.reason, "mask_hash_key"));
    rp_policy_t *p = load("mask /api/ roles-clear=auditor styles=id:partial,phone:partial,"
                          "bankcard:redact names=name keys=id\nmask /api/internal off\n");
    assert_true(rp_policy_mask_route(p, "/api/citizens", 13, NULL));
    assert_false(rp_policy_mask_route(p, "/apix", 5, NULL));
    assert_false(rp_policy_mask_route(p, "/api/internal/x", 15, NULL));
    assert_true(rp_policy_mask_needs_viewer(p));
    rp_policy_unref(p);
}

static const rp_mask_rule_t *rule_of(rp_policy_t *p, const char *path);

/* The rule through the policy's internal layout. */
#include "policy_t.h"
static const rp_mask_rule_t *rule_of(rp_policy_t *p, const char *path)
{
    return rp_mask_rule_for(p->masks, path, strlen(path));
}

static char *run_stream(const rp_mask_rule_t *r, const char *doc, size_t len, size_t split,
                        size_t step, size_t *out_len, rp_mask_report_t *rep)
{
    rp_arena_t *a = rp_arena_new(0, 0);
    rp_abuf_t out;
    rp_abuf_init(&out, a);
    rp_mask_stream_t s;
    rp_mask_stream_init(&s, r, true, NULL, 0);
    if (step) {
        for (size_t i = 0; i < len; i += step)
            assert_int_equal(
                rp_mask_stream_feed(&s, doc + i, i + step > len ? len - i : step, false, &out), 0);
    } else {
        assert_int_equal(rp_mask_stream_feed(&s, doc, split, false, &out), 0);
        assert_int_equal(rp_mask_stream_feed(&s, doc + split, len - split, false, &out), 0);
    }
    assert_int_equal(rp_mask_stream_feed(&s, "", 0, true, &out), 0);
    if (rep)
        *rep = s.report;
    rp_mask_stream_free(&s);
    char *copy = malloc(out.len + 1);
    memcpy(copy, out.data, out.len);
    copy[out.len] = '\0';
    *out_len = out.len;
    rp_arena_free(a);
    return copy;
}

static void test_stream_json(void **state)
{
    (void)state;
    rp_policy_t *p = load("mask /api/ names=name addresses=address keys=id\n");
    const rp_mask_rule_t *r = rule_of(p, "/api/citizens");
    size_t len, olen;
    char *doc = citizens(3, &len);
    rp_mask_report_t rep;
    char *whole = run_stream(r, doc, len, len, 0, &olen, &rep);
    json_error_t je;
    json_t *j = json_loads(whole, 0, &je);
    if (!j)
        fail_msg("masked JSON invalid: %s in %s", je.text, whole);
    json_t *it = json_array_get(json_object_get(j, "items"), 1);
    const char *idn = json_string_value(json_object_get(it, "idNumber"));
    assert_int_equal(strlen(idn), 18);
    assert_memory_equal(idn, "110105********", 14);
    assert_non_null(strstr(doc, idn + 14)); /* the last four as they were */
    /* the wrong-check look-alike stays as it was */
    assert_int_equal(strlen(json_string_value(json_object_get(it, "ref"))), 18);
    assert_null(strchr(json_string_value(json_object_get(it, "ref")), '*'));
    /* a number becomes a string */
    assert_string_equal(json_string_value(json_object_get(it, "phone")), "138****0001");
    assert_string_equal(json_string_value(json_object_get(it, "tel")), "+86 139-****-0007");
    assert_string_equal(json_string_value(json_object_get(it, "name")), "张**");
    assert_string_equal(json_string_value(json_object_get(it, "address")), "北京市朝阳区*****");
    assert_string_equal(json_string_value(json_object_get(it, "note")),
                        "a \"quoted\" \xe4\xb8\xad text");
    json_decref(j);
    assert_int_equal(rep.counts[RP_DC_RESIDENT_ID], 3);
    assert_int_equal(rep.counts[RP_DC_MOBILE], 6);
    assert_int_equal(rep.counts[RP_MASK_LABEL_NAME], 3);
    assert_int_equal(rep.counts[RP_MASK_LABEL_ADDRESS], 3);
    assert_int_equal(rep.nkeys, 3);
    assert_string_equal(rep.keys[2], "3");
    /* every split point, and byte by byte: the same bytes out */
    for (size_t k = 0; k <= len; k++) {
        size_t l2;
        char *two = run_stream(r, doc, len, k, 0, &l2, NULL);
        assert_int_equal(l2, olen);
        assert_memory_equal(two, whole, olen);
        free(two);
    }
    size_t l1;
    char *bytes = run_stream(r, doc, len, 0, 1, &l1, NULL);
    assert_int_equal(l1, olen);
    assert_memory_equal(bytes, whole, olen);
    free(bytes);
    free(whole);
    free(doc);
    rp_policy_unref(p);
}

static void test_stream_styles_and_discovery(void **state)
{
    (void)state;
    char id[19];
    make_id(id, "11010519900101123");
    char doc[256];
    snprintf(doc, sizeof(doc), "{\"a\":\"%s\",\"card\":\"6222021234567890128\",\"n\":%s}", id,
             "13812345678");
    rp_policy_t *p = load("mask /x styles=id:redact,bankcard:redact,phone:redact\n");
    size_t olen;
    char *out = run_stream(rule_of(p, "/x"), doc, strlen(doc), 5, 0, &olen, NULL);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "a")), "[resident_id]");
    assert_string_equal(json_string_value(json_object_get(j, "n")), "[mobile]");
    json_decref(j);
    free(out);
    /* discovery: no output, counts only */
    rp_mask_stream_t s;
    rp_mask_stream_init(&s, rule_of(p, "/x"), true, NULL, 0);
    assert_int_equal(rp_mask_stream_feed(&s, doc, strlen(doc), true, NULL), 0);
    assert_int_equal(s.report.counts[RP_DC_RESIDENT_ID], 1);
    assert_int_equal(s.report.counts[RP_DC_MOBILE], 1);
    rp_mask_stream_free(&s);
    rp_policy_unref(p);
}

static size_t gzip_buf(const char *in, size_t len, unsigned char *out, size_t cap)
{
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    return n;
}

static char *gunzip_buf(const char *in, size_t len, size_t *out_len)
{
    size_t cap = 8u << 20;
    char *out = malloc(cap);
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)len;
    z.next_out = (unsigned char *)out;
    z.avail_out = (uInt)cap;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    inflateEnd(&z);
    return out;
}

/* One exchange through the transaction API; returns the body as sent. */
static char *exchange(rp_policy_t *p, const rp_viewer_t *viewer, rp_mode_t mode, const char *ce,
                      const char *body, size_t len, size_t chunk, size_t *out_len, char **event,
                      rp_status_t *end_rc)
{
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_request_line(tx, "GET", 3, "/api/citizens", 13, "HTTP/1.1", 8);
    rp_tx_request_headers_done(tx);
    rp_tx_request_end(tx);
    rp_tx_set_masking(tx, "/api/citizens", 13, mode, viewer);
    rp_tx_response_status(tx, 200);
    rp_tx_response_header(tx, "Content-Type", 12, "application/json; charset=utf-8", 31);
    if (ce)
        rp_tx_response_header(tx, "Content-Encoding", 16, ce, strlen(ce));
    assert_int_equal(rp_tx_response_headers_done(tx), RP_OK);
    char *out = malloc(len * 2 + 4096);
    size_t o = 0;
    const void *p_out;
    size_t n;
    rp_status_t rc = RP_OK;
    for (size_t i = 0; i < len && rc == RP_OK; i += chunk) {
        size_t k = i + chunk > len ? len - i : chunk;
        rc = rp_tx_response_body(tx, body + i, k, &p_out, &n);
        if (rc == RP_OK) {
            memcpy(out + o, p_out, n);
            o += n;
        }
    }
    *end_rc = rc == RP_OK ? rp_tx_response_end(tx, &p_out, &n) : rc;
    if (*end_rc == RP_OK && n) {
        memcpy(out + o, p_out, n);
        o += n;
    }
    out[o] = '\0';
    *out_len = o;
    size_t el;
    const char *ev = rp_tx_data_event(tx, &el);
    *event = ev ? strndup(ev, el) : NULL;
    rp_tx_free(tx);
    return out;
}

static void test_tx_gzip_and_viewers(void **state)
{
    (void)state;
    rp_policy_t *p = load("mask /api/ roles-clear=auditor groups-clear=/org/audit keys=id "
                          "names=name\nmask_discovery 0\n");
    size_t len;
    char *doc = citizens(200, &len);
    unsigned char *gz = malloc(len + 1024);
    size_t gzlen = gzip_buf(doc, len, gz, len + 1024);
    size_t olen, plen;
    char *ev;
    rp_status_t rc;
    /* anonymous, gzip in 1000-byte chunks: masked, still gzip, valid JSON */
    char *out = exchange(p, NULL, RP_MODE_BLOCK, "gzip", (char *)gz, gzlen, 1000, &olen, &ev, &rc);
    assert_int_equal(rc, RP_OK);
    char *plain = gunzip_buf(out, olen, &plen);
    plain[plen] = '\0';
    json_t *j = json_loadb(plain, plen, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 200);
    json_decref(j);
    assert_null(strstr(plain, "\"idNumber\":\"1101051990"));
    assert_non_null(strstr(plain, "110105********"));
    assert_null(ev); /* masked, discovery off */
    free(plain);
    free(out);
    /* an auditor: the bytes pass as they came, and a data-access event */
    rp_viewer_t aud = {"alice", 5, "staff%2Cauditor", 15, "", 0};
    out = exchange(p, &aud, RP_MODE_BLOCK, NULL, doc, len, 4096, &olen, &ev, &rc);
    assert_int_equal(olen, len);
    assert_memory_equal(out, doc, len);
    assert_non_null(ev);
    j = json_loads(ev, 0, NULL);
    if (!j)
        fail_msg("data event is not JSON: %s", ev);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "category")), "data-access");
    json_t *data = json_object_get(j, "data");
    assert_string_equal(json_string_value(json_object_get(data, "user")), "alice");
    assert_string_equal(json_string_value(json_object_get(data, "view")), "clear");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(data, "classes"), "resident_id")), 200);
    assert_int_equal(json_array_size(json_object_get(data, "keys")), RP_MASK_KEYS_MAX);
    json_decref(j);
    free(ev);
    free(out);
    /* a member of a group below /org/audit sees clear values too */
    rp_viewer_t grp = {"bob", 3, "staff", 5, "%2Forg%2Faudit%2Fteam1", 22};
    out = exchange(p, &grp, RP_MODE_BLOCK, NULL, doc, len, 4096, &olen, &ev, &rc);
    assert_memory_equal(out, doc, len);
    free(ev);
    free(out);
    /* detect: untouched */
    out = exchange(p, NULL, RP_MODE_DETECT, NULL, doc, len, 777, &olen, &ev, &rc);
    assert_int_equal(olen, len);
    assert_memory_equal(out, doc, len);
    free(ev);
    free(out);
    free(gz);
    free(doc);
    rp_policy_unref(p);
}

static void test_tx_body_limit(void **state)
{
    (void)state;
    size_t len, olen;
    char *doc = citizens(100, &len), *ev;
    rp_status_t rc;
    rp_policy_t *p = load("mask /api/\nmask_body_limit 4k refuse\n");
    char *out = exchange(p, NULL, RP_MODE_BLOCK, NULL, doc, len, 1024, &olen, &ev, &rc);
    assert_int_equal(rc, RP_BLOCK);
    assert_true(olen < 4096);
    free(ev);
    free(out);
    rp_policy_unref(p);
    p = load("mask /api/\nmask_body_limit 4k pass\n");
    out = exchange(p, NULL, RP_MODE_BLOCK, NULL, doc, len, 1024, &olen, &ev, &rc);
    assert_int_equal(rc, RP_OK);
    /* up to the limit masked, from there on clear */
    const char *clear = strstr(out, "\"idNumber\":\"1101051990");
    assert_non_null(clear);
    assert_true(clear - out > 4096 - 40);
    assert_non_null(ev); /* and said so */
    free(ev);
    free(out);
    rp_policy_unref(p);
    /* br cannot be read: refused when the limit says refuse */
    p = load("mask /api/\nmask_body_limit 1m refuse\n");
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_request_line(tx, "GET", 3, "/api/x", 6, "HTTP/1.1", 8);
    rp_tx_set_masking(tx, "/api/x", 6, RP_MODE_BLOCK, NULL);
    rp_tx_response_status(tx, 200);
    rp_tx_response_header(tx, "Content-Type", 12, "application/json", 16);
    rp_tx_response_header(tx, "Content-Encoding", 16, "br", 2);
    assert_int_equal(rp_tx_response_headers_done(tx), RP_BLOCK);
    rp_tx_free(tx);
    rp_policy_unref(p);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_errors),
        cmocka_unit_test(test_stream_json),
        cmocka_unit_test(test_stream_styles_and_discovery),
        cmocka_unit_test(test_tx_gzip_and_viewers),
        cmocka_unit_test(test_tx_body_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
