/*
 * webauthn_cose.h — credential public keys: COSE_Key (RFC 9052 §7,
 * RFC 9053 §2.1 and §7.1, RFC 8230 for RSA) to an OpenSSL 3 EVP_PKEY, and
 * the signatures WebAuthn makes with them.
 *
 * Two algorithms, the ones WebAuthn Level 2 says every relying party should
 * support:
 *   ES256 (-7):   kty EC2 (2), crv P-256 (1), x and y of 32 bytes each; the
 *                 point must lie on the curve. Signatures are ECDSA over
 *                 SHA-256, DER-encoded (WebAuthn §6.5.5), strictly.
 *   RS256 (-257): kty RSA (3), n of 2048 to 8192 bits, e odd and at least 3.
 *                 Signatures are RSASSA-PKCS1-v1_5 with SHA-256.
 * The key's "alg" (label 3) is required and must match its type; any other
 * label is ignored. The CBOR must be in CTAP2 canonical form (§6.5.1.1).
 */
#ifndef RAMPART_CTL_WEBAUTHN_COSE_H
#define RAMPART_CTL_WEBAUTHN_COSE_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "webauthn.h"

#define COSE_ALG_ES256 (-7)
#define COSE_ALG_RS256 (-257)

#define WEBAUTHN_RSA_MIN_BITS 2048
#define WEBAUTHN_RSA_MAX_BITS 8192

/* The public key in cbor[0..len) (exactly one COSE_Key, nothing after it):
 * a new key in *key (EVP_PKEY_free it) and its algorithm in *alg. Refusals:
 * WEBAUTHN_ERR_ALGORITHM (a key type or algorithm other than the two),
 * WEBAUTHN_ERR_PUBLIC_KEY (malformed or invalid key). */
webauthn_result_t webauthn_cose_key_decode(const unsigned char *cbor, size_t len, EVP_PKEY **key,
                                           int64_t *alg, char *err, size_t err_size);

/* 1 when sig is alg's signature by key over part1 || part2 (either part may
 * be empty); 0 otherwise, for a wrong signature, a malformed one, or an
 * algorithm that does not fit the key. */
int webauthn_signature_verify(EVP_PKEY *key, int64_t alg, const unsigned char *part1,
                              size_t part1_len, const unsigned char *part2, size_t part2_len,
                              const unsigned char *sig, size_t sig_len);

/* 1 when key is of the kind alg signs with (EC P-256 for ES256, RSA for
 * RS256). */
int webauthn_alg_fits_key(EVP_PKEY *key, int64_t alg);

#endif
