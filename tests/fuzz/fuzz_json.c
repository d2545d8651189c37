/*
 * fuzz_json.c — libFuzzer target for the streaming JSON processor.
 * Each input runs whole and chunked and the two runs are compared: see
 * body_fuzz.h.
 */
#define NEW_PROC(a, lim, fn, ctx) rp_body_json_new(a, lim, fn, ctx)

#include "body_fuzz.h"
