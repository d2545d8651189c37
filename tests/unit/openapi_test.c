/*
 * openapi_test.c — OpenAPI positive security: a government portal's spec
 * (tests/unit/data/openapi/portal.yaml) enforced on requests, through the
 * checker and through a transaction; specs that must be refused with a
 * pointer or line; hostile specs refused in bounded time.
 */
#include "test_util.h"

#include <time.h>

#include "rampart/rampart.h"

static char data_path[512];

static const char *data(const char *name)
{
    const char *dir = getenv("RP_TEST_DATA");
    snprintf(data_path, sizeof(data_path), "%s/openapi/%s",
             dir ? dir : RP_SOURCE_DIR "/tests/unit/data", name);
    return data_path;
}

/* Violations collected from the checker. */
typedef struct {
    int n;
    char target[8][256];
    char reason[8][256];
    bool blocks[8];
} seen_t;

static void collect(void *ctx, const char *target, const char *reason, bool blocks)
{
    seen_t *s = ctx;
    if (s->n < 8) {
        snprintf(s->target[s->n], sizeof(s->target[0]), "%s", target);
        snprintf(s->reason[s->n], sizeof(s->reason[0]), "%s", reason);
        s->blocks[s->n] = blocks;
    }
    s->n++;
}

static rp_openapi_t *portal(void)
{
    rp_error_t err = {0};
    rp_openapi_t *api = rp_openapi_load(data("portal.yaml"), true, &err);
    if (!api)
        fail_msg("portal.yaml: %s:%u %s", err.file, err.line, err.reason);
    return api;
}

/* Check head (and body when given) of one request; returns violations. */
static int check(rp_openapi_t *api, const char *method, const char *target,
                 const char *content_type, const char *cookie, const char *body, seen_t *seen)
{
    rp_api_field_t h[3];
    size_t nh = 0;
    h[nh++] = (rp_api_field_t){STR_AND_LEN("X-Channel"), STR_AND_LEN("web")};
    if (content_type)
        h[nh++] = (rp_api_field_t){STR_AND_LEN("Content-Type"), STR_AND_LEN(content_type)};
    if (cookie)
        h[nh++] = (rp_api_field_t){STR_AND_LEN("Cookie"), STR_AND_LEN(cookie)};
    rp_api_request_t req = {.method = method,
                            .target = target,
                            .target_len = strlen(target),
                            .headers = h,
                            .nheaders = nh,
                            .has_body = body != NULL};
    memset(seen, 0, sizeof(*seen));
    int v;
    const rp_api_op_t *op = rp_openapi_check_head(api, &req, collect, seen, &v);
    if (op && body)
        v += rp_openapi_check_body(op, content_type, body, strlen(body), collect, seen);
    assert_int_equal(v, seen->n);
    return v;
}

static const char *good_application =
    "{\"applicant\":{\"name\":\"王小明\",\"idNumber\":\"11010519491231002X\","
    "\"birthDate\":\"1949-12-31\"},\"benefit\":\"pension\",\"startDate\":\"2027-01-01\","
    "\"monthlyIncome\":3200.5,\"dependants\":[{\"name\":\"王芳\",\"idNumber\":"
    "\"110105195001010021\"}],\"contact\":{\"email\":\"wang.xm@example.cn\",\"phone\":"
    "\"13812345678\",\"address\":{\"province\":\"北京\",\"city\":\"北京\",\"street\":\"长安街1号\"}"
    "},"
    "\"submittedFrom\":\"10.1.2.3\",\"reference\":null,\"submittedAt\":\"2026-11-26T14:00:00+08:"
    "00\"}";

static void test_portal_loads(void **state)
{
    rp_openapi_t *api = portal();
    assert_int_equal(rp_openapi_operation_count(api), 5);
    rp_openapi_free(api);
}

static void test_valid_requests_pass(void **state)
{
    rp_openapi_t *api = portal();
    seen_t s;
    assert_int_equal(check(api, "GET", "/api/v1/citizens/42", NULL, NULL, NULL, &s), 0);
    assert_int_equal(check(api, "GET", "/api/v1/citizens/me", NULL, NULL, NULL, &s), 0);
    assert_int_equal(check(api, "GET",
                           "/api/v1/citizens/42/records?page=2&size=50&kind=health&kind=tax"
                           "&since=2025-02-28",
                           NULL, "lang=zh; session=abcdefghijklmnop_1234", NULL, &s),
                     0);
    assert_int_equal(check(api, "POST", "/api/v1/applications", "application/json; charset=utf-8",
                           NULL, good_application, &s),
                     0);
    assert_int_equal(check(api, "GET",
                           "/api/v1/applications/5b0d7e0a-3f4c-4e55-9a41-3c1d2e0b9f10/documents/"
                           "proof-of-address.pdf",
                           NULL, NULL, NULL, &s),
                     0);
    rp_openapi_free(api);
}

