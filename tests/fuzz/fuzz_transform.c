/*
 * fuzz_transform.c — libFuzzer target for the SecLang transformations
 * (transform.h).
 *
 * Every transformation runs on the input, and then a chain of up to eight
 * picked by the input's first bytes (the chains CRS builds feed one
 * decoder's output to the next). Checked beyond the absence of crashes:
 *   - the contract: true exactly when the bytes differ, an unchanged value
 *     comes back as the input pointer without arena allocation, outputs
 *     are NUL-terminated;
 *   - size bounds: decoders and normalisers never grow the value, encoders
 *     stay within their formula, digests have their fixed size;
 *   - idempotence where it is part of the meaning (lowercase, trim,
 *     compressWhitespace, cmdLine, normalizePath, ...);
 *   - length, not NUL, bounds every read: a second run gets an exact-size
 *     heap copy with no terminator;
 *   - a capped arena: a refused allocation hands back the input unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "transform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t bound(const char *name, size_t len)
{
    if (!strcmp(name, "utf8toUnicode") || !strcmp(name, "urlEncode"))
        return 3 * len;
    if (!strcmp(name, "hexEncode"))
        return 2 * len;
    if (!strcmp(name, "base64Encode"))
        return (len + 2) / 3 * 4;
    if (!strcmp(name, "md5"))
        return 16;
    if (!strcmp(name, "sha1"))
        return 20;
    if (!strcmp(name, "length"))
        return 20;
    return len;
}

static bool idempotent(const char *name)
{
    static const char *names[] = {
        "lowercase",
        "uppercase",
        "removeNulls",
        "replaceNulls",
        "removeWhitespace",
        "compressWhitespace",
        "trim",
        "trimLeft",
        "trimRight",
        "cmdLine",
        "normalizePath",
        "normalizePathWin",
        "parityEven7bit",
        "parityOdd7bit",
        "parityZero7bit",
        "replaceComments",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(name, names[i]))
            return true;
    return false;
}

/* Apply id with every contract check; returns the output. */
static const char *check(rp_arena_t *a, int id, const char *in, size_t len, size_t *out_len)
{
    const char *name = rp_transform_name(id), *out = NULL;
    size_t before = rp_arena_used(a);
    bool changed = rp_transform_apply(id, a, in, len, &out, out_len);
    if (!out)
        abort();
    if (!changed) {
        if (out != in || *out_len != len || rp_arena_used(a) != before)
            abort();
        return out;
    }
    if (out[*out_len] != '\0' || (*out_len == len && memcmp(out, in, len) == 0))
        abort();
    if (*out_len > bound(name, len))
        abort();
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    rp_arena_t *a = rp_arena_new(0, 0);
    if (!a)
        return 0;
    const char *in = rp_arena_strndup(a, (const char *)data, size);
    char *exact = malloc(size ? size : 1); /* no terminator: reads past len trip ASan */
    if (!in || !exact)
        abort();
    if (size)
        memcpy(exact, data, size);
    int count = rp_transform_count();

    for (int id = 0; id < count; id++) {
        size_t n, n2, n3;
        const char *out = check(a, id, in, size, &n);
        const char *out2 = check(a, id, exact, size, &n2);
        if (n != n2 || memcmp(out, out2, n) != 0)
            abort();
        if (idempotent(rp_transform_name(id))) {
            const char *again = check(a, id, out, n, &n3);
            if (again != out)
                abort();
        }
        rp_arena_reset(a);
        in = rp_arena_strndup(a, (const char *)data, size);
        if (!in)
            abort();
    }

    /* A chain: byte 0 says how long, the next bytes pick the steps. */
    if (size > 0) {
        size_t steps = (size_t)(data[0] % 8) + 1, n = size;
        const char *v = in;
        for (size_t s = 0; s < steps; s++) {
            int id = (int)(data[(1 + s) % size] % (unsigned)count);
            v = check(a, id, v, n, &n);
        }
    }

    /* A capped arena refuses at some step: the input comes back. */
    rp_arena_t *small = rp_arena_new(64, 64 + size % 256);
    if (small) {
        for (int id = 0; id < count; id++) {
            const char *out;
            size_t n;
            if (!rp_transform_apply(id, small, exact, size, &out, &n) &&
                (out != exact || n != size))
                abort();
        }
        rp_arena_free(small);
    }

    free(exact);
    rp_arena_free(a);
    return 0;
}
