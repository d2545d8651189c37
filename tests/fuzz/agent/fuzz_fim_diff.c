/*
 * fuzz_fim_diff.c — the FIM text diff (fim_diff.c) on arbitrary pairs of
 * texts (the input split at its first NUL byte, or in half): the output
 * must be empty exactly when the texts are equal and stay bounded.
 */
#include <stdlib.h>
#include <string.h>

#include "fim_diff.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *a = (const char *)data;
    const char *zero = memchr(a, '\0', size);
    size_t alen = zero ? (size_t)(zero - a) : size / 2;
    const char *b = a + alen + (zero ? 1 : 0);
    size_t blen = size - (size_t)(b - a);
    strbuf_t out;
    strbuf_init(&out, 64 * 1024);
    fim_diff_text(a, alen, b, blen, 20, &out);
    int equal = alen == blen && memcmp(a, b, alen) == 0;
    if (equal != (out.len == 0) || out.failed)
        abort();
    strbuf_free(&out);
    return 0;
}
