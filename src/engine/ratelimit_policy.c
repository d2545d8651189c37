/*
 * ratelimit_policy.c — the "ratelimit" policy directive:
 *
 *   ratelimit NAME LIMIT/PERIOD [burst=N] [algorithm=token-bucket|sliding-window]
 *             [key=PART[,PART...]] [path=PREFIX] [method=METHOD]
 *             [store_down=allow|deny] [mode=block|detect]
 *
 * PERIOD is s, m, h, d or a count of them (10s, 5m). PART is addr,
 * apikey, route, header:NAME, cookie:NAME or arg:NAME (default addr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit_policy.h"

static int why_set(char *why, size_t len, const char *fmt, const char *arg)
{
    snprintf(why, len, fmt, arg);
    return -1;
}

int rl_parse_rate(const char *s, uint32_t *limit_out, uint64_t *period_us)
{
    char *end;
    errno = 0;
    unsigned long limit = strtoul(s, &end, 10);
    if (end == s || *end != '/' || errno || limit == 0 || limit > 1000000000ul)
        return -1;
    const char *p = end + 1;
    unsigned long count = 1;
    if (*p >= '0' && *p <= '9') {
        count = strtoul(p, &end, 10);
        p = end;
    }
    uint64_t unit = 0;
    if (strcmp(p, "s") == 0)
        unit = 1;
    else if (strcmp(p, "m") == 0)
        unit = 60;
    else if (strcmp(p, "h") == 0)
        unit = 3600;
    else if (strcmp(p, "d") == 0)
        unit = 86400;
    if (!unit || count == 0 || count > 365 * 86400ul ||
        (uint64_t)count * unit * 1000000u > RP_RL_MAX_PERIOD_US)
        return -2;
    *limit_out = (uint32_t)limit;
    *period_us = (uint64_t)count * unit * 1000000u;
    return 0;
}

static int parse_rate(rl_policy_rule_t *r, const char *s, char *why, size_t wl)
{
    int rc = rl_parse_rate(s, &r->rule.limit, &r->rule.period_us);
    if (rc == -1)
        return why_set(why, wl, "ratelimit: rate must be LIMIT/PERIOD (e.g. 100/m), got \"%s\"", s);
    if (rc == -2)
        return why_set(why, wl, "ratelimit: period must be s, m, h, d or Ns, got \"%s\"", s);
    return 0;
}

static int parse_keys(rl_policy_rule_t *r, const char *s, char *why, size_t wl)
{
    static const struct {
        const char *prefix;
        rl_key_kind_t kind;
        bool named;
    } kinds[] = {{"addr", RL_KEY_ADDR, false},     {"apikey", RL_KEY_APIKEY, false},
                 {"route", RL_KEY_ROUTE, false},   {"header:", RL_KEY_HEADER, true},
                 {"cookie:", RL_KEY_COOKIE, true}, {"arg:", RL_KEY_ARG, true}};
    r->nkeys = 0;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (r->nkeys == RL_MAX_KEY_PARTS)
            return why_set(why, wl, "ratelimit: at most 4 key parts%s", "");
        rl_key_part_t *k = &r->keys[r->nkeys];
        bool ok = false;
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && !ok; i++) {
            size_t pl = strlen(kinds[i].prefix);
            if (kinds[i].named ? (len > pl && len - pl < sizeof(k->name) &&
                                  strncmp(s, kinds[i].prefix, pl) == 0)
                               : (len == pl && strncmp(s, kinds[i].prefix, pl) == 0)) {
                k->kind = kinds[i].kind;
                k->name_len = kinds[i].named ? len - pl : 0;
                memcpy(k->name, s + pl, k->name_len);
                k->name[k->name_len] = '\0';
                ok = true;
            }
        }
        if (!ok)
            return why_set(why, wl,
                           "ratelimit: key parts are addr, apikey, route, header:NAME, "
                           "cookie:NAME or arg:NAME, got \"%s\"",
                           s);
        r->nkeys++;
        s += len + (comma ? 1 : 0);
    }
    return r->nkeys ? 0 : why_set(why, wl, "ratelimit: empty key%s", "");
}

static int parse_option(rl_policy_rule_t *r, const char *w, char *why, size_t wl)
{
    const char *eq = strchr(w, '=');
    if (!eq)
        return why_set(why, wl, "ratelimit: options are NAME=VALUE, got \"%s\"", w);
    const char *v = eq + 1;
    size_t n = (size_t)(eq - w);
#define OPT(s) (n == strlen(s) && strncmp(w, s, n) == 0)
    if (OPT("burst")) {
        char *end;
        unsigned long b = strtoul(v, &end, 10);
        if (*end || end == v || b > 1000000000ul)
            return why_set(why, wl, "ratelimit: burst must be a count, got \"%s\"", v);
        r->rule.burst = (uint32_t)b;
    } else if (OPT("algorithm")) {
        if (strcmp(v, "token-bucket") == 0)
            r->rule.algorithm = RP_RL_TOKEN_BUCKET;
        else if (strcmp(v, "sliding-window") == 0)
            r->rule.algorithm = RP_RL_SLIDING_WINDOW;
        else
            return why_set(why, wl,
                           "ratelimit: algorithm is token-bucket or sliding-window, got \"%s\"", v);
    } else if (OPT("key")) {
        return parse_keys(r, v, why, wl);
    } else if (OPT("path")) {
        if (v[0] != '/' || strlen(v) >= sizeof(r->path_prefix))
            return why_set(why, wl, "ratelimit: path must start with / (at most 127 bytes): %s", v);
        snprintf(r->path_prefix, sizeof(r->path_prefix), "%s", v);
    } else if (OPT("method")) {
        if (!*v || strlen(v) >= sizeof(r->method))
            return why_set(why, wl, "ratelimit: bad method \"%s\"", v);
        snprintf(r->method, sizeof(r->method), "%s", v);
    } else if (OPT("store_down")) {
        if (strcmp(v, "allow") == 0)
            r->rule.fail_closed = false;
        else if (strcmp(v, "deny") == 0)
            r->rule.fail_closed = true;
        else
            return why_set(why, wl, "ratelimit: store_down is allow or deny, got \"%s\"", v);
    } else if (OPT("mode")) {
        if (strcmp(v, "block") == 0)
            r->detect = false;
        else if (strcmp(v, "detect") == 0)
            r->detect = true;
        else
            return why_set(why, wl, "ratelimit: mode is block or detect, got \"%s\"", v);
    } else {
        return why_set(why, wl, "ratelimit: unknown option \"%s\"", w);
    }
#undef OPT
    return 0;
}

int rl_policy_parse(rl_policy_rule_t *out, char **w, int nw, char *why, size_t why_len)
{
    memset(out, 0, sizeof(*out));
    if (nw < 3)
        return why_set(why, why_len, "usage: ratelimit NAME LIMIT/PERIOD [OPTION=VALUE...]%s", "");
    if (strlen(w[1]) >= sizeof(out->name) || strpbrk(w[1], ":= "))
        return why_set(why, why_len, "ratelimit: bad name \"%s\"", w[1]);
    snprintf(out->name, sizeof(out->name), "%s", w[1]);
    out->keys[0].kind = RL_KEY_ADDR;
    out->nkeys = 1;
    if (parse_rate(out, w[2], why, why_len) != 0)
        return -1;
    for (int i = 3; i < nw; i++)
        if (parse_option(out, w[i], why, why_len) != 0)
            return -1;
    return 0;
}
