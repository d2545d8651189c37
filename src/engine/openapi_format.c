/*
 * openapi_format.c — the string formats OpenAPI schemas name, checked as
 * their standards define them: date and date-time (RFC 3339 section 5.6),
 * email (RFC 5321 mailbox, the dot-atom form), uuid (RFC 4122 textual
 * form), ipv4 and ipv6 (RFC 2673 dotted quad, RFC 4291 text). Formats
 * not listed here are annotations: JSON Schema says they need not be
 * checked.
 */
#include <arpa/inet.h>
#include <string.h>

#include "openapi_t.h"

api_format_t api_format_named(const char *name)
{
    static const struct {
        const char *name;
        api_format_t f;
    } names[] = {
        {"date", API_FMT_DATE},   {"date-time", API_FMT_DATE_TIME}, {"email", API_FMT_EMAIL},
        {"uuid", API_FMT_UUID},   {"ipv4", API_FMT_IPV4},           {"ipv6", API_FMT_IPV6},
        {"int32", API_FMT_INT32}, {"int64", API_FMT_INT64},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i].name) == 0)
            return names[i].f;
    return API_FMT_NONE;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* full-date = YYYY-MM-DD, with the month's real length */
static bool date_ok(const char *s, size_t len)
{
    if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return false;
    int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    int max = days[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

/* full-time = HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); leap second 60 allowed */
static bool time_ok(const char *s, size_t len)
{
    if (len < 9 || s[2] != ':' || s[5] != ':' || !digits(s, 2) || !digits(s + 3, 2) ||
        !digits(s + 6, 2) || num(s, 2) > 23 || num(s + 3, 2) > 59 || num(s + 6, 2) > 60)
        return false;
    size_t i = 8;
    if (s[i] == '.') {
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z'))
        return true;
    if (i + 6 != len || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':' || !digits(s + i + 1, 2) ||
        !digits(s + i + 4, 2))
        return false;
    return num(s + i + 1, 2) <= 23 && num(s + i + 4, 2) <= 59;
}

static bool date_time_ok(const char *s, size_t len)
{
    return len > 11 && (s[10] == 'T' || s[10] == 't' || s[10] == ' ') && date_ok(s, 10) &&
           time_ok(s + 11, len - 11);
}

static bool atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$%&'*+-/=?^_`{|}~", c) || c >= 0x80;
}

/* local@domain: dot-atoms, a domain of at least two labels */
static bool email_ok(const char *s, size_t len)
{
    const char *at = memchr(s, '@', len);
    if (!at || len > 254)
        return false;
    size_t local = (size_t)(at - s), dlen = len - local - 1;
    if (local == 0 || local > 64 || dlen < 3)
        return false;
    for (size_t i = 0; i < local; i++)
        if (!(atext((unsigned char)s[i]) ||
              (s[i] == '.' && i > 0 && i + 1 < local && s[i + 1] != '.')))
            return false;
    const char *d = at + 1;
    bool dot = false;
    size_t label = 0;
    for (size_t i = 0; i < dlen; i++) {
        unsigned char c = (unsigned char)d[i];
        if (c == '.') {
            if (label == 0 || d[i - 1] == '-')
                return false;
            dot = true;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c >= 0x80 || (c == '-' && label > 0)) {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return dot && label > 0;
}

static bool uuid_ok(const char *s, size_t len)
{
    if (len != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = s[i];
        if (dash ? c != '-'
                 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

/* dotted quad, no leading zeros (they read as octal elsewhere) */
static bool ipv4_ok(const char *s, size_t len)
{
    int parts = 0;
    size_t i = 0;
    while (i <= len) {
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        size_t n = i - start;
        if (n == 0 || n > 3 || (n > 1 && s[start] == '0') || num(s + start, n) > 255)
            return false;
        parts++;
        if (i == len)
            break;
        if (s[i] != '.' || parts == 4)
            return false;
        i++;
    }
    return parts == 4;
}

static bool ipv6_ok(const char *s, size_t len)
{
    char buf[64];
    unsigned char addr[16];
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return inet_pton(AF_INET6, buf, addr) == 1;
}

bool api_format_ok(api_format_t f, const char *s, size_t len)
{
    switch (f) {
    case API_FMT_DATE:
        return date_ok(s, len);
    case API_FMT_DATE_TIME:
        return date_time_ok(s, len);
    case API_FMT_EMAIL:
        return email_ok(s, len);
    case API_FMT_UUID:
        return uuid_ok(s, len);
    case API_FMT_IPV4:
        return ipv4_ok(s, len);
    case API_FMT_IPV6:
        return ipv6_ok(s, len);
    default:
        return true;
    }
}
