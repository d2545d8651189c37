/*
 * tx_t.h — the transaction's layout, shared by transaction.c (the request
 * and response life cycle), inspect.c (running detectors on values) and
 * event.c (the JSON event).
 */
#ifndef RAMPART_TX_T_H
#define RAMPART_TX_T_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "baseline_t.h"
#include "body.h"
#include "mask_stream.h"
#include "policy_t.h"
#include "rampart/openapi.h"
#include "rampart/transaction.h"

/* Matches kept per transaction; later ones are counted, not kept. */
#define RP_MAX_MATCHES 256

typedef enum {
    TX_NEW = 0,
    TX_REQUEST_LINE,
    TX_HEADERS,
    TX_BODY,
    TX_REQUEST_DONE,
    TX_RESPONSE_HEADERS,
    TX_RESPONSE_BODY,
    TX_DONE
} tx_state_t;

typedef enum { BODY_NONE = 0, BODY_FORM, BODY_MULTIPART, BODY_JSON, BODY_XML } body_kind_t;

struct rp_tx {
    rp_arena_t *arena;
    rp_policy_t *policy;
    rp_mode_t mode;
    uint8_t protection[RP_PROTECTION_COUNT]; /* rp_mode_t; 0 = RP_MODE_BLOCK */
    bool protection_detect;                  /* one of them is RP_MODE_DETECT */
    tx_state_t state;
    struct timespec started;

    const char *request_id;
    const char *app;
    char client_addr[64];
    uint16_t client_port;

    const char *method;
    const char *uri; /* raw request target */
    const char *protocol;
    const char *path; /* normalised */
    const char *host;
    const char *user_agent;
    const char *content_type;
    long long content_length; /* -1 when absent */
    bool chunked;

    size_t nheaders;
    size_t nargs;

    body_kind_t body_kind;
    bool body_sniff;   /* content type unknown: guess from the first bytes */
    bool body_sniffed; /* the processor was guessed, not declared */
    rp_body_proc_t *body;
    size_t body_bytes;
    bool body_failed;    /* processor stopped (error/limit already recorded) */
    bool body_truncated; /* over the limit with body_limit_action pass */

    int response_status;

    /* Matches and the verdict built from them. */
    rp_match_t *matches; /* arena, grown on demand */
    size_t nmatches, matches_cap;
    size_t nmatches_dropped;
    bool blocking; /* a match that blocks in block mode */
    /* A detector's verdict on the value being inspected depended on more
     * than the value (SSRF's own-host exception): not for the cache. */
    bool verdict_used_context;
    int block_status;
    const char *redirect; /* Location when the blocking decision is a redirect */
    rp_verdict_t verdict;

    const char *event;
    size_t event_len;
    bool log_always;
    bool host_refused;

    /* The host's collection store (rp_tx_set_collections), or NULL. */
    struct rp_collections *collections;

    /* The SecLang rule engine's state, when the policy has rules. */
    struct rl_state *rules;

    /* OpenAPI enforcement (tx_openapi.c), when the policy has a spec: the
     * request headers it reads, the operation matched, its body buffer. */
    rp_api_field_t *api_headers;
    size_t napi_headers, api_headers_cap;
    const rp_api_op_t *api_op;
    bool api_body;
    rp_abuf_t api_buf;

    /* The longest wait a refusing rate limit asked for (tx_ratelimit.c). */
    uint64_t retry_after_us;

    /* Response masking (tx_mask.c), when the policy has mask rules. */
    struct tx_mask *mask;

    /* Field encryption (tx_fieldenc.c), when an encrypt rule covers the route. */
    struct tx_fieldenc *fieldenc;

    /* Bot protection (tx_bot.c): the challenge page to serve, and the
     * clearance cookie to set after a solved challenge. */
    const char *bot_page;
    size_t bot_page_len;
    const char *bot_set_cookie;

    /* Enumeration and login abuse (tx_abuse.c): the login rule this
     * request falls under, and the user name and password it carries. */
    const struct abuse_rule *abuse_login;
    const char *abuse_user, *abuse_password;
    size_t abuse_user_len, abuse_password_len;

    /* The configuration baseline of the response (tx_baseline.c). */
    baseline_state_t baseline;

    /* API discovery (tx_discover.c): the observation when this request is
     * sampled, and the authentication its headers carry (RP_AUTH_*). */
    struct tx_discover *discover;
    unsigned discover_auth;
};

typedef struct tx_mask tx_mask_t;
typedef struct tx_discover tx_discover_t;

/* tx_discover.c: the hooks transaction.c calls when policy->discover is
 * set. start: once the path is known, decides whether this request is
 * sampled (tx->discover); header: every request header (authentication);
 * field and response_header: sampled requests only. */
enum {
    RP_AUTH_SESSION = 1,
    RP_AUTH_BEARER = 2,
    RP_AUTH_BASIC = 4,
    RP_AUTH_APIKEY = 8,
    RP_AUTH_OTHER = 16
};
void rp_tx_discover_start(rp_tx_t *tx);
void rp_tx_discover_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                           size_t value_len);
void rp_tx_discover_field(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                          const char *value, size_t value_len);
void rp_tx_discover_response_header(rp_tx_t *tx, const char *name, size_t name_len,
                                    const char *value, size_t value_len);
/* tx_mask.c: the classes the response's masking saw, or NULL. */
const rp_mask_report_t *rp_tx_mask_report(const rp_tx_t *tx);

/* tx_mask.c: the hooks transaction.c calls. header: note Content-Type and
 * Content-Encoding; start: true when the body must pass through
 * rp_tx_mask_body (called once the headers are done); free: zlib state. */
