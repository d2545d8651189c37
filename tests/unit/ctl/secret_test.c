/*
 * secret_test.c — base64url (RFC 4648 vectors), tokens, one-time
 * passwords, constant-time equality, HMAC-SHA-256 (RFC 4231 case 2).
 */
#include "test_util.h"

#include "secret.h"

static void expect_b64(const char *in, const char *out)
{
    char buf[64];
    size_t n = secret_base64url((const unsigned char *)in, strlen(in), buf);
    assert_int_equal(n, strlen(out));
    assert_string_equal(buf, out);
}

static void test_base64url(void **state)
{
    (void)state;
    /* RFC 4648 section 10, without padding */
    expect_b64("", "");
    expect_b64("f", "Zg");
    expect_b64("fo", "Zm8");
    expect_b64("foo", "Zm9v");
    expect_b64("foob", "Zm9vYg");
    expect_b64("fooba", "Zm9vYmE");
    expect_b64("foobar", "Zm9vYmFy");
    expect_b64("\xfb\xff", "-_8"); /* the URL-safe alphabet */
}

static void test_tokens(void **state)
{
    (void)state;
    char a[80], b[80];
    assert_int_equal(secret_token("rpt_", 32, a, sizeof(a)), 0);
    assert_int_equal(secret_token("rpt_", 32, b, sizeof(b)), 0);
    assert_int_equal(strlen(a), 4 + 43);
    assert_memory_equal(a, "rpt_", 4);
    assert_string_not_equal(a, b);
    assert_int_equal(
        strspn(a + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
    char small[10];
    assert_int_equal(secret_token("rpt_", 32, small, sizeof(small)), -1);
}

static void test_passwords(void **state)
{
    (void)state;
    char p[21], q[21];
    assert_int_equal(secret_password(p, 20), 0);
    assert_int_equal(secret_password(q, 20), 0);
    assert_int_equal(strlen(p), 20);
    assert_string_not_equal(p, q);
    /* no look-alike characters */
    assert_null(strpbrk(p, "0O1lI"));
}

static void test_equal_and_hmac(void **state)
{
    (void)state;
    assert_true(secret_equal("abcd", "abcd", 4));
    assert_false(secret_equal("abcd", "abce", 4));
    unsigned char mac[32];
    secret_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
    static const unsigned char expected[32] = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
                                               0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
                                               0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
                                               0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
    assert_memory_equal(mac, expected, 32);
    unsigned char h[32];
    secret_sha256("abc", 3, h);
    assert_int_equal(h[0], 0xba);
    assert_int_equal(h[31], 0xad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64url),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_passwords),
        cmocka_unit_test(test_equal_and_hmac),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
