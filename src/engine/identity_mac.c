/*
 * identity_mac.c — HMAC-SHA-256 and HMAC-SM3 (RFC 2104) for the identity
 * files, fast enough for every request: OpenSSL's one-shot HMAC() fetches
 * the algorithm and derives the key pads on each call (~4 µs); here each
 * thread keeps a few keyed EVP_MAC contexts and re-initialises one with its
 * key (EVP_MAC_init with a NULL key reuses the pads), so a MAC costs about
 * its compression blocks.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "identity_t.h"

#define KEYED   8
#define KEY_MAX 64

typedef struct {
    EVP_MAC_CTX *ctx;
    rp_id_alg_t alg;
    size_t key_len;
    uint8_t key[KEY_MAX];
} keyed_t;

typedef struct {
    keyed_t slot[KEYED];
    unsigned next; /* round-robin replacement */
} mac_cache_t;

static pthread_key_t mac_key;
static pthread_once_t mac_once = PTHREAD_ONCE_INIT;
static EVP_MAC *hmac;

static void mac_cache_free(void *p)
{
    mac_cache_t *c = p;
    for (size_t i = 0; i < KEYED; i++)
        EVP_MAC_CTX_free(c->slot[i].ctx);
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
}

static void mac_setup(void)
{
    pthread_key_create(&mac_key, mac_cache_free);
    hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

static EVP_MAC_CTX *keyed_ctx(rp_id_alg_t alg, const uint8_t *key, size_t key_len)
{
    pthread_once(&mac_once, mac_setup);
    if (!hmac || key_len == 0 || key_len > KEY_MAX)
        return NULL;
    mac_cache_t *c = pthread_getspecific(mac_key);
    if (!c) {
        if (!(c = calloc(1, sizeof(*c))) || pthread_setspecific(mac_key, c) != 0) {
            free(c);
            return NULL;
        }
    }
    for (size_t i = 0; i < KEYED; i++) {
        keyed_t *k = &c->slot[i];
        if (k->ctx && k->alg == alg && k->key_len == key_len &&
            CRYPTO_memcmp(k->key, key, key_len) == 0)
            return EVP_MAC_init(k->ctx, NULL, 0, NULL) == 1 ? k->ctx : NULL;
    }
    keyed_t *k = &c->slot[c->next++ % KEYED];
    if (!k->ctx && !(k->ctx = EVP_MAC_CTX_new(hmac)))
        return NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
                               OSSL_MAC_PARAM_DIGEST, alg == RP_ID_HMAC_SM3 ? "SM3" : "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    k->key_len = 0; /* unusable until keyed */
    if (EVP_MAC_init(k->ctx, key, key_len, params) != 1)
        return NULL;
    k->alg = alg;
    k->key_len = key_len;
    memcpy(k->key, key, key_len);
    return k->ctx;
}

bool rp_id_hmac(rp_id_alg_t alg, const uint8_t *key, size_t key_len, const void *data, size_t len,
                uint8_t out[RP_ID_MAC_LEN])
{
    EVP_MAC_CTX *ctx = keyed_ctx(alg, key, key_len);
    size_t n = 0;
    return ctx && EVP_MAC_update(ctx, data, len) == 1 &&
           EVP_MAC_final(ctx, out, &n, RP_ID_MAC_LEN) == 1 && n == RP_ID_MAC_LEN;
}

bool rp_id_mac(const rp_id_key_t *key, const char *data, size_t len, uint8_t out[RP_ID_MAC_LEN])
{
    return rp_id_hmac(key->alg, key->key, RP_ID_KEY_LEN, data, len, out);
}
