/*
 * csv_parse.c — an RFC 4180 reader (see csv_parse.h).
 */
#include "csv_parse.h"

#include "strbuf.h"

typedef struct {
    const char *p, *end;
    int line;
    const char *why;
} reader_t;

/* One field into f; *last set when the record ended after it. 0 or -1. */
static int read_field(reader_t *r, strbuf_t *f, int *last)
{
    f->len = 0;
    *last = 0;
    if (r->p < r->end && *r->p == '"') {
        r->p++;
        for (;;) {
            if (r->p >= r->end) {
                r->why = "a quoted field is not closed";
                return -1;
            }
            char c = *r->p++;
            if (c == '"') {
                if (r->p < r->end && *r->p == '"') {
                    r->p++;
                    strbuf_append(f, "\"", 1);
                    continue;
                }
                break;
            }
            if (c == '\0') {
                r->why = "a NUL byte";
                return -1;
            }
            if (c == '\n')
                r->line++;
            strbuf_append(f, &c, 1);
        }
    } else {
        while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
            if (*r->p == '"') {
                r->why = "a quote inside an unquoted field";
                return -1;
            }
            if (*r->p == '\0') {
                r->why = "a NUL byte";
                return -1;
            }
            strbuf_append(f, r->p++, 1);
        }
    }
    if (r->p >= r->end) {
        *last = 1;
        return 0;
    }
    if (*r->p == ',') {
        r->p++;
        return 0;
    }
    if (*r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
        r->p++;
    if (*r->p == '\n') {
        r->p++;
        r->line++;
        *last = 1;
        return 0;
    }
    r->why = *r->p == '\r' ? "a CR without LF" : "text after a closing quote";
    return -1;
}

json_t *csv_parse(const char *text, size_t len, int *err_line, const char **why)
{
    reader_t r = {text, text + len, 1, NULL};
    json_t *rows = json_array();
    strbuf_t f;
    strbuf_init(&f, 1 << 20);
    while (rows && r.p < r.end) {
        int line = r.line;
        if (*r.p == '\n' || (*r.p == '\r' && r.p + 1 < r.end && r.p[1] == '\n')) {
            r.p += *r.p == '\r' ? 2 : 1; /* a blank line */
            r.line++;
            continue;
        }
        json_t *fields = json_array();
        int last = 0;
        while (!last) {
            if (read_field(&r, &f, &last))
                break;
            if (json_array_size(fields) == CSV_MAX_FIELDS) {
                r.why = "more than 64 fields";
                break;
            }
            json_t *s = f.failed ? NULL : json_stringn(f.len ? f.data : "", f.len);
            if (!s) {
                r.why = f.failed ? "a field longer than 1 MB" : "invalid UTF-8";
                break;
            }
            json_array_append_new(fields, s);
        }
        if (!r.why && json_array_size(rows) == CSV_MAX_ROWS)
            r.why = "more than 100000 records";
        if (r.why) {
            json_decref(fields);
            json_decref(rows);
            rows = NULL;
            *err_line = line; /* where the record began */
            *why = r.why;
            break;
        }
        json_array_append_new(rows, json_pack("{s:i, s:o}", "line", line, "fields", fields));
    }
    strbuf_free(&f);
    return rows;
}
