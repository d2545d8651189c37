/*
 * fuzz_baseline_policy.c — arbitrary text through the baseline policy
 * parser (baseline_policy.c): it must accept or refuse with a line number
 * within the text, never crash or leak; an accepted policy's checks are
 * complete (control, rationale, remediation, a condition).
 */
#include <stdlib.h>
#include <string.h>

#include "baseline_policy.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    rp_error_t err;
    policy_t *p = policy_parse((const char *)data, size, "fuzz.policy", &err);
    if (!p) {
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        if (err.line > lines)
            abort();
        return 0;
    }
    for (size_t i = 0; i < p->n_checks; i++)
        if (!p->checks[i].control || !p->checks[i].rationale || !p->checks[i].remediation ||
            !p->checks[i].n_conds)
            abort();
    policy_free(p);
    return 0;
}
