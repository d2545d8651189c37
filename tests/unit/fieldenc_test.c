/*
 * fieldenc_test.c — transparent field encryption: the "encrypt" directive
 * (errors with file:line), the data keys file, the streaming rewriter on a
 * table of JSON and form bodies (fields found through escapes, arrays and
 * bracket names, the rest byte-exact, every split into two chunks equal to
 * one chunk, hostile bodies refused), and the transaction round trip:
 * sealed requests, responses opened for clear viewers and masked for
 * others, mixed key versions, tampered and unknown-version envelopes
 * redacted with an event.
 */
#include "policy_errors.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fieldenc_t.h"
#include "policy_t.h"
#include "rampart/rampart.h"

#define KEYS                                                                                       \
    "# test keys\n"                                                                                \
    "rpgk1 gov/citizens 1 sm4-gcm 000102030405060708090a0b0c0d0e0f\n"                              \
    "rpgk1 gov/citizens 2 sm4-gcm 101112131415161718191a1b1c1d1e1f\n"                              \
    "rpgk1 gov/other 1 aes-256-gcm "                                                               \
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n"

#define POLICY                                                                                     \
    "encrypt /api/citizens key=gov/citizens "                                                      \
    "fields=applicant.idNumber:id,phone:mobile,phones:mobile,note roles-clear=auditor\n"

static rp_policy_t *load(const char *text)
{
    rp_error_t e = {0};
    rp_policy_t *p = rp_policy_load_string(text, strlen(text), "t.policy", &e);
    if (!p)
        fprintf(stderr, "policy: %s:%u: %s\n", e.file, e.line, e.reason);
    assert_non_null(p);
    return p;
}

static rp_data_keys_t *keys(void)
{
    rp_error_t e = {0};
    rp_data_keys_t *k = rp_data_keys_parse(KEYS, strlen(KEYS), "keys", &e);
    if (!k)
        fprintf(stderr, "keys: %u: %s\n", e.line, e.reason);
    assert_non_null(k);
    return k;
}

static void test_policy_errors(void **state)
{
    (void)state;
    static const policy_error_case_t bad[] = {
        {"mode block\nencrypt /a fields=x\n", 2, "key=APP/FIELD is required"},
        {"encrypt /a key=app/f\n", 1, "fields=PATH"},
        {"encrypt /a key=app fields=x\n", 1, "not APP/FIELD"},
        {"encrypt /a key=app/f fields=x:blood\n", 1, "unknown class \"blood\""},
        {"encrypt /a key=app/f fields=x,,y\n", 1, "is not a field path"},
        {"encrypt /a key=app/f fields=x,x\n", 1, "given twice"},
        {"encrypt /a key=app/f fields=x colour=red\n", 1, "unknown option"},
        {"encrypt /a key=app/f fields=x\nencrypt /a off\n", 2, "given twice"},
        {"encrypt a key=app/f fields=x\n", 1, "must start with '/'"},
        {"\n\nencrypt /a key=app/f fields=x groups-clear=org\n", 3, "must start with '/'"},
        {"encrypt /a key=app/f fields=x:id styles=id:blur\n", 1, "not partial, hash"},
    };
    expect_policy_errors(bad, sizeof(bad) / sizeof(bad[0]));
    rp_error_t e = {0};
    const char *t = "encrypt /a key=app/f fields=x:id styles=id:hash\n";
    assert_null(rp_policy_load_string(t, strlen(t), "t.policy", &e));
    assert_non_null(strstr(e.reason, "mask_hash_key"));
    rp_policy_t *p = load(POLICY "encrypt /api/citizens/public off\n");
    assert_true(rp_policy_fieldenc_route(p, "/api/citizens", 13));
    assert_true(rp_policy_fieldenc_route(p, "/api/citizens/7", 15));
    assert_false(rp_policy_fieldenc_route(p, "/api/citizensx", 14));
    assert_false(rp_policy_fieldenc_route(p, "/api/citizens/public/1", 22));
    rp_policy_unref(p);
}

