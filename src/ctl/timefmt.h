/*
 * timefmt.h — clocks and RFC 3339 timestamps for rampartd.
 *
 * Every time rampartd stores or compares is milliseconds since the Unix
 * epoch, UTC (int64_t). Text on the wire is RFC 3339 with a "Z" or a
 * numeric offset; output is always UTC with milliseconds, the gateway's own
 * event format ("2026-11-26T10:23:57.307Z").
 */
#ifndef RAMPART_CTL_TIMEFMT_H
#define RAMPART_CTL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Wall clock, ms since the epoch. */
int64_t time_now_ms(void);

/* Monotonic clock in nanoseconds, for durations and deadlines. */
int64_t time_mono_ns(void);

/* Parses an RFC 3339 date-time (section 5.6: full-date "T" full-time; "t"
 * and " " accepted for "T", fractions of any length truncated to ms).
 * Returns 0 and *ms_out, or -1 when s[0..n) is not one. */
int time_parse_rfc3339(const char *s, size_t n, int64_t *ms_out);

/* Parses a time parameter of the API: RFC 3339, or an integer of ms since
 * the epoch. Returns 0 or -1. */
int time_parse_param(const char *s, int64_t *ms_out);

#define TIME_RFC3339_MAX 32

/* Writes ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out (TIME_RFC3339_MAX bytes). */
void time_format_rfc3339(int64_t ms, char out[TIME_RFC3339_MAX]);

#endif
