/*
 * collections_shared.c — a collection store in memory a host provides:
 * the record table (collection_table.c) allocated with the host's
 * allocator under the host's lock. The nginx module hands it a slab pool in
 * a shared-memory zone and the pool's shmtx lock, so every worker reads and
 * updates the same records, and a reload that keeps the zone keeps them.
 * The table's address lives in *host.root, inside that memory.
 */
#include <stdlib.h>
#include <string.h>

#include "collections.h"

typedef struct {
    rp_collections_t head;
    rp_collections_host_t host;
    ct_alloc_t alloc;
} shared_store_t;

/* Lock held. */
static ct_table_t *table(shared_store_t *s)
{
    if (!*s->host.root)
        *s->host.root = ct_create(&s->alloc, ct_buckets_for(s->host.capacity));
    return *s->host.root;
}

static rp_status_t shared_load(rp_collections_t *c, const char *key, size_t key_len, long long now,
                               rp_arena_t *arena, coll_record_t *out)
{
    shared_store_t *s = (shared_store_t *)c;
    s->host.lock(s->host.ctx);
    ct_table_t *t = table(s);
    rp_status_t rc = t ? ct_load(t, &s->alloc, key, key_len, now, arena, out) : RP_NOMEM;
    s->host.unlock(s->host.ctx);
    return rc;
}

static rp_status_t shared_apply(rp_collections_t *c, const char *key, size_t key_len,
                                const coll_op_t *ops, size_t nops, long long now, long long timeout)
{
    shared_store_t *s = (shared_store_t *)c;
    bool first_eviction = false;
    s->host.lock(s->host.ctx);
    ct_table_t *t = table(s);
    rp_status_t rc =
        t ? ct_apply(t, &s->alloc, key, key_len, ops, nops, now, timeout, &first_eviction)
          : RP_NOMEM;
    s->host.unlock(s->host.ctx);
    if (first_eviction) {
        const char *msg = "collections: shared zone full, evicting the least recently updated "
                          "records (counted as \"evicted\")";
        if (s->host.log)
            s->host.log(s->host.ctx, msg);
        else
            coll_log(c, "%s", msg);
    }
    return rc;
}

static rp_status_t shared_rate_take(rp_collections_t *c, const char *key, size_t key_len,
                                    const rp_rl_state_step_t *step)
{
    shared_store_t *s = (shared_store_t *)c;
    bool first_eviction = false;
    s->host.lock(s->host.ctx);
    ct_table_t *t = table(s);
    rp_status_t rc = t ? ct_rate_take(t, &s->alloc, key, key_len, step, &first_eviction) : RP_NOMEM;
    s->host.unlock(s->host.ctx);
    if (first_eviction && s->host.log)
        s->host.log(s->host.ctx, "collections: shared zone full, evicting the least recently "
                                 "updated records (counted as \"evicted\")");
    return rc;
}

static void shared_stats(rp_collections_t *c, rp_collections_stats_t *out)
{
    shared_store_t *s = (shared_store_t *)c;
    s->host.lock(s->host.ctx);
    ct_stats(*s->host.root, out);
    s->host.unlock(s->host.ctx);
}

static void shared_destroy(rp_collections_t *c)
{
    /* the records belong to the host's memory and outlive this process */
    free(c);
}

static const coll_backend_t shared_backend = {
    .load = shared_load,
    .apply = shared_apply,
    .rate_take = shared_rate_take,
    .stats = shared_stats,
    .destroy = shared_destroy,
};

static void *host_alloc(void *ctx, size_t size)
{
    const rp_collections_host_t *h = ctx;
    return h->alloc(h->ctx, size);
}

static void host_free(void *ctx, void *p)
{
    const rp_collections_host_t *h = ctx;
    if (p)
        h->free(h->ctx, p);
}

rp_collections_t *rp_collections_shared_new(const rp_collections_host_t *host)
{
    if (!host || !host->lock || !host->unlock || !host->alloc || !host->free || !host->root)
        return NULL;
    shared_store_t *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    coll_init(&s->head, &shared_backend);
    s->host = *host;
    s->alloc = (ct_alloc_t){host_alloc, host_free, &s->host};
    return &s->head;
}
