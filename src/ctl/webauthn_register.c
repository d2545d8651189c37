/*
 * webauthn_register.c — the registration ceremony (see
 * webauthn_register.h).
 */
#include "webauthn_register.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "secret.h"
#include "webauthn_client_data.h"
#include "webauthn_cose.h"

static const int64_t default_algorithms[] = {COSE_ALG_ES256, COSE_ALG_RS256};

static int algorithm_accepted(const webauthn_registration_policy_t *p, int64_t alg)
{
    const int64_t *list = p->algorithms ? p->algorithms : default_algorithms;
    size_t n = p->algorithms ? p->n_algorithms : 2;
    for (size_t i = 0; i < n; i++)
        if (list[i] == alg)
            return 1;
    return 0;
}

/* The attestation object: exactly {fmt: text, attStmt: map, authData: bytes}. */
static webauthn_result_t attestation_object(const cbor_doc_t *doc, char *fmt, size_t fmt_size,
                                            const cbor_item_t **att_stmt,
                                            const cbor_item_t **auth_data, char *err,
                                            size_t err_size)
{
    const cbor_item_t *root = &doc->items[0];
    const cbor_item_t *f = cbor_map_text(root, "fmt");
    *att_stmt = cbor_map_text(root, "attStmt");
    *auth_data = cbor_map_text(root, "authData");
    if (root->type != CBOR_MAP || root->value != 3 || !f || f->type != CBOR_TEXT ||
        f->value >= fmt_size || !*att_stmt || !*auth_data || (*auth_data)->type != CBOR_BYTES) {
        snprintf(err, err_size, "attestationObject: not a map of fmt, attStmt and authData");
        return WEBAUTHN_ERR_MALFORMED;
    }
    memcpy(fmt, f->data, (size_t)f->value);
    fmt[f->value] = '\0';
    if (memchr(fmt, '\0', (size_t)f->value)) {
        snprintf(err, err_size, "attestationObject: fmt holds a NUL");
        return WEBAUTHN_ERR_MALFORMED;
    }
    return WEBAUTHN_OK;
}

static int copy_out(unsigned char **dst, size_t *dst_len, const unsigned char *src, size_t n)
{
    *dst = malloc(n ? n : 1);
    if (!*dst)
        return -1;
    memcpy(*dst, src, n);
    *dst_len = n;
    return 0;
}

webauthn_result_t webauthn_registration_verify(const webauthn_registration_policy_t *policy,
                                               const webauthn_response_t *response,
                                               webauthn_credential_t *out, char *err,
                                               size_t err_size)
{
    memset(out, 0, sizeof(*out));
    webauthn_result_t r =
        webauthn_client_data_check(response->client_data_json, response->client_data_json_len,
                                   WEBAUTHN_TYPE_CREATE, &policy->ceremony, err, err_size);
    if (r != WEBAUTHN_OK)
        return r;
    if (!response->attestation_object ||
        response->attestation_object_len > WEBAUTHN_ATTESTATION_OBJECT_MAX) {
        snprintf(err, err_size, "attestationObject: missing or too large");
        return WEBAUTHN_ERR_MALFORMED;
    }
    unsigned char client_data_hash[SECRET_SHA256_LEN];
    secret_sha256(response->client_data_json, response->client_data_json_len, client_data_hash);

    cbor_doc_t doc;
    cbor_limits_t limits = {.max_depth = 8, .max_items = 512};
    char why[160];
    if (cbor_decode(response->attestation_object, response->attestation_object_len, &limits, &doc,
                    why, sizeof(why)) < 0) {
        snprintf(err, err_size, "attestationObject: %s", why);
        return WEBAUTHN_ERR_MALFORMED;
    }
    EVP_PKEY *key = NULL;
    const cbor_item_t *att_stmt, *auth_data;
    webauthn_authdata_t ad;
    if ((r = attestation_object(&doc, out->fmt, sizeof(out->fmt), &att_stmt, &auth_data, err,
                                err_size)) != WEBAUTHN_OK)
        goto done;
    if (webauthn_authdata_parse(auth_data->data, (size_t)auth_data->value, &ad, err, err_size) <
        0) {
        r = WEBAUTHN_ERR_MALFORMED;
        goto done;
    }
    if ((r = webauthn_authdata_check(&ad, &policy->ceremony, err, err_size)) != WEBAUTHN_OK)
        goto done;
    r = WEBAUTHN_ERR_CREDENTIAL;
    if (!(ad.flags & WEBAUTHN_FLAG_AT)) {
        snprintf(err, err_size, "authenticator data: no attested credential data (AT)");
        goto done;
    }
    if (response->credential_id &&
        (response->credential_id_len != ad.credential_id_len ||
         memcmp(response->credential_id, ad.credential_id, ad.credential_id_len))) {
        snprintf(err, err_size, "the credential id differs from the authenticator data's");
        goto done;
    }
    if ((r = webauthn_cose_key_decode(ad.public_key, ad.public_key_len, &key, &out->algorithm, err,
                                      err_size)) != WEBAUTHN_OK)
        goto done;
    if (!algorithm_accepted(policy, out->algorithm)) {
        snprintf(err, err_size, "the credential's algorithm %lld is not accepted",
                 (long long)out->algorithm);
        r = WEBAUTHN_ERR_ALGORITHM;
        goto done;
    }
    if ((r = webauthn_attestation_verify(out->fmt, att_stmt, auth_data->data,
                                         (size_t)auth_data->value, &ad, client_data_hash, key,
                                         out->algorithm, policy->attestation_anchors,
                                         &out->attestation, err, err_size)) != WEBAUTHN_OK)
        goto done;
    if (copy_out(&out->credential_id, &out->credential_id_len, ad.credential_id,
                 ad.credential_id_len) < 0 ||
        copy_out(&out->public_key, &out->public_key_len, ad.public_key, ad.public_key_len) < 0) {
        snprintf(err, err_size, "out of memory");
        r = WEBAUTHN_ERR_INTERNAL;
        goto done;
    }
    out->sign_count = ad.sign_count;
    out->flags =
        ad.flags & (WEBAUTHN_FLAG_UP | WEBAUTHN_FLAG_UV | WEBAUTHN_FLAG_BE | WEBAUTHN_FLAG_BS);
    memcpy(out->aaguid, ad.aaguid, WEBAUTHN_AAGUID_LEN);
done:
    EVP_PKEY_free(key);
    cbor_doc_free(&doc);
    if (r != WEBAUTHN_OK)
        webauthn_credential_clear(out);
    return r;
}

void webauthn_credential_clear(webauthn_credential_t *c)
{
    free(c->credential_id);
    free(c->public_key);
    memset(c, 0, sizeof(*c));
}
