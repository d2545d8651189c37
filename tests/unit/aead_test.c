/*
 * aead_test.c — SM4-GCM against RFC 8998 Appendix A.1, AES-256-GCM against
 * the GCM specification's test cases 13-16 (McGrew & Viega, as used by NIST
 * CAVP), streaming in random pieces equal to one-shot, any flipped bit of
 * ciphertext, tag or AAD refused, SM4-GCM against a GCM built from OpenSSL's
 * SM4-ECB/SM4-CTR (OpenSSL 3.0 has no SM4-GCM), and the PCLMULQDQ GHASH
 * against the portable one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "crypto_test_util.h"
#include "ghash.h"
#include "rampart/crypto.h"

typedef struct {
    rp_aead_alg_t alg;
    const char *key, *nonce, *aad, *pt, *ct, *tag;
} vector_t;

static const vector_t vectors[] = {
    /* RFC 8998 A.1 */
    {RP_AEAD_SM4_GCM, "0123456789ABCDEFFEDCBA9876543210", "00001234567800000000ABCD",
     "FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2",
     "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
     "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
     "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
     "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D",
     "83DE3541E4C2B58177E065A9BF7B62EC"},
    /* GCM spec test case 13: empty message */
    {RP_AEAD_AES_256_GCM, "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    /* test case 14 */
    {RP_AEAD_AES_256_GCM, "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "00000000000000000000000000000000",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    /* test case 15 */
    {RP_AEAD_AES_256_GCM, "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    /* test case 16: with AAD, message not a whole number of blocks */
    {RP_AEAD_AES_256_GCM, "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

static void test_vectors(void **state)
{
    for (size_t v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++) {
        uint8_t key[32], nonce[12], aad[64], pt[128], ct[128], tag[16], out[128], t[16];
        size_t kl = unhex(vectors[v].key, key);
        unhex(vectors[v].nonce, nonce);
        size_t al = unhex(vectors[v].aad, aad);
        size_t pl = unhex(vectors[v].pt, pt);
        unhex(vectors[v].ct, ct);
        unhex(vectors[v].tag, tag);
        rp_aead_key_t k;
        assert_true(rp_aead_key_init(&k, vectors[v].alg, key, kl));
        rp_aead_seal(&k, nonce, aad, al, pt, pl, out, t);
        assert_bytes_equal(out, ct, pl);
        assert_memory_equal(t, tag, 16);
        assert_true(rp_aead_open(&k, nonce, aad, al, ct, pl, out, tag));
        assert_bytes_equal(out, pt, pl);
        rp_aead_key_wipe(&k);
    }
}

static void test_bad_keys(void **state)
{
    uint8_t raw[32] = {0};
    rp_aead_key_t k;
    assert_false(rp_aead_key_init(&k, RP_AEAD_SM4_GCM, raw, 32));
    assert_false(rp_aead_key_init(&k, RP_AEAD_AES_256_GCM, raw, 16));
    assert_false(rp_aead_key_init(&k, (rp_aead_alg_t)7, raw, 16));
}

/* Pieces of random sizes through the streaming API give the one-shot result,
 * encrypting and decrypting, in place too. */
static void test_streaming(void **state)
{
    enum { MAX = 5000 };
    static uint8_t pt[MAX], ct1[MAX], ct2[MAX], back[MAX];
    for (int trial = 0; trial < 300; trial++) {
        uint8_t raw[16], nonce[12], aad[70], tag1[16], tag2[16];
        test_fill(raw, 16);
        test_fill(nonce, 12);
        size_t al = test_rand() % sizeof(aad), len = trial < 40 ? (size_t)trial : test_rand() % MAX;
        test_fill(aad, al);
        test_fill(pt, len);
        rp_aead_key_t k;
        rp_aead_key_init(&k, RP_AEAD_SM4_GCM, raw, 16);
        rp_aead_seal(&k, nonce, aad, al, pt, len, ct1, tag1);

        rp_sm4_gcm_ctx_t c;
        rp_sm4_gcm_init(&c, &k, nonce, false);
        for (size_t off = 0; off < al;) {
            size_t n = 1 + test_rand() % 20;
            n = n > al - off ? al - off : n;
            rp_sm4_gcm_aad(&c, aad + off, n);
            off += n;
        }
        memcpy(ct2, pt, len);
        for (size_t off = 0; off < len;) {
            size_t n = test_rand() % 3 ? 1 + test_rand() % 40 : 1 + test_rand() % 1000;
            n = n > len - off ? len - off : n;
            rp_sm4_gcm_update(&c, ct2 + off, ct2 + off, n); /* in place */
            off += n;
        }
        assert_true(rp_sm4_gcm_final(&c, tag2));
        assert_bytes_equal(ct1, ct2, len);
        assert_memory_equal(tag1, tag2, 16);

        rp_sm4_gcm_init(&c, &k, nonce, true);
        rp_sm4_gcm_aad(&c, aad, al);
        for (size_t off = 0; off < len;) {
            size_t n = 1 + test_rand() % 300;
            n = n > len - off ? len - off : n;
            rp_sm4_gcm_update(&c, ct1 + off, back + off, n);
            off += n;
        }
        assert_true(rp_sm4_gcm_final(&c, tag1));
        assert_bytes_equal(back, pt, len);
    }
}

static void test_tamper_refused(void **state)
{
    for (int alg = RP_AEAD_SM4_GCM; alg <= RP_AEAD_AES_256_GCM; alg++) {
        uint8_t raw[32], nonce[12], aad[20], pt[100], ct[100], tag[16], out[100];
        test_fill(raw, 32);
        test_fill(nonce, 12);
        test_fill(aad, 20);
        test_fill(pt, 100);
        rp_aead_key_t k;
        rp_aead_key_init(&k, (rp_aead_alg_t)alg, raw, alg == RP_AEAD_SM4_GCM ? 16 : 32);
        rp_aead_seal(&k, nonce, aad, 20, pt, 100, ct, tag);
        for (int bit = 0; bit < 8 * 136; bit += 5) {
            uint8_t *p = bit < 800   ? ct + bit / 8
                         : bit < 928 ? tag + (bit - 800) / 8
                                     : aad + (bit - 928) / 8;
            *p ^= (uint8_t)(1 << (bit % 8));
            memset(out, 0x55, sizeof(out));
            assert_false(rp_aead_open(&k, nonce, aad, 20, ct, 100, out, tag));
            /* refused plaintext is not released */
            for (int i = 0; i < 100; i++)
                assert_int_equal(out[i], 0);
            *p ^= (uint8_t)(1 << (bit % 8));
        }
        assert_true(rp_aead_open(&k, nonce, aad, 20, ct, 100, out, tag));
        assert_false(rp_aead_open(&k, nonce, aad, 19, ct, 100, out, tag));
        assert_false(rp_aead_open(&k, nonce, aad, 20, ct, 99, out, tag));
    }
}

static void openssl_sm4(const char *name, const uint8_t key[16], const uint8_t *iv,
                        const uint8_t *in, uint8_t *out, int len)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    assert_int_equal(EVP_EncryptInit_ex2(ctx, c, key, iv, NULL), 1);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    assert_int_equal(EVP_EncryptUpdate(ctx, out, &n, in, len), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, out + n, &m), 1);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
}

/* GCM assembled from OpenSSL's SM4 (H, E(J0), the CTR keystream) and the
 * portable GHASH: checks our CTR/GHASH interleaving and the fast paths. */
static void test_against_openssl_sm4(void **state)
{
    static uint8_t pt[3000], ct[3000], ref[3000], ghash_in[3200];
    for (int trial = 0; trial < 50; trial++) {
        uint8_t raw[16], nonce[12], aad[33], tag[16], zero[16] = {0}, h[16], j0[16], ek[16];
        test_fill(raw, 16);
        test_fill(nonce, 12);
        size_t al = test_rand() % 34, len = test_rand() % 3000;
        test_fill(aad, al);
        test_fill(pt, len);
        rp_aead_key_t k;
        rp_aead_key_init(&k, RP_AEAD_SM4_GCM, raw, 16);
        rp_aead_seal(&k, nonce, aad, al, pt, len, ct, tag);

        openssl_sm4("SM4-ECB", raw, NULL, zero, h, 16);
        memcpy(j0, nonce, 12);
        memset(j0 + 12, 0, 4);
        j0[15] = 1;
        openssl_sm4("SM4-ECB", raw, NULL, j0, ek, 16);
        uint8_t ctr[16];
        memcpy(ctr, j0, 16);
        ctr[15] = 2;
        if (len)
            openssl_sm4("SM4-CTR", raw, ctr, pt, ref, (int)len);
        assert_bytes_equal(ct, ref, len);

        uint64_t htab[16];
        rp_ghash_init(htab, h);
        size_t pos = 0, ab = (al + 15) / 16 * 16, cb = (len + 15) / 16 * 16;
        memset(ghash_in, 0, sizeof(ghash_in));
        memcpy(ghash_in, aad, al);
        memcpy(ghash_in + ab, ref, len);
        pos = ab + cb;
        uint64_t abits = al * 8, cbits = len * 8;
        for (int i = 0; i < 8; i++) {
            ghash_in[pos + i] = (uint8_t)(abits >> (56 - 8 * i));
            ghash_in[pos + 8 + i] = (uint8_t)(cbits >> (56 - 8 * i));
        }
        uint8_t x[16] = {0};
        rp_ghash_portable(htab, x, ghash_in, pos / 16 + 1);
        for (int i = 0; i < 16; i++)
            x[i] ^= ek[i];
        assert_memory_equal(tag, x, 16);
    }
}

/* Past 2^32 - 2 blocks the counter would wrap into J0: refused (the context
 * is put near the limit instead of encrypting 64 GB). */
static void test_length_limit(void **state)
{
    uint8_t raw[16] = {1}, nonce[12] = {2}, buf[64] = {0}, tag[16];
    rp_aead_key_t k;
    rp_aead_key_init(&k, RP_AEAD_SM4_GCM, raw, 16);
    rp_sm4_gcm_ctx_t c;
    rp_sm4_gcm_init(&c, &k, nonce, false);
    c.msg_len = ((((uint64_t)1 << 32) - 2) * 16) - 32;
    rp_sm4_gcm_update(&c, buf, buf, 32); /* up to the limit: fine */
    assert_false(c.too_long);
    rp_sm4_gcm_update(&c, buf, buf, 1);
    memset(tag, 0xaa, sizeof(tag));
    assert_false(rp_sm4_gcm_final(&c, tag));
    for (int i = 0; i < 16; i++)
        assert_int_equal(tag[i], 0);
}

/* Keys shared by threads, each with its own OpenSSL context underneath:
 * results equal the single-threaded ones. */
typedef struct {
    const rp_aead_key_t *keys[2];
    uint8_t expect_tag[2][16];
    int failures;
} thread_job_t;

static void *thread_body(void *p)
{
    thread_job_t *job = p;
    static const uint8_t nonce[12] = {3};
    uint8_t msg[1000], out[1000], back[1000], tag[16];
    for (int round = 0; round < 300; round++) {
        int a = round % 2;
        for (int i = 0; i < 1000; i++)
            msg[i] = (uint8_t)i;
        rp_aead_seal(job->keys[a], nonce, NULL, 0, msg, sizeof(msg), out, tag);
        if (memcmp(tag, job->expect_tag[a], 16) != 0 ||
            !rp_aead_open(job->keys[a], nonce, NULL, 0, out, sizeof(out), back, tag) ||
            memcmp(back, msg, sizeof(msg)) != 0)
            __atomic_add_fetch(&job->failures, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void test_threads_share_keys(void **state)
{
    uint8_t raw[32], msg[1000], out[1000];
    static const uint8_t nonce[12] = {3};
    test_fill(raw, 32);
    for (int i = 0; i < 1000; i++)
        msg[i] = (uint8_t)i;
    rp_aead_key_t sm4, aes;
    rp_aead_key_init(&sm4, RP_AEAD_SM4_GCM, raw, 16);
    rp_aead_key_init(&aes, RP_AEAD_AES_256_GCM, raw, 32);
    thread_job_t job = {{&sm4, &aes}, {{0}}, 0};
    rp_aead_seal(&sm4, nonce, NULL, 0, msg, sizeof(msg), out, job.expect_tag[0]);
    rp_aead_seal(&aes, nonce, NULL, 0, msg, sizeof(msg), out, job.expect_tag[1]);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_body, &job), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(job.failures, 0);
}

static void test_ghash_implementations_agree(void **state)
{
    static uint8_t in[16 * 37];
    for (int trial = 0; trial < 200; trial++) {
        uint8_t h[16], x1[16], x2[16];
        uint64_t htab[16];
        test_fill(h, 16);
        test_fill(x1, 16);
        memcpy(x2, x1, 16);
        size_t n = test_rand() % 38;
        test_fill(in, 16 * n);
        rp_ghash_init(htab, h);
        rp_ghash_portable(htab, x1, in, n);
        rp_ghash_pclmul(htab, x2, in, n);
        assert_memory_equal(x1, x2, 16);
    }
    printf("ghash in use: %s\n", rp_ghash_impl_name());
}

int main(void)
{
    test_seed_from_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_tamper_refused),
        cmocka_unit_test(test_against_openssl_sm4),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_threads_share_keys),
        cmocka_unit_test(test_ghash_implementations_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