static void expect_keys_error(const char *text, unsigned line, const char *part)
{
    rp_error_t e = {0};
    assert_null(rp_data_keys_parse(text, strlen(text), "k", &e));
    assert_int_equal(e.line, line);
    if (!strstr(e.reason, part))
        fail_msg("reason \"%s\" lacks \"%s\"", e.reason, part);
    /* never a key byte in a reason */
    assert_null(strstr(e.reason, "0001020304"));
}

static void test_data_keys(void **state)
{
    (void)state;
    rp_data_keys_t *k = keys();
    assert_int_equal(rp_data_keys_count(k), 3);
    const rp_data_key_t *cur = rp_data_key_current(k, "gov:citizens");
    assert_non_null(cur);
    assert_int_equal(cur->version, 2);
    assert_non_null(rp_data_key_find(k, "gov:citizens", 1));
    assert_null(rp_data_key_find(k, "gov:citizens", 3));
    assert_null(rp_data_key_current(k, "gov:nothing"));
    rp_data_keys_unref(k);
    expect_keys_error("rpgk1 a/b 1 sm4-gcm 00\n", 1, "32 hex digits");
    expect_keys_error("\nrpgk1 a/b 0 sm4-gcm 000102030405060708090a0b0c0d0e0f\n", 2, "version");
    expect_keys_error("rpgk1 ab 1 sm4-gcm 000102030405060708090a0b0c0d0e0f\n", 1, "APP/FIELD");
    expect_keys_error("rpgk1 a/b 1 des 000102030405060708090a0b0c0d0e0f\n", 1, "algorithm");
    expect_keys_error("rpgk1 a/b 1 sm4-gcm 000102030405060708090a0b0c0d0e0f\n"
                      "rpgk1 a/b 1 sm4-gcm 000102030405060708090a0b0c0d0e0f\n",
                      2, "twice");
    expect_keys_error("hello\n", 1, "rpgk1");
    /* the file must be private */
    char path[] = "/tmp/fieldenc_test_keysXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, KEYS, strlen(KEYS)), (ssize_t)strlen(KEYS));
    close(fd);
    rp_error_t e = {0};
    chmod(path, 0644);
    assert_null(rp_data_keys_load(path, &e));
    assert_non_null(strstr(e.reason, "0600"));
    chmod(path, 0600);
    k = rp_data_keys_load(path, &e);
    assert_non_null(k);
    assert_int_equal(rp_data_keys_count(rp_data_keys_ref(k)), 3);
    rp_data_keys_unref(k);
    rp_data_keys_unref(k);
    unlink(path);
}

/* ---- the rewriter, with a callback that writes <F#:kind:raw> ---- */

static int mark(void *ctx, int field, rp_fe_kind_t kind, const char *raw, size_t len,
                rp_abuf_t *out)
{
    (void)ctx;
    char head[32];
    snprintf(head, sizeof(head), "\"<F%d:%c:", field, "jsf"[kind]);
    rp_abuf_append(out, head, strlen(head));
    rp_abuf_append(out, raw, len);
    return rp_abuf_append(out, ">\"", 2);
}

/* Rewrites body in pieces of chunk bytes (0: one piece); NULL on failure,
 * *why then says why. */
static char *rewrite(const rp_fe_rule_t *rule, bool form, const char *body, size_t chunk,
                     const char **why)
{
    rp_arena_t *a = rp_arena_new(4096, 0);
    rp_fe_rewriter_t r;
    rp_fe_rewriter_init(&r, rule, form, a, mark, NULL);
    r.refuse_container = true;
    rp_abuf_t out;
    rp_abuf_init(&out, a);
    size_t len = strlen(body);
    int rc = 0;
    if (!chunk)
        chunk = len ? len : 1;
    for (size_t i = 0; i < len && rc == 0; i += chunk)
        rc = rp_fe_rewriter_feed(&r, body + i, i + chunk > len ? len - i : chunk, false, &out);
    if (rc == 0)
        rc = rp_fe_rewriter_feed(&r, "", 0, true, &out);
    char *res = rc == 0 ? strndup(out.data ? out.data : "", out.len) : NULL;
    *why = r.why;
    rp_arena_free(a);
    return res;
}

