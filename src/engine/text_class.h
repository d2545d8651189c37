/*
 * text_class.h — byte classes of 16 bytes at once (SSE2, part of every
 * x86-64 CPU, so no run-time dispatch), for the sensitive-data scanner and
 * the response masker: which bytes are digits, capitals, small letters,
 * and where the next quote or backslash is. Elsewhere the callers use
 * their byte-at-a-time loops (RP_TEXT_SIMD is 0).
 */
#ifndef RAMPART_TEXT_CLASS_H
#define RAMPART_TEXT_CLASS_H

#include <stddef.h>
#include <stdint.h>

/* RP_TEXT_PORTABLE: the byte-at-a-time paths even where SSE2 is there
 * (the differential fuzz target compares the two). */
#if defined(__SSE2__) && !defined(RP_TEXT_PORTABLE)
#include <emmintrin.h>
#define RP_TEXT_SIMD 1

/* Bit k: p[k] in [lo, lo + span] (unsigned bytes). */
static inline unsigned rp_text_range16(__m128i v, char lo, unsigned char span)
{
    __m128i d = _mm_sub_epi8(v, _mm_set1_epi8(lo));
    return (unsigned)_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8((char)span)), d));
}

/* Bit k of each mask: p[k] is a digit, a capital, a small letter. */
static inline void rp_text_classes16(const char *p, unsigned *digit, unsigned *upper,
                                     unsigned *lower)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    *digit = rp_text_range16(v, '0', 9);
    *upper = rp_text_range16(v, 'A', 25);
    *lower = rp_text_range16(v, 'a', 25);
}

/* Index of the first '"' or '\\' in p[0, n), or n. readable >= n: the
 * bytes at p that may be loaded, so that a search near the end of its
 * span still goes 16 bytes at a time when the buffer goes on. */
static inline size_t rp_text_quote_or_backslash(const char *p, size_t n, size_t readable)
{
    size_t i = 0;
    const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\');
    for (; i < n && i + 16 <= readable; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        unsigned m =
            (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, b)));
        if (m) {
            size_t at = i + (size_t)__builtin_ctz(m);
            return at < n ? at : n;
        }
    }
    if (i >= n)
        return n; /* the last block went past the span */
    while (i < n && p[i] != '"' && p[i] != '\\')
        i++;
    return i;
}
#else
#define RP_TEXT_SIMD 0

static inline size_t rp_text_quote_or_backslash(const char *p, size_t n, size_t readable)
{
    (void)readable;
    size_t i = 0;
    while (i < n && p[i] != '"' && p[i] != '\\')
        i++;
    return i;
}
#endif

#endif
