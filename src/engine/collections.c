/*
 * collections.c — what every collection store shares: the counters kept
 * for all backends, logging, and the public entry points that dispatch to
 * a backend (collections_memory.c, collections_shared.c,
 * collections_redis.c).
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections.h"

void coll_init(rp_collections_t *c, const coll_backend_t *be)
{
    c->be = be;
    c->log_fn = NULL;
    c->log_ctx = NULL;
    atomic_init(&c->loads, 0);
    atomic_init(&c->commits, 0);
    atomic_init(&c->dropped, 0);
    atomic_init(&c->errors, 0);
}

void coll_log(rp_collections_t *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->log_fn)
        c->log_fn(c->log_ctx, msg);
    else
        fprintf(stderr, "rampart: %s\n", msg);
}

void rp_collections_set_log(rp_collections_t *c, void (*fn)(void *ctx, const char *msg), void *ctx)
{
    c->log_fn = fn;
    c->log_ctx = ctx;
}

rp_status_t coll_load(rp_collections_t *c, const char *key, size_t key_len, long long now,
                      rp_arena_t *arena, coll_record_t *out)
{
    atomic_fetch_add_explicit(&c->loads, 1, memory_order_relaxed);
    rp_status_t rc = c->be->load(c, key, key_len, now, arena, out);
    if (rc != RP_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

rp_status_t coll_apply(rp_collections_t *c, const char *key, size_t key_len, const coll_op_t *ops,
                       size_t nops, long long now, long long timeout)
{
    rp_status_t rc = c->be->apply(c, key, key_len, ops, nops, now, timeout);
    if (rc == RP_OK)
        atomic_fetch_add_explicit(&c->commits, 1, memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&c->dropped, 1, memory_order_relaxed);
    return rc;
}

void rp_collections_stats(rp_collections_t *c, rp_collections_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!c)
        return;
    c->be->stats(c, out);
    out->loads = atomic_load_explicit(&c->loads, memory_order_relaxed);
    out->commits = atomic_load_explicit(&c->commits, memory_order_relaxed);
    out->dropped = atomic_load_explicit(&c->dropped, memory_order_relaxed);
    out->errors = atomic_load_explicit(&c->errors, memory_order_relaxed);
}

void rp_collections_free(rp_collections_t *c)
{
    if (c)
        c->be->destroy(c);
}

long long coll_number(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)s[i]))
        i++;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    long long v = 0;
    /* saturate instead of overflowing: counters are attacker-driven */
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
        v = v > (LLONG_MAX - 9) / 10 ? LLONG_MAX : v * 10 + (s[i] - '0');
    return neg ? -v : v;
}
