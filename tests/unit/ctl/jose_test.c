/*
 * jose_test.c — JWS and JWK (jose.c) and sealed signing keys
 * (oidc_keys.c): every algorithm signs and verifies its own tokens and
 * refuses a changed payload, header or signature, another key, another
 * algorithm's key and malformed text; JWKs carry the public key's
 * coordinates (checked against OpenSSL's own encoding); at_hash is the
 * left half of SHA-256 (recomputed here); sealed keys open only with the
 * same kid; RFC 7515 Appendix A.3's published ES256 example verifies.
 */
#include "test_util.h"

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64url.h"
#include "idcrypt.h"
#include "jose.h"
#include "oidc_keys.h"
#include "secret.h"

static char *sign_claims(EVP_PKEY *key, jose_alg_t alg)
{
    json_t *claims = json_pack("{s:s, s:s, s:I, s:s}", "iss", "http://127.0.0.1:9000", "sub",
                               "li.wei", "exp", (json_int_t)1795000000, "nonce", "n-0S6_WzA2Mj");
    char *jws = jose_sign(key, alg, "k1", claims);
    json_decref(claims);
    return jws;
}

static int verifies(EVP_PKEY *key, const char *jws)
{
    jose_parsed_t p;
    if (jose_parse(jws, strlen(jws), &p))
        return 0;
    int ok = jose_verify(key, jws, &p);
    jose_parsed_free(&p);
    return ok;
}

static void round_trip(jose_alg_t alg)
{
    EVP_PKEY *key = jose_keygen(alg), *other = jose_keygen(alg);
    assert_non_null(key);
    assert_true(jose_key_fits(key, alg));
    for (int a = 0; a < JOSE_ALG_COUNT; a++)
        assert_int_equal(jose_key_fits(key, (jose_alg_t)a), a == (int)alg);
    char *jws = sign_claims(key, alg);
    assert_non_null(jws);
    assert_true(verifies(key, jws));
    assert_false(verifies(other, jws));

    jose_parsed_t p;
    assert_int_equal(jose_parse(jws, strlen(jws), &p), 0);
    assert_int_equal(p.alg, alg);
    assert_string_equal(p.kid, "k1");
    assert_string_equal(json_string_value(json_object_get(p.header, "typ")), "JWT");
    assert_string_equal(json_string_value(json_object_get(p.payload, "sub")), "li.wei");
    if (alg != JOSE_RS256)
        assert_int_equal(p.sig_len, 64); /* R || S, not DER */
    jose_parsed_free(&p);

    /* one changed character anywhere in header, payload or signature */
    size_t len = strlen(jws);
    size_t at[] = {3, strchr(jws, '.') - jws + 5, len - 3};
    for (size_t i = 0; i < 3; i++) {
        char *bad = strdup(jws);
        bad[at[i]] = bad[at[i]] == 'A' ? 'B' : 'A';
        assert_false(verifies(key, bad));
        free(bad);
    }
    /* the signature of one token on another's header and payload */
    char *second = sign_claims(key, alg);
    char *mixed = malloc(len + strlen(second) + 1);
    const char *sig2 = strrchr(second, '.');
    snprintf(mixed, len + strlen(second) + 1, "%.*s%s", (int)(strrchr(jws, '.') - jws), jws, sig2);
    if (alg == JOSE_RS256) /* deterministic: the same signature */
        assert_true(verifies(key, mixed));
    free(mixed);
    free(second);
    free(jws);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
}

static void test_rs256(void **state)
{
    (void)state;
    round_trip(JOSE_RS256);
}

static void test_es256(void **state)
{
    (void)state;
    round_trip(JOSE_ES256);
}

static void test_sm2sm3(void **state)
{
    (void)state;
    round_trip(JOSE_SM2SM3);
}

static void test_wrong_algorithm_key(void **state)
{
    (void)state;
    EVP_PKEY *rsa = jose_keygen(JOSE_RS256), *ec = jose_keygen(JOSE_ES256);
    json_t *empty = json_object();
    assert_null(jose_sign(rsa, JOSE_ES256, "k", empty));
    json_decref(empty);
    char *jws = sign_claims(ec, JOSE_ES256);
    assert_false(verifies(rsa, jws)); /* the header says ES256: an RSA key never fits */
    free(jws);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
}

static void test_malformed(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "a.b",
        "a.b.c.d",
        /* {"alg":"none"} . {} . x */
        "eyJhbGciOiJub25lIn0.e30.eA",
        /* {"alg":"RS256","crit":["x"]} */
        "eyJhbGciOiJSUzI1NiIsImNyaXQiOlsieCJdfQ.e30.eA",
        /* {"alg":"RS256","alg":"RS256"}: duplicate member */
        "eyJhbGciOiJSUzI1NiIsImFsZyI6IlJTMjU2In0.e30.eA",
        /* payload [] is not an object */
        "eyJhbGciOiJSUzI1NiJ9.W10.eA",
        /* padding is not base64url-nopad */
        "eyJhbGciOiJSUzI1NiJ9.e30=.eA",
        /* empty signature */
        "eyJhbGciOiJSUzI1NiJ9.e30.",
        /* kid not a string */
        "eyJhbGciOiJSUzI1NiIsImtpZCI6MX0.e30.eA",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        jose_parsed_t p;
        assert_int_equal(jose_parse(bad[i], strlen(bad[i]), &p), -1);
    }
    jose_parsed_t p; /* the well-formed sibling parses */
    assert_int_equal(jose_parse(STR_AND_LEN("eyJhbGciOiJSUzI1NiJ9.e30.eA"), &p), 0);
    jose_parsed_free(&p);
}

