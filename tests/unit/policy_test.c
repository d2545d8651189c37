/*
 * policy_test.c — policy loading: defaults, every directive, and errors
 * that name file:line; reference counting and the swap slot.
 */
#include "test_util.h"

#include "policy_t.h"
#include "rampart/policy.h"

static rp_policy_t *load(const char *text, rp_error_t *err)
{
    memset(err, 0, sizeof(*err));
    return rp_policy_load_string(text, strlen(text), "t.policy", err);
}

static void test_defaults(void **state)
{
    (void)state;
    rp_policy_t *p = rp_policy_default();
    assert_non_null(p);
    assert_int_equal(rp_policy_mode(p), RP_MODE_BLOCK);
    assert_int_equal(p->block_status, 403);
    assert_true(p->detect_sqli);
    assert_true(p->detect_xss);
    assert_int_equal(p->limits.headers, 100);
    assert_int_equal(p->anomaly[RP_ANOM_NUL], RP_ANOMALY_BLOCK);
    assert_int_equal(p->anomaly[RP_ANOM_INVALID_UTF8], RP_ANOMALY_LOG);
    assert_true(strncmp(rp_policy_version(p), "sha-", 4) == 0);
    rp_policy_unref(p);
}

static void test_directives(void **state)
{
    (void)state;
    rp_error_t err;
    rp_policy_t *p = load("# comment\n"
                          "version \"v 1\"   # trailing comment\n"
                          "mode detect\n"
                          "block_status 406\n"
                          "detect sqli off\n"
                          "detect xss on\n"
                          "events all\n"
                          "limit body 2m\n"
                          "limit headers 7\n"
                          "limit field_size 64k\n"
                          "body_limit_action pass\n"
                          "anomaly invalid_utf8 block\n"
                          "skip_header X-Trace Referer\n",
                          &err);
    assert_non_null(p);
    assert_string_equal(rp_policy_version(p), "v 1");
    assert_int_equal(rp_policy_mode(p), RP_MODE_DETECT);
    assert_int_equal(p->block_status, 406);
    assert_false(p->detect_sqli);
    assert_int_equal(p->events, RP_EVENTS_ALL);
    assert_int_equal(p->limits.body, 2 * 1024 * 1024);
    assert_int_equal(p->limits.headers, 7);
    assert_int_equal(p->limits.field_size, 64 * 1024);
    assert_int_equal(p->body_limit_action, RP_BODY_LIMIT_PASS);
    assert_int_equal(p->anomaly[RP_ANOM_INVALID_UTF8], RP_ANOMALY_BLOCK);
    assert_string_equal(p->skip_headers[p->nskip_headers - 1], "referer");
    assert_string_equal(p->skip_headers[p->nskip_headers - 2], "x-trace");
    rp_policy_unref(p);
}

static void test_errors_name_file_and_line(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned line;
        const char *reason_part;
    } cases[] = {
        {"mode block\nmode sometimes\n", 2, "mode must be"},
        {"\n\nlimit body 64q\n", 3, "is not a size"},
        {"limit nothing 5\n", 1, "unknown limit"},
        {"frobnicate on\n", 1, "unknown directive \"frobnicate\""},
        {"block_status 200\n", 1, "400 to 599"},
        {"detect sqli maybe\n", 1, "\"on\" or \"off\""},
        {"version \"unterminated\n", 1, "unterminated"},
        {"anomaly nul_byte shout\n", 1, "block, log or ignore"},
        {"anomaly gremlins block\n", 1, "unknown anomaly"},
        {"limit headers 0\n", 1, "below the minimum"},
        {"mode\n", 1, "usage"},
        {"limit body 99999999999999999999999g\n", 1, "not a size"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rp_error_t err;
        rp_policy_t *p = load(cases[i].text, &err);
        assert_null(p);
        assert_string_equal(err.file, "t.policy");
        assert_int_equal(err.line, cases[i].line);
        if (!strstr(err.reason, cases[i].reason_part))
            fail_msg("case %zu: reason \"%s\" lacks \"%s\"", i, err.reason, cases[i].reason_part);
    }
}

static void test_nul_and_long_lines_rejected(void **state)
{
    (void)state;
    rp_error_t err;
    const char text[] = "mode block\nversion a\0b\n";
    assert_null(rp_policy_load_string(text, sizeof(text) - 1, "n.policy", &err));
    assert_int_equal(err.line, 2);
    char *big = malloc(10000);
    memset(big, 'a', 9999);
    big[9999] = '\0';
    assert_null(load(big, &err));
    assert_int_equal(err.line, 1);
    free(big);
}

static void test_missing_file(void **state)
{
    (void)state;
    rp_error_t err;
    assert_null(rp_policy_load("/nonexistent/rampart.policy", &err));
    assert_string_equal(err.file, "/nonexistent/rampart.policy");
    assert_non_null(strstr(err.reason, "cannot open"));
}

static void test_default_policy_file_loads(void **state)
{
    (void)state;
    const char *data = getenv("RP_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof(path), "%s/../../../policies/default.policy", data ? data : ".");
    rp_error_t err;
    rp_policy_t *p = rp_policy_load(path, &err);
    if (!p)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    assert_string_equal(rp_policy_version(p), "default-2");
    rp_policy_unref(p);
}

static void test_slot_swap_keeps_old_alive(void **state)
{
    (void)state;
    rp_error_t err;
    rp_policy_t *a = load("version a\n", &err);
    rp_policy_t *b = load("version b\n", &err);
    rp_policy_slot_t *s = rp_policy_slot_new(a);
    rp_policy_t *held = rp_policy_slot_get(s); /* an in-flight transaction */
    rp_policy_slot_swap(s, b);
    assert_string_equal(rp_policy_version(held), "a"); /* still valid */
    rp_policy_t *now = rp_policy_slot_get(s);
    assert_string_equal(rp_policy_version(now), "b");
    rp_policy_unref(now);
    rp_policy_unref(held);  /* frees a */
    rp_policy_slot_free(s); /* frees b */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_directives),
        cmocka_unit_test(test_errors_name_file_and_line),
        cmocka_unit_test(test_nul_and_long_lines_rejected),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_default_policy_file_loads),
        cmocka_unit_test(test_slot_swap_keeps_old_alive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
