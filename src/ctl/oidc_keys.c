/*
 * oidc_keys.c — ID token signing keys (see oidc_keys.h).
 */
#include "oidc_keys.h"

#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "idcrypt.h"
#include "log.h"
#include "rampart/crypto.h"
#include "secret.h"
#include "store_oidc.h"
#include "timefmt.h"

#define KEYS_MAX 16
#define DEK_LEN  32

typedef struct {
    char kid[24];
    jose_alg_t alg;
    EVP_PKEY *key;
    int64_t created, prune_after;
} held_key_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static held_key_t held[KEYS_MAX];
static int n_held;
static int64_t loaded_at;

char *oidc_key_seal(const char *kid, EVP_PKEY *key)
{
    unsigned char *der = NULL, dek[DEK_LEN];
    int len = i2d_PrivateKey(key, &der);
    char aad[64], sealed_dek[IDCRYPT_SEALED_MAX], *out = NULL;
    if (len <= 0 || secret_random(dek, sizeof(dek)))
        goto done;
    snprintf(aad, sizeof(aad), "oidc-dek:%s", kid);
    if (idcrypt_seal(aad, dek, sizeof(dek), sealed_dek))
        goto done;
    size_t blob_len = RP_GCM_NONCE + (size_t)len + RP_GCM_TAG;
    unsigned char *blob = malloc(blob_len);
    rp_aead_key_t k;
    if (!blob || secret_random(blob, RP_GCM_NONCE) ||
        !rp_aead_key_init(&k, RP_AEAD_AES_256_GCM, dek, sizeof(dek))) {
        free(blob);
        goto done;
    }
    snprintf(aad, sizeof(aad), "oidc-key:%s", kid);
    rp_aead_seal(&k, blob, (const uint8_t *)aad, strlen(aad), der, (size_t)len, blob + RP_GCM_NONCE,
                 blob + RP_GCM_NONCE + len);
    rp_aead_key_wipe(&k);
    out = malloc(strlen(sealed_dek) + 2 + blob_len / 3 * 4 + 5);
    if (out) {
        int n = sprintf(out, "%s.", sealed_dek);
        secret_base64url(blob, blob_len, out + n);
    }
    free(blob);
done:
    if (der) {
        secret_wipe(der, (size_t)len);
        OPENSSL_free(der);
    }
    secret_wipe(dek, sizeof(dek));
    return out;
}

EVP_PKEY *oidc_key_open(const char *kid, const char *sealed)
{
    const char *dot = strchr(sealed, '.');
    char aad[64], sealed_dek[IDCRYPT_SEALED_MAX];
    unsigned char dek[IDCRYPT_MAX_PLAIN];
    if (!dot || (size_t)(dot - sealed) >= sizeof(sealed_dek))
        return NULL;
    memcpy(sealed_dek, sealed, (size_t)(dot - sealed));
    sealed_dek[dot - sealed] = '\0';
    snprintf(aad, sizeof(aad), "oidc-dek:%s", kid);
    if (idcrypt_open(aad, sealed_dek, dek) != DEK_LEN)
        return NULL;
    unsigned char *blob = NULL, *der = NULL;
    size_t blob_len = 0;
    EVP_PKEY *key = NULL;
    rp_aead_key_t k;
    if (base64url_decode_alloc(dot + 1, strlen(dot + 1), &blob, &blob_len) ||
        blob_len <= RP_GCM_NONCE + RP_GCM_TAG ||
        !rp_aead_key_init(&k, RP_AEAD_AES_256_GCM, dek, DEK_LEN))
        goto done;
    size_t len = blob_len - RP_GCM_NONCE - RP_GCM_TAG;
    der = malloc(len);
    snprintf(aad, sizeof(aad), "oidc-key:%s", kid);
    int ok = der && rp_aead_open(&k, blob, (const uint8_t *)aad, strlen(aad), blob + RP_GCM_NONCE,
                                 len, der, blob + RP_GCM_NONCE + len);
    rp_aead_key_wipe(&k);
    if (ok) {
        const unsigned char *p = der;
        key = d2i_AutoPrivateKey(NULL, &p, (long)len);
        secret_wipe(der, len);
    }
done:
    free(der);
    free(blob);
    secret_wipe(dek, sizeof(dek));
    return key;
}

typedef struct {
    held_key_t keys[KEYS_MAX];
    int n;
} loading_t;

static int load_one(void *ctx, const oidc_key_row_t *row)
{
    loading_t *l = ctx;
    int alg = jose_alg_parse(row->alg);
    if (l->n == KEYS_MAX || alg < 0)
        return 0;
    EVP_PKEY *key = oidc_key_open(row->kid, row->sealed);
    if (!key || !jose_key_fits(key, (jose_alg_t)alg)) {
        EVP_PKEY_free(key); /* sealed under another identity.key: never sign with it */
        log_kv(LOG_LEVEL_WARN, "oidc signing key cannot be opened; skipped", "kid", row->kid, NULL);
        return 0;
    }
    held_key_t *h = &l->keys[l->n++];
    snprintf(h->kid, sizeof(h->kid), "%s", row->kid);
    h->alg = (jose_alg_t)alg;
    h->key = key;
    h->created = row->created;
    h->prune_after = row->prune_after;
    return 0;
}

