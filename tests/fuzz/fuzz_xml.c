/*
 * fuzz_xml.c — libFuzzer target for the XML processor (libxml2 push parser).
 * Each input runs whole and chunked and the two runs are compared: see
 * body_fuzz.h.
 */
#include "body_xml.h"

#define NEW_PROC(a, lim, fn, ctx) rp_body_xml_new(a, lim, fn, ctx)
#define FREE_PROC(p)              rp_body_xml_abort(p)
/* libxml2 2.9's push parser may find an error before or after a
 * declaration depending on the split: on RP_ERROR only the verdict
 * must agree. */
#define DIGEST_MAY_DIFFER_ON_ERROR 1

#include "body_fuzz.h"
