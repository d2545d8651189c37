/*
 * fuzz_dataclass.c — libFuzzer target for the sensitive-data scanner and
 * masking (rp_data_scan_next, rp_data_mask, rp_data_mask_partial_inplace).
 *
 * Contract: matches come in increasing, non-overlapping order inside the
 * input, each re-scanned alone is found again with the same class; partial
 * masking keeps the length and touches only matched bytes; every style's
 * output fits RP_DATA_MASK_MAX.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rampart/dataclass.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    static const uint8_t key[32] = "rampart-fuzz-hash-key-0123456789";
    char *copy = malloc(size + 1);
    unsigned char *covered = calloc(size + 1, 1);
    if (!copy || !covered)
        abort();
    if (size)
        memcpy(copy, s, size);
    size_t pos = 0, last_end = 0, count = 0;
    rp_data_match_t m;
    while (rp_data_scan_next(s, size, &pos, RP_DC_ALL, &m)) {
        if (m.offset < last_end || m.length == 0 || m.offset + m.length > size ||
            pos != m.offset + m.length || !rp_data_class_name(m.cls))
            abort();
        last_end = pos;
        count++;
        memset(covered + m.offset, 1, m.length);
        size_t p2 = 0;
        rp_data_match_t alone;
        if (!rp_data_scan_next(s + m.offset, m.length, &p2, RP_DC_ALL, &alone) ||
            alone.cls != m.cls || alone.offset != 0 || alone.length != m.length)
            abort();
        char out[RP_DATA_MASK_MAX(64) + 1];
        if (m.length <= 64)
            for (int style = RP_MASK_PARTIAL; style <= RP_MASK_REDACT; style++) {
                size_t n = rp_data_mask(m.cls, (rp_mask_style_t)style, s + m.offset, m.length, key,
                                        sizeof(key), out, sizeof(out) - 1);
                if (n == 0 || n > RP_DATA_MASK_MAX(m.length))
                    abort();
            }
    }
    if (pos != size)
        abort();
    if (rp_data_mask_partial_inplace(copy, size, RP_DC_ALL) != count)
        abort();
    for (size_t i = 0; i < size; i++)
        if (!covered[i] && copy[i] != s[i])
            abort();
    free(copy);
    free(covered);
    return 0;
}
