/*
 * login_profile_test.c — abnormal logins on synthetic histories with an
 * injected clock (TZ=UTC): nothing while an account learns; then a login
 * from an unknown prefix is login.new_source once, a login far from the
 * account's hours is login.unusual_time; prefixes of IPv4, IPv6 and
 * IPv4-mapped addresses; the bounds; save and load round trip and refuse
 * malformed documents.
 */
#include "test_util.h"

#include <stdlib.h>
#include <time.h>

#include "login_profile.h"

#define DAY  (86400 * 1000LL)
#define HOUR (3600 * 1000LL)
/* 2026-11-02T00:00:00Z */
#define T0 1793577600000LL

static login_profiles_t *trained(lp_settings_t *s)
{
    lp_settings_defaults(s);
    s->learning_s = 7 * 86400;
    s->min_logins = 10;
    login_profiles_t *p = lp_new(s);
    assert_non_null(p);
    lp_verdict_t v;
    /* three weeks of office logins, 09:00-10:30 UTC from 192.0.2.x */
    for (int d = 0; d < 21; d++) {
        assert_int_equal(lp_login(p, "alice", "192.0.2.10", T0 + d * DAY + 9 * HOUR, &v), 0);
        if (d < 7)
            assert_true(v.learning);
        assert_int_equal(
            lp_login(p, "alice", "192.0.2.77", T0 + d * DAY + 10 * HOUR + HOUR / 2, &v), 0);
    }
    return p;
}

/* Judged from the second login on; IPv4 sources per address. */
static login_profiles_t *judging_at_once(int prefix6)
{
    lp_settings_t s;
    lp_settings_defaults(&s);
    s.learning_s = 0;
    s.min_logins = 1;
    s.prefix4 = 32;
    s.prefix6 = prefix6;
    login_profiles_t *p = lp_new(&s);
    assert_non_null(p);
    return p;
}

static void test_learning_is_silent(void **state)
{
    (void)state;
    lp_settings_t s;
    lp_settings_defaults(&s);
    s.learning_s = 86400;
    s.min_logins = 3;
    login_profiles_t *p = lp_new(&s);
    lp_verdict_t v;
    /* new sources and any hour: still learning (too young, too few) */
    assert_int_equal(lp_login(p, "bob", "198.51.100.1", T0, &v), 0);
    assert_true(v.learning);
    assert_int_equal(lp_login(p, "bob", "203.0.113.1", T0 + 3 * HOUR, &v), 0);
    assert_int_equal(lp_login(p, "bob", "203.0.113.9", T0 + 23 * HOUR, &v), 0);
    assert_true(v.learning);
    /* old enough and enough logins: judged */
    assert_int_equal(lp_login(p, "bob", "10.9.9.9", T0 + DAY + HOUR, &v), 1);
    assert_false(v.learning);
    assert_true(v.new_source);
    assert_string_equal(v.prefix, "10.9.9.0/24");
    assert_int_equal(v.known_sources, 2);
    lp_free(p);
}

static void test_new_source(void **state)
{
    (void)state;
    lp_settings_t s;
    login_profiles_t *p = trained(&s);
    lp_verdict_t v;
    int64_t t = T0 + 21 * DAY + 9 * HOUR;
    /* the same /24: known */
    assert_int_equal(lp_login(p, "alice", "192.0.2.200", t, &v), 0);
    assert_false(v.new_source);
    assert_false(v.unusual_time);
    /* another network: once */
    assert_int_equal(lp_login(p, "alice", "203.0.113.5", t + 60000, &v), 1);
    assert_true(v.new_source);
    assert_false(v.unusual_time);
    assert_string_equal(v.prefix, "203.0.113.0/24");
    assert_int_equal(v.logins, 43);
    json_t *d = lp_verdict_json(&v, "alice", "203.0.113.5");
    assert_string_equal(json_string_value(json_object_get(d, "prefix")), "203.0.113.0/24");
    assert_int_equal(json_integer_value(json_object_get(d, "known_sources")), 1);
    json_decref(d);
    assert_int_equal(lp_login(p, "alice", "203.0.113.6", t + 120000, &v), 0);
    /* another account has its own profile (learning) */
    assert_int_equal(lp_login(p, "carol", "203.0.113.5", t, &v), 0);
    assert_true(v.learning);
    lp_free(p);
}

static void test_unusual_time(void **state)
{
    (void)state;
    lp_settings_t s;
    login_profiles_t *p = trained(&s);
    lp_verdict_t v;
    /* 03:00: no login within 02:00-04:59 */
    assert_int_equal(lp_login(p, "alice", "192.0.2.10", T0 + 22 * DAY + 3 * HOUR, &v), 1);
    assert_true(v.unusual_time);
    assert_false(v.new_source);
    assert_int_equal(v.hour, 3);
    assert_true(v.hour_share < 0.05);
    /* 08:15, next to 09:00: usual (the 3-hour window) */
    assert_int_equal(lp_login(p, "alice", "192.0.2.10", T0 + 23 * DAY + 8 * HOUR + HOUR / 4, &v),
                     0);
    assert_true(v.hour_share > 0.4);
    /* both at once */
    assert_int_equal(lp_login(p, "alice", "2001:db8::1", T0 + 24 * DAY + 15 * HOUR, &v), 1);
    assert_true(v.unusual_time && v.new_source);
    assert_string_equal(v.prefix, "2001:db8::/64");
    lp_free(p);
}

