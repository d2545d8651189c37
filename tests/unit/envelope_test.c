/*
 * envelope_test.c — the envelope's byte layout, round trips in binary and
 * text form for both algorithms, and refusal of everything else: flipped
 * bits anywhere, truncation, relabelled algorithm/key id/version, unknown
 * format version, wrong key, non-canonical or foreign text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "crypto_test_util.h"
#include "rampart/crypto.h"

static rp_aead_key_t sm4_key, aes_key;

static int setup(void **state)
{
    uint8_t raw[32];
    for (int i = 0; i < 32; i++)
        raw[i] = (uint8_t)(i + 1);
    rp_aead_key_init(&sm4_key, RP_AEAD_SM4_GCM, raw, 16);
    rp_aead_key_init(&aes_key, RP_AEAD_AES_256_GCM, raw, 32);
    return 0;
}

static void test_layout(void **state)
{
    static const uint8_t nonce[12] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
                                      0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};
    uint8_t out[128];
    size_t n = 0;
    assert_int_equal(rp_envelope_seal(&sm4_key, "users.id", 0x01020304, nonce,
                                      (const uint8_t *)"110105199001011234", 18, out, sizeof(out),
                                      &n),
                     RP_ENV_OK);
    assert_int_equal(n, RP_ENVELOPE_OVERHEAD(8) + 18);
    assert_memory_equal(out, "RPE\x01\x01\x08\x01\x02\x03\x04users.id", 18);
    assert_memory_equal(out + 18, nonce, 12);
    rp_envelope_t env;
    assert_int_equal(rp_envelope_parse(out, n, &env), RP_ENV_OK);
    assert_int_equal(env.alg, RP_AEAD_SM4_GCM);
    assert_int_equal(env.key_version, 0x01020304);
    assert_int_equal(env.key_id_len, 8);
    assert_memory_equal(env.key_id, "users.id", 8);
    assert_int_equal(env.ciphertext_len, 18);
    assert_ptr_equal(env.tag, out + n - 16);
    uint8_t plain[18];
    assert_int_equal(rp_envelope_open(&sm4_key, "users.id", 0x01020304, &env, plain), RP_ENV_OK);
    assert_memory_equal(plain, "110105199001011234", 18);

    char text[256];
    assert_int_equal(rp_envelope_to_text(out, n, text, sizeof(text)), RP_ENV_OK);
    assert_int_equal(strlen(text), RP_ENVELOPE_TEXT_LEN(n));
    assert_memory_equal(text, "rpe1.UlBFAQEI", 13); /* "RPE" 1 1 8 in base64url */
    assert_true(rp_envelope_is_text(text, strlen(text)));
    printf("envelope text: %s\n", text);
}

static void test_round_trips(void **state)
{
    static uint8_t plain[3000], out[3100], back[3000], bin[3100];
    static char text[4200];
    const rp_aead_key_t *keys[2] = {&sm4_key, &aes_key};
    for (int trial = 0; trial < 100; trial++) {
        const rp_aead_key_t *k = keys[trial % 2];
        size_t len = trial < 20 ? (size_t)trial : test_rand() % sizeof(plain);
        test_fill(plain, len);
        size_t n = 0, bn = 0;
        assert_int_equal(
            rp_envelope_seal_random(k, "k-1", (uint32_t)trial, plain, len, out, sizeof(out), &n),
            RP_ENV_OK);
        assert_int_equal(rp_envelope_to_text(out, n, text, sizeof(text)), RP_ENV_OK);
        assert_int_equal(rp_envelope_from_text(text, strlen(text), bin, sizeof(bin), &bn),
                         RP_ENV_OK);
        assert_int_equal(bn, n);
        assert_memory_equal(bin, out, n);
        rp_envelope_t env;
        assert_int_equal(rp_envelope_parse(bin, bn, &env), RP_ENV_OK);
        assert_int_equal(rp_envelope_open(k, "k-1", (uint32_t)trial, &env, back), RP_ENV_OK);
        assert_bytes_equal(back, plain, len);
    }
}

static rp_env_status_t open_buf(const rp_aead_key_t *k, const uint8_t *buf, size_t n,
                                uint8_t *plain)
{
    rp_envelope_t env;
    rp_env_status_t s = rp_envelope_parse(buf, n, &env);
    return s != RP_ENV_OK ? s : rp_envelope_open(k, "app", 7, &env, plain);
}

