/*
 * bot_policy.h — bot protection as a policy holds it: the HMAC key
 * ("bot_key FILE"), per-path rules ("bot PREFIX challenge|block|off
 * [difficulty=N] [ttl=S] [automation=allow|deny]") and verified good bots
 * ("bot_good NAME UA_TOKEN SUFFIX[,SUFFIX...]"); docs/POLICY.md.
 */
#ifndef RAMPART_BOT_POLICY_H
#define RAMPART_BOT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rampart/bot.h"

#define BOT_MAX_RULES 64
#define BOT_MAX_GOOD  16

/* The path of the challenge's answer, served by the gateway itself. */
#define BOT_ANSWER_PATH "/.rampart/challenge"

typedef enum { BOT_OFF = 0, BOT_CHALLENGE, BOT_BLOCK } bot_action_t;

typedef struct {
    char prefix[128];
    bot_action_t action;
    unsigned difficulty;  /* leading zero bits, 0-24 */
    unsigned ttl;         /* clearance lifetime, seconds */
    bool deny_automation; /* refuse clients showing automation signals */
} bot_rule_t;

typedef struct {
    char name[32];
    char ua_token[64];
    char suffixes[256];
} bot_good_t;

typedef struct rp_bot_policy {
    uint8_t key[RP_BOT_KEY_MAX];
    size_t key_len;
    bot_rule_t rules[BOT_MAX_RULES];
    size_t nrules;
    bot_good_t good[BOT_MAX_GOOD];
    size_t ngood;
} rp_bot_policy_t;

/* One directive's words (w[0] is "bot", "bot_key" or "bot_good"); dir is
 * the policy file's directory for relative key files. Returns 0, or -1
 * with the reason in why. *bp is created on first use. */
int bot_policy_directive(rp_bot_policy_t **bp, char **w, int nw, const char *dir, char *why,
                         size_t why_len);
/* After the whole file: rules without a key are an error. */
int bot_policy_check(const rp_bot_policy_t *bp, char *why, size_t why_len);
/* The rule for a path (the longest matching prefix), or NULL. */
const bot_rule_t *bot_policy_rule(const rp_bot_policy_t *bp, const char *path);
void bot_policy_free(rp_bot_policy_t *bp);

/* The challenge page for a token, its difficulty and the percent-encoded
 * place to go back to; arena-allocated by the caller's allocator. */
char *bot_page_render(void *(*alloc)(void *ctx, size_t n), void *ctx, const char *token,
                      unsigned difficulty, const char *return_to, size_t *len);

#endif
