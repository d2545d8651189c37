/*
 * urldecode.c — percent-decoding (RFC 3986 §2.1, plus the HTML form '+'
 * and the non-standard IIS %uXXXX) and a strict UTF-8 validator.
 *
 * One left-to-right pass, no allocation, output never longer than input,
 * so callers size dst as len + 1 and may decode in place. Anything that is
 * not a well-formed escape is copied through unchanged and flagged: a WAF
 * must not invent bytes the application would not see, but it should know
 * that someone tried.
 */
#include "urldecode.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "rampart/transaction.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Value of the %uXXXX escape at s (len bytes available), or -1. */
static long u_escape(const unsigned char *s, size_t len)
{
    if (len < 6 || s[0] != '%' || (s[1] != 'u' && s[1] != 'U'))
        return -1;
    long v = 0;
    for (int i = 2; i < 6; i++) {
        int h = hexval(s[i]);
        if (h < 0)
            return -1;
        v = (v << 4) | h;
    }
    return v;
}

/* A %uXXXX another decoding pass would turn into a character: lone
 * surrogates are left out, since rp_url_decode() itself keeps those as
 * literal text and they are not a sign of double encoding. */
static int is_decodable_u(const unsigned char *s, size_t len)
{
    long u = u_escape(s, len);
    if (u < 0)
        return 0;
    if (u >= 0xD800 && u <= 0xDBFF) {
        long lo = len >= 6 ? u_escape(s + 6, len - 6) : -1;
        return lo >= 0xDC00 && lo <= 0xDFFF;
    }
    return u < 0xDC00 || u > 0xDFFF;
}

