/*
 * base64.c — decoding of Base64 (RFC 4648 §4) and base64url (§5) values.
 *
 * Applications accept Base64-wrapped parameters (state blobs, "encoded"
 * search filters), and attackers wrap payloads the same way to slip past
 * pattern matchers. The engine decodes a value that looks like Base64 and
 * inspects the result when it is text. A space counts as '+', because an
 * unencoded '+' in a query string or form has already become one.
 */
#include <stdbool.h>
#include <stdint.h>

#include "normalize.h"

/* 0-63 for alphabet bytes (both alphabets), 64 for '=', 255 otherwise. */
static const unsigned char b64_value[256] = {
    ['A'] = 0,
    ['B'] = 1,
    ['C'] = 2,
    ['D'] = 3,
    ['E'] = 4,
    ['F'] = 5,
    ['G'] = 6,
    ['H'] = 7,
    ['I'] = 8,
    ['J'] = 9,
    ['K'] = 10,
    ['L'] = 11,
    ['M'] = 12,
    ['N'] = 13,
    ['O'] = 14,
    ['P'] = 15,
    ['Q'] = 16,
    ['R'] = 17,
    ['S'] = 18,
    ['T'] = 19,
    ['U'] = 20,
    ['V'] = 21,
    ['W'] = 22,
    ['X'] = 23,
    ['Y'] = 24,
    ['Z'] = 25,
    ['a'] = 26,
    ['b'] = 27,
    ['c'] = 28,
    ['d'] = 29,
    ['e'] = 30,
    ['f'] = 31,
    ['g'] = 32,
    ['h'] = 33,
    ['i'] = 34,
    ['j'] = 35,
    ['k'] = 36,
    ['l'] = 37,
    ['m'] = 38,
    ['n'] = 39,
    ['o'] = 40,
    ['p'] = 41,
    ['q'] = 42,
    ['r'] = 43,
    ['s'] = 44,
    ['t'] = 45,
    ['u'] = 46,
    ['v'] = 47,
    ['w'] = 48,
    ['x'] = 49,
    ['y'] = 50,
    ['z'] = 51,
    ['0'] = 52,
    ['1'] = 53,
    ['2'] = 54,
    ['3'] = 55,
    ['4'] = 56,
    ['5'] = 57,
    ['6'] = 58,
    ['7'] = 59,
    ['8'] = 60,
    ['9'] = 61,
    ['+'] = 62,
    ['/'] = 63,
    ['-'] = 62,
    ['_'] = 63,
    ['='] = 64,
    /* A '+' that went through form decoding arrives as a space. */
    [' '] = 62,
};

static bool b64_char(unsigned char c)
{
    return c == 'A' || b64_value[c] != 0;
}

bool rp_base64_plausible(const char *s, size_t len)
{
    if (len < RP_BASE64_MIN || len % 4 == 1)
        return false;
    size_t pad = 0;
    while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
        pad++;
    bool upper = false, lower = false;
    for (size_t i = 0; i < len - pad; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!b64_char(c) || c == '=')
            return false;
        upper |= c >= 'A' && c <= 'Z';
        lower |= c >= 'a' && c <= 'z';
    }
    /* Words, hex ids and numbers are Base64-alphabet too; encoded text
     * almost always mixes cases. */
    return upper && lower;
}

size_t rp_base64_decode(char *dst, const char *s, size_t len)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char v = b64_value[(unsigned char)s[i]];
        if (s[i] == '=')
            break;
        if (v == 0 && s[i] != 'A')
            return SIZE_MAX;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            dst[n++] = (char)((acc >> bits) & 0xFF);
        }
    }
    dst[n] = '\0';
    return n;
}

size_t rp_base64url_encode(char *dst, const uint8_t *src, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *o = dst;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = alphabet[(v >> 6) & 63];
        *o++ = alphabet[v & 63];
    }
    if (len - i >= 1) {
        uint32_t v = (uint32_t)src[i] << 16 | (len - i == 2 ? (uint32_t)src[i + 1] << 8 : 0);
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        if (len - i == 2)
            *o++ = alphabet[(v >> 6) & 63];
    }
    *o = '\0';
    return (size_t)(o - dst);
}
