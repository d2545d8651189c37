/*
 * api_inventory_test.c — templating, folding, caps and flags of the API
 * inventory, and its draft OpenAPI document read back by the engine's own
 * OpenAPI loader.
 */
#include "test_util.h"

#include <stdio.h>

#include "api_inventory.h"
#include "rampart/discover.h"
#include "rampart/openapi.h"

static void expect_template(const char *path, const char *want)
{
    char out[RP_SHAPE_MAX];
    inventory_template(path, out);
    assert_string_equal(out, want);
}

static void test_template(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"/api/v1/citizens/42", "/api/v1/citizens/{id}"},
        {"/api/citizens/110101199003077578", "/api/citizens/{idcard}"},
        {"/api/users/13800138000/orders", "/api/users/{phone}/orders"},
        {"/o/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "/o/{uuid}"},
        {"/files/deadbeef00", "/files/{hex}"},
        {"/reports/2026-11-26", "/reports/{date}"},
        {"/u/alice@example.gov.cn", "/u/{email}"},
        {"/s/aB3dE5gH7jK9mN1pQ", "/s/{token}"},
        {"/search/北京", "/search/{text}"},
        {"/api/v2/status", "/api/v2/status"},
        {"/api/citizens/{id}", "/api/citizens/{id}"}, /* idempotent */
        {"", "/"},
        {"//a///b/", "/a/b"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_template(cases[i].in, cases[i].out);
    /* hostile: very deep and very long paths end in {rest} within the bound */
    char deep[4096] = "";
    for (int i = 0; i < 500; i++)
        strcat(deep, "/a");
    char out[RP_SHAPE_MAX];
    size_t n = inventory_template(deep, out);
    assert_true(n < RP_SHAPE_MAX);
    assert_non_null(strstr(out, "/{rest}"));
    memset(deep, 'x', sizeof(deep) - 1);
    deep[0] = '/';
    deep[sizeof(deep) - 1] = '\0';
    assert_string_equal((inventory_template(deep, out), out), "/{token}");
}

static void observe(inventory_t *inv, const char *method, const char *path, const char *api_extra,
                    int status)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "{\"time\":\"2026-11-26T20:00:00.000Z\",\"app\":\"demo\",\"method\":\"%s\","
             "\"status\":%d,\"category\":\"api-discovery\",\"api\":{\"count\":2,\"path\":\"%s\""
             "%s}}",
             method, status, path, api_extra);
    observation_t o;
    char why[128];
    if (observation_parse(text, strlen(text), &o, why, sizeof(why)) != 0)
        fail_msg("%s: %s", text, why);
    inventory_observe(inv, &o);
    observation_clear(&o);
}

static json_t *endpoint(json_t *doc, const char *method, const char *path)
{
    size_t i;
    json_t *ep;
    json_array_foreach(json_object_get(doc, "endpoints"), i, ep)
    {
        if (strcmp(json_string_value(json_object_get(ep, "method")), method) == 0 &&
            strcmp(json_string_value(json_object_get(ep, "path")), path) == 0)
            return ep;
    }
    return NULL;
}

