/*
 * transaction_test.c — whole requests through the engine: verdicts, where
 * attacks hide (query, form, JSON, multipart, XML, cookie, header, path),
 * limits, detect mode, streaming invariance and the event's content.
 */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "rampart/http.h"
#include "rampart/rampart.h"
#include "tx_t.h"
#include "urldecode.h"

static rp_policy_t *policy_from(const char *text)
{
    rp_error_t err;
    rp_policy_t *p = rp_policy_load_string(text, strlen(text), "test.policy", &err);
    if (!p)
        fail_msg("policy: %s:%u: %s", err.file, err.line, err.reason);
    return p;
}

typedef struct {
    rp_status_t status;
    rp_verdict_t verdict;
    char event[8192];
} result_t;

/* Run a raw request; body_chunk > 0 feeds the body in pieces of that size. */
static void run_ex(rp_policy_t *p, const char *raw, size_t body_chunk, rp_mode_t mode, int set_mode,
                   result_t *r)
{
    rp_http_request_t req;
    size_t len = strlen(raw);
    char *buf = malloc(len + 1);
    rp_error_t err = {0};
    rp_status_t prc = rp_http_parse_request(raw, len, &req, buf, len, &err);
    if (prc != RP_OK)
        fail_msg("parse: %s (%d)", err.reason, prc);
    rp_tx_t *tx = rp_tx_new(p);
    assert_non_null(tx);
    if (set_mode)
        rp_tx_set_mode(tx, mode);
    rp_tx_set_request_id(tx, STR_AND_LEN("req-1"));
    rp_tx_set_app(tx, STR_AND_LEN("demo"));
    rp_tx_connection(tx, STR_AND_LEN("192.0.2.7"), 5555, STR_AND_LEN("127.0.0.1"), 8080);
    if (body_chunk == 0) {
        r->status = rp_tx_run_request(tx, &req);
    } else {
        rp_tx_request_line(tx, req.method, req.method_len, req.uri, req.uri_len, req.protocol,
                           req.protocol_len);
        for (size_t i = 0; i < req.nheaders; i++)
            rp_tx_request_header(tx, req.headers[i].name, req.headers[i].name_len,
                                 req.headers[i].value, req.headers[i].value_len);
        rp_tx_request_headers_done(tx);
        for (size_t off = 0; off < req.body_len; off += body_chunk) {
            size_t n = req.body_len - off < body_chunk ? req.body_len - off : body_chunk;
            rp_tx_request_body(tx, req.body + off, n);
        }
        r->status = rp_tx_request_end(tx);
    }
    r->verdict = *rp_tx_verdict(tx);
    size_t elen = 0;
    const char *ev = rp_tx_event(tx, &elen);
    snprintf(r->event, sizeof(r->event), "%.*s", (int)elen, ev ? ev : "");
    r->verdict.matches = NULL; /* owned by tx */
    rp_tx_free(tx);
    free(buf);
}

static void run(rp_policy_t *p, const char *raw, result_t *r)
{
    run_ex(p, raw, 0, RP_MODE_BLOCK, 0, r);
}

#define GET(target) "GET " target " HTTP/1.1\r\nHost: gov.example\r\nUser-Agent: t\r\n\r\n"
#define POST(ct, body)                                                                             \
    "POST /submit HTTP/1.1\r\nHost: gov.example\r\nContent-Type: " ct "\r\nContent-Length: %zu"    \
    "\r\n\r\n" body

