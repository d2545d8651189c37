/*
 * bot.h — bot and crawler protection: a proof-of-work challenge the
 * gateway serves itself, and the signed clearance cookie a browser gets
 * for solving it (docs/API-SECURITY.md, "Bot and crawler protection").
 *
 * Everything is stateless but one bit: tokens carry their expiry and an
 * HMAC-SHA-256 over it and the client's binding (address prefix and a
 * hash of its User-Agent), so any worker or gateway with the same key
 * verifies them; only a solved challenge is remembered (in the policy's
 * collections store) so one answer cannot mint two clearances.
 *
 * The policy directives are "bot", "bot_key" and "bot_good"
 * (docs/POLICY.md); these functions are for hosts, tests and benchmarks.
 */
#ifndef RAMPART_BOT_H
#define RAMPART_BOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rampart/transaction.h"

#define RP_BOT_KEY_MIN     32 /* bytes of HMAC key, at least */
#define RP_BOT_KEY_MAX     128
#define RP_BOT_TOKEN_MAX   160 /* longest challenge token or clearance */
#define RP_BOT_COOKIE_NAME "rampart_clearance"

/* What a clearance or challenge token says about its client (bits). */
enum {
    RP_BOT_SIG_WEBDRIVER = 1u << 0, /* the challenge script saw navigator.webdriver */
    RP_BOT_SIG_HEADLESS = 1u << 1,  /* a headless browser's User-Agent token */
    RP_BOT_SIG_NO_LANG = 1u << 2,   /* no Accept-Language header */
};

typedef enum {
    RP_BOT_OK = 0,
    RP_BOT_MALFORMED, /* not a token of this kind */
    RP_BOT_BAD_MAC,   /* forged, or bound to another client or key */
    RP_BOT_EXPIRED,
    RP_BOT_BAD_WORK, /* the proof of work does not reach the difficulty */
    RP_BOT_REPLAYED, /* this challenge was solved once already */
} rp_bot_status_t;

const char *rp_bot_status_str(rp_bot_status_t s);

/* The binding of a client: its address cut to a prefix (IPv4 /24, IPv6
 * /64: one household or mobile carrier's NAT moves within those) and the
 * SHA-256 of its User-Agent. */
typedef struct {
    uint8_t digest[32];
} rp_bot_binding_t;

void rp_bot_binding(const char *addr, const char *user_agent, rp_bot_binding_t *out);

/* The clearance cookie's value "k1.EXPIRY.SIGNALS.MAC" (hex MAC), valid
 * until expiry (seconds since the epoch). out holds RP_BOT_TOKEN_MAX. */
void rp_bot_clearance_mint(const uint8_t *key, size_t key_len, const rp_bot_binding_t *b,
                           uint64_t expiry, unsigned signals, char *out);
/* Verify a clearance (any bytes) at now. *signals (may be NULL) receives
 * what it was issued with. Comparisons of the MAC are constant-time. */
rp_bot_status_t rp_bot_clearance_verify(const uint8_t *key, size_t key_len,
                                        const rp_bot_binding_t *b, const char *value, size_t len,
                                        uint64_t now, unsigned *signals);

/* A challenge token "c1.EXPIRY.DIFFICULTY.NONCE.MAC": the client must find
 * a decimal counter W such that SHA-256(token "." W) starts with
 * DIFFICULTY zero bits. nonce is 16 random bytes (hex in the token). */
void rp_bot_challenge_mint(const uint8_t *key, size_t key_len, const rp_bot_binding_t *b,
                           uint64_t expiry, unsigned difficulty, const uint8_t nonce[16],
                           char *out);
/* Verify a challenge token and its answer (the work); on RP_BOT_OK
 * *difficulty receives the token's difficulty. Replays are the caller's
 * (the engine remembers solved nonces in its store). */
rp_bot_status_t rp_bot_challenge_verify(const uint8_t *key, size_t key_len,
                                        const rp_bot_binding_t *b, const char *token,
                                        size_t token_len, const char *work, size_t work_len,
                                        uint64_t now, unsigned *difficulty);

/* Verified good bots (a search engine's crawler): the address's PTR name
 * must end with one of the suffixes and that name must resolve back to the
 * address (reverse-then-forward DNS, as the search engines document).
 * The resolver is replaceable for tests; the default uses getnameinfo and
 * getaddrinfo. reverse fills host (NUL-terminated) and returns 0; forward
 * fills up to max text addresses and returns how many, or -1. */
typedef struct {
    int (*reverse)(void *ctx, const char *addr, char *host, size_t host_len);
    int (*forward)(void *ctx, const char *host, char (*addrs)[64], int max);
    void *ctx;
} rp_bot_resolver_t;

/* Replace the resolver (NULL: the system's). Not thread-safe: call before
 * serving. Clears the verification cache. */
void rp_bot_set_resolver(const rp_bot_resolver_t *r);
/* True when addr is verified for one of the comma-separated suffixes
 * (".googlebot.com,.google.com"). Results are cached for an hour. */
bool rp_bot_verify_good(const char *addr, const char *suffixes);

/* After a verdict of RP_ACTION_CHALLENGE (or a redirect after a solved
 * challenge), what the host sends: the page (HTML, with its length) and a
 * Set-Cookie value (or NULL). Valid until rp_tx_free. */
bool rp_tx_bot_page(const rp_tx_t *tx, const char **body, size_t *len);
const char *rp_tx_bot_set_cookie(const rp_tx_t *tx);

#endif
