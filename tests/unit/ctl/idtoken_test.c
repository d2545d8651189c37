/*
 * idtoken_test.c — rpt1 tokens and rph1 hand-offs as docs/IDENTITY.md
 * fixes them: the claims' order and percent-encoding, the MAC (recomputed
 * here with OpenSSL's HMAC), and verification refusing a wrong MAC, an
 * unknown key, a changed claim, expiry, idleness, a future iat, a claim
 * out of order or repeated, and malformed text.
 */
#include "test_util.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "idcrypt.h"
#include "idtoken.h"
#include "secret.h"

static idkey_mem_t key = {.kid = "k1", .alg = "hmac-sha256"};

static idclaims_t claims(void)
{
    idclaims_t c;
    memset(&c, 0, sizeof(c));
    snprintf(c.sid, sizeof(c.sid), "AAAAAAAAAAAAAAAAAAAAAA");
    c.uid = 42;
    snprintf(c.sub, sizeof(c.sub), "li.wei");
    snprintf(c.ro, sizeof(c.ro), "clerk,approver");
    snprintf(c.gr, sizeof(c.gr), "/gov/tax office");
    snprintf(c.amr, sizeof(c.amr), "pwd,otp,mfa");
    c.iat = c.act = 1795000000;
    c.exp = c.iat + 43200;
    c.idl = 1800;
    return c;
}

static void test_encoding_and_mac(void **state)
{
    (void)state;
    idclaims_t c = claims();
    char token[IDTOKEN_MAX + 1];
    size_t len = idtoken_sign(&key, &c, token, sizeof(token));
    assert_true(len > 0 && len == strlen(token));
    assert_true(strncmp(token, "rpt1.k1.", 8) == 0);
    const char *payload = token + 8, *dot = strrchr(token, '.');
    unsigned char text[IDTOKEN_MAX];
    int n = idcrypt_b64url_decode(payload, (size_t)(dot - payload), text, sizeof(text));
    assert_true(n > 0);
    text[n] = '\0';
    assert_string_equal((char *)text,
                        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&sub=li.wei&ro=clerk%2Capprover"
                        "&gr=%2Fgov%2Ftax%20office&amr=pwd%2Cotp%2Cmfa&iat=1795000000"
                        "&act=1795000000&exp=1795043200&idl=1800");
    unsigned char mac[32];
    unsigned mac_len = 0;
    HMAC(EVP_sha256(), key.key, IDKEY_LEN, (const unsigned char *)token, (size_t)(dot - token), mac,
         &mac_len);
    char b64[48];
    secret_base64url(mac, sizeof(mac), b64);
    assert_string_equal(dot + 1, b64);

    char handoff[IDTOKEN_MAX + 1];
    assert_true(idtoken_handoff(&key, &c, "NNNNNNNNNNNNNNNNNNNNNN", 1795000060, handoff,
                                sizeof(handoff)) > 0);
    assert_true(strncmp(handoff, "rph1.k1.", 8) == 0);
}

/* An hmac-sm3 key (session_key_algorithm hmac-sm3) signs with HMAC-SM3
 * (GB/T 32905): the MAC is OpenSSL's HMAC over EVP_sm3, not SHA-256's. */
static void test_sm3_mac(void **state)
{
    (void)state;
    idkey_mem_t sm3 = key;
    snprintf(sm3.alg, sizeof(sm3.alg), "hmac-sm3");
    idclaims_t c = claims();
    char token[IDTOKEN_MAX + 1], sha[IDTOKEN_MAX + 1];
    assert_true(idtoken_sign(&sm3, &c, token, sizeof(token)) > 0);
    assert_true(idtoken_sign(&key, &c, sha, sizeof(sha)) > 0);
    const char *dot = strrchr(token, '.');
    unsigned char mac[32];
    unsigned mac_len = 0;
    assert_non_null(HMAC(EVP_sm3(), sm3.key, IDKEY_LEN, (const unsigned char *)token,
                         (size_t)(dot - token), mac, &mac_len));
    assert_int_equal(mac_len, 32);
    char b64[48];
    secret_base64url(mac, sizeof(mac), b64);
    assert_string_equal(dot + 1, b64);
    assert_string_not_equal(dot + 1, strrchr(sha, '.') + 1);
}

/* Signs c after change() altered it, then verifies at now. */
static int verify_changed(idkeys_t *keys, void (*change)(idclaims_t *), int64_t now)
{
    idclaims_t c = claims(), out;
    if (change)
        change(&c);
    char token[IDTOKEN_MAX + 1];
    idtoken_sign(&key, &c, token, sizeof(token));
    return idtoken_verify(keys, token, now, &out);
}

