/*
 * detect_util.h — small byte-level helpers shared by Rampart's detectors
 * (detect_*.c). Locale-independent ASCII only: bytes >= 0x80 (Chinese text,
 * full-width punctuation) are never letters, digits or blanks here, so a
 * CJK character can never complete a keyword or an operator.
 */
#ifndef RAMPART_DETECT_UTIL_H
#define RAMPART_DETECT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "rampart/detect.h"

static inline unsigned char du_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline bool du_is_alpha(unsigned char c)
{
    return (unsigned char)((c | 32) - 'a') < 26;
}

static inline bool du_is_digit(unsigned char c)
{
    return (unsigned char)(c - '0') < 10;
}

static inline bool du_is_alnum(unsigned char c)
{
    return du_is_alpha(c) || du_is_digit(c);
}

static inline bool du_is_ident(unsigned char c)
{
    return du_is_alnum(c) || c == '_';
}

static inline bool du_is_hex(unsigned char c)
{
    return du_is_digit(c) || (unsigned char)((c | 32) - 'a') < 6;
}

static inline bool du_is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Case-insensitive: does s[0..n) start with the lower-case literal lit? */
static inline bool du_prefix_ci(const char *s, size_t n, const char *lit)
{
    size_t k;

    for (k = 0; lit[k]; k++) {
        if (k >= n || du_lower((unsigned char)s[k]) != (unsigned char)lit[k]) {
            return false;
        }
    }
    return true;
}

/* Case-sensitive prefix test. */
static inline bool du_prefix(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);

    return l <= n && memcmp(s, lit, l) == 0;
}

/* Case-insensitive search of a lower-case literal; returns its offset or n. */
static inline size_t du_find_ci(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit), i;
    unsigned char f = (unsigned char)lit[0];

    if (l == 0 || l > n) {
        return n;
    }
    for (i = 0; i + l <= n; i++) {
        if (du_lower((unsigned char)s[i]) == f && du_prefix_ci(s + i, n - i, lit)) {
            return i;
        }
    }
    return n;
}

/* Fills a detector result: fingerprint "prefix" + "name" (printable ASCII,
 * cut to RP_FINGERPRINT_MAX - 1) and the matched region. */
static inline void du_result(rp_detect_result_t *out, const char *prefix, const char *name,
                             size_t name_len, size_t off, size_t len)
{
    size_t n = 0, i;

    if (!out) {
        return;
    }
    for (i = 0; prefix[i] && n < RP_FINGERPRINT_MAX - 1; i++) {
        out->fingerprint[n++] = prefix[i];
    }
    for (i = 0; i < name_len && n < RP_FINGERPRINT_MAX - 1; i++) {
        unsigned char c = (unsigned char)name[i];
        out->fingerprint[n++] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out->fingerprint[n] = '\0';
    out->offset = off;
    out->length = len;
}

#endif
