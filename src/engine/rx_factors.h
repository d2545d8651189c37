/*
 * rx_factors.h — necessary literal factors of a PCRE2 pattern.
 *
 * A prefilter in front of @rx: if a value contains none of a pattern's
 * factors, PCRE2 cannot match it and need not run. The analysis reads the
 * pattern the way op_rx.c compiles it (PCRE2_DOTALL | PCRE2_MULTILINE, no
 * PCRE2_UTF, bytes) and answers only when it is sure; anything it does not
 * understand gives -1, which the caller must read as "always evaluate".
 */
#ifndef RAMPART_RX_FACTORS_H
#define RAMPART_RX_FACTORS_H

#include <stddef.h>

/* A set of byte strings (lower-case ASCII; other bytes raw). Each s[i] is
 * malloc'd, len[i] bytes plus a NUL that is not part of the factor. */
typedef struct {
    char **s;
    size_t *len;
    size_t n;
} rp_factors_t;

/* Compute factors F of pattern re[0..len) such that EVERY string the
 * pattern can match (PCRE2 semantics with PCRE2_DOTALL|PCRE2_MULTILINE, any
 * (?i) flags, matching anywhere in the subject) CONTAINS at least one
 * element of F as a substring, compared case-insensitively (ASCII).
 * Returns 0 and fills *out (non-empty, no empty factor; caller frees with
 * rp_factors_free), or -1 when no such finite set exists, the pattern uses
 * syntax the analyser does not understand, or memory ran out; *out is then
 * empty. Returning -1 is always safe: the caller evaluates the rule. */
int rp_rx_factors(const char *re, size_t len, rp_factors_t *out);

/* Like rp_rx_factors, but for subjects from which every byte in `deleted`
 * (deleted_len bytes, e.g. "\\'\"") has been removed: returns factors F
 * such that for EVERY string m the pattern can match, N(m) contains
 * (case-insensitively) one element of F, where N deletes all bytes of
 * `deleted`. No factor contains a deleted byte (in either case: a letter
 * whose other case is deleted is left unknown). Since N(m) is a substring
 * of N(s) when m is one of s, the caller searches F in N(subject), so
 * quote and backslash evasions (w"g'e't) keep whole-word factors.
 * Returning -1 is always safe. */
int rp_rx_factors_deleting(const char *re, size_t len, const char *deleted, size_t deleted_len,
                           rp_factors_t *out);
void rp_factors_free(rp_factors_t *f);

#endif
