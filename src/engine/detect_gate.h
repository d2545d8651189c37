/*
 * detect_gate.h — which of Rampart's detectors (rp_detector_t) can possibly
 * match a value, decided in one pass over its bytes (detect_gate.c).
 *
 * The gate is a necessary condition of each detector: a clear bit means
 * the detector returns false on that value, so inspect.c skips the call. It
 * never decides a match. tests/unit/detect_gate_test.c pins the soundness.
 */
#ifndef RAMPART_DETECT_GATE_H
#define RAMPART_DETECT_GATE_H

#include <stdbool.h>
#include <stddef.h>

/* Bit (1u << RP_DET_x) is set when detector x may match s[0..n). */
unsigned rp_detect_gate(const char *s, size_t n);

/* Is w[0..n) a command name the command-injection detector knows, under its
 * case rules (detect_cmdi.c)? The gate asks this of words. */
bool rp_cmdi_command_name(const char *w, size_t n);

/* For the tests: is the command table sorted, as the lookup needs, and is
 * every name two or more bytes starting with a letter, as the gate assumes? */
bool rp_cmdi_table_ok(void);

#endif
