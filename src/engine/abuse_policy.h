/*
 * abuse_policy.h — enumeration and credential-stuffing rules as a policy
 * holds them (docs/POLICY.md):
 *
 *   enumerate NAME TEMPLATE LIMIT/PERIOD [action=block|throttle|challenge]
 *             [mode=block|detect]
 *   login NAME PATH user=FIELD password=FIELD [users=LIMIT/PERIOD]
 *         [accounts=LIMIT/PERIOD] [action=block|throttle|challenge] [mode=...]
 *
 * TEMPLATE is a path with {name} segments (/api/citizens/{id}); LIMIT is
 * the number of *distinct* records (ids, user names, accounts) allowed in
 * PERIOD, counted in the policy's collections store.
 */
#ifndef RAMPART_ABUSE_POLICY_H
#define RAMPART_ABUSE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ABUSE_MAX_RULES    32
#define ABUSE_MAX_SEGMENTS 16

typedef enum { ABUSE_BLOCK = 0, ABUSE_THROTTLE, ABUSE_CHALLENGE } abuse_action_t;

typedef struct {
    uint32_t limit;
    uint64_t period_us;
} abuse_rate_t;

typedef struct abuse_rule {
    char name[48];
    bool login; /* a login rule, else an enumeration rule */
    abuse_action_t action;
    bool detect;
    /* enumerate: the template's segments; "{" marks a variable one */
    char segments[ABUSE_MAX_SEGMENTS][64];
    size_t nsegments;
    abuse_rate_t ids;
    /* login */
    char path[128];
    char user_field[64], password_field[64];
    abuse_rate_t users;    /* distinct user names per client address */
    abuse_rate_t accounts; /* distinct accounts per password */
} abuse_rule_t;

typedef struct rp_abuse_policy {
    abuse_rule_t rules[ABUSE_MAX_RULES];
    size_t nrules;
    bool has_login;
    /* keys the password hashes (HMAC-SHA-256): a store never holds a
     * password's plain hash; random per load unless bot_key gives one */
    uint8_t salt[32];
} rp_abuse_policy_t;

/* One "enumerate" or "login" directive's words. Returns 0, or -1 with the
 * reason in why. *ap is created on first use. */
int abuse_policy_directive(rp_abuse_policy_t **ap, char **w, int nw, char *why, size_t why_len);
/* After the whole file: challenge actions need bot protection's key; with
 * a key, the password hash key derives from it, so gateways that share a
 * Redis store count the same password alike. */
int abuse_policy_finish(rp_abuse_policy_t *ap, const uint8_t *bot_key, size_t bot_key_len,
                        char *why, size_t why_len);
void abuse_policy_free(rp_abuse_policy_t *ap);

#endif