static const struct {
    const char *in, *out;
} json_ok[] = {
    {"{\"phone\":\"13812345678\",\"name\":\"x\"}",
     "{\"phone\":\"<F1:j:13812345678>\",\"name\":\"x\"}"},
    {" { \"applicant\" : { \"idNumber\" : \"11010519900307123X\" , \"idType\":1 } } ",
     " { \"applicant\" : { \"idNumber\" : \"<F0:j:11010519900307123X>\" , \"idType\":1 } } "},
    /* an escaped key is the same key */
    {"{\"applicant\":{\"id\\u004eumber\":\"a\\\"b\"}}",
     "{\"applicant\":{\"id\\u004eumber\":\"<F0:j:a\\\"b>\"}}"},
    /* arrays do not add to the path; numbers are values too */
    {"{\"phones\":[\"1\",2,null,true],\"phone\":13800138000}",
     "{\"phones\":[\"<F2:j:1>\",\"<F2:s:2>\",\"<F2:s:null>\",\"<F2:s:true>\"],\"phone\":\"<F1:s:"
     "13800138000>\"}"},
    /* a path matches at any depth on key boundaries, not inside a key */
    {"{\"x\":{\"phone\":\"1\",\"xphone\":\"9\"},\"idNumber\":\"2\",\"applicant\":[{"
     "\"idNumber\":\"3\"}]}",
     "{\"x\":{\"phone\":\"<F1:j:1>\",\"xphone\":\"9\"},\"idNumber\":\"2\",\"applicant\":[{"
     "\"idNumber\":\"<F0:j:3>\"}]}"},
    /* duplicate keys: both are sealed */
    {"{\"phone\":\"1\",\"phone\":\"2\"}", "{\"phone\":\"<F1:j:1>\",\"phone\":\"<F1:j:2>\"}"},
    {"[{\"note\":\"\"}]", "[{\"note\":\"<F3:j:>\"}]"},
    {"[]", "[]"},
    {"{}", "{}"},
    {"\"phone\"", "\"phone\""},
    {"-1.5e+3", "-1.5e+3"},
    {"{\"a\":[[[{\"b\":\"\\u00e9\\ud83d\\ude00\"}]]],\"note\":\"\\u4e2d\"}",
     "{\"a\":[[[{\"b\":\"\\u00e9\\ud83d\\ude00\"}]]],\"note\":\"<F3:j:\\u4e2d>\"}"},
};

static const struct {
    const char *in, *why;
} json_bad[] = {
    {"", "ends inside"},
    {"{\"phone\":\"1\"", "ends inside"},
    {"{\"phone\":\"1\"}}", "after the top-level"},
    {"{\"phone\":\"1\"} x", "after the top-level"},
    {"{\"phone\":{\"a\":1}}", "object or array"},
    {"{\"phones\":[[\"1\"]]}", "object or array"},
    {"{\"phone\":\"a\nb\"}", "control character"},
    {"{\"phone\":\"\\x\"}", "bad escape"},
    {"{\"phone\":\"\\u12g4\"}", "\\u escape"},
    {"{\"ph\\ud800one\":\"1\"}", "lone surrogate"},
    {"{\"phone\":01}", "number"},
    {"{\"phone\":tru}", "literal"},
    {"{\"phone\":NaN}", "value expected"},
    {"{\"phone\" \"1\"}", "':' expected"},
    {"{\"phone\":\"1\",}", "key expected"},
    {"{'phone':'1'}", "key expected"},
    {"[1 2]", "',' or a closing"},
    {"{\"phone\":\"1\"]", "closes nothing"},
    {"\xef\xbb\xbf{}", "value expected"},
};

