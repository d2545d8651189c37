/*
 * op_rx.c — @rx: PCRE2 regular expressions, JIT-compiled at load time.
 *
 * Compile options follow ModSecurity v3 (src/utils/regex.cc) and Coraza
 * (its "(?sm)" prefix): PCRE2_DOTALL | PCRE2_MULTILINE, no PCRE2_UTF. CRS v4
 * is written and tested against those engines, so "." crosses newlines and
 * ^/$ also match at line breaks; subjects are bytes, so invalid UTF-8 is
 * just data. (ModSecurity v2 used DOTALL | DOLLAR_ENDONLY instead; we side
 * with the engines CRS v4's regression suite runs on.)
 *
 * Bounded work, part 1: a linear-time pre-check. PCRE2's match limit does
 * NOT bound the time of every pattern: it counts backtracking points, and
 * is reset at each start position, while several CRS v4 patterns are
 * cubic on long runs of whitespace or newlines (REQUEST-932 unix-shell and
 * REQUEST-942 patterns: 13 ms on 1 KiB of blanks, 45 s on 16 KiB, under
 * JIT, without ever reaching the limit; ModSecurity v3 runs the same code).
 * So every pattern is also compiled into Vectorscan (automata, linear in
 * the value, block mode, HS_FLAG_DOTALL | HS_FLAG_MULTILINE as above):
 *   exact      Vectorscan supports every construct (308 of CRS v4's 318):
 *              it recognises the same language, so its yes/no is the
 *              verdict; PCRE2 runs only when captures are asked for and
 *              Vectorscan said yes.
 *   prefilter  too large or unsupported exactly (HS_FLAG_PREFILTER; 8):
 *              a superset — "no" is final, "yes" asks PCRE2.
 *   none       refused even as a prefilter (embedded ^/$ anchors, a NUL
 *              in the pattern; 2 in CRS v4): PCRE2 alone.
 * Benign traffic thus never reaches the super-linear PCRE2 paths; values
 * that do (captures of a real hit, prefilter hits) stay under part 2. The
 * cost is load time (about 7 s for CRS v4's patterns, one database each);
 * the per-phase multi-pattern databases of the engine design replace this
 * pre-check with one scan per value later, with the same invariant.
 *
 * Bounded work, part 2: each compiled pattern carries an immutable match
 * context:
 *   match limit  RP_RX_MATCH_LIMIT  (100000) — PCRE2's default is 10 million;
 *                ModSecurity v2's SecPcreMatchLimit default is 1500. 100000
 *                stops classic catastrophic backtracking ("^(a+)+$") in well
 *                under a millisecond.
 *   depth limit  RP_RX_DEPTH_LIMIT  (10000) — only the interpreter uses it
 *                (patterns JIT could not compile, dynamic patterns).
 *   heap limit   RP_RX_HEAP_LIMIT_KIB (8 MiB) — interpreter backtracking
 *                memory.
 *   JIT stack    32 KiB growing to RP_RX_JIT_STACK_MAX (1 MiB) per thread:
 *                PCRE2's default 32 KiB machine stack is too small for the
 *                CRS's long alternations over long inputs.
 * Hitting any of them returns RP_OP_LIMIT: the caller turns that into an
 * event, never into a hang or a silent "no match".
 *
 * Threads. Compiled code and match contexts are read-only after load. The
 * mutable pieces — match data (the ovector) and the JIT stack — live in a
 * per-thread block, created lazily on a thread's first match and freed by a
 * pthread key destructor when the thread ends. The JIT stack is handed to
 * PCRE2 through a callback, so one immutable match context serves every
 * thread. nginx workers are single-threaded processes: one block each.
 * The Vectorscan scratch comes from op_pm.c's per-thread cache.
 *
 * Dynamic patterns ("^%{tx.allowed_charset}$", as CRS 3.3 rule 920480 has)
 * are compiled at each execution with the interpreter: JIT compilation would
 * cost more than the single match it serves.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <hs/hs.h>

#include "hs_cache.h"
#include <limits.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "operator.h"

#define RP_RX_MATCH_LIMIT    1000000u
#define RP_RX_TIME_LIMIT_NS  (10u * 1000u * 1000u) /* 10 ms per match */
#define RX_ABORT             (-10000)              /* our callout's "stop" */
#define RP_RX_DEPTH_LIMIT    10000u
#define RP_RX_HEAP_LIMIT_KIB 8192u
#define RP_RX_JIT_STACK_MIN  (32u * 1024u)
#define RP_RX_JIT_STACK_MAX  (1024u * 1024u)

