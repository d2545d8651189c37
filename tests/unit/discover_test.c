/*
 * discover_test.c — the gateway side of API discovery: a request of a
 * discovering policy is sampled once per path shape and interval, its
 * observation names the shape (no identifier), the parameters with their
 * types and formats, the authentication and the count of requests of the
 * shape since the last observation; other shapes are sampled on their own;
 * policies without `discover` produce none; the directive's errors.
 */
#include "test_util.h"

#include <jansson.h>

#include "rampart/rampart.h"

static rp_policy_t *load(const char *text)
{
    rp_error_t err = {0};
    rp_policy_t *p = rp_policy_load_string(STR_AND_LEN(text), "discover.policy", &err);
    if (!p)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    return p;
}

/* One request; returns its observation (parsed) or NULL. */
static json_t *request(rp_policy_t *p, const char *uri, const char *auth)
{
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_connection(tx, STR_AND_LEN("192.0.2.1"), 4000, STR_AND_LEN("127.0.0.1"), 80);
    rp_tx_request_line(tx, STR_AND_LEN("GET"), STR_AND_LEN(uri), STR_AND_LEN("HTTP/1.1"));
    if (auth)
        rp_tx_request_header(tx, STR_AND_LEN("Authorization"), STR_AND_LEN(auth));
    rp_tx_request_headers_done(tx);
    rp_tx_request_end(tx);
    rp_tx_response_status(tx, 200);
    rp_tx_response_header(tx, STR_AND_LEN("Content-Type"),
                          STR_AND_LEN("application/json; charset=utf-8"));
    rp_tx_response_headers_done(tx);
    size_t len = 0;
    const char *ev = rp_tx_api_event(tx, &len);
    json_t *doc = ev ? json_loadb(ev, len, 0, NULL) : NULL;
    if (ev && !doc)
        fail_msg("observation is not JSON: %.*s", (int)len, ev);
    rp_tx_free(tx);
    return doc;
}

static void test_sampling(void **state)
{
    (void)state;
    rp_policy_t *p = load("discover on interval=3600\n");
    json_t *o =
        request(p, "/api/citizens/110101199003077571?page=2&since=2026-11-01&q=x", "Bearer abc");
    assert_non_null(o);
    json_t *api = json_object_get(o, "api");
    assert_string_equal(json_string_value(json_object_get(api, "path")), "/api/citizens/{idcard}");
    assert_null(strstr(json_string_value(json_object_get(o, "uri")), "110101199003077571"));
    assert_int_equal(json_integer_value(json_object_get(api, "count")), 1);
    assert_string_equal(json_string_value(json_object_get(api, "content_type")),
                        "application/json");
    assert_string_equal(json_string_value(json_array_get(json_object_get(api, "auth"), 0)),
                        "bearer");
    json_t *params = json_object_get(api, "params");
    assert_int_equal(json_array_size(params), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(params, 0), "type")),
                        "integer");
    assert_string_equal(json_string_value(json_object_get(json_array_get(params, 1), "format")),
                        "date");
    assert_string_equal(json_string_value(json_object_get(o, "category")), "api-discovery");
    json_decref(o);

    /* the same shape within the interval: counted, not sampled */
    for (int i = 0; i < 5; i++)
        assert_null(request(p, "/api/citizens/11010519491231002X", NULL));
    /* another shape has its own slot */
    o = request(p, "/api/reports/2026-11-26", NULL);
    assert_non_null(o);
    api = json_object_get(o, "api");
    assert_string_equal(json_string_value(json_object_get(api, "path")), "/api/reports/{date}");
    assert_int_equal(json_array_size(json_object_get(api, "auth")), 0);
    json_decref(o);
    rp_policy_unref(p);

    p = load("mode block\n");
    assert_null(request(p, "/api/citizens/1", NULL));
    rp_policy_unref(p);
}

static void test_directive_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {"discover\n",
                                      "discover maybe\n",
                                      "discover on interval=0\n",
                                      "discover on interval=3601\n",
                                      "discover on every=5\n",
                                      "discover on interval=5 more\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rp_error_t err = {0};
        rp_policy_t *p = rp_policy_load_string(STR_AND_LEN(bad[i]), "d.policy", &err);
        assert_null(p);
        assert_int_equal(err.line, 1);
        assert_non_null(strstr(err.reason, "discover"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampling),
        cmocka_unit_test(test_directive_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