static void test_jwk(void **state)
{
    (void)state;
    for (int a = 0; a < JOSE_ALG_COUNT; a++) {
        EVP_PKEY *key = jose_keygen((jose_alg_t)a);
        json_t *jwk = jose_jwk(key, (jose_alg_t)a, "kid-1");
        assert_non_null(jwk);
        assert_string_equal(json_string_value(json_object_get(jwk, "alg")),
                            jose_alg_name((jose_alg_t)a));
        assert_string_equal(json_string_value(json_object_get(jwk, "use")), "sig");
        assert_null(json_object_get(jwk, "d")); /* never the private part */
        if (a == JOSE_RS256) {
            assert_string_equal(json_string_value(json_object_get(jwk, "kty")), "RSA");
            assert_string_equal(json_string_value(json_object_get(jwk, "e")), "AQAB");
            unsigned char n[512];
            const char *n64 = json_string_value(json_object_get(jwk, "n"));
            assert_int_equal(base64url_decode(n64, strlen(n64), n, sizeof(n)), 256);
        } else {
            unsigned char point[65], xy[64];
            size_t len = 0;
            assert_int_equal(EVP_PKEY_get_octet_string_param(
                                 key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, 65, &len),
                             1);
            const char *x = json_string_value(json_object_get(jwk, "x"));
            const char *y = json_string_value(json_object_get(jwk, "y"));
            assert_int_equal(base64url_decode(x, strlen(x), xy, 32), 32);
            assert_int_equal(base64url_decode(y, strlen(y), xy + 32, 32), 32);
            assert_memory_equal(xy, point + 1, 64);
            assert_string_equal(json_string_value(json_object_get(jwk, "crv")),
                                a == JOSE_ES256 ? "P-256" : "SM2");
        }
        json_decref(jwk);
        EVP_PKEY_free(key);
    }
}

static void test_half_hash(void **state)
{
    (void)state;
    const char *token = "an-access-token";
    unsigned char md[32];
    SHA256((const unsigned char *)token, strlen(token), md);
    char want[44], got[44];
    secret_base64url(md, 16, want);
    assert_int_equal(jose_half_hash(JOSE_RS256, token, got), 0);
    assert_string_equal(got, want);
    assert_int_equal(strlen(got), 22);
    assert_int_equal(jose_half_hash(JOSE_SM2SM3, token, got), 0);
    assert_string_not_equal(got, want); /* SM3, not SHA-256 */
}

/* The P-256 public key of RFC 7515 Appendix A.3 from its JWK coordinates. */
static EVP_PKEY *rfc7515_a3_key(void)
{
    const char *x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const char *y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
    unsigned char point[65] = {0x04};
    assert_int_equal(base64url_decode(x, strlen(x), point + 1, 32), 32);
    assert_int_equal(base64url_decode(y, strlen(y), point + 33, 32), 32);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *key = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/* RFC 7515 Appendix A.3: the published ES256 JWS verifies, its payload is
 * the RFC's (with its CR LF), and one changed signature byte fails. */
static void test_rfc7515_a3(void **state)
{
    (void)state;
    const char *jws =
        "eyJhbGciOiJFUzI1NiJ9."
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0"
        "cnVlfQ."
        "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    EVP_PKEY *key = rfc7515_a3_key();
    assert_true(jose_key_fits(key, JOSE_ES256));
    assert_true(verifies(key, jws));
    jose_parsed_t p;
    assert_int_equal(jose_parse(jws, strlen(jws), &p), 0);
    assert_string_equal(json_string_value(json_object_get(p.payload, "iss")), "joe");
    assert_int_equal(json_integer_value(json_object_get(p.payload, "exp")), 1300819380);
    assert_true(json_is_true(json_object_get(p.payload, "http://example.com/is_root")));
    assert_null(p.kid);
    jose_parsed_free(&p);
    char *bad = strdup(jws);
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'N' ? 'M' : 'N';
    assert_false(verifies(key, bad));
    free(bad);
    /* the JWK this module exports for that key carries the RFC's coordinates */
    json_t *jwk = jose_jwk(key, JOSE_ES256, "a3");
    assert_string_equal(json_string_value(json_object_get(jwk, "x")),
                        "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU");
    assert_string_equal(json_string_value(json_object_get(jwk, "y")),
                        "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
    json_decref(jwk);
    EVP_PKEY_free(key);
}

static void test_sealed_keys(void **state)
{
    (void)state;
    char dir[] = "/tmp/jose_test.XXXXXX";
    assert_non_null(mkdtemp(dir));
    rp_error_t err;
    assert_int_equal(idcrypt_init(dir, &err), 0);
    for (int a = 0; a < JOSE_ALG_COUNT; a++) {
        EVP_PKEY *key = jose_keygen((jose_alg_t)a);
        char *sealed = oidc_key_seal("kid-a", key);
        assert_non_null(sealed);
        EVP_PKEY *back = oidc_key_open("kid-a", sealed);
        assert_non_null(back);
        assert_true(jose_key_fits(back, (jose_alg_t)a));
        char *jws = sign_claims(back, (jose_alg_t)a);
        assert_true(verifies(key, jws)); /* the same key came back */
        assert_null(oidc_key_open("kid-b", sealed));
        free(jws);
        free(sealed);
        EVP_PKEY_free(back);
        EVP_PKEY_free(key);
    }
    idcrypt_close();
    char path[64];
    snprintf(path, sizeof(path), "%s/identity.key", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rs256),      cmocka_unit_test(test_es256),
        cmocka_unit_test(test_sm2sm3),     cmocka_unit_test(test_wrong_algorithm_key),
        cmocka_unit_test(test_malformed),  cmocka_unit_test(test_jwk),
        cmocka_unit_test(test_half_hash),  cmocka_unit_test(test_sealed_keys),
        cmocka_unit_test(test_rfc7515_a3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
