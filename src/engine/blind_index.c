/*
 * blind_index.c — HMAC-SM3 (RFC 2104 HMAC over GB/T 32905 SM3, both from
 * OpenSSL 3) for blind indexes: a keyed, deterministic digest of a value,
 * stored next to its envelope so equality search works without decrypting.
 *
 * One EVP_MAC_CTX per thread, re-keyed per call: OpenSSL contexts are not
 * shareable between threads and making one per call allocates.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "rampart/crypto.h"

static pthread_key_t mac_key;
static pthread_once_t mac_once = PTHREAD_ONCE_INIT;
static EVP_MAC *hmac;
static EVP_MD *sm3;

static void free_mac(void *p)
{
    EVP_MAC_CTX_free(p);
}

static void setup(void)
{
    pthread_key_create(&mac_key, free_mac);
    hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
}

static EVP_MAC_CTX *thread_mac(void)
{
    pthread_once(&mac_once, setup);
    if (!hmac || !sm3)
        return NULL;
    EVP_MAC_CTX *ctx = pthread_getspecific(mac_key);
    if (!ctx) {
        ctx = EVP_MAC_CTX_new(hmac);
        if (!ctx || pthread_setspecific(mac_key, ctx) != 0) {
            EVP_MAC_CTX_free(ctx);
            return NULL;
        }
    }
    return ctx;
}

bool rp_sm3(const uint8_t *in, size_t len, uint8_t out[32])
{
    pthread_once(&mac_once, setup);
    unsigned n = 0;
    return sm3 && EVP_Digest(in, len, out, &n, sm3, NULL) == 1 && n == 32;
}

static EVP_MAC_CTX *begin(const uint8_t *key, size_t key_len, const char *context, size_t out_len)
{
    EVP_MAC_CTX *ctx = thread_mac();
    /* A NULL/empty key would make EVP_MAC_init keep this thread's previous
     * key — another caller's. */
    if (!ctx || !key || key_len < RP_BLIND_INDEX_KEY_MIN || out_len == 0 ||
        out_len > RP_BLIND_INDEX_MAX)
        return NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SM3", 0),
                           OSSL_PARAM_construct_end()};
    static const uint8_t sep = 0;
    if (EVP_MAC_init(ctx, key, key_len, params) != 1 ||
        EVP_MAC_update(ctx, (const uint8_t *)context, strlen(context)) != 1 ||
        EVP_MAC_update(ctx, &sep, 1) != 1)
        return NULL;
    return ctx;
}

static bool finish(EVP_MAC_CTX *ctx, uint8_t *out, size_t out_len)
{
    uint8_t mac[32];
    size_t n = 0;
    if (EVP_MAC_final(ctx, mac, &n, sizeof(mac)) != 1 || n != 32)
        return false;
    memcpy(out, mac, out_len);
    OPENSSL_cleanse(mac, sizeof(mac));
    return true;
}

bool rp_blind_index(const uint8_t *key, size_t key_len, const char *context, const uint8_t *value,
                    size_t value_len, uint8_t *out, size_t out_len)
{
    EVP_MAC_CTX *ctx = begin(key, key_len, context, out_len);
    return ctx && EVP_MAC_update(ctx, value, value_len) == 1 && finish(ctx, out, out_len);
}

bool rp_blind_index_normalized(const uint8_t *key, size_t key_len, const char *context,
                               const char *value, size_t value_len, uint8_t *out, size_t out_len)
{
    EVP_MAC_CTX *ctx = begin(key, key_len, context, out_len);
    if (!ctx)
        return false;
    /* lower-cased runs without ' ' and '-', fed a buffer at a time */
    uint8_t buf[128];
    size_t n = 0;
    for (size_t i = 0; i < value_len; i++) {
        char c = value[i];
        if (c == ' ' || c == '-')
            continue;
        buf[n++] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        if (n == sizeof(buf)) {
            if (EVP_MAC_update(ctx, buf, n) != 1)
                return false;
            n = 0;
        }
    }
    bool ok = EVP_MAC_update(ctx, buf, n) == 1 && finish(ctx, out, out_len);
    OPENSSL_cleanse(buf, sizeof(buf));
    return ok;
}