/* want violations, the first on want_target for want_reason */
static void expect_n(rp_openapi_t *api, int want, const char *method, const char *target,
                     const char *ct, const char *cookie, const char *body, const char *want_target,
                     const char *want_reason)
{
    seen_t s;
    int v = check(api, method, target, ct, cookie, body, &s);
    if (v != want || strcmp(s.target[0], want_target) != 0 || !strstr(s.reason[0], want_reason))
        fail_msg("%s %s: %d violations, first \"%s\": \"%s\"; wanted %s: %s", method, target, v,
                 s.target[0], s.reason[0], want_target, want_reason);
}

#define expect_one(api, ...) expect_n(api, 1, __VA_ARGS__)

static void test_parameters(void **state)
{
    rp_openapi_t *api = portal();
    const char *ok_cookie = "session=abcdefghijklmnop_1234";
    expect_one(api, "GET", "/api/v1/citizens/0", NULL, NULL, NULL, "path:citizenId",
               "below minimum 1");
    expect_one(api, "GET", "/api/v1/citizens/1%20or%201=1", NULL, NULL, NULL, "path:citizenId",
               "string where integer is expected");
    expect_one(api, "GET", "/api/v1/citizens/42/records?page=1001", NULL, ok_cookie, NULL,
               "query:page", "above maximum 1000");
    expect_one(api, "GET", "/api/v1/citizens/42/records?kind=health&kind=criminal", NULL, ok_cookie,
               NULL, "query:kind/1", "not in enum");
    expect_one(api, "GET", "/api/v1/citizens/42/records?since=2025-02-29", NULL, ok_cookie, NULL,
               "query:since", "not a valid date");
    expect_one(api, "GET", "/api/v1/citizens/42/records", NULL, NULL, NULL, "cookie:session",
               "required parameter missing");
    expect_one(api, "GET", "/api/v1/citizens/42/records", NULL, "session=short", NULL,
               "cookie:session", "does not match pattern");
    rp_openapi_free(api);
}

static void test_routes_methods_content(void **state)
{
    rp_openapi_t *api = portal();
    expect_one(api, "GET", "/api/v1/admin/export", NULL, NULL, NULL, "path",
               "no path in the spec matches");
    expect_one(api, "GET", "/other/citizens/42", NULL, NULL, NULL, "path", "no path");
    expect_one(api, "DELETE", "/api/v1/citizens/42", NULL, NULL, NULL, "method",
               "method DELETE not allowed on /citizens/{citizenId}");
    expect_one(api, "POST", "/api/v1/applications", "text/plain", NULL, "hello",
               "header:Content-Type", "content type \"text/plain\" not accepted");
    expect_one(api, "POST", "/api/v1/applications", NULL, NULL, NULL, "body",
               "request body required");
    expect_one(api, "GET", "/api/v1/citizens/me", "application/json", NULL, "{}", "body",
               "operation takes no request body");
    rp_openapi_free(api);
}

/* good_application with one substring replaced */
static char *variant(const char *from, const char *to)
{
    static char buf[4096];
    const char *at = strstr(good_application, from);
    assert_non_null(at);
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - good_application), good_application, to,
             at + strlen(from));
    return buf;
}

