/*
 * webauthn_attestation.h — attestation statements (WebAuthn Level 2 §8):
 * what an authenticator says about itself when it creates a credential.
 *
 * Two formats are accepted:
 *
 *   none (§8.7)    attStmt is an empty map; nothing is claimed.
 *   packed (§8.2)  attStmt {alg, sig[, x5c]}:
 *     self attestation (no x5c): alg must be the credential key's algorithm
 *       and sig its signature over authenticatorData || SHA-256(clientDataJSON);
 *     x5c: sig is made by the key of x5c[0] (ES256 or RS256), which must meet
 *       §8.2.1: X.509 version 3; subject C, O, CN present and
 *       OU = "Authenticator Attestation"; basic constraints CA false; the
 *       id-fido-gen-ce-aaguid extension, when present, not critical and
 *       equal to the AAGUID in the authenticator data; inside its validity
 *       period. Each certificate of x5c must be issued and signed by the
 *       next. When the caller gives trust anchors, the chain must also lead
 *       to one of them (OpenSSL's X509_verify_cert); without anchors the
 *       statement is verified but not trusted (WEBAUTHN_ATTESTATION_BASIC).
 * ECDAA, tpm, android-key, android-safetynet, fido-u2f and apple are
 * refused: rampartd asks for attestation "none", and a browser honouring
 * that sends "none" or a self-attested "packed".
 */
#ifndef RAMPART_CTL_WEBAUTHN_ATTESTATION_H
#define RAMPART_CTL_WEBAUTHN_ATTESTATION_H

#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

#include "cbor.h"
#include "webauthn.h"
#include "webauthn_authdata.h"

typedef enum {
    WEBAUTHN_ATTESTATION_NONE,   /* fmt none */
    WEBAUTHN_ATTESTATION_SELF,   /* packed, signed by the credential key */
    WEBAUTHN_ATTESTATION_BASIC,  /* packed with x5c, verified, not anchored */
    WEBAUTHN_ATTESTATION_TRUSTED /* packed with x5c, chain to a caller's anchor */
} webauthn_attestation_type_t;

const char *webauthn_attestation_type_name(webauthn_attestation_type_t t);

/* Verifies the statement `att_stmt` of format `fmt` over the authenticator
 * data (raw and parsed) and the client data hash. cred_key/cred_alg: the
 * credential public key from the authenticator data. anchors: trust anchors
 * for x5c chains, or NULL. */
webauthn_result_t webauthn_attestation_verify(
    const char *fmt, const cbor_item_t *att_stmt, const unsigned char *auth_data,
    size_t auth_data_len, const webauthn_authdata_t *parsed,
    const unsigned char client_data_hash[32], EVP_PKEY *cred_key, int64_t cred_alg,
    X509_STORE *anchors, webauthn_attestation_type_t *type, char *err, size_t err_size);

#endif
