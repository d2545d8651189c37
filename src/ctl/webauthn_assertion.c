/*
 * webauthn_assertion.c — the authentication ceremony (see
 * webauthn_assertion.h).
 */
#include "webauthn_assertion.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "secret.h"
#include "webauthn_authdata.h"
#include "webauthn_client_data.h"
#include "webauthn_cose.h"

static int same_bytes(const unsigned char *a, size_t a_len, const unsigned char *b, size_t b_len)
{
    return a_len == b_len && (!a_len || CRYPTO_memcmp(a, b, a_len) == 0);
}

webauthn_result_t webauthn_assertion_verify(const webauthn_assertion_policy_t *policy,
                                            const webauthn_stored_credential_t *credential,
                                            const webauthn_response_t *response,
                                            webauthn_assertion_result_t *out, char *err,
                                            size_t err_size)
{
    memset(out, 0, sizeof(*out));
    if (!response->credential_id ||
        !same_bytes(response->credential_id, response->credential_id_len, credential->credential_id,
                    credential->credential_id_len)) {
        snprintf(err, err_size, "the answer is for another credential");
        return WEBAUTHN_ERR_CREDENTIAL;
    }
    if (response->user_handle && credential->user_handle &&
        !same_bytes(response->user_handle, response->user_handle_len, credential->user_handle,
                    credential->user_handle_len)) {
        snprintf(err, err_size, "the user handle is not the credential's");
        return WEBAUTHN_ERR_CREDENTIAL;
    }
    webauthn_result_t r =
        webauthn_client_data_check(response->client_data_json, response->client_data_json_len,
                                   WEBAUTHN_TYPE_GET, &policy->ceremony, err, err_size);
    if (r != WEBAUTHN_OK)
        return r;
    webauthn_authdata_t ad;
    if (response->authenticator_data_len > WEBAUTHN_AUTHENTICATOR_DATA_MAX ||
        webauthn_authdata_parse(response->authenticator_data, response->authenticator_data_len, &ad,
                                err, err_size) < 0)
        return WEBAUTHN_ERR_MALFORMED;
    if ((r = webauthn_authdata_check(&ad, &policy->ceremony, err, err_size)) != WEBAUTHN_OK)
        return r;
    EVP_PKEY *key;
    int64_t alg;
    if ((r = webauthn_cose_key_decode(credential->public_key, credential->public_key_len, &key,
                                      &alg, err, err_size)) != WEBAUTHN_OK)
        return r;
    unsigned char client_data_hash[SECRET_SHA256_LEN];
    secret_sha256(response->client_data_json, response->client_data_json_len, client_data_hash);
    int valid = response->signature_len <= WEBAUTHN_SIGNATURE_MAX &&
                webauthn_signature_verify(key, alg, response->authenticator_data,
                                          response->authenticator_data_len, client_data_hash,
                                          sizeof(client_data_hash), response->signature,
                                          response->signature_len);
    EVP_PKEY_free(key);
    if (!valid) {
        snprintf(err, err_size, "the assertion signature does not verify");
        return WEBAUTHN_ERR_SIGNATURE;
    }
    /* §6.1.1: zero on both sides means the authenticator keeps no counter */
    out->clone_warning =
        (ad.sign_count || credential->sign_count) && ad.sign_count <= credential->sign_count;
    if (out->clone_warning && policy->refuse_cloned) {
        snprintf(err, err_size, "the signature counter went from %u to %u: possibly cloned",
                 credential->sign_count, ad.sign_count);
        return WEBAUTHN_ERR_CLONED;
    }
    out->sign_count = out->clone_warning ? credential->sign_count : ad.sign_count;
    out->flags =
        ad.flags & (WEBAUTHN_FLAG_UP | WEBAUTHN_FLAG_UV | WEBAUTHN_FLAG_BE | WEBAUTHN_FLAG_BS);
    out->user_verified = (ad.flags & WEBAUTHN_FLAG_UV) != 0;
    return WEBAUTHN_OK;
}
