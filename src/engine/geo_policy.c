/*
 * geo_policy.c — the "geo" directives and the MaxMind DB lookup behind
 * them (geo_policy.h). Each policy opens its own handle (memory-mapped,
 * read-only), closed when the last transaction holding the policy ends,
 * so a reload that swaps the database never pulls it from under a
 * request.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo_policy.h"
#include "policy_why.h"

#define GEO_MAX_RULES 64

struct rp_geo_policy {
    MMDB_s db;
    bool db_open;
    char *db_path;
    geo_rule_t rules[GEO_MAX_RULES];
    size_t nrules;
};

static bool is_upper_alpha(char ch)
{
    return ch >= 'A' && ch <= 'Z';
}

static bool valid_country(const char *s, size_t len)
{
    return len == 2 && is_upper_alpha(s[0]) && is_upper_alpha(s[1]);
}

/* ISO 3166-2: the country, '-', one to three upper-case letters or digits. */
static bool valid_region(const char *s, size_t len)
{
    if (len < 4 || len > 6 || !valid_country(s, 2) || s[2] != '-')
        return false;
    for (size_t i = 3; i < len; i++)
        if (!is_upper_alpha(s[i]) && !(s[i] >= '0' && s[i] <= '9'))
            return false;
    return true;
}

/* "CN,RU" -> "CN,RU," checked code by code; NULL with why on a bad code. */
static char *code_list(const char *what, const char *list, bool region, char *why, size_t wl)
{
    size_t n = strlen(list);
    char *out = malloc(n + 2);
    if (!out) {
        policy_why(why, wl, "out of memory");
        return NULL;
    }
    size_t o = 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        bool ok = region ? valid_region(p, len) : valid_country(p, len);
        if (!ok) {
            policy_why(why, wl, "geo: %s \"%.*s\" is not an %s code", what, (int)len, p,
                       region ? "ISO 3166-2 region (CN-BJ)" : "ISO 3166-1 alpha-2 country (CN)");
            free(out);
            return NULL;
        }
        memcpy(out + o, p, len);
        o += len;
        out[o++] = ',';
        p += len;
        if (*p == ',')
            p++;
    }
    out[o] = '\0';
    if (o == 0) {
        policy_why(why, wl, "geo: empty %s list", what);
        free(out);
        return NULL;
    }
    return out;
}

/* Is the code (len bytes) in a "A,B," list? */
static bool listed(const char *list, const char *code, size_t len)
{
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        if ((size_t)(comma - p) == len && memcmp(p, code, len) == 0)
            return true;
        p = comma + 1;
    }
    return false;
}

static int open_database(rp_geo_policy_t *gp, const char *file, const char *dir, char *why,
                         size_t wl)
{
    if (gp->db_open)
        return policy_why(why, wl, "geo %s: one database per policy", file);
    char path[PATH_MAX];
    if (file[0] == '/' || !dir)
        snprintf(path, sizeof(path), "%s", file);
    else
        snprintf(path, sizeof(path), "%s/%s", dir, file);
    int rc = MMDB_open(path, MMDB_MODE_MMAP, &gp->db);
    if (rc != MMDB_SUCCESS)
        return policy_why(why, wl, "geo %s: %s", file, MMDB_strerror(rc));
    gp->db_open = true;
    if (!(gp->db_path = strdup(path)))
        return policy_why(why, wl, "out of memory");
    return 0;
}

static int parse_rule(rp_geo_policy_t *gp, char **w, int nw, char *why, size_t wl)
{
    static const char usage[] =
        "usage: geo deny|allow|challenge country=CC,...|* [region=CC-SUB,...] [PREFIX]";
    if (gp->nrules == GEO_MAX_RULES)
        return policy_why(why, wl, "geo: at most %d rules per policy", GEO_MAX_RULES);
    geo_rule_t *r = &gp->rules[gp->nrules];
    memset(r, 0, sizeof(*r));
    if (strcmp(w[1], "deny") == 0)
        r->action = GEO_DENY;
    else if (strcmp(w[1], "allow") == 0)
        r->action = GEO_ALLOW;
    else
        r->action = GEO_CHALLENGE;
    gp->nrules++; /* owned from here: geo_policy_free releases a half-parsed rule */
    for (int i = 2; i < nw; i++) {
        if (strncmp(w[i], "country=", 8) == 0 && !r->countries) {
            if (strcmp(w[i] + 8, "*") == 0)
                r->countries = strdup("*");
            else if (!(r->countries = code_list("country", w[i] + 8, false, why, wl)))
                return -1;
            if (!r->countries)
                return policy_why(why, wl, "out of memory");
        } else if (strncmp(w[i], "region=", 7) == 0 && !r->regions) {
            if (!(r->regions = code_list("region", w[i] + 7, true, why, wl)))
                return -1;
        } else if (w[i][0] == '/' && !r->prefix) {
            if (!(r->prefix = strdup(w[i])))
                return policy_why(why, wl, "out of memory");
            r->prefix_len = strlen(w[i]);
        } else {
            return policy_why(why, wl, "geo %s: unexpected \"%s\"; %s", w[1], w[i], usage);
        }
    }
    if (!r->countries && !r->regions)
        return policy_why(why, wl, "geo %s: give country= or region=; %s", w[1], usage);
    /* with both, a region outside the countries could never match */
    if (r->countries && r->regions && strcmp(r->countries, "*") != 0)
        for (const char *p = r->regions; *p; p = strchr(p, ',') + 1)
            if (!listed(r->countries, p, 2))
                return policy_why(why, wl, "geo %s: region %.2s-... is outside country=%.*s", w[1],
                                  p, (int)strlen(r->countries) - 1, r->countries);
    return 0;
}

