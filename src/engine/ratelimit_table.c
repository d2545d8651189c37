/*
 * ratelimit_table.c — a rate-limit decision on a record of the memory or
 * shared store's table (collection_table.c), in one step under the lock
 * the caller holds: read the two state variables, compute, write them
 * back. Reuses the table's records, eviction and expiry as they are.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "collections.h"

/* One arena per thread, reset per decision: no allocation on the hot path
 * once it has grown; freed when the thread exits. */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *arena)
{
    rp_arena_free(arena);
}

static void scratch_init(void)
{
    pthread_key_create(&scratch_key, scratch_free);
}

static rp_arena_t *scratch_arena(void)
{
    pthread_once(&scratch_once, scratch_init);
    rp_arena_t *a = pthread_getspecific(scratch_key);
    if (!a && (a = rp_arena_new(1024, 0)) && pthread_setspecific(scratch_key, a) != 0) {
        rp_arena_free(a);
        a = NULL;
    }
    return a;
}

rp_status_t ct_rate_take(ct_table_t *t, const ct_alloc_t *a, const char *key, size_t key_len,
                         const rp_rl_state_step_t *step, bool *first_eviction)
{
    rp_arena_t *scratch = scratch_arena();
    if (!scratch)
        return RP_NOMEM;
    rp_arena_reset(scratch);
    long long now = (long long)time(NULL);
    coll_record_t rec;
    rp_status_t rc = ct_load(t, a, key, key_len, now, scratch, &rec);
    if (rc != RP_OK)
        return rc;
    long long va = 0, vb = 0;
    for (size_t i = 0; rec.found && i < rec.nvars; i++) {
        const coll_var_t *v = &rec.vars[i];
        if (v->name_len == 1 && v->name[0] == 'a')
            va = coll_number(v->value, v->value_len);
        else if (v->name_len == 1 && v->name[0] == 'b')
            vb = coll_number(v->value, v->value_len);
    }
    long long na, nb;
    step->fn(step, va, vb, &na, &nb);
    char sa[24], sb[24];
    int la = snprintf(sa, sizeof(sa), "%lld", na), lb = snprintf(sb, sizeof(sb), "%lld", nb);
    coll_op_t ops[3] = {
        {.kind = COLL_OP_SET, .name = "a", .name_len = 1, .value = sa, .value_len = (size_t)la},
        {.kind = COLL_OP_SET, .name = "b", .name_len = 1, .value = sb, .value_len = (size_t)lb},
        {.kind = COLL_OP_TIMEOUT, .num = step->timeout_s},
    };
    return ct_apply(t, a, key, key_len, ops, 3, now, step->timeout_s, first_eviction);
}
