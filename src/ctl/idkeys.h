/*
 * idkeys.h — the identity service's keys (docs/IDENTITY.md "Session
 * keys", "Identity headers upstream"):
 *
 *   session keys   HMAC-SHA-256 keys that sign rpt1 tokens and rph1
 *                  hand-offs. The newest signs; a key is rotated after
 *                  IDKEY_ROTATE_S, and an older key stays valid until the
 *                  longest session it could have signed has ended: its
 *                  not_after is the next key's creation plus the absolute
 *                  session lifetime. Keys past not_after are deleted.
 *   upstream keys  one per application, made on first need, with which the
 *                  gateway signs the identity headers it sends upstream.
 *
 * Keys are sealed in the store (idcrypt.h) and held in memory opened.
 * They reach only gateway tokens (GET /api/v1/gateway/identity-keys),
 * never logs, the bundle or the audit log.
 */
#ifndef RAMPART_CTL_IDKEYS_H
#define RAMPART_CTL_IDKEYS_H

#include <jansson.h>
#include <stdint.h>

#include "ctl.h"

#define IDKEY_LEN      32
#define IDKEY_ROTATE_S (7 * 86400)
#define IDKEY_MAX      16

typedef struct {
    char kid[17];
    char alg[16];
    unsigned char key[IDKEY_LEN];
    int64_t created, not_after; /* Unix seconds; not_after 0: none (the newest) */
} idkey_mem_t;

typedef struct idkeys idkeys_t;

idkeys_t *idkeys_new(void);
void idkeys_free(idkeys_t *k);

/* Loads the session keys, making the first or rotating the newest when
 * due, and dropping expired ones. STORE_OK or an error. */
int idkeys_refresh(ctl_t *ctl, idkeys_t *k);

/* Replaces the keys held in memory (oldest first); refresh uses it. */
void idkeys_install(idkeys_t *k, const idkey_mem_t *keys, int n);

/* The newest session key (to sign with); 0, or -1 when there is none. */
int idkeys_newest(idkeys_t *k, idkey_mem_t *out);
/* The session key kid, if it is still valid at now (Unix seconds). */
int idkeys_find(idkeys_t *k, const char *kid, int64_t now, idkey_mem_t *out);
/* A short digest of the key set: changes whenever a key is added or dropped. */
void idkeys_version(idkeys_t *k, char out[17]);

/* {"version", "session": [{kid, alg, key, not_after}], "upstream": {app: key}}
 * with keys in base64url; makes any missing upstream key. NULL on error. */
json_t *idkeys_gateway_json(ctl_t *ctl, idkeys_t *k);

#endif
