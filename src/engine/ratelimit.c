/*
 * ratelimit.c — the two algorithms and the decision on a store.
 *
 * Token bucket (as in RFC 2697's committed bucket): a key holds up to
 * burst tokens (limit when burst is 0), refilled at limit per period; a
 * request takes one. State: tokens in millionths, and the time of the last
 * refill in microseconds.
 *
 * Sliding window (the weighted two-window counter Cloudflare and nginx
 * Plus describe): the count of the current fixed window plus the previous
 * window's count weighted by how much of it still overlaps the sliding
 * window; a request is allowed while that estimate stays within
 * limit + burst. State: the current window's number, and both counts.
 *
 * Integer arithmetic on microseconds and millionths, so counts are exact:
 * N tokens allow exactly N requests whatever the thread interleaving.
 */
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "collections.h"
#include "rampart/ratelimit.h"

#define MICRO 1000000LL

typedef struct {
    const rp_rl_rule_t *rule;
    uint64_t now;
    rp_rl_decision_t *out;
} take_ctx_t;

static void token_bucket(const rp_rl_state_step_t *step, long long tokens, long long last,
                         long long *new_tokens, long long *new_last)
{
    const take_ctx_t *t = step->ctx;
    const rp_rl_rule_t *r = t->rule;
    long long cap = (long long)(r->burst ? r->burst : r->limit) * MICRO;
    long long now = (long long)t->now;
    if (last == 0) {
        tokens = cap; /* a new key starts full */
    } else if (now > last) {
        __int128 refill = (__int128)(now - last) * r->limit * MICRO / (__int128)r->period_us;
        tokens = refill >= cap - tokens ? cap : tokens + (long long)refill;
    }
    if (tokens >= MICRO) {
        tokens -= MICRO;
        t->out->allowed = true;
        t->out->remaining = (uint32_t)(tokens / MICRO);
    } else {
        t->out->allowed = false;
        t->out->remaining = 0;
        __int128 wait =
            ((__int128)(MICRO - tokens) * r->period_us + (__int128)r->limit * MICRO - 1) /
            ((__int128)r->limit * MICRO);
        t->out->retry_after_us = (uint64_t)wait;
    }
    *new_tokens = tokens;
    *new_last = last == 0 || now > last ? now : last;
}

static void sliding_window(const rp_rl_state_step_t *step, long long window, long long counts,
                           long long *new_window, long long *new_counts)
{
    const take_ctx_t *t = step->ctx;
    const rp_rl_rule_t *r = t->rule;
    long long period = (long long)r->period_us, now = (long long)t->now;
    long long w = now / period, into = now % period;
    long long cur = counts & 0xffffffffLL, prev = (counts >> 32) & 0xffffffffLL;
    if (window == w - 1) {
        prev = cur;
        cur = 0;
    } else if (window != w) {
        prev = cur = 0;
    }
    long long allowed_max = (long long)r->limit + r->burst;
    /* estimate = prev * (period - into) / period + cur, compared without division */
    __int128 scaled = (__int128)prev * (period - into) + (__int128)(cur + 1) * period;
    if (scaled <= (__int128)allowed_max * period) {
        cur++;
        t->out->allowed = true;
        __int128 left = ((__int128)allowed_max * period - scaled) / period;
        t->out->remaining = (uint32_t)(left > UINT32_MAX ? UINT32_MAX : left);
    } else {
        t->out->allowed = false;
        t->out->remaining = 0;
        double wait;
        if (cur + 1 > allowed_max) /* wait into the next window until cur's weight drops */
            wait = (double)(period - into) +
                   (double)period * (1.0 - (double)(allowed_max - 1) / (double)cur);
        else /* wait until the previous window's weight drops enough */
            wait = (double)period * (1.0 - (double)(allowed_max - 1 - cur) / (double)prev) -
                   (double)into;
        t->out->retry_after_us = wait < 1 ? 1 : (uint64_t)ceil(wait);
    }
    *new_window = w;
    *new_counts = (prev << 32) | (cur & 0xffffffffLL);
}

