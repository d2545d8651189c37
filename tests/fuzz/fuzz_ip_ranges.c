/*
 * fuzz_ip_ranges.c — libFuzzer target for reputation prefix lists (often
 * third-party feeds): ip_ranges_parse, then lookups of every line of the
 * input as an address.
 *
 * Checks the contract: a list that loads contains each bare address it
 * lists, and merging never leaves more ranges than lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ip_ranges.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    const char *s = (const char *)data;
    ip_ranges_t *r = ip_ranges_parse(s, size, why, sizeof(why));
    if (!r)
        return 0;
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += s[i] == '\n';
    if (ip_ranges_count(r) > lines)
        abort();
    for (const char *p = s, *end = s + size; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char a[64];
        /* a bare address line (nothing but the address) must be found */
        if (n && n < sizeof(a) && !memchr(p, '/', n) && !memchr(p, '#', n) && !memchr(p, ' ', n) &&
            !memchr(p, '\t', n) && !memchr(p, '\r', n)) {
            memcpy(a, p, n);
            a[n] = '\0';
            if (!ip_ranges_contains(r, a))
                abort();
        }
        p += n + 1;
    }
    ip_ranges_free(r);
    return 0;
}
