/*
 * alert_rule.h — the alert_rule directive of rampartd.conf: a threshold
 * on what the stored events add up to, per key and per window
 * (docs/RAMPARTD.md, "Alerts"):
 *
 *   alert_rule NAME category=CAT [class=CLASS] [view=VIEW] per=user|client|app
 *              threshold=N window=SECONDS
 *
 * Events of category CAT (and, for data events, of view VIEW) are counted
 * per key — the session user, the client address or the application —
 * in fixed windows of SECONDS aligned to the epoch; with class= the count
 * is the number of values of that data class the event reports
 * (data.classes), else one per event. More than N in a window raises one
 * alert for that key and window.
 *
 * Without any alert_rule the shipped one applies: more than 100 resident
 * ID numbers seen unmasked by one user in one hour,
 *
 *   alert_rule unmasked-id-numbers category=data-access class=resident_id
 *              view=clear per=user threshold=100 window=3600
 *
 * and "alert_rule off" (alone) turns alerting off.
 */
#ifndef RAMPART_CTL_ALERT_RULE_H
#define RAMPART_CTL_ALERT_RULE_H

#include <stddef.h>
#include <stdint.h>

#define ALERT_RULES_MAX 16

typedef enum { ALERT_PER_USER, ALERT_PER_CLIENT, ALERT_PER_APP } alert_per_t;

typedef struct {
    char name[65];
    char category[33];
    char class_[33]; /* "" : count events */
    char view[16];   /* "" : any */
    alert_per_t per;
    int64_t threshold;
    int64_t window_s;
} alert_rule_t;

typedef struct {
    alert_rule_t rule[ALERT_RULES_MAX];
    size_t n;
    int given; /* an alert_rule line was read: the shipped rule is replaced */
    int off;   /* alert_rule off */
} alert_rules_t;

/* The shipped rule only. */
void alert_rules_default(alert_rules_t *rules);

/* Adds the rule of one alert_rule line (its words after the directive).
 * 0, or -1 with the reason in why. */
int alert_rules_add(alert_rules_t *rules, char **words, int count, char *why, size_t why_size);

/* "user", "client", "app". */
const char *alert_per_name(alert_per_t per);

#endif
