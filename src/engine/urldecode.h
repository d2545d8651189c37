/*
 * urldecode.h — percent-decoding shared by the query string and the
 * application/x-www-form-urlencoded body, and the UTF-8 check that judges
 * its result.
 *
 * Decoding never fails: what cannot be decoded is kept literally and the
 * anomaly is reported as RP_ARG_* bits (rampart/transaction.h), so the
 * detectors see the same bytes the application most likely sees and the
 * engine can still score the evasion attempt itself.
 */
#ifndef RAMPART_URLDECODE_H
#define RAMPART_URLDECODE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Decode len bytes of src into dst, which must have room for len + 1 bytes
 * (decoding never grows the data). dst may equal src (in-place). Returns the
 * decoded length; dst is NUL-terminated but may hold NUL bytes before that.
 *
 *   %XX          the byte 0xXX (either case of hex digit)
 *   %uXXXX       IIS-style UTF-16 code unit, written as UTF-8; a high/low
 *                surrogate pair %uD83D%uDE00 is combined; RP_ARG_UNICODE_ENCODED
 *   '+'          a space when plus_as_space is non-zero
 *
 * Bits ORed into *flags (never cleared):
 *   RP_ARG_BAD_ENCODING    a '%' not starting a valid escape (kept as is), or
 *                          a lone %u surrogate (kept as the literal "%uD800")
 *   RP_ARG_UNICODE_ENCODED a %uXXXX escape was decoded
 *   RP_ARG_DOUBLE_ENCODED  the result still holds %XX or %uXXXX
 *   RP_ARG_NUL             the result holds a NUL byte
 *   RP_ARG_INVALID_UTF8 / RP_ARG_OVERLONG_UTF8   see rp_utf8_check()
 */
size_t rp_url_decode(char *dst, const char *src, size_t len, int plus_as_space, unsigned *flags);

/*
 * Judge len bytes as UTF-8 (RFC 3629). Returns 0 when valid, else:
 *   RP_ARG_OVERLONG_UTF8  a well-formed but overlong sequence (C0 AF,
 *                         E0 80 AF, F0 80 80 AF): the classic '/' evasion
 *   RP_ARG_INVALID_UTF8   anything else that is not UTF-8: stray continuation
 *                         bytes, truncated sequences, F5..FF, surrogates
 *                         (ED A0..BF), code points above U+10FFFF
 * An overlong sequence only sets RP_ARG_OVERLONG_UTF8, so the two anomalies
 * can be scored apart; "valid" is a return of 0.
 */
unsigned rp_utf8_check(const char *s, size_t len);

/* Length of the leading run of well-formed three-byte sequences at s (the
 * shape of Chinese text): a multiple of 3, 0 when s does not start with
 * one. rp_utf8_check() raises no flag over such a run. */
size_t rp_utf8_three_byte_run(const char *s, size_t len);

/*
 * The flags rp_url_decode() derives from its output alone (DOUBLE_ENCODED,
 * NUL, INVALID_UTF8, OVERLONG_UTF8) for an already decoded buffer: used when
 * a value is cut to a size limit after decoding.
 */
unsigned rp_url_decoded_flags(const char *s, size_t len);

/* Does s hold an escape that another rp_url_decode() pass would decode
 * (a %XX, or a %uXXXX other than a lone surrogate)? Exactly when decoding
 * s again would change it. */
bool rp_url_has_escape(const char *s, size_t len);

/* One UTF-8 step at s (len >= 1 bytes left): returns how many bytes to
 * advance (1 for ASCII) and ORs RP_ARG_INVALID_UTF8 / RP_ARG_OVERLONG_UTF8
 * into *flags when the sequence there is not valid UTF-8. A return with no
 * flag set spans one whole valid character. rp_utf8_check() is this in a
 * loop. */
size_t rp_utf8_step(const char *s, size_t len, unsigned *flags);

#endif
