/*
 * sm4_impl.h — the SM4 implementations behind rp_sm4_* and the run-time
 * choice between them (internal to librampart; tests reach every
 * implementation through rp_sm4_impls to compare them).
 */
#ifndef RAMPART_SM4_IMPL_H
#define RAMPART_SM4_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern const uint8_t rp_sm4_sbox[256];

typedef struct {
    const char *name;
    bool (*usable)(void);
    /* Any number of whole blocks with the given round keys (reversed round
     * keys decrypt). */
    void (*ecb)(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t nblocks);
    /* Whole blocks of counter mode; ctr's last 32 bits count (big-endian,
     * mod 2^32) and are advanced by nblocks. */
    void (*ctr32)(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in, uint8_t *out,
                  size_t nblocks);
} rp_sm4_impl_t;

extern const rp_sm4_impl_t rp_sm4_portable;
extern const rp_sm4_impl_t rp_sm4_aesni_avx2;
extern const rp_sm4_impl_t rp_sm4_gfni_avx512;

/* Every implementation, fastest first; NULL-terminated. */
extern const rp_sm4_impl_t *const rp_sm4_impls[];

/* The implementation in use (the first usable one of rp_sm4_impls). */
const rp_sm4_impl_t *rp_sm4_active(void);

static inline uint32_t rp_load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void rp_store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
