/*
 * idrev_stream.c — the revocation stream's format and connection (see
 * idrev_stream.h).
 */
#include "idrev_stream.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

int idrev_redis_parse_url(const char *url, idrev_redis_addr_t *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof(*out));
    out->port = 6379;
    if (strncmp(url, "redis://", 8) != 0) {
        snprintf(why, why_size, "expected redis://HOST[:PORT][/DB]");
        return -1;
    }
    const char *p = url + 8;
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= sizeof(out->host) ||
        strspn(p, "abcdefghijklmnopqrstuvwxyz"
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") < hl) {
        snprintf(why, why_size, "missing, long or odd Redis host");
        return -1;
    }
    memcpy(out->host, p, hl);
    p += hl;
    char *end;
    if (*p == ':') {
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port < 1 || port > 65535) {
            snprintf(why, why_size, "bad Redis port");
            return -1;
        }
        out->port = (int)port;
        p = end;
    }
    if (*p == '/' && p[1]) {
        long db = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end || db < 0 || db > 1024) {
            snprintf(why, why_size, "bad Redis database number");
            return -1;
        }
        out->db = (int)db;
        p = end;
    } else if (*p == '/') {
        p++;
    }
    if (*p) {
        snprintf(why, why_size, "unexpected text after the Redis address");
        return -1;
    }
    return 0;
}

redisContext *idrev_redis_connect(const idrev_redis_addr_t *a, int timeout_ms, char *why,
                                  size_t why_size)
{
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(a->host, a->port, tv);
    if (!c || c->err) {
        snprintf(why, why_size, "%s", c ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    if (a->db) {
        redisReply *r = redisCommand(c, "SELECT %d", a->db);
        int ok = r && r->type == REDIS_REPLY_STATUS;
        snprintf(why, why_size, "%s", !r ? c->errstr : r->type == REDIS_REPLY_ERROR ? r->str : "");
        freeReplyObject(r);
        if (!ok) {
            redisFree(c);
            return NULL;
        }
    }
    return c;
}

int idrev_line_format(const idrev_t *r, char *out, size_t size)
{
    size_t n = strlen(r->ident);
    int sid = strcmp(r->kind, "sid") == 0, user = strcmp(r->kind, "user") == 0;
    if (!(sid && n == 22 && strspn(r->ident, B64URL) == n) &&
        !(user && n > 0 && n <= 18 && strspn(r->ident, "0123456789") == n))
        return -1;
    int len = snprintf(out, size, "%s %s %" PRId64, r->kind, r->ident, r->t);
    return len > 0 && (size_t)len < size && r->t >= 0 ? len : -1;
}

/* A decimal of 1 to max digits that fills [s, s+n), without a leading
 * zero (one way to write each number); -1 otherwise. */
static int64_t decimal(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max || (n > 1 && s[0] == '0'))
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int idrev_entry_parse(const char *id, const char *line, size_t len, idrev_t *out)
{
    memset(out, 0, sizeof(*out));
    const char *dash = id ? strchr(id, '-') : NULL;
    if (!dash || strcmp(dash, "-0") != 0 || (out->seq = decimal(id, (size_t)(dash - id), 18)) <= 0)
        return -1;
    const char *sp1 = memchr(line, ' ', len);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line)) : NULL;
    if (!sp2)
        return -1;
    size_t kl = (size_t)(sp1 - line), il = (size_t)(sp2 - sp1 - 1);
    const char *ident = sp1 + 1;
    if (kl == 3 && memcmp(line, "sid", 3) == 0) {
        for (size_t i = 0; i < il; i++)
            if (!strchr(B64URL, ident[i]) || !ident[i])
                return -1;
        if (il != 22)
            return -1;
    } else if (kl == 4 && memcmp(line, "user", 4) == 0) {
        if (decimal(ident, il, 18) < 0)
            return -1;
    } else {
        return -1;
    }
    memcpy(out->kind, line, kl);
    memcpy(out->ident, ident, il);
    out->t = decimal(sp2 + 1, len - (size_t)(sp2 + 1 - line), 18);
    return out->t < 0 ? -1 : 0;
}
