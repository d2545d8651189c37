/*
 * protection_switch_test.c — the per-application switches of the API
 * protections (rp_tx_set_protection, docs/API-SECURITY.md "Switches"):
 * off skips the protection, detect records its matches and refuses
 * nothing (no header fixes for the baseline), block leaves the policy to
 * decide; one protection's switch leaves the others alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_util.h"

#include "rampart/rampart.h"

static char spec_path[64], key_path[64];
static rp_policy_t *policy;

static int setup(void **state)
{
    (void)state;
    snprintf(spec_path, sizeof(spec_path), "/tmp/rp-switch-spec-XXXXXX");
    int fd = mkstemp(spec_path);
    if (fd < 0)
        return -1;
    static const char spec[] =
        "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{"
        "\"/citizens/{id}\":{\"get\":{\"parameters\":[{\"name\":\"id\",\"in\":\"path\","
        "\"required\":true,\"schema\":{\"type\":\"integer\",\"minimum\":1}}],"
        "\"responses\":{\"200\":{\"description\":\"ok\"}}}}}}";
    if (write(fd, spec, sizeof(spec) - 1) != (ssize_t)(sizeof(spec) - 1)) {
        close(fd);
        return -1;
    }
    close(fd);
    snprintf(key_path, sizeof(key_path), "/tmp/rp-switch-key-XXXXXX");
    fd = mkstemp(key_path); /* mode 0600 */
    if (fd < 0)
        return -1;
    static const char key[] = "0123456789abcdef0123456789abcdef";
    if (write(fd, key, sizeof(key) - 1) != (ssize_t)(sizeof(key) - 1)) {
        close(fd);
        return -1;
    }
    close(fd);
    char text[512];
    snprintf(text, sizeof(text),
             "openapi %s block\nratelimit one 1/m key=addr\nbaseline fix\nevents matched\n"
             "bot_key %s\nbot /citizens/9 challenge\n",
             spec_path, key_path);
    rp_error_t err;
    policy = rp_policy_load_string(text, strlen(text), "switch.policy", &err);
    return policy ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rp_policy_unref(policy);
    unlink(spec_path);
    unlink(key_path);
    return 0;
}

/* One GET from addr through the request and a response without security
 * headers; the caller frees the transaction. */
static rp_tx_t *get(const char *addr, const char *path, rp_protection_t which, rp_mode_t mode)
{
    rp_tx_t *tx = rp_tx_new(policy);
    rp_tx_set_app(tx, addr, strlen(addr)); /* one app per client: the baseline dedups per app */
    rp_tx_set_protection(tx, which, mode);
    rp_tx_connection(tx, addr, strlen(addr), 4000, STR_AND_LEN("127.0.0.1"), 80);
    rp_tx_request_line(tx, STR_AND_LEN("GET"), path, strlen(path), STR_AND_LEN("HTTP/1.1"));
    if (rp_tx_request_headers_done(tx) != RP_BLOCK) {
        rp_tx_request_end(tx);
        rp_tx_response_status(tx, 200);
        rp_tx_response_header(tx, STR_AND_LEN("Content-Type"), STR_AND_LEN("text/html"));
        rp_tx_response_headers_done(tx);
    }
    return tx;
}

static size_t matches_of(const rp_tx_t *tx, const char *detector)
{
    const rp_verdict_t *v = rp_tx_verdict(tx);
    size_t n = 0;
    for (size_t i = 0; i < v->nmatches; i++)
        n += strcmp(v->matches[i].detector, detector) == 0;
    return n;
}

static void test_openapi(void **state)
{
    (void)state;
    rp_tx_t *tx = get("192.0.2.1", "/citizens/abc", RP_PROTECTION_OPENAPI, RP_MODE_BLOCK);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_BLOCK);
    assert_int_equal(matches_of(tx, "openapi"), 1);
    rp_tx_free(tx);
    tx = get("192.0.2.2", "/citizens/abc", RP_PROTECTION_OPENAPI, RP_MODE_DETECT);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
    assert_int_equal(matches_of(tx, "openapi"), 1);
    rp_tx_free(tx);
    tx = get("192.0.2.3", "/citizens/abc", RP_PROTECTION_OPENAPI, RP_MODE_OFF);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
    assert_int_equal(matches_of(tx, "openapi"), 0);
    rp_tx_free(tx);
    /* the other protections carry on: the rate limit still counts */
    tx = get("192.0.2.3", "/citizens/abc", RP_PROTECTION_OPENAPI, RP_MODE_OFF);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_BLOCK);
    assert_int_equal(rp_tx_verdict(tx)->status, 429);
    rp_tx_free(tx);
}

static void test_rate_limit(void **state)
{
    (void)state;
    rp_tx_free(get("198.51.100.1", "/citizens/1", RP_PROTECTION_RATELIMIT, RP_MODE_BLOCK));
    rp_tx_t *tx = get("198.51.100.1", "/citizens/1", RP_PROTECTION_RATELIMIT, RP_MODE_BLOCK);
    assert_int_equal(rp_tx_verdict(tx)->status, 429);
    rp_tx_free(tx);
    tx = get("198.51.100.1", "/citizens/1", RP_PROTECTION_RATELIMIT, RP_MODE_DETECT);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
    assert_int_equal(matches_of(tx, "ratelimit"), 1);
    rp_tx_free(tx);
    tx = get("198.51.100.1", "/citizens/1", RP_PROTECTION_RATELIMIT, RP_MODE_OFF);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
    assert_int_equal(matches_of(tx, "ratelimit"), 0);
    rp_tx_free(tx);
}

static void test_baseline(void **state)
{
    (void)state;
    const rp_header_fix_t *fixes;
    rp_tx_t *tx = get("203.0.113.1", "/citizens/1", RP_PROTECTION_BASELINE, RP_MODE_BLOCK);
    assert_true(matches_of(tx, "baseline") > 0);
    assert_true(rp_tx_header_fixes(tx, &fixes) > 0);
    rp_tx_free(tx);
    tx = get("203.0.113.2", "/citizens/1", RP_PROTECTION_BASELINE, RP_MODE_DETECT);
    assert_true(matches_of(tx, "baseline") > 0);
    assert_int_equal(rp_tx_header_fixes(tx, &fixes), 0);
    rp_tx_free(tx);
    tx = get("203.0.113.3", "/citizens/1", RP_PROTECTION_BASELINE, RP_MODE_OFF);
    assert_int_equal(matches_of(tx, "baseline"), 0);
    assert_int_equal(rp_tx_header_fixes(tx, &fixes), 0);
    rp_tx_free(tx);
}

static void test_bot(void **state)
{
    (void)state;
    const char *body;
    size_t len;
    rp_tx_t *tx = get("100.64.0.1", "/citizens/9", RP_PROTECTION_BOT, RP_MODE_BLOCK);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_CHALLENGE);
    assert_true(rp_tx_bot_page(tx, &body, &len));
    rp_tx_free(tx);
    tx = get("100.64.0.2", "/citizens/9", RP_PROTECTION_BOT, RP_MODE_DETECT);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
    assert_int_equal(matches_of(tx, "bot"), 1);
    assert_false(rp_tx_bot_page(tx, &body, &len));
    rp_tx_free(tx);
    tx = get("100.64.0.3", "/citizens/9", RP_PROTECTION_BOT, RP_MODE_OFF);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
    assert_int_equal(matches_of(tx, "bot"), 0);
    rp_tx_free(tx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openapi),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_baseline),
        cmocka_unit_test(test_bot),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
