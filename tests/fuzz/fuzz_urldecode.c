/*
 * fuzz_urldecode.c — libFuzzer target for rp_url_decode() and
 * rp_utf8_check().
 *
 * Checks the contract, not just the absence of crashes: output never
 * longer than input, NUL-terminated, in-place decoding identical to
 * out-of-place, and the UTF-8 flags of the result equal rp_utf8_check()'s.
 * The multipart boundary parser gets the same bytes as a Content-Type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "rampart/transaction.h"
#include "urldecode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char *out = malloc(size + 1), *inplace = malloc(size + 1);
    if (!out || !inplace)
        abort();
    for (int plus = 0; plus <= 1; plus++) {
        unsigned f1 = 0, f2 = 0;
        size_t n1 = rp_url_decode(out, s, size, plus, &f1);
        if (size)
            memcpy(inplace, s, size);
        size_t n2 = rp_url_decode(inplace, inplace, size, plus, &f2);
        if (n1 > size || out[n1] != '\0' || n1 != n2 || f1 != f2 || memcmp(out, inplace, n1))
            abort();
        unsigned u = rp_utf8_check(out, n1);
        if ((f1 & (RP_ARG_INVALID_UTF8 | RP_ARG_OVERLONG_UTF8)) != u)
            abort();
        if (!!memchr(out, '\0', n1) != !!(f1 & RP_ARG_NUL))
            abort();
    }
    const char *b;
    size_t bl;
    if (rp_multipart_boundary(s, size, &b, &bl) == RP_OK) {
        if (b < s || b + bl > s + size || bl == 0 || bl > 70)
            abort();
    }
    free(out);
    free(inplace);
    return 0;
}
