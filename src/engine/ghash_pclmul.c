/*
 * ghash_pclmul.c — GHASH with carry-less multiplication (PCLMULQDQ), four
 * blocks per reduction.
 *
 * Blocks are byte-reversed so that the 128-bit register holds the block as a
 * big-endian number; GCM's bit-reflected product of two such values is their
 * carry-less product shifted left by one bit, reduced modulo
 * x^128 + x^7 + x^2 + x + 1 (the shift-and-xor reduction of Gueron and
 * Kounavis, "Intel Carry-Less Multiplication Instruction and its Usage for
 * Computing the GCM Mode"). Both steps are linear, so the products of four
 * blocks with H^4..H^1 are summed first and reduced once.
 */
#include "ghash.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("pclmul,ssse3")))

/* 256-bit carry-less product a*b as (hi, lo). */
TARGET static inline void clmul(__m128i a, __m128i b, __m128i *hi, __m128i *lo)
{
    __m128i l = _mm_clmulepi64_si128(a, b, 0x00);
    __m128i h = _mm_clmulepi64_si128(a, b, 0x11);
    __m128i m = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x10), _mm_clmulepi64_si128(a, b, 0x01));
    *lo = _mm_xor_si128(l, _mm_slli_si128(m, 8));
    *hi = _mm_xor_si128(h, _mm_srli_si128(m, 8));
}

/* Shift the 256-bit (hi, lo) left by one bit and reduce it to 128 bits. */
TARGET static inline __m128i reduce(__m128i hi, __m128i lo)
{
    __m128i lo_carry = _mm_srli_epi32(lo, 31), hi_carry = _mm_srli_epi32(hi, 31);
    lo = _mm_slli_epi32(lo, 1);
    hi = _mm_slli_epi32(hi, 1);
    __m128i cross = _mm_srli_si128(lo_carry, 12);
    lo = _mm_or_si128(lo, _mm_slli_si128(lo_carry, 4));
    hi = _mm_or_si128(_mm_or_si128(hi, _mm_slli_si128(hi_carry, 4)), cross);
    /* first phase: fold by x^63, x^62, x^57 (the reflected x^1, x^2, x^7) */
    __m128i a = _mm_xor_si128(_mm_xor_si128(_mm_slli_epi32(lo, 31), _mm_slli_epi32(lo, 30)),
                              _mm_slli_epi32(lo, 25));
    __m128i a_hi = _mm_srli_si128(a, 4);
    lo = _mm_xor_si128(lo, _mm_slli_si128(a, 12));
    /* second phase */
    __m128i b = _mm_xor_si128(_mm_xor_si128(_mm_srli_epi32(lo, 1), _mm_srli_epi32(lo, 2)),
                              _mm_srli_epi32(lo, 7));
    b = _mm_xor_si128(b, a_hi);
    return _mm_xor_si128(hi, _mm_xor_si128(lo, b));
}

TARGET void rp_ghash_pclmul(const uint64_t htab[16], uint8_t x[16], const uint8_t *in, size_t n)
{
    const __m128i rev = _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m128i h1 = _mm_loadu_si128((const __m128i *)(htab + 2));
    const __m128i h2 = _mm_loadu_si128((const __m128i *)(htab + 4));
    const __m128i h3 = _mm_loadu_si128((const __m128i *)(htab + 6));
    const __m128i h4 = _mm_loadu_si128((const __m128i *)(htab + 8));
    __m128i acc = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)x), rev);
    for (; n >= 4; n -= 4, in += 64) {
        __m128i b0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)in), rev);
        __m128i b1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(in + 16)), rev);
        __m128i b2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(in + 32)), rev);
        __m128i b3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(in + 48)), rev);
        __m128i hi, lo, th, tl;
        clmul(_mm_xor_si128(acc, b0), h4, &hi, &lo);
        clmul(b1, h3, &th, &tl);
        hi = _mm_xor_si128(hi, th);
        lo = _mm_xor_si128(lo, tl);
        clmul(b2, h2, &th, &tl);
        hi = _mm_xor_si128(hi, th);
        lo = _mm_xor_si128(lo, tl);
        clmul(b3, h1, &th, &tl);
        acc = reduce(_mm_xor_si128(hi, th), _mm_xor_si128(lo, tl));
    }
    for (; n; n--, in += 16) {
        __m128i hi, lo;
        clmul(_mm_xor_si128(acc, _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)in), rev)), h1,
              &hi, &lo);
        acc = reduce(hi, lo);
    }
    _mm_storeu_si128((__m128i *)x, _mm_shuffle_epi8(acc, rev));
}

#else

void rp_ghash_pclmul(const uint64_t htab[16], uint8_t x[16], const uint8_t *in, size_t n)
{
    rp_ghash_portable(htab, x, in, n);
}

#endif
