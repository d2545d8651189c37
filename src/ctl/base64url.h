/*
 * base64url.h — strict base64url decoding (RFC 4648 §5), the form WebAuthn
 * uses for every binary field a browser sends as JSON. Encoding is
 * secret_base64url (secret.h).
 *
 * Strict means: the URL-safe alphabet only, no padding, no whitespace, and
 * no set bits left over in the last character (so every byte string has
 * exactly one accepted text, and two texts never decode to the same bytes).
 */
#ifndef RAMPART_CTL_BASE64URL_H
#define RAMPART_CTL_BASE64URL_H

#include <stddef.h>

/* The most bytes `len` characters can decode to. */
#define BASE64URL_DECODED_MAX(len) ((len) / 4 * 3 + 2)

/* Decodes in[0..len) into out (out_size bytes, at least
 * BASE64URL_DECODED_MAX(len) is always enough). Returns the number of
 * bytes, or -1 when the text is not strict base64url or out is too small. */
long base64url_decode(const char *in, size_t len, unsigned char *out, size_t out_size);

/* The same into a malloc'd buffer (*out, *out_len); 0 or -1 (nothing
 * allocated). */
int base64url_decode_alloc(const char *in, size_t len, unsigned char **out, size_t *out_len);

#endif
