/*
 * fuzz_envelope.c — libFuzzer target for the envelope parsers
 * (rp_envelope_from_text, rp_envelope_parse, rp_envelope_open).
 *
 * The input is tried as text and as binary. Contract checked, not only the
 * absence of crashes: a parsed envelope's pointers stay inside the input and
 * its lengths add up; opening with the fixed fuzz key never succeeds on
 * bytes the fuzzer made up unless they are a genuine envelope (it cannot
 * forge a tag), and a text form that decodes re-encodes to the same text
 * (one text per envelope). A genuine envelope of the input is also sealed
 * and must open to the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rampart/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_binary(const rp_aead_key_t *key, const uint8_t *buf, size_t len)
{
    rp_envelope_t env;
    if (rp_envelope_parse(buf, len, &env) != RP_ENV_OK)
        return;
    if (env.nonce < buf || env.tag + RP_GCM_TAG != buf + len ||
        env.ciphertext + env.ciphertext_len != env.tag ||
        len != RP_ENVELOPE_OVERHEAD(env.key_id_len) + env.ciphertext_len)
        abort();
    uint8_t *plain = malloc(env.ciphertext_len + 1);
    if (!plain)
        abort();
    char id[RP_ENVELOPE_KEY_ID + 1];
    memcpy(id, env.key_id, env.key_id_len);
    id[env.key_id_len] = 0;
    /* a made-up envelope under the fuzz key: the tag cannot verify */
    if (rp_envelope_open(key, id, env.key_version, &env, plain) == RP_ENV_OK)
        abort();
    free(plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rp_aead_key_t key;
    static int ready;
    if (!ready) {
        uint8_t raw[16] = "rampart-fuzz-key";
        rp_aead_key_init(&key, RP_AEAD_SM4_GCM, raw, 16);
        ready = 1;
    }
    check_binary(&key, data, size);

    uint8_t *bin = malloc(size + 1);
    char *text = malloc(size + 8);
    if (!bin || !text)
        abort();
    size_t n = 0;
    if (rp_envelope_from_text((const char *)data, size, bin, size + 1, &n) == RP_ENV_OK) {
        if (rp_envelope_to_text(bin, n, text, size + 8) != RP_ENV_OK || strlen(text) != size ||
            memcmp(text, data, size) != 0)
            abort();
        check_binary(&key, bin, n);
    }
    free(bin);
    free(text);

    /* seal the input and open it again */
    size_t cap = RP_ENVELOPE_OVERHEAD(3) + size, out_len = 0;
    uint8_t *env_buf = malloc(cap), *back = malloc(size + 1);
    static const uint8_t nonce[12] = {7};
    if (!env_buf || !back)
        abort();
    if (rp_envelope_seal(&key, "fuz", 1, nonce, data, size, env_buf, cap, &out_len) != RP_ENV_OK)
        abort();
    rp_envelope_t env;
    if (rp_envelope_parse(env_buf, out_len, &env) != RP_ENV_OK ||
        rp_envelope_open(&key, "fuz", 1, &env, back) != RP_ENV_OK ||
        (size && memcmp(back, data, size) != 0))
        abort();
    free(env_buf);
    free(back);
    return 0;
}
