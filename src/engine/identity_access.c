/*
 * identity_access.c — a policy's access rules ("access" directive,
 * docs/POLICY.md and docs/IDENTITY.md): per path prefix, public or
 * authenticated, with optional roles, groups, MFA, client address ranges
 * and weekly time windows (the gateway's local time). The longest matching
 * prefix decides; a path no rule covers needs a session (fail closed).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "identity_t.h"
#include "policy_t.h"

#define MAX_RULES 256
#define MAX_ITEMS 16
#define ITEM_MAX  128

typedef struct {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    unsigned bits;
} cidr_t;

typedef struct {
    unsigned days;     /* bit 0 = Monday ... bit 6 = Sunday */
    unsigned from, to; /* minutes of the day, from < to <= 1440 */
} window_t;

typedef struct {
    char prefix[256];
    size_t prefix_len;
    rp_access_kind_t kind;
    char roles[MAX_ITEMS][ITEM_MAX];
    size_t nroles;
    char groups[MAX_ITEMS][ITEM_MAX];
    size_t ngroups;
    bool mfa;
    cidr_t addrs[MAX_ITEMS];
    size_t naddrs;
    window_t windows[MAX_ITEMS];
    size_t nwindows;
} rule_t;

struct rp_access_rules {
    size_t n;
    rule_t *rules;
};

const char *rp_access_result_name(rp_access_result_t r)
{
    static const char *const names[] = {"allowed", "login-required", "role", "group",
                                        "mfa",     "address",        "time"};
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

#define WHY(...)                                                                                   \
    do {                                                                                           \
        snprintf(why, why_len, __VA_ARGS__);                                                       \
        return -1;                                                                                 \
    } while (0)

/* Split a comma list into items[][ITEM_MAX]. */
static int list(const char *s, char items[][ITEM_MAX], size_t *n, const char *what, char *why,
                size_t why_len)
{
    *n = 0;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (len == 0)
            WHY("access: %s: empty item", what);
        if (len >= ITEM_MAX)
            WHY("access: %s: item longer than %d characters", what, ITEM_MAX - 1);
        if (*n == MAX_ITEMS)
            WHY("access: %s: more than %d items", what, MAX_ITEMS);
        memcpy(items[*n], s, len);
        items[(*n)++][len] = '\0';
        s += len + (comma ? 1 : 0);
        if (comma && !*s)
            WHY("access: %s: empty item", what);
    }
    if (*n == 0)
        WHY("access: %s: empty list", what);
    return 0;
}

static int parse_cidr(const char *s, cidr_t *c)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    if (len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, c->addr) == 1) {
        c->family = AF_INET;
        c->bits = 32;
    } else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
        c->family = AF_INET6;
        c->bits = 128;
    } else {
        return -1;
    }
    if (slash) {
        char *end;
        long b = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || b < 0 || b > (long)c->bits)
            return -1;
        c->bits = (unsigned)b;
    }
    return 0;
}

static int day_of(const char *s)
{
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    for (int i = 0; i < 7; i++)
        if (strncmp(s, days[i], 3) == 0)
            return i;
    return -1;
}