static void test_prefixes(void **state)
{
    (void)state;
    login_profiles_t *p = judging_at_once(48);
    lp_verdict_t v;
    lp_login(p, "root", "127.0.0.1", T0, &v);
    assert_true(v.learning);
    /* /32: 127.0.0.2 is another source; the v4-mapped form of a known one is not */
    assert_int_equal(lp_login(p, "root", "127.0.0.2", T0 + 1000, &v), 1);
    assert_true(v.new_source);
    assert_int_equal(lp_login(p, "root", "::ffff:127.0.0.1", T0 + 2000, &v), 0);
    assert_string_equal(v.prefix, "127.0.0.1/32");
    assert_int_equal(lp_login(p, "root", "2001:db8:1:2::5", T0 + 3000, &v), 1);
    assert_string_equal(v.prefix, "2001:db8:1::/48");
    /* not an address (a UNIX socket, a hostile string): time only */
    assert_int_equal(lp_login(p, "root", "from 1.2.3.4", T0 + 4000, &v), 0);
    assert_string_equal(v.prefix, "");
    assert_int_equal(lp_login(p, "root", NULL, T0 + 5000, &v), 0);
    lp_free(p);
}

static void test_bounds(void **state)
{
    (void)state;
    login_profiles_t *p = judging_at_once(64);
    lp_verdict_t v;
    char name[32], addr[32];
    /* more accounts than the table holds: the stalest is forgotten */
    for (int i = 0; i < LP_ACCOUNTS_MAX + 10; i++) {
        snprintf(name, sizeof(name), "u%d", i);
        lp_login(p, name, "10.0.0.1", T0 + i, &v);
    }
    lp_login(p, "u0", "10.0.0.1", T0 + DAY, &v);
    assert_true(v.learning); /* u0 was forgotten: learning again */
    /* more sources than a profile holds: bounded, the oldest forgotten */
    for (int i = 0; i < LP_SOURCES_MAX + 5; i++) {
        snprintf(addr, sizeof(addr), "10.1.0.%d", i);
        lp_login(p, "many", addr, T0 + i * 1000, &v);
    }
    assert_int_equal(v.known_sources, LP_SOURCES_MAX);
    assert_int_equal(lp_login(p, "many", "10.1.0.0", T0 + 100000, &v), 1);
    assert_true(v.new_source);
    /* an over-long account name is cut, not overrun */
    char longname[200];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    lp_login(p, longname, "10.0.0.1", T0, &v);
    lp_free(p);
}

static void test_save_load(void **state)
{
    (void)state;
    lp_settings_t s;
    login_profiles_t *p = trained(&s);
    json_t *doc = lp_save(p);
    assert_non_null(doc);
    login_profiles_t *q = lp_new(&s);
    assert_int_equal(lp_load(q, doc), 0);
    lp_verdict_t v;
    assert_int_equal(lp_login(q, "alice", "192.0.2.5", T0 + 22 * DAY + 9 * HOUR, &v), 0);
    assert_int_equal(v.logins, 42);
    assert_int_equal(lp_login(q, "alice", "198.51.100.5", T0 + 22 * DAY + 9 * HOUR, &v), 1);
    /* malformed documents are refused and change nothing */
    const char *bad[] = {
        "{}",
        "{\"version\": 2, \"accounts\": []}",
        "{\"version\": 1, \"accounts\": [{\"account\": \"x\"}]}",
        "{\"version\": 1, \"accounts\": [{\"account\": \"x\", \"first\": 0, \"last\": 0, "
        "\"logins\": 1, \"hours\": [1], \"sources\": []}]}",
        "{\"version\": 1, \"accounts\": [{\"account\": \"x\", \"first\": 0, \"last\": 0, "
        "\"logins\": -1, \"hours\": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0], "
        "\"sources\": []}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *b = json_loads(bad[i], 0, NULL);
        assert_non_null(b);
        assert_int_equal(lp_load(q, b), -1);
        json_decref(b);
    }
    assert_int_equal(lp_login(q, "alice", "192.0.2.5", T0 + 22 * DAY + 9 * HOUR, &v), 0);
    assert_int_equal(v.logins, 44);
    json_decref(doc);
    lp_free(p);
    lp_free(q);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learning_is_silent),
        cmocka_unit_test(test_new_source),
        cmocka_unit_test(test_unusual_time),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_save_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
