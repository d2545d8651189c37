/*
 * tls_baseline_test.c — the gateway's own TLS settings in the
 * configuration baseline: SSL_CTXs built here (keys and certificates made
 * with OpenSSL's API: RSA 1024 and 2048, P-256, self-signed or issued by
 * a test CA, expired, expiring, valid) judged by rp_tls_baseline_assess,
 * and the findings scored with a response's (rp_tx_baseline_tls).
 */
#include "test_util.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "rampart/rampart.h"

static EVP_PKEY *ca_key;
static X509 *ca_cert;

/* A certificate for key valid from now-1d for days (negative: expired),
 * signed by issuer (NULL: self-signed). */
static X509 *make_cert(EVP_PKEY *key, long days, X509 *issuer, EVP_PKEY *issuer_key, const char *cn)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(uintptr_t)x & 0x7fffffff);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L * (days < 0 ? -days + 2 : 1));
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * days);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509_set_pubkey(x, key);
    assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return x;
}

static int setup(void **state)
{
    (void)state;
    ca_key = EVP_EC_gen("P-256");
    ca_cert = make_cert(ca_key, 3650, NULL, NULL, "Rampart Test CA");
    return ca_key && ca_cert ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    X509_free(ca_cert);
    EVP_PKEY_free(ca_key);
    return 0;
}

/* A server context as nginx would build it: the key's certificate,
 * protocols from min to max (0: library defaults), a cipher list. */
static SSL_CTX *server_ctx(EVP_PKEY *key, long days, bool self_signed, int min, int max,
                           const char *ciphers)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    /* the cipher list first: its @SECLEVEL decides which keys are accepted */
    if (ciphers)
        assert_int_equal(SSL_CTX_set_cipher_list(ctx, ciphers), 1);
    SSL_CTX_set_min_proto_version(ctx, min);
    SSL_CTX_set_max_proto_version(ctx, max);
    X509 *cert = self_signed ? make_cert(key, days, NULL, NULL, "gw.test")
                             : make_cert(key, days, ca_cert, ca_key, "gw.test");
    assert_int_equal(SSL_CTX_use_certificate(ctx, cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
    X509_free(cert);
    return ctx;
}

static void test_good(void **state)
{
    (void)state;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    SSL_CTX *ctx = server_ctx(key, 90, false, TLS1_2_VERSION, 0,
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305");
    assert_int_equal(rp_tls_baseline_assess(ctx, time(NULL)), 0);
    /* the same in 70 days: expiring; in 100: expired */
    assert_int_equal(rp_tls_baseline_assess(ctx, time(NULL) + 70 * 86400), RP_TLS_CERT_EXPIRING);
    assert_int_equal(rp_tls_baseline_assess(ctx, time(NULL) + 100 * 86400), RP_TLS_CERT_EXPIRED);
    SSL_CTX_free(ctx);
    EVP_PKEY_free(key);
}

static void test_weak(void **state)
{
    (void)state;
    EVP_PKEY *key = EVP_RSA_gen(1024);
    /* level 0 lets TLS 1.0 and the weak suites through, as such a config would */
    SSL_CTX *ctx = server_ctx(key, 10, true, TLS1_VERSION, 0, "ALL:@SECLEVEL=0");
    unsigned f = rp_tls_baseline_assess(ctx, time(NULL));
    assert_int_equal(f, RP_TLS_OLD_PROTOCOL | RP_TLS_WEAK_CIPHER | RP_TLS_NO_FORWARD_SECRECY |
                            RP_TLS_WEAK_KEY | RP_TLS_CERT_EXPIRING | RP_TLS_SELF_SIGNED);
    SSL_CTX_free(ctx);
    EVP_PKEY_free(key);

    /* TLS 1.0 allowed by the range but refused by the security level */
    key = EVP_RSA_gen(2048);
    ctx = server_ctx(key, -5, false, TLS1_VERSION, 0, "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=2");
    assert_int_equal(rp_tls_baseline_assess(ctx, time(NULL)), RP_TLS_CERT_EXPIRED);
    SSL_CTX_free(ctx);
    EVP_PKEY_free(key);
}

static void test_scored(void **state)
{
    (void)state;
    rp_error_t err;
    rp_policy_t *p = rp_policy_load_string(STR_AND_LEN("baseline detect\n"), "t.policy", &err);
    assert_non_null(p);
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_connection(tx, STR_AND_LEN("127.0.0.1"), 1, STR_AND_LEN("127.0.0.1"), 443);
    rp_tx_request_line(tx, STR_AND_LEN("GET"), STR_AND_LEN("/api"), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_headers_done(tx);
    rp_tx_request_end(tx);
    rp_tx_baseline_tls(tx, RP_TLS_OLD_PROTOCOL | RP_TLS_SELF_SIGNED);
    rp_tx_response_status(tx, 200);
    rp_tx_response_header(tx, STR_AND_LEN("Content-Type"), STR_AND_LEN("application/json"));
    rp_tx_response_header(tx, STR_AND_LEN("Strict-Transport-Security"), STR_AND_LEN("max-age=1"));
    rp_tx_response_header(tx, STR_AND_LEN("X-Content-Type-Options"), STR_AND_LEN("nosniff"));
    rp_tx_response_headers_done(tx);
    assert_int_equal(rp_tx_baseline_score(tx), 100 - 20 - 15);
    const rp_verdict_t *v = rp_tx_verdict(tx);
    bool old = false, self = false, score = false;
    for (size_t i = 0; i < v->nmatches; i++) {
        const rp_match_t *m = &v->matches[i];
        old |= strcmp(m->excerpt, "tls-old-protocol") == 0 && strstr(m->detail, "TLSv1.2");
        self |=
            strcmp(m->excerpt, "tls-self-signed") == 0 && strcmp(m->target, "tls:certificate") == 0;
        score |= strstr(m->detail, "baseline score 65/100: tls-old-protocol tls-self-signed") != 0;
    }
    assert_true(old && self && score);
    rp_tx_free(tx);
    rp_policy_unref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_weak),
        cmocka_unit_test(test_scored),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
