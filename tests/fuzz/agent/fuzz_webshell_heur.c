/*
 * fuzz_webshell_heur.c — arbitrary file contents through the webshell
 * heuristics (webshell_heur.c): no crash, no read outside the buffer
 * (it is not NUL-terminated), a score that is the sum of the listed
 * traits' weights and at most their maximum.
 */
#include <stdlib.h>
#include <string.h>

#include "webshell_heur.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *copy = malloc(size ? size : 1); /* exactly size bytes: ASan sees overreads */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    webshell_heur_t h;
    int r = webshell_heuristics(copy, size, "/srv/www/uploads/x.php", size % 3 ? 60 : -1, &h);
    if (r != (h.score >= WEBSHELL_HEUR_THRESHOLD) || h.score < 0 || h.score > 15 ||
        h.n > WEBSHELL_HEUR_TRAITS || (h.score == 0) != (h.n == 0))
        abort();
    free(copy);
    return 0;
}
