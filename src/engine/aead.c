/*
 * aead.c — one interface over the two authenticated ciphers: SM4-GCM (our
 * implementation, sm4_gcm.c) and AES-256-GCM (OpenSSL 3's EVP, which uses
 * AES-NI and PCLMULQDQ/VPCLMULQDQ itself).
 *
 * OpenSSL contexts cannot be shared between threads, and making one per call
 * allocates; each thread keeps one EVP_CIPHER_CTX (freed when the thread
 * exits) and re-keys it per message, which costs a key expansion only.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ghash.h"
#include "rampart/crypto.h"
#include "sm4_impl.h"

bool rp_aead_key_init(rp_aead_key_t *key, rp_aead_alg_t alg, const uint8_t *raw, size_t raw_len)
{
    memset(key, 0, sizeof(*key));
    key->alg = alg;
    if (alg == RP_AEAD_SM4_GCM && raw_len == RP_SM4_KEY) {
        static const uint8_t zero[16];
        rp_sm4_set_key(&key->k.sm4, raw);
        rp_sm4_encrypt_block(&key->k.sm4, zero, key->h);
        rp_ghash_init(key->htab, key->h);
        return true;
    }
    if (alg == RP_AEAD_AES_256_GCM && raw_len == 32) {
        memcpy(key->k.aes, raw, 32);
        return true;
    }
    key->alg = 0;
    return false;
}

void rp_aead_key_wipe(rp_aead_key_t *key)
{
    OPENSSL_cleanse(key, sizeof(*key));
}

static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *aes_gcm;

static void free_ctx(void *p)
{
    EVP_CIPHER_CTX_free(p);
}

static void ctx_setup(void)
{
    pthread_key_create(&ctx_key, free_ctx);
    /* An explicit fetch once: implicit fetches by name cost a lookup per
     * call in OpenSSL 3. */
    aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

static EVP_CIPHER_CTX *thread_ctx(void)
{
    pthread_once(&ctx_once, ctx_setup);
    EVP_CIPHER_CTX *ctx = pthread_getspecific(ctx_key);
    if (!ctx) {
        ctx = EVP_CIPHER_CTX_new();
        if (!ctx || pthread_setspecific(ctx_key, ctx) != 0)
            abort(); /* out of memory on a thread's first use */
    }
    return ctx;
}

/* EVP takes int lengths: feed larger inputs in pieces. */
#define EVP_PIECE ((size_t)1 << 30)

static bool evp_update(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in, size_t len,
                       bool decrypt)
{
    while (len) {
        int piece = (int)(len < EVP_PIECE ? len : EVP_PIECE), n = 0;
        int ok = decrypt ? EVP_DecryptUpdate(ctx, out, &n, in, piece)
                         : EVP_EncryptUpdate(ctx, out, &n, in, piece);
        if (ok != 1 || n != piece)
            return false;
        in += piece;
        if (out)
            out += piece;
        len -= (size_t)piece;
    }
    return true;
}

/* AES-256-GCM through EVP; OpenSSL failing here means a broken build or no
 * memory, not bad input, and must not let unauthenticated data through. */
static bool aes_gcm_run(const rp_aead_key_t *key, const uint8_t nonce[12], const uint8_t *aad,
                        size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag,
                        bool decrypt)
{
    EVP_CIPHER_CTX *ctx = thread_ctx();
    int n = 0;
    if (!aes_gcm)
        abort();
    if (decrypt) {
        if (EVP_DecryptInit_ex2(ctx, aes_gcm, key->k.aes, nonce, NULL) != 1 ||
            !evp_update(ctx, NULL, aad, aad_len, true) || !evp_update(ctx, out, in, len, true) ||
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1)
            abort();
        return EVP_DecryptFinal_ex(ctx, out + len, &n) == 1;
    }
    if (EVP_EncryptInit_ex2(ctx, aes_gcm, key->k.aes, nonce, NULL) != 1 ||
        !evp_update(ctx, NULL, aad, aad_len, false) || !evp_update(ctx, out, in, len, false) ||
        EVP_EncryptFinal_ex(ctx, out + len, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
        abort();
    return true;
}

void rp_aead_seal(const rp_aead_key_t *key, const uint8_t nonce[RP_GCM_NONCE], const uint8_t *aad,
                  size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
                  uint8_t tag[RP_GCM_TAG])
{
    if (key->alg == RP_AEAD_AES_256_GCM) {
        aes_gcm_run(key, nonce, aad, aad_len, in, len, out, tag, false);
        return;
    }
    rp_sm4_gcm_ctx_t c;
    rp_sm4_gcm_init(&c, key, nonce, false);
    rp_sm4_gcm_aad(&c, aad, aad_len);
    rp_sm4_gcm_update(&c, in, out, len);
    rp_sm4_gcm_final(&c, tag);
}

bool rp_aead_open(const rp_aead_key_t *key, const uint8_t nonce[RP_GCM_NONCE], const uint8_t *aad,
                  size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
                  const uint8_t tag[RP_GCM_TAG])
{
    bool ok;
    if (key->alg == RP_AEAD_AES_256_GCM) {
        uint8_t t[16];
        memcpy(t, tag, 16);
        ok = aes_gcm_run(key, nonce, aad, aad_len, in, len, out, t, true);
    } else {
        rp_sm4_gcm_ctx_t c;
        rp_sm4_gcm_init(&c, key, nonce, true);
        rp_sm4_gcm_aad(&c, aad, aad_len);
        rp_sm4_gcm_update(&c, in, out, len);
        ok = rp_sm4_gcm_final(&c, (uint8_t *)tag);
    }
    if (!ok)
        OPENSSL_cleanse(out, len);
    return ok;
}
