/*
 * api_oidc.c — discovery (OpenID Connect Discovery 1.0 §4) and the JWKS
 * (RFC 7517 §5): public, cacheable documents.
 */
#include "api_oidc.h"

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "jose.h"
#include "oidc_keys.h"

void oidc_issuer(const ctl_config_t *cfg, char *out, size_t cap)
{
    int v6 = strchr(cfg->listen_host, ':') != NULL;
    snprintf(out, cap, "http://%s%s%s:%u", v6 ? "[" : "", cfg->listen_host, v6 ? "]" : "",
             (unsigned)cfg->listen_port);
}

static json_t *url(const char *issuer, const char *path)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s%s", issuer, path);
    return json_string(buf);
}

enum MHD_Result api_oidc_discovery(http_req_t *r)
{
    char iss[256];
    oidc_issuer(r->cfg, iss, sizeof(iss));
    json_t *algs = json_array();
    for (int a = 0; a < JOSE_ALG_COUNT; a++)
        json_array_append_new(algs, json_string(jose_alg_name((jose_alg_t)a)));
    json_t *doc = json_pack(
        "{s:s, s:o, s:o, s:o, s:o, s:o, s:[s], s:[s], s:[s, s], s:[s], s:o, s:[s, s, s, s, s, s], "
        "s:[s, s], s:[s], s:[s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s], s:b, s:b, s:b, "
        "s:b}",
        "issuer", iss, "authorization_endpoint", url(iss, "/oidc/authorize"), "token_endpoint",
        url(iss, "/oidc/token"), "userinfo_endpoint", url(iss, "/oidc/userinfo"), "jwks_uri",
        url(iss, "/oidc/jwks"), "end_session_endpoint", url(iss, "/oidc/logout"),
        "response_types_supported", "code", "response_modes_supported", "query",
        "grant_types_supported", "authorization_code", "refresh_token", "subject_types_supported",
        "public", "id_token_signing_alg_values_supported", algs, "scopes_supported", "openid",
        "profile", "email", "phone", "groups", "offline_access",
        "token_endpoint_auth_methods_supported", "client_secret_basic", "client_secret_post",
        "code_challenge_methods_supported", "S256", "claims_supported", "iss", "sub", "aud", "exp",
        "iat", "auth_time", "nonce", "amr", "acr", "sid", "at_hash", "name", "preferred_username",
        "email", "phone_number", "groups", "roles", "claims_parameter_supported", 0,
        "request_parameter_supported", 0, "request_uri_parameter_supported", 0,
        "frontchannel_logout_supported", 0);
    if (!doc)
        return http_reply_error(r, 500, "internal", "cannot build the discovery document");
    http_add_header(r, "Cache-Control", "public, max-age=300");
    return http_reply_json(r, 200, doc);
}

enum MHD_Result api_oidc_jwks(http_req_t *r)
{
    if (oidc_keys_refresh(r->ctl, 0) != STORE_OK)
        return http_reply_error(r, 503, "no_key", "no signing key; see the rampartd log");
    http_add_header(r, "Cache-Control", "public, max-age=300");
    return http_reply_json(r, 200, oidc_keys_jwks());
}
