/*
 * api_id_webauthn.h — the portal's WebAuthn endpoints (api_id_webauthn.c;
 * docs/IDENTITY.md, "WebAuthn endpoints"):
 *
 *   POST   /api/v1/id/webauthn/register/begin   {name?}             portal session
 *   POST   /api/v1/id/webauthn/register/finish  {ceremony, credential, name?}
 *   POST   /api/v1/id/webauthn/login/begin      {step_token} | {app?, rd?, n?}
 *   POST   /api/v1/id/webauthn/login/finish     {ceremony, credential}
 *   GET    /api/v1/id/webauthn/credentials                          portal session
 *   PATCH  /api/v1/id/webauthn/credentials/{id} {name}
 *   DELETE /api/v1/id/webauthn/credentials/{id}
 */
#ifndef RAMPART_CTL_API_ID_WEBAUTHN_H
#define RAMPART_CTL_API_ID_WEBAUTHN_H

#include "http.h"
#include "store.h"

/* How many credentials the user has (0 on a store error). */
int api_id_webauthn_count(store_t *s, int64_t uid);

enum MHD_Result api_id_webauthn_register_begin(http_req_t *r);
enum MHD_Result api_id_webauthn_register_finish(http_req_t *r);
enum MHD_Result api_id_webauthn_login_begin(http_req_t *r);
enum MHD_Result api_id_webauthn_login_finish(http_req_t *r);
enum MHD_Result api_id_webauthn_list(http_req_t *r);
enum MHD_Result api_id_webauthn_rename(http_req_t *r);
enum MHD_Result api_id_webauthn_delete(http_req_t *r);

#endif
