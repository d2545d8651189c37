/*
 * api_id.h — the login portal's JSON API (api_id*.c), used by the portal
 * page served from rampartd itself (same origin). docs/IDENTITY.md
 * "Portal API" is the reference.
 *
 * The portal's own session is the cookie rampart_portal (an rpt1 token
 * for the same session the applications get; HttpOnly, SameSite=Strict,
 * Path=/api/v1/id), checked against the store on every call so a
 * revocation ends it at once. CSRF:
 *   - before a session (login, second factor, expired-password change):
 *     the body must be application/json (a cross-site form cannot send
 *     it without a CORS preflight, which rampartd never grants), and a
 *     request whose Origin is not this host or whose Sec-Fetch-Site says
 *     cross-site is refused — so no other site can log a browser into an
 *     account (login CSRF);
 *   - with a session: X-CSRF-Token must equal base64url(HMAC-SHA-256(
 *     server secret, sid)), given by login and GET /api/v1/id/session.
 */
#ifndef RAMPART_CTL_API_ID_H
#define RAMPART_CTL_API_ID_H

#include "http.h"
#include "idlogin.h"
#include "idtoken.h"
#include "store_dir.h"

#define PORTAL_COOKIE "rampart_portal"

/* The caller's portal session: 0 with c and u filled, or -1 with the
 * 401/403 reply queued in *rc (state_changing: the CSRF token is
 * required). */
int api_id_caller(http_req_t *r, int state_changing, idclaims_t *c, dir_user_t *u,
                  enum MHD_Result *rc);
/* 0 when a pre-session request may go on, else -1 with 403 queued. */
int api_id_same_origin(http_req_t *r, enum MHD_Result *rc);
/* Ends a login: a new session for u with the factors amr, the portal
 * cookie, the hand-off to target when given; the 200 answer. */
enum MHD_Result api_id_complete(http_req_t *r, dir_user_t *u, const char *amr,
                                const idtarget_t *target);
/* 429 with Retry-After and the throttled event. */
enum MHD_Result api_id_throttled(http_req_t *r, const char *user, int retry_after, const char *why);
/* Clears the portal cookie on the coming reply. */
void api_id_clear_cookie(http_req_t *r);
/* Sessions of a user (0: everyone's) as a JSON array; current is flagged. */
json_t *api_id_session_list(store_t *s, int64_t uid, const char *current, int *rc);
/* Reads app, rd, n of a body (all or none); NULL or the reason. */
const char *api_id_target(json_t *body, idtarget_t *t);

enum MHD_Result api_id_login(http_req_t *r);
enum MHD_Result api_id_mfa(http_req_t *r);
enum MHD_Result api_id_session(http_req_t *r);
enum MHD_Result api_id_logout(http_req_t *r);
enum MHD_Result api_id_logout_everywhere(http_req_t *r);
enum MHD_Result api_id_handoff(http_req_t *r);
enum MHD_Result api_id_password(http_req_t *r);
enum MHD_Result api_id_sessions(http_req_t *r);
enum MHD_Result api_id_session_revoke(http_req_t *r);
enum MHD_Result api_id_totp_enrol(http_req_t *r);
enum MHD_Result api_id_totp_confirm(http_req_t *r);
enum MHD_Result api_id_totp_disable(http_req_t *r);

/* operators: sessions of directory users; gateways: the feed and keys */
enum MHD_Result api_idsessions_list(http_req_t *r);
enum MHD_Result api_idsessions_revoke(http_req_t *r);
enum MHD_Result api_idsessions_revoke_user(http_req_t *r);
enum MHD_Result api_gateway_revocations(http_req_t *r);
enum MHD_Result api_gateway_identity_keys(http_req_t *r);

#endif
