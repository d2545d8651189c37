/*
 * baseline.h — the configuration baseline learnt from an application's
 * responses ("baseline detect|fix", docs/API-SECURITY.md), and with "fix"
 * the header changes the host applies to the response before sending it.
 */
#ifndef RAMPART_BASELINE_H
#define RAMPART_BASELINE_H

#include <stddef.h>

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

#endif
