/*
 * geo_test.c — country and region rules: a MaxMind DB built by
 * tests/support/mmdb_writer.py (documentation and loopback ranges) read
 * through libmaxminddb; lookups of IPv4, IPv6, IPv4-mapped and unknown
 * addresses; deny/allow/challenge rules by country, region and path
 * prefix; errors with lines (bad codes, missing or invalid database);
 * the lookup timed (docs/BENCHMARKS.md).
 */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "geo_policy.h"
#include "policy_errors.h"
#include "policy_t.h"
#include "rampart/rampart.h"

static char db_path[128], key_path[128], junk_path[128];

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("RP_SOURCE_DIR") ? getenv("RP_SOURCE_DIR") : RP_SOURCE_DIR;
    snprintf(db_path, sizeof(db_path), "/tmp/rampart-geo-test-%d.mmdb", (int)getpid());
    snprintf(key_path, sizeof(key_path), "/tmp/rampart-geo-test-%d.key", (int)getpid());
    snprintf(junk_path, sizeof(junk_path), "/tmp/rampart-geo-test-%d.junk", (int)getpid());
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "python3 %s/tests/support/mmdb_writer.py %s", src, db_path);
    if (system(cmd) != 0)
        return -1;
    FILE *f = fopen(key_path, "wb");
    if (!f)
        return -1;
    fputs("0123456789abcdef0123456789abcdef-geo-test-key", f);
    fclose(f);
    chmod(key_path, 0600);
    f = fopen(junk_path, "wb");
    if (!f)
        return -1;
    fputs("this is not a MaxMind DB\n", f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(db_path);
    unlink(key_path);
    unlink(junk_path);
    return 0;
}

static rp_policy_t *policy(const char *rules)
{
    char text[2048];
    snprintf(text, sizeof(text), "bot_key %s\ngeo %s\n%s", key_path, db_path, rules);
    rp_error_t err = {0};
    rp_policy_t *p = rp_policy_load_string(text, strlen(text), "geo.policy", &err);
    if (!p)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    return p;
}

