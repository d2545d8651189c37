/*
 * collections_test.c — persistent collections: the memory store's record
 * semantics (deltas, expiry, timeouts, eviction, bounds), the same through
 * SecLang rules (initcol, setvar, expirevar, built-ins), concurrent
 * increments from threads, and the policy's "collections" directive.
 */
#include <pthread.h>
#include <unistd.h>

#include "test_util.h"

#include "collections.h"
#include "policy_t.h"
#include "rampart/rampart.h"

/* ------------------------------------------------------------ helpers */

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/rp-coll-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A policy whose rules are seclang; extra: more policy lines. */
static rp_policy_t *policy_ex(const char *extra, const char *seclang, rp_error_t *err)
{
    static unsigned n;
    char path[128];
    snprintf(path, sizeof(path), "%s/rules-%u.conf", g_dir, n++);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(seclang, f);
    fclose(f);
    char text[1024];
    snprintf(text, sizeof(text), "detect sqli off\ndetect xss off\n%s\nrules %s\n",
             extra ? extra : "", path);
    return rp_policy_load_string(text, strlen(text), "test.policy", err);
}

static rp_policy_t *policy(const char *seclang)
{
    rp_error_t err = {0};
    rp_policy_t *p = policy_ex(NULL, seclang, &err);
    if (!p)
        fail_msg("policy: %s:%u: %s", err.file, err.line, err.reason);
    return p;
}

