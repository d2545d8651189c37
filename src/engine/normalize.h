/*
 * normalize.h — request-line and header normalisation that is not a body
 * processor: the request path, and cookie splitting.
 */
#ifndef RAMPART_NORMALIZE_H
#define RAMPART_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "body.h"

/* Percent-decode a request path and normalise it (RFC 3986 §5.2.4 dot
 * segments; '\' treated as '/'; repeated '/' collapsed). dst needs len+1
 * bytes. RP_ARG_* decoding flags are OR-ed into *flags; *above_root is set
 * when ".." segments tried to climb above "/" (a traversal attempt).
 * Returns the normalised length; dst is NUL-terminated. */
size_t rp_path_normalize(char *dst, const char *src, size_t len, unsigned *flags, bool *above_root);

/* Split a Cookie header value ("a=1; b=2") into name/value pairs, values
 * percent-decoded (no '+' decoding), and report each to fn as RP_SRC_COOKIE. */
rp_status_t rp_cookies_split(rp_arena_t *a, const char *s, size_t len, rp_field_fn fn, void *ctx);

/* Mask citizen identifiers in place (same length): 18-digit resident ID
 * numbers (GB 11643 check digit), 11-digit mainland mobile numbers and
 * 13-19 digit Luhn-valid card numbers keep a few leading/trailing digits
 * and lose the rest to '*'. Returns how many values were masked. */
size_t rp_mask_sensitive(char *s, size_t len);

/* Does an argument/cookie/header name suggest a credential (password,
 * token, session id...)? Such values are never copied into events. */
bool rp_secret_name(const char *name, size_t len);

/* Base64 (standard or URL-safe alphabet, optional padding). plausible()
 * says whether a value is worth decoding: at least RP_BASE64_MIN bytes, only
 * alphabet characters, both letter cases. decode() writes at most
 * len * 3 / 4 + 1 bytes (NUL-terminated) and returns the length, or
 * SIZE_MAX for a byte outside the alphabet. */
#define RP_BASE64_MIN 12
bool rp_base64_plausible(const char *s, size_t len);
size_t rp_base64_decode(char *dst, const char *s, size_t len);
/* base64url (RFC 4648 §5) without padding; dst needs (len * 4 + 2) / 3 + 1
 * bytes (NUL-terminated). Returns the length written. */
size_t rp_base64url_encode(char *dst, const uint8_t *src, size_t len);

#endif
