/*
 * webauthn_options.c — challenges and the ceremony options for the
 * browser (see webauthn_options.h).
 */
#include "webauthn_options.h"

#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "webauthn.h"
#include "webauthn_cose.h"

#define DEFAULT_TIMEOUT_MS 300000 /* Level 2 §15.1 recommends up to 10 minutes */

int webauthn_challenge(unsigned char out[WEBAUTHN_CHALLENGE_LEN])
{
    return secret_random(out, WEBAUTHN_CHALLENGE_LEN);
}

static json_t *b64u(const unsigned char *p, size_t n)
{
    char *text = malloc(4 * ((n + 2) / 3) + 1);
    if (!text)
        return NULL;
    secret_base64url(p, n, text);
    json_t *s = json_string(text);
    free(text);
    return s;
}

static int one_of(const char *v, const char *a, const char *b, const char *c)
{
    return !strcmp(v, a) || !strcmp(v, b) || !strcmp(v, c);
}

static json_t *descriptors(const webauthn_credential_ref_t *refs, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        if (!refs[i].id || !refs[i].id_len || refs[i].id_len > WEBAUTHN_CREDENTIAL_ID_MAX ||
            json_array_append_new(list, json_pack("{s:s, s:o*}", "type", "public-key", "id",
                                                  b64u(refs[i].id, refs[i].id_len))) < 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

json_t *webauthn_creation_options(const webauthn_creation_request_t *req)
{
    const char *uv = req->user_verification ? req->user_verification : "preferred";
    const char *rk = req->resident_key ? req->resident_key : "discouraged";
    if (!req->rp_id || !req->rp_name || !req->user_handle || !req->user_handle_len ||
        req->user_handle_len > WEBAUTHN_USER_HANDLE_MAX || !req->user_name ||
        !req->user_display_name || !req->challenge || !req->challenge_len ||
        !one_of(uv, "required", "preferred", "discouraged") ||
        !one_of(rk, "required", "preferred", "discouraged"))
        return NULL;
    json_t *exclude = descriptors(req->exclude, req->n_exclude);
    if (!exclude)
        return NULL;
    return json_pack(
        "{s:{s:s, s:s}, s:{s:o*, s:s, s:s}, s:o*, s:[{s:s, s:i}, {s:s, s:i}], s:I, s:o, "
        "s:{s:s, s:b, s:s}, s:s}",
        "rp", "id", req->rp_id, "name", req->rp_name, "user", "id",
        b64u(req->user_handle, req->user_handle_len), "name", req->user_name, "displayName",
        req->user_display_name, "challenge", b64u(req->challenge, req->challenge_len),
        "pubKeyCredParams", "type", "public-key", "alg", COSE_ALG_ES256, "type", "public-key",
        "alg", COSE_ALG_RS256, "timeout",
        (json_int_t)(req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS), "excludeCredentials",
        exclude, "authenticatorSelection", "residentKey", rk, "requireResidentKey",
        !strcmp(rk, "required"), "userVerification", uv, "attestation", "none");
}

json_t *webauthn_request_options(const webauthn_request_request_t *req)
{
    const char *uv = req->user_verification ? req->user_verification : "preferred";
    if (!req->rp_id || !req->challenge || !req->challenge_len ||
        !one_of(uv, "required", "preferred", "discouraged"))
        return NULL;
    json_t *allow = descriptors(req->allow, req->n_allow);
    if (!allow)
        return NULL;
    return json_pack("{s:o*, s:I, s:s, s:o, s:s}", "challenge",
                     b64u(req->challenge, req->challenge_len), "timeout",
                     (json_int_t)(req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS), "rpId",
                     req->rp_id, "allowCredentials", allow, "userVerification", uv);
}
