/*
 * login_guard_test.c — argon2id passwords, the password policy and login
 * throttling (per account, doubling lockouts; per address, a window).
 */
#include "test_util.h"

#include "config.h"
#include "password.h"
#include "throttle.h"

static ctl_config_t *cheap_config(void)
{
    ctl_config_t *c = config_defaults();
    c->argon2_memory_kib = 64; /* fast for tests; the hash records its own cost */
    c->argon2_iterations = 1;
    return c;
}

static void test_hash_and_verify(void **state)
{
    (void)state;
    ctl_config_t *c = cheap_config();
    char a[256], b[256];
    assert_int_equal(password_hash(c, "correct horse battery", a, sizeof(a)), 0);
    assert_int_equal(password_hash(c, "correct horse battery", b, sizeof(b)), 0);
    assert_memory_equal(a, "$argon2id$v=19$m=64,t=1,p=1$", 28);
    assert_string_not_equal(a, b); /* fresh salt each time */
    assert_int_equal(password_verify(a, "correct horse battery"), 1);
    assert_int_equal(password_verify(a, "correct horse batterY"), 0);
    assert_int_equal(password_verify("$2y$10$bcrypt", "x"), -1);
    assert_int_equal(password_verify("$argon2id$garbage", "x"), -1);
    char small[16];
    assert_int_equal(password_hash(c, "x", small, sizeof(small)), -1);
    config_unref(c);
}

static void test_policy(void **state)
{
    (void)state;
    assert_null(password_policy_check("alice", "correct horse battery"));
    assert_null(
        password_policy_check("alice", "十二个汉字组成的一个密码短语")); /* characters, not bytes */
    assert_non_null(password_policy_check("alice", "short"));
    assert_non_null(password_policy_check("alice", "四个汉字")); /* 12 bytes, 4 characters */
    assert_non_null(password_policy_check("administrator", "ADMINISTRATOR"));
    assert_non_null(password_policy_check("alice", "aaaaaaaaaaaaaaaa"));
    char huge[1100];
    memset(huge, 'x', sizeof(huge) - 1);
    huge[0] = 'y';
    huge[sizeof(huge) - 1] = '\0';
    assert_non_null(password_policy_check("alice", huge));
}

static void test_account_lockout_doubles(void **state)
{
    (void)state;
    ctl_config_t *c = config_defaults();
    c->login_account_failures = 3;
    c->login_lockout_s = 10;
    c->login_address_failures = 1000;
    throttle_t *t = throttle_new();
    int64_t now = 1000000;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(throttle_check(t, c, "Alice", "10.0.0.1", now), 0);
        throttle_failure(t, c, "Alice", "10.0.0.1", now);
    }
    assert_int_equal(throttle_check(t, c, "alice", "10.0.0.2", now), 0);
    throttle_failure(t, c, "alice", "10.0.0.2", now); /* third: locked 10 s */
    /* names are case-insensitive, the address does not matter */
    assert_int_equal(throttle_check(t, c, "ALICE", "10.9.9.9", now), 10);
    assert_int_equal(throttle_check(t, c, "bob", "10.0.0.1", now), 0);
    now += 10000;
    assert_int_equal(throttle_check(t, c, "alice", "10.0.0.1", now), 0);
    for (int i = 0; i < 3; i++)
        throttle_failure(t, c, "alice", "10.0.0.1", now);
    assert_int_equal(throttle_check(t, c, "alice", "10.0.0.1", now), 20); /* doubled */
    throttle_success(t, "alice");
    assert_int_equal(throttle_check(t, c, "alice", "10.0.0.1", now), 0);
    throttle_free(t);
    config_unref(c);
}

static void test_address_window(void **state)
{
    (void)state;
    ctl_config_t *c = config_defaults();
    c->login_address_failures = 4;
    c->login_address_window_s = 60;
    c->login_account_failures = 1000;
    throttle_t *t = throttle_new();
    int64_t now = 5000000;
    char name[16];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "user%d", i); /* spraying many accounts */
        assert_int_equal(throttle_check(t, c, name, "192.0.2.7", now + i * 1000), 0);
        throttle_failure(t, c, name, "192.0.2.7", now + i * 1000);
    }
    assert_int_equal(throttle_check(t, c, "anyone", "192.0.2.7", now + 4000), 56);
    assert_int_equal(throttle_check(t, c, "anyone", "192.0.2.8", now + 4000), 0);
    assert_int_equal(throttle_check(t, c, "anyone", "192.0.2.7", now + 60000), 0);
    throttle_free(t);
    config_unref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_account_lockout_doubles),
        cmocka_unit_test(test_address_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
