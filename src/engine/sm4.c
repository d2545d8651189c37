/*
 * sm4.c — the SM4 block cipher (GB/T 32907-2016): key schedule, the portable
 * table-driven implementation, and the run-time choice of implementation.
 *
 * The portable code folds the S-box and the linear transform L into one
 * 256-entry table of 32-bit words (rotated for the other three bytes); its
 * table lookups depend on data, so it is the fallback only — the AES-NI and
 * GFNI implementations (sm4_aesni.c, sm4_gfni.c) compute the S-box without
 * memory lookups and are chosen whenever the CPU has them.
 */
#include <pthread.h>
#include <string.h>

#include "rampart/crypto.h"
#include "sm4_impl.h"

const uint8_t rp_sm4_sbox[256] = {
    0xd6, 0x90, 0xe9, 0xfe, 0xcc, 0xe1, 0x3d, 0xb7, 0x16, 0xb6, 0x14, 0xc2, 0x28, 0xfb, 0x2c, 0x05,
    0x2b, 0x67, 0x9a, 0x76, 0x2a, 0xbe, 0x04, 0xc3, 0xaa, 0x44, 0x13, 0x26, 0x49, 0x86, 0x06, 0x99,
    0x9c, 0x42, 0x50, 0xf4, 0x91, 0xef, 0x98, 0x7a, 0x33, 0x54, 0x0b, 0x43, 0xed, 0xcf, 0xac, 0x62,
    0xe4, 0xb3, 0x1c, 0xa9, 0xc9, 0x08, 0xe8, 0x95, 0x80, 0xdf, 0x94, 0xfa, 0x75, 0x8f, 0x3f, 0xa6,
    0x47, 0x07, 0xa7, 0xfc, 0xf3, 0x73, 0x17, 0xba, 0x83, 0x59, 0x3c, 0x19, 0xe6, 0x85, 0x4f, 0xa8,
    0x68, 0x6b, 0x81, 0xb2, 0x71, 0x64, 0xda, 0x8b, 0xf8, 0xeb, 0x0f, 0x4b, 0x70, 0x56, 0x9d, 0x35,
    0x1e, 0x24, 0x0e, 0x5e, 0x63, 0x58, 0xd1, 0xa2, 0x25, 0x22, 0x7c, 0x3b, 0x01, 0x21, 0x78, 0x87,
    0xd4, 0x00, 0x46, 0x57, 0x9f, 0xd3, 0x27, 0x52, 0x4c, 0x36, 0x02, 0xe7, 0xa0, 0xc4, 0xc8, 0x9e,
    0xea, 0xbf, 0x8a, 0xd2, 0x40, 0xc7, 0x38, 0xb5, 0xa3, 0xf7, 0xf2, 0xce, 0xf9, 0x61, 0x15, 0xa1,
    0xe0, 0xae, 0x5d, 0xa4, 0x9b, 0x34, 0x1a, 0x55, 0xad, 0x93, 0x32, 0x30, 0xf5, 0x8c, 0xb1, 0xe3,
    0x1d, 0xf6, 0xe2, 0x2e, 0x82, 0x66, 0xca, 0x60, 0xc0, 0x29, 0x23, 0xab, 0x0d, 0x53, 0x4e, 0x6f,
    0xd5, 0xdb, 0x37, 0x45, 0xde, 0xfd, 0x8e, 0x2f, 0x03, 0xff, 0x6a, 0x72, 0x6d, 0x6c, 0x5b, 0x51,
    0x8d, 0x1b, 0xaf, 0x92, 0xbb, 0xdd, 0xbc, 0x7f, 0x11, 0xd9, 0x5c, 0x41, 0x1f, 0x10, 0x5a, 0xd8,
    0x0a, 0xc1, 0x31, 0x88, 0xa5, 0xcd, 0x7b, 0xbd, 0x2d, 0x74, 0xd0, 0x12, 0xb8, 0xe5, 0xb4, 0xb0,
    0x89, 0x69, 0x97, 0x4a, 0x0c, 0x96, 0x77, 0x7e, 0x65, 0xb9, 0xf1, 0x09, 0xc5, 0x6e, 0xc6, 0x84,
    0x18, 0xf0, 0x7d, 0xec, 0x3a, 0xdc, 0x4d, 0x20, 0x79, 0xee, 0x5f, 0x3e, 0xd7, 0xcb, 0x39, 0x48,
};

static const uint32_t sm4_fk[4] = {0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc};

static inline uint32_t rol32(uint32_t x, unsigned n)
{
    return x << n | x >> (32 - n);
}

static uint32_t tau(uint32_t x)
{
    return (uint32_t)rp_sm4_sbox[x >> 24] << 24 | (uint32_t)rp_sm4_sbox[(x >> 16) & 0xff] << 16 |
           (uint32_t)rp_sm4_sbox[(x >> 8) & 0xff] << 8 | rp_sm4_sbox[x & 0xff];
}

