/*
 * totp.h — time-based one-time passwords, RFC 6238 over HOTP (RFC 4226):
 * HMAC-SHA-1 or HMAC-SHA-256, 30-second steps, 6 digits (8 for the RFC's
 * test vectors), dynamic truncation; verification accepts the current step
 * and one either side (clock skew), and says which step matched so the
 * caller can refuse a step used before (replay). Secrets travel to
 * authenticator apps as otpauth:// URIs (Google Authenticator's Key URI
 * format) in base32 (RFC 4648 section 6, no padding).
 */
#ifndef RAMPART_CTL_TOTP_H
#define RAMPART_CTL_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define TOTP_STEP_S     30
#define TOTP_SECRET_LEN 20 /* 160 bits, RFC 4226's recommendation */

typedef enum { TOTP_SHA1, TOTP_SHA256 } totp_alg_t;

/* The HOTP value of counter, as a number below 10^digits. */
uint32_t totp_hotp(totp_alg_t alg, const unsigned char *key, size_t key_len, uint64_t counter,
                   int digits);

/* Checks a 6-digit code at time now (Unix seconds) for steps now-1..now+1,
 * comparing in constant time; 1 with *step set when it matches, else 0. */
int totp_verify(totp_alg_t alg, const unsigned char *key, size_t key_len, int64_t now,
                const char *code, int64_t *step);

/* base32 without padding; returns the length written (out needs
 * 8 * ceil(n / 5) + 1 bytes). */
size_t totp_base32(const unsigned char *in, size_t n, char *out);

/* The otpauth:// URI (issuer and account percent-encoded); 0 or -1. */
int totp_uri(const char *issuer, const char *account, const char *secret_b32, totp_alg_t alg,
             char *out, size_t cap);

/* The QR code of text as an SVG document (malloc'd; NULL on failure). */
char *totp_qr_svg(const char *text);

#endif
