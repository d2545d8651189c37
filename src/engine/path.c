/*
 * path.c — request path normalisation.
 *
 * Attackers hide paths behind encodings and dot segments
 * (/static/..%2f..%2fadmin, /a//b\c) that the upstream server resolves but
 * a naive matcher does not. We decode once, then resolve the path the way
 * RFC 3986 §5.2.4 does, treating '\' as '/' as Windows back ends do.
 */
#include <string.h>

#include "normalize.h"
#include "urldecode.h"

size_t rp_path_normalize(char *dst, const char *src, size_t len, unsigned *flags, bool *above_root)
{
    /* Decode into dst first; resolution then works in place, the output
     * never being longer than the decoded input. */
    size_t n = rp_url_decode(dst, src, len, 0, flags);
    for (size_t i = 0; i < n; i++)
        if (dst[i] == '\\')
            dst[i] = '/';

    size_t out = 0, i = 0;
    bool absolute = n > 0 && dst[0] == '/';
    bool slash_end = n > 0 && dst[n - 1] == '/';
    while (i < n) {
        /* Skip the run of slashes before a segment. */
        while (i < n && dst[i] == '/')
            i++;
        size_t seg = i;
        while (i < n && dst[i] != '/')
            i++;
        size_t seglen = i - seg;
        if (seglen == 0)
            break;
        if (seglen == 1 && dst[seg] == '.') {
            if (i >= n)
                dst[out++] = '/';
            continue;
        }
        if (seglen == 2 && dst[seg] == '.' && dst[seg + 1] == '.') {
            if (out == 0) {
                *above_root = true;
            } else {
                /* Drop the last output segment. */
                while (out > 0 && dst[out - 1] != '/')
                    out--;
                if (out > 0)
                    out--;
            }
            if (i >= n)
                dst[out++] = '/';
            continue;
        }
        if (out > 0 || absolute)
            dst[out++] = '/';
        memmove(dst + out, dst + seg, seglen);
        out += seglen;
    }
    /* Keep a trailing slash: /dir/ and /dir can mean different things. */
    if (slash_end && (out == 0 || dst[out - 1] != '/'))
        dst[out++] = '/';
    if (out == 0 && absolute)
        dst[out++] = '/';
    dst[out] = '\0';
    return out;
}