static const struct {
    const char *in, *out;
} form_ok[] = {
    {"phone=13812345678&name=x", "phone=\"<F1:f:13812345678>\"&name=x"},
    {"ph%6Fne=1&applicant[idNumber]=2&applicant.idNumber=3&note",
     "ph%6Fne=\"<F1:f:1>\"&applicant[idNumber]=\"<F0:f:2>\"&applicant.idNumber=\"<F0:f:3>\"&note"},
    {"a=1&&phone=&phone=%2B86+138", "a=1&&phone=\"<F1:f:>\"&phone=\"<F1:f:%2B86+138>\""},
    {"", ""},
};

static void test_rewriter_table(void **state)
{
    (void)state;
    rp_policy_t *p = load(POLICY);
    const rp_fe_rule_t *rule = rp_fe_rule_for(p->fieldenc, "/api/citizens", 13);
    assert_non_null(rule);
    const char *why;
    for (size_t t = 0; t < sizeof(json_ok) / sizeof(json_ok[0]); t++) {
        size_t len = strlen(json_ok[t].in);
        /* one piece, every split into two pieces, and byte by byte */
        for (size_t chunk = 0; chunk <= len; chunk++) {
            char *out = rewrite(rule, false, json_ok[t].in, chunk, &why);
            if (!out)
                fail_msg("case %zu chunk %zu: %s", t, chunk, why);
            if (strcmp(out, json_ok[t].out) != 0)
                fail_msg("case %zu chunk %zu:\n got %s\nwant %s", t, chunk, out, json_ok[t].out);
            free(out);
        }
    }
    for (size_t t = 0; t < sizeof(json_bad) / sizeof(json_bad[0]); t++) {
        for (size_t chunk = 0; chunk <= 3; chunk += 3) {
            char *out = rewrite(rule, false, json_bad[t].in, chunk, &why);
            if (out)
                fail_msg("bad case %zu accepted: %s", t, out);
            if (!why || !strstr(why, json_bad[t].why))
                fail_msg("bad case %zu: \"%s\" lacks \"%s\"", t, why ? why : "", json_bad[t].why);
        }
    }
    for (size_t t = 0; t < sizeof(form_ok) / sizeof(form_ok[0]); t++) {
        size_t len = strlen(form_ok[t].in);
        for (size_t chunk = 0; chunk <= len; chunk++) {
            char *out = rewrite(rule, true, form_ok[t].in, chunk, &why);
            assert_non_null(out);
            if (strcmp(out, form_ok[t].out) != 0)
                fail_msg("form case %zu chunk %zu:\n got %s\nwant %s", t, chunk, out,
                         form_ok[t].out);
            free(out);
        }
    }
    /* "$." anchors a path at the top level */
    rp_policy_t *anchored = load("encrypt /b key=a/b fields=$.phone,x.y\n");
    const rp_fe_rule_t *arule = rp_fe_rule_for(anchored->fieldenc, "/b", 2);
    char *aout =
        rewrite(arule, false, "{\"phone\":1,\"x\":{\"phone\":2},\"a\":{\"x\":{\"y\":3}}}", 0, &why);
    assert_string_equal(aout, "{\"phone\":\"<F0:s:1>\",\"x\":{\"phone\":2},\"a\":{\"x\":{\"y\":"
                              "\"<F1:s:3>\"}}}");
    free(aout);
    rp_policy_unref(anchored);
    /* nesting beyond 64 levels is refused, not followed */
    char deep[300];
    memset(deep, '[', 200);
    deep[200] = '\0';
    assert_null(rewrite(rule, false, deep, 0, &why));
    assert_non_null(strstr(why, "deeper"));
    /* a value over 64 KiB is refused; the same length elsewhere passes */
    size_t big = RP_FE_VALUE_MAX + 10;
    char *doc = malloc(big + 64);
    snprintf(doc, big + 64, "{\"phone\":\"");
    memset(doc + 10, 'a', big);
    strcpy(doc + 10 + big, "\"}");
    assert_null(rewrite(rule, false, doc, 4096, &why));
    assert_non_null(strstr(why, "64 KiB"));
    memcpy(doc + 2, "phonX", 5);
    char *out = rewrite(rule, false, doc, 4096, &why);
    assert_non_null(out);
    assert_string_equal(out, doc);
    free(out);
    free(doc);
    rp_policy_unref(p);
}

