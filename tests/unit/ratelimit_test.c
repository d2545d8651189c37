/*
 * ratelimit_test.c — rate-limit decisions: exact counts under 8 threads on
 * the memory store and on a shared store (the nginx zone's code path),
 * both algorithms' refill and Retry-After, long keys, fail-open and
 * fail-closed when the store cannot answer.
 */
#include "test_util.h"

#include <pthread.h>
#include <stdatomic.h>

#include "rampart/rampart.h"

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

/* The "ratelimit" directive through whole transactions. */
static const rp_verdict_t *request(rp_policy_t *p, rp_tx_t **tx, const char *addr,
                                   const char *method, const char *uri, const char *user)
{
    *tx = rp_tx_new(p);
    assert_non_null(*tx);
    rp_tx_connection(*tx, addr, strlen(addr), 40000, STR_AND_LEN("10.0.0.1"), 80);
    rp_tx_request_line(*tx, method, strlen(method), uri, strlen(uri), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_header(*tx, STR_AND_LEN("Host"), STR_AND_LEN("portal"));
    if (user)
        rp_tx_request_header(*tx, STR_AND_LEN("X-User"), user, strlen(user));
    rp_tx_request_headers_done(*tx);
    rp_tx_request_end(*tx);
    return rp_tx_verdict(*tx);
}

static void test_policy_directive(void **state)
{
    const char *text = "ratelimit login 3/m key=addr path=/login method=POST\n"
                       "ratelimit per_user 2/10s algorithm=sliding-window key=header:X-User\n"
                       "ratelimit watch 1/d key=addr,route path=/report mode=detect\n";
    rp_error_t err = {0};
    rp_policy_t *p = rp_policy_load_string(text, strlen(text), "rl.policy", &err);
    if (!p)
        fail_msg("%u %s", err.line, err.reason);
    rp_tx_t *tx;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(request(p, &tx, "10.0.0.7", "POST", "/login", NULL)->action,
                         RP_ACTION_ALLOW);
        rp_tx_free(tx);
    }
    const rp_verdict_t *v = request(p, &tx, "10.0.0.7", "POST", "/login", NULL);
    assert_int_equal(v->action, RP_ACTION_BLOCK);
    assert_int_equal(v->status, 429);
    assert_true(v->retry_after >= 19 && v->retry_after <= 20); /* one token per 20 s */
    assert_string_equal(v->matches[0].target, "ratelimit:login");
    rp_tx_free(tx);
    /* another address, another method: not counted together */
    assert_int_equal(request(p, &tx, "10.0.0.8", "POST", "/login", NULL)->action, RP_ACTION_ALLOW);
    rp_tx_free(tx);
    assert_int_equal(request(p, &tx, "10.0.0.7", "GET", "/login", NULL)->action, RP_ACTION_ALLOW);
    rp_tx_free(tx);
    /* per user, whatever the address */
    assert_int_equal(request(p, &tx, "10.0.1.1", "GET", "/x", "alice")->action, RP_ACTION_ALLOW);
    rp_tx_free(tx);
    assert_int_equal(request(p, &tx, "10.0.1.2", "GET", "/x", "alice")->action, RP_ACTION_ALLOW);
    rp_tx_free(tx);
    assert_int_equal(request(p, &tx, "10.0.1.3", "GET", "/x", "alice")->status, 429);
    rp_tx_free(tx);
    assert_int_equal(request(p, &tx, "10.0.1.3", "GET", "/x", "bob")->action, RP_ACTION_ALLOW);
    rp_tx_free(tx);
    /* detect: recorded, not refused */
    request(p, &tx, "10.0.2.1", "GET", "/report", NULL);
    rp_tx_free(tx);
    v = request(p, &tx, "10.0.2.1", "GET", "/report", NULL);
    assert_int_equal(v->action, RP_ACTION_ALLOW);
    assert_int_equal(v->nmatches, 1);
    assert_int_equal(v->retry_after, 0);
    rp_tx_free(tx);
    rp_policy_unref(p);
}

static void test_policy_errors(void **state)
{
    static const char *const bad[][2] = {
        {"ratelimit a 0/m\n", "rate must be LIMIT/PERIOD"},
        {"ratelimit a 5/w\n", "period must be"},
        {"ratelimit a 5/m key=ip\n", "key parts are"},
        {"ratelimit a 5/m algorithm=leaky\n", "algorithm is"},
        {"ratelimit a 5/m\nratelimit a 6/m\n", "defined twice"},
        {"ratelimit a 5/m store_down=maybe\n", "store_down is allow or deny"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rp_error_t err = {0};
        rp_policy_t *p = rp_policy_load_string(bad[i][0], strlen(bad[i][0]), "rl.policy", &err);
        assert_null(p);
        if (!strstr(err.reason, bad[i][1]))
            fail_msg("%s: got \"%s\"", bad[i][0], err.reason);
    }
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
        cmocka_unit_test(test_policy_directive),
        cmocka_unit_test(test_policy_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