static void free_keys(held_key_t *keys, int n)
{
    for (int i = 0; i < n; i++)
        EVP_PKEY_free(keys[i].key);
}

/* The current key of alg in l, or NULL. */
static held_key_t *current_of(held_key_t *keys, int n, jose_alg_t alg)
{
    held_key_t *best = NULL;
    for (int i = 0; i < n; i++)
        if (keys[i].alg == alg && keys[i].prune_after == 0 &&
            (!best || keys[i].created >= best->created))
            best = &keys[i];
    return best;
}

static int add_key(ctl_t *ctl, jose_alg_t alg, int64_t now)
{
    unsigned char raw[9];
    oidc_key_row_t *row = calloc(1, sizeof(*row));
    EVP_PKEY *key = jose_keygen(alg);
    int rc = STORE_ERROR;
    if (!row || !key || secret_random(raw, sizeof(raw)))
        goto done;
    secret_base64url(raw, sizeof(raw), row->kid);
    snprintf(row->alg, sizeof(row->alg), "%s", jose_alg_name(alg));
    char *sealed = oidc_key_seal(row->kid, key);
    if (!sealed || strlen(sealed) >= sizeof(row->sealed)) {
        free(sealed);
        goto done;
    }
    snprintf(row->sealed, sizeof(row->sealed), "%s", sealed);
    free(sealed);
    row->created = now;
    rc = oidc_key_add(ctl->store, row);
    if (rc == STORE_OK)
        rc = oidc_key_retire(ctl->store, row->alg, row->kid, now + OIDC_KEY_KEEP_S);
    if (rc == STORE_OK)
        log_kv(LOG_LEVEL_INFO, "oidc signing key created", "kid", row->kid, "alg", row->alg, NULL);
done:
    EVP_PKEY_free(key);
    free(row);
    return rc;
}

int oidc_keys_refresh(ctl_t *ctl, int force)
{
    int64_t now = time_now_ms() / 1000;
    pthread_mutex_lock(&lock);
    if (!force && n_held && now - loaded_at < 60) {
        pthread_mutex_unlock(&lock);
        return STORE_OK;
    }
    int rc = oidc_key_prune(ctl->store, now);
    loading_t *l = calloc(1, sizeof(*l));
    if (!l) {
        pthread_mutex_unlock(&lock);
        return STORE_ERROR;
    }
    for (int pass = 0; rc == STORE_OK && pass < 2; pass++) {
        free_keys(l->keys, l->n);
        l->n = 0;
        rc = oidc_key_list(ctl->store, load_one, l);
        int added = 0;
        for (int a = 0; rc == STORE_OK && pass == 0 && a < JOSE_ALG_COUNT; a++) {
            held_key_t *cur = current_of(l->keys, l->n, (jose_alg_t)a);
            if (!cur || now - cur->created >= OIDC_KEY_ROTATE_S) {
                rc = add_key(ctl, (jose_alg_t)a, now);
                added = 1;
            }
        }
        if (!added)
            break;
    }
    if (rc == STORE_OK) {
        free_keys(held, n_held);
        memcpy(held, l->keys, sizeof(held));
        n_held = l->n;
        loaded_at = now;
    } else {
        free_keys(l->keys, l->n);
    }
    free(l);
    pthread_mutex_unlock(&lock);
    return rc;
}

EVP_PKEY *oidc_keys_signer(jose_alg_t alg, char kid[24])
{
    EVP_PKEY *key = NULL;
    pthread_mutex_lock(&lock);
    held_key_t *cur = current_of(held, n_held, alg);
    if (cur && EVP_PKEY_up_ref(cur->key)) {
        key = cur->key;
        snprintf(kid, 24, "%s", cur->kid);
    }
    pthread_mutex_unlock(&lock);
    return key;
}

EVP_PKEY *oidc_keys_find(const char *kid, jose_alg_t *alg)
{
    EVP_PKEY *key = NULL;
    pthread_mutex_lock(&lock);
    for (int i = 0; kid && i < n_held && !key; i++)
        if (strcmp(held[i].kid, kid) == 0 && EVP_PKEY_up_ref(held[i].key)) {
            key = held[i].key;
            *alg = held[i].alg;
        }
    pthread_mutex_unlock(&lock);
    return key;
}

json_t *oidc_keys_jwks(void)
{
    json_t *keys = json_array();
    pthread_mutex_lock(&lock);
    for (int i = 0; i < n_held; i++)
        json_array_append_new(keys, jose_jwk(held[i].key, held[i].alg, held[i].kid));
    pthread_mutex_unlock(&lock);
    return json_pack("{s:o}", "keys", keys);
}

void oidc_keys_clear(void)
{
    pthread_mutex_lock(&lock);
    free_keys(held, n_held);
    n_held = 0;
    loaded_at = 0;
    pthread_mutex_unlock(&lock);
}