/* How the Vectorscan copy of a pattern answers. */
typedef enum {
    HS_NONE,     /* Vectorscan cannot take the pattern: PCRE2 alone */
    HS_EXACT,    /* same language as PCRE2: its yes/no is the verdict */
    HS_PREFILTER /* a superset: its "no" is final, its "yes" asks PCRE2 */
} hs_kind_t;

/* Subjects up to this length run on a copy compiled without callouts:
 * even a cubic pattern stays under a fraction of a millisecond on them,
 * within the match limit, and the callout machinery (a clock read every
 * 64 steps, JIT code that calls out at every item) was a measurable share
 * of CRS's cost on ordinary values. Longer subjects keep the time budget. */
#define RX_SHORT_SUBJECT 256

typedef struct {
    pcre2_code *code;
    pcre2_code *fast; /* the same pattern without callouts, for short subjects */
    pcre2_match_context *mctx;
    bool jit;
    bool fast_jit;
    hs_kind_t hs_kind;
    hs_database_t *hs;
    uint64_t hs_serial;
} rx_t;

/* From op_pm.c: the per-thread Vectorscan scratch cache. */
uint64_t op_hs_serial(void);
hs_scratch_t *op_hs_scratch(const hs_database_t *db, uint64_t serial);

void *op_rx_compile(const char *param, size_t len, const char *base_dir, char *err, size_t err_len);
void op_rx_free(void *state);
bool op_rx_jitted(const void *state);
int op_rx_hs_kind(const void *state);
rp_op_result_t op_rx_search(const void *state, const char *value, size_t len, size_t start,
                            rp_op_captures_t *cap);
rp_op_result_t op_rx_execute(const void *state, const char *value, size_t len, const char *param,
                             size_t param_len, rp_op_captures_t *cap);

/* ---- per-thread match state ---- */

typedef struct {
    pcre2_match_data *md;
    pcre2_jit_stack *stack;
    pcre2_match_context *dyn_mctx; /* limits for dynamic patterns */
    unsigned steps;                /* callouts in the current match */
    uint64_t deadline;             /* CLOCK_MONOTONIC ns */
} rx_thread_t;

static pthread_key_t rx_key;
static pthread_once_t rx_once = PTHREAD_ONCE_INIT;
static bool rx_key_ok;
static _Thread_local rx_thread_t *rx_tls;

static void rx_thread_free(void *p)
{
    rx_thread_t *t = p;
    if (!t)
        return;
    pcre2_match_data_free(t->md);
    pcre2_jit_stack_free(t->stack);
    pcre2_match_context_free(t->dyn_mctx);
    free(t);
}

static void rx_key_init(void)
{
    rx_key_ok = pthread_key_create(&rx_key, rx_thread_free) == 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Every pattern is compiled with PCRE2_AUTO_CALLOUT: this runs between
 * pattern items and stops the match once it has used its time budget.
 * Reading the clock every 64 callouts keeps the check cheap. */
static int rx_callout(pcre2_callout_block *b, void *data)
{
    (void)b;
    (void)data;
    rx_thread_t *t = rx_tls;
    if (!t || (++t->steps & 63u) != 0)
        return 0;
    return now_ns() > t->deadline ? RX_ABORT : 0;
}

static void rx_set_limits(pcre2_match_context *m)
{
    pcre2_set_callout(m, rx_callout, NULL);
    pcre2_set_match_limit(m, RP_RX_MATCH_LIMIT);
    pcre2_set_depth_limit(m, RP_RX_DEPTH_LIMIT);
    pcre2_set_heap_limit(m, RP_RX_HEAP_LIMIT_KIB);
}

static rx_thread_t *rx_thread(void)
{
    if (rx_tls)
        return rx_tls;
    pthread_once(&rx_once, rx_key_init);
    rx_thread_t *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    /* The ovector holds the captures TX.0..TX.9; patterns with more groups
     * still match (pcre2_match returns 0: "ovector too small"). */
    t->md = pcre2_match_data_create(RP_OP_MAX_CAPTURES, NULL);
    t->stack = pcre2_jit_stack_create(RP_RX_JIT_STACK_MIN, RP_RX_JIT_STACK_MAX, NULL);
    t->dyn_mctx = pcre2_match_context_create(NULL);
    if (!t->md || !t->dyn_mctx) {
        rx_thread_free(t);
        return NULL;
    }
    rx_set_limits(t->dyn_mctx);
    if (rx_key_ok)
        pthread_setspecific(rx_key, t);
    rx_tls = t;
    return t;
}

/* Called by PCRE2 at the start of each JIT match: this thread's stack. A
 * NULL stack (allocation failed) makes PCRE2 use 32 KiB of machine stack,
 * which is still bounded: overflow is PCRE2_ERROR_JIT_STACKLIMIT. */
static pcre2_jit_stack *rx_stack_cb(void *data)
{
    (void)data;
    return rx_tls ? rx_tls->stack : NULL;
}

/* ---- compile ---- */

static pcre2_code *rx_compile_flags(const char *p, size_t len, uint32_t extra, char *err,
                                    size_t err_len)
{
    int ec;
    PCRE2_SIZE eoff;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)p, len, PCRE2_DOTALL | PCRE2_MULTILINE | extra, &ec, &eoff, NULL);
    if (!code && err) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(ec, msg, sizeof(msg)) < 0)
            snprintf((char *)msg, sizeof(msg), "error %d", ec);
        snprintf(err, err_len, "invalid regex at offset %zu: %s", (size_t)eoff, (char *)msg);
    }
    return code;
}

