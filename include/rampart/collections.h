/*
 * collections.h — where SecLang's persistent collections (IP, GLOBAL,
 * SESSION, USER, RESOURCE) live between transactions.
 *
 * A store holds records keyed by (collection, key) — "ip" + "10.0.0.7" —
 * each a set of variables with optional per-variable expiry and a record
 * timeout (docs/SECLANG.md, "Persistent collections"). Three backends share
 * one interface:
 *
 *   memory   in this process, bounded, thread-safe (the default; the CLI and
 *            tests use it; each nginx worker would hold its own);
 *   shared   records in memory the host provides with its own allocator and
 *            lock — the nginx module puts them in a shared-memory zone so
 *            every worker sees the same IP and GLOBAL data;
 *   redis    one Redis hash per record, changed by a server-side script so
 *            concurrent increments from many hosts add up; fail-open.
 *
 * A transaction uses, in this order: the store its policy configures
 * explicitly ("collections" directive, docs/POLICY.md), the store its host
 * attached with rp_tx_set_collections, or its policy's own memory store.
 *
 * Ownership: the constructors return a store owned by the caller, freed with
 * rp_collections_free once no transaction uses it. Every function is safe
 * from any thread.
 */
#ifndef RAMPART_COLLECTIONS_H
#define RAMPART_COLLECTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "rampart/status.h"
#include "rampart/transaction.h"

typedef struct rp_collections rp_collections_t;

/* A store in this process using at most max_bytes for records (0: 16 MiB);
 * when full, expired records go first, then the least recently updated. */
rp_collections_t *rp_collections_memory_new(size_t max_bytes);

/* Memory, lock and log of a host, for a store shared by processes. alloc
 * and free are only called with the lock held; alloc returns NULL when the
 * memory is full (the store then evicts and retries). *root is where the
 * store keeps its table: NULL the first time (the store creates it), the
 * same value for every process and across restarts of the store that must
 * see the same records. log, when not NULL, reports a store-wide condition
 * once (the first eviction). */
typedef struct {
    void *ctx;
    void (*lock)(void *ctx);
    void (*unlock)(void *ctx);
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *p);
    void (*log)(void *ctx, const char *msg);
    void **root;
    size_t capacity; /* bytes the host can give, to size the hash table */
} rp_collections_host_t;

/* A store in host memory. The host struct is copied; *root must outlive
 * the store. Returns NULL when out of memory. */
rp_collections_t *rp_collections_shared_new(const rp_collections_host_t *host);

/* A Redis store: url is redis://HOST:PORT[/DB]; timeout_ms bounds connecting
 * and each command (0: 50 ms). Connections are made on first use, one per
 * process. When Redis fails the store fails open: rules see empty
 * collections, changes are dropped, the error is counted and logged (at most
 * once every 10 s), and Redis is not retried for a second. Returns NULL with
 * *err filled when the URL is malformed. */
rp_collections_t *rp_collections_redis_new(const char *url, unsigned timeout_ms, rp_error_t *err);

void rp_collections_free(rp_collections_t *c);

/* Where the store's log lines go (default: stderr). fn is called from the
 * thread that met the condition. */
void rp_collections_set_log(rp_collections_t *c, void (*fn)(void *ctx, const char *msg), void *ctx);

typedef struct {
    uint64_t records; /* held now (memory and shared stores) */
    uint64_t loads;   /* records read by initcol */
    uint64_t commits; /* records written back */
    uint64_t evicted; /* live records removed to make room */
    uint64_t expired; /* records removed because their timeout passed */
    uint64_t dropped; /* changes lost: no room, or bounds exceeded */
    uint64_t errors;  /* Redis: failed connections and commands */
} rp_collections_stats_t;

void rp_collections_stats(rp_collections_t *c, rp_collections_stats_t *out);

/* The store this transaction's initcol uses unless its policy names one
 * (call before rp_tx_request_headers_done). The store must outlive tx. */
void rp_tx_set_collections(rp_tx_t *tx, rp_collections_t *c);

#endif
