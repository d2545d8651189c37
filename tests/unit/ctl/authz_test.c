/*
 * authz_test.c — the permission matrix, cell by cell, and the route table
 * that uses it (every route but the public ones needs a permission).
 */
#include "test_util.h"

#include "api.h"
#include "authz.h"

static void test_matrix(void **state)
{
    (void)state;
    /* columns: admin, secops, auditor, gateway, app */
    static const struct {
        perm_t perm;
        int allowed[ROLE_COUNT];
    } expected[] = {
        {PERM_PUBLIC, {1, 1, 1, 1, 1}},
        {PERM_SELF, {1, 1, 1, 1, 1}},
        {PERM_EVENTS_READ, {1, 1, 1, 0, 0}},
        {PERM_EVENTS_SUBMIT, {0, 0, 0, 1, 0}},
        {PERM_INGEST_READ, {1, 1, 1, 0, 0}},
        {PERM_METRICS_READ, {1, 1, 1, 0, 0}},
        {PERM_USERS_READ, {1, 0, 1, 0, 0}},
        {PERM_USERS_MANAGE, {1, 0, 0, 0, 0}},
        {PERM_TOKENS_MANAGE, {1, 0, 0, 0, 0}},
        {PERM_AUDIT_READ, {0, 0, 1, 0, 0}},
        {PERM_APPS_READ, {1, 1, 1, 0, 0}},
        {PERM_APPS_MANAGE, {1, 1, 0, 0, 0}},
        {PERM_POLICIES_READ, {1, 1, 1, 0, 0}},
        {PERM_POLICIES_MANAGE, {1, 1, 0, 0, 0}},
        {PERM_BUNDLE_FETCH, {1, 1, 1, 1, 0}},
        {PERM_GATEWAYS_READ, {1, 1, 1, 0, 0}},
        {PERM_AGENTS_READ, {1, 1, 1, 0, 0}},
        {PERM_AGENTS_MANAGE, {1, 1, 0, 0, 0}},
        {PERM_AGENT, {0, 0, 0, 0, 0}},
        {PERM_DIRECTORY_READ, {1, 1, 1, 0, 0}},
        {PERM_DIRECTORY_MANAGE, {1, 0, 0, 0, 0}},
        {PERM_IDSESSIONS_MANAGE, {1, 1, 0, 0, 0}},
        {PERM_GATEWAY_IDENTITY, {0, 0, 0, 1, 0}},
        /* keys: admins manage, auditors read metadata; use needs a grant too */
        {PERM_KEYS_READ, {1, 0, 1, 0, 0}},
        {PERM_KEYS_MANAGE, {1, 0, 0, 0, 0}},
        {PERM_CRYPTO_USE, {1, 1, 0, 0, 1}},
        {PERM_OIDC_CLIENTS_READ, {1, 1, 1, 0, 0}},
        {PERM_OIDC_CLIENTS_MANAGE, {1, 0, 0, 0, 0}},
        {PERM_DATA_READ, {1, 1, 1, 0, 0}},
        {PERM_ALERTS_MANAGE, {0, 1, 0, 0, 0}},
    };
    assert_int_equal(sizeof(expected) / sizeof(expected[0]), PERM_COUNT);
    for (size_t i = 0; i < PERM_COUNT; i++)
        for (int r = 0; r < ROLE_COUNT; r++)
            if (authz_allows((role_t)r, expected[i].perm) != expected[i].allowed[r])
                fail_msg("%s for %s", perm_name(expected[i].perm), role_name((role_t)r));
    assert_true(authz_allows(ROLE_NONE, PERM_PUBLIC));
    for (int p = PERM_SELF; p < PERM_COUNT; p++)
        assert_false(authz_allows(ROLE_NONE, (perm_t)p));
    assert_false(authz_allows(ROLE_ADMIN, PERM_COUNT));
}

static void test_roles(void **state)
{
    (void)state;
    assert_int_equal(role_parse("admin"), ROLE_ADMIN);
    assert_int_equal(role_parse("auditor"), ROLE_AUDITOR);
    assert_int_equal(role_parse("Admin"), ROLE_NONE);
    assert_int_equal(role_parse(NULL), ROLE_NONE);
    assert_string_equal(role_name(ROLE_GATEWAY), "gateway");
    assert_true(role_is_human(ROLE_SECOPS));
    assert_false(role_is_human(ROLE_GATEWAY));
    assert_int_equal(role_parse("app"), ROLE_APP);
    assert_false(role_is_human(ROLE_APP));
}

static void test_routes(void **state)
{
    (void)state;
    size_t n;
    const route_t *routes = api_routes(&n);
    int public_routes = 0;
    for (size_t i = 0; i < n; i++) {
        if (routes[i].perm == PERM_PUBLIC) {
            public_routes++;
            assert_true(strcmp(routes[i].pattern, "/healthz") == 0 ||
                        strcmp(routes[i].pattern, "/readyz") == 0 ||
                        strcmp(routes[i].pattern, "/api/v1/auth/login") == 0 ||
                        strcmp(routes[i].pattern, "/api/v1/agent/enrol") == 0 ||
                        /* the login portal checks its own cookie (api_id.h) */
                        strncmp(routes[i].pattern, "/api/v1/id/", 11) == 0 ||
                        /* OpenID Connect: each endpoint authenticates as its
                         * protocol says (api_oidc.h) */
                        strcmp(routes[i].pattern, "/.well-known/openid-configuration") == 0 ||
                        strncmp(routes[i].pattern, "/oidc/", 6) == 0);
        }
        /* only the password endpoints are open to an account that must
         * change its password */
        if (routes[i].while_must_change && routes[i].perm != PERM_PUBLIC)
            assert_non_null(strstr(routes[i].pattern, "/api/v1/auth/"));
    }
    /* + the portal's WebAuthn (api_id_webauthn.h), the OIDC provider (api_oidc.h),
     * the portal's OIDC consents (api_oidc_consents.c) */
    assert_int_equal(public_routes, 4 + 12 + 7 + 2 + 7 + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
