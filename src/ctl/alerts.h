/*
 * alerts.h — rampartd's alerting: the alert_rule thresholds
 * (alert_rule.h) applied to every committed event by the ingest writer.
 *
 * Counting happens in the writer thread, in memory: one counter per rule,
 * key and window, in a table of ALERTS_TRACKED entries (a counter whose
 * window has passed is reused; when every entry is live a new key is not
 * counted, and a warning in the log says how many were not). Counters
 * start at zero when rampartd starts.
 *
 * When a counter goes over its rule's threshold, once per key and
 * window (the store's unique (rule, subject, window_start) makes it once
 * across restarts too):
 *   - an alert row in the store (store_dataview.h), state open, until
 *     secops acknowledge it (POST /api/v1/alerts/{id}/ack);
 *   - an "alert.raised" record in the audit log, which the audit export
 *     delivers to audit_syslog and audit_webhook (audit_export.h): the
 *     same transports, framing and retries as every audit record;
 *   - an event of category "alert" in the event store (the live events
 *     view, the overview).
 * Hits after the alert raise its count (written at the end of each batch).
 */
#ifndef RAMPART_CTL_ALERTS_H
#define RAMPART_CTL_ALERTS_H

#include <jansson.h>

#include "ctl.h"
#include "event_parse.h"

#define ALERTS_TRACKED 8192

typedef struct alerts alerts_t;

alerts_t *alerts_new(void);
void alerts_free(alerts_t *a);

/* Whether any rule of cfg counts events of ev's category. */
int alerts_wanted(const ctl_config_t *cfg, const event_t *ev);

/* Counts ev (its JSON in doc, may be NULL) under the rules of cfg. */
void alerts_observe(alerts_t *a, ctl_t *ctl, const ctl_config_t *cfg, const event_t *ev,
                    json_t *doc);

/* Writes the grown hit counts of raised alerts. */
void alerts_flush(alerts_t *a, ctl_t *ctl);

#endif