/* Request line and headers of a GET from addr, up to phase 1. */
static rp_tx_t *begin(rp_policy_t *p, rp_collections_t *store, const char *addr)
{
    rp_tx_t *tx = rp_tx_new(p);
    assert_non_null(tx);
    if (store)
        rp_tx_set_collections(tx, store);
    rp_tx_connection(tx, addr, strlen(addr), 40000, STR_AND_LEN("127.0.0.1"), 80);
    rp_tx_request_line(tx, STR_AND_LEN("GET"), STR_AND_LEN("/login"), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_header(tx, STR_AND_LEN("Host"), STR_AND_LEN("example.test"));
    rp_tx_request_headers_done(tx);
    return tx;
}

static void end(rp_tx_t *tx)
{
    rp_tx_request_end(tx);
    rp_tx_finish(tx);
}

static bool matched(rp_tx_t *tx, unsigned long id)
{
    const rp_verdict_t *v = rp_tx_verdict(tx);
    for (size_t i = 0; i < v->nmatches; i++)
        if (v->matches[i].rule_id == id)
            return true;
    return false;
}

static bool blocked(rp_tx_t *tx)
{
    return rp_tx_verdict(tx)->action == RP_ACTION_BLOCK;
}

/* One whole exchange; returns whether rule id matched. */
static bool exchange_matches(rp_policy_t *p, rp_collections_t *store, const char *addr,
                             unsigned long id, bool *was_blocked)
{
    rp_tx_t *tx = begin(p, store, addr);
    end(tx);
    bool m = matched(tx, id);
    if (was_blocked)
        *was_blocked = blocked(tx);
    rp_tx_free(tx);
    return m;
}

/* The stored value of variable name in record key, or NULL. */
static const char *stored(rp_collections_t *c, const char *key, const char *name, long long now,
                          rp_arena_t *a)
{
    coll_record_t rec;
    assert_int_equal(coll_load(c, key, strlen(key), now, a, &rec), RP_OK);
    for (size_t i = 0; i < rec.nvars; i++)
        if (strcmp(rec.vars[i].name, name) == 0)
            return rec.vars[i].value;
    return NULL;
}

static coll_op_t op_set(const char *name, const char *value)
{
    return (coll_op_t){.kind = COLL_OP_SET,
                       .name = name,
                       .name_len = strlen(name),
                       .value = value,
                       .value_len = strlen(value)};
}

static coll_op_t op_num(coll_op_kind_t kind, const char *name, long long num)
{
    return (coll_op_t){.kind = kind, .name = name, .name_len = name ? strlen(name) : 0, .num = num};
}

/* ------------------------------------------------------- the store */

static void test_store_deltas_add_up(void **state)
{
    (void)state;
    rp_collections_t *c = rp_collections_memory_new(0);
    rp_arena_t *a = rp_arena_new(4096, 0);
    coll_op_t add = op_num(COLL_OP_ADD, "hits", 1);
    /* two transactions that both loaded nothing and both add 1 */
    assert_int_equal(coll_apply(c, STR_AND_LEN("ip:1.2.3.4"), &add, 1, 1000, 3600), RP_OK);
    assert_int_equal(coll_apply(c, STR_AND_LEN("ip:1.2.3.4"), &add, 1, 1000, 3600), RP_OK);
    assert_string_equal(stored(c, "ip:1.2.3.4", "hits", 1001, a), "2");
    coll_op_t sub = op_num(COLL_OP_ADD, "hits", -5);
    coll_apply(c, STR_AND_LEN("ip:1.2.3.4"), &sub, 1, 1002, 3600);
    assert_string_equal(stored(c, "ip:1.2.3.4", "hits", 1003, a), "-3");
    /* a value that is no number counts as 0, as setvar's arithmetic does */
    coll_op_t ops[] = {op_set("word", "abc"), op_num(COLL_OP_ADD, "word", 7)};
    coll_apply(c, STR_AND_LEN("ip:1.2.3.4"), ops, 2, 1004, 3600);
    assert_string_equal(stored(c, "ip:1.2.3.4", "word", 1005, a), "7");
    /* saturating, never overflowing */
    coll_op_t big[] = {op_set("big", "9223372036854775807"), op_num(COLL_OP_ADD, "big", 10)};
    coll_apply(c, STR_AND_LEN("ip:1.2.3.4"), big, 2, 1006, 3600);
    assert_string_equal(stored(c, "ip:1.2.3.4", "big", 1007, a), "9223372036854775807");
    coll_op_t del = op_num(COLL_OP_DELETE, "hits", 0);
    coll_apply(c, STR_AND_LEN("ip:1.2.3.4"), &del, 1, 1008, 3600);
    assert_null(stored(c, "ip:1.2.3.4", "hits", 1009, a));
    /* records are apart per key */
    assert_null(stored(c, "ip:1.2.3.5", "word", 1009, a));
    rp_arena_free(a);
    rp_collections_free(c);
}

static void test_store_expiry_and_timeout(void **state)
{
    (void)state;
    rp_collections_t *c = rp_collections_memory_new(0);
    rp_arena_t *a = rp_arena_new(4096, 0);
    coll_op_t ops[] = {op_set("block", "1"), op_num(COLL_OP_EXPIRE, "block", 60),
                       op_set("keep", "1")};
    coll_apply(c, STR_AND_LEN("ip:a"), ops, 3, 1000, 3600);
    assert_non_null(stored(c, "ip:a", "block", 1059, a));
    assert_null(stored(c, "ip:a", "block", 1060, a));
    assert_non_null(stored(c, "ip:a", "keep", 1060, a));
    /* a later set keeps no expiry of an expired variable */
    coll_op_t again = op_set("block", "2");
    coll_apply(c, STR_AND_LEN("ip:a"), &again, 1, 1070, 3600);
    assert_string_equal(stored(c, "ip:a", "block", 4000, a), "2");

    /* the record goes timeout seconds after its last update */
    coll_op_t one = op_set("x", "1");
    coll_apply(c, STR_AND_LEN("global:g"), &one, 1, 2000, 10);
    coll_record_t rec;
    coll_load(c, STR_AND_LEN("global:g"), 2009, a, &rec);
    assert_true(rec.found);
    assert_int_equal(rec.timeout, 10);
    assert_int_equal(rec.create_time, 2000);
    assert_int_equal(rec.update_counter, 1);
    coll_apply(c, STR_AND_LEN("global:g"), &one, 1, 2009, 10);
    coll_load(c, STR_AND_LEN("global:g"), 2018, a, &rec);
    assert_true(rec.found);
    assert_int_equal(rec.update_counter, 2);
    assert_int_equal(rec.last_update, 2009);
    coll_load(c, STR_AND_LEN("global:g"), 2019, a, &rec);
    assert_false(rec.found);
    /* the record's own timeout, set by setvar:ip.timeout */
    coll_op_t t = op_num(COLL_OP_TIMEOUT, NULL, 100);
    coll_apply(c, STR_AND_LEN("global:h"), &t, 1, 3000, 10);
    coll_load(c, STR_AND_LEN("global:h"), 3099, a, &rec);
    assert_true(rec.found);
    rp_collections_stats_t st;
    rp_collections_stats(c, &st);
    assert_true(st.expired >= 1);
    rp_arena_free(a);
    rp_collections_free(c);
}

static void test_store_evicts_when_full(void **state)
{
    (void)state;
    rp_collections_t *c = rp_collections_memory_new(16 * 1024);
    rp_arena_t *a = rp_arena_new(4096, 0);
    coll_op_t set = op_set("hits", "1");
    /* one record that expires early, then many live ones */
    coll_apply(c, STR_AND_LEN("ip:short"), &set, 1, 100, 1);
    char key[64];
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "ip:10.0.%d.%d", i / 256, i % 256);
        assert_int_equal(coll_apply(c, key, strlen(key), &set, 1, 200 + i / 100, 3600), RP_OK);
    }
    rp_collections_stats_t st;
    rp_collections_stats(c, &st);
    assert_true(st.evicted > 1000);
    assert_int_equal(st.expired, 1); /* the expired one went first */
    assert_true(st.records < 2000 && st.records > 10);
    /* the newest survive, the oldest went */
    assert_non_null(stored(c, key, "hits", 300, a));
    assert_null(stored(c, "ip:10.0.0.0", "hits", 300, a));
    rp_arena_free(a);
    rp_collections_free(c);
}

