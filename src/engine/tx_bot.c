/*
 * tx_bot.c — bot protection in a transaction, once the request headers are
 * in: the answer path of the challenge (verify, mint the clearance, send
 * the browser back), verified good bots, the clearance cookie, and for a
 * client without one the rule's answer: the challenge page or a refusal.
 *
 * A challenge is only served to GET and HEAD: a browser can repeat those
 * after solving it; a POST's body would be lost, so other methods without
 * a clearance are refused (the page that posts gets a clearance first).
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bot_policy.h"
#include "policy_t.h"
#include "rampart/ratelimit.h"
#include "tx_t.h"

#define CHALLENGE_LIFETIME 300 /* seconds to solve a challenge */
#define MAX_RETURN         2048

/* Signals the request itself shows: a headless browser's own User-Agent
 * token, and no Accept-Language (every browser sends one; HTTP libraries
 * do not). */
static unsigned request_signals(const rp_tx_t *tx)
{
    static const char *const headless[] = {"HeadlessChrome", "PhantomJS", "Headless", "Puppeteer",
                                           "Playwright",     "Selenium",  "webdriver"};
    unsigned sig = 0;
    const char *ua = tx->user_agent ? tx->user_agent : "";
    for (size_t i = 0; i < sizeof(headless) / sizeof(headless[0]); i++)
        if (strcasestr(ua, headless[i]))
            sig |= RP_BOT_SIG_HEADLESS;
    if (!rp_tx_find_header(tx, "accept-language", 15))
        sig |= RP_BOT_SIG_NO_LANG;
    return sig;
}

static const char *signals_text(rp_tx_t *tx, const char *prefix, unsigned sig)
{
    char buf[160];
    snprintf(buf, sizeof(buf), "%s%s%s%s%s", prefix, sig ? "; signals:" : "",
             sig & RP_BOT_SIG_WEBDRIVER ? " navigator.webdriver" : "",
             sig & RP_BOT_SIG_HEADLESS ? " headless-user-agent" : "",
             sig & RP_BOT_SIG_NO_LANG ? " no-accept-language" : "");
    return rp_arena_strndup(tx->arena, buf, strlen(buf));
}

static rp_status_t refuse(rp_tx_t *tx, const char *target, const char *why)
{
    if (!why || !rp_tx_add_match(tx, "bot", "bot", target, why, "", 5, true, 403))
        return why ? RP_OK : RP_NOMEM;
    return RP_OK;
}

static int hexdigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The decoded return path, when it is a local one: starts with one '/'
 * (not "//host" or "/\host", which browsers treat as another site) and
 * holds no control characters. */
