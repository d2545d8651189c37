/*
 * oidc_form_test.c — form parameters for the token endpoint (oidc_form.c):
 * percent-decoding and '+', empty values as omitted, and refusals of a
 * repeated parameter (RFC 6749 §3.2), a malformed escape, an encoded NUL
 * and too many parameters; percent-encoding for redirects.
 */
#include "test_util.h"

#include "oidc_form.h"

static void test_parse(void **state)
{
    (void)state;
    oidc_form_t f;
    const char *text = "grant_type=authorization_code&redirect_uri=https%3A%2F%2Frp.example%2Fcb"
                       "&scope=openid+profile&empty=&flag";
    assert_int_equal(oidc_form_parse(STR_AND_LEN(text), &f), 0);
    assert_string_equal(oidc_form_get(&f, "grant_type"), "authorization_code");
    assert_string_equal(oidc_form_get(&f, "redirect_uri"), "https://rp.example/cb");
    assert_string_equal(oidc_form_get(&f, "scope"), "openid profile");
    assert_null(oidc_form_get(&f, "empty"));
    assert_null(oidc_form_get(&f, "flag"));
    assert_null(oidc_form_get(&f, "missing"));
    oidc_form_free(&f);
}

static void test_refusals(void **state)
{
    (void)state;
    const char *bad[] = {"a=1&a=2", "a=%2", "a=%zz", "a=%00", "=x", "a%3D=1&a%3D=2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        oidc_form_t f;
        assert_int_equal(oidc_form_parse(STR_AND_LEN(bad[i]), &f), -1);
    }
    char many[400] = "";
    for (int i = 0; i <= OIDC_FORM_MAX; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "p%d=1&", i);
    oidc_form_t f;
    assert_int_equal(oidc_form_parse(STR_AND_LEN(many), &f), -1);
    assert_int_equal(oidc_form_parse("a\0b", 3, &f), -1);
}

static void test_pct(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(oidc_pct("a b&c=d/é~", out, sizeof(out)), strlen("a%20b%26c%3Dd%2F%C3%A9~"));
    assert_string_equal(out, "a%20b%26c%3Dd%2F%C3%A9~");
    assert_int_equal(oidc_pct("&&&&", out, 8), 0); /* does not fit */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_pct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
