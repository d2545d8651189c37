/*
 * envelope.c — the binary envelope: a ciphertext that says how to decrypt
 * it (docs/CRYPTO.md, "Envelope").
 *
 *   offset  size  field
 *   0       3     magic "RPE"
 *   3       1     format version (1)
 *   4       1     algorithm: 1 SM4-GCM, 2 AES-256-GCM
 *   5       1     key id length k, 1..32
 *   6       4     key version, big-endian
 *   10      k     key id: A-Z a-z 0-9 . _ : -
 *   10+k    12    nonce
 *   22+k    n     ciphertext
 *   22+k+n  16    tag
 * Bytes 0..10+k (the header) are the AAD, so an envelope cannot be relabelled
 * to another algorithm, key or version without failing authentication.
 */
#include <sys/random.h>

#include <string.h>

#include "rampart/crypto.h"

#define HEADER_FIXED 10

const char *rp_env_status_str(rp_env_status_t s)
{
    switch (s) {
    case RP_ENV_OK:
        return "ok";
    case RP_ENV_TOO_SMALL:
        return "output buffer too small";
    case RP_ENV_MALFORMED:
        return "not a well-formed envelope";
    case RP_ENV_VERSION:
        return "unknown envelope version";
    case RP_ENV_ALGORITHM:
        return "unknown algorithm or not the key's";
    case RP_ENV_KEY_MISMATCH:
        return "envelope names another key id or key version";
    case RP_ENV_AUTH:
        return "authentication failed (tampered, truncated or wrong key)";
    }
    return "unknown status";
}

static bool key_id_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
}

static bool key_id_ok(const char *id, size_t len)
{
    if (len == 0 || len > RP_ENVELOPE_KEY_ID)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!key_id_char(id[i]))
            return false;
    return true;
}

rp_env_status_t rp_envelope_seal(const rp_aead_key_t *key, const char *key_id, uint32_t key_version,
                                 const uint8_t nonce[12], const uint8_t *plain, size_t plain_len,
                                 uint8_t *out, size_t out_cap, size_t *out_len)
{
    size_t k = strnlen(key_id, RP_ENVELOPE_KEY_ID + 1);
    if (!key_id_ok(key_id, k))
        return RP_ENV_MALFORMED;
    if (key->alg != RP_AEAD_SM4_GCM && key->alg != RP_AEAD_AES_256_GCM)
        return RP_ENV_ALGORITHM;
    size_t total = RP_ENVELOPE_OVERHEAD(k) + plain_len;
    if (total < plain_len || out_cap < total)
        return RP_ENV_TOO_SMALL;
    out[0] = 'R';
    out[1] = 'P';
    out[2] = 'E';
    out[3] = RP_ENVELOPE_VERSION;
    out[4] = (uint8_t)key->alg;
    out[5] = (uint8_t)k;
    out[6] = (uint8_t)(key_version >> 24);
    out[7] = (uint8_t)(key_version >> 16);
    out[8] = (uint8_t)(key_version >> 8);
    out[9] = (uint8_t)key_version;
    memcpy(out + HEADER_FIXED, key_id, k);
    uint8_t *n = out + HEADER_FIXED + k;
    memcpy(n, nonce, RP_GCM_NONCE);
    /* plain may already sit exactly where the ciphertext goes (in place),
     * but must not otherwise overlap out */
    rp_aead_seal(key, n, out, HEADER_FIXED + k, plain, plain_len, n + RP_GCM_NONCE,
                 n + RP_GCM_NONCE + plain_len);
    *out_len = total;
    return RP_ENV_OK;
}

rp_env_status_t rp_envelope_seal_random(const rp_aead_key_t *key, const char *key_id,
                                        uint32_t key_version, const uint8_t *plain,
                                        size_t plain_len, uint8_t *out, size_t out_cap,
                                        size_t *out_len)
{
    uint8_t nonce[RP_GCM_NONCE];
    if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
        return RP_ENV_MALFORMED;
    return rp_envelope_seal(key, key_id, key_version, nonce, plain, plain_len, out, out_cap,
                            out_len);
}

rp_env_status_t rp_envelope_parse(const uint8_t *buf, size_t len, rp_envelope_t *env)
{
    memset(env, 0, sizeof(*env));
    if (len < HEADER_FIXED || buf[0] != 'R' || buf[1] != 'P' || buf[2] != 'E')
        return RP_ENV_MALFORMED;
    if (buf[3] != RP_ENVELOPE_VERSION)
        return RP_ENV_VERSION;
    if (buf[4] != RP_AEAD_SM4_GCM && buf[4] != RP_AEAD_AES_256_GCM)
        return RP_ENV_ALGORITHM;
    size_t k = buf[5];
    if (k == 0 || k > RP_ENVELOPE_KEY_ID || len < RP_ENVELOPE_OVERHEAD(k))
        return RP_ENV_MALFORMED;
    if (!key_id_ok((const char *)buf + HEADER_FIXED, k))
        return RP_ENV_MALFORMED;
    env->alg = (rp_aead_alg_t)buf[4];
    env->key_version =
        (uint32_t)buf[6] << 24 | (uint32_t)buf[7] << 16 | (uint32_t)buf[8] << 8 | buf[9];
    env->key_id_len = (uint8_t)k;
    memcpy(env->key_id, buf + HEADER_FIXED, k);
    env->nonce = buf + HEADER_FIXED + k;
    env->ciphertext = env->nonce + RP_GCM_NONCE;
    env->ciphertext_len = len - RP_ENVELOPE_OVERHEAD(k);
    env->tag = env->ciphertext + env->ciphertext_len;
    return RP_ENV_OK;
}

rp_env_status_t rp_envelope_open(const rp_aead_key_t *key, const char *key_id, uint32_t key_version,
                                 const rp_envelope_t *env, uint8_t *plain)
{
    size_t k = strnlen(key_id, RP_ENVELOPE_KEY_ID + 1);
    if (env->alg != key->alg)
        return RP_ENV_ALGORITHM;
    if (k != env->key_id_len || memcmp(key_id, env->key_id, k) != 0 ||
        key_version != env->key_version)
        return RP_ENV_KEY_MISMATCH;
    /* The AAD is the header as it sits in the parsed buffer (env points
     * into it, right before the nonce). */
    const uint8_t *header = env->nonce - HEADER_FIXED - k;
    if (!rp_aead_open(key, env->nonce, header, HEADER_FIXED + k, env->ciphertext,
                      env->ciphertext_len, plain, env->tag))
        return RP_ENV_AUTH;
    return RP_ENV_OK;
}