static void test_escapes(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(1024, 0);
    rp_abuf_t b;
    rp_abuf_init(&b, a);
    assert_int_equal(rp_fe_json_unescape("a\\u00e9\\ud83d\\ude00\\n\\/", 24, &b), 0);
    assert_string_equal(b.data, "a\xc3\xa9\xf0\x9f\x98\x80\n/");
    rp_abuf_clear(&b);
    assert_int_equal(rp_fe_json_unescape("\\ud800x", 7, &b), -1);
    rp_abuf_clear(&b);
    assert_int_equal(rp_fe_json_unescape("\\udc00", 6, &b), -1);
    rp_abuf_clear(&b);
    assert_int_equal(rp_fe_json_escape("q\"\\\n\x01\xff\xc3\xa9", 8, &b), 0);
    assert_string_equal(b.data, "\"q\\\"\\\\\\u000a\\u0001\xef\xbf\xbd\xc3\xa9\"");
    rp_abuf_clear(&b);
    assert_int_equal(rp_fe_form_decode("a+b%2B%zz%4", 11, &b), 0);
    assert_string_equal(b.data, "a b+%zz%4");
    rp_arena_free(a);
}

/* ---- the transaction ---- */

typedef struct {
    rp_status_t rc;
    char *body;
    int status;
} req_result_t;

static req_result_t send_request(rp_policy_t *p, rp_data_keys_t *k, rp_mode_t mode,
                                 const char *ctype, const char *body, size_t chunk)
{
    req_result_t res = {RP_OK, NULL, 0};
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_request_line(tx, "POST", 4, "/api/citizens", 13, "HTTP/1.1", 8);
    rp_tx_request_header(tx, "Content-Type", 12, ctype, strlen(ctype));
    rp_tx_request_headers_done(tx);
    rp_tx_set_fieldenc(tx, "/api/citizens", 13, mode, k, ctype, strlen(ctype), NULL);
    size_t len = strlen(body);
    for (size_t i = 0; i < len; i += chunk)
        rp_tx_request_body(tx, body + i, i + chunk > len ? len - i : chunk);
    rp_tx_request_end(tx);
    const void *out;
    size_t out_len;
    res.rc = rp_tx_fieldenc_request_body(tx, &out, &out_len);
    if (res.rc == RP_OK)
        res.body = strndup(out, out_len);
    const rp_verdict_t *v = rp_tx_verdict(tx);
    res.status = v->action == RP_ACTION_ALLOW ? 0 : v->status;
    rp_tx_free(tx);
    return res;
}

static char *send_response(rp_policy_t *p, rp_data_keys_t *k, const rp_viewer_t *viewer,
                           const char *body, size_t chunk, char **event)
{
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_request_line(tx, "GET", 3, "/api/citizens", 13, "HTTP/1.1", 8);
    rp_tx_request_headers_done(tx);
    rp_tx_set_fieldenc(tx, "/api/citizens", 13, RP_MODE_BLOCK, k, "", 0, viewer);
    rp_tx_request_end(tx);
    rp_tx_response_status(tx, 200);
    rp_tx_response_header(tx, "Content-Type", 12, "application/json", 16);
    assert_int_equal(rp_tx_response_headers_done(tx), RP_OK);
    size_t len = strlen(body), o = 0;
    char *out = malloc(len * 2 + 1024);
    const void *po;
    size_t n;
    for (size_t i = 0; i < len; i += chunk) {
        assert_int_equal(
            rp_tx_response_body(tx, body + i, i + chunk > len ? len - i : chunk, &po, &n), RP_OK);
        memcpy(out + o, po, n);
        o += n;
    }
    assert_int_equal(rp_tx_response_end(tx, &po, &n), RP_OK);
    if (n) {
        memcpy(out + o, po, n);
        o += n;
    }
    out[o] = '\0';
    size_t el;
    const char *ev = rp_tx_event(tx, &el);
    *event = ev ? strndup(ev, el) : NULL;
    rp_tx_free(tx);
    return out;
}