uint64_t rp_ratelimit_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* "rl:" and the key, or its SHA-256 when long: store keys are bounded. */
static size_t store_key(const char *key, size_t len, char *out)
{
    memcpy(out, "rl:", 3);
    if (len <= 200) {
        memcpy(out + 3, key, len);
        return 3 + len;
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL);
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < mdlen; i++) {
        out[3 + 2 * i] = hex[md[i] >> 4];
        out[4 + 2 * i] = hex[md[i] & 15];
    }
    return 3 + 2 * mdlen;
}

/* Rules the stores can decide exactly: the Redis script computes in
 * doubles, exact for integers below 2^53 (periods below ~142 years). */
static bool rule_valid(const rp_rl_rule_t *rule)
{
    return rule->limit && rule->period_us && rule->limit <= 0x7fffffffu &&
           rule->burst <= 0x7fffffffu && rule->period_us <= RP_RL_MAX_PERIOD_US;
}

static void prepare(const rp_rl_rule_t *rule, uint64_t now_us, rp_rl_decision_t *out,
                    take_ctx_t *ctx, rp_rl_state_step_t *step)
{
    *ctx = (take_ctx_t){.rule = rule, .now = now_us, .out = out};
    uint64_t lifetime_us =
        rule->algorithm == RP_RL_TOKEN_BUCKET
            ? rule->period_us * ((rule->burst ? rule->burst : rule->limit) / rule->limit + 1)
            : 2 * rule->period_us;
    *step = (rp_rl_state_step_t){
        .fn = rule->algorithm == RP_RL_TOKEN_BUCKET ? token_bucket : sliding_window,
        .ctx = ctx,
        .timeout_s = (long long)(lifetime_us / 1000000u) + 1,
        .rule = rule,
        .now_us = now_us,
        .out = out,
    };
}

/* The decision once the store has answered with rc. */
static void settle(rp_collections_t *store, const rp_rl_rule_t *rule, rp_status_t rc,
                   rp_rl_decision_t *out)
{
    if (rc != RP_OK) {
        memset(out, 0, sizeof(*out));
        out->store_failed = true;
        out->allowed = !rule->fail_closed;
        out->retry_after_us = rule->fail_closed ? 1000000u : 0;
        if (store)
            atomic_fetch_add_explicit(&store->errors, 1, memory_order_relaxed);
    }
}

rp_status_t rp_ratelimit_take(rp_collections_t *store, const rp_rl_rule_t *rule, const char *key,
                              size_t key_len, uint64_t now_us, rp_rl_decision_t *out)
{
    rp_rl_request_t req = {.rule = rule, .key = key, .key_len = key_len};
    return rp_ratelimit_take_many(store, &req, 1, now_us, out);
}

#define BATCH 32

rp_status_t rp_ratelimit_take_many(rp_collections_t *store, const rp_rl_request_t *reqs, size_t n,
                                   uint64_t now_us, rp_rl_decision_t *out)
{
    rp_status_t result = RP_OK;
    for (size_t base = 0; base < n; base += BATCH) {
        size_t m = n - base < BATCH ? n - base : BATCH, live = 0;
        take_ctx_t ctx[BATCH];
        rp_rl_state_step_t step[BATCH];
        rp_rl_batch_item_t items[BATCH];
        rp_status_t status[BATCH];
        size_t index[BATCH];
        char keys[BATCH][3 + 201];
        for (size_t i = 0; i < m; i++) {
            const rp_rl_request_t *q = &reqs[base + i];
            rp_rl_decision_t *o = &out[base + i];
            memset(o, 0, sizeof(*o));
            if (!rule_valid(q->rule)) {
                result = RP_ERROR;
                continue;
            }
            prepare(q->rule, now_us, o, &ctx[live], &step[live]);
            items[live] = (rp_rl_batch_item_t){.key = keys[live],
                                               .key_len = store_key(q->key, q->key_len, keys[live]),
                                               .step = &step[live]};
            status[live] = RP_ERROR;
            index[live++] = base + i;
        }
        if (store && store->be->rate_take_batch && live) {
            store->be->rate_take_batch(store, items, live, status);
        } else if (store && store->be->rate_take) {
            for (size_t i = 0; i < live; i++)
                status[i] =
                    store->be->rate_take(store, items[i].key, items[i].key_len, items[i].step);
        }
        for (size_t i = 0; i < live; i++)
            settle(store, reqs[index[i]].rule, status[i], &out[index[i]]);
    }
    return result;
}
