/*
 * op_ip.c — @ipMatch and @ipMatchFromFile: is the value an address inside
 * one of the listed IPv4/IPv6 addresses or CIDR ranges?
 *
 * One address space: IPv4 entries and values are mapped into IPv6
 * (::ffff:a.b.c.d, prefix + 96), so "10.0.0.0/8" also covers the value
 * "::ffff:10.1.2.3" as a dual-stack listener reports it. A consequence to
 * know: "::/0" covers IPv4 too.
 *
 * Lookup: the entries, host bits cleared, are sorted by (prefix length,
 * address); a lookup masks the value once per distinct prefix length
 * present and binary-searches that length's slice. At most 129 lengths,
 * usually two or three: O(L log N) with no allocation, fine for block lists
 * of 100k entries.
 *
 * Parameter: entries separated by commas and/or blanks. File: one or more
 * entries per line, '#' starts a comment, blank lines skipped (a file path
 * is relative to base_dir unless absolute). A malformed entry is a load
 * error naming it; a value that is not an address never matches.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operator.h"

void *op_ip_compile(const char *param, size_t len, const char *base_dir, char *err, size_t err_len);
void *op_ipfile_compile(const char *param, size_t len, const char *base_dir, char *err,
                        size_t err_len);
void op_ip_free(void *state);
rp_op_result_t op_ip_execute(const void *state, const char *value, size_t len, const char *param,
                             size_t param_len, rp_op_captures_t *cap);

typedef struct {
    uint8_t a[16];
    uint8_t bits;
} ip_net_t;

typedef struct {
    ip_net_t *nets; /* sorted by (bits, a) */
    size_t n, cap;
    /* For each prefix length present: its slice [start, start+count). */
    uint8_t nlens;
    uint8_t lens[129];
    size_t start[129], count[129];
} ip_set_t;

static void mask(uint8_t a[16], unsigned bits)
{
    for (unsigned i = 0; i < 16; i++) {
        if (bits >= 8) {
            bits -= 8;
        } else {
            a[i] &= (uint8_t)(0xFF00u >> bits);
            bits = 0;
        }
    }
}

/* Text of one address (no prefix) into 16 bytes; *v4 says it was IPv4. */
static bool parse_addr(const char *s, size_t len, uint8_t out[16], bool *v4)
{
    char buf[64];
    if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    uint8_t a4[4];
    if (inet_pton(AF_INET, buf, a4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xFF;
        memcpy(out + 12, a4, 4);
        *v4 = true;
        return true;
    }
    *v4 = false;
    return inet_pton(AF_INET6, buf, out) == 1;
}

/* "addr" or "addr/bits" into a network. */
static bool parse_net(const char *s, size_t len, ip_net_t *net)
{
    const char *slash = memchr(s, '/', len);
    size_t al = slash ? (size_t)(slash - s) : len;
    bool v4;
    if (!parse_addr(s, al, net->a, &v4))
        return false;
    unsigned max = v4 ? 32 : 128, bits = max;
    if (slash) {
        const char *d = slash + 1, *end = s + len;
        if (d == end || end - d > 3)
            return false;
        bits = 0;
        for (; d < end; d++) {
            if (*d < '0' || *d > '9')
                return false;
            bits = bits * 10 + (unsigned)(*d - '0');
        }
        if (bits > max)
            return false;
    }
    if (v4)
        bits += 96;
    net->bits = (uint8_t)bits;
    mask(net->a, bits);
    return true;
}

static int add_net(ip_set_t *set, const char *s, size_t len, char *err, size_t err_len)
{
    ip_net_t net;
    if (!parse_net(s, len, &net)) {
        snprintf(err, err_len, "@ipMatch: invalid address or network \"%.*s\"",
                 (int)(len > 64 ? 64 : len), s);
        return -1;
    }
    if (set->n == set->cap) {
        size_t ncap = set->cap ? 2 * set->cap : 16;
        ip_net_t *nn = realloc(set->nets, ncap * sizeof(*nn));
        if (!nn) {
            snprintf(err, err_len, "out of memory");
            return -1;
        }
        set->nets = nn;
        set->cap = ncap;
    }
    set->nets[set->n++] = net;
    return 0;
}

static bool sep(char c)
{
    return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Add every entry of s[0..len) (comma/blank separated); returns count. */
static long add_list(ip_set_t *set, const char *s, size_t len, char *err, size_t err_len)
{
    long n = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && sep(s[i]))
            i++;
        size_t b = i;
        while (i < len && !sep(s[i]))
            i++;
        if (i > b) {
            if (add_net(set, s + b, i - b, err, err_len) < 0)
                return -1;
            n++;
        }
    }
    return n;
}

