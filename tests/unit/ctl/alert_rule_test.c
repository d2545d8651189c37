/*
 * alert_rule_test.c — the alert_rule directive through the configuration
 * parser (the shipped rule, replacement, off, errors with their reason),
 * and exposure's path templates.
 */
#include "test_util.h"

#include <string.h>

#include "alert_rule.h"
#include "config.h"
#include "exposure.h"

static ctl_config_t *load(const char *text, rp_error_t *err)
{
    return config_load_string(text, strlen(text), "test.conf", err);
}

static void test_shipped_rule(void **state)
{
    (void)state;
    rp_error_t err;
    ctl_config_t *c = load("listen 127.0.0.1:9000\n", &err);
    assert_non_null(c);
    assert_int_equal(c->alert_rules.n, 1);
    const alert_rule_t *r = &c->alert_rules.rule[0];
    assert_string_equal(r->name, "unmasked-id-numbers");
    assert_string_equal(r->category, "data-access");
    assert_string_equal(r->class_, "resident_id");
    assert_string_equal(r->view, "clear");
    assert_int_equal(r->per, ALERT_PER_USER);
    assert_int_equal(r->threshold, 100);
    assert_int_equal(r->window_s, 3600);
    config_unref(c);
}

static void test_rules_replace_the_shipped_one(void **state)
{
    (void)state;
    rp_error_t err;
    ctl_config_t *c = load("alert_rule sqli-per-client category=sqli per=client threshold=50 "
                           "window=600\n"
                           "alert_rule phones category=data-access class=mobile per=app "
                           "threshold=1000 window=86400\n",
                           &err);
    assert_non_null(c);
    assert_int_equal(c->alert_rules.n, 2);
    assert_string_equal(c->alert_rules.rule[0].name, "sqli-per-client");
    assert_int_equal(c->alert_rules.rule[0].per, ALERT_PER_CLIENT);
    assert_string_equal(c->alert_rules.rule[0].class_, "");
    assert_string_equal(c->alert_rules.rule[1].class_, "mobile");
    assert_int_equal(c->alert_rules.rule[1].per, ALERT_PER_APP);
    config_unref(c);

    c = load("alert_rule off\n", &err);
    assert_non_null(c);
    assert_int_equal(c->alert_rules.n, 0);
    config_unref(c);
}

static void expect_error(const char *text, const char *reason)
{
    rp_error_t err;
    ctl_config_t *c = load(text, &err);
    if (c)
        fail_msg("accepted: %s", text);
    if (!strstr(err.reason, reason))
        fail_msg("%s: reason \"%s\" lacks \"%s\"", text, err.reason, reason);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("alert_rule x category=a per=user threshold=1\n", "are needed");
    expect_error("alert_rule x category=a per=host threshold=1 window=60\n", "per:");
    expect_error("alert_rule x category=a per=user threshold=0 window=60\n", "threshold");
    expect_error("alert_rule x category=a per=user threshold=5 window=59\n", "window");
    expect_error("alert_rule x category=a per=user threshold=5 window=60 colour=red\n",
                 "unknown option");
    expect_error("alert_rule b@d category=a per=user threshold=5 window=60\n", "name");
    expect_error("alert_rule x category=a per=user threshold=5 window=60\n"
                 "alert_rule x category=b per=user threshold=5 window=60\n",
                 "defined twice");
    expect_error("alert_rule off\nalert_rule x category=a per=user threshold=5 window=60\n",
                 "stands alone");
    expect_error("alert_rule\n", "alert_rule takes");
}

static void expect_template(const char *path, const char *want)
{
    char out[64];
    exposure_template(path, strlen(path), out, sizeof(out));
    assert_string_equal(out, want);
}

static void test_path_templates(void **state)
{
    (void)state;
    expect_template("/api/citizens", "/api/citizens");
    expect_template("/api/citizens/42", "/api/citizens/{id}");
    expect_template("/api/v1/citizens/11010519900101001X/cards", "/api/v1/citizens/{id}/cards");
    expect_template("/r/123e4567-e89b-12d3-a456-426614174000", "/r/{id}");
    expect_template("/blob/deadbeefdeadbeef", "/blob/{id}");
    expect_template("/cafe", "/cafe"); /* short hex-looking words stay */
    expect_template("/", "/");
    /* too long: ends before the segment that does not fit whole */
    expect_template("/api/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
                    "/api/");
    expect_template("/api/citizens/111111111111111111111111111111111111111111111111111111111111/x",
                    "/api/citizens/{id}/x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_rule),
        cmocka_unit_test(test_rules_replace_the_shipped_one),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_path_templates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
