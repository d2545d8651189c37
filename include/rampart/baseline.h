/*
 * baseline.h — the configuration baseline learnt from an application's
 * responses ("baseline detect|fix", docs/API-SECURITY.md), and with "fix"
 * the header changes the host applies to the response before sending it.
 */
#ifndef RAMPART_BASELINE_H
#define RAMPART_BASELINE_H

#include <stddef.h>
#include <time.h>

#include "rampart/transaction.h"

typedef enum { RP_BASELINE_OFF = 0, RP_BASELINE_DETECT, RP_BASELINE_FIX } rp_baseline_mode_t;

typedef enum {
    RP_FIX_ADD = 0,   /* add header name: value */
    RP_FIX_REMOVE,    /* remove every header called name */
    RP_FIX_SET_COOKIE /* the index-th Set-Cookie header (0-based) becomes value */
} rp_fix_op_t;

typedef struct {
    rp_fix_op_t op;
    const char *name;
    const char *value;
    size_t index;
} rp_header_fix_t;

/* After rp_tx_response_headers_done: the changes to make (valid until
 * rp_tx_free); 0 unless the policy says "baseline fix". */
size_t rp_tx_header_fixes(const rp_tx_t *tx, const rp_header_fix_t **fixes);
/* The response's score out of 100, or -1 when the baseline is off. */
int rp_tx_baseline_score(const rp_tx_t *tx);

/* The gateway's own TLS settings (tls_baseline.c), a bit per finding:
 * TLS 1.0/1.1 negotiable, weak ciphers (under 128 bits, RC4, DES, 3DES,
 * NULL, anonymous, MD5), ciphers without forward secrecy (RSA key
 * exchange), a key under 2048 bits (RSA, DSA, DH) or 256 (EC), a
 * certificate expired or expiring within 30 days, a self-signed one. */
enum {
    RP_TLS_OLD_PROTOCOL = 1u << 0,
    RP_TLS_WEAK_CIPHER = 1u << 1,
    RP_TLS_NO_FORWARD_SECRECY = 1u << 2,
    RP_TLS_WEAK_KEY = 1u << 3,
    RP_TLS_CERT_EXPIRED = 1u << 4,
    RP_TLS_CERT_EXPIRING = 1u << 5,
    RP_TLS_SELF_SIGNED = 1u << 6,
};
struct ssl_ctx_st;
/* Judge a server's SSL_CTX as built (protocol range and options, the
 * ciphers it would offer at its security level, every certificate). */
unsigned rp_tls_baseline_assess(struct ssl_ctx_st *ctx, time_t now);
/* Before the response headers: the TLS findings of the connection's
 * server, judged with the response's (scored, once an hour each). */
void rp_tx_baseline_tls(rp_tx_t *tx, unsigned tls_findings);

#endif
