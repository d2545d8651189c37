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

enum MHD_Result api_oidc_discovery(http_req_t *r);
enum MHD_Result api_oidc_jwks(http_req_t *r);

#endif
