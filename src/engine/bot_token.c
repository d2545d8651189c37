/*
 * bot_token.c — the challenge token and the clearance cookie: text fields
 * joined by dots and an HMAC-SHA-256 (RFC 2104) over them and the client's
 * binding, so nothing needs storing to verify one and a token copied to
 * another client (other address prefix or User-Agent) fails its MAC.
 *
 * Every request with a clearance pays for two hashes and an HMAC, so the
 * SHA-256 implementation is fetched once (OpenSSL 3's EVP_sha256() and
 * HMAC() look it up on every call, which cost 7 µs a check here) and the
 * HMAC is built from it directly (RFC 2104: two hashes over padded keys).
 */
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "rampart/bot.h"

const char *rp_bot_status_str(rp_bot_status_t s)
{
    switch (s) {
    case RP_BOT_OK:
        return "ok";
    case RP_BOT_MALFORMED:
        return "malformed";
    case RP_BOT_BAD_MAC:
        return "bad signature or other client";
    case RP_BOT_EXPIRED:
        return "expired";
    case RP_BOT_BAD_WORK:
        return "proof of work not done";
    case RP_BOT_REPLAYED:
        return "challenge answered before";
    }
    return "?";
}

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* SHA-256 of up to three pieces, one after the other. */
static void sha256_parts(const void *a, size_t al, const void *b, size_t bl, const void *c,
                         size_t cl, uint8_t out[32])
{
    pthread_once(&sha256_once, sha256_fetch);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    if (!sha256_md || !ctx || !EVP_DigestInit_ex(ctx, sha256_md, NULL) ||
        !EVP_DigestUpdate(ctx, a, al) || (bl && !EVP_DigestUpdate(ctx, b, bl)) ||
        (cl && !EVP_DigestUpdate(ctx, c, cl)) || !EVP_DigestFinal_ex(ctx, out, &n))
        memset(out, 0, 32); /* fails every MAC check: refused, never let in */
    EVP_MD_CTX_free(ctx);
}

void rp_bot_binding(const char *addr, const char *user_agent, rp_bot_binding_t *out)
{
    /* the prefix as bytes: a v4 address and its v4-mapped v6 form agree */
    uint8_t prefix[17] = {0};
    struct in6_addr a6;
    struct in_addr a4;
    if (inet_pton(AF_INET, addr, &a4) == 1) {
        prefix[0] = 4;
        memcpy(prefix + 1, &a4, 3);
    } else if (inet_pton(AF_INET6, addr, &a6) == 1) {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a6.s6_addr, mapped, 12) == 0) {
            prefix[0] = 4;
            memcpy(prefix + 1, a6.s6_addr + 12, 3);
        } else {
            prefix[0] = 6;
            memcpy(prefix + 1, a6.s6_addr, 8);
        }
    } else {
        /* unix sockets and the like: bind to the text itself */
        prefix[0] = 0;
        snprintf((char *)prefix + 1, sizeof(prefix) - 1, "%s", addr);
    }
    const char *ua = user_agent ? user_agent : "";
    sha256_parts(prefix, sizeof(prefix), ua, strlen(ua) + 1, NULL, 0, out->digest);
}

static void hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* HMAC over the token's text before its MAC and the binding. */
static void token_mac(const uint8_t *key, size_t key_len, const rp_bot_binding_t *b,
                      const char *text, size_t len, uint8_t mac[32])
{
    uint8_t k0[64] = {0}, ipad[64], opad[64], inner[32];
    if (key_len > 64)
        sha256_parts(key, key_len, NULL, 0, NULL, 0, k0);
    else
        memcpy(k0, key, key_len);
    for (int i = 0; i < 64; i++) {
        ipad[i] = k0[i] ^ 0x36;
        opad[i] = k0[i] ^ 0x5c;
    }
    sha256_parts(ipad, 64, text, len, b->digest, 32, inner);
    sha256_parts(opad, 64, inner, 32, NULL, 0, mac);
    OPENSSL_cleanse(k0, sizeof(k0));
    OPENSSL_cleanse(ipad, sizeof(ipad));
    OPENSSL_cleanse(opad, sizeof(opad));
}

static void append_mac(const uint8_t *key, size_t key_len, const rp_bot_binding_t *b, char *out)
{
    size_t len = strlen(out);
    uint8_t mac[32];
    token_mac(key, key_len, b, out, len, mac);
    out[len] = '.';
    hex(mac, 32, out + len + 1);
}

void rp_bot_clearance_mint(const uint8_t *key, size_t key_len, const rp_bot_binding_t *b,
                           uint64_t expiry, unsigned signals, char *out)
{
    snprintf(out, RP_BOT_TOKEN_MAX, "k1.%llu.%u", (unsigned long long)expiry, signals & 0xffu);
    append_mac(key, key_len, b, out);
}

