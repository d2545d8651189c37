/*
 * webauthn_client_data.c — clientDataJSON checks (see
 * webauthn_client_data.h).
 */
#include "webauthn_client_data.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "secret.h"

/* A challenge is 16 to 64 bytes in practice; anything longer is not ours. */
#define CHALLENGE_TEXT_MAX 128

static webauthn_result_t check_challenge(const char *text, const webauthn_ceremony_t *c, char *err,
                                         size_t err_size)
{
    unsigned char got[BASE64URL_DECODED_MAX(CHALLENGE_TEXT_MAX)];
    size_t len = strlen(text);
    long n = len <= CHALLENGE_TEXT_MAX ? base64url_decode(text, len, got, sizeof(got)) : -1;
    if (n < 0) {
        snprintf(err, err_size, "clientDataJSON: the challenge is not base64url");
        return WEBAUTHN_ERR_CHALLENGE;
    }
    if (!c->challenge || (size_t)n != c->challenge_len ||
        !secret_equal(got, c->challenge, c->challenge_len)) {
        snprintf(err, err_size, "clientDataJSON: not the challenge issued for this ceremony");
        return WEBAUTHN_ERR_CHALLENGE;
    }
    return WEBAUTHN_OK;
}

static int origin_allowed(const char *origin, const webauthn_ceremony_t *c)
{
    for (size_t i = 0; i < c->n_origins; i++)
        if (c->origins[i] && !strcmp(origin, c->origins[i]))
            return 1;
    return 0;
}

webauthn_result_t webauthn_client_data_check(const unsigned char *json, size_t len,
                                             const char *type, const webauthn_ceremony_t *ceremony,
                                             char *err, size_t err_size)
{
    if (!json || !len || len > WEBAUTHN_CLIENT_DATA_MAX) {
        snprintf(err, err_size, "clientDataJSON: %zu bytes (1 to %d accepted)", len,
                 WEBAUTHN_CLIENT_DATA_MAX);
        return WEBAUTHN_ERR_MALFORMED;
    }
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        snprintf(err, err_size, "clientDataJSON: not a JSON object");
        json_decref(doc);
        return WEBAUTHN_ERR_MALFORMED;
    }
    webauthn_result_t r = WEBAUTHN_OK;
    const char *got_type = json_string_value(json_object_get(doc, "type"));
    const char *challenge = json_string_value(json_object_get(doc, "challenge"));
    const char *origin = json_string_value(json_object_get(doc, "origin"));
    json_t *cross = json_object_get(doc, "crossOrigin");
    json_t *binding = json_object_get(doc, "tokenBinding");
    const char *binding_status =
        json_is_object(binding) ? json_string_value(json_object_get(binding, "status")) : NULL;
    if (!got_type || !challenge || !origin) {
        snprintf(err, err_size, "clientDataJSON: type, challenge and origin are required strings");
        r = WEBAUTHN_ERR_MALFORMED;
    } else if (strcmp(got_type, type)) {
        snprintf(err, err_size, "clientDataJSON: type is not %s", type);
        r = WEBAUTHN_ERR_TYPE;
    } else if ((r = check_challenge(challenge, ceremony, err, err_size)) != WEBAUTHN_OK) {
        /* reason written */
    } else if (!origin_allowed(origin, ceremony)) {
        snprintf(err, err_size, "clientDataJSON: origin not allowed");
        r = WEBAUTHN_ERR_ORIGIN;
    } else if (cross && !json_is_false(cross)) {
        snprintf(err, err_size, "clientDataJSON: crossOrigin is not false");
        r = WEBAUTHN_ERR_CROSS_ORIGIN;
    } else if (binding && (!json_is_object(binding) || !binding_status ||
                           !strcmp(binding_status, "present"))) {
        snprintf(err, err_size, "clientDataJSON: token binding is not supported");
        r = WEBAUTHN_ERR_TOKEN_BINDING;
    }
    json_decref(doc);
    return r;
}
