/*
 * tls_baseline.c — the gateway's own TLS settings judged for the
 * configuration baseline (include/rampart/baseline.h), from the SSL_CTX
 * the host built. The thresholds follow Mozilla's "intermediate" server
 * configuration and RFC 8996 (TLS 1.0 and 1.1 deprecated).
 */
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "rampart/baseline.h"

#define EXPIRY_WARNING_DAYS 30

/* Would the context negotiate this version (range, SSL_OP_NO_*, and the
 * security level: OpenSSL 3 refuses TLS < 1.2 at level 1 and above)? */
static bool version_enabled(SSL_CTX *ctx, int version, unsigned long no_flag)
{
    long min = SSL_CTX_get_min_proto_version(ctx), max = SSL_CTX_get_max_proto_version(ctx);
    if ((min && min > version) || (max && max < version))
        return false;
    if (SSL_CTX_get_options(ctx) & no_flag)
        return false;
    return SSL_CTX_get_security_level(ctx) < 1;
}

static unsigned judge_ciphers(SSL_CTX *ctx)
{
    unsigned found = 0;
    SSL *ssl = SSL_new(ctx);
    if (!ssl)
        return 0;
    /* the ciphers offered, after protocol versions and the security level */
    STACK_OF(SSL_CIPHER) *ciphers = SSL_get1_supported_ciphers(ssl);
    for (int i = 0; ciphers && i < sk_SSL_CIPHER_num(ciphers); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(ciphers, i);
        int enc = SSL_CIPHER_get_cipher_nid(c), kx = SSL_CIPHER_get_kx_nid(c);
        if (SSL_CIPHER_get_bits(c, NULL) < 128 || enc == NID_undef || enc == NID_rc4 ||
            enc == NID_des_cbc || enc == NID_des_ede3_cbc ||
            SSL_CIPHER_get_auth_nid(c) == NID_auth_null || SSL_CIPHER_get_digest_nid(c) == NID_md5)
            found |= RP_TLS_WEAK_CIPHER;
        if (kx == NID_kx_rsa || kx == NID_kx_psk)
            found |= RP_TLS_NO_FORWARD_SECRECY;
    }
    sk_SSL_CIPHER_free(ciphers);
    SSL_free(ssl);
    return found;
}

static unsigned judge_certificate(X509 *cert, time_t now)
{
    unsigned found = 0;
    int days = 0, secs = 0;
    if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert))) {
        /* ASN1_TIME_diff measures from the current time; shift to now */
        long left = (long)days * 86400 + secs - (long)(now - time(NULL));
        if (left <= 0)
            found |= RP_TLS_CERT_EXPIRED;
        else if (left < EXPIRY_WARNING_DAYS * 86400L)
            found |= RP_TLS_CERT_EXPIRING;
    }
    if (X509_get_extension_flags(cert) & EXFLAG_SS)
        found |= RP_TLS_SELF_SIGNED;
    EVP_PKEY *key = X509_get0_pubkey(cert);
    if (key) {
        int type = EVP_PKEY_get_base_id(key), bits = EVP_PKEY_get_bits(key);
        if (type == EVP_PKEY_EC ? bits < 256
                                : (type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS ||
                                   type == EVP_PKEY_DSA || type == EVP_PKEY_DH) &&
                                      bits < 2048)
            found |= RP_TLS_WEAK_KEY;
    }
    return found;
}

unsigned rp_tls_baseline_assess(SSL_CTX *ctx, time_t now)
{
    if (!ctx)
        return 0;
    unsigned found = 0;
    if (version_enabled(ctx, TLS1_VERSION, SSL_OP_NO_TLSv1) ||
        version_enabled(ctx, TLS1_1_VERSION, SSL_OP_NO_TLSv1_1))
        found |= RP_TLS_OLD_PROTOCOL;
    found |= judge_ciphers(ctx);
    /* every certificate (an RSA and an ECDSA one may sit side by side) */
    for (int rc = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST); rc == 1;
         rc = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_NEXT)) {
        X509 *cert = SSL_CTX_get0_certificate(ctx);
        if (cert)
            found |= judge_certificate(cert, now);
    }
    return found;
}