static void test_json_body(void **state)
{
    rp_openapi_t *api = portal();
    const char *ct = "application/json";
    const char *post = "/api/v1/applications";
    /* too long, and so no longer matching the pattern either */
    expect_n(api, 2, "POST", post, ct, NULL, variant("11010519491231002X", "11010519491231002XX"),
             "json:/applicant/idNumber", "string longer than maxLength 18");
    expect_one(api, "POST", post, ct, NULL, variant("\"benefit\":\"pension\",", ""),
               "json:/benefit", "required property missing");
    expect_one(api, "POST", post, ct, NULL, variant("\"benefit\"", "\"isAdmin\":true,\"benefit\""),
               "json:/isAdmin", "additionalProperties is false");
    expect_one(api, "POST", post, ct, NULL, variant("pension", "lottery"), "json:/benefit",
               "not in enum");
    expect_one(api, "POST", post, ct, NULL, variant("3200.5", "-1"), "json:/monthlyIncome",
               "below minimum 0");
    expect_one(api, "POST", post, ct, NULL, variant("wang.xm@example.cn", "wang.xm@"),
               "json:/contact/email", "not a valid email");
    expect_one(api, "POST", post, ct, NULL, variant("10.1.2.3", "10.1.2.300"),
               "json:/submittedFrom", "not a valid ipv4");
    expect_one(api, "POST", post, ct, NULL, variant("\"reference\":null", "\"reference\":\"x\""),
               "json:/reference", "not a valid uuid");
    expect_one(api, "POST", post, ct, NULL, variant("+08:00", "+25:00"), "json:/submittedAt",
               "not a valid date-time");
    expect_n(api, 2, "POST", post, ct, NULL, variant("110105195001010021", "1101051950010100"),
             "json:/dependants/0/idNumber", "shorter than minLength 18");
    expect_one(api, "POST", post, ct, NULL, variant("\"street\":\"长安街1号\"", "\"poBox\":\"7\""),
               "json:/contact/address", "matches 0 of oneOf");
    expect_one(api, "POST", post, ct, NULL, variant("3200.5", "\"3200\""), "json:/monthlyIncome",
               "string where number is expected");
    expect_one(api, "POST", post, ct, NULL, "{\"a\":1,\"a\":2}", "body", "not valid JSON");
    rp_openapi_free(api);
}

static void test_detect_route(void **state)
{
    rp_openapi_t *api = portal();
    seen_t s;
    assert_int_equal(
        check(api, "GET", "/api/v1/applications/not-a-uuid/documents/a.pdf", NULL, NULL, NULL, &s),
        1);
    assert_string_equal(s.target[0], "path:applicationId");
    assert_false(s.blocks[0]); /* x-rampart-mode: detect */
    rp_openapi_free(api);
}

