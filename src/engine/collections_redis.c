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
    char rate_sha[41];     /* SHA-1 of rate_script, as SCRIPT LOAD returned it */
    bool rate_loaded;      /* loaded since ctx connected */
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
    r->rate_loaded = false;
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

/* Rate limits: one script per decision applies ratelimit.c's algorithm to
 * the key's state inside Redis, which runs scripts one at a time, so a
 * decision is atomic across gateways without retries; a request's rules go
 * out as one pipelined batch (one round trip). Lua numbers are doubles:
 * every value stays an integer below 2^53 (rules are bounded so), and
 * muldiv computes a*b/d exactly where the product would not fit, so the
 * verdicts, remaining counts and waits equal the C code's (the unit test
 * compares them). KEYS[1] the record; ARGV: algorithm (t or w), limit,
 * burst, period (us), now (us), lifetime (s). State: token bucket v:a
 * tokens (millionths), v:b last refill; sliding window v:a window number,
 * v:b its count, v:p the previous window's. Returns {allowed, remaining,
 * retry after (us)}. */
static const char rate_script[] =
    "local M = 1000000\n"
    "local TWO52 = 4503599627370496\n"
    "local function muldiv(a, b, d)\n" /* q, r: a*b = q*d + r; a, b < 2^53, d <= 2^52 */
    "  local p = a * b\n"
    "  if p < TWO52 then local r = math.fmod(p, d) return (p - r) / d, r end\n"
    "  local br = math.fmod(b, d)\n"
    "  local bq = (b - br) / d\n"
    "  local q, r, bit = 0, 0, TWO52\n"
    "  while bit >= 1 do\n"
    "    q, r = q * 2, r * 2\n"
    "    if r >= d then r = r - d q = q + 1 end\n"
    "    if a >= bit then\n"
    "      a = a - bit\n"
    "      q, r = q + bq, r + br\n"
    "      if r >= d then r = r - d q = q + 1 end\n"
    "    end\n"
    "    bit = bit / 2\n"
    "  end\n"
    "  return q, r\n"
    "end\n"
    "local function num(v) return tonumber(string.match(v or '', '^%-?%d+') or '0') end\n"
    "local k = KEYS[1]\n"
    "local limit, burst = tonumber(ARGV[2]), tonumber(ARGV[3])\n"
    "local period, now = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
    "local st = redis.call('HMGET', k, 'v:a', 'v:b', 'v:p')\n"
    "local a, b = num(st[1]), num(st[2])\n"
    "local allowed, remaining, wait = 0, 0, 0\n"
    "if ARGV[1] == 't' then\n"
    "  local cap = (burst > 0 and burst or limit) * M\n"
    "  local tokens, last = a, b\n"
    "  if last == 0 then tokens = cap\n"
    "  elseif now > last then\n"
    "    local refill = muldiv(now - last, limit * M, period)\n"
    "    if refill >= cap - tokens then tokens = cap else tokens = tokens + refill end\n"
    "  end\n"
    "  if tokens >= M then\n"
    "    tokens = tokens - M\n"
    "    allowed, remaining = 1, (tokens - math.fmod(tokens, M)) / M\n"
    "  else\n"
    "    local q, r = muldiv(M - tokens, period, limit * M)\n"
    "    wait = q + (r > 0 and 1 or 0)\n"
    "  end\n"
    "  if last == 0 or now > last then last = now end\n"
    "  redis.call('HSET', k, 'v:a', string.format('%d', tokens), 'v:b', string.format('%d', "
    "last))\n"
    "else\n"
    "  local into = math.fmod(now, period)\n"
    "  local w = (now - into) / period\n"
    "  local cur, prev = b, num(st[3])\n"
    "  if a == w - 1 then prev, cur = cur, 0 elseif a ~= w then prev, cur = 0, 0 end\n"
    "  local amax = limit + burst\n"
    /* prev*(period-into) + (cur+1)*period <= amax*period, without overflow */
    "  local room = amax - cur - 1\n"
    "  local q, r = muldiv(prev, period - into, period)\n"
    "  if q < room or (q == room and r == 0) then\n"
    "    cur = cur + 1\n"
    "    allowed, remaining = 1, room - q - (r > 0 and 1 or 0)\n"
    "  else\n"
    "    if cur + 1 > amax then\n"
    "      wait = (period - into) + period * (1.0 - (amax - 1) / cur)\n"
    "    else\n"
    "      wait = period * (1.0 - (amax - 1 - cur) / prev) - into\n"
    "    end\n"
    "    if wait < 1 then wait = 1 else wait = math.ceil(wait) end\n"
    "  end\n"
    "  redis.call('HSET', k, 'v:a', string.format('%d', w), 'v:b', string.format('%d', cur),\n"
    "             'v:p', string.format('%d', prev))\n"
    "end\n"
    "redis.call('EXPIRE', k, ARGV[6])\n"
    "return {allowed, remaining, wait}\n";

/* Lock held, c connected. The script's SHA-1 as SCRIPT LOAD returns it,
 * loaded once per connection; false when Redis refused it (counted). */
static bool load_rate_script(redis_store_t *r, redisContext *c)
{
    if (r->rate_loaded)
        return true;
    redisReply *rep = redisCommand(c, "SCRIPT LOAD %b", rate_script, sizeof(rate_script) - 1);
    bool ok = rep && rep->type == REDIS_REPLY_STRING && rep->len == 40;
    if (ok) {
        memcpy(r->rate_sha, rep->str, 40);
        r->rate_loaded = true;
    }
    if (!rep)
        failed(r, "SCRIPT LOAD", c->errstr, true);
    else if (!ok)
        failed(r, "SCRIPT LOAD", rep->type == REDIS_REPLY_ERROR ? rep->str : "bad reply", false);
    if (rep)
        freeReplyObject(rep);
    return ok;
}

