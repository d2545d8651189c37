/*
 * fuzz_idrev_stream.c — the revocation stream's entry parser
 * (idrev_stream.c: what `rampart sync --redis` reads from Redis) on
 * arbitrary bytes: the input is "<id>\n<line>". An accepted entry has a
 * positive seq, a kind of sid or user, and writes back to the same line.
 */
#include <stdlib.h>
#include <string.h>

#include "idrev_stream.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size > 4096)
        return 0;
    const char *nl = memchr(data, '\n', size);
    if (!nl)
        return 0;
    size_t id_len = (size_t)(nl - (const char *)data);
    char id[64];
    if (id_len >= sizeof(id))
        return 0;
    memcpy(id, data, id_len);
    id[id_len] = '\0';
    const char *line = nl + 1;
    size_t len = size - id_len - 1;
    idrev_t r;
    if (idrev_entry_parse(id, line, len, &r) != 0)
        return 0;
    char back[96];
    int n = idrev_line_format(&r, back, sizeof(back));
    if (r.seq <= 0 || n < 0 || (size_t)n != len || memcmp(back, line, len) != 0)
        abort();
    return 0;
}