static void test_store_bounds(void **state)
{
    (void)state;
    rp_collections_t *c = rp_collections_memory_new(0);
    rp_arena_t *a = rp_arena_new(4096, 0);
    size_t big = 100000;
    char *value = malloc(big + 1);
    memset(value, 'v', big);
    value[big] = '\0';
    coll_op_t huge = op_set("huge", value);
    coll_apply(c, STR_AND_LEN("ip:b"), &huge, 1, 1000, 3600);
    const char *got = stored(c, "ip:b", "huge", 1000, a);
    assert_non_null(got);
    assert_int_equal(strlen(got), COLL_MAX_VALUE);
    /* a name longer than the bound is refused, the rest applied */
    char name[COLL_MAX_NAME + 2];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    coll_op_t ops[] = {op_set(name, "1"), op_set("ok", "1")};
    assert_int_equal(coll_apply(c, STR_AND_LEN("ip:b"), ops, 2, 1000, 3600), RP_NOMEM);
    assert_non_null(stored(c, "ip:b", "ok", 1000, a));
    /* at most COLL_MAX_VARS variables per record */
    for (int i = 0; i < COLL_MAX_VARS + 50; i++) {
        char n[16];
        snprintf(n, sizeof(n), "v%d", i);
        coll_op_t o = op_set(n, "1");
        coll_apply(c, STR_AND_LEN("ip:many"), &o, 1, 1000, 3600);
    }
    coll_record_t rec;
    coll_load(c, STR_AND_LEN("ip:many"), 1000, a, &rec);
    assert_int_equal(rec.nvars, COLL_MAX_VARS);
    free(value);
    rp_arena_free(a);
    rp_collections_free(c);
}

/* ------------------------------------------------------- the rules */

#define LIMITER                                                                                    \
    "SecRuleEngine On\n"                                                                           \
    "SecAction \"id:1,phase:1,pass,nolog,initcol:ip=%{remote_addr},setvar:ip.hits=+1\"\n"          \
    "SecRule IP:IS_NEW \"@eq 1\" \"id:3,phase:1,pass,log,auditlog\"\n"                             \
    "SecRule IP:UPDATE_COUNTER \"@eq 2\" \"id:4,phase:1,pass,log,auditlog\"\n"                     \
    "SecRule IP:KEY \"@streq 192.0.2.1\" \"id:5,phase:1,pass,log,auditlog\"\n"                     \
    "SecRule IP:TIMEOUT \"@eq 3600\" \"id:6,phase:1,pass,log,auditlog\"\n"                         \
    "SecRule IP:hits \"@gt 3\" \"id:2,phase:1,deny,status:429,log\"\n"

