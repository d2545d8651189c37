/*
 * agent_sign.c — request signatures between rampart-agent and rampartd
 * (see agent_sign.h).
 */
#include "agent_sign.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "secret.h"

void agent_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int agent_unhex(const char *hex, unsigned char *out, size_t n)
{
    if (!hex || strlen(hex) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = OPENSSL_hexchar2int((unsigned char)hex[2 * i]);
        int lo = OPENSSL_hexchar2int((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

void agent_sign(const unsigned char key[AGENT_SECRET_LEN], const char *method, const char *path,
                int64_t agent_id, int64_t ts_ms, const void *body, size_t body_len,
                char out[AGENT_SIGN_HEX_LEN + 1])
{
    unsigned char digest[SECRET_SHA256_LEN];
    char body_hex[2 * SECRET_SHA256_LEN + 1];
    secret_sha256(body_len ? body : "", body_len, digest);
    agent_hex(digest, sizeof(digest), body_hex);
    /* method and path come from the request line, bounded by rampartd's
     * limits; a longer path is cut, so its signature cannot match */
    char text[4096];
    int n = snprintf(text, sizeof(text),
                     "RAMPART-AGENT-HMAC-SHA256\n%s\n%s\n%" PRId64 "\n%" PRId64 "\n%s", method,
                     path, agent_id, ts_ms, body_hex);
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof(text) ? sizeof(text) - 1 : (size_t)n;
    secret_hmac_sha256(key, AGENT_SECRET_LEN, text, len, digest);
    agent_hex(digest, sizeof(digest), out);
}

agent_sign_result_t agent_sign_verify(const unsigned char key[AGENT_SECRET_LEN], const char *method,
                                      const char *path, int64_t agent_id, int64_t ts_ms,
                                      const void *body, size_t body_len, const char *signature,
                                      int64_t now_ms, int64_t last_ts_ms)
{
    char expected[AGENT_SIGN_HEX_LEN + 1];
    agent_sign(key, method, path, agent_id, ts_ms, body, body_len, expected);
    int match = signature && strlen(signature) == AGENT_SIGN_HEX_LEN &&
                secret_equal(expected, signature, AGENT_SIGN_HEX_LEN);
    secret_wipe(expected, sizeof(expected));
    if (!match)
        return AGENT_SIGN_BAD;
    if (ts_ms < now_ms - AGENT_SIGN_WINDOW_MS || ts_ms > now_ms + AGENT_SIGN_WINDOW_MS)
        return AGENT_SIGN_STALE;
    if (ts_ms <= last_ts_ms)
        return AGENT_SIGN_REPLAY;
    return AGENT_SIGN_OK;
}
