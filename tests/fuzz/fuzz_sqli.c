/*
 * fuzz_sqli.c — libFuzzer target for rp_detect_sqli().
 *
 * Looks for crashes, sanitizer reports and broken result invariants: on a
 * match the fingerprint is NUL-terminated and shorter than
 * RP_FINGERPRINT_MAX and the reported region lies inside the input. The
 * input is also run once more as a prefix, so length (not NUL) is what
 * bounds every read.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rampart/detect.h"

static void check(const char *s, size_t n)
{
    rp_detect_result_t r;
    memset(&r, 0xAA, sizeof(r));
    if (!rp_detect_sqli(s, n, &r))
        return;
    if (memchr(r.fingerprint, '\0', sizeof(r.fingerprint)) == NULL || r.fingerprint[0] == '\0')
        abort();
    if (r.offset > n || r.length > n - r.offset || r.length == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check((const char *)data, size);
    if (size > 1)
        check((const char *)data, size / 2);
    return 0;
}
