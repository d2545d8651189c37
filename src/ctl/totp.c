/*
 * totp.c — TOTP (RFC 6238) and its enrolment URI and QR code (see
 * totp.h). The QR code comes from libqrencode (ISO/IEC 18004, error
 * correction level M); the SVG drawing is one path of unit squares.
 */
#include "totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#include "idtoken.h"
#include "secret.h"
#include "strbuf.h"

uint32_t totp_hotp(totp_alg_t alg, const unsigned char *key, size_t key_len, uint64_t counter,
                   int digits)
{
    unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
    for (int i = 7; i >= 0; i--, counter >>= 8)
        msg[i] = (unsigned char)(counter & 0xff);
    unsigned len = 0;
    HMAC(alg == TOTP_SHA256 ? EVP_sha256() : EVP_sha1(), key, (int)key_len, msg, sizeof(msg), mac,
         &len);
    /* dynamic truncation (RFC 4226 section 5.3) */
    unsigned off = mac[len - 1] & 0x0f;
    uint32_t bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
                   (uint32_t)mac[off + 2] << 8 | mac[off + 3];
    uint32_t mod = 1;
    for (int i = 0; i < digits; i++)
        mod *= 10;
    secret_wipe(mac, sizeof(mac));
    return bin % mod;
}

int totp_verify(totp_alg_t alg, const unsigned char *key, size_t key_len, int64_t now,
                const char *code, int64_t *step)
{
    if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
        return 0;
    int64_t current = now / TOTP_STEP_S;
    int matched = 0;
    for (int64_t s = current - 1; s <= current + 1; s++) {
        char want[8];
        snprintf(want, sizeof(want), "%06u", totp_hotp(alg, key, key_len, (uint64_t)s, 6));
        /* every candidate is compared, whichever matches: no early exit */
        if (secret_equal(want, code, 6) && !matched) {
            matched = 1;
            *step = s;
        }
    }
    return matched;
}

size_t totp_base32(const unsigned char *in, size_t n, char *out)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = acc << 8 | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = alphabet[(acc >> bits) & 31];
        }
    }
    if (bits > 0)
        out[o++] = alphabet[(acc << (5 - bits)) & 31];
    out[o] = '\0';
    return o;
}

int totp_uri(const char *issuer, const char *account, const char *secret_b32, totp_alg_t alg,
             char *out, size_t cap)
{
    char is[200], ac[200];
    if (!idtoken_pct(issuer, is, sizeof(is)) || !idtoken_pct(account, ac, sizeof(ac)))
        return -1;
    int n = snprintf(out, cap,
                     "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=%s&digits=6&period=%d", is,
                     ac, secret_b32, is, alg == TOTP_SHA256 ? "SHA256" : "SHA1", TOTP_STEP_S);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

char *totp_qr_svg(const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return NULL;
    const int quiet = 4, size = qr->width + 2 * quiet;
    strbuf_t svg;
    strbuf_init(&svg, 1 << 20);
    strbuf_printf(&svg,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                  "shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">"
                  "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                  size, size, size, size);
    for (int y = 0; y < qr->width; y++)
        for (int x = 0; x < qr->width; x++)
            if (qr->data[y * qr->width + x] & 1)
                strbuf_printf(&svg, "M%d %dh1v1h-1z", x + quiet, y + quiet);
    strbuf_puts(&svg, "\"/></svg>");
    QRcode_free(qr);
    size_t len;
    char *out = strbuf_take(&svg, &len);
    strbuf_free(&svg);
    return out;
}
