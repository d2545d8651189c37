/*
 * sm4_test.c — SM4 against GB/T 32907-2016's examples (one block; the same
 * block encrypted 1,000,000 times) and every implementation compiled in
 * (portable, AES-NI/AVX2, GFNI/AVX-512, where the CPU runs them) against
 * OpenSSL's SM4-ECB and SM4-CTR on random keys, data and lengths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "crypto_test_util.h"
#include "rampart/crypto.h"
#include "sm4_impl.h"

static void test_standard_example(void **state)
{
    uint8_t key[16], pt[16], ct[16], expect[16], back[16];
    unhex("0123456789abcdeffedcba9876543210", key);
    memcpy(pt, key, 16);
    unhex("681edf34d206965e86b3e94f536e4246", expect);
    rp_sm4_key_t k;
    rp_sm4_set_key(&k, key);
    rp_sm4_encrypt_block(&k, pt, ct);
    assert_memory_equal(ct, expect, 16);
    rp_sm4_decrypt_block(&k, ct, back);
    assert_memory_equal(back, pt, 16);
    for (int i = 0; rp_sm4_impls[i]; i++) {
        if (!rp_sm4_impls[i]->usable())
            continue;
        memset(ct, 0, 16);
        rp_sm4_impls[i]->ecb(k.rk, pt, ct, 1);
        assert_memory_equal(ct, expect, 16);
    }
}

static void test_million_iterations(void **state)
{
    uint8_t key[16], block[16], expect[16];
    unhex("0123456789abcdeffedcba9876543210", key);
    memcpy(block, key, 16);
    unhex("595298c7c6fd271f0402f804c33d3f66", expect);
    rp_sm4_key_t k;
    rp_sm4_set_key(&k, key);
    const rp_sm4_impl_t *impl = rp_sm4_active();
    for (int i = 0; i < 1000000; i++)
        impl->ecb(k.rk, block, block, 1);
    assert_memory_equal(block, expect, 16);
    printf("sm4 implementation in use: %s\n", rp_sm4_impl_name());
}

static void openssl_run(const char *name, const uint8_t key[16], const uint8_t *iv,
                        const uint8_t *in, uint8_t *out, int len)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
    assert_non_null(c);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    assert_int_equal(EVP_EncryptInit_ex2(ctx, c, key, iv, NULL), 1);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    assert_int_equal(EVP_EncryptUpdate(ctx, out, &n, in, len), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, out + n, &m), 1);
    assert_int_equal(n + m, len);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
}

/* Every implementation's ECB and CTR, on lengths around its batch widths,
 * against OpenSSL; decryption (reversed round keys) restores the input. */
static void test_differential_openssl(void **state)
{
    enum { MAX = 16 * 70 };
    static uint8_t in[MAX], ours[MAX], theirs[MAX], back[MAX];
    for (int i = 0; rp_sm4_impls[i]; i++) {
        const rp_sm4_impl_t *impl = rp_sm4_impls[i];
        if (!impl->usable()) {
            printf("sm4 %s: not usable on this CPU, skipped\n", impl->name);
            continue;
        }
        for (int trial = 0; trial < 200; trial++) {
            uint8_t key[16], ctr[16], ctr_copy[16];
            test_fill(key, 16);
            test_fill(ctr, 16);
            if (trial % 4 == 0) /* counter wrap inside a batch */
                memset(ctr + 12, 0xff, 3);
            size_t nblocks = trial < 70 ? (size_t)trial : 1 + test_rand() % 70;
            test_fill(in, 16 * nblocks);
            rp_sm4_key_t k;
            rp_sm4_set_key(&k, key);

            impl->ecb(k.rk, in, ours, nblocks);
            openssl_run("SM4-ECB", key, NULL, in, theirs, (int)(16 * nblocks));
            assert_bytes_equal(ours, theirs, 16 * nblocks);
            uint32_t rev[32];
            for (int r = 0; r < 32; r++)
                rev[r] = k.rk[31 - r];
            impl->ecb(rev, ours, back, nblocks);
            assert_bytes_equal(back, in, 16 * nblocks);

            /* OpenSSL's CTR counts over all 128 bits; GCM's over the last
             * 32. They agree unless the low word wraps, so compare the
             * wrapping case block by block against ECB of the counters. */
            memcpy(ctr_copy, ctr, 16);
            impl->ctr32(k.rk, ctr_copy, in, ours, nblocks);
            uint32_t c0 = rp_load_be32(ctr + 12);
            bool wraps = (uint64_t)c0 + nblocks > 0xffffffffULL;
            if (!wraps) {
                openssl_run("SM4-CTR", key, ctr, in, theirs, (int)(16 * nblocks));
            } else {
                for (size_t b = 0; b < nblocks; b++) {
                    uint8_t cb[16], ks[16];
                    memcpy(cb, ctr, 12);
                    rp_store_be32(cb + 12, c0 + (uint32_t)b);
                    openssl_run("SM4-ECB", key, NULL, cb, ks, 16);
                    for (int j = 0; j < 16; j++)
                        theirs[16 * b + j] = in[16 * b + j] ^ ks[j];
                }
            }
            assert_bytes_equal(ours, theirs, 16 * nblocks);
            assert_int_equal(rp_load_be32(ctr_copy + 12), c0 + (uint32_t)nblocks);
        }
        printf("sm4 %s: 200 random trials match OpenSSL\n", impl->name);
    }
}

/* The public CTR entry point with lengths that are not whole blocks. */
static void test_ctr_partial_lengths(void **state)
{
    uint8_t key[16], ctr[16], ctr2[16], in[300], ours[300], theirs[300];
    test_fill(key, 16);
    test_fill(ctr, 12);
    memset(ctr + 12, 0, 4);
    test_fill(in, sizeof(in));
    rp_sm4_key_t k;
    rp_sm4_set_key(&k, key);
    for (int len = 1; len <= 300; len += 7) {
        memcpy(ctr2, ctr, 16);
        rp_sm4_ctr32(&k, ctr2, in, ours, (size_t)len);
        openssl_run("SM4-CTR", key, ctr, in, theirs, len);
        assert_memory_equal(ours, theirs, (size_t)len);
    }
}

int main(void)
{
    test_seed_from_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_example),
        cmocka_unit_test(test_million_iterations),
        cmocka_unit_test(test_differential_openssl),
        cmocka_unit_test(test_ctr_partial_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
