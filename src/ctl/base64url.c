/*
 * base64url.c — strict base64url decoding (see base64url.h).
 */
#include "base64url.h"

#include <limits.h>
#include <stdlib.h>

static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

long base64url_decode(const char *in, size_t len, unsigned char *out, size_t out_size)
{
    /* a single character left over carries only 6 bits: never a byte */
    if (len % 4 == 1)
        return -1;
    size_t need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (need > out_size || need > (size_t)LONG_MAX)
        return -1;
    size_t o = 0;
    unsigned long acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = sextet((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (unsigned long)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (acc & ((1ul << bits) - 1))
        return -1;
    return (long)o;
}

int base64url_decode_alloc(const char *in, size_t len, unsigned char **out, size_t *out_len)
{
    size_t cap = BASE64URL_DECODED_MAX(len);
    unsigned char *buf = malloc(cap ? cap : 1);
    if (!buf)
        return -1;
    long n = base64url_decode(in, len, buf, cap);
    if (n < 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = (size_t)n;
    return 0;
}
