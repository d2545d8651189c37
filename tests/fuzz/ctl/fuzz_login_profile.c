/*
 * fuzz_login_profile.c — the login profile detector on arbitrary bytes:
 * the first line is a saved profile document (lp_load, as read back from
 * login-profiles.json), the rest lines of "account address" logins. A
 * refused document must leave the profiles usable; every verdict must be
 * in range (hour 0-23, share 0-1, at most LP_SOURCES_MAX sources), and a
 * saved document must load again.
 */
#include <stdlib.h>
#include <string.h>

#include "login_profile.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    lp_settings_t s;
    lp_settings_defaults(&s);
    s.learning_s = 0;
    s.min_logins = 1;
    login_profiles_t *p = lp_new(&s);
    char *line = text, *nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    json_t *doc = json_loads(line, JSON_DECODE_ANY, NULL);
    if (doc) {
        lp_load(p, doc);
        json_decref(doc);
    }
    int64_t now = 1795000000000LL;
    for (line = nl ? nl + 1 : NULL; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *space = strchr(line, ' ');
        if (space)
            *space = '\0';
        lp_verdict_t v;
        lp_login(p, line, space ? space + 1 : NULL, now, &v);
        now += 3600 * 1000LL * (unsigned char)line[0];
        if (v.hour < 0 || v.hour > 23 || v.hour_share < 0 || v.hour_share > 1.0000001 ||
            v.known_sources > LP_SOURCES_MAX)
            abort();
    }
    json_t *saved = lp_save(p);
    login_profiles_t *q = lp_new(&s);
    if (!saved || lp_load(q, saved) != 0)
        abort();
    json_decref(saved);
    lp_free(q);
    lp_free(p);
    free(text);
    return 0;
}
