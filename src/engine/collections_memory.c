/*
 * collections_memory.c — the in-process collection store: the record table
 * (collection_table.c) in malloc'd memory under a mutex, with a byte budget
 * so a flood of distinct keys evicts old records instead of growing without
 * bound. Used by the CLI, the tests and any host that attaches no store of
 * its own; in nginx each worker would have its own copy, which is why the
 * module offers a shared zone instead (docs/NGINX.md).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "collections.h"

#define DEFAULT_BUDGET (16u * 1024 * 1024)

typedef struct {
    rp_collections_t head;
    pthread_mutex_t lock;
    ct_alloc_t alloc;
    ct_table_t *table; /* created on first use */
    size_t budget, used;
} memory_store_t;

/* Each block carries its size so free can give the budget back. */
typedef union {
    size_t size;
    max_align_t align;
} block_head_t;

static void *budget_alloc(void *ctx, size_t size)
{
    memory_store_t *m = ctx;
    if (size > m->budget - m->used)
        return NULL;
    block_head_t *b = malloc(sizeof(*b) + size);
    if (!b)
        return NULL;
    b->size = size;
    m->used += size;
    return b + 1;
}

static void budget_free(void *ctx, void *p)
{
    memory_store_t *m = ctx;
    if (!p)
        return;
    block_head_t *b = (block_head_t *)p - 1;
    m->used -= b->size;
    free(b);
}

/* Lock held. */
static ct_table_t *table(memory_store_t *m)
{
    if (!m->table)
        m->table = ct_create(&m->alloc, ct_buckets_for(m->budget));
    return m->table;
}

static rp_status_t memory_load(rp_collections_t *c, const char *key, size_t key_len, long long now,
                               rp_arena_t *arena, coll_record_t *out)
{
    memory_store_t *m = (memory_store_t *)c;
    pthread_mutex_lock(&m->lock);
    ct_table_t *t = table(m);
    rp_status_t rc = t ? ct_load(t, &m->alloc, key, key_len, now, arena, out) : RP_NOMEM;
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static void log_full(memory_store_t *m)
{
    coll_log(&m->head,
             "collections: memory store full (%zu bytes), evicting the least recently "
             "updated records",
             m->budget);
}

static rp_status_t memory_apply(rp_collections_t *c, const char *key, size_t key_len,
                                const coll_op_t *ops, size_t nops, long long now, long long timeout)
{
    memory_store_t *m = (memory_store_t *)c;
    bool first_eviction = false;
    pthread_mutex_lock(&m->lock);
    ct_table_t *t = table(m);
    rp_status_t rc =
        t ? ct_apply(t, &m->alloc, key, key_len, ops, nops, now, timeout, &first_eviction)
          : RP_NOMEM;
    pthread_mutex_unlock(&m->lock);
    if (first_eviction)
        log_full(m);
    return rc;
}

static rp_status_t memory_rate_take(rp_collections_t *c, const char *key, size_t key_len,
                                    const rp_rl_state_step_t *step)
{
    memory_store_t *m = (memory_store_t *)c;
    bool first_eviction = false;
    pthread_mutex_lock(&m->lock);
    ct_table_t *t = table(m);
    rp_status_t rc = t ? ct_rate_take(t, &m->alloc, key, key_len, step, &first_eviction) : RP_NOMEM;
    pthread_mutex_unlock(&m->lock);
    if (first_eviction)
        log_full(m);
    return rc;
}

static void memory_stats(rp_collections_t *c, rp_collections_stats_t *out)
{
    memory_store_t *m = (memory_store_t *)c;
    pthread_mutex_lock(&m->lock);
    ct_stats(m->table, out);
    pthread_mutex_unlock(&m->lock);
}

static void memory_destroy(rp_collections_t *c)
{
    memory_store_t *m = (memory_store_t *)c;
    ct_destroy(m->table, &m->alloc);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static const coll_backend_t memory_backend = {
    .load = memory_load,
    .apply = memory_apply,
    .rate_take = memory_rate_take,
    .stats = memory_stats,
    .destroy = memory_destroy,
};

rp_collections_t *rp_collections_memory_new(size_t max_bytes)
{
    memory_store_t *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    coll_init(&m->head, &memory_backend);
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        return NULL;
    }
    m->budget = max_bytes ? max_bytes : DEFAULT_BUDGET;
    m->alloc = (ct_alloc_t){budget_alloc, budget_free, m};
    return &m->head;
}