static void test_fold_and_flags(void **state)
{
    (void)state;
    inventory_t *inv = inventory_new();
    observe(inv, "GET", "/api/citizens/1",
            ",\"auth\":[],\"classes\":[\"resident_id\"],\"spec\":\"/citizens/{id}\","
            "\"spec_operations\":[\"GET /citizens/{id}\",\"DELETE /citizens/{id}\"],"
            "\"params\":[{\"in\":\"query\",\"name\":\"fields\",\"type\":\"string\"}]",
            200);
    observe(inv, "GET", "/api/citizens/{id}", ",\"auth\":[\"session\"],\"spec\":\"/citizens/{id}\"",
            404);
    observe(inv, "POST", "/api/internal/export",
            ",\"auth\":[\"bearer\"],\"spec\":\"\",\"params\":[{\"in\":\"json\",\"name\":\"since\","
            "\"type\":\"string\",\"format\":\"date\"}]",
            200);
    /* literal values at one position fold into {value} at the bound */
    for (int i = 0; i < INVENTORY_MAX_LITERALS + 5; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/api/regions/%c%c/stats", 'a' + i % 26, 'a' + i / 26);
        observe(inv, "GET", path, "", 200);
    }
    json_t *doc = inventory_app_json(inv, "demo", NULL);
    assert_non_null(doc);
    json_t *c = endpoint(doc, "GET", "/api/citizens/{id}");
    assert_non_null(c);
    assert_int_equal(json_integer_value(json_object_get(c, "count")), 4);
    assert_true(json_is_true(json_object_get(c, "risky")));
    assert_true(json_is_false(json_object_get(c, "shadow")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(c, "statuses"), "404")), 2);
    json_t *x = endpoint(doc, "POST", "/api/internal/export");
    assert_true(json_is_true(json_object_get(x, "shadow")));
    assert_true(json_is_false(json_object_get(x, "risky")));
    json_t *r = endpoint(doc, "GET", "/api/regions/{value}/stats");
    assert_non_null(r);
    assert_int_equal(json_integer_value(json_object_get(r, "count")),
                     2 * (INVENTORY_MAX_LITERALS + 5));
    assert_int_equal(json_array_size(json_object_get(doc, "endpoints")), 3);
    /* in the spec, never seen */
    json_t *unused = json_object_get(doc, "unused");
    assert_int_equal(json_array_size(unused), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(unused, 0), "method")),
                        "DELETE");
    assert_string_equal(json_string_value(json_object_get(json_array_get(unused, 0), "path")),
                        "/citizens/{id}");
    json_decref(doc);

    doc = inventory_app_json(inv, "demo", "risky");
    assert_int_equal(json_array_size(json_object_get(doc, "endpoints")), 1);
    json_decref(doc);
    doc = inventory_app_json(inv, "demo", "shadow");
    assert_int_equal(json_array_size(json_object_get(doc, "endpoints")), 1);
    json_decref(doc);

    /* templates OpenAPI would call one path; a method it has no operation for */
    observe(inv, "GET", "/files/123", "", 200);
    observe(inv, "DELETE", "/files/deadbeef00", "", 204);
    observe(inv, "PROPFIND", "/files/123", "", 207);
    /* the draft spec parses with the engine's loader */
    json_t *spec = inventory_openapi(inv, "demo");
    char *text = json_dumps(spec, JSON_COMPACT);
    rp_error_t err;
    memset(&err, 0, sizeof(err));
    rp_openapi_t *api = rp_openapi_load_string(text, strlen(text), "draft.json", false, &err);
    if (!api)
        fail_msg("draft spec refused: %s", err.reason);
    assert_int_equal(rp_openapi_operation_count(api), 5);
    rp_openapi_free(api);
    free(text);
    json_decref(spec);
    inventory_free(inv);
}

/* Distinct paths differing at two positions never fold: the cap holds
 * and the rest is counted. */
static void test_cardinality_bound(void **state)
{
    (void)state;
    inventory_t *inv = inventory_new();
    for (int i = 0; i < INVENTORY_MAX_ENDPOINTS + 300; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/x%c%c%c/y%c%c%c", 'a' + i % 26, 'a' + i / 26 % 26,
                 'a' + i / 676, 'a' + i % 26, 'a' + i / 26 % 26, 'a' + i / 676);
        observe(inv, "GET", path, "", 200);
    }
    json_t *doc = inventory_app_json(inv, "demo", NULL);
    assert_true(json_array_size(json_object_get(doc, "endpoints")) <= INVENTORY_MAX_ENDPOINTS);
    assert_true(json_integer_value(json_object_get(doc, "overflow")) > 0);
    json_decref(doc);
    inventory_free(inv);
}

static void test_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "[]",
        "{\"app\":\"demo\"}",
        "{\"time\":\"x\",\"app\":\"demo\",\"method\":\"GET\",\"status\":200,\"api\":{\"count\":1,"
        "\"path\":\"/a\"}}",
        "{\"time\":\"2026-11-26T20:00:00Z\",\"app\":\"demo\",\"method\":\"get\",\"status\":200,"
        "\"api\":{\"count\":1,\"path\":\"/a\"}}",
        "{\"time\":\"2026-11-26T20:00:00Z\",\"app\":\"demo\",\"method\":\"GET\",\"status\":200,"
        "\"api\":{\"count\":1,\"path\":\"a\"}}",
        "{\"time\":\"2026-11-26T20:00:00Z\",\"app\":\"demo\",\"method\":\"GET\",\"status\":200,"
        "\"api\":{\"count\":1,\"path\":\"/a\",\"params\":[{\"in\":\"header\",\"name\":\"x\","
        "\"type\":\"string\"}]}}",
        "{\"app\":\"a\",\"app\":\"b\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        observation_t o;
        char why[128];
        assert_int_equal(observation_parse(bad[i], strlen(bad[i]), &o, why, sizeof(why)), -1);
        observation_clear(&o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template),
        cmocka_unit_test(test_fold_and_flags),
        cmocka_unit_test(test_cardinality_bound),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
