/*
 * webauthn_attestation.c — the none and packed attestation statement
 * formats (see webauthn_attestation.h).
 */
#include "webauthn_attestation.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "webauthn_cose.h"

#define PACKED_X5C_MAX 5
/* id-fido-gen-ce-aaguid (WebAuthn §8.2.1) */
#define OID_FIDO_GEN_CE_AAGUID "1.3.6.1.4.1.45724.1.1.4"

const char *webauthn_attestation_type_name(webauthn_attestation_type_t t)
{
    switch (t) {
    case WEBAUTHN_ATTESTATION_NONE:
        return "none";
    case WEBAUTHN_ATTESTATION_SELF:
        return "self";
    case WEBAUTHN_ATTESTATION_BASIC:
        return "basic";
    case WEBAUTHN_ATTESTATION_TRUSTED:
        return "trusted";
    }
    return "unknown";
}

static int subject_has(X509_NAME *name, int nid, const char *equals)
{
    int at = X509_NAME_get_index_by_NID(name, nid, -1);
    if (at < 0)
        return 0;
    if (!equals)
        return 1;
    ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
    size_t n = strlen(equals);
    return v && (size_t)ASN1_STRING_length(v) == n && !memcmp(ASN1_STRING_get0_data(v), equals, n);
}

/* §8.2.1: what the attestation certificate must say about itself. */
static const char *attestation_cert_problem(X509 *cert, const unsigned char *aaguid)
{
    if (X509_get_version(cert) != X509_VERSION_3)
        return "the attestation certificate is not X.509 version 3";
    X509_NAME *subject = X509_get_subject_name(cert);
    if (!subject_has(subject, NID_countryName, NULL) ||
        !subject_has(subject, NID_organizationName, NULL) ||
        !subject_has(subject, NID_commonName, NULL) ||
        !subject_has(subject, NID_organizationalUnitName, "Authenticator Attestation"))
        return "the attestation certificate's subject lacks C, O, CN or "
               "OU=Authenticator Attestation";
    int crit = -1;
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(cert, NID_basic_constraints, &crit, NULL);
    int is_ca = bc ? bc->ca != 0 : -1;
    BASIC_CONSTRAINTS_free(bc);
    if (is_ca != 0)
        return "the attestation certificate needs basic constraints with CA false";
    if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0 ||
        X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0)
        return "the attestation certificate is outside its validity period";
    ASN1_OBJECT *oid = OBJ_txt2obj(OID_FIDO_GEN_CE_AAGUID, 1);
    int at = oid ? X509_get_ext_by_OBJ(cert, oid, -1) : -1;
    ASN1_OBJECT_free(oid);
    if (at >= 0) {
        X509_EXTENSION *ext = X509_get_ext(cert, at);
        if (X509_EXTENSION_get_critical(ext))
            return "the AAGUID extension must not be critical";
        ASN1_OCTET_STRING *outer = X509_EXTENSION_get_data(ext);
        const unsigned char *p = ASN1_STRING_get0_data(outer);
        long outer_len = ASN1_STRING_length(outer);
        ASN1_OCTET_STRING *inner = d2i_ASN1_OCTET_STRING(NULL, &p, outer_len);
        int same = inner && p == ASN1_STRING_get0_data(outer) + outer_len &&
                   ASN1_STRING_length(inner) == WEBAUTHN_AAGUID_LEN &&
                   !memcmp(ASN1_STRING_get0_data(inner), aaguid, WEBAUTHN_AAGUID_LEN);
        ASN1_OCTET_STRING_free(inner);
        if (!same)
            return "the certificate's AAGUID differs from the authenticator data's";
    }
    return NULL;
}

static void free_certs(X509 **certs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        X509_free(certs[i]);
}

