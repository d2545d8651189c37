/*
 * identity_t.h — layouts shared by the identity files (identity_*.c):
 * key sets, revocation lists, the MAC and strict base64url.
 */
#ifndef RAMPART_IDENTITY_T_H
#define RAMPART_IDENTITY_T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rampart/identity.h"

#define RP_ID_KEY_LEN 32
#define RP_ID_MAC_LEN 32
#define RP_ID_MAC_B64 43 /* base64url-nopad of 32 bytes */

typedef struct {
    char kid[RP_ID_KID_MAX + 1];
    size_t kid_len;
    rp_id_alg_t alg;
    uint8_t key[RP_ID_KEY_LEN];
    int64_t not_after; /* 0: none */
} rp_id_key_t;

struct rp_id_keys {
    /* unique per loaded set in the process: what cached verifications key on */
    uint64_t serial;
    size_t n;
    rp_id_key_t *keys; /* file order: newest last */
};

/* The key named kid that is usable at now, or NULL. */
const rp_id_key_t *rp_id_key_find(const rp_id_keys_t *k, const char *kid, size_t kid_len,
                                  int64_t now);

/* HMAC of data under a raw key (1..64 bytes). */
bool rp_id_hmac(rp_id_alg_t alg, const uint8_t *key, size_t key_len, const void *data, size_t len,
                uint8_t out[RP_ID_MAC_LEN]);

/* HMAC (the key's algorithm) of data. */
bool rp_id_mac(const rp_id_key_t *key, const char *data, size_t len, uint8_t out[RP_ID_MAC_LEN]);

/* Strict base64url without padding (RFC 4648 §5): only the URL alphabet,
 * no '=', unused trailing bits zero. Returns the decoded length or SIZE_MAX. */
size_t rp_id_b64url_decode(const char *s, size_t len, uint8_t *out, size_t cap);

/* Is c an RFC 3986 unreserved character? */
static inline bool rp_id_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* A non-negative decimal without sign or leading zeros, below 10^18. */
bool rp_id_decimal(const char *s, size_t len, uint64_t *out);

/* FNV-1a with a finaliser: table slots for sids and hand-offs. */
static inline uint64_t rp_id_hash(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

/* Percent-decode a claim value (already validated) into out (cap bytes,
 * NUL-terminated); returns the length. */
size_t rp_id_pct_decode(const char *s, size_t len, char *out, size_t cap);

#endif
