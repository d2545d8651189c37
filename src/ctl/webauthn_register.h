/*
 * webauthn_register.h — the registration ceremony (WebAuthn Level 2 §7.1):
 * from the browser's answer to navigator.credentials.create() to the
 * credential rampartd stores.
 *
 * Checked, in the specification's order: clientDataJSON (type
 * webauthn.create, challenge, origin, crossOrigin, token binding); the
 * attestation object (CBOR map of fmt, attStmt, authData, nothing else);
 * rpIdHash = SHA-256(RP ID); UP set; UV set when the ceremony requires it;
 * attested credential data present, its id equal to the answer's rawId;
 * the credential key an accepted algorithm and a valid key; the
 * attestation statement (webauthn_attestation.h). Not done here, because it
 * needs the store: §7.1 step 22, refusing a credential id already
 * registered to another user — the caller checks it before storing.
 */
#ifndef RAMPART_CTL_WEBAUTHN_REGISTER_H
#define RAMPART_CTL_WEBAUTHN_REGISTER_H

#include <openssl/x509_vfy.h>

#include "webauthn.h"
#include "webauthn_attestation.h"
#include "webauthn_authdata.h"

typedef struct {
    webauthn_ceremony_t ceremony;
    const int64_t *algorithms; /* accepted COSE algorithms; NULL: ES256 and RS256 */
    size_t n_algorithms;
    X509_STORE *attestation_anchors; /* optional: trust anchors for packed x5c */
} webauthn_registration_policy_t;

/* What to store for a new credential. Owned buffers; webauthn_credential_clear. */
typedef struct {
    unsigned char *credential_id;
    size_t credential_id_len;
    unsigned char *public_key; /* the COSE_Key bytes, as the authenticator sent them */
    size_t public_key_len;
    int64_t algorithm; /* COSE_ALG_ES256 or COSE_ALG_RS256 */
    uint32_t sign_count;
    unsigned char aaguid[WEBAUTHN_AAGUID_LEN];
    uint8_t flags; /* UP, UV, BE, BS as registered */
    char fmt[16];  /* "none" or "packed" */
    webauthn_attestation_type_t attestation;
} webauthn_credential_t;

webauthn_result_t webauthn_registration_verify(const webauthn_registration_policy_t *policy,
                                               const webauthn_response_t *response,
                                               webauthn_credential_t *out, char *err,
                                               size_t err_size);

void webauthn_credential_clear(webauthn_credential_t *c);

#endif