static webauthn_result_t packed_x5c(const cbor_item_t *x5c, int64_t alg, const cbor_item_t *sig,
                                    const unsigned char *auth_data, size_t auth_data_len,
                                    const webauthn_authdata_t *parsed,
                                    const unsigned char client_data_hash[32], X509_STORE *anchors,
                                    webauthn_attestation_type_t *type, char *err, size_t err_size)
{
    if (x5c->type != CBOR_ARRAY || x5c->value == 0 || x5c->value > PACKED_X5C_MAX) {
        snprintf(err, err_size, "packed: x5c must hold 1 to %d certificates", PACKED_X5C_MAX);
        return WEBAUTHN_ERR_ATTESTATION;
    }
    X509 *certs[PACKED_X5C_MAX] = {0};
    size_t n = (size_t)x5c->value;
    webauthn_result_t r = WEBAUTHN_ERR_ATTESTATION;
    const char *problem = NULL;
    for (size_t i = 0; i < n; i++) {
        const cbor_item_t *der = cbor_child(x5c, i);
        const unsigned char *p = der->data;
        if (der->type != CBOR_BYTES || der->value > 8192 ||
            !(certs[i] = d2i_X509(NULL, &p, (long)der->value)) || p != der->data + der->value) {
            snprintf(err, err_size, "packed: x5c[%zu] is not one DER certificate", i);
            goto done;
        }
    }
    EVP_PKEY *att_key = X509_get0_pubkey(certs[0]);
    if (!att_key || (alg != COSE_ALG_ES256 && alg != COSE_ALG_RS256) ||
        !webauthn_alg_fits_key(att_key, alg)) {
        snprintf(err, err_size, "packed: alg %lld does not fit the attestation certificate's key",
                 (long long)alg);
        r = WEBAUTHN_ERR_ALGORITHM;
        goto done;
    }
    if (!webauthn_signature_verify(att_key, alg, auth_data, auth_data_len, client_data_hash, 32,
                                   sig->data, (size_t)sig->value)) {
        snprintf(err, err_size, "packed: the attestation signature does not verify");
        r = WEBAUTHN_ERR_SIGNATURE;
        goto done;
    }
    if ((problem = attestation_cert_problem(certs[0], parsed->aaguid))) {
        snprintf(err, err_size, "packed: %s", problem);
        goto done;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        EVP_PKEY *issuer_key = X509_get0_pubkey(certs[i + 1]);
        if (X509_check_issued(certs[i + 1], certs[i]) != X509_V_OK || !issuer_key ||
            X509_verify(certs[i], issuer_key) != 1) {
            snprintf(err, err_size, "packed: x5c[%zu] is not issued by x5c[%zu]", i, i + 1);
            goto done;
        }
    }
    *type = WEBAUTHN_ATTESTATION_BASIC;
    r = WEBAUTHN_OK;
    if (anchors) {
        STACK_OF(X509) *untrusted = sk_X509_new_null();
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        for (size_t i = 1; untrusted && i < n; i++)
            sk_X509_push(untrusted, certs[i]);
        int ok = untrusted && ctx && X509_STORE_CTX_init(ctx, anchors, certs[0], untrusted) == 1 &&
                 X509_verify_cert(ctx) == 1;
        if (!ok) {
            snprintf(err, err_size, "packed: the attestation chain leads to no trusted anchor");
            r = WEBAUTHN_ERR_ATTESTATION;
        } else {
            *type = WEBAUTHN_ATTESTATION_TRUSTED;
        }
        X509_STORE_CTX_free(ctx);
        sk_X509_free(untrusted);
    }
done:
    free_certs(certs, n);
    return r;
}

static webauthn_result_t packed(const cbor_item_t *att_stmt, const unsigned char *auth_data,
                                size_t auth_data_len, const webauthn_authdata_t *parsed,
                                const unsigned char client_data_hash[32], EVP_PKEY *cred_key,
                                int64_t cred_alg, X509_STORE *anchors,
                                webauthn_attestation_type_t *type, char *err, size_t err_size)
{
    int64_t alg;
    const cbor_item_t *sig = cbor_map_text(att_stmt, "sig");
    const cbor_item_t *x5c = cbor_map_text(att_stmt, "x5c");
    if (cbor_int64(cbor_map_text(att_stmt, "alg"), &alg) < 0 || !sig || sig->type != CBOR_BYTES) {
        snprintf(err, err_size, "packed: attStmt needs alg and sig");
        return WEBAUTHN_ERR_ATTESTATION;
    }
    if (cbor_map_text(att_stmt, "ecdaaKeyId")) {
        snprintf(err, err_size, "packed: ECDAA is not supported");
        return WEBAUTHN_ERR_ATTESTATION;
    }
    if (x5c)
        return packed_x5c(x5c, alg, sig, auth_data, auth_data_len, parsed, client_data_hash,
                          anchors, type, err, err_size);
    if (alg != cred_alg) {
        snprintf(err, err_size, "packed: self attestation with alg %lld for a key of alg %lld",
                 (long long)alg, (long long)cred_alg);
        return WEBAUTHN_ERR_ALGORITHM;
    }
    if (!webauthn_signature_verify(cred_key, cred_alg, auth_data, auth_data_len, client_data_hash,
                                   32, sig->data, (size_t)sig->value)) {
        snprintf(err, err_size, "packed: the self attestation signature does not verify");
        return WEBAUTHN_ERR_SIGNATURE;
    }
    *type = WEBAUTHN_ATTESTATION_SELF;
    return WEBAUTHN_OK;
}

webauthn_result_t webauthn_attestation_verify(
    const char *fmt, const cbor_item_t *att_stmt, const unsigned char *auth_data,
    size_t auth_data_len, const webauthn_authdata_t *parsed,
    const unsigned char client_data_hash[32], EVP_PKEY *cred_key, int64_t cred_alg,
    X509_STORE *anchors, webauthn_attestation_type_t *type, char *err, size_t err_size)
{
    if (!att_stmt || att_stmt->type != CBOR_MAP) {
        snprintf(err, err_size, "attStmt is not a map");
        return WEBAUTHN_ERR_MALFORMED;
    }
    if (!strcmp(fmt, "none")) {
        if (att_stmt->value != 0) {
            snprintf(err, err_size, "none: attStmt must be empty");
            return WEBAUTHN_ERR_ATTESTATION;
        }
        *type = WEBAUTHN_ATTESTATION_NONE;
        return WEBAUTHN_OK;
    }
    if (!strcmp(fmt, "packed"))
        return packed(att_stmt, auth_data, auth_data_len, parsed, client_data_hash, cred_key,
                      cred_alg, anchors, type, err, err_size);
    snprintf(err, err_size, "attestation format not supported");
    return WEBAUTHN_ERR_ATTESTATION;
}