int geo_policy_directive(rp_geo_policy_t **gpp, char **w, int nw, const char *dir, char *why,
                         size_t why_len)
{
    if (nw < 2)
        return policy_why(why, why_len, "usage: geo FILE | geo deny|allow|challenge ...");
    if (!*gpp && !(*gpp = calloc(1, sizeof(**gpp))))
        return policy_why(why, why_len, "out of memory");
    bool rule =
        strcmp(w[1], "deny") == 0 || strcmp(w[1], "allow") == 0 || strcmp(w[1], "challenge") == 0;
    if (!rule) {
        if (nw != 2)
            return policy_why(why, why_len, "usage: geo FILE (a MaxMind DB)");
        return open_database(*gpp, w[1], dir, why, why_len);
    }
    if (nw < 3)
        return policy_why(why, why_len,
                          "usage: geo %s country=CC,...|* [region=CC-SUB,...] [PREFIX]", w[1]);
    return parse_rule(*gpp, w, nw, why, why_len);
}

int geo_policy_finish(const rp_geo_policy_t *gp, bool have_bot_key, char *why, size_t why_len)
{
    if (!gp)
        return 0;
    if (gp->nrules && !gp->db_open)
        return policy_why(why, why_len, "geo rules need a database: geo FILE");
    for (size_t i = 0; i < gp->nrules; i++)
        if (gp->rules[i].action == GEO_CHALLENGE && !have_bot_key)
            return policy_why(why, why_len, "geo challenge needs bot_key FILE");
    return 0;
}

void geo_policy_free(rp_geo_policy_t *gp)
{
    if (!gp)
        return;
    if (gp->db_open)
        MMDB_close(&gp->db);
    free(gp->db_path);
    for (size_t i = 0; i < gp->nrules; i++) {
        free(gp->rules[i].countries);
        free(gp->rules[i].regions);
        free(gp->rules[i].prefix);
    }
    free(gp);
}

bool geo_policy_has_rules(const rp_geo_policy_t *gp)
{
    return gp && gp->nrules > 0;
}

/* A short UTF-8 string at a path of the entry into out (size n), or "". */
static void entry_code(MMDB_entry_s *entry, char *out, size_t n, const char *const *path)
{
    MMDB_entry_data_s d;
    out[0] = '\0';
    if (MMDB_aget_value(entry, &d, path) != MMDB_SUCCESS || !d.has_data ||
        d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size >= n)
        return;
    memcpy(out, d.utf8_string, d.data_size);
    out[d.data_size] = '\0';
}

void geo_lookup(const rp_geo_policy_t *gp, const char *addr, geo_place_t *out)
{
    static const char *const country_path[] = {"country", "iso_code", NULL};
    static const char *const region_path[] = {"subdivisions", "0", "iso_code", NULL};
    out->country[0] = out->region[0] = '\0';
    if (!gp || !gp->db_open)
        return;
    /* parse the text ourselves: MMDB_lookup_string goes through getaddrinfo */
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
    struct sockaddr_in s4 = {.sin_family = AF_INET};
    const struct sockaddr *sa = (const struct sockaddr *)&s4;
    if (inet_pton(AF_INET, addr, &s4.sin_addr) != 1) {
        if (inet_pton(AF_INET6, addr, &s6.sin6_addr) != 1)
            return;
        if (IN6_IS_ADDR_V4MAPPED(&s6.sin6_addr))
            memcpy(&s4.sin_addr, s6.sin6_addr.s6_addr + 12, 4); /* counts as IPv4 */
        else
            sa = (const struct sockaddr *)&s6;
    }
    int mmdb_error;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&gp->db, sa, &mmdb_error);
    if (mmdb_error != MMDB_SUCCESS || !r.found_entry)
        return;
    entry_code(&r.entry, out->country, sizeof(out->country), country_path);
    if (out->country[0])
        entry_code(&r.entry, out->region, sizeof(out->region), region_path);
}

static bool rule_matches(const geo_rule_t *r, const geo_place_t *place)
{
    if (r->countries && strcmp(r->countries, "*") != 0 &&
        (!place->country[0] || !listed(r->countries, place->country, strlen(place->country))))
        return false;
    if (r->regions) {
        char code[16];
        int n = snprintf(code, sizeof(code), "%s-%s", place->country, place->region);
        if (!place->country[0] || !place->region[0] || !listed(r->regions, code, (size_t)n))
            return false;
    }
    return true;
}

const geo_rule_t *geo_policy_match(const rp_geo_policy_t *gp, const char *path,
                                   const geo_place_t *place)
{
    for (size_t i = 0; gp && i < gp->nrules; i++) {
        const geo_rule_t *r = &gp->rules[i];
        if (r->prefix && strncmp(path, r->prefix, r->prefix_len) != 0)
            continue;
        if (rule_matches(r, place))
            return r;
    }
    return NULL;
}
