/*
 * idldap_test.c — the LDAP client's parts that need no server: RFC 4515
 * escaping, an empty password refused before any traffic, and a server
 * that is not there answering "unavailable", never success. The real
 * server is tests/integration/test_ldap.py.
 */
#include "test_util.h"

#include "config.h"
#include "idldap.h"

static void test_escape(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(idldap_escape("ada", out, sizeof(out)), 0);
    assert_string_equal(out, "ada");
    assert_int_equal(idldap_escape("*)(uid=*", out, sizeof(out)), 0);
    assert_string_equal(out, "\\2a\\29\\28uid=\\2a");
    assert_int_equal(idldap_escape("a\\b", out, sizeof(out)), 0);
    assert_string_equal(out, "a\\5cb");
    assert_int_equal(idldap_escape("****", out, 12), -1); /* 12 bytes hold three escapes */
}

static void test_no_server_is_never_success(void **state)
{
    (void)state;
    ctl_config_t *cfg = config_defaults();
    assert_non_null(cfg);
    assert_false(idldap_enabled(cfg));
    /* port 1 on loopback: nothing listens, the connection is refused */
    snprintf(cfg->ldap_url, sizeof(cfg->ldap_url), "ldap://127.0.0.1:1");
    snprintf(cfg->ldap_user_base, sizeof(cfg->ldap_user_base), "dc=example,dc=gov");
    cfg->ldap_timeout_ms = 500;
    assert_true(idldap_enabled(cfg));
    idldap_user_t u;
    const char *why = NULL;
    assert_int_equal(idldap_authenticate(cfg, "ada", "pw", &u, &why), IDLDAP_UNAVAILABLE);
    assert_non_null(why);
    /* an empty password would be an unauthenticated bind: refused first */
    assert_int_equal(idldap_authenticate(cfg, "ada", "", &u, &why), IDLDAP_REFUSED);
    config_unref(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_no_server_is_never_success),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
