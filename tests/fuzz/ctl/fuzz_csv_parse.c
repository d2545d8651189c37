/*
 * fuzz_csv_parse.c — the directory import's CSV reader (csv_parse.c) on
 * arbitrary bytes. Accepted input gives records of 1-64 string fields
 * whose line numbers never go down and never pass the input's line count;
 * refused input gives a reason and a line within the input.
 */
#include <stdlib.h>
#include <string.h>

#include "csv_parse.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    int err_line = 0;
    const char *why = NULL;
    json_t *rows = csv_parse((const char *)data, size, &err_line, &why);
    if (!rows) {
        if (!why || err_line < 1 || err_line > lines)
            abort();
        return 0;
    }
    int last = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        int line = (int)json_integer_value(json_object_get(row, "line"));
        json_t *fields = json_object_get(row, "fields");
        if (line < last || line > lines || !json_is_array(fields) || json_array_size(fields) < 1 ||
            json_array_size(fields) > CSV_MAX_FIELDS)
            abort();
        last = line;
        size_t k;
        json_t *f;
        json_array_foreach(fields, k, f) if (!json_is_string(f)) abort();
    }
    json_decref(rows);
    return 0;
}
