/*
 * fuzz_multipart.c — libFuzzer target for the multipart/form-data processor (boundary "XyZ"),
 * with the SecLang metadata on (part header lines, file sizes: rp_body_multipart_meta), as
 * transactions with rules run it. Each input runs whole and chunked and the two runs are
 * compared: see body_fuzz.h.
 */
#include "body.h"

static rp_body_proc_t *new_meta(rp_arena_t *a, const rp_body_limits_t *lim, rp_field_fn fn,
                                void *ctx)
{
    rp_body_proc_t *p = rp_body_multipart_new(a, lim, "XyZ", 3, fn, ctx);
    if (p)
        rp_body_multipart_meta(p);
    return p;
}

#define NEW_PROC(a, lim, fn, ctx) new_meta(a, lim, fn, ctx)

#include "body_fuzz.h"
