/*
 * csv.h — CSV fields as RFC 4180 writes them, made safe for spreadsheets.
 *
 * Event fields carry attackers' text. A cell beginning with = + - @ TAB or
 * CR is a formula to Excel and LibreOffice (CSV injection); such text
 * cells are prefixed with a single quote, as OWASP recommends, so the
 * export opens as data. Numbers are written as numbers.
 */
#ifndef RAMPART_CTL_CSV_H
#define RAMPART_CTL_CSV_H

#include <stdint.h>

#include "strbuf.h"

/* Appends a text field (NULL: empty), quoted when it holds , " CR or LF. */
void csv_text(strbuf_t *out, const char *s);
void csv_int(strbuf_t *out, int64_t v);
void csv_sep(strbuf_t *out);
void csv_end_row(strbuf_t *out); /* CRLF, as RFC 4180 section 2 says */

#endif
