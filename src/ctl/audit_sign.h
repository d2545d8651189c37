/*
 * audit_sign.h — the SM2 key pair that seals the audit log (GB/T 32918,
 * OpenSSL 3 EVP), and SM2-with-SM3 signatures with the distinguishing ID
 * "1234567812345678" (GB/T 32918.2 / GM/T 0009 default, the ID RFC 8998
 * uses for TLS).
 *
 * rampartd creates the pair at first run in DATA_DIR: audit-sm2.key
 * (PKCS #8 PEM, mode 0600, never logged, never served) and audit-sm2.pub
 * (SubjectPublicKeyInfo PEM), which GET /api/v1/audit/public-key serves
 * so seals can be verified elsewhere, e.g.
 *     openssl dgst -sm3 -verify audit-sm2.pub -sigopt distid:1234567812345678 \
 *         -signature seal.sig seal.txt
 */
#ifndef RAMPART_CTL_AUDIT_SIGN_H
#define RAMPART_CTL_AUDIT_SIGN_H

#include <stddef.h>

#include "audit_record.h"
#include "rampart/status.h"
#include "strbuf.h"

#define AUDIT_SM2_ID      "1234567812345678"
#define AUDIT_KEY_FILE    "audit-sm2.key"
#define AUDIT_PUBKEY_FILE "audit-sm2.pub"

typedef struct audit_key audit_key_t;

/* Loads DIR/audit-sm2.key, or creates the pair when neither file exists.
 * NULL with err on failure. */
audit_key_t *audit_key_load_or_create(const char *dir, rp_error_t *err);

/* A public key from PEM text (verification only). NULL when not an SM2
 * public key. */
audit_key_t *audit_key_from_public_pem(const char *pem, size_t len);
audit_key_t *audit_key_from_public_file(const char *path, rp_error_t *err);

void audit_key_free(audit_key_t *k);

/* The public key as PEM (SubjectPublicKeyInfo). 0 or -1. */
int audit_key_public_pem(const audit_key_t *k, strbuf_t *out);

/* SM3 of the public key's DER SubjectPublicKeyInfo: names the key in seals. */
void audit_key_id(const audit_key_t *k, unsigned char out[AUDIT_HASH_LEN]);

/* SM2 signature (DER) over msg; *sig_len in: capacity, out: length. 0 or -1. */
int audit_sign(const audit_key_t *k, const void *msg, size_t len, unsigned char *sig,
               size_t *sig_len);

/* 1 when sig is a valid signature of msg by k, else 0. */
int audit_verify_signature(const audit_key_t *k, const void *msg, size_t len,
                           const unsigned char *sig, size_t sig_len);

#endif
