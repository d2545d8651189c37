/*
 * fuzz_multipart.c — libFuzzer target for the multipart/form-data processor (boundary "XyZ").
 * Each input runs whole and chunked and the two runs are compared: see
 * body_fuzz.h.
 */
#define NEW_PROC(a, lim, fn, ctx) rp_body_multipart_new(a, lim, "XyZ", 3, fn, ctx)

#include "body_fuzz.h"
