/*
 * fuzz_console_path.c — the console's URL path check (console_static.c)
 * on arbitrary bytes: an accepted path must map to a relative name that
 * cannot leave console_dir (no "..", no leading dot or slash, no empty
 * segment, only the allowed characters), and the MIME and cache lookups
 * must answer for any name.
 */
#include <stdlib.h>
#include <string.h>

#include "console_static.h"

static int allowed(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '~' || c == '/';
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char url[HTTP_PATH_MAX];
    if (size >= sizeof(url))
        return 0;
    memcpy(url, data, size);
    url[size] = '\0'; /* libmicrohttpd hands over a C string */
    char rel[HTTP_PATH_MAX];
    if (console_path_check(url, rel, sizeof(rel)) != 0)
        return 0;
    size_t n = strlen(rel);
    if (n == 0 || rel[0] == '/' || rel[0] == '.' || rel[n - 1] == '/')
        abort();
    for (size_t i = 0; i < n; i++) {
        if (!allowed(rel[i]))
            abort();
        if (rel[i] == '/' && (rel[i + 1] == '/' || rel[i + 1] == '.'))
            abort(); /* an empty, dot or dot-dot segment */
    }
    if (!console_mime_type(rel) || !console_cache_control(rel))
        abort();
    (void)console_path_is_route(rel);
    return 0;
}