static void expired(idclaims_t *c)
{
    c->exp = c->iat + 5;
}

static void future(idclaims_t *c)
{
    c->iat = c->act = c->iat + 120;
    c->exp = c->iat + 100;
}

static void test_verify(void **state)
{
    (void)state;
    idkeys_t *keys = idkeys_new();
    assert_non_null(keys);
    idclaims_t c = claims(), out;
    char token[IDTOKEN_MAX + 1];
    idtoken_sign(&key, &c, token, sizeof(token));
    assert_int_equal(idtoken_verify(keys, token, c.iat + 10, &out), -1); /* no keys yet */
    idkeys_install(keys, &key, 1);
    assert_int_equal(idtoken_verify(keys, token, c.iat + 10, &out), 0);
    assert_string_equal(out.gr, "/gov/tax office");
    assert_string_equal(out.ro, "clerk,approver");
    assert_int_equal(out.uid, 42);
    assert_int_equal(verify_changed(keys, expired, c.iat + 6), -1);
    assert_int_equal(verify_changed(keys, NULL, c.iat + 1801), -1); /* idle */
    assert_int_equal(verify_changed(keys, future, c.iat), -1);
    /* a flipped MAC character, a changed payload, another kid */
    char bad[IDTOKEN_MAX + 1];
    snprintf(bad, sizeof(bad), "%s", token);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'A' ? 'B' : 'A';
    assert_int_equal(idtoken_verify(keys, bad, c.iat, &out), -1);
    snprintf(bad, sizeof(bad), "%s", token);
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    assert_int_equal(idtoken_verify(keys, bad, c.iat, &out), -1);
    snprintf(bad, sizeof(bad), "rpt1.k2.%s", token + 8);
    assert_int_equal(idtoken_verify(keys, bad, c.iat, &out), -1);
    /* claims out of order or repeated, correctly signed */
    static const char *const texts[] = {
        "uid=42&sid=AAAAAAAAAAAAAAAAAAAAAA&sub=x&ro=&gr=&amr=pwd&iat=1&act=1&exp=9&idl=5",
        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&sub=x&ro=&gr=&amr=pwd&iat=1&act=1&exp=9&idl=5&idl=5",
        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=042&sub=x&ro=&gr=&amr=pwd&iat=1&act=1&exp=9&idl=5",
        "sid=AAAA&uid=42&sub=x&ro=&gr=&amr=pwd&iat=1&act=1&exp=9&idl=5",
        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&sub=a,b&ro=&gr=&amr=pwd&iat=1&act=1&exp=9&idl=5",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char forged[600], b64[800];
        secret_base64url((const unsigned char *)texts[i], strlen(texts[i]), b64);
        int n = snprintf(forged, sizeof(forged), "rpt1.k1.%s", b64);
        unsigned char mac[32];
        unsigned mac_len = 0;
        HMAC(EVP_sha256(), key.key, IDKEY_LEN, (const unsigned char *)forged, (size_t)n, mac,
             &mac_len);
        secret_base64url(mac, sizeof(mac), b64);
        snprintf(forged + n, sizeof(forged) - (size_t)n, ".%s", b64);
        assert_int_equal(idtoken_verify(keys, forged, 2, &out), -1);
    }
    assert_int_equal(idtoken_verify(keys, "", c.iat, &out), -1);
    assert_int_equal(idtoken_verify(keys, NULL, c.iat, &out), -1);
    assert_int_equal(idtoken_verify(keys, "rpt1.", c.iat, &out), -1);
    assert_int_equal(idtoken_verify(keys, "rpt1.k1..", c.iat, &out), -1);
    idkeys_free(keys);
}

static void test_too_long(void **state)
{
    (void)state;
    idclaims_t c = claims();
    memset(c.gr, '/', sizeof(c.gr) - 1); /* three bytes each when encoded */
    c.gr[sizeof(c.gr) - 1] = '\0';
    char token[IDTOKEN_MAX + 1];
    assert_int_equal(idtoken_sign(&key, &c, token, sizeof(token)), 0);
    char small[20];
    assert_int_equal(idtoken_pct("a b", small, 4), 0);
    assert_int_equal(idtoken_pct("a b", small, sizeof(small)), 5);
    assert_string_equal(small, "a%20b");
}

int main(void)
{
    memset(key.key, 7, sizeof(key.key));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoding_and_mac),
        cmocka_unit_test(test_sm3_mac),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
