/*
 * tx_abuse.c — enumeration and credential stuffing, per client:
 *
 *   enumerate  distinct record ids one client address reads through a
 *              path template (/api/citizens/{id}) in a window;
 *   login      distinct user names one address tries on a login route
 *              (credential stuffing, brute force over accounts), and
 *              distinct accounts one password is tried on from anywhere
 *              (password spraying).
 *
 * Counting distinct items reuses the rate limiter's atomic step twice:
 * a one-token bucket per (subject, item) says whether the item is new in
 * the window, and only a new item takes from the subject's window of LIMIT.
 * So re-reading one record costs nothing, every worker (nginx zone) and
 * gateway (Redis) counts into one set, and the store's size and eviction
 * bound the memory (a bounded set, not a sketch: exact while it fits).
 * Passwords are never stored: only an HMAC-SHA-256 of them under the
 * policy's key (abuse_policy.h).
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "abuse_policy.h"
#include "policy_t.h"
#include "rampart/ratelimit.h"
#include "tx_t.h"

static rp_collections_t *store_of(const rp_tx_t *tx)
{
    return tx->policy->collections_explicit || !tx->collections ? tx->policy->collections
                                                                : tx->collections;
}

/* Count item for subject; true when it is new and over the limit. */
static bool distinct_over(rp_tx_t *tx, const abuse_rule_t *r, char kind, const char *subject,
                          size_t subject_len, const char *item, size_t item_len,
                          const abuse_rate_t *rate, uint64_t *retry_us)
{
    rp_collections_t *store = store_of(tx);
    uint64_t now = rp_ratelimit_now_us();
    rp_abuf_t key;
    rp_abuf_init(&key, tx->arena);
    if (rp_abuf_append(&key, "abuse\x1f", 6) < 0 ||
        rp_abuf_append(&key, r->name, strlen(r->name)) < 0 || rp_abuf_putc(&key, kind) < 0 ||
        rp_abuf_putc(&key, '\x1f') < 0 || rp_abuf_append(&key, subject, subject_len) < 0)
        return false;
    size_t subject_key = key.len;
    if (rp_abuf_putc(&key, '\x1f') < 0 || rp_abuf_append(&key, item, item_len) < 0)
        return false;
    rp_rl_rule_t once = {.algorithm = RP_RL_TOKEN_BUCKET, .limit = 1, .period_us = rate->period_us};
    rp_rl_decision_t d;
    if (rp_ratelimit_take(store, &once, key.data, key.len, now, &d) != RP_OK || !d.allowed)
        return false; /* seen in this window (or the store is down: fail open) */
    rp_rl_rule_t window = {
        .algorithm = RP_RL_SLIDING_WINDOW, .limit = rate->limit, .period_us = rate->period_us};
    if (rp_ratelimit_take(store, &window, key.data, subject_key, now, &d) != RP_OK || d.allowed)
        return false;
    *retry_us = d.retry_after_us;
    return true;
}

static rp_status_t respond(rp_tx_t *tx, const abuse_rule_t *r, const char *detail,
                           uint64_t retry_us)
{
    if (!detail)
        return RP_NOMEM;
    char target[64];
    snprintf(target, sizeof(target), "%s:%s", r->login ? "login" : "enumerate", r->name);
    const char *t = rp_arena_strndup(tx->arena, target, strlen(target));
    if (!t)
        return RP_NOMEM;
    if (r->detect)
        return rp_tx_add_match(tx, "abuse", "abuse", t, detail, "", 0, false, 0) ? RP_OK : RP_NOMEM;
    switch (r->action) {
    case ABUSE_THROTTLE:
        if (!rp_tx_add_match(tx, "abuse", "abuse", t, detail, "", 5, true, 429))
            return RP_NOMEM;
        if (retry_us > tx->retry_after_us)
            tx->retry_after_us = retry_us;
        return RP_OK;
    case ABUSE_CHALLENGE:
        /* a browser that solved a challenge goes on; anything else gets one */
        if (rp_tx_bot_cleared(tx)) {
            return rp_tx_add_match(tx, "abuse", "abuse", t, detail, "", 0, false, 0) ? RP_OK
                                                                                     : RP_NOMEM;
        }
        return rp_tx_bot_challenge(tx, t, detail);
    case ABUSE_BLOCK:
        break;
    }
    return rp_tx_add_match(tx, "abuse", "abuse", t, detail, "", 5, true, 403) ? RP_OK : RP_NOMEM;
}

