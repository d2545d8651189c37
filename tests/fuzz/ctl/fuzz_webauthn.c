/*
 * fuzz_webauthn.c — the WebAuthn relying-party path (webauthn_*.c) on
 * arbitrary bytes. The first byte picks what the rest is:
 *
 *   0  an attestationObject, verified as a registration whose
 *      clientDataJSON, challenge and RP ID are the W3C Level 3 §16.2
 *      vector's (so the seed from that vector reaches the success path)
 *   1  authenticatorData (length in the next two bytes) then a signature,
 *      verified as an assertion of the same vector's credential
 *   2  a browser's answer as JSON, parsed for registration and for
 *      authentication, then verified against fixed expectations
 *   3  a clientDataJSON, checked for both ceremony types
 *   4  a COSE_Key
 *
 * Besides crashes and sanitizer reports, checks that every refusal names
 * a reason and every acceptance is coherent (a stored key that decodes to
 * the algorithm reported, UP set on an accepted assertion).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn.h"
#include "webauthn_assertion.h"
#include "webauthn_authdata.h"
#include "webauthn_client_data.h"
#include "webauthn_cose.h"
#include "webauthn_register.h"

static const unsigned char reg_challenge[32] = {
    0x00, 0xc3, 0x0f, 0xb7, 0x85, 0x31, 0xc4, 0x64, 0xd2, 0xb6, 0x77, 0x1d, 0xab, 0x8d, 0x7b, 0x60,
    0x3c, 0x01, 0x16, 0x2f, 0x2f, 0xa4, 0x86, 0xbe, 0xa7, 0x0f, 0x28, 0x3a, 0xe5, 0x56, 0xe1, 0x30};
static const char reg_client_data[] =
    "{\"type\":\"webauthn.create\",\"challenge\":\"AMMPt4UxxGTStncdq417YDwBFi8vpIa-pw8oOuVW4TA\","
    "\"origin\":\"https://example.org\",\"crossOrigin\":false,\"extraData\":\"clientDataJSON may "
    "be "
    "extended with additional fields in the future, such as this: BkQeDjdcTBrXBiAwJTLE5Q\"}";
static const unsigned char auth_challenge[32] = {
    0x39, 0xc0, 0xe7, 0x52, 0x14, 0x17, 0xba, 0x54, 0xd4, 0x3e, 0x8d, 0xc9, 0x51, 0x74, 0xf4, 0x23,
    0xde, 0xe9, 0xbf, 0x3c, 0xd8, 0x04, 0xff, 0x6d, 0x65, 0xc8, 0x57, 0xc9, 0xab, 0xf4, 0xd4, 0x08};
static const char auth_client_data[] =
    "{\"type\":\"webauthn.get\",\"challenge\":\"OcDnUhQXulTUPo3JUXT0I97pvzzYBP9tZchXyav01Ag\","
    "\"origin\":\"https://example.org\",\"crossOrigin\":false}";
/* the vector's credential: its id and COSE_Key */
static const unsigned char credential_id[32] = {
    0xf9, 0x1f, 0x39, 0x1d, 0xb4, 0xc9, 0xb2, 0xfd, 0xe0, 0xea, 0x70, 0x18, 0x9c, 0xba, 0x3f, 0xb6,
    0x3f, 0x57, 0x9b, 0xa6, 0x12, 0x2b, 0x33, 0xad, 0x94, 0xff, 0x3e, 0xc3, 0x30, 0x08, 0x4b, 0xe4};
static const unsigned char public_key[77] = {
    0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20, 0xaf, 0xef, 0xa1, 0x6f, 0x97, 0xca,
    0x9b, 0x2d, 0x23, 0xeb, 0x86, 0xcc, 0xb6, 0x40, 0x98, 0xd2, 0x0d, 0xb9, 0x08, 0x56, 0x06, 0x2e,
    0xb2, 0x49, 0xc3, 0x3a, 0x9b, 0x67, 0x2f, 0x26, 0xdf, 0x61, 0x22, 0x58, 0x20, 0x93, 0x0a, 0x56,
    0xb8, 0x7a, 0x2f, 0xca, 0x66, 0x33, 0x4b, 0x03, 0x45, 0x8a, 0xbf, 0x87, 0x97, 0x17, 0xc1, 0x2c,
    0xc6, 0x8e, 0xd7, 0x32, 0x90, 0xaf, 0x2e, 0x26, 0x64, 0x79, 0x6b, 0x92, 0x20};

static const char *const origins[] = {"https://example.org"};

static void check_refusal(webauthn_result_t r, const char *err)
{
    if (r != WEBAUTHN_OK && (!memchr(err, '\0', 256) || err[0] == '\0'))
        abort();
}