static char *return_path(rp_tx_t *tx, const char *v, size_t vlen)
{
    if (!v || vlen > 3 * MAX_RETURN)
        return NULL;
    char *out = rp_arena_alloc(tx->arena, vlen + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < vlen; i++) {
        int c = (unsigned char)v[i];
        if (c == '%') {
            int hi = i + 2 < vlen ? hexdigit(v[i + 1]) : -1, lo = hi >= 0 ? hexdigit(v[i + 2]) : -1;
            if (lo < 0)
                return NULL;
            c = hi << 4 | lo;
            i += 2;
        }
        if (c < 0x20 || c == 0x7f)
            return NULL;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    if (n == 0 || out[0] != '/' || (n > 1 && (out[1] == '/' || out[1] == '\\')))
        return NULL;
    return out;
}

static rp_status_t answer(rp_tx_t *tx, const rp_bot_policy_t *bp, const rp_bot_binding_t *b,
                          uint64_t now)
{
    size_t tl = 0, nl = 0, wl = 0, rl = 0;
    const char *t = NULL, *n = NULL, *w = NULL, *r = NULL;
    rp_tx_find_arg(tx, "t", 1, &t, &tl);
    rp_tx_find_arg(tx, "n", 1, &n, &nl);
    rp_tx_find_arg(tx, "w", 1, &w, &wl);
    rp_tx_find_arg(tx, "r", 1, &r, &rl);
    const char *target = "query:t";
    if (!t || !n)
        return refuse(tx, target, "challenge answer without token or work");
    char *back = return_path(tx, r, rl);
    if (!back)
        return refuse(tx, "query:r", "challenge answer with a bad return path");
    unsigned difficulty;
    rp_bot_status_t st =
        rp_bot_challenge_verify(bp->key, bp->key_len, b, t, tl, n, nl, now, &difficulty);
    const bot_rule_t *rule = bot_policy_rule(bp, back);
    if (st == RP_BOT_OK && rule && difficulty < rule->difficulty)
        st = RP_BOT_BAD_WORK; /* a token minted under an easier rule */
    if (st == RP_BOT_OK) {
        /* one clearance per solved challenge: the nonce is counted once in
         * the store (a bucket of one for the challenge's lifetime) */
        rp_collections_t *store = tx->policy->collections_explicit || !tx->collections
                                      ? tx->policy->collections
                                      : tx->collections;
        rp_rl_rule_t once = {.algorithm = RP_RL_TOKEN_BUCKET,
                             .limit = 1,
                             .period_us = (uint64_t)CHALLENGE_LIFETIME * 1000000u};
        char key[64];
        int kl = snprintf(key, sizeof(key), "bot-answer\x1f%.32s", t + tl - 65 - 32);
        rp_rl_decision_t d;
        if (rp_ratelimit_take(store, &once, key, (size_t)kl, now * 1000000u, &d) == RP_OK &&
            !d.allowed)
            st = RP_BOT_REPLAYED;
    }
    if (st != RP_BOT_OK) {
        char why[96];
        snprintf(why, sizeof(why), "challenge answer refused: %s", rp_bot_status_str(st));
        return refuse(tx, target, rp_arena_strndup(tx->arena, why, strlen(why)));
    }
    unsigned sig = request_signals(tx);
    if (w && wl == 1 && *w == '1')
        sig |= RP_BOT_SIG_WEBDRIVER;
    if (rule && rule->deny_automation && (sig & (RP_BOT_SIG_WEBDRIVER | RP_BOT_SIG_HEADLESS)))
        return refuse(tx, target, signals_text(tx, "automation refused", sig));
    unsigned ttl = rule ? rule->ttl : 3600;
    char value[RP_BOT_TOKEN_MAX], set[RP_BOT_TOKEN_MAX + 96];
    rp_bot_clearance_mint(bp->key, bp->key_len, b, now + ttl, sig, value);
    snprintf(set, sizeof(set), "%s=%s; Path=/; Max-Age=%u; HttpOnly; SameSite=Lax",
             RP_BOT_COOKIE_NAME, value, ttl);
    tx->bot_set_cookie = rp_arena_strndup(tx->arena, set, strlen(set));
    tx->redirect = back;
    if (!tx->bot_set_cookie ||
        !rp_tx_add_match(tx, "bot", "bot", target, signals_text(tx, "clearance issued", sig), "", 0,
                         true, 302))
        return RP_NOMEM;
    return RP_OK;
}

static rp_status_t challenge(rp_tx_t *tx, const rp_bot_policy_t *bp, const bot_rule_t *rule,
                             const rp_bot_binding_t *b, uint64_t now, const char *why)
{
    uint8_t nonce[16];
    if (RAND_bytes(nonce, sizeof(nonce)) != 1)
        return refuse(tx, "request", why);
    char token[RP_BOT_TOKEN_MAX];
    rp_bot_challenge_mint(bp->key, bp->key_len, b, now + CHALLENGE_LIFETIME, rule->difficulty,
                          nonce, token);
    /* where to come back: the raw target, percent-encoded for the page */
    static const char digits[] = "0123456789ABCDEF";
    size_t ul = strlen(tx->uri);
    char *back = rp_arena_alloc(tx->arena, 3 * (ul > MAX_RETURN ? 1 : ul) + 1);
    if (!back)
        return RP_NOMEM;
    size_t n = 0;
    if (ul > MAX_RETURN || tx->uri[0] != '/') {
        memcpy(back, "%2F", 3);
        n = 3;
    } else {
        for (size_t i = 0; i < ul; i++) {
            unsigned char c = (unsigned char)tx->uri[i];
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '~' || c == '-') {
                back[n++] = (char)c;
            } else {
                back[n++] = '%';
                back[n++] = digits[c >> 4];
                back[n++] = digits[c & 15];
            }
        }
    }
    back[n] = '\0';
    tx->bot_page = bot_page_render((void *(*)(void *, size_t))rp_arena_alloc, tx->arena, token,
                                   rule->difficulty, back, &tx->bot_page_len);
    if (!tx->bot_page || !rp_tx_add_match(tx, "bot", "bot", "request", why, "", 5, true, 403))
        return RP_NOMEM;
    return RP_OK;
}

