/*
 * ratelimit_test.c — rate-limit decisions: exact counts under 8 threads on
 * the memory store and on a shared store (the nginx zone's code path),
 * both algorithms' refill and Retry-After, long keys, fail-open and
 * fail-closed when the store cannot answer.
 */
#include "test_util.h"

#include <pthread.h>
#include <stdatomic.h>

#include "rampart/ratelimit.h"

#define DAY_US (86400ull * 1000000ull)

typedef struct {
    rp_collections_t *store;
    const rp_rl_rule_t *rule;
    uint64_t now;
    int attempts;
    atomic_int *allowed;
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < w->attempts; i++) {
        rp_rl_decision_t d;
        rp_ratelimit_take(w->store, w->rule, STR_AND_LEN("addr:10.0.0.7"), w->now, &d);
        if (d.allowed)
            atomic_fetch_add(w->allowed, 1);
    }
    return NULL;
}

static int hammer(rp_collections_t *store, const rp_rl_rule_t *rule, uint64_t now)
{
    atomic_int allowed = 0;
    pthread_t th[8];
    worker_t w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker_t){store, rule, now, 500, &allowed};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    return atomic_load(&allowed);
}

static void test_exact_under_threads_memory(void **state)
{
    rp_collections_t *store = rp_collections_memory_new(0);
    uint64_t now = 1795000000ull * 1000000ull;
    /* the clock is fixed, so no refill happens during the run */
    rp_rl_rule_t tb = {
        .algorithm = RP_RL_TOKEN_BUCKET, .limit = 100, .period_us = DAY_US, .burst = 1000};
    assert_int_equal(hammer(store, &tb, now), 1000);
    rp_rl_rule_t sw = {
        .algorithm = RP_RL_SLIDING_WINDOW, .limit = 1500, .period_us = DAY_US, .burst = 37};
    rp_collections_t *store2 = rp_collections_memory_new(0);
    assert_int_equal(hammer(store2, &sw, now), 1537);
    rp_collections_free(store);
    rp_collections_free(store2);
}

/* A shared store over plain memory and a mutex: the zone's code path. */
static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;
static void zlock(void *ctx)
{
    pthread_mutex_lock(&zone_lock);
}
static void zunlock(void *ctx)
{
    pthread_mutex_unlock(&zone_lock);
}
/* the zone: a fixed buffer handed out in order, as the test's whole life */
static _Alignas(16) unsigned char zone[4 << 20];
static size_t zone_used;
static void *zalloc(void *ctx, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (zone_used + n > sizeof(zone))
        return NULL;
    zone_used += n;
    return zone + zone_used - n;
}
static void zfree(void *ctx, void *p) {}

static void test_exact_under_threads_shared(void **state)
{
    void *root = NULL;
    rp_collections_host_t host = {.lock = zlock,
                                  .unlock = zunlock,
                                  .alloc = zalloc,
                                  .free = zfree,
                                  .root = &root,
                                  .capacity = sizeof(zone)};
    rp_collections_t *store = rp_collections_shared_new(&host);
    assert_non_null(store);
    rp_rl_rule_t tb = {.algorithm = RP_RL_TOKEN_BUCKET, .limit = 777, .period_us = DAY_US};
    assert_int_equal(hammer(store, &tb, 1795000000ull * 1000000ull), 777);
    rp_collections_free(store);
}

static void test_token_bucket_refill(void **state)
{
    rp_collections_t *store = rp_collections_memory_new(0);
    rp_rl_rule_t r = {
        .algorithm = RP_RL_TOKEN_BUCKET, .limit = 10, .period_us = 1000000, .burst = 5};
    uint64_t t = 1795000000ull * 1000000ull;
    rp_rl_decision_t d;
    for (int i = 0; i < 5; i++) {
        rp_ratelimit_take(store, &r, STR_AND_LEN("k"), t, &d);
        assert_true(d.allowed);
        assert_int_equal(d.remaining, 4 - i);
    }
    rp_ratelimit_take(store, &r, STR_AND_LEN("k"), t, &d);
    assert_false(d.allowed);
    assert_int_equal(d.retry_after_us, 100000); /* one token per 100 ms */
    rp_ratelimit_take(store, &r, STR_AND_LEN("k"), t + 99999, &d);
    assert_false(d.allowed);
    rp_ratelimit_take(store, &r, STR_AND_LEN("k"), t + 100000, &d);
    assert_true(d.allowed);
    /* other keys are counted apart */
    rp_ratelimit_take(store, &r, STR_AND_LEN("other"), t, &d);
    assert_true(d.allowed);
    rp_collections_free(store);
}