static void registration(const unsigned char *cdj, size_t cdj_len, const unsigned char *att,
                         size_t att_len, const unsigned char *id, size_t id_len)
{
    webauthn_registration_policy_t policy = {.ceremony = {.rp_id = "example.org",
                                                          .origins = origins,
                                                          .n_origins = 1,
                                                          .challenge = reg_challenge,
                                                          .challenge_len = 32}};
    webauthn_response_t resp = {.credential_id = (unsigned char *)id,
                                .credential_id_len = id_len,
                                .client_data_json = (unsigned char *)cdj,
                                .client_data_json_len = cdj_len,
                                .attestation_object = (unsigned char *)att,
                                .attestation_object_len = att_len};
    webauthn_credential_t cred;
    char err[256] = "";
    webauthn_result_t r = webauthn_registration_verify(&policy, &resp, &cred, err, sizeof(err));
    check_refusal(r, err);
    if (r == WEBAUTHN_OK) {
        EVP_PKEY *key;
        int64_t alg;
        if (!cred.credential_id || !cred.public_key ||
            webauthn_cose_key_decode(cred.public_key, cred.public_key_len, &key, &alg, err,
                                     sizeof(err)) != WEBAUTHN_OK ||
            alg != cred.algorithm)
            abort();
        EVP_PKEY_free(key);
        webauthn_credential_clear(&cred);
    } else if (cred.credential_id || cred.public_key) {
        abort();
    }
}

static void assertion(const unsigned char *cdj, size_t cdj_len, const unsigned char *ad,
                      size_t ad_len, const unsigned char *sig, size_t sig_len,
                      const unsigned char *id, size_t id_len)
{
    webauthn_assertion_policy_t policy = {.ceremony = {.rp_id = "example.org",
                                                       .origins = origins,
                                                       .n_origins = 1,
                                                       .challenge = auth_challenge,
                                                       .challenge_len = 32}};
    webauthn_stored_credential_t stored = {.credential_id = credential_id,
                                           .credential_id_len = sizeof(credential_id),
                                           .public_key = public_key,
                                           .public_key_len = sizeof(public_key),
                                           .sign_count = 0};
    webauthn_response_t resp = {.credential_id = (unsigned char *)id,
                                .credential_id_len = id_len,
                                .client_data_json = (unsigned char *)cdj,
                                .client_data_json_len = cdj_len,
                                .authenticator_data = (unsigned char *)ad,
                                .authenticator_data_len = ad_len,
                                .signature = (unsigned char *)sig,
                                .signature_len = sig_len};
    webauthn_assertion_result_t res;
    char err[256] = "";
    webauthn_result_t r =
        webauthn_assertion_verify(&policy, &stored, &resp, &res, err, sizeof(err));
    check_refusal(r, err);
    if (r == WEBAUTHN_OK && !(res.flags & WEBAUTHN_FLAG_UP))
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    const unsigned char *in = data + 1;
    size_t n = size - 1;
    char err[256] = "";
    switch (data[0] % 5) {
    case 0:
        /* no rawId: the id check is the JSON path's (mode 2) */
        registration((const unsigned char *)reg_client_data, strlen(reg_client_data), in, n, NULL,
                     0);
        break;
    case 1: {
        if (n < 2)
            return 0;
        size_t ad_len = (size_t)in[0] << 8 | in[1];
        if (ad_len > n - 2)
            ad_len = n - 2;
        assertion((const unsigned char *)auth_client_data, strlen(auth_client_data), in + 2, ad_len,
                  in + 2 + ad_len, n - 2 - ad_len, credential_id, sizeof(credential_id));
        break;
    }
    case 2: {
        webauthn_response_t resp;
        webauthn_result_t r = webauthn_response_parse((const char *)in, n, WEBAUTHN_REGISTRATION,
                                                      &resp, err, sizeof(err));
        check_refusal(r, err);
        if (r == WEBAUTHN_OK) {
            if (!resp.credential_id || !resp.client_data_json || !resp.attestation_object)
                abort();
            registration(resp.client_data_json, resp.client_data_json_len, resp.attestation_object,
                         resp.attestation_object_len, resp.credential_id, resp.credential_id_len);
            webauthn_response_clear(&resp);
        }
        r = webauthn_response_parse((const char *)in, n, WEBAUTHN_AUTHENTICATION, &resp, err,
                                    sizeof(err));
        check_refusal(r, err);
        if (r == WEBAUTHN_OK) {
            if (!resp.authenticator_data || !resp.signature)
                abort();
            assertion(resp.client_data_json, resp.client_data_json_len, resp.authenticator_data,
                      resp.authenticator_data_len, resp.signature, resp.signature_len,
                      resp.credential_id, resp.credential_id_len);
            webauthn_response_clear(&resp);
        }
        break;
    }
    case 3: {
        webauthn_ceremony_t c = {.rp_id = "example.org",
                                 .origins = origins,
                                 .n_origins = 1,
                                 .challenge = reg_challenge,
                                 .challenge_len = 32};
        check_refusal(webauthn_client_data_check(in, n, WEBAUTHN_TYPE_CREATE, &c, err, sizeof(err)),
                      err);
        check_refusal(webauthn_client_data_check(in, n, WEBAUTHN_TYPE_GET, &c, err, sizeof(err)),
                      err);
        break;
    }
    default: {
        EVP_PKEY *key;
        int64_t alg;
        webauthn_result_t r = webauthn_cose_key_decode(in, n, &key, &alg, err, sizeof(err));
        check_refusal(r, err);
        if (r == WEBAUTHN_OK) {
            if (!webauthn_alg_fits_key(key, alg))
                abort();
            EVP_PKEY_free(key);
        } else if (key) {
            abort();
        }
        webauthn_authdata_t ad;
        if (webauthn_authdata_parse(in, n, &ad, err, sizeof(err)) == 0 &&
            (ad.credential_id_len > WEBAUTHN_CREDENTIAL_ID_MAX ||
             ad.public_key_len + ad.extensions_len + ad.credential_id_len > n))
            abort();
        break;
    }
    }
    return 0;
}