#define RECORD                                                                                     \
    "{\"applicant\":{\"idNumber\":\"11010519491231002X\",\"name\":\"\\u5f20\"},"                   \
    "\"phone\":13812345678,\"phones\":[\"13912345678\",null],\"note\":\"a \\\"b\\\"\"}"

static void test_round_trip(void **state)
{
    (void)state;
    rp_policy_t *p = load(POLICY);
    rp_data_keys_t *k = keys();
    req_result_t r =
        send_request(p, k, RP_MODE_BLOCK, "application/json; charset=utf-8", RECORD, 7);
    assert_int_equal(r.rc, RP_OK);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    const char *id =
        json_string_value(json_object_get(json_object_get(j, "applicant"), "idNumber"));
    assert_non_null(id);
    assert_true(rp_envelope_is_text(id, strlen(id)));
    assert_true(rp_envelope_is_text(json_string_value(json_object_get(j, "phone")), 20));
    assert_true(json_is_null(json_array_get(json_object_get(j, "phones"), 1)));
    assert_null(strstr(r.body, "13812345678"));
    assert_null(strstr(r.body, "11010519491231002X"));
    /* the rest is as it came */
    assert_non_null(strstr(r.body, "\"name\":\"\\u5f20\""));
    json_decref(j);
    /* sealing again leaves the envelopes alone */
    req_result_t again = send_request(p, k, RP_MODE_BLOCK, "application/json", r.body, 100);
    assert_int_equal(again.rc, RP_OK);
    assert_string_equal(again.body, r.body);
    free(again.body);
    /* an auditor gets the values back (numbers as strings), and a data-access event */
    rp_viewer_t aud = {"alice", 5, "staff%2Cauditor", 15, "", 0};
    char *ev;
    char *clear = send_response(p, k, &aud, r.body, 13, &ev);
    assert_string_equal(clear, "{\"applicant\":{\"idNumber\":\"11010519491231002X\",\"name\":"
                               "\"\\u5f20\"},\"phone\":\"13812345678\",\"phones\":["
                               "\"13912345678\",null],\"note\":\"a \\\"b\\\"\"}");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "data-access"));
    assert_non_null(strstr(ev, "decrypted 4 values of gov/citizens for alice (versions 2)"));
    free(ev);
    free(clear);
    /* anonymous: masked by class, note (no class) redacted; no data-access */
    char *masked = send_response(p, k, NULL, r.body, 4096, &ev);
    assert_string_equal(masked, "{\"applicant\":{\"idNumber\":\"110105********002X\",\"name\":"
                                "\"\\u5f20\"},\"phone\":\"138****5678\",\"phones\":["
                                "\"139****5678\",null],\"note\":\"[encrypted]\"}");
    assert_true(!ev || !strstr(ev, "data-access"));
    free(ev);
    free(masked);
    /* tampered, other key, unknown version: redacted, never garbage */
    j = json_loads(r.body, 0, NULL);
    char *phone = strdup(json_string_value(json_object_get(j, "phone")));
    phone[strlen(phone) - 3] = phone[strlen(phone) - 3] == 'A' ? 'B' : 'A';
    const rp_data_key_t *other = rp_data_key_current(k, "gov:other");
    uint8_t bin[128];
    char v1[200], v3[200], foreign[200];
    size_t bl;
    /* an envelope of version 1 (before a rotation) still opens */
    const rp_data_key_t *old = rp_data_key_find(k, "gov:citizens", 1);
    rp_envelope_seal_random(&old->aead, "gov:citizens", 1, (const uint8_t *)"13700000001", 11, bin,
                            sizeof(bin), &bl);
    rp_envelope_to_text(bin, bl, v1, sizeof(v1));
    rp_envelope_seal_random(&old->aead, "gov:citizens", 3, (const uint8_t *)"13700000003", 11, bin,
                            sizeof(bin), &bl);
    rp_envelope_to_text(bin, bl, v3, sizeof(v3));
    rp_envelope_seal_random(&other->aead, "gov:other", 1, (const uint8_t *)"13700000004", 11, bin,
                            sizeof(bin), &bl);
    rp_envelope_to_text(bin, bl, foreign, sizeof(foreign));
    char doc[2048];
    snprintf(doc, sizeof(doc),
             "{\"phone\":\"%s\",\"phones\":[\"%s\",\"%s\",\"%s\",\"rpe1.UlBFA\"]}", phone, v1, v3,
             foreign);
    clear = send_response(p, k, &aud, doc, 9, &ev);
    assert_string_equal(clear, "{\"phone\":\"[mobile]\",\"phones\":[\"13700000001\",\"[mobile]\","
                               "\"[mobile]\",\"[mobile]\"]}");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "data-integrity"));
    assert_non_null(strstr(ev, "malformed=1 other_key=1 unknown_version=1 "
                               "authentication_failed=1"));
    assert_non_null(strstr(ev, "versions 1)"));
    free(ev);
    free(clear);
    free(phone);
    json_decref(j);
    free(r.body);
    /* a form body */
    r = send_request(p, k, RP_MODE_BLOCK, "application/x-www-form-urlencoded",
                     "name=%E5%BC%A0&phone=138%2012345678&x=1", 5);
    assert_int_equal(r.rc, RP_OK);
    assert_memory_equal(r.body, "name=%E5%BC%A0&phone=rpe1.", 26);
    assert_non_null(strstr(r.body, "&x=1"));
    snprintf(doc, sizeof(doc), "{\"phone\":\"%s\"}", strstr(r.body, "rpe1."));
    *strchr(doc + 10, '&') = '\0';
    strcat(doc, "\"}");
    clear = send_response(p, k, &aud, doc, 1, &ev);
    assert_string_equal(clear, "{\"phone\":\"138 12345678\"}");
    free(ev);
    free(clear);
    free(r.body);
    rp_data_keys_unref(k);
    rp_policy_unref(p);
}

