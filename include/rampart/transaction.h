/*
 * transaction.h — one HTTP exchange through the engine, streaming.
 *
 * The calls follow the exchange in order:
 *
 *   rp_tx_new → rp_tx_connection → rp_tx_request_line → rp_tx_request_header*
 *   → rp_tx_request_headers_done → rp_tx_request_body* → rp_tx_request_end
 *   → rp_tx_response_status → rp_tx_response_header* → rp_tx_response_headers_done
 *   → rp_tx_response_body* → rp_tx_response_end → rp_tx_free
 *
 * Any step may return RP_BLOCK: the verdict is then final (rp_tx_verdict)
 * and later request steps are no-ops that return RP_BLOCK again. In detect
 * mode the engine records what it would have blocked and returns RP_OK; the
 * verdict then has action RP_ACTION_ALLOW and detect_only set.
 *
 * RP_NOMEM means the transaction could not allocate: the host should fail
 * the request (500). RP_ERROR means the host called the steps out of order;
 * the verdict stays valid. Hosts act on rp_tx_verdict(), never on strings.
 *
 * Every allocation of a transaction comes from its arena and is released by
 * rp_tx_free. Strings passed in are copied when the engine keeps them; the
 * caller's buffers may be reused after each call returns.
 */
#ifndef RAMPART_TRANSACTION_H
#define RAMPART_TRANSACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rampart/policy.h"
#include "rampart/status.h"

typedef struct rp_tx rp_tx_t;

/* Where an inspected value came from. */
typedef enum {
    RP_SRC_PATH = 1,  /* the normalised request path */
    RP_SRC_QUERY,     /* query-string argument */
    RP_SRC_COOKIE,    /* cookie */
    RP_SRC_HEADER,    /* request header */
    RP_SRC_FORM,      /* urlencoded body field */
    RP_SRC_MULTIPART, /* multipart text field */
    RP_SRC_FILENAME,  /* multipart file name */
    RP_SRC_JSON,      /* JSON body value (flattened name) */
    RP_SRC_XML,       /* XML body text or attribute */
    RP_SRC_BODY,      /* raw body of an unknown content type */
    RP_SRC_FILE       /* multipart file content (a prefix, inspected when text) */
} rp_source_t;

/* Decoding anomalies found while normalising a value (bit set). */
enum {
    RP_ARG_BAD_ENCODING = 1u << 8,     /* '%' not followed by two hex digits */
    RP_ARG_DOUBLE_ENCODED = 1u << 9,   /* decoded value still holds %XX */
    RP_ARG_UNICODE_ENCODED = 1u << 10, /* %uXXXX was used */
    RP_ARG_INVALID_UTF8 = 1u << 11,    /* not valid UTF-8 after decoding */
    RP_ARG_OVERLONG_UTF8 = 1u << 12,   /* overlong UTF-8 form (e.g. C0 AF) */
    RP_ARG_NUL = 1u << 13              /* a NUL byte after decoding */
};

typedef enum {
    RP_ACTION_ALLOW = 0,
    RP_ACTION_BLOCK,
    RP_ACTION_REDIRECT,
    RP_ACTION_CHALLENGE
} rp_action_t;

/* One reason behind a verdict. Strings live in the transaction's arena. */
typedef struct {
    const char *detector; /* "sqli", "xss", "protocol", "limit", ... */
    const char *category; /* attack class: "sqli", "xss", "protocol", "limit" */
    const char *target;   /* "query:q", "json:applicant.name", "header:User-Agent" */
    const char *detail;   /* fingerprint or reason */
    const char *excerpt;  /* short matched data, sensitive values masked */
    int score;
    /* SecLang rule matches (detector "rules"); rule_id 0 otherwise. */
    unsigned long rule_id;
    const char *msg;  /* macro-expanded msg, or NULL */
    const char *data; /* macro-expanded logdata, or NULL */
    int severity;     /* 0-7, -1 when none */
    const char *const *tags;
    size_t ntags;
} rp_match_t;

typedef struct {
    rp_action_t action;
    int status;           /* HTTP status to answer with when blocking */
    const char *location; /* for RP_ACTION_REDIRECT */
    bool detect_only;     /* matched, but the mode said to only record */
    int score;            /* sum of match scores */
    const char *category; /* category of the first match, or NULL */
    size_t nmatches;
    const rp_match_t *matches;
    /* Seconds a refused client should wait (a rate limit's Retry-After,
     * RFC 9110 section 10.2.3); 0 when none applies. */
    unsigned retry_after;
} rp_verdict_t;

/* Start a transaction on a policy (takes its own reference). NULL only when
 * out of memory. */
rp_tx_t *rp_tx_new(rp_policy_t *policy);
void rp_tx_free(rp_tx_t *tx);

