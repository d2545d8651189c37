/*
 * op_numeric.c — @eq, @ge, @gt, @le, @lt: integer comparisons of the value
 * against the parameter.
 *
 * Both sides are read the way ModSecurity v3 reads them (std::stoi, and
 * atoi in v2): leading whitespace skipped, an optional sign, then the
 * leading decimal digits; anything after them is ignored ("12abc" is 12) and
 * text without leading digits is 0 ("abc", "", "-"). One deliberate
 * difference: a number beyond the integer range saturates (to the 64-bit
 * limits) instead of becoming 0 as v3's failed stoi does — otherwise
 * "Content-Length: 99999999999" would pass a "!@eq 0" check.
 *
 * The parameter is parsed once at load, or at each execution when it holds
 * macros (%{tx.inbound_anomaly_score_threshold}).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "operator.h"

typedef struct {
    long long v;
} num_t;

void *op_num_compile(const char *param, size_t len, const char *base_dir, char *err,
                     size_t err_len);
void op_num_free(void *state);

#define NUM_EXEC(x)                                                                                \
    rp_op_result_t op_##x##_execute(const void *state, const char *value, size_t len,              \
                                    const char *param, size_t param_len, rp_op_captures_t *cap)
NUM_EXEC(eq);
NUM_EXEC(ge);
NUM_EXEC(gt);
NUM_EXEC(le);
NUM_EXEC(lt);

static long long parse_int(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
        i++;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    /* Accumulate negatively so LLONG_MIN is reachable. */
    long long v = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        int d = s[i] - '0';
        if (v < (LLONG_MIN + d) / 10) {
            v = LLONG_MIN;
            while (i < len && s[i] >= '0' && s[i] <= '9')
                i++;
            break;
        }
        v = v * 10 - d;
    }
    if (neg)
        return v;
    return v == LLONG_MIN ? LLONG_MAX : -v;
}

void *op_num_compile(const char *param, size_t len, const char *base_dir, char *err, size_t err_len)
{
    (void)base_dir;
    num_t *n = malloc(sizeof(*n));
    if (!n) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    n->v = parse_int(param, len);
    return n;
}

void op_num_free(void *state)
{
    free(state);
}

/* -1, 0, 1 as value <, ==, > parameter. */
static int compare(const void *state, const char *value, size_t len, const char *param,
                   size_t param_len)
{
    long long p = param ? parse_int(param, param_len) : ((const num_t *)state)->v;
    long long v = parse_int(value, len);
    return (v > p) - (v < p);
}

#define NUM_BODY(cond)                                                                             \
    {                                                                                              \
        (void)cap;                                                                                 \
        int c = compare(state, value, len, param, param_len);                                      \
        return (cond) ? RP_OP_MATCH : RP_OP_NOMATCH;                                               \
    }

NUM_EXEC(eq)
NUM_BODY(c == 0) NUM_EXEC(ge) NUM_BODY(c >= 0) NUM_EXEC(gt) NUM_BODY(c > 0) NUM_EXEC(le)
    NUM_BODY(c <= 0) NUM_EXEC(lt) NUM_BODY(c < 0)
