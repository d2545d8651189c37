/*
 * auth.h — who is calling: API tokens (Authorization: Bearer) and console
 * sessions (cookie), and the CSRF check for sessions.
 *
 * Session: a 256-bit random token in the cookie rampart_session
 * (HttpOnly; SameSite=Strict; Secure behind TLS); the store keeps only its
 * SHA-256. It ends after session_idle_minutes without a request or
 * session_absolute_hours after login, at logout, or when the account is
 * disabled, deleted or changes its password elsewhere.
 *
 * CSRF (synchronizer token, derived): every state-changing request made
 * with a session cookie must carry X-CSRF-Token equal to
 * base64url(HMAC-SHA-256(session token, "rampart-csrf")). Only a page that
 * could read the login response or GET /api/v1/auth/session knows it; a
 * cross-site request carries the cookie (were SameSite absent) but cannot
 * know the token. API tokens are not ambient credentials and need no CSRF
 * token.
 */
#ifndef RAMPART_CTL_AUTH_H
#define RAMPART_CTL_AUTH_H

#include "http.h"

#define SESSION_COOKIE "rampart_session"
#define CSRF_HEADER    "X-CSRF-Token"
#define CSRF_TOKEN_MAX 48

typedef enum {
    AUTH_ANONYMOUS, /* no credentials, or a session cookie that no longer counts */
    AUTH_OK,        /* r->who is filled */
    AUTH_BAD_TOKEN, /* an Authorization header that is not a valid token */
    AUTH_STORE_ERROR
} auth_result_t;

auth_result_t auth_identify(http_req_t *r);

/* 1 when the request may change state: not a session, a safe method, or a
 * correct CSRF token. */
int auth_csrf_ok(http_req_t *r);

void auth_csrf_token(const char *session_token, char out[CSRF_TOKEN_MAX]);

/* A new session for the account; sets the cookie on the reply and writes
 * the CSRF token. 0 or -1. */
int auth_session_start(http_req_t *r, const store_user_t *user, char csrf[CSRF_TOKEN_MAX]);

/* Ends the caller's session and clears the cookie. */
void auth_session_end(http_req_t *r);

#endif
