/*
 * ratelimit.h — request rate limits: a token bucket or a sliding window
 * per key, counted in a collections store (collections.h) so that every
 * nginx worker (shared store) or every gateway (Redis) sees one count.
 *
 * A decision is one atomic read-modify-write of the key's record in the
 * store: under the store's lock for the memory and shared stores; for
 * Redis one server-side script that applies the same algorithm to the
 * key's state inside Redis (which runs scripts one at a time). When the store cannot answer (Redis
 * down) the rule's fail mode decides: open allows, closed refuses.
 *
 * Policies name rules with the "ratelimit" directive (docs/POLICY.md);
 * this header is the engine's decision, for hosts and benchmarks.
 */
#ifndef RAMPART_RATELIMIT_H
#define RAMPART_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rampart/collections.h"
#include "rampart/status.h"

typedef enum {
    RP_RL_TOKEN_BUCKET = 0, /* refills limit tokens per period, holds at most burst */
    RP_RL_SLIDING_WINDOW    /* at most limit (+ burst) in any window of one period */
} rp_rl_algorithm_t;

/* The longest period a rule may have (2^52 us, about 142 years). */
#define RP_RL_MAX_PERIOD_US (1ull << 52)

typedef struct {
    rp_rl_algorithm_t algorithm;
    uint32_t limit;     /* requests per period, > 0 */
    uint64_t period_us; /* > 0 */
    uint32_t burst;     /* token bucket: capacity (0: limit); window: extra allowed */
    bool fail_closed;   /* store unavailable: refuse (true) or allow (false) */
} rp_rl_rule_t;

typedef struct {
    bool allowed;
    bool store_failed;       /* the store did not answer: the fail mode decided */
    uint32_t remaining;      /* requests still allowed now */
    uint64_t retry_after_us; /* when refused: until one more would be allowed */
} rp_rl_decision_t;

/* Count one request for key (any bytes, at most 200; longer keys are
 * hashed) at now_us (microseconds, CLOCK_REALTIME) and decide. Returns
 * RP_OK with *out filled, or RP_ERROR for a rule that makes no sense. */
rp_status_t rp_ratelimit_take(rp_collections_t *store, const rp_rl_rule_t *rule, const char *key,
                              size_t key_len, uint64_t now_us, rp_rl_decision_t *out);

/* One request's decisions under several rules at once, in one exchange
 * with the store (Redis: one pipelined batch, one round trip); out[i] as
 * rp_ratelimit_take's for reqs[i]. Returns RP_OK, or RP_ERROR when some
 * rule makes no sense (its out[i] is then a refusal). */
typedef struct {
    const rp_rl_rule_t *rule;
    const char *key;
    size_t key_len;
} rp_rl_request_t;

rp_status_t rp_ratelimit_take_many(rp_collections_t *store, const rp_rl_request_t *reqs, size_t n,
                                   uint64_t now_us, rp_rl_decision_t *out);

/* Microseconds since the epoch, for now_us. */
uint64_t rp_ratelimit_now_us(void);

#endif