/* The policy directive, through a whole transaction. */
static const rp_verdict_t *run_tx(rp_policy_t *p, rp_tx_t **out, const char *method,
                                  const char *uri, const char *body)
{
    rp_tx_t *tx = rp_tx_new(p);
    assert_non_null(tx);
    rp_tx_connection(tx, STR_AND_LEN("10.0.0.9"), 40000, STR_AND_LEN("10.0.0.1"), 443);
    rp_tx_request_line(tx, method, strlen(method), uri, strlen(uri), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_header(tx, STR_AND_LEN("Host"), STR_AND_LEN("portal.example.gov.cn"));
    if (body) {
        char len[16];
        snprintf(len, sizeof(len), "%zu", strlen(body));
        rp_tx_request_header(tx, STR_AND_LEN("Content-Type"), STR_AND_LEN("application/json"));
        rp_tx_request_header(tx, STR_AND_LEN("Content-Length"), STR_AND_LEN(len));
    }
    rp_status_t rc = rp_tx_request_headers_done(tx);
    if (body && rc == RP_OK) {
        size_t n = strlen(body), half = n / 2;
        rp_tx_request_body(tx, body, half);
        rp_tx_request_body(tx, body + half, n - half);
    }
    rp_tx_request_end(tx);
    *out = tx;
    return rp_tx_verdict(tx);
}

static rp_policy_t *policy(const char *mode)
{
    char text[1024];
    snprintf(text, sizeof(text), "openapi %s %s\n", data("portal.yaml"), mode);
    rp_error_t err = {0};
    rp_policy_t *p = rp_policy_load_string(text, strlen(text), "test.policy", &err);
    if (!p)
        fail_msg("%s:%u %s", err.file, err.line, err.reason);
    return p;
}

static bool has_match(const rp_verdict_t *v, const char *target, const char *detail)
{
    for (size_t i = 0; i < v->nmatches; i++)
        if (strcmp(v->matches[i].detector, "openapi") == 0 &&
            strcmp(v->matches[i].target, target) == 0 && strstr(v->matches[i].detail, detail))
            return true;
    return false;
}

static void test_transaction_block(void **state)
{
    rp_policy_t *p = policy("block");
    rp_tx_t *tx;
    const rp_verdict_t *v = run_tx(p, &tx, "POST", "/api/v1/applications", good_application);
    assert_int_equal(v->action, RP_ACTION_ALLOW);
    assert_false(v->detect_only);
    rp_tx_free(tx);
    v = run_tx(p, &tx, "POST", "/api/v1/applications", variant("11010519491231002X", "1"));
    assert_int_equal(v->action, RP_ACTION_BLOCK);
    assert_true(has_match(v, "json:/applicant/idNumber", "shorter than minLength 18"));
    rp_tx_free(tx);
    v = run_tx(p, &tx, "PUT", "/api/v1/citizens/42", NULL);
    assert_int_equal(v->action, RP_ACTION_BLOCK);
    assert_true(has_match(v, "method", "not allowed"));
    rp_tx_free(tx);
    rp_policy_unref(p);
}

static void test_transaction_detect(void **state)
{
    rp_policy_t *p = policy("detect");
    rp_tx_t *tx;
    const rp_verdict_t *v = run_tx(p, &tx, "GET", "/api/v1/nowhere", NULL);
    assert_int_equal(v->action, RP_ACTION_ALLOW);
    assert_true(has_match(v, "path", "no path"));
    rp_tx_free(tx);
    rp_policy_unref(p);
}

/* --- specs that must be refused --- */

static void refused(const char *text, unsigned want_line, const char *want_reason)
{
    rp_error_t err = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rp_openapi_t *api = rp_openapi_load_string(text, strlen(text), "spec", true, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (api || !strstr(err.reason, want_reason) || err.line != want_line)
        fail_msg("wanted line %u \"%s\", got %s line %u \"%s\"", want_line, want_reason,
                 api ? "a loaded spec" : "refusal", err.line, err.reason);
    assert_true(secs < 2.0); /* bounded, even when hostile */
    rp_openapi_free(api);
}

#define HEAD "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},"

static void test_malformed_specs(void **state)
{
    refused("{\"openapi\": \"3.0.0\",\n \"paths\": {,}}", 2, "JSON");
    refused("openapi: 3.0.0\npaths:\n  /a: [\n", 4, "YAML");
    refused("{\"swagger\":\"2.0\"}", 0, "Swagger 2.0 is not supported");
    refused("{\"openapi\":\"4.0.0\"}", 0, "/openapi: unsupported OpenAPI version");
    refused(HEAD "\"paths\":{\"/a\":{\"get\":{\"parameters\":[{\"name\":\"q\",\"in\":\"query\","
                 "\"schema\":{\"type\":\"string\",\"pattern\":\"([a-z\"}}]}}}}",
            0, "/paths/~1a/get/parameters/0/schema/pattern: pattern does not compile");
    refused(HEAD "\"paths\":{\"/a/{id}\":{\"get\":{}}}}", 0,
            "/paths/~1a~1{id}/get: path parameter \"id\" is not declared");
    refused(HEAD "\"paths\":{\"/a\":{\"post\":{\"requestBody\":{\"content\":{\"application/json\":"
                 "{\"schema\":{\"$ref\":\"https://evil.example/s.json\"}}}}}}}}",
            0, "remote reference");
    refused(HEAD "\"paths\":{\"/a\":{\"post\":{\"requestBody\":{\"content\":{\"application/json\":"
                 "{\"schema\":{\"$ref\":\"#/components/schemas/Nope\"}}}}}}}}",
            0, "does not resolve");
    refused(HEAD
            "\"paths\":{\"/a\":{\"get\":{\"parameters\":[{\"name\":\"q\",\"in\":\"body\"}]}}}}",
            0, "not path, query, header or cookie");
    refused("openapi: 3.0.0\nx: &a [1]\ny: *a\n", 3, "aliases are not supported");
    refused("openapi: 3.0.0\nopenapi: 3.1.0\n", 2, "duplicate mapping key");
}

static void test_ref_cycle(void **state)
{
    refused(HEAD "\"paths\":{\"/a\":{\"post\":{\"requestBody\":{\"content\":{\"application/json\":"
                 "{\"schema\":{\"$ref\":\"#/components/schemas/Node\"}}}}}}},"
                 "\"components\":{\"schemas\":{\"Node\":{\"type\":\"object\",\"properties\":"
                 "{\"next\":{\"$ref\":\"#/components/schemas/Node\"}}}}}}",
            0, "/components/schemas/Node/properties/next/$ref: reference cycle");
    refused(HEAD "\"paths\":{\"/a\":{\"post\":{\"requestBody\":{\"content\":{\"application/json\":"
                 "{\"schema\":{\"$ref\":\"#/components/schemas/A\"}}}}}}},"
                 "\"components\":{\"schemas\":{\"A\":{\"$ref\":\"#/components/schemas/B\"},"
                 "\"B\":{\"$ref\":\"#/components/schemas/A\"}}}}",
            0, "reference cycle");
}

/* Text grown in a buffer the test frees. */
typedef struct {
    char *s;
    size_t n, cap;
} text_t;

static void put(text_t *t, const char *s)
{
    size_t l = strlen(s);
    if (t->n + l + 1 > t->cap) {
        t->cap = (t->n + l + 1) * 2;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    memcpy(t->s + t->n, s, l + 1);
    t->n += l;
}

static void test_hostile_specs(void **state)
{
    text_t t = {0};
    /* deep nesting: 100 000 levels of arrays */
    put(&t, HEAD "\"x\":");
    for (int i = 0; i < 100000; i++)
        put(&t, "[");
    refused(t.s, 0, "nested deeper");
    t.n = 0;
    /* deep schema nesting within the document limit */
    put(&t, HEAD "\"paths\":{\"/a\":{\"post\":{\"requestBody\":{\"content\":{\"application/json\":"
                 "{\"schema\":");
    for (int i = 0; i < 70; i++)
        put(&t, "{\"items\":");
    put(&t, "{}");
    for (int i = 0; i < 70; i++)
        put(&t, "}");
    put(&t, "}}}}}}}");
    refused(t.s, 0, "schema nested deeper than 64");
    t.n = 0;
    /* a huge enum */
    put(&t, HEAD "\"paths\":{\"/a\":{\"get\":{\"parameters\":[{\"name\":\"q\",\"in\":\"query\","
                 "\"schema\":{\"enum\":[");
    for (int i = 0; i < 200000; i++) {
        char n[16];
        snprintf(n, sizeof(n), "%s%d", i ? "," : "", i);
        put(&t, n);
    }
    put(&t, "]}}]}}}}");
    refused(t.s, 0, "/paths/~1a/get/parameters/0/schema/enum: enum of 200000 values");
    t.n = 0;
    /* references that double at each level: 2^25 nodes if expanded */
    put(&t, HEAD "\"paths\":{\"/a\":{\"post\":{\"requestBody\":{\"content\":{\"application/json\":"
                 "{\"schema\":{\"$ref\":\"#/components/schemas/S0\"}}}}}}},"
                 "\"components\":{\"schemas\":{");
    for (int i = 0; i < 25; i++) {
        char s[200];
        snprintf(s, sizeof(s),
                 "\"S%d\":{\"allOf\":[{\"$ref\":\"#/components/schemas/S%d\"},"
                 "{\"$ref\":\"#/components/schemas/S%d\"}]},",
                 i, i + 1, i + 1);
        put(&t, s);
    }
    put(&t, "\"S25\":{\"type\":\"string\"}}}}");
    refused(t.s, 0, "expands to more than");
    free(t.s);
}

static void test_yaml_and_json_agree(void **state)
{
    const char *json = HEAD "\"paths\":{\"/n\":{\"get\":{\"parameters\":[{\"name\":\"v\","
                            "\"in\":\"query\",\"required\":true,\"schema\":{\"type\":[\"integer\","
                            "\"null\"],\"exclusiveMinimum\":0}}]}}}}";
    const char *yaml = "openapi: '3.1.0'\ninfo: {title: t, version: '1'}\npaths:\n  /n:\n    get:\n"
                       "      parameters:\n        - name: v\n          in: query\n"
                       "          required: true\n          schema:\n"
                       "            type: [integer, 'null']\n            exclusiveMinimum: 0\n";
    const char *specs[] = {json, yaml};
    for (int i = 0; i < 2; i++) {
        rp_error_t err = {0};
        rp_openapi_t *api = rp_openapi_load_string(specs[i], strlen(specs[i]), "s", true, &err);
        if (!api)
            fail_msg("%u %s", err.line, err.reason);
        seen_t s;
        assert_int_equal(check(api, "GET", "/n?v=1", NULL, NULL, NULL, &s), 0);
        expect_one(api, "GET", "/n?v=0", NULL, NULL, NULL, "query:v", "exclusiveMinimum 0");
        expect_one(api, "GET", "/n", NULL, NULL, NULL, "query:v", "required parameter missing");
        rp_openapi_free(api);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_portal_loads),      cmocka_unit_test(test_valid_requests_pass),
        cmocka_unit_test(test_parameters),        cmocka_unit_test(test_routes_methods_content),
        cmocka_unit_test(test_json_body),         cmocka_unit_test(test_detect_route),
        cmocka_unit_test(test_transaction_block), cmocka_unit_test(test_transaction_detect),
        cmocka_unit_test(test_malformed_specs),   cmocka_unit_test(test_ref_cycle),
        cmocka_unit_test(test_hostile_specs),     cmocka_unit_test(test_yaml_and_json_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