static char *post(const char *ct, const char *body)
{
    size_t n = strlen(ct) + strlen(body) + 200;
    char *s = malloc(n);
    snprintf(s, n,
             "POST /submit HTTP/1.1\r\nHost: gov.example\r\nContent-Type: %s\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             ct, strlen(body), body);
    return s;
}

static void expect_block(rp_policy_t *p, const char *raw, int status, const char *category,
                         const char *target)
{
    result_t r;
    run(p, raw, &r);
    if (r.status != RP_BLOCK)
        fail_msg("not blocked: %s\nevent: %s", raw, r.event);
    assert_int_equal(r.verdict.action, RP_ACTION_BLOCK);
    assert_int_equal(r.verdict.status, status);
    if (category && !strstr(r.event, category))
        fail_msg("event lacks category %s: %s", category, r.event);
    if (target && !strstr(r.event, target))
        fail_msg("event lacks target %s: %s", target, r.event);
}

static void expect_allow(rp_policy_t *p, const char *raw)
{
    result_t r;
    run(p, raw, &r);
    if (r.status != RP_OK || r.verdict.action != RP_ACTION_ALLOW || r.verdict.detect_only)
        fail_msg("not allowed: %s\nevent: %s", raw, r.event);
}

static void test_benign_passes_without_event(void **state)
{
    (void)state;
    rp_policy_t *p = policy_from("");
    result_t r;
    run(p, GET("/search?q=%E7%A4%BE%E4%BF%9D%E6%9F%A5%E8%AF%A2&page=2"), &r);
    assert_int_equal(r.status, RP_OK);
    assert_int_equal(r.verdict.nmatches, 0);
    assert_string_equal(r.event, ""); /* events matched: nothing to say */
    char *b = post("application/json",
                   "{\"applicant\":{\"name\":\"张三\",\"idNumber\":\"11010519491231002X\"},"
                   "\"comment\":\"我们的“服务”，很好！请尽快办理。\"}");
    expect_allow(p, b);
    free(b);
    rp_policy_unref(p);
}

static void test_attacks_everywhere(void **state)
{
    (void)state;
    rp_policy_t *p = policy_from("");
    expect_block(p, GET("/search?q=1%27%20or%20%271%27%3D%271"), 403, "\"sqli\"", "query:q");
    expect_block(p, GET("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"), 403, "\"xss\"",
                 "query:q");
    char *b =
        post("application/x-www-form-urlencoded", "name=a&q=1+union+select+password+from+users--");
    expect_block(p, b, 403, "sqli", "form:q");
    free(b);
    b = post("application/json", "{\"applicant\":{\"bio\":\"<img src=x onerror=alert(1)>\"}}");
    expect_block(p, b, 403, "xss", "json:applicant.bio");
    free(b);
    b = post("multipart/form-data; boundary=XyZ",
             "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"
             "<script>alert(document.cookie)</script>\r\n--XyZ--\r\n");
    expect_block(p, b, 403, "xss", "multipart:note");
    free(b);
    b = post("application/xml", "<a><b>1' or '1'='1</b></a>");
    expect_block(p, b, 403, "sqli", "xml:a.b");
    free(b);
    expect_block(p,
                 "GET / HTTP/1.1\r\nHost: x\r\nCookie: pref=1%27%20union%20select%201,2,3--"
                 "\r\n\r\n",
                 403, "sqli", "cookie:pref");
    expect_block(p, "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 1' or '1'='1\r\n\r\n", 403,
                 "sqli", "header:X-Forwarded-For");
    expect_block(p, GET("/a/%3Cscript%3Ealert(1)%3C/script%3E"), 403, "xss", "path:");
    rp_policy_unref(p);
}

static void test_decoding_layers_and_uploads(void **state)
{
    (void)state;
    rp_policy_t *p = policy_from("");
    /* Base64-wrapped: "<img src=x onerror=alert(1)>" and with '+' turned space */
    expect_block(p, GET("/s?d=PGltZyBzcmM9eCBvbmVycm9yPWFsZXJ0KDEpPg"), 403, "xss", "query:d");
    expect_block(p, GET("/s?d=PGltZyBzcmM9eCBvbmVycm9yPWFsZXJ0KGRvY3VtZW50LmRvbWFpbik+L2FsbA"), 403,
                 "xss", "query:d");
    /* Base64 path segment: "1 union select password from users--" */
    expect_block(p, GET("/api/MSB1bmlvbiBzZWxlY3QgcGFzc3dvcmQgZnJvbSB1c2Vycy0t/x"), 403, "sqli",
                 "path:");
    /* percent-encoding left inside a JSON string */
    char *b = post("application/json", "{\"q\":\"%3Cscript%3Ealert(1)%3C%2Fscript%3E\"}");
    expect_block(p, b, 403, "xss", "json:q");
    free(b);
    /* a text upload carrying a payload is inspected ... */
    b = post("multipart/form-data; boundary=XyZ",
             "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
             "Content-Type: application/octet-stream\r\n\r\n<svg/onload=alert`1`>\r\n--XyZ--\r\n");
    expect_block(p, b, 403, "xss", "file:file");
    free(b);
    /* ... a binary one is not (JPEG magic, then bytes that look like markup) */
    b = post("multipart/form-data; boundary=XyZ",
             "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
             "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0\x01<script>alert(1)</script>"
             "\r\n--XyZ--\r\n");
    expect_allow(p, b);
    free(b);
    /* ordinary ids and words in the Base64 alphabet stay clean */
    expect_allow(p, GET("/s?sid=65443B45A81E5564B6DF94BE152FA2D7&w=Authorization&n=GZ20267609138"));
    rp_policy_unref(p);
}

/* The engine skips both detectors for "plain" values (inspect.c): pin the
 * invariant that no detector can match one, with SQL/HTML words, glued
 * keywords, Chinese text and random plain strings. */
static void test_plain_values_never_match(void **state)
{
    (void)state;
    static const char *const words[] = {
        "union",       "select",          "UNION",
        "unionselect", "1union",          "union1select2",
        "sleep",       "benchmark",       "waitfor",
        "script",      "javascript",      "alert",
        "onerror",     "onload",          "svg",
        "iframe",      "xp_cmdshell",     "OR1",
        "1or1",        "admin",           "drop_table_users",
        "0x7e",        "0x414243",        "1e5union",
        "pg_sleep",    "dbms_pipe",       "王小明",
        "选择union",   "union选择select", "SELECT_FROM_WHERE",
        "a1b2c3",
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        assert_true(rp_value_is_plain(words[i], strlen(words[i])));
        assert_false(rp_detect_sqli(words[i], strlen(words[i]), NULL));
        assert_false(rp_detect_xss(words[i], strlen(words[i]), NULL));
    }
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789_\x80\xe4\xb8\xad";
    unsigned seed = 12345;
    char buf[48];
    for (int n = 0; n < 200000; n++) {
        size_t len = 1 + (seed >> 16) % 40;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        buf[len] = '\0';
        assert_true(rp_value_is_plain(buf, len));
        if (rp_detect_sqli(buf, len, NULL) || rp_detect_xss(buf, len, NULL))
            fail_msg("a detector matched the plain value \"%s\"", buf);
    }
    const char *not_plain[] = {"a b", "a-b", "a.b", "a'b", "<b", "a(", "a=1", "a\tb", ""};
    for (size_t i = 0; i + 1 < sizeof(not_plain) / sizeof(not_plain[0]); i++)
        assert_false(rp_value_is_plain(not_plain[i], strlen(not_plain[i])));
}

static void test_detect_mode(void **state)
{
    (void)state;
    rp_policy_t *p = policy_from("mode detect\n");
    result_t r;
    run(p, GET("/s?q=1%27%20or%20%271%27%3D%271"), &r);
    assert_int_equal(r.status, RP_OK);
    assert_int_equal(r.verdict.action, RP_ACTION_ALLOW);
    assert_true(r.verdict.detect_only);
    assert_non_null(strstr(r.event, "\"action\":\"detect\""));
    rp_policy_unref(p);
    /* and the host may override the policy's mode */
    p = policy_from("mode block\n");
    run_ex(p, GET("/s?q=1%27%20or%20%271%27%3D%271"), 0, RP_MODE_DETECT, 1, &r);
    assert_int_equal(r.status, RP_OK);
    assert_true(r.verdict.detect_only);
    run_ex(p, GET("/s?q=1%27%20or%20%271%27%3D%271"), 0, RP_MODE_OFF, 1, &r);
    assert_int_equal(r.status, RP_OK);
    assert_false(r.verdict.detect_only);
    rp_policy_unref(p);
}

static void test_limits(void **state)
{
    (void)state;
    rp_policy_t *p = policy_from("limit headers 3\nlimit body 100\nlimit json_depth 4\n"
                                 "limit uri_size 64\n");
    expect_block(p, "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431, "limit",
                 NULL);
    char body[300];
    memset(body, 'a', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    memcpy(body, "a=", 2);
    char *b = post("application/x-www-form-urlencoded", body);
    expect_block(p, b, 413, "limit", NULL);
    free(b);
    b = post("application/json", "[[[[[[1]]]]]]");
    expect_block(p, b, 403, "limit", NULL);
    free(b);
    expect_block(p,
                 GET("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                     "aaaaaaaaaaa"),
                 414, "limit", NULL);
    rp_policy_unref(p);
    p = policy_from("limit body 100\nbody_limit_action pass\n");
    b = post("application/x-www-form-urlencoded", body);
    expect_allow(p, b);
    free(b);
    rp_policy_unref(p);
}

static void test_anomalies(void **state)
{
    (void)state;
    rp_policy_t *p = policy_from("");
    expect_block(p, GET("/a?x=abc%00def"), 403, "nul_byte", "query:x");
    expect_block(p, GET("/static/..%2f..%2f..%2fetc/passwd"), 403, "path_traversal", NULL);
    expect_block(p, GET("/a?x=%C0%AF"), 403, "overlong_utf8", NULL);
    char *b = post("multipart/form-data; boundary=XyZ",
                   "--XyZ\r\nContent-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\n"
                   "v\r\n--XyZ--\r\n");
    expect_block(p, b, 403, "body_malformed", NULL);
    free(b);
    b = post("application/json", "{\"a\":1,}");
    expect_block(p, b, 403, "body_malformed", NULL);
    free(b);
    b = post("application/xml",
             "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
             "<r>&x;</r>");
    expect_block(p, b, 403, "xml_entity", NULL);
    free(b);
    /* invalid UTF-8 (a GBK query) is only logged by default */
    result_t r;
    run(p, GET("/s?q=%C9%E7%B1%A3"), &r);
    assert_int_equal(r.status, RP_OK);
    assert_non_null(strstr(r.event, "invalid_utf8"));
    assert_non_null(strstr(r.event, "\"action\":\"log\""));
    rp_policy_unref(p);
}

static void test_body_split_invariance(void **state)
{
    (void)state;
    rp_policy_t *p = policy_from("");
    const char *bodies[][2] = {
        {"application/json", "{\"a\":{\"b\":[1,{\"c\":\"1' or '1'='1\"}]}}"},
        {"application/x-www-form-urlencoded", "x=1&y=%3Cscript%3Ealert(1)%3C%2Fscript%3E"},
        {"multipart/form-data; boundary=b0",
         "--b0\r\nContent-Disposition: form-data; "
         "name=\"t\"\r\n\r\n1 union select 1,2--\r\n--b0--\r\n"},
        {"", "{\"q\":\"<svg onload=alert(1)>\"}"},
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        char *raw;
        if (bodies[i][0][0]) {
            raw = post(bodies[i][0], bodies[i][1]);
        } else {
            size_t n = strlen(bodies[i][1]) + 200;
            raw = malloc(n);
            snprintf(raw, n, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(bodies[i][1]), bodies[i][1]);
        }
        for (size_t chunk = 1; chunk <= 7; chunk++) {
            result_t r;
            run_ex(p, raw, chunk, RP_MODE_BLOCK, 0, &r);
            if (r.status != RP_BLOCK)
                fail_msg("body %zu split by %zu not blocked: %s", i, chunk, r.event);
        }
        free(raw);
    }
    rp_policy_unref(p);
}

static void test_event_content_and_masking(void **state)
{
    (void)state;
    rp_policy_t *p = policy_from("version v9\n");
    result_t r;
    run(p,
        GET("/s?id=11010519491231002X&q=1%27%20or%20%271%27%3D%271%20--%2013812345678&"
            "password=1%27%20or%20%271%27%3D%271"),
        &r);
    assert_int_equal(r.status, RP_BLOCK);
    const char *must[] = {"\"request_id\":\"req-1\"",
                          "\"client\":\"192.0.2.7\"",
                          "\"host\":\"gov.example\"",
                          "\"method\":\"GET\"",
                          "\"app\":\"demo\"",
                          "\"action\":\"block\"",
                          "\"status\":403",
                          "\"policy_version\":\"v9\"",
                          "\"category\":\"sqli\"",
                          "110105********002X",
                          "138****5678",
                          "password=*"};
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        if (!strstr(r.event, must[i]))
            fail_msg("event lacks %s: %s", must[i], r.event);
    assert_null(strstr(r.event, "13812345678"));
    assert_null(strstr(r.event, "11010519491231002X"));
    rp_policy_unref(p);
    /* detect mode inspects everything: the credential's excerpt is redacted */
    p = policy_from("mode detect\n");
    run(p, GET("/s?password=1%27%20or%20%271%27%3D%271&q=ok"), &r);
    assert_non_null(strstr(r.event, "\"excerpt\":\"[redacted]\""));
    assert_null(strstr(r.event, "or '1'"));
    rp_policy_unref(p);
}

static void test_events_all_and_off(void **state)
{
    (void)state;
    rp_policy_t *p = policy_from("events all\n");
    result_t r;
    run(p, GET("/ok"), &r);
    assert_non_null(strstr(r.event, "\"action\":\"allow\""));
    rp_policy_unref(p);
    p = policy_from("events off\n");
    run(p, GET("/s?q=%3Cscript%3Ealert(1)%3C/script%3E"), &r);
    assert_int_equal(r.status, RP_BLOCK);
    assert_string_equal(r.event, "");
    rp_policy_unref(p);
}

static void test_http_parser_rejects_smuggling(void **state)
{
    (void)state;
    const char *bad[] = {
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\nHost: x\n\n",
        "GET / HTTP/2.0\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rp_http_request_t req;
        char buf[256];
        rp_error_t err = {0};
        rp_status_t rc =
            rp_http_parse_request(bad[i], strlen(bad[i]), &req, buf, sizeof(buf), &err);
        if (rc != RP_ERROR)
            fail_msg("case %zu accepted (%d)", i, rc);
        assert_true(err.reason[0] != '\0');
    }
    rp_http_request_t req;
    char buf[256];
    const char *chunked =
        "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
        "2;ext=1\r\nde\r\n0\r\nTrailer: t\r\n\r\nNEXT";
    assert_int_equal(rp_http_parse_request(chunked, strlen(chunked), &req, buf, sizeof(buf), NULL),
                     RP_OK);
    assert_int_equal(req.body_len, 5);
    assert_memory_equal(req.body, "abcde", 5);
    assert_string_equal(chunked + req.consumed, "NEXT");
    const char *partial = "GET / HTTP/1.1\r\nHost: x\r\n";
    assert_int_equal(rp_http_parse_request(partial, strlen(partial), &req, buf, sizeof(buf), NULL),
                     RP_AGAIN);
}

static void test_response_pass_through(void **state)
{
    (void)state;
    rp_policy_t *p = policy_from("");
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_request_line(tx, STR_AND_LEN("GET"), STR_AND_LEN("/"), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_headers_done(tx);
    rp_tx_request_end(tx);
    assert_int_equal(rp_tx_response_status(tx, 200), RP_OK);
    assert_int_equal(
        rp_tx_response_header(tx, STR_AND_LEN("Content-Type"), STR_AND_LEN("text/html")), RP_OK);
    assert_int_equal(rp_tx_response_headers_done(tx), RP_DECLINED);
    const void *out;
    size_t out_len;
    assert_int_equal(rp_tx_response_body(tx, "hello", 5, &out, &out_len), RP_OK);
    assert_int_equal(out_len, 5);
    assert_memory_equal(out, "hello", 5);
    assert_int_equal(rp_tx_response_end(tx, &out, &out_len), RP_OK);
    assert_int_equal(out_len, 0);
    assert_int_equal(strlen(rp_tx_request_id(tx)), 32); /* generated */
    rp_tx_free(tx);
    rp_policy_unref(p);
}

/* The clean-value cache (clean_cache.c) only ever skips work whose answer
 * it knows: a value the detectors passed because of the request's own Host
 * is judged again under another Host, an attack is blocked every time, and
 * a verdict of one policy never serves another. */
static void test_clean_cache_keeps_verdicts(void **state)
{
    (void)state;
    rp_policy_t *p = policy_from("");
    const char *self = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: t\r\n"
                       "Referer: http://127.0.0.1:8080/admin\r\n\r\n";
    const char *other = "GET / HTTP/1.1\r\nHost: gov.example\r\nUser-Agent: t\r\n"
                        "Referer: http://127.0.0.1:8080/admin\r\n\r\n";
    for (int i = 0; i < 3; i++) {
        expect_allow(p, self);
        expect_block(p, other, 403, "ssrf", "header:Referer");
    }
    const char *ua = "GET / HTTP/1.1\r\nHost: gov.example\r\n"
                     "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0\r\n"
                     "Cookie: sid=abc123; lang=zh-CN\r\n\r\n";
    const char *evil = "GET / HTTP/1.1\r\nHost: gov.example\r\n"
                       "User-Agent: x' UNION SELECT password FROM users--\r\n"
                       "Cookie: sid=abc123; lang=zh-CN\r\n\r\n";
    const char *evil_cookie_name = "GET / HTTP/1.1\r\nHost: gov.example\r\nUser-Agent: t\r\n"
                                   "Cookie: a' union select pw from users--=1\r\n\r\n";
    for (int i = 0; i < 3; i++) {
        expect_allow(p, ua);
        expect_block(p, evil, 403, "sqli", "header:User-Agent");
        expect_block(p, evil_cookie_name, 403, "sqli", "cookie");
    }
    rp_policy_t *off = policy_from("detect sqli off\n");
    expect_allow(off, evil);
    expect_allow(off, evil);
    expect_block(p, evil, 403, "sqli", "header:User-Agent");
    rp_policy_unref(off);
    rp_policy_unref(p);

    /* JSON keys are remembered by the key alone: a clean key stays clean
     * at any path, a key that is an attack is blocked every time, at any
     * path, and the same text as a value is judged as a value. */
    rp_policy_t *nosql = policy_from("detect nosql on\ndetect sqli on\n");
    char *clean = post("application/json", "{\"user\":{\"name\":\"x\"},\"name\":\"y\"}");
    char *op_key = post("application/json", "{\"user\":{\"$ne\":null}}");
    char *op_key_top = post("application/json", "{\"$ne\":1}");
    char *sqli_key = post("application/json", "{\"a' union select pw from users--\":1}");
    char *sqli_value = post("application/json", "{\"q\":\"a' union select pw from users--\"}");
    for (int i = 0; i < 3; i++) {
        expect_allow(nosql, clean);
        expect_block(nosql, op_key, 403, "nosql", "json:user.$ne");
        expect_block(nosql, op_key_top, 403, "nosql", "json:$ne");
        expect_block(nosql, sqli_key, 403, "sqli", "json:a");
        expect_block(nosql, sqli_value, 403, "sqli", "json:q");
    }
    free(clean);
    free(op_key);
    free(op_key_top);
    free(sqli_key);
    free(sqli_value);
    rp_policy_unref(nosql);
}

/* rp_value_profile() against the definition of its bits (inspect.c), byte
 * by byte, and its cjk_valid only where rp_utf8_check() finds nothing:
 * values mixing ASCII words, Chinese text and every broken or other-length
 * UTF-8 sequence, at every length and alignment. */
static unsigned defined_profile(const unsigned char *s, size_t len)
{
    unsigned acc = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        int upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
        int word = upper || lower || (c >= '0' && c <= '9') || c == '_';
        if (c >= 0x80)
            acc |= PROF_HIGH;
        else if (!word)
            acc |= PROF_NOT_PLAIN;
        if (!word && !(c && strchr(" +/=-", c)))
            acc |= PROF_NOT_B64;
        acc |= (c == '%' ? PROF_PERCENT : 0) | (upper ? PROF_UPPER : 0) | (lower ? PROF_LOWER : 0);
    }
    return acc;
}

static void test_value_profile(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "\xe4\xb8\xad\xe6\x96\x87",
        "\xef\xbc\x8c",
        "abcdefgh",
        "AB",
        "0123456789",
        "_",
        " ",
        "%",
        "+/=-",
        "'",
        "\x00",
        "\xe0\x9f\xbf",
        "\xed\xa0\x80",
        "\xe4\xb8",
        "\xc3\xa9",
        "\xf0\x9f\x98\x80",
        "\x80",
        "\xff",
        "<a>",
    };
    unsigned seed = 4242;
    char buf[128];
    for (int round = 0; round < 200000; round++) {
        size_t n = test_random_pieces(buf, sizeof(buf), pieces, sizeof(pieces) / sizeof(pieces[0]),
                                      3, 50, (int)(seed % 12), &seed);
        bool cjk_valid = false;
        unsigned got = rp_value_profile(buf, n, &cjk_valid);
        if (got != defined_profile((const unsigned char *)buf, n) ||
            (cjk_valid && rp_utf8_check(buf, n) != 0))
            fail_msg("round %d: %#x, defined %#x, cjk_valid %d", round, got,
                     defined_profile((const unsigned char *)buf, n), cjk_valid);
    }
    bool cjk_valid = false;
    assert_int_equal(rp_value_profile("\xe4\xb8\xad\xe6\x96\x87"
                                      "abc",
                                      9, &cjk_valid),
                     PROF_HIGH | PROF_NOT_B64 | PROF_LOWER);
    assert_true(cjk_valid); /* Chinese text needs no second look */
}

/* A path variable is judged without its view suffix ("/news/| id.html"
 * hands "| id" to the application): every suffix, in any case. */
static void test_path_variable_suffixes(void **state)
{
    (void)state;
    rp_policy_t *p = policy_from("detect cmdi on\n");
    static const char *const suffixes[] = {".html", ".htm",    ".shtml", ".jsp", ".jspx",
                                           ".do",   ".action", ".json",  ".xml", ".php",
                                           ".asp",  ".aspx",   ".HTML",  ".Do",  ".aSpX"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char raw[256];
        snprintf(raw, sizeof(raw), GET("/news/%%7C%%20id%s"), suffixes[i]);
        expect_block(p, raw, 403, "cmdi", NULL);
    }
    expect_allow(p, GET("/news/2024/notice.html"));
    rp_policy_unref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_benign_passes_without_event),
        cmocka_unit_test(test_path_variable_suffixes),
        cmocka_unit_test(test_value_profile),
        cmocka_unit_test(test_attacks_everywhere),
        cmocka_unit_test(test_decoding_layers_and_uploads),
        cmocka_unit_test(test_plain_values_never_match),
        cmocka_unit_test(test_detect_mode),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_anomalies),
        cmocka_unit_test(test_body_split_invariance),
        cmocka_unit_test(test_event_content_and_masking),
        cmocka_unit_test(test_events_all_and_off),
        cmocka_unit_test(test_http_parser_rejects_smuggling),
        cmocka_unit_test(test_response_pass_through),
        cmocka_unit_test(test_clean_cache_keeps_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