static void test_refusals(void **state)
{
    uint8_t out[128], plain[64];
    size_t n = 0;
    static const uint8_t nonce[12] = {1};
    assert_int_equal(rp_envelope_seal(&sm4_key, "app", 7, nonce, (const uint8_t *)"secret value",
                                      12, out, sizeof(out), &n),
                     RP_ENV_OK);
    assert_int_equal(open_buf(&sm4_key, out, n, plain), RP_ENV_OK);
    /* every single-bit change is refused */
    for (size_t bit = 0; bit < 8 * n; bit++) {
        out[bit / 8] ^= (uint8_t)(1 << (bit % 8));
        assert_int_not_equal(open_buf(&sm4_key, out, n, plain), RP_ENV_OK);
        out[bit / 8] ^= (uint8_t)(1 << (bit % 8));
    }
    /* every truncation and extension is refused */
    for (size_t len = 0; len < n; len++)
        assert_int_not_equal(open_buf(&sm4_key, out, len, plain), RP_ENV_OK);
    out[n] = 0;
    assert_int_equal(open_buf(&sm4_key, out, n + 1, plain), RP_ENV_AUTH);
    /* specific errors */
    out[3] = 2;
    assert_int_equal(open_buf(&sm4_key, out, n, plain), RP_ENV_VERSION);
    out[3] = 1;
    out[4] = 9;
    assert_int_equal(open_buf(&sm4_key, out, n, plain), RP_ENV_ALGORITHM);
    out[4] = RP_AEAD_AES_256_GCM; /* relabelled: the AES key is not the envelope's */
    assert_int_equal(open_buf(&aes_key, out, n, plain), RP_ENV_AUTH);
    out[4] = RP_AEAD_SM4_GCM;
    out[9] = 8; /* key version 8 */
    assert_int_equal(open_buf(&sm4_key, out, n, plain), RP_ENV_KEY_MISMATCH);
    out[9] = 7;
    rp_envelope_t env;
    assert_int_equal(rp_envelope_parse(out, n, &env), RP_ENV_OK);
    assert_int_equal(rp_envelope_open(&sm4_key, "other", 7, &env, plain), RP_ENV_KEY_MISMATCH);
    assert_int_equal(rp_envelope_open(&aes_key, "app", 7, &env, plain), RP_ENV_ALGORITHM);
    uint8_t raw[16] = {9};
    rp_aead_key_t wrong;
    rp_aead_key_init(&wrong, RP_AEAD_SM4_GCM, raw, 16);
    assert_int_equal(rp_envelope_open(&wrong, "app", 7, &env, plain), RP_ENV_AUTH);
    /* bad key ids and small buffers at sealing */
    assert_int_equal(rp_envelope_seal(&sm4_key, "", 1, nonce, plain, 1, out, sizeof(out), &n),
                     RP_ENV_MALFORMED);
    assert_int_equal(rp_envelope_seal(&sm4_key, "a b", 1, nonce, plain, 1, out, sizeof(out), &n),
                     RP_ENV_MALFORMED);
    assert_int_equal(rp_envelope_seal(&sm4_key, "0123456789abcdef0123456789abcdefX", 1, nonce,
                                      plain, 1, out, sizeof(out), &n),
                     RP_ENV_MALFORMED);
    assert_int_equal(rp_envelope_seal(&sm4_key, "a", 1, nonce, plain, 64, out, 64, &n),
                     RP_ENV_TOO_SMALL);
    printf("refused: %s\n", rp_env_status_str(RP_ENV_AUTH));
}

static void test_text_refusals(void **state)
{
    uint8_t bin[64];
    size_t n;
    const char *bad[] = {"",
                         "rpe1.",
                         "rpe1.A",
                         "rpe2.UlBFAQEI",
                         "RPE1.UlBFAQEI",
                         "rpe1.UlBF AQEI",
                         "rpe1.UlBFAQEI=",
                         "rpe1.UlBFAQEI+",
                         "rpe1.UlBFAQEJ" /* non-canonical */,
                         "rpe1.UlBFAQEIxx" /* decodes, but not an envelope */};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rp_env_status_t s = rp_envelope_from_text(bad[i], strlen(bad[i]), bin, sizeof(bin), &n);
        if (s == RP_ENV_OK) {
            rp_envelope_t env;
            s = rp_envelope_parse(bin, n, &env);
        }
        assert_int_not_equal(s, RP_ENV_OK);
    }
    assert_false(rp_envelope_is_text("110105199001011234", 18));
    assert_int_equal(rp_envelope_from_text("rpe1.UlBFAQEI", 13, bin, 4, &n), RP_ENV_TOO_SMALL);
}

int main(void)
{
    test_seed_from_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_text_refusals),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
