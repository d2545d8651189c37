/*
 * policy_t.h — the compiled policy's layout, shared by the engine's files.
 * Immutable after rp_policy_load returns; only the reference count moves.
 */
#ifndef RAMPART_POLICY_T_H
#define RAMPART_POLICY_T_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "rampart/policy.h"

/* What to do when a normalisation anomaly is seen. */
typedef enum { RP_ANOMALY_IGNORE = 0, RP_ANOMALY_LOG, RP_ANOMALY_BLOCK } rp_anomaly_action_t;

typedef enum {
    RP_ANOM_BAD_ENCODING = 0,
    RP_ANOM_DOUBLE_ENCODING,
    RP_ANOM_UNICODE_ENCODING,
    RP_ANOM_INVALID_UTF8,
    RP_ANOM_OVERLONG_UTF8,
    RP_ANOM_NUL,
    RP_ANOM_PATH_TRAVERSAL,
    RP_ANOM_BODY_MALFORMED,
    RP_ANOM_XML_ENTITY,
    RP_ANOM_COUNT
} rp_anomaly_t;

typedef enum { RP_EVENTS_MATCHED = 0, RP_EVENTS_ALL, RP_EVENTS_OFF } rp_events_t;

typedef enum { RP_BODY_LIMIT_REJECT = 0, RP_BODY_LIMIT_PASS } rp_body_limit_action_t;

/* Rampart's detectors beyond SQL injection and XSS, switched on and off by
 * "detect NAME on|off" (names in rp_detector_names, indexed by this enum;
 * the functions are in detect_NAME.c, run by inspect.c). */
typedef enum {
    RP_DET_CMDI = 0,  /* OS command injection */
    RP_DET_SSTI,      /* server-side template, expression, SSI, JNDI lookup */
    RP_DET_DESER,     /* serialized objects and polymorphic type tags */
    RP_DET_NOSQL,     /* MongoDB operators and server-side JavaScript */
    RP_DET_TRAVERSAL, /* path traversal and well-known sensitive files */
    RP_DET_SSRF,      /* URLs to internal hosts, dangerous schemes, OAST hosts */
    RP_DET_LDAP,      /* LDAP filter injection */
    RP_DET_CRLF,      /* line breaks that inject mail/SMTP/IMAP/HTTP lines */
    RP_DET_COUNT
} rp_detector_t;

extern const char *const rp_detector_names[RP_DET_COUNT];

#define RP_MAX_SKIP_HEADERS 64

typedef struct {
    size_t headers;     /* request header count */
    size_t header_size; /* one header: name + value */
    size_t uri_size;    /* raw request target */
    size_t args;        /* inspected values in one request */
    size_t body;        /* request body bytes */
    size_t json_depth;
    size_t xml_depth;
    size_t multipart_parts;
    size_t field_size; /* longest value inspected; longer ones are cut */
} rp_limits_t;

struct rp_policy {
    atomic_int refs;
    /* Unique per compiled policy in the process, never reused: what the
     * clean-value cache (clean_cache.h) keys its verdicts on. */
    uint64_t serial;
    char version[128];
    rp_mode_t mode;
    int block_status;
    bool detect_sqli;
    bool detect_xss;
    unsigned detectors; /* bit (1u << rp_detector_t) per enabled detector */
    rp_events_t events;
    rp_body_limit_action_t body_limit_action;
    rp_limits_t limits;
    rp_anomaly_action_t anomaly[RP_ANOM_COUNT];
    /* Request headers never inspected (lower-case). */
    /* SecLang rules ("rules" directive), compiled; NULL when none. */
    struct rl_ruleset *rules;
    /* Where initcol finds IP, GLOBAL... ("collections" directive, else a
     * memory store when the rules use initcol); explicit: the directive
     * was given, so a host's store does not replace it. */
    struct rp_collections *collections;
    bool collections_explicit;
    /* OpenAPI positive security ("openapi" directive), or NULL */
    struct rp_openapi *openapi;
    /* rate limits ("ratelimit" directives), checked in order */
    struct rl_policy_rule *ratelimits;
    size_t nratelimits;
    /* bot protection ("bot", "bot_key", "bot_good"; bot_policy.h), or NULL */
    struct rp_bot_policy *bot;
    /* enumeration and login abuse ("enumerate", "login"; abuse_policy.h), or NULL */
    struct rp_abuse_policy *abuse;
    /* the configuration baseline ("baseline detect|fix"): rp_baseline_mode_t */
    int baseline;
    /* address reputation ("reputation deny|allow FILE"; ip_ranges.h), or NULL */
    struct ip_ranges *reputation_deny, *reputation_allow;
    /* country and region rules ("geo FILE", "geo deny|allow|challenge"; geo_policy.h), or NULL */
    struct rp_geo_policy *geo;
    /* identity access rules ("access" directives), or NULL */
    struct rp_access_rules *access;
    /* response masking ("mask" directives, mask_policy.h), or NULL */
    struct rp_mask_rules *masks;
    /* field encryption ("encrypt" directives, fieldenc_t.h), or NULL */
    struct rp_fe_rules *fieldenc;
    /* API discovery ("discover on", tx_discover.c), or NULL */
    struct rp_discover *discover;
    size_t nskip_headers;
    char skip_headers[RP_MAX_SKIP_HEADERS][48];
    unsigned char skip_header_len[RP_MAX_SKIP_HEADERS];
};

/* tx_discover.c: the "discover" directive and freeing its state. */
int rp_discover_directive(rp_policy_t *p, char **w, int nw, char *why, size_t why_len);
void rp_discover_free(struct rp_discover *d);

/* "16k", "64m", "1g" or plain bytes, as policy files write sizes: 0, or
 * -1 when s is not one. */
int rp_policy_parse_size(const char *s, size_t *out);

/* Names used in policy files and events, indexed by rp_anomaly_t. */
extern const char *const rp_anomaly_names[RP_ANOM_COUNT];

#endif
