/*
 * fuzz_geo.c — libFuzzer target for the geo rules (geo_policy.c): the
 * first line is a rule's words after "geo" (action, country=, region=,
 * prefix), each further line "COUNTRY REGION PATH" a place and path to
 * match against the rules that loaded.
 *
 * Checks the contract: a matching rule lists the place's country (or
 * "*"), and its prefix starts the path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geo_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WORDS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    rp_geo_policy_t *gp = NULL;
    char why[512];
    for (int rules = 0; line && rules < 4; rules++, line = strtok_r(NULL, "\n", &save)) {
        char *w[MAX_WORDS] = {"geo"}, *ws = NULL;
        int nw = 1;
        for (char *t = strtok_r(line, " ", &ws); t && nw < MAX_WORDS; t = strtok_r(NULL, " ", &ws))
            w[nw++] = t;
        /* rules only: a file name would open a database */
        if (nw < 2 || (strcmp(w[1], "deny") && strcmp(w[1], "allow") && strcmp(w[1], "challenge")))
            break;
        (void)geo_policy_directive(&gp, w, nw, ".", why, sizeof(why));
    }
    for (; line; line = strtok_r(NULL, "\n", &save)) {
        geo_place_t place = {"", ""};
        char path[256] = "/";
        char *ws = NULL, *c = strtok_r(line, " ", &ws), *r = c ? strtok_r(NULL, " ", &ws) : NULL,
             *p = r ? strtok_r(NULL, " ", &ws) : NULL;
        if (c && strlen(c) < sizeof(place.country))
            strcpy(place.country, c);
        if (r && strlen(r) < sizeof(place.region))
            strcpy(place.region, r);
        if (p && strlen(p) < sizeof(path))
            strcpy(path, p);
        geo_lookup(gp, path, &place); /* no database: the place is cleared */
        if (place.country[0] || place.region[0])
            abort();
        if (c && strlen(c) < sizeof(place.country))
            strcpy(place.country, c);
        const geo_rule_t *m = geo_policy_match(gp, path, &place);
        if (m && m->countries && strcmp(m->countries, "*") != 0 &&
            (!place.country[0] || !strstr(m->countries, place.country)))
            abort();
        if (m && m->prefix && strncmp(path, m->prefix, m->prefix_len) != 0)
            abort();
    }
    geo_policy_free(gp);
    free(text);
    return 0;
}
