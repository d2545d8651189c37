/*
 * collections_redis.c — the Redis collection store (hiredis).
 *
 * One Redis hash per record, under "rampart:COLLECTION:KEY": a variable is
 * field "v:NAME", its expiry (epoch seconds) "e:NAME", and the record's
 * built-ins "m:create", "m:update", "m:counter", "m:timeout". A commit is
 * one EVAL of a small Lua script that re-reads the record and applies the
 * transaction's changes inside Redis, which runs scripts one at a time: two
 * hosts adding 1 to ip.counter add 2. Each write renews the key's EXPIRE to
 * the record timeout, so Redis itself drops idle records.
 *
 * Commands block the calling thread (an nginx worker), so every connect and
 * command has a short timeout, and the store fails open: when Redis does not
 * answer, rules see empty collections, the changes are dropped, the failure
 * is counted ("errors") and logged at most every 10 s, and no command is
 * tried for the next second — a dead Redis costs one timeout per second, not
 * one per request. One connection per process (made on first use, again
 * after fork), serialised by a mutex for threaded hosts.
 */
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collections.h"

#define DEFAULT_TIMEOUT_MS 50
#define RETRY_AFTER_MS     1000
#define LOG_EVERY_MS       10000
#define KEY_PREFIX         "rampart:"

typedef struct {
    rp_collections_t head;
    pthread_mutex_t lock;
    char host[256];
    int port;
    int db;
    unsigned timeout_ms;
    redisContext *ctx;
    pid_t pid;             /* process that owns ctx */
    long long retry_at;    /* monotonic ms: no attempt before */
    long long last_log;    /* monotonic ms of the last error line */
    unsigned long quieted; /* errors not logged since */
} redis_store_t;

/* The commit: KEYS[1] the record, ARGV[1] now, ARGV[2] the timeout of a new
 * record, then one (op, name, value) triple per change — s(et), a(dd),
 * d(elete), e(xpire), t(imeout). Expired variables are dropped before a
 * change reads them, as the memory store does. */
static const char commit_script[] =
    "local k = KEYS[1]\n"
    "local now = tonumber(ARGV[1])\n"
    "local timeout = tonumber(redis.call('HGET', k, 'm:timeout') or ARGV[2])\n"
    "if redis.call('HEXISTS', k, 'm:create') == 0 then\n"
    "  redis.call('HSET', k, 'm:create', ARGV[1], 'm:counter', 0)\n"
    "end\n"
    "for i = 3, #ARGV - 2, 3 do\n"
    "  local op, vk, ek = ARGV[i], 'v:' .. ARGV[i + 1], 'e:' .. ARGV[i + 1]\n"
    "  local val = ARGV[i + 2]\n"
    "  local exp = tonumber(redis.call('HGET', k, ek) or '')\n"
    "  if exp and exp <= now then redis.call('HDEL', k, vk, ek) end\n"
    "  if op == 's' then\n"
    "    redis.call('HSET', k, vk, val)\n"
    "  elseif op == 'a' then\n"
    "    local m = string.match(redis.call('HGET', k, vk) or '', '^%s*[-+]?%d+')\n"
    "    local cur = (m and tonumber(m)) or 0\n"
    "    redis.call('HSET', k, vk, string.format('%d', cur + tonumber(val)))\n"
    "  elseif op == 'd' then\n"
    "    redis.call('HDEL', k, vk, ek)\n"
    "  elseif op == 'e' then\n"
    "    if redis.call('HEXISTS', k, vk) == 1 then\n"
    "      redis.call('HSET', k, ek, now + tonumber(val))\n"
    "    end\n"
    "  elseif op == 't' then\n"
    "    timeout = tonumber(val)\n"
    "  end\n"
    "end\n"
    "redis.call('HSET', k, 'm:update', ARGV[1], 'm:timeout', timeout)\n"
    "redis.call('HINCRBY', k, 'm:counter', 1)\n"
    "redis.call('EXPIRE', k, timeout)\n"
    "return 1\n";

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Lock held. Count the failure, log it unless one was logged recently, and
 * when the connection is broken drop it and pause. */
static void failed(redis_store_t *r, const char *what, const char *why, bool broken)
{
    atomic_fetch_add_explicit(&r->head.errors, 1, memory_order_relaxed);
    long long now = monotonic_ms();
    if (r->last_log == 0 || now - r->last_log >= LOG_EVERY_MS) {
        coll_log(&r->head,
                 "collections: redis %s:%d %s failed: %s; failing open (collections empty, "
                 "changes dropped)%s",
                 r->host, r->port, what, why ? why : "no answer",
                 r->quieted ? ", earlier errors not logged" : "");
        r->last_log = now;
        r->quieted = 0;
    } else {
        r->quieted++;
    }
    if (broken) {
        if (r->ctx)
            redisFree(r->ctx);
        r->ctx = NULL;
        r->retry_at = now + RETRY_AFTER_MS;
    }
}

