/*
 * identity_cache.h — per-thread memory of session tokens whose MAC was
 * verified, so a returning session skips the HMAC (docs/IDENTITY.md,
 * "Session check cost"). Entries hold the whole token and the serial of the
 * key set that verified it: a new key set (rotation, removal) misses.
 * Expiry, idle time and revocation are never cached.
 */
#ifndef RAMPART_IDENTITY_CACHE_H
#define RAMPART_IDENTITY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool rp_id_cache_hit(uint64_t key_serial, const char *token, size_t len);
void rp_id_cache_put(uint64_t key_serial, const char *token, size_t len);

#endif
