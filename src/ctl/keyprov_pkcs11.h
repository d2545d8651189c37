/*
 * keyprov_pkcs11.h — the PKCS#11 master key provider (keyprov_pkcs11.c;
 * docs/CRYPTO.md "Master key providers"): the master key versions are
 * non-extractable AES-256 keys in a token, wrap and unwrap happen inside
 * it (CKM_AES_GCM).
 */
#ifndef RAMPART_CTL_KEYPROV_PKCS11_H
#define RAMPART_CTL_KEYPROV_PKCS11_H

#include "keyprov.h"

typedef struct {
    const char *module;    /* the PKCS#11 module (pkcs11_module) */
    const char *token;     /* the token's label (pkcs11_token) */
    const char *pin_file;  /* the user PIN's file, mode 0600 (pkcs11_pin_file) */
    const char *key_label; /* the master keys' CKA_LABEL (pkcs11_key_label) */
} keyprov_pkcs11_config_t;

/* Loads the module, logs in to the token and finds the master keys;
 * creates version 1 when there is none and may_create (the store holds no
 * data key yet). NULL with err on failure: a wrong PIN says so. */
keyprov_t *keyprov_pkcs11_open(const keyprov_pkcs11_config_t *cfg, int may_create, rp_error_t *err);

#endif