static struct timeval timeout_tv(const redis_store_t *r)
{
    return (struct timeval){.tv_sec = r->timeout_ms / 1000,
                            .tv_usec = (suseconds_t)(r->timeout_ms % 1000) * 1000};
}

/* Lock held. The process's connection, or NULL (failure already counted,
 * or still pausing after one). */
static redisContext *connection(redis_store_t *r)
{
    if (r->ctx && r->pid != getpid()) {
        /* inherited across fork: the parent keeps using the socket */
        redisFree(r->ctx);
        r->ctx = NULL;
    }
    if (r->ctx)
        return r->ctx;
    if (r->retry_at && monotonic_ms() < r->retry_at)
        return NULL;
    redisContext *c = redisConnectWithTimeout(r->host, r->port, timeout_tv(r));
    if (!c || c->err) {
        r->ctx = c;
        failed(r, "connect", c ? c->errstr : "out of memory", true);
        return NULL;
    }
    redisSetTimeout(c, timeout_tv(r));
    r->ctx = c;
    r->pid = getpid();
    if (r->db) {
        redisReply *rep = redisCommand(c, "SELECT %d", r->db);
        bool ok = rep && rep->type == REDIS_REPLY_STATUS;
        if (rep)
            freeReplyObject(rep);
        if (!ok) {
            failed(r, "SELECT", c->err ? c->errstr : "refused", true);
            return NULL;
        }
    }
    return c;
}

/* Lock held. Run one command; NULL on failure (counted). */
static redisReply *command(redis_store_t *r, const char *what, int argc, const char **argv,
                           const size_t *lens)
{
    redisContext *c = connection(r);
    if (!c)
        return NULL;
    redisReply *rep = redisCommandArgv(c, argc, argv, lens);
    if (!rep) {
        failed(r, what, c->errstr, true);
        return NULL;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        failed(r, what, rep->str, false);
        freeReplyObject(rep);
        return NULL;
    }
    return rep;
}

static bool full_key(const char *key, size_t key_len, char *out, size_t *out_len)
{
    size_t p = sizeof(KEY_PREFIX) - 1;
    if (key_len > COLL_MAX_KEY)
        return false;
    memcpy(out, KEY_PREFIX, p);
    memcpy(out + p, key, key_len);
    *out_len = p + key_len;
    return true;
}

static bool field_is(const redisReply *f, const char *name)
{
    size_t n = strlen(name);
    return f->type == REDIS_REPLY_STRING && f->len == n && memcmp(f->str, name, n) == 0;
}

/* Is variable name[0..len) past its "e:" expiry in the HGETALL reply? */
static bool var_expired(const redisReply *rep, const char *name, size_t len, long long now)
{
    for (size_t i = 0; i + 1 < rep->elements; i += 2) {
        const redisReply *f = rep->element[i];
        if (f->len == len + 2 && memcmp(f->str, "e:", 2) == 0 && memcmp(f->str + 2, name, len) == 0)
            return coll_number(rep->element[i + 1]->str, rep->element[i + 1]->len) <= now;
    }
    return false;
}

static rp_status_t parse_record(const redisReply *rep, long long now, rp_arena_t *arena,
                                coll_record_t *out)
{
    out->found = rep->elements > 0;
    out->vars = rp_arena_alloc(arena, (rep->elements / 2 + 1) * sizeof(*out->vars));
    if (!out->vars)
        return RP_NOMEM;
    for (size_t i = 0; i + 1 < rep->elements; i += 2) {
        const redisReply *f = rep->element[i], *v = rep->element[i + 1];
        if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        long long n = coll_number(v->str, v->len);
        if (field_is(f, "m:create"))
            out->create_time = n;
        else if (field_is(f, "m:update"))
            out->last_update = n;
        else if (field_is(f, "m:counter"))
            out->update_counter = n;
        else if (field_is(f, "m:timeout"))
            out->timeout = n;
        else if (f->len > 2 && memcmp(f->str, "v:", 2) == 0 && f->len - 2 <= COLL_MAX_NAME &&
                 !var_expired(rep, f->str + 2, f->len - 2, now)) {
            coll_var_t *o = &out->vars[out->nvars];
            size_t vlen = v->len > COLL_MAX_VALUE ? COLL_MAX_VALUE : v->len;
            o->name = rp_arena_strndup(arena, f->str + 2, f->len - 2);
            o->value = rp_arena_strndup(arena, v->str, vlen);
            if (!o->name || !o->value)
                return RP_NOMEM;
            o->name_len = f->len - 2;
            o->value_len = vlen;
            out->nvars++;
        }
    }
    return RP_OK;
}

