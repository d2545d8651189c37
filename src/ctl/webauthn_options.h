/*
 * webauthn_options.h — what the browser needs to start a ceremony: a fresh
 * challenge, and the options for navigator.credentials.create() / get() in
 * their JSON form (WebAuthn Level 3 §5.1.9 and §5.1.10,
 * PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON: binary
 * fields as base64url, which the page hands to
 * PublicKeyCredential.parseCreationOptionsFromJSON or decodes itself).
 *
 * The challenge must be kept by the caller with the session, used for one
 * ceremony only, and given back in webauthn_ceremony_t.
 */
#ifndef RAMPART_CTL_WEBAUTHN_OPTIONS_H
#define RAMPART_CTL_WEBAUTHN_OPTIONS_H

#include <jansson.h>
#include <stddef.h>

#define WEBAUTHN_CHALLENGE_LEN 32

/* WEBAUTHN_CHALLENGE_LEN random bytes from the CSPRNG; 0 or -1. */
int webauthn_challenge(unsigned char out[WEBAUTHN_CHALLENGE_LEN]);

/* A credential the browser should exclude (registration) or may use
 * (authentication). */
typedef struct {
    const unsigned char *id;
    size_t id_len;
} webauthn_credential_ref_t;

typedef struct {
    const char *rp_id;                /* required */
    const char *rp_name;              /* required, shown by the browser */
    const unsigned char *user_handle; /* required: 1 to 64 opaque bytes, never the user's name */
    size_t user_handle_len;
    const char *user_name;         /* required */
    const char *user_display_name; /* required */
    const unsigned char *challenge;
    size_t challenge_len;
    const webauthn_credential_ref_t *exclude; /* the user's existing credentials */
    size_t n_exclude;
    const char *user_verification; /* "required", "preferred" (NULL), "discouraged" */
    const char *resident_key;      /* "required", "preferred", "discouraged" (NULL) */
    unsigned timeout_ms;           /* 0: 300000 */
} webauthn_creation_request_t;

typedef struct {
    const char *rp_id;
    const unsigned char *challenge;
    size_t challenge_len;
    const webauthn_credential_ref_t *allow; /* empty: a discoverable credential (passkey) */
    size_t n_allow;
    const char *user_verification; /* as above */
    unsigned timeout_ms;
} webauthn_request_request_t;

/* New JSON objects (json_decref them), or NULL when a required field is
 * missing or a value is not one of the allowed ones. The creation options
 * ask for ES256 then RS256, and for attestation "none". */
json_t *webauthn_creation_options(const webauthn_creation_request_t *req);
json_t *webauthn_request_options(const webauthn_request_request_t *req);

#endif
