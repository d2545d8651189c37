/*
 * geo_policy.h — country and region rules from a MaxMind DB ("geo FILE",
 * "geo deny|allow|challenge country=CC,... [region=CC-SUB,...] [PREFIX]";
 * docs/POLICY.md). The database is read with libmaxminddb (MaxMind DB
 * format 2.0, GeoIP2/GeoLite2 Country or City shape): country.iso_code
 * (ISO 3166-1 alpha-2) and subdivisions[0].iso_code (the ISO 3166-2 part
 * after the country).
 */
#ifndef RAMPART_GEO_POLICY_H
#define RAMPART_GEO_POLICY_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { GEO_ALLOW, GEO_DENY, GEO_CHALLENGE } geo_action_t;

typedef struct geo_rule {
    geo_action_t action;
    char *countries; /* "CN,RU," (each code then a comma), "*" any, or NULL */
    char *regions;   /* "CN-BJ,US-CA," or NULL: any region of the countries */
    char *prefix;    /* path prefix the rule is limited to, or NULL */
    size_t prefix_len;
} geo_rule_t;

/* Where an address is: country "" when the database does not know it;
 * region "" when it has no subdivision. */
typedef struct geo_place {
    char country[4];
    char region[8];
} geo_place_t;

typedef struct rp_geo_policy rp_geo_policy_t;

/* One "geo ..." directive (w[0] == "geo"); dir resolves a relative FILE.
 * Returns 0, or -1 with the reason in why. */
int geo_policy_directive(rp_geo_policy_t **gp, char **w, int nw, const char *dir, char *why,
                         size_t why_len);
/* After the whole policy: rules need a database, challenge needs bot_key. */
int geo_policy_finish(const rp_geo_policy_t *gp, bool have_bot_key, char *why, size_t why_len);
void geo_policy_free(rp_geo_policy_t *gp);

/* Look the address (text; IPv4-mapped IPv6 counts as IPv4) up. */
void geo_lookup(const rp_geo_policy_t *gp, const char *addr, geo_place_t *out);
/* The first rule for this path and place, or NULL. */
const geo_rule_t *geo_policy_match(const rp_geo_policy_t *gp, const char *path,
                                   const geo_place_t *place);
bool geo_policy_has_rules(const rp_geo_policy_t *gp);

#endif
