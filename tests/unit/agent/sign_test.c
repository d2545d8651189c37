/*
 * sign_test.c — agent request signatures (src/ctl/agent_sign.c): a known
 * answer computed independently, tampering with any signed part, the
 * time window and replay.
 */
#include "test_util.h"

#include "agent_sign.h"

static const unsigned char key[AGENT_SECRET_LEN] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                                    12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                                    23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void test_known_answer(void **state)
{
    (void)state;
    char sig[AGENT_SIGN_HEX_LEN + 1];
    agent_sign(key, "POST", "/api/v1/agent/events", 7, 1795000000000LL, "[]", 2, sig);
    /* python3: hmac.new(bytes(range(1,33)), b"RAMPART-AGENT-HMAC-SHA256\nPOST\n
     * /api/v1/agent/events\n7\n1795000000000\n" + sha256(b"[]").hexdigest(),
     * sha256).hexdigest() */
    assert_string_equal(sig, "d19dc99ae0785f3b1cfb966b4354847e5207f1a614af7a92771951c675bb0a1c");
}

static void test_verify(void **state)
{
    (void)state;
    const int64_t now = 1795000000000LL;
    const char *body = "{\"x\":1}";
    char sig[AGENT_SIGN_HEX_LEN + 1];
    agent_sign(key, "POST", "/p", 3, now, body, strlen(body), sig);
    assert_int_equal(agent_sign_verify(key, "POST", "/p", 3, now, body, strlen(body), sig, now, 0),
                     AGENT_SIGN_OK);
    /* every signed part matters */
    assert_int_equal(agent_sign_verify(key, "GET", "/p", 3, now, body, strlen(body), sig, now, 0),
                     AGENT_SIGN_BAD);
    assert_int_equal(agent_sign_verify(key, "POST", "/q", 3, now, body, strlen(body), sig, now, 0),
                     AGENT_SIGN_BAD);
    assert_int_equal(agent_sign_verify(key, "POST", "/p", 4, now, body, strlen(body), sig, now, 0),
                     AGENT_SIGN_BAD);
    assert_int_equal(
        agent_sign_verify(key, "POST", "/p", 3, now + 1, body, strlen(body), sig, now, 0),
        AGENT_SIGN_BAD);
    assert_int_equal(agent_sign_verify(key, "POST", "/p", 3, now, "{\"x\":2}", 7, sig, now, 0),
                     AGENT_SIGN_BAD);
    unsigned char other[AGENT_SECRET_LEN] = {0};
    assert_int_equal(
        agent_sign_verify(other, "POST", "/p", 3, now, body, strlen(body), sig, now, 0),
        AGENT_SIGN_BAD);
    assert_int_equal(
        agent_sign_verify(key, "POST", "/p", 3, now, body, strlen(body), "abc", now, 0),
        AGENT_SIGN_BAD);
    assert_int_equal(agent_sign_verify(key, "POST", "/p", 3, now, body, strlen(body), NULL, now, 0),
                     AGENT_SIGN_BAD);
    /* the window, both ways */
    assert_int_equal(agent_sign_verify(key, "POST", "/p", 3, now, body, strlen(body), sig,
                                       now + AGENT_SIGN_WINDOW_MS + 1, 0),
                     AGENT_SIGN_STALE);
    assert_int_equal(agent_sign_verify(key, "POST", "/p", 3, now, body, strlen(body), sig,
                                       now - AGENT_SIGN_WINDOW_MS - 1, 0),
                     AGENT_SIGN_STALE);
    /* replay: not after the last accepted timestamp */
    assert_int_equal(
        agent_sign_verify(key, "POST", "/p", 3, now, body, strlen(body), sig, now, now),
        AGENT_SIGN_REPLAY);
}

static void test_hex(void **state)
{
    (void)state;
    unsigned char out[3];
    assert_int_equal(agent_unhex("00fFa1", out, 3), 0);
    assert_int_equal(out[1], 0xff);
    assert_int_equal(agent_unhex("00ff", out, 3), -1);
    assert_int_equal(agent_unhex("00ffzz", out, 3), -1);
    char hex[7];
    agent_hex(out, 3, hex);
    assert_string_equal(hex, "00ffa1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
