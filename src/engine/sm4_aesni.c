/*
 * sm4_aesni.c — SM4 on eight blocks at once with AVX2, the S-box computed by
 * the AES-NI instruction AESENCLAST.
 *
 * SM4's S-box is an affine map of inversion in GF(2^8) (modulus
 * x^8+x^7+x^6+x^5+x^4+x^2+1), AES's is an affine map of inversion in another
 * representation of the same field (x^8+x^4+x^3+x+1). The two fields are
 * isomorphic, so S_sm4(x) = Post(S_aes(Pre(x))) with affine Pre (SM4's input
 * affine map followed by the field isomorphism) and Post (AES's affine map
 * undone, the isomorphism inverted, SM4's output affine map). Pre and Post are
 * applied as two 16-entry nibble lookups each (PSHUFB), AESENCLAST with a
 * zero round key does S_aes on 16 bytes (after ShiftRows, undone by one more
 * PSHUFB). No memory lookup depends on data: constant time.
 *
 * Each group of eight blocks is held transposed: register j holds word j of
 * every block, so one instruction does one step of a round for all of them.
 */
#include <string.h>

#include "cpu_features.h"
#include "sm4_impl.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx2,aes")))

/* Pre: bits of SM4's S-box input -> AES field; Post: AES S-box output ->
 * SM4's S-box output (its constant folded into the low-nibble table). The
 * tables were derived from the S-box (and are checked against it by
 * tests/unit/sm4_test.c on all 256 inputs via the block cipher). */
static const uint8_t pre_lo[16] = {0x3e, 0xb2, 0x0e, 0x82, 0xbb, 0x37, 0x8b, 0x07,
                                   0xa1, 0x2d, 0x91, 0x1d, 0x24, 0xa8, 0x14, 0x98};
static const uint8_t pre_hi[16] = {0x00, 0xdc, 0x2e, 0xf2, 0xc5, 0x19, 0xeb, 0x37,
                                   0x08, 0xd4, 0x26, 0xfa, 0xcd, 0x11, 0xe3, 0x3f};
static const uint8_t post_lo[16] = {0x6c, 0xd4, 0xa6, 0x1e, 0x52, 0xea, 0x98, 0x20,
                                    0x0b, 0xb3, 0xc1, 0x79, 0x35, 0x8d, 0xff, 0x47};
static const uint8_t post_hi[16] = {0x00, 0xe0, 0x50, 0xb0, 0x9d, 0x7d, 0xcd, 0x2d,
                                    0xc0, 0x20, 0x90, 0x70, 0x5d, 0xbd, 0x0d, 0xed};
/* Inverse ShiftRows, so that AESENCLAST's ShiftRows cancels. */
static const uint8_t inv_shift_rows[16] = {0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3};
/* Byte order swaps within each 32-bit word, and byte rotations. */
static const uint8_t bswap32_idx[16] = {3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12};
static const uint8_t rol8_idx[16] = {3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14};
static const uint8_t rol16_idx[16] = {2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13};
static const uint8_t rol24_idx[16] = {1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12};

typedef struct {
    __m256i pre_lo, pre_hi, post_lo, post_hi, isr, rol8, rol16, rol24, nib;
} consts_t;

TARGET static inline __m256i bcast16(const uint8_t t[16])
{
    return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t));
}

TARGET static inline void load_consts(consts_t *c)
{
    c->pre_lo = bcast16(pre_lo);
    c->pre_hi = bcast16(pre_hi);
    c->post_lo = bcast16(post_lo);
    c->post_hi = bcast16(post_hi);
    c->isr = bcast16(inv_shift_rows);
    c->rol8 = bcast16(rol8_idx);
    c->rol16 = bcast16(rol16_idx);
    c->rol24 = bcast16(rol24_idx);
    c->nib = _mm256_set1_epi8(0x0f);
}

TARGET static inline __m256i affine(__m256i x, __m256i lo, __m256i hi, __m256i nib)
{
    __m256i l = _mm256_and_si256(x, nib);
    __m256i h = _mm256_and_si256(_mm256_srli_epi16(x, 4), nib);
    return _mm256_xor_si256(_mm256_shuffle_epi8(lo, l), _mm256_shuffle_epi8(hi, h));
}

/* T(x) = L(tau(x)) on eight words (native little-endian u32 lanes holding the
 * big-endian words' values). */
TARGET static inline __m256i sm4_t(__m256i x, const consts_t *c)
{
    __m256i y = affine(x, c->pre_lo, c->pre_hi, c->nib);
    y = _mm256_shuffle_epi8(y, c->isr);
    __m128i zero = _mm_setzero_si128();
    __m128i lo = _mm_aesenclast_si128(_mm256_castsi256_si128(y), zero);
    __m128i hi = _mm_aesenclast_si128(_mm256_extracti128_si256(y, 1), zero);
    y = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
    y = affine(y, c->post_lo, c->post_hi, c->nib);
    /* L(y) = y ^ rol2(y) ^ rol10(y) ^ rol18(y) ^ rol24(y)
     *      = y ^ rol24(y) ^ rol2(y ^ rol8(y) ^ rol16(y)) */
    __m256i u = _mm256_xor_si256(
        y, _mm256_xor_si256(_mm256_shuffle_epi8(y, c->rol8), _mm256_shuffle_epi8(y, c->rol16)));
    u = _mm256_or_si256(_mm256_slli_epi32(u, 2), _mm256_srli_epi32(u, 30));
    return _mm256_xor_si256(_mm256_xor_si256(y, _mm256_shuffle_epi8(y, c->rol24)), u);
}

