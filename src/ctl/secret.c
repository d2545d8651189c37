/*
 * secret.c — random secrets, hashes, constant-time comparison (see
 * secret.h).
 */
#include "secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

int secret_random(unsigned char *out, size_t n)
{
    return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

void secret_sha256(const void *data, size_t n, unsigned char out[SECRET_SHA256_LEN])
{
    unsigned int len = SECRET_SHA256_LEN;
    EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

void secret_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                        unsigned char out[SECRET_SHA256_LEN])
{
    unsigned int len = SECRET_SHA256_LEN;
    HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, out, &len);
}

int secret_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

size_t secret_base64url(const unsigned char *in, size_t n, char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    while (i + 2 < n) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
        i += 3;
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

int secret_token(const char *prefix, size_t bytes, char *out, size_t out_size)
{
    unsigned char raw[64];
    size_t plen = strlen(prefix);
    if (bytes > sizeof(raw) || plen + 4 * ((bytes + 2) / 3) + 1 > out_size)
        return -1;
    if (secret_random(raw, bytes))
        return -1;
    memcpy(out, prefix, plen);
    secret_base64url(raw, bytes, out + plen);
    secret_wipe(raw, sizeof(raw));
    return 0;
}

int secret_password(char *out, size_t len)
{
    static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    const size_t n = sizeof(alphabet) - 1; /* 57 */
    size_t o = 0;
    while (o < len) {
        unsigned char r[32];
        if (secret_random(r, sizeof(r)))
            return -1;
        for (size_t i = 0; i < sizeof(r) && o < len; i++)
            if (r[i] < 256 - 256 % n) /* rejection sampling: no modulo bias */
                out[o++] = alphabet[r[i] % n];
        secret_wipe(r, sizeof(r));
    }
    out[o] = '\0';
    return 0;
}

void secret_wipe(void *p, size_t n)
{
    OPENSSL_cleanse(p, n);
}
