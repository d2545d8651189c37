/*
 * collections_redis_test.c — the Redis collection store against a real
 * redis-server started on a free loopback port in a temporary directory:
 * the rules' semantics through Redis, increments from concurrent clients
 * that add up, and fail-open once Redis is killed (counted, logged, fast).
 * Skipped when redis-server is not installed (scripts/deps.sh installs it).
 */
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

#include "collections.h"
#include "policy_t.h"
#include "rampart/rampart.h"

#define REDIS_SERVER "/usr/bin/redis-server"

static char g_dir[64];
static int g_port;
static pid_t g_redis;

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) != 0) {
        if (s >= 0)
            close(s);
        return -1;
    }
    close(s);
    return ntohs(a.sin_port);
}

static bool port_open(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
    if (s >= 0)
        close(s);
    return ok;
}

static int start_redis(void **state)
{
    (void)state;
    if (access(REDIS_SERVER, X_OK) != 0)
        return 0; /* the tests skip */
    snprintf(g_dir, sizeof(g_dir), "/tmp/rp-redis-XXXXXX");
    if (!mkdtemp(g_dir) || (g_port = free_port()) < 0)
        return -1;
    char port[16], log[128];
    snprintf(port, sizeof(port), "%d", g_port);
    snprintf(log, sizeof(log), "%s/redis.log", g_dir);
    g_redis = fork();
    if (g_redis == 0) {
        execl(REDIS_SERVER, REDIS_SERVER, "--port", port, "--bind", "127.0.0.1", "--dir", g_dir,
              "--save", "", "--appendonly", "no", "--logfile", log, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500 && !port_open(g_port); i++)
        usleep(10000);
    return port_open(g_port) ? 0 : -1;
}

static void stop_redis(void)
{
    if (g_redis > 0) {
        kill(g_redis, SIGKILL);
        waitpid(g_redis, NULL, 0);
        g_redis = 0;
    }
}

static int teardown(void **state)
{
    (void)state;
    stop_redis();
    if (g_dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", g_dir);
        if (system(cmd) != 0)
            return -1;
    }
    return 0;
}

static void need_redis(void)
{
    if (!g_port)
        skip();
}

#define RULES                                                                                      \
    "SecRuleEngine On\n"                                                                           \
    "SecAction \"id:1,phase:1,pass,nolog,initcol:ip=%{remote_addr},initcol:global=global\"\n"      \
    "SecRule IP:IS_NEW \"@eq 1\" \"id:3,phase:1,pass,log,auditlog\"\n"                             \
    "SecRule IP:hits \"@ge 3\" \"id:2,phase:1,deny,status:429,log\"\n"                             \
    "SecAction \"id:4,phase:2,pass,nolog,setvar:ip.hits=+1,setvar:global.all=+1\"\n"

static rp_policy_t *redis_policy(void)
{
    static unsigned n;
    char rules[128], text[512];
    snprintf(rules, sizeof(rules), "%s/rules-%u.conf", g_dir, n++);
    FILE *f = fopen(rules, "w");
    assert_non_null(f);
    fputs(RULES, f);
    fclose(f);
    snprintf(text, sizeof(text),
             "detect sqli off\ndetect xss off\ncollections redis://127.0.0.1:%d/0 timeout=300\n"
             "rules %s\n",
             g_port, rules);
    rp_error_t err = {0};
    rp_policy_t *p = rp_policy_load_string(text, strlen(text), "redis.policy", &err);
    if (!p)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    return p;
}

static rp_tx_t *exchange(rp_policy_t *p, const char *addr)
{
    rp_tx_t *tx = rp_tx_new(p);
    assert_non_null(tx);
    rp_tx_connection(tx, addr, strlen(addr), 40000, STR_AND_LEN("127.0.0.1"), 80);
    rp_tx_request_line(tx, STR_AND_LEN("GET"), STR_AND_LEN("/"), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_header(tx, STR_AND_LEN("Host"), STR_AND_LEN("example.test"));
    if (rp_tx_request_headers_done(tx) != RP_BLOCK)
        rp_tx_request_end(tx);
    rp_tx_finish(tx);
    return tx;
}

static bool matched(rp_tx_t *tx, unsigned long id)
{
    const rp_verdict_t *v = rp_tx_verdict(tx);
    for (size_t i = 0; i < v->nmatches; i++)
        if (v->matches[i].rule_id == id)
            return true;
    return false;
}

static const char *stored(rp_collections_t *c, const char *key, const char *name, rp_arena_t *a)
{
    coll_record_t rec;
    if (coll_load(c, key, strlen(key), time(NULL), a, &rec) != RP_OK)
        return NULL;
    for (size_t i = 0; i < rec.nvars; i++)
        if (strcmp(rec.vars[i].name, name) == 0)
            return rec.vars[i].value;
    return NULL;
}

static void test_rules_through_redis(void **state)
{
    (void)state;
    need_redis();
    rp_policy_t *p = redis_policy();
    for (int i = 0; i < 5; i++) {
        rp_tx_t *tx = exchange(p, "203.0.113.5");
        assert_int_equal(matched(tx, 3), i == 0);                               /* IS_NEW once */
        assert_int_equal(rp_tx_verdict(tx)->action == RP_ACTION_BLOCK, i >= 3); /* hits >= 3 */
        rp_tx_free(tx);
    }
    rp_arena_t *a = rp_arena_new(4096, 0);
    assert_string_equal(stored(p->collections, "ip:203.0.113.5", "hits", a), "3");
    /* expiry and deletion, replayed by the server-side script */
    coll_op_t ops[] = {
        {.kind = COLL_OP_SET, .name = "gone", .name_len = 4, .value = "1", .value_len = 1},
        {.kind = COLL_OP_EXPIRE, .name = "gone", .name_len = 4, .num = 0},
        {.kind = COLL_OP_SET, .name = "kept", .name_len = 4, .value = "x", .value_len = 1},
        {.kind = COLL_OP_DELETE, .name = "hits", .name_len = 4},
    };
    assert_int_equal(
        coll_apply(p->collections, STR_AND_LEN("ip:203.0.113.5"), ops, 4, time(NULL) - 1, 3600),
        RP_OK);
    assert_null(stored(p->collections, "ip:203.0.113.5", "gone", a));
    assert_null(stored(p->collections, "ip:203.0.113.5", "hits", a));
    assert_string_equal(stored(p->collections, "ip:203.0.113.5", "kept", a), "x");
    coll_record_t rec;
    coll_load(p->collections, STR_AND_LEN("ip:203.0.113.5"), time(NULL), a, &rec);
    assert_true(rec.found);
    assert_int_equal(rec.update_counter,
                     4); /* 3 phase-2 commits (then denied in phase 1) + this one */
    assert_int_equal(rec.timeout, 3600);
    rp_collections_stats_t st;
    rp_collections_stats(p->collections, &st);
    assert_int_equal(st.errors, 0);
    rp_arena_free(a);
    rp_policy_unref(p);
}

enum { CLIENTS = 4, PER_CLIENT = 100 };

static void *client(void *arg)
{
    int id = *(int *)arg;
    rp_policy_t *p = redis_policy(); /* its own store: its own connection */
    for (int i = 0; i < PER_CLIENT; i++) {
        char addr[32]; /* a new client each time: never denied */
        snprintf(addr, sizeof(addr), "10.%d.%d.1", id, i);
        rp_tx_free(exchange(p, addr));
    }
    rp_policy_unref(p);
    return NULL;
}

static void test_concurrent_clients_add_up(void **state)
{
    (void)state;
    need_redis();
    pthread_t t[CLIENTS];
    int ids[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        ids[i] = i;
        assert_int_equal(pthread_create(&t[i], NULL, client, &ids[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(t[i], NULL);
    rp_policy_t *p = redis_policy();
    rp_arena_t *a = rp_arena_new(4096, 0);
    /* every transaction's phase 2 added 1 to GLOBAL:all, from four
     * connections at once; the previous test added 3 */
    const char *all = stored(p->collections, "global:global", "all", a);
    assert_non_null(all);
    assert_int_equal(atoi(all), 3 + CLIENTS * PER_CLIENT);
    assert_string_equal(stored(p->collections, "ip:10.3.99.1", "hits", a), "1");
    rp_arena_free(a);
    rp_policy_unref(p);
}

static void *raw_adder(void *arg)
{
    rp_collections_t *c = rp_collections_redis_new(arg, 300, NULL);
    coll_op_t add = {.kind = COLL_OP_ADD, .name = "n", .name_len = 1, .num = 1};
    for (int i = 0; i < 200; i++)
        coll_apply(c, STR_AND_LEN("global:race"), &add, 1, time(NULL), 3600);
    rp_collections_free(c);
    return NULL;
}

static void test_concurrent_increments_exact(void **state)
{
    (void)state;
    need_redis();
    char url[64];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", g_port);
    pthread_t t[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, raw_adder, url), 0);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(t[i], NULL);
    rp_collections_t *c = rp_collections_redis_new(url, 300, NULL);
    rp_arena_t *a = rp_arena_new(4096, 0);
    assert_string_equal(stored(c, "global:race", "n", a), "800");
    rp_arena_free(a);
    rp_collections_free(c);
}

static int g_logged;
static char g_last_log[512];

static void capture_log(void *ctx, const char *msg)
{
    (void)ctx;
    g_logged++;
    snprintf(g_last_log, sizeof(g_last_log), "%s", msg);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_fails_open_when_redis_dies(void **state)
{
    (void)state;
    need_redis();
    rp_policy_t *p = redis_policy();
    rp_collections_set_log(p->collections, capture_log, NULL);
    rp_tx_free(exchange(p, "203.0.113.9")); /* connected */
    stop_redis();
    double t0 = now_s();
    for (int i = 0; i < 20; i++) {
        rp_tx_t *tx = exchange(p, "203.0.113.9");
        /* rules see an empty, new collection; nothing blocks */
        assert_true(matched(tx, 3));
        assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
        rp_tx_free(tx);
    }
    double spent = now_s() - t0;
    assert_true(spent < 1.0); /* refused at once, then not retried for 1 s */
    rp_collections_stats_t st;
    rp_collections_stats(p->collections, &st);
    assert_true(st.errors >= 1);
    assert_true(st.dropped >= 20);
    assert_int_equal(g_logged, 1); /* logged once, not per request */
    assert_non_null(strstr(g_last_log, "failing open"));
    rp_policy_unref(p);
}

/* Rate limits counted in Redis: two stores (two gateways) and 8 threads
 * each take from one bucket; exactly its size is allowed. */
#include "rampart/ratelimit.h"

typedef struct {
    rp_collections_t *store;
    atomic_int *allowed;
} rate_worker_t;

static void *rate_worker(void *arg)
{
    rate_worker_t *w = arg;
    rp_rl_rule_t rule = {
        .algorithm = RP_RL_TOKEN_BUCKET, .limit = 300, .period_us = 86400000000ull};
    for (int i = 0; i < 60; i++) {
        rp_rl_decision_t d;
        rp_ratelimit_take(w->store, &rule, "addr:10.9.9.9", 13, 1795000000000000ull, &d);
        if (d.allowed)
            atomic_fetch_add(w->allowed, 1);
    }
    return NULL;
}

static void test_rate_limit_exact_across_gateways(void **state)
{
    (void)state;
    need_redis();
    char url[64];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", g_port);
    rp_collections_t *gw[2] = {rp_collections_redis_new(url, 300, NULL),
                               rp_collections_redis_new(url, 300, NULL)};
    atomic_int allowed = 0;
    pthread_t t[8];
    rate_worker_t w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (rate_worker_t){gw[i % 2], &allowed};
        assert_int_equal(pthread_create(&t[i], NULL, rate_worker, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&allowed), 300); /* 480 tried */
    rp_collections_free(gw[0]);
    rp_collections_free(gw[1]);
}

/* The script in Redis decides exactly as the C code: random rules (odd
 * limits and periods, bursts, long periods) and random clocks (small steps,
 * jumps, the clock going back) give the same verdicts, remaining counts
 * and waits on Redis as on the memory store. */
#include <hiredis/hiredis.h>

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_redis_script_decides_as_c(void **state)
{
    (void)state;
    need_redis();
    char url[64];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", g_port);
    rp_collections_t *redis = rp_collections_redis_new(url, 1000, NULL);
    rp_collections_t *mem = rp_collections_memory_new(1u << 20);
    static const uint64_t periods[] = {1000000ull,    13000000ull,    60000000ull,
                                       3600000000ull, 86400000000ull, 365ull * 86400000000ull};
    static const uint32_t limits[] = {1, 3, 7, 100, 600, 999983, 1000000000u};
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    int checked = 0;
    for (int round = 0; round < 40; round++) {
        rp_rl_rule_t rule = {
            .algorithm = round % 2 ? RP_RL_SLIDING_WINDOW : RP_RL_TOKEN_BUCKET,
            .limit = limits[next_rand(&seed) % 7],
            .period_us = periods[next_rand(&seed) % 6],
            .burst = next_rand(&seed) % 3 ? 0 : (uint32_t)(next_rand(&seed) % 50),
        };
        char key[32];
        int kl = snprintf(key, sizeof(key), "diff:%d", round);
        uint64_t now = 1795000000000000ull + next_rand(&seed) % 1000000000ull;
        for (int i = 0; i < 60; i++) {
            rp_rl_decision_t a, b;
            rp_ratelimit_take(mem, &rule, key, (size_t)kl, now, &a);
            rp_ratelimit_take(redis, &rule, key, (size_t)kl, now, &b);
            assert_false(b.store_failed);
            assert_int_equal(a.allowed, b.allowed);
            assert_int_equal(a.remaining, b.remaining);
            assert_int_equal(a.retry_after_us, b.retry_after_us);
            checked++;
            uint64_t step = next_rand(&seed) % 8;
            now += step < 4   ? next_rand(&seed) % (rule.period_us / rule.limit + 2)
                   : step < 6 ? next_rand(&seed) % (rule.period_us * 3)
                   : step < 7 ? 0
                              : (uint64_t)0 - next_rand(&seed) % 1000000u; /* back */
        }
    }
    assert_int_equal(checked, 2400);
    rp_collections_free(mem);
    rp_collections_free(redis);
}

/* A request's rules in one batch decide as one call each would; after
 * SCRIPT FLUSH (Redis lost the script) decisions go on (NOSCRIPT, EVAL). */
static void test_redis_batch_and_noscript(void **state)
{
    (void)state;
    need_redis();
    char url[64];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", g_port);
    rp_collections_t *redis = rp_collections_redis_new(url, 1000, NULL);
    rp_rl_rule_t tb = {.algorithm = RP_RL_TOKEN_BUCKET, .limit = 2, .period_us = 60000000ull};
    rp_rl_rule_t sw = {.algorithm = RP_RL_SLIDING_WINDOW, .limit = 3, .period_us = 60000000ull};
    rp_rl_request_t reqs[] = {{&tb, "batch:a", 7}, {&sw, "batch:b", 7}, {&tb, "batch:c", 7}};
    rp_rl_decision_t d[3];
    uint64_t now = 1795000000000000ull;
    int allowed[3] = {0, 0, 0};
    for (int i = 0; i < 5; i++) {
        if (i == 2) {
            redisContext *c = redisConnect("127.0.0.1", g_port);
            assert_non_null(c);
            redisReply *rep = redisCommand(c, "SCRIPT FLUSH");
            assert_non_null(rep);
            freeReplyObject(rep);
            redisFree(c);
        }
        assert_int_equal(rp_ratelimit_take_many(redis, reqs, 3, now + (uint64_t)i, d), RP_OK);
        for (int r = 0; r < 3; r++) {
            assert_false(d[r].store_failed);
            allowed[r] += d[r].allowed;
        }
    }
    assert_int_equal(allowed[0], 2);
    assert_int_equal(allowed[1], 3);
    assert_int_equal(allowed[2], 2);
    assert_true(d[0].retry_after_us > 29000000ull && d[0].retry_after_us <= 30000000ull);
    rp_collections_stats_t st;
    rp_collections_stats(redis, &st);
    assert_int_equal(st.errors, 0);
    rp_collections_free(redis);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_through_redis),
        cmocka_unit_test(test_concurrent_clients_add_up),
        cmocka_unit_test(test_concurrent_increments_exact),
        cmocka_unit_test(test_rate_limit_exact_across_gateways),
        cmocka_unit_test(test_redis_script_decides_as_c),
        cmocka_unit_test(test_redis_batch_and_noscript),
        cmocka_unit_test(test_fails_open_when_redis_dies),
    };
    return cmocka_run_group_tests(tests, start_redis, teardown);
}
