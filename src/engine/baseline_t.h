/*
 * baseline_t.h — what tx_baseline.c learns about one response.
 */
#ifndef RAMPART_BASELINE_T_H
#define RAMPART_BASELINE_T_H

#include <stdbool.h>

#include "rampart/baseline.h"

#define BASELINE_MAX_FIXES 16

typedef struct {
    bool html, csp, frame_ok, hsts, nosniff, referrer, verbose_name;
    unsigned found; /* bit per finding */
    size_t ncookies;
    int score;
    rp_header_fix_t fixes[BASELINE_MAX_FIXES];
    size_t nfixes;
} baseline_state_t;

#endif