static pcre2_code *rx_compile_code(const char *p, size_t len, char *err, size_t err_len)
{
    return rx_compile_flags(p, len, PCRE2_AUTO_CALLOUT, err, err_len);
}

/* The Vectorscan copy: exact when Vectorscan supports every construct,
 * else a prefilter; none for patterns it refuses even as a prefilter
 * (embedded anchors, a NUL byte in the pattern text). */
static void rx_hs_compile(rx_t *rx, const char *p, size_t len)
{
    if (memchr(p, '\0', len))
        return;
    unsigned flags = HS_FLAG_DOTALL | HS_FLAG_MULTILINE | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
    hs_compile_error_t *cerr = NULL;
    if (rp_hs_compile(p, flags, HS_MODE_BLOCK, &rx->hs, &cerr) == HS_SUCCESS) {
        rx->hs_kind = HS_EXACT;
    } else {
        hs_free_compile_error(cerr);
        cerr = NULL;
        if (rp_hs_compile(p, flags | HS_FLAG_PREFILTER, HS_MODE_BLOCK, &rx->hs, &cerr) ==
            HS_SUCCESS) {
            rx->hs_kind = HS_PREFILTER;
        } else {
            hs_free_compile_error(cerr);
            rx->hs = NULL;
            return;
        }
    }
    rx->hs_serial = op_hs_serial();
}