static void test_initcol_counts_across_transactions(void **state)
{
    (void)state;
    rp_policy_t *p = policy(LIMITER);
    bool blk;
    assert_true(exchange_matches(p, NULL, "192.0.2.1", 3, &blk)); /* IS_NEW */
    assert_false(blk);
    assert_false(exchange_matches(p, NULL, "192.0.2.1", 3, &blk));
    assert_false(blk);
    assert_true(exchange_matches(p, NULL, "192.0.2.1", 4, &blk)); /* 3rd: 2 updates */
    assert_false(blk);
    assert_true(exchange_matches(p, NULL, "192.0.2.1", 2, &blk)); /* 4th: hits 4 > 3 */
    assert_true(blk);
    assert_true(exchange_matches(p, NULL, "192.0.2.1", 5, &blk));
    assert_true(exchange_matches(p, NULL, "192.0.2.1", 6, &blk));
    /* another client has its own record */
    assert_false(exchange_matches(p, NULL, "192.0.2.2", 2, &blk));
    assert_false(blk);
    rp_policy_unref(p);
}

static void test_uninitialised_collections_stay_per_transaction(void **state)
{
    (void)state;
    rp_policy_t *p = policy("SecRuleEngine On\n"
                            "SecAction \"id:1,phase:1,pass,nolog,setvar:ip.hits=+1\"\n"
                            "SecRule IP:hits \"@gt 1\" \"id:2,phase:1,deny,log\"\n");
    assert_null(p->collections); /* no initcol: no store at all */
    for (int i = 0; i < 3; i++)
        assert_false(exchange_matches(p, NULL, "192.0.2.1", 2, NULL));
    rp_policy_unref(p);
}

static void test_concurrent_loads_lose_no_increment(void **state)
{
    (void)state;
    /* initcol in phase 1, the increment in phase 2: both transactions
     * load before either writes back */
    rp_policy_t *p = policy("SecRuleEngine On\n"
                            "SecAction \"id:1,phase:1,pass,nolog,initcol:ip=%{remote_addr}\"\n"
                            "SecAction \"id:2,phase:2,pass,nolog,setvar:ip.hits=+1\"\n"
                            "SecRule IP:hits \"@eq 1\" \"id:3,phase:2,pass,log,auditlog\"\n");
    rp_tx_t *a = begin(p, NULL, "192.0.2.9");
    rp_tx_t *b = begin(p, NULL, "192.0.2.9");
    end(a);
    end(b);
    assert_true(matched(a, 3)); /* each saw its own view: 0 + 1 */
    assert_true(matched(b, 3));
    rp_tx_free(a);
    rp_tx_free(b);
    rp_arena_t *ar = rp_arena_new(4096, 0);
    assert_string_equal(stored(p->collections, "ip:192.0.2.9", "hits", time(NULL), ar), "2");
    rp_arena_free(ar);
    rp_policy_unref(p);
}

