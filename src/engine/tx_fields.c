/*
 * tx_fields.c — a request header or cookie by name, from the headers the
 * transaction keeps for API security (tx->api_headers), for the checks
 * that run once the headers are in: rate-limit keys (tx_ratelimit.c) and
 * bot protection's clearance and challenge answer (tx_bot.c).
 */
#include <string.h>
#include <strings.h>

#include "tx_t.h"

const rp_api_field_t *rp_tx_find_header(const rp_tx_t *tx, const char *name, size_t len)
{
    for (size_t i = 0; i < tx->napi_headers; i++)
        if (tx->api_headers[i].name_len == len &&
            strncasecmp(tx->api_headers[i].name, name, len) == 0)
            return &tx->api_headers[i];
    return NULL;
}

bool rp_tx_find_cookie(const rp_tx_t *tx, const char *name, size_t len, const char **v,
                       size_t *vlen)
{
    for (size_t i = 0; i < tx->napi_headers; i++) {
        const rp_api_field_t *h = &tx->api_headers[i];
        if (h->name_len != 6 || strncasecmp(h->name, "cookie", 6) != 0)
            continue;
        const char *s = h->value, *end = s + h->value_len;
        while (s < end) {
            while (s < end && (*s == ' ' || *s == ';'))
                s++;
            const char *semi = memchr(s, ';', (size_t)(end - s));
            const char *stop = semi ? semi : end;
            const char *eq = memchr(s, '=', (size_t)(stop - s));
            if (eq && (size_t)(eq - s) == len && memcmp(s, name, len) == 0) {
                *v = eq + 1;
                *vlen = (size_t)(stop - eq - 1);
                return true;
            }
            s = stop;
        }
    }
    return false;
}

/* The raw value of query argument name (not decoded: the key only has to
 * tell clients apart, and one spelling per client is what it counts). */
bool rp_tx_find_arg(const rp_tx_t *tx, const char *name, size_t len, const char **v, size_t *vlen)
{
    const char *q = strchr(tx->uri, '?');
    if (!q)
        return false;
    const char *s = q + 1, *end = s + strlen(s);
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        if (eq && (size_t)(eq - s) == len && memcmp(s, name, len) == 0) {
            *v = eq + 1;
            *vlen = (size_t)(stop - eq - 1);
            return true;
        }
        s = stop + 1;
    }
    return false;
}
