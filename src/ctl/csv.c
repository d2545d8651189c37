/*
 * csv.c — RFC 4180 fields with formula neutralisation (see csv.h).
 */
#include "csv.h"

#include <string.h>

void csv_text(strbuf_t *out, const char *s)
{
    if (!s || !*s)
        return;
    int formula = strchr("=+-@\t\r", s[0]) != NULL;
    int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        strbuf_puts(out, s);
        return;
    }
    strbuf_append(out, "\"", 1);
    if (formula)
        strbuf_append(out, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            strbuf_append(out, "\"\"", 2);
        else
            strbuf_append(out, p, 1);
    }
    strbuf_append(out, "\"", 1);
}

void csv_int(strbuf_t *out, int64_t v)
{
    strbuf_printf(out, "%lld", (long long)v);
}

void csv_sep(strbuf_t *out)
{
    strbuf_append(out, ",", 1);
}

void csv_end_row(strbuf_t *out)
{
    strbuf_append(out, "\r\n", 2);
}