static void test_setvar_delete_expirevar_timeout(void **state)
{
    (void)state;
    rp_policy_t *p = policy(
        "SecRuleEngine On\n"
        "SecCollectionTimeout 120\n"
        "SecAction \"id:1,phase:1,pass,nolog,initcol:global=global,initcol:ip=%{remote_addr}\"\n"
        "SecRule REQUEST_URI \"@streq /login\" \"id:2,phase:1,pass,nolog,setvar:ip.flag=1,"
        "setvar:ip.gone=1,expirevar:ip.gone=0,setvar:global.seen=%{remote_addr}\"\n"
        "SecRule IP:flag \"@eq 1\" \"id:3,phase:2,pass,nolog,setvar:!ip.flag\"\n"
        "SecRule IP:TIMEOUT \"@eq 120\" \"id:4,phase:1,pass,log,auditlog\"\n");
    rp_tx_t *tx = begin(p, NULL, "192.0.2.3");
    end(tx);
    assert_true(matched(tx, 4));
    rp_tx_free(tx);
    rp_arena_t *ar = rp_arena_new(4096, 0);
    long long later = time(NULL) + 1;
    /* flag set in phase 1 and deleted in phase 2; gone expired at once */
    assert_null(stored(p->collections, "ip:192.0.2.3", "flag", later, ar));
    assert_null(stored(p->collections, "ip:192.0.2.3", "gone", later, ar));
    assert_string_equal(stored(p->collections, "global:global", "seen", later, ar), "192.0.2.3");
    coll_record_t rec;
    coll_load(p->collections, STR_AND_LEN("ip:192.0.2.3"), later, ar, &rec);
    assert_int_equal(rec.timeout, 120);
    assert_int_equal(rec.update_counter, 2); /* phases 1 and 2 wrote */
    rp_arena_free(ar);
    rp_policy_unref(p);
}

static void test_host_store_and_explicit_policy_store(void **state)
{
    (void)state;
    rp_collections_t *host = rp_collections_memory_new(0);
    rp_policy_t *p = policy(LIMITER);
    for (int i = 0; i < 4; i++)
        exchange_matches(p, host, "192.0.2.1", 2, NULL);
    rp_collections_stats_t st;
    rp_collections_stats(host, &st);
    assert_int_equal(st.records, 1);
    assert_int_equal(st.commits, 4);
    rp_collections_stats(p->collections, &st);
    assert_int_equal(st.records, 0); /* the host's store was used */
    rp_policy_unref(p);

    rp_error_t err = {0};
    p = policy_ex("collections memory 1m", LIMITER, &err);
    assert_non_null(p);
    assert_true(p->collections_explicit);
    exchange_matches(p, host, "192.0.2.1", 2, NULL);
    rp_collections_stats(p->collections, &st);
    assert_int_equal(st.records, 1); /* the policy's named store wins */
    rp_policy_unref(p);
    rp_collections_free(host);
}

