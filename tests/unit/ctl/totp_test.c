/*
 * totp_test.c — TOTP against RFC 6238 Appendix B's test vectors (SHA-1 and
 * SHA-256, 8 digits, their 20- and 32-byte seeds), HOTP against RFC 4226
 * Appendix D, verification's ±1 step window and its refusal of other
 * steps and malformed codes, base32 (RFC 4648 section 10), the otpauth
 * URI and the QR code's SVG.
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "totp.h"

static const unsigned char seed20[] = "12345678901234567890";
static const unsigned char seed32[] = "12345678901234567890123456789012";

static void test_rfc6238_vectors(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        uint32_t sha1, sha256;
    } v[] = {
        {59, 94287082, 46119246},
        {1111111109, 7081804, 68084774},
        {1111111111, 14050471, 67062674},
        {1234567890, 89005924, 91819424},
        {2000000000, 69279037, 90698825},
        {20000000000LL, 65353130, 77737706},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint64_t step = (uint64_t)(v[i].t / TOTP_STEP_S);
        assert_int_equal(totp_hotp(TOTP_SHA1, seed20, 20, step, 8), v[i].sha1);
        assert_int_equal(totp_hotp(TOTP_SHA256, seed32, 32, step, 8), v[i].sha256);
    }
}

static void test_rfc4226_hotp(void **state)
{
    (void)state;
    static const uint32_t want[] = {755224, 287082, 359152, 969429, 338314,
                                    254676, 287922, 162583, 399871, 520489};
    for (uint64_t c = 0; c < 10; c++)
        assert_int_equal(totp_hotp(TOTP_SHA1, seed20, 20, c, 6), want[c]);
}

static void test_verify_window(void **state)
{
    (void)state;
    int64_t now = 1111111109, step = 0;
    char code[8];
    snprintf(code, sizeof(code), "%06u", totp_hotp(TOTP_SHA1, seed20, 20, now / 30, 6));
    assert_true(totp_verify(TOTP_SHA1, seed20, 20, now, code, &step));
    assert_int_equal(step, now / 30);
    assert_true(totp_verify(TOTP_SHA1, seed20, 20, now + 30, code, &step));
    assert_true(totp_verify(TOTP_SHA1, seed20, 20, now - 30, code, &step));
    assert_false(totp_verify(TOTP_SHA1, seed20, 20, now + 90, code, &step));
    assert_false(totp_verify(TOTP_SHA1, seed20, 20, now - 90, code, &step));
    assert_false(totp_verify(TOTP_SHA1, seed20, 20, now, "12345", &step));
    assert_false(totp_verify(TOTP_SHA1, seed20, 20, now, "12345a", &step));
    assert_false(totp_verify(TOTP_SHA1, seed20, 20, now, NULL, &step));
    snprintf(code, sizeof(code), "%06u", totp_hotp(TOTP_SHA256, seed32, 32, now / 30, 6));
    assert_true(totp_verify(TOTP_SHA256, seed32, 32, now, code, &step));
}

static void test_base32_uri_qr(void **state)
{
    (void)state;
    char out[64];
    totp_base32((const unsigned char *)"foobar", 6, out);
    assert_string_equal(out, "MZXW6YTBOI");
    totp_base32((const unsigned char *)"f", 1, out);
    assert_string_equal(out, "MY");
    char uri[300];
    assert_int_equal(totp_uri("Rampart Gov", "li.wei@x", "MZXW6YTBOI", TOTP_SHA1, uri,
                              sizeof(uri)),
                     0);
    assert_string_equal(uri, "otpauth://totp/Rampart%20Gov:li.wei%40x?secret=MZXW6YTBOI&issuer="
                             "Rampart%20Gov&algorithm=SHA1&digits=6&period=30");
    char *svg = totp_qr_svg(uri);
    assert_non_null(svg);
    assert_true(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
    assert_non_null(strstr(svg, "M4 4h1v1h-1z")); /* the finder pattern's corner */
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6238_vectors),
        cmocka_unit_test(test_rfc4226_hotp),
        cmocka_unit_test(test_verify_window),
        cmocka_unit_test(test_base32_uri_qr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