void rp_bot_challenge_mint(const uint8_t *key, size_t key_len, const rp_bot_binding_t *b,
                           uint64_t expiry, unsigned difficulty, const uint8_t nonce[16], char *out)
{
    char nhex[33];
    hex(nonce, 16, nhex);
    snprintf(out, RP_BOT_TOKEN_MAX, "c1.%llu.%u.%s", (unsigned long long)expiry, difficulty, nhex);
    append_mac(key, key_len, b, out);
}

/* A decimal field of at most max_digits digits without leading zeros;
 * returns the position after it, or NULL. */
static const char *number(const char *s, const char *end, unsigned max_digits, uint64_t *v)
{
    const char *p = s;
    *v = 0;
    while (p < end && *p >= '0' && *p <= '9' && (unsigned)(p - s) < max_digits)
        *v = *v * 10 + (uint64_t)(*p++ - '0');
    if (p == s || (p - s > 1 && *s == '0'))
        return NULL;
    return p;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The MAC after the last dot at p (64 lower-case hex digits, then the end),
 * checked in constant time against the MAC of value[0, p - value). */
static rp_bot_status_t check_mac(const uint8_t *key, size_t key_len, const rp_bot_binding_t *b,
                                 const char *value, const char *p, const char *end)
{
    if (end - p != 65 || *p != '.')
        return RP_BOT_MALFORMED;
    uint8_t got[32], want[32];
    for (int i = 0; i < 32; i++) {
        int hi = hexval(p[1 + 2 * i]), lo = hexval(p[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return RP_BOT_MALFORMED;
        got[i] = (uint8_t)(hi << 4 | lo);
    }
    token_mac(key, key_len, b, value, (size_t)(p - value), want);
    return CRYPTO_memcmp(got, want, 32) == 0 ? RP_BOT_OK : RP_BOT_BAD_MAC;
}

rp_bot_status_t rp_bot_clearance_verify(const uint8_t *key, size_t key_len,
                                        const rp_bot_binding_t *b, const char *value, size_t len,
                                        uint64_t now, unsigned *signals)
{
    const char *end = value + len, *p = value;
    uint64_t expiry, sig;
    if (len >= RP_BOT_TOKEN_MAX || len < 3 || memcmp(value, "k1.", 3) != 0)
        return RP_BOT_MALFORMED;
    if (!(p = number(p + 3, end, 20, &expiry)) || p == end || *p != '.' ||
        !(p = number(p + 1, end, 3, &sig)) || sig > 0xff)
        return RP_BOT_MALFORMED;
    rp_bot_status_t st = check_mac(key, key_len, b, value, p, end);
    if (st != RP_BOT_OK)
        return st;
    if (expiry <= now)
        return RP_BOT_EXPIRED;
    if (signals)
        *signals = (unsigned)sig;
    return RP_BOT_OK;
}

/* Leading zero bits of a digest, up to want. */
static bool enough_zero_bits(const uint8_t *d, unsigned want)
{
    unsigned i = 0;
    for (; want >= 8; want -= 8)
        if (d[i++] != 0)
            return false;
    return want == 0 || (d[i] >> (8 - want)) == 0;
}

rp_bot_status_t rp_bot_challenge_verify(const uint8_t *key, size_t key_len,
                                        const rp_bot_binding_t *b, const char *token,
                                        size_t token_len, const char *work, size_t work_len,
                                        uint64_t now, unsigned *difficulty)
{
    const char *end = token + token_len, *p = token;
    uint64_t expiry, diff, w;
    if (token_len >= RP_BOT_TOKEN_MAX || token_len < 3 || memcmp(token, "c1.", 3) != 0)
        return RP_BOT_MALFORMED;
    if (!(p = number(p + 3, end, 20, &expiry)) || p == end || *p != '.' ||
        !(p = number(p + 1, end, 2, &diff)) || diff > 32 || end - p < 34 || *p != '.')
        return RP_BOT_MALFORMED;
    for (int i = 1; i <= 32; i++)
        if (hexval(p[i]) < 0)
            return RP_BOT_MALFORMED;
    p += 33;
    rp_bot_status_t st = check_mac(key, key_len, b, token, p, end);
    if (st != RP_BOT_OK)
        return st;
    if (expiry <= now)
        return RP_BOT_EXPIRED;
    if (work_len == 0 || work_len > 20 || number(work, work + work_len, 20, &w) != work + work_len)
        return RP_BOT_BAD_WORK;
    uint8_t d[32];
    sha256_parts(token, token_len, ".", 1, work, work_len, d);
    if (!enough_zero_bits(d, (unsigned)diff))
        return RP_BOT_BAD_WORK;
    if (difficulty)
        *difficulty = (unsigned)diff;
    return RP_BOT_OK;
}
