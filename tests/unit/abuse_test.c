/*
 * abuse_test.c — enumeration and credential stuffing: a client walking
 * /api/citizens/{id} is caught after LIMIT distinct ids while re-reading
 * and ordinary browsing are not; block, throttle (429 + Retry-After) and
 * challenge (a clearance lets the browser on); many user names from one
 * address and one password over many accounts on a login route (form and
 * JSON bodies); the directives' errors with their lines.
 */
#include "test_util.h"

#include "policy_errors.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rampart/rampart.h"

static rp_policy_t *load(const char *text)
{
    rp_error_t err = {0};
    rp_policy_t *p = rp_policy_load_string(STR_AND_LEN(text), "abuse.policy", &err);
    if (!p)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    return p;
}

static rp_tx_t *get(rp_policy_t *p, const char *addr, const char *uri, const char *cookie)
{
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_connection(tx, STR_AND_LEN(addr), 4000, STR_AND_LEN("127.0.0.1"), 80);
    rp_tx_request_line(tx, STR_AND_LEN("GET"), STR_AND_LEN(uri), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_header(tx, STR_AND_LEN("User-Agent"), STR_AND_LEN("Mozilla/5.0"));
    if (cookie)
        rp_tx_request_header(tx, STR_AND_LEN("Cookie"), STR_AND_LEN(cookie));
    rp_tx_request_headers_done(tx);
    rp_tx_request_end(tx);
    return tx;
}

static rp_action_t get_action(rp_policy_t *p, const char *addr, const char *uri)
{
    rp_tx_t *tx = get(p, addr, uri, NULL);
    rp_action_t a = rp_tx_verdict(tx)->action;
    rp_tx_free(tx);
    return a;
}

static void test_enumeration_caught(void **state)
{
    (void)state;
    rp_policy_t *p = load("enumerate citizens /api/citizens/{id} 20/m action=block\n");
    char uri[64];
    /* an enumerator: ids in sequence */
    for (int id = 1000; id < 1020; id++) {
        snprintf(uri, sizeof(uri), "/api/citizens/%d", id);
        assert_int_equal(get_action(p, "198.51.100.1", uri), RP_ACTION_ALLOW);
    }
    rp_tx_t *tx = get(p, "198.51.100.1", "/api/citizens/1020", NULL);
    const rp_verdict_t *v = rp_tx_verdict(tx);
    assert_int_equal(v->action, RP_ACTION_BLOCK);
    assert_int_equal(v->status, 403);
    assert_string_equal(v->matches[0].detector, "abuse");
    assert_string_equal(v->matches[0].target, "enumerate:citizens");
    assert_non_null(strstr(v->matches[0].detail, "more than 20 distinct records"));
    rp_tx_free(tx);
    /* records it read already stay readable; new ones do not */
    assert_int_equal(get_action(p, "198.51.100.1", "/api/citizens/1005?x=1"), RP_ACTION_ALLOW);
    assert_int_equal(get_action(p, "198.51.100.1", "/api/citizens/5555"), RP_ACTION_BLOCK);

    /* normal browsing: a citizen re-reads a few records many times */
    for (int round = 0; round < 30; round++)
        for (int id = 1; id <= 5; id++) {
            snprintf(uri, sizeof(uri), "/api/citizens/%d", id);
            assert_int_equal(get_action(p, "198.51.100.2", uri), RP_ACTION_ALLOW);
        }
    /* other paths do not count */
    for (int i = 0; i < 40; i++) {
        snprintf(uri, sizeof(uri), "/api/citizens/%d/photo/x", i);
        assert_int_equal(get_action(p, "198.51.100.3", uri), RP_ACTION_ALLOW);
        snprintf(uri, sizeof(uri), "/news/%d", i);
        assert_int_equal(get_action(p, "198.51.100.3", uri), RP_ACTION_ALLOW);
    }
    rp_policy_unref(p);
}

static void test_throttle_and_challenge(void **state)
{
    (void)state;
    rp_policy_t *p = load("enumerate recs /r/{a}/{b} 3/h action=throttle\n");
    assert_int_equal(get_action(p, "192.0.2.1", "/r/1/1"), RP_ACTION_ALLOW);
    assert_int_equal(get_action(p, "192.0.2.1", "/r/1/2"), RP_ACTION_ALLOW);
    assert_int_equal(get_action(p, "192.0.2.1", "/r/2/1"), RP_ACTION_ALLOW);
    rp_tx_t *tx = get(p, "192.0.2.1", "/r/2/2", NULL);
    assert_int_equal(rp_tx_verdict(tx)->status, 429);
    assert_true(rp_tx_verdict(tx)->retry_after > 0);
    rp_tx_free(tx);
    rp_policy_unref(p);

    char key_path[64];
    snprintf(key_path, sizeof(key_path), "/tmp/rampart-abuse-test-%d.key", (int)getpid());
    FILE *f = fopen(key_path, "wb");
    static const uint8_t key[] = "abuse-test-key-abuse-test-key-abuse!";
    fwrite(key, 1, sizeof(key) - 1, f);
    fclose(f);
    chmod(key_path, 0600);
    char text[256];
    snprintf(text, sizeof(text), "bot_key %s\nenumerate recs /r/{id} 2/h action=challenge\n",
             key_path);
    p = load(text);
    unlink(key_path);
    assert_int_equal(get_action(p, "192.0.2.1", "/r/1"), RP_ACTION_ALLOW);
    assert_int_equal(get_action(p, "192.0.2.1", "/r/2"), RP_ACTION_ALLOW);
    assert_int_equal(get_action(p, "192.0.2.1", "/r/3"), RP_ACTION_CHALLENGE);
    /* a browser that solved a challenge goes on (recorded) */
    rp_bot_binding_t b;
    rp_bot_binding("192.0.2.1", "Mozilla/5.0", &b);
    char value[RP_BOT_TOKEN_MAX], cookie[256];
    rp_bot_clearance_mint(key, sizeof(key) - 1, &b, (uint64_t)time(NULL) + 600, 0, value);
    snprintf(cookie, sizeof(cookie), "rampart_clearance=%s", value);
    tx = get(p, "192.0.2.1", "/r/4", cookie);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
    assert_int_equal(rp_tx_verdict(tx)->nmatches, 1);
    rp_tx_free(tx);
    rp_policy_unref(p);
}

static rp_action_t login(rp_policy_t *p, const char *addr, const char *user, const char *pw,
                         bool json, const char **detail)
{
    char body[256];
    if (json)
        snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
    else
        snprintf(body, sizeof(body), "username=%s&password=%s", user, pw);
    char cl[16];
    snprintf(cl, sizeof(cl), "%zu", strlen(body));
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_connection(tx, STR_AND_LEN(addr), 4000, STR_AND_LEN("127.0.0.1"), 80);
    rp_tx_request_line(tx, STR_AND_LEN("POST"), STR_AND_LEN("/login"), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_header(
        tx, STR_AND_LEN("Content-Type"),
        STR_AND_LEN(json ? "application/json" : "application/x-www-form-urlencoded"));
    rp_tx_request_header(tx, STR_AND_LEN("Content-Length"), STR_AND_LEN(cl));
    if (rp_tx_request_headers_done(tx) == RP_OK)
        rp_tx_request_body(tx, body, strlen(body));
    rp_tx_request_end(tx);
    const rp_verdict_t *v = rp_tx_verdict(tx);
    rp_action_t a = v->action;
    static char last[128];
    snprintf(last, sizeof(last), "%s", v->nmatches ? v->matches[0].detail : "");
    *detail = last;
    rp_tx_free(tx);
    return a;
}

static void test_credential_stuffing(void **state)
{
    (void)state;
    rp_policy_t *p = load("login signin /login user=username password=password users=5/h "
                          "accounts=3/h action=block\n");
    const char *why;
    char user[32], addr[32];
    /* one address, many user names */
    for (int i = 0; i < 5; i++) {
        char pw[16];
        snprintf(user, sizeof(user), "user%d", i);
        snprintf(pw, sizeof(pw), "pw-%d", i);
        assert_int_equal(login(p, "203.0.113.5", user, pw, i % 2, &why), RP_ACTION_ALLOW);
    }
    assert_int_equal(login(p, "203.0.113.5", "user99", "pw-y", false, &why), RP_ACTION_BLOCK);
    assert_non_null(strstr(why, "more than 5 user names"));
    /* one person mistyping their password many times is not stuffing */
    for (int i = 0; i < 20; i++) {
        char pw[16];
        snprintf(pw, sizeof(pw), "guess%d", i);
        assert_int_equal(login(p, "203.0.113.6", "alice", pw, false, &why), RP_ACTION_ALLOW);
    }
    /* one password sprayed over accounts from many addresses */
    for (int i = 0; i < 3; i++) {
        snprintf(user, sizeof(user), "acct%d", i);
        snprintf(addr, sizeof(addr), "10.9.0.%d", i + 1);
        assert_int_equal(login(p, addr, user, "Spring2026!", true, &why), RP_ACTION_ALLOW);
    }
    assert_int_equal(login(p, "10.9.0.200", "acct77", "Spring2026!", false, &why), RP_ACTION_BLOCK);
    assert_non_null(strstr(why, "one password tried on more than 3 accounts"));
    rp_policy_unref(p);
}

static void test_directive_errors(void **state)
{
    (void)state;
    static const policy_error_case_t bad[] = {
        {"enumerate x /api/{id}\n", 1, "usage"},
        {"\nenumerate x /api/items 5/m\n", 2, "{variable}"},
        {"enumerate x /api/a{id} 5/m\n", 1, "whole segment"},
        {"enumerate x /api/{id} 5/fortnight\n", 1, "LIMIT/PERIOD"},
        {"enumerate x /api/{id} 5/m action=tarpit\n", 1, "block, throttle or challenge"},
        {"enumerate x /api/{id} 5/m action=challenge\n", 0, "needs bot_key"},
        {"login l /login user=u\n", 1, "required"},
        {"login l /login user=u password=p\n", 1, "users=LIMIT/PERIOD"},
        {"login l login user=u password=p users=5/m\n", 1, "start with /"},
        {"enumerate x /a/{id} 5/m\nenumerate x /b/{id} 5/m\n", 2, "defined twice"},
    };
    expect_policy_errors(bad, sizeof(bad) / sizeof(bad[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enumeration_caught),
        cmocka_unit_test(test_throttle_and_challenge),
        cmocka_unit_test(test_credential_stuffing),
        cmocka_unit_test(test_directive_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
