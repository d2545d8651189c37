/*
 * body_fuzz.h — the libFuzzer harness shared by the body-processor fuzz
 * targets (fuzz_form.c, fuzz_json.c, fuzz_multipart.c, fuzz_xml.c).
 *
 * The first input byte seeds the chunk sizes (1..17 bytes), the rest is the
 * body. Each input runs whole and chunked; both runs must report the same
 * fields and verdict, and neither may crash, leak or trip a sanitizer.
 *
 * It defines LLVMFuzzerTestOneInput(), so a target includes it once, after
 * defining:
 *
 *   NEW_PROC(a, lim, fn, ctx)    required: build the processor under test
 *                                in arena a with limits lim, reporting
 *                                fields to fn(ctx, ...).
 *   FREE_PROC(p)                 optional: release what the processor holds
 *                                outside its arena, after the run (default:
 *                                nothing).
 *   DIGEST_MAY_DIFFER_ON_ERROR   optional: 1 when, on RP_ERROR, only the
 *                                verdict of the two runs must agree, not the
 *                                fields reported before the error (default:
 *                                0, everything must agree).
 */
#ifndef BODY_FUZZ_H
#define BODY_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"

#ifndef NEW_PROC
#error "define NEW_PROC before including body_fuzz.h"
#endif
#ifndef FREE_PROC
#define FREE_PROC(p) ((void)(p))
#endif
#ifndef DIGEST_MAY_DIFFER_ON_ERROR
#define DIGEST_MAY_DIFFER_ON_ERROR 0
#endif

/* Fields are folded into a digest so a whole run and a chunked run can be
 * compared: any chunk-split dependence is a crash the fuzzer reports. */
typedef struct {
    uint64_t h;
    size_t n;
} digest_t;

static void mix(digest_t *d, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ s[i]) * 1099511628211ull;
}

static rp_status_t on_field(void *ctx, rp_source_t src, const char *name, size_t name_len,
                            const char *value, size_t value_len, unsigned flags)
{
    digest_t *d = ctx;
    if (name[name_len] != '\0' || value[value_len] != '\0')
        abort();
    mix(d, &src, sizeof(src));
    mix(d, name, name_len);
    mix(d, "=", 1);
    mix(d, value, value_len);
    mix(d, &flags, sizeof(flags));
    d->n++;
    return RP_OK;
}

static const rp_body_limits_t fuzz_lim = {
    .max_depth = 64, .max_fields = 256, .max_field_size = 128, .max_name_size = 64};

/* Run the processor over data in chunks whose sizes come from seed (0 =
 * whole). Returns the final status and fills *d. */
static rp_status_t run(const uint8_t *data, size_t size, uint8_t seed, digest_t *d)
{
    memset(d, 0, sizeof(*d));
    d->h = 14695981039346656037ull;
    rp_arena_t *a = rp_arena_new(0, 0);
    if (!a)
        abort();
    rp_body_proc_t *p = NEW_PROC(a, &fuzz_lim, on_field, d);
    if (!p)
        abort();
    rp_status_t st = RP_OK;
    size_t off = 0;
    unsigned x = seed;
    while (st == RP_OK && off < size) {
        size_t k = size - off;
        if (seed) {
            x = x * 1103515245u + 12345u;
            size_t c = 1 + (x >> 16) % 17;
            if (c < k)
                k = c;
        }
        st = p->feed(p, (const char *)data + off, k);
        off += k;
    }
    if (st == RP_OK)
        st = p->finish(p);
    if ((st == RP_ERROR || st == RP_LIMIT) && !p->reason)
        abort();
    FREE_PROC(p);
    rp_arena_free(a);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t seed = data[0];
    data++, size--;
    digest_t whole, split;
    rp_status_t a = run(data, size, 0, &whole);
    rp_status_t b = run(data, size, seed | 1, &split);
    if (a != b)
        abort();
    if ((!DIGEST_MAY_DIFFER_ON_ERROR || a != RP_ERROR) &&
        (whole.h != split.h || whole.n != split.n))
        abort();
    return 0;
}

#endif /* BODY_FUZZ_H */