/* The template's variable segments of path joined by '/', or false. */
static bool template_ids(const abuse_rule_t *r, const char *path, rp_abuf_t *ids)
{
    const char *s = path;
    for (size_t i = 0; i < r->nsegments; i++) {
        if (*s != '/')
            return false;
        s++;
        size_t n = strcspn(s, "/?");
        if (n == 0)
            return false;
        if (r->segments[i][0] == '{') {
            if ((ids->len && rp_abuf_putc(ids, '/') < 0) || rp_abuf_append(ids, s, n) < 0)
                return false;
        } else if (strlen(r->segments[i]) != n || memcmp(r->segments[i], s, n) != 0) {
            return false;
        }
        s += n;
    }
    return *s == '\0' || *s == '?' || (*s == '/' && s[1] == '\0');
}

rp_status_t rp_tx_abuse_head(rp_tx_t *tx)
{
    const rp_abuse_policy_t *ap = tx->policy->abuse;
    const char *path = tx->path ? tx->path : tx->uri;
    for (size_t i = 0; i < ap->nrules; i++) {
        const abuse_rule_t *r = &ap->rules[i];
        if (r->login) {
            if (strcmp(path, r->path) == 0 && strcmp(tx->method, "POST") == 0)
                tx->abuse_login = r;
            continue;
        }
        rp_abuf_t ids;
        rp_abuf_init(&ids, tx->arena);
        if (!template_ids(r, path, &ids))
            continue;
        uint64_t retry = 0;
        if (!distinct_over(tx, r, 'e', tx->client_addr, strlen(tx->client_addr), ids.data, ids.len,
                           &r->ids, &retry))
            continue;
        char detail[128];
        snprintf(detail, sizeof(detail), "more than %u distinct records in %llu s from this client",
                 r->ids.limit, (unsigned long long)(r->ids.period_us / 1000000u));
        rp_status_t rc = respond(tx, r, rp_arena_strndup(tx->arena, detail, strlen(detail)), retry);
        if (rc != RP_OK)
            return rc;
    }
    return RP_OK;
}

void rp_tx_abuse_field(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                       const char *value, size_t value_len)
{
    const abuse_rule_t *r = tx->abuse_login;
    if (src != RP_SRC_FORM && src != RP_SRC_JSON && src != RP_SRC_MULTIPART)
        return;
    const char **dst = NULL;
    size_t *dst_len = NULL;
    if (name_len == strlen(r->user_field) && memcmp(name, r->user_field, name_len) == 0) {
        dst = &tx->abuse_user;
        dst_len = &tx->abuse_user_len;
    } else if (name_len == strlen(r->password_field) &&
               memcmp(name, r->password_field, name_len) == 0) {
        dst = &tx->abuse_password;
        dst_len = &tx->abuse_password_len;
    }
    /* the last value counts: the JSON processor reports a member's name
     * as a value of its own before the member's value */
    if (!dst)
        return;
    size_t n = value_len > 256 ? 256 : value_len;
    if ((*dst = rp_arena_strndup(tx->arena, value, n)))
        *dst_len = n;
}

rp_status_t rp_tx_abuse_end(rp_tx_t *tx)
{
    const abuse_rule_t *r = tx->abuse_login;
    if (!tx->abuse_user || !tx->abuse_user_len)
        return RP_OK;
    uint64_t retry = 0;
    char detail[128];
    if (r->users.limit && distinct_over(tx, r, 'u', tx->client_addr, strlen(tx->client_addr),
                                        tx->abuse_user, tx->abuse_user_len, &r->users, &retry)) {
        snprintf(detail, sizeof(detail), "more than %u user names in %llu s from this client",
                 r->users.limit, (unsigned long long)(r->users.period_us / 1000000u));
        return respond(tx, r, rp_arena_strndup(tx->arena, detail, strlen(detail)), retry);
    }
    if (r->accounts.limit && tx->abuse_password) {
        uint8_t mac[32];
        unsigned int n = sizeof(mac);
        const rp_abuse_policy_t *ap = tx->policy->abuse;
        if (!HMAC(EVP_sha256(), ap->salt, sizeof(ap->salt), (const uint8_t *)tx->abuse_password,
                  tx->abuse_password_len, mac, &n))
            return RP_OK;
        if (distinct_over(tx, r, 'p', (const char *)mac, sizeof(mac), tx->abuse_user,
                          tx->abuse_user_len, &r->accounts, &retry)) {
            snprintf(detail, sizeof(detail),
                     "one password tried on more than %u accounts in %llu s", r->accounts.limit,
                     (unsigned long long)(r->accounts.period_us / 1000000u));
            return respond(tx, r, rp_arena_strndup(tx->arena, detail, strlen(detail)), retry);
        }
    }
    return RP_OK;
}
