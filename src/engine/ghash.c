/*
 * ghash.c — GHASH's portable multiply (SP 800-38D §6.3, Algorithm 1, with
 * masks instead of branches so its timing does not depend on H or the data)
 * and the choice between it and PCLMULQDQ (ghash_pclmul.c).
 *
 * htab layout: [0],[1] H as big-endian high/low halves; [2..9] H^1..H^4 as
 * (low, high) pairs, the byte-reversed form the PCLMULQDQ code loads.
 */
#include <pthread.h>

#include "cpu_features.h"
#include "ghash.h"
#include "sm4_impl.h"

static inline uint64_t load_be64(const uint8_t *p)
{
    return (uint64_t)rp_load_be32(p) << 32 | rp_load_be32(p + 4);
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
    rp_store_be32(p, (uint32_t)(v >> 32));
    rp_store_be32(p + 4, (uint32_t)v);
}

/* (xh:xl) * (hh:hl) in GCM's bit-reflected GF(2^128). */
static void gf128_mul(uint64_t *xh, uint64_t *xl, uint64_t hh, uint64_t hl)
{
    uint64_t zh = 0, zl = 0, vh = hh, vl = hl, x = *xh;
    for (int i = 0; i < 128; i++) {
        if (i == 64)
            x = *xl;
        uint64_t bit = 0 - ((x >> (63 - (i & 63))) & 1);
        zh ^= vh & bit;
        zl ^= vl & bit;
        uint64_t carry = 0 - (vl & 1);
        vl = vl >> 1 | vh << 63;
        vh = (vh >> 1) ^ (0xe100000000000000ULL & carry);
    }
    *xh = zh;
    *xl = zl;
}

void rp_ghash_portable(const uint64_t htab[16], uint8_t x[16], const uint8_t *in, size_t n)
{
    uint64_t xh = load_be64(x), xl = load_be64(x + 8);
    for (size_t i = 0; i < n; i++, in += 16) {
        xh ^= load_be64(in);
        xl ^= load_be64(in + 8);
        gf128_mul(&xh, &xl, htab[0], htab[1]);
    }
    store_be64(x, xh);
    store_be64(x + 8, xl);
}

void rp_ghash_init(uint64_t htab[16], const uint8_t h[16])
{
    uint64_t ph = load_be64(h), pl = load_be64(h + 8);
    htab[0] = ph;
    htab[1] = pl;
    for (int k = 0; k < 4; k++) {
        htab[2 + 2 * k] = pl;
        htab[3 + 2 * k] = ph;
        gf128_mul(&ph, &pl, htab[0], htab[1]);
    }
    for (int k = 10; k < 16; k++)
        htab[k] = 0;
}

typedef void (*ghash_fn)(const uint64_t *, uint8_t *, const uint8_t *, size_t);
static ghash_fn ghash_active;
static const char *ghash_name;
static pthread_once_t ghash_once = PTHREAD_ONCE_INIT;

static void choose(void)
{
    const rp_cpu_features_t *f = rp_cpu_features();
    if (f->pclmul && f->ssse3) {
        ghash_active = rp_ghash_pclmul;
        ghash_name = "pclmul";
    } else {
        ghash_active = rp_ghash_portable;
        ghash_name = "portable";
    }
}

void rp_ghash_blocks(const uint64_t htab[16], uint8_t x[16], const uint8_t *in, size_t nblocks)
{
    pthread_once(&ghash_once, choose);
    ghash_active(htab, x, in, nblocks);
}

const char *rp_ghash_impl_name(void)
{
    pthread_once(&ghash_once, choose);
    return ghash_name;
}
