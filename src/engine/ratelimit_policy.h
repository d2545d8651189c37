/*
 * ratelimit_policy.h — rate-limit rules as a policy holds them ("ratelimit"
 * directive, docs/POLICY.md) and their evaluation in a transaction.
 */
#ifndef RAMPART_RATELIMIT_POLICY_H
#define RAMPART_RATELIMIT_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "rampart/ratelimit.h"

#define RP_MAX_RATELIMITS 32
#define RL_MAX_KEY_PARTS  4

typedef enum {
    RL_KEY_ADDR = 0, /* client address */
    RL_KEY_HEADER,   /* header:NAME */
    RL_KEY_COOKIE,   /* cookie:NAME */
    RL_KEY_ARG,      /* arg:NAME, a query argument */
    RL_KEY_APIKEY,   /* X-API-Key header, else the api_key argument */
    RL_KEY_ROUTE     /* method and OpenAPI path template, else method and path */
} rl_key_kind_t;

typedef struct {
    rl_key_kind_t kind;
    char name[64];
    size_t name_len;
} rl_key_part_t;

typedef struct rl_policy_rule {
    char name[48];
    rp_rl_rule_t rule;
    rl_key_part_t keys[RL_MAX_KEY_PARTS];
    size_t nkeys;
    char path_prefix[128]; /* "" for every path */
    char method[16];       /* "" for every method */
    bool detect;           /* record, do not refuse */
} rl_policy_rule_t;

/* Parse "ratelimit NAME RATE [OPTION=VALUE...]" words (w[0] is
 * "ratelimit"). Returns 0, or -1 with the reason in why. */
int rl_policy_parse(rl_policy_rule_t *out, char **w, int nw, char *why, size_t why_len);

/* "LIMIT/PERIOD" (100/m, 5/10s): 0, or -1 for a bad limit, -2 for a bad
 * period. Also read by the enumerate and login directives. */
int rl_parse_rate(const char *s, uint32_t *limit, uint64_t *period_us);

#endif
