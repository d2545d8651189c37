/*
 * bot_policy.c — the "bot", "bot_key" and "bot_good" policy directives.
 */
#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bot_policy.h"
#include "policy_why.h"

static int read_key(rp_bot_policy_t *bp, const char *path, char *why, size_t wl)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return policy_why(why, wl, "bot_key %s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 0077)) {
        fclose(f);
        return policy_why(why, wl, "bot_key %s: readable by group or others (chmod 600)", path);
    }
    uint8_t buf[RP_BOT_KEY_MAX + 1];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    /* a trailing newline from `head -c 48 /dev/urandom | base64 > key` is
     * part of no key */
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    if (n < RP_BOT_KEY_MIN || n > RP_BOT_KEY_MAX)
        return policy_why(why, wl, "bot_key %s: the key must be %d to %d bytes, got %zu", path,
                          RP_BOT_KEY_MIN, RP_BOT_KEY_MAX, n);
    memcpy(bp->key, buf, n);
    bp->key_len = n;
    return 0;
}

static int parse_uint(const char *v, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (end == v || *end || errno || x > max)
        return -1;
    *out = (unsigned)x;
    return 0;
}

static int directive_rule(rp_bot_policy_t *bp, char **w, int nw, char *why, size_t wl)
{
    if (nw < 3)
        return policy_why(why, wl,
                          "usage: bot PREFIX challenge|block|off [difficulty=N] [ttl=SECONDS] "
                          "[automation=allow|deny]");
    if (bp->nrules == BOT_MAX_RULES)
        return policy_why(why, wl, "more than %d bot rules", BOT_MAX_RULES);
    bot_rule_t r = {.difficulty = 16, .ttl = 3600};
    if (w[1][0] != '/' || strlen(w[1]) >= sizeof(r.prefix))
        return policy_why(why, wl, "bot: PREFIX must start with / (at most 127 bytes), got \"%s\"",
                          w[1]);
    snprintf(r.prefix, sizeof(r.prefix), "%s", w[1]);
    if (strcmp(w[2], "challenge") == 0)
        r.action = BOT_CHALLENGE;
    else if (strcmp(w[2], "block") == 0)
        r.action = BOT_BLOCK;
    else if (strcmp(w[2], "off") == 0)
        r.action = BOT_OFF;
    else
        return policy_why(why, wl, "bot: action is challenge, block or off, got \"%s\"", w[2]);
    for (int i = 3; i < nw; i++) {
        const char *eq = strchr(w[i], '=');
        const char *v = eq ? eq + 1 : "";
        size_t n = eq ? (size_t)(eq - w[i]) : strlen(w[i]);
        if (n == 10 && strncmp(w[i], "difficulty", n) == 0) {
            if (parse_uint(v, 24, &r.difficulty) != 0)
                return policy_why(why, wl, "bot: difficulty is 0 to 24 bits, got \"%s\"", v);
        } else if (n == 3 && strncmp(w[i], "ttl", n) == 0) {
            if (parse_uint(v, 30 * 86400, &r.ttl) != 0 || r.ttl < 60)
                return policy_why(why, wl, "bot: ttl is 60 to 2592000 seconds, got \"%s\"", v);
        } else if (n == 10 && strncmp(w[i], "automation", n) == 0) {
            if (strcmp(v, "allow") == 0)
                r.deny_automation = false;
            else if (strcmp(v, "deny") == 0)
                r.deny_automation = true;
            else
                return policy_why(why, wl, "bot: automation is allow or deny, got \"%s\"", v);
        } else {
            return policy_why(why, wl, "bot: unknown option \"%s\"", w[i]);
        }
    }
    for (size_t i = 0; i < bp->nrules; i++)
        if (strcmp(bp->rules[i].prefix, r.prefix) == 0)
            return policy_why(why, wl, "bot %s: defined twice", r.prefix);
    bp->rules[bp->nrules++] = r;
    return 0;
}

static int directive_good(rp_bot_policy_t *bp, char **w, int nw, char *why, size_t wl)
{
    if (nw != 4)
        return policy_why(why, wl, "usage: bot_good NAME UA_TOKEN .SUFFIX[,.SUFFIX...]");
    if (bp->ngood == BOT_MAX_GOOD)
        return policy_why(why, wl, "more than %d bot_good directives", BOT_MAX_GOOD);
    bot_good_t *g = &bp->good[bp->ngood];
    if (strlen(w[1]) >= sizeof(g->name) || strlen(w[2]) >= sizeof(g->ua_token) ||
        strlen(w[3]) >= sizeof(g->suffixes))
        return policy_why(why, wl, "bot_good: name, token or suffixes too long");
    /* a suffix without its dot would let evilgooglebot.com pass */
    for (const char *s = w[3]; *s;) {
        size_t len = strcspn(s, ",");
        if (len < 3 || s[0] != '.')
            return policy_why(why, wl, "bot_good: each suffix starts with a dot (.googlebot.com)");
        s += len + (s[len] == ',');
    }
    snprintf(g->name, sizeof(g->name), "%s", w[1]);
    snprintf(g->ua_token, sizeof(g->ua_token), "%s", w[2]);
    snprintf(g->suffixes, sizeof(g->suffixes), "%s", w[3]);
    bp->ngood++;
    return 0;
}

int bot_policy_directive(rp_bot_policy_t **bpp, char **w, int nw, const char *dir, char *why,
                         size_t why_len)
{
    if (!*bpp && !(*bpp = calloc(1, sizeof(**bpp))))
        return policy_why(why, why_len, "out of memory");
    rp_bot_policy_t *bp = *bpp;
    if (strcmp(w[0], "bot") == 0)
        return directive_rule(bp, w, nw, why, why_len);
    if (strcmp(w[0], "bot_good") == 0)
        return directive_good(bp, w, nw, why, why_len);
    if (strcmp(w[0], "bot_key") == 0) {
        if (nw != 2)
            return policy_why(why, why_len, "usage: bot_key FILE");
        if (bp->key_len)
            return policy_why(why, why_len, "bot_key: given twice");
        char path[PATH_MAX];
        if (w[1][0] == '/' || !dir)
            snprintf(path, sizeof(path), "%s", w[1]);
        else
            snprintf(path, sizeof(path), "%s/%s", dir, w[1]);
        return read_key(bp, path, why, why_len);
    }
    return policy_why(why, why_len, "unknown directive \"%s\"", w[0]);
}

int bot_policy_check(const rp_bot_policy_t *bp, char *why, size_t why_len)
{
    if (bp && bp->nrules && !bp->key_len)
        return policy_why(why, why_len, "bot rules need a key: bot_key FILE (%d+ random bytes)",
                          RP_BOT_KEY_MIN);
    return 0;
}

const bot_rule_t *bot_policy_rule(const rp_bot_policy_t *bp, const char *path)
{
    const bot_rule_t *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < bp->nrules; i++) {
        size_t n = strlen(bp->rules[i].prefix);
        if (n >= best_len && strncmp(path, bp->rules[i].prefix, n) == 0) {
            best = &bp->rules[i];
            best_len = n;
        }
    }
    return best;
}

void bot_policy_free(rp_bot_policy_t *bp)
{
    if (bp) {
        OPENSSL_cleanse(bp->key, sizeof(bp->key));
        free(bp);
    }
}
