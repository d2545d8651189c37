/*
 * idcrypt.h — sealing the identity service's secrets at rest (session and
 * upstream keys, TOTP secrets): AES-256-GCM (NIST SP 800-38D, librampart's
 * rp_aead) under a key-encryption key kept in DATA_DIR/identity.key (32
 * random bytes, mode 0600, made on first start). A database copy without
 * that file gives no usable secret. The purpose ("session-key:<kid>",
 * "totp:<uid>") is the AAD, so a sealed value cannot be moved to another
 * row and opened there.
 *
 * Sealed text: base64url-nopad(nonce 12 | ciphertext | tag 16).
 */
#ifndef RAMPART_CTL_IDCRYPT_H
#define RAMPART_CTL_IDCRYPT_H

#include <stddef.h>

#include "rampart/status.h"

#define IDCRYPT_MAX_PLAIN  64
#define IDCRYPT_SEALED_MAX 160

/* Loads (or creates) the key-encryption key; 0, or -1 with err. */
int idcrypt_init(const char *data_dir, rp_error_t *err);
void idcrypt_close(void);

/* 0, or -1 (no key, plain too long). */
int idcrypt_seal(const char *purpose, const unsigned char *plain, size_t len,
                 char out[IDCRYPT_SEALED_MAX]);
/* The plain length, or -1 when the text was not sealed by this key for
 * this purpose. */
int idcrypt_open(const char *purpose, const char *sealed, unsigned char out[IDCRYPT_MAX_PLAIN]);

/* base64url-nopad decoding (RFC 4648 section 5): the length, or -1. */
int idcrypt_b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap);

#endif
