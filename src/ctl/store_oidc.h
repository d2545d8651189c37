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

#endif
