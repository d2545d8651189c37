/*
 * collections.h — the persistent collection store inside the engine: the
 * backend interface every store implements, the changes a transaction
 * writes back, and the record table the memory and shared stores share.
 *
 * A transaction never holds a store's lock while rules run: initcol copies
 * the record into the transaction (coll_load), setvar/expirevar are recorded
 * as operations, and the transaction's commit replays them on the stored
 * record under the lock, reading it again first (coll_apply). Two workers
 * that both add 1 to ip.counter therefore add 2, whatever they loaded.
 */
#ifndef RAMPART_COLLECTIONS_INTERNAL_H
#define RAMPART_COLLECTIONS_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "rampart/collections.h"
#include "rampart/ratelimit.h"

/* Bounds that keep a hostile key or value from filling a store. */
#define COLL_MAX_KEY   256  /* "collection:key" */
#define COLL_MAX_NAME  128  /* variable name */
#define COLL_MAX_VALUE 4096 /* longer values are cut */
#define COLL_MAX_VARS  256  /* variables of one record */
#define COLL_MAX_OPS   256  /* changes of one record by one transaction */

#define COLL_DEFAULT_TIMEOUT 3600 /* SecCollectionTimeout's default */
#define COLL_MAX_TIMEOUT     (10LL * 365 * 24 * 3600)

typedef enum {
    COLL_OP_SET = 0, /* name = value */
    COLL_OP_ADD,     /* name += num (setvar =+N and =-N) */
    COLL_OP_DELETE,  /* !name */
    COLL_OP_EXPIRE,  /* name disappears num seconds after the commit */
    COLL_OP_TIMEOUT  /* the record's timeout becomes num seconds */
} coll_op_kind_t;

typedef struct {
    coll_op_kind_t kind;
    const char *name; /* lower case */
    size_t name_len;
    const char *value; /* COLL_OP_SET */
    size_t value_len;
    long long num; /* ADD, EXPIRE, TIMEOUT */
} coll_op_t;

typedef struct {
    const char *name;
    const char *value;
    size_t name_len, value_len;
} coll_var_t;

/* A record as a transaction sees it (arena copies). */
typedef struct {
    bool found; /* false: no live record, IS_NEW */
    long long create_time, last_update, update_counter, timeout;
    coll_var_t *vars;
    size_t nvars;
} coll_record_t;

typedef struct ct_table ct_table_t;
struct rp_rl_state_step;
struct rp_rl_batch_item;
typedef struct ct_alloc ct_alloc_t;

typedef struct {
    /* Copy the live record key[0..key_len) ("ip:10.0.0.7") into arena
     * memory; RP_OK with found=false when there is none; RP_ERROR when the
     * store cannot answer (the rules then see an empty record). */
    rp_status_t (*load)(rp_collections_t *c, const char *key, size_t key_len, long long now,
                        rp_arena_t *arena, coll_record_t *out);
    /* Replay ops on the record, creating it when needed; timeout is the
     * record's timeout when it has none yet. */
    rp_status_t (*apply)(rp_collections_t *c, const char *key, size_t key_len, const coll_op_t *ops,
                         size_t nops, long long now, long long timeout);
    void (*stats)(rp_collections_t *c, rp_collections_stats_t *out);
    void (*destroy)(rp_collections_t *c);
    /* A rate-limit decision on the record in one atomic step (ratelimit.c):
     * under the store's lock, or in one Redis script. */
    rp_status_t (*rate_take)(rp_collections_t *c, const char *key, size_t key_len,
                             const struct rp_rl_state_step *step);
    /* Optional: n decisions in one exchange with the store (Redis: one
     * pipelined batch of scripts that decide server-side from step->rule
     * and step->now_us and fill step->out); status[i] as rate_take's. */
    void (*rate_take_batch)(rp_collections_t *c, const struct rp_rl_batch_item *items, size_t n,
                            rp_status_t *status);
} coll_backend_t;

/* ------------------------------------------------ rate limits
 * (ratelimit.c): the state of one key is two numbers, stored as the
 * record's variables "a" and "b"; step computes the new state and the
 * decision from the old one (0, 0 when there is none). */
typedef struct rp_rl_state_step {
    void (*fn)(const struct rp_rl_state_step *step, long long a, long long b, long long *new_a,
               long long *new_b);
    void *ctx;
    long long timeout_s; /* the record's lifetime when it is created */
    /* the same decision for stores that compute it themselves (Redis) */
    const rp_rl_rule_t *rule;
    uint64_t now_us;
    rp_rl_decision_t *out;
} rp_rl_state_step_t;

typedef struct rp_rl_batch_item {
    const char *key;
    size_t key_len;
    const rp_rl_state_step_t *step;
} rp_rl_batch_item_t;

/* The memory and shared stores' rate_take: lock held by the caller. */
rp_status_t ct_rate_take(ct_table_t *t, const ct_alloc_t *a, const char *key, size_t key_len,
                         const rp_rl_state_step_t *step, bool *first_eviction);

/* The head of every store (the backends embed it first). */
struct rp_collections {
    const coll_backend_t *be;
    void (*log_fn)(void *ctx, const char *msg);
    void *log_ctx;
    /* counted here for every backend */
    atomic_uint_fast64_t loads, commits, dropped, errors;
};

void coll_init(rp_collections_t *c, const coll_backend_t *be);
void coll_log(rp_collections_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
rp_status_t coll_load(rp_collections_t *c, const char *key, size_t key_len, long long now,
                      rp_arena_t *arena, coll_record_t *out);
rp_status_t coll_apply(rp_collections_t *c, const char *key, size_t key_len, const coll_op_t *ops,
                       size_t nops, long long now, long long timeout);

/* ------------------------------------------------ the record table
 * (collection_table.c): a hash table of records with a least-recently-
 * updated list, in memory that an allocator hands out. The caller holds
 * the lock around every call. */

struct ct_alloc {
    void *(*alloc)(void *ctx, size_t size); /* NULL when full */
    void (*free)(void *ctx, void *p);
    void *ctx;
};

/* buckets: a power of two. NULL when out of memory. */
ct_table_t *ct_create(const ct_alloc_t *a, size_t buckets);
void ct_destroy(ct_table_t *t, const ct_alloc_t *a);
rp_status_t ct_load(ct_table_t *t, const ct_alloc_t *a, const char *key, size_t key_len,
                    long long now, rp_arena_t *arena, coll_record_t *out);
/* Returns RP_NOMEM when some change found no room even after eviction (the
 * others are applied); *first_eviction tells the caller to log. */
rp_status_t ct_apply(ct_table_t *t, const ct_alloc_t *a, const char *key, size_t key_len,
                     const coll_op_t *ops, size_t nops, long long now, long long timeout,
                     bool *first_eviction);
void ct_stats(const ct_table_t *t, rp_collections_stats_t *out);
/* Buckets for a store of capacity bytes (one per KiB, 64..1M). */
size_t ct_buckets_for(size_t capacity);

/* The numeric value of a stored string as setvar's arithmetic reads it
 * (leading integer, 0 when none). */
long long coll_number(const char *s, size_t len);

#endif