static void test_lookup(void **state)
{
    (void)state;
    rp_policy_t *p = policy("");
    static const struct {
        const char *addr, *country, *region;
    } cases[] = {
        {"127.0.0.2", "CN", "BJ"},      {"127.0.0.3", "CN", "SH"},
        {"127.0.0.4", "US", "CA"},      {"127.0.0.5", "DE", ""},
        {"127.0.0.1", "", ""},          {"192.0.2.200", "DE", "BE"},
        {"198.51.100.7", "FR", ""},     {"203.0.113.127", "JP", "13"},
        {"203.0.113.128", "KR", ""},    {"2001:db8:ffff::1", "NL", ""},
        {"2001:db8:1::9", "GB", "ENG"}, {"::ffff:127.0.0.2", "CN", "BJ"},
        {"10.0.0.1", "", ""},           {"2001:db9::1", "", ""},
        {"not-an-address", "", ""},     {"", "", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        geo_place_t g;
        geo_lookup(p->geo, cases[i].addr, &g);
        if (strcmp(g.country, cases[i].country) != 0 || strcmp(g.region, cases[i].region) != 0)
            fail_msg("%s: got %s/%s, want %s/%s", cases[i].addr, g.country, g.region,
                     cases[i].country, cases[i].region);
    }
    rp_policy_unref(p);
}

static rp_action_t run(rp_policy_t *p, const char *addr, const char *path, const char **detail)
{
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_connection(tx, addr, strlen(addr), 1, STR_AND_LEN("127.0.0.1"), 80);
    rp_tx_request_line(tx, STR_AND_LEN("GET"), path, strlen(path), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_header(tx, STR_AND_LEN("User-Agent"), STR_AND_LEN("curl/8"));
    rp_tx_request_headers_done(tx);
    rp_tx_request_end(tx);
    const rp_verdict_t *v = rp_tx_verdict(tx);
    rp_action_t a = v->action;
    static char last[128];
    last[0] = '\0';
    if (v->nmatches) {
        snprintf(last, sizeof(last), "%s: %s", v->matches[0].detector, v->matches[0].detail);
    }
    if (detail)
        *detail = last;
    rp_tx_free(tx);
    return a;
}

static void test_rules(void **state)
{
    (void)state;
    rp_policy_t *p = policy("geo allow region=CN-SH\n"          /* an exception first */
                            "geo deny country=CN,KR\n"          /* then the countries */
                            "geo challenge country=US /login\n" /* one path only */
                            "geo deny country=GB region=GB-ENG /admin\n"
                            "geo deny country=* /internal\n"); /* anyone, even unknown */
    const char *d;
    assert_int_equal(run(p, "127.0.0.2", "/", &d), RP_ACTION_BLOCK);
    assert_string_equal(d, "geo: country CN region CN-BJ");
    assert_int_equal(run(p, "127.0.0.3", "/", NULL), RP_ACTION_ALLOW); /* CN-SH allowed */
    assert_int_equal(run(p, "203.0.113.200", "/", &d), RP_ACTION_BLOCK);
    assert_string_equal(d, "geo: country KR");
    assert_int_equal(run(p, "203.0.113.5", "/", NULL), RP_ACTION_ALLOW); /* JP */
    assert_int_equal(run(p, "127.0.0.4", "/", NULL), RP_ACTION_ALLOW);
    assert_int_equal(run(p, "127.0.0.4", "/login", NULL), RP_ACTION_CHALLENGE);
    assert_int_equal(run(p, "2001:db8:1::1", "/admin/x", NULL), RP_ACTION_BLOCK);
    assert_int_equal(run(p, "2001:db8:2::1", "/admin/x", NULL), RP_ACTION_ALLOW); /* NL */
    assert_int_equal(run(p, "127.0.0.1", "/", NULL), RP_ACTION_ALLOW);
    assert_int_equal(run(p, "127.0.0.1", "/internal/a", &d), RP_ACTION_BLOCK);
    assert_string_equal(d, "geo: country unknown");
    rp_policy_unref(p);
}

static void test_errors(void **state)
{
    (void)state;
    char text[8][256];
    snprintf(text[0], sizeof(text[0]), "geo %s\ngeo deny country=China\n", db_path);
    snprintf(text[1], sizeof(text[1]), "geo %s\n\ngeo deny country=CN region=BJ\n", db_path);
    snprintf(text[2], sizeof(text[2]), "geo %s\ngeo deny country=cn\n", db_path);
    snprintf(text[3], sizeof(text[3]), "\ngeo %s\n", junk_path);
    snprintf(text[4], sizeof(text[4]), "geo %s\ngeo %s\n", db_path, db_path);
    snprintf(text[5], sizeof(text[5]), "geo %s\ngeo challenge country=CN\n", db_path);
    snprintf(text[6], sizeof(text[6]), "geo %s\ngeo deny country=US region=CN-BJ\n", db_path);
    snprintf(text[7], sizeof(text[7]), "geo %s\ngeo deny /admin\n", db_path);
    const policy_error_case_t errors[] = {
        {text[0], 2, "\"China\" is not an ISO 3166-1"},
        {text[1], 3, "\"BJ\" is not an ISO 3166-2"},
        {text[2], 2, "\"cn\" is not"},
        {text[3], 2, "metadata"}, /* libmaxminddb: invalid metadata */
        {text[4], 2, "one database per policy"},
        {text[5], 0, "geo challenge needs bot_key"},
        {text[6], 2, "outside country=US"},
        {text[7], 2, "give country= or region="},
        {"geo deny country=CN\n", 0, "geo rules need a database"},
        {"geo /nonexistent/geo.mmdb\n", 1, "geo /nonexistent/geo.mmdb: Error opening"},
        {"geo deny\n", 1, "usage"},
        {"geo deny country=CN weird\n", 1, "unexpected \"weird\""},
    };
    expect_policy_errors(errors, sizeof(errors) / sizeof(errors[0]));
}

/* Reload: a new policy opens its own handle; the old one keeps working
 * until its last transaction ends, even with the file replaced. */
static void test_reload(void **state)
{
    (void)state;
    rp_policy_t *old = policy("geo deny country=CN\n");
    rp_tx_t *tx = rp_tx_new(old);
    rp_policy_t *fresh = policy("geo deny country=DE\n");
    rp_policy_unref(old); /* the transaction still holds it */
    rp_tx_connection(tx, STR_AND_LEN("127.0.0.2"), 1, STR_AND_LEN("127.0.0.1"), 80);
    rp_tx_request_line(tx, STR_AND_LEN("GET"), STR_AND_LEN("/"), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_headers_done(tx);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_BLOCK);
    rp_tx_free(tx);
    assert_int_equal(run(fresh, "127.0.0.2", "/", NULL), RP_ACTION_ALLOW);
    assert_int_equal(run(fresh, "127.0.0.5", "/", NULL), RP_ACTION_BLOCK);
    rp_policy_unref(fresh);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_lookup_time(void **state)
{
    (void)state;
    rp_policy_t *p = policy("");
    static const char *const addrs[] = {"127.0.0.2", "203.0.113.9", "2001:db8:1::9", "10.0.0.1"};
    enum { N = 200000 };
    unsigned found = 0;
    double t0 = now_s();
    for (int i = 0; i < N; i++) {
        geo_place_t g;
        geo_lookup(p->geo, addrs[i & 3], &g);
        found += g.country[0] != '\0';
    }
    double ns = (now_s() - t0) / N * 1e9;
    assert_int_equal(found, N / 4 * 3);
    print_message("geo lookup (parse + tree + country + region): %.0f ns\n", ns);
    rp_policy_unref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),      cmocka_unit_test(test_rules),
        cmocka_unit_test(test_errors),      cmocka_unit_test(test_reload),
        cmocka_unit_test(test_lookup_time),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