static rp_status_t redis_load(rp_collections_t *c, const char *key, size_t key_len, long long now,
                              rp_arena_t *arena, coll_record_t *out)
{
    redis_store_t *r = (redis_store_t *)c;
    char k[sizeof(KEY_PREFIX) + COLL_MAX_KEY];
    size_t klen;
    memset(out, 0, sizeof(*out));
    if (!full_key(key, key_len, k, &klen))
        return RP_ERROR;
    const char *argv[] = {"HGETALL", k};
    const size_t lens[] = {7, klen};
    pthread_mutex_lock(&r->lock);
    redisReply *rep = command(r, "HGETALL", 2, argv, lens);
    rp_status_t rc = RP_ERROR;
    if (rep && rep->type == REDIS_REPLY_ARRAY)
        rc = parse_record(rep, now, arena, out);
    if (rep)
        freeReplyObject(rep);
    pthread_mutex_unlock(&r->lock);
    return rc;
}

static rp_status_t redis_apply(rp_collections_t *c, const char *key, size_t key_len,
                               const coll_op_t *ops, size_t nops, long long now, long long timeout)
{
    redis_store_t *r = (redis_store_t *)c;
    if (nops > COLL_MAX_OPS)
        nops = COLL_MAX_OPS;
    char k[sizeof(KEY_PREFIX) + COLL_MAX_KEY];
    size_t klen;
    if (!full_key(key, key_len, k, &klen))
        return RP_ERROR;
    size_t argc = 6 + 3 * nops;
    const char **argv = malloc(argc * sizeof(*argv));
    size_t *lens = malloc(argc * sizeof(*lens));
    char(*nums)[24] = malloc((nops + 2) * sizeof(*nums));
    rp_status_t rc = RP_NOMEM;
    if (!argv || !lens || !nums)
        goto out;
    size_t n = 0;
#define ARG(s, l) (argv[n] = (s), lens[n] = (l), n++)
#define NUM(i, v) ARG(nums[i], (size_t)snprintf(nums[i], sizeof(nums[i]), "%lld", (long long)(v)))
    ARG("EVAL", 4);
    ARG(commit_script, sizeof(commit_script) - 1);
    ARG("1", 1);
    ARG(k, klen);
    NUM(0, now);
    NUM(1, timeout);
    for (size_t i = 0; i < nops; i++) {
        const coll_op_t *op = &ops[i];
        static const char kinds[][2] = {"s", "a", "d", "e", "t"};
        if (op->name_len > COLL_MAX_NAME)
            continue;
        ARG(kinds[op->kind], 1);
        ARG(op->name, op->name_len);
        if (op->kind == COLL_OP_SET)
            ARG(op->value, op->value_len > COLL_MAX_VALUE ? COLL_MAX_VALUE : op->value_len);
        else
            NUM(i + 2, op->num);
    }
#undef NUM
#undef ARG
    pthread_mutex_lock(&r->lock);
    redisReply *rep = command(r, "EVAL", (int)n, argv, lens);
    pthread_mutex_unlock(&r->lock);
    rc = rep ? RP_OK : RP_ERROR;
    if (rep)
        freeReplyObject(rep);
out:
    free(argv);
    free(lens);
    free(nums);
    return rc;
}

/* Rate limits: the decision is computed here, in C, from the state read
 * with HMGET, and written back by a compare-and-set script that refuses
 * when another host changed the state in between; the loser reads again.
 * One algorithm for every store, exact across hosts; two round trips per
 * decision when uncontended. KEYS[1] the record; ARGV: the old a and b as
 * read ("" for none), the new a and b, the key's lifetime in seconds. */
static const char rate_cas_script[] =
    "local k = KEYS[1]\n"
    "if (redis.call('HGET', k, 'v:a') or '') ~= ARGV[1] or\n"
    "   (redis.call('HGET', k, 'v:b') or '') ~= ARGV[2] then return 0 end\n"
    "redis.call('HSET', k, 'v:a', ARGV[3], 'v:b', ARGV[4])\n"
    "redis.call('EXPIRE', k, ARGV[5])\n"
    "return 1\n";

/* Two hosts that read and write in lock step would make the same one lose
 * every time: a loser waits a random, growing while before reading again.
 * After the last try the request is refused (RP_LIMIT), never let through
 * uncounted. */
#define RATE_CAS_TRIES 64

static void reply_text(const redisReply *e, char *out, size_t cap)
{
    size_t n = e && e->type == REDIS_REPLY_STRING ? e->len : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, n ? e->str : "", n);
    out[n] = '\0';
}