static int minutes(const char *s, unsigned *out)
{
    if (strlen(s) < 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
        s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
        return -1;
    unsigned h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
    unsigned m = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');
    if (h > 24 || (h == 24 && m != 0))
        return -1;
    *out = h * 60 + m;
    return 0;
}

/* DAY[-DAY]/HH:MM-HH:MM */
static int parse_window(const char *s, window_t *w)
{
    int a = day_of(s), b = a;
    const char *p = s + 3;
    if (a < 0)
        return -1;
    if (*p == '-') {
        if ((b = day_of(p + 1)) < 0)
            return -1;
        p += 4;
    }
    if (*p != '/' || strlen(p) != 12 || p[6] != '-')
        return -1;
    char from[6], to[6];
    memcpy(from, p + 1, 5);
    from[5] = '\0';
    memcpy(to, p + 7, 5);
    to[5] = '\0';
    if (minutes(from, &w->from) != 0 || minutes(to, &w->to) != 0 || w->from >= w->to)
        return -1;
    w->days = 0;
    for (int d = a;; d = (d + 1) % 7) { /* Fri-Mon wraps over the weekend */
        w->days |= 1u << d;
        if (d == b)
            break;
    }
    return 0;
}

static int option(rule_t *r, const char *o, char *why, size_t why_len)
{
    char items[MAX_ITEMS][ITEM_MAX];
    size_t n;
    if (strcmp(o, "mfa") == 0) {
        r->mfa = true;
    } else if (strncmp(o, "roles=", 6) == 0) {
        if (r->nroles)
            WHY("access: roles= given twice");
        return list(o + 6, r->roles, &r->nroles, "roles", why, why_len);
    } else if (strncmp(o, "groups=", 7) == 0) {
        if (r->ngroups)
            WHY("access: groups= given twice");
        return list(o + 7, r->groups, &r->ngroups, "groups", why, why_len);
    } else if (strncmp(o, "addr=", 5) == 0) {
        if (r->naddrs || list(o + 5, items, &n, "addr", why, why_len) != 0)
            WHY("access: addr= given twice or empty");
        for (size_t i = 0; i < n; i++)
            if (parse_cidr(items[i], &r->addrs[i]) != 0)
                WHY("access: addr: \"%s\" is not an address or CIDR range", items[i]);
        r->naddrs = n;
    } else if (strncmp(o, "time=", 5) == 0) {
        if (r->nwindows || list(o + 5, items, &n, "time", why, why_len) != 0)
            WHY("access: time= given twice or empty");
        for (size_t i = 0; i < n; i++)
            if (parse_window(items[i], &r->windows[i]) != 0)
                WHY("access: time: \"%s\" is not DAY[-DAY]/HH:MM-HH:MM (e.g. Mon-Fri/08:00-18:00)",
                    items[i]);
        r->nwindows = n;
    } else {
        WHY("access: unknown option \"%s\" (roles=, groups=, mfa, addr=, time=)", o);
    }
    return 0;
}

int rp_access_rules_add(rp_access_rules_t **rules, char **w, int nw, char *why, size_t why_len)
{
    if (nw < 3)
        WHY("usage: access PREFIX public|authenticated [roles=A,B] [groups=G,...] [mfa] "
            "[addr=CIDR,...] [time=Mon-Fri/08:00-18:00,...]");
    if (w[1][0] != '/')
        WHY("access: prefix must start with '/', got \"%s\"", w[1]);
    if (strlen(w[1]) >= sizeof(((rule_t *)0)->prefix))
        WHY("access: prefix longer than %zu characters", sizeof(((rule_t *)0)->prefix) - 1);
    rule_t *r = calloc(1, sizeof(*r));
    if (!r)
        WHY("out of memory");
    snprintf(r->prefix, sizeof(r->prefix), "%s", w[1]);
    r->prefix_len = strlen(r->prefix);
    if (strcmp(w[2], "public") == 0) {
        r->kind = RP_ACCESS_PUBLIC;
    } else if (strcmp(w[2], "authenticated") == 0) {
        r->kind = RP_ACCESS_AUTHENTICATED;
    } else {
        free(r);
        WHY("access: must be public or authenticated, got \"%s\"", w[2]);
    }
    for (int i = 3; i < nw; i++) {
        if (r->kind == RP_ACCESS_PUBLIC) {
            free(r);
            WHY("access: a public route takes no options (\"%s\")", w[i]);
        }
        if (option(r, w[i], why, why_len) != 0) {
            free(r);
            return -1;
        }
    }
    rp_access_rules_t *set = *rules;
    if (!set && !(set = *rules = calloc(1, sizeof(*set)))) {
        free(r);
        WHY("out of memory");
    }
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->rules[i].prefix, r->prefix) == 0) {
            free(r);
            WHY("access %s: defined twice", w[1]);
        }
    }
    if (set->n == MAX_RULES) {
        free(r);
        WHY("more than %d access rules", MAX_RULES);
    }
    rule_t *nr = realloc(set->rules, (set->n + 1) * sizeof(*nr));
    if (!nr) {
        free(r);
        WHY("out of memory");
    }
    nr[set->n++] = *r;
    set->rules = nr;
    free(r);
    return 0;
}

void rp_access_rules_free(rp_access_rules_t *rules)
{
    if (rules) {
        free(rules->rules);
        free(rules);
    }
}

size_t rp_access_rules_count(const rp_access_rules_t *rules)
{
    return rules ? rules->n : 0;
}

/* "/admin" covers /admin and /admin/..., not /administrator; "/admin/"
 * covers what starts with it. */
static bool covers(const rule_t *r, const char *path, size_t len)
{
    if (len < r->prefix_len || memcmp(path, r->prefix, r->prefix_len) != 0)
        return false;
    return len == r->prefix_len || r->prefix[r->prefix_len - 1] == '/' ||
           path[r->prefix_len] == '/';
}

