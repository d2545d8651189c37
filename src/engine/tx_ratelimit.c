/*
 * tx_ratelimit.c — a request counted against the policy's rate limits once
 * its headers are in (and after the OpenAPI check, so "route" keys use the
 * spec's path template: /citizens/{id}, not one key per citizen).
 *
 * A rule applies when its path prefix and method match and every part of
 * its key is present (a rule keyed by API key ignores requests without
 * one; pair it with an addr rule). A refusal is a match of detector
 * "ratelimit" with status 429; the longest wait becomes the verdict's
 * retry_after, which the nginx module sends as Retry-After.
 */
#include <string.h>
#include <strings.h>

#include "ratelimit_policy.h"
#include "tx_t.h"
#include "urldecode.h"

/* Append one key part; false when the request lacks it. */
static bool key_part(const rp_tx_t *tx, const rl_key_part_t *k, rp_abuf_t *key)
{
    const char *v = NULL;
    size_t vlen = 0;
    const rp_api_field_t *h;
    switch (k->kind) {
    case RL_KEY_ADDR:
        v = tx->client_addr;
        vlen = strlen(v);
        break;
    case RL_KEY_HEADER:
        if ((h = rp_tx_find_header(tx, k->name, k->name_len))) {
            v = h->value;
            vlen = h->value_len;
        }
        break;
    case RL_KEY_COOKIE:
        rp_tx_find_cookie(tx, k->name, k->name_len, &v, &vlen);
        break;
    case RL_KEY_ARG:
        rp_tx_find_arg(tx, k->name, k->name_len, &v, &vlen);
        break;
    case RL_KEY_APIKEY:
        if ((h = rp_tx_find_header(tx, "x-api-key", 9))) {
            v = h->value;
            vlen = h->value_len;
        } else {
            rp_tx_find_arg(tx, "api_key", 7, &v, &vlen);
        }
        break;
    case RL_KEY_ROUTE:
        if (rp_abuf_append(key, tx->method, strlen(tx->method)) < 0 || rp_abuf_putc(key, ' ') < 0)
            return false;
        v = tx->api_op ? rp_openapi_op_template(tx->api_op) : tx->path;
        vlen = v ? strlen(v) : 0;
        break;
    }
    if (!v || !vlen)
        return false;
    /* a separator that cannot appear unescaped keeps parts apart */
    return rp_abuf_putc(key, '\x1f') == 0 && rp_abuf_append(key, v, vlen) == 0;
}

static bool rule_applies(const rp_tx_t *tx, const rl_policy_rule_t *r)
{
    if (r->method[0] && strcasecmp(r->method, tx->method) != 0)
        return false;
    if (!r->path_prefix[0])
        return true;
    const char *path = tx->path ? tx->path : tx->uri;
    return strncmp(path, r->path_prefix, strlen(r->path_prefix)) == 0;
}

rp_status_t rp_tx_ratelimits(rp_tx_t *tx)
{
    const rp_policy_t *p = tx->policy;
    rp_collections_t *store =
        p->collections_explicit || !tx->collections ? p->collections : tx->collections;
    /* every applicable rule decided in one exchange with the store (Redis:
     * one pipelined round trip), then the refusals recorded in file order */
    rp_rl_request_t reqs[RP_MAX_RATELIMITS];
    const rl_policy_rule_t *rules[RP_MAX_RATELIMITS];
    size_t n = 0;
    for (size_t i = 0; i < p->nratelimits && n < RP_MAX_RATELIMITS; i++) {
        const rl_policy_rule_t *r = &p->ratelimits[i];
        if (!rule_applies(tx, r))
            continue;
        rp_abuf_t key;
        rp_abuf_init(&key, tx->arena);
        if (rp_abuf_append(&key, r->name, strlen(r->name)) < 0)
            return RP_NOMEM;
        bool complete = true;
        for (size_t k = 0; k < r->nkeys && complete; k++)
            complete = key_part(tx, &r->keys[k], &key);
        if (!complete)
            continue;
        reqs[n] = (rp_rl_request_t){.rule = &r->rule, .key = key.data, .key_len = key.len};
        rules[n++] = r;
    }
    if (!n)
        return RP_OK;
    rp_rl_decision_t d[RP_MAX_RATELIMITS];
    rp_ratelimit_take_many(store, reqs, n, rp_ratelimit_now_us(), d);
    for (size_t i = 0; i < n; i++) {
        const rl_policy_rule_t *r = rules[i];
        if (d[i].allowed)
            continue;
        size_t nl = strlen(r->name);
        char *target = rp_arena_alloc(tx->arena, nl + 11);
        if (!target)
            return RP_NOMEM;
        memcpy(target, "ratelimit:", 10);
        memcpy(target + 10, r->name, nl + 1);
        rp_tx_add_match(tx, "ratelimit", "ratelimit", target,
                        d[i].store_failed ? "store unavailable: refused (store_down=deny)"
                                          : "rate limit exceeded",
                        "", r->detect ? 0 : 5, !r->detect, 429);
        if (!r->detect && d[i].retry_after_us > tx->retry_after_us)
            tx->retry_after_us = d[i].retry_after_us;
    }
    return RP_OK;
}