static rp_status_t redis_rate_take(rp_collections_t *c, const char *key, size_t key_len,
                                   const rp_rl_state_step_t *step)
{
    redis_store_t *r = (redis_store_t *)c;
    char k[sizeof(KEY_PREFIX) + COLL_MAX_KEY];
    size_t klen;
    if (!full_key(key, key_len, k, &klen))
        return RP_ERROR;
    rp_status_t rc = RP_ERROR;
    pthread_mutex_lock(&r->lock);
    for (int attempt = 0; attempt < RATE_CAS_TRIES; attempt++) {
        const char *get[] = {"HMGET", k, "v:a", "v:b"};
        size_t get_lens[] = {5, klen, 3, 3};
        redisReply *rep = command(r, "HMGET", 4, get, get_lens);
        if (!rep)
            break;
        char old_a[24], old_b[24], new_a[24], new_b[24], life[24];
        reply_text(rep->elements > 0 ? rep->element[0] : NULL, old_a, sizeof(old_a));
        reply_text(rep->elements > 1 ? rep->element[1] : NULL, old_b, sizeof(old_b));
        freeReplyObject(rep);
        long long na, nb;
        step->fn(step, coll_number(old_a, strlen(old_a)), coll_number(old_b, strlen(old_b)), &na,
                 &nb);
        snprintf(new_a, sizeof(new_a), "%lld", na);
        snprintf(new_b, sizeof(new_b), "%lld", nb);
        snprintf(life, sizeof(life), "%lld", step->timeout_s);
        const char *set[] = {"EVAL", rate_cas_script, "1", k, old_a, old_b, new_a, new_b, life};
        size_t set_lens[] = {4,
                             sizeof(rate_cas_script) - 1,
                             1,
                             klen,
                             strlen(old_a),
                             strlen(old_b),
                             strlen(new_a),
                             strlen(new_b),
                             strlen(life)};
        rep = command(r, "EVAL", 9, set, set_lens);
        if (!rep)
            break;
        bool swapped = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
        freeReplyObject(rep);
        if (swapped) {
            rc = RP_OK;
            break;
        }
        rc = RP_LIMIT;
        unsigned seed =
            (unsigned)(uintptr_t)&attempt ^ (unsigned)monotonic_ms() ^ (unsigned)attempt;
        usleep((useconds_t)(rand_r(&seed) % (50u * (unsigned)(attempt + 1))));
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

static void redis_stats(rp_collections_t *c, rp_collections_stats_t *out)
{
    (void)c;
    (void)out; /* Redis counts its own keys; errors are counted in the head */
}

static void redis_destroy(rp_collections_t *c)
{
    redis_store_t *r = (redis_store_t *)c;
    if (r->ctx)
        redisFree(r->ctx);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static const coll_backend_t redis_backend = {
    .load = redis_load,
    .apply = redis_apply,
    .rate_take = redis_rate_take,
    .stats = redis_stats,
    .destroy = redis_destroy,
};

/* redis://HOST[:PORT][/DB] */
static bool parse_url(redis_store_t *r, const char *url, rp_error_t *err)
{
    const char *p = url;
    if (strncmp(p, "redis://", 8) != 0) {
        snprintf(err->reason, sizeof(err->reason), "collections: expected redis://HOST:PORT[/DB]");
        return false;
    }
    p += 8;
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= sizeof(r->host)) {
        snprintf(err->reason, sizeof(err->reason), "collections: missing or long Redis host");
        return false;
    }
    memcpy(r->host, p, hl);
    r->host[hl] = '\0';
    p += hl;
    r->port = 6379;
    char *end;
    if (*p == ':') {
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port < 1 || port > 65535) {
            snprintf(err->reason, sizeof(err->reason), "collections: bad Redis port");
            return false;
        }
        r->port = (int)port;
        p = end;
    }
    if (*p == '/' && p[1]) {
        long db = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end || db < 0 || db > 1024) {
            snprintf(err->reason, sizeof(err->reason), "collections: bad Redis database number");
            return false;
        }
        r->db = (int)db;
        p = end;
    } else if (*p == '/') {
        p++;
    }
    if (*p) {
        snprintf(err->reason, sizeof(err->reason), "collections: unexpected \"%s\" in Redis URL",
                 p);
        return false;
    }
    return true;
}

rp_collections_t *rp_collections_redis_new(const char *url, unsigned timeout_ms, rp_error_t *err)
{
    rp_error_t local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof(*err));
    redis_store_t *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    coll_init(&r->head, &redis_backend);
    if (!parse_url(r, url, err) || pthread_mutex_init(&r->lock, NULL) != 0) {
        free(r);
        return NULL;
    }
    r->timeout_ms = timeout_ms ? timeout_ms : DEFAULT_TIMEOUT_MS;
    return &r->head;
}
