/*
 * fuzz_openapi.c — libFuzzer target for the OpenAPI spec loader (JSON and
 * YAML, $ref resolution, schema and route compilation). A spec that loads
 * is then exercised with a few fixed requests, so the compiled routes and
 * schemas are walked too.
 */
#include <stdint.h>
#include <string.h>

#include "rampart/openapi.h"

static void ignore(void *ctx, const char *target, const char *reason, bool blocks)
{
    (void)ctx;
    (void)blocks;
    /* touch the strings: they must be valid NUL-terminated text */
    volatile size_t n = strlen(target) + strlen(reason);
    (void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_error_t err;
    rp_openapi_t *api = rp_openapi_load_string((const char *)data, size, "fuzz", true, &err);
    if (!api)
        return 0;
    static const char *const targets[] = {"/", "/a/1?q=2&q=x", "/api/v1/x/%41?x=[1]", "/a/b/c/d"};
    static const char *const methods[] = {"GET", "POST"};
    static const char *const bodies[] = {"{\"a\":[1,{\"b\":null}],\"c\":\"2026-11-26\"}", "[]",
                                         "1"};
    rp_api_field_t h[] = {{"Content-Type", 12, "application/json", 16},
                          {"Cookie", 6, "a=1; b=2", 8},
                          {"X-Id", 4, "5", 1}};
    for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++)
        for (size_t m = 0; m < 2; m++) {
            rp_api_request_t req = {.method = methods[m],
                                    .target = targets[t],
                                    .target_len = strlen(targets[t]),
                                    .headers = h,
                                    .nheaders = 3,
                                    .has_body = m == 1};
            int v;
            const rp_api_op_t *op = rp_openapi_check_head(api, &req, ignore, NULL, &v);
            if (op && m == 1)
                for (size_t b = 0; b < 3; b++)
                    rp_openapi_check_body(op, "application/json", bodies[b], strlen(bodies[b]),
                                          ignore, NULL);
        }
    rp_openapi_free(api);
    return 0;
}