static void test_refusals(void **state)
{
    (void)state;
    rp_policy_t *p = load(POLICY);
    rp_data_keys_t *k = keys();
    req_result_t r = send_request(p, k, RP_MODE_BLOCK, "application/json", "{\"phone\":\"1\"", 3);
    assert_int_equal(r.rc, RP_BLOCK);
    assert_int_equal(r.status, 400);
    r = send_request(p, k, RP_MODE_BLOCK, "text/plain", "phone=1", 3);
    assert_int_equal(r.rc, RP_BLOCK);
    assert_int_equal(r.status, 415);
    r = send_request(p, k, RP_MODE_BLOCK, "multipart/form-data; boundary=x", "--x\r\n", 3);
    assert_int_equal(r.status, 415);
    /* no key version held: refused, not forwarded in clear */
    r = send_request(p, NULL, RP_MODE_BLOCK, "application/json", "{\"phone\":\"1\"}", 3);
    assert_int_equal(r.rc, RP_BLOCK);
    assert_int_equal(r.status, 503);
    /* detect: the body stays, nothing is refused */
    r = send_request(p, k, RP_MODE_DETECT, "application/json", "{\"phone\":\"1\"}", 3);
    assert_int_equal(r.rc, RP_DECLINED);
    assert_int_equal(r.status, 0);
    /* over the body limit */
    rp_policy_unref(p);
    p = load("limit body 1k\n" POLICY);
    char big[3000];
    memset(big, ' ', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[0] = '[';
    big[sizeof(big) - 2] = ']';
    r = send_request(p, k, RP_MODE_BLOCK, "application/json", big, 512);
    assert_int_equal(r.rc, RP_BLOCK);
    assert_int_equal(r.status, 413);
    rp_data_keys_unref(k);
    rp_policy_unref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_errors),  cmocka_unit_test(test_data_keys),
        cmocka_unit_test(test_rewriter_table), cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
