/*
 * data_events.c — committed events to the audit log, the exposure view
 * and the alert counters (see data_events.h).
 */
#include "data_events.h"

#include <jansson.h>
#include <string.h>

#include "data_audit.h"
#include "exposure.h"

int data_event_is(const event_t *ev)
{
    return ev->category && ev->raw &&
           (strcmp(ev->category, "data-access") == 0 ||
            strcmp(ev->category, "data-discovery") == 0);
}

void data_events_committed(ctl_t *ctl, const ctl_config_t *cfg, alerts_t *alerts, const event_t *ev)
{
    int data = data_event_is(ev);
    int counted = alerts && alerts_wanted(cfg, ev);
    if (!data && !counted)
        return;
    /* event_parse checked the grammar; the raw text is one JSON object */
    json_t *doc = json_loadb(ev->raw, ev->raw_len, 0, NULL);
    if (data && doc) {
        if (strcmp(ev->category, "data-access") == 0 && ctl->audit)
            data_audit_record(ctl, ev, doc);
        exposure_add_event(ctl, ev, doc);
    }
    if (counted)
        alerts_observe(alerts, ctl, cfg, ev, doc);
    json_decref(doc);
}
