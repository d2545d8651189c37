/*
 * idpassword_test.c — the directory's password policy: length in
 * characters (not bytes), character classes, the account name, the
 * common-password list (also with digits and punctuation around a common
 * word), the history of 5, expiry after 90 days; and the same rules with
 * other numbers from rampartd.conf (id_password_*).
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

static const idconf_t ID = IDCONF_DEFAULTS;

static void test_policy(void **state)
{
    (void)state;
    dir_user_t u = user();
    assert_null(idpw_policy(&ID, &u, "Corr3ct-Horse-Battery"));
    assert_non_null(strstr(idpw_policy(&ID, &u, "Sh0rt-1"), "12 characters"));
    assert_non_null(strstr(idpw_policy(&ID, &u, "onlylowercaseletters"), "3 of"));
    assert_non_null(strstr(idpw_policy(&ID, &u, "x-ZHANG.WEI-2026"), "account name"));
    assert_non_null(strstr(idpw_policy(&ID, &u, "Password123!"), "common"));
    assert_non_null(strstr(idpw_policy(&ID, &u, "!!Woaini1314!!"), "common"));
    assert_non_null(strstr(idpw_policy(&ID, &u, "123456789012"), "3 of"));
    /* characters, not bytes, count towards the length */
    assert_null(idpw_policy(&ID, &u, "中文口令长度够了-Ab1"));
    assert_non_null(idpw_policy(&ID, &u, "中文口令-A1")); /* 8 characters, 14 bytes */
    assert_non_null(idpw_policy(&ID, &u, NULL));
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
        assert_non_null(strstr(idpw_policy(&ID, &u, pw[i]), "used recently"));
    assert_null(idpw_policy(&ID, &u, pw[0]));
    int64_t now = time_now_ms();
    assert_false(idpw_expired(&ID, &u, now));
    assert_true(idpw_expired(&ID, &u, now + 91LL * 86400000));
    /* id_password_history 2: the current and the 2 before it */
    cfg->id.pw_history = 2;
    for (int i = 4; i < 7; i++)
        assert_non_null(strstr(idpw_policy(&cfg->id, &u, pw[i]), "last 2 passwords"));
    assert_null(idpw_policy(&cfg->id, &u, pw[3]));
    assert_null(idpw_set(cfg, &u, pw[3]));
    assert_int_equal(strlen(u.pw_history) > 2, 1);
    config_unref(cfg);
}

/* The policy's numbers come from rampartd.conf (id_password_*). */
static void test_configured_policy(void **state)
{
    (void)state;
    idconf_t id = IDCONF_DEFAULTS;
    id.pw_min_length = 16;
    id.pw_min_classes = 4;
    id.pw_max_age_days = 0;
    dir_user_t u = user();
    assert_non_null(strstr(idpw_policy(&id, &u, "Corr3ct-Horse-B"), "at least 16 characters"));
    assert_null(idpw_policy(&id, &u, "Corr3ct-Horse-Ba"));
    assert_non_null(strstr(idpw_policy(&id, &u, "CorrectHorseBattery1"), "at least 4 of"));
    id.pw_min_length = 8;
    id.pw_min_classes = 1;
    assert_null(idpw_policy(&id, &u, "tranquil-meadow"));
    /* never expires with 0 days, but a temporary password still must change */
    u.pw_changed = 1;
    snprintf(u.pw_hash, sizeof(u.pw_hash), "$argon2id$x");
    assert_false(idpw_expired(&id, &u, time_now_ms() + 3650LL * 86400000));
    u.pw_changed = 0;
    assert_true(idpw_expired(&id, &u, time_now_ms()));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_configured_policy),
        cmocka_unit_test(test_history_and_expiry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
