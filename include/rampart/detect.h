/*
 * detect.h — Rampart's own attack detectors: pure functions over a byte range.
 *
 * Each detector looks at one already-decoded value (an argument, a header, a
 * JSON string...) and says whether it carries an attack. They allocate
 * nothing, keep no state, are safe to call from any thread, and run in time
 * linear in the input. Bytes >= 0x80 (Chinese text, full-width punctuation)
 * are ordinary word characters for every detector.
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

/* OS command injection (sh, cmd.exe, PowerShell): a shell lexer that undoes
 * quoting, escapes and empty expansions, and judges each command position
 * (value start, after ; & | && || newline, inside $( ) or backquotes) by the
 * command named there and how shell-like its arguments are (options, paths,
 * URLs, redirections) — "ls 300 lexus" is prose, "; cat /etc/passwd" is not.
 * Fingerprint "cmd:NAME". */
bool rp_detect_cmdi(const char *input, size_t len, rp_detect_result_t *out);

/* Server-side template, expression-language and include injection: an
 * expression (arithmetic, a call, __dunder__, an index by string, the
 * objects payloads reach for) between template delimiters ({{ }}, ${ },
 * #{ }, *{ }, %{ }, <% %>, @( ), {% %}); FreeMarker, Velocity and Smarty
 * directives; SSI and ESI tags; Log4j lookups after resolving nested
 * ${lower:}/${::-x} obfuscation. "{{ user.name }}" is a placeholder, not an
 * expression. Fingerprint "ssti:KIND" (math, call, jndi, ssi...). */
bool rp_detect_ssti(const char *input, size_t len, rp_detect_result_t *out);

/* Serialized objects: Java (AC ED 00 05, rO0AB, aced0005), .NET
 * BinaryFormatter, Python pickle, Ruby Marshal, PHP objects, YAML
 * language tags, polymorphic JSON type tags naming a class. */
bool rp_detect_deser(const char *input, size_t len, rp_detect_result_t *out);

/* A JSON member whose key is a polymorphic type tag ("@type", "$type",
 * "@class"...) and whose value is a qualified class name. */
bool rp_detect_deser_type_key(const char *key, size_t key_len, const char *value, size_t value_len);

/* NoSQL (MongoDB) injection: query operators as object keys in text
 * ({"$ne":1}, ', $or: [), in brackets (user[$ne]), and server-side
 * JavaScript (db.x.insert(), this.a.match(), busy loops, sleep()). */
bool rp_detect_nosql(const char *input, size_t len, rp_detect_result_t *out);

/* A JSON key that is a MongoDB query operator ("$ne", "$where"...). */
bool rp_detect_nosql_key(const char *key, size_t len);

/* Path traversal: two or more ../ steps (either slash, full-width forms),
 * filter-evasion shapes (....//, ..././), well-known sensitive files on a
 * path boundary (/etc/passwd, win.ini, WEB-INF/web.xml...), UNC paths to
 * administrative shares or loopback. Fingerprint "path:KIND". */
bool rp_detect_traversal(const char *input, size_t len, rp_detect_result_t *out);

/* Server-side request forgery: URLs with raw-protocol or local-file schemes
 * (gopher, dict, file, ldap, php...), web URLs to loopback, cloud metadata
 * or encoded IP hosts, and out-of-band callback hosts (interact.sh,
 * burpcollaborator.net...). Fingerprint "ssrf:KIND". */
bool rp_detect_ssrf(const char *input, size_t len, rp_detect_result_t *out);

/* LDAP filter injection: filter composition "(|(", break-out ")(attr=",
 * extensible match "attr:1.2.3:=". */
bool rp_detect_ldap(const char *input, size_t len, rp_detect_result_t *out);

/* CRLF injection: a line break followed by a mail header, an SMTP, IMAP or
 * POP3 command, or an HTTP header or status line. */
bool rp_detect_crlf(const char *input, size_t len, rp_detect_result_t *out);

#endif
