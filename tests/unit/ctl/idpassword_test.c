/*
 * idpassword_test.c — the directory's password policy: length in
 * characters (not bytes), character classes, the account name, the
 * common-password list (also with digits and punctuation around a common
 * word), the history of 5, expiry after 90 days.
 */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "idpassword.h"
#include "timefmt.h"

static dir_user_t user(void)
{
    dir_user_t u;
    memset(&u, 0, sizeof(u));
    snprintf(u.name, sizeof(u.name), "zhang.wei");
    snprintf(u.pw_history, sizeof(u.pw_history), "[]");
    return u;
}

static void test_policy(void **state)
{
    (void)state;
    dir_user_t u = user();
    assert_null(idpw_policy(&u, "Corr3ct-Horse-Battery"));
    assert_non_null(strstr(idpw_policy(&u, "Sh0rt-1"), "12 characters"));
    assert_non_null(strstr(idpw_policy(&u, "onlylowercaseletters"), "three of"));
    assert_non_null(strstr(idpw_policy(&u, "x-ZHANG.WEI-2026"), "account name"));
    assert_non_null(strstr(idpw_policy(&u, "Password123!"), "common"));
    assert_non_null(strstr(idpw_policy(&u, "!!Woaini1314!!"), "common"));
    assert_non_null(strstr(idpw_policy(&u, "123456789012"), "three of"));
    /* characters, not bytes, count towards the length */
    assert_null(idpw_policy(&u, "中文口令长度够了-Ab1"));
    assert_non_null(idpw_policy(&u, "中文口令-A1")); /* 8 characters, 14 bytes */
    assert_non_null(idpw_policy(&u, NULL));
    assert_true(idpw_is_common("QWERTY"));
    assert_false(idpw_is_common("correct-horse"));
}

static void test_history_and_expiry(void **state)
{
    (void)state;
    ctl_config_t *cfg = config_defaults();
    assert_non_null(cfg);
    cfg->argon2_memory_kib = 64;
    cfg->argon2_iterations = 1;
    dir_user_t u = user();
    char pw[8][32];
    for (int i = 0; i < 7; i++) {
        snprintf(pw[i], sizeof(pw[i]), "Secret-Pass-%d-x", i);
        assert_null(idpw_set(cfg, &u, pw[i]));
    }
    /* the current and the 5 before it are refused; the 7th-newest is free again */
    for (int i = 1; i < 7; i++)
        assert_non_null(strstr(idpw_policy(&u, pw[i]), "used recently"));
    assert_null(idpw_policy(&u, pw[0]));
    int64_t now = time_now_ms();
    assert_false(idpw_expired(&u, now));
    assert_true(idpw_expired(&u, now + 91LL * 86400000));
    config_unref(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_history_and_expiry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
