/*
 * fuzz_data_scan_simd.c — differential libFuzzer target for the
 * sensitive-data scanner (data_scan.c): its SSE2 paths (start finder, runs
 * of digits and letters) against its byte-at-a-time paths, compiled here a
 * second time with RP_TEXT_PORTABLE under other names.
 *
 * Input: one byte choosing the class mask (all classes, or the byte as a
 * mask), then the text. Contract: both find the same matches (class,
 * offset, length) in the same order, called with and without the '@'
 * cache, from the start and from a position inside the text.
 */
#include <stdint.h>
#include <stdlib.h>

#include "rampart/dataclass.h"

#define RP_TEXT_PORTABLE         1
#define rp_data_scan_next        portable_scan_next
#define rp_data_scan_next_cached portable_scan_next_cached
#define rp_data_class_name       portable_class_name
#define rp_data_class_from_name  portable_class_from_name
#include "data_scan.c"
#undef rp_data_scan_next
#undef rp_data_scan_next_cached
#undef rp_data_class_name
#undef rp_data_class_from_name

bool portable_scan_next(const char *s, size_t len, size_t *pos, unsigned mask, rp_data_match_t *m);
bool portable_scan_next_cached(const char *s, size_t len, size_t *pos, unsigned mask,
                               rp_data_match_t *m, size_t *at_cache);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void compare(const char *s, size_t n, size_t start, unsigned mask)
{
    size_t p1 = start, p2 = start, p3 = start, cache = 0;
    rp_data_match_t m1, m2, m3;
    for (;;) {
        bool h1 = portable_scan_next(s, n, &p1, mask, &m1);
        bool h2 = rp_data_scan_next(s, n, &p2, mask, &m2);
        bool h3 = rp_data_scan_next_cached(s, n, &p3, mask, &m3, &cache);
        if (h1 != h2 || h1 != h3 || p1 != p2 || p1 != p3)
            abort();
        if (!h1)
            return;
        if (m1.cls != m2.cls || m1.offset != m2.offset || m1.length != m2.length ||
            m1.cls != m3.cls || m1.offset != m3.offset || m1.length != m3.length)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mask = data[0] & 1 ? RP_DC_ALL : data[0];
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    compare(s, n, 0, mask);
    if (n)
        compare(s, n, data[0] % n, mask);
    return 0;
}
