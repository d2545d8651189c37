/*
 * store_webauthn.h — directory users' WebAuthn credentials in the store
 * (migration 8, store_webauthn_schema.h), the same statements on SQLite and
 * PostgreSQL through store_sql.h. Binary values are kept as base64url text.
 */
#ifndef RAMPART_CTL_STORE_WEBAUTHN_H
#define RAMPART_CTL_STORE_WEBAUTHN_H

#include <stdint.h>

#include "store.h"
#include "store_sql.h"

/* base64url of WEBAUTHN_CREDENTIAL_ID_MAX bytes, of a 64-byte user handle,
 * of a COSE key up to an 8192-bit RSA key */
#define WA_CRED_ID_B64_MAX 1368
#define WA_HANDLE_B64_MAX  88
#define WA_PUBKEY_B64_MAX  1600
#define WA_NAME_MAX        64
#define WA_TRANSPORTS_MAX  96

typedef struct {
    int64_t id;
    int64_t user_id;
    char credential_id[WA_CRED_ID_B64_MAX + 1];
    char user_handle[WA_HANDLE_B64_MAX + 1];
    char public_key[WA_PUBKEY_B64_MAX + 1];
    int64_t alg;
    int64_t sign_count;
    char transports[WA_TRANSPORTS_MAX + 1]; /* comma-separated, as the browser said */
    char aaguid[40];                        /* hex */
    char name[WA_NAME_MAX + 1];
    int64_t created, last_used; /* Unix ms; last_used 0: never */
} wa_cred_t;

/* Adds c (c->id is set); STORE_CONFLICT when its credential id exists. */
int wa_cred_add(store_t *s, wa_cred_t *c);
/* The credential with this id (base64url); STORE_NOT_FOUND. */
int wa_cred_get(store_t *s, const char *credential_id, wa_cred_t *out);
/* Every credential of the user, oldest first; cb returns nonzero to stop. */
int wa_cred_list(store_t *s, int64_t user_id, int (*cb)(void *ctx, const wa_cred_t *c), void *ctx);
/* After an assertion: the new counter and the time. */
int wa_cred_used(store_t *s, int64_t id, int64_t sign_count, int64_t when_ms);
/* The user's own credential only; STORE_NOT_FOUND otherwise. */
int wa_cred_rename(store_t *s, int64_t user_id, int64_t id, const char *name);
int wa_cred_delete(store_t *s, int64_t user_id, int64_t id);
/* Every credential of the user (an operator's MFA reset). */
int wa_cred_delete_all(store_t *s, int64_t user_id);

#endif
