/*
 * csv_parse.h — reads CSV as RFC 4180 section 2 defines it (fields
 * separated by commas, records by CRLF or LF, fields optionally in double
 * quotes with "" for a quote, quoted fields may hold commas and line
 * breaks). Untrusted input (directory imports): bounded, every byte
 * checked; fuzzed by tests/fuzz/ctl/fuzz_csv_parse.c.
 */
#ifndef RAMPART_CTL_CSV_PARSE_H
#define RAMPART_CTL_CSV_PARSE_H

#include <jansson.h>
#include <stddef.h>

#define CSV_MAX_FIELDS 64
#define CSV_MAX_ROWS   100000

/* The records as a JSON array of {"line": first line number, "fields":
 * [strings]}; blank lines are skipped. NULL with *err_line and why set
 * when the text is not CSV (a quote in an unquoted field, an unterminated
 * quote, text after a closing quote, a NUL byte, too many fields or
 * records, invalid UTF-8). */
json_t *csv_parse(const char *text, size_t len, int *err_line, const char **why);

#endif
