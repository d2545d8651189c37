/*
 * jose.c — JWS and JWK on OpenSSL 3 (see jose.h).
 */
#include "jose.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "secret.h"

#define EC_COORD 32 /* P-256 and SM2 coordinates, bytes */

/* GB/T 35276 §5.4.2: the default signer identity for SM2 */
static const char sm2_default_id[] = "1234567812345678";

static const char *const alg_names[JOSE_ALG_COUNT] = {"RS256", "ES256", "SM2SM3"};

const char *jose_alg_name(jose_alg_t alg)
{
    return alg < JOSE_ALG_COUNT ? alg_names[alg] : "?";
}

int jose_alg_parse(const char *name)
{
    for (int i = 0; name && i < JOSE_ALG_COUNT; i++)
        if (strcmp(name, alg_names[i]) == 0)
            return i;
    return -1;
}

EVP_PKEY *jose_keygen(jose_alg_t alg)
{
    switch (alg) {
    case JOSE_RS256:
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    case JOSE_ES256:
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    case JOSE_SM2SM3:
        return EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    default:
        return NULL;
    }
}

static int ec_curve_is(const EVP_PKEY *key, const char *want)
{
    char group[64];
    size_t len = 0;
    return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                          &len) == 1 &&
           strcmp(group, want) == 0;
}

int jose_key_fits(const EVP_PKEY *key, jose_alg_t alg)
{
    if (!key)
        return 0;
    switch (alg) {
    case JOSE_RS256:
        return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= 2048;
    case JOSE_ES256:
        return EVP_PKEY_is_a(key, "EC") && ec_curve_is(key, "prime256v1");
    case JOSE_SM2SM3:
        return EVP_PKEY_is_a(key, "SM2") && ec_curve_is(key, "SM2");
    default:
        return 0;
    }
}

/* A digest-sign or digest-verify context for alg (SM2: with its identity). */
static EVP_MD_CTX *md_ctx(EVP_PKEY *key, jose_alg_t alg, int sign, EVP_PKEY_CTX **own)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    *own = NULL;
    if (!md)
        return NULL;
    if (alg == JOSE_SM2SM3) {
        pctx = EVP_PKEY_CTX_new(key, NULL);
        if (!pctx || EVP_PKEY_CTX_set1_id(pctx, sm2_default_id, strlen(sm2_default_id)) <= 0) {
            EVP_PKEY_CTX_free(pctx);
            EVP_MD_CTX_free(md);
            return NULL;
        }
        EVP_MD_CTX_set_pkey_ctx(md, pctx);
    }
    const EVP_MD *digest = alg == JOSE_SM2SM3 ? EVP_sm3() : EVP_sha256();
    int ok = sign ? EVP_DigestSignInit(md, NULL, digest, NULL, key)
                  : EVP_DigestVerifyInit(md, NULL, digest, NULL, key);
    if (ok != 1) {
        EVP_MD_CTX_free(md);
        EVP_PKEY_CTX_free(pctx);
        return NULL;
    }
    *own = pctx; /* a context set with EVP_MD_CTX_set_pkey_ctx stays the caller's */
    return md;
}

static void md_ctx_free(EVP_MD_CTX *md, EVP_PKEY_CTX *own)
{
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(own);
}

/* DER ECDSA-Sig-Value to R || S (32 bytes each); 0 or -1. */
static int der_to_raw(const unsigned char *der, size_t len, unsigned char out[2 * EC_COORD])
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (!sig)
        return -1;
    int ok = BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, EC_COORD) == EC_COORD &&
             BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + EC_COORD, EC_COORD) == EC_COORD;
    ECDSA_SIG_free(sig);
    return ok ? 0 : -1;
}

/* R || S to DER; the DER length (malloc'd *der) or -1. */
static int raw_to_der(const unsigned char *raw, size_t len, unsigned char **der)
{
    if (len != 2 * EC_COORD)
        return -1;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, EC_COORD, NULL), *s = BN_bin2bn(raw + EC_COORD, EC_COORD, NULL);
    if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
        ECDSA_SIG_free(sig);
        BN_free(r);
        BN_free(s);
        return -1;
    }
    *der = NULL;
    int n = i2d_ECDSA_SIG(sig, der);
    ECDSA_SIG_free(sig);
    return n > 0 ? n : -1;
}

static char *b64url_dup(const unsigned char *in, size_t n)
{
    char *out = malloc(n / 3 * 4 + 5);
    if (out)
        secret_base64url(in, n, out);
    return out;
}

char *jose_sign(EVP_PKEY *key, jose_alg_t alg, const char *kid, const json_t *claims)
{
    if (!jose_key_fits(key, alg))
        return NULL;
    json_t *header = json_pack("{s:s, s:s, s:s}", "alg", jose_alg_name(alg), "typ", "JWT", "kid",
                               kid ? kid : "");
    char *htext = json_dumps(header, JSON_COMPACT), *ptext = json_dumps(claims, JSON_COMPACT);
    json_decref(header);
    char *h64 = htext ? b64url_dup((unsigned char *)htext, strlen(htext)) : NULL;
    char *p64 = ptext ? b64url_dup((unsigned char *)ptext, strlen(ptext)) : NULL;
    free(htext);
    free(ptext);
    char *out = NULL, *input = NULL;
    EVP_MD_CTX *md = NULL;
    EVP_PKEY_CTX *own = NULL;
    unsigned char sig[1024];
    size_t sig_len = sizeof(sig);
    if (!h64 || !p64)
        goto done;
    size_t ilen = strlen(h64) + 1 + strlen(p64);
    input = malloc(ilen + 1);
    if (!input)
        goto done;
    memcpy(input, h64, strlen(h64));
    input[strlen(h64)] = '.';
    memcpy(input + strlen(h64) + 1, p64, strlen(p64) + 1);
    md = md_ctx(key, alg, 1, &own);
    if (!md || EVP_DigestSign(md, sig, &sig_len, (unsigned char *)input, ilen) != 1)
        goto done;
    unsigned char raw[2 * EC_COORD];
    const unsigned char *final = sig;
    size_t final_len = sig_len;
    if (alg != JOSE_RS256) {
        if (der_to_raw(sig, sig_len, raw))
            goto done;
        final = raw;
        final_len = sizeof(raw);
    }
    out = malloc(ilen + 2 + final_len / 3 * 4 + 5);
    if (!out)
        goto done;
    memcpy(out, input, ilen);
    out[ilen] = '.';
    secret_base64url(final, final_len, out + ilen + 1);
done:
    md_ctx_free(md, own);
    free(h64);
    free(p64);
    free(input);
    return out;
}