static void test_hostile_keys_and_names(void **state)
{
    (void)state;
    rp_policy_t *p = policy(
        "SecRuleEngine On\n"
        "SecAction \"id:1,phase:1,pass,nolog,initcol:ip=%{REQUEST_HEADERS.X-Key}\"\n"
        "SecAction "
        "\"id:2,phase:1,pass,nolog,setvar:ip.hits=+1,setvar:'ip.%{REQUEST_HEADERS.X-Name}=1'\"\n");
    char big[2000];
    memset(big, 'k', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_connection(tx, STR_AND_LEN("192.0.2.4"), 1, STR_AND_LEN("127.0.0.1"), 80);
    rp_tx_request_line(tx, STR_AND_LEN("GET"), STR_AND_LEN("/"), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_header(tx, STR_AND_LEN("X-Key"), big, 1000);
    rp_tx_request_header(tx, STR_AND_LEN("X-Name"), big, 200);
    rp_tx_request_headers_done(tx);
    end(tx);
    rp_tx_free(tx);
    rp_collections_stats_t st;
    rp_collections_stats(p->collections, &st);
    assert_int_equal(st.records, 0); /* the key was too long: per transaction */
    assert_int_equal(st.dropped, 1);

    tx = rp_tx_new(p);
    rp_tx_connection(tx, STR_AND_LEN("192.0.2.4"), 1, STR_AND_LEN("127.0.0.1"), 80);
    rp_tx_request_line(tx, STR_AND_LEN("GET"), STR_AND_LEN("/"), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_header(tx, STR_AND_LEN("X-Key"), STR_AND_LEN("short"));
    rp_tx_request_header(tx, STR_AND_LEN("X-Name"), big, 200);
    rp_tx_request_headers_done(tx);
    end(tx);
    rp_tx_free(tx);
    rp_arena_t *ar = rp_arena_new(4096, 0);
    assert_string_equal(stored(p->collections, "ip:short", "hits", time(NULL), ar), "1");
    coll_record_t rec;
    coll_load(p->collections, STR_AND_LEN("ip:short"), time(NULL), ar, &rec);
    assert_int_equal(rec.nvars, 1); /* the 200-byte name was refused */
    rp_arena_free(ar);
    rp_policy_unref(p);
}

static void test_policy_directive(void **state)
{
    (void)state;
    static const struct {
        const char *line, *needle;
    } bad[] = {
        {"collections memory 1k", "at least 4k"},
        {"collections redis://", "host"},
        {"collections redis://127.0.0.1:99999", "port"},
        {"collections redis://127.0.0.1:6379/x", "database"},
        {"collections redis://127.0.0.1 timeout=0", "timeout"},
        {"collections mongodb://x", "usage"},
        {"collections memory\ncollections memory", "twice"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rp_error_t err = {0};
        rp_policy_t *p = policy_ex(bad[i].line, LIMITER, &err);
        assert_null(p);
        if (!strstr(err.reason, bad[i].needle))
            fail_msg("%s: got \"%s\"", bad[i].line, err.reason);
        assert_true(err.line >= 3);
    }
    rp_error_t err = {0};
    rp_policy_t *p = policy_ex("collections redis://127.0.0.1:6379/2 timeout=20ms", LIMITER, &err);
    assert_non_null(p);
    rp_policy_unref(p);
    /* initcol names a collection it can load */
    p = policy_ex(NULL, "SecAction \"id:1,phase:1,pass,initcol:tx=x\"\n", &err);
    assert_null(p);
    assert_non_null(strstr(err.reason, "initcol"));
    p = policy_ex(NULL, "SecAction \"id:1,phase:1,pass,expirevar:ip.x\"\n", &err);
    assert_null(p);
    assert_non_null(strstr(err.reason, "expirevar"));
}

/* ------------------------------------------------------- concurrency */

typedef struct {
    rp_policy_t *p;
    int n;
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < w->n; i++) {
        rp_tx_t *tx = begin(w->p, NULL, "198.51.100.1");
        end(tx);
        rp_tx_free(tx);
    }
    return NULL;
}

static void test_threads_increment_exactly(void **state)
{
    (void)state;
    rp_policy_t *p =
        policy("SecRuleEngine On\n"
               "SecAction \"id:1,phase:1,pass,nolog,initcol:ip=%{remote_addr},"
               "initcol:global=global\"\n"
               "SecAction \"id:2,phase:2,pass,nolog,setvar:ip.counter=+1,setvar:global.all=+2\"\n");
    enum { THREADS = 8, PER_THREAD = 250 };
    pthread_t t[THREADS];
    worker_t w = {p, PER_THREAD};
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &w), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    rp_arena_t *ar = rp_arena_new(4096, 0);
    char want[32];
    snprintf(want, sizeof(want), "%d", THREADS * PER_THREAD);
    assert_string_equal(stored(p->collections, "ip:198.51.100.1", "counter", time(NULL), ar), want);
    snprintf(want, sizeof(want), "%d", 2 * THREADS * PER_THREAD);
    assert_string_equal(stored(p->collections, "global:global", "all", time(NULL), ar), want);
    rp_arena_free(ar);
    rp_policy_unref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_deltas_add_up),
        cmocka_unit_test(test_store_expiry_and_timeout),
        cmocka_unit_test(test_store_evicts_when_full),
        cmocka_unit_test(test_store_bounds),
        cmocka_unit_test(test_initcol_counts_across_transactions),
        cmocka_unit_test(test_uninitialised_collections_stay_per_transaction),
        cmocka_unit_test(test_concurrent_loads_lose_no_increment),
        cmocka_unit_test(test_setvar_delete_expirevar_timeout),
        cmocka_unit_test(test_host_store_and_explicit_policy_store),
        cmocka_unit_test(test_hostile_keys_and_names),
        cmocka_unit_test(test_policy_directive),
        cmocka_unit_test(test_threads_increment_exactly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
