/*
 * store_oidc.h — the OpenID Connect provider's rows (migration 9,
 * store_oidc_schema.h), one SQL text for both backends (store_sql.h).
 */
#ifndef RAMPART_CTL_STORE_OIDC_H
#define RAMPART_CTL_STORE_OIDC_H

#include <stdint.h>

#include "store.h"

#define OIDC_SEALED_MAX 4096 /* a sealed PKCS#8 RSA-2048 key fits */

typedef struct {
    char kid[24];
    char alg[8];
    char sealed[OIDC_SEALED_MAX];
    int64_t created, prune_after; /* Unix seconds; prune_after 0: still current */
} oidc_key_row_t;

typedef int (*oidc_key_cb)(void *ctx, const oidc_key_row_t *k);

int oidc_key_add(store_t *s, const oidc_key_row_t *k);
/* Every key, oldest first. */
int oidc_key_list(store_t *s, oidc_key_cb cb, void *ctx);
/* Marks the current keys of alg other than kid to be pruned after t. */
int oidc_key_retire(store_t *s, const char *alg, const char *kid, int64_t t);
/* Deletes keys whose prune_after has passed. */
int oidc_key_prune(store_t *s, int64_t now);

/* ---- clients ---- */

typedef struct {
    char client_id[65];
    char name[129];
    char app[STORE_NAME_MAX + 1];
    char secret_hash[48];        /* base64url SHA-256 of the secret; "" for a public client */
    int first_party;             /* consent is not asked */
    char redirect_uris[4096];    /* JSON array, exact-match */
    char post_logout_uris[4096]; /* JSON array, exact-match */
    char scopes[256];            /* space-separated */
    char alg[8];                 /* RS256, ES256, SM2SM3 */
    int64_t created, updated;    /* ms */
} oidc_client_t;

typedef int (*oidc_client_cb)(void *ctx, const oidc_client_t *c);

/* STORE_OK, STORE_CONFLICT (the id is taken) or an error. */
int oidc_client_add(store_t *s, const oidc_client_t *c);
int oidc_client_update(store_t *s, const oidc_client_t *c);
/* STORE_OK or STORE_NOT_FOUND. */
int oidc_client_get(store_t *s, const char *client_id, oidc_client_t *out);
int oidc_client_list(store_t *s, oidc_client_cb cb, void *ctx);
int oidc_client_delete(store_t *s, const char *client_id);

/* ---- codes, tokens, consents ---- */

typedef struct {
    char hash[48]; /* base64url SHA-256 of the code or token */
    char kind[8];  /* tokens: access, refresh */
    char client_id[65];
    int64_t user_id;
    char sid[32];
    char family[48];       /* tokens: the code's hash they descend from */
    char grant_data[2048]; /* JSON: scope, nonce, redirect_uri, challenge, auth_time, amr */
    int64_t expires;       /* Unix seconds */
    int used, revoked;
} oidc_grant_t;

int oidc_code_add(store_t *s, const oidc_grant_t *g);
/* Marks the code used: STORE_OK with *g filled when it was unused;
 * STORE_CONFLICT (g filled) when it had been used; STORE_NOT_FOUND. */
int oidc_code_take(store_t *s, const char *hash, oidc_grant_t *g);
int oidc_token_add(store_t *s, const oidc_grant_t *g);
/* STORE_OK or STORE_NOT_FOUND. */
int oidc_token_get(store_t *s, const char *hash, oidc_grant_t *g);
/* Marks a refresh token used: STORE_OK when it was unused, STORE_CONFLICT
 * when it had been (reuse). */
int oidc_token_use(store_t *s, const char *hash);
/* Revokes every token of a family (code reuse, refresh token reuse). */
int oidc_family_revoke(store_t *s, const char *family);
/* Revokes every token issued under a portal session (logout). */
int oidc_sid_revoke(store_t *s, const char *sid);
/* Deletes codes and tokens past expiry. */
int oidc_grants_prune(store_t *s, int64_t now);

/* The scopes the user granted the client ("" when none): STORE_OK. */
int oidc_consent_get(store_t *s, int64_t user_id, const char *client_id, char *scopes, size_t cap);
int oidc_consent_put(store_t *s, int64_t user_id, const char *client_id, const char *scopes,
                     int64_t now);

typedef struct {
    char client_id[65];
    char name[129]; /* the client's display name */
    char scopes[256];
    int64_t created; /* Unix seconds */
} oidc_consent_t;

typedef int (*oidc_consent_cb)(void *ctx, const oidc_consent_t *c);

/* The user's remembered consents, by client id. */
int oidc_consent_list(store_t *s, int64_t user_id, oidc_consent_cb cb, void *ctx);
/* Forgets one and revokes the tokens the client holds for the user:
 * STORE_OK or STORE_NOT_FOUND. */
int oidc_consent_delete(store_t *s, int64_t user_id, const char *client_id);

#endif