void rp_tx_mask_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                       size_t value_len);
bool rp_tx_mask_start(rp_tx_t *tx);
rp_status_t rp_tx_mask_body(rp_tx_t *tx, const void *in, size_t len, bool last, const void **out,
                            size_t *out_len);
void rp_tx_mask_free(rp_tx_t *tx);

typedef struct tx_fieldenc tx_fieldenc_t;

/* tx_fieldenc.c: the hooks transaction.c calls when tx->fieldenc is set.
 * feed: a request body piece (RP_BLOCK when refused); header: note the
 * response's Content-Type and Content-Encoding; start: true when the
 * response body must pass through rp_tx_fieldenc_body; report: the
 * event's matches, once the response ended; free: keys and memory. */
rp_status_t rp_tx_fieldenc_feed(rp_tx_t *tx, const void *data, size_t len);
void rp_tx_fieldenc_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                           size_t value_len);
bool rp_tx_fieldenc_start(rp_tx_t *tx);
rp_status_t rp_tx_fieldenc_body(rp_tx_t *tx, const void *in, size_t len, bool last,
                                const void **out, size_t *out_len);
void rp_tx_fieldenc_report(rp_tx_t *tx);
void rp_tx_fieldenc_free(rp_tx_t *tx);

/* tx_openapi.c: the hooks transaction.c calls when policy->openapi is set.
 * header: keep one request header (RP_NOMEM on failure); head: check the
 * request line and headers, true when the body must be fed; body: buffer
 * a chunk; end: check the buffered body. */
/* Whether a protection's switch is not off. */
static inline bool rp_tx_protection_on(const rp_tx_t *tx, rp_protection_t p)
{
    return tx->protection[p] != RP_MODE_OFF;
}

rp_status_t rp_tx_api_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                             size_t value_len);
bool rp_tx_api_head(rp_tx_t *tx, bool has_body);
rp_status_t rp_tx_api_body(rp_tx_t *tx, const void *data, size_t len);
void rp_tx_api_end(rp_tx_t *tx);

/* tx_ratelimit.c: count the request against the policy's rate limits. */
rp_status_t rp_tx_ratelimits(rp_tx_t *tx);

/* tx_fields.c: a kept request header or cookie by name (NULL / false
 * when absent). */
const rp_api_field_t *rp_tx_find_header(const rp_tx_t *tx, const char *name, size_t len);
bool rp_tx_find_cookie(const rp_tx_t *tx, const char *name, size_t len, const char **v,
                       size_t *vlen);
/* A query argument's raw (undecoded) value, first occurrence. */
bool rp_tx_find_arg(const rp_tx_t *tx, const char *name, size_t len, const char **v, size_t *vlen);

/* tx_bot.c: bot protection (challenge, clearance, good bots). cleared:
 * the request holds a valid clearance; challenge: serve the challenge page
 * (GET/HEAD) or refuse, recording target and why. */
rp_status_t rp_tx_bot(rp_tx_t *tx);
bool rp_tx_bot_cleared(rp_tx_t *tx);
rp_status_t rp_tx_bot_challenge(rp_tx_t *tx, const char *target, const char *why);

/* tx_abuse.c: enumeration (head: once the headers are in) and login abuse
 * (field: a body field of a login route; end: the request is complete). */
rp_status_t rp_tx_abuse_head(rp_tx_t *tx);
void rp_tx_abuse_field(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                       const char *value, size_t value_len);
rp_status_t rp_tx_abuse_end(rp_tx_t *tx);

/* tx_reputation.c: refuse a client address in the deny list (not allowed). */
rp_status_t rp_tx_reputation(rp_tx_t *tx);

/* tx_geo.c: the first geo rule for the client's country and region. */
rp_status_t rp_tx_geo(rp_tx_t *tx);

/* tx_baseline.c: the configuration baseline from the response headers. */
void rp_tx_baseline_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                           size_t value_len);
void rp_tx_baseline_done(rp_tx_t *tx);

/* inspect.c: run the policy's detectors and anomaly checks on one value.
 * Returns RP_BLOCK when the transaction must stop now (block mode). */
rp_status_t rp_inspect_value(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                             const char *value, size_t value_len, unsigned flags);
/* Record a match (category/detector/detail are static strings). blocks says
 * whether it decides a block in block mode; status 0 uses block_status.
 * Returns the entry (for the caller to add rule fields), or NULL when the
 * match was only counted (too many, or out of memory). */
rp_match_t *rp_tx_add_match(rp_tx_t *tx, const char *detector, const char *category,
                            const char *target, const char *detail, const char *excerpt, int score,
                            bool blocks, int status);
/* True when value holds only [A-Za-z0-9_] and non-ASCII bytes: no
 * detector can match it (see inspect.c). */
bool rp_value_is_plain(const char *value, size_t len);
enum {
    PROF_NOT_PLAIN = 1,
    PROF_PERCENT = 2,
    PROF_NOT_B64 = 4,
    PROF_UPPER = 8,
    PROF_LOWER = 16,
    PROF_HIGH = 32
};
/* The PROF_* bits inspect.c decides a value's inspections by, and
 * *cjk_valid: every byte >= 0x80 is in a well-formed three-byte UTF-8
 * sequence, so the value is valid UTF-8. For the tests. */
unsigned rp_value_profile(const char *value, size_t len, bool *cjk_valid);
/* "query:q" style target names, arena-allocated. */
const char *rp_target_name(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len);
const char *rp_source_name(rp_source_t src);

/* event.c */
const char *rp_event_build(rp_tx_t *tx, size_t *len);
/* The members every event starts with (time, request_id, client, host,
 * method, uri, app), without the braces; a JSON string, escaped. */
void rp_event_put_common(rp_tx_t *tx, rp_abuf_t *b);
void rp_event_put_string(rp_abuf_t *b, const char *s, size_t n);

#endif
