/*
 * alert_rule.c — the alert_rule directive (see alert_rule.h).
 */
#include "alert_rule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const per_names[] = {"user", "client", "app"};

const char *alert_per_name(alert_per_t per)
{
    return per >= ALERT_PER_USER && per <= ALERT_PER_APP ? per_names[per] : "?";
}

void alert_rules_default(alert_rules_t *rules)
{
    memset(rules, 0, sizeof(*rules));
    alert_rule_t *r = &rules->rule[0];
    snprintf(r->name, sizeof(r->name), "unmasked-id-numbers");
    snprintf(r->category, sizeof(r->category), "data-access");
    snprintf(r->class_, sizeof(r->class_), "resident_id");
    snprintf(r->view, sizeof(r->view), "clear");
    r->per = ALERT_PER_USER;
    r->threshold = 100;
    r->window_s = 3600;
    rules->n = 1;
}

/* Letters, digits, '-', '_' and '.', 1 to max bytes. */
static int valid_word(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

static int number(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int set_word(char *field, size_t size, const char *name, const char *v, char *why,
                    size_t why_size)
{
    if (!valid_word(v, size - 1)) {
        snprintf(why, why_size, "alert_rule: %s: 1-%zu letters, digits, '-', '_', '.'", name,
                 size - 1);
        return -1;
    }
    snprintf(field, size, "%s", v);
    return 0;
}

static int parse_option(alert_rule_t *r, const char *w, int *have, char *why, size_t why_size)
{
    const char *eq = strchr(w, '=');
    if (!eq) {
        snprintf(why, why_size, "alert_rule: \"%s\": expected NAME=VALUE", w);
        return -1;
    }
    size_t k = (size_t)(eq - w);
    const char *v = eq + 1;
#define KEY(s) (k == strlen(s) && strncmp(w, s, k) == 0)
    if (KEY("category")) {
        *have |= 1;
        return set_word(r->category, sizeof(r->category), "category", v, why, why_size);
    }
    if (KEY("class"))
        return set_word(r->class_, sizeof(r->class_), "class", v, why, why_size);
    if (KEY("view"))
        return set_word(r->view, sizeof(r->view), "view", v, why, why_size);
    if (KEY("per")) {
        for (int i = 0; i < 3; i++)
            if (strcmp(v, per_names[i]) == 0) {
                r->per = (alert_per_t)i;
                *have |= 2;
                return 0;
            }
        snprintf(why, why_size, "alert_rule: per: user, client or app");
        return -1;
    }
    if (KEY("threshold")) {
        *have |= 4;
        if (number(v, 1, 1000000000, &r->threshold) == 0)
            return 0;
        snprintf(why, why_size, "alert_rule: threshold: 1 to 1000000000");
        return -1;
    }
    if (KEY("window")) {
        *have |= 8;
        if (number(v, 60, 7 * 86400, &r->window_s) == 0)
            return 0;
        snprintf(why, why_size, "alert_rule: window: 60 to 604800 seconds");
        return -1;
    }
#undef KEY
    snprintf(why, why_size,
             "alert_rule: unknown option \"%.*s\" (category, class, view, per, threshold, "
             "window)",
             (int)k, w);
    return -1;
}

int alert_rules_add(alert_rules_t *rules, char **words, int count, char *why, size_t why_size)
{
    if (!rules->given) {
        rules->n = 0;
        rules->given = 1;
    }
    int off = count == 1 && strcmp(words[0], "off") == 0;
    if (rules->off || (off && rules->n)) {
        snprintf(why, why_size, "alert_rule off: stands alone");
        return -1;
    }
    if (off) {
        rules->off = 1;
        return 0;
    }
    if (count < 2) {
        snprintf(why, why_size,
                 "alert_rule takes NAME category=CAT [class=CLASS] [view=VIEW] "
                 "per=user|client|app threshold=N window=SECONDS, or off");
        return -1;
    }
    if (rules->n == ALERT_RULES_MAX) {
        snprintf(why, why_size, "alert_rule: at most %d rules", ALERT_RULES_MAX);
        return -1;
    }
    alert_rule_t r;
    memset(&r, 0, sizeof(r));
    if (set_word(r.name, sizeof(r.name), "name", words[0], why, why_size))
        return -1;
    for (size_t i = 0; i < rules->n; i++)
        if (strcmp(rules->rule[i].name, r.name) == 0) {
            snprintf(why, why_size, "alert_rule: %s is defined twice", r.name);
            return -1;
        }
    int have = 0;
    for (int i = 1; i < count; i++)
        if (parse_option(&r, words[i], &have, why, why_size))
            return -1;
    if (have != 15) {
        snprintf(why, why_size, "alert_rule %s: category=, per=, threshold= and window= are needed",
                 r.name);
        return -1;
    }
    rules->rule[rules->n++] = r;
    return 0;
}