rp_status_t rp_tx_bot(rp_tx_t *tx)
{
    const rp_bot_policy_t *bp = tx->policy->bot;
    const char *path = tx->path ? tx->path : tx->uri;
    uint64_t now = (uint64_t)time(NULL);
    rp_bot_binding_t b;
    rp_bot_binding(tx->client_addr, tx->user_agent, &b);
    if (strcmp(path, BOT_ANSWER_PATH) == 0)
        return answer(tx, bp, &b, now);
    const bot_rule_t *rule = bot_policy_rule(bp, path);
    if (!rule || rule->action == BOT_OFF)
        return RP_OK;

    const char *ua = tx->user_agent ? tx->user_agent : "";
    for (size_t i = 0; i < bp->ngood; i++)
        if (strstr(ua, bp->good[i].ua_token)) {
            if (rp_bot_verify_good(tx->client_addr, bp->good[i].suffixes))
                return RP_OK;
            return refuse(tx, "header:User-Agent",
                          "claims to be a verified crawler; reverse-then-forward DNS disagrees");
        }

    size_t vl = 0;
    const char *v = NULL;
    rp_tx_find_cookie(tx, RP_BOT_COOKIE_NAME, sizeof(RP_BOT_COOKIE_NAME) - 1, &v, &vl);
    rp_bot_status_t st = RP_BOT_MALFORMED;
    unsigned sig = 0;
    if (v)
        st = rp_bot_clearance_verify(bp->key, bp->key_len, &b, v, vl, now, &sig);
    if (st == RP_BOT_OK) {
        if (rule->deny_automation && (sig & (RP_BOT_SIG_WEBDRIVER | RP_BOT_SIG_HEADLESS)))
            return refuse(tx, "cookie:" RP_BOT_COOKIE_NAME,
                          signals_text(tx, "automation refused", sig));
        return RP_OK;
    }
    char why[96];
    if (v)
        snprintf(why, sizeof(why), "clearance refused: %s", rp_bot_status_str(st));
    else
        snprintf(why, sizeof(why), "no clearance");
    const char *detail = signals_text(tx, why, request_signals(tx));
    if (!detail)
        return RP_NOMEM;
    bool repeatable = strcmp(tx->method, "GET") == 0 || strcmp(tx->method, "HEAD") == 0;
    if (rule->action == BOT_BLOCK || !repeatable)
        return refuse(tx, v ? "cookie:" RP_BOT_COOKIE_NAME : "request", detail);
    return challenge(tx, bp, rule, &b, now, detail);
}

bool rp_tx_bot_cleared(rp_tx_t *tx)
{
    const rp_bot_policy_t *bp = tx->policy->bot;
    if (!bp || !bp->key_len)
        return false;
    size_t vl = 0;
    const char *v = NULL;
    if (!rp_tx_find_cookie(tx, RP_BOT_COOKIE_NAME, sizeof(RP_BOT_COOKIE_NAME) - 1, &v, &vl))
        return false;
    rp_bot_binding_t b;
    rp_bot_binding(tx->client_addr, tx->user_agent, &b);
    return rp_bot_clearance_verify(bp->key, bp->key_len, &b, v, vl, (uint64_t)time(NULL), NULL) ==
           RP_BOT_OK;
}

rp_status_t rp_tx_bot_challenge(rp_tx_t *tx, const char *target, const char *why)
{
    static const bot_rule_t fallback = {.action = BOT_CHALLENGE, .difficulty = 16, .ttl = 3600};
    const rp_bot_policy_t *bp = tx->policy->bot;
    const char *path = tx->path ? tx->path : tx->uri;
    const bot_rule_t *rule = bot_policy_rule(bp, path);
    if (!rule || rule->action != BOT_CHALLENGE)
        rule = &fallback;
    bool repeatable = strcmp(tx->method, "GET") == 0 || strcmp(tx->method, "HEAD") == 0;
    if (!repeatable || tx->bot_page)
        return refuse(tx, target, why);
    rp_bot_binding_t b;
    rp_bot_binding(tx->client_addr, tx->user_agent, &b);
    return challenge(tx, bp, rule, &b, (uint64_t)time(NULL), why);
}

bool rp_tx_bot_page(const rp_tx_t *tx, const char **body, size_t *len)
{
    if (!tx->bot_page || tx->protection[RP_PROTECTION_BOT] == RP_MODE_DETECT)
        return false;
    *body = tx->bot_page;
    *len = tx->bot_page_len;
    return true;
}

const char *rp_tx_bot_set_cookie(const rp_tx_t *tx)
{
    return tx->bot_set_cookie;
}