typedef struct {
    char alg[2], limit[24], burst[24], period[24], now[24], life[24];
    const char *argv[10];
    size_t lens[10];
} rate_args_t;

/* The command for one item: EVALSHA sha (or EVAL script) 1 key ARGV... */
static void rate_command(const redis_store_t *r, const rp_rl_batch_item_t *it, const char *k,
                         size_t klen, bool by_sha, rate_args_t *a)
{
    const rp_rl_state_step_t *st = it->step;
    const rp_rl_rule_t *rule = st->rule;
    a->alg[0] = rule->algorithm == RP_RL_TOKEN_BUCKET ? 't' : 'w';
    a->alg[1] = '\0';
    snprintf(a->limit, sizeof(a->limit), "%u", rule->limit);
    snprintf(a->burst, sizeof(a->burst), "%u", rule->burst);
    snprintf(a->period, sizeof(a->period), "%llu", (unsigned long long)rule->period_us);
    snprintf(a->now, sizeof(a->now), "%llu", (unsigned long long)st->now_us);
    snprintf(a->life, sizeof(a->life), "%lld", st->timeout_s);
    const char *v[] = {by_sha ? "EVALSHA" : "EVAL",
                       by_sha ? r->rate_sha : rate_script,
                       "1",
                       k,
                       a->alg,
                       a->limit,
                       a->burst,
                       a->period,
                       a->now,
                       a->life};
    for (int i = 0; i < 10; i++) {
        a->argv[i] = v[i];
        a->lens[i] = strlen(v[i]);
    }
    a->lens[1] = by_sha ? 40 : sizeof(rate_script) - 1;
    a->lens[3] = klen;
}

static bool reply_is_noscript(const redisReply *rep)
{
    return rep && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0;
}

/* Fill the item's decision from the script's reply. */
static rp_status_t rate_reply(redis_store_t *r, const redisReply *rep, const rp_rl_batch_item_t *it)
{
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 ||
        rep->element[0]->type != REDIS_REPLY_INTEGER ||
        rep->element[1]->type != REDIS_REPLY_INTEGER ||
        rep->element[2]->type != REDIS_REPLY_INTEGER) {
        failed(r, "EVALSHA", rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply", false);
        return RP_ERROR;
    }
    rp_rl_decision_t *out = it->step->out;
    out->allowed = rep->element[0]->integer == 1;
    long long rem = rep->element[1]->integer, wait = rep->element[2]->integer;
    out->remaining = rem < 0 ? 0 : rem > UINT32_MAX ? UINT32_MAX : (uint32_t)rem;
    out->retry_after_us = out->allowed || wait < 0 ? 0 : (uint64_t)wait;
    return RP_OK;
}

/* Lock held. Send items[0..n) (those with pending set) as one pipeline and
 * read every reply; by_sha picks EVALSHA or EVAL. Items whose script Redis
 * does not hold (NOSCRIPT: restarted, SCRIPT FLUSH) keep pending set.
 * Returns false when the connection broke (counted; it is dropped). */
static bool rate_pipeline(redis_store_t *r, redisContext *c, const rp_rl_batch_item_t *items,
                          size_t n, bool by_sha, bool *pending, rp_status_t *status)
{
    char k[sizeof(KEY_PREFIX) + COLL_MAX_KEY];
    size_t klen, sent = 0;
    for (size_t i = 0; i < n; i++) {
        if (!pending[i])
            continue;
        if (!full_key(items[i].key, items[i].key_len, k, &klen)) {
            pending[i] = false;
            continue;
        }
        rate_args_t a;
        rate_command(r, &items[i], k, klen, by_sha, &a);
        if (redisAppendCommandArgv(c, 10, a.argv, a.lens) != REDIS_OK) {
            failed(r, "EVALSHA", c->errstr, true);
            return false;
        }
        sent++;
    }
    for (size_t i = 0; i < n && sent; i++) {
        if (!pending[i])
            continue;
        redisReply *rep = NULL;
        if (redisGetReply(c, (void **)&rep) != REDIS_OK || !rep) {
            failed(r, "EVALSHA", c->errstr, true);
            return false;
        }
        sent--;
        if (!reply_is_noscript(rep)) {
            status[i] = rate_reply(r, rep, &items[i]);
            pending[i] = false;
        }
        freeReplyObject(rep);
    }
    return true;
}

static void redis_rate_take_batch(rp_collections_t *coll, const rp_rl_batch_item_t *items, size_t n,
                                  rp_status_t *status)
{
    redis_store_t *r = (redis_store_t *)coll;
    bool pending[64];
    if (n > 64)
        n = 64; /* the caller sends at most 32 */
    for (size_t i = 0; i < n; i++) {
        status[i] = RP_ERROR;
        pending[i] = true;
    }
    pthread_mutex_lock(&r->lock);
    redisContext *c = connection(r);
    if (c && load_rate_script(r, c) && rate_pipeline(r, c, items, n, true, pending, status)) {
        /* NOSCRIPT: Redis lost the script since it was loaded; EVAL sends
         * it with the command and caches it again */
        bool again = false;
        for (size_t i = 0; i < n; i++)
            again |= pending[i];
        if (again)
            rate_pipeline(r, c, items, n, false, pending, status);
    }
    pthread_mutex_unlock(&r->lock);
}

static rp_status_t redis_rate_take(rp_collections_t *c, const char *key, size_t key_len,
                                   const rp_rl_state_step_t *step)
{
    rp_rl_batch_item_t item = {.key = key, .key_len = key_len, .step = step};
    rp_status_t status;
    redis_rate_take_batch(c, &item, 1, &status);
    return status;
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
    .rate_take_batch = redis_rate_take_batch,
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