void rp_sm4_set_key(rp_sm4_key_t *k, const uint8_t key[RP_SM4_KEY])
{
    uint32_t w[4];
    for (int i = 0; i < 4; i++)
        w[i] = rp_load_be32(key + 4 * i) ^ sm4_fk[i];
    for (int i = 0; i < 32; i++) {
        /* CK_i: bytes (4i+j)*7 mod 256, j = 0..3 */
        uint32_t ck = 0;
        for (int j = 0; j < 4; j++)
            ck = ck << 8 | (uint8_t)((4 * i + j) * 7);
        uint32_t t = tau(w[(i + 1) & 3] ^ w[(i + 2) & 3] ^ w[(i + 3) & 3] ^ ck);
        w[i & 3] ^= t ^ rol32(t, 13) ^ rol32(t, 23);
        k->rk[i] = w[i & 3];
    }
}

/* T-table: L(S(b) << 24); the other byte positions are rotations of it. */
static uint32_t sm4_t0[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void make_tables(void)
{
    for (int b = 0; b < 256; b++) {
        uint32_t x = (uint32_t)rp_sm4_sbox[b] << 24;
        sm4_t0[b] = x ^ rol32(x, 2) ^ rol32(x, 10) ^ rol32(x, 18) ^ rol32(x, 24);
    }
}

static inline uint32_t t_portable(uint32_t x)
{
    return sm4_t0[x >> 24] ^ rol32(sm4_t0[(x >> 16) & 0xff], 24) ^
           rol32(sm4_t0[(x >> 8) & 0xff], 16) ^ rol32(sm4_t0[x & 0xff], 8);
}

static void block_portable(const uint32_t rk[32], const uint8_t in[16], uint8_t out[16])
{
    uint32_t x0 = rp_load_be32(in), x1 = rp_load_be32(in + 4), x2 = rp_load_be32(in + 8),
             x3 = rp_load_be32(in + 12);
    for (int i = 0; i < 32; i += 4) {
        x0 ^= t_portable(x1 ^ x2 ^ x3 ^ rk[i]);
        x1 ^= t_portable(x2 ^ x3 ^ x0 ^ rk[i + 1]);
        x2 ^= t_portable(x3 ^ x0 ^ x1 ^ rk[i + 2]);
        x3 ^= t_portable(x0 ^ x1 ^ x2 ^ rk[i + 3]);
    }
    rp_store_be32(out, x3);
    rp_store_be32(out + 4, x2);
    rp_store_be32(out + 8, x1);
    rp_store_be32(out + 12, x0);
}

static bool portable_usable(void)
{
    pthread_once(&tables_once, make_tables);
    return true;
}

static void ecb_portable(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t nblocks)
{
    for (size_t i = 0; i < nblocks; i++)
        block_portable(rk, in + 16 * i, out + 16 * i);
}

static void ctr32_portable(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in, uint8_t *out,
                           size_t nblocks)
{
    uint32_t n = rp_load_be32(ctr + 12);
    uint8_t ks[16];
    for (size_t i = 0; i < nblocks; i++, n++) {
        rp_store_be32(ctr + 12, n);
        block_portable(rk, ctr, ks);
        for (int j = 0; j < 16; j++)
            out[16 * i + j] = in[16 * i + j] ^ ks[j];
    }
    rp_store_be32(ctr + 12, n);
}

const rp_sm4_impl_t rp_sm4_portable = {"portable", portable_usable, ecb_portable, ctr32_portable};

const rp_sm4_impl_t *const rp_sm4_impls[] = {&rp_sm4_gfni_avx512, &rp_sm4_aesni_avx2,
                                             &rp_sm4_portable, NULL};

static const rp_sm4_impl_t *active;
static pthread_once_t active_once = PTHREAD_ONCE_INIT;

static void choose(void)
{
    portable_usable(); /* the others use the portable code for single blocks */
    for (int i = 0; rp_sm4_impls[i]; i++)
        if (rp_sm4_impls[i]->usable()) {
            active = rp_sm4_impls[i];
            return;
        }
}

const rp_sm4_impl_t *rp_sm4_active(void)
{
    pthread_once(&active_once, choose);
    return active;
}

const char *rp_sm4_impl_name(void)
{
    return rp_sm4_active()->name;
}

void rp_sm4_encrypt_block(const rp_sm4_key_t *k, const uint8_t in[16], uint8_t out[16])
{
    rp_sm4_active()->ecb(k->rk, in, out, 1);
}

void rp_sm4_decrypt_block(const rp_sm4_key_t *k, const uint8_t in[16], uint8_t out[16])
{
    uint32_t rev[32];
    for (int i = 0; i < 32; i++)
        rev[i] = k->rk[31 - i];
    rp_sm4_active()->ecb(rev, in, out, 1);
}

void rp_sm4_ctr32(const rp_sm4_key_t *k, uint8_t ctr[16], const uint8_t *in, uint8_t *out,
                  size_t len)
{
    const rp_sm4_impl_t *impl = rp_sm4_active();
    size_t whole = len / 16;
    if (whole)
        impl->ctr32(k->rk, ctr, in, out, whole);
    size_t rest = len % 16;
    if (rest) {
        uint8_t zero[16] = {0}, ks[16];
        impl->ctr32(k->rk, ctr, zero, ks, 1);
        for (size_t j = 0; j < rest; j++)
            out[16 * whole + j] = in[16 * whole + j] ^ ks[j];
    }
}
