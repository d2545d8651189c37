/*
 * ip_ranges.c — see ip_ranges.h. Prefix syntax per RFC 4632 (IPv4 CIDR)
 * and RFC 4291 section 2.3 (IPv6 prefixes).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip_ranges.h"

typedef struct {
    uint32_t lo, hi;
} v4_range_t;

typedef struct {
    unsigned __int128 lo, hi;
} v6_range_t;

struct ip_ranges {
    v4_range_t *v4;
    size_t n4, cap4;
    v6_range_t *v6;
    size_t n6, cap6;
};

static unsigned __int128 v6_value(const uint8_t b[16])
{
    unsigned __int128 v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 8 | b[i];
    return v;
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 1024;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* One prefix of a line (trimmed, NUL-terminated). */
static int add_prefix(ip_ranges_t *r, char *s, char *why, size_t wl, unsigned line)
{
    char *slash = strchr(s, '/');
    long bits = -1;
    if (slash) {
        char *end;
        *slash = '\0';
        errno = 0;
        bits = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || errno || bits < 0) {
            snprintf(why, wl, "line %u: bad prefix length", line);
            return -1;
        }
    }
    uint8_t b[16];
    if (inet_pton(AF_INET, s, b) == 1) {
        if (bits > 32) {
            snprintf(why, wl, "line %u: an IPv4 prefix is at most /32", line);
            return -1;
        }
        unsigned n = bits < 0 ? 32 : (unsigned)bits;
        uint32_t a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        uint32_t mask = n ? ~0u << (32 - n) : 0;
        if (grow((void **)&r->v4, &r->cap4, r->n4, sizeof(*r->v4)) < 0)
            goto nomem;
        r->v4[r->n4++] = (v4_range_t){a & mask, (a & mask) | ~mask};
        return 0;
    }
    if (inet_pton(AF_INET6, s, b) == 1) {
        if (bits > 128) {
            snprintf(why, wl, "line %u: an IPv6 prefix is at most /128", line);
            return -1;
        }
        unsigned n = bits < 0 ? 128 : (unsigned)bits;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (n >= 96 && memcmp(b, mapped, 12) == 0) {
            /* ::ffff:a.b.c.d/n is IPv4's a.b.c.d/(n-96): lookups of
             * mapped addresses search the IPv4 ranges */
            unsigned n4 = n - 96;
            uint32_t a4 =
                (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
            uint32_t m4 = n4 ? ~0u << (32 - n4) : 0;
            if (grow((void **)&r->v4, &r->cap4, r->n4, sizeof(*r->v4)) < 0)
                goto nomem;
            r->v4[r->n4++] = (v4_range_t){a4 & m4, (a4 & m4) | ~m4};
            return 0;
        }
        unsigned __int128 a = v6_value(b), mask = n ? ~(unsigned __int128)0 << (128 - n) : 0;
        if (grow((void **)&r->v6, &r->cap6, r->n6, sizeof(*r->v6)) < 0)
            goto nomem;
        r->v6[r->n6++] = (v6_range_t){a & mask, (a & mask) | ~mask};
        return 0;
    }
    snprintf(why, wl, "line %u: not an IPv4 or IPv6 address or prefix: \"%.60s\"", line, s);
    return -1;
nomem:
    snprintf(why, wl, "out of memory");
    return -1;
}

static int cmp4(const void *a, const void *b)
{
    const v4_range_t *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int cmp6(const void *a, const void *b)
{
    const v6_range_t *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort, then merge overlapping and adjacent ranges, so a lookup finds at
 * most one candidate. */
static void normalise(ip_ranges_t *r)
{
    if (r->n4)
        qsort(r->v4, r->n4, sizeof(*r->v4), cmp4);
    size_t k = 0;
    for (size_t i = 0; i < r->n4; i++) {
        if (k && (r->v4[i].lo <= r->v4[k - 1].hi || r->v4[i].lo - 1 == r->v4[k - 1].hi)) {
            if (r->v4[i].hi > r->v4[k - 1].hi)
                r->v4[k - 1].hi = r->v4[i].hi;
        } else {
            r->v4[k++] = r->v4[i];
        }
    }
    r->n4 = k;
    if (r->n6)
        qsort(r->v6, r->n6, sizeof(*r->v6), cmp6);
    k = 0;
    for (size_t i = 0; i < r->n6; i++) {
        if (k && (r->v6[i].lo <= r->v6[k - 1].hi || r->v6[i].lo - 1 == r->v6[k - 1].hi)) {
            if (r->v6[i].hi > r->v6[k - 1].hi)
                r->v6[k - 1].hi = r->v6[i].hi;
        } else {
            r->v6[k++] = r->v6[i];
        }
    }
    r->n6 = k;
}

ip_ranges_t *ip_ranges_parse(const char *text, size_t len, char *why, size_t why_len)
{
    ip_ranges_t *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    unsigned line = 0;
    for (size_t pos = 0; pos < len;) {
        line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        char buf[128];
        size_t n = end - pos;
        const char *hash = memchr(text + pos, '#', n);
        if (hash)
            n = (size_t)(hash - (text + pos));
        while (n && (text[pos] == ' ' || text[pos] == '\t')) {
            pos++;
            n--;
        }
        while (n &&
               (text[pos + n - 1] == ' ' || text[pos + n - 1] == '\t' || text[pos + n - 1] == '\r'))
            n--;
        if (n >= sizeof(buf)) {
            snprintf(why, why_len, "line %u: longer than a prefix can be", line);
            ip_ranges_free(r);
            return NULL;
        }
        memcpy(buf, text + pos, n);
        buf[n] = '\0';
        if (n && add_prefix(r, buf, why, why_len, line) != 0) {
            ip_ranges_free(r);
            return NULL;
        }
        pos = end + 1;
    }
    normalise(r);
    return r;
}

ip_ranges_t *ip_ranges_load(const char *path, char *why, size_t why_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t c = cap ? cap * 2 : 1 << 20;
            char *q = realloc(buf, c);
            if (!q) {
                free(buf);
                fclose(f);
                snprintf(why, why_len, "out of memory");
                return NULL;
            }
            buf = q;
            cap = c;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    ip_ranges_t *r = ip_ranges_parse(buf ? buf : "", len, why, why_len);
    free(buf);
    return r;
}

bool ip_ranges_contains(const ip_ranges_t *r, const char *addr)
{
    uint8_t b[16];
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const uint8_t *v4 = NULL;
    if (inet_pton(AF_INET, addr, b) == 1)
        v4 = b;
    else if (inet_pton(AF_INET6, addr, b) != 1)
        return false;
    else if (memcmp(b, mapped, 12) == 0)
        v4 = b + 12;
    if (v4) {
        uint32_t a = (uint32_t)v4[0] << 24 | (uint32_t)v4[1] << 16 | (uint32_t)v4[2] << 8 | v4[3];
        size_t lo = 0, hi = r->n4;
        while (lo < hi) { /* the last range starting at or below a */
            size_t mid = lo + (hi - lo) / 2;
            if (r->v4[mid].lo <= a)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo && a <= r->v4[lo - 1].hi;
    }
    unsigned __int128 a = v6_value(b);
    size_t lo = 0, hi = r->n6;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->v6[mid].lo <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo && a <= r->v6[lo - 1].hi;
}

size_t ip_ranges_count(const ip_ranges_t *r)
{
    return r->n4 + r->n6;
}

void ip_ranges_free(ip_ranges_t *r)
{
    if (r) {
        free(r->v4);
        free(r->v6);
        free(r);
    }
}
