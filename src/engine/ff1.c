/*
 * ff1.c — FF1 format-preserving encryption (NIST SP 800-38G §6.2) for
 * decimal strings, with the block cipher supplied by the caller.
 *
 * SP 800-38G approves FF1 with AES only. Rampart runs it with SM4 for
 * resident ID tokens (tokenize_id.c): the Feistel structure and the PRF are
 * FF1's, the block cipher is not, so that use is not an approved FPE mode —
 * docs/CRYPTO.md says so. With AES it reproduces NIST's FF1 samples, which is
 * how the implementation is tested.
 *
 * Sizes here stay small (n <= 32 digits, so each half fits in 64 bits and
 * the PRF output needed, d <= 16 bytes, is one block: S = R).
 */
#include <string.h>

#include "rampart/crypto.h"

static uint64_t pow10u(size_t m)
{
    uint64_t p = 1;
    while (m--)
        p *= 10;
    return p;
}

static uint64_t num(const uint8_t *d, size_t m)
{
    uint64_t x = 0;
    for (size_t i = 0; i < m; i++)
        x = x * 10 + d[i];
    return x;
}

static void str(uint64_t x, uint8_t *d, size_t m)
{
    for (size_t i = m; i-- > 0; x /= 10)
        d[i] = (uint8_t)(x % 10);
}

/* ceil(v * log2(10)) for v <= 16, exactly: the smallest bits with
 * 2^bits >= 10^v. */
static unsigned bits_for_digits(size_t v)
{
    unsigned bits = 0;
    unsigned __int128 p = 1, limit = pow10u(v);
    while (p < limit) {
        p <<= 1;
        bits++;
    }
    return bits;
}

bool rp_ff1_decimal(rp_block_fn enc, const void *cipher, const uint8_t *tweak, size_t tweak_len,
                    const uint8_t *in, uint8_t *out, size_t n, bool decrypt)
{
    if (n < 2 || n > 32 || tweak_len > RP_FF1_TWEAK_MAX)
        return false;
    size_t u = n / 2, v = n - u;
    size_t b = (bits_for_digits(v) + 7) / 8, d = 4 * ((b + 3) / 4) + 4;
    uint8_t a_half[16], b_half[16];
    memcpy(a_half, in, u);
    memcpy(b_half, in + u, v);

    /* P = [1][2][1] [radix]^3 [10] [u mod 256] [n]^4 [t]^4; its CBC-MAC
     * state is the same every round, so encrypt it once. */
    uint8_t p[16] = {1, 2, 1, 0, 0, 10, 10, (uint8_t)u, 0, 0, 0, (uint8_t)n, 0, 0, 0, 0};
    p[12] = (uint8_t)(tweak_len >> 24);
    p[13] = (uint8_t)(tweak_len >> 16);
    p[14] = (uint8_t)(tweak_len >> 8);
    p[15] = (uint8_t)tweak_len;
    uint8_t cp[16];
    enc(cipher, p, cp);

    /* Q = T || 0^((-t-b-1) mod 16) || [i] || [NUM(B)]^b */
    uint8_t q[RP_FF1_TWEAK_MAX + 16 + 1 + 8];
    size_t pad = (16 - (tweak_len + b + 1) % 16) % 16, qlen = tweak_len + pad + 1 + b;
    if (tweak_len)
        memcpy(q, tweak, tweak_len);
    memset(q + tweak_len, 0, pad);

    size_t la = u, lb = v; /* current lengths of A and B */
    for (int step = 0; step < 10; step++) {
        int i = decrypt ? 9 - step : step;
        size_t m = i % 2 == 0 ? u : v;
        /* the round's input half: B when encrypting, A when decrypting */
        uint64_t x = decrypt ? num(a_half, la) : num(b_half, lb);
        q[tweak_len + pad] = (uint8_t)i;
        for (size_t k = 0; k < b; k++)
            q[qlen - 1 - k] = (uint8_t)(k < 8 ? x >> (8 * k) : 0);
        /* R = PRF(P || Q): CBC-MAC with zero IV; S = R (d <= 16) */
        uint8_t r[16];
        memcpy(r, cp, 16);
        for (size_t off = 0; off < qlen; off += 16) {
            for (int j = 0; j < 16; j++)
                r[j] ^= q[off + j];
            enc(cipher, r, r);
        }
        unsigned __int128 y = 0;
        for (size_t k = 0; k < d; k++)
            y = y << 8 | r[k];
        uint64_t mod = pow10u(m), ym = (uint64_t)(y % mod);
        uint8_t c_digits[16];
        if (!decrypt) {
            str((num(a_half, la) + ym) % mod, c_digits, m);
            memcpy(a_half, b_half, lb);
            la = lb;
            memcpy(b_half, c_digits, m);
            lb = m;
        } else {
            str((num(b_half, lb) + mod - ym) % mod, c_digits, m);
            memcpy(b_half, a_half, la);
            lb = la;
            memcpy(a_half, c_digits, m);
            la = m;
        }
    }
    memcpy(out, a_half, u);
    memcpy(out + u, b_half, v);
    return true;
}
