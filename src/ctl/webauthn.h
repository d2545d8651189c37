/*
 * webauthn.h — WebAuthn / passkeys for rampartd: what the relying party
 * (rampartd) checks in the two ceremonies of W3C Web Authentication
 * Level 2, registration (§7.1) and authentication (§7.2).
 *
 * The library does no I/O and keeps no state: the caller issues a challenge
 * (webauthn_options.h), remembers it with the session, hands the browser's
 * answer here together with what it stored, and stores what comes back (a
 * new credential, a new signature counter). Every function returns a
 * webauthn_result_t and writes a one-line reason into err (never a secret).
 *
 *   webauthn.h              result codes, the ceremony, the browser's answer
 *   webauthn_response.c     the answer's JSON (PublicKeyCredential, base64url)
 *   webauthn_client_data.c  clientDataJSON: type, challenge, origin, crossOrigin
 *   webauthn_authdata.c     authenticator data
 *   webauthn_cose.c         COSE keys to OpenSSL, signatures
 *   webauthn_attestation.c  attestation statements: none, packed
 *   webauthn_register.c     the registration ceremony
 *   webauthn_assertion.c    the authentication ceremony
 *   webauthn_options.c      challenges and the options JSON for the browser
 */
#ifndef RAMPART_CTL_WEBAUTHN_H
#define RAMPART_CTL_WEBAUTHN_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    WEBAUTHN_OK = 0,
    WEBAUTHN_ERR_MALFORMED,         /* the answer cannot be parsed */
    WEBAUTHN_ERR_TYPE,              /* clientData.type is not this ceremony's */
    WEBAUTHN_ERR_CHALLENGE,         /* not the challenge issued */
    WEBAUTHN_ERR_ORIGIN,            /* an origin not in the allowed list */
    WEBAUTHN_ERR_CROSS_ORIGIN,      /* crossOrigin true: the ceremony ran in a foreign frame */
    WEBAUTHN_ERR_TOKEN_BINDING,     /* token binding claimed (not supported) */
    WEBAUTHN_ERR_RP_ID,             /* rpIdHash is not SHA-256 of our RP ID */
    WEBAUTHN_ERR_USER_PRESENCE,     /* UP flag missing */
    WEBAUTHN_ERR_USER_VERIFICATION, /* UV flag missing while required */
    WEBAUTHN_ERR_ALGORITHM,         /* a key algorithm we do not accept */
    WEBAUTHN_ERR_PUBLIC_KEY,        /* the credential public key is unusable */
    WEBAUTHN_ERR_ATTESTATION,       /* attestation statement unsupported or invalid */
    WEBAUTHN_ERR_SIGNATURE,         /* a signature does not verify */
    WEBAUTHN_ERR_CREDENTIAL,        /* credential id or user handle not the expected ones */
    WEBAUTHN_ERR_CLONED,            /* signature counter went back, and the policy refuses */
    WEBAUTHN_ERR_INTERNAL           /* out of memory, crypto library failure */
} webauthn_result_t;

/* A short stable name ("challenge", "origin", ...) for events and logs. */
const char *webauthn_result_name(webauthn_result_t r);

/* Limits on what a browser may send (bytes, decoded). */
#define WEBAUTHN_CLIENT_DATA_MAX        8192
#define WEBAUTHN_ATTESTATION_OBJECT_MAX 16384
#define WEBAUTHN_AUTHENTICATOR_DATA_MAX 4096
#define WEBAUTHN_SIGNATURE_MAX          1024
#define WEBAUTHN_USER_HANDLE_MAX        64
#define WEBAUTHN_CREDENTIAL_ID_MAX      1023 /* Level 3 §7.1: at most 1023 bytes */
#define WEBAUTHN_RESPONSE_JSON_MAX      65536

/* What one ceremony expects: the caller's RP ID, its origins and the
 * challenge it issued for this ceremony. */
typedef struct {
    const char *rp_id;          /* e.g. "login.example.gov.cn" */
    const char *const *origins; /* accepted origins, exact serialisations ("https://host[:port]") */
    size_t n_origins;
    const unsigned char *challenge; /* the bytes issued (webauthn_challenge) */
    size_t challenge_len;
    int require_user_verification; /* UV must be set (the key is a second factor on its own) */
} webauthn_ceremony_t;

/* The browser's answer, decoded: PublicKeyCredential as JSON, every binary
 * field base64url (WebAuthn Level 3 §5.1.8 toJSON). Fields are malloc'd by
 * webauthn_response_parse and freed by webauthn_response_clear; a caller
 * holding raw bytes may point the fields at its own buffers instead (and
 * must not call clear then). */
typedef struct {
    unsigned char *credential_id; /* rawId, equal to id */
    size_t credential_id_len;
    unsigned char *client_data_json;
    size_t client_data_json_len;
    unsigned char *attestation_object; /* registration */
    size_t attestation_object_len;
    unsigned char *authenticator_data; /* authentication */
    size_t authenticator_data_len;
    unsigned char *signature; /* authentication */
    size_t signature_len;
    unsigned char *user_handle; /* authentication, optional */
    size_t user_handle_len;
} webauthn_response_t;

typedef enum { WEBAUTHN_REGISTRATION, WEBAUTHN_AUTHENTICATION } webauthn_ceremony_kind_t;

/* Parses json[0..len) as the answer to a `kind` ceremony: type
 * "public-key", id equal to rawId, the fields the ceremony needs, every
 * length within the limits above. */
webauthn_result_t webauthn_response_parse(const char *json, size_t len,
                                          webauthn_ceremony_kind_t kind, webauthn_response_t *out,
                                          char *err, size_t err_size);

void webauthn_response_clear(webauthn_response_t *r);

#endif
