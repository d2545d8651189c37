/*
 * webauthn_authdata.h — authenticator data (WebAuthn Level 2 §6.1), the
 * bytes an authenticator signs:
 *
 *   rpIdHash (32) | flags (1) | signCount (4, big-endian)
 *   [attested credential data, when AT: aaguid (16) | credentialIdLength (2)
 *    | credentialId | credentialPublicKey (COSE_Key, CBOR)]
 *   [extensions, when ED: one CBOR map]
 *
 * The parse is exact: the public key is measured by decoding it, the
 * extensions must be one well-formed map, and nothing may follow. Flags
 * bits this code does not know (RFU) are ignored, as §6.1 asks.
 */
#ifndef RAMPART_CTL_WEBAUTHN_AUTHDATA_H
#define RAMPART_CTL_WEBAUTHN_AUTHDATA_H

#include <stddef.h>
#include <stdint.h>

#include "webauthn.h"

#define WEBAUTHN_FLAG_UP 0x01 /* user present */
#define WEBAUTHN_FLAG_UV 0x04 /* user verified */
#define WEBAUTHN_FLAG_BE 0x08 /* backup eligible (Level 3) */
#define WEBAUTHN_FLAG_BS 0x10 /* backed up (Level 3) */
#define WEBAUTHN_FLAG_AT 0x40 /* attested credential data included */
#define WEBAUTHN_FLAG_ED 0x80 /* extension data included */

#define WEBAUTHN_RP_ID_HASH_LEN   32
#define WEBAUTHN_AAGUID_LEN       16
#define WEBAUTHN_AUTHDATA_MIN_LEN 37

typedef struct {
    const unsigned char *rp_id_hash; /* WEBAUTHN_RP_ID_HASH_LEN bytes */
    uint8_t flags;
    uint32_t sign_count;
    /* when flags & WEBAUTHN_FLAG_AT */
    const unsigned char *aaguid; /* WEBAUTHN_AAGUID_LEN bytes */
    const unsigned char *credential_id;
    size_t credential_id_len;
    const unsigned char *public_key; /* the COSE_Key's CBOR, not yet decoded */
    size_t public_key_len;
    /* when flags & WEBAUTHN_FLAG_ED: the extensions map's CBOR */
    const unsigned char *extensions;
    size_t extensions_len;
} webauthn_authdata_t;

/* Parses in[0..len); every pointer in *out points into `in`. Returns 0, or
 * -1 with the reason in err. */
int webauthn_authdata_parse(const unsigned char *in, size_t len, webauthn_authdata_t *out,
                            char *err, size_t err_size);

/* The checks both ceremonies make on parsed authenticator data: rpIdHash
 * is SHA-256 of the ceremony's RP ID (WEBAUTHN_ERR_RP_ID), BS is not set
 * without BE (Level 3 §7.1 step 16, WEBAUTHN_ERR_MALFORMED), UP is set
 * (WEBAUTHN_ERR_USER_PRESENCE), UV is set when required
 * (WEBAUTHN_ERR_USER_VERIFICATION). */
webauthn_result_t webauthn_authdata_check(const webauthn_authdata_t *ad,
                                          const webauthn_ceremony_t *ceremony, char *err,
                                          size_t err_size);

#endif
