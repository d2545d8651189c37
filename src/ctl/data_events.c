/*
 * data_events.c — committed events to the audit log, the exposure view
 * and the alert counters (see data_events.h).
 */
#include "data_events.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"

#include "data_audit.h"
#include "exposure.h"

struct data_events {
    alerts_t *alerts;
    exposure_batch_t *exposure;
};

data_events_t *data_events_new(void)
{
    data_events_t *d = calloc(1, sizeof(*d));
    if (d && (!(d->alerts = alerts_new()) || !(d->exposure = exposure_batch_new()))) {
        data_events_free(d);
        return NULL;
    }
    return d;
}

void data_events_free(data_events_t *d)
{
    if (!d)
        return;
    alerts_free(d->alerts);
    exposure_batch_free(d->exposure);
    free(d);
}

int data_event_is(const event_t *ev)
{
    return ev->category && ev->raw &&
           (strcmp(ev->category, "data-access") == 0 ||
            strcmp(ev->category, "data-discovery") == 0);
}

void data_events_committed(data_events_t *d, ctl_t *ctl, const ctl_config_t *cfg, const event_t *ev)
{
    int data = data_event_is(ev);
    int counted = alerts_wanted(cfg, ev);
    if (!data && !counted)
        return;
    /* event_parse checked the grammar; the raw text is one JSON object */
    json_t *doc = json_loadb(ev->raw, ev->raw_len, 0, NULL);
    if (data && doc) {
        if (strcmp(ev->category, "data-access") == 0 && ctl->audit)
            data_audit_record(ctl, ev, doc);
        exposure_add_event(d->exposure, ctl, ev, doc);
    }
    if (counted)
        alerts_observe(d->alerts, ctl, cfg, ev, doc);
    json_decref(doc);
}

void data_events_batch_done(data_events_t *d, ctl_t *ctl)
{
    exposure_flush(d->exposure, ctl);
    alerts_flush(d->alerts, ctl);
}