static size_t put_utf8(char *dst, uint32_t cp)
{
    unsigned char *d = (unsigned char *)dst;
    if (cp < 0x80) {
        d[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (unsigned char)(0xC0 | (cp >> 6));
        d[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (unsigned char)(0xE0 | (cp >> 12));
        d[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (unsigned char)(0xF0 | (cp >> 18));
    d[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Eight bytes per step: does the word hold a zero byte (exact as a yes/no,
 * Hacker's Delight 6-1), or a byte equal to the one repeated in `rep`? */
#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
static uint64_t has_zero_byte(uint64_t w)
{
    return (w - ONES) & ~w & HIGHS;
}

/* Length of the leading run of bytes that decode to themselves and raise no
 * flag: printable or control ASCII but NUL, '%' and (for forms) '+'. Most
 * names and values of real traffic are one such run from end to end. */
static size_t literal_run(const unsigned char *s, size_t len, int plus_as_space)
{
    const uint64_t pct = ONES * '%', plus = plus_as_space ? ONES * '+' : 0;
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if ((w & HIGHS) | has_zero_byte(w) | has_zero_byte(w ^ pct) |
            (plus ? has_zero_byte(w ^ plus) : 0))
            break;
    }
    while (i < len && s[i] != '\0' && s[i] != '%' && s[i] < 0x80 && !(s[i] == '+' && plus_as_space))
        i++;
    return i;
}

size_t rp_url_decode(char *dst, const char *src, size_t len, int plus_as_space, unsigned *flags)
{
    const unsigned char *s = (const unsigned char *)src;
    unsigned f = 0;
    size_t i = literal_run(s, len, plus_as_space), o = i;

    /* memmove: callers may decode in place */
    memmove(dst, src, i);
    if (i == len) {
        dst[o] = '\0'; /* 7-bit, no NUL, no escape: no flag to raise */
        return o;
    }

    /* Invariant o <= i: every write lands at or before the byte being
     * read, which is what makes in-place decoding safe. */
    while (i < len) {
        unsigned char c = s[i];
        if (c == '+' && plus_as_space) {
            dst[o++] = ' ';
            i++;
            continue;
        }
        if (c != '%') {
            dst[o++] = (char)c;
            i++;
            continue;
        }
        if (i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            dst[o++] = (char)((hexval(s[i + 1]) << 4) | hexval(s[i + 2]));
            i += 3;
            continue;
        }
        long u = u_escape(s + i, len - i);
        if (u < 0) {
            f |= RP_ARG_BAD_ENCODING;
            dst[o++] = '%';
            i++;
            continue;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            long lo = u_escape(s + i + 6, len - i - 6);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                uint32_t cp = 0x10000 + (((uint32_t)u - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                o += put_utf8(dst + o, cp);
                i += 12;
                f |= RP_ARG_UNICODE_ENCODED;
                continue;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF) {
            /* A lone surrogate has no UTF-8 form: keep the escape text. */
            f |= RP_ARG_BAD_ENCODING;
            for (int k = 0; k < 6; k++)
                dst[o++] = (char)s[i++];
            continue;
        }
        o += put_utf8(dst + o, (uint32_t)u);
        i += 6;
        f |= RP_ARG_UNICODE_ENCODED;
    }
    dst[o] = '\0';
    f |= rp_url_decoded_flags(dst, o);
    *flags |= f;
    return o;
}

bool rp_url_has_escape(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while ((p = memchr(p, '%', (size_t)(end - p))) != NULL) {
        size_t left = (size_t)(end - p);
        if (left >= 3 && hexval(p[1]) >= 0 && hexval(p[2]) >= 0)
            return true;
        if (is_decodable_u(p, left))
            return true;
        p++;
    }
    return false;
}

unsigned rp_url_decoded_flags(const char *s, size_t len)
{
    unsigned f = rp_utf8_check(s, len);
    if (memchr(s, '\0', len))
        f |= RP_ARG_NUL;
    if (rp_url_has_escape(s, len))
        f |= RP_ARG_DOUBLE_ENCODED;
    return f;
}

/* Length of the sequence a lead byte announces, 0 for a byte that cannot
 * lead. C0/C1 are accepted here so the overlong test below can name them. */
static int seq_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xC0 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0;
}

size_t rp_utf8_step(const char *s, size_t len, unsigned *flags)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    int n = seq_len(c);
    if (n == 0 || (size_t)n > len) {
        *flags |= RP_ARG_INVALID_UTF8;
        return 1;
    }
    int k;
    for (k = 1; k < n; k++)
        if ((p[k] & 0xC0) != 0x80)
            break;
    if (k < n) {
        /* Resume at the byte that broke the sequence: it may lead the
         * next one. */
        *flags |= RP_ARG_INVALID_UTF8;
        return (size_t)k;
    }
    uint32_t cp;
    if (n == 2)
        cp = ((uint32_t)(c & 0x1F) << 6) | (p[1] & 0x3F);
    else if (n == 3)
        cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    else
        cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
             ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
        *flags |= RP_ARG_OVERLONG_UTF8;
    else if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        *flags |= RP_ARG_INVALID_UTF8;
    return (size_t)n;
}

/* Chinese text is runs of well-formed three-byte sequences between ASCII
 * runs: both are recognised here without decoding; anything else goes
 * through rp_utf8_step, which decides and flags. A three-byte sequence
 * E0..EF + two continuation bytes is valid unless it is overlong (E0 with
 * a second byte below A0) or a surrogate (ED with a second byte from A0),
 * RFC 3629 section 4. */
/* A word loaded from memory, as little-endian. */
static uint32_t le32(uint32_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap32(w);
#else
    return w;
#endif
}

/* The end of the run of valid three-byte sequences from i. The three bytes
 * as one little-endian word are tested at once: the lead's high nibble and
 * both continuation tags in one mask, then bits 15..11 of the code point
 * (the lead's low nibble and bit 5 of the second byte), which are 0 for an
 * overlong form and 11011 for a surrogate. */
static size_t three_byte_run(const unsigned char *p, size_t i, size_t len)
{
#ifdef __SSE2__
    /* Five sequences per step when 16 bytes are at hand: every third byte
     * a lead E0..EF, the others continuation bytes; a lead E0 or ED (they
     * need their second byte looked at) ends the fast part. */
    const __m128i tag_mask =
        _mm_setr_epi8((char)0xF0, (char)0xC0, (char)0xC0, (char)0xF0, (char)0xC0, (char)0xC0,
                      (char)0xF0, (char)0xC0, (char)0xC0, (char)0xF0, (char)0xC0, (char)0xC0,
                      (char)0xF0, (char)0xC0, (char)0xC0, 0);
    const __m128i tags =
        _mm_setr_epi8((char)0xE0, (char)0x80, (char)0x80, (char)0xE0, (char)0x80, (char)0x80,
                      (char)0xE0, (char)0x80, (char)0x80, (char)0xE0, (char)0x80, (char)0x80,
                      (char)0xE0, (char)0x80, (char)0x80, 0);
    const __m128i leads = _mm_setr_epi8(-1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, 0);
    while (len - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i ok = _mm_cmpeq_epi8(_mm_and_si128(v, tag_mask), tags);
        __m128i odd = _mm_and_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE0)),
                                                 _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xED))),
                                    leads);
        if (_mm_movemask_epi8(ok) != 0xFFFF || _mm_movemask_epi8(odd) != 0)
            break;
        i += 15;
    }
#endif
    while (len - i >= 3) {
        uint32_t w;
        if (len - i >= 4) {
            memcpy(&w, p + i, 4); /* one load; the fourth byte is masked off */
            w = le32(w);
        } else {
            w = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16;
        }
        uint32_t top = ((w & 0x0F) << 1) | ((w >> 13) & 1);
        if ((w & 0xC0C0F0) != 0x8080E0 || top == 0 || top == 0x1B)
            return i;
        i += 3;
    }
    return i;
}

size_t rp_utf8_three_byte_run(const char *s, size_t len)
{
    return three_byte_run((const unsigned char *)s, 0, len);
}

unsigned rp_utf8_check(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned f = 0;
    size_t i = 0;
    while (i < len) {
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & HIGHS)) {
                i += 8;
                continue;
            }
        }
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xE0 && c <= 0xEF) {
            size_t start = i;
            i = three_byte_run(p, i, len);
            if (i != start)
                continue;
        }
        i += rp_utf8_step(s + i, len - i, &f);
    }
    return f;
}
