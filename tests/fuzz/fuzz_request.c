/*
 * fuzz_request.c — whole raw requests: the HTTP parser, then every request
 * step of a transaction on the default policy, body fed in input-derived
 * chunks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_tx.h"

static rp_policy_t *policy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char text[] = "limit body 1m\nevents all\n";
    if (!policy)
        policy = rp_policy_load_string(text, sizeof(text) - 1, "fuzz", NULL);
    if (!policy)
        abort();
    fuzz_tx_run(policy, data, size, false);
    return 0;
}
