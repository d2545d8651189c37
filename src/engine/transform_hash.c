/*
 * transform_hash.c — transformations that replace a value by a measure or
 * an encoding of it: t:length, md5, sha1, hexEncode, base64Encode,
 * urlEncode.
 *
 * Reference: the ModSecurity v3 reference manual. md5 and sha1 return the
 * raw binary digest (16 / 20 bytes, NULs possible), as ModSecurity does;
 * CRS always follows sha1 with hexEncode (901320 tx.ua_hash, 901410). The
 * digests come from OpenSSL 3's EVP one-shot API (EVP_Digest), which
 * keeps no state between calls. The encoders compute their exact output
 * length before allocating.
 */
#include <stdint.h>

#include <openssl/evp.h>

#include "transform.h"

/* t:length — the byte length of the value, in decimal ("" → "0"). */
bool rp_tf_length(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    char digits[24];
    size_t k = sizeof(digits);
    size_t v = len;
    do {
        digits[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (len == sizeof(digits) - k && memcmp(in, digits + k, len) == 0)
        return false; /* "1" is its own length */
    char *o = rp_tf_begin(a, digits + k, sizeof(digits) - k, sizeof(digits) - k);
    return o ? rp_tf_done(o, sizeof(digits) - k, out, out_len) : false;
}

static bool digest(rp_arena_t *a, const EVP_MD *md, const char *in, size_t len, const char **out,
                   size_t *out_len)
{
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!md || EVP_Digest(in, len, buf, &n, md, NULL) != 1)
        return false;
    char *o = rp_tf_begin(a, (const char *)buf, n, n);
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

/* t:md5 — the 16-byte binary MD5 digest (RFC 1321). */
bool rp_tf_md5(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    return digest(a, EVP_md5(), in, len, out, out_len);
}

/* t:sha1 — the 20-byte binary SHA-1 digest (FIPS 180-4). */
bool rp_tf_sha1(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    return digest(a, EVP_sha1(), in, len, out, out_len);
}

static const char hex_digits[] = "0123456789abcdef";

/* t:hexEncode — two lower-case hex digits per byte ("A" → "41"). */
bool rp_tf_hex_encode(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    if (len == 0)
        return false;
    char *o = rp_tf_begin(a, in, 0, len * 2);
    if (!o)
        return false;
    for (size_t i = 0; i < len; i++) {
        o[2 * i] = hex_digits[(unsigned char)in[i] >> 4];
        o[2 * i + 1] = hex_digits[(unsigned char)in[i] & 0xF];
    }
    return rp_tf_done(o, len * 2, out, out_len);
}

/* t:base64Encode — standard Base64 with '=' padding (RFC 4648 §4). */
bool rp_tf_base64_encode(rp_arena_t *a, const char *in, size_t len, const char **out,
                         size_t *out_len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (len == 0)
        return false;
    size_t need = (len + 2) / 3 * 4;
    char *o = rp_tf_begin(a, in, 0, need);
    if (!o)
        return false;
    const unsigned char *s = (const unsigned char *)in;
    size_t n = 0, i = 0;
    for (; len - i >= 3; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        o[n++] = alphabet[v >> 18];
        o[n++] = alphabet[(v >> 12) & 63];
        o[n++] = alphabet[(v >> 6) & 63];
        o[n++] = alphabet[v & 63];
    }
    if (len - i) {
        uint32_t v = (uint32_t)s[i] << 16 | (len - i == 2 ? (uint32_t)s[i + 1] << 8 : 0);
        o[n++] = alphabet[v >> 18];
        o[n++] = alphabet[(v >> 12) & 63];
        o[n++] = len - i == 2 ? alphabet[(v >> 6) & 63] : '=';
        o[n++] = '=';
    }
    return rp_tf_done(o, n, out, out_len);
}

static bool url_safe(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '*';
}

/* t:urlEncode — ModSecurity's url_encode: letters, digits and '*' stay,
 * space becomes '+', every other byte %xx (lower-case hex). */
bool rp_tf_url_encode(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    size_t need = 0, first = len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        bool keep = url_safe(c);
        need += keep || c == ' ' ? 1 : 3;
        if (!keep && first == len)
            first = i;
    }
    if (first == len)
        return false;
    char *o = rp_tf_begin(a, in, first, need);
    if (!o)
        return false;
    size_t n = first;
    for (size_t i = first; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (url_safe(c)) {
            o[n++] = (char)c;
        } else if (c == ' ') {
            o[n++] = '+';
        } else {
            o[n++] = '%';
            o[n++] = hex_digits[c >> 4];
            o[n++] = hex_digits[c & 0xF];
        }
    }
    return rp_tf_done(o, n, out, out_len);
}
