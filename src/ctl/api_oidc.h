/*
 * api_oidc.h — rampartd's OpenID Connect provider (OpenID Connect Core 1.0,
 * Discovery 1.0, RFC 6749, RFC 7636, RP-Initiated Logout 1.0); the
 * reference is docs/IDENTITY.md "OpenID Connect provider".
 */
#ifndef RAMPART_CTL_API_OIDC_H
#define RAMPART_CTL_API_OIDC_H

#include "http.h"

/* The issuer: "http://<listen address>:<port>" (no trailing slash). */
void oidc_issuer(const ctl_config_t *cfg, char *out, size_t cap);

/* 1 when scope[0..len) is a scope the provider knows. */
int oidc_scope_known(const char *scope, size_t len);
/* 1 when uri may be registered as a redirect URI. */
int oidc_uri_acceptable(const char *uri);
/* base64url SHA-256 of a client secret. */
void oidc_secret_hash(const char *secret, char out[48]);

/* 1 when uri is one of the JSON array list_json (exact match). */
int oidc_uri_listed(const char *list_json, const char *uri);
/* uri with the query parameters pairs (name, value, ..., NULL; empty
 * values left out) percent-encoded; 0 or -1 when it does not fit. */
int oidc_build_url(char *out, size_t cap, const char *uri, const char *const *pairs);

enum MHD_Result api_oidc_discovery(http_req_t *r);
enum MHD_Result api_oidc_jwks(http_req_t *r);

/* the authorization endpoint and the portal's half (api_oidc_authorize.c) */
enum MHD_Result api_oidc_authorize(http_req_t *r);
enum MHD_Result api_oidc_portal_authorize(http_req_t *r);
enum MHD_Result api_oidc_portal_consent(http_req_t *r);
/* the user's remembered consents (api_oidc_consents.c) */
enum MHD_Result api_oidc_portal_consents(http_req_t *r);
enum MHD_Result api_oidc_portal_consent_revoke(http_req_t *r);
/* the token endpoint (api_oidc_token.c), userinfo and logout (api_oidc_userinfo.c) */
enum MHD_Result api_oidc_token(http_req_t *r);
enum MHD_Result api_oidc_userinfo(http_req_t *r);
enum MHD_Result api_oidc_logout(http_req_t *r);

/* operators: relying parties (api_oidc_clients.c) */
enum MHD_Result api_oidc_clients_list(http_req_t *r);
enum MHD_Result api_oidc_clients_create(http_req_t *r);
enum MHD_Result api_oidc_clients_get(http_req_t *r);
enum MHD_Result api_oidc_clients_update(http_req_t *r);
enum MHD_Result api_oidc_clients_delete(http_req_t *r);

#endif