#define ROUND(a, b, c, d, k)                                                                       \
    a = _mm256_xor_si256(                                                                          \
        a, sm4_t(_mm256_xor_si256(_mm256_xor_si256(b, c), _mm256_xor_si256(d, k)), c_))

/* Two independent groups of eight blocks, round by round: one group's chain
 * of dependent instructions is long, the other's fills its latency. */
TARGET static inline void rounds(const uint32_t rk[32], __m256i x[4], __m256i y[4],
                                 const consts_t *c_)
{
    for (int i = 0; i < 32; i += 4) {
        __m256i k0 = _mm256_set1_epi32((int)rk[i]), k1 = _mm256_set1_epi32((int)rk[i + 1]);
        __m256i k2 = _mm256_set1_epi32((int)rk[i + 2]), k3 = _mm256_set1_epi32((int)rk[i + 3]);
        ROUND(x[0], x[1], x[2], x[3], k0);
        ROUND(y[0], y[1], y[2], y[3], k0);
        ROUND(x[1], x[2], x[3], x[0], k1);
        ROUND(y[1], y[2], y[3], y[0], k1);
        ROUND(x[2], x[3], x[0], x[1], k2);
        ROUND(y[2], y[3], y[0], y[1], k2);
        ROUND(x[3], x[0], x[1], x[2], k3);
        ROUND(y[3], y[0], y[1], y[2], k3);
    }
}

/* 4x4 transpose of 32-bit words within each 128-bit lane. */
TARGET static inline void transpose(__m256i r[4])
{
    __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    r[0] = _mm256_unpacklo_epi64(t0, t2);
    r[1] = _mm256_unpackhi_epi64(t0, t2);
    r[2] = _mm256_unpacklo_epi64(t1, t3);
    r[3] = _mm256_unpackhi_epi64(t1, t3);
}

TARGET static inline void load8(const uint8_t *in, __m256i x[4], __m256i bs)
{
    /* register i holds blocks i (low lane) and i + 4 (high lane) */
    for (int i = 0; i < 4; i++) {
        __m256i v = _mm256_loadu2_m128i((const __m128i *)(in + 16 * (i + 4)),
                                        (const __m128i *)(in + 16 * i));
        x[i] = _mm256_shuffle_epi8(v, bs);
    }
    transpose(x);
}

TARGET static inline void store8(uint8_t *out, const __m256i x[4], __m256i bs)
{
    __m256i y[4] = {x[3], x[2], x[1], x[0]};
    transpose(y);
    for (int i = 0; i < 4; i++) {
        __m256i v = _mm256_shuffle_epi8(y[i], bs);
        _mm256_storeu2_m128i((__m128i *)(out + 16 * (i + 4)), (__m128i *)(out + 16 * i), v);
    }
}

TARGET static void sixteen_blocks(const uint32_t rk[32], const uint8_t *in, uint8_t *out,
                                  const consts_t *c)
{
    __m256i bs = bcast16(bswap32_idx), x[4], y[4];
    load8(in, x, bs);
    load8(in + 128, y, bs);
    rounds(rk, x, y, c);
    store8(out, x, bs);
    store8(out + 128, y, bs);
}

TARGET static void ecb_aesni(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t n)
{
    consts_t c;
    load_consts(&c);
    for (; n >= 16; n -= 16, in += 256, out += 256)
        sixteen_blocks(rk, in, out, &c);
    if (n) {
        uint8_t buf[256] = {0};
        memcpy(buf, in, 16 * n);
        sixteen_blocks(rk, buf, buf, &c);
        memcpy(out, buf, 16 * n);
    }
}

TARGET static void ctr32_aesni(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in,
                               uint8_t *out, size_t n)
{
    consts_t c;
    load_consts(&c);
    uint8_t blocks[256];
    uint32_t count = rp_load_be32(ctr + 12);
    while (n) {
        for (int i = 0; i < 16; i++) {
            memcpy(blocks + 16 * i, ctr, 12);
            rp_store_be32(blocks + 16 * i + 12, count + (uint32_t)i);
        }
        sixteen_blocks(rk, blocks, blocks, &c);
        size_t take = n < 16 ? n : 16;
        for (size_t i = 0; i < take * 16; i += 32) {
            if (i + 32 <= take * 16) {
                __m256i k = _mm256_loadu_si256((const __m256i *)(blocks + i));
                __m256i d = _mm256_loadu_si256((const __m256i *)(in + i));
                _mm256_storeu_si256((__m256i *)(out + i), _mm256_xor_si256(k, d));
            } else {
                __m128i k = _mm_loadu_si128((const __m128i *)(blocks + i));
                __m128i d = _mm_loadu_si128((const __m128i *)(in + i));
                _mm_storeu_si128((__m128i *)(out + i), _mm_xor_si128(k, d));
            }
        }
        count += (uint32_t)take;
        in += 16 * take;
        out += 16 * take;
        n -= take;
    }
    rp_store_be32(ctr + 12, count);
}

static bool aesni_usable(void)
{
    const rp_cpu_features_t *f = rp_cpu_features();
    return f->aesni && f->avx2;
}

const rp_sm4_impl_t rp_sm4_aesni_avx2 = {"aesni-avx2", aesni_usable, ecb_aesni, ctr32_aesni};

#else

static bool aesni_usable(void)
{
    return false;
}

const rp_sm4_impl_t rp_sm4_aesni_avx2 = {"aesni-avx2", aesni_usable, NULL, NULL};

#endif
