/*
 * oidc_requests.h — authorization requests waiting for the portal: the
 * authorization endpoint checks a request, keeps it here under a random
 * id for OIDC_REQUEST_TTL_S, and sends the browser to /login?oidc=<id>;
 * the portal completes it (api_oidc_authorize.c). Memory only: a restart
 * forgets them (the relying party starts again). Bounded; the oldest
 * request gives way when full.
 */
#ifndef RAMPART_CTL_OIDC_REQUESTS_H
#define RAMPART_CTL_OIDC_REQUESTS_H

#include <stdint.h>

#define OIDC_REQUEST_TTL_S 600
#define OIDC_REQUEST_ID    23 /* 22 base64url characters + NUL */

typedef struct {
    char id[OIDC_REQUEST_ID];
    char client_id[65];
    char redirect_uri[513];
    char scope[256];
    char state[513];
    char nonce[256];
    char challenge[129]; /* S256 code challenge; "" when none */
    int prompt_none, prompt_login, prompt_consent;
    int64_t max_age;   /* -1: none */
    int64_t created_s; /* Unix seconds */
} oidc_request_t;

/* Keeps r (its id is set here); 0 or -1 (no randomness). */
int oidc_request_put(oidc_request_t *r);
/* Copies the live request id into out; 0, or -1 when unknown or expired. */
int oidc_request_get(const char *id, oidc_request_t *out);
/* Forgets it (answered). */
void oidc_request_drop(const char *id);

#endif