static json_t *decode_json_part(const char *in, size_t len)
{
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    if (len == 0 || base64url_decode_alloc(in, len, &raw, &raw_len))
        return NULL;
    json_t *v = json_loadb((const char *)raw, raw_len, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    if (v && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

int jose_parse(const char *jws, size_t len, jose_parsed_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!jws || len == 0 || len > JOSE_MAX_TOKEN || memchr(jws, '\0', len))
        return -1;
    const char *d1 = memchr(jws, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jws)) : NULL;
    if (!d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - jws)))
        return -1;
    out->header = decode_json_part(jws, (size_t)(d1 - jws));
    out->payload = out->header ? decode_json_part(d1 + 1, (size_t)(d2 - d1 - 1)) : NULL;
    size_t slen = len - (size_t)(d2 + 1 - jws);
    long n = out->payload ? base64url_decode(d2 + 1, slen, out->sig, sizeof(out->sig)) : -1;
    int alg = jose_alg_parse(json_string_value(json_object_get(out->header, "alg")));
    json_t *kid = json_object_get(out->header, "kid");
    if (n <= 0 || alg < 0 || json_object_get(out->header, "crit") ||
        (kid && !json_is_string(kid))) {
        jose_parsed_free(out);
        return -1;
    }
    out->alg = (jose_alg_t)alg;
    out->kid = kid ? json_string_value(kid) : NULL;
    out->sig_len = (size_t)n;
    out->signing_len = (size_t)(d2 - jws);
    return 0;
}

void jose_parsed_free(jose_parsed_t *p)
{
    json_decref(p->header);
    json_decref(p->payload);
    memset(p, 0, sizeof(*p));
}

int jose_verify(EVP_PKEY *key, const char *jws, const jose_parsed_t *p)
{
    if (!jose_key_fits(key, p->alg))
        return 0;
    unsigned char *der = NULL;
    const unsigned char *sig = p->sig;
    size_t sig_len = p->sig_len;
    if (p->alg != JOSE_RS256) {
        int n = raw_to_der(p->sig, p->sig_len, &der);
        if (n < 0)
            return 0;
        sig = der;
        sig_len = (size_t)n;
    }
    EVP_PKEY_CTX *own = NULL;
    EVP_MD_CTX *md = md_ctx(key, p->alg, 0, &own);
    int ok =
        md && EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)jws, p->signing_len) == 1;
    md_ctx_free(md, own);
    OPENSSL_free(der);
    return ok;
}

static json_t *bn_param_b64(const EVP_PKEY *key, const char *name)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1)
        return NULL;
    int n = BN_num_bytes(bn);
    unsigned char *buf = malloc((size_t)n + 1);
    char *text = buf ? malloc((size_t)n / 3 * 4 + 5) : NULL;
    json_t *v = NULL;
    if (text) {
        BN_bn2bin(bn, buf);
        secret_base64url(buf, (size_t)n, text);
        v = json_string(text);
    }
    free(buf);
    free(text);
    BN_free(bn);
    return v;
}

json_t *jose_jwk(const EVP_PKEY *key, jose_alg_t alg, const char *kid)
{
    if (!jose_key_fits(key, alg))
        return NULL;
    json_t *jwk = json_object();
    if (alg == JOSE_RS256) {
        json_object_set_new(jwk, "kty", json_string("RSA"));
        json_object_set_new(jwk, "n", bn_param_b64(key, OSSL_PKEY_PARAM_RSA_N));
        json_object_set_new(jwk, "e", bn_param_b64(key, OSSL_PKEY_PARAM_RSA_E));
    } else {
        unsigned char point[1 + 2 * EC_COORD];
        size_t len = 0;
        if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                            sizeof(point), &len) != 1 ||
            len != sizeof(point) || point[0] != 0x04) {
            json_decref(jwk);
            return NULL;
        }
        char x[48], y[48];
        secret_base64url(point + 1, EC_COORD, x);
        secret_base64url(point + 1 + EC_COORD, EC_COORD, y);
        json_object_set_new(jwk, "kty", json_string("EC"));
        json_object_set_new(jwk, "crv", json_string(alg == JOSE_ES256 ? "P-256" : "SM2"));
        json_object_set_new(jwk, "x", json_string(x));
        json_object_set_new(jwk, "y", json_string(y));
    }
    json_object_set_new(jwk, "kid", json_string(kid ? kid : ""));
    json_object_set_new(jwk, "use", json_string("sig"));
    json_object_set_new(jwk, "alg", json_string(jose_alg_name(alg)));
    return jwk;
}

int jose_half_hash(jose_alg_t alg, const char *value, char out[44])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(value, strlen(value), md, &len, alg == JOSE_SM2SM3 ? EVP_sm3() : EVP_sha256(),
                   NULL) != 1)
        return -1;
    secret_base64url(md, len / 2, out);
    return 0;
}
