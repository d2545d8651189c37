/*
 * api_shape.c — path shapes and value types for API discovery (see
 * rampart/discover.h). Pure functions, shared by the gateway and rampartd.
 */
#include <string.h>

#include "rampart/dataclass.h"
#include "rampart/discover.h"

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit((unsigned char)s[i]))
            return false;
    return n > 0;
}

/* A mainland mobile number (GB/T 13406's 1[3-9]x xxxx xxxx). */
static bool is_mobile(const char *s, size_t n)
{
    return n == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && all_digits(s, n);
}

/* RFC 3339 full-date: YYYY-MM-DD. */
static bool is_date(const char *s, size_t n)
{
    return n >= 10 && all_digits(s, 4) && s[4] == '-' && all_digits(s + 5, 2) && s[7] == '-' &&
           all_digits(s + 8, 2);
}

/* RFC 4122's 8-4-4-4-12 hex form. */
static bool is_uuid(const char *s, size_t n)
{
    if (n != 36)
        return false;
    for (size_t i = 0; i < n; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* local@domain.tld with a dot after the '@': enough to tell an address
 * from a route word. */
static bool is_email(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (!at || at == s)
        return false;
    const char *dot = memchr(at, '.', n - (size_t)(at - s));
    return dot && dot > at + 1 && dot < s + n - 1;
}

const char *rp_segment_kind(const char *s, size_t n)
{
    if (n == 0)
        return NULL;
    if (rp_resident_id_shape(s, n))
        return "idcard";
    if (is_mobile(s, n))
        return "phone";
    if (all_digits(s, n))
        return "id";
    if (is_uuid(s, n))
        return "uuid";
    if (is_date(s, n))
        return "date";
    if (is_email(s, n))
        return "email";
    size_t hex = 0, digits = 0, letters = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        hex += is_hex(c);
        digits += is_digit(c);
        letters += is_alpha(c);
        if (!is_digit(c) && !is_alpha(c) && c != '-' && c != '_' && c != '.' && c != '~')
            other++;
    }
    if (other)
        return "text"; /* spaces, non-ASCII, punctuation: a value, not a route word */
    if (hex == n && n >= 8 && digits)
        return "hex";
    if ((n >= 16 && digits && letters) || n > 64)
        return "token";
    return NULL;
}

size_t rp_path_shape(const char *path, size_t len, char *out)
{
    size_t o = 0, segments = 0, i = 0;
    while (i < len) {
        while (i < len && path[i] == '/')
            i++;
        if (i >= len)
            break;
        size_t start = i;
        while (i < len && path[i] != '/')
            i++;
        const char *seg = path + start;
        size_t n = i - start;
        const char *kind = NULL;
        bool templated = n >= 2 && seg[0] == '{' && seg[n - 1] == '}';
        if (!templated)
            kind = rp_segment_kind(seg, n);
        size_t need = 1 + (kind ? strlen(kind) + 2 : n);
        if (++segments > RP_SHAPE_MAX_SEGMENTS || o + need + 8 > RP_SHAPE_MAX - 1) {
            memcpy(out + o, "/{rest}", 7);
            o += 7;
            break;
        }
        out[o++] = '/';
        if (kind) {
            out[o++] = '{';
            memcpy(out + o, kind, strlen(kind));
            o += strlen(kind);
            out[o++] = '}';
        } else {
            memcpy(out + o, seg, n);
            o += n;
        }
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    return o;
}

void rp_value_type(const char *v, size_t n, const char **type, const char **format)
{
    *type = "string";
    *format = NULL;
    if (rp_resident_id_shape(v, n)) {
        *format = "idcard";
        return;
    }
    if (is_mobile(v, n)) {
        *format = "phone";
        return;
    }
    if ((n == 4 && memcmp(v, "true", 4) == 0) || (n == 5 && memcmp(v, "false", 5) == 0)) {
        *type = "boolean";
        return;
    }
    size_t i = (n > 1 && v[0] == '-') ? 1 : 0;
    size_t d = i;
    while (d < n && is_digit((unsigned char)v[d]))
        d++;
    if (d > i && d == n && n - i <= 15) {
        *type = "integer";
        return;
    }
    if (d > i && d < n && v[d] == '.' && d + 1 < n && all_digits(v + d + 1, n - d - 1) && n <= 32) {
        *type = "number";
        return;
    }
    if (is_uuid(v, n))
        *format = "uuid";
    else if (is_date(v, n))
        *format = n == 10 ? "date" : (n > 10 && v[10] == 'T' ? "date-time" : NULL);
    else if (is_email(v, n))
        *format = "email";
}
