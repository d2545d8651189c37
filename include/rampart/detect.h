/*
 * detect.h — Rampart's own attack detectors: pure functions over a byte range.
 *
 * Each detector looks at one already-decoded value (an argument, a header, a
 * JSON string...) and says whether it carries an attack. They allocate
 * nothing, keep no state, are safe to call from any thread, and run in time
 * linear in the input. Bytes >= 0x80 (Chinese text, full-width punctuation)
 * are ordinary word characters for both detectors.
 */
#ifndef RAMPART_DETECT_H
#define RAMPART_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#define RP_FINGERPRINT_MAX 16

typedef struct {
    /* NUL-terminated summary of what matched: for SQLi the token-class
     * sequence (e.g. "s&1o1"), for XSS the context and trigger
     * (e.g. "tag:script", "attr:onerror", "url:javascript"). */
    char fingerprint[RP_FINGERPRINT_MAX];
    /* Region of the input that triggered the match, for event excerpts. */
    size_t offset;
    size_t length;
} rp_detect_result_t;

/* SQL injection: a lexer over SQL (MySQL, PostgreSQL, MSSQL, Oracle, SQLite
 * syntax) run as if the input were injected into a bare (numeric), a
 * single-quoted, a double-quoted and a backtick context; the token-class
 * sequences are matched against fingerprints of injection.
 * Returns true on a match and fills *out (out may be NULL). */
bool rp_detect_sqli(const char *input, size_t len, rp_detect_result_t *out);

/* Cross-site scripting: an HTML tokenizer that finds executable contexts
 * (script-capable tags, event-handler attributes, javascript:/data: URLs in
 * URL attributes, dangerous CSS) in the input as if injected into HTML text,
 * into an attribute value, or into a URL.
 * Returns true on a match and fills *out (out may be NULL). */
bool rp_detect_xss(const char *input, size_t len, rp_detect_result_t *out);

#endif