static const rule_t *match(const rp_access_rules_t *rules, const char *path, size_t len)
{
    const rule_t *best = NULL;
    for (size_t i = 0; rules && i < rules->n; i++)
        if (covers(&rules->rules[i], path, len) &&
            (!best || rules->rules[i].prefix_len > best->prefix_len))
            best = &rules->rules[i];
    return best;
}

bool rp_access_needs_session(const rp_access_rules_t *rules, const char *path, size_t path_len)
{
    const rule_t *r = match(rules, path, path_len);
    return !r || r->kind != RP_ACCESS_PUBLIC;
}

/* Does the decoded comma list hold one of items (exact; groups also match
 * a sub-path: member of /org/dept/team is in /org/dept)? */
static bool any_of(const rp_id_str_t *claim, const char items[][ITEM_MAX], size_t n, bool paths)
{
    char buf[RP_ID_TOKEN_MAX];
    size_t len = rp_id_pct_decode(claim->p, claim->len, buf, sizeof(buf));
    for (size_t start = 0; start < len;) {
        char *comma = memchr(buf + start, ',', len - start);
        size_t end = comma ? (size_t)(comma - buf) : len;
        size_t il = end - start;
        for (size_t i = 0; i < n; i++) {
            size_t want = strlen(items[i]);
            if (il == want && memcmp(buf + start, items[i], il) == 0)
                return true;
            if (paths && il > want && memcmp(buf + start, items[i], want) == 0 &&
                buf[start + want] == '/')
                return true;
        }
        start = end + 1;
    }
    return false;
}

static bool in_cidr(const cidr_t *c, const uint8_t *a)
{
    unsigned full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->addr, a, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (c->addr[full] & mask) == (a[full] & mask);
}

static bool addr_allowed(const rule_t *r, const char *addr, size_t len)
{
    char buf[64];
    uint8_t a4[4], a6[16];
    if (len >= sizeof(buf))
        return false;
    memcpy(buf, addr, len);
    buf[len] = '\0';
    int fam = inet_pton(AF_INET, buf, a4) == 1    ? AF_INET
              : inet_pton(AF_INET6, buf, a6) == 1 ? AF_INET6
                                                  : 0;
    /* an IPv4-mapped IPv6 client is its IPv4 address */
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (fam == AF_INET6 && memcmp(a6, mapped, 12) == 0) {
        memcpy(a4, a6 + 12, 4);
        fam = AF_INET;
    }
    for (size_t i = 0; fam && i < r->naddrs; i++)
        if (r->addrs[i].family == fam && in_cidr(&r->addrs[i], fam == AF_INET ? a4 : a6))
            return true;
    return false;
}

static bool time_allowed(const rule_t *r, int64_t now)
{
    time_t t = (time_t)now;
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return false;
    unsigned day = (unsigned)(tm.tm_wday + 6) % 7; /* Monday = 0 */
    unsigned min = (unsigned)(tm.tm_hour * 60 + tm.tm_min);
    for (size_t i = 0; i < r->nwindows; i++)
        if ((r->windows[i].days & (1u << day)) && min >= r->windows[i].from &&
            min < r->windows[i].to)
            return true;
    return false;
}

rp_access_result_t rp_access_check(const rp_access_rules_t *rules, const char *path,
                                   size_t path_len, const rp_id_claims_t *session, const char *addr,
                                   size_t addr_len, int64_t now)
{
    const rule_t *r = match(rules, path, path_len);
    if (r && r->kind == RP_ACCESS_PUBLIC)
        return RP_ACCESS_ALLOW;
    if (!session)
        return RP_ACCESS_LOGIN;
    if (!r)
        return RP_ACCESS_ALLOW;
    if (r->nroles && !any_of(&session->ro, r->roles, r->nroles, false))
        return RP_ACCESS_DENY_ROLE;
    if (r->ngroups && !any_of(&session->gr, r->groups, r->ngroups, true))
        return RP_ACCESS_DENY_GROUP;
    if (r->mfa) {
        static const char mfa[1][ITEM_MAX] = {"mfa"};
        if (!any_of(&session->amr, mfa, 1, false))
            return RP_ACCESS_DENY_MFA;
    }
    if (r->naddrs && !addr_allowed(r, addr, addr_len))
        return RP_ACCESS_DENY_ADDR;
    if (r->nwindows && !time_allowed(r, now))
        return RP_ACCESS_DENY_TIME;
    return RP_ACCESS_ALLOW;
}

const rp_access_rules_t *rp_policy_access_rules(const rp_policy_t *p)
{
    return p ? p->access : NULL;
}
