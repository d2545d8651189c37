/*
 * cookies.c — split a Cookie header into inspected values.
 *
 * RFC 6265 §4.2.1 pairs separated by ';' (browsers send "; "). Values are
 * percent-decoded because applications commonly decode them, so an attack
 * hidden as %27 must be seen as a quote. '+' stays '+': cookies are not
 * form-encoded.
 */
#include <string.h>

#include "normalize.h"
#include "urldecode.h"

static size_t trim_left(const char *s, size_t i, size_t end)
{
    while (i < end && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

static size_t trim_right(const char *s, size_t start, size_t end)
{
    while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        end--;
    return end;
}

rp_status_t rp_cookies_split(rp_arena_t *a, const char *s, size_t len, rp_field_fn fn, void *ctx)
{
    size_t i = 0;
    while (i < len) {
        size_t start = trim_left(s, i, len);
        size_t end = start;
        while (end < len && s[end] != ';')
            end++;
        i = end + 1;
        size_t stop = trim_right(s, start, end);
        if (stop == start)
            continue;
        const char *eq = memchr(s + start, '=', stop - start);
        size_t nlen = eq ? (size_t)(eq - (s + start)) : stop - start;
        const char *v = eq ? eq + 1 : s + stop;
        size_t vlen = eq ? (size_t)(s + stop - v) : 0;
        /* Strip the optional DQUOTEs around a cookie-value. */
        if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"')
            v++, vlen -= 2;
        unsigned flags = eq ? 0 : RP_FIELD_KEY_ONLY;
        char *name = rp_arena_alloc(a, nlen + 1);
        char *val = rp_arena_alloc(a, vlen + 1);
        if (!name || !val)
            return RP_NOMEM;
        size_t dn =
            rp_url_decode(name, s + start, trim_right(s, start, start + nlen) - start, 0, &flags);
        size_t dv = rp_url_decode(val, v, vlen, 0, &flags); /* flags include UTF-8 */
        rp_status_t rc = fn(ctx, RP_SRC_COOKIE, name, dn, val, dv, flags);
        if (rc != RP_OK)
            return rc;
    }
    return RP_OK;
}
