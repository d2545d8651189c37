/*
 * reputation_test.c — address reputation: prefix lists (IPv4, IPv6,
 * IPv4-mapped, /0 and host routes, overlaps merged), their errors with
 * line numbers, a million prefixes loaded and looked up (timed), and the
 * "reputation deny|allow" directives refusing and excepting clients.
 */
#include "test_util.h"

#include <time.h>
#include <unistd.h>

#include "ip_ranges.h"
#include "policy_errors.h"
#include "rampart/rampart.h"

static ip_ranges_t *parse(const char *text)
{
    char why[256];
    ip_ranges_t *r = ip_ranges_parse(STR_AND_LEN(text), why, sizeof(why));
    if (!r)
        fail_msg("%s", why);
    return r;
}

static void test_lookup(void **state)
{
    (void)state;
    ip_ranges_t *r = parse("# blocked networks\n"
                           "10.0.0.0/8\n"
                           "10.1.0.0/16   # inside the /8: merged\n"
                           "192.0.2.7\n"
                           "198.51.100.0/25\n198.51.100.128/25\n"
                           "2001:db8:bad::/48\r\n"
                           "::ffff:203.0.113.0/120\n"
                           "\n   \n");
    assert_int_equal(ip_ranges_count(r), 5);           /* the two /25 merge too */
    assert_true(ip_ranges_contains(r, "203.0.113.9")); /* listed IPv4-mapped */
    assert_true(ip_ranges_contains(r, "::ffff:203.0.113.9"));
    assert_true(ip_ranges_contains(r, "10.0.0.0"));
    assert_true(ip_ranges_contains(r, "10.255.255.255"));
    assert_false(ip_ranges_contains(r, "11.0.0.0"));
    assert_false(ip_ranges_contains(r, "9.255.255.255"));
    assert_true(ip_ranges_contains(r, "192.0.2.7"));
    assert_false(ip_ranges_contains(r, "192.0.2.8"));
    assert_true(ip_ranges_contains(r, "198.51.100.255"));
    assert_true(ip_ranges_contains(r, "::ffff:10.2.3.4"));
    assert_true(ip_ranges_contains(r, "2001:db8:bad:ffff::1"));
    assert_false(ip_ranges_contains(r, "2001:db8:bae::1"));
    assert_false(ip_ranges_contains(r, "not an address"));
    ip_ranges_free(r);
    r = parse("0.0.0.0/0\n::/0\n");
    assert_true(ip_ranges_contains(r, "255.255.255.255"));
    assert_true(ip_ranges_contains(r, "ffff::1"));
    ip_ranges_free(r);

    static const struct {
        const char *text, *why;
    } bad[] = {{"10.0.0.0/8\n10.0.0.0/33\n", "line 2: an IPv4 prefix is at most /32"},
               {"::/129\n", "line 1: an IPv6 prefix is at most /128"},
               {"\n\n10.0.0.0/x\n", "line 3: bad prefix length"},
               {"example.org\n", "line 1: not an IPv4 or IPv6"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char why[256];
        assert_null(ip_ranges_parse(STR_AND_LEN(bad[i].text), why, sizeof(why)));
        if (!strstr(why, bad[i].why))
            fail_msg("%s: %s", bad[i].text, why);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_million_prefixes(void **state)
{
    (void)state;
    enum { N = 1000000 };
    size_t cap = (size_t)N * 40, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    unsigned x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        if (i % 10 == 0)
            len += (size_t)snprintf(text + len, cap - len, "2001:db8:%x:%x::/64\n", x >> 16,
                                    x & 0xffff);
        else
            len += (size_t)snprintf(text + len, cap - len, "%u.%u.%u.0/24\n", (x >> 24) | 1,
                                    (x >> 16) & 255, (x >> 8) & 255);
    }
    double t0 = now_s();
    char why[256];
    ip_ranges_t *r = ip_ranges_parse(text, len, why, sizeof(why));
    double load = now_s() - t0;
    assert_non_null(r);
    /* every listed prefix is found, by its first and last address */
    x = 12345;
    int found = 0;
    t0 = now_s();
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        char a[64];
        if (i % 10 == 0)
            snprintf(a, sizeof(a), "2001:db8:%x:%x:ffff:ffff:ffff:ffff", x >> 16, x & 0xffff);
        else
            snprintf(a, sizeof(a), "%u.%u.%u.255", (x >> 24) | 1, (x >> 16) & 255, (x >> 8) & 255);
        found += ip_ranges_contains(r, a);
    }
    double lookups = now_s() - t0;
    assert_int_equal(found, N);
    assert_false(ip_ranges_contains(r, "0.0.0.1")); /* first octets are odd */
    printf("1M prefixes (90%% IPv4 /24, 10%% IPv6 /64): load %.3f s, %zu ranges, "
           "%.0f ns a lookup (with text formatting)\n",
           load, ip_ranges_count(r), lookups / N * 1e9);
    ip_ranges_free(r);
    free(text);
}

static void test_directives(void **state)
{
    (void)state;
    char deny[64], allow[64], text[256];
    snprintf(deny, sizeof(deny), "/tmp/rampart-rep-deny-%d", (int)getpid());
    snprintf(allow, sizeof(allow), "/tmp/rampart-rep-allow-%d", (int)getpid());
    FILE *f = fopen(deny, "w");
    fputs("10.0.0.0/8\n2001:db8::/32\n", f);
    fclose(f);
    f = fopen(allow, "w");
    fputs("10.1.2.3\n", f);
    fclose(f);
    snprintf(text, sizeof(text), "reputation deny %s\nreputation allow %s\n", deny, allow);
    rp_error_t err;
    rp_policy_t *p = rp_policy_load_string(STR_AND_LEN(text), "r.policy", &err);
    unlink(deny);
    unlink(allow);
    if (!p)
        fail_msg("%s", err.reason);
    static const struct {
        const char *addr;
        rp_action_t action;
    } cases[] = {{"10.9.9.9", RP_ACTION_BLOCK},
                 {"10.1.2.3", RP_ACTION_ALLOW},
                 {"2001:db8::5", RP_ACTION_BLOCK},
                 {"192.0.2.1", RP_ACTION_ALLOW}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rp_tx_t *tx = rp_tx_new(p);
        rp_tx_connection(tx, STR_AND_LEN(cases[i].addr), 1, STR_AND_LEN("127.0.0.1"), 80);
        rp_tx_request_line(tx, STR_AND_LEN("GET"), STR_AND_LEN("/"), STR_AND_LEN("HTTP/1.1"));
        rp_tx_request_headers_done(tx);
        rp_tx_request_end(tx);
        assert_int_equal(rp_tx_verdict(tx)->action, cases[i].action);
        if (cases[i].action == RP_ACTION_BLOCK)
            assert_string_equal(rp_tx_verdict(tx)->matches[0].detector, "reputation");
        rp_tx_free(tx);
    }
    rp_policy_unref(p);

    static const policy_error_case_t errors[] = {
        {"reputation deny\n", 1, "usage"},
        {"\nreputation deny /nonexistent/list\n", 2, "cannot open"},
    };
    expect_policy_errors(errors, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_million_prefixes),
        cmocka_unit_test(test_directives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
