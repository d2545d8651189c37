/*
 * ratelimit_bench.c — the cost of one rate-limit decision
 * (rp_ratelimit_take), single-threaded, on the memory store and on a
 * shared store (the nginx zone's code path), for one hot key and for
 * 100 000 keys in turn. Prints nanoseconds per decision.
 *
 *   ratelimit_bench [DECISIONS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rampart/ratelimit.h"

static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;
static void zlock(void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&zone_lock);
}
static void zunlock(void *ctx)
{
    (void)ctx;
    pthread_mutex_unlock(&zone_lock);
}
static void *zalloc(void *ctx, size_t n)
{
    (void)ctx;
    return malloc(n);
}
static void zfree(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(const char *store_name, rp_collections_t *store, const char *algo_name,
                rp_rl_algorithm_t algo, unsigned nkeys, long n)
{
    rp_rl_rule_t rule = {.algorithm = algo, .limit = 1000, .period_us = 1000000, .burst = 100};
    char keys[64];
    uint64_t t0 = rp_ratelimit_now_us();
    long allowed = 0;
    /* warm the table: every key exists before timing */
    for (unsigned k = 0; k < nkeys; k++) {
        rp_rl_decision_t d;
        int len =
            snprintf(keys, sizeof(keys), "addr:10.%u.%u.%u", k >> 16, (k >> 8) & 255, k & 255);
        rp_ratelimit_take(store, &rule, keys, (size_t)len, t0, &d);
    }
    double start = now_s();
    for (long i = 0; i < n; i++) {
        unsigned k = (unsigned)(i % nkeys);
        int len =
            snprintf(keys, sizeof(keys), "addr:10.%u.%u.%u", k >> 16, (k >> 8) & 255, k & 255);
        rp_rl_decision_t d;
        /* the clock advances 1 µs per decision, as a busy gateway's would */
        rp_ratelimit_take(store, &rule, keys, (size_t)len, t0 + (uint64_t)i, &d);
        allowed += d.allowed;
    }
    double secs = now_s() - start;
    printf("%-7s %-15s keys=%-6u %8.0f ns/decision  (%ld decisions, %ld allowed)\n", store_name,
           algo_name, nkeys, secs * 1e9 / (double)n, n, allowed);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    void *root = NULL;
    rp_collections_host_t host = {.lock = zlock,
                                  .unlock = zunlock,
                                  .alloc = zalloc,
                                  .free = zfree,
                                  .root = &root,
                                  .capacity = 64u << 20};
    const struct {
        const char *name;
        rp_rl_algorithm_t a;
    } algos[] = {{"token-bucket", RP_RL_TOKEN_BUCKET}, {"sliding-window", RP_RL_SLIDING_WINDOW}};
    for (int a = 0; a < 2; a++) {
        unsigned nkeys[] = {1, 100000};
        for (int k = 0; k < 2; k++) {
            rp_collections_t *mem = rp_collections_memory_new(64u << 20);
            run("memory", mem, algos[a].name, algos[a].a, nkeys[k], n);
            rp_collections_free(mem);
        }
    }
    rp_collections_t *shared = rp_collections_shared_new(&host);
    run("shared", shared, "token-bucket", RP_RL_TOKEN_BUCKET, 100000, n);
    rp_collections_free(shared);
    return 0;
}
