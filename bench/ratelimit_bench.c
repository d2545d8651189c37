/*
 * ratelimit_bench.c — the cost of one rate-limit decision
 * (rp_ratelimit_take), single-threaded, on the memory store and on a
 * shared store (the nginx zone's code path), for one hot key and for
 * 100 000 keys in turn. Prints nanoseconds per decision. With a Redis
 * URL, times decisions on that Redis instead (the round trips included):
 * one rule per request, then a request under four rules.
 *
 *   ratelimit_bench [DECISIONS [redis://HOST:PORT]]
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

/* Requests under nrules rules each, all decided on store; prints
 * microseconds per request and per decision. */
static void run_redis(rp_collections_t *store, unsigned nrules, long n)
{
    rp_rl_rule_t rules[4];
    for (unsigned r = 0; r < nrules; r++)
        rules[r] = (rp_rl_rule_t){.algorithm = r % 2 ? RP_RL_SLIDING_WINDOW : RP_RL_TOKEN_BUCKET,
                                  .limit = 1000,
                                  .period_us = 1000000,
                                  .burst = 100};
    static const char *const keys[] = {"bench:a", "bench:b", "bench:c", "bench:d"};
    long allowed = 0;
    double start = now_s();
    uint64_t t0 = rp_ratelimit_now_us();
    rp_rl_request_t reqs[4];
    for (unsigned r = 0; r < nrules; r++)
        reqs[r] = (rp_rl_request_t){.rule = &rules[r], .key = keys[r], .key_len = 7};
    for (long i = 0; i < n; i++) {
        /* as tx_ratelimit.c does: a request's rules in one batch */
        rp_rl_decision_t d[4];
        rp_ratelimit_take_many(store, reqs, nrules, t0 + (uint64_t)i, d);
        for (unsigned r = 0; r < nrules; r++)
            allowed += d[r].allowed;
    }
    double secs = now_s() - start;
    rp_collections_stats_t st;
    rp_collections_stats(store, &st);
    printf("redis   %u rule(s) per request  %8.1f us/request %8.1f us/decision  (%ld requests, "
           "%ld allowed, %llu errors)\n",
           nrules, secs * 1e6 / (double)n, secs * 1e6 / (double)n / nrules, n, allowed,
           (unsigned long long)st.errors);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    if (argc > 2) {
        rp_collections_t *redis = rp_collections_redis_new(argv[2], 1000, NULL);
        if (!redis)
            return 1;
        run_redis(redis, 1, n);
        run_redis(redis, 4, n);
        rp_collections_free(redis);
        return 0;
    }
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
