/*
 * sm4_gfni.c — SM4 on sixteen blocks at once with AVX-512, the S-box computed
 * by two GFNI instructions.
 *
 * S_sm4(x) = Post(inv(Pre(x))) where inv is inversion in the AES field
 * (sm4_aesni.c explains the field isomorphism): GF2P8AFFINEQB applies the
 * affine map Pre, GF2P8AFFINEINVQB inverts in the AES field and applies the
 * affine map Post. The 8x8 bit matrices are in the instructions' qword form
 * (byte 7-i is the row of output bit i). VPROLD does L's rotations and
 * VPTERNLOGD its three-way XORs. No data-dependent memory access.
 *
 * Register j holds word j of all sixteen blocks (lane l of it: blocks l,
 * l+4, l+8, l+12 — whatever order the input transpose makes, the output
 * transpose undoes).
 */
#include <string.h>

#include "cpu_features.h"
#include "sm4_impl.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,gfni")))

#define PRE_MATRIX  0x4c287db91a22505dULL
#define PRE_CONST   0x3e
#define POST_MATRIX 0xf3ab34a974a6b589ULL
#define POST_CONST  0xd3

TARGET static inline __m512i sm4_t(__m512i x)
{
    const __m512i pre = _mm512_set1_epi64((long long)PRE_MATRIX);
    const __m512i post = _mm512_set1_epi64((long long)POST_MATRIX);
    __m512i y = _mm512_gf2p8affine_epi64_epi8(x, pre, PRE_CONST);
    y = _mm512_gf2p8affineinv_epi64_epi8(y, post, POST_CONST);
    __m512i a = _mm512_ternarylogic_epi32(y, _mm512_rol_epi32(y, 2), _mm512_rol_epi32(y, 10), 0x96);
    return _mm512_ternarylogic_epi32(a, _mm512_rol_epi32(y, 18), _mm512_rol_epi32(y, 24), 0x96);
}

#define ROUND(a, b, c, d, k)                                                                       \
    a = _mm512_xor_si512(a, sm4_t(_mm512_xor_si512(_mm512_ternarylogic_epi32(b, c, d, 0x96),       \
                                                   _mm512_set1_epi32((int)(k)))))

TARGET static inline void rounds(const uint32_t rk[32], __m512i x[4])
{
    for (int i = 0; i < 32; i += 4) {
        ROUND(x[0], x[1], x[2], x[3], rk[i]);
        ROUND(x[1], x[2], x[3], x[0], rk[i + 1]);
        ROUND(x[2], x[3], x[0], x[1], rk[i + 2]);
        ROUND(x[3], x[0], x[1], x[2], rk[i + 3]);
    }
}

TARGET static inline void transpose(__m512i r[4])
{
    __m512i t0 = _mm512_unpacklo_epi32(r[0], r[1]), t1 = _mm512_unpackhi_epi32(r[0], r[1]);
    __m512i t2 = _mm512_unpacklo_epi32(r[2], r[3]), t3 = _mm512_unpackhi_epi32(r[2], r[3]);
    r[0] = _mm512_unpacklo_epi64(t0, t2);
    r[1] = _mm512_unpackhi_epi64(t0, t2);
    r[2] = _mm512_unpacklo_epi64(t1, t3);
    r[3] = _mm512_unpackhi_epi64(t1, t3);
}

TARGET static inline __m512i bswap_words(__m512i v)
{
    const __m512i idx =
        _mm512_broadcast_i32x4(_mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12));
    return _mm512_shuffle_epi8(v, idx);
}

/* Words of sixteen finished blocks (x as left by rounds) to bytes. */
TARGET static inline void finish(__m512i x[4], __m512i out[4])
{
    out[0] = x[3];
    out[1] = x[2];
    out[2] = x[1];
    out[3] = x[0];
    transpose(out);
    for (int i = 0; i < 4; i++)
        out[i] = bswap_words(out[i]);
}

TARGET static void sixteen_blocks(const uint32_t rk[32], const uint8_t *in, uint8_t *out)
{
    __m512i x[4], y[4];
    for (int i = 0; i < 4; i++)
        x[i] = bswap_words(_mm512_loadu_si512(in + 64 * i));
    transpose(x);
    rounds(rk, x);
    finish(x, y);
    for (int i = 0; i < 4; i++)
        _mm512_storeu_si512(out + 64 * i, y[i]);
}

TARGET static void ecb_gfni(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t n)
{
    for (; n >= 16; n -= 16, in += 256, out += 256)
        sixteen_blocks(rk, in, out);
    if (n) {
        uint8_t buf[256] = {0};
        memcpy(buf, in, 16 * n);
        sixteen_blocks(rk, buf, buf);
        memcpy(out, buf, 16 * n);
    }
}

/* Counter blocks need no transpose on the way in: words 0-2 are the same in
 * every block (broadcast), word 3 is the counter plus the block's index, laid
 * out as the transpose of sixteen consecutive blocks would leave it. */
TARGET static void ctr32_gfni(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in,
                              uint8_t *out, size_t n)
{
    uint32_t count = rp_load_be32(ctr + 12);
    const __m512i w0 = _mm512_set1_epi32((int)rp_load_be32(ctr));
    const __m512i w1 = _mm512_set1_epi32((int)rp_load_be32(ctr + 4));
    const __m512i w2 = _mm512_set1_epi32((int)rp_load_be32(ctr + 8));
    /* After transpose(load of blocks 0..15), word register lane l, element e
     * holds block 4*e + l. */
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    while (n) {
        __m512i x[4] = {w0, w1, w2, _mm512_add_epi32(_mm512_set1_epi32((int)count), order)}, y[4];
        rounds(rk, x);
        finish(x, y);
        if (n >= 16) {
            for (int i = 0; i < 4; i++)
                _mm512_storeu_si512(out + 64 * i,
                                    _mm512_xor_si512(y[i], _mm512_loadu_si512(in + 64 * i)));
            count += 16;
            in += 256;
            out += 256;
            n -= 16;
        } else {
            uint8_t ks[256];
            for (int i = 0; i < 4; i++)
                _mm512_storeu_si512(ks + 64 * i, y[i]);
            for (size_t i = 0; i < 16 * n; i++)
                out[i] = in[i] ^ ks[i];
            count += (uint32_t)n;
            n = 0;
        }
    }
    rp_store_be32(ctr + 12, count);
}

static bool gfni_usable(void)
{
    const rp_cpu_features_t *f = rp_cpu_features();
    return f->gfni && f->avx512f && f->avx512bw && f->avx512vl;
}

const rp_sm4_impl_t rp_sm4_gfni_avx512 = {"gfni-avx512", gfni_usable, ecb_gfni, ctr32_gfni};

#else

static bool gfni_usable(void)
{
    return false;
}

const rp_sm4_impl_t rp_sm4_gfni_avx512 = {"gfni-avx512", gfni_usable, NULL, NULL};

#endif
