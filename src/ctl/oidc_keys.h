/*
 * oidc_keys.h — the OpenID Connect provider's ID token signing keys: one
 * current key per algorithm (RS256, ES256, SM2SM3), made on first need and
 * rotated every OIDC_KEY_ROTATE_S; a replaced key stays published in the
 * JWKS (and accepted for id_token_hint) for OIDC_KEY_KEEP_S, then is
 * deleted. In the store a key is sealed: its PKCS#8 DER is encrypted with
 * AES-256-GCM under a fresh 32-byte data key (AAD "oidc-key:<kid>"), and
 * the data key is sealed by idcrypt (AAD "oidc-dek:<kid>") under
 * DATA_DIR/identity.key. Keys never reach a log or an API but as public
 * JWKs.
 */
#ifndef RAMPART_CTL_OIDC_KEYS_H
#define RAMPART_CTL_OIDC_KEYS_H

#include <jansson.h>
#include <openssl/evp.h>

#include "ctl.h"
#include "jose.h"

#define OIDC_KEY_ROTATE_S (30 * 86400)
#define OIDC_KEY_KEEP_S   (2 * 86400)

/* Loads the keys (at most once a minute unless forced), making or
 * rotating what is due. STORE_OK or an error. */
int oidc_keys_refresh(ctl_t *ctl, int force);
/* The current key of alg (a new reference, EVP_PKEY_free it) and its kid. */
EVP_PKEY *oidc_keys_signer(jose_alg_t alg, char kid[24]);
/* A published key by kid (a new reference) and its algorithm; NULL when unknown. */
EVP_PKEY *oidc_keys_find(const char *kid, jose_alg_t *alg);
/* {"keys": [...]}: every published key. */
json_t *oidc_keys_jwks(void);
/* Drops the keys held in memory (shutdown, tests). */
void oidc_keys_clear(void);

/* Sealing, exposed for the unit tests: a malloc'd text, or NULL. */
char *oidc_key_seal(const char *kid, EVP_PKEY *key);
EVP_PKEY *oidc_key_open(const char *kid, const char *sealed);

#endif
