/*
 * webauthn_response.c — the browser's answer as JSON (see webauthn.h), and
 * the names of the result codes.
 *
 * The answer is what PublicKeyCredential.toJSON() gives (WebAuthn Level 3
 * §5.1.8; the login page does the same by hand in older browsers):
 *
 *   {"id": b64u, "rawId": b64u, "type": "public-key",
 *    "response": {"clientDataJSON": b64u, "attestationObject": b64u}}   registration
 *    "response": {"clientDataJSON": b64u, "authenticatorData": b64u,
 *                 "signature": b64u, "userHandle": b64u | null}}        authentication
 *
 * Other members (transports, clientExtensionResults,
 * authenticatorAttachment, publicKey...) are ignored: nothing in them is
 * signed, so nothing in them is trusted.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "webauthn.h"

const char *webauthn_result_name(webauthn_result_t r)
{
    static const char *const names[] = {
        [WEBAUTHN_OK] = "ok",
        [WEBAUTHN_ERR_MALFORMED] = "malformed",
        [WEBAUTHN_ERR_TYPE] = "type",
        [WEBAUTHN_ERR_CHALLENGE] = "challenge",
        [WEBAUTHN_ERR_ORIGIN] = "origin",
        [WEBAUTHN_ERR_CROSS_ORIGIN] = "cross_origin",
        [WEBAUTHN_ERR_TOKEN_BINDING] = "token_binding",
        [WEBAUTHN_ERR_RP_ID] = "rp_id",
        [WEBAUTHN_ERR_USER_PRESENCE] = "user_presence",
        [WEBAUTHN_ERR_USER_VERIFICATION] = "user_verification",
        [WEBAUTHN_ERR_ALGORITHM] = "algorithm",
        [WEBAUTHN_ERR_PUBLIC_KEY] = "public_key",
        [WEBAUTHN_ERR_ATTESTATION] = "attestation",
        [WEBAUTHN_ERR_SIGNATURE] = "signature",
        [WEBAUTHN_ERR_CREDENTIAL] = "credential",
        [WEBAUTHN_ERR_CLONED] = "cloned",
        [WEBAUTHN_ERR_INTERNAL] = "internal",
    };
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

/* Decodes obj[name] (a base64url string of 1 to max decoded bytes) into
 * *out; a missing member is an error unless optional (JSON null counts as
 * missing). */
static int field(json_t *obj, const char *name, size_t max, int optional, unsigned char **out,
                 size_t *out_len, char *err, size_t err_size)
{
    json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v)) {
        if (optional)
            return 0;
        snprintf(err, err_size, "credential: %s is missing", name);
        return -1;
    }
    const char *text = json_string_value(v);
    size_t len = text ? json_string_length(v) : 0;
    if (!text || len > (max / 3 + 1) * 4 || base64url_decode_alloc(text, len, out, out_len) < 0) {
        snprintf(err, err_size, "credential: %s is not base64url of at most %zu bytes", name, max);
        return -1;
    }
    if (*out_len == 0 || *out_len > max) {
        snprintf(err, err_size, "credential: %s has %zu bytes (1 to %zu accepted)", name, *out_len,
                 max);
        free(*out);
        *out = NULL;
        *out_len = 0;
        return -1;
    }
    return 0;
}

webauthn_result_t webauthn_response_parse(const char *json, size_t len,
                                          webauthn_ceremony_kind_t kind, webauthn_response_t *out,
                                          char *err, size_t err_size)
{
    memset(out, 0, sizeof(*out));
    if (!json || len > WEBAUTHN_RESPONSE_JSON_MAX) {
        snprintf(err, err_size, "credential: more than %d bytes", WEBAUTHN_RESPONSE_JSON_MAX);
        return WEBAUTHN_ERR_MALFORMED;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *response = json_object_get(doc, "response");
    const char *type = json_string_value(json_object_get(doc, "type"));
    const char *id = json_string_value(json_object_get(doc, "id"));
    const char *raw_id = json_string_value(json_object_get(doc, "rawId"));
    webauthn_result_t r = WEBAUTHN_ERR_MALFORMED;
    if (!json_is_object(doc) || !json_is_object(response)) {
        snprintf(err, err_size, "credential: not a PublicKeyCredential object");
    } else if (!type || strcmp(type, "public-key")) {
        snprintf(err, err_size, "credential: type is not public-key");
    } else if (!id || !raw_id || strcmp(id, raw_id)) {
        snprintf(err, err_size, "credential: id and rawId must be present and equal");
    } else if (field(doc, "rawId", WEBAUTHN_CREDENTIAL_ID_MAX, 0, &out->credential_id,
                     &out->credential_id_len, err, err_size) < 0 ||
               field(response, "clientDataJSON", WEBAUTHN_CLIENT_DATA_MAX, 0,
                     &out->client_data_json, &out->client_data_json_len, err, err_size) < 0) {
        /* reason written */
    } else if (kind == WEBAUTHN_REGISTRATION) {
        if (field(response, "attestationObject", WEBAUTHN_ATTESTATION_OBJECT_MAX, 0,
                  &out->attestation_object, &out->attestation_object_len, err, err_size) == 0)
            r = WEBAUTHN_OK;
    } else if (field(response, "authenticatorData", WEBAUTHN_AUTHENTICATOR_DATA_MAX, 0,
                     &out->authenticator_data, &out->authenticator_data_len, err, err_size) == 0 &&
               field(response, "signature", WEBAUTHN_SIGNATURE_MAX, 0, &out->signature,
                     &out->signature_len, err, err_size) == 0 &&
               field(response, "userHandle", WEBAUTHN_USER_HANDLE_MAX, 1, &out->user_handle,
                     &out->user_handle_len, err, err_size) == 0) {
        r = WEBAUTHN_OK;
    }
    json_decref(doc);
    if (r != WEBAUTHN_OK)
        webauthn_response_clear(out);
    return r;
}

void webauthn_response_clear(webauthn_response_t *r)
{
    free(r->credential_id);
    free(r->client_data_json);
    free(r->attestation_object);
    free(r->authenticator_data);
    free(r->signature);
    free(r->user_handle);
    memset(r, 0, sizeof(*r));
}
