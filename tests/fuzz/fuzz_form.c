/*
 * fuzz_form.c — libFuzzer target for the urlencoded body processor.
 * Each input runs whole and chunked and the two runs are compared: see
 * body_fuzz.h.
 */
#define NEW_PROC(a, lim, fn, ctx) rp_body_form_new(a, lim, fn, ctx)

#include "body_fuzz.h"
