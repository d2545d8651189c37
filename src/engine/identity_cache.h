/*
 * identity_cache.h — per-thread memory of session tokens whose MAC was
 * verified, so a returning session skips the HMAC (docs/IDENTITY.md,
 * "Session check cost"). Entries hold the whole token and the serial of the
 * key set that verified it: a new key set (rotation, removal) misses. A hit
 * also returns the claims parsed then, so a returning session costs a
 * memcmp and a copy.
 * Expiry, idle time and revocation are never cached.
 */
#ifndef RAMPART_IDENTITY_CACHE_H
#define RAMPART_IDENTITY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rampart/identity.h"

/* On a hit, *claims gets the token's parsed claims. */
bool rp_id_cache_hit(uint64_t key_serial, const char *token, size_t len, rp_id_claims_t *claims);
void rp_id_cache_put(uint64_t key_serial, const char *token, size_t len,
                     const rp_id_claims_t *claims);

/* Copy claims, re-pointing the fields into dst's own text. */
void rp_id_claims_copy(rp_id_claims_t *dst, const rp_id_claims_t *src);

#endif
