/*
 * webauthn_assertion.h — the authentication ceremony (WebAuthn Level 2
 * §7.2): the browser's answer to navigator.credentials.get() checked
 * against a credential registered before.
 *
 * Checked: the answer's credential id is the stored one (the caller looked
 * the credential up by it, or by the user handle); the user handle, when
 * both sides have one, is the stored one; clientDataJSON (type
 * webauthn.get, challenge, origin, crossOrigin, token binding); rpIdHash;
 * UP; UV when required; the signature by the stored key over
 * authenticatorData || SHA-256(clientDataJSON); the signature counter
 * (§6.1.1): when either counter is non-zero and the new one is not greater
 * than the stored one, the authenticator may have been cloned —
 * clone_warning is set, and the ceremony is refused when the policy says so.
 */
#ifndef RAMPART_CTL_WEBAUTHN_ASSERTION_H
#define RAMPART_CTL_WEBAUTHN_ASSERTION_H

#include "webauthn.h"

typedef struct {
    webauthn_ceremony_t ceremony;
    int refuse_cloned; /* a counter regression fails with WEBAUTHN_ERR_CLONED */
} webauthn_assertion_policy_t;

/* A credential as the caller stored it from webauthn_credential_t. */
typedef struct {
    const unsigned char *credential_id;
    size_t credential_id_len;
    const unsigned char *public_key; /* COSE_Key bytes */
    size_t public_key_len;
    uint32_t sign_count;
    const unsigned char *user_handle; /* optional */
    size_t user_handle_len;
} webauthn_stored_credential_t;

typedef struct {
    uint32_t sign_count; /* the new counter: store it */
    uint8_t flags;       /* as asserted: UP, UV, BE, BS */
    int user_verified;
    int clone_warning; /* the counter did not grow: report it (event, audit) */
} webauthn_assertion_result_t;

webauthn_result_t webauthn_assertion_verify(const webauthn_assertion_policy_t *policy,
                                            const webauthn_stored_credential_t *credential,
                                            const webauthn_response_t *response,
                                            webauthn_assertion_result_t *out, char *err,
                                            size_t err_size);

#endif
