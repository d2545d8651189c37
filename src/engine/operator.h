/*
 * operator.h — SecLang operators (@rx, @pm, @streq, @lt, @ipMatch, ...).
 *
 * An operator is compiled once when the policy is loaded (a regex into
 * PCRE2 JIT code, a phrase list into a Vectorscan database...) and then
 * executed, read-only and thread-safe, against many values.
 *
 * Parameters that contain macros (%{tx.foo}) cannot be compiled ahead: the
 * operator is marked dynamic and the rule engine passes the expanded
 * parameter at each execution.
 */
#ifndef RAMPART_OPERATOR_H
#define RAMPART_OPERATOR_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rp_op rp_op_t;

/* Is name (without '@', case-insensitive) an operator Rampart runs? */
bool rp_op_known(const char *name);

/* Compile. name is without '@'. Files (@pmFromFile, @ipMatchFromFile) are
 * found relative to base_dir. On failure returns NULL and writes the
 * reason into err (the caller adds file:line). */
rp_op_t *rp_op_compile(const char *name, const char *param, size_t param_len,
                       const char *base_dir, char *err, size_t err_len);
void rp_op_free(rp_op_t *op);

/* True when the parameter holds %{...} macros: pass the expanded text to
 * rp_op_execute as param (else pass NULL). */
bool rp_op_dynamic(const rp_op_t *op);

/* Substrings captured by @rx (and the matched phrase for @pm), for the
 * "capture" action: TX.0 is the whole match, TX.1.. the groups. Pointers
 * point into the value passed to rp_op_execute. */
#define RP_OP_MAX_CAPTURES 10
typedef struct {
    size_t n;
    struct {
        const char *p;
        size_t len;
    } group[RP_OP_MAX_CAPTURES];
} rp_op_captures_t;

typedef enum {
    RP_OP_NOMATCH = 0,
    RP_OP_MATCH = 1,
    RP_OP_LIMIT = -1, /* a match limit was hit (backtracking): no verdict */
    RP_OP_FAIL = -2   /* error (e.g. a dynamic parameter that is invalid) */
} rp_op_result_t;

/* Run op on value[0..len). param: the expanded parameter of a dynamic
 * operator, else NULL. cap may be NULL when no capture is wanted. */
rp_op_result_t rp_op_execute(const rp_op_t *op, const char *value, size_t len,
                             const char *param, size_t param_len, rp_op_captures_t *cap);

/* For the rule engine's prefilter: the literal phrases of a static @pm or
 * @pmFromFile (matched case-insensitively); 0 for every other operator. */
size_t rp_op_literals(const rp_op_t *op, const char *const **phrases, const size_t **lens);
/* True for a static (non-dynamic) @rx. */
bool rp_op_is_rx(const rp_op_t *op);

#endif