static int cmp_net(const void *x, const void *y)
{
    const ip_net_t *a = x, *b = y;
    if (a->bits != b->bits)
        return a->bits < b->bits ? -1 : 1;
    return memcmp(a->a, b->a, 16);
}

static ip_set_t *set_finish(ip_set_t *set, char *err, size_t err_len, const char *what)
{
    if (set->n == 0) {
        snprintf(err, err_len, "%s: no addresses", what);
        op_ip_free(set);
        return NULL;
    }
    qsort(set->nets, set->n, sizeof(*set->nets), cmp_net);
    for (size_t i = 0; i < set->n; i++) {
        if (set->nlens == 0 || set->lens[set->nlens - 1] != set->nets[i].bits) {
            set->lens[set->nlens] = set->nets[i].bits;
            set->start[set->nlens] = i;
            set->count[set->nlens] = 0;
            set->nlens++;
        }
        set->count[set->nlens - 1]++;
    }
    return set;
}

void *op_ip_compile(const char *param, size_t len, const char *base_dir, char *err, size_t err_len)
{
    (void)base_dir;
    ip_set_t *set = calloc(1, sizeof(*set));
    if (!set) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    if (add_list(set, param, len, err, err_len) < 0) {
        op_ip_free(set);
        return NULL;
    }
    return set_finish(set, err, err_len, "@ipMatch");
}

static int read_ip_file(ip_set_t *set, const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_len, "@ipMatchFromFile: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    unsigned long lineno = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        char *hash = memchr(line, '#', (size_t)n);
        size_t l = hash ? (size_t)(hash - line) : (size_t)n;
        char e[200];
        if (add_list(set, line, l, e, sizeof(e)) < 0) {
            snprintf(err, err_len, "%s:%lu: %s", path, lineno, e);
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

void *op_ipfile_compile(const char *param, size_t len, const char *base_dir, char *err,
                        size_t err_len)
{
    ip_set_t *set = calloc(1, sizeof(*set));
    if (!set) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    size_t i = 0, nfiles = 0;
    while (i < len) {
        while (i < len && sep(param[i]) && param[i] != ',')
            i++;
        size_t b = i;
        while (i < len && !(sep(param[i]) && param[i] != ','))
            i++;
        if (i == b)
            break;
        char path[4096];
        int pl;
        if (param[b] == '/' || !base_dir || !base_dir[0])
            pl = snprintf(path, sizeof(path), "%.*s", (int)(i - b), param + b);
        else
            pl = snprintf(path, sizeof(path), "%s/%.*s", base_dir, (int)(i - b), param + b);
        if (pl < 0 || (size_t)pl >= sizeof(path)) {
            snprintf(err, err_len, "@ipMatchFromFile: path too long");
            op_ip_free(set);
            return NULL;
        }
        if (read_ip_file(set, path, err, err_len) < 0) {
            op_ip_free(set);
            return NULL;
        }
        nfiles++;
    }
    if (nfiles == 0) {
        snprintf(err, err_len, "@ipMatchFromFile: no file given");
        op_ip_free(set);
        return NULL;
    }
    return set_finish(set, err, err_len, "@ipMatchFromFile");
}

void op_ip_free(void *state)
{
    ip_set_t *set = state;
    if (!set)
        return;
    free(set->nets);
    free(set);
}

rp_op_result_t op_ip_execute(const void *state, const char *value, size_t len, const char *param,
                             size_t param_len, rp_op_captures_t *cap)
{
    (void)param;
    (void)param_len;
    const ip_set_t *set = state;
    uint8_t a[16];
    bool v4;
    size_t b = 0, e = len;
    while (b < e && (value[b] == ' ' || value[b] == '\t'))
        b++;
    while (e > b && (value[e - 1] == ' ' || value[e - 1] == '\t'))
        e--;
    if (!parse_addr(value + b, e - b, a, &v4))
        return RP_OP_NOMATCH;
    for (unsigned k = 0; k < set->nlens; k++) {
        ip_net_t key;
        memcpy(key.a, a, 16);
        key.bits = set->lens[k];
        mask(key.a, key.bits);
        if (bsearch(&key, set->nets + set->start[k], set->count[k], sizeof(ip_net_t), cmp_net)) {
            if (cap) {
                cap->group[0].p = value + b;
                cap->group[0].len = e - b;
                cap->n = 1;
            }
            return RP_OP_MATCH;
        }
    }
    return RP_OP_NOMATCH;
}
