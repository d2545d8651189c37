/*
 * config_baseline_test.c — the configuration baseline from responses: a
 * deliberately misconfigured HTML response yields every finding with its
 * remediation and a score; a well-configured one scores 100 and says
 * nothing; findings are recorded once an hour per application; sensitive
 * paths; "fix" produces the headers and cookie flags to add and the
 * banners to remove.
 */
#include "test_util.h"

#include "policy_errors.h"
#include "rampart/rampart.h"

typedef struct {
    const char *name, *value;
} hdr_t;

static rp_tx_t *respond(rp_policy_t *p, const char *app, const char *path, int status,
                        const hdr_t *h, size_t n)
{
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_set_app(tx, STR_AND_LEN(app));
    rp_tx_connection(tx, STR_AND_LEN("192.0.2.1"), 4000, STR_AND_LEN("127.0.0.1"), 80);
    rp_tx_request_line(tx, STR_AND_LEN("GET"), STR_AND_LEN(path), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_headers_done(tx);
    rp_tx_request_end(tx);
    rp_tx_response_status(tx, status);
    for (size_t i = 0; i < n; i++)
        rp_tx_response_header(tx, STR_AND_LEN(h[i].name), STR_AND_LEN(h[i].value));
    rp_tx_response_headers_done(tx);
    return tx;
}

static bool has(const rp_tx_t *tx, const char *id)
{
    const rp_verdict_t *v = rp_tx_verdict(tx);
    for (size_t i = 0; i < v->nmatches; i++)
        if (strcmp(v->matches[i].detector, "baseline") == 0 &&
            (strcmp(v->matches[i].excerpt, id) == 0 || strstr(v->matches[i].detail, id)))
            return true;
    return false;
}

static const hdr_t bad[] = {{"Content-Type", "text/html; charset=utf-8"},
                            {"Set-Cookie", "sid=abc123; Path=/"},
                            {"X-Powered-By", "PHP/8.1.2"}};

static void test_misconfigured_app(void **state)
{
    (void)state;
    rp_error_t err;
    /* the traversal detector would refuse /.git/ itself: off, to see the
     * application answer */
    rp_policy_t *p = rp_policy_load_string(STR_AND_LEN("baseline detect\ndetect traversal off\n"),
                                           "b.policy", &err);
    assert_non_null(p);
    rp_tx_t *tx = respond(p, "portal", "/", 200, bad, 3);
    static const char *const ids[] = {
        "csp-missing",         "framing-allowed",         "hsts-missing",
        "nosniff-missing",     "referrer-policy-missing", "cookie-not-secure",
        "cookie-not-httponly", "cookie-no-samesite",      "powered-by"};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (!has(tx, ids[i]))
            fail_msg("finding %s missing", ids[i]);
    assert_false(has(tx, "server-version"));
    assert_int_equal(rp_tx_baseline_score(tx), 10);
    assert_true(has(tx, "baseline score 10/100"));
    /* never a block */
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
    rp_tx_free(tx);
    /* the same findings again within the hour: nothing new to say */
    tx = respond(p, "portal", "/other", 200, bad, 3);
    assert_int_equal(rp_tx_verdict(tx)->nmatches, 0);
    assert_int_equal(rp_tx_baseline_score(tx), 10);
    rp_tx_free(tx);
    /* another application is scored on its own */
    tx = respond(p, "tax", "/", 200, bad, 3);
    assert_true(has(tx, "csp-missing"));
    rp_tx_free(tx);

    static const hdr_t good[] = {
        {"Content-Type", "text/html"},
        {"Content-Security-Policy", "default-src 'self'; frame-ancestors 'self'"},
        {"Strict-Transport-Security", "max-age=31536000"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"Server", "nginx"},
        {"Set-Cookie", "sid=1; Path=/; Secure; HttpOnly; SameSite=Strict"}};
    tx = respond(p, "good", "/", 200, good, 7);
    assert_int_equal(rp_tx_baseline_score(tx), 100);
    assert_int_equal(rp_tx_verdict(tx)->nmatches, 0);
    rp_tx_free(tx);

    static const hdr_t plain[] = {{"Content-Type", "text/plain"},
                                  {"X-Content-Type-Options", "nosniff"},
                                  {"Strict-Transport-Security", "max-age=1"},
                                  {"Server", "Apache-Coyote/1.1"}};
    tx = respond(p, "legacy", "/.git/config", 200, plain, 4);
    assert_true(has(tx, "sensitive-path"));
    assert_true(has(tx, "server-version"));
    assert_false(has(tx, "csp-missing")); /* not HTML */
    rp_tx_free(tx);
    tx = respond(p, "legacy", "/db.sql", 200, plain, 4);
    assert_int_equal(rp_tx_baseline_score(tx), 100 - 30 - 5);
    rp_tx_free(tx);
    tx = respond(p, "legacy", "/api/x", 500, plain, 4);
    assert_true(has(tx, "verbose-error"));
    rp_tx_free(tx);
    rp_policy_unref(p);
}

static void test_fix(void **state)
{
    (void)state;
    rp_error_t err;
    rp_policy_t *p = rp_policy_load_string(STR_AND_LEN("baseline fix\n"), "b.policy", &err);
    assert_non_null(p);
    rp_tx_t *tx = respond(p, "portal", "/", 200, bad, 3);
    const rp_header_fix_t *f;
    size_t n = rp_tx_header_fixes(tx, &f);
    bool cookie = false, nosniff = false, frame = false, powered = false;
    for (size_t i = 0; i < n; i++) {
        if (f[i].op == RP_FIX_SET_COOKIE) {
            assert_int_equal(f[i].index, 0);
            assert_string_equal(f[i].value, "sid=abc123; Path=/; Secure; HttpOnly; SameSite=Lax");
            cookie = true;
        }
        nosniff |= f[i].op == RP_FIX_ADD && strcmp(f[i].name, "X-Content-Type-Options") == 0;
        frame |= f[i].op == RP_FIX_ADD && strcmp(f[i].value, "SAMEORIGIN") == 0;
        powered |= f[i].op == RP_FIX_REMOVE && strcmp(f[i].name, "X-Powered-By") == 0;
    }
    assert_true(cookie && nosniff && frame && powered);
    rp_tx_free(tx);
    rp_policy_unref(p);

    static const policy_error_case_t errors[] = {{"\nbaseline maybe\n", 2, "detect, fix or off"}};
    expect_policy_errors(errors, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_misconfigured_app),
        cmocka_unit_test(test_fix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