void *op_rx_compile(const char *param, size_t len, const char *base_dir, char *err, size_t err_len)
{
    (void)base_dir;
    rx_t *rx = calloc(1, sizeof(*rx));
    if (!rx) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    rx->code = rx_compile_code(param, len, err, err_len);
    if (!rx->code) {
        free(rx);
        return NULL;
    }
    /* JIT failure (no JIT support, or a pattern too big for it) is not an
     * error: the interpreter gives the same answers, more slowly. */
    rx->jit = pcre2_jit_compile(rx->code, PCRE2_JIT_COMPLETE) == 0;
    rx->fast = rx_compile_flags(param, len, 0, NULL, 0);
    if (rx->fast)
        rx->fast_jit = pcre2_jit_compile(rx->fast, PCRE2_JIT_COMPLETE) == 0;
    rx->mctx = pcre2_match_context_create(NULL);
    if (!rx->mctx) {
        op_rx_free(rx);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    rx_set_limits(rx->mctx);
    pcre2_jit_stack_assign(rx->mctx, rx_stack_cb, NULL);
    rx_hs_compile(rx, param, len);
    return rx;
}

void op_rx_free(void *state)
{
    rx_t *rx = state;
    if (!rx)
        return;
    pcre2_code_free(rx->code);
    pcre2_code_free(rx->fast);
    pcre2_match_context_free(rx->mctx);
    hs_free_database(rx->hs);
    free(rx);
}

bool op_rx_jitted(const void *state)
{
    return state && ((const rx_t *)state)->jit;
}

/* 0: PCRE2 only, 1: Vectorscan exact, 2: Vectorscan prefilter. */
int op_rx_hs_kind(const void *state)
{
    return state ? (int)((const rx_t *)state)->hs_kind : 0;
}

/* ---- match ---- */

static rp_op_result_t rx_result(int rc)
{
    switch (rc) {
    case PCRE2_ERROR_NOMATCH:
        return RP_OP_NOMATCH;
    case PCRE2_ERROR_MATCHLIMIT:
    case PCRE2_ERROR_DEPTHLIMIT:
    case PCRE2_ERROR_HEAPLIMIT:
    case PCRE2_ERROR_JIT_STACKLIMIT:
    case RX_ABORT:
        return RP_OP_LIMIT;
    default:
        return RP_OP_FAIL;
    }
}

static void rx_captures(const char *value, int rc, pcre2_match_data *md, rp_op_captures_t *cap)
{
    if (!cap)
        return;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    size_t n = rc == 0 ? RP_OP_MAX_CAPTURES : (size_t)rc;
    if (n > RP_OP_MAX_CAPTURES)
        n = RP_OP_MAX_CAPTURES;
    for (size_t i = 0; i < n; i++) {
        /* An unset group is an empty string, as ModSecurity leaves it. */
        if (ov[2 * i] == PCRE2_UNSET || ov[2 * i + 1] < ov[2 * i]) {
            cap->group[i].p = value;
            cap->group[i].len = 0;
        } else {
            cap->group[i].p = value + ov[2 * i];
            cap->group[i].len = ov[2 * i + 1] - ov[2 * i];
        }
    }
    cap->n = n;
}

static rp_op_result_t rx_match(const pcre2_code *code, bool jit, pcre2_match_context *mctx,
                               const char *value, size_t len, size_t start, rp_op_captures_t *cap)
{
    rx_thread_t *t = rx_thread();
    if (!t)
        return RP_OP_FAIL;
    int rc;
    t->steps = 0;
    t->deadline = now_ns() + RP_RX_TIME_LIMIT_NS;
    if (jit)
        rc = pcre2_jit_match(code, (PCRE2_SPTR)value, len, start, 0, t->md, mctx);
    else
        rc = pcre2_match(code, (PCRE2_SPTR)value, len, start, 0, t->md, mctx);
    if (rc < 0)
        return rx_result(rc);
    rx_captures(value, rc, t->md, cap);
    return RP_OP_MATCH;
}

/* Search from offset start (used by @verifyCC to walk candidates). */
rp_op_result_t op_rx_search(const void *state, const char *value, size_t len, size_t start,
                            rp_op_captures_t *cap)
{
    const rx_t *rx = state;
    if (start > len)
        return RP_OP_NOMATCH;
    if (rx->fast && len <= RX_SHORT_SUBJECT)
        return rx_match(rx->fast, rx->fast_jit, rx->mctx, value, len, start, cap);
    return rx_match(rx->code, rx->jit, rx->mctx, value, len, start, cap);
}

static int rx_hs_on_match(unsigned int id, unsigned long long from, unsigned long long to,
                          unsigned int flags, void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    *(bool *)ctx = true;
    return 1;
}

/* The linear-time Vectorscan pass: RP_OP_MATCH / RP_OP_NOMATCH, or
 * RP_OP_FAIL when it cannot answer (then PCRE2 decides alone). */
static rp_op_result_t rx_hs_scan(const rx_t *rx, const char *value, size_t len)
{
    if (!rx->hs || len > UINT_MAX)
        return RP_OP_FAIL;
    hs_scratch_t *s = op_hs_scratch(rx->hs, rx->hs_serial);
    if (!s)
        return RP_OP_FAIL;
    bool hit = false;
    hs_error_t e = hs_scan(rx->hs, value, (unsigned)len, 0, s, rx_hs_on_match, &hit);
    if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
        return RP_OP_FAIL;
    return hit ? RP_OP_MATCH : RP_OP_NOMATCH;
}

rp_op_result_t op_rx_execute(const void *state, const char *value, size_t len, const char *param,
                             size_t param_len, rp_op_captures_t *cap)
{
    if (!param) {
        const rx_t *rx = state;
        rp_op_result_t pre = rx_hs_scan(rx, value, len);
        if (pre == RP_OP_NOMATCH)
            return RP_OP_NOMATCH;
        if (pre == RP_OP_MATCH && rx->hs_kind == HS_EXACT && !cap)
            return RP_OP_MATCH;
        rp_op_result_t r = op_rx_search(state, value, len, 0, cap);
        /* Vectorscan's exact "yes" stands even when PCRE2 gave up finding
         * the captures: a match without TX.0..TX.9 (cap->n == 0). */
        if (r == RP_OP_LIMIT && pre == RP_OP_MATCH && rx->hs_kind == HS_EXACT) {
            if (cap)
                cap->n = 0;
            return RP_OP_MATCH;
        }
        return r;
    }
    /* Dynamic: the expanded pattern, compiled for this one match. */
    rx_thread_t *t = rx_thread();
    if (!t)
        return RP_OP_FAIL;
    pcre2_code *code = rx_compile_code(param, param_len, NULL, 0);
    if (!code)
        return RP_OP_FAIL;
    rp_op_result_t r = rx_match(code, false, t->dyn_mctx, value, len, 0, cap);
    pcre2_code_free(code);
    return r;
}