/* Optional context: an id for the request (copied; generated if never set),
 * the application name, and a mode that overrides the policy's. */
void rp_tx_set_request_id(rp_tx_t *tx, const char *id, size_t len);
void rp_tx_set_app(rp_tx_t *tx, const char *app, size_t len);
void rp_tx_set_mode(rp_tx_t *tx, rp_mode_t mode);

/* The API protections an application's control-plane switches turn on and
 * off independently of the WAF (docs/API-SECURITY.md "Switches"). */
typedef enum {
    RP_PROTECTION_OPENAPI = 0, /* detector "openapi" */
    RP_PROTECTION_RATELIMIT,   /* detectors "ratelimit" and "abuse" */
    RP_PROTECTION_BOT,         /* detector "bot", the challenge page */
    RP_PROTECTION_BASELINE,    /* detector "baseline", its header fixes */
    RP_PROTECTION_COUNT
} rp_protection_t;

/* RP_MODE_OFF skips the protection; RP_MODE_DETECT records its matches
 * without refusing (no challenge page, no header fixes); RP_MODE_BLOCK, the
 * default, leaves the decision to the policy. Call before the request line. */
void rp_tx_set_protection(rp_tx_t *tx, rp_protection_t protection, rp_mode_t mode);
const char *rp_tx_request_id(const rp_tx_t *tx);

/* Addresses are text (IPv4 dotted, IPv6, or "unix:"), not NUL-terminated. */
rp_status_t rp_tx_connection(rp_tx_t *tx, const char *client_addr, size_t client_addr_len,
                             uint16_t client_port, const char *server_addr, size_t server_addr_len,
                             uint16_t server_port);
/* uri is the raw request target as received (path and query). */
rp_status_t rp_tx_request_line(rp_tx_t *tx, const char *method, size_t method_len, const char *uri,
                               size_t uri_len, const char *protocol, size_t protocol_len);
rp_status_t rp_tx_request_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                                 size_t value_len);
/* Inspects path, query, cookies and headers. Returns RP_BLOCK, or RP_OK
 * when a body may follow, or RP_DECLINED when the policy needs no body. */
rp_status_t rp_tx_request_headers_done(rp_tx_t *tx);
rp_status_t rp_tx_request_body(rp_tx_t *tx, const void *data, size_t len);
/* End of the request body: the final request verdict. */
rp_status_t rp_tx_request_end(rp_tx_t *tx);

rp_status_t rp_tx_response_status(rp_tx_t *tx, int status);
rp_status_t rp_tx_response_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                                  size_t value_len);
/* RP_DECLINED: the response body need not pass through the engine (the
 * caller may then skip rp_tx_response_body and send it unchanged). */
rp_status_t rp_tx_response_headers_done(rp_tx_t *tx);
/* Pass a chunk of response body. *out and *out_len receive the bytes to send
 * in its place: the input itself when unchanged, else arena memory valid
 * until rp_tx_free. */
rp_status_t rp_tx_response_body(rp_tx_t *tx, const void *in, size_t in_len, const void **out,
                                size_t *out_len);
rp_status_t rp_tx_response_end(rp_tx_t *tx, const void **out, size_t *out_len);

const rp_verdict_t *rp_tx_verdict(const rp_tx_t *tx);

/* The host refused the request itself before the engine saw it whole (a
 * malformed request line or header, a header too large): record why, so
 * the event says so. The verdict becomes a block with that status. */
void rp_tx_host_refused(rp_tx_t *tx, int status, const char *reason, size_t reason_len);
/* Identity enforcement (docs/IDENTITY.md) refused the request: the event
 * gets a match of detector "identity" on target ("session", "access",
 * "handoff") with the reason ("forged", "role"...; a static string). With
 * enforce the verdict becomes a block with status (302, 401, 403) that the
 * host answers itself; without (the identity switch says detect) it is only
 * recorded. */
void rp_tx_identity_refused(rp_tx_t *tx, int status, const char *target, const char *reason,
                            bool enforce);
/* End of the exchange: run the rules' logging phase (SecLang phase 5) and
 * write its collection changes back, once. Hosts call it when the exchange
 * is over whether or not they want the event; rp_tx_event calls it too. */
void rp_tx_finish(rp_tx_t *tx);
/* The compact JSON event for the transaction (one line, no trailing
 * newline), or NULL when the event policy says nothing is to be logged.
 * Valid until rp_tx_free. */
const char *rp_tx_event(rp_tx_t *tx, size_t *len);
/* Make rp_tx_event return an event whatever the policy's event setting
 * (for tools that report every verdict). */
void rp_tx_log_always(rp_tx_t *tx);

#endif
