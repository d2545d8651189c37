/*
 * secret.h — random secrets, their hashes and their comparison.
 *
 * Randomness comes from the kernel CSPRNG via OpenSSL's RAND_bytes;
 * comparisons of secrets (or their hashes) use CRYPTO_memcmp, whose time
 * does not depend on where the inputs differ.
 */
#ifndef RAMPART_CTL_SECRET_H
#define RAMPART_CTL_SECRET_H

#include <stddef.h>

#define SECRET_SHA256_LEN 32

/* 0, or -1 when the CSPRNG failed (callers refuse the operation). */
int secret_random(unsigned char *out, size_t n);

void secret_sha256(const void *data, size_t n, unsigned char out[SECRET_SHA256_LEN]);

/* HMAC-SHA-256(key, msg). */
void secret_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                        unsigned char out[SECRET_SHA256_LEN]);

/* 1 when a[0..n) equals b[0..n), in time independent of the contents. */
int secret_equal(const void *a, const void *b, size_t n);

/* Base64url without padding (RFC 4648 section 5). out needs
 * 4 * ceil(n / 3) + 1 bytes; returns the length written. */
size_t secret_base64url(const unsigned char *in, size_t n, char *out);

/* A random token: prefix followed by the base64url of `bytes` random
 * bytes. out_size must fit it; returns 0 or -1. */
int secret_token(const char *prefix, size_t bytes, char *out, size_t out_size);

/* A random password of `len` characters from an alphabet without
 * look-alikes (no 0/O, 1/l/I), for one-time passwords read by humans. */
int secret_password(char *out, size_t len);

/* Overwrites memory that held a secret (not optimised away). */
void secret_wipe(void *p, size_t n);

#endif
