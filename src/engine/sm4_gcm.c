/*
 * sm4_gcm.c — GCM (NIST SP 800-38D) with SM4 as its block cipher, the
 * AEAD_SM4_GCM of RFC 8998: 128-bit key, 96-bit nonce, 128-bit tag.
 *
 * Streaming: the caller feeds associated data, then message bytes in any
 * pieces; whole blocks go through the wide CTR and GHASH kernels in chunks
 * that stay in L1 cache, a partial block waits in the context.
 */
#include <string.h>

#include "ghash.h"
#include "rampart/crypto.h"
#include "sm4_impl.h"

/* Bytes of whole blocks encrypted, then hashed, per step: small enough that
 * GHASH reads what CTR just wrote from L1. */
#define CHUNK 4096

/* 2^32 - 2 blocks: the 32-bit counter starts at 2 and must not wrap. */
#define GCM_MAX_BYTES ((((uint64_t)1 << 32) - 2) * 16)

void rp_sm4_gcm_init(rp_sm4_gcm_ctx_t *c, const rp_aead_key_t *key, const uint8_t nonce[12],
                     bool decrypt)
{
    memset(c, 0, sizeof(*c));
    c->key = key;
    c->decrypt = decrypt;
    memcpy(c->j0, nonce, 12);
    c->j0[15] = 1;
    memcpy(c->ctr, c->j0, 16);
    c->ctr[15] = 2;
}

void rp_sm4_gcm_aad(rp_sm4_gcm_ctx_t *c, const uint8_t *aad, size_t len)
{
    if (len == 0)
        return;
    size_t part = c->aad_len % 16;
    c->aad_len += len;
    if (part) {
        size_t take = 16 - part < len ? 16 - part : len;
        memcpy(c->buf + part, aad, take);
        aad += take;
        len -= take;
        if (part + take < 16)
            return;
        rp_ghash_blocks(c->key->htab, c->x, c->buf, 1);
    }
    rp_ghash_blocks(c->key->htab, c->x, aad, len / 16);
    memcpy(c->buf, aad + len / 16 * 16, len % 16);
}

static void finish_aad(rp_sm4_gcm_ctx_t *c)
{
    size_t part = c->aad_len % 16;
    if (part) {
        memset(c->buf + part, 0, 16 - part);
        rp_ghash_blocks(c->key->htab, c->x, c->buf, 1);
    }
    c->aad_done = true;
}

void rp_sm4_gcm_update(rp_sm4_gcm_ctx_t *c, const uint8_t *in, uint8_t *out, size_t len)
{
    if (!c->aad_done)
        finish_aad(c);
    if (len == 0)
        return;
    const rp_sm4_impl_t *impl = rp_sm4_active();
    const uint32_t *rk = c->key->k.sm4.rk;
    size_t part = c->msg_len % 16;
    c->msg_len += len;
    if (c->msg_len > GCM_MAX_BYTES || c->msg_len < len) {
        c->too_long = true;
        memset(out, 0, len);
        return;
    }
    if (part) {
        size_t take = 16 - part < len ? 16 - part : len;
        for (size_t i = 0; i < take; i++) {
            uint8_t ct = c->decrypt ? in[i] : (uint8_t)(in[i] ^ c->ks[part + i]);
            out[i] = in[i] ^ c->ks[part + i];
            c->buf[part + i] = ct;
        }
        in += take;
        out += take;
        len -= take;
        if (part + take < 16)
            return;
        rp_ghash_blocks(c->key->htab, c->x, c->buf, 1);
    }
    while (len >= 16) {
        size_t n = len < CHUNK ? len / 16 * 16 : CHUNK;
        if (c->decrypt)
            rp_ghash_blocks(c->key->htab, c->x, in, n / 16);
        impl->ctr32(rk, c->ctr, in, out, n / 16);
        if (!c->decrypt)
            rp_ghash_blocks(c->key->htab, c->x, out, n / 16);
        in += n;
        out += n;
        len -= n;
    }
    if (len) {
        static const uint8_t zero[16];
        impl->ctr32(rk, c->ctr, zero, c->ks, 1);
        for (size_t i = 0; i < len; i++) {
            c->buf[i] = c->decrypt ? in[i] : (uint8_t)(in[i] ^ c->ks[i]);
            out[i] = in[i] ^ c->ks[i];
        }
    }
}

bool rp_sm4_gcm_final(rp_sm4_gcm_ctx_t *c, uint8_t tag[16])
{
    if (!c->aad_done)
        finish_aad(c);
    size_t part = c->msg_len % 16;
    if (part) {
        memset(c->buf + part, 0, 16 - part);
        rp_ghash_blocks(c->key->htab, c->x, c->buf, 1);
    }
    uint8_t lens[16], ek[16];
    uint64_t abits = c->aad_len * 8, mbits = c->msg_len * 8;
    for (int i = 0; i < 8; i++) {
        lens[i] = (uint8_t)(abits >> (56 - 8 * i));
        lens[8 + i] = (uint8_t)(mbits >> (56 - 8 * i));
    }
    rp_ghash_blocks(c->key->htab, c->x, lens, 1);
    rp_sm4_active()->ecb(c->key->k.sm4.rk, c->j0, ek, 1);
    bool ok = !c->too_long;
    if (c->too_long) {
        memset(ek, 0, sizeof(ek));
        if (!c->decrypt)
            memset(tag, 0, 16);
    } else if (c->decrypt) {
        uint8_t diff = 0;
        for (int i = 0; i < 16; i++)
            diff |= (uint8_t)(ek[i] ^ c->x[i] ^ tag[i]);
        ok = diff == 0;
    } else {
        for (int i = 0; i < 16; i++)
            tag[i] = ek[i] ^ c->x[i];
    }
    memset(c->ks, 0, sizeof(c->ks));
    return ok;
}
