/*
 * jose.h — the JOSE rampartd's OpenID Connect provider needs, written on
 * OpenSSL 3 and jansson: JWS compact serialisation (RFC 7515 §7.1) signed
 * and verified with RS256 (RSASSA-PKCS1-v1_5 with SHA-256) and ES256
 * (ECDSA P-256 with SHA-256, signature R || S, RFC 7518 §3.4), plus
 * SM2SM3 — SM2 signatures with SM3 (GB/T 32918, GB/T 32905, the default
 * distinguishing identifier 1234567812345678 of GB/T 35276), signature
 * R || S like ES256. SM2SM3 is not a registered JOSE algorithm: it is
 * Rampart's name for relying parties that support SM2 (docs/IDENTITY.md).
 * Public keys export as JWKs (RFC 7517, RFC 7518 §6); an SM2 key is
 * {"kty": "EC", "crv": "SM2", x, y}.
 *
 * Parsing is strict: exactly three base64url (no padding) parts, a JSON
 * object header and payload without duplicate members, a header with a
 * known "alg" (never "none"), no "crit".
 */
#ifndef RAMPART_CTL_JOSE_H
#define RAMPART_CTL_JOSE_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>

typedef enum { JOSE_RS256, JOSE_ES256, JOSE_SM2SM3, JOSE_ALG_COUNT } jose_alg_t;

#define JOSE_MAX_TOKEN 16384 /* longest JWS accepted for parsing */

/* "RS256", "ES256", "SM2SM3". */
const char *jose_alg_name(jose_alg_t alg);
/* The algorithm named, or -1. */
int jose_alg_parse(const char *name);

/* A new key for alg (RSA 2048, P-256, SM2); NULL on failure. */
EVP_PKEY *jose_keygen(jose_alg_t alg);
/* 1 when key is usable with alg (type, curve, RSA of 2048 bits or more). */
int jose_key_fits(const EVP_PKEY *key, jose_alg_t alg);

/* Signs claims as a compact JWS with header {"alg", "typ": "JWT", "kid"};
 * a malloc'd string or NULL. */
char *jose_sign(EVP_PKEY *key, jose_alg_t alg, const char *kid, const json_t *claims);

typedef struct {
    json_t *header, *payload; /* owned; jose_parsed_free */
    jose_alg_t alg;
    const char *kid;        /* in header, or NULL */
    size_t signing_len;     /* bytes of the token before the second dot */
    unsigned char sig[512]; /* the decoded signature */
    size_t sig_len;
} jose_parsed_t;

/* Parses a compact JWS of len bytes; 0, or -1 (nothing to free). */
int jose_parse(const char *jws, size_t len, jose_parsed_t *out);
void jose_parsed_free(jose_parsed_t *p);
/* 1 when p's signature over jws verifies with key (which must fit p->alg). */
int jose_verify(EVP_PKEY *key, const char *jws, const jose_parsed_t *p);

/* The public JWK of key: {kty, crv?|n, e, x, y, kid, use: "sig", alg}. */
json_t *jose_jwk(const EVP_PKEY *key, jose_alg_t alg, const char *kid);

/* OIDC Core §3.1.3.6 at_hash / c_hash: base64url of the left half of the
 * hash (SHA-256; SM3 for SM2SM3) of value. out: at least 44 bytes. */
int jose_half_hash(jose_alg_t alg, const char *value, char out[44]);

#endif