static void test_sliding_window(void **state)
{
    rp_collections_t *store = rp_collections_memory_new(0);
    rp_rl_rule_t r = {.algorithm = RP_RL_SLIDING_WINDOW, .limit = 4, .period_us = 1000000};
    uint64_t t = 1795000000ull * 1000000ull; /* a window boundary */
    rp_rl_decision_t d;
    for (int i = 0; i < 4; i++) {
        rp_ratelimit_take(store, &r, STR_AND_LEN("k"), t + 500000, &d);
        assert_true(d.allowed);
    }
    rp_ratelimit_take(store, &r, STR_AND_LEN("k"), t + 500000, &d);
    assert_false(d.allowed);
    assert_true(d.retry_after_us > 500000 && d.retry_after_us <= 750000);
    /* halfway into the next window half of the 4 still count: 2 more fit */
    rp_ratelimit_take(store, &r, STR_AND_LEN("k"), t + 1500000, &d);
    assert_true(d.allowed);
    rp_ratelimit_take(store, &r, STR_AND_LEN("k"), t + 1500000, &d);
    assert_true(d.allowed);
    rp_ratelimit_take(store, &r, STR_AND_LEN("k"), t + 1500000, &d);
    assert_false(d.allowed);
    /* two windows later everything is forgotten */
    rp_ratelimit_take(store, &r, STR_AND_LEN("k"), t + 3000000, &d);
    assert_true(d.allowed);
    assert_int_equal(d.remaining, 3);
    rp_collections_free(store);
}

static void test_long_keys_and_bad_rules(void **state)
{
    rp_collections_t *store = rp_collections_memory_new(0);
    char a[1000], b[1000];
    memset(a, 'x', sizeof(a));
    memcpy(b, a, sizeof(b));
    b[999] = 'y';
    rp_rl_rule_t r = {.algorithm = RP_RL_TOKEN_BUCKET, .limit = 1, .period_us = DAY_US};
    rp_rl_decision_t d;
    rp_ratelimit_take(store, &r, a, sizeof(a), 1, &d);
    assert_true(d.allowed);
    rp_ratelimit_take(store, &r, a, sizeof(a), 1, &d);
    assert_false(d.allowed);
    rp_ratelimit_take(store, &r, b, sizeof(b), 1, &d); /* hashed apart */
    assert_true(d.allowed);
    rp_rl_rule_t bad = {.limit = 0, .period_us = 1};
    assert_int_equal(rp_ratelimit_take(store, &bad, STR_AND_LEN("k"), 1, &d), RP_ERROR);
    rp_collections_free(store);
}

static void test_fail_modes(void **state)
{
    /* a Redis store nobody listens on: the store cannot answer */
    rp_error_t err;
    rp_collections_t *store = rp_collections_redis_new("redis://127.0.0.1:1", 20, &err);
    assert_non_null(store);
    rp_collections_set_log(store, NULL, NULL);
    rp_rl_rule_t open = {.algorithm = RP_RL_TOKEN_BUCKET, .limit = 1, .period_us = DAY_US};
    rp_rl_rule_t closed = open;
    closed.fail_closed = true;
    rp_rl_decision_t d;
    for (int i = 0; i < 3; i++) {
        rp_ratelimit_take(store, &open, STR_AND_LEN("k"), 1, &d);
        assert_true(d.allowed);
        assert_true(d.store_failed);
    }
    rp_ratelimit_take(store, &closed, STR_AND_LEN("k"), 1, &d);
    assert_false(d.allowed);
    assert_true(d.store_failed);
    assert_true(d.retry_after_us > 0);
    rp_collections_free(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_under_threads_memory),
        cmocka_unit_test(test_exact_under_threads_shared),
        cmocka_unit_test(test_token_bucket_refill),
        cmocka_unit_test(test_sliding_window),
        cmocka_unit_test(test_long_keys_and_bad_rules),
        cmocka_unit_test(test_fail_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
