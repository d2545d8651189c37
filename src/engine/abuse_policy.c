/*
 * abuse_policy.c — the "enumerate" and "login" policy directives.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abuse_policy.h"
#include "policy_why.h"
#include "ratelimit_policy.h"

static int rate(const char *d, const char *s, abuse_rate_t *out, char *why, size_t wl)
{
    if (rl_parse_rate(s, &out->limit, &out->period_us) != 0)
        return policy_why(why, wl, "%s: a rate is LIMIT/PERIOD (50/m, 20/10m), got \"%s\"", d, s);
    return 0;
}

static int parse_template(abuse_rule_t *r, const char *t, char *why, size_t wl)
{
    if (t[0] != '/')
        return policy_why(why, wl, "enumerate: TEMPLATE must start with /, got \"%s\"", t);
    bool variable = false;
    for (const char *s = t + 1; *s;) {
        size_t n = strcspn(s, "/");
        if (r->nsegments == ABUSE_MAX_SEGMENTS || n == 0 || n >= sizeof(r->segments[0]))
            return policy_why(why, wl,
                              "enumerate: TEMPLATE has empty, over-long or more than %d segments",
                              ABUSE_MAX_SEGMENTS);
        bool var = s[0] == '{' && s[n - 1] == '}' && n > 2;
        if (!var && memchr(s, '{', n))
            return policy_why(why, wl, "enumerate: a variable is a whole segment ({id}), in \"%s\"",
                              t);
        variable |= var;
        memcpy(r->segments[r->nsegments], s, n);
        r->segments[r->nsegments++][n] = '\0';
        s += n + (s[n] == '/');
    }
    if (!variable)
        return policy_why(why, wl, "enumerate: TEMPLATE needs a {variable} segment, got \"%s\"", t);
    return 0;
}

static int option(abuse_rule_t *r, const char *d, const char *w, char *why, size_t wl)
{
    const char *eq = strchr(w, '=');
    if (!eq)
        return policy_why(why, wl, "%s: options are NAME=VALUE, got \"%s\"", d, w);
    const char *v = eq + 1;
    size_t n = (size_t)(eq - w);
#define OPT(s) (n == strlen(s) && strncmp(w, s, n) == 0)
    if (OPT("action")) {
        if (strcmp(v, "block") == 0)
            r->action = ABUSE_BLOCK;
        else if (strcmp(v, "throttle") == 0)
            r->action = ABUSE_THROTTLE;
        else if (strcmp(v, "challenge") == 0)
            r->action = ABUSE_CHALLENGE;
        else
            return policy_why(why, wl, "%s: action is block, throttle or challenge, got \"%s\"", d,
                              v);
    } else if (OPT("mode")) {
        if (strcmp(v, "block") != 0 && strcmp(v, "detect") != 0)
            return policy_why(why, wl, "%s: mode is block or detect, got \"%s\"", d, v);
        r->detect = strcmp(v, "detect") == 0;
    } else if (r->login && (OPT("user") || OPT("password"))) {
        char *dst = OPT("user") ? r->user_field : r->password_field;
        if (!*v || strlen(v) >= sizeof(r->user_field))
            return policy_why(why, wl, "login: bad field name \"%s\"", v);
        snprintf(dst, sizeof(r->user_field), "%s", v);
    } else if (r->login && OPT("users")) {
        return rate(d, v, &r->users, why, wl);
    } else if (r->login && OPT("accounts")) {
        return rate(d, v, &r->accounts, why, wl);
    } else {
        return policy_why(why, wl, "%s: unknown option \"%s\"", d, w);
    }
#undef OPT
    return 0;
}

int abuse_policy_directive(rp_abuse_policy_t **app, char **w, int nw, char *why, size_t why_len)
{
    if (!*app) {
        if (!(*app = calloc(1, sizeof(**app))))
            return policy_why(why, why_len, "out of memory");
        if (RAND_bytes((*app)->salt, sizeof((*app)->salt)) != 1)
            return policy_why(why, why_len, "no random bytes for the password hash key");
    }
    rp_abuse_policy_t *ap = *app;
    const char *d = w[0];
    bool login = strcmp(d, "login") == 0;
    if (nw < (login ? 3 : 4))
        return policy_why(why, why_len, "%s",
                          login ? "usage: login NAME PATH user=FIELD password=FIELD "
                                  "[users=LIMIT/PERIOD] [accounts=LIMIT/PERIOD] [action=...]"
                                : "usage: enumerate NAME TEMPLATE LIMIT/PERIOD "
                                  "[action=block|throttle|challenge] [mode=block|detect]");
    if (ap->nrules == ABUSE_MAX_RULES)
        return policy_why(why, why_len, "more than %d enumerate and login rules", ABUSE_MAX_RULES);
    abuse_rule_t *r = &ap->rules[ap->nrules];
    memset(r, 0, sizeof(*r));
    r->login = login;
    if (strlen(w[1]) >= sizeof(r->name) || strpbrk(w[1], ":="))
        return policy_why(why, why_len, "%s: bad name \"%s\"", d, w[1]);
    for (size_t i = 0; i < ap->nrules; i++)
        if (strcmp(ap->rules[i].name, w[1]) == 0)
            return policy_why(why, why_len, "%s %s: defined twice", d, w[1]);
    snprintf(r->name, sizeof(r->name), "%s", w[1]);
    int first_option = 3;
    if (login) {
        if (w[2][0] != '/' || strlen(w[2]) >= sizeof(r->path))
            return policy_why(why, why_len, "login: PATH must start with /, got \"%s\"", w[2]);
        snprintf(r->path, sizeof(r->path), "%s", w[2]);
    } else {
        if (parse_template(r, w[2], why, why_len) != 0 || rate(d, w[3], &r->ids, why, why_len))
            return -1;
        first_option = 4;
    }
    for (int i = first_option; i < nw; i++)
        if (option(r, d, w[i], why, why_len) != 0)
            return -1;
    if (login && (!r->user_field[0] || !r->password_field[0]))
        return policy_why(why, why_len, "login: user=FIELD and password=FIELD are required");
    if (login && !r->users.limit && !r->accounts.limit)
        return policy_why(why, why_len,
                          "login: give users=LIMIT/PERIOD, accounts=LIMIT/PERIOD or both");
    ap->has_login |= login;
    ap->nrules++;
    return 0;
}

int abuse_policy_finish(rp_abuse_policy_t *ap, const uint8_t *bot_key, size_t bot_key_len,
                        char *why, size_t why_len)
{
    if (!ap)
        return 0;
    for (size_t i = 0; i < ap->nrules; i++)
        if (ap->rules[i].action == ABUSE_CHALLENGE && !bot_key_len)
            return policy_why(why, why_len, "%s %s: action=challenge needs bot_key FILE",
                              ap->rules[i].login ? "login" : "enumerate", ap->rules[i].name);
    unsigned int n = sizeof(ap->salt);
    static const char label[] = "rampart login password hash";
    if (bot_key_len && !HMAC(EVP_sha256(), bot_key, (int)bot_key_len, (const uint8_t *)label,
                             sizeof(label) - 1, ap->salt, &n))
        return policy_why(why, why_len, "cannot derive the password hash key");
    return 0;
}

void abuse_policy_free(rp_abuse_policy_t *ap)
{
    free(ap);
}
